#include "services/scoring/run.h"

#include "services/common/kafka/admin.h"
#include "services/common/log/log.h"
#include "services/common/service/service.h"
#include "services/common/strings.h"
#include "services/common/topics.h"

namespace fruition::scoring {

absl::StatusOr<std::unique_ptr<ScoringComponent>> ScoringComponent::Create(
    const ScoringConfig& config, prometheus::Registry& registry) {
  std::unique_ptr<ScoringComponent> c(new ScoringComponent());
  c->config_ = config;
  auto principals = auth::PrincipalRegistry::LoadFile(config.principals_file);
  if (!principals.ok()) return principals.status();
  c->principals_ = std::make_unique<auth::PrincipalRegistry>(*principals);
  const std::string reports(topics::kReports);
  const std::string reference(topics::kReference);
  const std::string assessments(topics::kLinkAssessments);
  const std::string contributions(topics::kScoringContributions);
  const std::string scores(topics::kScores);
  const std::string public_base(topics::kScoringPublicBase);
  const std::string public_scores(topics::kScoresPublic);
  if (absl::Status s = service::CreateTopicsOf(topics::kScoring, config);
      !s.ok()) {
    return s;
  }
  auto s1 =
      service::OpenStore(config.data_dir + "/scoring/stage1", Stage1Tables());
  if (!s1.ok()) return s1.status();
  c->stage1_store_ = std::move(*s1);
  auto s2 =
      service::OpenStore(config.data_dir + "/scoring/stage2", Stage2Tables());
  if (!s2.ok()) return s2.status();
  c->stage2_store_ = std::move(*s2);
  auto s3 =
      service::OpenStore(config.data_dir + "/scoring/public", PublicTables());
  if (!s3.ok()) return s3.status();
  c->public_store_ = std::move(*s3);

  kafka::ProducerOptions producer;
  producer.bootstrap_servers = config.kafka_bootstrap;
  producer.client_id = "fruition-scoring";
  producer.properties = config.kafka_properties;
  auto p = kafka::KafkaProducer::Create(producer);
  if (!p.ok()) return p.status();
  c->producer_ = std::move(*p);

  ScoringRules rules;
  rules.criteria_version = config.criteria_version;
  rules.indicators.cost_per_prison_year = config.cost_per_prison_year;
  rules.contribution_partitions = config.contribution_partitions;
  c->stage1_ = std::make_unique<Stage1>(rules, c->stage1_store_.get(), reports,
                                        assessments, contributions);
  c->stage2_ = std::make_unique<Stage2>(rules, contributions, reference, scores,
                                        public_base);
  c->public_ = std::make_unique<PublicStage>(public_base, public_scores);

  kafka::ConsumerOptions consumer;
  consumer.bootstrap_servers = config.kafka_bootstrap;
  consumer.client_id = "fruition-scoring";
  consumer.properties = config.kafka_properties;
  stream::LoopOptions one;
  one.name = "scoring-stage1";
  one.consumer = consumer;
  one.consumer.group_id = config.group_id;
  one.group_topics = {reports, assessments};
  one.skip = config.skip_records;
  c->stage1_loop_ = std::make_unique<stream::Loop>(one, c->stage1_store_.get(),
                                                   c->producer_.get(),
                                                   c->stage1_.get(), &registry);
  stream::LoopOptions two;
  two.name = "scoring-stage2";
  two.consumer = consumer;
  two.consumer.group_id = config.group_id + "-stage2";
  two.group_topics = {contributions};
  two.global_topics = {reference};
  two.skip = config.skip_records;
  c->stage2_loop_ = std::make_unique<stream::Loop>(two, c->stage2_store_.get(),
                                                   c->producer_.get(),
                                                   c->stage2_.get(), &registry);
  // The public-view stage: its own group on the fiscal-year-keyed topic.
  stream::LoopOptions three;
  three.name = "scoring-public";
  three.consumer = consumer;
  three.consumer.group_id = config.group_id + "-public";
  three.group_topics = {public_base};
  three.skip = config.skip_records;
  c->public_loop_ = std::make_unique<stream::Loop>(
      three, c->public_store_.get(), c->producer_.get(), c->public_.get(),
      &registry);
  c->service_ = std::make_unique<ScoringServiceImpl>(
      c->stage1_store_.get(), c->stage2_store_.get(), c->principals_.get(),
      &DefaultDesertRules(), c->public_store_.get());
  log::Info("scoring configured",
            {{"group", config.group_id},
             {"score_version", DefaultDesertRules().version},
             {"criteria_version", config.criteria_version}});
  return c;
}

void ScoringComponent::Start() {
  threads_.emplace_back([this] { stage1_loop_->RunUntilStopped(stop_); });
  threads_.emplace_back([this] { stage2_loop_->RunUntilStopped(stop_); });
  threads_.emplace_back([this] { public_loop_->RunUntilStopped(stop_); });
}

void ScoringComponent::Stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  if (producer_ != nullptr) (void)producer_->Flush(std::chrono::seconds(5));
}

ScoringComponent::~ScoringComponent() {
  Stop();
  producer_.reset();
}

absl::Status Run(const ScoringConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening) {
  log::Level level = log::Level::kInfo;
  log::ParseLevel(config.log_level, &level);
  log::Configure("scoring", level);
  auto registry = std::make_shared<prometheus::Registry>();
  auto component = ScoringComponent::Create(config, *registry);
  if (!component.ok()) return component.status();
  ScoringComponent* comp = component->get();
  service::Component serving;
  serving.services = {comp->service()};
  serving.ready = [comp] { return comp->Ready(); };
  serving.start = [comp] { comp->Start(); };
  serving.stop = [comp] { comp->Stop(); };
  return service::Serve("scoring", config, serving, registry, stop,
                        on_listening);
}

}  // namespace fruition::scoring
