// ExplainEvent's rule text, summary and see-also of each event type, and
// the meanings of the facts events share; the event-rule registry
// (events.h) names them in its entries.
#ifndef FRUITION_SERVICES_DOMAIN_EVENT_EXPLANATIONS_H_
#define FRUITION_SERVICES_DOMAIN_EVENT_EXPLANATIONS_H_

#include <string>

#include "fruition/v1/events.pb.h"
#include "services/domain/events.h"

namespace fruition::domain {

// What a fact means: the facts several rules carry, `<x>.n` and
// `<x>.suppressed`, `failed.<criterion>`, `target_ratio:<measure>`, an
// indicator (the indicator registry's label and description), else a
// generic text.
std::string SharedFactMeaning(const std::string& name);

Explanation ExplainLinkUnsubstantiated(const v1::OversightEvent& e);
Explanation ExplainTierMismatch(const v1::OversightEvent& e);
Explanation ExplainPendingCountedAsDismantled(const v1::OversightEvent& e);
Explanation ExplainTargetOvershoot(const v1::OversightEvent& e);
Explanation ExplainFruitionGap(const v1::OversightEvent& e);
Explanation ExplainLnfShareHigh(const v1::OversightEvent& e);
Explanation ExplainLnfMandatoryMinimumHigh(const v1::OversightEvent& e);
Explanation ExplainDeclinedThenChargedElsewhere(const v1::OversightEvent& e);
Explanation ExplainReportConflict(const v1::OversightEvent& e);
Explanation ExplainScorecardPublished(const v1::OversightEvent& e);
Explanation ExplainBudgetCriteriaUnmet(const v1::OversightEvent& e);

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_EVENT_EXPLANATIONS_H_
