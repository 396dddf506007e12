// stream::Loop on librdkafka's mock cluster and a real RocksDB store: what a
// Handler is told about caught-up partitions, idle ticks, and that Flush's
// outputs are produced and committed with the batch; and the core of every
// guarantee of docs/runtime.md: poison stop and audited skip, a store read
// error that stops the partition, re-delivery after a crash between produce
// and commit, partition revocation mid-batch, produce retry.
#include "services/common/stream/loop.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/common/audit/trail.h"
#include "services/common/kafka/mock_cluster.h"
#include "services/common/kafka/partition.h"
#include "services/common/kafka/producer.h"
#include "services/common/log/log.h"
#include "services/common/store/kv.h"
#include "services/common/store/test_util.h"
#include "services/common/stream/read_ranges.h"
#include "services/common/stream/test_util.h"
#include "services/common/strings.h"

namespace fruition::stream {
namespace {

using testing::CounterValue;

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

// Runs a loop on a thread of its own until destroyed, also when an
// assertion returns early. `Run` once, or `RunUntilStopped` (restarting
// after failures) when `restarting`.
class Running {
 public:
  explicit Running(Loop& loop, bool restarting = false)
      : thread_([this, &loop, restarting] {
          if (restarting) {
            loop.RunUntilStopped(stop_);
          } else {
            EXPECT_TRUE(loop.Run(stop_).ok());
          }
        }) {}
  ~Running() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Captures the log lines written between construction and Stop().
class CapturedLog {
 public:
  CapturedLog() { log::SetSinkForTesting(&out_); }
  ~CapturedLog() { Stop(); }
  // Restores stderr; returns the lines that hold every one of `parts`.
  std::vector<std::string> Stop(const std::vector<std::string>& parts = {}) {
    log::SetSinkForTesting(nullptr);
    std::vector<std::string> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) {
      bool all = true;
      for (const std::string& p : parts) all = all && line.find(p) != line.npos;
      if (all) lines.push_back(line);
    }
    return lines;
  }

 private:
  std::ostringstream out_;
};

// The id of the output for input record `r`: deterministic, as the loop's
// contract asks (a replay produces the same ids again).
std::string OutputId(const kafka::Record& r) {
  return StrCat(r.partition, "-", r.offset);
}

// Counts every record into the store (table 1: "count-P" per partition,
// read-modify-write, so a record applied twice counts twice) and emits one
// output per record, keyed and valued by OutputId. Optionally runs
// `before_apply` first (a latch, a clock).
class CountingHandler : public Handler {
 public:
  absl::StatusOr<std::vector<Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override {
    (void)owned;
    if (before_apply) before_apply(records);
    std::vector<Output> out;
    for (const auto& r : records) {
      const std::string key = StrCat("count-", r.partition);
      auto stored = tx.Get(1, key);
      if (!stored.ok()) return stored.status();
      const int64_t n =
          stored->has_value() ? std::stoll(**stored) + 1 : int64_t{1};
      tx.Put(1, key, std::to_string(n));
      out.push_back(Output{"out", OutputId(r), OutputId(r), {}});
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& r : records) applied_.push_back(OutputId(r));
    return out;
  }

  absl::StatusOr<std::vector<Output>> OnAssigned(
      store::KvTx& tx, const std::set<int32_t>& added,
      const std::set<int32_t>& owned) override {
    (void)tx;
    (void)owned;
    if (on_assigned) on_assigned(added);
    return std::vector<Output>{};
  }

  // Ids of the records applied, in order (including batches that were
  // never committed).
  std::vector<std::string> applied() {
    std::lock_guard<std::mutex> lock(mu_);
    return applied_;
  }

  std::function<void(const std::vector<kafka::Record>&)> before_apply;
  std::function<void(const std::set<int32_t>&)> on_assigned;

 private:
  std::mutex mu_;
  std::vector<std::string> applied_;
};

// Whether `read` (StoredNext, StoredCount) of both partitions of "in"
// reaches `at_least` within `timeout`.
bool WaitForBoth(int64_t (*read)(store::KvStore*, int32_t),
                 store::KvStore* store, int64_t at_least, seconds timeout) {
  return WaitFor(
      [&] { return read(store, 0) >= at_least && read(store, 1) >= at_least; },
      timeout);
}

// Expects `values` (what a consumer of "out" read) to hold the outputs of
// `n` inputs, each exactly once.
void ExpectEachOutputOnce(const std::vector<std::string>& values, size_t n) {
  std::map<std::string, int> seen;
  for (const std::string& v : values) ++seen[v];
  EXPECT_EQ(seen.size(), n);
  EXPECT_EQ(values.size(), n);
  for (const auto& [id, count] : seen) EXPECT_EQ(count, 1) << id;
}

// The count CountingHandler committed for partition `p` of "in".
int64_t StoredCount(store::KvStore* store, int32_t p) {
  store::KvTx tx(store);
  const auto v = store::Ok(tx.Get(1, StrCat("count-", p)));
  return v.has_value() ? std::stoll(*v) : 0;
}

// The committed next offset of partition `p` of "in" (0 if none).
int64_t StoredNext(store::KvStore* store, int32_t p) {
  store::KvTx tx(store);
  return store::Ok(tx.NextOffset("in", p)).value_or(0);
}

// Passes records on to `inner`. At each acknowledgement of an output (its
// value an OutputId, "P-OFFSET"), reads the committed next offset of
// partition P of "in": past OFFSET means the loop committed the input before
// its output was acknowledged. Counts acknowledgements and failures.
class AckWatchingProducer : public kafka::Producer {
 public:
  AckWatchingProducer(kafka::Producer* inner, store::KvStore* store)
      : inner_(inner), store_(store) {}

  void Produce(std::string_view topic, std::string_view key,
               std::string_view value,
               const std::vector<kafka::Header>& headers,
               kafka::DeliveryCallback done) override {
    inner_->Produce(topic, key, value, headers,
                    [this, id = std::string(value), done = std::move(done)](
                        const kafka::DeliveryReport& report) {
                      Watch(id, report);
                      done(report);
                    });
  }
  absl::Status Flush(std::chrono::milliseconds timeout) override {
    return inner_->Flush(timeout);
  }
  bool Healthy() const override { return inner_->Healthy(); }

  int64_t acked() const { return acked_.load(); }
  int64_t failed() const { return failed_.load(); }
  int64_t committed_before_ack() const { return committed_before_ack_.load(); }

 private:
  void Watch(const std::string& id, const kafka::DeliveryReport& report) {
    if (!report.status.ok()) {
      ++failed_;
      return;
    }
    ++acked_;
    const size_t dash = id.find('-');
    const int32_t p = std::stoi(id.substr(0, dash));
    const int64_t offset = std::stoll(id.substr(dash + 1));
    if (StoredNext(store_, p) > offset) ++committed_before_ack_;
  }

