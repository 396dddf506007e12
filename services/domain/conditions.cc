#include "services/domain/conditions.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <tuple>

#include "services/common/auth/authz.h"
#include "services/domain/answers.h"
#include "services/domain/condition_keys.h"
#include "services/domain/periods.h"

namespace fruition::domain {

namespace {

// Events in time order; ties by event_id, so any arrival order agrees.
std::vector<const v1::OversightEvent*> InOrder(
    const std::vector<v1::OversightEvent>& events) {
  std::vector<const v1::OversightEvent*> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(&e);
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    return std::make_tuple(a->emitted_at().seconds(), a->emitted_at().nanos(),
                           a->event_id()) <
           std::make_tuple(b->emitted_at().seconds(), b->emitted_at().nanos(),
                           b->event_id());
  });
  return out;
}

// The latest raising event of `events` that concerns `agency`.
const v1::OversightEvent* LatestRaise(
    const std::vector<v1::OversightEvent>& events, const std::string& agency) {
  const v1::OversightEvent* out = nullptr;
  for (const auto* e : InOrder(events)) {
    if (!e->resolved() && auth::EventConcerns(*e, agency)) out = e;
  }
  return out;
}

// Whether `agency` itself answered the condition.
bool AnsweredBy(const std::vector<v1::AgencyReport>& kept,
                const std::string& agency) {
  return std::any_of(kept.begin(), kept.end(), [&](const auto& r) {
    return r.has_agency_response() && r.reporter() == agency;
  });
}

}  // namespace

bool CountsAsCondition(const v1::OversightEvent& e) {
  return !e.condition_key().empty() && !e.event_id().empty() &&
         e.type() != v1::EVENT_TYPE_SCORECARD_PUBLISHED &&
         e.type() != v1::EVENT_TYPE_UNSPECIFIED && e.has_emitted_at();
}

v1::OversightEvent ConditionEventOf(const v1::OversightEvent& e) {
  v1::OversightEvent out;
  out.set_event_id(e.event_id());
  out.set_condition_key(e.condition_key());
  out.set_type(e.type());
  out.set_visibility(e.visibility());
  out.set_unit(e.unit());
  out.set_period(e.period());
  out.set_org_id(e.org_id());
  out.set_resolved(e.resolved());
  *out.mutable_emitted_at() = e.emitted_at();
  return out;
}

std::vector<std::string> AgenciesConcerned(
    const v1::OversightEvent& e, const std::set<std::string>* agencies) {
  std::set<std::string> candidates;
  const std::string_view unit = e.unit();
  constexpr std::string_view kAgency = "agency:";
  constexpr std::string_view kOffice = "field_office:";
  constexpr std::string_view kDistrict = "district:";
  if (unit.substr(0, kAgency.size()) == kAgency) {
    candidates.insert(std::string(unit.substr(kAgency.size())));
  } else if (unit.substr(0, kOffice.size()) == kOffice) {
    const std::string_view office = unit.substr(kOffice.size());
    for (size_t dash = office.find('-'); dash != std::string_view::npos;
         dash = office.find('-', dash + 1)) {
      candidates.insert(std::string(office.substr(0, dash)));
    }
  } else if (unit.substr(0, kDistrict.size()) == kDistrict) {
    candidates.insert("USAO-" + std::string(unit.substr(kDistrict.size())));
  }
  // `<TYPE>/report/<reporter>/<report_id>`, by the keys' one parser.
  if (const auto ref = ParseConditionKey(e.condition_key(), nullptr);
      ref && ref->scope == ConditionRef::Scope::kReport) {
    candidates.insert(ref->reporter);
  }
  std::vector<std::string> out;
  for (const std::string& a : candidates) {
    if (agencies != nullptr && agencies->count(a) == 0) continue;
    if (auth::EventConcerns(e, a)) out.push_back(a);
  }
  return out;
}

