// The audit trail on a real broker (SPEC §1 "Audit"): a writer killed -9
// mid-stream and restarted continues its chain; a copy of the topic with one
// record deleted, edited or moved fails `fruitctl audit verify`, which names
// the break; with the broker down Append answers UNAVAILABLE within the
// delivery timeout, and the trail resumes its chain once the broker is back.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protos/fruition/v1/audit.pb.h"
#include "services/common/audit/chain.h"
#include "services/common/audit/kafka_trail.h"
#include "services/common/audit/read.h"
#include "services/common/kafka/admin.h"
#include "services/common/strings.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/harness.h"

namespace fruition {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class AuditIntegrationTest : public testing::BrokerSuite<AuditIntegrationTest> {
 protected:
  static void SetUpTestSuite() { SetUpBroker(); }

  // A new audit topic of this test, with `partitions` partitions.
  std::string NewTopic(int partitions) {
    std::string topic =
        StrCat("audittest-", testing::Nonce(), ".fruition.audit.v1");
    EXPECT_TRUE(kafka::EnsureTopics(bootstrap(), {},
                                    {{topic, partitions, 1, {}}}, seconds(15))
                    .ok());
    return topic;
  }

  // The appender writing as `writer` into `topic`; its log under `name`.
  std::unique_ptr<testing::Process> StartAppender(const std::string& topic,
                                                  const std::string& writer,
                                                  const std::string& name,
                                                  int threads, int count) {
    auto p = testing::Process::Start(
        testing::Runfile("tests/audit/appender"),
        {"--bootstrap", bootstrap(), "--topic", topic, "--writer", writer,
         "--threads", std::to_string(threads), "--count",
         std::to_string(count)},
        StrCat(testing::OutputDir(), "/", name, ".log"));
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::move(*p) : nullptr;
  }

  // `fruitctl audit verify` on `topic`: its exit code, output in `out`.
  int Verify(const std::string& topic, std::string* out) {
    return testing::RunShell(StrCat(testing::Runfile("tools/fruitctl/fruitctl"),
                                    " audit verify --bootstrap ", bootstrap(),
                                    " --topic ", topic, " 2>&1"),
                             out);
  }
};

// Lines of the appender's log that start with `prefix`.
int LinesStartingWith(const std::string& path, const std::string& prefix) {
  const std::string log = testing::ReadFile(path);
  int n = 0;
  size_t start = 0;
  while (start < log.size()) {
    if (log.compare(start, prefix.size(), prefix) == 0) ++n;
    const size_t end = log.find('\n', start);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return n;
}

TEST_F(AuditIntegrationTest, KilledWriterContinuesItsChainAfterRestart) {
  const std::string topic = NewTopic(3);
  const std::string writer = StrCat("gateway@kill-", testing::Nonce());
  // Another writer in the same topic at the same time: chains are per writer.
  auto other = StartAppender(topic, "intake@steady", "audit-other", 2, 300);
  for (int round = 0; round < 3; ++round) {
    auto p = StartAppender(topic, writer, StrCat("audit-kill-", round), 8, 0);
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(testing::WaitUntil(
        [&] { return LinesStartingWith(p->log_path(), "ok") >= 300; },
        seconds(60)))
        << testing::ReadFile(p->log_path());
    p->Signal(SIGKILL);  // mid-stream: appends in flight
    p->Wait(seconds(10));
    if (round > 0) {
      // It resumed after its last record, not from 1.
      EXPECT_EQ(LinesStartingWith(p->log_path(), "opened next_seq 1\n"), 0)
          << testing::ReadFile(p->log_path());
    }
  }
  auto last = StartAppender(topic, writer, "audit-kill-last", 2, 20);
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->Wait(seconds(60)), 0) << testing::ReadFile(last->log_path());
  EXPECT_EQ(other->Wait(seconds(60)), 0)
      << testing::ReadFile(other->log_path());

  std::string out;
  EXPECT_EQ(Verify(topic, &out), 0) << out;
  EXPECT_NE(out.find("audit verify: 2 writers,"), std::string::npos) << out;
  EXPECT_NE(out.find("every chain whole"), std::string::npos) << out;
  kafka::ConsumerOptions consumer;
  consumer.bootstrap_servers = bootstrap();
  auto records = audit::ReadTopic(consumer, topic, seconds(30));
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_GE(records->size(), 3u * 300 + 20 + 600);
}

// Copies `records` into a new one-partition topic, in order.
std::string Copy(const std::string& bootstrap,
                 const std::vector<testing::Record>& records) {
  std::string topic =
      StrCat("auditcopy-", testing::Nonce(), ".fruition.audit.v1");
  EXPECT_TRUE(
      kafka::EnsureTopics(bootstrap, {}, {{topic, 1, 1, {}}}, seconds(15))
          .ok());
  std::vector<testing::Outgoing> out;
  for (const auto& r : records) out.push_back({topic, r.key, r.value, {}});
  EXPECT_TRUE(testing::Produce(bootstrap, out).ok());
  return topic;
}

TEST_F(AuditIntegrationTest, VerifyNamesADeletedEditedOrMovedRecord) {
  const std::string topic = NewTopic(1);
  const std::string writer = "gateway@tamper";
  auto p = StartAppender(topic, writer, "audit-tamper", 1, 30);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->Wait(seconds(60)), 0) << testing::ReadFile(p->log_path());
  auto read = testing::ReadTopic(bootstrap(), topic, seconds(30));
  ASSERT_TRUE(read.ok()) << read.status();
  std::vector<testing::Record> records = *read;
  std::sort(records.begin(), records.end(),
            [](const auto& a, const auto& b) { return a.offset < b.offset; });
  ASSERT_EQ(records.size(), 30u);  // one thread: offset i holds seq i+1