  kafka::Producer* inner_;
  store::KvStore* store_;
  std::atomic<int64_t> acked_{0};
  std::atomic<int64_t> failed_{0};
  std::atomic<int64_t> committed_before_ack_{0};
};

// Who committed what, and who was assigned what, in order: the view of a
// partition's ownership the revocation tests check commits against.
class OwnershipLog {
 public:
  // Makes `handler` (member `member`) log its assignments and remember on
  // its thread the partitions of the batch it applies, for the commit that
  // follows.
  void Watch(CountingHandler& handler, int member) {
    handler.on_assigned = [this, member](const std::set<int32_t>& added) {
      Append({member, /*commit=*/false, added});
    };
    handler.before_apply = [member](const std::vector<kafka::Record>& rs) {
      // A batch the loop dropped is forgotten: each Apply starts afresh.
      batch_member() = member;
      batch_partitions().clear();
      for (const auto& r : rs) batch_partitions().insert(r.partition);
    };
  }
  // For KvStore::SetWriteFault: logs a commit of the batch its thread
  // applied last; never fails it.
  absl::Status OnCommit() {
    if (!batch_partitions().empty()) {
      Append({batch_member(), /*commit=*/true, batch_partitions()});
      batch_partitions().clear();
    }
    return absl::OkStatus();
  }
  // Commits of a partition by a member other than the one it was last
  // assigned to, as "member M committed partition P".
  std::vector<std::string> CommitsByNonOwners() {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<int32_t, int> owner;
    std::vector<std::string> bad;
    for (const Event& e : events_) {
      for (int32_t p : e.partitions) {
        if (!e.commit) {
          owner[p] = e.member;
        } else if (owner.count(p) == 0 || owner[p] != e.member) {
          bad.push_back(
              StrCat("member ", e.member, " committed partition ", p));
        }
      }
    }
    return bad;
  }
  // The partitions member `member` was assigned last.
  std::set<int32_t> LastAssigned(int member) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
      if (!it->commit && it->member == member) return it->partitions;
    }
    return {};
  }

 private:
  struct Event {
    int member;
    bool commit;
    std::set<int32_t> partitions;
  };
  static int& batch_member() {
    thread_local int member = -1;
    return member;
  }
  static std::set<int32_t>& batch_partitions() {
    thread_local std::set<int32_t> partitions;
    return partitions;
  }
  void Append(Event e) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(e));
  }

  std::mutex mu_;
  std::vector<Event> events_;
};

