#include "services/domain/tier_histories.h"

namespace fruition::domain::testing {
namespace {

constexpr int64_t kDay = int64_t{24} * 3600;

Designation Designate(int days_before, v1::Tier tier) {
  return {kTierClaimAt - days_before * kDay, tier, false};
}

Designation Revoke(int days_before, v1::Tier tier) {
  return {kTierClaimAt - days_before * kDay, tier, true};
}

std::vector<TierHistory> Make() {
  return {
      {"NeverDesignated", {}, v1::TIER_UNSPECIFIED},
      {"OnlyARevocation", {Revoke(10, v1::TIER_CPOT)}, v1::TIER_UNSPECIFIED},
      {"OneCpot", {Designate(100, v1::TIER_CPOT)}, v1::TIER_CPOT},
      {"LaterNarrower",
       {Designate(100, v1::TIER_CPOT), Designate(10, v1::TIER_PTO_LOCAL)},
       v1::TIER_PTO_LOCAL},
      {"LaterWiderSentFirst",
       {Designate(10, v1::TIER_CPOT), Designate(100, v1::TIER_PTO_LOCAL)},
       v1::TIER_CPOT},
      {"RevokedKeepsItsTier",
       {Designate(100, v1::TIER_CPOT), Revoke(10, v1::TIER_CPOT)},
       v1::TIER_CPOT},
      // Same instant, different tiers: the lower-priority tier, whichever
      // comes first (and whatever report ids a test gives them).
      {"TieCpotSentFirst",
       {Designate(50, v1::TIER_CPOT), Designate(50, v1::TIER_PTO_LOCAL)},
       v1::TIER_PTO_LOCAL},
      {"TieCpotSentLast",
       {Designate(50, v1::TIER_PTO_LOCAL), Designate(50, v1::TIER_CPOT)},
       v1::TIER_PTO_LOCAL},
      {"TieCpotAndRpot",
       {Designate(50, v1::TIER_RPOT), Designate(50, v1::TIER_CPOT)},
       v1::TIER_RPOT},
      {"TieThenLaterCpot",
       {Designate(50, v1::TIER_PTO_LOCAL), Designate(50, v1::TIER_CPOT),
        Designate(5, v1::TIER_CPOT)},
       v1::TIER_CPOT},
  };
}

}  // namespace

const std::vector<TierHistory>& TierHistories() {
  static const auto* const kHistories = new std::vector<TierHistory>(Make());
  return *kHistories;
}

}  // namespace fruition::domain::testing
