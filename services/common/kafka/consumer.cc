#include "services/common/kafka/consumer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>

#include "absl/strings/str_join.h"
#include "services/common/kafka/conf.h"
#include "services/common/log/log.h"
#include "services/common/strings.h"

namespace fruition::kafka {
namespace {

using PartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t,
                    decltype(&rd_kafka_topic_partition_list_destroy)>;

PartitionList NewList(int size) {
  return PartitionList(rd_kafka_topic_partition_list_new(size),
                       &rd_kafka_topic_partition_list_destroy);
}

std::map<std::string, std::string> BaseProperties(
    const ConsumerOptions& options) {
  std::map<std::string, std::string> p = {
      {"bootstrap.servers", options.bootstrap_servers},
      {"client.id", options.client_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "false"},
      {"auto.offset.reset", "earliest"},
      {"isolation.level", "read_committed"},
      {"log.connection.close", "false"},
  };
  for (const auto& [k, v] : options.properties) p[k] = v;
  return p;
}

// The group.id of a reader that assigns partitions itself and commits
// nothing: librdkafka needs one to assign, and looks its coordinator up,
// which a broker with ACLs allows only with Describe on that group. So it
// is the owner's group, else named after the client id ("fruition-gateway"
// -> "fruition-gateway-reader"), which a service's ACLs cover by prefix
// (services/common/topics.h, AclsOf); never a name shared by services.
std::string ReaderGroup(const ConsumerOptions& options) {
  if (!options.group_id.empty()) return options.group_id;
  if (!options.client_id.empty()) return options.client_id + "-reader";
  return "fruition-reader";
}

// Transient consumer errors librdkafka recovers from by itself.
bool Transient(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR__RESOLVE:
      return true;
    default:
      return false;
  }
}

// Polls `rk` for up to `max` records; the first wait is `timeout`, then only
// what is already fetched.
absl::StatusOr<std::vector<Record>> PollHandle(
    rd_kafka_t* rk, int max, std::chrono::milliseconds timeout,
    std::vector<Record>* into, std::set<TopicPartition>* at_end = nullptr,
    std::map<TopicPartition, int64_t>* ends = nullptr) {
  int wait_ms = static_cast<int>(timeout.count());
  while (static_cast<int>(into->size()) < max) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk, wait_ms);
    wait_ms = 0;
    if (msg == nullptr) break;
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)>
        holder(msg, &rd_kafka_message_destroy);
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF &&
        (at_end != nullptr || ends != nullptr)) {
      TopicPartition tp(
          msg->rkt != nullptr ? rd_kafka_topic_name(msg->rkt) : "",
          msg->partition);
      // A log may end in transaction markers, which never come as records:
      // the end is where the consumer stands, not the last record + 1.
      if (ends != nullptr) {
        int64_t& end = (*ends)[tp];
        end = std::max(end, static_cast<int64_t>(msg->offset));
      }
      if (at_end != nullptr) at_end->insert(std::move(tp));
      continue;
    }
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (Transient(msg->err)) {
        log::Warn("kafka consumer", {{"error", rd_kafka_err2str(msg->err)}});
        continue;
      }
      return absl::UnavailableError(
          StrCat("kafka consumer: ", rd_kafka_message_errstr(msg)));
    }
    into->push_back(ToRecord(msg));
  }
  std::vector<Record> out;
  out.swap(*into);
  return out;
}

absl::StatusOr<int> PartitionsOf(rd_kafka_t* rk, const std::string& topic,
                                 int timeout_ms) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(
        StrCat("metadata for ", topic, ": ", rd_kafka_err2str(err)));
  }
  int n = 0;
  absl::Status status;
  if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = absl::UnavailableError(StrCat(
        "topic ", topic, ": ",
        md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : "missing"));
  } else {
    n = md->topics[0].partition_cnt;
  }
  rd_kafka_metadata_destroy(md);
  if (!status.ok()) return status;
  if (n == 0) {
    return absl::UnavailableError(StrCat("topic ", topic, ": no partitions"));
  }
  return n;
}

