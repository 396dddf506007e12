#include "services/gateway/run.h"

#include "services/common/log/log.h"
#include "services/common/service/service.h"
#include "services/common/service/trail.h"
#include "services/common/strings.h"
#include "services/common/topics.h"

namespace fruition::gateway {

absl::StatusOr<std::unique_ptr<GatewayComponent>> GatewayComponent::Create(
    const GatewayConfig& config, prometheus::Registry& registry) {
  std::unique_ptr<GatewayComponent> c(new GatewayComponent());
  c->config_ = config;
  c->registry_ = &registry;
  auto principals = auth::PrincipalRegistry::LoadFile(config.principals_file);
  if (!principals.ok()) return principals.status();
  c->principals_ = std::make_unique<auth::PrincipalRegistry>(*principals);
  ViewTopics topics{
      std::string(topics::kOversightPublic),
      std::string(topics::kOversightRestricted), std::string(topics::kScores),
      std::string(topics::kScoresPublic), std::string(topics::kReference)};
  if (absl::Status s =
          service::CreateTopicsOf(fruition::topics::kGateway, config);
      !s.ok()) {
    return s;
  }
  auto store = service::OpenStore(config.data_dir + "/gateway", Tables());
  if (!store.ok()) return store.status();
  c->store_ = std::move(*store);
  c->views_ = std::make_unique<Views>(c->store_.get(), topics);
  c->trail_ = service::OpenTrail("gateway", config.kafka_bootstrap,
                                 config.kafka_properties, config.audit_writer);
  c->service_ = std::make_unique<OversightServiceImpl>(
      c->views_.get(), c->principals_.get(), c->trail_.get(), &c->draining_);
  c->releases_ = std::make_unique<ReleaseServiceImpl>(c->views_.get(),
                                                      c->principals_.get());
  // Global-table mode: every replica reads every partition of the four
  // topics; offsets, dedupe, unreadable records (stop, or the operator's
  // audited --skip-record) and store errors are the loop's.
  stream::LoopOptions options;
  options.name = "gateway";
  options.consumer.bootstrap_servers = config.kafka_bootstrap;
  options.consumer.client_id = "fruition-gateway";
  options.consumer.properties = config.kafka_properties;
  options.global_topics = c->views_->TopicList();
  options.skip = config.skip_records;
  options.trail = c->trail_.get();
  options.inflight_path = config.data_dir + "/gateway.inflight";
  options.crash_attempts = config.crash_record_attempts;
  c->loop_ = std::make_unique<stream::Loop>(options, c->store_.get(),
                                            /*producer=*/nullptr,
                                            c->views_.get(), &registry);
  return c;
}

absl::Status GatewayComponent::Start(server::ShutdownSignal* /*stop*/) {
  auto http = HttpApi::Start(config_.http, service_.get(), views_.get(),
                             principals_.get(), trail_.get(), &draining_,
                             registry_, releases_.get());
  if (!http.ok()) return http.status();
  http_ = std::move(*http);
  if (!config_.intake.address.empty()) {
    if (absl::Status s = ConnectIntake(config_.intake.address); !s.ok()) {
      return s;
    }
  }
  reader_ = std::thread([this] { loop_->RunUntilStopped(stop_); });
  return absl::OkStatus();
}

absl::Status GatewayComponent::ConnectIntake(const std::string& address) {
  if (http_ == nullptr) {
    return absl::FailedPreconditionError("gateway: not started");
  }
  IntakeOptions options = config_.intake;
  options.address = address;
  auto client = IntakeClient::Create(options);
  if (!client.ok()) return client.status();
  http_->ConnectIntake(std::move(*client));
  log::Info("gateway forwards reports to intake", {{"address", address}});
  return absl::OkStatus();
}

absl::Status GatewayComponent::Stop() {
  draining_ = true;
  stop_ = true;
  if (http_ != nullptr) http_->Stop();
  if (reader_.joinable()) reader_.join();
  return absl::OkStatus();
}

GatewayComponent::~GatewayComponent() { (void)Stop(); }

absl::Status Run(const GatewayConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening) {
  return service::Run<GatewayComponent>("gateway", config, stop, on_listening);
}

}  // namespace fruition::gateway
