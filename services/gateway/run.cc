#include "services/gateway/run.h"

#include "services/common/kafka/admin.h"
#include "services/common/kafka/consumer.h"
#include "services/common/log/log.h"
#include "services/common/service/service.h"
#include "services/common/strings.h"
#include "services/common/topics.h"

namespace fruition::gateway {

absl::StatusOr<std::unique_ptr<GatewayComponent>> GatewayComponent::Create(
    const GatewayConfig& config, prometheus::Registry& registry) {
  std::unique_ptr<GatewayComponent> c(new GatewayComponent());
  c->config_ = config;
  auto principals = auth::PrincipalRegistry::LoadFile(config.principals_file);
  if (!principals.ok()) return principals.status();
  c->principals_ = std::make_unique<auth::PrincipalRegistry>(*principals);
  ViewTopics topics{std::string(topics::kOversightPublic),
                    std::string(topics::kOversightRestricted),
                    std::string(topics::kScores),
                    std::string(topics::kScoresPublic)};
  if (absl::Status s =
          service::CreateTopicsOf(fruition::topics::kGateway, config);
      !s.ok()) {
    return s;
  }
  auto store = service::OpenStore(config.data_dir + "/gateway", Tables());
  if (!store.ok()) return store.status();
  c->store_ = std::move(*store);
  c->views_ = std::make_unique<Views>(c->store_.get(), topics);
  c->service_ = std::make_unique<OversightServiceImpl>(
      c->views_.get(), c->principals_.get(), &c->draining_);
  c->records_ = &prometheus::BuildCounter()
                     .Name("fruition_gateway_records_total")
                     .Help(
                         "Records of the oversight and scores topics read "
                         "into the gateway's views")
                     .Register(registry)
                     .Add({});
  return c;
}

absl::Status GatewayComponent::Start(server::ShutdownSignal* /*stop*/) {
  auto http = HttpApi::Start(config_.http, service_.get(), views_.get(),
                             principals_.get(), &draining_);
  if (!http.ok()) return http.status();
  http_ = std::move(*http);
  reader_ = std::thread([this] { ReadLoop(); });
  return absl::OkStatus();
}

void GatewayComponent::ReadLoop() {
  kafka::ConsumerOptions options;
  options.bootstrap_servers = config_.kafka_bootstrap;
  options.client_id = "fruition-gateway";
  options.properties = config_.kafka_properties;
  const auto& t = views_->topics();
  // A failed store read: the views stop moving (NOT_SERVING) until an
  // operator restarts the gateway; nothing of the batch is committed.
  auto hold = [&](const absl::Status& s) {
    reading_ = false;
    log::Error("store read failed: consumption stopped, nothing committed",
               {{"stage", "gateway"}, {"error", std::string(s.message())}});
    while (!stop_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  };
  while (!stop_.load()) {
    auto start = views_->StartOffsets();
    if (!start.ok()) {
      hold(start.status());
      break;
    }
    auto reader = kafka::TopicReader::Create(
        options,
        {t.oversight_public, t.oversight_restricted, t.scores, t.scores_public},
        *start, std::chrono::seconds(10));
    if (!reader.ok()) {
      reading_ = false;
      log::Warn("cannot read the topics yet; retrying in 2 s",
                {{"error", std::string(reader.status().message())}});
      for (int i = 0; i < 20 && !stop_.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      continue;
    }
    reading_ = true;
    while (!stop_.load()) {
      auto batch = (*reader)->Poll(1000, std::chrono::milliseconds(200));
      if (!batch.ok()) {
        log::Error("reading the topics failed; reconnecting",
                   {{"error", std::string(batch.status().message())}});
        reading_ = false;
        break;
      }
      if (batch->empty()) continue;
      store::KvTx tx(store_.get());
      if (absl::Status s = views_->Apply(tx, *batch); !s.ok()) {
        hold(s);
        break;
      }
      if (absl::Status s = views_->Commit(tx); !s.ok()) {
        log::Error("store commit failed",
                   {{"error", std::string(s.message())}});
        reading_ = false;
        break;
      }
      records_->Increment(static_cast<double>(batch->size()));
    }
  }
  reading_ = false;
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
