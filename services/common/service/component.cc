#include "services/common/service/component.h"

#include <chrono>
#include <filesystem>
#include <system_error>

#include "services/common/audit/kafka_trail.h"
#include "services/common/service/trail.h"
#include "services/common/strings.h"

namespace fruition::service {

LoopComponent::~LoopComponent() { (void)Stop(); }

bool LoopComponent::Ready() const {
  if (producer_ == nullptr || !producer_->Healthy()) return false;
  for (const auto& loop : loops_) {
    if (!loop->Healthy()) return false;
  }
  return true;
}

absl::Status LoopComponent::Start(server::ShutdownSignal* /*stop*/) {
  if (!add_error_.ok()) return add_error_;
  for (auto& loop : loops_) {
    stream::Loop* l = loop.get();
    threads_.emplace_back([this, l] { l->RunUntilStopped(stop_); });
  }
  return absl::OkStatus();
}

absl::Status LoopComponent::Stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  for (auto& p : producers_) (void)p->Flush(std::chrono::seconds(5));
  if (producer_ != nullptr) (void)producer_->Flush(std::chrono::seconds(5));
  return absl::OkStatus();
}

absl::Status LoopComponent::Init(std::string_view name,
                                 const CommonConfig& config) {
  config_ = config;
  client_id_ = StrCat("fruition-", name);
  auto principals = auth::PrincipalRegistry::LoadFile(config.principals_file);
  if (!principals.ok()) return principals.status();
  principals_ = std::make_unique<auth::PrincipalRegistry>(*principals);
  if (absl::Status s = CreateTopicsOf(name, config); !s.ok()) return s;
  kafka::ProducerOptions options;
  options.bootstrap_servers = config.kafka_bootstrap;
  options.client_id = client_id_;
  options.properties = config.kafka_properties;
  auto producer = kafka::KafkaProducer::Create(options);
  if (!producer.ok()) return producer.status();
  producer_ = std::move(*producer);
  trail_ = OpenTrail(name, config.kafka_bootstrap, config.kafka_properties,
                     config.audit_writer);
  return absl::OkStatus();
}

kafka::ConsumerOptions LoopComponent::Consumer(
    const std::string& group_id) const {
  kafka::ConsumerOptions c;
  c.bootstrap_servers = config_.kafka_bootstrap;
  c.group_id = group_id;
  c.client_id = client_id_;
  c.properties = config_.kafka_properties;
  return c;
}

absl::StatusOr<store::KvStore*> LoopComponent::AddStore(
    const std::string& subdir, const std::vector<std::string>& tables) {
  auto store = OpenStore(config_.data_dir + "/" + subdir, tables);
  if (!store.ok()) return store.status();
  stores_.push_back(std::move(*store));
  return stores_.back().get();
}

stream::Loop* LoopComponent::AddLoop(stream::LoopOptions options,
                                     store::KvStore* store,
                                     stream::Handler* handler,
                                     prometheus::Registry* registry) {
  if (options.consumer.bootstrap_servers.empty()) {
    options.consumer = Consumer(config_.group_id);
  }
  if (options.skip.empty()) options.skip = config_.skip_records;
  // Crash records (stream/inflight.h): one marker per stage in the data dir.
  if (options.inflight_path.empty()) {
    options.inflight_path =
        StrCat(config_.data_dir, "/", options.name, ".inflight");
  }
  options.crash_attempts = config_.crash_record_attempts;
  if (options.trail == nullptr) options.trail = trail_.get();
  kafka::Producer* producer = producer_.get();
  if (!options.group_topics.empty() && config_.transactional_outputs) {
    // A group member's outputs go in Kafka transactions committed with its
    // input offsets (fencing, docs/DESIGN.md "Fencing"): a producer of its
    // own, whose transactional id is stable across restarts (instance and
    // data dir: a restart aborts what its crashed incarnation left open)
    // and unique among running instances (RocksDB locks the data dir).
    kafka::ProducerOptions p;
    p.bootstrap_servers = config_.kafka_bootstrap;
    p.client_id = StrCat(client_id_, "-", options.name);
    p.properties = config_.kafka_properties;
    std::error_code ec;
    const auto dir = std::filesystem::absolute(config_.data_dir, ec);
    p.transactional_id =
        StrCat(audit::DefaultWriter(p.client_id), ":",
               ec ? config_.data_dir : dir.lexically_normal().string());
    auto created = kafka::KafkaProducer::Create(p);
    if (created.ok()) {
      producers_.push_back(std::move(*created));
      producer = producers_.back().get();
    } else if (add_error_.ok()) {
      add_error_ = created.status();
    }
  }
  loops_.push_back(std::make_unique<stream::Loop>(options, store, producer,
                                                  handler, registry));
  return loops_.back().get();
}

}  // namespace fruition::service
