#include "services/evidence/config.h"

#include <cstdlib>

#include "services/common/kafka/producer.h"
#include "services/common/status.h"
#include "services/common/stream/loop.h"
#include "services/common/strings.h"
#include "services/intake/config.h"

namespace fruition::evidence {

const std::vector<config::Spec>& EvidenceSpecs() {
  static const auto* specs = new std::vector<config::Spec>{
      {"grpc-listen", "127.0.0.1:50052", "gRPC listen address host:port"},
      {"metrics-listen", "127.0.0.1:9102",
       "admin HTTP (/metrics, /healthz, /readyz) host:port"},
      {"kafka-bootstrap", "", "Kafka bootstrap servers (required)"},
      {"kafka-properties", "",
       "extra librdkafka properties, k=v,k=v (security.protocol, sasl.*)"},
      {"group-id", "fruition-evidence", "Kafka consumer group"},
      {"principals-file", "", "principals YAML (SPEC §1; required)"},
      {"data-dir", "", "directory for RocksDB state (required)"},
      {"criteria", "",
       "rulebook YAML (services/evidence/criteria/v1.yaml); default: built-in "
       "v1"},
      {"skip-record", "",
       "unreadable records to skip, TOPIC:PARTITION:OFFSET[,...] (audited)"},
      {"tls-cert", "", "server certificate PEM (enables TLS)"},
      {"tls-key", "", "server private key PEM"},
      {"tls-client-ca", "", "CA PEM to verify client certificates"},
      {"drain-timeout-ms", "10000", "grace period for running RPCs on SIGTERM"},
      {"create-topics", "false", "create missing topics at start (dev/test)",
       true},
      {"topic-partitions", "12", "partitions for --create-topics"},
      {"topic-replication", "1", "replication factor for --create-topics"},
      {"log-level", "info", "debug, info, warn or error"},
  };
  return *specs;
}

absl::StatusOr<EvidenceConfig> EvidenceConfigFrom(const config::Settings& s) {
  EvidenceConfig c;
  c.grpc_listen = s.Get("grpc-listen");
  FRUITION_RETURN_IF_ERROR(intake::CheckHostPort(c.grpc_listen, "grpc-listen"));
  c.metrics_listen = s.Get("metrics-listen");
  FRUITION_RETURN_IF_ERROR(
      intake::CheckHostPort(c.metrics_listen, "metrics-listen"));
  FRUITION_ASSIGN_OR_RETURN(c.kafka_bootstrap,
                            s.GetRequired("kafka-bootstrap"));
  auto props = kafka::ParseProperties(s.Get("kafka-properties"));
  if (!props.ok()) {
    return absl::InvalidArgumentError(
        StrCat("config field ", props.status().message()));
  }
  c.kafka_properties = *props;
  c.group_id = s.Get("group-id");
  if (c.group_id.empty()) {
    return absl::InvalidArgumentError("config field group-id: required");
  }
  FRUITION_ASSIGN_OR_RETURN(c.principals_file,
                            s.GetRequired("principals-file"));
  FRUITION_ASSIGN_OR_RETURN(c.data_dir, s.GetRequired("data-dir"));
  c.criteria_file = s.Get("criteria");
  FRUITION_ASSIGN_OR_RETURN(
      c.skip_records,
      stream::ParseSkipRecords(s.Get("skip-record"), "skip-record"));
  c.tls_cert_file = s.Get("tls-cert");
  c.tls_key_file = s.Get("tls-key");
  c.tls_client_ca_file = s.Get("tls-client-ca");
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "config field tls-cert / tls-key: set both or neither");
  }
  FRUITION_ASSIGN_OR_RETURN(const int64_t drain,
                            s.GetInt("drain-timeout-ms", 0, 600000));
  c.drain_timeout_ms = static_cast<int>(drain);
  FRUITION_ASSIGN_OR_RETURN(c.create_topics, s.GetBool("create-topics"));
  FRUITION_ASSIGN_OR_RETURN(const int64_t partitions,
                            s.GetInt("topic-partitions", 1, 1000));
  c.topic_partitions = static_cast<int>(partitions);
  FRUITION_ASSIGN_OR_RETURN(const int64_t replication,
                            s.GetInt("topic-replication", 1, 10));
  c.topic_replication = static_cast<int>(replication);
  c.log_level = s.Get("log-level");
  return c;
}

}  // namespace fruition::evidence
