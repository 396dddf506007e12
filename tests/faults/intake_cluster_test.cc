// Intake on a three-broker cluster (tools/kafka-local --brokers 3: topics
// with replication 3 and min.insync.replicas 2), with brokers killed under
// it (SPEC §8): an acknowledged report survives the loss of any one broker,
// and with fewer than two in sync intake answers UNAVAILABLE, never OK.
// The cluster is this suite's own; skipped, with the reason, where Java or
// Maven are missing.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "fruition/v1/intake.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/common/kafka/admin.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/harness.h"
#include "tests/harness/intake_client.h"

namespace fruition {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Cluster;
using testing::Process;

constexpr char kKey[] = "fault-test-pseudonym-key-000000001";
const std::string kReports(topics::kReports);

std::string Token() { return "token-for-DEA"; }

class IntakeClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    reason_ = new std::string(testing::Broker::UnavailableReason());
    if (!reason_->empty()) return;
    auto cluster = Cluster::Start(3);
    if (!cluster.ok()) {
      *reason_ = std::string(cluster.status().message());
      return;
    }
    cluster_ = cluster->release();
    const absl::Status topics = kafka::EnsureTopics(
        cluster_->bootstrap(), {}, kafka::IntakeTopics(12, 3), seconds(60));
    if (!topics.ok()) *reason_ = StrCat("topics: ", topics.message());
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  void SetUp() override {
    if (!reason_->empty()) GTEST_SKIP() << *reason_;
    // Every broker up and every partition fully replicated: each test
    // starts from a healthy cluster whatever the one before did.
    for (int id = 1; id <= 3; ++id) {
      (void)cluster_->Restart(id);  // fails harmlessly when it runs
    }
    ASSERT_TRUE(AllInSync(seconds(90))) << "cluster not healthy";
    nonce_ = testing::Nonce();
    dir_ = testing::NewTempDir("faults-intake");
    std::ofstream(dir_ + "/principals.yaml")
        << "principals:\n  - code: DEA\n    kind: AGENCY\n    token_sha256: "
        << privacy::Sha256Hex(Token()) << "\n    designates: true\n";
    std::ofstream(dir_ + "/key") << kKey;
  }

  // Every partition of the reports topic with three in-sync replicas.
  static bool AllInSync(milliseconds timeout) {
    return testing::WaitUntil(
        [] {
          for (int p = 0; p < 12; ++p) {
            auto isr = cluster_->InSync(kReports, p);
            if (!isr.ok() || isr->size() < 3) return false;
          }
          return true;
        },
        timeout, milliseconds(250));
  }

  std::unique_ptr<Process> StartIntake(int port) {
    const std::string log =
        StrCat(testing::OutputDir(), "/faults-intake-", nonce_, ".log");
    auto process = Process::Start(
        testing::Runfile("services/intake/fruition-intake"),
        {"--kafka-bootstrap=" + cluster_->bootstrap(),
         "--principals-file=" + dir_ + "/principals.yaml",
         "--pseudonym-key-file=" + dir_ + "/key", testing::SealedKeyFlag(dir_),
         "--data-dir=" + dir_ + "/data",
         StrCat("--grpc-listen=127.0.0.1:", port),
         StrCat("--metrics-listen=127.0.0.1:", testing::FreePort())},
        log);
    EXPECT_TRUE(process.ok()) << process.status();
    const std::string address = StrCat("127.0.0.1:", port);
    EXPECT_TRUE(testing::WaitUntil(
        [&] { return testing::HealthStatus(address) == "SERVING"; },
        seconds(60)))
        << "intake did not become SERVING; log: " << log;
    return std::move(*process);
  }

  // Arrests by DEA, ids nonce-first .. nonce-(first+n-1), each subject its
  // own (so they spread over every partition).
  std::vector<v1::AgencyReport> Arrests(int n, int first) const {
    std::vector<v1::AgencyReport> out(n);
    for (int i = 0; i < n; ++i) {
      v1::AgencyReport& r = out[i];
      r.set_report_id(StrCat(nonce_, "-", first + i));
      r.set_reporter("DEA");
      r.mutable_occurred_at()->set_seconds(1450000000 + first + i);
      r.set_case_id(StrCat("CASE-", nonce_, "-", first + i));
      auto* a = r.mutable_arrest();
      a->set_arrest_id(StrCat("AR-", first + i));
      a->set_subject_ref(StrCat("RAW-", nonce_, "-", first + i));
      a->set_agency("DEA");
      a->set_field_office("DEA-PHILADELPHIA");
    }
    return out;
  }

