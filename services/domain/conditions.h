// The SPEC §11 condition indicators of an agency and fiscal year
// (conditions_raised, conditions_answered, conditions_accepted,
// conditions_rejected) as pure code: scoring keeps the oversight events and
// the answers and decisions, and calls these.
//
// The rules (docs/accountability.md, "Conditions per agency and year"):
//   - A condition is a condition key of the oversight topics, any type but
//     SCORECARD_PUBLISHED (a notice that a card changed, not a condition).
//   - A pair rule's public and restricted keys are one finding (FindingKey),
//     judged by its restricted events (JudgedEvents); answers to either key
//     are the finding's.
//   - It concerns agency A when one of its raising events (resolved false)
//     does, by auth::EventConcerns (the rule that lets A read it).
//   - Its year is the period it is about: the fiscal year of the `period`
//     of its latest raising event (FY2016 for FY2016Q3); for a condition
//     whose events name no period (REPORT_CONFLICT), the fiscal year its
//     first raising event was emitted in.
//   - It counts for A in that year when the final facts say it was raised:
//     it holds now (its latest event, in (emitted_at, event_id) order,
//     raises), or A answered it, or an overseer decided on it. A condition
//     raised and resolved while data were still arriving, that nobody
//     answered, does not count: whether it occurs at all depends on the
//     order in which records were read, and a count must not change with
//     that (SPEC §8; the soak compares every cell with an undisturbed run).
//   - answered: A's own agency_response for the key is kept (an answer by
//     another agency does not count); accepted / rejected: the status
//     domain::Accountability gives the key (the latest decision, when it is
//     later than the latest answer of an agency concerned).
// Every input is a set (any arrival order gives the same counts; an event
// read twice is one event, by event_id). No clock is read.
//
// Pure: no I/O. Thread-safe.
#ifndef FRUITION_SERVICES_DOMAIN_CONDITIONS_H_
#define FRUITION_SERVICES_DOMAIN_CONDITIONS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fruition/v1/events.pb.h"
#include "fruition/v1/reports.pb.h"

namespace fruition::domain {

// Whether `e` belongs to a condition the indicators count: a condition key,
// a type other than SCORECARD_PUBLISHED, and an emitted_at.
bool CountsAsCondition(const v1::OversightEvent& e);

// What of an event the indicators need (no facts, evidence or subject):
// id, key, type, visibility, unit, period, org, resolved, emitted_at.
v1::OversightEvent ConditionEventOf(const v1::OversightEvent& e);

// The agencies `e` concerns (auth::EventConcerns), sorted: candidates are
// the agency of its unit (each agency code a field office's could begin
// with, USAO-<d> for a district) and the reporter a `<TYPE>/report/...` key
// names. With `agencies` (the AGENCY principals), only those: a field office
// DEA-SAN-DIEGO is DEA's, not a "DEA-SAN" nobody is. Null: every code the
// rule accepts.
std::vector<std::string> AgenciesConcerned(
    const v1::OversightEvent& e,
    const std::set<std::string>* agencies = nullptr);

// The fiscal year (2016 for FY2016) condition `events` (one key, any
// order, duplicates allowed) is about, as the rules above say; nullopt when
// it was never raised.
std::optional<int> ConditionYear(const std::vector<v1::OversightEvent>& events);

// Whether the condition holds now: its latest event raises.
bool ConditionHolds(const std::vector<v1::OversightEvent>& events);

struct ConditionCounts {
  int64_t raised = 0;
  int64_t answered = 0;
  int64_t accepted = 0;
  int64_t rejected = 0;
};

// (agency, fiscal year) -> counts.
using AgencyYearConditions =
    std::map<std::pair<std::string, int>, ConditionCounts>;

// The (agency, fiscal year)s whose counts one condition may change: each
// agency it concerns, in its year (whether it counts there depends on its
// answers too). Callers mark these for recomputation.
std::set<std::pair<std::string, int>> ConditionAgencyYears(
    const std::vector<v1::OversightEvent>& events,
    const std::set<std::string>* agencies = nullptr);

// The finding a condition key names: a pair rule's public and restricted
// keys (`FRUITION_GAP/agency:DEA/FY2016` and `.../restricted`) are one
// finding seen through the public view and in full, counted once; any
// other key is its own finding.
std::string FindingKey(const std::string& condition_key);

// Of one finding's events, those that judge it: the restricted twin's when
// it has any (judged on every record, so the same whatever order records
// were read in; the public view's figures, and so its twin, may depend on
// that order), else all of them.
std::vector<v1::OversightEvent> JudgedEvents(
    const std::vector<v1::OversightEvent>& events);

// The counts of every agency and year from every condition's events
// (`events`: condition key -> its events) and the answers and decisions
// kept per condition key (`kept`: the latest per (reporter, body), as
// domain::Accountability takes them); `agencies` as for AgenciesConcerned.
AgencyYearConditions CountConditions(
    const std::map<std::string, std::vector<v1::OversightEvent>>& events,
    const std::map<std::string, std::vector<v1::AgencyReport>>& kept,
    const std::set<std::string>* agencies = nullptr);

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_CONDITIONS_H_
