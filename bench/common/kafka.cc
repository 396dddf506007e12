#include "bench/common/kafka.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "bench/common/cpu.h"
#include "bench/common/flags.h"
#include "services/common/strings.h"

namespace fruition::bench {

rd_kafka_t* NewClient(const std::string& bootstrap, rd_kafka_type_t type,
                      const std::map<std::string, std::string>& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const std::string& name, const std::string& value) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err,
                          sizeof(err)) != RD_KAFKA_CONF_OK) {
      Die("kafka property " + name + ": " + err);
    }
  };
  set("bootstrap.servers", bootstrap);
  set("log.connection.close", "false");
  for (const auto& [k, v] : props) set(k, v);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (rk == nullptr) Die(std::string("kafka client: ") + err);
  return rk;
}

rd_kafka_event_t* AdminWait(rd_kafka_queue_t* queue, const char* what) {
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 60000);
  if (event == nullptr) Die(StrCat(what, " timed out"));
  if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Die(StrCat(what, ": ", rd_kafka_event_error_string(event)));
  }
  return event;
}

void DeleteTopics(const std::string& bootstrap,
                  const std::vector<std::string>& names) {
  rd_kafka_t* rk = NewClient(bootstrap, RD_KAFKA_PRODUCER);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  std::vector<rd_kafka_DeleteTopic_t*> topics;
  topics.reserve(names.size());
  for (const auto& name : names) {
    topics.push_back(rd_kafka_DeleteTopic_new(name.c_str()));
  }
  rd_kafka_DeleteTopics(rk, topics.data(), topics.size(), nullptr, queue);
  rd_kafka_event_t* event = AdminWait(queue, "DeleteTopics");
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_DeleteTopics_result_topics(
      rd_kafka_event_DeleteTopics_result(event), &count);
  for (size_t k = 0; k < count; ++k) {
    const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[k]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR &&
        e != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      Die(StrCat("delete topic ", rd_kafka_topic_result_name(results[k]), ": ",
                 rd_kafka_err2str(e)));
    }
  }
  rd_kafka_event_destroy(event);
  rd_kafka_DeleteTopic_destroy_array(topics.data(), topics.size());
  rd_kafka_queue_destroy(queue);
  rd_kafka_destroy(rk);
}

// Records in `topics` (sum of high - low watermarks); -1 if a topic is
// missing.
int64_t TopicRecords(rd_kafka_t* rk, const std::vector<std::string>& names,
                     int* partitions_out) {
  int64_t total = 0;
  int partitions = 0;
  for (const std::string& name : names) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, name.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
    rd_kafka_topic_destroy(rkt);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1 ||
        md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (md != nullptr) rd_kafka_metadata_destroy(md);
      return -1;
    }
    const int count = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    partitions += count;
    for (int p = 0; p < count; ++p) {
      int64_t low = 0, high = 0;
      if (rd_kafka_query_watermark_offsets(rk, name.c_str(), p, &low, &high,
                                           10000) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        return -1;
      }
      total += high - low;
    }
  }
  if (partitions_out != nullptr) *partitions_out = partitions;
  return total;
}

// Deletes and recreates `names` (`partitions` each), empty. Waits until
// all are empty with a leader for every partition.
void RecreateTopics(const std::string& bootstrap,
                    const std::vector<std::string>& names, int partitions) {
  rd_kafka_t* rk = NewClient(bootstrap, RD_KAFKA_PRODUCER);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(120);
  DeleteTopics(bootstrap, names);
  // Create, retrying while the deletion is still in progress.
  std::vector<std::string> missing = names;
  while (!missing.empty()) {
    if (Clock::now() > deadline) Die("topics not recreated in 120 s");
    std::vector<rd_kafka_NewTopic_t*> create;
    char err[512];
    for (const auto& t : missing) {
      rd_kafka_NewTopic_t* nt =
          rd_kafka_NewTopic_new(t.c_str(), partitions, 1, err, sizeof(err));
      if (nt == nullptr) Die(StrCat("NewTopic ", t, ": ", err));
      create.push_back(nt);
    }
    rd_kafka_CreateTopics(rk, create.data(), create.size(), nullptr, queue);
    rd_kafka_event_t* event = AdminWait(queue, "CreateTopics");
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(
            rd_kafka_event_CreateTopics_result(event), &count);
    std::vector<std::string> again;
    for (size_t k = 0; k < count; ++k) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[k]);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS ||
          e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        again.push_back(rd_kafka_topic_result_name(results[k]));
        continue;
      }
      Die(StrCat("creating ", rd_kafka_topic_result_name(results[k]), ": ",
                 rd_kafka_err2str(e), " ",
                 rd_kafka_topic_result_error_string(results[k])));
    }
    rd_kafka_event_destroy(event);
    rd_kafka_NewTopic_destroy_array(create.data(), create.size());
    missing = again;
    if (!missing.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  // Every partition has a leader, and both topics are empty.
  while (true) {
    int parts = 0;
    const int64_t n = TopicRecords(rk, names, &parts);
    // Every topic's partitions (the output topics were counted as two
    // after 7b91afe added the public-view topics, so every run timed out).
    const int want = static_cast<int>(names.size()) * partitions;
    if (n == 0 && parts == want) break;
    if (Clock::now() > deadline) Die("topics not ready in 120 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  rd_kafka_queue_destroy(queue);
  rd_kafka_destroy(rk);
}

double ProduceAll(const std::string& bootstrap, const std::string& client_id,
                  const std::vector<Record>& records, int flush_every) {
  kafka::ProducerOptions options;
  options.bootstrap_servers = bootstrap;
  options.client_id = client_id;
  options.delivery_timeout_ms = 60000;
  auto producer = kafka::KafkaProducer::Create(options);
  if (!producer.ok()) Die(std::string(producer.status().message()));
  std::atomic<int> failed{0};
  const auto start = Clock::now();
  size_t k = 0;
  for (const Record& r : records) {
    (*producer)->Produce(r.topic, r.key, r.value, r.headers,
                         [&failed](const kafka::DeliveryReport& report) {
                           if (!report.status.ok()) ++failed;
                         });
    if (++k % flush_every == 0 &&
        !(*producer)->Flush(std::chrono::seconds(120)).ok()) {
      Die("produce: flush timed out");
    }
  }
  if (!(*producer)->Flush(std::chrono::seconds(120)).ok()) {
    Die("produce: flush timed out");
  }
  if (failed > 0) Die(StrCat("produce: ", failed.load(), " records failed"));
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace fruition::bench
