// Intake's configuration: flags > FRUITION_* environment > YAML file
// (services/common/config). `fruition-intake --help` lists every setting.
#ifndef FRUITION_SERVICES_INTAKE_CONFIG_H_
#define FRUITION_SERVICES_INTAKE_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/config/config.h"

namespace fruition::intake {

// The largest gRPC message intake reads (server::kMaxReceiveMessageBytes):
// a stream reserves this much before each read.
inline constexpr int64_t kMaxMessageBytes = 4LL << 20;

struct IntakeConfig {
  std::string grpc_listen = "127.0.0.1:50051";          // host:port
  std::string metrics_listen = "127.0.0.1:9101";        // host:port, /metrics
  std::string kafka_bootstrap;                          // required
  std::map<std::string, std::string> kafka_properties;  // security etc.
  int kafka_delivery_timeout_ms = 15000;
  std::string principals_file;     // required (SPEC §1)
  std::string pseudonym_key_file;  // this, or pseudonym_key, required
  std::string pseudonym_key;       // secret: never logged
  // Sealed-text key ring (privacy::SealedBox): this, or sealed_key, required.
  std::string sealed_key_file;
  std::string sealed_key;  // secret: never logged
  std::string data_dir;    // required; RocksDB in <data_dir>/intake
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Handshakes without a client certificate fail (needs tls_client_ca_file).
  bool tls_require_client_cert = false;
  int drain_timeout_ms = 10000;  // SIGTERM: running RPCs get this long
  int stream_window = 2048;      // reports in flight per Stream call
  // In-flight memory (bytes of reports read and not yet answered): per
  // Stream call, per principal, per replica (quota.h). Defaults fit the
  // Helm chart's 512 MiB pod limit (docs/OPERATIONS.md "Quotas and memory").
  int64_t stream_inflight_bytes = 16LL << 20;
  int64_t principal_inflight_bytes = 32LL << 20;
  int64_t inflight_budget_bytes = 64LL << 20;
  int unary_deadline_ms = 30000;        // a call without a deadline gets this
  int stream_idle_timeout_ms = 300000;  // a Stream silent this long ends
  std::string audit_writer;             // empty: audit::DefaultWriter("intake")
  bool create_topics = false;  // create missing topics at start (dev/test)
  int topic_partitions = 12;   // for create_topics
  int topic_replication = 3;   // for create_topics
  std::string log_level = "info";
};

// The settings intake accepts (also used by `fruition dev`).
const std::vector<config::Spec>& IntakeSpecs();

// Builds and validates the typed config; errors name the field.
absl::StatusOr<IntakeConfig> IntakeConfigFrom(const config::Settings& s);

// config::CheckHostPort (kept for intake's callers).
absl::Status CheckHostPort(const std::string& value, const std::string& field);

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_CONFIG_H_
