// EvidenceServiceImpl::GetOrgAs over a real store: an org's tier and whether
// it is designated now come from the one rule (services/domain/orgs.h).
#include "services/evidence/server.h"

#include <stdlib.h>

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "services/common/store/kv.h"
#include "services/domain/tier_histories.h"

namespace fruition::evidence {
namespace {

std::string FreshDir() {
  std::string base = ::testing::TempDir();
  if (base.empty() || base.back() != '/') base.push_back('/');
  std::string tmpl = base + "evidence_server_XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr) << tmpl;
  return tmpl;
}

// A store holding `history` as ORG-T's designations, and GetOrg's answer.
v1::Org GetOrg(const std::vector<domain::Designation>& history) {
  auto store = EvidenceStore::Open(FreshDir());
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return {};
  {
    Tx tx(store->get());
    for (size_t i = 0; i < history.size(); ++i) {
      internal::StoredReport s;
      v1::AgencyReport* r = s.mutable_report();
      r->set_reporter("DEA");
      r->set_report_id("D-" + std::to_string(i));
      r->mutable_occurred_at()->set_seconds(history[i].occurred_at);
      r->mutable_org_designated()->set_org_id("ORG-T");
      r->mutable_org_designated()->set_tier(history[i].tier);
      r->mutable_org_designated()->set_revoked(history[i].revoked);
      tx.Put(Table::kOrgs, store::JoinKey({"ORG-T", "DEA", r->report_id()}),
             s.SerializeAsString());
    }
    EXPECT_TRUE((*store)->Commit(tx).ok());
  }
  audit::MemoryTrail trail;
  EvidenceServiceImpl service(
      store->get(), nullptr, &trail, &DefaultRulebook(),
      [] { return std::vector<int32_t>{}; },
      [] { return domain::testing::kTierClaimAt; });
  v1::GetOrgRequest request;
  request.set_org_id("ORG-T");
  v1::Org org;
  const grpc::Status status = service.GetOrgAs(
      {"OVERSIGHT", auth::PrincipalKind::kOverseer}, request, &org);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return org;
}

TEST(GetOrg, TierByTheRuleEveryServiceUses) {
  for (const auto& h : domain::testing::TierHistories()) {
    if (h.history.empty()) continue;  // unknown org: NOT_FOUND
    EXPECT_EQ(GetOrg(h.history).tier(), h.tier) << h.name;
  }
}

TEST(GetOrg, DesignatedNowByTheLatestEntryARevocationWinningATie) {
  const int64_t t = domain::testing::kTierClaimAt - 1000;
  EXPECT_TRUE(GetOrg({{t, v1::TIER_CPOT, false}}).designated());
  EXPECT_FALSE(GetOrg({{t, v1::TIER_CPOT, false}, {t + 1, v1::TIER_CPOT, true}})
                   .designated());
  // Report ids would put the designation last; the revocation still wins.
  EXPECT_FALSE(GetOrg({{t, v1::TIER_CPOT, true}, {t, v1::TIER_CPOT, false}})
                   .designated());
  EXPECT_TRUE(GetOrg({{t, v1::TIER_CPOT, true}, {t + 1, v1::TIER_RPOT, false}})
                  .designated());
}

}  // namespace
}  // namespace fruition::evidence
