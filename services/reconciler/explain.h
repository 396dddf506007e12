// An oversight event in words a congressional staffer can read: the rule
// that raised it, what happened with its numbers, what each number means,
// the versions behind them and where to look next. Pure code.
#ifndef FRUITION_SERVICES_RECONCILER_EXPLAIN_H_
#define FRUITION_SERVICES_RECONCILER_EXPLAIN_H_

#include "fruition/v1/events.pb.h"
#include "fruition/v1/reconciler.pb.h"

namespace fruition::reconciler {

v1::EventExplanation Explain(const v1::OversightEvent& event);

}  // namespace fruition::reconciler

#endif  // FRUITION_SERVICES_RECONCILER_EXPLAIN_H_
