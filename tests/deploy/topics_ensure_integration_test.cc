// `fruitctl topics ensure` against a real Kafka broker (tools/kafka-local):
// the first run creates every topic of SPEC §7 with the wanted settings, the
// second finds them all correct and changes nothing, and a topic created
// with other settings is reported as a MISMATCH and left alone. Skipped,
// with the reason, where Java/Maven are missing.
//
// Every test uses its own topic prefix (--topic-prefix, a testing-only
// flag), so the shared broker's other topics do not matter.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/kafka/admin.h"
#include "services/common/strings.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/harness.h"

namespace fruition {
namespace {

using std::chrono::seconds;

const std::vector<std::string>& TopicNames() {
  static const auto* names =
      new std::vector<std::string>{"fruition.reports.v1",
                                   "fruition.reference.v1",
                                   "fruition.link-assessments.v1",
                                   "fruition.scores.v1",
                                   "fruition.scoring.contributions",
                                   "fruition.scoring.public-base",
                                   "fruition.scores.public.v1",
                                   "fruition.scoring.case-members",
                                   "fruition.scoring.case-facts",
                                   "fruition.oversight.public.v1",
                                   "fruition.oversight.restricted.v1",
                                   "fruition.audit.v1"};
  return *names;
}

// The table line of `topic` in fruitctl's output ("" if none).
std::string LineOf(const std::string& output, const std::string& topic) {
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(start, end - start);
    if (line.rfind(topic + " ", 0) == 0) return line;
    start = end + 1;
  }
  return "";
}

class TopicsEnsureIntegrationTest
    : public testing::BrokerSuite<TopicsEnsureIntegrationTest> {
 protected:
  static void SetUpTestSuite() { SetUpBroker(); }

  void SetUp() override {
    BrokerSuite::SetUp();
    if (IsSkipped()) return;
    prefix_ = StrCat("deploytest-", testing::Nonce(), ".");
  }

  // Runs `fruitctl topics ensure` on the shared single-node broker (so
  // replication 1) with this test's prefix; returns the exit code.
  int Ensure(const std::string& extra, std::string* output) {
    const std::string command = StrCat(
        testing::Runfile("tools/fruitctl/fruitctl"),
        " topics ensure --bootstrap ", bootstrap(), " --topic-prefix ", prefix_,
        " --partitions 3 --replication-factor 1"
        " --min-insync-replicas 1 ",
        extra);
    return testing::RunShell(command, output);
  }

  std::string prefix_;
};

TEST_F(TopicsEnsureIntegrationTest, FirstRunCreatesSecondRunFindsAllCorrect) {
  std::string out;
  ASSERT_EQ(Ensure("", &out), 0) << out;
  for (const std::string& name : TopicNames()) {
    const std::string line = LineOf(out, prefix_ + name);
    ASSERT_FALSE(line.empty()) << name << " missing from:\n" << out;
    EXPECT_NE(line.find("created"), std::string::npos) << line;
    EXPECT_NE(line.find("unlimited"), std::string::npos) << line;
  }
  EXPECT_NE(out.find("all 12 topics correct (12 created, 0 already correct)"),
            std::string::npos)
      << out;

  // What the broker itself says about the new topics.
  std::vector<std::string> names;
  for (const std::string& name : TopicNames()) names.push_back(prefix_ + name);
  auto described = kafka::DescribeTopics(bootstrap(), {}, names, seconds(15));
  ASSERT_TRUE(described.ok()) << described.status();
  ASSERT_EQ(described->size(), names.size());
  for (const auto& [name, d] : *described) {
    EXPECT_EQ(d.partitions, 3) << name;
    EXPECT_EQ(d.replication_factor, 1) << name;
    EXPECT_EQ(d.config.at("retention.ms"), "-1") << name;
    EXPECT_EQ(d.config.at("retention.bytes"), "-1") << name;
    EXPECT_EQ(d.config.at("cleanup.policy"), "delete") << name;
    EXPECT_EQ(d.config.at("min.insync.replicas"), "1") << name;
  }

  std::string again;
  ASSERT_EQ(Ensure("", &again), 0) << again;
  for (const std::string& name : TopicNames()) {
    const std::string line = LineOf(again, prefix_ + name);
    ASSERT_FALSE(line.empty()) << name << " missing from:\n" << again;
    EXPECT_EQ(line.substr(line.size() - 2), "ok") << line;
  }
  EXPECT_NE(again.find("all 12 topics correct (0 created, 12 already correct)"),
            std::string::npos)
      << again;
}

// A service that created its topics a moment ago asks their partition
// counts (the reconciler checks they are co-partitioned): a topic the broker
// does not know yet is waited for until the timeout, not reported missing at
// once (the 60-s soak's three-broker cluster answered "does not exist" to a
// reconciler right after its --create-topics); a topic that never comes is
// NOT_FOUND.
TEST_F(TopicsEnsureIntegrationTest, PartitionCountWaitsForATopicBeingCreated) {
  const std::string name = prefix_ + "late";
  std::thread creator([&] {
    std::this_thread::sleep_for(seconds(2));
    EXPECT_TRUE(
        kafka::EnsureTopics(bootstrap(), {}, {{name, 5, 1, {}}}, seconds(15))
            .ok());
  });
  auto n = kafka::PartitionCount(bootstrap(), {}, name, seconds(30));
  creator.join();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 5);
  auto absent = kafka::PartitionCount(bootstrap(), {}, prefix_ + "never",
                                      std::chrono::milliseconds(1500));
  EXPECT_EQ(absent.status().code(), absl::StatusCode::kNotFound)
      << absent.status();
}

