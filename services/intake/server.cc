#include "services/intake/server.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "services/common/auth/authz.h"
#include "services/common/server/audit.h"
#include "services/common/server/grpc_server.h"
#include "services/common/status.h"
#include "services/common/strings.h"

namespace fruition::intake {
namespace {

// Why a batch message cannot be taken (answered for each of its reports),
// or "".
std::string BatchProblem(const v1::StreamRequest& request, std::string* field) {
  if (request.has_report()) {
    *field = "report";
    return "report: set either report or reports, not both";
  }
  if (request.reports_size() > kMaxSubmitBatch) {
    *field = "reports";
    return StrCat("reports: at most ", kMaxSubmitBatch, " per message (got ",
                  request.reports_size(), ")");
  }
  return "";
}

// A refusal of the whole call, with the retry hint in the message and in
// trailing metadata (kRetryAfterMs).
grpc::Status Exhausted(grpc::ServerContext* context, int64_t retry_after_ms,
                       const std::string& message) {
  context->AddTrailingMetadata(kRetryAfterMs, std::to_string(retry_after_ms));
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                      StrCat(message, "; retry after ", retry_after_ms, " ms"));
}

// The answer to a report refused by its sender's rate quota.
v1::ReportResult RateRefusal(const auth::Principal& caller,
                             const std::string& report_id,
                             int64_t retry_after_ms) {
  v1::ReportResult r =
      MakeResult(report_id, absl::StatusCode::kResourceExhausted, "",
                 StrCat("quota.reports_per_second: ", caller.code,
                        " is over its ", caller.quota.reports_per_second,
                        " reports per second; retry after ", retry_after_ms,
                        " ms with the same report_id"));
  r.set_retry_after_ms(retry_after_ms);
  return r;
}

constexpr char kSubmitMethod[] = "/fruition.v1.IntakeService/Submit";
constexpr char kStreamMethod[] = "/fruition.v1.IntakeService/Stream";

}  // namespace

// Responses of one Stream call, one per request, in request order. Shared
// with delivery callbacks, which may outlive the handler if the client goes
// away.
struct IntakeServiceImpl::StreamState {
  struct Slot {
    bool ready = false;
    int reports = 1;    // what the slot counts against the window
    int64_t bytes = 0;  // the request's size, reserved until answered
    v1::StreamResponse response;
  };
  StreamState(Admission* admission, std::string caller)
      : admission(admission), caller(std::move(caller)) {}
  Admission* const admission;
  const std::string caller;  // principal code
  std::mutex mu;
  std::condition_variable result_ready;  // the writer waits on this
  std::condition_variable slot_free;     // the reader waits on this
  std::deque<std::shared_ptr<Slot>> slots;
  int reports = 0;    // reports in `slots`
  int64_t bytes = 0;  // bytes of the requests in `slots`
  bool reading_done = false;

  // Marks `slot` answered; wakes the writer if it is next in line.
  void Ready(const std::shared_ptr<Slot>& slot) {
    std::lock_guard<std::mutex> lock(mu);
    slot->ready = true;
    // Only the front response lets the writer make progress.
    if (slots.front() == slot) result_ready.notify_one();
  }
};

// Sends responses in order as they become ready, taking every ready one in
// one lock, until the reader is done and every slot is sent. No buffer hint:
// a synchronous Write with the hint may not complete until a later write,
// which would deadlock the last answer of a burst.
void IntakeServiceImpl::WriteResponses(
    StreamState* state,
    grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream) {
  bool broken = false;
  std::vector<std::shared_ptr<StreamState::Slot>> ready;
  std::unique_lock<std::mutex> lock(state->mu);
  while (true) {
    state->result_ready.wait(lock, [&] {
      return (!state->slots.empty() && state->slots.front()->ready) ||
             (state->reading_done && state->slots.empty());
    });
    if (state->slots.empty()) return;
    int64_t answered = 0;
    while (!state->slots.empty() && state->slots.front()->ready) {
      state->reports -= state->slots.front()->reports;
      answered += state->slots.front()->bytes;
      ready.push_back(std::move(state->slots.front()));
      state->slots.pop_front();
    }
    state->bytes -= answered;
    state->admission->Release(state->caller, answered);
    state->slot_free.notify_one();
    lock.unlock();
    for (size_t i = 0; i < ready.size() && !broken; ++i) {
      broken = !stream->Write(ready[i]->response);
    }
    ready.clear();
    lock.lock();
  }
}

IntakeServiceImpl::IntakeServiceImpl(Intake* intake,
                                     const auth::PrincipalRegistry* principals,
                                     audit::Trail* trail, Admission* admission,
                                     IntakeServerOptions options)
    : intake_(intake),
      principals_(principals),
      trail_(trail),
      admission_(admission),
      options_(options) {}

void IntakeServiceImpl::AuditResult(const auth::Principal& caller,
                                    const char* method,
                                    const v1::ReportResult& result) const {
  if (result.code() != grpc::StatusCode::PERMISSION_DENIED) return;
  server::AuditRefusal(*trail_, caller.code, method,
                       absl::StatusCode::kPermissionDenied,
                       {StrCat("report:", result.report_id())});
}

