#include "services/scoring/stages.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>

#include "absl/strings/numbers.h"
#include "fruition/internal/scoring.pb.h"
#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/reports.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/common/kafka/partition.h"
#include "services/common/log/log.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/proto.h"
#include "services/common/status.h"
#include "services/common/store/kv.h"
#include "services/common/store/proto_table.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/domain/answers.h"
#include "services/domain/budget.h"
#include "services/domain/conditions.h"
#include "services/domain/disclosure.h"
#include "services/domain/orgs.h"
#include "services/domain/periods.h"
#include "services/scoring/emit.h"
#include "services/scoring/facts.h"

namespace fruition::scoring {
namespace {

using internal::Components;
using internal::Contribution;
using internal::SubjectState;
using store::GetProtoOrEmpty;
using store::JoinKey;
using store::SplitKey;
// Fiscal years of periods (services/domain/periods.h).
using domain::FiscalYearBounds;
using domain::YearOf;

// A card lists at most this many of the reports that changed it.
constexpr int kMaxChangedBy = 50;

bool IsZero(const Components& c) { return SerializeDeterministic(c).empty(); }

// The owner of an org (the reporter of its first designation in log order)
// as stage 2 stored it, or nullopt before its first counted designation.
// One read: each org's first counted designation is kept under ("w", org_id)
// (an AgencyReport, like every row of the reference table). A store written
// before those rows existed is indexed once, from its stored designations
// (only owners' are stored), and marked ("v", "owners") so it never scans
// again: a scan per designation made reading a large reference topic
// quadratic.
absl::StatusOr<std::optional<std::string>> StoredOrgOwner(
    store::KvTx& tx, int table, const std::string& org) {
  const std::string marker = JoinKey({"v", "owners"});
  FRUITION_ASSIGN_OR_RETURN(const auto indexed, tx.Get(table, marker));
  if (!indexed) {
    FRUITION_ASSIGN_OR_RETURN(
        const auto rows,
        store::ScanProto<v1::AgencyReport>(tx, table, JoinKey({"d", ""})));
    for (const auto& [k, r] : rows) {
      const std::string key = JoinKey({"w", r.org_designated().org_id()});
      FRUITION_ASSIGN_OR_RETURN(const auto have, tx.Get(table, key));
      if (!have) tx.Put(table, key, SerializeDeterministic(r));
    }
    tx.Put(table, marker, "");
  }
  FRUITION_ASSIGN_OR_RETURN(
      const auto first,
      store::GetProto<v1::AgencyReport>(tx, table, JoinKey({"w", org})));
  if (!first) return std::nullopt;
  return first->reporter();
}

// Whether a reference record of `id` (reporter \0 report_id) is stored, of
// any kind: one (reporter, report_id) counts once, the first in log order
// (SPEC §2), whatever body a later one carries.
absl::StatusOr<bool> ReferenceSeen(const store::KvTx& tx,
                                   const std::string& id) {
  for (const char* kind : {"o", "t", "d", "c", "b", "a"}) {
    FRUITION_ASSIGN_OR_RETURN(const auto stored,
                              tx.Get(kReference, JoinKey({kind, id})));
    if (stored) return true;
  }
  return false;
}

// The stored events of condition `key` (kConditions).
absl::StatusOr<std::vector<v1::OversightEvent>> ConditionEvents(
    const store::KvTx& tx, const std::string& key) {
  FRUITION_ASSIGN_OR_RETURN(const auto rows,
                            store::ScanProto<v1::OversightEvent>(
                                tx, kConditions, JoinKey({"e", key, ""})));
  std::vector<v1::OversightEvent> out;
  for (const auto& [k, e] : rows) out.push_back(e);
  return out;
}

// The stored events of the finding condition `key` belongs to: both keys
// of a pair rule's twins (domain::FindingKey).
absl::StatusOr<std::vector<v1::OversightEvent>> FindingEvents(
    const store::KvTx& tx, const std::string& key) {
  const std::string finding = domain::FindingKey(key);
  FRUITION_ASSIGN_OR_RETURN(auto out, ConditionEvents(tx, finding));
  FRUITION_ASSIGN_OR_RETURN(const auto twin,
                            ConditionEvents(tx, finding + "/restricted"));
  out.insert(out.end(), twin.begin(), twin.end());
  return out;
}

// Every stored condition event, by condition key.
absl::StatusOr<std::map<std::string, std::vector<v1::OversightEvent>>>
AllConditionEvents(const store::KvTx& tx) {
  FRUITION_ASSIGN_OR_RETURN(const auto rows,
                            store::ScanProto<v1::OversightEvent>(
                                tx, kConditions, JoinKey({"e", ""})));
  std::map<std::string, std::vector<v1::OversightEvent>> out;
  for (const auto& [k, e] : rows) out[e.condition_key()].push_back(e);
  return out;
}

// `agency:<agency>` \0 `FY<year>` of each (agency, year).
void AppendAgencyYears(const std::set<std::pair<std::string, int>>& in,
                       std::vector<std::string>* out) {
  for (const auto& [agency, year] : in) {
    out->push_back(JoinKey({"agency:" + agency, domain::FiscalYearName(year)}));
  }
}

// Every agency year a finding's `events` may count in (as judged, and as
// all its events say, so a twin's event that moves nothing marks nothing
// wrongly).
void AppendFindingYears(const std::vector<v1::OversightEvent>& events,
                        const std::set<std::string>* agencies,
                        std::vector<std::string>* out) {
  AppendAgencyYears(domain::ConditionAgencyYears(events, agencies), out);
  AppendAgencyYears(
      domain::ConditionAgencyYears(domain::JudgedEvents(events), agencies),
      out);
}

}  // namespace

// ---------------------------------------------------------------- stage 1

Stage1::Stage1(ScoringRules rules, store::KvStore* store,
               std::string reports_topic, std::string assessments_topic,
               std::string contributions_topic, std::string case_members_topic,
               std::string case_facts_topic)
    : rules_(std::move(rules)),
      store_(store),
      reports_topic_(std::move(reports_topic)),
      assessments_topic_(std::move(assessments_topic)),
      contributions_topic_(std::move(contributions_topic)),
      case_members_topic_(std::move(case_members_topic)),
      case_facts_topic_(std::move(case_facts_topic)) {}

absl::StatusOr<std::vector<stream::Output>> Stage1::Apply(
    store::KvTx& tx, const std::vector<kafka::Record>& records,
    const std::set<int32_t>& owned) {
  (void)owned;
  std::map<std::string, SubjectState> subjects;             // loaded, dirty
  std::map<std::string, std::set<std::string>> changed_by;  // pid -> refs
  FRUITION_RETURN_IF_ERROR(ApplyRecords(tx, records, &subjects, &changed_by));
  std::vector<stream::Output> out;
  ContributionEmitter emitter(store_, kIntents, contributions_topic_,
                              rules_.contribution_partitions);
  for (auto& [pid, s] : subjects) {
    FRUITION_RETURN_IF_ERROR(Emit(tx, pid, s, changed_by[pid], &emitter, &out));
  }
  FRUITION_RETURN_IF_ERROR(emitter.Finish(&out));
  return out;
}

absl::Status Stage1::ApplyRecords(
    const store::KvTx& tx, const std::vector<kafka::Record>& records,
    std::map<std::string, SubjectState>* subjects,
    std::map<std::string, std::set<std::string>>* changed_by) const {
  // Stored state that does not parse is DATA_LOSS: never reset and written
  // back empty.
  auto state = [&](const std::string& pid) -> absl::StatusOr<SubjectState*> {
    auto it = subjects->find(pid);
    if (it != subjects->end()) return &it->second;
    auto s = GetProtoOrEmpty<SubjectState>(tx, kSubjects, pid);
    if (!s.ok()) return s.status();
    return &subjects->emplace(pid, *std::move(s)).first->second;
  };
  for (const kafka::Record& r : records) {
    if (r.topic == reports_topic_) {
      v1::AgencyReport report;
      if (!report.ParseFromString(r.value)) {
        return stream::Unreadable(r, "not a fruition.v1.AgencyReport");
      }
      const std::string pid = SubjectOf(report);
      if (pid.empty()) continue;
      FRUITION_ASSIGN_OR_RETURN(SubjectState * s, state(pid));
      s->set_partition(r.partition);
      if (ApplyReport(report, s)) {
        (*changed_by)[pid].insert(
            ReportRef(report.reporter(), report.report_id()));
      }
    } else if (r.topic == assessments_topic_) {
      v1::LinkAssessment a;
      if (!a.ParseFromString(r.value)) {
        return stream::Unreadable(r, "not a fruition.v1.LinkAssessment");
      }
      if (a.subject_pid().empty()) continue;
      FRUITION_ASSIGN_OR_RETURN(SubjectState * s, state(a.subject_pid()));
      s->set_partition(r.partition);
      ApplyAssessment(a, rules_.criteria_version, s);
    } else if (r.topic == case_facts_topic_) {
      internal::CaseFact f;
      if (!f.ParseFromString(r.value)) {
        return stream::Unreadable(r, "not a fruition.internal.CaseFact");
      }
      if (f.subject_pid().empty()) continue;
      FRUITION_ASSIGN_OR_RETURN(SubjectState * s, state(f.subject_pid()));
      s->set_partition(r.partition);
      // The case_opened that changed the subject's case.
      if (ApplyCaseFact(f, s) && !f.case_().report_id().empty()) {
        (*changed_by)[f.subject_pid()].insert(
            ReportRef(f.case_().reporter(), f.case_().report_id()));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Stage1::Emit(store::KvTx& tx, const std::string& pid,
                          SubjectState& s,
                          const std::set<std::string>& changed_by,
                          ContributionEmitter* emitter,
                          std::vector<stream::Output>* out) const {
  FRUITION_RETURN_IF_ERROR(
      emitter->Emit(tx, pid, Contributions(s, *rules_.desert),
                    PossibleUnitPeriods(s), s, changed_by));
  Announce(pid, s, out);
  tx.Put(kSubjects, pid, SerializeDeterministic(s));
  return absl::OkStatus();
}

void Stage1::Announce(const std::string& pid, SubjectState& s,
                      std::vector<stream::Output>* out) const {
  if (case_members_topic_.empty()) return;
  std::set<std::string> cases;
  for (const auto& a : s.arrest_history()) cases.insert(a.case_id());
  for (const auto& e : s.sentencing_history()) cases.insert(e.case_id());
  for (const auto* events :
       {&s.charges(), &s.declinations(), &s.dispositions()}) {
    for (const auto& e : *events) cases.insert(e.case_id());
  }
  for (const std::string& case_id : cases) {
    if (case_id.empty() || s.announced_cases().count(case_id) > 0) continue;
    internal::CaseMember m;
    m.set_case_id(case_id);
    m.set_subject_pid(pid);
    out->push_back(stream::Output{
        case_members_topic_, case_id, SerializeDeterministic(m), {}});
    (*s.mutable_announced_cases())[case_id] = true;
  }
}

absl::StatusOr<std::vector<stream::Output>> Stage1::OnAssigned(
    store::KvTx& tx, const std::set<int32_t>& added,
    const std::set<int32_t>& owned) {
  (void)owned;
  // Another instance may have produced these subjects' contributions since
  // this one last did: forget what was emitted here, so the next change
  // re-emits everything.
  FRUITION_ASSIGN_OR_RETURN(auto subjects,
                            store::ScanProto<SubjectState>(tx, kSubjects, ""));
  for (auto& [pid, s] : subjects) {
    if (added.count(s.partition()) == 0 || s.emitted().empty()) continue;
    s.clear_emitted();
    s.clear_emitted_version();
    tx.Put(kSubjects, pid, SerializeDeterministic(s));
  }
  return std::vector<stream::Output>{};
}

// ---------------------------------------------------------------- stage 2

Stage2::Stage2(ScoringRules rules, std::string contributions_topic,
               std::string reference_topic, std::string scores_topic,
               std::string public_base_topic,
               std::vector<std::string> oversight_topics)
    : rules_(std::move(rules)),
      contributions_topic_(std::move(contributions_topic)),
      reference_topic_(std::move(reference_topic)),
      scores_topic_(std::move(scores_topic)),
      public_base_topic_(std::move(public_base_topic)),
      oversight_topics_(oversight_topics.begin(), oversight_topics.end()) {}

bool Stage2::Owns(const std::string& unit,
                  const std::set<int32_t>& owned) const {
  return owned.count(kafka::PartitionOf(unit, rules_.contribution_partitions)) >
         0;
}

absl::StatusOr<std::optional<v1::Scorecard>> Stage2::Card(
    const store::KvTx& tx, const std::string& unit, const std::string& period) {
  return store::GetProto<v1::Scorecard>(tx, kCards, JoinKey({unit, period}));
}

// What one Apply read and changed of the unit-periods its contributions
// touched: each row is read once, changed in memory as the contributions
// come, in log order, and written once at the end (Write).
struct Stage2::Batch {
  std::map<std::string, Components> totals;  // unit \0 period ->
  std::map<std::string, internal::PublicBaseState> bases;
  std::map<std::string, Contribution> members;  // unit \0 period \0 member
  std::set<std::string> dirty;                  // unit \0 period
  ChangedBy changed_by;  // unit \0 period -> reports that changed it

  // The stored row of `key` in `table` (loaded into `rows` once; empty if
  // absent). DATA_LOSS if its bytes do not parse.
  template <typename T>
  static absl::StatusOr<T*> Row(const store::KvTx& tx, int table,
                                const std::string& key,
                                std::map<std::string, T>* rows) {
    auto it = rows->find(key);
    if (it != rows->end()) return &it->second;
    FRUITION_ASSIGN_OR_RETURN(T row, GetProtoOrEmpty<T>(tx, table, key));
    return &rows->emplace(key, std::move(row)).first->second;
  }

  void Write(store::KvTx& tx) const {
    for (const auto& [k, v] : totals) {
      tx.Put(kTotals, k, SerializeDeterministic(v));
    }
    for (const auto& [k, v] : bases) {
      tx.Put(kPublicBase, k, SerializeDeterministic(v));
    }
    for (const auto& [k, v] : members) {
      tx.Put(kMembers, k, SerializeDeterministic(v));
    }
  }
};

namespace {

// The `received` index row of a member's receipt time `t` (> 0).
std::string ReceivedKey(const std::string& up, int64_t t,
                        const std::string& member) {
  return JoinKey(
      {up,
       store::Decimal(
           static_cast<uint64_t>(std::numeric_limits<int64_t>::max() - t), 19),
       member});
}

// Moves `member`'s row of unit-period `up` in the `received` index from
// `before` to `after` (0: none) and sets `totals`' last_received_at to the
// newest left: the exact maximum over the members, whatever left.
absl::Status UpdateReceived(store::KvTx& tx, const std::string& up,
                            const std::string& member, int64_t before,
                            int64_t after, Components* totals) {
  if (before == after) return absl::OkStatus();
  if (before > 0) tx.Delete(kReceived, ReceivedKey(up, before, member));
  if (after > 0) tx.Put(kReceived, ReceivedKey(up, after, member), "");
  const std::string prefix = JoinKey({up, ""});
  FRUITION_ASSIGN_OR_RETURN(auto first, tx.Scan(kReceived, prefix, "", 1));
  int64_t latest = 0;
  if (!first.empty()) {
    const std::vector<std::string> parts = SplitKey(first[0].first);
    uint64_t inverted = 0;
    if (parts.size() != 4 || !absl::SimpleAtoi(parts[2], &inverted)) {
      return store::DataLoss(*tx.store(), kReceived, first[0].first,
                             "a received index key");
    }
    latest =
        std::numeric_limits<int64_t>::max() - static_cast<int64_t>(inverted);
  }
  totals->set_last_received_at(latest);
  return absl::OkStatus();
}

}  // namespace

absl::Status Stage2::ApplyContribution(store::KvTx& tx, Contribution c,
                                       Batch* batch) const {
  const std::string member_key = JoinKey({c.unit(), c.period(), c.member()});
  const std::string up = JoinKey({c.unit(), c.period()});
  batch->dirty.insert(up);
  // The latest in log order wins (see scoring.proto Contribution).
  FRUITION_ASSIGN_OR_RETURN(
      Contribution * before,
      Batch::Row(tx, kMembers, member_key, &batch->members));
  FRUITION_ASSIGN_OR_RETURN(internal::PublicBaseState * pb,
                            Batch::Row(tx, kPublicBase, up, &batch->bases));
  // Not changed since the base was replaced: its components are its base
  // (absent: nothing).
  if (before->base_epoch() != pb->epoch() || !before->has_base()) {
    *before->mutable_base() = before->components();
    before->set_base_epoch(pb->epoch());
  }
  using google::protobuf::util::MessageDifferencer;
  const bool differed =
      !MessageDifferencer::Equals(before->components(), before->base());
  const bool differs =
      !MessageDifferencer::Equals(c.components(), before->base());
  pb->set_differing(pb->differing() + (differs ? 1 : 0) - (differed ? 1 : 0));

  FRUITION_ASSIGN_OR_RETURN(Components * totals,
                            Batch::Row(tx, kTotals, up, &batch->totals));
  AddComponents(before->components(), -1, totals);
  AddComponents(c.components(), 1, totals);
  FRUITION_RETURN_IF_ERROR(UpdateReceived(
      tx, up, c.member(), before->components().last_received_at(),
      c.components().last_received_at(), totals));
  // The reports that changed the member name the card (a re-emission of
  // what is stored changed nothing); they are never stored.
  if (!MessageDifferencer::Equals(before->components(), c.components())) {
    batch->changed_by[up].insert(c.changed_by().begin(), c.changed_by().end());
  }
  c.clear_changed_by();
  *c.mutable_base() = std::move(*before->mutable_base());
  c.set_base_epoch(before->base_epoch());
  *before = std::move(c);
  if (pb->differing() >= domain::kMinPublicCell) {
    // Enough records differ: the public view may move to the facts as
    // they are now. Every member's base becomes its current components
    // (lazily: their base_epoch is now stale).
    *pb->mutable_base_totals() = *totals;
    pb->set_epoch(pb->epoch() + 1);
    pb->set_differing(0);
  }
  return absl::OkStatus();
}

absl::Status Stage2::DeriveFiscalYear(store::KvTx& tx,
                                      const Contribution& quarter,
                                      Batch* batch) const {
  const std::string fy = domain::FiscalYearOfPeriod(quarter.period());
  Contribution c;
  c.set_unit(quarter.unit());
  c.set_period(fy);
  c.set_member(quarter.member());
  c.set_version(quarter.version());
  *c.mutable_changed_by() = quarter.changed_by();
  for (const char* q : {"Q1", "Q2", "Q3", "Q4"}) {
    FRUITION_ASSIGN_OR_RETURN(
        const Contribution* m,
        Batch::Row(tx, kMembers, JoinKey({c.unit(), fy + q, c.member()}),
                   &batch->members));
    AddComponents(m->components(), 1, c.mutable_components());
  }
  FRUITION_ASSIGN_OR_RETURN(
      const Contribution* stored,
      Batch::Row(tx, kMembers, JoinKey({c.unit(), fy, c.member()}),
                 &batch->members));
  // Unchanged (a quarter moved within the year, or a re-emission): as
  // before quarters-only, when stage 1 produced no fiscal-year record.
  if (google::protobuf::util::MessageDifferencer::Equals(stored->components(),
                                                         c.components())) {
    return absl::OkStatus();
  }
  return ApplyContribution(tx, std::move(c), batch);
}

absl::Status Stage2::ApplyContributionRecord(store::KvTx& tx,
                                             const kafka::Record& r,
                                             Batch* batch) const {
  if (r.value.empty() || r.value[0] != kContributionBatchTag) {
    // One contribution, fiscal years included (before batches).
    Contribution c;
    if (!c.ParseFromString(r.value)) {
      return stream::Unreadable(r, "not a fruition.internal.Contribution");
    }
    return ApplyContribution(tx, std::move(c), batch);
  }
  internal::ContributionBatch b;
  if (!b.ParseFromString(r.value)) {
    return stream::Unreadable(r, "not a fruition.internal.ContributionBatch");
  }
  // Quarters, each member's of one unit and year together: the year is
  // derived once per member and year, after its quarters, as stage 1
  // produced one fiscal-year contribution per member and change before.
  auto& cs = *b.mutable_contributions();
  for (int i = 0; i < cs.size(); ++i) {
    const Contribution& c = cs[i];
    const bool last_of_year =
        !domain::IsFiscalYear(c.period()) &&
        (i + 1 == cs.size() || cs[i + 1].unit() != c.unit() ||
         cs[i + 1].member() != c.member() ||
         domain::FiscalYearOfPeriod(cs[i + 1].period()) !=
             domain::FiscalYearOfPeriod(c.period()));
    Contribution quarter;  // its key and version, to derive the year from
    if (last_of_year) {
      quarter.set_unit(c.unit());
      quarter.set_period(c.period());
      quarter.set_member(c.member());
      quarter.set_version(c.version());
      *quarter.mutable_changed_by() = c.changed_by();
    }
    FRUITION_RETURN_IF_ERROR(ApplyContribution(tx, std::move(cs[i]), batch));
    if (last_of_year) {
      FRUITION_RETURN_IF_ERROR(DeriveFiscalYear(tx, quarter, batch));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<stream::Output>> Stage2::PublicBaseOutput(
    store::KvTx& tx, const std::string& up, const internal::PublicBaseState& pb,
    const v1::Scorecard& base_card, const Components& totals) const {
  internal::PublicBase out;
  *out.mutable_card() = base_card;
  out.set_has_base(pb.epoch() > 0);
  out.set_lags_current(pb.differing() > 0);
  out.set_epoch(pb.epoch());
  std::set<std::string> parents;
  for (const auto& [agency, n] : totals.parent_agencies()) {
    parents.insert(agency);
  }
  for (const auto& [agency, n] : pb.base_totals().parent_agencies()) {
    parents.insert(agency);
  }
  for (const std::string& p : parents) out.add_parents(p);
  std::string bytes = SerializeDeterministic(out);
  FRUITION_ASSIGN_OR_RETURN(const auto stored, tx.Get(kBaseCards, up));
  if (stored && *stored == bytes) return std::optional<stream::Output>();
  tx.Put(kBaseCards, up, bytes);
  return std::optional<stream::Output>(
      stream::Output{public_base_topic_,
                     domain::FiscalYearOfPeriod(base_card.period()),
                     std::move(bytes),
                     {}});
}

absl::StatusOr<std::set<std::string>> Stage2::ReferenceUnitPeriods(
    const store::KvTx& tx) const {
  std::set<std::string> out;
  FRUITION_ASSIGN_OR_RETURN(
      const auto rows, store::ScanProto<v1::AgencyReport>(tx, kReference, ""));
  for (const auto& [k, r] : rows) {
    const auto parts = SplitKey(k);
    if (parts[0] == "o") {
      out.insert(JoinKey({"agency:" + r.reporter(),
                          StrCat("FY", r.org_outcome().fiscal_year())}));
    } else if (parts[0] == "t") {
      out.insert(JoinKey({"agency:" + r.performance_target().agency(),
                          StrCat("FY", r.performance_target().fiscal_year())}));
    } else if (parts[0] == "c") {
      out.insert(JoinKey(
          {"area:" + r.community_indicator().area_id(),
           FiscalYear(r.community_indicator().period_start().seconds())}));
    } else if (parts[0] == "b") {
      out.insert(JoinKey({domain::BudgetLineUnit(r.budget_line()),
                          domain::BudgetLinePeriod(r.budget_line())}));
    }
  }
  FRUITION_ASSIGN_OR_RETURN(const auto conditions, AllConditionEvents(tx));
  std::vector<std::string> ups;
  for (const auto& [key, events] : conditions) {
    AppendAgencyYears(domain::ConditionAgencyYears(events, &rules_.agencies),
                      &ups);
  }
  out.insert(ups.begin(), ups.end());
  return out;
}

absl::StatusOr<std::vector<stream::Output>> Stage2::Apply(
    store::KvTx& tx, const std::vector<kafka::Record>& records,
    const std::set<int32_t>& owned) {
  Batch batch;
  for (const kafka::Record& r : records) {
    if (r.topic == contributions_topic_) {
      FRUITION_RETURN_IF_ERROR(ApplyContributionRecord(tx, r, &batch));
    } else if (r.topic == reference_topic_) {
      v1::AgencyReport report;
      if (!report.ParseFromString(r.value)) {
        return stream::Unreadable(r, "not a fruition.v1.AgencyReport");
      }
      FRUITION_RETURN_IF_ERROR(ApplyReference(tx, r.value, report, owned,
                                              &batch.dirty, &batch.changed_by));
    } else if (oversight_topics_.count(r.topic) > 0) {
      FRUITION_RETURN_IF_ERROR(ApplyCondition(tx, r, owned, &batch.dirty));
    }
  }
  batch.Write(tx);
  return Rebuild(tx, batch.dirty, batch.changed_by);
}

absl::Status Stage2::ApplyReference(store::KvTx& tx, const std::string& bytes,
                                    const v1::AgencyReport& report,
                                    const std::set<int32_t>& owned,
                                    std::set<std::string>* dirty,
                                    ChangedBy* changed_by) const {
  const std::string id = JoinKey({report.reporter(), report.report_id()});
  FRUITION_ASSIGN_OR_RETURN(const bool seen, ReferenceSeen(tx, id));
  if (seen) return absl::OkStatus();
  std::vector<std::string> units;  // agency/area unit-periods touched
  switch (report.body_case()) {
    case v1::AgencyReport::kOrgOutcome: {
      tx.Put(kReference, JoinKey({"o", id}), bytes);
      units.push_back(
          JoinKey({"agency:" + report.reporter(),
                   StrCat("FY", report.org_outcome().fiscal_year())}));
      break;
    }
    case v1::AgencyReport::kPerformanceTarget: {
      tx.Put(kReference, JoinKey({"t", id}), bytes);
      const auto& t = report.performance_target();
      units.push_back(
          JoinKey({"agency:" + t.agency(), StrCat("FY", t.fiscal_year())}));
      break;
    }
    case v1::AgencyReport::kOrgDesignated: {
      FRUITION_ASSIGN_OR_RETURN(const bool counts, MayDesignate(tx, report));
      if (!counts) return absl::OkStatus();
      tx.Put(kReference, JoinKey({"d", id}), bytes);
      const std::string owner_key =
          JoinKey({"w", report.org_designated().org_id()});
      FRUITION_ASSIGN_OR_RETURN(const auto owned_row,
                                tx.Get(kReference, owner_key));
      if (!owned_row) tx.Put(kReference, owner_key, bytes);
      // Its tier decides which outcome claims count as CPOT ones.
      FRUITION_ASSIGN_OR_RETURN(const auto outcomes,
                                store::ScanProto<v1::AgencyReport>(
                                    tx, kReference, JoinKey({"o", ""})));
      for (const auto& [k, o] : outcomes) {
        if (o.org_outcome().org_id() == report.org_designated().org_id()) {
          units.push_back(
              JoinKey({"agency:" + o.reporter(),
                       StrCat("FY", o.org_outcome().fiscal_year())}));
        }
      }
      break;
    }
    case v1::AgencyReport::kBudgetLine: {
      FRUITION_RETURN_IF_ERROR(StoreBudgetLine(tx, bytes, report, &units));
      break;
    }
    case v1::AgencyReport::kAgencyResponse:
    case v1::AgencyReport::kOversightDecision:
      FRUITION_RETURN_IF_ERROR(StoreAnswer(tx, report, &units));
      break;
    case v1::AgencyReport::kCommunityIndicator: {
      tx.Put(kReference, JoinKey({"c", id}), bytes);
      const auto& ci = report.community_indicator();
      // Every later fiscal year's change moves too.
      FRUITION_ASSIGN_OR_RETURN(const auto changes,
                                store::ScanProto<v1::AgencyReport>(
                                    tx, kReference, JoinKey({"c", ""})));
      for (const auto& [k, o] : changes) {
        if (o.community_indicator().area_id() == ci.area_id()) {
          units.push_back(JoinKey(
              {"area:" + ci.area_id(),
               FiscalYear(o.community_indicator().period_start().seconds())}));
        }
      }
      break;
    }
    default:
      break;
  }
  for (const std::string& up : units) {
    if (!Owns(SplitKey(up)[0], owned)) continue;
    dirty->insert(up);
    (*changed_by)[up].insert(ReportRef(report.reporter(), report.report_id()));
  }
  return absl::OkStatus();
}

absl::Status Stage2::StoreBudgetLine(store::KvTx& tx, const std::string& bytes,
                                     const v1::AgencyReport& report,
                                     std::vector<std::string>* units) const {
  const v1::BudgetLine& b = report.budget_line();
  tx.Put(kReference, JoinKey({"b", report.reporter(), report.report_id()}),
         bytes);
  // Every agency fiscal year a version of the line ever named (an empty
  // value: rows of this table are read as reports): an amendment moving it
  // changes the year it leaves too.
  const std::string unit = domain::BudgetLineUnit(b);
  const std::string period = domain::BudgetLinePeriod(b);
  tx.Put(kReference, JoinKey({"l", b.line_id(), unit, period}), "");
  units->push_back(JoinKey({unit, period}));
  FRUITION_ASSIGN_OR_RETURN(
      const auto named, tx.Scan(kReference, JoinKey({"l", b.line_id(), ""})));
  for (const auto& [k, v] : named) {
    const auto parts = SplitKey(k);
    if (parts.size() == 4) units->push_back(JoinKey({parts[2], parts[3]}));
  }
  return absl::OkStatus();
}

absl::Status Stage2::StoreAnswer(store::KvTx& tx,
                                 const v1::AgencyReport& report,
                                 std::vector<std::string>* units) const {
  // Its (reporter, report_id) is seen (ReferenceSeen), whether it counts.
  tx.Put(kReference, JoinKey({"a", report.reporter(), report.report_id()}), "");
  const std::string key = JoinKey({"q", domain::AnswerKey(report)});
  FRUITION_ASSIGN_OR_RETURN(
      const auto stored,
      store::GetProto<v1::AgencyReport>(tx, kReference, key));
  if (stored && !domain::ReplacesAnswer(report, *stored)) {
    return absl::OkStatus();
  }
  // Only who answered or decided what, and when, is counted: the
  // explanation, corrective action and note stay out of this store.
  v1::AgencyReport kept = report;
  if (kept.has_agency_response()) {
    kept.mutable_agency_response()->clear_explanation();
    kept.mutable_agency_response()->clear_corrective_action();
  } else {
    kept.mutable_oversight_decision()->clear_note();
  }
  tx.Put(kReference, key, SerializeDeterministic(kept));
  const std::string& condition = domain::AnswerConditionKey(report);
  FRUITION_ASSIGN_OR_RETURN(const auto events, FindingEvents(tx, condition));
  AppendFindingYears(events, &rules_.agencies, units);
  return absl::OkStatus();
}

absl::Status Stage2::ApplyCondition(store::KvTx& tx, const kafka::Record& r,
                                    const std::set<int32_t>& owned,
                                    std::set<std::string>* dirty) const {
  v1::OversightEvent e;
  if (!e.ParseFromString(r.value)) {
    return stream::Unreadable(r, "not a fruition.v1.OversightEvent");
  }
  if (!domain::CountsAsCondition(e)) return absl::OkStatus();
  const std::string row = JoinKey({"e", e.condition_key(), e.event_id()});
  FRUITION_ASSIGN_OR_RETURN(const auto seen, tx.Get(kConditions, row));
  if (seen) return absl::OkStatus();  // one event counts once
  FRUITION_ASSIGN_OR_RETURN(auto events, FindingEvents(tx, e.condition_key()));
  // The agency years its finding counted in before this event and after:
  // the event may move its year (a later raise about another period) or
  // the agencies it concerns.
  std::vector<std::string> units;
  AppendFindingYears(events, &rules_.agencies, &units);
  const v1::OversightEvent kept = domain::ConditionEventOf(e);
  tx.Put(kConditions, row, SerializeDeterministic(kept));
  events.push_back(kept);
  AppendFindingYears(events, &rules_.agencies, &units);
  for (const std::string& up : units) {
    if (Owns(SplitKey(up)[0], owned)) dirty->insert(up);
  }
  return absl::OkStatus();
}

void Stage2::CountIgnoredDesignations(prometheus::Registry& registry) {
  designations_ignored_ =
      &prometheus::BuildCounter()
           .Name("fruition_scoring_designations_ignored_total")
           .Help(
               "org_designated reports ignored, by reason (not_owner: the "
               "org belongs to the reporter of its first designation)")
           .Register(registry)
           .Add({{"reason", "not_owner"}});
}

absl::StatusOr<bool> Stage2::MayDesignate(
    store::KvTx& tx, const v1::AgencyReport& report) const {
  const std::string& org = report.org_designated().org_id();
  FRUITION_ASSIGN_OR_RETURN(const auto owner,
                            StoredOrgOwner(tx, kReference, org));
  if (!owner || *owner == report.reporter()) return true;
  if (designations_ignored_ != nullptr) designations_ignored_->Increment();
  log::Warn("org_designated by a reporter other than the org's owner ignored",
            {{"org_id", org},
             {"reporter", report.reporter()},
             {"owner", *owner},
             {"report_id", report.report_id()}});
  return false;
}

absl::StatusOr<std::vector<stream::Output>> Stage2::OnAssigned(
    store::KvTx& tx, const std::set<int32_t>& added,
    const std::set<int32_t>& owned) {
  (void)owned;
  std::set<std::string> dirty;
  FRUITION_ASSIGN_OR_RETURN(const auto ups, ReferenceUnitPeriods(tx));
  for (const std::string& up : ups) {
    if (Owns(SplitKey(up)[0], added)) dirty.insert(up);
  }
  // Every unit-period any member ever counted in (its totals are kept,
  // zero too): another instance may have produced its latest card.
  FRUITION_ASSIGN_OR_RETURN(const auto totals, tx.Scan(kTotals, ""));
  for (const auto& [up, bytes] : totals) {
    if (Owns(SplitKey(up)[0], added)) dirty.insert(up);
  }
  // No report changed them: the cards move to this instance, produced again.
  return Rebuild(tx, dirty, {}, /*republish=*/true);
}

namespace {

// The reference records a batch's agency and area fiscal years read.
struct ReferenceRecords {
  std::vector<v1::AgencyReport> outcomes, targets, designations, community;
  // Each org's tier (domain::TiersByOrg).
  std::map<std::string, v1::Tier> tier;
  // Every version of every budget line, and per agency unit \0 FY: the
  // current lines naming it (domain::CurrentBudgetLines), and whether any
  // version ever named it.
  std::vector<v1::AgencyReport> budget_versions;
  std::map<std::string, std::vector<const v1::BudgetLine*>> budget_lines;
  std::set<std::string> budgeted;
  // Per (agency, fiscal year): its conditions' counts.
  domain::AgencyYearConditions conditions;
};

// Whether any dirty card is one the reference facts feed (an agency or area
// fiscal year): most batches touch quarters, districts and field offices
// only.
bool FeedsReference(const std::set<std::string>& dirty) {
  for (const std::string& up : dirty) {
    const auto parts = SplitKey(up);
    if (parts[1].size() == 6 && (parts[0].rfind("agency:", 0) == 0 ||
                                 parts[0].rfind("area:", 0) == 0)) {
      return true;
    }
  }
  return false;
}

// `agencies`: ScoringRules::agencies.
absl::StatusOr<ReferenceRecords> LoadReference(
    const store::KvTx& tx, const std::set<std::string>* agencies) {
  ReferenceRecords out;
  std::map<std::string, std::vector<v1::AgencyReport>> answers;
  FRUITION_ASSIGN_OR_RETURN(
      auto rows, store::ScanProto<v1::AgencyReport>(tx, kReference, ""));
  for (auto& [k, r] : rows) {
    switch (SplitKey(k)[0][0]) {
      case 'o':
        out.outcomes.push_back(std::move(r));
        break;
      case 't':
        out.targets.push_back(std::move(r));
        break;
      case 'd':
        out.designations.push_back(std::move(r));
        break;
      case 'c':
        out.community.push_back(std::move(r));
        break;
      case 'b':
        out.budget_versions.push_back(std::move(r));
        break;
      case 'q':
        answers[domain::AnswerConditionKey(r)].push_back(std::move(r));
        break;
      default:
        break;
    }
  }
  // Each org's tier, by the rule evidence's C5 uses too.
  out.tier = domain::TiersByOrg(out.designations);
  for (const auto& v : out.budget_versions) {
    out.budgeted.insert(JoinKey({domain::BudgetLineUnit(v.budget_line()),
                                 domain::BudgetLinePeriod(v.budget_line())}));
  }
  for (const auto& [line_id, v] :
       domain::CurrentBudgetLines(out.budget_versions)) {
    const v1::BudgetLine& b = v->budget_line();
    out.budget_lines[JoinKey({domain::BudgetLineUnit(b),
                              domain::BudgetLinePeriod(b)})]
        .push_back(&b);
  }
  FRUITION_ASSIGN_OR_RETURN(const auto conditions, AllConditionEvents(tx));
  out.conditions = domain::CountConditions(conditions, answers, agencies);
  return out;
}

// The agency's condition counts for the year into `a`; whether it has any.
bool AddConditions(const std::string& agency, int year,
                   const ReferenceRecords& r, AgencyYearReference* a) {
  const auto it = r.conditions.find({agency, year});
  if (it == r.conditions.end()) return false;
  a->conditions_raised = it->second.raised;
  a->conditions_answered = it->second.answered;
  a->conditions_accepted = it->second.accepted;
  a->conditions_rejected = it->second.rejected;
  return true;
}

// The agency's budget lines for the year into `a`; whether any version of
// a line ever named it.
bool AddBudget(const std::string& agency, int year, const ReferenceRecords& r,
               AgencyYearReference* a) {
  const std::string up = JoinKey({"agency:" + agency, StrCat("FY", year)});
  if (r.budgeted.count(up) == 0) return false;
  a->budgeted = true;
  if (auto it = r.budget_lines.find(up); it != r.budget_lines.end()) {
    for (const v1::BudgetLine* b : it->second) {
      ++a->budget_lines;
      a->budget_usd += b->amount_usd();
    }
  }
  return true;
}

// An agency's reference facts for one fiscal year, if it has any.
std::optional<AgencyYearReference> AgencyYearOf(const std::string& agency,
                                                int year,
                                                const ReferenceRecords& r) {
  AgencyYearReference a;
  bool any = false;
  for (const auto& o : r.outcomes) {
    const auto& oc = o.org_outcome();
    if (o.reporter() != agency || static_cast<int>(oc.fiscal_year()) != year) {
      continue;
    }
    any = true;
    ++a.org_outcomes;
    const bool dismantled = oc.outcome() == v1::ORG_OUTCOME_DISMANTLED;
    if (dismantled && oc.pending()) ++a.pending_dismantled;
    const auto t = r.tier.find(oc.org_id());
    const bool cpot = t != r.tier.end() && t->second == v1::TIER_CPOT;
    // Pending outcomes count as agencies report them, not once restated.
    for (auto* reported : {&a.reported, &a.reported_restated}) {
      if (reported == &a.reported_restated && oc.pending()) continue;
      ++(*reported)[dismantled ? "PERFORMANCE_MEASURE_PTO_DISMANTLED"
                               : "PERFORMANCE_MEASURE_PTO_DISRUPTED"];
      if (cpot) {
        ++(*reported)[dismantled ? "PERFORMANCE_MEASURE_CPOT_DISMANTLED"
                                 : "PERFORMANCE_MEASURE_CPOT_DISRUPTED"];
      }
    }
  }
  any = AddBudget(agency, year, r, &a) || any;
  // The latest target per measure.
  std::map<std::string, std::tuple<int64_t, std::string, int64_t>> latest;
  for (const auto& t : r.targets) {
    const auto& pt = t.performance_target();
    if (pt.agency() != agency || static_cast<int>(pt.fiscal_year()) != year) {
      continue;
    }
    any = true;
    const std::string measure = v1::PerformanceMeasure_Name(pt.measure());
    auto key = std::make_tuple(t.occurred_at().seconds(), t.report_id(),
                               static_cast<int64_t>(pt.target()));
    if (latest.count(measure) == 0 || latest[measure] < key) {
      latest[measure] = key;
    }
  }
  for (const auto& [m, v] : latest) a.target[m] = std::get<2>(v);
  // Conditions alone give the card their four cells, not the others.
  a.sent_facts = any;
  any = AddConditions(agency, year, r, &a) || any;
  return any ? std::optional<AgencyYearReference>(a) : std::nullopt;
}

// An area's community change up to the end of one fiscal year, if any.
std::optional<CommunityChange> CommunityChangeOf(const std::string& area,
                                                 int year,
                                                 const ReferenceRecords& r) {
  const int64_t end = FiscalYearBounds(year).second;
  // Per kind: (period_start, report_id) -> value, up to the year's end.
  std::map<std::string, std::map<std::tuple<int64_t, std::string>, double>>
      series;
  for (const auto& c : r.community) {
    const auto& ci = c.community_indicator();
    if (ci.area_id() != area || ci.period_start().seconds() >= end) {
      continue;
    }
    series[v1::CommunityIndicatorKind_Name(ci.indicator())]
          [{ci.period_start().seconds(), c.report_id()}] = ci.value();
  }
  CommunityChange cc;
  for (const auto& [kind, points] : series) {
    cc[kind] = {points.begin()->second, points.rbegin()->second,
                static_cast<int64_t>(points.size())};
  }
  return cc.empty() ? std::nullopt : std::optional<CommunityChange>(cc);
}

}  // namespace

absl::StatusOr<std::vector<stream::Output>> Stage2::Rebuild(
    store::KvTx& tx, const std::set<std::string>& dirty,
    const ChangedBy& changed_by, bool republish) const {
  static const std::set<std::string> kNone;
  std::vector<stream::Output> out;
  if (dirty.empty()) return out;
  // Reference facts, read once per batch, and only when they feed a card.
  ReferenceRecords reference;
  if (FeedsReference(dirty)) {
    FRUITION_ASSIGN_OR_RETURN(reference, LoadReference(tx, &rules_.agencies));
  }
  for (const std::string& up : dirty) {
    const auto parts = SplitKey(up);
    const std::string& unit = parts[0];
    const std::string& period = parts[1];
    const bool fiscal_year = period.size() == 6;
    std::optional<AgencyYearReference> ref;
    std::optional<CommunityChange> change;
    if (fiscal_year && unit.rfind("agency:", 0) == 0) {
      ref = AgencyYearOf(unit.substr(7), YearOf(period), reference);
    }
    if (fiscal_year && unit.rfind("area:", 0) == 0) {
      change = CommunityChangeOf(unit.substr(5), YearOf(period), reference);
    }
    const auto by = changed_by.find(up);
    FRUITION_RETURN_IF_ERROR(RebuildCard(
        tx, up, ref ? &*ref : nullptr, change ? &*change : nullptr,
        by == changed_by.end() ? kNone : by->second, &out, republish));
  }
  return out;
}

v1::Scorecard Stage2::CardOf(const std::string& unit, const std::string& period,
                             const Components& totals,
                             const AgencyYearReference* ref,
                             const CommunityChange* change) const {
  v1::Scorecard card;
  card.set_unit(unit);
  card.set_period(period);
  for (auto& i :
       ComputeIndicators(totals, ref, change, rules_.indicators, unit)) {
    *card.add_indicators() = std::move(i);
  }
  card.set_score_version(rules_.desert->version);
  card.set_criteria_version(rules_.criteria_version);
  return card;
}

stream::Output Stage2::Republication(const v1::Scorecard& card) const {
  return stream::Output{
      scores_topic_,
      card.unit(),
      SerializeDeterministic(card),
      {{"fruition-scorecard-id", card.scorecard_id()},
       {std::string(topics::kRepublishedHeader), "assigned"}}};
}

absl::Status Stage2::RebuildCard(store::KvTx& tx, const std::string& up,
                                 const AgencyYearReference* ref,
                                 const CommunityChange* change,
                                 const std::set<std::string>& changed_by,
                                 std::vector<stream::Output>* out,
                                 bool republish) const {
  const auto parts = SplitKey(up);
  const std::string& unit = parts[0];
  const std::string& period = parts[1];
  FRUITION_ASSIGN_OR_RETURN(const Components totals,
                            GetProtoOrEmpty<Components>(tx, kTotals, up));
  const bool empty = IsZero(totals) && !ref && !change;
  FRUITION_ASSIGN_OR_RETURN(const auto stored, Card(tx, unit, period));
  if (empty && !stored) {
    if (!republish) return absl::OkStatus();
    // Empty here, and maybe not in what the previous owner produced last:
    // the empty card, once (nothing kept, nothing for the public view).
    v1::Scorecard card = CardOf(unit, period, totals, ref, change);
    card.set_scorecard_id(
        privacy::Sha256Hex(SerializeDeterministic(card)).substr(0, 32));
    card.set_revision(1);
    out->push_back(Republication(card));
    return absl::OkStatus();
  }
  // What the public view may rest on: people as of its base, the
  // organizations and areas as they are now (nothing for a unit-period
  // that never had a scorecard).
  {
    FRUITION_ASSIGN_OR_RETURN(
        const auto pb,
        GetProtoOrEmpty<internal::PublicBaseState>(tx, kPublicBase, up));
    const v1::Scorecard base =
        CardOf(unit, period, pb.base_totals(), ref, change);
    FRUITION_ASSIGN_OR_RETURN(auto o,
                              PublicBaseOutput(tx, up, pb, base, totals));
    if (o) out->push_back(*std::move(o));
  }
  v1::Scorecard card = CardOf(unit, period, totals, ref, change);
  card.set_scorecard_id(
      privacy::Sha256Hex(SerializeDeterministic(card)).substr(0, 32));
  if (stored && stored->scorecard_id() == card.scorecard_id()) {
    if (republish) out->push_back(Republication(*stored));
    return absl::OkStatus();
  }
  card.set_revision(stored ? stored->revision() + 1 : 1);
  // After the id: which reports changed it is not its content.
  for (const std::string& ref : changed_by) {
    if (card.changed_by_size() == kMaxChangedBy) break;
    card.add_changed_by(ref);
  }
  card.set_changed_by_count(static_cast<int64_t>(changed_by.size()));
  if (empty) {
    // Nothing is counted here any more (e.g. an amended judgment moved
    // the only sentenced person): subscribers get the empty card once,
    // the store keeps nothing, so its content never depends on batching.
    tx.Delete(kCards, up);
    tx.Delete(kByPeriod, JoinKey({period, unit}));
  } else {
    tx.Put(kCards, up, SerializeDeterministic(card));
    tx.Put(kByPeriod, JoinKey({period, unit}), "");
  }
  out->push_back(
      stream::Output{scores_topic_,
                     unit,
                     SerializeDeterministic(card),
                     {{"fruition-scorecard-id", card.scorecard_id()}}});
  return absl::OkStatus();
}

}  // namespace fruition::scoring
