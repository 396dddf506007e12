// The intake pipeline for one report, independent of transport:
// validate -> org ownership -> pseudonymize -> idempotency check -> stamp
// received_at -> produce -> answer.
//
// A report is answered OK only after Kafka acknowledged it (acks=all). An
// exact resubmission of an acknowledged (reporter, report_id) is answered OK
// with `duplicate` set and nothing is produced; a different body under the
// same id is ALREADY_EXISTS. If Kafka is unreachable or a delivery times out
// the answer is UNAVAILABLE: maybe written, retry with the same report_id.
//
// Acknowledged reports are recorded in the idempotency index in batches by
// a committer thread (one RocksDB write for every report acknowledged since
// the last), and answered after they are recorded.
//
// Thread-safe. Results are delivered through callbacks: on the caller's
// thread (rejections, duplicates), the producer's delivery thread (failed
// deliveries) or the committer thread (accepted reports).
#ifndef FRUITION_SERVICES_INTAKE_INTAKE_H_
#define FRUITION_SERVICES_INTAKE_INTAKE_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "fruition/v1/intake.pb.h"
#include "fruition/v1/reports.pb.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/common/auth/principals.h"
#include "services/common/kafka/producer.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/intake/idempotency_store.h"
#include "services/intake/route.h"

namespace fruition::intake {

// Intake's Prometheus metrics.
class IntakeMetrics {
 public:
  explicit IntakeMetrics(prometheus::Registry& registry);

  // fruition_intake_reports_total{outcome, reason, principal}: outcome is
  // accepted | duplicate | rejected; reason is the status code name.
  void Count(const std::string& outcome, const std::string& reason,
             const std::string& principal);
  // fruition_intake_produce_seconds: produce to acknowledgement.
  void ObserveProduce(double seconds);

 private:
  prometheus::Family<prometheus::Counter>& reports_;
  prometheus::Histogram& produce_seconds_;
};

class Intake {
 public:
  using Done = std::function<void(v1::ReportResult)>;
  using Clock = std::function<int64_t()>;  // Unix seconds
  // Whether `reporter` may designate or revoke `org_id` (only the
  // org's owner, as far as intake has read; OrgTable::MayDesignate).
  using MayDesignate = std::function<bool(const std::string& org_id,
                                          const std::string& reporter)>;

  // All pointers must outlive the Intake. `metrics` may be null; without
  // `may_designate` every designator may designate any org.
  Intake(kafka::Producer* producer, IdempotencyStore* store,
         const privacy::Pseudonymizer* pseudonymizer, IntakeMetrics* metrics,
         Clock clock = nullptr, MayDesignate may_designate = nullptr);
  // Records and answers what is queued, then stops the committer. Flush the
  // producer first so that no delivery arrives afterwards.
  ~Intake();

  // Handles one report sent by `caller`; `done` is called exactly once.
  void Submit(const auth::Principal& caller, v1::AgencyReport report,
              Done done);

  // Ready to accept reports: Kafka reachable.
  bool Ready() const { return producer_->Healthy(); }

 private:
  // One report on its way: what its answers and its index entry need.
  struct Submission {
    std::string principal;
    std::string report_id;
    std::string reporter;
    std::string key;  // reporter NUL report_id
    std::string digest;
    std::string pid;
    Done done;
  };
  // Answers UNAVAILABLE (retry with the same report_id).
  void Unavailable(const Submission& sub, const std::string& why);
  // Answers a report the index already holds: a duplicate, or another body
  // under the same report_id.
  void AnswerKnown(const Submission& sub, const IndexEntry& entry);
  // Produces the report; once Kafka acknowledged it, records it in the
  // index and answers.
  void ProduceAndRecord(Submission sub, const Route& route,
                        const std::string& bytes);

  void Finish(const std::string& principal, const Done& done,
              v1::ReportResult result, const std::string& outcome);
  bool Claim(const std::string& key);
  void Release(const std::string& key);
  // Queues an acknowledged report for the committer.
  void Commit(IndexEntry entry, std::function<void()> answer);
  void CommitLoop();

  kafka::Producer* const producer_;
  IdempotencyStore* const store_;
  const privacy::Pseudonymizer* const pseudonymizer_;
  IntakeMetrics* const metrics_;
  const Clock clock_;
  const MayDesignate may_designate_;

  std::mutex mu_;
  std::set<std::string> in_flight_;  // reporter NUL report_id

  // Acknowledged reports waiting to be recorded, and their answers.
  std::mutex commit_mu_;
  std::condition_variable commit_cv_;
  std::vector<std::pair<IndexEntry, std::function<void()>>> to_commit_;
  bool stopping_ = false;
  std::thread committer_;
};

// A result with `code` and message (helpers for handlers and tests).
v1::ReportResult MakeResult(const std::string& report_id, absl::StatusCode code,
                            const std::string& field,
                            const std::string& message);

// "INVALID_ARGUMENT", ... (grpc spelling).
std::string CodeName(absl::StatusCode code);

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_INTAKE_H_
