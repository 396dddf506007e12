#include "services/domain/orgs.h"

#include <algorithm>

#include "gtest/gtest.h"
#include "services/domain/tier_histories.h"

namespace fruition::domain {
namespace {

using testing::kTierClaimAt;
using testing::TierHistories;

TEST(TierOf, EveryHistoryInEveryOrder) {
  for (const auto& h : TierHistories()) {
    std::vector<Designation> order = h.history;
    std::sort(order.begin(), order.end(),
              [](const Designation& a, const Designation& b) {
                return std::tie(a.occurred_at, a.tier, a.revoked) <
                       std::tie(b.occurred_at, b.tier, b.revoked);
              });
    do {
      EXPECT_EQ(TierOf(order), h.tier) << h.name;
    } while (std::next_permutation(
        order.begin(), order.end(),
        [](const Designation& a, const Designation& b) {
          return std::tie(a.occurred_at, a.tier, a.revoked) <
                 std::tie(b.occurred_at, b.tier, b.revoked);
        }));
  }
}

TEST(TierOf, TieGoesToTheLowerPriorityTier) {
  EXPECT_EQ(TierOf({{100, v1::TIER_CPOT, false},
                    {100, v1::TIER_PTO_REGIONAL, false}}),
            v1::TIER_PTO_REGIONAL);
  EXPECT_EQ(TierOf({{100, v1::TIER_PTO_NATIONAL, false},
                    {100, v1::TIER_RPOT, false}}),
            v1::TIER_PTO_NATIONAL);
}

TEST(TierOf, RevocationsAndUnspecifiedTiersSetNothing) {
  EXPECT_EQ(TierOf({{100, v1::TIER_RPOT, false},
                    {200, v1::TIER_CPOT, true},
                    {300, v1::TIER_UNSPECIFIED, false}}),
            v1::TIER_RPOT);
  EXPECT_EQ(TierDesignation({{200, v1::TIER_CPOT, true}}), nullptr);
}

TEST(TierDesignation, IsTheEntryThatSetsTheTier) {
  const std::vector<Designation> h = {{100, v1::TIER_CPOT, false},
                                      {300, v1::TIER_RPOT, false},
                                      {300, v1::TIER_PTO_LOCAL, false},
                                      {400, v1::TIER_PTO_LOCAL, true}};
  ASSERT_NE(TierDesignation(h), nullptr);
  EXPECT_EQ(TierDesignation(h), &h[2]);
}

TEST(DesignatedAt, LatestEntryAtOrBeforeDecides) {
  const std::vector<Designation> h = {{100, v1::TIER_CPOT, false},
                                      {200, v1::TIER_CPOT, true},
                                      {300, v1::TIER_RPOT, false}};
  EXPECT_FALSE(DesignatedAt(h, 99));
  EXPECT_TRUE(DesignatedAt(h, 100));
  EXPECT_TRUE(DesignatedAt(h, 199));
  EXPECT_FALSE(DesignatedAt(h, 200));
  EXPECT_TRUE(DesignatedAt(h, 300));
  EXPECT_FALSE(DesignatedAt({}, kTierClaimAt));
}

// C1's receipt window: a designation received after `received_by` does not
// count, however early its occurred_at; a revocation counts whenever received.
TEST(DesignatedAt, DesignationReceivedAfterTheWindowDoesNotCount) {
  const Designation on_time{100, v1::TIER_CPOT, false, /*received_at=*/1000};
  EXPECT_TRUE(DesignatedAt({on_time}, 200, /*received_by=*/1000));
  EXPECT_FALSE(DesignatedAt({on_time}, 200, /*received_by=*/999));
  // A late re-designation cannot undo a revocation received in time.
  const Designation revoked{150, v1::TIER_CPOT, true, 1000};
  const Designation late{180, v1::TIER_CPOT, false, 5000};
  EXPECT_FALSE(DesignatedAt({on_time, revoked, late}, 200, 1000));
  EXPECT_TRUE(DesignatedAt({on_time, revoked, late}, 200, 5000));
  // A revocation received late still counts.
  const Designation late_revocation{150, v1::TIER_CPOT, true, 9000};
  EXPECT_FALSE(DesignatedAt({on_time, late_revocation}, 200, 1000));
}

TEST(DesignatedAt, RevocationWinsAtTheSameInstantInAnyOrder) {
  const Designation d{100, v1::TIER_CPOT, false};
  const Designation r{100, v1::TIER_CPOT, true};
  EXPECT_FALSE(DesignatedAt({d, r}, 100));
  EXPECT_FALSE(DesignatedAt({r, d}, 100));
}

v1::AgencyReport Designated(const std::string& org, v1::Tier tier, int64_t at,
                            bool revoked = false) {
  v1::AgencyReport r;
  r.mutable_occurred_at()->set_seconds(at);
  r.mutable_org_designated()->set_org_id(org);
  r.mutable_org_designated()->set_tier(tier);
  r.mutable_org_designated()->set_revoked(revoked);
  return r;
}

TEST(TiersByOrg, OneTierPerOrgByTheSameRule) {
  v1::AgencyReport other;
  other.mutable_org_outcome()->set_org_id("ORG-A");
  const auto tiers = TiersByOrg({
      Designated("ORG-A", v1::TIER_CPOT, 100),
      Designated("ORG-A", v1::TIER_PTO_LOCAL, 100),
      Designated("ORG-B", v1::TIER_RPOT, 100),
      Designated("ORG-B", v1::TIER_RPOT, 200, /*revoked=*/true),
      Designated("ORG-C", v1::TIER_CPOT, 100, /*revoked=*/true),
      other,
  });
  EXPECT_EQ(tiers,
            (std::map<std::string, v1::Tier>{{"ORG-A", v1::TIER_PTO_LOCAL},
                                             {"ORG-B", v1::TIER_RPOT}}));
}

TEST(DesignationOf, ReadsTheReport) {
  v1::AgencyReport r = Designated("ORG-A", v1::TIER_RPOT, 42, true);
  r.mutable_received_at()->set_seconds(77);
  const Designation d = DesignationOf(r);
  EXPECT_EQ(d.occurred_at, 42);
  EXPECT_EQ(d.received_at, 77);
  EXPECT_EQ(d.tier, v1::TIER_RPOT);
  EXPECT_TRUE(d.revoked);
  EXPECT_EQ(DesignationOf(v1::AgencyReport()).tier, v1::TIER_UNSPECIFIED);
}

}  // namespace
}  // namespace fruition::domain

