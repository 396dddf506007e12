#include "services/intake/intake.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <string_view>

#include "services/common/log/log.h"
#include "services/common/privacy/sealed_report.h"
#include "services/common/strings.h"
#include "services/domain/condition_keys.h"
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
                          const std::string& principal, double n) {
  reports_
      .Add({{"outcome", outcome}, {"reason", reason}, {"principal", principal}})
      .Increment(n);
}

void IntakeMetrics::ObserveProduce(double seconds) {
  produce_seconds_.Observe(seconds);
}

// One report of a batch on its way: what its answer and its index entry
// need.
struct Intake::Slot {
  v1::AgencyReport* report = nullptr;  // the batch's copy, pseudonymized
  std::string key;                     // IdempotencyStore::Key
  std::string digest;                  // SenderDigest
  std::string pid;
  std::string bytes;  // what is produced; freed once enqueued
  std::string route_key;
  std::string_view topic;
};

// A Submit or SubmitBatch call. Freed by the last Unref: every slot's answer
// holds one reference, and the submitting thread one more until it has
// handed every slot on (so an early answer cannot complete the batch).
struct Intake::Batch {
  Batch(Intake* owner, int n, const std::string& caller, BatchDone on_done)
      : intake(owner),
        principal(caller),
        done(std::move(on_done)),
        slots(n),
        results(n),
        remaining(n + 1) {}

  Intake* const intake;
  const std::string principal;
  const BatchDone done;
  // The reports' copies, allocated together (one arena, not a dozen heap
  // allocations per report).
  google::protobuf::Arena arena;
  std::optional<v1::AgencyReport> single;  // Submit's report, moved in
  std::vector<Slot> slots;
  std::vector<v1::ReportResult> results;
  std::atomic<int> remaining;
  std::chrono::steady_clock::time_point produced_at;
};

Intake::Intake(kafka::Producer* producer, IdempotencyStore* store,
               const privacy::Pseudonymizer* pseudonymizer,
               const privacy::SealedBox* sealed, IntakeMetrics* metrics,
               Clock clock, MayDesignate may_designate, LineAgency line_agency)
    : producer_(producer),
      store_(store),
      pseudonymizer_(pseudonymizer),
      sealed_(sealed),
      metrics_(metrics),
      clock_(clock ? std::move(clock) : Clock(WallSeconds)),
      may_designate_(std::move(may_designate)),
      line_agency_(std::move(line_agency)) {
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

void Intake::Commit(IndexEntry entry, Acked acked) {
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> lock(commit_mu_);
    was_empty = to_commit_.empty();
    to_commit_.push_back(std::move(entry));
    to_answer_.push_back(acked);
  }
  // The committer waits only on an empty queue.
  if (was_empty) commit_cv_.notify_one();
}

void Intake::CommitLoop() {
  std::vector<IndexEntry> entries;
  std::vector<Acked> acked;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(commit_mu_);
      commit_cv_.wait(lock,
                      [this] { return stopping_ || !to_commit_.empty(); });
      if (to_commit_.empty()) return;  // stopping, nothing left
      entries.swap(to_commit_);
      acked.swap(to_answer_);
    }
    if (absl::Status s = store_->RecordWritten(entries); !s.ok()) {
      // The reports are in Kafka: they are still answered OK. A resend
      // would be produced again, and downstream counts the id once.
      log::Error("idempotency index write failed after delivery",
                 {{"error", std::string(s.message())},
                  {"reports", static_cast<int64_t>(entries.size())}});
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const Acked& a : acked) {
        in_flight_.erase(a.batch->slots[a.index].key);
      }
    }
    for (size_t k = 0; k < acked.size(); ++k) {
      const IndexEntry& e = entries[k];
      v1::ReportResult r =
          MakeResult(e.report_id, absl::StatusCode::kOk, "", "accepted");
      r.set_topic(e.topic);
      r.set_partition(e.partition);
      r.set_offset(e.offset);
      r.set_subject_pid(acked[k].batch->slots[acked[k].index].pid);
      Answer(acked[k].batch, acked[k].index, std::move(r));
    }
    entries.clear();
    acked.clear();
  }
}

