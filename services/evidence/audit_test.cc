// The evidence service's reads of restricted data on the audit trail
// (SPEC §1): a claim and its evidence, a list of claims, an org's details:
// one record per call naming what it returned, written before the answer;
// UNAVAILABLE, with nothing in the answer, when it cannot be written.
#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/audit/trail.h"
#include "services/common/store/kv.h"
#include "services/evidence/server.h"

namespace fruition::evidence {
namespace {

const auth::Principal kOig{"OIG", auth::PrincipalKind::kOverseer};
const auth::Principal kDea{"DEA", auth::PrincipalKind::kAgency};

std::string FreshDir() {
  std::string base = ::testing::TempDir();
  if (base.empty() || base.back() != '/') base.push_back('/');
  std::string tmpl = base + "evidence_audit_XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr) << tmpl;
  return tmpl;
}

class EvidenceAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EvidenceStore::Open(FreshDir());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    Tx tx(store_.get());
    // Two DEA claims on ORG-A, one FBI claim on ORG-A, and ORG-A's
    // designation.
    for (const auto& [reporter, id] :
         std::vector<std::pair<std::string, std::string>>{
             {"DEA", "CL-1"}, {"DEA", "CL-2"}, {"FBI", "CL-9"}}) {
      internal::StoredReport s;
      v1::AgencyReport* r = s.mutable_report();
      r->set_reporter(reporter);
      r->set_report_id("R-" + id);
      r->mutable_link_claim()->set_claim_id(id);
      r->mutable_link_claim()->set_subject_pid("pid-1");
      r->mutable_link_claim()->set_org_id("ORG-A");
      tx.Put(Table::kClaims, JoinKey({reporter, id}), s.SerializeAsString());
      tx.Put(Table::kBySubject, JoinKey({"pid-1", reporter, id}), "");
      tx.Put(Table::kByOrg, JoinKey({"ORG-A", reporter, id}), "");
    }
    internal::StoredReport d;
    d.mutable_report()->set_reporter("DEA");
    d.mutable_report()->set_report_id("D-1");
    d.mutable_report()->mutable_org_designated()->set_org_id("ORG-A");
    d.mutable_report()->mutable_org_designated()->set_tier(v1::TIER_CPOT);
    tx.Put(Table::kOrgs, JoinKey({"ORG-A", "DEA", "D-1"}),
           d.SerializeAsString());
    ASSERT_TRUE(store_->Commit(tx).ok());
    service_ = std::make_unique<EvidenceServiceImpl>(
        store_.get(), nullptr, &trail_, &DefaultRulebook(),
        [] { return std::vector<int32_t>{}; });
  }

  std::unique_ptr<EvidenceStore> store_;
  audit::MemoryTrail trail_;
  std::unique_ptr<EvidenceServiceImpl> service_;
};

TEST_F(EvidenceAuditTest, GetClaimIsOneRecordNamingTheClaim) {
  v1::GetClaimRequest req;
  req.set_claim_id("CL-1");
  v1::Claim claim;
  ASSERT_TRUE(service_->GetClaimAs(kDea, req, &claim).ok());
  EXPECT_EQ(claim.claim_id(), "CL-1");
  req.set_reporter("FBI");
  req.set_claim_id("CL-9");
  ASSERT_TRUE(service_->GetClaimAs(kOig, req, &claim).ok());
  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].principal, "DEA");
  EXPECT_EQ(entries[0].action, "/fruition.v1.EvidenceService/GetClaim");
  EXPECT_EQ(entries[0].resources, std::vector<std::string>{"claim:CL-1"});
  EXPECT_EQ(entries[0].outcome, "OK");
  EXPECT_EQ(entries[1].principal, "OIG");
  EXPECT_EQ(entries[1].resources, std::vector<std::string>{"claim:CL-9"});
}

TEST_F(EvidenceAuditTest, ListClaimsNamesEveryClaimReturned) {
  v1::ListClaimsRequest req;
  req.set_org_id("ORG-A");
  v1::ListClaimsResponse res;
  ASSERT_TRUE(service_->ListClaimsAs(kDea, req, &res).ok());
  ASSERT_EQ(res.claims_size(), 2);  // DEA's own only
  v1::ListClaimsResponse all;
  ASSERT_TRUE(service_->ListClaimsAs(kOig, req, &all).ok());
  ASSERT_EQ(all.claims_size(), 3);
  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].action, "/fruition.v1.EvidenceService/ListClaims");
  EXPECT_EQ(entries[0].resources,
            (std::vector<std::string>{"claim:CL-1", "claim:CL-2"}));
  EXPECT_EQ(
      entries[1].resources,
      (std::vector<std::string>{"claim:CL-1", "claim:CL-2", "claim:CL-9"}));
}

TEST_F(EvidenceAuditTest, GetOrgNamesTheOrg) {
  v1::GetOrgRequest req;
  req.set_org_id("ORG-A");
  v1::Org org;
  ASSERT_TRUE(service_->GetOrgAs(kDea, req, &org).ok());
  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].principal, "DEA");
  EXPECT_EQ(entries[0].action, "/fruition.v1.EvidenceService/GetOrg");
  EXPECT_EQ(entries[0].resources, std::vector<std::string>{"org:ORG-A"});
}

TEST_F(EvidenceAuditTest, WithoutATrailNothingRestrictedIsAnswered) {
  trail_.Fail(absl::UnavailableError("broker down"));
  v1::GetClaimRequest get;
  get.set_claim_id("CL-1");
  v1::Claim claim;
  EXPECT_EQ(service_->GetClaimAs(kDea, get, &claim).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(claim.claim_id().empty());
  v1::ListClaimsRequest list;
  list.set_subject_pid("pid-1");
  v1::ListClaimsResponse res;
  EXPECT_EQ(service_->ListClaimsAs(kOig, list, &res).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(res.claims_size(), 0);
  v1::GetOrgRequest org_req;
  org_req.set_org_id("ORG-A");
  v1::Org org;
  EXPECT_EQ(service_->GetOrgAs(kOig, org_req, &org).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(org.org_id().empty());
}

}  // namespace
}  // namespace fruition::evidence
