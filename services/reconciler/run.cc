#include "services/reconciler/run.h"

#include "services/common/kafka/admin.h"
#include "services/common/log/log.h"
#include "services/common/service/service.h"
#include "services/common/strings.h"
#include "services/common/topics.h"

namespace fruition::reconciler {

namespace {

Topics CatalogueTopics() {
  return Topics{std::string(topics::kReports),
                std::string(topics::kLinkAssessments),
                std::string(topics::kScores),
                std::string(topics::kScoresPublic),
                std::string(topics::kReference),
                std::string(topics::kOversightPublic),
                std::string(topics::kOversightRestricted)};
}

// Events are emitted by the owner of the partition their key falls in:
// every topic read or written must have the same partition count. Returns
// that count; FAILED_PRECONDITION naming the topic otherwise.
absl::StatusOr<int> CoPartitionedCount(const ReconcilerConfig& config,
                                       const Topics& topics) {
  int partitions = 0;
  for (const std::string& t :
       {topics.reports, topics.assessments, topics.scores, topics.scores_public,
        topics.oversight_public, topics.oversight_restricted}) {
    auto n =
        kafka::PartitionCount(config.kafka_bootstrap, config.kafka_properties,
                              t, std::chrono::seconds(15));
    if (!n.ok()) {
      return absl::FailedPreconditionError(
          StrCat("topic ", t, ": ", n.status().message(),
                 " (provision the topics of SPEC §7, or set create-topics)"));
    }
    if (partitions != 0 && *n != partitions) {
      return absl::FailedPreconditionError(
          StrCat("topic ", t, " has ", *n, " partitions but ", topics.reports,
                 " has ", partitions,
                 ": the reconciler needs every topic it reads and writes "
                 "co-partitioned (the same partition count)"));
    }
    partitions = *n;
  }
  return partitions;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReconcilerComponent>>
ReconcilerComponent::Create(const ReconcilerConfig& config,
                            prometheus::Registry& registry) {
  std::unique_ptr<ReconcilerComponent> c(new ReconcilerComponent());
  if (absl::Status s = c->Init(fruition::topics::kReconciler, config);
      !s.ok()) {
    return s;
  }
  const Topics topics = CatalogueTopics();
  auto partitions = CoPartitionedCount(config, topics);
  if (!partitions.ok()) return partitions.status();
  auto store = c->AddStore("reconciler", Tables());
  if (!store.ok()) return store.status();

  ReconcilerOptions options;
  options.thresholds = config.thresholds;
  options.criteria_version = config.criteria_version;
  options.partitions = *partitions;
  c->handler_ = std::make_unique<ReconcilerHandler>(
      options, topics, KafkaReadBack(c->Consumer("")), &registry);
  stream::LoopOptions loop;
  loop.name = "reconciler";
  loop.group_topics = {topics.reports, topics.assessments, topics.scores,
                       topics.scores_public};
  loop.global_topics = {topics.reference};
  c->AddLoop(loop, *store, c->handler_.get(), &registry);
  c->service_ = std::make_unique<ReconcilerServiceImpl>(*store, c->principals(),
                                                        c->trail());
  log::Info("reconciler configured",
            {{"group", config.group_id},
             {"partitions", static_cast<int64_t>(*partitions)},
             {"criteria_version", config.criteria_version},
             {"fruition_gap_threshold",
              config.thresholds.Get(domain::kFruitionGapThreshold)},
             {"lnf_share_threshold",
              config.thresholds.Get(domain::kLnfShareThreshold)},
             {"lnf_mandatory_minimum_threshold",
              config.thresholds.Get(domain::kLnfMandatoryMinimumThreshold)},
             {"target_ratio_threshold",
              config.thresholds.Get(domain::kTargetRatioThreshold)}});
  return c;
}

ReconcilerComponent::~ReconcilerComponent() { (void)Stop(); }

absl::Status Run(const ReconcilerConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening) {
  return service::Run<ReconcilerComponent>("reconciler", config, stop,
                                           on_listening);
}

}  // namespace fruition::reconciler
