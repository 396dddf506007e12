// Stage 1 of scoring as pure code: a subject's facts (arrests, sentencing
// records, declinations, charges, the latest assessment of each of its
// claims) and its contribution to each unit-period (SPEC §5 membership).
//
// Membership: an arrest counts in its agency and field office, in the fiscal
// year and quarter of its occurred_at. A sentencing record counts, in the
// year and quarter of its occurred_at, in its district and in the agency and
// field office of every arrest of the same subject and case. One record per
// (subject, case): the latest occurred_at (ties: the greater report_id).
// declined_then_charged_elsewhere counts a subject once, in the district and
// period of its earliest charge in a district other than one that declined
// it.
#ifndef FRUITION_SERVICES_SCORING_FACTS_H_
#define FRUITION_SERVICES_SCORING_FACTS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "fruition/internal/scoring.pb.h"
#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/reports.pb.h"
#include "services/domain/desert.h"
#include "services/domain/orgs.h"
#include "services/domain/periods.h"
#include "services/domain/subject_facts.h"

namespace fruition::scoring {

// The desert score is the domain's (services/domain/desert.h).
using domain::DefaultDesertRules;
using domain::DesertResult;
using domain::DesertRules;
using domain::Score;

// Fiscal years and quarters of a time (services/domain/periods.h).
using domain::FiscalQuarter;
using domain::FiscalYear;

// Whether a claimed org tier counts as a priority target
// (services/domain/orgs.h).
inline bool IsPriority(int tier) {
  return domain::IsPriority(static_cast<v1::Tier>(tier));
}

// Facts about a subject shared with the reconciler
// (services/domain/subject_facts.h).
using domain::ApplyAssessment;
using domain::ApplyReport;
using domain::SubjectOf;

// The subject's contribution to each unit-period, keyed unit \0 period.
std::map<std::string, internal::Components> Contributions(
    const internal::SubjectState& s, const DesertRules& rules);

// Every unit-period the subject could have been counted in by any instance
// at any time: those of its arrests, of every sentencing record ever seen
// (also replaced ones) and of its charges. A superset of Contributions'
// keys, the same whatever order the facts arrived in.
std::set<std::string> PossibleUnitPeriods(const internal::SubjectState& s);

// Applies the latest case_opened of a case the subject is in (a
// fruition.scoring.case-facts record); false if it changed nothing. The
// latest occurred_at wins (ties: reporter, then report_id), so copies in
// any order and any number agree.
bool ApplyCaseFact(const internal::CaseFact& fact, internal::SubjectState* s);

// Whether case_opened `a` is later than `b` (the rule above).
bool LaterCase(const internal::SubjectState::Case& a,
               const internal::SubjectState::Case& b);

// The case stage's facts (a case_opened or a seizure of the case); false
// if it changed nothing (another body, or a report already applied).
bool ApplyCaseReport(const v1::AgencyReport& report, internal::CaseState* s);

// A case's contribution to each unit-period: its seizures, in the
// fiscal year and quarter of each and the agency, field office and district
// of the case's latest case_opened (and national:US); none before the case
// is opened.
std::map<std::string, internal::Components> CaseContributions(
    const internal::CaseState& s);

// Every unit-period a case may have been counted in: every unit any of its
// case_opened reports named, in every seizure's periods.
std::set<std::string> CasePossibleUnitPeriods(const internal::CaseState& s);

// a += sign × b, field by field.
void AddComponents(const internal::Components& b, int64_t sign,
                   internal::Components* a);

}  // namespace fruition::scoring

#endif  // FRUITION_SERVICES_SCORING_FACTS_H_
