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
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "fruition/v1/intake.pb.h"
#include "fruition/v1/reports.pb.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/common/auth/principals.h"
#include "services/common/kafka/producer.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/privacy/sealed_box.h"
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
             const std::string& principal, double n = 1);
  // fruition_intake_produce_seconds: produce to acknowledgement.
  void ObserveProduce(double seconds);

 private:
  prometheus::Family<prometheus::Counter>& reports_;
  prometheus::Histogram& produce_seconds_;
};

class Intake {
 public:
  using Done = std::function<void(v1::ReportResult)>;
  // The results of a batch, `results[i]` for the batch's i-th report.
  using BatchDone = std::function<void(std::vector<v1::ReportResult> results)>;
  using Clock = std::function<int64_t()>;  // Unix seconds
  // Whether `reporter` may designate or revoke `org_id` (only the
  // org's owner, as far as intake has read; OrgTable::MayDesignate).
  using MayDesignate = std::function<bool(const std::string& org_id,
                                          const std::string& reporter)>;
  // The agency of budget line `line_id` as far as intake has read it
  // (OrgTable::LineAgency), nullopt when it has not.
  using LineAgency =
      std::function<std::optional<std::string>(const std::string& line_id)>;

  // All pointers must outlive the Intake. `metrics` may be null; without
  // `may_designate` every designator may designate any org; without
  // `line_agency` no budget line is known. `sealed` seals every evidence
  // item's sealed_summary before it is produced.
  //
  // An agency_response (SPEC §11) about a claim is refused
  // (PERMISSION_DENIED at `agency_response.condition_key`) when `store`
  // recorded that claim and only from other reporters; about a budget line,
  // when `line_agency` knows the line and it is another agency's. What
  // intake has not seen it accepts: downstream counts an answer only from
  // the agency of the condition's event unit.
  Intake(kafka::Producer* producer, IdempotencyStore* store,
         const privacy::Pseudonymizer* pseudonymizer,
         const privacy::SealedBox* sealed, IntakeMetrics* metrics,
         Clock clock = nullptr, MayDesignate may_designate = nullptr,
         LineAgency line_agency = nullptr);
  // Records and answers what is queued, then stops the committer. Flush the
  // producer first so that no delivery arrives afterwards.
  ~Intake();

  // Handles one report sent by `caller`; `done` is called exactly once.
  void Submit(const auth::Principal& caller, v1::AgencyReport report,
              Done done);

  // Handles `reports` sent by `caller` as one batch: each is answered as
  // Submit would answer it alone, and `done` is called exactly once, with
  // every result in order, when the last one is known. The batch costs one
  // idempotency-index lookup (MultiGet) and one metrics update, not one per
  // report; reports with the same Kafka key are produced in order.
  void SubmitBatch(
      const auth::Principal& caller,
      const google::protobuf::RepeatedPtrField<v1::AgencyReport>& reports,
      BatchDone done);

  // Ready to accept reports: Kafka reachable.
  bool Ready() const { return producer_->Healthy(); }

 private:
  struct Batch;
  struct Slot;
  // An acknowledged report waiting for the committer.
  struct Acked {
    Batch* batch;
    int index;
  };

  // Prepares every report of `batch`, then looks up and produces those that
  // passed, then drops the hold that kept the batch alive meanwhile.
  void Run(const auth::Principal& caller, Batch* batch);
  // Validates, pseudonymizes, routes, stamps and serializes slot `i`;
  // false if it was answered (rejected).
  bool Prepare(const auth::Principal& caller, Batch* batch, int i, int64_t now);
  // For an agency_response about a claim or a budget line: the refusal
  // when intake can see that the condition is another agency's (or
  // UNAVAILABLE when it cannot read its claim table), else nullopt.
  std::optional<v1::ReportResult> CheckAnswerer(
      const v1::AgencyReport& report, const auth::Principal& caller) const;
  // Claims, looks up and produces the prepared slots `todo`.
  void LookUpAndProduce(Batch* batch, const std::vector<int>& todo);
  // Answers slot `i` and completes the batch after its last answer.
  void Answer(Batch* batch, int i, v1::ReportResult result);
  // Drops one hold on `batch`; the last calls its `done` and frees it.
  void Unref(Batch* batch);
  // Answers UNAVAILABLE (retry with the same report_id).
  void Unavailable(Batch* batch, int i, const std::string& why);
  // Answers a report the index already holds: a duplicate, or another body
  // under the same report_id.
  void AnswerKnown(Batch* batch, int i, const IndexEntry& entry);
  // Produces slot `i`; once Kafka acknowledged it, records it in the index
  // and answers.
  void Produce(Batch* batch, int i, std::vector<kafka::Header>* headers);
  void OnDelivery(Batch* batch, int i, const kafka::DeliveryReport& delivery);

  void Release(const std::string& key);
  // Queues an acknowledged report for the committer.
  void Commit(IndexEntry entry, Acked acked);
  void CommitLoop();
  // Counts a finished batch's outcomes: one labelled lookup per distinct
  // (outcome, code), not per report.
  void CountOutcomes(const Batch& batch);

  kafka::Producer* const producer_;
  IdempotencyStore* const store_;
  const privacy::Pseudonymizer* const pseudonymizer_;
  const privacy::SealedBox* const sealed_;
  IntakeMetrics* const metrics_;
  const Clock clock_;
  const MayDesignate may_designate_;
  const LineAgency line_agency_;

  std::mutex mu_;
  absl::flat_hash_set<std::string> in_flight_;  // reporter NUL report_id

  // Acknowledged reports waiting to be recorded, and their answers.
  std::mutex commit_mu_;
  std::condition_variable commit_cv_;
  std::vector<IndexEntry> to_commit_;
  std::vector<Acked> to_answer_;
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
