#include "services/common/topics.h"

#include <algorithm>
#include <utility>

namespace fruition::topics {

const std::vector<Topic>& Catalogue() {
  static const auto* catalogue = new std::vector<Topic>{
      // Intake reads back what it wrote: its idempotency recovery (both
      // topics) and its table of designated organisations (reference).
      {kReports,
       "subject_pid, else case_id",
       {kIntake},
       {kIntake, kEvidence, kScoring, kReconciler}},
      // The gateway reads it for the accountability loop (SPEC §11): every
      // event view shows its condition's latest response and decision,
      // which intake writes here (keyed by condition_key), and budget lines
      // (keyed by agency).
      {kReference,
       "org_id, agency, area_id or condition_key",
       {kIntake},
       {kIntake, kEvidence, kScoring, kReconciler, kGateway}},
      {kLinkAssessments, "subject_pid", {kEvidence}, {kScoring, kReconciler}},
      {kScores, "unit", {kScoring}, {kReconciler, kGateway}},
      {kScoringContributions, "unit", {kScoring}, {kScoring}},
      {kScoringPublicBase, "fiscal year", {kScoring}, {kScoring}},
      // Scoring's public-view stage reads it back on assignment (what other
      // instances published: the version rule, docs/DESIGN.md).
      {kScoresPublic, "unit", {kScoring}, {kScoring, kReconciler, kGateway}},
      {kScoringCaseMembers, "case_id", {kScoring}, {kScoring}},
      {kScoringCaseFacts, "subject_pid", {kScoring}, {kScoring}},
      // Scoring stage 2 reads both whole: the SPEC §11 condition
      // indicators (conditions_raised, ...) count their conditions.
      {kOversightPublic,
       "unit or subject_pid",
       {kReconciler},
       {kScoring, kReconciler, kGateway}},
      {kOversightRestricted,
       "unit or subject_pid",
       {kReconciler},
       {kScoring, kReconciler, kGateway}},
      // Kept forever like every topic: a chain whose head was deleted is a
      // break `fruitctl audit verify` reports. Each writer reads back the
      // head of its own chain when it opens the trail
      // (services/common/audit/kafka_trail.cc, ReadResume).
      {kAudit,
       "principal",
       {kIntake, kEvidence, kScoring, kReconciler, kGateway},
       {kIntake, kEvidence, kScoring, kReconciler, kGateway}},
  };
  return *catalogue;
}

const Topic* Find(std::string_view name) {
  for (const Topic& t : Catalogue()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<const Topic*> TopicsOf(std::string_view service) {
  auto has = [service](const std::vector<std::string_view>& services) {
    return std::find(services.begin(), services.end(), service) !=
           services.end();
  };
  std::vector<const Topic*> out;
  for (const Topic& t : Catalogue()) {
    if (has(t.writers) || has(t.readers)) out.push_back(&t);
  }
  return out;
}

std::map<std::string, std::string> TopicConfig(const Topic& topic,
                                               int min_insync_replicas) {
  std::map<std::string, std::string> config = {
      {kRetentionMs, std::to_string(topic.retention_ms)},
      {kRetentionBytes, std::to_string(topic.retention_bytes)},
      {kCleanupPolicy, std::string(topic.cleanup_policy)},
  };
  if (min_insync_replicas > 0) {
    config[kMinInsync] = std::to_string(min_insync_replicas);
  }
  return config;
}

namespace {

bool Has(const std::vector<std::string_view>& services,
         std::string_view service) {
  return std::find(services.begin(), services.end(), service) != services.end();
}

// The services that join consumer groups and commit their offsets in
// transactions (the group members of services/*/run.cc).
bool GroupMember(std::string_view service) {
  return service == kEvidence || service == kScoring || service == kReconciler;
}

constexpr std::string_view kRead = "Read";
constexpr std::string_view kWrite = "Write";
constexpr std::string_view kDescribe = "Describe";

Acl TopicAcl(std::string name, std::vector<std::string_view> operations,
             AclPattern pattern = AclPattern::kLiteral) {
  return Acl{AclResource::kTopic, pattern, std::move(name),
             std::move(operations)};
}

// The operator: creates and checks every topic (fruitctl topics ensure:
// CreateTopics, metadata, DescribeConfigs) and reads the audit trail
// (fruitctl audit). It writes nothing.
std::vector<Acl> OperatorAcls(const AclNames& names) {
  return {
      TopicAcl(names.topic_prefix + "fruition.",
               {"Create", kDescribe, "DescribeConfigs"}, AclPattern::kPrefixed),
      TopicAcl(names.topic_prefix + std::string(kAudit), {kRead, kDescribe}),
      // fruitctl audit's reader ("fruitctl-audit-reader") looks its
      // group's coordinator up.
      Acl{AclResource::kGroup, AclPattern::kPrefixed, "fruitctl", {kDescribe}},
  };
}

}  // namespace

const std::vector<std::string_view>& Principals() {
  static const auto* principals = new std::vector<std::string_view>{
      kIntake, kEvidence, kScoring, kReconciler, kGateway, kOperator};
  return *principals;
}

std::string UserOf(std::string_view principal, const AclNames& names) {
  return names.user_prefix + std::string(principal);
}

std::vector<Acl> AclsOf(std::string_view principal, const AclNames& names) {
  if (principal == kOperator) return OperatorAcls(names);
  if (!Has(Principals(), principal)) return {};
  std::vector<Acl> out;
  bool writes = false;
  for (const Topic& t : Catalogue()) {
    std::vector<std::string_view> ops;
    if (Has(t.readers, principal)) ops.push_back(kRead);
    if (Has(t.writers, principal)) ops.push_back(kWrite);
    if (ops.empty()) continue;
    writes = writes || Has(t.writers, principal);
    ops.push_back(kDescribe);
    out.push_back(TopicAcl(names.topic_prefix + std::string(t.name), ops));
  }
  const std::string own = "fruition-" + std::string(principal);
  // Readers that only assign partitions still look their group's
  // coordinator up (Describe); members also commit offsets (Read).
  out.push_back(Acl{AclResource::kGroup, AclPattern::kPrefixed, own,
                    GroupMember(principal)
                        ? std::vector<std::string_view>{kRead, kDescribe}
                        : std::vector<std::string_view>{kDescribe}});
  if (GroupMember(principal)) {
    out.push_back(Acl{AclResource::kTransactionalId,
                      AclPattern::kPrefixed,
                      own + "-",
                      {kWrite, kDescribe}});
  }
  if (writes) {
    out.push_back(Acl{AclResource::kCluster,
                      AclPattern::kLiteral,
                      "kafka-cluster",
                      {"IdempotentWrite"}});
  }
  return out;
}

std::string_view ResourceName(AclResource resource) {
  switch (resource) {
    case AclResource::kTopic:
      return "Topic";
    case AclResource::kGroup:
      return "Group";
    case AclResource::kTransactionalId:
      return "TransactionalId";
    case AclResource::kCluster:
      return "Cluster";
  }
  return "Unknown";
}

std::string_view PatternName(AclPattern pattern) {
  return pattern == AclPattern::kPrefixed ? "Prefixed" : "Literal";
}

}  // namespace fruition::topics