std::optional<int> ConditionYear(
    const std::vector<v1::OversightEvent>& events) {
  const v1::OversightEvent* first = nullptr;
  const v1::OversightEvent* latest_with_period = nullptr;
  for (const auto* e : InOrder(events)) {
    if (e->resolved()) continue;
    if (first == nullptr) first = e;
    if (ValidPeriod(e->period())) latest_with_period = e;
  }
  if (latest_with_period != nullptr) {
    return YearOf(latest_with_period->period());
  }
  if (first == nullptr) return std::nullopt;
  return YearOf(FiscalYear(first->emitted_at().seconds()));
}

bool ConditionHolds(const std::vector<v1::OversightEvent>& events) {
  const auto ordered = InOrder(events);
  return !ordered.empty() && !ordered.back()->resolved();
}

std::set<std::pair<std::string, int>> ConditionAgencyYears(
    const std::vector<v1::OversightEvent>& events,
    const std::set<std::string>* known) {
  std::set<std::pair<std::string, int>> out;
  const std::optional<int> year = ConditionYear(events);
  if (!year) return out;
  for (const auto& e : events) {
    if (e.resolved()) continue;
    for (auto& a : AgenciesConcerned(e, known))
      out.insert({std::move(a), *year});
  }
  return out;
}

std::string FindingKey(const std::string& condition_key) {
  constexpr std::string_view kRestricted = "/restricted";
  if (condition_key.size() > kRestricted.size() &&
      std::string_view(condition_key)
              .substr(condition_key.size() - kRestricted.size()) ==
          kRestricted) {
    return condition_key.substr(0, condition_key.size() - kRestricted.size());
  }
  return condition_key;
}

std::vector<v1::OversightEvent> JudgedEvents(
    const std::vector<v1::OversightEvent>& events) {
  std::vector<v1::OversightEvent> restricted;
  for (const auto& e : events) {
    if (e.visibility() == v1::VISIBILITY_RESTRICTED) restricted.push_back(e);
  }
  return restricted.empty() ? events : restricted;
}

AgencyYearConditions CountConditions(
    const std::map<std::string, std::vector<v1::OversightEvent>>& events,
    const std::map<std::string, std::vector<v1::AgencyReport>>& kept,
    const std::set<std::string>* agencies) {
  // One finding per pair of twins: their events and answers together.
  std::map<std::string, std::vector<v1::OversightEvent>> findings;
  for (const auto& [key, of_key] : events) {
    auto& all = findings[FindingKey(key)];
    all.insert(all.end(), of_key.begin(), of_key.end());
  }
  std::map<std::string, std::vector<v1::AgencyReport>> answered_findings;
  for (const auto& [key, of_key] : kept) {
    auto& all = answered_findings[FindingKey(key)];
    all.insert(all.end(), of_key.begin(), of_key.end());
  }
  static const std::vector<v1::AgencyReport> kNone;
  AgencyYearConditions out;
  for (const auto& [finding, of_finding] : findings) {
    const auto k = answered_findings.find(finding);
    const auto& answers = k == answered_findings.end() ? kNone : k->second;
    const std::vector<v1::OversightEvent> judged = JudgedEvents(of_finding);
    const bool holds = ConditionHolds(judged);
    const bool decided =
        std::any_of(answers.begin(), answers.end(),
                    [](const auto& r) { return r.has_oversight_decision(); });
    for (const auto& [agency, year] : ConditionAgencyYears(judged, agencies)) {
      const bool answered = AnsweredBy(answers, agency);
      // Raised and resolved while data arrived, and never answered nor
      // decided: an artefact of reading order, not counted (header).
      if (!holds && !answered && !decided) continue;
      const auto acc =
          Accountability(*LatestRaise(judged, agency), answers, false);
      const std::string status = acc ? acc->status() : "";
      ConditionCounts& c = out[{agency, year}];
      ++c.raised;
      if (answered) ++c.answered;
      if (status == DecisionStatus(v1::DECISION_ACCEPTED)) ++c.accepted;
      if (status == DecisionStatus(v1::DECISION_REJECTED)) ++c.rejected;
    }
  }
  return out;
}

}  // namespace fruition::domain
