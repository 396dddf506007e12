#include "tools/fruitctl/topics.h"

#include <algorithm>
#include <set>

#include "gtest/gtest.h"

namespace fruition::fruitctl {
namespace {

using std::chrono::milliseconds;

// A cluster in memory: what Create was given is what Describe reports (with
// the broker defaults `defaults` for configs a topic does not set).
class FakeAdmin : public TopicAdmin {
 public:
  absl::StatusOr<std::map<std::string, kafka::TopicDescription>> Describe(
      const std::vector<std::string>& names) override {
    ++describes;
    if (!describe_error.ok()) return describe_error;
    std::map<std::string, kafka::TopicDescription> out;
    for (const auto& name : names) {
      if (invisible_for > 0 && fresh.count(name) > 0) continue;
      auto it = topics.find(name);
      if (it != topics.end()) out[name] = it->second;
    }
    if (invisible_for > 0) --invisible_for;
    return out;
  }

  absl::Status Create(const std::vector<kafka::TopicSpec>& specs) override {
    if (!create_error.ok()) return create_error;
    for (const auto& spec : specs) {
      created.push_back(spec.name);
      fresh.insert(spec.name);
      kafka::TopicDescription d;
      d.name = spec.name;
      d.partitions = spec.partitions;
      d.replication_factor = spec.replication_factor;
      d.config = defaults;
      for (const auto& [k, v] : spec.config) d.config[k] = v;
      topics[spec.name] = d;
    }
    return absl::OkStatus();
  }

  // Adds an existing topic as `spec` would create it.
  void Add(const kafka::TopicSpec& spec) {
    kafka::TopicDescription d;
    d.name = spec.name;
    d.partitions = spec.partitions;
    d.replication_factor = spec.replication_factor;
    d.config = defaults;
    for (const auto& [k, v] : spec.config) d.config[k] = v;
    topics[spec.name] = d;
  }

  std::map<std::string, std::string> defaults = {
      {"retention.ms", "604800000"},
      {"retention.bytes", "-1"},
      {"cleanup.policy", "delete"},
      {"min.insync.replicas", "1"},
      {"segment.bytes", "1073741824"}};
  std::map<std::string, kafka::TopicDescription> topics;
  std::vector<std::string> created;
  std::set<std::string> fresh;
  int invisible_for = 0;  // Describe calls that do not see fresh topics yet
  int describes = 0;
  absl::Status describe_error = absl::OkStatus();
  absl::Status create_error = absl::OkStatus();
};

TopicsOptions Options() {
  TopicsOptions o;
  o.partitions = 12;
  o.replication_factor = 3;
  o.min_insync_replicas = 2;
  return o;
}

TEST(TopicsTest, WantedTopicsAreSpecSevenWithTheSameSettings) {
  const auto wanted = WantedTopics(Options());
  std::vector<std::string> names;
  for (const auto& t : wanted) {
    names.push_back(t.name);
    EXPECT_EQ(t.partitions, 12) << t.name;
    EXPECT_EQ(t.replication_factor, 3) << t.name;
    EXPECT_EQ(t.config.at("retention.ms"), "-1") << t.name;
    EXPECT_EQ(t.config.at("retention.bytes"), "-1") << t.name;
    EXPECT_EQ(t.config.at("cleanup.policy"), "delete") << t.name;
    EXPECT_EQ(t.config.at("min.insync.replicas"), "2") << t.name;
  }
  EXPECT_EQ(
      names,
      (std::vector<std::string>{
          "fruition.reports.v1", "fruition.reference.v1",
          "fruition.link-assessments.v1", "fruition.scores.v1",
          "fruition.scoring.contributions", "fruition.scoring.public-base",
          "fruition.scores.public.v1", "fruition.scoring.case-members",
          "fruition.scoring.case-facts", "fruition.oversight.public.v1",
          "fruition.oversight.restricted.v1", "fruition.audit.v1"}));
}

TEST(TopicsTest, PrefixIsPrependedToEveryName) {
  TopicsOptions o = Options();
  o.topic_prefix = "t-abc.";
  for (const auto& t : WantedTopics(o)) {
    EXPECT_EQ(t.name.rfind("t-abc.fruition.", 0), 0u) << t.name;
  }
}

TEST(TopicsTest, ValidateRejectsMoreInsyncReplicasThanReplicas) {
  TopicsOptions o = Options();
  o.min_insync_replicas = 4;
  const absl::Status s = Validate(o);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--min-insync-replicas"), std::string::npos);
  o.min_insync_replicas = 3;
  EXPECT_TRUE(Validate(o).ok());
  o.partitions = 0;
  EXPECT_NE(Validate(o).message().find("--partitions"), std::string::npos);
}

TEST(TopicsTest, FirstRunCreatesEveryTopicSecondRunFindsThemOk) {
  FakeAdmin admin;
  const auto wanted = WantedTopics(Options());
  auto first = EnsureTopics(&admin, wanted, milliseconds(1000));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), wanted.size());
  for (const auto& row : *first) {
    EXPECT_EQ(row.status, TopicStatus::kCreated) << row.want.name;
  }
  EXPECT_EQ(admin.created.size(), wanted.size());
  EXPECT_TRUE(AllCorrect(*first));

  auto second = EnsureTopics(&admin, wanted, milliseconds(1000));
  ASSERT_TRUE(second.ok()) << second.status();
  for (const auto& row : *second) {
    EXPECT_EQ(row.status, TopicStatus::kOk) << row.want.name;
  }
  EXPECT_EQ(admin.created.size(), wanted.size()) << "nothing created again";
  EXPECT_TRUE(AllCorrect(*second));
}

