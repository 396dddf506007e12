#include "services/common/service/service.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "services/common/kafka/producer.h"
#include "services/common/log/log.h"
#include "services/common/server/audit.h"
#include "services/common/server/grpc_server.h"
#include "services/common/service/component.h"
#include "services/common/status.h"
#include "services/common/strings.h"
#include "services/common/telemetry/admin_http.h"

namespace fruition::service {

absl::StatusOr<std::string> MakeDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InvalidArgumentError(StrCat(
        "config field data-dir: cannot create ", dir, ": ", ec.message()));
  }
  return dir;
}

absl::StatusOr<std::unique_ptr<store::KvStore>> OpenStore(
    const std::string& dir, const std::vector<std::string>& tables) {
  auto made = MakeDir(dir);
  if (!made.ok()) return made.status();
  return store::KvStore::Open(dir, tables);
}

std::vector<config::Spec> CommonSpecs(const ServiceDefaults& defaults) {
  return {
      {"grpc-listen", defaults.grpc_listen, "gRPC listen address host:port"},
      {"metrics-listen", defaults.metrics_listen,
       "admin HTTP (/metrics, /healthz, /readyz) host:port"},
      {"kafka-bootstrap", "", "Kafka bootstrap servers (required)"},
      {"kafka-properties", "",
       "extra librdkafka properties, k=v,k=v (security.protocol, sasl.*)"},
      {"group-id", defaults.group_id, "Kafka consumer group"},
      {"principals-file", "", "principals YAML (SPEC §1; required)"},
      {"data-dir", "", "directory for RocksDB state (required)"},
      {"store-block-cache-mb", "64",
       "RocksDB block cache (data, index and bloom blocks) shared by every "
       "table of the process, MiB [8, 65536]"},
      {"store-write-buffer-mb", "64",
       "RocksDB memtable budget shared by every table of the process, MiB "
       "[8, 65536]"},
      {"store-background-jobs", "2",
       "RocksDB flushes and compactions at once [1, 64]"},
      {"skip-record", "",
       "unreadable or crash records to skip, TOPIC:PARTITION:OFFSET[,...] "
       "(audited)"},
      {"crash-record-attempts", "3",
       "crashes in a row applying the same records before they are applied "
       "one at a time, and applying one record alone before consumption "
       "stops at it [1, 100]"},
      {"tls-cert", "", "server certificate PEM (enables TLS)"},
      {"tls-key", "", "server private key PEM"},
      {"tls-client-ca", "", "CA PEM to verify client certificates"},
      {"tls-require-client-cert", "false",
       "refuse TLS handshakes without a client certificate from tls-client-ca "
       "(needs it)",
       true},
      {"drain-timeout-ms", "10000", "grace period for running RPCs on SIGTERM"},
      {"unary-deadline-ms", "30000",
       "deadline of a unary gRPC call whose client set none [1000, 3600000]"},
      {"stream-idle-timeout-ms", "300000",
       "a client-streaming gRPC call with no message either way for this "
       "long is cancelled [1000, 86400000]"},
      {"create-topics", "false", "create missing topics at start (dev/test)",
       true},
      {"topic-partitions", "12", "partitions for --create-topics"},
      {"topic-replication", "3",
       "replication factor for --create-topics (min.insync.replicas 2; 1 only "
       "for a one-broker dev cluster)"},
      {"log-level", "info", "debug, info, warn or error"},
      {"audit-writer", "",
       "this instance's writer name on fruition.audit.v1 (default "
       "<service>@$FRUITION_INSTANCE, else @$HOSTNAME); unique per running "
       "instance, the same after a restart"},
  };
}

absl::Status ParseStore(const config::Settings& s, store::StoreOptions* o) {
  FRUITION_ASSIGN_OR_RETURN(o->block_cache_mb,
                            s.GetInt("store-block-cache-mb", 8, 65536));
  FRUITION_ASSIGN_OR_RETURN(o->write_buffer_mb,
                            s.GetInt("store-write-buffer-mb", 8, 65536));
  FRUITION_ASSIGN_OR_RETURN(const int64_t jobs,
                            s.GetInt("store-background-jobs", 1, 64));
  o->background_jobs = static_cast<int>(jobs);
  FRUITION_RETURN_IF_ERROR(store::ValidateStoreOptions(*o));
  // Every store of the process opens with these (a service's stores share
  // one cache and one memtable budget), including those a component opens
  // itself with KvStore::Open.
  store::SetDefaultStoreOptions(*o);
  return absl::OkStatus();
}

