#include "services/evidence/run.h"

#include <filesystem>

#include "services/common/kafka/admin.h"
#include "services/common/log/log.h"
#include "services/common/service/service.h"
#include "services/common/service/trail.h"
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

}  // namespace

absl::Status EvidenceComponent::LoadRules(const EvidenceConfig& config) {
  if (config.criteria_file.empty()) {
    rules_ = std::make_unique<Rulebook>(DefaultRulebook());
    return absl::OkStatus();
  }
  auto rules = LoadRulebook(config.criteria_file);
  if (!rules.ok()) {
    return absl::InvalidArgumentError(
        StrCat("config field criteria: ", rules.status().message()));
  }
  rules_ = std::make_unique<Rulebook>(*rules);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<EvidenceComponent>> EvidenceComponent::Create(
    const EvidenceConfig& config, prometheus::Registry& registry) {
  std::unique_ptr<EvidenceComponent> c(new EvidenceComponent());
  if (absl::Status s = c->Init(topics::kEvidence, config); !s.ok()) return s;
  if (absl::Status s = c->LoadRules(config); !s.ok()) return s;
  auto dir = service::MakeDir(config.data_dir + "/evidence");
  if (!dir.ok()) return dir.status();
  auto store = EvidenceStore::Open(*dir);
  if (!store.ok()) return store.status();
  c->store_ = std::move(*store);
  auto sealed = SealedBoxFrom(config);
  if (!sealed.ok()) return sealed.status();
  c->sealed_ = std::make_unique<privacy::SealedBox>(*sealed);
  c->processor_ = std::make_unique<Processor>(
      c->rules_.get(), std::string(topics::kReports),
      std::string(topics::kReference), c->sealed_.get());
  c->handler_ = std::make_unique<EvidenceHandler>(
      c->processor_.get(), std::string(topics::kLinkAssessments), &registry);
  stream::LoopOptions options;
  options.name = "evidence";
  options.group_topics = {std::string(topics::kReports)};
  options.global_topics = {std::string(topics::kReference)};
  stream::Loop* loop =
      c->AddLoop(options, c->store_->kv(), c->handler_.get(), &registry);
  c->service_ = std::make_unique<EvidenceServiceImpl>(
      c->store_.get(), c->principals(), c->trail(), c->rules_.get(),
      [loop] { return loop->OwnedPartitions(); });
  log::Info("evidence configured", {{"criteria_version", c->rules_->version},
                                    {"group", config.group_id},
                                    {"data_dir", *dir}});
  return c;
}

EvidenceComponent::~EvidenceComponent() { (void)Stop(); }

absl::Status Run(const EvidenceConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening) {
  return service::Run<EvidenceComponent>("evidence", config, stop,
                                         on_listening);
}

absl::StatusOr<int64_t> Reassess(const EvidenceConfig& config,
                                 const Rulebook& rules,
                                 const std::atomic<bool>& stop) {
  // An operator action: recorded before anything is done, or not done.
  auto trail = service::OpenTrail(
      "evidence-reassess", config.kafka_bootstrap, config.kafka_properties,
      config.audit_writer.empty() ? "" : config.audit_writer + "-reassess");
  if (absl::Status s = trail->Append(audit::Entry{
          "operator", "reassess", {StrCat("criteria:", rules.version)}, "OK"});
      !s.ok()) {
    return absl::UnavailableError(
        StrCat("reassess not started: its audit record could not be written (",
               s.message(), ")"));
  }
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
  auto sealed = SealedBoxFrom(config);
  if (!sealed.ok()) return sealed.status();
  Processor processor(&rules, std::string(topics::kReports),
                      std::string(topics::kReference), &*sealed);
  EvidenceHandler handler(&processor, std::string(topics::kLinkAssessments),
                          nullptr);
  stream::LoopOptions options;
  options.name = "evidence-reassess";
  options.consumer = consumer;
  options.skip = config.skip_records;
  options.trail = trail.get();
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
  if (!loop.ProduceAll(handler.Outputs(result), stop)) {
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
