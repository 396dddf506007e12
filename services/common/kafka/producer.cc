#include "services/common/kafka/producer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <mutex>

#include "services/common/kafka/conf.h"
#include "services/common/log/log.h"
#include "services/common/strings.h"

namespace fruition::kafka {
absl::Status DeliveryStatus(int code, std::string_view what) {
  const auto err = static_cast<rd_kafka_resp_err_t>(code);
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return absl::OkStatus();
    // The record itself: no retry makes Kafka take it.
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP:
    case RD_KAFKA_RESP_ERR__BAD_MSG:
      return absl::InvalidArgumentError(
          StrCat(what, " rejected by Kafka: ", rd_kafka_err2str(err)));
    // The topic or the cluster will not take it from us until an operator
    // changes their configuration: not the sender's fault (FAILED_PRECONDITION,
    // not PERMISSION_DENIED, so intake does not tell an agency it lacks a
    // right), and no retry helps.
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
      return absl::FailedPreconditionError(
          StrCat(what, " refused by Kafka: ", rd_kafka_err2str(err)));
    default:
      return absl::UnavailableError(StrCat(what, " maybe not written (",
                                           rd_kafka_err2str(err),
                                           "); retry with the same id"));
  }
}

bool Retriable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable;
}

absl::Status CheckNotWeakened(
    const std::map<std::string, std::string>& properties) {
  // SPEC §8: an accepted report is on every in-sync replica before intake
  // answers, and a retried produce never duplicates: no setting may trade
  // either for speed. Refused whatever the value, so that a deployment's
  // settings cannot drift into a weaker one unnoticed.
  for (const char* name :
       {"acks", "request.required.acks", "enable.idempotence"}) {
    if (properties.count(name) > 0) {
      return absl::InvalidArgumentError(
          StrCat("kafka-properties: '", name,
                 "' cannot be set: every producer writes with acks=all and "
                 "enable.idempotence=true (nothing acknowledged may be lost or "
                 "written twice)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::string>> ParseProperties(
    std::string_view text) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(start, end - start);
    if (!item.empty()) {
      const size_t eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return absl::InvalidArgumentError(
            StrCat("kafka-properties: '", item, "' is not name=value"));
      }
      out[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
    }
    start = end + 1;
  }
  if (absl::Status s = CheckNotWeakened(out); !s.ok()) return s;
  return out;
}

KafkaProducer::KafkaProducer(ProducerOptions options)
    : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(
    ProducerOptions options) {
  if (options.bootstrap_servers.empty()) {
    return absl::InvalidArgumentError("kafka-bootstrap: required");
  }
  std::unique_ptr<KafkaProducer> producer(
      new KafkaProducer(std::move(options)));
  auto handle = producer->NewHandle();
  if (!handle.ok()) return handle.status();
  producer->rk_ = *handle;
  producer->poller_ = std::thread([p = producer.get()] { p->PollLoop(); });
  producer->prober_ = std::thread([p = producer.get()] { p->ProbeLoop(); });
  return producer;
}

absl::StatusOr<rd_kafka_t*> KafkaProducer::NewHandle() {
  if (absl::Status s = CheckNotWeakened(options_.properties); !s.ok()) {
    return s;
  }
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", options_.bootstrap_servers},
      {"client.id", options_.client_id},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"partitioner", "murmur2_random"},
      {"message.timeout.ms", std::to_string(options_.delivery_timeout_ms)},
      {"linger.ms", std::to_string(options_.linger_ms)},
      {"compression.type", "lz4"},
      {"queue.buffering.max.messages", "200000"},
      {"socket.connection.setup.timeout.ms", "5000"},
      {"reconnect.backoff.max.ms", "1000"},
  };
  for (const auto& [name, value] : options_.properties) props[name] = value;
  if (!options_.transactional_id.empty()) {
    props["transactional.id"] = options_.transactional_id;
    props["transaction.timeout.ms"] =
        std::to_string(options_.transaction_timeout_ms);
    // librdkafka requires message.timeout.ms <= transaction.timeout.ms.
    props["message.timeout.ms"] = std::to_string(std::min(
        options_.delivery_timeout_ms, options_.transaction_timeout_ms));
  }
  auto new_conf = NewConf(props);
  if (!new_conf.ok()) return new_conf.status();
  rd_kafka_conf_t* conf = *new_conf;
  rd_kafka_conf_set_dr_msg_cb(
      conf, [](rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque) {
        OnDelivery(rk, msg, opaque);
      });
  rd_kafka_conf_set_error_cb(
      conf, [](rd_kafka_t* rk, int err, const char* reason, void* opaque) {
        OnError(rk, err, reason, opaque);
      });
  rd_kafka_conf_set_opaque(conf, this);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    return absl::InvalidArgumentError(StrCat("kafka producer: ", err));
  }
  return rk;
}

