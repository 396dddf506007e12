// Designation histories with the tier the one rule (orgs.h) gives them,
// shared by the tests of every service that decides a tier (evidence's C5,
// scoring's CPOT targets), so all of them are held to the same answers,
// ties included. Test-only.
#ifndef FRUITION_SERVICES_DOMAIN_TIER_HISTORIES_H_
#define FRUITION_SERVICES_DOMAIN_TIER_HISTORIES_H_

#include <string>
#include <vector>

#include "services/domain/orgs.h"

namespace fruition::domain::testing {

struct TierHistory {
  std::string name;
  // Every entry is before kTierClaimAt, in the order a test should send it.
  std::vector<Designation> history;
  v1::Tier tier;  // what TierOf must say
};

// A claim's time, after every designation of every history.
inline constexpr int64_t kTierClaimAt = 1464739200;  // 2016-06-01 UTC

const std::vector<TierHistory>& TierHistories();

}  // namespace fruition::domain::testing

#endif  // FRUITION_SERVICES_DOMAIN_TIER_HISTORIES_H_