// Blocks the thread that calls Wait() until Open(); Wait() returns false
// after `timeout` instead.
class Latch {
 public:
  bool Wait(seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    waiting_ = true;
    cv_.notify_all();
    return cv_.wait_for(lock, timeout, [&] { return open_; });
  }
  bool waiting() {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_;
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool waiting_ = false;
  bool open_ = false;
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

  // Produces `values` to partition `p` of "in" in one go (one flush).
  void ProduceValues(int32_t p, const std::vector<std::string>& values) {
    for (size_t i = 0; i < values.size(); ++i) {
      std::string key;
      for (int k = 0;; ++k) {
        key = StrCat("values-", i, "-", k);
        if (kafka::PartitionOf(key, 2) == p) break;
      }
      producer_->Produce("in", key, values[i], {},
                         [](const kafka::DeliveryReport&) {});
    }
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

  // Every value in topic "out", as a consumer reading it from the beginning
  // sees it (duplicates included).
  std::vector<std::string> ReadOut() {
    auto ends = kafka::EndOffsets(Options().consumer, {"out"}, seconds(10));
    EXPECT_TRUE(ends.ok()) << ends.status();
    Ranges ranges;
    if (ends.ok()) {
      for (const auto& [tp, end] : *ends) ranges[tp] = {0, end};
    }
    std::vector<std::string> values;
    ReadOptions read;
    read.deadline = std::chrono::steady_clock::now() + seconds(30);
    const absl::Status s =
        ReadRanges(Options().consumer, ranges, read,
                   [&](const std::vector<kafka::Record>& batch) {
                     for (const auto& r : batch) values.push_back(r.value);
                     return absl::OkStatus();
                   });
    EXPECT_TRUE(s.ok()) << s;
    return values;
  }

  struct Delivery {
    int64_t acked = 0;
    int64_t failed = 0;
    int64_t committed_before_ack = 0;
  };

  // Runs a CountingHandler loop whose outputs go through their own producer
  // (delivery timeout `delivery_timeout_ms`), watched at every
  // acknowledgement, until every input of "in" is committed.
  Delivery RunThroughProduceErrors(int delivery_timeout_ms) {
    kafka::ProducerOptions options;
    options.bootstrap_servers = cluster_->bootstrap_servers();
    options.delivery_timeout_ms = delivery_timeout_ms;
    auto outputs = kafka::KafkaProducer::Create(options);
    EXPECT_TRUE(outputs.ok()) << outputs.status();
    if (!outputs.ok()) return {};
    AckWatchingProducer watched(outputs->get(), store_.get());
    CountingHandler handler;
    Loop loop(Options(), store_.get(), &watched, &handler, nullptr);
    {
      Running running(loop);
      EXPECT_TRUE(WaitForBoth(StoredNext, store_.get(), 10, seconds(60)));
    }
    return {watched.acked(), watched.failed(), watched.committed_before_ack()};
  }

  // Two members of one group on one store (the state of a partition moves
  // with it, so a record applied twice, or a commit by a member that lost
  // the partition, shows): member 0 blocks in its third batch until member 1
  // has joined and `released` says so; once member 1 owns partitions, more
  // records come, and both run until every record is committed. Checks that
  // every commit of a partition came from the member it was last assigned
  // to, and that every record was applied and produced exactly once.
  void RevokeMidBatch(LoopOptions options,
                      const std::function<bool(OwnershipLog&)>& released) {
    ProduceInput(100, "in");
    // Little fetched ahead: the revocation reaches member 0 while history is
    // still to be applied, so the partitions move in the middle of it.
    options.consumer.properties["queued.min.messages"] = "1";
    OwnershipLog log;
    store_->SetWriteFault([&log] { return log.OnCommit(); });
    CountingHandler first;
    CountingHandler second;
    log.Watch(first, 0);
    log.Watch(second, 1);
    Latch latch;
    int batches = 0;
    auto watch = first.before_apply;
    first.before_apply = [&](const std::vector<kafka::Record>& records) {
      watch(records);
      if (++batches == 3) {
        EXPECT_TRUE(latch.Wait(seconds(60)));
      }
    };
    Loop loop0(options, store_.get(), producer_.get(), &first, nullptr);
    Loop loop1(options, store_.get(), producer_.get(), &second, nullptr);
    {
      Running running0(loop0, /*restarting=*/true);
      ASSERT_TRUE(WaitFor([&] { return latch.waiting(); }, seconds(30)));
      // The second member joins while the first is in the middle of a batch.
      Running running1(loop1);
      const bool joined = WaitFor([&] { return released(log); }, seconds(60));
      latch.Open();
      ASSERT_TRUE(joined);
      ASSERT_TRUE(
          WaitFor([&] { return !log.LastAssigned(1).empty(); }, seconds(60)));
      // Records after the move: the new owner resumes where the old one's
      // commits stopped.
      ProduceInput(50, "more");
      ASSERT_TRUE(WaitForBoth(StoredCount, store_.get(), 150, seconds(60)));
      // Whatever is still in flight lands before the checks.
      std::this_thread::sleep_for(milliseconds(500));
    }
    store_->SetWriteFault(nullptr);
    EXPECT_EQ(log.CommitsByNonOwners(), std::vector<std::string>{});
    EXPECT_EQ(StoredCount(store_.get(), 0), 150);
    EXPECT_EQ(StoredCount(store_.get(), 1), 150);
    ExpectEachOutputOnce(ReadOut(), 300);
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

TEST(SkipRecordsTest, BothNumbersAreRequired) {
  const auto ok = ParseSkipRecords("t:1:5,u:0:0", "skip-record");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->size(), 2u);
  EXPECT_EQ(ok->count({{"t", 1}, 5}), 1u);
  // An empty partition or offset is not 0: it would skip a real record.
  for (const char* bad : {"t::5", "t:1:", "t:", ":1:5", "t:x:5", "t:1:-2"}) {
    const auto got = ParseSkipRecords(bad, "skip-record");
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

// A handler that reports, as unreadable, a record not in its batch.
class NamesAnotherRecord : public Handler {
 public:
  absl::StatusOr<std::vector<Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override {
    (void)tx;
    (void)records;
    (void)owned;
    ++applies;
    kafka::Record other;
    other.topic = "t";
    other.partition = 0;
    other.offset = 99;
    return Unreadable(other, "not in the batch");
  }
  int applies = 0;
};

TEST(ApplySkippingTest, ARecordNotInTheBatchIsNotSkippedForever) {
  const std::string dir = StrCat(::testing::TempDir(), "/loop-skip-other");
  std::filesystem::remove_all(dir);
  auto store = store::KvStore::Open(dir, {"t"});
  ASSERT_TRUE(store.ok()) << store.status();
  NamesAnotherRecord handler;
  kafka::Record r;
  r.topic = "t";
  r.partition = 0;
  r.offset = 1;
  store::KvTx tx(store->get());
  std::vector<PoisonRecord> skipped;
  const auto out =
      ApplySkipping(handler, tx, {r}, {0}, {{{"t", 0}, 99}}, &skipped);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(handler.applies, 1);
  EXPECT_TRUE(skipped.empty());
}

TEST_F(LoopTest, PartitionsCountAsCaughtUpOnlyOnceTheirHistoryIsApplied) {
  ProduceInput(50, "history");
  RecordingHandler handler;
  Loop loop(Options(), store_.get(), producer_.get(), &handler, nullptr);
  Running running(loop);
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
  running.Stop();
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
    Running running(loop);
    ASSERT_TRUE(WaitFor([&] { return handler.when_caught_up().size() == 2; },
                        seconds(30)));
    running.Stop();
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
    Running running(loop);
    ASSERT_TRUE(WaitFor([&] { return handler.when_caught_up().size() == 2; },
                        seconds(30)));
    running.Stop();
  }
  RecordingHandler again;
  Loop loop(Options(), store_.get(), producer_.get(), &again, nullptr);
  Running running(loop);
  ASSERT_TRUE(
      WaitFor([&] { return again.when_caught_up().size() == 2; }, seconds(30)));
  running.Stop();
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
  Running running(loop);
  ASSERT_TRUE(WaitForCount(registry, "fruition_stream_store_errors_total", 1));
  EXPECT_FALSE(loop.Healthy());
  // Held: nothing more is consumed.
  const auto applied = handler.applied();
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(handler.applied(), applied);
  EXPECT_FALSE(loop.Healthy());
  running.Stop();
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

// Stored bytes that do not parse are DATA_LOSS (store/kv.h), never
// "absent": here a partition's stored next offset is 5 bytes, not 8. Read
// as "none stored", the partition would be applied again from its start;
// instead the assignment stops the loop, counted and logged, and nothing
// is applied.
TEST_F(LoopTest, UnparseableStoredOffsetStopsThePartitionNeverReadsAsAbsent) {
  ProduceInput(10, "history");
  {
    store::KvTx tx(store_.get());
    tx.Put(0, store::JoinKey({"in", store::BigEndian(0, 4)}), "short");
    ASSERT_TRUE(store_->Commit(tx).ok());
  }
  CapturedLog captured;
  RecordingHandler handler;
  prometheus::Registry registry;
  Loop loop(Options(), store_.get(), producer_.get(), &handler, &registry);
  Running running(loop);
  ASSERT_TRUE(WaitForCount(registry, "fruition_stream_store_errors_total", 1));
  EXPECT_FALSE(loop.Healthy());
  // Held: nothing is consumed.
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_FALSE(loop.Healthy());
  running.Stop();
  EXPECT_TRUE(handler.applied().empty());
  EXPECT_FALSE(captured
                   .Stop({"\"level\":\"error\"", "store read failed",
                          "\"code\":\"DATA_LOSS\"", "8-byte offset"})
                   .empty());
  // The damaged bytes are left for the operator to look at.
  store::KvTx tx(store_.get());
  EXPECT_EQ(tx.NextOffset("in", 0).status().code(),
            absl::StatusCode::kDataLoss);
}

// Counts records per partition in a decimal "count-P", as CountingHandler,
// but reads it as a handler reads its stored state: bytes that do not parse
// are DATA_LOSS naming table and key.
class ParsingHandler : public Handler {
 public:
  explicit ParsingHandler(store::KvStore* store) : store_(store) {}
  absl::StatusOr<std::vector<Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override {
    (void)owned;
    for (const auto& r : records) {
      const std::string key = StrCat("count-", r.partition);
      auto stored = tx.Get(1, key);
      if (!stored.ok()) return stored.status();
      int64_t n = 0;
      if (stored->has_value()) {
        char* end = nullptr;
        n = std::strtoll((*stored)->c_str(), &end, 10);
        if ((*stored)->empty() || *end != '\0') {
          return store::DataLoss(*store_, 1, key, "a decimal count");
        }
      }
      tx.Put(1, key, std::to_string(n + 1));
      ++applied;
    }
    return std::vector<Output>{};
  }
  std::atomic<int64_t> applied{0};

 private:
  store::KvStore* store_;
};

// The handler's own stored state that does not parse stops the partition
// the same way: the batch is not committed, and the state is not reset.
TEST_F(LoopTest, UnparseableStoredStateStopsThePartitionNeverReadsAsAbsent) {
  ProduceInput(10, "history");
  {
    store::KvTx tx(store_.get());
    tx.Put(1, "count-0", "\xff\xfe");
    ASSERT_TRUE(store_->Commit(tx).ok());
  }
  ParsingHandler handler(store_.get());
  prometheus::Registry registry;
  Loop loop(Options(), store_.get(), producer_.get(), &handler, &registry);
  Running running(loop);
  ASSERT_TRUE(WaitForCount(registry, "fruition_stream_store_errors_total", 1));
  EXPECT_FALSE(loop.Healthy());
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_FALSE(loop.Healthy());
  running.Stop();
  // Nothing of partition 0 committed, its state as it was.
  store::KvTx tx(store_.get());
  EXPECT_FALSE(store::Ok(tx.NextOffset("in", 0)).has_value());
  EXPECT_EQ(store::Ok(tx.Get(1, "count-0")), "\xff\xfe");
  EXPECT_EQ(CounterValue(registry, "fruition_stream_poison_records_total"), 0);
}

// SPEC §8: a full disk stops, then recovers, losing nothing. The store's
// commits fail as RocksDB's do on ENOSPC (RESOURCE_EXHAUSTED) until space
// "returns".
TEST_F(LoopTest, FullDiskStopsServingThenRecoversLosingNothing) {
  ProduceInput(40, "before");
  std::atomic<bool> full{true};
  std::atomic<int> refused{0};
  store_->SetWriteFault([&] {
    if (!full.load()) return absl::OkStatus();
    ++refused;
    return absl::ResourceExhaustedError(
        "store write: IO error: No space left on device (injected)");
  });
  CountingHandler handler;
  prometheus::Registry registry;
  Loop loop(Options(), store_.get(), producer_.get(), &handler, &registry);
  Running running(loop);
  ASSERT_TRUE(WaitFor(
      [&] {
        return testing::GaugeValue(registry, "fruition_stream_disk_full") == 1;
      },
      seconds(30)));
  EXPECT_FALSE(loop.Healthy());
  // Held, and retrying: every second, nothing consumed past the open
  // transaction.
  ASSERT_TRUE(WaitFor([&] { return refused.load() >= 3; }, seconds(30)));
  EXPECT_FALSE(loop.Healthy());
  EXPECT_EQ(StoredCount(store_.get(), 0) + StoredCount(store_.get(), 1), 0);
  full = false;
  ASSERT_TRUE(WaitFor([&] { return loop.Healthy(); }, seconds(30)));
  EXPECT_EQ(testing::GaugeValue(registry, "fruition_stream_disk_full"), 0);
  ProduceInput(20, "after");
  ASSERT_TRUE(WaitForBoth(StoredCount, store_.get(), 60, seconds(60)));
  running.Stop();
  store_->SetWriteFault(nullptr);
  // Every record counted once, every output produced once.
  EXPECT_EQ(StoredCount(store_.get(), 0), 60);
  EXPECT_EQ(StoredCount(store_.get(), 1), 60);
  ExpectEachOutputOnce(ReadOut(), 120);
}

// Fencing (docs/DESIGN.md "Fencing"): with a transactional producer, a
// transaction whose offset commit the group coordinator refuses
// (ILLEGAL_GENERATION: the member was dropped) is aborted, the store's
// transaction is dropped with it, and the loop rejoins and applies those
// records again from the stored offsets: each counted once in the store.
TEST_F(LoopTest, ARefusedTransactionalCommitDropsTheStateAndReplays) {
  kafka::ProducerOptions options;
  options.bootstrap_servers = cluster_->bootstrap_servers();
  options.transactional_id = "loop-test-txn";
  auto txn = kafka::KafkaProducer::Create(options);
  ASSERT_TRUE(txn.ok()) << txn.status();
  ASSERT_TRUE((*txn)->transactional());
  ProduceInput(20, "history");
  // TxnOffsetCommit (API key 28) answered ILLEGAL_GENERATION (22) twice.
  ASSERT_TRUE(
      cluster_->PushRequestErrors(1, /*TxnOffsetCommit*/ 28, {{22, 0}, {22, 0}})
          .ok());
  CountingHandler handler;
  prometheus::Registry registry;
  Loop loop(Options(), store_.get(), txn->get(), &handler, &registry);
  {
    Running running(loop, /*restarting=*/true);
    ASSERT_TRUE(WaitForBoth(StoredCount, store_.get(), 20, seconds(60)));
    running.Stop();
  }
  EXPECT_GE(testing::CounterValue(registry,
                                  "fruition_stream_transactions_aborted_total"),
            1);
  // Applied more than once (the aborted transaction's records again), stored
  // once each: nothing of an aborted transaction was committed.
  EXPECT_GT(handler.applied().size(), 40u);
  EXPECT_EQ(StoredCount(store_.get(), 0), 20);
  EXPECT_EQ(StoredCount(store_.get(), 1), 20);
  EXPECT_EQ(StoredNext(store_.get(), 0), 20);
  EXPECT_EQ(StoredNext(store_.get(), 1), 20);
}

TEST_F(LoopTest, PoisonStopsThePartitionUntilAnAuditedSkip) {
  ProduceOne(0, "bad");  // offset 0 of partition 0
  ProduceInput(5, "after");
  {
    CapturedLog captured;
    PickyHandler handler;
    prometheus::Registry registry;
    Loop loop(Options(), store_.get(), producer_.get(), &handler, &registry);
    Running running(loop);
    ASSERT_TRUE(
        WaitForCount(registry, "fruition_stream_poison_records_total", 1));
    EXPECT_FALSE(loop.Healthy());
    running.Stop();
    store::KvTx tx(store_.get());
    EXPECT_FALSE(store::Ok(tx.NextOffset("in", 0)).has_value());
    // The error line tells the operator the --skip-record value.
    EXPECT_FALSE(captured
                     .Stop({"\"level\":\"error\"", "\"skip_record\":\"in:0:0\"",
                            "consumption stopped"})
                     .empty());
  }
  // The operator skips in:0:0; the partition moves on, and the skip is
  // counted and audited.
  CapturedLog captured;
  audit::MemoryTrail trail;
  LoopOptions options = Options();
  options.skip = {{{"in", 0}, 0}};
  options.trail = &trail;
  PickyHandler handler;
  prometheus::Registry registry;
  Loop loop(options, store_.get(), producer_.get(), &handler, &registry);
  Running running(loop);
  ASSERT_TRUE(WaitFor([&] { return handler.applied()[0] == 5; }, seconds(30)));
  EXPECT_TRUE(loop.Healthy());
  running.Stop();
  EXPECT_EQ(CounterValue(registry, "fruition_stream_skipped_records_total"), 1);
  EXPECT_EQ(CounterValue(registry, "fruition_stream_poison_records_total"), 0);
  store::KvTx tx(store_.get());
  EXPECT_EQ(store::Ok(tx.NextOffset("in", 0)), 6);
  // One audit record naming the record, whatever the log level; and a warn
  // line for the operator.
  const std::vector<audit::Entry> entries = trail.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].principal, "operator");
  EXPECT_EQ(entries[0].action, "skip-record");
  EXPECT_EQ(entries[0].resources, std::vector<std::string>{"record:in:0:0"});
  EXPECT_EQ(entries[0].outcome, "OK");
  EXPECT_EQ(captured
                .Stop({"\"level\":\"warn\"", "\"skip_record\":\"in:0:0\"",
                       "skipped by operator (--skip-record)"})
                .size(),
            1u);
}

// A trail that cannot write (a lost broker), counting the attempts.
class DownTrail : public audit::Trail {
 public:
  absl::Status Append(const audit::Entry&) override {
    ++attempts;
    return absl::UnavailableError("broker down");
  }
  std::atomic<int> attempts{0};
};

TEST_F(LoopTest, ASkipThatCannotBeAuditedIsNotTaken) {
  ProduceOne(0, "bad");  // offset 0 of partition 0
  ProduceInput(5, "after");
  DownTrail trail;
  LoopOptions options = Options();
  options.skip = {{{"in", 0}, 0}};
  options.trail = &trail;
  CapturedLog captured;
  PickyHandler handler;
  prometheus::Registry registry;
  Loop loop(options, store_.get(), producer_.get(), &handler, &registry);
  Running running(loop);
  ASSERT_TRUE(WaitFor([&] { return trail.attempts.load() > 0; }, seconds(30)));
  // Time for a skip to be committed, were it taken.
  std::this_thread::sleep_for(seconds(2));
  EXPECT_FALSE(loop.Healthy());
  running.Stop();
  EXPECT_EQ(captured
                .Stop({"\"level\":\"error\"", "operator skip not taken",
                       "\"skip_record\":\"in:0:0\""})
                .size(),
            static_cast<size_t>(trail.attempts.load()));
  // Nothing committed past the record, nothing counted as skipped.
  store::KvTx tx(store_.get());
  EXPECT_FALSE(store::Ok(tx.NextOffset("in", 0)).has_value());
  EXPECT_EQ(CounterValue(registry, "fruition_stream_skipped_records_total"), 0);
}

TEST_F(LoopTest, CrashBetweenProduceAndCommitIsReDeliveredAndAppliedOnce) {
  ProduceInput(20, "in");
  // The third batch's commit fails as a kill -9 after its outputs were
  // acknowledged would leave it: produced, not committed.
  std::atomic<int> commits{0};
  store_->SetWriteFault([&] {
    return ++commits == 3 ? absl::UnavailableError("injected: crash")
                          : absl::OkStatus();
  });
  std::vector<std::string> first_applied;
  {
    CountingHandler handler;
    Loop loop(Options(), store_.get(), producer_.get(), &handler, nullptr);
    Running running(loop);
    ASSERT_TRUE(WaitFor([&] { return commits.load() >= 3; }, seconds(30)));
    // The loop holds after the failed commit: nothing more is applied.
    std::this_thread::sleep_for(milliseconds(500));
    EXPECT_FALSE(loop.Healthy());
    first_applied = handler.applied();
  }
  store_->SetWriteFault(nullptr);
  // Committed: two batches. Produced: three (the crash window is real).
  const int64_t committed =
      StoredNext(store_.get(), 0) + StoredNext(store_.get(), 1);
  EXPECT_EQ(StoredCount(store_.get(), 0) + StoredCount(store_.get(), 1),
            committed);
  ASSERT_GT(static_cast<int64_t>(first_applied.size()), committed);
  EXPECT_EQ(ReadOut().size(), first_applied.size());
  // The uncommitted batch: applied and produced, its offsets not stored.
  std::set<std::string> crashed;
  for (int32_t p = 0; p < 2; ++p) {
    for (int64_t o = StoredNext(store_.get(), p); o < 20; ++o) {
      const std::string id = StrCat(p, "-", o);
      if (std::count(first_applied.begin(), first_applied.end(), id) > 0) {
        crashed.insert(id);
      }
    }
  }
  ASSERT_FALSE(crashed.empty());

  // A new loop on the same store (the restarted process).
  CountingHandler again;
  Loop loop(Options(), store_.get(), producer_.get(), &again, nullptr);
  {
    Running running(loop);
    ASSERT_TRUE(WaitForBoth(StoredCount, store_.get(), 20, seconds(30)));
  }
  // It re-read exactly what was not committed, the crashed batch included.
  EXPECT_EQ(static_cast<int64_t>(again.applied().size()), 40 - committed);
  // The store counts every record once.
  EXPECT_EQ(StoredCount(store_.get(), 0), 20);
  EXPECT_EQ(StoredCount(store_.get(), 1), 20);
  // A consumer of "out" sees the crashed batch's outputs twice, with the
  // same ids, and every other output once; de-duplicating by id (the
  // effectively-once contract) it sees each input's output exactly once.
  std::map<std::string, int> seen;
  for (const std::string& v : ReadOut()) ++seen[v];
  EXPECT_EQ(seen.size(), 40u);
  for (const auto& [id, n] : seen) {
    EXPECT_EQ(n, crashed.count(id) > 0 ? 2 : 1) << id;
  }
}

// The broker refuses produce requests for a while with retriable errors: the
// idempotent producer retries them, every output arrives exactly once, and
// no input is committed before its output's acknowledgement.
TEST_F(LoopTest, ProduceErrorsAreRetriedOutputsArriveOnceCommitAfterAcks) {
  ProduceInput(10, "in");
  ASSERT_TRUE(
      cluster_
          ->PushRequestErrors(1, /*Produce*/ 0,
                              {{RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, 0},
                               {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, 0},
                               {RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, 0},
                               {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, 0},
                               {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, 0}})
          .ok());
  const Delivery d = RunThroughProduceErrors(/*delivery_timeout_ms=*/15000);
  EXPECT_EQ(store::Ok(cluster_->RequestErrorsLeft(1, 0)), 0u);
  EXPECT_EQ(d.committed_before_ack, 0);
  EXPECT_EQ(d.acked, 20);
  ExpectEachOutputOnce(ReadOut(), 20);
}

// The errors outlast the delivery timeout: the producer gives the outputs
// up as "maybe written", the loop produces them again itself (same ids),
// and still commits only after every one is acknowledged.
TEST_F(LoopTest, OutputsNotAcknowledgedInTimeAreProducedAgainByTheLoop) {
  ProduceInput(10, "in");
  const std::vector<std::pair<int, int>> errors(
      8, {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, 400});
  ASSERT_TRUE(cluster_->PushRequestErrors(1, /*Produce*/ 0, errors).ok());
  const Delivery d = RunThroughProduceErrors(/*delivery_timeout_ms=*/1000);
  EXPECT_EQ(store::Ok(cluster_->RequestErrorsLeft(1, 0)), 0u);
  EXPECT_GT(d.failed, 0);  // the loop's own retry ran
  EXPECT_EQ(d.committed_before_ack, 0);
  ExpectEachOutputOnce(ReadOut(), 20);
}

// A rebalance while the first member is blocked in a batch: the rebalance
// waits for it (eager protocol), its batch is committed before the
// partitions move, and the new owner resumes from the stored offsets.
TEST_F(LoopTest, RevocationMidBatchCommitsOnlyByTheOwnerAndAppliesOnce) {
  // Released 2 s after the second member started: its join is pending.
  const auto start = std::chrono::steady_clock::now();
  RevokeMidBatch(Options(), [&](OwnershipLog&) {
    return std::chrono::steady_clock::now() - start > seconds(2);
  });
}

// The first member blocks in a batch past max.poll.interval.ms: the group
// gives its partitions to the second member while it is still applying.
// The batch it then finishes must not be produced or committed.
TEST_F(LoopTest, BatchOutlivingMaxPollIntervalIsNotCommittedByTheOldOwner) {
  LoopOptions options = Options();
  options.consumer.properties["max.poll.interval.ms"] = "7000";
  RevokeMidBatch(options, [](OwnershipLog& log) {
    return log.LastAssigned(1).size() == 2;
  });
}

// ---------------------------------------------------------------------------
// Outputs Kafka refuses for good (poison produce).

// The value of fruition_stream_poison_records_total{cause="output_refused"}.
double RefusedCount(prometheus::Registry& registry) {
  double total = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name != "fruition_stream_poison_records_total") continue;
    for (const auto& m : family.metric) {
      for (const auto& label : m.label) {
        if (label.name == "cause" && label.value == "output_refused") {
          total += m.counter.value;
        }
      }
    }
  }
  return total;
}

// Runs `loop` until it counts a refused output, within 30 s (never an
// endless retry while healthy), and checks that it stays stopped,
// NOT_SERVING, without counting or retrying it again.
void ExpectStopsOnRefusal(Loop& loop, prometheus::Registry& registry) {
  Running running(loop);
  ASSERT_TRUE(
      WaitFor([&] { return RefusedCount(registry) >= 1; }, seconds(30)));
  EXPECT_FALSE(loop.Healthy());
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(RefusedCount(registry), 1);
  EXPECT_FALSE(loop.Healthy());
}

// CountingHandler whose output for a record with value "huge" is larger than
// the loop's producer takes (message.max.bytes 2000 in these tests).
class BulkyHandler : public CountingHandler {
 public:
  absl::StatusOr<std::vector<Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override {
    auto out = CountingHandler::Apply(tx, records, owned);
    if (!out.ok()) return out;
    for (size_t i = 0; i < records.size(); ++i) {
      if (records[i].value != "huge") continue;
      (*out)[i].value = std::string(4000, 'x');
      if (first_huge_batch == 0) first_huge_batch = records.size();
    }
    return out;
  }
  // The size of the first batch holding a "huge" record.
  std::atomic<size_t> first_huge_batch{0};
};

// A producer for the loop's outputs that refuses records over 2000 bytes
// locally, as one refuses records over a topic's max.message.bytes.
std::unique_ptr<kafka::KafkaProducer> SmallMessageProducer(
    const std::string& bootstrap) {
  kafka::ProducerOptions options;
  options.bootstrap_servers = bootstrap;
  options.properties["message.max.bytes"] = "2000";
  auto producer = kafka::KafkaProducer::Create(options);
  EXPECT_TRUE(producer.ok()) << producer.status();
  return producer.ok() ? std::move(*producer) : nullptr;
}

TEST_F(LoopTest, RefusedOutputStopsAtItsInputRecordUntilAnAuditedSkip) {
  // One produce request per partition, so that the refused record is in
  // the middle of a batch: offset 3 of partition 0.
  ProduceValues(0, {"v", "v", "v", "huge", "v", "v", "v"});
  ProduceValues(1, {"v", "v", "v", "v", "v", "v"});
  auto outputs = SmallMessageProducer(cluster_->bootstrap_servers());
  ASSERT_NE(outputs, nullptr);
  {
    CapturedLog captured;
    BulkyHandler handler;
    prometheus::Registry registry;
    Loop loop(Options(), store_.get(), outputs.get(), &handler, &registry);
    ExpectStopsOnRefusal(loop, registry);
    // It came in a batch with others: the loop had to find it.
    EXPECT_GT(handler.first_huge_batch.load(), 1u);
    // Every record before it was committed (the batch was applied again one
    // record at a time); it and those after it were not.
    EXPECT_EQ(StoredNext(store_.get(), 0), 3);
    EXPECT_EQ(StoredCount(store_.get(), 0), 3);
    // The error line names the input record and the --skip-record value.
    EXPECT_EQ(captured
                  .Stop({"\"level\":\"error\"", "\"skip_record\":\"in:0:3\"",
                         "\"topic\":\"in\"", "\"offset\":3",
                         "\"output_topic\":\"out\"", "output refused"})
                  .size(),
              1u);
  }
  // The operator skips in:0:3: the partition moves on, the skip audited.
  CapturedLog captured;
  audit::MemoryTrail trail;
  LoopOptions options = Options();
  options.skip = {{{"in", 0}, 3}};
  options.trail = &trail;
  BulkyHandler handler;
  prometheus::Registry registry;
  Loop loop(options, store_.get(), outputs.get(), &handler, &registry);
  Running running(loop);
  ASSERT_TRUE(WaitFor(
      [&] {
        return StoredNext(store_.get(), 0) == 7 &&
               StoredNext(store_.get(), 1) == 6;
      },
      seconds(30)));
  EXPECT_TRUE(loop.Healthy());
  running.Stop();
  EXPECT_EQ(StoredNext(store_.get(), 0), 7);
  // Applied: every record but the skipped one.
  EXPECT_EQ(StoredCount(store_.get(), 0), 6);
  EXPECT_EQ(CounterValue(registry, "fruition_stream_skipped_records_total"), 1);
  EXPECT_EQ(RefusedCount(registry), 0);
  EXPECT_EQ(captured
                .Stop({"\"level\":\"warn\"", "\"skip_record\":\"in:0:3\"",
                       "skipped by operator (--skip-record)"})
                .size(),
            1u);
  // One record on the audit trail, naming the skipped record.
  const std::vector<audit::Entry> entries = trail.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].principal, "operator");
  EXPECT_EQ(entries[0].action, "skip-record");
  EXPECT_EQ(entries[0].resources, std::vector<std::string>{"record:in:0:3"});
}

