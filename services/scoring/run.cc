#include "services/scoring/run.h"

#include <chrono>

#include "services/common/auth/principals.h"
#include "services/common/kafka/admin.h"
#include "services/common/kafka/consumer.h"
#include "services/common/log/log.h"
#include "services/common/service/service.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/scoring/case_stage.h"

namespace fruition::scoring {
namespace {

// A topic's name as this instance uses it (config.topic_prefix: tests).
std::string T(const ScoringConfig& config, std::string_view name) {
  return config.topic_prefix + std::string(name);
}

}  // namespace

absl::Status ScoringComponent::MakeStages(const ScoringConfig& config) {
  auto s1 = AddStore("scoring/stage1", Stage1Tables());
  if (!s1.ok()) return s1.status();
  stage1_store_ = *s1;
  auto s2 = AddStore("scoring/stage2", Stage2Tables());
  if (!s2.ok()) return s2.status();
  stage2_store_ = *s2;
  auto cases = AddStore("scoring/cases", CaseTables());
  if (!cases.ok()) return cases.status();
  case_store_ = *cases;
  auto s3 = AddStore("scoring/public", PublicTables());
  if (!s3.ok()) return s3.status();
  public_store_ = *s3;
  ScoringRules rules;
  rules.criteria_version = config.criteria_version;
  rules.indicators.cost_per_prison_year = config.cost_per_prison_year;
  rules.contribution_partitions = config.contribution_partitions;
  // The agencies conditions may concern: the AGENCY principals at start.
  if (principals() != nullptr) {
    for (const auto& e : principals()->entries()) {
      if (e.principal.kind == auth::PrincipalKind::kAgency) {
        rules.agencies.insert(e.principal.code);
      }
    }
  }
  stage1_ = std::make_unique<Stage1>(rules, stage1_store_,
                                     T(config, topics::kReports),
                                     T(config, topics::kLinkAssessments),
                                     T(config, topics::kScoringContributions),
                                     T(config, topics::kScoringCaseMembers),
                                     T(config, topics::kScoringCaseFacts));
  cases_ = std::make_unique<CaseStage>(case_store_, T(config, topics::kReports),
                                       T(config, topics::kScoringCaseMembers),
                                       T(config, topics::kScoringCaseFacts),
                                       T(config, topics::kScoringContributions),
                                       config.contribution_partitions);
  stage2_ = std::make_unique<Stage2>(
      rules, T(config, topics::kScoringContributions),
      T(config, topics::kReference), T(config, topics::kScores),
      T(config, topics::kScoringPublicBase),
      std::vector<std::string>{T(config, topics::kOversightPublic),
                               T(config, topics::kOversightRestricted)});
  // What every instance published, read back on assignment (no group: a
  // plain reader of every partition).
  public_ = std::make_unique<PublicStage>(
      T(config, topics::kScoringPublicBase), T(config, topics::kScoresPublic),
      [options = Consumer(""), topic = T(config, topics::kScoresPublic)](
          const kafka::StartOffsets& start) {
        return kafka::ReadToEnd(options, {topic}, {}, start,
                                std::chrono::minutes(5));
      });
  return absl::OkStatus();
}

void ScoringComponent::AddStageLoops(const ScoringConfig& config,
                                     prometheus::Registry& registry) {
  stream::LoopOptions one;
  one.name = "scoring-stage1";
  one.consumer = Consumer(config.group_id);
  one.group_topics = {T(config, topics::kReports),
                      T(config, topics::kLinkAssessments),
                      T(config, topics::kScoringCaseFacts)};
  AddLoop(one, stage1_store_, stage1_.get(), &registry);
  // The case-to-person join: its own group on the case-keyed records.
  stream::LoopOptions cases;
  cases.name = "scoring-cases";
  cases.consumer = Consumer(config.group_id + "-cases");
  cases.group_topics = {T(config, topics::kReports),
                        T(config, topics::kScoringCaseMembers)};
  AddLoop(cases, case_store_, cases_.get(), &registry);
  stream::LoopOptions two;
  two.name = "scoring-stage2";
  two.consumer = Consumer(config.group_id + "-stage2");
  two.group_topics = {T(config, topics::kScoringContributions)};
  // The oversight topics too, whole: the SPEC §11 condition indicators.
  two.global_topics = {T(config, topics::kReference),
                       T(config, topics::kOversightPublic),
                       T(config, topics::kOversightRestricted)};
  stage2_->CountIgnoredDesignations(registry);
  AddLoop(two, stage2_store_, stage2_.get(), &registry);
  // The public-view stage: its own group on the fiscal-year-keyed topic.
  stream::LoopOptions three;
  three.name = "scoring-public";
  three.consumer = Consumer(config.group_id + "-public");
  three.group_topics = {T(config, topics::kScoringPublicBase)};
  // Each batch recomputes every fiscal year it touches, whole
  // (docs/DESIGN.md, "Once per batch"): a backlog read in larger batches
  // costs fewer recomputations. A base record is one scorecard (a few KB).
  three.batch_max = 5000;
  AddLoop(three, public_store_, public_.get(), &registry);
}

absl::StatusOr<std::unique_ptr<ScoringComponent>> ScoringComponent::Create(
    const ScoringConfig& config, prometheus::Registry& registry) {
  std::unique_ptr<ScoringComponent> c(new ScoringComponent());
  if (absl::Status s = c->Init(topics::kScoring, config); !s.ok()) return s;
  if (absl::Status s = c->MakeStages(config); !s.ok()) return s;
  c->AddStageLoops(config, registry);
  c->service_ = std::make_unique<ScoringServiceImpl>(
      c->stage1_store_, c->stage2_store_, c->principals(),
      &DefaultDesertRules(), c->trail(), c->public_store_);
  log::Info("scoring configured",
            {{"group", config.group_id},
             {"score_version", DefaultDesertRules().version},
             {"criteria_version", config.criteria_version}});
  return c;
}

ScoringComponent::~ScoringComponent() { (void)Stop(); }

absl::Status Run(const ScoringConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening) {
  return service::Run<ScoringComponent>("scoring", config, stop, on_listening);
}

}  // namespace fruition::scoring
