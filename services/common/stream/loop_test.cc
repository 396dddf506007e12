// stream::Loop on librdkafka's mock cluster and a real RocksDB store: what a
// Handler is told about caught-up partitions, idle ticks, and that Flush's
// outputs are produced and committed with the batch.
#include "services/common/stream/loop.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/common/kafka/mock_cluster.h"
#include "services/common/kafka/partition.h"
#include "services/common/kafka/producer.h"
#include "services/common/store/kv.h"
#include "services/common/store/test_util.h"
#include "services/common/strings.h"

namespace fruition::stream {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool WaitFor(const std::function<bool()>& cond, seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return cond();
}

// Counts records per partition; remembers, for every Flush, how many records
// of each caught-up partition had been applied by then. Emits one output
// per partition the first time it is caught up.
class RecordingHandler : public Handler {
 public:
  absl::StatusOr<std::vector<Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override {
    (void)tx;
    (void)owned;
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& r : records) ++applied_[r.partition];
    return std::vector<Output>{};
  }

  absl::StatusOr<std::vector<Output>> Flush(
      store::KvTx& tx, const std::set<int32_t>& owned,
      const std::set<int32_t>& caught_up) override {
    (void)owned;
    std::lock_guard<std::mutex> lock(mu_);
    ++flushes_;
    std::vector<Output> out;
    for (int32_t p : caught_up) {
      applied_when_caught_up_[p].push_back(applied_[p]);
      const std::string key = StrCat("announced-", p);
      auto announced = tx.Get(1, key);
      if (!announced.ok()) return announced.status();
      if (!announced->has_value()) {
        tx.Put(1, key, "1");
        out.push_back(Output{"out", StrCat("p", p), "caught up", {}});
      }
    }
    return out;
  }

  std::map<int32_t, int64_t> applied() {
    std::lock_guard<std::mutex> lock(mu_);
    return applied_;
  }
  std::map<int32_t, std::vector<int64_t>> when_caught_up() {
    std::lock_guard<std::mutex> lock(mu_);
    return applied_when_caught_up_;
  }
  int64_t flushes() {
    std::lock_guard<std::mutex> lock(mu_);
    return flushes_;
  }

 private:
  std::mutex mu_;
  std::map<int32_t, int64_t> applied_;
  std::map<int32_t, std::vector<int64_t>> applied_when_caught_up_;
  int64_t flushes_ = 0;
};

// Rejects records whose value is "bad", as a handler that cannot decode a
// record does; writes a mark for every record it reads before that, so a
// skip must forget them (they are written again on the retry).
class PickyHandler : public RecordingHandler {
 public:
  absl::StatusOr<std::vector<Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override {
    for (const auto& r : records) {
      if (r.value == "bad") return Unreadable(r, "not a test record");
      tx.Put(1, StrCat("read-", r.partition, "-", r.offset), "1");
    }
    return RecordingHandler::Apply(tx, records, owned);
  }
};

// The value of counter `name` in `registry` (0 if absent).
double CounterValue(prometheus::Registry& registry, const std::string& name) {
  double total = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) total += m.counter.value;
  }
  return total;
}

// Whether counter `name` reaches `at_least` within 30 s.
bool WaitForCount(prometheus::Registry& registry, const std::string& name,
                  double at_least) {
  return WaitFor([&] { return CounterValue(registry, name) >= at_least; },
                 seconds(30));
}

class LoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = kafka::MockCluster::Start(1);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
    ASSERT_TRUE(
        cluster_->CreateTopics({{"in", 2, 1, {}}, {"out", 2, 1, {}}}).ok());
    kafka::ProducerOptions options;
    options.bootstrap_servers = cluster_->bootstrap_servers();
    auto producer = kafka::KafkaProducer::Create(options);
    ASSERT_TRUE(producer.ok()) << producer.status();
    producer_ = std::move(*producer);
    dir_ =
        StrCat(::testing::TempDir(), "/loop-",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = store::KvStore::Open(dir_, {"marks"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // Produces `value` to partition `p` of "in".
  void ProduceOne(int32_t p, const std::string& value) {
    std::string key;
    for (int k = 0;; ++k) {
      key = StrCat("one-", k);
      if (kafka::PartitionOf(key, 2) == p) break;
    }
    producer_->Produce("in", key, value, {},
                       [](const kafka::DeliveryReport&) {});
    ASSERT_TRUE(producer_->Flush(seconds(10)).ok());
  }

  // Produces `n` records to each partition of "in".
  void ProduceInput(int n, const std::string& tag) {
    for (int32_t p = 0; p < 2; ++p) {
      for (int i = 0; i < n; ++i) {
        // Keys chosen so that they land in partition p.
        std::string key;
        for (int k = 0;; ++k) {
          key = StrCat(tag, "-", p, "-", i, "-", k);
          if (kafka::PartitionOf(key, 2) == p) break;
        }
        producer_->Produce("in", key, "v", {},
                           [](const kafka::DeliveryReport&) {});
      }
    }
    ASSERT_TRUE(producer_->Flush(seconds(10)).ok());
  }

  LoopOptions Options() {
    LoopOptions o;
    o.name = "test";
    o.consumer.bootstrap_servers = cluster_->bootstrap_servers();
    o.consumer.group_id = "loop-test";
    // A restarted member need not wait out the old one's session.
    o.consumer.properties = {{"session.timeout.ms", "6000"},
                             {"heartbeat.interval.ms", "500"}};
    o.group_topics = {"in"};
    o.batch_max = 7;  // many batches
    return o;
  }

  std::unique_ptr<kafka::MockCluster> cluster_;
  std::unique_ptr<kafka::KafkaProducer> producer_;
  std::string dir_;
  std::unique_ptr<store::KvStore> store_;
};

TEST_F(LoopTest, PartitionsCountAsCaughtUpOnlyOnceTheirHistoryIsApplied) {
  ProduceInput(50, "history");
  RecordingHandler handler;
  Loop loop(Options(), store_.get(), producer_.get(), &handler, nullptr);
  std::atomic<bool> stop{false};
  std::thread runner([&] { EXPECT_TRUE(loop.Run(stop).ok()); });
  ASSERT_TRUE(WaitFor(
      [&] {
        auto a = handler.applied();
        return a[0] == 50 && a[1] == 50 && handler.when_caught_up().size() == 2;
      },
      seconds(30)));
  // Live records after the catch-up: the partitions stay caught up.
  ProduceInput(5, "live");
  ASSERT_TRUE(WaitFor(
      [&] {
        auto a = handler.applied();
        return a[0] == 55 && a[1] == 55;
      },
      seconds(30)));
  // Idle: Flush still runs (about once a second).
  const int64_t flushes = handler.flushes();
  ASSERT_TRUE(
      WaitFor([&] { return handler.flushes() >= flushes + 2; }, seconds(10)));
  stop = true;
  runner.join();
  for (const auto& [p, counts] : handler.when_caught_up()) {
    ASSERT_FALSE(counts.empty());
    // Never reported caught up before its 50 history records were applied.
    EXPECT_GE(counts.front(), 50) << "partition " << p;
  }
}

TEST_F(LoopTest, FlushOutputsAreProducedAndCommittedWithTheBatch) {
  ProduceInput(20, "history");
  {
    RecordingHandler handler;
    Loop loop(Options(), store_.get(), producer_.get(), &handler, nullptr);
    std::atomic<bool> stop{false};
    std::thread runner([&] { EXPECT_TRUE(loop.Run(stop).ok()); });
    ASSERT_TRUE(WaitFor([&] { return handler.when_caught_up().size() == 2; },
                        seconds(30)));
    stop = true;
    runner.join();
  }
  // The marks the handler wrote in Flush were committed.
  store::KvTx tx(store_.get());
  EXPECT_TRUE(store::Ok(tx.Get(1, "announced-0")).has_value());
  EXPECT_TRUE(store::Ok(tx.Get(1, "announced-1")).has_value());
  // And their outputs reached Kafka, once each.
  auto ends = kafka::EndOffsets(Options().consumer, {"out"}, seconds(10));
  ASSERT_TRUE(ends.ok()) << ends.status();
  int64_t total = 0;
  for (const auto& [tp, end] : *ends) total += end;
  EXPECT_EQ(total, 2);
}

TEST_F(LoopTest, RestartResumesFromStoredOffsetsAndIsCaughtUpAtOnce) {
  ProduceInput(30, "history");
  {
    RecordingHandler handler;
    Loop loop(Options(), store_.get(), producer_.get(), &handler, nullptr);
    std::atomic<bool> stop{false};
    std::thread runner([&] { EXPECT_TRUE(loop.Run(stop).ok()); });
    ASSERT_TRUE(WaitFor([&] { return handler.when_caught_up().size() == 2; },
                        seconds(30)));
    stop = true;
    runner.join();
  }
  RecordingHandler again;
  Loop loop(Options(), store_.get(), producer_.get(), &again, nullptr);
  std::atomic<bool> stop{false};
  std::thread runner([&] { EXPECT_TRUE(loop.Run(stop).ok()); });
  ASSERT_TRUE(
      WaitFor([&] { return again.when_caught_up().size() == 2; }, seconds(30)));
  stop = true;
  runner.join();
  // Nothing re-applied: the stored offsets were past every record.
  EXPECT_EQ(again.applied()[0], 0);
  EXPECT_EQ(again.applied()[1], 0);
}

TEST_F(LoopTest, StoreReadErrorStopsThePartitionAndCommitsNothing) {
  ProduceInput(10, "history");
  // Every read of table 1 (the handler's marks) fails as damaged.
  store_->SetReadFault([](int table, std::string_view key) {
    (void)key;
    return table == 1 ? absl::DataLossError("injected: table 1 damaged")
                      : absl::OkStatus();
  });
  RecordingHandler handler;
  prometheus::Registry registry;
  Loop loop(Options(), store_.get(), producer_.get(), &handler, &registry);
  std::atomic<bool> stop{false};
  std::thread runner([&] { EXPECT_TRUE(loop.Run(stop).ok()); });
  ASSERT_TRUE(WaitForCount(registry, "fruition_stream_store_errors_total", 1));
  EXPECT_FALSE(loop.Healthy());
  // Held: nothing more is consumed.
  const auto applied = handler.applied();
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(handler.applied(), applied);
  EXPECT_FALSE(loop.Healthy());
  stop = true;
  runner.join();
  store_->SetReadFault(nullptr);
  // Nothing of the failed batch was committed or produced: the batches
  // before it were (their Flush read nothing), so the stored offsets stop
  // short of what the handler saw.
  store::KvTx tx(store_.get());
  int64_t committed = 0;
  for (const auto& [p, n] : store::Ok(tx.Offsets("in"))) committed += n;
  int64_t seen = 0;
  for (const auto& [p, n] : applied) seen += n;
  EXPECT_LT(committed, seen);
  auto ends = kafka::EndOffsets(Options().consumer, {"out"}, seconds(10));
  ASSERT_TRUE(ends.ok()) << ends.status();
  for (const auto& [tp, end] : *ends) EXPECT_EQ(end, 0);
}

TEST_F(LoopTest, PoisonStopsThePartitionUntilAnAuditedSkip) {
  ProduceOne(0, "bad");  // offset 0 of partition 0
  ProduceInput(5, "after");
  {
    PickyHandler handler;
    prometheus::Registry registry;
    Loop loop(Options(), store_.get(), producer_.get(), &handler, &registry);
    std::atomic<bool> stop{false};
    std::thread runner([&] { EXPECT_TRUE(loop.Run(stop).ok()); });
    ASSERT_TRUE(
        WaitForCount(registry, "fruition_stream_poison_records_total", 1));
    EXPECT_FALSE(loop.Healthy());
    stop = true;
    runner.join();
    store::KvTx tx(store_.get());
    EXPECT_FALSE(store::Ok(tx.NextOffset("in", 0)).has_value());
  }
  // The operator skips in:0:0; the partition moves on, and the skip is
  // counted (and logged).
  LoopOptions options = Options();
  options.skip = {{{"in", 0}, 0}};
  PickyHandler handler;
  prometheus::Registry registry;
  Loop loop(options, store_.get(), producer_.get(), &handler, &registry);
  std::atomic<bool> stop{false};
  std::thread runner([&] { EXPECT_TRUE(loop.Run(stop).ok()); });
  ASSERT_TRUE(WaitFor([&] { return handler.applied()[0] == 5; }, seconds(30)));
  EXPECT_TRUE(loop.Healthy());
  stop = true;
  runner.join();
  EXPECT_EQ(CounterValue(registry, "fruition_stream_skipped_records_total"), 1);
  EXPECT_EQ(CounterValue(registry, "fruition_stream_poison_records_total"), 0);
  store::KvTx tx(store_.get());
  EXPECT_EQ(store::Ok(tx.NextOffset("in", 0)), 6);
}

}  // namespace
}  // namespace fruition::stream
