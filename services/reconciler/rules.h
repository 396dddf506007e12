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
// Condition keys (one per condition and visibility):
//   LINK_UNSUBSTANTIATED/claim/<claim_id>
//   TIER_MISMATCH/subject/<pid>/case/<case_id>
//   DECLINED_THEN_CHARGED_ELSEWHERE/subject/<pid>
//   REPORT_CONFLICT/report/<reporter>/<report_id>
//   PENDING_COUNTED_AS_DISMANTLED/report/<reporter>/<report_id>
//   TARGET_OVERSHOOT/<unit>/<period>/<measure> (PUBLIC, on the public view)
//   FRUITION_GAP/<unit>/<period>, LNF_SHARE_HIGH/<unit>/<period> (PUBLIC,
//     judged on the public view) and FRUITION_GAP/<unit>/<period>/restricted,
//     LNF_SHARE_HIGH/<unit>/<period>/restricted (RESTRICTED, judged on the
//     restricted card): the pairs of SPEC §6
//   SCORECARD_PUBLISHED/<unit>/<period> (a PUBLIC event from the public
//     view, a RESTRICTED one from the restricted card)
//
// Disclosure control (SPEC §5 D1–D4) is scoring's: it publishes the public
// view of every scorecard (`public_view` set, a withheld cell marked
// `suppressed`), and PUBLIC scorecard events show exactly what it shows. A
// suppressed cell appears only as the fact `<name>.suppressed` = 1 (no
// value, no `<name>.n`); a condition whose inputs are suppressed does not
// hold publicly. PUBLIC events never carry subject_pid or sealed text (no
// rule ever sees any).
#ifndef FRUITION_SERVICES_RECONCILER_RULES_H_
#define FRUITION_SERVICES_RECONCILER_RULES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/events.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.pb.h"
#include "services/domain/desert.h"

namespace fruition::reconciler {

// SPEC §6 thresholds (configuration; these are the defaults).
struct Thresholds {
  double fruition_gap = 0.25;       // FRUITION_GAP: fruition_gap >= this
  double lnf_share = 0.30;          // LNF_SHARE_HIGH: lnf_share >= this
  int64_t min_sentenced = 11;       // ... in unit-periods with sentenced >=
  double target_ratio = 1.25;       // TARGET_OVERSHOOT: target_ratio >= this
  int64_t publish_interval_s = 60;  // SCORECARD_PUBLISHED at most this often
};

// A condition's state now, and the event that states it (everything but
// `event_id`, `emitted_at` and `resolved`).
struct Finding {
  bool holds = false;
  v1::OversightEvent event;
  // The Kafka key of the event: subject_pid, unit, or the key of the
  // record it is about (ARCHITECTURE: keyed like its input, so that the
  // instance owning that partition alone emits it).
  std::string key;
};

// LINK_UNSUBSTANTIATED of one claim, from its latest assessment (of the
// configured criteria version). Holds when the result is UNSUBSTANTIATED.
// Unit agency:<reporter>, period the fiscal year of the claim.
Finding LinkUnsubstantiated(const v1::LinkAssessment& latest);

// TIER_MISMATCH of each case of the subject with a sentencing record:
// holds when an arrest of that case claimed a link to a CPOT, RPOT or
// PTO_NATIONAL org (the tier of its latest assessment, whatever the
// result: what the agency claimed) and the sentencing (the one that counts)
// is LNF or has a mitigating role. `claims`: the subject's latest
// assessments, keyed reporter \0 claim_id. Unit agency:<arresting agency>,
// period the fiscal year of the sentencing.
std::vector<Finding> TierMismatches(
    const std::string& subject_pid, const internal::SubjectState& s,
    const std::map<std::string, v1::LinkAssessment>& claims,
    const domain::DesertRules& rules);

// DECLINED_THEN_CHARGED_ELSEWHERE of the subject: holds when it was charged
// in a district other than one that declined it; unit and period those of
// the earliest such charge (as the indicator counts it). nullopt when the
// subject has neither declinations nor charges.
std::optional<Finding> DeclinedThenChargedElsewhere(
    const std::string& subject_pid, const internal::SubjectState& s);

// PENDING_COUNTED_AS_DISMANTLED of an OrgOutcomeClaim report: holds when
// it is DISMANTLED and pending. Unit agency:<reporter>, period FY<year>.
Finding PendingDismantled(const v1::AgencyReport& outcome);

// REPORT_CONFLICT of one (reporter, report_id): holds when more than one
// distinct body arrived (`bodies`: SHA-256 hex of each, in log order).
Finding ReportConflict(const std::string& reporter,
                       const std::string& report_id,
                       const std::vector<std::string>& bodies,
                       const std::string& subject_pid,
                       const std::string& record_key);

// A condition of SPEC §6 that comes in a pair: a PUBLIC condition judged on
// the public view (condition key <TYPE>/<unit>/<period>) and a RESTRICTED
// one judged on the restricted card (<TYPE>/<unit>/<period>/restricted).
// Both hold when `sentenced` >= min_sentenced and `indicator` >= the
// threshold; on the public view, not when either is suppressed.
struct PairRule {
  v1::EventType type;
  std::string_view indicator;
  double Thresholds::*threshold;
  // The cells its events show (besides `threshold` and `min_sentenced`).
  std::vector<std::string_view> cells;
};

// FRUITION_GAP and LNF_SHARE_HIGH.
const std::vector<PairRule>& PairRules();

// The conditions judged on one scorecard. On a public view
// (`card.public_view()`): the PUBLIC half of every pair rule and one
// TARGET_OVERSHOOT per target_ratio indicator (not holding when the ratio is
// suppressed, or for PERFORMANCE_MEASURE_ARRESTS when `arrests` is). On a
// restricted card: the RESTRICTED half of every pair rule.
std::vector<Finding> ScorecardConditions(const v1::Scorecard& card,
                                         const Thresholds& t);

// SCORECARD_PUBLISHED of one scorecard: PUBLIC with the cells of a public
// view (as it shows them), RESTRICTED with every cell of a restricted card.
// Always holds.
Finding ScorecardPublished(const v1::Scorecard& card);

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
