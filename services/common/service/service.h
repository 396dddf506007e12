// What every stateful service (evidence, scoring, and the ones after them)
// shares: the common settings and their validation, and serving one
// component — gRPC with health and reflection, admin HTTP (/metrics,
// /healthz, /readyz), health following the component's readiness, and a
// graceful drain on SIGTERM.
#ifndef FRUITION_SERVICES_COMMON_SERVICE_SERVICE_H_
#define FRUITION_SERVICES_COMMON_SERVICE_SERVICE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "prometheus/registry.h"
#include "services/common/config/config.h"
#include "services/common/kafka/admin.h"
#include "services/common/server/shutdown.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace fruition::service {

// What differs between the services' common settings: their default
// addresses and consumer group (one constant per service, read by both its
// config struct and its --help).
struct ServiceDefaults {
  const char* grpc_listen;
  const char* metrics_listen;
  const char* group_id;
};

struct CommonConfig {
  CommonConfig() = default;
  explicit CommonConfig(const ServiceDefaults& d)
      : grpc_listen(d.grpc_listen),
        metrics_listen(d.metrics_listen),
        group_id(d.group_id) {}

  std::string grpc_listen;      // host:port
  std::string metrics_listen;   // host:port
  std::string kafka_bootstrap;  // required
  std::map<std::string, std::string> kafka_properties;
  std::string group_id;         // consumer group
  std::string principals_file;  // required (SPEC §1)
  std::string data_dir;         // required
  // RocksDB memory and threads (store-block-cache-mb, ...).
  store::StoreOptions store;
  stream::SkipSet skip_records;
  // Processes in a row that die applying the same records before the loop
  // applies them one at a time, and that die applying one record alone
  // before it is a crash record (stream/inflight.h).
  int crash_record_attempts = 3;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Handshakes without a client certificate fail (needs tls_client_ca_file).
  bool tls_require_client_cert = false;
  int drain_timeout_ms = 10000;
  // Server-side deadlines (server/deadlines.h).
  int unary_deadline_ms = 30000;
  int stream_idle_timeout_ms = 300000;
  bool create_topics = false;
  // Group stages commit their outputs in Kafka transactions (fencing,
  // docs/DESIGN.md "Fencing"). Off only in `fruition dev`: one process on
  // librdkafka's mock cluster, nothing to fence, and librdkafka 2.0.2 can
  // assert while destroying transactional clients as the mock goes away.
  bool transactional_outputs = true;
  int topic_partitions = 12;
  int topic_replication = 3;
  std::string log_level = "info";
  // This instance's name on the audit trail; "" for <service>@<instance>
  // (audit::DefaultWriter).
  std::string audit_writer;
};

// The common settings' specs, with this service's default addresses and
// group; append the service's own.
std::vector<config::Spec> CommonSpecs(const ServiceDefaults& defaults);

// Reads and validates the common settings; errors name the field.
absl::Status ParseCommon(const config::Settings& s, CommonConfig* c);

// Reads the store-* settings (in CommonSpecs) into `o` and makes them the
// process's store options (store::SetDefaultStoreOptions); for a service
// whose config is not a CommonConfig.
absl::Status ParseStore(const config::Settings& s, store::StoreOptions* o);

// Creates `dir` (under the data dir) if missing; INVALID_ARGUMENT naming
// config field data-dir otherwise. Returns `dir`.
absl::StatusOr<std::string> MakeDir(const std::string& dir);

// MakeDir, then the RocksDB store in it with `tables`.
absl::StatusOr<std::unique_ptr<store::KvStore>> OpenStore(
    const std::string& dir, const std::vector<std::string>& tables);

// With `config.create_topics`, creates the topics of the catalogue that
// `service` (topics::kIntake, ...) reads or writes and that are missing,
// with `config.topic_partitions` and `config.topic_replication` and the
// catalogue's retention; existing topics are left alone. `Config` is a
// CommonConfig or another config with the same Kafka and topic fields.
template <typename Config>
absl::Status CreateTopicsOf(std::string_view service, const Config& config) {
  if (!config.create_topics) return absl::OkStatus();
  return kafka::EnsureTopics(
      config.kafka_bootstrap, config.kafka_properties,
      kafka::ServiceTopics(service, config.topic_partitions,
                           config.topic_replication),
      std::chrono::seconds(15));
}

class Component;  // component.h

// How a component is served: the common settings Serve needs (a
// CommonConfig, or intake's config, which has the same fields).
struct ServeOptions {
  std::string grpc_listen;     // host:port
  std::string metrics_listen;  // host:port
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  bool tls_require_client_cert = false;
  int drain_timeout_ms = 10000;
  int unary_deadline_ms = 30000;
  int stream_idle_timeout_ms = 300000;
};

template <typename Config>
ServeOptions ServeOptionsOf(const Config& config) {
  ServeOptions o;
  o.grpc_listen = config.grpc_listen;
  o.metrics_listen = config.metrics_listen;
  o.tls_cert_file = config.tls_cert_file;
  o.tls_key_file = config.tls_key_file;
  o.tls_client_ca_file = config.tls_client_ca_file;
  o.tls_require_client_cert = config.tls_require_client_cert;
  o.drain_timeout_ms = config.drain_timeout_ms;
  o.unary_deadline_ms = config.unary_deadline_ms;
  o.stream_idle_timeout_ms = config.stream_idle_timeout_ms;
  return o;
}

// Serves `component` until `stop` fires, then drains: health NOT_SERVING,
// Drain(), running calls get drain_timeout_ms, Stop(), the admin server
// closes. `on_listening` gets the gRPC and admin ports (tests use port 0).
// When Start fails (not CANCELLED) the process stops and that error is the
// result; otherwise Stop's.
absl::Status Serve(const std::string& name, const ServeOptions& options,
                   Component& component,
                   const std::shared_ptr<prometheus::Registry>& registry,
                   server::ShutdownSignal* stop,
                   const std::function<void(int, int)>& on_listening);

// Logs of this process as `name`, at `level` (already validated; info if
// not a level).
void ConfigureLog(const std::string& name, const std::string& level);

// A service binary's Run: logging, a metrics registry, `C::Create(config,
// registry)`, then Serve until `stop`.
template <typename C, typename Config>
absl::Status Run(const std::string& name, const Config& config,
                 server::ShutdownSignal* stop,
                 const std::function<void(int, int)>& on_listening) {
  ConfigureLog(name, config.log_level);
  auto registry = std::make_shared<prometheus::Registry>();
  auto component = C::Create(config, *registry);
  if (!component.ok()) return component.status();
  return Serve(name, ServeOptionsOf(config), **component, registry, stop,
               on_listening);
}

}  // namespace fruition::service

#endif  // FRUITION_SERVICES_COMMON_SERVICE_SERVICE_H_
