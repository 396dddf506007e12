// The scoring service's reads of restricted data on the audit trail
// (SPEC §1): a subject's score (`subject:<pid>`) and an overseer's full
// scorecards (`unit-period:<unit>/<period>`), one record per call before the
// answer; UNAVAILABLE without the record. Public-view reads are not recorded.
#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "gtest/gtest.h"
#include "services/common/audit/trail.h"
#include "services/common/store/kv.h"
#include "services/scoring/server.h"
#include "services/scoring/stages.h"

namespace fruition::scoring {
namespace {

const auth::Principal kOig{"OIG", auth::PrincipalKind::kOverseer};
const auth::Principal kDea{"DEA", auth::PrincipalKind::kAgency};

std::string FreshDir(const std::string& name) {
  std::string base = ::testing::TempDir();
  if (base.empty() || base.back() != '/') base.push_back('/');
  std::string tmpl = base + "scoring_audit_" + name + "_XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr) << tmpl;
  return tmpl;
}

class ScoringAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stage1 = store::KvStore::Open(FreshDir("s1"), Stage1Tables());
    ASSERT_TRUE(stage1.ok()) << stage1.status();
    stage1_ = std::move(*stage1);
    auto stage2 = store::KvStore::Open(FreshDir("s2"), Stage2Tables());
    ASSERT_TRUE(stage2.ok()) << stage2.status();
    stage2_ = std::move(*stage2);
    {
      store::KvTx tx(stage1_.get());
      internal::SubjectState s;
      auto& sen = (*s.mutable_sentencings())["CASE-1"];
      sen.set_case_id("CASE-1");
      sen.mutable_record()->set_district("EDPA");
      tx.Put(kSubjects, "pid-1", s.SerializeAsString());
      ASSERT_TRUE(stage1_->Commit(tx).ok());
    }
    store::KvTx tx(stage2_.get());
    for (const std::string unit : {"agency:DEA", "district:EDPA"}) {
      v1::Scorecard card;
      card.set_unit(unit);
      card.set_period("FY2016");
      tx.Put(kCards, store::JoinKey({unit, "FY2016"}),
             card.SerializeAsString());
      tx.Put(kByPeriod, store::JoinKey({"FY2016", unit}), "");
    }
    ASSERT_TRUE(stage2_->Commit(tx).ok());
    service_ = std::make_unique<ScoringServiceImpl>(
        stage1_.get(), stage2_.get(), nullptr, &DefaultDesertRules(), &trail_);
  }

  std::unique_ptr<store::KvStore> stage1_;
  std::unique_ptr<store::KvStore> stage2_;
  audit::MemoryTrail trail_;
  std::unique_ptr<ScoringServiceImpl> service_;
};

TEST_F(ScoringAuditTest, SubjectScoreIsOneRecordNamingTheSubject) {
  v1::GetSubjectScoreRequest req;
  req.set_subject_pid("pid-1");
  v1::SubjectScore score;
  ASSERT_TRUE(service_->GetSubjectScoreAs(kOig, req, &score).ok());
  EXPECT_EQ(score.sentencings_size(), 1);
  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].principal, "OIG");
  EXPECT_EQ(entries[0].action, "/fruition.v1.ScoringService/GetSubjectScore");
  EXPECT_EQ(entries[0].resources, std::vector<std::string>{"subject:pid-1"});
  EXPECT_EQ(entries[0].outcome, "OK");
}

TEST_F(ScoringAuditTest, FullScorecardsNameTheirUnitPeriods) {
  v1::GetScorecardRequest one;
  one.set_unit("agency:DEA");
  one.set_period("FY2016");
  v1::Scorecard card;
  ASSERT_TRUE(service_->GetScorecardAs(kOig, one, &card).ok());
  v1::ListScorecardsRequest list;
  list.set_period("FY2016");
  v1::ListScorecardsResponse page;
  ASSERT_TRUE(service_->ListScorecardsAs(kOig, list, &page).ok());
  ASSERT_EQ(page.scorecards_size(), 2);
  // An agency reads the public view (none published here): not recorded.
  v1::ListScorecardsResponse none;
  ASSERT_TRUE(service_->ListScorecardsAs(kDea, list, &none).ok());
  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].action, "/fruition.v1.ScoringService/GetScorecard");
  EXPECT_EQ(entries[0].resources,
            std::vector<std::string>{"unit-period:agency:DEA/FY2016"});
  EXPECT_EQ(entries[1].action, "/fruition.v1.ScoringService/ListScorecards");
  EXPECT_EQ(entries[1].resources,
            (std::vector<std::string>{"unit-period:agency:DEA/FY2016",
                                      "unit-period:district:EDPA/FY2016"}));
}

TEST_F(ScoringAuditTest, WithoutATrailNothingRestrictedIsAnswered) {
  trail_.Fail(absl::UnavailableError("broker down"));
  v1::GetSubjectScoreRequest req;
  req.set_subject_pid("pid-1");
  v1::SubjectScore score;
  EXPECT_EQ(service_->GetSubjectScoreAs(kOig, req, &score).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(score.sentencings_size(), 0);
  v1::ListScorecardsRequest list;
  list.set_period("FY2016");
  v1::ListScorecardsResponse page;
  EXPECT_EQ(service_->ListScorecardsAs(kOig, list, &page).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(page.scorecards_size(), 0);
  // The public view still answers.
  EXPECT_TRUE(service_->ListScorecardsAs(kDea, list, &page).ok());
}

}  // namespace
}  // namespace fruition::scoring