absl::StatusOr<rd_kafka_t*> NewConsumer(
    const std::map<std::string, std::string>& properties,
    void (*rebalance)(rd_kafka_t*, rd_kafka_resp_err_t,
                      rd_kafka_topic_partition_list_t*, void*),
    void* opaque) {
  auto conf = NewConf(properties);
  if (!conf.ok()) return conf.status();
  if (rebalance != nullptr) rd_kafka_conf_set_rebalance_cb(*conf, rebalance);
  rd_kafka_conf_set_opaque(*conf, opaque);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, *conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(*conf);
    return absl::InvalidArgumentError(StrCat("kafka consumer: ", err));
  }
  rd_kafka_poll_set_consumer(rk);
  return rk;
}

void RebalanceTrampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t* partitions,
                         void* opaque) {
  GroupConsumer::Rebalance(rk, static_cast<int>(err), partitions, opaque);
}

}  // namespace

Record ToRecord(const rd_kafka_message_t* msg) {
  Record r;
  r.topic = msg->rkt != nullptr ? rd_kafka_topic_name(msg->rkt) : "";
  r.partition = msg->partition;
  r.offset = msg->offset;
  rd_kafka_timestamp_type_t type;
  r.timestamp_ms = rd_kafka_message_timestamp(msg, &type);
  if (msg->key != nullptr) {
    r.key.assign(static_cast<const char*>(msg->key), msg->key_len);
  }
  if (msg->payload != nullptr) {
    r.value.assign(static_cast<const char*>(msg->payload), msg->len);
  }
  rd_kafka_headers_t* headers = nullptr;
  // Not detached: `headers` belongs to `msg`.
  if (rd_kafka_message_headers(msg, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
         RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      r.headers.emplace_back(
          name, value == nullptr
                    ? std::string()
                    : std::string(static_cast<const char*>(value), size));
    }
  }
  return r;
}

absl::StatusOr<std::unique_ptr<GroupConsumer>> GroupConsumer::Create(
    const ConsumerOptions& options, const std::vector<std::string>& topics,
    OnAssign on_assign, OnRevoke on_revoke) {
  if (options.group_id.empty()) {
    return absl::InvalidArgumentError("kafka consumer: group_id required");
  }
  std::unique_ptr<GroupConsumer> c(new GroupConsumer());
  c->on_assign_ = std::move(on_assign);
  c->on_revoke_ = std::move(on_revoke);
  auto props = BaseProperties(options);
  props["group.id"] = options.group_id;
  // TakeEnds(): where each partition's log ends, past transaction markers.
  props["enable.partition.eof"] = "true";
  // Eager rebalancing: every revocation is of the whole assignment, after
  // which the owner has handed over and committed everything.
  props.emplace("partition.assignment.strategy", "range,roundrobin");
  auto rk = NewConsumer(props, &RebalanceTrampoline, c.get());
  if (!rk.ok()) return rk.status();
  c->rk_ = *rk;
  auto list = NewList(static_cast<int>(topics.size()));
  for (const auto& t : topics) {
    rd_kafka_topic_partition_list_add(list.get(), t.c_str(),
                                      RD_KAFKA_PARTITION_UA);
  }
  if (rd_kafka_resp_err_t err = rd_kafka_subscribe(c->rk_, list.get()); err) {
    return absl::InvalidArgumentError(
        StrCat("kafka subscribe: ", rd_kafka_err2str(err)));
  }
  return c;
}

void GroupConsumer::Rebalance(rd_kafka_s* rk, int err, void* partitions,
                              void* opaque) {
  auto* self = static_cast<GroupConsumer*>(opaque);
  auto* list = static_cast<rd_kafka_topic_partition_list_t*>(partitions);
  std::vector<TopicPartition> tps;
  tps.reserve(static_cast<size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    tps.emplace_back(list->elems[i].topic, list->elems[i].partition);
  }
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    const StartOffsets start = self->on_assign_(tps);
    for (int i = 0; i < list->cnt; ++i) {
      auto it = start.find({list->elems[i].topic, list->elems[i].partition});
      list->elems[i].offset = (it == start.end() || it->second < 0)
                                  ? RD_KAFKA_OFFSET_BEGINNING
                                  : it->second;
    }
    for (const auto& tp : tps) self->assigned_.insert(tp);
    rd_kafka_assign(rk, list);
    log::Info("kafka partitions assigned",
              {{"partitions", static_cast<int64_t>(tps.size())}});
  } else {
    std::vector<Record> pending;
    pending.swap(self->unreturned_);
    self->on_revoke_(tps, std::move(pending));
    for (const auto& tp : tps) self->assigned_.erase(tp);
    rd_kafka_assign(rk, nullptr);
    log::Info("kafka partitions revoked",
              {{"partitions", static_cast<int64_t>(tps.size())}});
  }
}