TEST(TopicsTest, CreatesOnlyTheMissingTopics) {
  FakeAdmin admin;
  const auto wanted = WantedTopics(Options());
  admin.Add(wanted[0]);
  admin.Add(wanted[3]);
  auto rows = EnsureTopics(&admin, wanted, milliseconds(1000));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0].status, TopicStatus::kOk);
  EXPECT_EQ((*rows)[3].status, TopicStatus::kOk);
  EXPECT_EQ((*rows)[1].status, TopicStatus::kCreated);
  EXPECT_EQ(admin.created.size(), wanted.size() - 2);
}

TEST(TopicsTest, ExistingTopicWithOtherSettingsIsAMismatchAndLeftAlone) {
  FakeAdmin admin;
  const auto wanted = WantedTopics(Options());
  kafka::TopicSpec odd = wanted[2];  // link assessments
  odd.partitions = 6;
  odd.config.erase("retention.ms");  // broker default: 7 days
  odd.config["min.insync.replicas"] = "1";
  admin.Add(odd);
  auto rows = EnsureTopics(&admin, wanted, milliseconds(1000));
  ASSERT_TRUE(rows.ok()) << rows.status();
  const TopicRow& row = (*rows)[2];
  EXPECT_EQ(row.status, TopicStatus::kMismatch);
  EXPECT_EQ(row.differences,
            (std::vector<std::string>{"partitions 6, want 12",
                                      "min.insync.replicas 1, want 2",
                                      "retention.ms 604800000, want -1"}));
  EXPECT_FALSE(AllCorrect(*rows));
  EXPECT_EQ(admin.topics.at(odd.name).partitions, 6) << "not changed";
  const std::string table = FormatTable(*rows);
  EXPECT_NE(table.find("MISMATCH: partitions 6, want 12; min.insync.replicas "
                       "1, want 2; retention.ms 604800000, want -1"),
            std::string::npos)
      << table;
}

TEST(TopicsTest, CompactedTopicIsAMismatch) {
  FakeAdmin admin;
  const auto wanted = WantedTopics(Options());
  kafka::TopicSpec compacted = wanted[0];
  compacted.config["cleanup.policy"] = "compact";
  admin.Add(compacted);
  auto rows = EnsureTopics(&admin, wanted, milliseconds(1000));
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].differences,
            (std::vector<std::string>{"cleanup.policy compact, want delete"}));
}

TEST(TopicsTest, LowerReplicationIsAMismatch) {
  FakeAdmin admin;
  const auto wanted = WantedTopics(Options());
  kafka::TopicSpec thin = wanted[4];
  thin.replication_factor = 1;
  admin.Add(thin);
  auto rows = EnsureTopics(&admin, wanted, milliseconds(1000));
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[4].differences,
            (std::vector<std::string>{"replication 1, want 3"}));
}

TEST(TopicsTest, WaitsUntilCreatedTopicsAreVisible) {
  FakeAdmin admin;
  admin.invisible_for = 3;  // the first Describe, then two after Create
  auto rows = EnsureTopics(&admin, WantedTopics(Options()), milliseconds(5000));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_TRUE(AllCorrect(*rows));
  EXPECT_GE(admin.describes, 4);
}

TEST(TopicsTest, CreatedTopicThatNeverAppearsIsMissing) {
  FakeAdmin admin;
  admin.invisible_for = 1000000;
  auto rows = EnsureTopics(&admin, WantedTopics(Options()), milliseconds(300));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0].status, TopicStatus::kMissing);
  EXPECT_FALSE(AllCorrect(*rows));
  EXPECT_NE(FormatTable(*rows).find("MISSING"), std::string::npos);
}

TEST(TopicsTest, KafkaErrorsAreReturned) {
  FakeAdmin admin;
  admin.create_error =
      absl::UnavailableError("kafka: create topic x: Invalid replication");
  auto rows = EnsureTopics(&admin, WantedTopics(Options()), milliseconds(300));
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(rows.status().message().find("Invalid replication"),
            std::string::npos);

  FakeAdmin down;
  down.describe_error = absl::UnavailableError("kafka: metadata: timed out");
  rows = EnsureTopics(&down, WantedTopics(Options()), milliseconds(300));
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(down.created.empty());
}

TEST(TopicsTest, TableHasOneAlignedLinePerTopic) {
  FakeAdmin admin;
  auto rows = EnsureTopics(&admin, WantedTopics(Options()), milliseconds(300));
  ASSERT_TRUE(rows.ok());
  const std::string table = FormatTable(*rows);
  EXPECT_EQ(table.rfind("TOPIC ", 0), 0u) << table;
  EXPECT_NE(table.find("MIN.INSYNC.REPLICAS"), std::string::npos);
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'),
            13);  // a header and 12 topics
  // fruition.oversight.restricted.v1 is the longest name: the PARTITIONS
  // column starts two spaces after it on every line.
  const size_t column = std::string("fruition.oversight.restricted.v1").size();
  size_t start = 0;
  while (start < table.size()) {
    const std::string line =
        table.substr(start, table.find('\n', start) - start);
    EXPECT_EQ(line.find_first_not_of(' ', column + 2), column + 2) << line;
    start = table.find('\n', start) + 1;
    if (line.rfind("TOPIC", 0) == 0) continue;
    EXPECT_NE(line.find("unlimited"), std::string::npos) << line;
    EXPECT_NE(line.find("created"), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace fruition::fruitctl
