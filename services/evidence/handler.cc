#include "services/evidence/handler.h"

namespace fruition::evidence {

EvidenceHandler::EvidenceHandler(const Processor* processor,
                                 std::string assessments_topic,
                                 prometheus::Registry* registry)
    : processor_(processor), assessments_topic_(std::move(assessments_topic)) {
  if (registry != nullptr) {
    assessments_ = &prometheus::BuildCounter()
                        .Name("fruition_evidence_assessments_total")
                        .Help("Link assessments produced, by result")
                        .Register(*registry);
    designations_ignored_ =
        &prometheus::BuildCounter()
             .Name("fruition_evidence_designations_ignored_total")
             .Help(
                 "org_designated reports ignored, by reason (not_owner: "
                 "the org belongs to the reporter of its first designation)")
             .Register(*registry)
             .Add({{"reason", "not_owner"}});
    evidence_ignored_ =
        &prometheus::BuildCounter()
             .Name("fruition_evidence_items_ignored_total")
             .Help(
                 "Evidence items beyond a claim's limit of 1,024: ignored by "
                 "every criterion, not stored, named on the assessment")
             .Register(*registry)
             .Add({});
  }
}

std::vector<stream::Output> EvidenceHandler::Outputs(
    const std::vector<v1::LinkAssessment>& assessments) const {
  std::vector<stream::Output> out;
  out.reserve(assessments.size());
  for (const auto& a : assessments) {
    out.push_back(
        stream::Output{assessments_topic_,
                       a.subject_pid(),
                       a.SerializeAsString(),
                       {{"fruition-assessment-id", a.assessment_id()}}});
    if (assessments_ != nullptr) {
      assessments_->Add({{"result", v1::AssessmentResult_Name(a.result())}})
          .Increment();
    }
  }
  return out;
}

absl::StatusOr<std::vector<stream::Output>> EvidenceHandler::Apply(
    store::KvTx& kv, const std::vector<kafka::Record>& records,
    const std::set<int32_t>& owned) {
  Tx tx(&kv);
  // The loop dedupes offsets and skips what the operator listed
  // (stream::ApplyBatch); the processor reports the record it cannot read.
  auto result = processor_->Apply(tx, records, owned);
  if (!result.ok()) return result.status();
  // Counted when applied, before the batch commits: a batch the loop applies
  // again (without a record an operator skipped) counts them again. No
  // verdict depends on these counts.
  if (designations_ignored_ != nullptr) {
    designations_ignored_->Increment(
        static_cast<double>(result->designations_ignored));
  }
  if (evidence_ignored_ != nullptr) {
    evidence_ignored_->Increment(static_cast<double>(result->evidence_ignored));
  }
  return Outputs(result->emit);
}

absl::StatusOr<std::vector<stream::Output>> EvidenceHandler::OnAssigned(
    store::KvTx& kv, const std::set<int32_t>& added,
    const std::set<int32_t>& owned) {
  (void)owned;
  Tx tx(&kv);
  auto result = processor_->ReassessAll(tx, added);
  if (!result.ok()) return result.status();
  return Outputs(result->emit);
}

}  // namespace fruition::evidence
