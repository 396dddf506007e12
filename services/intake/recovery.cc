#include "services/intake/recovery.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <memory>

#include "services/common/kafka/conf.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"

namespace fruition::intake {
namespace {

struct ConsumerDeleter {
  void operator()(rd_kafka_t* rk) const {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};
using Consumer = std::unique_ptr<rd_kafka_t, ConsumerDeleter>;

std::string Header(const rd_kafka_message_t* msg, const char* name) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(msg, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return "";
  }
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return "";
  }
  return std::string(static_cast<const char*>(value), size);
}

}  // namespace

absl::Status Recover(IdempotencyStore* store, const std::string& bootstrap,
                     const std::map<std::string, std::string>& properties,
                     const std::vector<std::string>& topics,
                     std::chrono::milliseconds timeout, RecoveryStats* stats) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining_ms = [&] {
    return static_cast<int>(std::max<int64_t>(
        1, std::chrono::duration_cast<std::chrono::milliseconds>(
               deadline - std::chrono::steady_clock::now())
               .count()));
  };
  auto acked = store->AckedOffsets();
  if (!acked.ok()) return acked.status();
  // A store that never recorded an offset is new: nothing it produced can be
  // unrecorded, so it only notes where the partitions end.
  const bool first_start = acked->empty();

  std::map<std::string, std::string> props = properties;
  props["bootstrap.servers"] = bootstrap;
  props["enable.auto.commit"] = "false";
  props["enable.partition.eof"] = "true";
  props["group.id"] = "fruition-intake-recovery";
  auto conf = kafka::NewConf(props);
  if (!conf.ok()) return conf.status();
  char err[512];
  rd_kafka_t* raw = rd_kafka_new(RD_KAFKA_CONSUMER, *conf, err, sizeof(err));
  if (raw == nullptr) {
    return absl::InternalError(StrCat("kafka consumer: ", err));
  }
  Consumer consumer(raw);

  OffsetMap ends;  // (topic, partition) -> high watermark - 1
  std::unique_ptr<rd_kafka_topic_partition_list_t,
                  decltype(&rd_kafka_topic_partition_list_destroy)>
      assignment(rd_kafka_topic_partition_list_new(16),
                 &rd_kafka_topic_partition_list_destroy);
  std::map<std::pair<std::string, int32_t>, int64_t> scan_until;
  for (const std::string& topic : topics) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(raw, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t merr =
        rd_kafka_metadata(raw, 0, rkt, &md, remaining_ms());
    rd_kafka_topic_destroy(rkt);
    if (merr != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::UnavailableError(StrCat("recovery: metadata for ", topic,
                                           ": ", rd_kafka_err2str(merr)));
    }
    const int partitions =
        md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR
            ? md->topics[0].partition_cnt
            : 0;
    rd_kafka_metadata_destroy(md);
    if (partitions == 0) {
      return absl::UnavailableError(
          StrCat("recovery: topic ", topic, " does not exist (yet)"));
    }
    for (int32_t p = 0; p < partitions; ++p) {
      int64_t low = 0;
      int64_t high = 0;
      const rd_kafka_resp_err_t werr = rd_kafka_query_watermark_offsets(
          raw, topic.c_str(), p, &low, &high, remaining_ms());
      if (werr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return absl::UnavailableError(StrCat("recovery: watermarks of ", topic,
                                             "/", p, ": ",
                                             rd_kafka_err2str(werr)));
      }
      ends[{topic, p}] = high - 1;
      if (first_start) continue;
      // A partition without a recorded offset was added after this store's
      // first start: read it from its beginning.
      auto it = acked->find({topic, p});
      const int64_t start =
          std::max(low, it == acked->end() ? low : it->second + 1);
      if (start >= high) continue;
      rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)
          ->offset = start;
      scan_until[{topic, p}] = high - 1;
    }
  }

  if (!scan_until.empty()) {
    if (rd_kafka_resp_err_t aerr = rd_kafka_assign(raw, assignment.get());
        aerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::UnavailableError(
          StrCat("recovery: assign: ", rd_kafka_err2str(aerr)));
    }
    std::vector<IndexEntry> found;
    auto flush = [&]() -> absl::Status {
      absl::Status s = store->RecordWritten(found);
      stats->recorded += static_cast<int>(found.size());
      found.clear();
      return s;
    };
    std::map<std::pair<std::string, int32_t>, bool> done;
    while (done.size() < scan_until.size()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return absl::UnavailableError("recovery: timed out reading Kafka");
      }
      rd_kafka_message_t* msg = rd_kafka_consumer_poll(raw, 200);
      if (msg == nullptr) continue;
      std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)>
          holder(msg, &rd_kafka_message_destroy);
      const std::string topic =
          msg->rkt != nullptr ? rd_kafka_topic_name(msg->rkt) : "";
      const auto tp = std::make_pair(topic, msg->partition);
      if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        done[tp] = true;
        continue;
      }
      if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return absl::UnavailableError(
            StrCat("recovery: read: ", rd_kafka_err2str(msg->err)));
      }
      ++stats->scanned;
      IndexEntry entry;
      entry.reporter = Header(msg, "fruition-reporter");
      entry.report_id = Header(msg, "fruition-report-id");
      if (!entry.reporter.empty() && !entry.report_id.empty()) {
        auto existing = store->Get(entry.reporter, entry.report_id);
        if (!existing.ok()) return existing.status();
        // The first copy in log order is the one that counts (SPEC §2).
        const bool seen =
            existing->has_value() ||
            std::any_of(found.begin(), found.end(), [&](const IndexEntry& e) {
              return e.reporter == entry.reporter &&
                     e.report_id == entry.report_id;
            });
        if (!seen) {
          entry.digest = privacy::Sha256Hex(std::string_view(
              static_cast<const char*>(msg->payload), msg->len));
          entry.topic = topic;
          entry.partition = msg->partition;
          entry.offset = msg->offset;
          found.push_back(std::move(entry));
          if (found.size() >= 1000) {
            if (absl::Status s = flush(); !s.ok()) return s;
          }
        }
      }
      auto until = scan_until.find(tp);
      if (until != scan_until.end() && msg->offset >= until->second) {
        done[tp] = true;
      }
    }
    if (absl::Status s = flush(); !s.ok()) return s;
  }
  return store->RaiseAckedOffsets(ends);
}

}  // namespace fruition::intake
