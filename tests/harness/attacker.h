// An attacker on Fruition's public outputs (SPEC §5 D1–D4), for tests: from
// public scorecards alone, every count of 1 to 10 people or records it can
// display or derive.
//
// Input: public *versions* (a unit-period's public view as one output showed
// it: a polled HTTP scorecard, or the facts of a public event that names its
// scorecard) and *snapshots* (the latest version of every unit-period at one
// moment). Output: findings, one line each, naming what was recovered and
// how. A test expects none.
//
// What it knows (independently of the product's code, from SPEC §5 and
// docs/disclosure.md): a cell shows *quantities*, named counts of people or
// records shared between cells.
//   - counts show theirs: `arrests`, `sentenced`, `claimed`
//     (pto_linked_arrests_claimed), `declined_charged`;
//   - shares show n and k = round(value × n), and so n − k (`sentenced-lnf`):
//     high_desert_share, lnf_share, ch1_share, weapon_share,
//     aggravating_role_share, claimed_priority_share (of `sentenced`),
//     link_substantiation_rate (`substantiated` of `claimed`);
//     pto_linked_arrests_substantiated's value is k (of n = `claimed`);
//   - measures show their n: mean_desert and weighted_enforcement_value
//     `sentenced`; lnf_prison_years and lnf_cost_usd `lnf`;
//     target_ratio:PERFORMANCE_MEASURE_ARRESTS `arrests`;
//   - fruition_gap shows `sentenced` and claimed_priority − high_desert, from
//     which either is derived when the other is known;
//   - org_outcomes_reported, pending_counted_as_dismantled, target_ratio:*,
//     budget_usd, conditions_* and community_change:* are about
//     organizations: nothing;
//   - any other cell is a measure over its own n (`cell:<name>`).
// Derivations:
//   - small: a quantity of a version in 1–10;
//   - linked sets, within each snapshot: an agency minus its field offices
//     (a field office belongs to every agency whose code + '-' starts its
//     code), a unit's fiscal year minus its quarters, national:US minus its
//     districts and minus its agencies, per period: for every quantity the
//     parent shows, parent − Σ members showing it in 1–10 in magnitude (a
//     member absent from the snapshot has no data: it counts as 0);
//   - versions: for every unit-period, any two distinct versions (successive
//     or not), for every quantity both show, a difference of 1–10;
//   - inconsistent: one version showing a quantity with two values (two
//     public outputs of one view that disagree).
//
// Pure: no I/O, deterministic. Not thread-safe.
#ifndef FRUITION_TESTS_HARNESS_ATTACKER_H_
#define FRUITION_TESTS_HARNESS_ATTACKER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fruition/v1/events.pb.h"
#include "fruition/v1/scores.pb.h"
#include "google/protobuf/struct.pb.h"

namespace fruition::testing {

// One public cell as shown.
struct PublicCell {
  bool suppressed = false;
  std::optional<double> value;  // absent: withheld, or a share of nobody
  std::optional<double> n;
};

// One public version of a unit-period's scorecard, as one output showed it.
struct PublicVersion {
  std::string unit;
  std::string period;
  // The scorecardId (public versions with the same id are one version, seen
  // in several outputs: their cells are merged). "" when unknown: the cells'
  // content then identifies it.
  std::string id;
  int64_t revision = -1;                    // -1 when unknown
  std::string source;                       // for findings: "poll", "sse", ...
  std::map<std::string, PublicCell> cells;  // SPEC §5 (snake_case) names
};

// "lnfShare" -> "lnf_share"; "targetRatio:PERFORMANCE_MEASURE_ARRESTS" ->
// "target_ratio:PERFORMANCE_MEASURE_ARRESTS" (only before a ':').
std::string SnakeName(const std::string& camel);

// A public HTTP scorecard (`{"unit","period","revision","scorecardId",
// "indicators":{...}}`); nullopt without unit or period.
std::optional<PublicVersion> VersionFromCardJson(
    const google::protobuf::Struct& card, const std::string& source = "poll");

// A public view as fruition.scores.public.v1 carries it, with the cells the
// HTTP API would show (a suppressed cell nothing else; a share of nobody no
// value); nullopt for a card that is not a public view.
std::optional<PublicVersion> VersionFromCard(const v1::Scorecard& card,
                                             const std::string& source);

// The cells a public event shows of the scorecard it names (evidence ref
// "scorecard:<id>"): `<cell>`, `<cell>.n`, `<cell>.suppressed` facts
// (TARGET_OVERSHOOT's `target_ratio*` and `reported` as the cell
// target_ratio:<measure> of its condition key). nullopt for a restricted
// event or one that names no scorecard.
std::optional<PublicVersion> VersionFromEvent(
    const v1::OversightEvent& e, const std::string& source = "sse");

class Attacker {
 public:
  // A version seen (merged with any seen before under the same id).
  void AddVersion(const PublicVersion& v);
  // The latest version of every unit-period at one moment (each also
  // added as a version).
  void AddSnapshot(const std::vector<PublicVersion>& snapshot);

  // Everything of 1–10 it can display or derive; each line once, in a
  // deterministic order.
  std::vector<std::string> Findings() const;

  size_t versions() const { return versions_.size(); }
  size_t snapshots() const { return snapshots_.size(); }

 private:
  using Key = std::string;  // unit \n period \n id
  std::map<Key, PublicVersion> versions_;
  std::vector<std::map<std::pair<std::string, std::string>, Key>> snapshots_;
};

}  // namespace fruition::testing

#endif  // FRUITION_TESTS_HARNESS_ATTACKER_H_