void Intake::Answer(Batch* batch, int i, v1::ReportResult result) {
  batch->results[i] = std::move(result);
  Unref(batch);
}

void Intake::Unref(Batch* batch) {
  if (batch->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  CountOutcomes(*batch);
  batch->done(std::move(batch->results));
  delete batch;
}

void Intake::CountOutcomes(const Batch& batch) {
  struct Tally {
    const char* outcome;
    const std::string* code;
    int n;
  };
  std::vector<Tally> tallies;
  for (const v1::ReportResult& r : batch.results) {
    const char* outcome = r.code() != 0   ? "rejected"
                          : r.duplicate() ? "duplicate"
                                          : "accepted";
    if (r.code() != 0) {
      log::Info("report rejected", {{"principal", batch.principal},
                                    {"report_id", r.report_id()},
                                    {"code", r.code_name()},
                                    {"field", r.field()}});
    }
    auto it = std::find_if(tallies.begin(), tallies.end(), [&](const Tally& t) {
      return t.outcome == outcome && *t.code == r.code_name();
    });
    if (it == tallies.end()) {
      tallies.push_back({outcome, &r.code_name(), 1});
    } else {
      ++it->n;
    }
  }
  if (metrics_ == nullptr) return;
  for (const Tally& t : tallies) {
    metrics_->Count(t.outcome, *t.code, batch.principal, t.n);
  }
}

void Intake::Release(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_.erase(key);
}

void Intake::Submit(const auth::Principal& caller, v1::AgencyReport report,
                    Done done) {
  auto* batch = new Batch(
      this, 1, caller.code,
      [done = std::move(done)](std::vector<v1::ReportResult> results) {
        done(std::move(results[0]));
      });
  batch->single.emplace(std::move(report));
  batch->slots[0].report = &*batch->single;
  Run(caller, batch);
}

void Intake::SubmitBatch(
    const auth::Principal& caller,
    const google::protobuf::RepeatedPtrField<v1::AgencyReport>& reports,
    BatchDone done) {
  auto* batch = new Batch(this, reports.size(), caller.code, std::move(done));
  for (int i = 0; i < reports.size(); ++i) {
    Slot& slot = batch->slots[i];
    slot.report =
        google::protobuf::Arena::CreateMessage<v1::AgencyReport>(&batch->arena);
    *slot.report = reports[i];
  }
  Run(caller, batch);
}

void Intake::Run(const auth::Principal& caller, Batch* batch) {
  const int64_t now = clock_();
  const int n = static_cast<int>(batch->slots.size());
  std::vector<int> todo;
  todo.reserve(n);
  for (int i = 0; i < n; ++i) {
    if (Prepare(caller, batch, i, now)) todo.push_back(i);
  }
  if (!todo.empty()) LookUpAndProduce(batch, todo);
  Unref(batch);
}

bool Intake::Prepare(const auth::Principal& caller, Batch* batch, int i,
                     int64_t now) {
  Slot& slot = batch->slots[i];
  v1::AgencyReport& report = *slot.report;
  // Named with its size, so that a sender can see by how much it is over.
  if (const size_t size = report.ByteSizeLong(); size > kMaxReportBytes) {
    Answer(
        batch, i,
        MakeResult(report.report_id(), absl::StatusCode::kInvalidArgument, "",
                   StrCat("report: ", size, " bytes, over the limit of ",
                          kMaxReportBytes, " bytes (1 MiB)")));
    return false;
  }
  if (auto rejection = Validate(report, caller, now); rejection) {
    Answer(batch, i,
           MakeResult(report.report_id(), rejection->code, rejection->field,
                      rejection->message));
    return false;
  }
  if (report.has_org_designated() && may_designate_ != nullptr &&
      !may_designate_(report.org_designated().org_id(), report.reporter())) {
    // The owner is not named: who designated an org first is not the
    // caller's to learn from a refusal.
    Answer(batch, i,
           MakeResult(report.report_id(), absl::StatusCode::kPermissionDenied,
                      "org_designated.org_id",
                      StrCat("org_designated.org_id: '",
                             report.org_designated().org_id(),
                             "' was designated first by another reporter; "
                             "only that reporter may designate or revoke it")));
    return false;
  }
  if (report.has_agency_response()) {
    if (std::optional<v1::ReportResult> refused =
            CheckAnswerer(report, caller)) {
      Answer(batch, i, std::move(*refused));
      return false;
    }
  }
  slot.pid = Pseudonymize(*pseudonymizer_, &report);
  Route route = RouteFor(report);
  slot.topic = route.topic;
  slot.route_key = std::move(route.key);
  // The index remembers the report as sent, before the stamp: a resubmission
  // is the same report whenever it comes (SenderDigest).
  slot.digest = SenderDigest(report);
  // Sealed text leaves intake encrypted (recovery opens it to recompute the
  // digest above); a sender-set ciphertext is refused.
  std::string sealed_field;
  if (absl::Status s = privacy::SealReport(*sealed_, &report, &sealed_field);
      !s.ok()) {
    Answer(batch, i,
           MakeResult(report.report_id(), s.code(), sealed_field,
                      std::string(s.message())));
    return false;
  }
  // Intake's clock says when the report arrived: criterion C1 judges a
  // designation by it, so it cannot be backdated.
  report.mutable_received_at()->set_seconds(now);
  slot.bytes = CanonicalBytes(report);
  slot.key = IdempotencyStore::Key(report.reporter(), report.report_id());
  return true;
}

std::optional<v1::ReportResult> Intake::CheckAnswerer(
    const v1::AgencyReport& report, const auth::Principal& caller) const {
  const std::string& key = report.agency_response().condition_key();
  const std::optional<domain::ConditionRef> ref =
      domain::ParseConditionKey(key, nullptr);  // validated: it parses
  if (!ref) return std::nullopt;
  // Not naming the owner keeps who made a claim or holds a line from
  // being learned through refusals.
  auto refuse = [&](const std::string& what) {
    return MakeResult(report.report_id(), absl::StatusCode::kPermissionDenied,
                      "agency_response.condition_key",
                      StrCat("agency_response.condition_key: ", what,
                             " is another agency's, not '", caller.code,
                             "': an agency answers only conditions about "
                             "itself"));
  };
  if (ref->scope == domain::ConditionRef::Scope::kClaim) {
    auto reporters = store_->ClaimReporters(ref->id);
    if (!reporters.ok()) {
      log::Error("claim table unavailable",
                 {{"error", std::string(reporters.status().message())}});
      return MakeResult(report.report_id(), absl::StatusCode::kUnavailable, "",
                        "claim table unavailable; retry with the same "
                        "report_id");
    }
    // Claims intake has not recorded (another replica's, older than this
    // store) are accepted and judged downstream against the event's unit.
    if (!reporters->empty() && std::find(reporters->begin(), reporters->end(),
                                         caller.code) == reporters->end()) {
      return refuse(StrCat("the claim '", ref->id, "'"));
    }
  }
  if (ref->scope == domain::ConditionRef::Scope::kBudgetLine &&
      line_agency_ != nullptr) {
    const std::optional<std::string> agency = line_agency_(ref->id);
    if (agency.has_value() && *agency != caller.code) {
      return refuse(StrCat("the budget line '", ref->id, "'"));
    }
  }
  return std::nullopt;
}

void Intake::LookUpAndProduce(Batch* batch, const std::vector<int>& todo) {
  // Claim every key in one lock: a report whose id is being written (by
  // another call, or earlier in this batch) is not looked up.
  std::vector<int> claimed;
  claimed.reserve(todo.size());
  std::vector<std::string_view> keys;
  keys.reserve(todo.size());
  std::vector<int> busy;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int i : todo) {
      if (in_flight_.insert(batch->slots[i].key).second) {
        claimed.push_back(i);
        keys.push_back(batch->slots[i].key);
      } else {
        busy.push_back(i);
      }
    }
  }
  for (int i : busy) {
    Unavailable(batch, i,
                "a report with this report_id is being written; retry with "
                "the same report_id");
  }
  std::vector<std::optional<IndexEntry>> found;
  if (absl::Status s = store_->MultiGet(keys, &found); !s.ok()) {
    log::Error("idempotency index unavailable",
               {{"error", std::string(s.message())}});
    for (int i : claimed) {
      Release(batch->slots[i].key);
      Unavailable(
          batch, i,
          "idempotency index unavailable; retry with the same report_id");
    }
    return;
  }
  const bool healthy = producer_->Healthy();
  std::vector<kafka::Header> headers = {{"fruition-reporter", ""},
                                        {"fruition-report-id", ""}};
  batch->produced_at = std::chrono::steady_clock::now();
  for (size_t k = 0; k < claimed.size(); ++k) {
    const int i = claimed[k];
    if (found[k].has_value()) {
      Release(batch->slots[i].key);
      AnswerKnown(batch, i, *found[k]);
    } else if (!healthy) {
      Release(batch->slots[i].key);
      Unavailable(batch, i,
                  "Kafka is unreachable; retry with the same report_id");
    } else {
      Produce(batch, i, &headers);
    }
  }
}

