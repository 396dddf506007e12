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
  if (config.create_topics) {
    std::vector<kafka::TopicSpec> specs;
    for (const std::string& t :
         {topics.oversight_public, topics.oversight_restricted, topics.scores,
          topics.scores_public}) {
      specs.push_back(kafka::TopicSpec{
          t, config.topic_partitions, config.topic_replication, {}});
    }
    absl::Status s =
        kafka::EnsureTopics(config.kafka_bootstrap, config.kafka_properties,
                            specs, std::chrono::seconds(15));
    if (!s.ok()) return s;
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

absl::Status GatewayComponent::Start() {
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

void GatewayComponent::Stop() {
  draining_ = true;
  stop_ = true;
  if (http_ != nullptr) http_->Stop();
  if (reader_.joinable()) reader_.join();
}

GatewayComponent::~GatewayComponent() { Stop(); }

absl::Status Run(const GatewayConfig& config, server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening) {
  log::Level level = log::Level::kInfo;
  log::ParseLevel(config.log_level, &level);
  log::Configure("gateway", level);
  auto registry = std::make_shared<prometheus::Registry>();
  auto component = GatewayComponent::Create(config, *registry);
  if (!component.ok()) return component.status();
  GatewayComponent* comp = component->get();
  absl::Status started;
  service::Component serving;
  serving.services = {comp->service()};
  serving.ready = [comp] { return comp->Ready(); };
  serving.start = [comp, &started, stop] {
    started = comp->Start();
    if (!started.ok()) {
      log::Error("gateway HTTP did not start",
                 {{"error", std::string(started.message())}});
      stop->Notify("http-listen failed");
    }
  };
  serving.draining = [comp] { comp->Drain(); };
  serving.stop = [comp] { comp->Stop(); };
  absl::Status s =
      service::Serve("gateway", config, serving, registry, stop, on_listening);
  if (!started.ok()) return started;
  return s;
}

}  // namespace fruition::gateway
