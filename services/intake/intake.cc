#include "services/intake/intake.h"

#include <chrono>

#include "services/common/log/log.h"
#include "services/common/strings.h"
#include "services/intake/route.h"
#include "services/intake/validate.h"

namespace fruition::intake {
namespace {

int64_t WallSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string CodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "OK";
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case absl::StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case absl::StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case absl::StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case absl::StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case absl::StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case absl::StatusCode::kDataLoss:
      return "DATA_LOSS";
    case absl::StatusCode::kInternal:
      return "INTERNAL";
    default:
      return absl::StatusCodeToString(code);
  }
}

v1::ReportResult MakeResult(const std::string& report_id, absl::StatusCode code,
                            const std::string& field,
                            const std::string& message) {
  v1::ReportResult result;
  result.set_report_id(report_id);
  result.set_code(static_cast<int32_t>(code));
  result.set_code_name(CodeName(code));
  result.set_field(field);
  result.set_message(message);
  return result;
}

IntakeMetrics::IntakeMetrics(prometheus::Registry& registry)
    : reports_(prometheus::BuildCounter()
                   .Name("fruition_intake_reports_total")
                   .Help("Reports answered, by outcome (accepted, duplicate, "
                         "rejected), status code and principal")
                   .Register(registry)),
      produce_seconds_(
          prometheus::BuildHistogram()
              .Name("fruition_intake_produce_seconds")
              .Help("Time from produce to Kafka acknowledgement (acks=all)")
              .Register(registry)
              .Add({}, prometheus::Histogram::BucketBoundaries{
                           0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                           0.5, 1, 2.5, 5, 10, 30})) {}

void IntakeMetrics::Count(const std::string& outcome, const std::string& reason,
                          const std::string& principal) {
  reports_
      .Add({{"outcome", outcome}, {"reason", reason}, {"principal", principal}})
      .Increment();
}

void IntakeMetrics::ObserveProduce(double seconds) {
  produce_seconds_.Observe(seconds);
}

Intake::Intake(kafka::Producer* producer, IdempotencyStore* store,
               const privacy::Pseudonymizer* pseudonymizer,
               IntakeMetrics* metrics, Clock clock, MayDesignate may_designate)
    : producer_(producer),
      store_(store),
      pseudonymizer_(pseudonymizer),
      metrics_(metrics),
      clock_(clock ? std::move(clock) : Clock(WallSeconds)),
      may_designate_(std::move(may_designate)) {
  committer_ = std::thread([this] { CommitLoop(); });
}

Intake::~Intake() {
  {
    std::lock_guard<std::mutex> lock(commit_mu_);
    stopping_ = true;
  }
  commit_cv_.notify_all();
  committer_.join();
}

void Intake::Commit(IndexEntry entry, std::function<void()> answer) {
  {
    std::lock_guard<std::mutex> lock(commit_mu_);
    to_commit_.emplace_back(std::move(entry), std::move(answer));
  }
  commit_cv_.notify_one();
}

void Intake::CommitLoop() {
  std::vector<std::pair<IndexEntry, std::function<void()>>> batch;
  std::vector<IndexEntry> entries;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(commit_mu_);
      commit_cv_.wait(lock,
                      [this] { return stopping_ || !to_commit_.empty(); });
      if (to_commit_.empty()) return;  // stopping, nothing left
      batch.swap(to_commit_);
    }
    entries.clear();
    for (auto& [entry, answer] : batch) entries.push_back(entry);
    if (absl::Status s = store_->RecordWritten(entries); !s.ok()) {
      // The reports are in Kafka: they are still answered OK. A resend
      // would be produced again, and downstream counts the id once.
      log::Error("idempotency index write failed after delivery",
                 {{"error", std::string(s.message())},
                  {"reports", static_cast<int64_t>(entries.size())}});
    }
    for (auto& [entry, answer] : batch) answer();
    batch.clear();
  }
}

void Intake::Finish(const std::string& principal, const Done& done,
                    v1::ReportResult result, const std::string& outcome) {
  if (metrics_ != nullptr) {
    metrics_->Count(outcome, result.code_name(), principal);
  }
  if (outcome == "rejected") {
    log::Info("report rejected", {{"principal", principal},
                                  {"report_id", result.report_id()},
                                  {"code", result.code_name()},
                                  {"field", result.field()}});
  }
  done(std::move(result));
}

bool Intake::Claim(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_.insert(key).second;
}

void Intake::Release(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_.erase(key);
}

