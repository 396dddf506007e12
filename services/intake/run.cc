#include "services/intake/run.h"

#include <thread>

#include "services/common/kafka/admin.h"
#include "services/common/log/log.h"
#include "services/common/server/grpc_server.h"
#include "services/common/service/service.h"
#include "services/common/strings.h"
#include "services/common/telemetry/admin_http.h"
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

  if (absl::Status s = service::CreateTopicsOf(topics::kIntake, config);
      !s.ok()) {
    return s;
  }
  auto dir = service::MakeDir(config.data_dir + "/intake");
  if (!dir.ok()) return dir.status();
  auto store = IdempotencyStore::Open(*dir);
  if (!store.ok()) return store.status();
  c->store_ = std::move(*store);

  kafka::ProducerOptions options;
  options.bootstrap_servers = config.kafka_bootstrap;
  options.client_id = "fruition-intake";
  options.delivery_timeout_ms = config.kafka_delivery_timeout_ms;
  options.properties = config.kafka_properties;
  auto producer = kafka::KafkaProducer::Create(options);
  if (!producer.ok()) return producer.status();
  c->producer_ = std::move(*producer);
  c->metrics_ = std::make_unique<IntakeMetrics>(registry);
  c->intake_ =
      std::make_unique<Intake>(c->producer_.get(), c->store_.get(),
                               c->pseudonymizer_.get(), c->metrics_.get());
  c->service_ = std::make_unique<IntakeServiceImpl>(
      c->intake_.get(), c->principals_.get(), config.stream_window);
  log::Info(
      "intake configured",
      {{"principals", static_cast<int64_t>(c->principals_->entries().size())},
       {"kafka_bootstrap", config.kafka_bootstrap},
       {"data_dir", *dir}});
  return c;
}

IntakeComponent::~IntakeComponent() {
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
                topics, std::chrono::seconds(30), &stats);
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

absl::Status IntakeComponent::Flush(std::chrono::milliseconds timeout) {
  return producer_->Flush(timeout);
}

absl::Status Run(const IntakeConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening) {
  log::Level level = log::Level::kInfo;
  log::ParseLevel(config.log_level, &level);
  log::Configure("intake", level);
  auto registry = std::make_shared<prometheus::Registry>();
  auto component = IntakeComponent::Create(config, *registry);
  if (!component.ok()) return component.status();

  server::GrpcServerOptions options;
  options.listen_address = config.grpc_listen;
  options.tls_cert_file = config.tls_cert_file;
  options.tls_key_file = config.tls_key_file;
  options.tls_client_ca_file = config.tls_client_ca_file;
  auto grpc_server =
      server::GrpcServer::Start(options, {(*component)->service()});
  if (!grpc_server.ok()) return grpc_server.status();
  const size_t colon = config.metrics_listen.rfind(':');
  IntakeComponent* comp = component->get();
  auto admin = telemetry::AdminHttpServer::Start(
      config.metrics_listen.substr(0, colon),
      std::stoi(config.metrics_listen.substr(colon + 1)), registry,
      [comp] { return comp->Ready(); });
  if (!admin.ok()) return admin.status();
  log::Info("intake listening", {{"grpc_port", (*grpc_server)->port()},
                                 {"metrics_port", (*admin)->port()}});
  if (on_listening) on_listening((*grpc_server)->port(), (*admin)->port());

  absl::Status recovered = comp->RecoverUntilDone(stop);
  // Health follows Kafka reachability until shutdown.
  std::thread health([&] {
    bool last = false;
    bool first = true;
    while (!stop->WaitFor(std::chrono::milliseconds(250))) {
      const bool ready = comp->Ready();
      if (first || ready != last) {
        (*grpc_server)->SetServing(ready);
        log::Info(ready ? "intake serving"
                        : "intake not serving (Kafka unreachable)");
        last = ready;
        first = false;
      }
    }
  });
  stop->Wait();
  health.join();
  log::Info("intake draining", {{"reason", stop->reason()},
                                {"timeout_ms", config.drain_timeout_ms}});
  const auto started = std::chrono::steady_clock::now();
  (*grpc_server)->Shutdown(std::chrono::milliseconds(config.drain_timeout_ms));
  absl::Status flushed = comp->Flush(
      std::chrono::milliseconds(std::max(1000, config.drain_timeout_ms)));
  (*admin)->Stop();
  log::Info(
      "intake stopped",
      {{"drain_ms", static_cast<int64_t>(
                        std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count())},
       {"flushed", flushed.ok()}});
  if (!recovered.ok() && !absl::IsCancelled(recovered)) return recovered;
  return flushed;
}

}  // namespace fruition::intake
