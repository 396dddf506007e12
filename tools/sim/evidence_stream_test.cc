#include "tools/sim/evidence_stream.h"

#include <map>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "services/common/proto.h"
#include "services/intake/validate.h"
#include "tools/sim/sim.h"

namespace fruition::sim {
namespace {

constexpr int64_t kNow = 4102444800;  // 2100-01-01

TEST(EvidenceStreamTest, SameInputsGiveTheSameReports) {
  const EvidenceStreamData a = EvidenceStream("n1", 10, 50);
  const EvidenceStreamData b = EvidenceStream("n1", 10, 50);
  ASSERT_EQ(a.designations.size(), 10u);
  ASSERT_EQ(a.claims.size(), 50u);
  for (size_t i = 0; i < a.claims.size(); ++i) {
    EXPECT_EQ(SerializeDeterministic(a.claims[i]),
              SerializeDeterministic(b.claims[i]));
  }
  // Another nonce: other ids, so runs do not collide.
  const EvidenceStreamData c = EvidenceStream("n2", 10, 50);
  EXPECT_NE(a.claims[0].link_claim().claim_id(),
            c.claims[0].link_claim().claim_id());
}

TEST(EvidenceStreamTest, EveryReportPassesIntakeAndTheShapeIsAsDocumented) {
  const EvidenceStreamData d = EvidenceStream("check", 10, 400);
  std::set<std::string> orgs;
  for (const auto& r : d.designations) {
    const auto rejection = intake::Validate(r, PrincipalOf(r.reporter()), kNow);
    EXPECT_FALSE(rejection.has_value()) << rejection->message;
    orgs.insert(r.org_designated().org_id());
    EXPECT_LT(r.occurred_at().seconds(), d.claims[0].occurred_at().seconds());
  }
  EXPECT_EQ(orgs.size(), 10u);
  std::map<std::string, int> by_agency;
  int two_hops = 0, three_items = 0;
  std::set<std::string> subjects;
  for (const auto& r : d.claims) {
    // Claims are as intake writes them to the topic (a pid, no raw subject
    // reference): as the agency would have sent it, it must pass intake.
    EXPECT_FALSE(r.link_claim().subject_pid().empty());
    v1::AgencyReport sent = r;
    sent.mutable_link_claim()->clear_subject_pid();
    sent.mutable_link_claim()->set_subject_ref("SUBJECT-REF-1");
    const auto rejection =
        intake::Validate(sent, PrincipalOf(r.reporter()), kNow);
    EXPECT_FALSE(rejection.has_value()) << rejection->message;
    const auto& c = r.link_claim();
    EXPECT_EQ(orgs.count(c.org_id()), 1u);
    ++by_agency[r.reporter()];
    two_hops += c.hops() == 2;
    three_items += c.evidence_size() == 3;
    EXPECT_GE(c.evidence_size(), 2);
    subjects.insert(c.subject_pid());
  }
  EXPECT_EQ(subjects.size(), d.claims.size());  // one subject per claim
  EXPECT_EQ(by_agency, (std::map<std::string, int>{
                           {"DEA", 134}, {"FBI", 133}, {"HSI", 133}}));
  EXPECT_EQ(two_hops, 100);     // every fourth
  EXPECT_EQ(three_items, 200);  // every second
}

}  // namespace
}  // namespace fruition::sim