namespace fruition::domain {
namespace {

TEST(IsPriority, CpotRpotAndNationalPtos) {
  EXPECT_TRUE(IsPriority(v1::TIER_CPOT));
  EXPECT_TRUE(IsPriority(v1::TIER_RPOT));
  EXPECT_TRUE(IsPriority(v1::TIER_PTO_NATIONAL));
  EXPECT_FALSE(IsPriority(v1::TIER_PTO_REGIONAL));
  EXPECT_FALSE(IsPriority(v1::TIER_PTO_LOCAL));
  EXPECT_FALSE(IsPriority(v1::TIER_UNSPECIFIED));
}

TEST(OrgOwners, TheFirstDesignatorOwnsAndNobodyElseCounts) {
  OrgOwners owners;
  EXPECT_EQ(owners.OwnerOf("ORG-1"), nullptr);
  EXPECT_TRUE(owners.MayDesignate("ORG-1", "DEA"));
  EXPECT_TRUE(owners.Observe("ORG-1", "FBI"));
  ASSERT_NE(owners.OwnerOf("ORG-1"), nullptr);
  EXPECT_EQ(*owners.OwnerOf("ORG-1"), "FBI");
  // Another reporter's designation or revocation does not count, and does not
  // take the org over.
  EXPECT_FALSE(owners.MayDesignate("ORG-1", "DEA"));
  EXPECT_FALSE(owners.Observe("ORG-1", "DEA"));
  EXPECT_EQ(*owners.OwnerOf("ORG-1"), "FBI");
  // The owner's later designations count.
  EXPECT_TRUE(owners.Observe("ORG-1", "FBI"));
  // Orgs are owned independently.
  EXPECT_TRUE(owners.Observe("ORG-2", "DEA"));
  EXPECT_EQ(*owners.OwnerOf("ORG-2"), "DEA");
}

}  // namespace
}  // namespace fruition::domain
