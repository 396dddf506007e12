#include "services/evidence/handler.h"

#include <utility>

namespace fruition::evidence {

EvidenceHandler::EvidenceHandler(const Processor* processor,
                                 std::string assessments_topic,
                                 prometheus::Registry* registry)
    : processor_(processor), assessments_topic_(std::move(assessments_topic)) {
  if (registry != nullptr) {
    auto& assessments = prometheus::BuildCounter()
                            .Name("fruition_evidence_assessments_total")
                            .Help("Link assessments produced, by result")
                            .Register(*registry);
    for (int result = 0; result < v1::AssessmentResult_ARRAYSIZE; ++result) {
      if (!v1::AssessmentResult_IsValid(result)) continue;
      assessments_[result] = &assessments.Add(
          {{"result", v1::AssessmentResult_Name(
                          static_cast<v1::AssessmentResult>(result))}});
    }
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

std::vector<stream::Output> EvidenceHandler::Outputs(ApplyResult result) const {
  std::vector<stream::Output> out;
  out.reserve(result.emit.size());
  for (size_t i = 0; i < result.emit.size(); ++i) {
    const v1::LinkAssessment& a = result.emit[i];
    out.push_back(
        stream::Output{assessments_topic_,
                       a.subject_pid(),
                       result.emit_bytes[i],
                       {{"fruition-assessment-id", a.assessment_id()}}});
  }
  return out;
}

void EvidenceHandler::Pending(const ApplyResult& result) {
  for (const v1::LinkAssessment& a : result.emit) {
    ++pending_assessments_[a.result()];
  }
  pending_designations_ignored_ += result.designations_ignored;
  pending_evidence_ignored_ += result.evidence_ignored;
}

void EvidenceHandler::Committed() {
  for (size_t result = 0; result < assessments_.size(); ++result) {
    if (assessments_[result] != nullptr && pending_assessments_[result] > 0) {
      assessments_[result]->Increment(
          static_cast<double>(pending_assessments_[result]));
    }
  }
  if (designations_ignored_ != nullptr && pending_designations_ignored_ > 0) {
    designations_ignored_->Increment(
        static_cast<double>(pending_designations_ignored_));
  }
  if (evidence_ignored_ != nullptr && pending_evidence_ignored_ > 0) {
    evidence_ignored_->Increment(
        static_cast<double>(pending_evidence_ignored_));
  }
  pending_assessments_ = {};
  pending_designations_ignored_ = 0;
  pending_evidence_ignored_ = 0;
}

absl::StatusOr<std::vector<stream::Output>> EvidenceHandler::Apply(
    store::KvTx& kv, const std::vector<kafka::Record>& records,
    const std::set<int32_t>& owned) {
  Tx tx(&kv);
  // The loop dedupes offsets and skips what the operator listed
  // (stream::ApplyBatch); the processor reports the record it cannot read.
  auto result = processor_->Apply(tx, records, owned);
  if (!result.ok()) return result.status();
  Pending(*result);
  return Outputs(*std::move(result));
}

absl::StatusOr<std::vector<stream::Output>> EvidenceHandler::OnAssigned(
    store::KvTx& kv, const std::set<int32_t>& added,
    const std::set<int32_t>& owned) {
  (void)owned;
  Tx tx(&kv);
  auto result = processor_->ReassessAll(tx, added);
  if (!result.ok()) return result.status();
  Pending(*result);
  return Outputs(*std::move(result));
}

}  // namespace fruition::evidence