absl::StatusOr<auth::Principal> IntakeServiceImpl::Authenticate(
    const grpc::ServerContext& context) const {
  auto principal = server::AuthenticateCaller(*principals_, context);
  if (!principal.ok()) return principal.status();
  if (absl::Status s = auth::RequireAuthenticated(*principal); !s.ok()) {
    return s;
  }
  return principal;
}

grpc::Status IntakeServiceImpl::AdmitSubmit(grpc::ServerContext* context,
                                            const auth::Principal& caller,
                                            int n, int64_t bytes, int* admitted,
                                            int64_t* retry_after_ms) {
  if (!admission_->Fits(bytes)) {
    admission_->CountRefusal(caller.code, kReasonMemory);
    return grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        StrCat("request: ", bytes,
               " bytes is more than a principal may have in flight (",
               admission_->limits().principal_bytes,
               "); send fewer reports per call"));
  }
  if (!admission_->TryReserve(caller.code, bytes)) {
    admission_->CountRefusal(caller.code, kReasonMemory);
    return Exhausted(context, 250,
                     StrCat("in-flight memory: ", caller.code,
                            "'s share or this server's is in use"));
  }
  *admitted = admission_->TakeReports(caller, n, retry_after_ms);
  if (*admitted == 0 && n > 0) {
    admission_->Release(caller.code, bytes);
    return Exhausted(
        context, *retry_after_ms,
        StrCat("quota.reports_per_second: ", caller.code, " is over its ",
               caller.quota.reports_per_second, " reports per second"));
  }
  if (*admitted < n) {
    context->AddTrailingMetadata(kRetryAfterMs,
                                 std::to_string(*retry_after_ms));
  }
  return grpc::Status::OK;
}

grpc::Status IntakeServiceImpl::Submit(grpc::ServerContext* context,
                                       const v1::SubmitRequest* request,
                                       v1::SubmitResponse* response) {
  auto principal = Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  const int n = request->reports_size();
  if (n > kMaxSubmitBatch) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        StrCat("reports: at most ", kMaxSubmitBatch,
                               " per Submit (got ", n, "); use Stream"));
  }
  const auto bytes = static_cast<int64_t>(request->ByteSizeLong());
  int admitted = 0;
  int64_t retry_after_ms = 0;
  if (grpc::Status s = AdmitSubmit(context, *principal, n, bytes, &admitted,
                                   &retry_after_ms);
      !s.ok()) {
    return s;
  }
  struct Wait {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::vector<v1::ReportResult> results;
  };
  auto wait = std::make_shared<Wait>();
  auto done = [this, wait, bytes,
               caller = *principal](std::vector<v1::ReportResult> results) {
    admission_->Release(caller.code, bytes);
    for (const v1::ReportResult& r : results) {
      AuditResult(caller, kSubmitMethod, r);
    }
    std::lock_guard<std::mutex> lock(wait->mu);
    wait->results = std::move(results);
    wait->done = true;
    wait->cv.notify_all();
  };
  if (admitted == n) {
    intake_->SubmitBatch(*principal, request->reports(), std::move(done));
  } else {
    // The first `admitted` reports go on; the rest wait for tokens.
    google::protobuf::RepeatedPtrField<v1::AgencyReport> head(
        request->reports().begin(), request->reports().begin() + admitted);
    std::vector<v1::ReportResult> tail;
    for (int i = admitted; i < n; ++i) {
      tail.push_back(RateRefusal(*principal, request->reports(i).report_id(),
                                 retry_after_ms));
    }
    intake_->SubmitBatch(*principal, head,
                         [done = std::move(done), tail = std::move(tail)](
                             std::vector<v1::ReportResult> results) mutable {
                           for (v1::ReportResult& r : tail) {
                             results.push_back(std::move(r));
                           }
                           done(std::move(results));
                         });
  }
  // The client's deadline, or the server's when it set none.
  const auto deadline =
      std::min(context->deadline(),
               std::chrono::system_clock::now() + options_.default_deadline);
  std::unique_lock<std::mutex> lock(wait->mu);
  if (!wait->cv.wait_until(lock, deadline, [&] { return wait->done; })) {
    return grpc::Status(
        grpc::StatusCode::DEADLINE_EXCEEDED,
        StrCat("no answer for every report within the deadline; their fate is "
               "unknown: resend with the same report_ids"));
  }
  response->mutable_results()->Reserve(n);
  for (v1::ReportResult& result : wait->results) {
    response->add_results()->Swap(&result);
  }
  return grpc::Status::OK;
}

