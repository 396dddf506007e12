#include "services/common/topics.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace fruition::topics {
namespace {

std::vector<std::string> Names(const std::vector<const Topic*>& topics) {
  std::vector<std::string> out;
  out.reserve(topics.size());
  for (const Topic* t : topics) out.emplace_back(t->name);
  return out;
}

// Every topic name constant has its catalogue entry, once.
TEST(TopicsTest, EveryTopicConstantIsInTheCatalogueOnce) {
  const std::vector<std::string_view> constants = {kReports,
                                                   kReference,
                                                   kLinkAssessments,
                                                   kScores,
                                                   kScoringContributions,
                                                   kScoresPublic,
                                                   kScoringPublicBase,
                                                   kScoringCaseMembers,
                                                   kScoringCaseFacts,
                                                   kOversightPublic,
                                                   kOversightRestricted,
                                                   kAudit};
  std::set<std::string_view> names;
  for (const Topic& t : Catalogue()) {
    EXPECT_TRUE(names.insert(t.name).second) << "twice: " << t.name;
  }
  for (std::string_view c : constants) {
    const Topic* t = Find(c);
    ASSERT_NE(t, nullptr) << c;
    EXPECT_EQ(t->name, c);
  }
  EXPECT_EQ(names.size(), constants.size());
  EXPECT_EQ(Find("fruition.unknown.v1"), nullptr);
}

// Every entry says its key, is written by one service and read by some, and
// keeps everything: each topic is the input of some service's state. The
// audit trail is the exception: every service writes it, an inspector reads
// it, and it too is kept forever.
TEST(TopicsTest, EveryEntryIsCompleteAndKeepsEverything) {
  const std::set<std::string_view> services = {kIntake, kEvidence, kScoring,
                                               kReconciler, kGateway};
  for (const Topic& t : Catalogue()) {
    EXPECT_FALSE(t.key.empty()) << t.name;
    if (t.name == kAudit) {
      EXPECT_EQ(std::set<std::string_view>(t.writers.begin(), t.writers.end()),
                services);
      EXPECT_TRUE(t.readers.empty());
    } else {
      ASSERT_EQ(t.writers.size(), 1u) << t.name;
      EXPECT_FALSE(t.readers.empty()) << t.name;
    }
    for (auto s : t.writers) EXPECT_EQ(services.count(s), 1u) << t.name;
    for (auto s : t.readers) EXPECT_EQ(services.count(s), 1u) << t.name;
    EXPECT_EQ(t.retention_ms, -1) << t.name;
    EXPECT_EQ(t.retention_bytes, -1) << t.name;
    EXPECT_EQ(t.cleanup_policy, "delete") << t.name;
    EXPECT_GE(t.replication_factor, t.min_insync_replicas) << t.name;
  }
}

// What each service creates with --create-topics: the topics it reads or
// writes (before the catalogue, five hand-written lists of these).
TEST(TopicsTest, EachServiceHasTheTopicsItReadsOrWrites) {
  using V = std::vector<std::string>;
  EXPECT_EQ(
      Names(TopicsOf(kIntake)),
      (V{"fruition.reports.v1", "fruition.reference.v1", "fruition.audit.v1"}));
  EXPECT_EQ(Names(TopicsOf(kEvidence)),
            (V{"fruition.reports.v1", "fruition.reference.v1",
               "fruition.link-assessments.v1", "fruition.audit.v1"}));
  EXPECT_EQ(Names(TopicsOf(kScoring)),
            (V{"fruition.reports.v1", "fruition.reference.v1",
               "fruition.link-assessments.v1", "fruition.scores.v1",
               "fruition.scoring.contributions", "fruition.scoring.public-base",
               "fruition.scores.public.v1", "fruition.scoring.case-members",
               "fruition.scoring.case-facts", "fruition.audit.v1"}));
  EXPECT_EQ(Names(TopicsOf(kReconciler)),
            (V{"fruition.reports.v1", "fruition.reference.v1",
               "fruition.link-assessments.v1", "fruition.scores.v1",
               "fruition.scores.public.v1", "fruition.oversight.public.v1",
               "fruition.oversight.restricted.v1", "fruition.audit.v1"}));
  EXPECT_EQ(Names(TopicsOf(kGateway)),
            (V{"fruition.scores.v1", "fruition.scores.public.v1",
               "fruition.oversight.public.v1",
               "fruition.oversight.restricted.v1", "fruition.audit.v1"}));
}

TEST(TopicsTest, TopicConfigSetsMinInsyncOnlyWhenGiven) {
  const Topic& reports = *Find(kReports);
  auto config = TopicConfig(reports, 2);
  EXPECT_EQ(config.at(kRetentionMs), "-1");
  EXPECT_EQ(config.at(kRetentionBytes), "-1");
  EXPECT_EQ(config.at(kCleanupPolicy), "delete");
  EXPECT_EQ(config.at(kMinInsync), "2");
  EXPECT_EQ(TopicConfig(reports, 0).count(kMinInsync), 0u);
}

}  // namespace
}  // namespace fruition::topics
