// stream::Loop in global-table mode (no group topics: every replica reads
// every partition of its topics whole, as the gateway does) on librdkafka's
// mock cluster and real RocksDB stores: readiness only once the history is
// applied, offset dedupe across restarts, an unreadable record stopping the
// loop until an audited skip, and a store read error stopping it with
// nothing committed.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/common/kafka/producer.h"
#include "services/common/store/kv.h"
#include "services/common/store/test_util.h"
#include "services/common/stream/loop.h"
#include "services/common/stream/test_util.h"
#include "services/common/strings.h"
#include "tests/harness/harness.h"

namespace fruition::stream {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kTable[] = "table";
constexpr int kPartitions = 3;

using testing::CounterValue;

bool WaitFor(const std::function<bool()>& cond, seconds timeout) {
  return ::fruition::testing::WaitUntil(cond, timeout);
}

// A replica's table: reads its mark for every record (so a store read fault
// reaches it), writes it, rejects records whose value is "bad". Counts what
// it applied per partition, what it applied while its loop already said it
// was ready, and the commits it was told of.
class TableHandler : public Handler {
 public:
  absl::StatusOr<std::vector<Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override {
    std::map<int32_t, int64_t> counts;
    for (const auto& r : records) {
      if (r.value == "bad") return Unreadable(r, "not a table row");
      const std::string key = StrCat("row-", r.partition, "-", r.offset);
      auto seen = tx.Get(1, key);
      if (!seen.ok()) return seen.status();
      tx.Put(1, key, r.value);
      ++counts[r.partition];
    }
    std::lock_guard<std::mutex> lock(mu_);
    // Nothing is owned in global-table mode.
    if (!owned.empty()) ++owned_seen_;
    for (const auto& [p, n] : counts) {
      applied_[p] += n;
      if (loop_ != nullptr && loop_->Healthy()) applied_while_ready_ += n;
    }
    return std::vector<Output>{};
  }
  void Committed() override { ++commits_; }

  void set_loop(const Loop* loop) { loop_ = loop; }
  std::map<int32_t, int64_t> applied() {
    std::lock_guard<std::mutex> lock(mu_);
    return applied_;
  }
  int64_t total() {
    int64_t n = 0;
    for (const auto& [p, c] : applied()) n += c;
    return n;
  }
  int64_t applied_while_ready() {
    std::lock_guard<std::mutex> lock(mu_);
    return applied_while_ready_;
  }
  int64_t owned_seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return owned_seen_;
  }
  int64_t commits() const { return commits_.load(); }

 private:
  std::mutex mu_;
  const Loop* loop_ = nullptr;
  std::map<int32_t, int64_t> applied_;
  int64_t applied_while_ready_ = 0;
  int64_t owned_seen_ = 0;
  std::atomic<int64_t> commits_{0};
};

// A replica: its store, handler and loop, running on a thread until
// destroyed.
struct Replica {
  Replica(const std::string& dir, const LoopOptions& options,
          prometheus::Registry* registry, bool fresh = true) {
    if (fresh) std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto s = store::KvStore::Open(dir, {"rows"});
    EXPECT_TRUE(s.ok()) << s.status();
    store = std::move(*s);
    loop = std::make_unique<Loop>(options, store.get(), /*producer=*/nullptr,
                                  &handler, registry);
    handler.set_loop(loop.get());
  }
  void Start() {
    runner = std::thread([this] { EXPECT_TRUE(loop->Run(stop).ok()); });
  }
  ~Replica() {
    stop = true;
    if (runner.joinable()) runner.join();
  }

  std::unique_ptr<store::KvStore> store;
  TableHandler handler;
  std::unique_ptr<Loop> loop;
  std::atomic<bool> stop{false};
  std::thread runner;
};

class GlobalTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kafka = testing::MockKafka::Start({{kTable, kPartitions, 1, {}}});
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    kafka_ = *std::move(kafka);
    dir_ =
        StrCat(::testing::TempDir(), "/global-table-",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  // Produces `value` to partition `p` of the table.
  void Produce(int32_t p, const std::string& value, const std::string& tag) {
    kafka_.producer->Produce(kTable, testing::KeyIn(tag, p, kPartitions), value,
                             {}, [](const kafka::DeliveryReport&) {});
  }
  // Produces `n` rows to every partition.
  void ProduceRows(int n, const std::string& tag) {
    for (int32_t p = 0; p < kPartitions; ++p) {
      for (int i = 0; i < n; ++i) Produce(p, "row", StrCat(tag, p, "-", i));
    }
    ASSERT_TRUE(kafka_.producer->Flush(seconds(10)).ok());
  }

  LoopOptions Options() {
    LoopOptions o;
    o.name = "table";
    o.consumer.bootstrap_servers = kafka_.cluster->bootstrap_servers();
    o.global_topics = {kTable};
    o.batch_max = 7;  // many batches
    return o;
  }

  testing::MockKafka kafka_;
  std::string dir_;
};

TEST_F(GlobalTableTest, EveryReplicaReadsEveryPartitionReadyOnceCaughtUp) {
  ProduceRows(40, "history");
  prometheus::Registry registry;
  Replica a(dir_ + "/a", Options(), &registry);
  Replica b(dir_ + "/b", Options(), nullptr);
  EXPECT_FALSE(a.loop->Healthy());
  a.Start();
  b.Start();
  ASSERT_TRUE(WaitFor([&] { return a.loop->Healthy() && b.loop->Healthy(); },
                      seconds(30)));
  // Ready only once the history was applied: every row of every partition,
  // on both replicas, none of them while already ready.
  for (Replica* r : {&a, &b}) {
    EXPECT_EQ(r->handler.applied(),
              (std::map<int32_t, int64_t>{{0, 40}, {1, 40}, {2, 40}}));
    EXPECT_EQ(r->handler.applied_while_ready(), 0);
    EXPECT_EQ(r->handler.owned_seen(), 0);
  }
  // Live rows keep coming, to both.
  ProduceRows(5, "live");
  ASSERT_TRUE(WaitFor(
      [&] { return a.handler.total() == 135 && b.handler.total() == 135; },
      seconds(30)));
  EXPECT_EQ(a.handler.applied_while_ready(), 15);
  EXPECT_EQ(CounterValue(registry, "fruition_stream_records_total"), 135);
  // The handler was told of the commits, and the offsets are in the store.
  EXPECT_GT(a.handler.commits(), 0);
  a.stop = true;
  a.runner.join();
  store::KvTx tx(a.store.get());
  EXPECT_EQ(
      store::Ok(tx.Offsets(kTable)),
      (std::vector<std::pair<int32_t, int64_t>>{{0, 45}, {1, 45}, {2, 45}}));
}

TEST_F(GlobalTableTest, RestartResumesFromTheStoredOffsets) {
  ProduceRows(20, "history");
  {
    Replica a(dir_, Options(), nullptr);
    a.Start();
    ASSERT_TRUE(WaitFor([&] { return a.loop->Healthy(); }, seconds(30)));
    EXPECT_EQ(a.handler.total(), 60);
  }
  ProduceRows(3, "while-down");
  Replica again(dir_, Options(), nullptr, /*fresh=*/false);
  again.Start();
  ASSERT_TRUE(WaitFor([&] { return again.loop->Healthy(); }, seconds(30)));
  // Only what came while it was down: nothing re-applied.
  EXPECT_EQ(again.handler.applied(),
            (std::map<int32_t, int64_t>{{0, 3}, {1, 3}, {2, 3}}));
}

