// The evidence service's stream handler (services/common/stream/loop.h): a
// member of consumer group `fruition-evidence` on fruition.reports.v1, a
// reader of the whole of fruition.reference.v1; the Processor decides, and
// changed assessments go to fruition.link-assessments.v1 (key subject_pid,
// header fruition-assessment-id). When partitions are assigned, their
// stored claims are re-assessed first (designations may have arrived while
// another instance owned them).
#ifndef FRUITION_SERVICES_EVIDENCE_HANDLER_H_
#define FRUITION_SERVICES_EVIDENCE_HANDLER_H_

#include <array>
#include <set>
#include <string>
#include <vector>

#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/common/stream/loop.h"
#include "services/evidence/processor.h"

namespace fruition::evidence {

class EvidenceHandler : public stream::Handler {
 public:
  EvidenceHandler(const Processor* processor, std::string assessments_topic,
                  prometheus::Registry* registry);

  absl::StatusOr<std::vector<stream::Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override;
  absl::StatusOr<std::vector<stream::Output>> OnAssigned(
      store::KvTx& tx, const std::set<int32_t>& added,
      const std::set<int32_t>& owned) override;

  // The counts of the transactions applied since the last commit, now
  // in the store: a batch applied again after a crash (its outputs were
  // produced but its offsets never committed) is not counted twice.
  void Committed() override;

  // The records to produce for `result`'s assessments (their bytes as the
  // processor serialized them, moved into the records).
  std::vector<stream::Output> Outputs(ApplyResult result) const;

 private:
  // What a transaction's result adds to the counters once it commits.
  void Pending(const ApplyResult& result);

  const Processor* processor_;
  std::string assessments_topic_;
  // fruition_evidence_assessments_total{result}, one series per
  // AssessmentResult value, resolved once (no family lookup per output).
  std::array<prometheus::Counter*, v1::AssessmentResult_ARRAYSIZE>
      assessments_{};
  // org_designated not counted: by a reporter other than the org's owner.
  prometheus::Counter* designations_ignored_ = nullptr;
  prometheus::Counter* evidence_ignored_ = nullptr;
  // Applied but not yet committed.
  std::array<int64_t, v1::AssessmentResult_ARRAYSIZE> pending_assessments_{};
  int64_t pending_designations_ignored_ = 0;
  int64_t pending_evidence_ignored_ = 0;
};

}  // namespace fruition::evidence

#endif  // FRUITION_SERVICES_EVIDENCE_HANDLER_H_
