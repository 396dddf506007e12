#include "services/intake/run.h"

#include <algorithm>

#include "services/common/kafka/admin.h"
#include "services/common/log/log.h"
#include "services/common/service/service.h"
#include "services/common/service/trail.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/intake/recovery.h"

namespace fruition::intake {

absl::StatusOr<std::unique_ptr<IntakeComponent>> IntakeComponent::Create(
    const IntakeConfig& config, prometheus::Registry& registry) {
  std::unique_ptr<IntakeComponent> c(new IntakeComponent());
  c->config_ = config;
  auto principals = auth::PrincipalRegistry::LoadFile(config.principals_file);
  if (!principals.ok()) return principals.status();
  c->principals_ = std::make_unique<auth::PrincipalRegistry>(*principals);
  auto pseudonymizer =
      config.pseudonym_key_file.empty()
          ? privacy::Pseudonymizer::FromKey(config.pseudonym_key)
          : privacy::Pseudonymizer::FromFile(config.pseudonym_key_file);
  if (!pseudonymizer.ok()) return pseudonymizer.status();
  c->pseudonymizer_ = std::make_unique<privacy::Pseudonymizer>(*pseudonymizer);
  auto sealed =
      config.sealed_key_file.empty()
          ? privacy::SealedBox::FromText(config.sealed_key, "sealed-key")
          : privacy::SealedBox::FromFile(config.sealed_key_file);
  if (!sealed.ok()) return sealed.status();
  c->sealed_ = std::make_unique<privacy::SealedBox>(*sealed);

  if (absl::Status s = service::CreateTopicsOf(topics::kIntake, config);
      !s.ok()) {
    return s;
  }
  auto dir = service::MakeDir(config.data_dir + "/intake");
  if (!dir.ok()) return dir.status();
  auto store = IdempotencyStore::Open(*dir);
  if (!store.ok()) return store.status();
  c->store_ = std::move(*store);
  if (absl::Status s = c->OpenOrgTable(registry); !s.ok()) return s;

  kafka::ProducerOptions options;
  options.bootstrap_servers = config.kafka_bootstrap;
  options.client_id = "fruition-intake";
  options.delivery_timeout_ms = config.kafka_delivery_timeout_ms;
  options.properties = config.kafka_properties;
  auto producer = kafka::KafkaProducer::Create(options);
  if (!producer.ok()) return producer.status();
  c->producer_ = std::move(*producer);
  c->metrics_ = std::make_unique<IntakeMetrics>(registry);
  OrgTable* orgs = c->orgs_.get();
  c->intake_ = std::make_unique<Intake>(
      c->producer_.get(), c->store_.get(), c->pseudonymizer_.get(),
      c->sealed_.get(), c->metrics_.get(), /*clock=*/nullptr,
      [orgs](const std::string& org_id, const std::string& reporter) {
        return orgs->MayDesignate(org_id, reporter);
      },
      [orgs](const std::string& line_id) { return orgs->LineAgency(line_id); });
  c->trail_ = service::OpenTrail("intake", config.kafka_bootstrap,
                                 config.kafka_properties, config.audit_writer);
  AdmissionLimits limits;
  limits.replica_bytes = config.inflight_budget_bytes;
  limits.principal_bytes = config.principal_inflight_bytes;
  c->admission_ = std::make_unique<Admission>(limits, &registry);
  IntakeServerOptions server_options;
  server_options.stream_window = config.stream_window;
  server_options.stream_inflight_bytes = config.stream_inflight_bytes;
  server_options.max_message_bytes = kMaxMessageBytes;
  server_options.default_deadline =
      std::chrono::milliseconds(config.unary_deadline_ms);
  c->service_ = std::make_unique<IntakeServiceImpl>(
      c->intake_.get(), c->principals_.get(), c->trail_.get(),
      c->admission_.get(), server_options);
  log::Info(
      "intake configured",
      {{"principals", static_cast<int64_t>(c->principals_->entries().size())},
       {"kafka_bootstrap", config.kafka_bootstrap},
       {"data_dir", *dir}});
  return c;
}

absl::Status IntakeComponent::OpenOrgTable(prometheus::Registry& registry) {
  auto store =
      service::OpenStore(config_.data_dir + "/intake-orgs", OrgTable::Tables());
  if (!store.ok()) return store.status();
  org_store_ = std::move(*store);
  auto orgs = OrgTable::Load(org_store_.get(), &registry);
  if (!orgs.ok()) return orgs.status();
  orgs_ = std::move(*orgs);
  // Global-table mode: every replica reads every partition of the reference
  // topic, no consumer group; offsets and store errors are the loop's.
  stream::LoopOptions options;
  options.name = "intake-orgs";
  options.consumer.bootstrap_servers = config_.kafka_bootstrap;
  options.consumer.client_id = "fruition-intake-orgs";
  options.consumer.properties = config_.kafka_properties;
  options.global_topics = {std::string(topics::kReference)};
  org_loop_ = std::make_unique<stream::Loop>(options, org_store_.get(),
                                             /*producer=*/nullptr, orgs_.get(),
                                             &registry);
  return absl::OkStatus();
}

absl::Status IntakeComponent::Start(server::ShutdownSignal* stop) {
  org_reader_ = std::thread([this] { org_loop_->RunUntilStopped(stop_orgs_); });
  return RecoverUntilDone(stop);
}

void IntakeComponent::StopOrgReader() {
  stop_orgs_ = true;
  if (org_reader_.joinable()) org_reader_.join();
}

IntakeComponent::~IntakeComponent() {
  StopOrgReader();
  if (producer_ != nullptr) {
    (void)producer_->Flush(std::chrono::seconds(5));
    producer_.reset();  // no delivery callback after this
  }
}

absl::Status IntakeComponent::RecoverUntilDone(server::ShutdownSignal* stop) {
  const std::vector<std::string> topics = {std::string(topics::kReports),
                                           std::string(topics::kReference)};
  while (true) {
    RecoveryStats stats;
    absl::Status s =
        Recover(store_.get(), config_.kafka_bootstrap, config_.kafka_properties,
                topics, sealed_.get(), std::chrono::seconds(30), &stats);
    if (s.ok()) {
      log::Info("intake recovery complete",
                {{"records_scanned", stats.scanned},
                 {"reports_recorded", stats.recorded}});
      recovered_ = true;
      return s;
    }
    log::Warn("intake recovery failed; retrying",
              {{"error", std::string(s.message())}});
    if (stop != nullptr && stop->WaitFor(std::chrono::seconds(2))) {
      return absl::CancelledError("stopped before recovery completed");
    }
  }
}

absl::Status IntakeComponent::Stop() {
  StopOrgReader();
  return producer_->Flush(
      std::chrono::milliseconds(std::max(1000, config_.drain_timeout_ms)));
}

absl::Status Run(const IntakeConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening) {
  return service::Run<IntakeComponent>("intake", config, stop, on_listening);
}

}  // namespace fruition::intake
