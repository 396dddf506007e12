#include "services/reconciler/handler.h"

#include <chrono>
#include <cstdlib>
#include <map>
#include <thread>

#include "fruition/internal/reconciler.pb.h"
#include "fruition/internal/scoring.pb.h"
#include "google/protobuf/util/time_util.h"
#include "services/common/kafka/partition.h"
#include "services/common/log/log.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/proto.h"
#include "services/common/status.h"
#include "services/common/store/kv.h"
#include "services/common/store/proto_table.h"
#include "services/common/strings.h"
#include "services/domain/answers.h"
#include "services/domain/budget.h"
#include "services/domain/reports.h"
#include "services/domain/subject_facts.h"

namespace fruition::reconciler {
namespace {

using store::JoinKey;
using store::SplitKey;

// Dirty kinds.
constexpr char kSubject[] = "subject";         // id: pid
constexpr char kCard[] = "card";               // id: unit \0 period
constexpr char kPublicCard[] = "public-card";  // id: unit \0 period
constexpr char kOutcome[] = "outcome";         // id: reporter \0 report_id
constexpr char kConflict[] = "conflict";       // id: reporter \0 report_id
constexpr char kBudget[] = "budget";           // id: line_id

using store::GetProto;
using store::GetProtoOrEmpty;

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Where the cards of each view are kept.
struct CardTables {
  int cards;
  int pending;
  const char* dirty_kind;
};

CardTables TablesOf(bool public_view) {
  return public_view ? CardTables{kPublicCards, kPublicPending, kPublicCard}
                     : CardTables{kCards, kPending, kCard};
}

}  // namespace

const std::vector<std::string>& Tables() {
  static const auto* t = new std::vector<std::string>{
      "subjects",     "claims",         "reports",   "cards",
      "outcomes",     "dirty",          "published", "pending",
      "events",       "event_ids",      "outpos",    "meta",
      "public_cards", "public_pending", "answers",   "budget_lines",
      "budget_index"};
  return *t;
}

ReadBack KafkaReadBack(const kafka::ConsumerOptions& options) {
  return [options](const std::vector<std::string>& topics,
                   const std::set<int32_t>& partitions,
                   const kafka::StartOffsets& start)
             -> absl::StatusOr<std::vector<kafka::Record>> {
    if (partitions.empty()) return std::vector<kafka::Record>{};
    return kafka::ReadToEnd(options, topics, partitions, start,
                            std::chrono::minutes(5));
  };
}

ReconcilerHandler::ReconcilerHandler(ReconcilerOptions options, Topics topics,
                                     ReadBack read_back,
                                     prometheus::Registry* registry)
    : options_(std::move(options)),
      topics_(std::move(topics)),
      read_back_(std::move(read_back)) {
  if (!options_.now_ms) options_.now_ms = SystemNowMs;
  if (registry != nullptr) {
    events_family_ = &prometheus::BuildCounter()
                          .Name("fruition_reconciler_events_total")
                          .Help(
                              "Oversight events emitted, by type and "
                              "whether they resolve a condition")
                          .Register(*registry);
  }
}

void ReconcilerHandler::MarkDirty(store::KvTx& tx, int32_t partition,
                                  const std::string& kind,
                                  const std::string& id) const {
  tx.Put(kDirty, JoinKey({store::Decimal(partition, 5), kind, id}), "");
}

absl::Status ReconcilerHandler::ApplyReport(store::KvTx& tx,
                                            const kafka::Record& r,
                                            bool reference) {
  v1::AgencyReport report;
  if (!report.ParseFromString(r.value)) {
    return stream::Unreadable(r, "not a fruition.v1.AgencyReport");
  }
  const std::string pid = domain::SubjectOf(report);
  // Events about a reference record belong to the owner of its key's
  // partition; about a case-level one, to that of the record's partition.
  const int32_t partition =
      reference ? kafka::PartitionOf(r.key, options_.partitions) : r.partition;
  // One (reporter, report_id) counts once: the first body in log order.
  const std::string id = JoinKey({report.reporter(), report.report_id()});
  // The report as sent: two copies intake stamped at different times (a
  // retry after UNAVAILABLE, two replicas) are the same report, not a
  // conflict.
  const std::string body = privacy::Sha256Hex(domain::SenderBytes(report));
  FRUITION_ASSIGN_OR_RETURN(auto seen,
                            GetProto<internal::ReportSeen>(tx, kReports, id));
  if (seen) {
    for (const auto& b : seen->body_sha256()) {
      if (b == body) return absl::OkStatus();  // the same report again
    }
    seen->add_body_sha256(body);
    tx.Put(kReports, id, seen->SerializeAsString());
    MarkDirty(tx, seen->partition(), kConflict, id);
    return absl::OkStatus();
  }
  internal::ReportSeen s;
  s.add_body_sha256(body);
  s.set_subject_pid(pid);
  s.set_key(r.key);
  s.set_partition(partition);
  s.set_first_occurred_at(report.occurred_at().seconds());
  tx.Put(kReports, id, s.SerializeAsString());
  if (reference) {
    if (domain::IsAnswer(report)) return KeepAnswer(tx, report, r.value);
    if (report.has_budget_line()) return ApplyBudgetLine(tx, report);
    if (report.has_org_outcome()) {
      tx.Put(kOutcomes, id, report.SerializeAsString());
      const int32_t owner = kafka::PartitionOf(
          StrCat("agency:", report.reporter()), options_.partitions);
      MarkDirty(tx, owner, kOutcome, id);
    }
    return absl::OkStatus();
  }
  if (pid.empty()) return absl::OkStatus();
  FRUITION_ASSIGN_OR_RETURN(
      internal::SubjectState state,
      GetProtoOrEmpty<internal::SubjectState>(tx, kSubjects, pid));
  if (domain::ApplyReport(report, &state)) {
    state.set_partition(r.partition);
    tx.Put(kSubjects, pid, state.SerializeAsString());
    MarkDirty(tx, r.partition, kSubject, pid);
  }
  return absl::OkStatus();
}

absl::Status ReconcilerHandler::KeepAnswer(store::KvTx& tx,
                                           const v1::AgencyReport& report,
                                           const std::string& bytes) {
  const std::string key = domain::AnswerKey(report);
  FRUITION_ASSIGN_OR_RETURN(const auto stored,
                            GetProto<v1::AgencyReport>(tx, kAnswers, key));
  if (!stored || domain::ReplacesAnswer(report, *stored)) {
    tx.Put(kAnswers, key, bytes);
  }
  return absl::OkStatus();
}

namespace {

// Every stored version of budget line `line_id`.
absl::StatusOr<std::vector<v1::AgencyReport>> BudgetVersions(
    const store::KvTx& tx, const std::string& line_id) {
  FRUITION_ASSIGN_OR_RETURN(
      auto rows, store::ScanProto<v1::AgencyReport>(tx, kBudgetLines,
                                                    JoinKey({line_id, ""})));
  std::vector<v1::AgencyReport> out;
  out.reserve(rows.size());
  for (auto& [k, r] : rows) out.push_back(std::move(r));
  return out;
}

// The index key of a line's current version: unit \0 period \0 line_id.
std::string IndexKey(const v1::BudgetLine& b) {
  return JoinKey(
      {domain::BudgetLineUnit(b), domain::BudgetLinePeriod(b), b.line_id()});
}

}  // namespace

absl::Status ReconcilerHandler::ApplyBudgetLine(store::KvTx& tx,
                                                const v1::AgencyReport& r) {
  const v1::BudgetLine& b = r.budget_line();
  FRUITION_ASSIGN_OR_RETURN(std::vector<v1::AgencyReport> versions,
                            BudgetVersions(tx, b.line_id()));
  const auto before = domain::CurrentBudgetLines(versions);
  if (!before.empty()) {
    tx.Delete(kBudgetIndex, IndexKey(before.begin()->second->budget_line()));
  }
  tx.Put(kBudgetLines, JoinKey({b.line_id(), r.reporter(), r.report_id()}),
         r.SerializeAsString());
  versions.push_back(r);
  const auto after = domain::CurrentBudgetLines(versions);
  tx.Put(kBudgetIndex, IndexKey(after.at(b.line_id())->budget_line()), "");
  // Judged where it is now, resolved where it was.
  std::set<int32_t> owners;
  for (const v1::AgencyReport& v : versions) {
    owners.insert(kafka::PartitionOf(domain::BudgetLineUnit(v.budget_line()),
                                     options_.partitions));
  }
  for (int32_t p : owners) MarkDirty(tx, p, kBudget, b.line_id());
  return absl::OkStatus();
}

absl::Status ReconcilerHandler::MarkBudgetLines(store::KvTx& tx,
                                                const v1::Scorecard& card,
                                                int32_t partition) const {
  FRUITION_ASSIGN_OR_RETURN(
      const auto lines,
      tx.Scan(kBudgetIndex, JoinKey({card.unit(), card.period(), ""})));
  for (const auto& [k, v] : lines) {
    const auto parts = SplitKey(k);
    if (parts.size() == 3) MarkDirty(tx, partition, kBudget, parts[2]);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::ConditionAccountability>>
ReconcilerHandler::AccountabilityOf(const store::KvTx& tx,
                                    const v1::OversightEvent& e, bool full) {
  FRUITION_ASSIGN_OR_RETURN(
      auto rows,
      store::ScanProto<v1::AgencyReport>(
          tx, kAnswers, domain::AnswerPrefix(e.condition_key()), "", 1000));
  std::vector<v1::AgencyReport> kept;
  kept.reserve(rows.size());
  for (auto& [k, r] : rows) kept.push_back(std::move(r));
  return domain::Accountability(e, kept, full);
}

absl::Status ReconcilerHandler::JudgeBudgetLine(
    store::KvTx& tx, int32_t partition, const std::string& line_id, bool left,
    int64_t now, std::vector<stream::Output>* out) {
  FRUITION_ASSIGN_OR_RETURN(const std::vector<v1::AgencyReport> versions,
                            BudgetVersions(tx, line_id));
  const auto current = domain::CurrentBudgetLines(versions);
  if (current.empty()) return absl::OkStatus();
  const v1::AgencyReport& line = *current.begin()->second;
  const std::string unit = domain::BudgetLineUnit(line.budget_line());
  domain::BudgetLineFacts facts;
  facts.line = &line;
  // Where an earlier version was, and the latest of them there.
  std::map<std::string, const v1::AgencyReport*> was;
  for (const v1::AgencyReport& v : versions) {
    const std::string u = domain::BudgetLineUnit(v.budget_line());
    if (u == unit) continue;
    const v1::AgencyReport*& latest = was[u];
    if (latest == nullptr || domain::SupersedesBudgetLine(v, *latest)) {
      latest = &v;
    }
  }
  for (const auto& [u, v] : was) {
    facts.left[u] = domain::BudgetLinePeriod(v->budget_line());
  }
  FRUITION_ASSIGN_OR_RETURN(
      const auto card,
      GetProto<v1::Scorecard>(
          tx, kPublicCards,
          JoinKey({unit, domain::BudgetLinePeriod(line.budget_line())})));
  if (card) facts.card = &*card;
  domain::RuleInputs in = Inputs();
  in.budget = &facts;
  for (const Finding& f :
       domain::JudgeRules(domain::RuleInput::kBudgetLine, in)) {
    if (kafka::PartitionOf(f.key, options_.partitions) != partition) continue;
    if ((f.event.unit() != unit) != left) continue;
    FRUITION_RETURN_IF_ERROR(Judge(tx, f, now, out));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<stream::Output>> ReconcilerHandler::Apply(
    store::KvTx& tx, const std::vector<kafka::Record>& records,
    const std::set<int32_t>& owned) {
  (void)owned;
  for (const kafka::Record& r : records) {
    if (r.topic == topics_.reports || r.topic == topics_.reference) {
      // Unreadable names the record; any other error is the store's.
      absl::Status s = ApplyReport(tx, r, r.topic == topics_.reference);
      if (!s.ok()) return s;
    } else if (r.topic == topics_.assessments) {
      v1::LinkAssessment a;
      if (!a.ParseFromString(r.value)) {
        return stream::Unreadable(r, "not a fruition.v1.LinkAssessment");
      }
      if (a.criteria_version() != options_.criteria_version ||
          a.subject_pid().empty()) {
        continue;
      }
      const std::string pid = a.subject_pid();
      tx.Put(kClaims, JoinKey({pid, a.reporter(), a.claim_id()}),
             a.SerializeAsString());
      FRUITION_ASSIGN_OR_RETURN(
          internal::SubjectState state,
          GetProtoOrEmpty<internal::SubjectState>(tx, kSubjects, pid));
      domain::ApplyAssessment(a, options_.criteria_version, &state);
      state.set_partition(r.partition);
      tx.Put(kSubjects, pid, state.SerializeAsString());
      MarkDirty(tx, r.partition, kSubject, pid);
    } else if (r.topic == topics_.scores || r.topic == topics_.scores_public) {
      const bool public_view = r.topic == topics_.scores_public;
      v1::Scorecard card;
      if (!card.ParseFromString(r.value) || card.unit().empty()) {
        return stream::Unreadable(r, "not a fruition.v1.Scorecard");
      }
      // A card of the other view would have its conditions judged on the
      // wrong figures (restricted ones made public, or the reverse).
      if (card.public_view() != public_view) {
        return stream::Unreadable(
            r, public_view ? "a scorecard without public_view on the "
                             "public-view topic"
                           : "a public view (public_view set) on the "
                             "restricted scores topic");
      }
      const CardTables t = TablesOf(public_view);
      const std::string id = JoinKey({card.unit(), card.period()});
      tx.Put(t.cards, id, card.SerializeAsString());
      MarkDirty(tx, r.partition, t.dirty_kind, id);
      if (public_view) {
        FRUITION_RETURN_IF_ERROR(MarkBudgetLines(tx, card, r.partition));
      }
    } else if (r.topic == topics_.oversight_public ||
               r.topic == topics_.oversight_restricted) {
      continue;  // read back on assignment, not consumed
    }
  }
  return std::vector<stream::Output>{};
}

absl::Status ReconcilerHandler::Record(store::KvTx& tx, const std::string& key,
                                       const v1::OversightEvent& e) const {
  internal::PublishedState p;
  p.set_event_id(e.event_id());
  p.set_resolved(e.resolved());
  p.set_emitted_at_ms(google::protobuf::util::TimeUtil::TimestampToMilliseconds(
      e.emitted_at()));
  tx.Put(kPublished, PublishedKey(key, e), p.SerializeAsString());
  FRUITION_ASSIGN_OR_RETURN(const auto known, tx.Get(kEventIds, e.event_id()));
  if (known) return absl::OkStatus();
  uint64_t seq = 0;
  FRUITION_ASSIGN_OR_RETURN(const auto stored_seq, tx.Get(kMeta, "seq"));
  if (stored_seq) {
    char* end = nullptr;
    seq = std::strtoull(stored_seq->c_str(), &end, 10);
    if (stored_seq->empty() || *end != '\0') {
      return store::DataLoss(*tx.store(), kMeta, "seq", "a decimal number");
    }
  }
  ++seq;
  tx.Put(kMeta, "seq", std::to_string(seq));
  tx.Put(kEvents, store::Decimal(seq, 20), e.SerializeAsString());
  tx.Put(kEventIds, e.event_id(), store::Decimal(seq, 20));
  return absl::OkStatus();
}

absl::Status ReconcilerHandler::Judge(store::KvTx& tx, const Finding& f,
                                      int64_t now,
                                      std::vector<stream::Output>* out) {
  std::optional<Published> last;
  FRUITION_ASSIGN_OR_RETURN(const auto p,
                            GetProto<internal::PublishedState>(
                                tx, kPublished, PublishedKey(f.key, f.event)));
  if (p) last = Published{p->event_id(), p->resolved()};
  std::optional<v1::OversightEvent> e = Reconcile(f, last);
  if (!e) return absl::OkStatus();
  *e->mutable_emitted_at() =
      google::protobuf::util::TimeUtil::MillisecondsToTimestamp(now);
  FRUITION_RETURN_IF_ERROR(Record(tx, f.key, *e));
  out->push_back(stream::Output{e->visibility() == v1::VISIBILITY_PUBLIC
                                    ? topics_.oversight_public
                                    : topics_.oversight_restricted,
                                f.key,
                                e->SerializeAsString(),
                                {{"fruition-event-id", e->event_id()}}});
  if (events_family_ != nullptr) {
    events_family_
        ->Add({{"type", v1::EventType_Name(e->type())},
               {"resolved", e->resolved() ? "true" : "false"}})
        .Increment();
  }
  return absl::OkStatus();
}

domain::RuleInputs ReconcilerHandler::Inputs() const {
  domain::RuleInputs in;
  in.thresholds = options_.thresholds;
  return in;
}

absl::Status ReconcilerHandler::JudgeAll(store::KvTx& tx,
                                         domain::RuleInput input,
                                         const domain::RuleInputs& in,
                                         int64_t now,
                                         std::vector<stream::Output>* out) {
  for (const Finding& f : domain::JudgeRules(input, in)) {
    FRUITION_RETURN_IF_ERROR(Judge(tx, f, now, out));
  }
  return absl::OkStatus();
}

absl::Status ReconcilerHandler::JudgeSubject(store::KvTx& tx,
                                             const std::string& pid,
                                             int64_t now,
                                             std::vector<stream::Output>* out) {
  FRUITION_ASSIGN_OR_RETURN(
      const internal::SubjectState state,
      GetProtoOrEmpty<internal::SubjectState>(tx, kSubjects, pid));
  std::map<std::string, v1::LinkAssessment> claims;
  FRUITION_ASSIGN_OR_RETURN(auto stored, store::ScanProto<v1::LinkAssessment>(
                                             tx, kClaims, JoinKey({pid, ""})));
  for (auto& [k, a] : stored) {
    domain::RuleInputs claim = Inputs();
    claim.assessment = &a;
    FRUITION_RETURN_IF_ERROR(
        JudgeAll(tx, domain::RuleInput::kAssessment, claim, now, out));
    claims[JoinKey({a.reporter(), a.claim_id()})] = std::move(a);
  }
  const domain::SubjectFacts facts{pid, &state, &claims, options_.desert};
  domain::RuleInputs subject = Inputs();
  subject.subject = &facts;
  return JudgeAll(tx, domain::RuleInput::kSubject, subject, now, out);
}

absl::Status ReconcilerHandler::JudgeCard(store::KvTx& tx, bool public_view,
                                          const std::string& unit,
                                          const std::string& period,
                                          int32_t partition, int64_t now,
                                          std::vector<stream::Output>* out) {
  const CardTables t = TablesOf(public_view);
  const std::string id = JoinKey({unit, period});
  FRUITION_ASSIGN_OR_RETURN(const auto card,
                            GetProto<v1::Scorecard>(tx, t.cards, id));
  if (!card) return absl::OkStatus();
  domain::RuleInputs in = Inputs();
  in.card = &*card;
  FRUITION_RETURN_IF_ERROR(
      JudgeAll(tx, domain::RuleInput::kScorecard, in, now, out));
  // SCORECARD_PUBLISHED at most once per unit-period and view per interval:
  // the latest card waits for the interval to pass.
  const int64_t interval_ms = static_cast<int64_t>(
      options_.thresholds.Get(domain::kPublishIntervalSeconds) * 1000);
  bool waits = false;
  for (const Finding& published :
       domain::JudgeRules(domain::RuleInput::kPublishedCard, in)) {
    FRUITION_ASSIGN_OR_RETURN(
        const auto last,
        GetProto<internal::PublishedState>(
            tx, kPublished, PublishedKey(published.key, published.event)));
    const int64_t due = last ? last->emitted_at_ms() + interval_ms : 0;
    if (now >= due) {
      FRUITION_RETURN_IF_ERROR(Judge(tx, published, now, out));
      continue;
    }
    waits = true;
    internal::PendingPublish p;
    p.set_due_ms(due);
    p.set_partition(partition);
    tx.Put(t.pending, id, p.SerializeAsString());
  }
  if (!waits) tx.Delete(t.pending, id);
  return absl::OkStatus();
}

absl::Status ReconcilerHandler::JudgeDirty(
    store::KvTx& tx, int32_t partition, const std::vector<std::string>& parts,
    int64_t now, std::vector<stream::Output>* out) {
  const std::string& kind = parts[1];
  if (kind == kSubject) return JudgeSubject(tx, parts[2], now, out);
  if (kind == kBudget) {
    return JudgeBudgetLine(tx, partition, parts[2], /*left=*/false, now, out);
  }
  if ((kind == kCard || kind == kPublicCard) && parts.size() == 4) {
    return JudgeCard(tx, kind == kPublicCard, parts[2], parts[3], partition,
                     now, out);
  }
  if (parts.size() != 4) return absl::OkStatus();
  const std::string id = JoinKey({parts[2], parts[3]});
  if (kind == kOutcome) {
    FRUITION_ASSIGN_OR_RETURN(const auto r,
                              GetProto<v1::AgencyReport>(tx, kOutcomes, id));
    if (!r) return absl::OkStatus();
    domain::RuleInputs in = Inputs();
    in.outcome = &*r;
    return JudgeAll(tx, domain::RuleInput::kOutcome, in, now, out);
  }
  if (kind == kConflict) {
    FRUITION_ASSIGN_OR_RETURN(const auto seen,
                              GetProto<internal::ReportSeen>(tx, kReports, id));
    if (!seen) return absl::OkStatus();
    const domain::ReportBodies bodies{
        parts[2],
        parts[3],
        {seen->body_sha256().begin(), seen->body_sha256().end()},
        seen->subject_pid(),
        seen->key()};
    domain::RuleInputs in = Inputs();
    in.bodies = &bodies;
    return JudgeAll(tx, domain::RuleInput::kReportBodies, in, now, out);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<stream::Output>> ReconcilerHandler::Flush(
    store::KvTx& tx, const std::set<int32_t>& owned,
    const std::set<int32_t>& caught_up) {
  (void)owned;
  std::vector<stream::Output> out;
  if (caught_up.empty()) return out;
  const int64_t now = options_.now_ms();
  // Budget lines that moved: resolved where they were before they are
  // judged where they are, so that a subscriber of both agencies' events
  // sees the condition end at the old one first.
  for (int32_t p : caught_up) {
    FRUITION_ASSIGN_OR_RETURN(
        const auto moved,
        tx.Scan(kDirty, JoinKey({store::Decimal(p, 5), kBudget, ""})));
    for (const auto& [k, v] : moved) {
      const std::vector<std::string> parts = SplitKey(k);
      if (parts.size() != 3) continue;
      FRUITION_RETURN_IF_ERROR(
          JudgeBudgetLine(tx, p, parts[2], /*left=*/true, now, &out));
    }
  }
  for (int32_t p : caught_up) {
    FRUITION_ASSIGN_OR_RETURN(
        const auto dirty, tx.Scan(kDirty, JoinKey({store::Decimal(p, 5), ""})));
    for (const auto& [k, v] : dirty) {
      const std::vector<std::string> parts = SplitKey(k);
      tx.Delete(kDirty, k);
      if (parts.size() < 3) continue;
      FRUITION_RETURN_IF_ERROR(JudgeDirty(tx, p, parts, now, &out));
    }
  }
  // Scorecards held back by the interval whose time has come.
  for (bool public_view : {false, true}) {
    const CardTables t = TablesOf(public_view);
    FRUITION_ASSIGN_OR_RETURN(
        const auto pending,
        store::ScanProto<internal::PendingPublish>(tx, t.pending, ""));
    for (const auto& [k, p] : pending) {
      if (caught_up.count(p.partition()) == 0 || p.due_ms() > now) continue;
      tx.Delete(t.pending, k);
      FRUITION_ASSIGN_OR_RETURN(const auto card,
                                GetProto<v1::Scorecard>(tx, t.cards, k));
      if (card) {
        domain::RuleInputs in = Inputs();
        in.card = &*card;
        FRUITION_RETURN_IF_ERROR(
            JudgeAll(tx, domain::RuleInput::kPublishedCard, in, now, &out));
      }
    }
  }
  return out;
}

absl::StatusOr<std::vector<stream::Output>> ReconcilerHandler::OnAssigned(
    store::KvTx& tx, const std::set<int32_t>& added,
    const std::set<int32_t>& owned) {
  (void)owned;
  // What the oversight topics already say for these partitions, from where
  // this store last read them (events produced after that, by this instance
  // before a crash or by a former owner, are read now).
  const std::vector<std::string> topics = {topics_.oversight_public,
                                           topics_.oversight_restricted};
  kafka::StartOffsets start;
  for (const auto& topic : topics) {
    for (int32_t p : added) {
      const std::string key = JoinKey({topic, store::Decimal(p, 5)});
      FRUITION_ASSIGN_OR_RETURN(const auto n, tx.Get(kOutPos, key));
      if (!n) continue;
      char* end = nullptr;
      const int64_t at = std::strtoll(n->c_str(), &end, 10);
      if (n->empty() || *end != '\0') {
        return store::DataLoss(*tx.store(), kOutPos, key, "an offset");
      }
      start[{topic, p}] = at;
    }
  }
  absl::StatusOr<std::vector<kafka::Record>> records;
  for (int attempt = 1; attempt <= 5; ++attempt) {
    records = read_back_(topics, added, start);
    if (records.ok()) break;
    log::Warn("reading the oversight topics back failed; retrying",
              {{"attempt", static_cast<int64_t>(attempt)},
               {"error", std::string(records.status().message())}});
    std::this_thread::sleep_for(std::chrono::seconds(attempt));
  }
  // Judging without knowing what was published would publish it again:
  // the loop stops (NOT_SERVING) instead, and a restart reads back anew.
  if (!records.ok()) return records.status();
  std::map<kafka::TopicPartition, int64_t> next;
  for (const kafka::Record& r : *records) {
    next[{r.topic, r.partition}] = r.offset + 1;
    v1::OversightEvent e;
    if (!e.ParseFromString(r.value) || e.event_id().empty()) continue;
    FRUITION_RETURN_IF_ERROR(Record(tx, r.key, e));
  }
  for (const auto& [tp, n] : next) {
    tx.Put(kOutPos, JoinKey({tp.first, store::Decimal(tp.second, 5)}),
           std::to_string(n));
  }
  if (!records->empty()) {
    log::Info("oversight events read back",
              {{"partitions", static_cast<int64_t>(added.size())},
               {"events", static_cast<int64_t>(records->size())}});
  }
  return std::vector<stream::Output>{};
}

absl::StatusOr<std::optional<v1::OversightEvent>> ReconcilerHandler::EventById(
    const store::KvTx& tx, const std::string& id) {
  FRUITION_ASSIGN_OR_RETURN(const auto seq, tx.Get(kEventIds, id));
  if (!seq) return std::optional<v1::OversightEvent>();
  return GetProto<v1::OversightEvent>(tx, kEvents, *seq);
}

}  // namespace fruition::reconciler
