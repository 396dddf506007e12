// Condition keys (SPEC §6 `condition_key`) as the accountability loop reads
// them (SPEC §11): which condition a response or decision is about, and
// which agency may answer it. The keys are written by event_conditions.cc
// (and the reconciler's BUDGET_CRITERIA_UNMET); this is their one parser.
// Pure: no I/O.
//
// Formats (`<TYPE>/<scope>`, TYPE an EventType name without its prefix):
//   unit:    FRUITION_GAP/agency:DEA/FY2016[/restricted],
//            TARGET_OVERSHOOT/agency:DEA/FY2016/<measure>, ...
//   report:  REPORT_CONFLICT/report/<reporter>/<report_id>,
//            PENDING_COUNTED_AS_DISMANTLED/report/<reporter>/<report_id>
//   claim:   LINK_UNSUBSTANTIATED/claim/<claim_id>
//   subject: TIER_MISMATCH/subject/<pid>/case/<case_id>,
//            DECLINED_THEN_CHARGED_ELSEWHERE/subject/<pid>
//   budget:  BUDGET_CRITERIA_UNMET/<line_id>
#ifndef FRUITION_SERVICES_DOMAIN_CONDITION_KEYS_H_
#define FRUITION_SERVICES_DOMAIN_CONDITION_KEYS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fruition::domain {

// Longest condition key accepted in a report (a subject key carries a
// 64-character pid and a case id).
inline constexpr size_t kMaxConditionKeyChars = 512;

// The event type of budget-line conditions (SPEC §11,
// EVENT_TYPE_BUDGET_CRITERIA_UNMET), whose scope is a line id.
inline constexpr std::string_view kBudgetCriteriaUnmet =
    "BUDGET_CRITERIA_UNMET";

// What a condition key names.
struct ConditionRef {
  enum class Scope { kUnit, kReport, kClaim, kSubject, kBudgetLine };
  std::string type;  // e.g. "FRUITION_GAP"
  Scope scope = Scope::kUnit;
  std::string unit;      // kUnit: "agency:DEA", "field_office:DEA-PHL", ...
  std::string reporter;  // kReport: the report's reporter
  // kReport: report_id; kClaim: claim_id; kBudgetLine: line_id; kSubject:
  // what follows "subject/".
  std::string id;
};

// Parses `key`; nullopt with a sentence in `*why` (naming what is wrong,
// never echoing the key) when it is not a condition key of a known type in
// one of the formats above.
std::optional<ConditionRef> ParseConditionKey(std::string_view key,
                                              std::string* why);

// Whether `unit` is about the agency principal `agency`: `agency:X` is X's;
// `field_office:F` is the agency whose code followed by '-' starts F;
// `district:D` is its U.S. Attorney's Office, `USAO-D`; `national:` and
// `area:` units are no agency's.
bool UnitConcerns(std::string_view unit, std::string_view agency);

// Whether `agency` may answer the condition, as far as its key tells.
enum class Answerable {
  kYes,
  kNo,
  // The key does not name the agency (claims, budget lines, subjects):
  // whoever keeps the claim or line decides; where none can, the answer is
  // accepted and counted downstream only for the agency of the event's unit.
  kNotInKey,
};
Answerable AnswerableFromKey(const ConditionRef& ref, std::string_view agency);

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_CONDITION_KEYS_H_
