// The evidence service's consuming loop: a member of consumer group
// `fruition-evidence` on fruition.reports.v1, a reader of the whole
// fruition.reference.v1, the Processor, and an idempotent producer to
// fruition.link-assessments.v1.
//
// When partitions are assigned, their stored claims are re-assessed first
// (designations may have arrived while another instance owned them).
//
// Each batch: apply to a Tx, produce the changed assessments and wait for
// every acknowledgement (retrying "maybe written" with the same record: the
// assessment_id lets consumers de-duplicate), then commit the Tx with the
// batch's offsets. A crash at any point replays from the committed offsets
// and reproduces the same assessment ids (SPEC §8).
#ifndef FRUITION_SERVICES_EVIDENCE_WORKER_H_
#define FRUITION_SERVICES_EVIDENCE_WORKER_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/common/kafka/consumer.h"
#include "services/common/kafka/producer.h"
#include "services/evidence/processor.h"
#include "services/evidence/store.h"

namespace fruition::evidence {

struct WorkerOptions {
  kafka::ConsumerOptions consumer;  // bootstrap, group id (fruition-evidence)
  std::string reports_topic = "fruition.reports.v1";
  std::string reference_topic = "fruition.reference.v1";
  std::string assessments_topic = "fruition.link-assessments.v1";
  int batch_max = 1000;
  // Records an operator chose to skip (--skip-record TOPIC:PARTITION:OFFSET).
  std::set<std::pair<kafka::TopicPartition, int64_t>> skip;
};

class Worker {
 public:
  Worker(WorkerOptions options, EvidenceStore* store, kafka::Producer* producer,
         const Processor* processor, prometheus::Registry* registry);

  // Consumes until `stop` is set; returns the reason it stopped (OK when
  // asked to). Commits what it has finished before returning.
  absl::Status Run(const std::atomic<bool>& stop);

  // Consuming, not stopped on a poison record.
  bool Healthy() const { return healthy_.load(); }
  // Partitions of the reports topic this instance owns now.
  std::vector<int32_t> OwnedPartitions() const;
  // Produces `emit` (key subject_pid) and waits until every one is
  // acknowledged, retrying what was not; false if `stop` fired first.
  bool ProduceAll(const std::vector<v1::LinkAssessment>& emit,
                  const std::atomic<bool>& stop);

  // Records applied so far (for tests and logs).
  int64_t applied() const { return applied_.load(); }

 private:
  // Applies, produces, commits. False if it could not finish (stop, poison).
  bool Process(const std::vector<kafka::Record>& batch,
               const std::atomic<bool>& stop);
  std::set<int32_t> Owned() const;

  WorkerOptions options_;
  EvidenceStore* store_;
  kafka::Producer* producer_;
  const Processor* processor_;
  std::atomic<bool> healthy_{false};
  std::atomic<int64_t> applied_{0};
  mutable std::mutex owned_mu_;
  std::set<int32_t> owned_;
  prometheus::Counter* records_applied_ = nullptr;
  prometheus::Counter* records_ignored_ = nullptr;
  prometheus::Family<prometheus::Counter>* assessments_ = nullptr;
  prometheus::Counter* poison_ = nullptr;
};

}  // namespace fruition::evidence

#endif  // FRUITION_SERVICES_EVIDENCE_WORKER_H_
