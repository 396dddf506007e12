// Kafka set-up for the bench drivers, outside the measured phases: plain
// librdkafka clients, topic deletion, and producing an input with the
// services' producer. Every failure ends the run (Die).
#ifndef FRUITION_BENCH_COMMON_KAFKA_H_
#define FRUITION_BENCH_COMMON_KAFKA_H_

#include <librdkafka/rdkafka.h>

#include <map>
#include <string>
#include <vector>

#include "services/common/kafka/producer.h"

namespace fruition::bench {

// One record of a bench's input.
struct Record {
  std::string topic, key, value;
  std::vector<kafka::Header> headers;
};

// A librdkafka client of `type` for `bootstrap` with `props`.
rd_kafka_t* NewClient(const std::string& bootstrap, rd_kafka_type_t type,
                      const std::map<std::string, std::string>& props = {});

// The result event of one admin operation on `queue` (60 s at most); dies
// if it failed as a whole. The caller destroys it.
rd_kafka_event_t* AdminWait(rd_kafka_queue_t* queue, const char* what);

// Deletes `names`; missing topics are fine.
void DeleteTopics(const std::string& bootstrap,
                  const std::vector<std::string>& names);

// Records in `names` (sum of high - low watermarks); -1 if a topic is
// missing. With `partitions_out`, their partitions in all.
int64_t TopicRecords(rd_kafka_t* rk, const std::vector<std::string>& names,
                     int* partitions_out = nullptr);

// Deletes and recreates `names` (`partitions` each, replication 1), empty.
// Waits until all are empty with a leader for every partition (120 s at
// most). A bench whose service reads back its own outputs (the reconciler,
// scoring's case stage) needs them empty for every run, or a later run
// finds its work done.
void RecreateTopics(const std::string& bootstrap,
                    const std::vector<std::string>& names, int partitions);

// Produces `records` in order with the services' idempotent producer
// (services/common/kafka/producer.h), flushing every `flush_every` records,
// and waits for every acknowledgement. Returns the seconds it took.
double ProduceAll(const std::string& bootstrap, const std::string& client_id,
                  const std::vector<Record>& records, int flush_every);

}  // namespace fruition::bench

#endif  // FRUITION_BENCH_COMMON_KAFKA_H_
