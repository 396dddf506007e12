#include "services/common/kafka/admin.h"

#include "gtest/gtest.h"
#include "services/common/kafka/mock_cluster.h"

namespace fruition::kafka {
namespace {

using std::chrono::milliseconds;

// Partitions and replicas come from the cluster's metadata; topics that do
// not exist are absent, and describing them does not create them.
TEST(AdminTest, TopicLayoutsReportsPartitionsAndReplicas) {
  auto mock = MockCluster::Start(3);
  ASSERT_TRUE(mock.ok()) << mock.status();
  ASSERT_TRUE(
      (*mock)->CreateTopics({{"t.six", 6, 3, {}}, {"t.one", 1, 1, {}}}).ok());
  const std::string& bootstrap = (*mock)->bootstrap_servers();
  auto layouts = TopicLayouts(bootstrap, {}, {"t.six", "t.one", "t.absent"},
                              milliseconds(5000));
  ASSERT_TRUE(layouts.ok()) << layouts.status();
  ASSERT_EQ(layouts->size(), 2u);
  EXPECT_EQ(layouts->at("t.six").partitions, 6);
  EXPECT_EQ(layouts->at("t.six").replication_factor, 3);
  EXPECT_EQ(layouts->at("t.one").partitions, 1);
  EXPECT_TRUE(layouts->at("t.six").config.empty());
  // The mock cluster auto-creates a topic that a metadata request names;
  // listing all topics does not, so t.absent is still absent.
  auto again = TopicLayouts(bootstrap, {}, {"t.absent"}, milliseconds(5000));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->empty());
}

TEST(AdminTest, UnreachableClusterIsUnavailable) {
  auto mock = MockCluster::Start(1);
  ASSERT_TRUE(mock.ok()) << mock.status();
  std::string bootstrap = (*mock)->bootstrap_servers();
  mock->reset();  // the port is closed now
  auto layouts = TopicLayouts(bootstrap, {}, {"t"}, milliseconds(1500));
  EXPECT_EQ(layouts.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(layouts.status().message().find(bootstrap), std::string::npos)
      << layouts.status();
  auto described = DescribeTopics(bootstrap, {}, {"t"}, milliseconds(1500));
  EXPECT_EQ(described.status().code(), absl::StatusCode::kUnavailable);
}

TEST(AdminTest, BadPropertyIsInvalidArgument) {
  auto layouts = TopicLayouts("127.0.0.1:1", {{"no.such.property", "1"}}, {"t"},
                              milliseconds(1000));
  EXPECT_EQ(layouts.status().code(), absl::StatusCode::kInvalidArgument);
}

// A service's --create-topics specs are its catalogue entries with the
// deployment's partitions and replication, and min.insync.replicas capped at
// the replication (a one-broker cluster could not write otherwise).
TEST(AdminTest, ServiceTopicsAreTheCatalogueEntriesUnderTheLayout) {
  const auto specs = ServiceTopics(topics::kEvidence, 6, 1);
  std::vector<std::string> names;
  for (const TopicSpec& spec : specs) {
    names.push_back(spec.name);
    EXPECT_EQ(spec.partitions, 6) << spec.name;
    EXPECT_EQ(spec.replication_factor, 1) << spec.name;
    // The catalogue's retention and cleanup, min.insync.replicas 1 (not 2).
    EXPECT_EQ(spec.config, topics::TopicConfig(*topics::Find(spec.name), 1))
        << spec.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "fruition.reports.v1", "fruition.reference.v1",
                       "fruition.link-assessments.v1", "fruition.audit.v1"}));
}

// Unset layout fields keep the catalogue's defaults; the prefix is prepended.
TEST(AdminTest, CatalogueSpecsKeepDefaultsAndPrefix) {
  TopicLayout layout;
  layout.prefix = "t.";
  const auto specs = CatalogueSpecs(layout);
  ASSERT_EQ(specs.size(), topics::Catalogue().size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const topics::Topic& t = topics::Catalogue()[i];
    EXPECT_EQ(specs[i].name, "t." + std::string(t.name));
    EXPECT_EQ(specs[i].partitions, t.partitions);
    EXPECT_EQ(specs[i].replication_factor, t.replication_factor);
    EXPECT_EQ(specs[i].config.at("min.insync.replicas"),
              std::to_string(t.min_insync_replicas));
  }
}

}  // namespace
}  // namespace fruition::kafka