  // How many times each of this test's report ids is on the reports topic.
  std::map<std::string, int> Copies() const {
    std::map<std::string, int> out;
    auto records =
        testing::ReadTopic(cluster_->bootstrap(), kReports, seconds(60));
    EXPECT_TRUE(records.ok()) << records.status();
    if (!records.ok()) return out;
    for (testing::Record& r : *records) {
      const std::string& id = r.headers["fruition-report-id"];
      if (id.rfind(nonce_ + "-", 0) == 0) ++out[id];
    }
    return out;
  }

  static std::string* reason_;
  static Cluster* cluster_;
  std::string nonce_;
  std::string dir_;
};

std::string* IntakeClusterTest::reason_ = nullptr;
Cluster* IntakeClusterTest::cluster_ = nullptr;

// Streams new reports in rounds of `round` while `more` holds, resending
// what was not answered OK (same ids), until every report sent is OK or
// `deadline` passes. Counts answers by code.
struct Uploader {
  std::mutex mu;
  std::set<std::string> ok;
  // Reports answered anything but OK at least once (and sent again).
  std::set<std::string> resent;
  std::map<int, int> answers;  // code -> count
  int sent = 0;
};

void Upload(const std::string& address,
            const std::function<std::vector<v1::AgencyReport>(int)>& make,
            int round, const std::atomic<bool>& more, seconds deadline,
            Uploader* up) {
  std::vector<v1::AgencyReport> unanswered;
  const auto until = std::chrono::steady_clock::now() + deadline;
  int next = 0;
  while (std::chrono::steady_clock::now() < until) {
    std::vector<v1::AgencyReport> batch = std::move(unanswered);
    unanswered.clear();
    if (more.load()) {
      for (auto& r : make(next)) batch.push_back(std::move(r));
      next += round;
    }
    if (batch.empty()) break;
    {
      std::lock_guard<std::mutex> lock(up->mu);
      up->sent = next;
    }
    const testing::StreamOutcome outcome =
        testing::StreamReports(address, Token(), batch);
    std::lock_guard<std::mutex> lock(up->mu);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (i < outcome.results.size() && outcome.results[i].code() == 0) {
        up->ok.insert(batch[i].report_id());
      } else {
        up->resent.insert(batch[i].report_id());
        unanswered.push_back(batch[i]);
      }
      ++up->answers[i < outcome.results.size() ? outcome.results[i].code()
                                               : -1];
    }
  }
}

TEST_F(IntakeClusterTest, LeaderKilledFiveTimesWhileStreamingLosesNothing) {
  const int port = testing::FreePort();
  auto intake = StartIntake(port);
  const std::string address = StrCat("127.0.0.1:", port);
  std::atomic<bool> more{true};
  Uploader up;
  constexpr int kRound = 100;
  std::thread uploader([&] {
    Upload(
        address, [&](int first) { return Arrests(kRound, first); }, kRound,
        more, seconds(300), &up);
  });
  auto acknowledged = [&] {
    std::lock_guard<std::mutex> lock(up.mu);
    return up.ok.size();
  };
  std::vector<int> killed;
  for (int kill = 0; kill < 5; ++kill) {
    // Reports flowing before each kill.
    const size_t before = acknowledged();
    ASSERT_TRUE(testing::WaitUntil(
        [&] { return acknowledged() >= before + 300; }, seconds(120)))
        << "no reports acknowledged before kill " << kill + 1;
    auto leader = cluster_->Leader(kReports, 0);
    ASSERT_TRUE(leader.ok()) << leader.status();
    ASSERT_GT(*leader, 0);
    ASSERT_TRUE(cluster_->Kill(*leader).ok());
    killed.push_back(*leader);
    const size_t at_kill = acknowledged();
    // The stream goes on while the partition's leadership moves.
    std::this_thread::sleep_for(seconds(3));
    EXPECT_TRUE(testing::WaitUntil(
        [&] { return acknowledged() >= at_kill + 100; }, seconds(60)))
        << "nothing acknowledged after the leader of partition 0, broker "
        << *leader << ", was killed";
    ASSERT_TRUE(cluster_->Restart(*leader).ok());
    ASSERT_TRUE(AllInSync(seconds(90)))
        << "broker " << *leader << " did not rejoin the ISR";
  }
  more = false;
  uploader.join();
  std::map<int, int> answers;
  int sent = 0;
  {
    std::lock_guard<std::mutex> lock(up.mu);
    answers = up.answers;
    sent = up.sent;
  }
  ASSERT_EQ(static_cast<int>(up.ok.size()), sent)
      << "reports never answered OK";
  const auto copies = Copies();
  EXPECT_EQ(copies.size(), up.ok.size());
  // A report answered OK the first time is in the topic exactly once (the
  // idempotent producer). One answered UNAVAILABLE and sent again may also
  // have landed from its first attempt (SPEC §8: a report not acknowledged
  // may be retried safely; downstream counts a reporter's report_id once),
  // so it is counted, not failed.
  int twice = 0, resent_twice = 0;
  for (const std::string& id : up.ok) {
    auto it = copies.find(id);
    ASSERT_NE(it, copies.end()) << id << " was answered OK and is lost";
    if (it->second == 1) continue;
    if (up.resent.count(id)) {
      ++resent_twice;
    } else {
      ++twice;
    }
  }
  EXPECT_EQ(twice, 0)
      << "reports answered OK at their first attempt are in the topic "
         "more than once";
  std::cerr << up.resent.size() << " reports answered UNAVAILABLE and sent "
            << "again; " << resent_twice
            << " of them landed twice (first attempt and resend)\n";
  std::cerr << "leader kills: " << killed.size() << " (brokers";
  for (int k : killed) std::cerr << " " << k;
  std::cerr << "); reports: " << sent << ", answers OK " << answers[0]
            << ", UNAVAILABLE " << answers[14] << "\n";
  intake->Signal(SIGTERM);
  EXPECT_EQ(intake->Wait(seconds(30)), 0);
}

