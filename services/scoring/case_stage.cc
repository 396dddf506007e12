#include "services/scoring/case_stage.h"

#include <utility>

#include "fruition/v1/reports.pb.h"
#include "services/common/proto.h"
#include "services/common/status.h"
#include "services/common/store/proto_table.h"
#include "services/scoring/emit.h"
#include "services/scoring/facts.h"

namespace fruition::scoring {

using internal::CaseState;
using store::GetProtoOrEmpty;
using store::JoinKey;

// What one batch touched: the cases loaded (changed or not), those whose
// latest case_opened changed, and the new members.
struct CaseStage::Batch {
  std::map<std::string, CaseState> cases;
  std::set<std::string> reopened;
  std::vector<std::pair<std::string, std::string>> joined;  // case, pid
  // case_id -> the reports (`reporter/report_id`) that changed it.
  std::map<std::string, std::set<std::string>> changed_by;
};

CaseStage::CaseStage(store::KvStore* store, std::string reports_topic,
                     std::string case_members_topic,
                     std::string case_facts_topic,
                     std::string contributions_topic,
                     int contribution_partitions)
    : store_(store),
      reports_topic_(std::move(reports_topic)),
      case_members_topic_(std::move(case_members_topic)),
      case_facts_topic_(std::move(case_facts_topic)),
      contributions_topic_(std::move(contributions_topic)),
      contribution_partitions_(contribution_partitions) {}

stream::Output CaseStage::FactFor(
    const std::string& case_id, const std::string& pid,
    const internal::SubjectState::Case& latest) const {
  internal::CaseFact f;
  f.set_subject_pid(pid);
  f.set_case_id(case_id);
  *f.mutable_case_() = latest;
  return stream::Output{case_facts_topic_, pid, SerializeDeterministic(f), {}};
}

absl::Status CaseStage::ApplyRecord(store::KvTx& tx, const kafka::Record& r,
                                    Batch* batch) const {
  // Stored state that does not parse is DATA_LOSS: never reset and written
  // back empty.
  auto load = [&](const std::string& case_id) -> absl::StatusOr<CaseState*> {
    auto it = batch->cases.find(case_id);
    if (it != batch->cases.end()) return &it->second;
    auto s = GetProtoOrEmpty<CaseState>(tx, kCases, case_id);
    if (!s.ok()) return s.status();
    return &batch->cases.emplace(case_id, *std::move(s)).first->second;
  };
  if (r.topic == reports_topic_) {
    v1::AgencyReport report;
    if (!report.ParseFromString(r.value)) {
      return stream::Unreadable(r, "not a fruition.v1.AgencyReport");
    }
    if (report.case_id().empty() ||
        (!report.has_case_opened() && !report.has_seizure())) {
      return absl::OkStatus();
    }
    FRUITION_ASSIGN_OR_RETURN(CaseState * s, load(report.case_id()));
    s->set_partition(r.partition);
    const std::string before = SerializeDeterministic(s->latest());
    if (ApplyCaseReport(report, s)) {
      batch->changed_by[report.case_id()].insert(
          ReportRef(report.reporter(), report.report_id()));
      if (SerializeDeterministic(s->latest()) != before) {
        batch->reopened.insert(report.case_id());
      }
    }
    return absl::OkStatus();
  }
  if (r.topic != case_members_topic_) return absl::OkStatus();
  internal::CaseMember m;
  if (!m.ParseFromString(r.value)) {
    return stream::Unreadable(r, "not a fruition.internal.CaseMember");
  }
  if (m.case_id().empty() || m.subject_pid().empty()) return absl::OkStatus();
  const std::string key = JoinKey({m.case_id(), m.subject_pid()});
  FRUITION_ASSIGN_OR_RETURN(const auto seen, tx.Get(kCaseMembers, key));
  if (seen) return absl::OkStatus();
  tx.Put(kCaseMembers, key, "");
  FRUITION_ASSIGN_OR_RETURN(CaseState * s, load(m.case_id()));
  s->set_partition(r.partition);
  batch->joined.emplace_back(m.case_id(), m.subject_pid());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<stream::Output>> CaseStage::Apply(
    store::KvTx& tx, const std::vector<kafka::Record>& records,
    const std::set<int32_t>& owned) {
  (void)owned;
  Batch batch;
  for (const kafka::Record& r : records) {
    FRUITION_RETURN_IF_ERROR(ApplyRecord(tx, r, &batch));
  }
  std::vector<stream::Output> out;
  // New members learn the case as it is; every member of a case whose
  // latest case_opened changed learns the new one (new members twice:
  // harmless, stage 1 keeps the latest).
  for (const auto& [case_id, pid] : batch.joined) {
    const CaseState& s = batch.cases.at(case_id);
    if (s.has_latest()) out.push_back(FactFor(case_id, pid, s.latest()));
  }
  for (const std::string& case_id : batch.reopened) {
    FRUITION_ASSIGN_OR_RETURN(const auto members,
                              tx.Scan(kCaseMembers, JoinKey({case_id, ""})));
    for (const auto& [key, unused] : members) {
      const auto parts = store::SplitKey(key);
      if (parts.size() != 2 || parts[0] != case_id) continue;
      out.push_back(
          FactFor(case_id, parts[1], batch.cases.at(case_id).latest()));
    }
  }
  ContributionEmitter emitter(store_, kCaseIntents, contributions_topic_,
                              contribution_partitions_);
  for (auto& [case_id, s] : batch.cases) {
    FRUITION_RETURN_IF_ERROR(
        emitter.Emit(tx, "case:" + case_id, CaseContributions(s),
                     CasePossibleUnitPeriods(s), s, batch.changed_by[case_id]));
    tx.Put(kCases, case_id, SerializeDeterministic(s));
  }
  FRUITION_RETURN_IF_ERROR(emitter.Finish(&out));
  return out;
}

absl::StatusOr<std::vector<stream::Output>> CaseStage::OnAssigned(
    store::KvTx& tx, const std::set<int32_t>& added,
    const std::set<int32_t>& owned) {
  (void)owned;
  // As stage 1: another instance may have produced these cases'
  // contributions since this one last did.
  FRUITION_ASSIGN_OR_RETURN(auto cases,
                            store::ScanProto<CaseState>(tx, kCases, ""));
  for (auto& [case_id, s] : cases) {
    if (added.count(s.partition()) == 0 || s.emitted().empty()) continue;
    s.clear_emitted();
    s.clear_emitted_version();
    tx.Put(kCases, case_id, SerializeDeterministic(s));
  }
  return std::vector<stream::Output>{};
}

}  // namespace fruition::scoring