absl::Status ParseCommon(const config::Settings& s, CommonConfig* c) {
  c->grpc_listen = s.Get("grpc-listen");
  FRUITION_RETURN_IF_ERROR(
      config::CheckHostPort(c->grpc_listen, "grpc-listen"));
  c->metrics_listen = s.Get("metrics-listen");
  FRUITION_RETURN_IF_ERROR(
      config::CheckHostPort(c->metrics_listen, "metrics-listen"));
  FRUITION_ASSIGN_OR_RETURN(c->kafka_bootstrap,
                            s.GetRequired("kafka-bootstrap"));
  auto props = kafka::ParseProperties(s.Get("kafka-properties"));
  if (!props.ok()) {
    return absl::InvalidArgumentError(
        StrCat("config field ", props.status().message()));
  }
  c->kafka_properties = *props;
  c->group_id = s.Get("group-id");
  if (c->group_id.empty()) {
    return absl::InvalidArgumentError("config field group-id: required");
  }
  FRUITION_ASSIGN_OR_RETURN(c->principals_file,
                            s.GetRequired("principals-file"));
  FRUITION_ASSIGN_OR_RETURN(c->data_dir, s.GetRequired("data-dir"));
  FRUITION_RETURN_IF_ERROR(ParseStore(s, &c->store));
  FRUITION_ASSIGN_OR_RETURN(
      c->skip_records,
      stream::ParseSkipRecords(s.Get("skip-record"), "skip-record"));
  FRUITION_ASSIGN_OR_RETURN(const int64_t crash_attempts,
                            s.GetInt("crash-record-attempts", 1, 100));
  c->crash_record_attempts = static_cast<int>(crash_attempts);
  c->tls_cert_file = s.Get("tls-cert");
  c->tls_key_file = s.Get("tls-key");
  c->tls_client_ca_file = s.Get("tls-client-ca");
  if (c->tls_cert_file.empty() != c->tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "config field tls-cert / tls-key: set both or neither");
  }
  if (!c->tls_client_ca_file.empty() && c->tls_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "config field tls-client-ca: needs tls-cert and tls-key");
  }
  FRUITION_ASSIGN_OR_RETURN(c->tls_require_client_cert,
                            s.GetBool("tls-require-client-cert"));
  if (c->tls_require_client_cert && c->tls_client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "config field tls-require-client-cert: needs tls-client-ca (and "
        "tls-cert, tls-key)");
  }
  FRUITION_ASSIGN_OR_RETURN(const int64_t drain,
                            s.GetInt("drain-timeout-ms", 0, 600000));
  c->drain_timeout_ms = static_cast<int>(drain);
  FRUITION_ASSIGN_OR_RETURN(const int64_t unary_deadline,
                            s.GetInt("unary-deadline-ms", 1000, 3600000));
  c->unary_deadline_ms = static_cast<int>(unary_deadline);
  FRUITION_ASSIGN_OR_RETURN(const int64_t idle,
                            s.GetInt("stream-idle-timeout-ms", 1000, 86400000));
  c->stream_idle_timeout_ms = static_cast<int>(idle);
  FRUITION_ASSIGN_OR_RETURN(c->create_topics, s.GetBool("create-topics"));
  FRUITION_ASSIGN_OR_RETURN(const int64_t partitions,
                            s.GetInt("topic-partitions", 1, 1000));
  c->topic_partitions = static_cast<int>(partitions);
  FRUITION_ASSIGN_OR_RETURN(const int64_t replication,
                            s.GetInt("topic-replication", 1, 10));
  c->topic_replication = static_cast<int>(replication);
  c->audit_writer = s.Get("audit-writer");
  c->log_level = s.Get("log-level");
  log::Level level;
  if (!log::ParseLevel(c->log_level, &level)) {
    return absl::InvalidArgumentError(
        StrCat("config field log-level: '", c->log_level,
               "' is not debug, info, warn or error"));
  }
  return absl::OkStatus();
}

