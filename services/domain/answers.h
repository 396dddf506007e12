// The accountability loop's answers as the services that serve events show
// them (SPEC §11): which stored answer or decision counts for a condition,
// and what of it a reader sees. Pure: the services keep the bodies (from
// fruition.reference.v1) and call these.
#ifndef FRUITION_SERVICES_DOMAIN_ANSWERS_H_
#define FRUITION_SERVICES_DOMAIN_ANSWERS_H_

#include <optional>
#include <string>
#include <vector>

#include "fruition/v1/events.pb.h"
#include "fruition/v1/reports.pb.h"
#include "services/common/auth/principals.h"

namespace fruition::domain {

// Whether `report` is an answer or a decision (an `agency_response` or an
// `oversight_decision`): the bodies kept per (condition_key, reporter).
bool IsAnswer(const v1::AgencyReport& report);
// Its condition key ("" for any other body).
const std::string& AnswerConditionKey(const v1::AgencyReport& report);

// Where a service keeps an answer or decision, one per (condition_key,
// body, reporter): "<condition_key>\0r\0<reporter>" for an agency_response,
// "...\0d\0..." for an oversight_decision; and the prefix of every key of
// one condition.
std::string AnswerKey(const v1::AgencyReport& report);
std::string AnswerPrefix(const std::string& condition_key);

// Whether `incoming` replaces `stored`, both of one (condition_key,
// reporter, body): the latest `occurred_at` counts (SPEC §11), ties by the
// greater report_id, so every reader keeps the same one whatever order it
// read them in.
bool ReplacesAnswer(const v1::AgencyReport& incoming,
                    const v1::AgencyReport& stored);

// The condition's accountability for event `e` from every stored answer and
// decision of its condition key (`kept`: the latest per reporter and body,
// any order): the latest answer of an agency the event concerns
// (auth::EventConcerns: anyone else's answer is left out), the latest
// decision of any reporter (intake lets only overseers send them), and the
// status they make. nullopt when there is neither. With `full` false, status
// only (no explanation, note or reporter).
std::optional<v1::ConditionAccountability> Accountability(
    const v1::OversightEvent& e, const std::vector<v1::AgencyReport>& kept,
    bool full);

// Whether `caller` sees a condition's answers in full on event `e`:
// overseers, and an agency the event concerns.
bool SeesAnswersInFull(const auth::Principal& caller,
                       const v1::OversightEvent& e);

// The public words for a decision: "accepted", "rejected", "needs more".
std::string DecisionStatus(v1::Decision d);

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_ANSWERS_H_