// The broker refuses every produce for good (no write permission on the
// output topic): the loop stops NOT_SERVING, counted, and commits nothing.
TEST_F(LoopTest, TopicAuthorizationFailureStopsTheLoop) {
  ProduceInput(5, "in");
  const std::vector<std::pair<int, int>> errors(
      200, {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, 0});
  ASSERT_TRUE(cluster_->PushRequestErrors(1, /*Produce*/ 0, errors).ok());
  kafka::ProducerOptions popts;
  popts.bootstrap_servers = cluster_->bootstrap_servers();
  auto outputs = kafka::KafkaProducer::Create(popts);
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  CountingHandler handler;
  prometheus::Registry registry;
  Loop loop(Options(), store_.get(), outputs->get(), &handler, &registry);
  ExpectStopsOnRefusal(loop, registry);
  EXPECT_EQ(StoredNext(store_.get(), 0) + StoredNext(store_.get(), 1), 0);
}

// Fails every Produce as "maybe written" (UNAVAILABLE) until opened, then
// passes records on.
class FlakyProducer : public kafka::Producer {
 public:
  explicit FlakyProducer(kafka::Producer* inner) : inner_(inner) {}
  void Produce(std::string_view topic, std::string_view key,
               std::string_view value,
               const std::vector<kafka::Header>& headers,
               kafka::DeliveryCallback done) override {
    if (!open_.load()) {
      ++failures_;
      kafka::DeliveryReport report;
      report.status = absl::UnavailableError("injected: request timed out");
      done(report);
      return;
    }
    inner_->Produce(topic, key, value, headers, std::move(done));
  }
  absl::Status Flush(std::chrono::milliseconds timeout) override {
    return inner_->Flush(timeout);
  }
  bool Healthy() const override { return inner_->Healthy(); }
  void Open() { open_ = true; }
  int64_t failures() const { return failures_.load(); }

