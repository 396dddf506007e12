// SPEC §11 what-if, pure (no I/O): from one fiscal year's public agency
// scorecards (and national:US's), either
//   - an allocation: a total in whole cents split among the agencies in
//     proportion to an outcome basis (`sentenced`, `weighted_enforcement_
//     value`, or the high-desert count, the k of `high_desert_share`), by
//     the largest-remainder method in exact integer arithmetic, beside each
//     agency's actual `budget_usd`; or
//   - a cut: what cutting LNF admissions, or LNF sentences, by p percent
//     saves per agency and nationally, p/100 of the period's
//     `lnf_prison_years` and `lnf_cost_usd` (docs/API.md, "What-if", says
//     why the two cuts give the same totals and differ only in timing).
// A unit whose input is withheld by disclosure control, undefined, or not
// on its card is left out, with the reason. Only public views go in, so
// every answer is one anybody could work out from published cells.
//
// The gateway's OversightServiceImpl::WhatIfAs (server.h) reads the cards
// and calls ComputeWhatIf; the HTTP route parses its body with
// WhatIfRequestFromJson. Thread-safe (no state).
#ifndef FRUITION_SERVICES_GATEWAY_WHATIF_H_
#define FRUITION_SERVICES_GATEWAY_WHATIF_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/v1/gateway.pb.h"
#include "fruition/v1/scores.pb.h"

namespace fruition::gateway {

// The largest total an allocation takes, in dollars.
inline constexpr int64_t kMaxWhatIfUsd = 1000000000000;

// `weighted_enforcement_value` is Σ desert/100 × tier weight (3, 2, 1.5 or
// 1) × evidence factor (1, 0.5 or 0.25) over integer desert scores (SPEC
// §4, §5): a multiple of 1/800. Times this it is the integer scoring keeps
// (wev_x800), the weight an allocation uses.
inline constexpr int64_t kWeightedValueScale = 800;

// One party to a largest-remainder split: a non-negative integer weight
// and the key that breaks ties (the lower key first).
struct Weight {
  std::string key;
  uint64_t weight = 0;
};

// Splits `total` (>= 0) among `parties` in proportion to their weights, in
// whole units, by the largest-remainder (Hamilton) method: each gets
// floor(total × w / W), W the sum of the weights, and the units left over
// (fewer than there are parties) go one each to the largest remainders
// total × w mod W, equal remainders by key. Exact: 128-bit integers
// throughout, so the parts sum to `total` for any weights (W > 0). In the
// order of `parties`; all zero when W is 0.
std::vector<int64_t> LargestRemainder(int64_t total,
                                      const std::vector<Weight>& parties);

// Checks a request: a fiscal year; then an allocation (total_usd, 1 to
// kMaxWhatIfUsd, and a basis) or exactly one cut, in percent 0 to 100, and
// never both. INVALID_ARGUMENT whose message starts with the field's JSON
// name (`totalUsd: ...`).
absl::Status CheckWhatIf(const v1::WhatIfRequest& request);

// The request in a POST /api/v1/whatif body: a JSON object of period,
// totalUsd (a whole number), basis (CASELOAD, WEIGHTED_VALUE, HIGH_DESERT,
// or the WHAT_IF_BASIS_ names), lnfAdmissionsCutPct, lnfSentenceCutPct.
// INVALID_ARGUMENT naming `body` (not a JSON object) or the field (an
// unknown one, a value of the wrong type, a total that is not a whole
// number of dollars, an unknown basis); CheckWhatIf's rules are checked
// after.
absl::StatusOr<v1::WhatIfRequest> WhatIfRequestFromJson(
    const std::string& body);

// The answer to a checked request from the period's public agency cards
// (any order) and national:US's (null: none). Units come out by name.
// FAILED_PRECONDITION naming `basis` (an allocation) or `period` (a cut)
// when no unit has a usable input, or every basis is 0.
absl::StatusOr<v1::WhatIfResponse> ComputeWhatIf(
    const v1::WhatIfRequest& request,
    const std::vector<v1::Scorecard>& agencies, const v1::Scorecard* national);

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_WHATIF_H_
