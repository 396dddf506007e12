#include "services/common/topics.h"

#include <algorithm>

namespace fruition::topics {

const std::vector<Topic>& Catalogue() {
  static const auto* catalogue = new std::vector<Topic>{
      {kReports,
       "subject_pid, else case_id",
       {kIntake},
       {kEvidence, kScoring, kReconciler}},
      {kReference,
       "org_id, agency or area_id",
       {kIntake},
       {kEvidence, kScoring, kReconciler}},
      {kLinkAssessments, "subject_pid", {kEvidence}, {kScoring, kReconciler}},
      {kScores, "unit", {kScoring}, {kReconciler, kGateway}},
      {kScoringContributions, "unit", {kScoring}, {kScoring}},
      {kScoringPublicBase, "fiscal year", {kScoring}, {kScoring}},
      {kScoresPublic, "unit", {kScoring}, {kReconciler, kGateway}},
      {kScoringCaseMembers, "case_id", {kScoring}, {kScoring}},
      {kScoringCaseFacts, "subject_pid", {kScoring}, {kScoring}},
      {kOversightPublic,
       "unit or subject_pid",
       {kReconciler},
       {kReconciler, kGateway}},
      {kOversightRestricted,
       "unit or subject_pid",
       {kReconciler},
       {kReconciler, kGateway}},
      // Kept forever like every topic: a chain whose head was deleted is a
      // break `fruitctl audit verify` reports.
      {kAudit,
       "principal",
       {kIntake, kEvidence, kScoring, kReconciler, kGateway},
       {}},
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

}  // namespace fruition::topics