KafkaProducer::~KafkaProducer() {
  if (absl::Status s = Flush(std::chrono::seconds(10)); !s.ok()) {
    log::Warn("kafka producer closing with records unacknowledged",
              {{"error", std::string(s.message())}});
  }
  stopping_ = true;
  if (prober_.joinable()) prober_.join();
  if (poller_.joinable()) poller_.join();
  std::unique_lock<std::shared_mutex> lock(handle_mu_);
  if (rk_ != nullptr) {
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_, 0);  // serve the purged records' reports
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
  }
}

void KafkaProducer::Produce(std::string_view topic, std::string_view key,
                            std::string_view value,
                            const std::vector<Header>& headers,
                            DeliveryCallback done) {
  ProduceTo(topic, RD_KAFKA_PARTITION_UA, key, value, headers, std::move(done));
}

void KafkaProducer::ProduceTo(std::string_view topic, int32_t partition,
                              std::string_view key, std::string_view value,
                              const std::vector<Header>& headers,
                              DeliveryCallback done) {
  auto* callback = new DeliveryCallback(std::move(done));
  rd_kafka_headers_t* hdrs = nullptr;
  if (!headers.empty()) {
    hdrs = rd_kafka_headers_new(headers.size());
    for (const auto& [name, val] : headers) {
      rd_kafka_header_add(hdrs, name.data(), name.size(), val.data(),
                          val.size());
    }
  }
  rd_kafka_resp_err_t err;
  {
    std::shared_lock<std::shared_mutex> lock(handle_mu_);
    if (rk_ == nullptr || stopping_) {
      err = RD_KAFKA_RESP_ERR__DESTROY;
    } else {
      const std::string topic_name(topic);
      err = rd_kafka_producev(
          rk_, RD_KAFKA_V_TOPIC(topic_name.c_str()),
          RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs),
          RD_KAFKA_V_OPAQUE(callback), RD_KAFKA_V_END);
    }
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);  // not taken over
    DeliveryReport report;
    // A record larger than message.max.bytes fails here, before any broker
    // sees it: as permanent as the broker's own refusal.
    report.status = DeliveryStatus(err, "record");
    if (Retriable(report.status)) {
      report.status = absl::UnavailableError(
          StrCat("record not enqueued (", rd_kafka_err2str(err),
                 "); retry with the same id"));
    }
    (*callback)(report);
    delete callback;
  }
}

void KafkaProducer::OnDelivery(rd_kafka_t* /*rk*/, const void* message,
                               void* /*opaque*/) {
  const auto* msg = static_cast<const rd_kafka_message_t*>(message);
  auto* callback = static_cast<DeliveryCallback*>(msg->_private);
  if (callback == nullptr) return;
  DeliveryReport report;
  report.status = DeliveryStatus(msg->err, "record");
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    report.partition = msg->partition;
    report.offset = msg->offset;
  }
  (*callback)(report);
  delete callback;
}

void KafkaProducer::OnError(rd_kafka_t* rk, int code, const char* reason,
                            void* opaque) {
  auto* self = static_cast<KafkaProducer*>(opaque);
  const auto err = static_cast<rd_kafka_resp_err_t>(code);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char why[512];
    rd_kafka_fatal_error(rk, why, sizeof(why));
    log::Error("kafka producer fatal error; recreating it", {{"reason", why}});
    self->fatal_ = true;
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    self->healthy_ = false;
  }
  log::Warn("kafka producer error",
            {{"error", rd_kafka_err2name(err)}, {"reason", reason}});
}

void KafkaProducer::PollLoop() {
  while (!stopping_) {
    if (fatal_.exchange(false)) RecreateAfterFatalError();
    std::shared_lock<std::shared_mutex> lock(handle_mu_);
    if (rk_ != nullptr) rd_kafka_poll(rk_, 50);
  }
}