absl::StatusOr<std::vector<Record>> GroupConsumer::Poll(
    int max, std::chrono::milliseconds timeout) {
  return PollHandle(rk_, max, timeout, &unreturned_, nullptr, &ends_);
}

void GroupConsumer::Close() {
  if (closed_ || rk_ == nullptr) return;
  closed_ = true;
  rd_kafka_consumer_close(rk_);
}

GroupConsumer::~GroupConsumer() {
  Close();
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

absl::StatusOr<std::unique_ptr<TopicReader>> TopicReader::Create(
    const ConsumerOptions& options, const std::vector<std::string>& topics,
    const StartOffsets& start, std::chrono::milliseconds timeout) {
  return Create(options, topics, {}, start, timeout);
}

absl::StatusOr<std::unique_ptr<TopicReader>> TopicReader::Create(
    const ConsumerOptions& options, const std::vector<std::string>& topics,
    const std::set<int32_t>& only, const StartOffsets& start,
    std::chrono::milliseconds timeout) {
  std::unique_ptr<TopicReader> r(new TopicReader());
  auto props = BaseProperties(options);
  // Offsets are the owner's; the group id only satisfies librdkafka.
  props["group.id"] = ReaderGroup(options);
  // at_end(): a log may end in transaction markers, never returned.
  props["enable.partition.eof"] = "true";
  auto rk = NewConsumer(props, nullptr, nullptr);
  if (!rk.ok()) return rk.status();
  r->rk_ = *rk;
  auto list = NewList(16);
  for (const auto& topic : topics) {
    auto n = PartitionsOf(r->rk_, topic, static_cast<int>(timeout.count()));
    if (!n.ok()) return n.status();
    for (int32_t p = 0; p < *n; ++p) {
      if (!only.empty() && only.count(p) == 0) continue;
      auto it = start.find({topic, p});
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
          (it == start.end() || it->second < 0) ? RD_KAFKA_OFFSET_BEGINNING
                                                : it->second;
      r->partitions_.emplace_back(topic, p);
    }
  }
  if (rd_kafka_resp_err_t err = rd_kafka_assign(r->rk_, list.get()); err) {
    return absl::UnavailableError(
        StrCat("kafka assign: ", rd_kafka_err2str(err)));
  }
  return r;
}

absl::StatusOr<std::unique_ptr<TopicReader>> TopicReader::CreateFor(
    const ConsumerOptions& options, const StartOffsets& from) {
  std::unique_ptr<TopicReader> r(new TopicReader());
  auto props = BaseProperties(options);
  props["group.id"] = ReaderGroup(options);
  // at_end(): a bounded read must know when a partition has no more.
  props["enable.partition.eof"] = "true";
  auto rk = NewConsumer(props, nullptr, nullptr);
  if (!rk.ok()) return rk.status();
  r->rk_ = *rk;
  auto list = NewList(static_cast<int>(from.size()) + 1);
  for (const auto& [tp, offset] : from) {
    rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)
        ->offset = offset < 0 ? RD_KAFKA_OFFSET_BEGINNING : offset;
    r->partitions_.push_back(tp);
  }
  if (rd_kafka_resp_err_t err = rd_kafka_assign(r->rk_, list.get()); err) {
    return absl::UnavailableError(
        StrCat("kafka assign: ", rd_kafka_err2str(err)));
  }
  return r;
}

