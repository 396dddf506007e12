#include "services/common/topics.h"

#include <algorithm>
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
// audit trail is the exception: every service writes it (and reads back its
// own chain's head), an inspector reads it, and it too is kept forever.
TEST(TopicsTest, EveryEntryIsCompleteAndKeepsEverything) {
  const std::set<std::string_view> services = {kIntake, kEvidence, kScoring,
                                               kReconciler, kGateway};
  for (const Topic& t : Catalogue()) {
    EXPECT_FALSE(t.key.empty()) << t.name;
    if (t.name == kAudit) {
      EXPECT_EQ(std::set<std::string_view>(t.writers.begin(), t.writers.end()),
                services);
      EXPECT_EQ(std::set<std::string_view>(t.readers.begin(), t.readers.end()),
                services);
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
               "fruition.scoring.case-facts", "fruition.oversight.public.v1",
               "fruition.oversight.restricted.v1", "fruition.audit.v1"}));
  EXPECT_EQ(Names(TopicsOf(kReconciler)),
            (V{"fruition.reports.v1", "fruition.reference.v1",
               "fruition.link-assessments.v1", "fruition.scores.v1",
               "fruition.scores.public.v1", "fruition.oversight.public.v1",
               "fruition.oversight.restricted.v1", "fruition.audit.v1"}));
  EXPECT_EQ(Names(TopicsOf(kGateway)),
            (V{"fruition.reference.v1", "fruition.scores.v1",
               "fruition.scores.public.v1", "fruition.oversight.public.v1",
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

// ---- ACLs ----

// What `principal` may do on topic `name` (empty: nothing).
std::set<std::string_view> TopicOps(std::string_view principal,
                                    std::string_view name) {
  for (const Acl& acl : AclsOf(principal)) {
    if (acl.resource == AclResource::kTopic &&
        acl.pattern == AclPattern::kLiteral && acl.name == name) {
      return {acl.operations.begin(), acl.operations.end()};
    }
  }
  return {};
}

// The topics `principal` may `op` (Read or Write), by literal ACL.
std::set<std::string> TopicsWith(std::string_view principal,
                                 std::string_view op) {
  std::set<std::string> out;
  for (const Acl& acl : AclsOf(principal)) {
    if (acl.resource != AclResource::kTopic) continue;
    for (std::string_view o : acl.operations) {
      if (o == op) out.insert(acl.name);
    }
  }
  return out;
}

// The rules: intake writes reports and reference; the gateway only
// reads scores, oversight topics and reference (SPEC §11: the responses,
// decisions and budget lines it shows beside events; no sealed text is
// ever on it) and writes the audit trail; nobody
// but evidence writes link assessments, and the internet-facing gateway
// reads neither reports (sealed evidence text) nor link assessments.
TEST(AclsTest, EachServiceWritesOnlyItsOutputsAndReadsOnlyItsInputs) {
  using S = std::set<std::string>;
  EXPECT_EQ(
      TopicsWith(kIntake, "Write"),
      (S{"fruition.reports.v1", "fruition.reference.v1", "fruition.audit.v1"}));
  EXPECT_EQ(TopicsWith(kGateway, "Write"), (S{"fruition.audit.v1"}));
  EXPECT_EQ(TopicsWith(kGateway, "Read"),
            (S{"fruition.reference.v1", "fruition.scores.v1",
               "fruition.scores.public.v1", "fruition.oversight.public.v1",
               "fruition.oversight.restricted.v1", "fruition.audit.v1"}));
  EXPECT_EQ(TopicsWith(kEvidence, "Write"),
            (S{"fruition.link-assessments.v1", "fruition.audit.v1"}));
  EXPECT_EQ(
      TopicsWith(kEvidence, "Read"),
      (S{"fruition.reports.v1", "fruition.reference.v1", "fruition.audit.v1"}));
  // Scoring reads back the public views it writes (the version rule across
  // instances).
  EXPECT_EQ(TopicOps(kScoring, kScoresPublic),
            (std::set<std::string_view>{"Read", "Write", "Describe"}));
  // Scoring reads the oversight topics (SPEC §11 conditions_raised, ...)
  // and never writes them.
  for (std::string_view t : {kOversightPublic, kOversightRestricted}) {
    EXPECT_EQ(TopicOps(kScoring, t),
              (std::set<std::string_view>{"Read", "Describe"}))
        << t;
  }
  EXPECT_EQ(TopicsWith(kReconciler, "Write"),
            (S{"fruition.oversight.public.v1",
               "fruition.oversight.restricted.v1", "fruition.audit.v1"}));
  for (std::string_view p : Principals()) {
    const auto ops = TopicOps(p, kLinkAssessments);
    const bool reads = p == kScoring || p == kReconciler;
    EXPECT_EQ(ops.count("Read"), reads ? 1u : 0u) << p;
    EXPECT_EQ(ops.count("Write"), p == kEvidence ? 1u : 0u) << p;
    EXPECT_EQ(TopicOps(p, kReports).count("Write"), p == kIntake ? 1u : 0u)
        << p;
    // The audit trail: every service appends (and reads its chain's head
    // back), the operator reads it all and writes nothing.
    EXPECT_EQ(TopicOps(p, kAudit).count("Read"), 1u) << p;
    EXPECT_EQ(TopicOps(p, kAudit).count("Write"), p == kOperator ? 0u : 1u)
        << p;
  }
}

// Every grant of a topic matches the catalogue's readers and writers, so a
// service that starts reading a topic is granted it by adding it there.
TEST(AclsTest, TopicGrantsAreTheCataloguesReadersAndWriters) {
  for (std::string_view p : Principals()) {
    if (p == kOperator) continue;
    for (const Topic& t : Catalogue()) {
      const auto ops = TopicOps(p, t.name);
      const bool reads = std::count(t.readers.begin(), t.readers.end(), p);
      const bool writes = std::count(t.writers.begin(), t.writers.end(), p);
      EXPECT_EQ(ops.count("Read") == 1, reads) << p << " " << t.name;
      EXPECT_EQ(ops.count("Write") == 1, writes) << p << " " << t.name;
      EXPECT_EQ(ops.count("Describe") == 1, reads || writes)
          << p << " " << t.name;
    }
  }
}

// No service may create topics, change configs or ACLs, or act on the
// cluster beyond idempotent writes; group members (the services that
// commit offsets in transactions) get their groups and transactional ids
// by the prefix their client ids and default --group-id start with.
TEST(AclsTest, ServicesGetNoAdminRightsAndTheirOwnGroupsAndTransactions) {
  for (std::string_view p : Principals()) {
    if (p == kOperator) continue;
    bool group = false;
    bool transactions = false;
    for (const Acl& acl : AclsOf(p)) {
      for (std::string_view op : acl.operations) {
        EXPECT_TRUE(op == "Read" || op == "Write" || op == "Describe" ||
                    op == "IdempotentWrite")
            << p << " " << op;
      }
      if (acl.resource == AclResource::kCluster) {
        EXPECT_EQ(acl.operations,
                  std::vector<std::string_view>{"IdempotentWrite"});
      }
      if (acl.resource == AclResource::kTopic) {
        EXPECT_EQ(acl.pattern, AclPattern::kLiteral) << p;
      }
      const std::string own = "fruition-" + std::string(p);
      if (acl.resource == AclResource::kGroup) {
        // Every service looks up its readers' coordinators; only members
        // commit offsets.
        EXPECT_EQ(acl.name, own);
        EXPECT_EQ(acl.pattern, AclPattern::kPrefixed);
        group =
            acl.operations == std::vector<std::string_view>{"Read", "Describe"};
        if (!group) {
          EXPECT_EQ(acl.operations, std::vector<std::string_view>{"Describe"});
        }
      }
      if (acl.resource == AclResource::kTransactionalId) {
        transactions = true;
        EXPECT_EQ(acl.name, own + "-");
        EXPECT_EQ(acl.pattern, AclPattern::kPrefixed);
      }
    }
    const bool member = p == kEvidence || p == kScoring || p == kReconciler;
    EXPECT_EQ(group, member) << p;
    EXPECT_EQ(transactions, member) << p;
  }
  EXPECT_TRUE(AclsOf("nobody").empty());
  EXPECT_EQ(UserOf(kGateway), "fruition-gateway");
}

// The operator provisions and checks topics and reads the audit trail.
TEST(AclsTest, OperatorCreatesTopicsAndReadsTheAuditTrail) {
  AclNames names;
  names.topic_prefix = "t1.";
  const auto acls = AclsOf(kOperator, names);
  ASSERT_EQ(acls.size(), 3u);
  EXPECT_EQ(acls[0].name, "t1.fruition.");
  EXPECT_EQ(acls[0].pattern, AclPattern::kPrefixed);
  EXPECT_EQ(acls[0].operations, (std::vector<std::string_view>{
                                    "Create", "Describe", "DescribeConfigs"}));
  EXPECT_EQ(acls[1].name, "t1.fruition.audit.v1");
  EXPECT_EQ(acls[1].operations,
            (std::vector<std::string_view>{"Read", "Describe"}));
  EXPECT_EQ(acls[2].resource, AclResource::kGroup);
  EXPECT_EQ(acls[2].name, "fruitctl");
  EXPECT_EQ(acls[2].operations, std::vector<std::string_view>{"Describe"});
}

}  // namespace
}  // namespace fruition::topics