TEST_F(IntakeClusterTest, TwoBrokersDownMeansUnavailableNeverOkThenRecovers) {
  const int port = testing::FreePort();
  auto intake = StartIntake(port);
  const std::string address = StrCat("127.0.0.1:", port);
  // Healthy: accepted.
  const auto before = testing::StreamReports(address, Token(), Arrests(50, 0));
  ASSERT_TRUE(before.status.ok()) << before.status.error_message();
  for (const auto& r : before.results) ASSERT_EQ(r.code(), 0) << r.message();

  ASSERT_TRUE(cluster_->Kill(2).ok());
  ASSERT_TRUE(cluster_->Kill(3).ok());
  // At most one replica in sync (< min.insync.replicas 2): whichever broker
  // leads a partition now, no write is acknowledged by all of the ISR.
  const auto during = Arrests(40, 1000);
  const auto down = testing::StreamReports(address, Token(), during);
  ASSERT_EQ(down.results.size(), during.size()) << down.status.error_message();
  std::set<std::string> answered_ok;
  for (const auto& r : down.results) {
    EXPECT_EQ(r.code(), grpc::StatusCode::UNAVAILABLE)
        << r.report_id() << ": " << r.message();
    if (r.code() == 0) answered_ok.insert(r.report_id());
  }
  EXPECT_TRUE(answered_ok.empty())
      << answered_ok.size() << " reports answered OK with one broker up";

  // One broker back: two in sync again, and the same reports go through.
  ASSERT_TRUE(cluster_->Restart(2).ok());
  std::set<std::string> ok;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        std::vector<v1::AgencyReport> left;
        for (const auto& r : during) {
          if (!ok.count(r.report_id())) left.push_back(r);
        }
        const auto o = testing::StreamReports(address, Token(), left);
        for (size_t i = 0; i < o.results.size(); ++i) {
          if (o.results[i].code() == 0) ok.insert(left[i].report_id());
        }
        return ok.size() == during.size();
      },
      seconds(120), seconds(1)))
      << ok.size() << " of " << during.size()
      << " accepted after a broker returned";
  // Answered UNAVAILABLE ("maybe written"), then OK: present. The first
  // attempt may have landed too (appended by the surviving leader, committed
  // once a follower returned): a second copy of the same (reporter,
  // report_id), which every reader counts once (docs/DESIGN.md "Intake").
  const auto copies = Copies();
  int two = 0;
  for (const auto& r : during) {
    auto it = copies.find(r.report_id());
    ASSERT_NE(it, copies.end()) << r.report_id() << " lost";
    EXPECT_LE(it->second, 2) << r.report_id();
    if (it->second == 2) ++two;
  }
  std::cerr << "two brokers down: " << during.size() - answered_ok.size()
            << " of " << during.size()
            << " reports answered UNAVAILABLE, accepted after one returned; "
            << two << " of them landed twice (first attempt and resend)\n";
  intake->Signal(SIGTERM);
  EXPECT_EQ(intake->Wait(seconds(30)), 0);
}

}  // namespace
}  // namespace fruition
