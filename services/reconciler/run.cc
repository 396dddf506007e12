#include "services/reconciler/run.h"

#include "services/common/kafka/admin.h"
#include "services/common/log/log.h"
#include "services/common/service/service.h"
#include "services/common/strings.h"
#include "services/common/topics.h"

namespace fruition::reconciler {

absl::StatusOr<std::unique_ptr<ReconcilerComponent>>
ReconcilerComponent::Create(const ReconcilerConfig& config,
                            prometheus::Registry& registry) {
  std::unique_ptr<ReconcilerComponent> c(new ReconcilerComponent());
  c->config_ = config;
  auto principals = auth::PrincipalRegistry::LoadFile(config.principals_file);
  if (!principals.ok()) return principals.status();
  c->principals_ = std::make_unique<auth::PrincipalRegistry>(*principals);
  Topics topics{std::string(topics::kReports),
                std::string(topics::kLinkAssessments),
                std::string(topics::kScores),
                std::string(topics::kScoresPublic),
                std::string(topics::kReference),
                std::string(topics::kOversightPublic),
                std::string(topics::kOversightRestricted)};
  if (config.create_topics) {
    auto specs =
        kafka::IntakeTopics(config.topic_partitions, config.topic_replication);
    for (const std::string& t :
         {topics.assessments, topics.scores, topics.scores_public}) {
      specs.push_back(kafka::TopicSpec{
          t, config.topic_partitions, config.topic_replication, {}});
    }
    // The event history: the gateway serves it, and the reconciler reads a
    // partition's events back when it is assigned.
    for (const std::string& t :
         {topics.oversight_public, topics.oversight_restricted}) {
      specs.push_back(kafka::TopicSpec{t,
                                       config.topic_partitions,
                                       config.topic_replication,
                                       {{"retention.ms", "-1"}}});
    }
    absl::Status s =
        kafka::EnsureTopics(config.kafka_bootstrap, config.kafka_properties,
                            specs, std::chrono::seconds(15));
    if (!s.ok()) return s;
  }
  // Events are emitted by the owner of the partition their key falls in:
  // every topic read or written must have the same partition count.
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
  auto store = service::OpenStore(config.data_dir + "/reconciler", Tables());
  if (!store.ok()) return store.status();
  c->store_ = std::move(*store);

  kafka::ProducerOptions producer;
  producer.bootstrap_servers = config.kafka_bootstrap;
  producer.client_id = "fruition-reconciler";
  producer.properties = config.kafka_properties;
  auto p = kafka::KafkaProducer::Create(producer);
  if (!p.ok()) return p.status();
  c->producer_ = std::move(*p);

  kafka::ConsumerOptions consumer;
  consumer.bootstrap_servers = config.kafka_bootstrap;
  consumer.client_id = "fruition-reconciler";
  consumer.properties = config.kafka_properties;
  ReconcilerOptions options;
  options.thresholds = config.thresholds;
  options.criteria_version = config.criteria_version;
  options.partitions = partitions;
  c->handler_ = std::make_unique<ReconcilerHandler>(
      options, topics, KafkaReadBack(consumer), &registry);

  stream::LoopOptions loop;
  loop.name = "reconciler";
  loop.consumer = consumer;
  loop.consumer.group_id = config.group_id;
  loop.group_topics = {topics.reports, topics.assessments, topics.scores,
                       topics.scores_public};
  loop.global_topics = {topics.reference};
  loop.skip = config.skip_records;
  c->loop_ = std::make_unique<stream::Loop>(
      loop, c->store_.get(), c->producer_.get(), c->handler_.get(), &registry);
  c->service_ = std::make_unique<ReconcilerServiceImpl>(c->store_.get(),
                                                        c->principals_.get());
  log::Info("reconciler configured",
            {{"group", config.group_id},
             {"partitions", static_cast<int64_t>(partitions)},
             {"criteria_version", config.criteria_version},
             {"fruition_gap_threshold",
              config.thresholds.Get(domain::kFruitionGapThreshold)},
             {"lnf_share_threshold",
              config.thresholds.Get(domain::kLnfShareThreshold)},
             {"target_ratio_threshold",
              config.thresholds.Get(domain::kTargetRatioThreshold)}});
  return c;
}

void ReconcilerComponent::Start() {
  thread_ = std::thread([this] { loop_->RunUntilStopped(stop_); });
}

void ReconcilerComponent::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (producer_ != nullptr) (void)producer_->Flush(std::chrono::seconds(5));
}

ReconcilerComponent::~ReconcilerComponent() {
  Stop();
  producer_.reset();
}

absl::Status Run(const ReconcilerConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening) {
  log::Level level = log::Level::kInfo;
  log::ParseLevel(config.log_level, &level);
  log::Configure("reconciler", level);
  auto registry = std::make_shared<prometheus::Registry>();
  auto component = ReconcilerComponent::Create(config, *registry);
  if (!component.ok()) return component.status();
  ReconcilerComponent* comp = component->get();
  service::Component serving;
  serving.services = {comp->service()};
  serving.ready = [comp] { return comp->Ready(); };
  serving.start = [comp] { comp->Start(); };
  serving.stop = [comp] { comp->Stop(); };
  return service::Serve("reconciler", config, serving, registry, stop,
                        on_listening);
}

}  // namespace fruition::reconciler