 private:
  kafka::Producer* inner_;
  std::atomic<bool> open_{false};
  std::atomic<int64_t> failures_{0};
};

// A retriable failure is not a poison record: the loop keeps retrying
// (healthy, nothing counted) and commits once the outputs are written.
TEST_F(LoopTest, RetriableProduceFailuresAreRetriedNotPoison) {
  ProduceInput(5, "in");
  FlakyProducer flaky(producer_.get());
  CountingHandler handler;
  prometheus::Registry registry;
  Loop loop(Options(), store_.get(), &flaky, &handler, &registry);
  Running running(loop);
  ASSERT_TRUE(WaitFor([&] { return flaky.failures() >= 5; }, seconds(30)));
  EXPECT_TRUE(loop.Healthy());
  EXPECT_EQ(RefusedCount(registry), 0);
  EXPECT_EQ(StoredNext(store_.get(), 0) + StoredNext(store_.get(), 1), 0);
  flaky.Open();
  ASSERT_TRUE(WaitForBoth(StoredNext, store_.get(), 5, seconds(30)));
  EXPECT_TRUE(loop.Healthy());
  running.Stop();
  EXPECT_EQ(RefusedCount(registry), 0);
  ExpectEachOutputOnce(ReadOut(), 10);
}

// RecordingHandler whose first Flush output is too large for the producer:
// no input record caused it, so there is nothing to skip; the loop stops.
class BulkyFlushHandler : public RecordingHandler {
 public:
  absl::StatusOr<std::vector<Output>> Flush(
      store::KvTx& tx, const std::set<int32_t>& owned,
      const std::set<int32_t>& caught_up) override {
    auto out = RecordingHandler::Flush(tx, owned, caught_up);
    if (out.ok()) {
      for (auto& o : *out) o.value = std::string(4000, 'x');
    }
    return out;
  }
};

