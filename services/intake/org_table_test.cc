#include "services/intake/org_table.h"

#include <filesystem>

#include "fruition/v1/reports.pb.h"
#include "gtest/gtest.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"

namespace fruition::intake {
namespace {

class OrgTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/org_table_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    auto store = store::KvStore::Open(dir_, OrgTable::Tables());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    table_ = Load();
  }

  std::unique_ptr<OrgTable> Load() {
    auto table = OrgTable::Load(store_.get(), nullptr);
    EXPECT_TRUE(table.ok()) << table.status();
    return table.ok() ? std::move(*table) : nullptr;
  }

  // An org_designated of `org` by `reporter` at the next offset of
  // fruition.reference.v1 partition 0.
  kafka::Record Designation(const std::string& org, const std::string& reporter,
                            bool revoked = false) {
    v1::AgencyReport r;
    r.set_report_id("R-" + std::to_string(next_offset_));
    r.set_reporter(reporter);
    r.mutable_org_designated()->set_org_id(org);
    r.mutable_org_designated()->set_tier(v1::TIER_CPOT);
    r.mutable_org_designated()->set_revoked(revoked);
    return Record(r.SerializeAsString(), org);
  }

  kafka::Record Record(const std::string& value, const std::string& key) {
    kafka::Record record;
    record.topic = "fruition.reference.v1";
    record.partition = 0;
    record.offset = next_offset_++;
    record.key = key;
    record.value = value;
    return record;
  }

  void ApplyAndCommit(const std::vector<kafka::Record>& batch) {
    stream::Applied applied;
    ASSERT_TRUE(
        stream::ApplyAndCommit(*table_, *store_, batch, {}, {}, &applied).ok());
  }

  std::string dir_;
  std::unique_ptr<store::KvStore> store_;
  std::unique_ptr<OrgTable> table_;
  int64_t next_offset_ = 0;
};

TEST_F(OrgTableTest, TheFirstDesignationInLogOrderOwnsTheOrg) {
  EXPECT_TRUE(table_->MayDesignate("ORG-1", "DEA"));  // nobody owns it yet
  ApplyAndCommit({Designation("ORG-1", "FBI"), Designation("ORG-1", "DEA"),
                  Designation("ORG-1", "DEA", /*revoked=*/true)});
  EXPECT_TRUE(table_->MayDesignate("ORG-1", "FBI"));
  EXPECT_FALSE(table_->MayDesignate("ORG-1", "DEA"));
  EXPECT_TRUE(table_->MayDesignate("ORG-2", "DEA"));
  // The owner's revocation keeps it the owner.
  ApplyAndCommit({Designation("ORG-1", "FBI", /*revoked=*/true)});
  EXPECT_TRUE(table_->MayDesignate("ORG-1", "FBI"));
  EXPECT_FALSE(table_->MayDesignate("ORG-1", "DEA"));
}

TEST_F(OrgTableTest, OtherBodiesAndUnreadableRecordsChangeNothing) {
  v1::AgencyReport target;
  target.set_reporter("DEA");
  target.mutable_performance_target()->set_agency("DEA");
  // SPEC §11 answers and decisions (keyed by condition_key) own nothing.
  v1::AgencyReport answer;
  answer.set_reporter("DEA");
  answer.mutable_agency_response()->set_condition_key(
      "LINK_UNSUBSTANTIATED/claim/ORG-1");
  v1::AgencyReport decision;
  decision.set_reporter("HAC");
  decision.mutable_oversight_decision()->set_condition_key("ORG-1");
  ApplyAndCommit({Record("\xff\xff not a report", "ORG-1"),
                  Record(target.SerializeAsString(), "DEA"),
                  Record(answer.SerializeAsString(), "ORG-1"),
                  Record(decision.SerializeAsString(), "ORG-1"),
                  Designation("ORG-1", "HSI")});
  EXPECT_TRUE(table_->MayDesignate("ORG-1", "HSI"));
  EXPECT_FALSE(table_->MayDesignate("ORG-1", "DEA"));
}

TEST_F(OrgTableTest, OwnersSurviveARestart) {
  ApplyAndCommit({Designation("ORG-1", "FBI"), Designation("ORG-2", "DEA")});
  table_ = Load();
  EXPECT_TRUE(table_->MayDesignate("ORG-1", "FBI"));
  EXPECT_FALSE(table_->MayDesignate("ORG-1", "DEA"));
  EXPECT_FALSE(table_->MayDesignate("ORG-2", "FBI"));
}

// A batch applied but not committed (the commit failed) is applied again
// from the stored offsets: the owner it found must still reach the store.
TEST_F(OrgTableTest, ABatchAppliedAgainAfterAFailedCommitIsRecorded) {
  const std::vector<kafka::Record> batch = {Designation("ORG-1", "FBI")};
  {
    store::KvTx lost(store_.get());
    ASSERT_TRUE(table_->Apply(lost, batch, {}).ok());
  }  // never committed
  ApplyAndCommit(batch);
  table_ = Load();
  EXPECT_FALSE(table_->MayDesignate("ORG-1", "DEA"));
}

// SPEC §11: the agency of each budget line, the line with the latest
// occurred_at counting (log order on a tie); kept across restarts.
TEST_F(OrgTableTest, BudgetLinesKeepTheAgencyOfTheLatestLine) {
  auto line = [&](const std::string& id, const std::string& agency,
                  int64_t at) {
    v1::AgencyReport r;
    r.set_report_id("L-" + std::to_string(next_offset_));
    r.set_reporter("HAC");
    r.mutable_occurred_at()->set_seconds(at);
    r.mutable_budget_line()->set_line_id(id);
    r.mutable_budget_line()->set_agency(agency);
    return Record(r.SerializeAsString(), agency);
  };
  EXPECT_FALSE(table_->LineAgency("L-1").has_value());
  ApplyAndCommit({line("L-1", "DEA", 200), line("L-1", "FBI", 100),
                  line("L-2", "ATF", 50), line("L-2", "HSI", 50)});
  EXPECT_EQ(table_->LineAgency("L-1"), "DEA");  // FBI's is older
  EXPECT_EQ(table_->LineAgency("L-2"), "HSI");  // a tie: the later one
  ApplyAndCommit({line("L-1", "CBP", 300)});
  table_ = Load();
  EXPECT_EQ(table_->LineAgency("L-1"), "CBP");
  EXPECT_EQ(table_->LineAgency("L-2"), "HSI");
  EXPECT_FALSE(table_->LineAgency("L-3").has_value());
  // Lines are not designations.
  EXPECT_TRUE(table_->MayDesignate("L-1", "DEA"));
}

}  // namespace
}  // namespace fruition::intake