TopicReader::~TopicReader() {
  if (rk_ != nullptr) {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
}

absl::StatusOr<std::vector<Record>> TopicReader::Poll(
    int max, std::chrono::milliseconds timeout) {
  std::vector<Record> into;
  return PollHandle(rk_, max, timeout, &into, &at_end_);
}

absl::StatusOr<std::map<TopicPartition, std::pair<int64_t, int64_t>>>
Watermarks(const ConsumerOptions& options,
           const std::vector<std::string>& topics,
           std::chrono::milliseconds timeout) {
  auto props = BaseProperties(options);
  props["group.id"] = ReaderGroup(options);
  auto rk = NewConsumer(props, nullptr, nullptr);
  if (!rk.ok()) return rk.status();
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> holder(
      *rk, &rd_kafka_destroy);
  std::map<TopicPartition, std::pair<int64_t, int64_t>> out;
  for (const auto& topic : topics) {
    auto n = PartitionsOf(*rk, topic, static_cast<int>(timeout.count()));
    if (!n.ok()) return n.status();
    for (int32_t p = 0; p < *n; ++p) {
      int64_t low = 0, high = 0;
      if (rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
              *rk, topic.c_str(), p, &low, &high,
              static_cast<int>(timeout.count()));
          err) {
        return absl::UnavailableError(StrCat("watermarks of ", topic, "/", p,
                                             ": ", rd_kafka_err2str(err)));
      }
      out[{topic, p}] = {low, high};
    }
  }
  return out;
}

absl::StatusOr<std::map<TopicPartition, int64_t>> EndOffsets(
    const ConsumerOptions& options, const std::vector<std::string>& topics,
    std::chrono::milliseconds timeout) {
  auto marks = Watermarks(options, topics, timeout);
  if (!marks.ok()) return marks.status();
  std::map<TopicPartition, int64_t> ends;
  for (const auto& [tp, m] : *marks) ends[tp] = m.second;
  return ends;
}

std::map<TopicPartition, int64_t> GroupConsumer::TakeEnds() {
  std::map<TopicPartition, int64_t> out;
  out.swap(ends_);
  return out;
}

std::shared_ptr<rd_kafka_consumer_group_metadata_s>
GroupConsumer::GroupMetadata() const {
  if (rk_ == nullptr || closed_) return nullptr;
  return std::shared_ptr<rd_kafka_consumer_group_metadata_s>(
      rd_kafka_consumer_group_metadata(rk_),
      [](rd_kafka_consumer_group_metadata_s* m) {
        if (m != nullptr) rd_kafka_consumer_group_metadata_destroy(m);
      });
}

absl::StatusOr<std::vector<Record>> ReadToEnd(
    const ConsumerOptions& options, const std::vector<std::string>& topics,
    const std::set<int32_t>& only, const StartOffsets& start,
    std::chrono::milliseconds limit) {
  std::vector<Record> out;
  const auto timeout = std::chrono::milliseconds(10000);
  auto marks = Watermarks(options, topics, timeout);
  if (!marks.ok()) return marks.status();
  std::map<TopicPartition, int64_t> ends;
  std::map<TopicPartition, int64_t> at;
  bool behind = false;
  for (const auto& [tp, mark] : *marks) {
    if (!only.empty() && only.count(tp.second) == 0) continue;
    auto it = start.find(tp);
    // Records before the low watermark are gone (retention).
    at[tp] = std::max(it == start.end() ? 0 : it->second, mark.first);
    ends[tp] = mark.second;
    if (at[tp] < mark.second) behind = true;
  }
  if (!behind) return out;
  auto reader = TopicReader::Create(options, topics, only, start, timeout);
  if (!reader.ok()) return reader.status();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (behind) {
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(
          StrCat("reading ", absl::StrJoin(topics, ", "), " back took over ",
                 limit.count() / 1000, " s"));
    }
    auto batch = (*reader)->Poll(1000, std::chrono::milliseconds(200));
    if (!batch.ok()) return batch.status();
    for (auto& r : *batch) {
      at[{r.topic, r.partition}] = r.offset + 1;
      out.push_back(std::move(r));
    }
    behind = false;
    for (const auto& [tp, end] : ends) {
      // At the end of the log, what is left is transaction markers.
      if (at[tp] < end && (*reader)->at_end().count(tp) == 0) behind = true;
    }
  }
  return out;
}

}  // namespace fruition::kafka
