// The case stage of scoring: the case-to-person join (docs/DESIGN.md).
//
// Case-level facts arrive keyed by case_id (case_opened, seizure, on
// fruition.reports.v1); people's facts keyed by subject_pid. Stage 1 says
// which cases each subject has facts in (fruition.scoring.case-members,
// key case_id, co-partitioned with the reports' case-keyed records). This
// stage (group fruition-scoring-cases) keeps per case its latest
// case_opened, its seizures and its members, and
//   - sends the case's latest case_opened to every member
//     (fruition.scoring.case-facts, key subject_pid, read by stage 1) when
//     it changes, and to a new member when it joins: stage 1 keeps the
//     latest by occurred_at, so the result is the same whatever the arrival
//     order, duplicates included;
//   - produces the case's seizures as its contribution (member
//     `case:<case_id>`) to the unit-periods of the case, as stage 1 does a
//     subject's, with the same intents against crashes.
// No instance holds more than its partitions' cases.
#ifndef FRUITION_SERVICES_SCORING_CASE_STAGE_H_
#define FRUITION_SERVICES_SCORING_CASE_STAGE_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"

namespace fruition::scoring {

// Tables of the case stage's store (after "offsets").
enum CaseTable { kCases = 1, kCaseMembers, kCaseIntents };

inline const std::vector<std::string>& CaseTables() {
  static const auto* t =
      new std::vector<std::string>{"cases", "case_members", "intents"};
  return *t;
}

class CaseStage : public stream::Handler {
 public:
  // `store` takes the intents written before producing.
  CaseStage(store::KvStore* store, std::string reports_topic,
            std::string case_members_topic, std::string case_facts_topic,
            std::string contributions_topic, int contribution_partitions = 12);
  absl::StatusOr<std::vector<stream::Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override;
  absl::StatusOr<std::vector<stream::Output>> OnAssigned(
      store::KvTx& tx, const std::set<int32_t>& added,
      const std::set<int32_t>& owned) override;

 private:
  struct Batch;
  // Applies one record to the batch's cases and members.
  absl::Status ApplyRecord(store::KvTx& tx, const kafka::Record& r,
                           Batch* batch) const;
  // The case fact record of `case_id` for `pid`.
  stream::Output FactFor(const std::string& case_id, const std::string& pid,
                         const internal::SubjectState::Case& latest) const;

  store::KvStore* store_;
  std::string reports_topic_;
  std::string case_members_topic_;
  std::string case_facts_topic_;
  std::string contributions_topic_;
  int contribution_partitions_;  // of the contributions topic
};

}  // namespace fruition::scoring

#endif  // FRUITION_SERVICES_SCORING_CASE_STAGE_H_