void KafkaProducer::ProbeLoop() {
  auto next = std::chrono::steady_clock::now();
  while (!stopping_) {
    if (std::chrono::steady_clock::now() >= next) {
      const rd_kafka_metadata_t* md = nullptr;
      rd_kafka_resp_err_t err;
      {
        std::shared_lock<std::shared_mutex> lock(handle_mu_);
        err = rk_ == nullptr
                  ? RD_KAFKA_RESP_ERR__DESTROY
                  : rd_kafka_metadata(rk_, 0, nullptr, &md,
                                      options_.health_probe_interval_ms);
      }
      if (md != nullptr) rd_kafka_metadata_destroy(md);
      const bool ok = err == RD_KAFKA_RESP_ERR_NO_ERROR;
      if (ok != healthy_.exchange(ok)) {
        log::Info(ok ? "kafka reachable" : "kafka unreachable",
                  {{"bootstrap", options_.bootstrap_servers},
                   {"error", rd_kafka_err2name(err)}});
      }
      next = std::chrono::steady_clock::now() +
             std::chrono::milliseconds(options_.health_probe_interval_ms);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void KafkaProducer::RecreateAfterFatalError() {
  std::unique_lock<std::shared_mutex> lock(handle_mu_);
  if (rk_ != nullptr) {
    // Everything not acknowledged is reported UNAVAILABLE ("maybe written").
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_, 0);
    rd_kafka_flush(rk_, 1000);
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
  }
  auto handle = NewHandle();
  if (!handle.ok()) {
    log::Error("kafka producer could not be recreated",
               {{"error", std::string(handle.status().message())}});
    fatal_ = true;  // try again on the next loop
    return;
  }
  rk_ = *handle;
  ++recreations_;
}

void KafkaProducer::InjectFatalErrorForTesting() {
  std::shared_lock<std::shared_mutex> lock(handle_mu_);
  if (rk_ != nullptr) {
    rd_kafka_test_fatal_error(rk_,
                              RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                              "injected by test");
  }
}

namespace {

constexpr int kTxnTimeoutMs = 30000;

// The status of a failed transactional call (and frees `error`): ABORTED
// naming Kafka's error.
absl::Status TxnError(rd_kafka_error_t* error, std::string_view what) {
  absl::Status s =
      absl::AbortedError(StrCat(what, ": ", rd_kafka_error_name(error), " (",
                                rd_kafka_error_string(error), ")"));
  rd_kafka_error_destroy(error);
  return s;
}

}  // namespace

absl::Status KafkaProducer::BeginTransaction() {
  std::shared_lock<std::shared_mutex> lock(handle_mu_);
  if (rk_ == nullptr || stopping_) {
    return absl::UnavailableError("producer closed");
  }
  if (txn_ready_.load() != rk_) {
    // Also fences this id's earlier incarnation: whatever it left open is
    // aborted before the first transaction here begins.
    if (rd_kafka_error_t* e = rd_kafka_init_transactions(rk_, kTxnTimeoutMs)) {
      if (rd_kafka_error_is_fatal(e)) fatal_ = true;
      return TxnError(e, "init transactions");
    }
    txn_ready_ = rk_;
  }
  if (rd_kafka_error_t* e = rd_kafka_begin_transaction(rk_)) {
    if (rd_kafka_error_is_fatal(e)) fatal_ = true;
    return TxnError(e, "begin transaction");
  }
  return absl::OkStatus();
}

absl::Status KafkaProducer::CommitTransaction(
    const std::map<TopicPartition, int64_t>& offsets,
    const rd_kafka_consumer_group_metadata_s* group) {
  std::shared_lock<std::shared_mutex> lock(handle_mu_);
  if (rk_ == nullptr) return absl::AbortedError("producer closed");
  rd_kafka_error_t* error = nullptr;
  if (!offsets.empty() && group != nullptr) {
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
    for (const auto& [tp, next] : offsets) {
      rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)
          ->offset = next;
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (error != nullptr) rd_kafka_error_destroy(error);
      error =
          rd_kafka_send_offsets_to_transaction(rk_, list, group, kTxnTimeoutMs);
      if (error == nullptr || !rd_kafka_error_is_retriable(error)) break;
    }
    rd_kafka_topic_partition_list_destroy(list);
  }
  for (int attempt = 0; error == nullptr && attempt < 3; ++attempt) {
    error = rd_kafka_commit_transaction(rk_, kTxnTimeoutMs);
    if (error == nullptr) return absl::OkStatus();
    if (!rd_kafka_error_is_retriable(error)) break;
    rd_kafka_error_destroy(error);
    error = nullptr;
  }
  if (error == nullptr) {
    error = rd_kafka_error_new(RD_KAFKA_RESP_ERR__TIMED_OUT,
                               "commit did not complete");
  }
  if (rd_kafka_error_is_fatal(error)) {
    // Fenced by a newer incarnation of this transactional id, or by the
    // coordinator aborting a transaction that outlived its timeout:
    // recreated (and initialised again) before the next one.
    fatal_ = true;
  } else if (rd_kafka_error_t* a =
                 rd_kafka_abort_transaction(rk_, kTxnTimeoutMs)) {
    if (rd_kafka_error_is_fatal(a)) fatal_ = true;
    rd_kafka_error_destroy(a);
  }
  return TxnError(error, "transaction aborted");
}

void KafkaProducer::AbortTransaction() {
  std::shared_lock<std::shared_mutex> lock(handle_mu_);
  if (rk_ == nullptr || txn_ready_.load() != rk_) return;
  if (rd_kafka_error_t* e = rd_kafka_abort_transaction(rk_, kTxnTimeoutMs)) {
    if (rd_kafka_error_is_fatal(e)) fatal_ = true;
    log::Warn("kafka transaction abort failed",
              {{"error", rd_kafka_error_name(e)},
               {"reason", rd_kafka_error_string(e)}});
    rd_kafka_error_destroy(e);
  }
}

absl::Status KafkaProducer::Flush(std::chrono::milliseconds timeout) {
  std::shared_lock<std::shared_mutex> lock(handle_mu_);
  if (rk_ == nullptr) return absl::OkStatus();
  const rd_kafka_resp_err_t err =
      rd_kafka_flush(rk_, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::DeadlineExceededError(
        StrCat(rd_kafka_outq_len(rk_), " records still unacknowledged after ",
               timeout.count(), " ms"));
  }
  return absl::OkStatus();
}

}  // namespace fruition::kafka
