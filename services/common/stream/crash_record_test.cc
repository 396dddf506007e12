// Crash records (SPEC §8, issue 17; inflight.h): a record whose handling
// kills the process is found across restarts and stopped at, named by its
// offset, and passed only by an audited --skip-record; kill -9 at different
// places, with progress in between, never adds up to a detection.
//
// Every "process" is a real one: this test binary run again as a child
// (main below, --crash-child), a group member on the parent's mock cluster
// with its store and crash marker in one data dir, whose handler dies on a
// chosen record (abort(), or SIGKILL as kill -9 would). The parent starts
// the children one after the other, as a supervisor restarting a crashed
// service does, and reads the store and the marker between them.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/common/audit/trail.h"
#include "services/common/kafka/mock_cluster.h"
#include "services/common/kafka/producer.h"
#include "services/common/store/kv.h"
#include "services/common/store/test_util.h"
#include "services/common/stream/inflight.h"
#include "services/common/stream/loop.h"
#include "services/common/stream/test_util.h"
#include "services/common/strings.h"

namespace fruition::stream {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kPartitions = 2;
constexpr int64_t kRecords = 40;  // per partition of "in"

// How a child ended, by its exit code.
constexpr int kCaughtUp = 0;     // every record of "in" committed
constexpr int kCrashRecord = 3;  // stopped at a crash record
constexpr int kOtherStop = 4;    // stopped for another reason
constexpr int kTimedOut = 5;     // neither within a minute

// ---------------------------------------------------------------------------
// The child: one incarnation of a service.

// Counts each record it applies under "P-OFFSET" (read-modify-write: a
// record committed twice counts 2), and dies on `die_at` ("P:OFFSET"), by
// `signal` (SIGABRT: abort(), as a failed check does; SIGKILL: kill -9).
class DyingHandler : public Handler {
 public:
  DyingHandler(std::string die_at, int signal)
      : die_at_(std::move(die_at)), signal_(signal) {}

  absl::StatusOr<std::vector<Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override {
    (void)owned;
    for (const kafka::Record& r : records) {
      if (StrCat(r.partition, ":", r.offset) == die_at_) {
        if (signal_ == SIGKILL) raise(SIGKILL);
        std::abort();
      }
      const std::string key = StrCat(r.partition, "-", r.offset);
      auto stored = tx.Get(1, key);
      if (!stored.ok()) return stored.status();
      const int64_t n = stored->has_value() ? std::stoll(**stored) + 1 : 1;
      tx.Put(1, key, std::to_string(n));
    }
    return std::vector<Output>{};
  }

