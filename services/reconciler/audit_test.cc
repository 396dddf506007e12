// The reconciler's reads of restricted events on the audit trail (SPEC §1):
// one record per call naming `event:<id>` of each restricted event returned,
// before the answer; UNAVAILABLE without the record. Public reads are not
// recorded.
#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/audit/trail.h"
#include "services/common/store/kv.h"
#include "services/reconciler/handler.h"
#include "services/reconciler/server.h"

namespace fruition::reconciler {
namespace {

const auth::Principal kOig{"OIG", auth::PrincipalKind::kOverseer};
const auth::Principal kPublic{"PUBLIC", auth::PrincipalKind::kPublic};

class ReconcilerAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = ::testing::TempDir() + "/reconciler_audit_XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    auto store = store::KvStore::Open(dir, Tables());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    store::KvTx tx(store_.get());
    int seq = 0;
    for (const auto& [id, visibility] :
         std::vector<std::pair<std::string, v1::Visibility>>{
             {"E-pub-1", v1::VISIBILITY_PUBLIC},
             {"E-res-1", v1::VISIBILITY_RESTRICTED},
             {"E-pub-2", v1::VISIBILITY_PUBLIC},
             {"E-res-2", v1::VISIBILITY_RESTRICTED}}) {
      v1::OversightEvent e;
      e.set_event_id(id);
      e.set_visibility(visibility);
      e.set_type(v1::EVENT_TYPE_FRUITION_GAP);
      e.set_unit(id == "E-res-2" ? "agency:FBI" : "agency:DEA");
      char key[21];
      snprintf(key, sizeof(key), "%020d", ++seq);
      tx.Put(kEvents, key, e.SerializeAsString());
      tx.Put(kEventIds, id, key);
    }
    ASSERT_TRUE(store_->Commit(tx).ok());
    service_ =
        std::make_unique<ReconcilerServiceImpl>(store_.get(), nullptr, &trail_);
  }

  std::unique_ptr<store::KvStore> store_;
  audit::MemoryTrail trail_;
  std::unique_ptr<ReconcilerServiceImpl> service_;
};

TEST_F(ReconcilerAuditTest, ListAndExplainNameTheRestrictedEvents) {
  v1::ListEventsResponse res;
  ASSERT_TRUE(service_->ListEventsAs(kOig, {}, &res).ok());
  ASSERT_EQ(res.events_size(), 4);
  v1::ExplainEventRequest explain;
  explain.set_event_id("E-res-2");
  v1::EventExplanation why;
  ASSERT_TRUE(service_->ExplainEventAs(kOig, explain, &why).ok());
  // Not recorded: the public's reads, an overseer's PUBLIC-only list, an
  // explanation of a public event.
  ASSERT_TRUE(service_->ListEventsAs(kPublic, {}, &res).ok());
  v1::ListEventsRequest pub;
  pub.set_visibility(v1::VISIBILITY_PUBLIC);
  ASSERT_TRUE(service_->ListEventsAs(kOig, pub, &res).ok());
  explain.set_event_id("E-pub-1");
  ASSERT_TRUE(service_->ExplainEventAs(kOig, explain, &why).ok());
  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].principal, "OIG");
  EXPECT_EQ(entries[0].action, "/fruition.v1.ReconcilerService/ListEvents");
  EXPECT_EQ(entries[0].resources,
            (std::vector<std::string>{"event:E-res-1", "event:E-res-2"}));
  EXPECT_EQ(entries[1].action, "/fruition.v1.ReconcilerService/ExplainEvent");
  EXPECT_EQ(entries[1].resources, std::vector<std::string>{"event:E-res-2"});
}

// SPEC §11: an agency reads (and has explained) the restricted events about
// its own units, audited like an overseer's reads; never another agency's.
TEST_F(ReconcilerAuditTest, AnAgencyReadsItsOwnRestrictedEventsAudited) {
  const auth::Principal dea{"DEA", auth::PrincipalKind::kAgency};
  v1::ListEventsResponse res;
  ASSERT_TRUE(service_->ListEventsAs(dea, {}, &res).ok());
  std::vector<std::string> ids;
  for (const auto& e : res.events()) ids.push_back(e.event_id());
  EXPECT_EQ(ids, (std::vector<std::string>{"E-pub-1", "E-res-1", "E-pub-2"}));
  v1::ListEventsRequest restricted;
  restricted.set_visibility(v1::VISIBILITY_RESTRICTED);
  res.Clear();
  ASSERT_TRUE(service_->ListEventsAs(dea, restricted, &res).ok());
  ASSERT_EQ(res.events_size(), 1);
  EXPECT_EQ(res.events(0).event_id(), "E-res-1");
  v1::ExplainEventRequest explain;
  explain.set_event_id("E-res-1");
  v1::EventExplanation why;
  ASSERT_TRUE(service_->ExplainEventAs(dea, explain, &why).ok());
  explain.set_event_id("E-res-2");  // FBI's
  EXPECT_EQ(service_->ExplainEventAs(dea, explain, &why).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 3u);
  for (const auto& e : entries) EXPECT_EQ(e.principal, "DEA");
  EXPECT_EQ(entries[0].resources, std::vector<std::string>{"event:E-res-1"});
  EXPECT_EQ(entries[1].resources, std::vector<std::string>{"event:E-res-1"});
  EXPECT_EQ(entries[2].action, "/fruition.v1.ReconcilerService/ExplainEvent");
  EXPECT_EQ(entries[2].resources, std::vector<std::string>{"event:E-res-1"});
}

TEST_F(ReconcilerAuditTest, WithoutATrailNothingRestrictedIsAnswered) {
  trail_.Fail(absl::UnavailableError("broker down"));
  v1::ListEventsResponse res;
  EXPECT_EQ(service_->ListEventsAs(kOig, {}, &res).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(res.events_size(), 0);
  v1::ExplainEventRequest explain;
  explain.set_event_id("E-res-1");
  v1::EventExplanation why;
  EXPECT_EQ(service_->ExplainEventAs(kOig, explain, &why).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // Public reads answer.
  EXPECT_TRUE(service_->ListEventsAs(kPublic, {}, &res).ok());
  EXPECT_EQ(res.events_size(), 2);
}

}  // namespace
}  // namespace fruition::reconciler