TEST_F(GlobalTableTest, UnreadableRecordStopsUntilAnAuditedSkip) {
  ProduceRows(4, "before");
  Produce(1, "bad", "bad");  // offset 4 of partition 1
  ProduceRows(4, "after");
  {
    prometheus::Registry registry;
    Replica a(dir_, Options(), &registry);
    a.Start();
    ASSERT_TRUE(WaitFor(
        [&] {
          return CounterValue(registry,
                              "fruition_stream_poison_records_total") >= 1;
        },
        seconds(30)));
    // Held, NOT_SERVING: it never became ready, nothing past the record.
    std::this_thread::sleep_for(milliseconds(500));
    EXPECT_FALSE(a.loop->Healthy());
    EXPECT_EQ(CounterValue(registry, "fruition_stream_skipped_records_total"),
              0);
    a.stop = true;
    a.runner.join();
    store::KvTx tx(a.store.get());
    EXPECT_LE(store::Ok(tx.NextOffset(kTable, 1)).value_or(0), 4);
  }
  // The operator skips table:1:4: counted and recorded on the audit trail,
  // the rest applied, the offset past it.
  audit::MemoryTrail trail;
  LoopOptions options = Options();
  options.skip = {{{kTable, 1}, 4}};
  options.trail = &trail;
  prometheus::Registry registry;
  Replica a(dir_, options, &registry, /*fresh=*/false);
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.loop->Healthy(); }, seconds(30)));
  EXPECT_EQ(CounterValue(registry, "fruition_stream_skipped_records_total"), 1);
  EXPECT_EQ(CounterValue(registry, "fruition_stream_poison_records_total"), 0);
  a.stop = true;
  a.runner.join();
  store::KvTx tx(a.store.get());
  EXPECT_EQ(store::Ok(tx.Offsets(kTable)),
            (std::vector<std::pair<int32_t, int64_t>>{{0, 8}, {1, 9}, {2, 8}}));
  EXPECT_TRUE(store::Ok(tx.Get(1, "row-1-5")).has_value());
  EXPECT_FALSE(store::Ok(tx.Get(1, "row-1-4")).has_value());
  const auto entries = trail.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].resources,
            std::vector<std::string>{StrCat("record:", kTable, ":1:4")});
}

TEST_F(GlobalTableTest, StoreReadErrorStopsAndCommitsNothing) {
  ProduceRows(10, "history");
  prometheus::Registry registry;
  Replica a(dir_, Options(), &registry);
  // Every read of the handler's table fails as damaged.
  a.store->SetReadFault([](int table, std::string_view key) {
    (void)key;
    return table == 1 ? absl::DataLossError("injected: rows damaged")
                      : absl::OkStatus();
  });
  a.Start();
  ASSERT_TRUE(WaitFor(
      [&] {
        return CounterValue(registry, "fruition_stream_store_errors_total") >=
               1;
      },
      seconds(30)));
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_FALSE(a.loop->Healthy());
  EXPECT_EQ(CounterValue(registry, "fruition_stream_poison_records_total"), 0);
  a.stop = true;
  a.runner.join();
  a.store->SetReadFault(nullptr);
  store::KvTx tx(a.store.get());
  EXPECT_TRUE(store::Ok(tx.Offsets(kTable)).empty());
  EXPECT_EQ(a.handler.commits(), 0);
}

// The batch step every mode shares (ApplyBatch / ApplyAndCommit), without
// Kafka: a re-delivered batch never reaches the handler and writes nothing.
TEST(ApplyBatchTest, ReDeliveriesNeverReachTheHandlerAndWriteNothing) {
  const std::string dir = StrCat(::testing::TempDir(), "/apply-batch");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = store::KvStore::Open(dir, {"rows"});
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<kafka::Record> batch;
  for (int64_t offset : {3, 4, 7}) {
    kafka::Record r;
    r.topic = kTable;
    r.partition = 2;
    r.offset = offset;
    r.value = "row";
    batch.push_back(r);
  }
  TableHandler handler;
  Applied first;
  ASSERT_TRUE(ApplyAndCommit(handler, **store, batch, {}, {}, &first).ok());
  EXPECT_EQ(first.records, 3);
  EXPECT_EQ(handler.commits(), 1);
  // The same batch again, then one that overlaps it.
  store::KvTx tx(store->get());
  Applied again;
  ASSERT_TRUE(ApplyBatch(handler, tx, batch, {}, {}, &again).ok());
  EXPECT_EQ(again.records, 0);
  EXPECT_TRUE(again.next.empty());
  EXPECT_TRUE(tx.empty()) << "a re-delivery writes nothing";
  kafka::Record later = batch.back();
  later.offset = 8;
  batch.push_back(later);
  Applied overlap;
  ASSERT_TRUE(ApplyBatch(handler, tx, batch, {}, {}, &overlap).ok());
  EXPECT_EQ(overlap.records, 1);
  EXPECT_EQ(handler.applied(), (std::map<int32_t, int64_t>{{2, 4}}));
  EXPECT_EQ(overlap.next,
            (std::map<kafka::TopicPartition, int64_t>{{{kTable, 2}, 9}}));
}

}  // namespace
}  // namespace fruition::stream