 private:
  std::string die_at_;
  int signal_;
};

LoopOptions ChildOptions(const std::map<std::string, std::string>& args) {
  LoopOptions o;
  o.name = "crash";
  o.consumer.bootstrap_servers = args.at("bootstrap");
  o.consumer.group_id = "crash-record-test";
  // A restarted member need not wait long for the dead one's session (the
  // mock's coordinator never answers a join with less than 3 s).
  o.consumer.properties = {{"session.timeout.ms", "3000"},
                           {"heartbeat.interval.ms", "300"}};
  o.group_topics = {"in"};
  o.batch_max = 5;
  o.inflight_path = args.at("dir") + "/crash.inflight";
  o.crash_attempts = std::stoi(args.at("limit"));
  return o;
}

// Whether every partition of "in" is committed to its end.
bool CaughtUp(store::KvStore* store) {
  store::KvTx tx(store);
  for (int32_t p = 0; p < kPartitions; ++p) {
    const auto next = tx.NextOffset("in", p);
    if (!next.ok() || next->value_or(0) < kRecords) return false;
  }
  return true;
}

// Runs one incarnation until it caught up or stopped; writes what its
// counters and audit trail hold to args["result"]. The exit code.
int RunChild(const std::map<std::string, std::string>& args) {
  auto store = store::KvStore::Open(args.at("dir") + "/store", {"applied"});
  if (!store.ok()) return kOtherStop;
  DyingHandler handler(args.at("die_at"), std::stoi(args.at("signal")));
  audit::MemoryTrail trail;
  prometheus::Registry registry;
  LoopOptions options = ChildOptions(args);
  auto skip = ParseSkipRecords(args.at("skip"), "skip-record");
  if (!skip.ok()) return kOtherStop;
  options.skip = *skip;
  options.trail = &trail;
  int code = kTimedOut;
  {
    Loop loop(options, store->get(), /*producer=*/nullptr, &handler, &registry);
    std::atomic<bool> stop{false};
    std::thread running([&] { (void)loop.Run(stop); });
    const auto deadline = std::chrono::steady_clock::now() + seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      const double poison = testing::CounterValue(
          registry, "fruition_stream_poison_records_total");
      const double errors =
          testing::CounterValue(registry, "fruition_stream_store_errors_total");
      if (poison > 0 || errors > 0) {
        code = poison > 0 && !loop.Healthy() ? kCrashRecord : kOtherStop;
        break;
      }
      if (CaughtUp(store->get())) {
        code = kCaughtUp;
        break;
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    stop = true;
    running.join();
  }
  std::ofstream result(args.at("result"));
  result << "crashed "
         << testing::CounterValue(registry,
                                  "fruition_stream_poison_records_total")
         << "\nskipped "
         << testing::CounterValue(registry,
                                  "fruition_stream_skipped_records_total")
         << "\n";
  for (const audit::Entry& e : trail.entries()) {
    for (const std::string& resource : e.resources) {
      result << "audit " << e.principal << " " << e.action << " " << resource
             << "\n";
    }
  }
  return code;
}

// ---------------------------------------------------------------------------
// The parent: the supervisor and the checks.

// How a child ended, with its log (stderr) and result file.
struct Incarnation {
  int exit_code = -1;  // -1: killed by a signal
  int signal = 0;
  std::string log;
  std::map<std::string, std::string> result;  // "crashed" -> "1", ...
  std::vector<std::string> audited;           // "operator skip-record R"
};

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CrashRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kafka = testing::MockKafka::Start({{"in", kPartitions, 1, {}}});
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    kafka_ = std::move(*kafka);
    for (int32_t p = 0; p < kPartitions; ++p) {
      const std::string key = testing::KeyIn("k", p, kPartitions);
      for (int64_t i = 0; i < kRecords; ++i) {
        kafka_.producer->Produce("in", key, StrCat("v", i), {},
                                 [](const kafka::DeliveryReport&) {});
      }
    }
    ASSERT_TRUE(kafka_.producer->Flush(seconds(10)).ok());
    dir_ =
        StrCat(::testing::TempDir(), "/crash-",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }

  // Runs one incarnation to its end: `die_at` "P:OFFSET" ("" none) by
  // `signal`, skipping `skip` (a --skip-record value).
  Incarnation Start(const std::string& die_at, int signal,
                    const std::string& skip = "") {
    const int n = ++incarnations_;
    const std::string log = StrCat(dir_, "/child-", n, ".log");
    const std::string result = StrCat(dir_, "/child-", n, ".result");
    std::vector<std::string> args = {
        "/proc/self/exe",
        "--crash-child",
        "bootstrap=" + kafka_.cluster->bootstrap_servers(),
        "dir=" + dir_,
        StrCat("limit=", limit_),
        "die_at=" + die_at,
        StrCat("signal=", signal),
        "skip=" + skip,
        "result=" + result};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 2, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&files, 2, 1);
    pid_t pid = 0;
    const int spawned =
        posix_spawn(&pid, argv[0], &files, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    Incarnation out;
    if (spawned != 0) {
      ADD_FAILURE() << "posix_spawn: " << spawned;
      return out;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
    out.log = ReadWhole(log);
    std::istringstream lines(ReadWhole(result));
    for (std::string line; std::getline(lines, line);) {
      const size_t space = line.find(' ');
      if (line.rfind("audit ", 0) == 0) {
        out.audited.push_back(line.substr(6));
      } else if (space != std::string::npos) {
        out.result[line.substr(0, space)] = line.substr(space + 1);
      }
    }
    return out;
  }

  // How many times each record of "in" was committed ("P-OFFSET" -> n).
  std::map<std::string, int64_t> Committed() {
    std::map<std::string, int64_t> out;
    auto store = store::KvStore::Open(dir_ + "/store", {"applied"});
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return out;
    store::KvTx tx(store->get());
    for (const auto& [k, v] : store::Ok(tx.Scan(1, ""))) {
      out[k] = std::stoll(v);
    }
    return out;
  }

  // The committed next offset of partition `p` of "in".
  int64_t StoredNext(int32_t p) {
    auto store = store::KvStore::Open(dir_ + "/store", {"applied"});
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return -1;
    store::KvTx tx(store->get());
    return store::Ok(tx.NextOffset("in", p)).value_or(0);
  }

  std::vector<InflightRange> Marker() {
    auto ranges = Inflight::Read(dir_ + "/crash.inflight");
    EXPECT_TRUE(ranges.ok()) << ranges.status();
    return ranges.ok() ? *ranges : std::vector<InflightRange>{};
  }

  testing::MockKafka kafka_;
  std::string dir_;
  int limit_ = 2;
  int incarnations_ = 0;
};

std::string Describe(const std::vector<InflightRange>& ranges) {
  std::string out;
  for (const InflightRange& r : ranges) {
    out += StrCat(r.tp.first, ":", r.tp.second, " [", r.first, ",", r.last,
                  "] x", r.attempts, r.alone ? " alone; " : " batch; ");
  }
  return out;
}

TEST_F(CrashRecordTest, ARecordThatCrashesTheProcessIsStoppedAtUntilSkipped) {
  // Record 13 of partition 1 aborts the process whenever it is applied.
  const std::string crash = "1:13";
  int crashes = 0;
  Incarnation last;
  // A supervisor restarting the crashed service: `limit_` deaths in the
  // same range, then `limit_` deaths on the record applied alone, then the
  // stop. A fetch boundary may let one incarnation commit part of the range
  // (progress: the count starts again), hence a little slack.
  for (int run = 0; run < 3 * limit_ + 3; ++run) {
    last = Start(crash, SIGABRT);
    if (last.signal == 0) break;
    ASSERT_EQ(last.signal, SIGABRT) << last.log;
    ++crashes;
    // Whatever the marker says, the crash record is in it.
    bool named = false;
    for (const InflightRange& r : Marker()) {
      named = named || (r.tp == kafka::TopicPartition{"in", 1} &&
                        r.first <= 13 && 13 <= r.last);
    }
    EXPECT_TRUE(named) << Describe(Marker());
  }
  ASSERT_EQ(last.exit_code, kCrashRecord) << "after " << crashes << " crashes\n"
                                          << last.log;
  // limit_ deaths in batches, limit_ alone: never fewer.
  EXPECT_GE(crashes, 2 * limit_);
  EXPECT_EQ(last.result["crashed"], "1");
  // The error line names the record and the --skip-record value.
  EXPECT_NE(last.log.find("\"level\":\"error\""), std::string::npos);
  EXPECT_NE(last.log.find("crash record"), std::string::npos) << last.log;
  EXPECT_NE(last.log.find("\"partition\":1,\"offset\":13"), std::string::npos)
      << last.log;
  EXPECT_NE(last.log.find("\"skip_record\":\"in:1:13\""), std::string::npos);
  // Everything before it was committed, exactly once; nothing of it.
  EXPECT_EQ(StoredNext(1), 13);
  auto committed = Committed();
  for (int64_t o = 0; o < 13; ++o) {
    EXPECT_EQ(committed[StrCat("1-", o)], 1) << "1-" << o;
  }
  EXPECT_EQ(committed.count("1-13"), 0u);

  // A restart without a skip stops at it again, without applying it (the
  // handler would abort).
  last = Start(crash, SIGABRT);
  ASSERT_EQ(last.exit_code, kCrashRecord) << last.log;
  EXPECT_EQ(StoredNext(1), 13);

  // The operator skips it: audited, and the records after it are applied;
  // it never is (the handler still aborts on it).
  last = Start(crash, SIGABRT, "in:1:13");
  ASSERT_EQ(last.exit_code, kCaughtUp) << last.log;
  EXPECT_EQ(last.result["skipped"], "1");
  EXPECT_EQ(last.result["crashed"], "0");
  EXPECT_EQ(last.audited,
            std::vector<std::string>{"operator skip-record record:in:1:13"});
  EXPECT_NE(last.log.find("\"skip_record\":\"in:1:13\""), std::string::npos);
  committed = Committed();
  for (int32_t p = 0; p < kPartitions; ++p) {
    for (int64_t o = 0; o < kRecords; ++o) {
      const std::string id = StrCat(p, "-", o);
      EXPECT_EQ(committed[id], id == "1-13" ? 0 : 1) << id;
    }
  }
  // Nothing left suspect.
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/crash.inflight"));
}

TEST_F(CrashRecordTest, KillsAtDifferentPlacesWithProgressNeverAddUp) {
  // kill -9 twice as often as the limit, each in another batch: each
  // incarnation gets past where the one before died (progress), so no count
  // ever reaches the limit.
  int64_t passed = -1;  // where the incarnation before died
  for (const int64_t at : {3, 15, 27, 39}) {
    const Incarnation killed = Start(StrCat("1:", at), SIGKILL);
    ASSERT_EQ(killed.signal, SIGKILL) << at << "\n" << killed.log;
    const std::vector<InflightRange> marker = Marker();
    EXPECT_FALSE(marker.empty()) << at;
    for (const InflightRange& r : marker) {
      EXPECT_LT(r.attempts, limit_) << at << ": " << Describe(marker);
      EXPECT_FALSE(r.alone) << at << ": " << Describe(marker);
      // Where the one before died was committed since: forgotten.
      if (r.tp.second == 1) {
        EXPECT_GT(r.first, passed) << Describe(marker);
      }
    }
    passed = at;
  }
  Incarnation last = Start("", SIGKILL);
  ASSERT_EQ(last.exit_code, kCaughtUp) << last.log;
  EXPECT_EQ(last.result["crashed"], "0");
  EXPECT_EQ(last.result["skipped"], "0");
  // Each record committed once, whatever was applied and lost.
  auto committed = Committed();
  for (int32_t p = 0; p < kPartitions; ++p) {
    for (int64_t o = 0; o < kRecords; ++o) {
      EXPECT_EQ(committed[StrCat(p, "-", o)], 1) << p << "-" << o;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/crash.inflight"));
}

}  // namespace
}  // namespace fruition::stream

// `--crash-child key=value...`: one incarnation (RunChild); otherwise the
// tests.
int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--crash-child") {
    std::map<std::string, std::string> args;
    for (int i = 2; i < argc; ++i) {
      const std::string a = argv[i];
      const size_t eq = a.find('=');
      if (eq != std::string::npos) args[a.substr(0, eq)] = a.substr(eq + 1);
    }
    return fruition::stream::RunChild(args);
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