void IntakeServiceImpl::StreamBatch(
    const auth::Principal& caller, v1::StreamRequest* request,
    std::function<void(std::vector<v1::ReportResult>)> done) {
  const int n = request->reports_size();
  int64_t retry_after_ms = 0;
  const int admitted = admission_->TakeReports(caller, n, &retry_after_ms);
  if (admitted == n) {
    intake_->SubmitBatch(caller, request->reports(), std::move(done));
    return;
  }
  std::vector<v1::ReportResult> tail;
  for (int i = admitted; i < n; ++i) {
    tail.push_back(
        RateRefusal(caller, request->reports(i).report_id(), retry_after_ms));
  }
  if (admitted == 0) {
    done(std::move(tail));
    return;
  }
  request->mutable_reports()->DeleteSubrange(admitted, n - admitted);
  intake_->SubmitBatch(caller, request->reports(),
                       [done = std::move(done), tail = std::move(tail)](
                           std::vector<v1::ReportResult> results) mutable {
                         for (v1::ReportResult& r : tail) {
                           results.push_back(std::move(r));
                         }
                         done(std::move(results));
                       });
}

void IntakeServiceImpl::StreamMessage(
    const auth::Principal& caller, v1::StreamRequest* request, int64_t bytes,
    const std::shared_ptr<StreamState>& state) {
  auto slot = std::make_shared<StreamState::Slot>();
  const bool batch = request->reports_size() > 0;
  slot->reports = std::max(1, request->reports_size());
  slot->bytes = bytes;
  {
    std::lock_guard<std::mutex> lock(state->mu);
    state->slots.push_back(slot);
    state->reports += slot->reports;
    state->bytes += bytes;
  }
  if (!batch) {
    auto done = [this, state, slot, caller](v1::ReportResult result) {
      AuditResult(caller, kStreamMethod, result);
      slot->response.mutable_result()->Swap(&result);
      state->Ready(slot);
    };
    if (!request->has_report()) {
      done(MakeResult("", absl::StatusCode::kInvalidArgument, "report",
                      "report: required"));
      return;
    }
    int64_t retry_after_ms = 0;
    if (admission_->TakeReports(caller, 1, &retry_after_ms) == 0) {
      done(RateRefusal(caller, request->report().report_id(), retry_after_ms));
      return;
    }
    intake_->Submit(caller, std::move(*request->mutable_report()), done);
    return;
  }
  auto done = [this, state, slot,
               caller](std::vector<v1::ReportResult> results) {
    auto* out = slot->response.mutable_results();
    out->Reserve(static_cast<int>(results.size()));
    for (v1::ReportResult& r : results) {
      AuditResult(caller, kStreamMethod, r);
      out->Add()->Swap(&r);
    }
    state->Ready(slot);
  };
  std::string field;
  if (const std::string problem = BatchProblem(*request, &field);
      !problem.empty()) {
    std::vector<v1::ReportResult> results;
    for (const v1::AgencyReport& r : request->reports()) {
      results.push_back(MakeResult(
          r.report_id(), absl::StatusCode::kInvalidArgument, field, problem));
    }
    done(std::move(results));
    return;
  }
  StreamBatch(caller, request, std::move(done));
}

bool IntakeServiceImpl::WaitToRead(grpc::ServerContext* context,
                                   StreamState* state) {
  {
    // Flow control: read the next request only when the stream's window
    // has room for another report and a largest message.
    std::unique_lock<std::mutex> lock(state->mu);
    while ((state->reports >= options_.stream_window ||
            state->bytes + options_.max_message_bytes >
                options_.stream_inflight_bytes) &&
           !context->IsCancelled()) {
      state->slot_free.wait_for(lock, std::chrono::milliseconds(100));
    }
  }
  // Then room in the principal's and the replica's budgets (back-pressure
  // while other calls hold it).
  return admission_->Reserve(state->caller, options_.max_message_bytes,
                             [context] { return context->IsCancelled(); });
}

grpc::Status IntakeServiceImpl::Stream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream) {
  auto principal = Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  int64_t retry_after_ms = 0;
  const auto lease = admission_->OpenStream(*principal, &retry_after_ms);
  if (lease == nullptr) {
    return Exhausted(context, retry_after_ms,
                     StrCat("quota.max_streams: ", principal->code,
                            " already has ", principal->quota.max_streams,
                            " Stream calls open on this server"));
  }
  auto state = std::make_shared<StreamState>(admission_, principal->code);
  std::thread writer([state, stream] { WriteResponses(state.get(), stream); });

  // Reads on while earlier reports are in Kafka's hands: answers are
  // written by the writer as they complete, in order.
  v1::StreamRequest request;
  while (WaitToRead(context, state.get())) {
    if (!stream->Read(&request)) {  // also false once cancelled
      admission_->Release(principal->code, options_.max_message_bytes);
      break;
    }
    // Keep what the message holds; give back the rest of the reservation.
    const auto bytes =
        std::min<int64_t>(options_.max_message_bytes,
                          static_cast<int64_t>(request.ByteSizeLong()));
    admission_->Release(principal->code, options_.max_message_bytes - bytes);
    StreamMessage(*principal, &request, bytes, state);
  }
  {
    std::lock_guard<std::mutex> lock(state->mu);
    state->reading_done = true;
    state->result_ready.notify_one();
  }
  writer.join();
  if (context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled");
  }
  return grpc::Status::OK;
}

}  // namespace fruition::intake