void Intake::Submit(const auth::Principal& caller, v1::AgencyReport report,
                    Done done) {
  const std::string report_id = report.report_id();
  const int64_t now = clock_();
  if (auto rejection = Validate(report, caller, now); rejection) {
    Finish(caller.code, done,
           MakeResult(report_id, rejection->code, rejection->field,
                      rejection->message),
           "rejected");
    return;
  }
  if (report.has_org_designated() && may_designate_ != nullptr &&
      !may_designate_(report.org_designated().org_id(), report.reporter())) {
    // The owner is not named: who designated an org first is not the
    // caller's to learn from a refusal.
    Finish(caller.code, done,
           MakeResult(report_id, absl::StatusCode::kPermissionDenied,
                      "org_designated.org_id",
                      StrCat("org_designated.org_id: '",
                             report.org_designated().org_id(),
                             "' was designated first by another reporter; "
                             "only that reporter may designate or revoke it")),
           "rejected");
    return;
  }
  Submission sub;
  sub.principal = caller.code;
  sub.report_id = report_id;
  sub.pid = Pseudonymize(*pseudonymizer_, &report);
  const Route route = RouteFor(report);
  // The index remembers the report as sent, before the stamp: a resubmission
  // is the same report whenever it comes (SenderDigest).
  sub.digest = SenderDigest(report);
  // Intake's clock says when the report arrived: criterion C1 judges a
  // designation by it, so it cannot be backdated.
  report.mutable_received_at()->set_seconds(now);
  std::string bytes = CanonicalBytes(report);
  sub.reporter = report.reporter();
  sub.key = sub.reporter;
  sub.key.push_back('\0');
  sub.key.append(report_id);
  sub.done = std::move(done);

  if (!Claim(sub.key)) {
    Unavailable(sub,
                "a report with this report_id is being written; retry with "
                "the same report_id");
    return;
  }
  auto existing = store_->Get(sub.reporter, report_id);
  if (!existing.ok()) {
    Release(sub.key);
    log::Error("idempotency index unavailable",
               {{"error", std::string(existing.status().message())}});
    Unavailable(sub,
                "idempotency index unavailable; retry with the same report_id");
    return;
  }
  if (existing->has_value()) {
    Release(sub.key);
    AnswerKnown(sub, **existing);
    return;
  }
  if (!producer_->Healthy()) {
    Release(sub.key);
    Unavailable(sub, "Kafka is unreachable; retry with the same report_id");
    return;
  }
  ProduceAndRecord(std::move(sub), route, bytes);
}

void Intake::Unavailable(const Submission& sub, const std::string& why) {
  v1::ReportResult r =
      MakeResult(sub.report_id, absl::StatusCode::kUnavailable, "", why);
  r.set_subject_pid(sub.pid);
  Finish(sub.principal, sub.done, std::move(r), "rejected");
}

void Intake::AnswerKnown(const Submission& sub, const IndexEntry& entry) {
  if (entry.digest != sub.digest) {
    v1::ReportResult r = MakeResult(
        sub.report_id, absl::StatusCode::kAlreadyExists, "report_id",
        StrCat("report_id: '", sub.report_id, "' was already submitted by ",
               sub.reporter, " with a different body"));
    Finish(sub.principal, sub.done, std::move(r), "rejected");
    return;
  }
  v1::ReportResult r =
      MakeResult(sub.report_id, absl::StatusCode::kOk, "", "already accepted");
  r.set_duplicate(true);
  r.set_subject_pid(sub.pid);
  r.set_topic(entry.topic);
  r.set_partition(entry.partition);
  r.set_offset(entry.offset);
  Finish(sub.principal, sub.done, std::move(r), "duplicate");
}

void Intake::ProduceAndRecord(Submission sub, const Route& route,
                              const std::string& bytes) {
  const auto started = std::chrono::steady_clock::now();
  const std::string topic(route.topic);
  std::vector<kafka::Header> headers = {{"fruition-reporter", sub.reporter},
                                        {"fruition-report-id", sub.report_id}};
  producer_->Produce(
      route.topic, route.key, bytes, headers,
      [this, sub = std::move(sub), topic,
       started](const kafka::DeliveryReport& delivery) {
        if (metrics_ != nullptr) {
          metrics_->ObserveProduce(
              std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                            started)
                  .count());
        }
        if (!delivery.status.ok()) {
          // Not acknowledged: maybe written (UNAVAILABLE) or refused.
          v1::ReportResult r =
              MakeResult(sub.report_id, delivery.status.code(), "",
                         std::string(delivery.status.message()));
          r.set_subject_pid(sub.pid);
          Release(sub.key);
          Finish(sub.principal, sub.done, std::move(r), "rejected");
          return;
        }
        IndexEntry entry{sub.reporter, sub.report_id,      sub.digest,
                         topic,        delivery.partition, delivery.offset};
        Commit(std::move(entry), [this, sub, topic,
                                  partition = delivery.partition,
                                  offset = delivery.offset] {
          v1::ReportResult r =
              MakeResult(sub.report_id, absl::StatusCode::kOk, "", "accepted");
          r.set_topic(topic);
          r.set_partition(partition);
          r.set_offset(offset);
          r.set_subject_pid(sub.pid);
          Release(sub.key);
          Finish(sub.principal, sub.done, std::move(r), "accepted");
        });
      });
}

}  // namespace fruition::intake
