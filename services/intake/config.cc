#include "services/intake/config.h"

#include <cstdlib>

#include "services/common/kafka/producer.h"
#include "services/common/log/log.h"
#include "services/common/status.h"
#include "services/common/strings.h"

namespace fruition::intake {

const std::vector<config::Spec>& IntakeSpecs() {
  static const auto* specs = new std::vector<config::Spec>{
      {"grpc-listen", "127.0.0.1:50051", "gRPC listen address host:port"},
      {"metrics-listen", "127.0.0.1:9101",
       "admin HTTP (/metrics, /healthz, /readyz) host:port"},
      {"kafka-bootstrap", "", "Kafka bootstrap servers (required)"},
      {"kafka-properties", "",
       "extra librdkafka properties, k=v,k=v (security.protocol, sasl.*)"},
      {"kafka-delivery-timeout-ms", "15000",
       "time a report may wait for Kafka before UNAVAILABLE"},
      {"principals-file", "", "principals YAML (SPEC §1; required)"},
      {"pseudonym-key-file", "", "file holding the HMAC key for subject_pid"},
      {"pseudonym-key", "",
       "the HMAC key itself (prefer FRUITION_PSEUDONYM_KEY or the file)"},
      {"sealed-key-file", "",
       "file holding the AES-256 key ring for sealed evidence text (ID:HEX "
       "lines; the first, or the one marked *ID, encrypts)"},
      {"sealed-key", "",
       "the sealed-text key ring itself (prefer FRUITION_SEALED_KEY or the "
       "file)"},
      {"data-dir", "", "directory for RocksDB state (required)"},
      {"tls-cert", "", "server certificate PEM (enables TLS)"},
      {"tls-key", "", "server private key PEM"},
      {"tls-client-ca", "", "CA PEM to verify client certificates"},
      {"tls-require-client-cert", "false",
       "refuse TLS handshakes without a client certificate from tls-client-ca "
       "(needs it)",
       true},
      {"drain-timeout-ms", "10000", "grace period for running RPCs on SIGTERM"},
      {"stream-window", "2048", "reports in flight per Stream call"},
      {"stream-inflight-bytes", "16777216",
       "bytes of reports in flight per Stream call before it stops reading "
       "[4194304 (the largest message), 1073741824]"},
      {"principal-inflight-bytes", "33554432",
       "bytes in flight for one principal's calls together [stream-inflight-"
       "bytes, inflight-budget-bytes]"},
      {"inflight-budget-bytes", "67108864",
       "bytes in flight for every call of this replica: streams stop reading "
       "and Submit calls are refused RESOURCE_EXHAUSTED when reached"},
      {"unary-deadline-ms", "30000",
       "deadline of a Submit call whose client set none [1000, 3600000]"},
      {"stream-idle-timeout-ms", "300000",
       "a Stream call with no message either way for this long is cancelled "
       "[1000, 86400000]"},
      {"audit-writer", "",
       "this instance's name on the audit trail (default "
       "intake@$FRUITION_INSTANCE, else @$HOSTNAME); unique per instance"},
      {"create-topics", "false", "create missing topics at start (dev/test)",
       true},
      {"topic-partitions", "12", "partitions for --create-topics"},
      {"topic-replication", "3",
       "replication factor for --create-topics (min.insync.replicas 2; 1 only "
       "for a one-broker dev cluster)"},
      {"log-level", "info", "debug, info, warn or error"},
  };
  return *specs;
}

absl::Status CheckHostPort(const std::string& value, const std::string& field) {
  return config::CheckHostPort(value, field);
}

namespace {

// The pseudonym key and the sealed-text key ring: each from a file or a
// value, exactly one of the two.
absl::Status KeysFrom(const config::Settings& s, IntakeConfig* c) {
  FRUITION_RETURN_IF_ERROR(
      config::ExactlyOneOf(s, "pseudonym-key-file", "pseudonym-key"));
  FRUITION_RETURN_IF_ERROR(
      config::ExactlyOneOf(s, "sealed-key-file", "sealed-key"));
  c->pseudonym_key_file = s.Get("pseudonym-key-file");
  c->pseudonym_key = s.Get("pseudonym-key");
  c->sealed_key_file = s.Get("sealed-key-file");
  c->sealed_key = s.Get("sealed-key");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IntakeConfig> IntakeConfigFrom(const config::Settings& s) {
  IntakeConfig c;
  c.grpc_listen = s.Get("grpc-listen");
  FRUITION_RETURN_IF_ERROR(CheckHostPort(c.grpc_listen, "grpc-listen"));
  c.metrics_listen = s.Get("metrics-listen");
  FRUITION_RETURN_IF_ERROR(CheckHostPort(c.metrics_listen, "metrics-listen"));
  FRUITION_ASSIGN_OR_RETURN(c.kafka_bootstrap,
                            s.GetRequired("kafka-bootstrap"));
  auto props = kafka::ParseProperties(s.Get("kafka-properties"));
  if (!props.ok()) {
    return absl::InvalidArgumentError(
        StrCat("config field ", props.status().message()));
  }
  c.kafka_properties = *props;
  FRUITION_ASSIGN_OR_RETURN(
      const int64_t timeout,
      s.GetInt("kafka-delivery-timeout-ms", 1000, 300000));
  c.kafka_delivery_timeout_ms = static_cast<int>(timeout);
  FRUITION_ASSIGN_OR_RETURN(c.principals_file,
                            s.GetRequired("principals-file"));
  FRUITION_RETURN_IF_ERROR(KeysFrom(s, &c));
  FRUITION_ASSIGN_OR_RETURN(c.data_dir, s.GetRequired("data-dir"));
  c.tls_cert_file = s.Get("tls-cert");
  c.tls_key_file = s.Get("tls-key");
  c.tls_client_ca_file = s.Get("tls-client-ca");
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "config field tls-cert / tls-key: set both or neither");
  }
  if (!c.tls_client_ca_file.empty() && c.tls_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "config field tls-client-ca: needs tls-cert and tls-key");
  }
  FRUITION_ASSIGN_OR_RETURN(c.tls_require_client_cert,
                            s.GetBool("tls-require-client-cert"));
  if (c.tls_require_client_cert && c.tls_client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "config field tls-require-client-cert: needs tls-client-ca (and "
        "tls-cert, tls-key)");
  }
  FRUITION_ASSIGN_OR_RETURN(const int64_t drain,
                            s.GetInt("drain-timeout-ms", 0, 600000));
  c.drain_timeout_ms = static_cast<int>(drain);
  FRUITION_ASSIGN_OR_RETURN(const int64_t window,
                            s.GetInt("stream-window", 1, 100000));
  c.stream_window = static_cast<int>(window);
  FRUITION_ASSIGN_OR_RETURN(
      c.stream_inflight_bytes,
      s.GetInt("stream-inflight-bytes", kMaxMessageBytes, 1LL << 30));
  FRUITION_ASSIGN_OR_RETURN(
      c.inflight_budget_bytes,
      s.GetInt("inflight-budget-bytes", kMaxMessageBytes, 64LL << 30));
  FRUITION_ASSIGN_OR_RETURN(
      c.principal_inflight_bytes,
      s.GetInt("principal-inflight-bytes", c.stream_inflight_bytes,
               c.inflight_budget_bytes));
  FRUITION_ASSIGN_OR_RETURN(const int64_t unary_deadline,
                            s.GetInt("unary-deadline-ms", 1000, 3600000));
  c.unary_deadline_ms = static_cast<int>(unary_deadline);
  FRUITION_ASSIGN_OR_RETURN(const int64_t idle,
                            s.GetInt("stream-idle-timeout-ms", 1000, 86400000));
  c.stream_idle_timeout_ms = static_cast<int>(idle);
  c.audit_writer = s.Get("audit-writer");
  FRUITION_ASSIGN_OR_RETURN(c.create_topics, s.GetBool("create-topics"));
  FRUITION_ASSIGN_OR_RETURN(const int64_t partitions,
                            s.GetInt("topic-partitions", 1, 10000));
  c.topic_partitions = static_cast<int>(partitions);
  FRUITION_ASSIGN_OR_RETURN(const int64_t replication,
                            s.GetInt("topic-replication", 1, 100));
  c.topic_replication = static_cast<int>(replication);
  c.log_level = s.Get("log-level");
  log::Level level;
  if (!log::ParseLevel(c.log_level, &level)) {
    return absl::InvalidArgumentError(
        StrCat("config field log-level (", s.Source("log-level"), "): '",
               c.log_level, "' is not debug, info, warn or error"));
  }
  return c;
}

}  // namespace fruition::intake
