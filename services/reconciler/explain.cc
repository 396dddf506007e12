#include "services/reconciler/explain.h"

#include "services/domain/events.h"

namespace fruition::reconciler {

v1::EventExplanation Explain(const v1::OversightEvent& e) {
  return domain::ExplainEvent(e);
}

}  // namespace fruition::reconciler