TEST_F(TopicsEnsureIntegrationTest, TopicWithOtherSettingsIsAMismatch) {
  // An operator created the scores topic by hand with 2 partitions and a
  // retention of one day.
  const std::string scores = prefix_ + "fruition.scores.v1";
  ASSERT_TRUE(kafka::EnsureTopics(
                  bootstrap(), {},
                  {{scores, 2, 1, {{"retention.ms", "86400000"}}}}, seconds(15))
                  .ok());
  std::string out;
  EXPECT_EQ(Ensure("", &out), 1) << out;
  const std::string line = LineOf(out, scores);
  EXPECT_NE(line.find("MISMATCH: partitions 2, want 3"), std::string::npos)
      << out;
  EXPECT_NE(line.find("retention.ms 86400000, want -1"), std::string::npos)
      << out;
  EXPECT_NE(out.find("1 of 12 topics do not have the settings"),
            std::string::npos)
      << out;
  // The others were created all the same, and the scores topic kept its
  // partitions.
  EXPECT_NE(LineOf(out, prefix_ + "fruition.reports.v1").find("created"),
            std::string::npos)
      << out;
  auto layouts = kafka::TopicLayouts(bootstrap(), {}, {scores}, seconds(15));
  ASSERT_TRUE(layouts.ok()) << layouts.status();
  EXPECT_EQ(layouts->at(scores).partitions, 2);
}

TEST_F(TopicsEnsureIntegrationTest, ImpossibleReplicationIsAClearError) {
  std::string out;
  const std::string command =
      StrCat(testing::Runfile("tools/fruitctl/fruitctl"),
             " topics ensure --bootstrap ", bootstrap(), " --topic-prefix ",
             prefix_, " --replication-factor 3 --min-insync-replicas 2");
  EXPECT_EQ(testing::RunShell(command, &out), 1) << out;
  EXPECT_NE(out.find("fruitctl topics ensure: kafka: create topic"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("eplication"), std::string::npos) << out;
}

TEST_F(TopicsEnsureIntegrationTest, UsageErrorsExitTwo) {
  std::string out;
  EXPECT_EQ(
      testing::RunShell(
          StrCat(testing::Runfile("tools/fruitctl/fruitctl"), " topics ensure"),
          &out),
      2)
      << out;
  EXPECT_NE(out.find("--bootstrap"), std::string::npos) << out;
  EXPECT_EQ(testing::RunShell(
                StrCat(testing::Runfile("tools/fruitctl/fruitctl"),
                       " topics ensure --bootstrap ", bootstrap(),
                       " --replication-factor 1 --min-insync-replicas 2"),
                &out),
            2)
      << out;
  EXPECT_NE(out.find("--min-insync-replicas"), std::string::npos) << out;
}

}  // namespace
}  // namespace fruition
