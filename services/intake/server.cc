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

constexpr char kSubmitMethod[] = "/fruition.v1.IntakeService/Submit";
constexpr char kStreamMethod[] = "/fruition.v1.IntakeService/Stream";

}  // namespace

// Responses of one Stream call, one per request, in request order. Shared
// with delivery callbacks, which may outlive the handler if the client goes
// away.
struct IntakeServiceImpl::StreamState {
  struct Slot {
    bool ready = false;
    int reports = 1;  // what the slot counts against the window
    v1::StreamResponse response;
  };
  std::mutex mu;
  std::condition_variable result_ready;  // the writer waits on this
  std::condition_variable slot_free;     // the reader waits on this
  std::deque<std::shared_ptr<Slot>> slots;
  int reports = 0;  // reports in `slots`
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
    while (!state->slots.empty() && state->slots.front()->ready) {
      state->reports -= state->slots.front()->reports;
      ready.push_back(std::move(state->slots.front()));
      state->slots.pop_front();
    }
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
                                     audit::Trail* trail, int stream_window)
    : intake_(intake),
      principals_(principals),
      trail_(trail),
      stream_window_(stream_window) {}

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
  struct Wait {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::vector<v1::ReportResult> results;
  };
  auto wait = std::make_shared<Wait>();
  intake_->SubmitBatch(
      *principal, request->reports(),
      [this, wait, caller = *principal](std::vector<v1::ReportResult> results) {
        for (const v1::ReportResult& r : results) {
          AuditResult(caller, kSubmitMethod, r);
        }
        std::lock_guard<std::mutex> lock(wait->mu);
        wait->results = std::move(results);
        wait->done = true;
        wait->cv.notify_all();
      });
  std::unique_lock<std::mutex> lock(wait->mu);
  wait->cv.wait(lock, [&] { return wait->done; });
  response->mutable_results()->Reserve(n);
  for (v1::ReportResult& result : wait->results) {
    response->add_results()->Swap(&result);
  }
  return grpc::Status::OK;
}

void IntakeServiceImpl::StreamMessage(
    const auth::Principal& caller, v1::StreamRequest* request,
    const std::shared_ptr<StreamState>& state) {
  auto slot = std::make_shared<StreamState::Slot>();
  const bool batch = request->reports_size() > 0;
  slot->reports = std::max(1, request->reports_size());
  {
    std::lock_guard<std::mutex> lock(state->mu);
    state->slots.push_back(slot);
    state->reports += slot->reports;
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
  intake_->SubmitBatch(caller, request->reports(), done);
}

grpc::Status IntakeServiceImpl::Stream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream) {
  auto principal = Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto state = std::make_shared<StreamState>();
  std::thread writer([state, stream] { WriteResponses(state.get(), stream); });

  // Reads on while earlier reports are in Kafka's hands: answers are
  // written by the writer as they complete, in order.
  v1::StreamRequest request;
  while (true) {
    {
      // Flow control: read the next request only when the window has room.
      std::unique_lock<std::mutex> lock(state->mu);
      while (state->reports >= stream_window_ && !context->IsCancelled()) {
        state->slot_free.wait_for(lock, std::chrono::milliseconds(100));
      }
    }
    if (!stream->Read(&request)) break;  // also false once cancelled
    StreamMessage(*principal, &request, state);
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
