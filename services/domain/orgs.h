// An organization's designation history (SPEC §2 `org_designated`, §3 C1
// and C5, §5 tiers) and the one rule for "its tier": every service that
// needs it (evidence C1/C5, scoring's CPOT targets and tier weights via the
// assessments) calls these functions, so they cannot disagree. Pure: no I/O.
//
// The rule (docs/DESIGN.md, "One tier per org"):
// - An org's tier is that of its designation (not revocation) with the latest
//   `occurred_at` (SPEC §5); a revocation keeps the tier it had.
// - Designations at the same `occurred_at` that name different tiers: the
//   *lower-priority* tier wins (the higher Tier number: PTO_LOCAL over CPOT).
//   SPEC is silent; this reading never credits an agency with more priority
//   than its least ambitious same-instant designation claims, it depends only
//   on the designations themselves (not on report ids, reporters, arrival
//   order or Kafka timestamps), so every replica and every service agrees.
// - Designated at time t (C1): the latest entry at or before t decides; at
//   equal times a revocation comes after a designation (it wins).
#ifndef FRUITION_SERVICES_DOMAIN_ORGS_H_
#define FRUITION_SERVICES_DOMAIN_ORGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fruition/v1/enums.pb.h"
#include "fruition/v1/reports.pb.h"

namespace fruition::domain {

// One entry of an org's designation history: an OrgDesignated with its
// AgencyReport.occurred_at (and received_at, for C1's window).
struct Designation {
  int64_t occurred_at = 0;  // seconds since the epoch
  v1::Tier tier = v1::TIER_UNSPECIFIED;
  bool revoked = false;
  // When intake accepted it (AgencyReport.received_at, seconds), or for a
  // report accepted before intake stamped it, its Kafka record timestamp.
  // Only C1 reads it (DesignatedAt with a `received_by`).
  int64_t received_at = 0;
};

// The entry of an `org_designated` report (zero Designation otherwise);
// `received_at` is the report's, 0 when it has none (the caller, who has the
// Kafka record, supplies the fallback).
Designation DesignationOf(const v1::AgencyReport& report);

// Whether `a` takes precedence over `b` in deciding the tier (both must be
// designations, not revocations): later occurred_at, then the higher Tier
// number. A strict weak order on (occurred_at, tier).
bool DecidesTierOver(const Designation& a, const Designation& b);

// The entry that decides the org's tier, or nullptr when it was never
// designated (only revocations, or unspecified tiers). Entries equal in
// (occurred_at, tier) are interchangeable; the first such is returned.
const Designation* TierDesignation(const std::vector<Designation>& history);

// The org's tier by the rule above; TIER_UNSPECIFIED if never designated.
v1::Tier TierOf(const std::vector<Designation>& history);

// Whether the org was designated and not revoked at time `t` (C1).
bool DesignatedAt(const std::vector<Designation>& history, int64_t t);

// The same, as C1 judges a claim received at some time: a designation
// received after `received_by` (the claim's receipt plus the rulebook's
// window) is left out, so one sent long after the claim but dated before it
// cannot rescue it. Revocations count whenever they were received: the
// window stops backdated rescues, and a revocation never rescues anything.
bool DesignatedAt(const std::vector<Designation>& history, int64_t t,
                  int64_t received_by);

// Whether a tier counts as a priority target (CPOT, RPOT, PTO_NATIONAL):
// claimed_priority_share, TIER_MISMATCH, and the tiers C5 allows 2 hops.
bool IsPriority(v1::Tier tier);

// Each org's tier from a set of `org_designated` reports (other bodies are
// ignored): what scoring uses to tell a CPOT outcome claim from another.
std::map<std::string, v1::Tier> TiersByOrg(
    const std::vector<v1::AgencyReport>& designations);

// Org ownership (SPEC §1 "Write authority"): an org_id belongs to the
// reporter whose `org_designated` of it comes first in log order. One org's
// designations share a key (`org_id`), hence a partition of
// `fruition.reference.v1`, so "first" is the same for every reader. A
// designation or revocation by any other reporter does not count: intake
// refuses it when it has already read the owner, every other reader ignores it
// (and counts it).
//
// Feed it every `org_designated` in log order; not thread-safe.
class OrgOwners {
 public:
  // Records a designation (or revocation) of `org_id` by `reporter`. True when
  // it counts: the first for the org, or by the org's owner.
  bool Observe(const std::string& org_id, const std::string& reporter);
  // Whether a designation of `org_id` by `reporter` would count now.
  bool MayDesignate(const std::string& org_id,
                    const std::string& reporter) const;
  // The org's owner, or nullptr when it was never designated.
  const std::string* OwnerOf(const std::string& org_id) const;

 private:
  std::map<std::string, std::string> owners_;  // org_id -> reporter
};

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_ORGS_H_