  std::string out;
  EXPECT_EQ(Verify(Copy(bootstrap(), records), &out), 0) << out;

  // What an inspector lists: the 30 records, in seq order, as JSON.
  std::string listed;
  ASSERT_EQ(testing::RunShell(
                StrCat(testing::Runfile("tools/fruitctl/fruitctl"),
                       " audit list --bootstrap ", bootstrap(), " --topic ",
                       topic, " --principal OIG --writer ", writer),
                &listed),
            0)
      << listed;
  // (Kafka's warnings, if any, come on the same output: count records.)
  int lines = 0;
  for (size_t at = listed.find("{\"seq\":"); at != std::string::npos;
       at = listed.find("{\"seq\":", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 30) << listed;
  // The first record listed is seq 1.
  EXPECT_EQ(listed.find("{\"seq\":\"1\",\"writer\":\"gateway@tamper\","
                        "\"principal\":\"OIG\",\"action\":\"test-append\""),
            listed.find("{\"seq\":"))
      << listed;
  std::string none;
  ASSERT_EQ(
      testing::RunShell(StrCat(testing::Runfile("tools/fruitctl/fruitctl"),
                               " audit list --bootstrap ", bootstrap(),
                               " --topic ", topic, " --principal DEA"),
                        &none),
      0);
  EXPECT_EQ(none.find("{\"seq\":"), std::string::npos) << none;

  auto deleted = records;
  deleted.erase(deleted.begin() + 10);
  EXPECT_EQ(Verify(Copy(bootstrap(), deleted), &out), 1) << out;
  EXPECT_NE(out.find("writer gateway@tamper: seq 11 missing"),
            std::string::npos)
      << out;

  auto edited = records;
  v1::AuditRecord r;
  ASSERT_TRUE(r.ParseFromString(edited[10].value));
  r.set_principal("PUBLIC");  // hide who read it
  edited[10].value = audit::Serialize(r);
  EXPECT_EQ(Verify(Copy(bootstrap(), edited), &out), 1) << out;
  EXPECT_NE(out.find("writer gateway@tamper: seq 12: prev_sha256 does not "
                     "match seq 11"),
            std::string::npos)
      << out;

  auto swapped = records;
  std::swap(swapped[10], swapped[11]);
  EXPECT_EQ(Verify(Copy(bootstrap(), swapped), &out), 1) << out;
  EXPECT_NE(out.find("writer gateway@tamper: seq 11 out of order at "
                     "partition 0 offset 11"),
            std::string::npos)
      << out;
}

TEST_F(AuditIntegrationTest, BrokerDownIsUnavailableThenTheChainResumes) {
  auto own = testing::Broker::StartOwn();
  ASSERT_TRUE(own.ok()) << own.status();
  const std::string topic = "fruition.audit.v1";
  ASSERT_TRUE(kafka::EnsureTopics((*own)->bootstrap(), {}, {{topic, 3, 1, {}}},
                                  seconds(15))
                  .ok());
  audit::KafkaTrailOptions options;
  options.producer.bootstrap_servers = (*own)->bootstrap();
  options.producer.delivery_timeout_ms = 3000;
  options.topic = topic;
  options.writer = "gateway@down";
  options.resync_interval = milliseconds(500);
  options.read_timeout = seconds(5);
  auto trail = audit::KafkaTrail::Open(options);
  ASSERT_TRUE(trail.ok()) << trail.status();
  const audit::Entry entry{"OIG", "GET /api/v1/events", {"event:E1"}};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*trail)->Append(entry).ok());

  ASSERT_TRUE((*own)->Stop().ok());
  auto start = std::chrono::steady_clock::now();
  absl::Status down = (*trail)->Append(entry);
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(6));
  // Broken: the next one fails at once, without waiting for the broker.
  start = std::chrono::steady_clock::now();
  EXPECT_EQ((*trail)->Append(entry).code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(300));

  ASSERT_TRUE((*own)->Restart().ok());
  EXPECT_TRUE(testing::WaitUntil([&] { return (*trail)->Append(entry).ok(); },
                                 seconds(60)));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*trail)->Append(entry).ok());

  kafka::ConsumerOptions consumer;
  consumer.bootstrap_servers = (*own)->bootstrap();
  auto records = audit::ReadTopic(consumer, topic, seconds(30));
  ASSERT_TRUE(records.ok()) << records.status();
  const audit::Verdict v = audit::Verify(*records);
  EXPECT_TRUE(v.breaks.empty()) << v.breaks[0];
  EXPECT_GE(v.records, 21);  // every acknowledged append, at least
}

}  // namespace
}  // namespace fruition
