#include "services/domain/condition_keys.h"

#include <vector>

#include "fruition/v1/enums.pb.h"
#include "services/common/auth/authz.h"

namespace fruition::domain {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool KnownType(std::string_view type) {
  v1::EventType parsed;
  return v1::EventType_Parse("EVENT_TYPE_" + std::string(type), &parsed) &&
         parsed != v1::EVENT_TYPE_UNSPECIFIED;
}

// The unit kinds of SPEC §5.
constexpr std::string_view kUnitKinds[] = {
    "agency:", "field_office:", "district:", "area:", "national:"};

bool IsUnit(std::string_view unit) {
  for (std::string_view kind : kUnitKinds) {
    if (StartsWith(unit, kind) && unit.size() > kind.size()) return true;
  }
  return false;
}

std::optional<ConditionRef> Fail(std::string* why, std::string message) {
  if (why != nullptr) *why = std::move(message);
  return std::nullopt;
}

}  // namespace

std::optional<ConditionRef> ParseConditionKey(std::string_view key,
                                              std::string* why) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos || slash == 0 ||
      slash + 1 == key.size()) {
    return Fail(why,
                "not a condition key: expected <EVENT_TYPE>/<scope>, e.g. "
                "FRUITION_GAP/agency:DEA/FY2016");
  }
  ConditionRef ref;
  ref.type = std::string(key.substr(0, slash));
  if (!KnownType(ref.type)) {
    return Fail(why,
                "does not start with an event type's name (FRUITION_GAP, "
                "LINK_UNSUBSTANTIATED, ..., BUDGET_CRITERIA_UNMET)");
  }
  const std::string_view scope = key.substr(slash + 1);
  if (ref.type == kBudgetCriteriaUnmet) {
    ref.scope = ConditionRef::Scope::kBudgetLine;
    ref.id = std::string(scope);
    return ref;
  }
  if (StartsWith(scope, "claim/") && scope.size() > 6) {
    ref.scope = ConditionRef::Scope::kClaim;
    ref.id = std::string(scope.substr(6));
    return ref;
  }
  if (StartsWith(scope, "subject/") && scope.size() > 8) {
    ref.scope = ConditionRef::Scope::kSubject;
    ref.id = std::string(scope.substr(8));
    return ref;
  }
  if (StartsWith(scope, "report/")) {
    const std::string_view rest = scope.substr(7);
    const size_t cut = rest.find('/');
    if (cut == std::string_view::npos || cut == 0 || cut + 1 == rest.size()) {
      return Fail(why, "a report condition is <TYPE>/report/<reporter>/<id>");
    }
    ref.scope = ConditionRef::Scope::kReport;
    ref.reporter = std::string(rest.substr(0, cut));
    ref.id = std::string(rest.substr(cut + 1));
    return ref;
  }
  const std::string_view unit = scope.substr(0, scope.find('/'));
  if (!IsUnit(unit)) {
    return Fail(why,
                "the scope after the event type is not a unit (agency:DEA, "
                "field_office:..., district:..., area:..., national:US), a "
                "claim (claim/<id>), a report (report/<reporter>/<id>) or a "
                "subject (subject/...)");
  }
  ref.scope = ConditionRef::Scope::kUnit;
  ref.unit = std::string(unit);
  return ref;
}

bool UnitConcerns(std::string_view unit, std::string_view agency) {
  // One rule for answering a condition and reading its events.
  return auth::AgencyOwnsUnit(agency, unit);
}

Answerable AnswerableFromKey(const ConditionRef& ref, std::string_view agency) {
  switch (ref.scope) {
    case ConditionRef::Scope::kUnit:
      return UnitConcerns(ref.unit, agency) ? Answerable::kYes
                                            : Answerable::kNo;
    case ConditionRef::Scope::kReport:
      return ref.reporter == agency ? Answerable::kYes : Answerable::kNo;
    case ConditionRef::Scope::kClaim:
    case ConditionRef::Scope::kSubject:
    case ConditionRef::Scope::kBudgetLine:
      return Answerable::kNotInKey;
  }
  return Answerable::kNo;
}

}  // namespace fruition::domain
