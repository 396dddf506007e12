// Disclosure control (SPEC §5 D1–D4) as pure code: from the indicators a
// fiscal year's unit-periods may show publicly to the public view of each.
//
// Every public output (HTTP, SSE, gRPC for callers without overseer
// rights, the facts of public events, fruitctl without a token, the
// dashboard, releases) is one of these views, computed in one place
// (scoring's public-view stage), so that no two public outputs disagree or
// can be combined to undo each other.
//
// The unit of protection is a *quantity*: a count of people or records that
// a cell shows or lets one derive. A count cell shows its count (`arrests`,
// `sentenced`, ...); a share shows its n and its k = value × n (and so
// n − k); a mean or a sum over people (`mean_desert`, `lnf_prison_years`)
// shows its n; a difference (`fruition_gap`) shows its operands'
// quantities. Indicators about organizations and areas
// (`org_outcomes_reported`, `pending_counted_as_dismantled`,
// `target_ratio:*`, `community_change:*`) show none and are never
// suppressed, except `target_ratio:PERFORMANCE_MEASURE_ARRESTS`, which is
// computed from `arrests` and follows it.
//
// A cell is published only when every quantity it shows is. The rules, in
// the order applied:
//   D4 (caller's part): `base` is the restricted view as of the unit-
//      period's last public version; a new one is taken only once at least
//      11 of the records under it differ (scoring stage 2 counts them).
//      Until the first such version (`has_base` false) nothing about people
//      is public.
//   D2: a quantity of 1–10 is suppressed; for a share, also when n − k is
//      1–10 (then its k is suppressed: the attribute count).
//   Versions: a quantity whose value differs by 1–10 from any value it was
//      ever published with is suppressed until it differs by 0 or at least
//      11 (so no two public versions, successive or not, differ by a count
//      of 1–10). `shown` carries, per quantity, the values already
//      published; the result adds the new ones. When one of the record
//      counts every other cell rests on (`arrests`, `pto_linked_arrests_
//      claimed`, `sentenced`) moved by 1–10 and none of them by 11 or more,
//      the unit-period keeps its `previous` view instead (held: still
//      shown, `lags_current`), so that a few records more do not blank a
//      whole card; D3 still applies to what it shows.
//   D3: within each linked set — an agency and its field offices in one
//      period; a unit's fiscal year and its quarters; `national:US` and its
//      districts; `national:US` and its agencies — for every quantity the
//      parent minus the published members must be 0 or at least 11 in
//      magnitude. Where it is not, the published member with the smallest
//      value (ties by unit, then period) is suppressed, again until it is;
//      with no member left to suppress, the parent is. Repeated over every
//      set until nothing changes.
//   D1: a suppressed cell carries `suppressed: true` and nothing else.
//
// Deterministic: the same inputs give the same views, byte for byte.
// Thread-compatible; no I/O.
#ifndef FRUITION_SERVICES_DOMAIN_DISCLOSURE_H_
#define FRUITION_SERVICES_DOMAIN_DISCLOSURE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fruition/v1/scores.pb.h"
#include "services/domain/indicators.h"

namespace fruition::domain {

// The smallest count of people or records that may be shown or derived.
inline constexpr int64_t kMinPublicCell = 11;

// What each indicator shows (its CellRule) comes from the indicator registry
// (indicators.h: RuleOf).

using UnitPeriod = std::pair<std::string, std::string>;  // unit, period

// Values each quantity was ever published with.
using Shown = std::map<std::string, std::set<int64_t>>;

struct PublicInput {
  // The restricted indicators the public view rests on (D4 applied by the
  // caller); unit, period and versions are copied to the view.
  v1::Scorecard base;
  // False until the first version with at least 11 records.
  bool has_base = false;
  // The current facts differ from `base` (in fewer than 11 records).
  bool lags_current = false;
  // For a field office: the agency units it belongs to (`agency:DEA`).
  std::set<std::string> parents;
  Shown shown;
  // The public view published last (no indicators: none yet).
  v1::Scorecard previous;
};

struct PublicOutput {
  // Indicators in the order of `base`; `public_view` true; `scorecard_id`
  // and `revision` left to the caller.
  v1::Scorecard card;
  Shown shown;
};

// The public views of every unit-period in `in`, which must hold every
// unit-period of one fiscal year that has data (its quarters included):
// linked sets never cross a fiscal year.
std::map<UnitPeriod, PublicOutput> ComputePublicViews(
    const std::map<UnitPeriod, PublicInput>& in);

// The quantities a published public view shows, with their values: what
// anyone can read or derive from `public_card`, and so what the version rule
// must keep apart from every later version. A subset of what
// ComputePublicViews added to `shown` when it made the card. A stage that
// takes over a fiscal year from another instance merges this, for every
// view the other published, into its own `shown`.
Shown ShownBy(const v1::Scorecard& public_card);

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_DISCLOSURE_H_