void ConfigureLog(const std::string& name, const std::string& level) {
  log::Level parsed = log::Level::kInfo;
  log::ParseLevel(level, &parsed);
  log::Configure(name, parsed);
}

namespace {

// Health follows the component's readiness until `stop` fires.
void FollowReadiness(const std::string& name, const Component& component,
                     server::GrpcServer* grpc_server,
                     server::ShutdownSignal* stop) {
  bool last = false;
  bool first = true;
  while (!stop->WaitFor(std::chrono::milliseconds(250))) {
    const bool ready = component.Ready();
    if (first || ready != last) {
      grpc_server->SetServing(ready);
      log::Info(name + (ready ? " serving" : " not serving"));
      last = ready;
      first = false;
    }
  }
}

// Starts `component`; a failure (other than CANCELLED, which means `stop`
// already fired) stops the process.
absl::Status StartOrStop(const std::string& name, Component& component,
                         server::ShutdownSignal* stop) {
  absl::Status started = component.Start(stop);
  if (absl::IsCancelled(started)) return absl::OkStatus();
  if (!started.ok()) {
    log::Error(name + " did not start",
               {{"error", std::string(started.message())}});
    stop->Notify(name + " start failed");
  }
  return started;
}

}  // namespace

absl::Status Serve(const std::string& name, const ServeOptions& options,
                   Component& component,
                   const std::shared_ptr<prometheus::Registry>& registry,
                   server::ShutdownSignal* stop,
                   const std::function<void(int, int)>& on_listening) {
  server::GrpcServerOptions grpc_options;
  grpc_options.listen_address = options.grpc_listen;
  grpc_options.tls_cert_file = options.tls_cert_file;
  grpc_options.tls_key_file = options.tls_key_file;
  grpc_options.tls_client_ca_file = options.tls_client_ca_file;
  grpc_options.tls_require_client_cert = options.tls_require_client_cert;
  grpc_options.deadlines.unary =
      std::chrono::milliseconds(options.unary_deadline_ms);
  grpc_options.deadlines.stream_idle =
      std::chrono::milliseconds(options.stream_idle_timeout_ms);
  grpc_options.interceptors = [&component] {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        all;
    all.push_back(
        server::RefusalAuditor(component.registry(), component.trail()));
    return all;
  };
  auto grpc_server =
      server::GrpcServer::Start(grpc_options, component.services());
  if (!grpc_server.ok()) return grpc_server.status();
  const size_t colon = options.metrics_listen.rfind(':');
  auto admin = telemetry::AdminHttpServer::Start(
      options.metrics_listen.substr(0, colon),
      std::stoi(options.metrics_listen.substr(colon + 1)), registry,
      [&component] { return component.Ready(); });
  if (!admin.ok()) return admin.status();
  log::Info(name + " listening", {{"grpc_port", (*grpc_server)->port()},
                                  {"metrics_port", (*admin)->port()}});
  if (on_listening) on_listening((*grpc_server)->port(), (*admin)->port());
  absl::Status started = StartOrStop(name, component, stop);
  FollowReadiness(name, component, grpc_server->get(), stop);
  log::Info(name + " draining", {{"reason", stop->reason()},
                                 {"timeout_ms", options.drain_timeout_ms}});
  const auto draining = std::chrono::steady_clock::now();
  (*grpc_server)->SetServing(false);
  component.Drain();
  (*grpc_server)->Shutdown(std::chrono::milliseconds(options.drain_timeout_ms));
  absl::Status stopped = component.Stop();
  (*admin)->Stop();
  log::Info(
      name + " stopped",
      {{"drain_ms", static_cast<int64_t>(
                        std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - draining)
                            .count())},
       {"stopped", stopped.ok()}});
  if (!started.ok()) return started;
  return stopped;
}

}  // namespace fruition::service
