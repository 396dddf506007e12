// A subject's facts as pure code, shared by scoring (stage 1 counts them)
// and the reconciler (its subject rules judge them): the subject a report
// is about, and how a report or an assessment changes a subject's facts
// (internal.SubjectState, stored by both services).
#ifndef FRUITION_SERVICES_DOMAIN_SUBJECT_FACTS_H_
#define FRUITION_SERVICES_DOMAIN_SUBJECT_FACTS_H_

#include <cstdint>
#include <string>

#include "fruition/internal/scoring.pb.h"
#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/reports.pb.h"

namespace fruition::domain {

// The subject a report is about ("" if none).
std::string SubjectOf(const v1::AgencyReport& report);

// `a` \0 `b`: the keys of SubjectState's maps (reporter \0 claim_id,
// reporter \0 arrest_id, reporter \0 report_id), as store::JoinKey writes
// them.
std::string PairKey(const std::string& a, const std::string& b);

// What a report was to the subject's facts.
enum class ReportEffect {
  kApplied,    // a new report: its facts were applied
  kUnused,     // a body scoring does not use
  kDuplicate,  // its (reporter, report_id) again with the same body as sent
               // (intake's received_at aside: it stamps every attempt)
  kConflict,   // its (reporter, report_id) again with another body: the
               // first counts (SPEC §2); the id is kept as conflicting
};

// Applies a report of the subject; false if it changed nothing (a body
// scoring does not use, a report already applied, or a conflict already
// known). `effect`, if given, says which.
bool ApplyReport(const v1::AgencyReport& report, internal::SubjectState* s,
                 ReportEffect* effect = nullptr);

// Applies an assessment of one of the subject's claims (only those of
// `criteria_version`); false if it changed nothing.
bool ApplyAssessment(const v1::LinkAssessment& assessment,
                     const std::string& criteria_version,
                     internal::SubjectState* s);

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_SUBJECT_FACTS_H_
