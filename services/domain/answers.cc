#include "services/domain/answers.h"

#include <tuple>
#include <utility>

#include "services/common/auth/authz.h"

namespace fruition::domain {

namespace {

const v1::AgencyReport* Later(const v1::AgencyReport* a,
                              const v1::AgencyReport* b) {
  if (a == nullptr) return b;
  if (b == nullptr) return a;
  return ReplacesAnswer(*b, *a) ? b : a;
}

// Whether `a` is after `b`.
bool After(const google::protobuf::Timestamp& a,
           const google::protobuf::Timestamp& b) {
  return std::make_pair(a.seconds(), a.nanos()) >
         std::make_pair(b.seconds(), b.nanos());
}

v1::ConditionResponse ResponseOf(const v1::AgencyReport& r) {
  v1::ConditionResponse out;
  out.set_reporter(r.reporter());
  out.set_report_id(r.report_id());
  *out.mutable_occurred_at() = r.occurred_at();
  out.set_explanation(r.agency_response().explanation());
  out.set_corrective_action(r.agency_response().corrective_action());
  return out;
}

v1::ConditionDecision DecisionOf(const v1::AgencyReport& r) {
  v1::ConditionDecision out;
  out.set_reporter(r.reporter());
  out.set_report_id(r.report_id());
  *out.mutable_occurred_at() = r.occurred_at();
  out.set_decision(r.oversight_decision().decision());
  out.set_note(r.oversight_decision().note());
  return out;
}

}  // namespace

bool IsAnswer(const v1::AgencyReport& report) {
  return report.has_agency_response() || report.has_oversight_decision();
}

const std::string& AnswerConditionKey(const v1::AgencyReport& report) {
  if (report.has_agency_response()) {
    return report.agency_response().condition_key();
  }
  if (report.has_oversight_decision()) {
    return report.oversight_decision().condition_key();
  }
  static const std::string* empty = new std::string();
  return *empty;
}

std::string AnswerKey(const v1::AgencyReport& report) {
  std::string key = AnswerPrefix(AnswerConditionKey(report));
  key += report.has_agency_response() ? 'r' : 'd';
  key += '\0';
  key += report.reporter();
  return key;
}

std::string AnswerPrefix(const std::string& condition_key) {
  std::string key = condition_key;
  key += '\0';
  return key;
}

bool ReplacesAnswer(const v1::AgencyReport& incoming,
                    const v1::AgencyReport& stored) {
  if (After(incoming.occurred_at(), stored.occurred_at())) return true;
  if (After(stored.occurred_at(), incoming.occurred_at())) return false;
  return std::tie(incoming.reporter(), incoming.report_id()) >
         std::tie(stored.reporter(), stored.report_id());
}

std::string DecisionStatus(v1::Decision d) {
  switch (d) {
    case v1::DECISION_ACCEPTED:
      return "accepted";
    case v1::DECISION_REJECTED:
      return "rejected";
    case v1::DECISION_NEEDS_MORE:
      return "needs more";
    default:
      return "";
  }
}

std::optional<v1::ConditionAccountability> Accountability(
    const v1::OversightEvent& e, const std::vector<v1::AgencyReport>& kept,
    bool full) {
  const v1::AgencyReport* response = nullptr;
  const v1::AgencyReport* decision = nullptr;
  for (const v1::AgencyReport& r : kept) {
    if (r.has_agency_response() && auth::EventConcerns(e, r.reporter())) {
      response = Later(response, &r);
    } else if (r.has_oversight_decision() &&
               !DecisionStatus(r.oversight_decision().decision()).empty()) {
      decision = Later(decision, &r);
    }
  }
  if (response == nullptr && decision == nullptr) return std::nullopt;
  v1::ConditionAccountability out;
  // An answer after the latest decision (the agency answering a "needs
  // more") is what stands now.
  const bool answered_last =
      response != nullptr &&
      (decision == nullptr || ReplacesAnswer(*response, *decision));
  out.set_status(
      answered_last
          ? "answered"
          : DecisionStatus(decision->oversight_decision().decision()));
  if (!full) return out;
  if (response != nullptr) *out.mutable_response() = ResponseOf(*response);
  if (decision != nullptr) *out.mutable_decision() = DecisionOf(*decision);
  return out;
}

bool SeesAnswersInFull(const auth::Principal& caller,
                       const v1::OversightEvent& e) {
  if (auth::MayReadRestricted(caller)) return true;
  return caller.kind == auth::PrincipalKind::kAgency &&
         auth::EventConcerns(e, caller.code);
}

}  // namespace fruition::domain
