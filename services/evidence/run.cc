#include "services/evidence/run.h"

#include <filesystem>

#include "services/common/kafka/admin.h"
#include "services/common/log/log.h"
#include "services/common/service/service.h"
#include "services/common/strings.h"
#include "services/common/topics.h"

namespace fruition::evidence {
namespace {

kafka::ConsumerOptions ConsumerFrom(const EvidenceConfig& config) {
  kafka::ConsumerOptions c;
  c.bootstrap_servers = config.kafka_bootstrap;
  c.group_id = config.group_id;
  c.client_id = "fruition-evidence";
  c.properties = config.kafka_properties;
  return c;
}

absl::StatusOr<std::unique_ptr<kafka::KafkaProducer>> MakeProducer(
    const EvidenceConfig& config) {
  kafka::ProducerOptions options;
  options.bootstrap_servers = config.kafka_bootstrap;
  options.client_id = "fruition-evidence";
  options.properties = config.kafka_properties;
  return kafka::KafkaProducer::Create(options);
}

std::vector<kafka::TopicSpec> EvidenceTopics(const EvidenceConfig& config) {
  auto topics =
      kafka::IntakeTopics(config.topic_partitions, config.topic_replication);
  topics.push_back(kafka::TopicSpec{std::string(topics::kLinkAssessments),
                                    config.topic_partitions,
                                    config.topic_replication,
                                    {{"retention.ms", "-1"}}});
  return topics;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EvidenceComponent>> EvidenceComponent::Create(
    const EvidenceConfig& config, prometheus::Registry& registry) {
  std::unique_ptr<EvidenceComponent> c(new EvidenceComponent());
  c->config_ = config;
  auto principals = auth::PrincipalRegistry::LoadFile(config.principals_file);
  if (!principals.ok()) return principals.status();
  c->principals_ = std::make_unique<auth::PrincipalRegistry>(*principals);
  if (config.criteria_file.empty()) {
    c->rules_ = std::make_unique<Rulebook>(DefaultRulebook());
  } else {
    auto rules = LoadRulebook(config.criteria_file);
    if (!rules.ok()) {
      return absl::InvalidArgumentError(
          StrCat("config field criteria: ", rules.status().message()));
    }
    c->rules_ = std::make_unique<Rulebook>(*rules);
  }
  if (config.create_topics) {
    absl::Status s =
        kafka::EnsureTopics(config.kafka_bootstrap, config.kafka_properties,
                            EvidenceTopics(config), std::chrono::seconds(15));
    if (!s.ok()) return s;
  }
  auto dir = service::MakeDir(config.data_dir + "/evidence");
  if (!dir.ok()) return dir.status();
  auto store = EvidenceStore::Open(*dir);
  if (!store.ok()) return store.status();
  c->store_ = std::move(*store);
  auto producer = MakeProducer(config);
  if (!producer.ok()) return producer.status();
  c->producer_ = std::move(*producer);
  c->processor_ = std::make_unique<Processor>(c->rules_.get(),
                                              std::string(topics::kReports),
                                              std::string(topics::kReference));
  c->handler_ = std::make_unique<EvidenceHandler>(
      c->processor_.get(), std::string(topics::kLinkAssessments), &registry);
  stream::LoopOptions options;
  options.name = "evidence";
  options.consumer = ConsumerFrom(config);
  options.group_topics = {std::string(topics::kReports)};
  options.global_topics = {std::string(topics::kReference)};
  options.skip = config.skip_records;
  c->loop_ = std::make_unique<stream::Loop>(options, c->store_->kv(),
                                            c->producer_.get(),
                                            c->handler_.get(), &registry);
  stream::Loop* loop = c->loop_.get();
  c->service_ = std::make_unique<EvidenceServiceImpl>(
      c->store_.get(), c->principals_.get(), c->rules_.get(),
      [loop] { return loop->OwnedPartitions(); });
  log::Info("evidence configured", {{"criteria_version", c->rules_->version},
                                    {"group", config.group_id},
                                    {"data_dir", *dir}});
  return c;
}

void EvidenceComponent::Start() {
  thread_ = std::thread([this] { loop_->RunUntilStopped(stop_); });
}

void EvidenceComponent::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (producer_ != nullptr) (void)producer_->Flush(std::chrono::seconds(5));
}

EvidenceComponent::~EvidenceComponent() {
  Stop();
  producer_.reset();
}

absl::Status Run(const EvidenceConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening) {
  log::Level level = log::Level::kInfo;
  log::ParseLevel(config.log_level, &level);
  log::Configure("evidence", level);
  auto registry = std::make_shared<prometheus::Registry>();
  auto component = EvidenceComponent::Create(config, *registry);
  if (!component.ok()) return component.status();
  EvidenceComponent* comp = component->get();
  service::Component serving;
  serving.services = {comp->service()};
  serving.ready = [comp] { return comp->Ready(); };
  serving.start = [comp] { comp->Start(); };
  serving.stop = [comp] { comp->Stop(); };
  return service::Serve("evidence", config, serving, registry, stop,
                        on_listening);
}

absl::StatusOr<int64_t> Reassess(const EvidenceConfig& config,
                                 const Rulebook& rules,
                                 const std::atomic<bool>& stop) {
  const auto scratch = std::filesystem::path(config.data_dir) /
                       StrCat("evidence-reassess-", rules.version);
  std::filesystem::remove_all(scratch);
  auto dir = service::MakeDir(scratch.string());
  if (!dir.ok()) return dir.status();
  auto store = EvidenceStore::Open(*dir);
  if (!store.ok()) return store.status();
  auto producer = MakeProducer(config);
  if (!producer.ok()) return producer.status();
  const std::vector<std::string> topics = {std::string(topics::kReference),
                                           std::string(topics::kReports)};
  const auto consumer = ConsumerFrom(config);
  auto ends = kafka::EndOffsets(consumer, topics, std::chrono::seconds(15));
  if (!ends.ok()) return ends.status();
  Processor processor(&rules, std::string(topics::kReports),
                      std::string(topics::kReference));
  EvidenceHandler handler(&processor, std::string(topics::kLinkAssessments),
                          nullptr);
  stream::LoopOptions options;
  options.name = "evidence-reassess";
  options.consumer = consumer;
  options.skip = config.skip_records;
  options.batch_max = 5000;
  stream::Loop loop(options, (*store)->kv(), producer->get(), &handler,
                    nullptr);
  // Replay everything into the scratch store without producing (no
  // partition is owned until the end), then assess each claim once.
  stream::Ranges ranges;
  for (const auto& [tp, end] : *ends) ranges[tp] = {-1, end};
  if (absl::Status s = loop.Replay(ranges, stop); !s.ok()) {
    return s.code() == absl::StatusCode::kCancelled
               ? absl::CancelledError("reassess interrupted")
               : s;
  }
  std::set<int32_t> all;
  for (const auto& [tp, end] : *ends) {
    if (tp.first == topics::kReports) all.insert(tp.second);
  }
  Tx tx(store->get());
  auto reassessed = processor.ReassessAll(tx, all, /*all=*/true);
  if (!reassessed.ok()) return reassessed.status();
  const ApplyResult& result = *reassessed;
  if (!loop.ProduceAll(handler.Outputs(result.emit), stop)) {
    return absl::CancelledError("reassess interrupted while producing");
  }
  if (absl::Status s = (*store)->Commit(tx); !s.ok()) return s;
  if (absl::Status s = (*producer)->Flush(std::chrono::seconds(30)); !s.ok()) {
    return s;
  }
  const auto produced = static_cast<int64_t>(result.emit.size());
  return produced;
}

}  // namespace fruition::evidence
