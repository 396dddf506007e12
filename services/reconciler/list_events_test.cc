// ReconcilerService.ListEvents is bounded: one call examines at most 5,000
// stored events whatever its filter, and paging through gives exactly the
// events the filter matches, in order, as an unbounded scan would.
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
constexpr int kEventCount = 12000;

class ListEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = ::testing::TempDir() + "/reconciler_list_XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    auto store = store::KvStore::Open(dir, Tables());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    store::KvTx tx(store_.get());
    const std::vector<v1::EventType> types = {
        v1::EVENT_TYPE_FRUITION_GAP, v1::EVENT_TYPE_TARGET_OVERSHOOT,
        v1::EVENT_TYPE_SCORECARD_PUBLISHED};
    for (int i = 0; i < kEventCount; ++i) {
      v1::OversightEvent e;
      e.set_event_id("E-" + std::to_string(i));
      e.set_visibility(i % 3 == 0 ? v1::VISIBILITY_RESTRICTED
                                  : v1::VISIBILITY_PUBLIC);
      // Rare types and units: a few matches spread over the whole table.
      e.set_type(i % 997 == 0 ? types[1] : (i % 2 ? types[0] : types[2]));
      e.set_unit(i % 1500 == 7 ? "agency:ATF" : "agency:DEA");
      e.set_period(i % 2 ? "FY2016" : "FY2017");
      e.set_resolved(i % 5 == 0);
      char key[21];
      snprintf(key, sizeof(key), "%020d", i + 1);
      tx.Put(kEvents, key, e.SerializeAsString());
      tx.Put(kEventIds, e.event_id(), key);
      all_.push_back(e);
    }
    ASSERT_TRUE(store_->Commit(tx).ok());
    service_ =
        std::make_unique<ReconcilerServiceImpl>(store_.get(), nullptr, &trail_);
  }

  // What an unbounded scan answers: every stored event `caller` may see
  // that `request` asks for, in order.
  std::vector<std::string> Expected(const auth::Principal& caller,
                                    const v1::ListEventsRequest& request) {
    std::vector<std::string> out;
    for (const auto& e : all_) {
      if (caller.kind != auth::PrincipalKind::kOverseer &&
          e.visibility() != v1::VISIBILITY_PUBLIC) {
        continue;
      }
      if (request.type() != v1::EVENT_TYPE_UNSPECIFIED &&
          e.type() != request.type()) {
        continue;
      }
      if (request.visibility() != v1::VISIBILITY_UNSPECIFIED &&
          e.visibility() != request.visibility()) {
        continue;
      }
      if (!request.unit().empty() && e.unit() != request.unit()) continue;
      if (!request.period().empty() && e.period() != request.period()) {
        continue;
      }
      if (request.has_resolved() && e.resolved() != request.resolved()) {
        continue;
      }
      out.push_back(e.event_id());
    }
    return out;
  }

  // Pages through; checks that no call examines more than the bound and
  // that pages respect page_size. The ids, in order.
  std::vector<std::string> ListAll(const auth::Principal& caller,
                                   v1::ListEventsRequest request, int* calls) {
    std::vector<std::string> out;
    *calls = 0;
    while (true) {
      v1::ListEventsResponse response;
      const int64_t before = service_->rows_examined();
      const grpc::Status s = service_->ListEventsAs(caller, request, &response);
      ++*calls;
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) return out;
      EXPECT_LE(service_->rows_examined() - before, 5000);
      const int page = request.page_size() == 0 ? 100 : request.page_size();
      EXPECT_LE(response.events_size(), page);
      for (const auto& e : response.events()) out.push_back(e.event_id());
      if (response.next_page_token().empty()) return out;
      EXPECT_NE(response.next_page_token(), request.page_token());
      request.set_page_token(response.next_page_token());
      if (*calls > kEventCount) {
        ADD_FAILURE() << "too many pages";
        return out;
      }
    }
  }

  std::unique_ptr<store::KvStore> store_;
  audit::MemoryTrail trail_;
  std::unique_ptr<ReconcilerServiceImpl> service_;
  std::vector<v1::OversightEvent> all_;
};

TEST_F(ListEventsTest, FilterMatchingNothingExaminesABoundedNumberOfRows) {
  v1::ListEventsRequest request;
  request.set_unit("agency:NOBODY");
  v1::ListEventsResponse response;
  const int64_t before = service_->rows_examined();
  ASSERT_TRUE(service_->ListEventsAs(kPublic, request, &response).ok());
  // One anonymous call: no events, at most 5,000 rows, a token to go on.
  EXPECT_EQ(response.events_size(), 0);
  EXPECT_LE(service_->rows_examined() - before, 5000);
  EXPECT_FALSE(response.next_page_token().empty());
  // A filter that matches costs at most as much per call.
  v1::ListEventsRequest matching;
  matching.set_page_size(1000);
  const int64_t before_matching = service_->rows_examined();
  ASSERT_TRUE(service_->ListEventsAs(kOig, matching, &response).ok());
  EXPECT_EQ(response.events_size(), 1000);
  EXPECT_LE(service_->rows_examined() - before_matching, 5000);
  // Paging to the end finds nothing, in a bounded number of calls.
  int calls = 0;
  EXPECT_TRUE(ListAll(kPublic, request, &calls).empty());
  EXPECT_EQ(calls, (kEventCount + 4999) / 5000);
}

TEST_F(ListEventsTest, PagingGivesWhatAnUnboundedScanGives) {
  std::vector<v1::ListEventsRequest> requests(7);
  requests[1].set_type(v1::EVENT_TYPE_TARGET_OVERSHOOT);  // 13 of 12,000
  requests[2].set_unit("agency:ATF");
  requests[3].set_visibility(v1::VISIBILITY_PUBLIC);
  requests[3].set_type(v1::EVENT_TYPE_FRUITION_GAP);
  requests[4].set_resolved(true);
  requests[4].set_period("FY2017");
  requests[5].set_visibility(v1::VISIBILITY_RESTRICTED);
  requests[6].set_unit("agency:ATF");
  requests[6].set_type(v1::EVENT_TYPE_TARGET_OVERSHOOT);
  for (const int page_size : {0, 1, 7, 1000}) {
    for (size_t r = 0; r < requests.size(); ++r) {
      for (const auto* caller : {&kOig, &kPublic}) {
        v1::ListEventsRequest request = requests[r];
        if (caller == &kPublic &&
            request.visibility() == v1::VISIBILITY_RESTRICTED) {
          continue;  // PERMISSION_DENIED, tested elsewhere
        }
        if (page_size > 0 && page_size < 100 &&
            Expected(*caller, request).size() > 100) {
          continue;  // thousands of tiny pages: the sparse filters cover it
        }
        request.set_page_size(page_size);
        int calls = 0;
        EXPECT_EQ(ListAll(*caller, request, &calls), Expected(*caller, request))
            << "request " << r << " page_size " << page_size << " as "
            << caller->code;
      }
    }
  }
}

}  // namespace
}  // namespace fruition::reconciler
