#include "services/intake/server.h"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "services/common/auth/authz.h"
#include "services/common/server/audit.h"
#include "services/common/server/grpc_server.h"
#include "services/common/status.h"
#include "services/common/strings.h"

namespace fruition::intake {
namespace {

// Results of one Stream call, in request order. Shared with delivery
// callbacks, which may outlive the handler if the client goes away.
struct StreamState {
  struct Slot {
    bool ready = false;
    v1::ReportResult result;
  };
  std::mutex mu;
  std::condition_variable result_ready;  // the writer waits on this
  std::condition_variable slot_free;     // the reader waits on this
  std::deque<std::shared_ptr<Slot>> slots;
  bool reading_done = false;
};

constexpr char kSubmitMethod[] = "/fruition.v1.IntakeService/Submit";
constexpr char kStreamMethod[] = "/fruition.v1.IntakeService/Stream";

}  // namespace

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
  auto principal = principals_->Authenticate(server::CredentialsFrom(context));
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
  struct Batch {
    std::mutex mu;
    std::condition_variable cv;
    int remaining = 0;
    std::vector<v1::ReportResult> results;
  };
  auto batch = std::make_shared<Batch>();
  batch->remaining = n;
  batch->results.resize(n);
  for (int i = 0; i < n; ++i) {
    intake_->Submit(
        *principal, request->reports(i),
        [this, batch, i, caller = *principal](v1::ReportResult result) {
          AuditResult(caller, kSubmitMethod, result);
          std::lock_guard<std::mutex> lock(batch->mu);
          batch->results[i] = std::move(result);
          if (--batch->remaining == 0) batch->cv.notify_all();
        });
  }
  std::unique_lock<std::mutex> lock(batch->mu);
  batch->cv.wait(lock, [&] { return batch->remaining == 0; });
  for (auto& result : batch->results) {
    *response->add_results() = std::move(result);
  }
  return grpc::Status::OK;
}

grpc::Status IntakeServiceImpl::Stream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream) {
  auto principal = Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  auto state = std::make_shared<StreamState>();

  // Writer: sends results in order as they become ready, taking every
  // ready result in one lock. No buffer hint: a synchronous Write with the
  // hint may not complete until a later write, which would deadlock the
  // last answer of a burst.
  std::thread writer([state, stream] {
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
        ready.push_back(std::move(state->slots.front()));
        state->slots.pop_front();
      }
      state->slot_free.notify_one();
      lock.unlock();
      for (size_t i = 0; i < ready.size() && !broken; ++i) {
        v1::StreamResponse response;
        *response.mutable_result() = std::move(ready[i]->result);
        broken = !stream->Write(response);
      }
      ready.clear();
      lock.lock();
    }
  });

  v1::StreamRequest request;
  while (true) {
    {
      // Flow control: read the next report only when a slot is free.
      std::unique_lock<std::mutex> lock(state->mu);
      while (static_cast<int>(state->slots.size()) >= stream_window_ &&
             !context->IsCancelled()) {
        state->slot_free.wait_for(lock, std::chrono::milliseconds(100));
      }
    }
    if (!stream->Read(&request)) break;  // also false once cancelled
    auto slot = std::make_shared<StreamState::Slot>();
    {
      std::lock_guard<std::mutex> lock(state->mu);
      state->slots.push_back(slot);
    }
    auto done = [this, state, slot,
                 caller = *principal](v1::ReportResult result) {
      AuditResult(caller, kStreamMethod, result);
      std::lock_guard<std::mutex> lock(state->mu);
      slot->result = std::move(result);
      slot->ready = true;
      // Only the front result lets the writer make progress.
      if (state->slots.front() == slot) state->result_ready.notify_one();
    };
    if (!request.has_report()) {
      done(MakeResult("", absl::StatusCode::kInvalidArgument, "report",
                      "report: required"));
      continue;
    }
    intake_->Submit(*principal, std::move(*request.mutable_report()), done);
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