TEST_F(LoopTest, RefusedFlushOutputStopsTheLoop) {
  ProduceInput(3, "in");
  auto outputs = SmallMessageProducer(cluster_->bootstrap_servers());
  ASSERT_NE(outputs, nullptr);
  CapturedLog captured;
  BulkyFlushHandler handler;
  prometheus::Registry registry;
  Loop loop(Options(), store_.get(), outputs.get(), &handler, &registry);
  ExpectStopsOnRefusal(loop, registry);
  EXPECT_EQ(captured
                .Stop({"\"level\":\"error\"", "\"during\":\"flush\"",
                       "\"output_topic\":\"out\"", "output refused"})
                .size(),
            1u);
}

// ---------------------------------------------------------------------------
// Pipelined acknowledgements: several batches in one transaction.

// Holds every output (its delivery report never comes) until Release(); then
// passes the held ones and all later ones to `inner`. Counts what it got.
class HeldAcksProducer : public kafka::Producer {
 public:
  explicit HeldAcksProducer(kafka::Producer* inner) : inner_(inner) {}

  void Produce(std::string_view topic, std::string_view key,
               std::string_view value,
               const std::vector<kafka::Header>& headers,
               kafka::DeliveryCallback done) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++received_;
    if (held_) {
      queue_.push_back(Held{std::string(topic), std::string(key),
                            std::string(value), headers, std::move(done)});
      return;
    }
    lock.unlock();
    inner_->Produce(topic, key, value, headers, std::move(done));
  }
  absl::Status Flush(std::chrono::milliseconds timeout) override {
    return inner_->Flush(timeout);
  }
  bool Healthy() const override { return inner_->Healthy(); }

  void Release() {
    std::vector<Held> queue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_ = false;
      queue.swap(queue_);
    }
    for (Held& h : queue) {
      inner_->Produce(h.topic, h.key, h.value, h.headers, std::move(h.done));
    }
  }
  int64_t received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  struct Held {
    std::string topic, key, value;
    std::vector<kafka::Header> headers;
    kafka::DeliveryCallback done;
  };
  kafka::Producer* inner_;
  std::mutex mu_;
  bool held_ = true;
  std::vector<Held> queue_;
  int64_t received_ = 0;
};