void Intake::Unavailable(Batch* batch, int i, const std::string& why) {
  const Slot& slot = batch->slots[i];
  v1::ReportResult r = MakeResult(slot.report->report_id(),
                                  absl::StatusCode::kUnavailable, "", why);
  r.set_subject_pid(slot.pid);
  Answer(batch, i, std::move(r));
}

void Intake::AnswerKnown(Batch* batch, int i, const IndexEntry& entry) {
  const Slot& slot = batch->slots[i];
  const std::string& report_id = slot.report->report_id();
  if (entry.digest != slot.digest) {
    Answer(batch, i,
           MakeResult(
               report_id, absl::StatusCode::kAlreadyExists, "report_id",
               StrCat("report_id: '", report_id, "' was already submitted by ",
                      slot.report->reporter(), " with a different body")));
    return;
  }
  v1::ReportResult r =
      MakeResult(report_id, absl::StatusCode::kOk, "", "already accepted");
  r.set_duplicate(true);
  r.set_subject_pid(slot.pid);
  r.set_topic(entry.topic);
  r.set_partition(entry.partition);
  r.set_offset(entry.offset);
  Answer(batch, i, std::move(r));
}

void Intake::Produce(Batch* batch, int i, std::vector<kafka::Header>* headers) {
  Slot& slot = batch->slots[i];
  (*headers)[0].second = slot.report->reporter();
  (*headers)[1].second = slot.report->report_id();
  // Two words: small enough for std::function to hold without allocating.
  producer_->Produce(slot.topic, slot.route_key, slot.bytes, *headers,
                     [batch, i](const kafka::DeliveryReport& delivery) {
                       batch->intake->OnDelivery(batch, i, delivery);
                     });
}

void Intake::OnDelivery(Batch* batch, int i,
                        const kafka::DeliveryReport& delivery) {
  if (metrics_ != nullptr) {
    metrics_->ObserveProduce(
        std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                      batch->produced_at)
            .count());
  }
  Slot& slot = batch->slots[i];
  if (!delivery.status.ok()) {
    // Not acknowledged: maybe written (UNAVAILABLE) or refused.
    v1::ReportResult r =
        MakeResult(slot.report->report_id(), delivery.status.code(), "",
                   std::string(delivery.status.message()));
    r.set_subject_pid(slot.pid);
    Release(slot.key);
    Answer(batch, i, std::move(r));
    return;
  }
  IndexEntry entry{slot.report->reporter(), slot.report->report_id(),
                   std::move(slot.digest),  std::string(slot.topic),
                   delivery.partition,      delivery.offset};
  if (slot.report->has_link_claim()) {
    entry.claim_id = slot.report->link_claim().claim_id();
  }
  Commit(std::move(entry), Acked{batch, i});
}

}  // namespace fruition::intake
