#include "services/reconciler/rules.h"

#include "services/common/privacy/pseudonymizer.h"
#include "services/common/proto.h"
#include "services/common/store/kv.h"

namespace fruition::reconciler {

using v1::OversightEvent;

std::string EventId(const OversightEvent& e) {
  OversightEvent copy = e;
  copy.clear_event_id();
  copy.clear_emitted_at();
  return privacy::Sha256Hex(SerializeDeterministic(copy)).substr(0, 32);
}

std::optional<OversightEvent> Reconcile(const Finding& now,
                                        const std::optional<Published>& last) {
  OversightEvent e = now.event;
  if (now.holds) {
    e.set_resolved(false);
    e.set_event_id(EventId(e));
    if (last && !last->resolved && last->event_id == e.event_id()) {
      return std::nullopt;  // already said
    }
    return e;
  }
  if (!last || last->resolved) return std::nullopt;
  e.set_resolved(true);
  e.set_severity(v1::SEVERITY_INFO);
  e.set_event_id(EventId(e));
  return e;
}

std::string PublishedKey(const std::string& key, const OversightEvent& e) {
  return store::JoinKey(
      {key, e.condition_key(), v1::Visibility_Name(e.visibility())});
}

}  // namespace fruition::reconciler