// Options for one transaction over many batches: due by time only after
// `interval` (well past the batches of a test), never by size.
LoopOptions OneTransaction(LoopOptions o, seconds interval) {
  o.commit_interval = interval;
  o.commit_max_records = 100000;
  return o;
}

// Batch 2 is applied (and its outputs produced) while batch 1's outputs
// wait for their acknowledgement; a commit, once due, covers several
// batches and waits for every acknowledgement.
TEST_F(LoopTest, BatchesAreAppliedWhileEarlierOutputsAreInFlight) {
  ProduceInput(10, "in");  // 20 records, batches of at most 7
  std::atomic<int> commits{0};
  store_->SetWriteFault([&] {
    ++commits;
    return absl::OkStatus();
  });
  HeldAcksProducer held(producer_.get());
  CountingHandler handler;
  std::atomic<int> batches{0};
  std::atomic<int64_t> in_flight_at_second{-1};
  handler.before_apply = [&](const std::vector<kafka::Record>&) {
    if (++batches == 2) {
      // Batch 1's outputs went out and none was acknowledged yet: the
      // loop did not wait for them.
      in_flight_at_second = held.received();
      EXPECT_EQ(commits.load(), 0);
    }
  };
  Loop loop(OneTransaction(Options(), seconds(5)), store_.get(), &held,
            &handler, nullptr);
  Running running(loop);
  // Also when an assertion returns early: a loop waiting for held
  // acknowledgements would never stop.
  struct ReleaseOnExit {
    HeldAcksProducer& held;
    ~ReleaseOnExit() { held.Release(); }
  } release{held};
  // Batch 2 comes while nothing is acknowledged. (Not every batch need:
  // an idle second commits, waiting, what was applied so far.)
  ASSERT_TRUE(WaitFor([&] { return batches.load() >= 2; }, seconds(30)));
  EXPECT_GT(in_flight_at_second.load(), 0);
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(commits.load(), 0);
  held.Release();
  ASSERT_TRUE(WaitForBoth(StoredNext, store_.get(), 10, seconds(30)));
  running.Stop();
  store_->SetWriteFault(nullptr);
  // Fewer commits than batches, each with state and offsets together.
  EXPECT_GE(batches.load(), 3);
  EXPECT_GE(commits.load(), 1);
  EXPECT_LT(commits.load(), batches.load());
  EXPECT_EQ(StoredCount(store_.get(), 0), 10);
  EXPECT_EQ(StoredCount(store_.get(), 1), 10);
  ExpectEachOutputOnce(ReadOut(), 20);
}

