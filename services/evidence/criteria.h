// The uniform link-sufficiency criteria (SPEC §3) as pure code: no I/O, no
// clock. The rulebook (thresholds, kinds, hop limits per tier, recency
// window) is versioned data; `Assess` applies one rulebook to the facts of
// one claim and gives the same answer whatever order the facts arrived in.
//
// Interpretations where SPEC §3 is silent (docs/DESIGN.md, "Evidence"):
// - Counted items (C2–C4) are the claim's own items observed at or before
//   the claim's `occurred_at`, plus every item that arrived by EvidenceAdded
//   whatever its date. A claim item dated after the claim is ignored for
//   C2–C4; it does not by itself fail C6.
// - C1 looks at the org's designation history at the claim's `occurred_at`
//   (domain::DesignatedAt, services/domain/orgs.h), leaving out designations
//   received (AgencyReport.received_at) more than
//   `designation_received_within_days` after the claim was received, so a
//   designation backdated through its `occurred_at` cannot rescue claims
//   already made. Revocations count whenever received. The boundary is
//   inclusive, to the second.
// - C4: a testimony item (kind in `testimony_kinds`) counted for C2 must be
//   linked by `corroborates`, in either direction, to a counted item with a
//   different `source_id`. No testimony: C4 passes.
// - C5 uses the org's tier by the one rule every service uses
//   (domain::TierOf, services/domain/orgs.h: latest designation by
//   `occurred_at`, kept after a revocation; at a tie the lower-priority
//   tier). An org never designated has no hop limit to meet: C5 fails.
// - C6: at least one item (counted or not) observed in
//   [occurred_at − recency_days, occurred_at]; exactly `recency_days` before
//   passes, a second more fails.
// - Items with the same `evidence_id` are one item: the first in the order
//   given wins (the store gives the claim's items first, then EvidenceAdded
//   items in log order, processor.h).
// - At most domain::kMaxEvidencePerClaim (1,024) distinct items count, the
//   first in that order (SPEC §2): every item after them whose id is not one
//   of theirs is ignored by every criterion (C6 included), left out of
//   `evidence_ids`, and counted in `evidence_ignored`, once per item sent
//   (the ids of ignored items are not kept, so a repeated ignored id counts
//   each time).
#ifndef FRUITION_SERVICES_EVIDENCE_CRITERIA_H_
#define FRUITION_SERVICES_EVIDENCE_CRITERIA_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/v1/enums.pb.h"
#include "fruition/v1/reports.pb.h"
#include "services/domain/orgs.h"

namespace fruition::evidence {

// One version of the rules. Loaded from YAML (services/evidence/criteria/).
struct Rulebook {
  std::string version;  // e.g. "v1"; named by every assessment
  int min_items = 2;    // C2: counted items at least
  int min_sources = 2;  // C2: distinct source_ids at least
  std::set<v1::EvidenceKind> direct_kinds;     // C3
  std::set<v1::EvidenceKind> testimony_kinds;  // C4
  std::map<v1::Tier, uint32_t> max_hops;       // C5, per designated tier
  int64_t recency_days = 730;                  // C6
  // C1: a designation counts only if received at most this many days after
  // the claim was received.
  int64_t designation_received_within_days = 30;
};

// The built-in v1 rulebook (SPEC §3).
const Rulebook& DefaultRulebook();

// Parses a rulebook from YAML text; `source` names it in errors. Every key
// is required; errors name the key, e.g. "criteria.yaml: max_hops.TIER_CPOT:
// must be a non-negative integer". Format:
//   version: v1
//   min_items: 2
//   min_sources: 2
//   direct_kinds: [EVIDENCE_KIND_WIRETAP_INTERCEPT, ...]
//   testimony_kinds: [EVIDENCE_KIND_COOPERATOR_STATEMENT, ...]
//   max_hops: {TIER_CPOT: 2, TIER_RPOT: 2, ...}   # every tier but UNSPECIFIED
//   recency_days: 730
//   designation_received_within_days: 30
absl::StatusOr<Rulebook> ParseRulebook(const std::string& yaml,
                                       const std::string& source);
// Reads and parses a rulebook file.
absl::StatusOr<Rulebook> LoadRulebook(const std::string& path);

// One entry of an org's designation history (OrgDesignated with its
// AgencyReport.occurred_at).
using Designation = domain::Designation;

// An evidence item and how it arrived.
struct Item {
  v1::EvidenceItem item;
  bool via_evidence_added = false;
};

// Everything known about one claim.
struct ClaimFacts {
  int64_t occurred_at = 0;  // the claim's AgencyReport.occurred_at, seconds
  // The claim's AgencyReport.received_at, seconds (for a report accepted
  // before intake stamped it, its Kafka record timestamp): C1's window
  // starts here, and each designation's `received_at` is compared to it.
  int64_t received_at = 0;
  uint32_t hops = 0;
  std::vector<Item> items;                // claim's first, then added
  std::vector<Designation> designations;  // the org's history, any order
  // Items already dropped beyond the evidence limit (not in `items`: the
  // store keeps only their count), after every item of `items`.
  int64_t ignored = 0;
};

// The items of a claim that count under the evidence limit.
struct LimitedItems {
  // The first `limit` distinct evidence ids, in the order given; an item
  // repeating a kept id is that item (the first wins) and is not listed.
  std::vector<const Item*> kept;
  // Every item after the limit whose id is not kept (once per item).
  int64_t ignored = 0;
};
LimitedItems LimitItems(const std::vector<Item>& items, size_t limit);

// The verdict.
struct Assessment {
  v1::AssessmentResult result = v1::ASSESSMENT_RESULT_UNSPECIFIED;
  std::vector<std::string> failed;  // "C1".."C6", ascending
  v1::Tier tier = v1::TIER_UNSPECIFIED;
  std::vector<std::string> evidence_ids;  // every kept id, ascending
  int64_t evidence_ignored = 0;           // items beyond the limit
  // One line per failed criterion, in words a non-specialist can read,
  // e.g. "C5: 3 hops; at most 1 for TIER_PTO_REGIONAL".
  std::vector<std::string> reasons;
};

Assessment Assess(const Rulebook& rules, const ClaimFacts& facts);

}  // namespace fruition::evidence

#endif  // FRUITION_SERVICES_EVIDENCE_CRITERIA_H_
