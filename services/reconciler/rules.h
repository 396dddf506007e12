// The oversight event rules of SPEC §6 as pure code: from the facts the
// reconciler joined (a subject's reports and claim assessments, a
// scorecard, a reference record, the bodies seen for one report id) to each
// condition's state now, and from that state and the latest event published
// for the condition to the event to emit, if any.
//
// A rule yields a Finding for every condition it can speak about, holding
// or not, so that an event whose condition stops holding is followed by a
// resolving one (`resolved: true`). Emission (Reconcile):
//   - holds, and the latest published event of its key differs (or there is
//     none, or it was a resolution): emit the event;
//   - does not hold, and the latest published event of its key holds: emit
//     the resolution, with the facts as they are now;
//   - otherwise nothing.
// `event_id` is a hash of the whole event but `event_id` and `emitted_at`:
// the same facts and versions always give the same id.
//
// The rules themselves (conditions, thresholds, condition keys, what
// events show) are the event-rule registry's (services/domain/events.h);
// this header names them for the reconciler and adds emission.
#ifndef FRUITION_SERVICES_RECONCILER_RULES_H_
#define FRUITION_SERVICES_RECONCILER_RULES_H_

#include <optional>
#include <string>

#include "fruition/v1/events.pb.h"
#include "services/domain/events.h"

namespace fruition::reconciler {

using domain::DeclinedThenChargedElsewhere;
using domain::Finding;
using domain::LinkUnsubstantiated;
using domain::PairRule;
using domain::PairRules;
using domain::PendingDismantled;
using domain::ReportConflict;
using domain::ScorecardConditions;
using domain::ScorecardPublished;
using domain::Thresholds;
using domain::TierMismatches;

// Hash of everything in `e` but event_id and emitted_at (32 hex digits).
std::string EventId(const v1::OversightEvent& e);

// The latest event published for a condition key and visibility.
struct Published {
  std::string event_id;
  bool resolved = false;
};

// The event to emit for `now`, with its event_id set (emitted_at is the
// caller's), or nullopt.
std::optional<v1::OversightEvent> Reconcile(
    const Finding& now, const std::optional<Published>& last);

// The key under which the published state of an event is kept: its Kafka
// key, condition key and visibility.
std::string PublishedKey(const std::string& key, const v1::OversightEvent& e);

}  // namespace fruition::reconciler

#endif  // FRUITION_SERVICES_RECONCILER_RULES_H_