// kill -9 after batch 2's outputs were acknowledged, before the commit of
// the transaction holding batches 1 and 2: the restarted loop applies
// exactly those batches again and produces the same outputs again.
TEST_F(LoopTest, CrashBeforeTheCommitOfTwoBatchesReplaysBothExactly) {
  // 14 records of one partition (fetched together): two batches of 7.
  ProduceValues(0, std::vector<std::string>(14, "v"));
  std::atomic<int> commits{0};
  store_->SetWriteFault([&] {
    ++commits;
    return absl::UnavailableError("injected: crash");
  });
  std::vector<std::string> first_applied;
  std::atomic<int> batches{0};
  {
    CountingHandler handler;
    handler.before_apply = [&](const std::vector<kafka::Record>&) {
      ++batches;
    };
    Loop loop(OneTransaction(Options(), seconds(3)), store_.get(),
              producer_.get(), &handler, nullptr);
    Running running(loop);
    ASSERT_TRUE(WaitFor([&] { return commits.load() >= 1; }, seconds(30)));
    std::this_thread::sleep_for(milliseconds(500));
    EXPECT_FALSE(loop.Healthy());
    first_applied = handler.applied();
  }
  store_->SetWriteFault(nullptr);
  // One commit attempt for at least two batches; nothing stored.
  EXPECT_EQ(commits.load(), 1);
  EXPECT_GE(batches.load(), 2);
  ASSERT_EQ(first_applied.size(), 14u);
  EXPECT_EQ(StoredNext(store_.get(), 0), 0);
  // Every output was acknowledged before the commit was tried.
  ExpectEachOutputOnce(ReadOut(), 14);

  CountingHandler again;
  Loop loop(Options(), store_.get(), producer_.get(), &again, nullptr);
  {
    Running running(loop);
    ASSERT_TRUE(WaitFor([&] { return StoredCount(store_.get(), 0) >= 14; },
                        seconds(30)));
  }
  std::vector<std::string> replayed = again.applied();
  std::sort(replayed.begin(), replayed.end());
  std::sort(first_applied.begin(), first_applied.end());
  EXPECT_EQ(replayed, first_applied);
  EXPECT_EQ(StoredCount(store_.get(), 0), 14);
  // The same ids again: each output twice, nothing lost.
  std::map<std::string, int> seen;
  for (const std::string& v : ReadOut()) ++seen[v];
  EXPECT_EQ(seen.size(), 14u);
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 2) << id;
}

// The refused output is batch 2's, batch 1 is in the same open
// transaction: both are applied again one record at a time, and the record
// whose output was refused stops the loop.
TEST_F(LoopTest, RefusedOutputInALaterBatchOfTheTransactionIsFound) {
  ProduceValues(0, {"v", "v", "v", "v", "huge", "v"});
  auto outputs = SmallMessageProducer(cluster_->bootstrap_servers());
  ASSERT_NE(outputs, nullptr);
  CapturedLog captured;
  BulkyHandler handler;
  std::vector<size_t> sizes;
  std::mutex mu;
  handler.before_apply = [&](const std::vector<kafka::Record>& records) {
    std::lock_guard<std::mutex> lock(mu);
    sizes.push_back(records.size());
  };
  prometheus::Registry registry;
  LoopOptions options = OneTransaction(Options(), seconds(3));
  options.batch_max = 3;  // batch 1: offsets 0-2; batch 2: 3-5
  Loop loop(options, store_.get(), outputs.get(), &handler, &registry);
  ExpectStopsOnRefusal(loop, registry);
  {
    std::lock_guard<std::mutex> lock(mu);
    // Two batches of three in the transaction, then one record at a time.
    ASSERT_GE(sizes.size(), 3u);
    EXPECT_EQ(sizes[0], 3u);
    EXPECT_EQ(sizes[1], 3u);
    for (size_t i = 2; i < sizes.size(); ++i) EXPECT_EQ(sizes[i], 1u);
  }
  // Batch 1 and the record before the culprit were committed.
  EXPECT_EQ(StoredNext(store_.get(), 0), 4);
  EXPECT_EQ(StoredCount(store_.get(), 0), 4);
  EXPECT_EQ(captured
                .Stop({"\"level\":\"error\"", "\"skip_record\":\"in:0:4\"",
                       "output refused"})
                .size(),
            1u);
}

// A rebalance while the transaction is open (nothing due by time or size):
// it is committed before the partitions move, by the member that owned
// them, and nothing is applied or produced twice.
TEST_F(LoopTest, RevocationCommitsTheOpenTransactionBeforeThePartitionsMove) {
  const auto start = std::chrono::steady_clock::now();
  // Never due: only the revocation commits it.
  RevokeMidBatch(OneTransaction(Options(), seconds(600)), [&](OwnershipLog&) {
    return std::chrono::steady_clock::now() - start > seconds(2);
  });
}

}  // namespace
}  // namespace fruition::stream
