// IntakeService over gRPC: authentication, then the Intake pipeline per
// report. See protos/fruition/v1/intake.proto for the contract.
//
// Submit hands the whole request to Intake::SubmitBatch (one index lookup,
// one answer). Stream reads on while earlier reports are in flight, keeping
// at most `stream_window` reports (a batch message counts as its reports)
// and `stream_inflight_bytes` per call: it reads the next message only when
// the window has room, so a fast client is slowed by HTTP/2 flow control
// instead of filling memory. Responses go out in request order.
//
// Admission (quota.h): every report takes a token of its sender's bucket;
// a Stream takes one of its `max_streams` places until it ends; the bytes
// of every message read count against the principal's and the replica's
// in-flight limits until answered. Before each Stream read, room for a
// largest message (`max_message_bytes`) is reserved, so a replica never
// holds more than its budget: when it is reached, streams stop reading
// (back-pressure) and Submit calls are refused RESOURCE_EXHAUSTED with a
// retry hint. Refusals of a whole call carry trailing metadata
// `retry-after-ms` (milliseconds, decimal) and the same hint in the message;
// a refused report carries ReportResult.retry_after_ms.
//
// Deadlines: a Submit waits for its answers until the client's deadline or,
// without one, `default_deadline`; then DEADLINE_EXCEEDED (each report's
// fate unknown: resend with the same report_id).
//
// Thread-safe.
#ifndef FRUITION_SERVICES_INTAKE_SERVER_H_
#define FRUITION_SERVICES_INTAKE_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "fruition/v1/intake.grpc.pb.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/intake/intake.h"
#include "services/intake/quota.h"

namespace fruition::intake {

// Most reports accepted in one Submit call.
inline constexpr int kMaxSubmitBatch = 10000;

// The trailing metadata key of a refusal's retry hint (milliseconds).
inline constexpr char kRetryAfterMs[] = "retry-after-ms";

struct IntakeServerOptions {
  int stream_window = 2048;                    // reports in flight per Stream
  int64_t stream_inflight_bytes = 16LL << 20;  // bytes in flight per Stream
  int64_t max_message_bytes = 4LL << 20;       // the gRPC receive limit
  std::chrono::milliseconds default_deadline{30000};  // Submit without one
};

class IntakeServiceImpl final : public v1::IntakeService::Service {
 public:
  // `trail` records each report refused PERMISSION_DENIED (SPEC §1: a
  // refused call); refused calls are recorded by the server's interceptor.
  // `admission` holds the quotas and memory limits (shared by every call).
  // stream_inflight_bytes must be at least max_message_bytes.
  IntakeServiceImpl(Intake* intake, const auth::PrincipalRegistry* principals,
                    audit::Trail* trail, Admission* admission,
                    IntakeServerOptions options = {});

  // UNAUTHENTICATED without valid credentials (PUBLIC callers included);
  // INVALID_ARGUMENT for more than kMaxSubmitBatch reports; otherwise OK
  // with one result per report, in order.
  grpc::Status Submit(grpc::ServerContext* context,
                      const v1::SubmitRequest* request,
                      v1::SubmitResponse* response) override;

  // As Submit, per message: one report (one result) or a batch of reports
  // (their results in one message), answered in order.
  grpc::Status Stream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream)
      override;

 private:
  absl::StatusOr<auth::Principal> Authenticate(
      const grpc::ServerContext& context) const;
  // Admits a Submit of `n` reports and `bytes`: reserves the bytes and
  // takes the tokens. A refusal of the whole call, or OK with the first
  // `*admitted` reports covered (the rest to be refused with
  // `*retry_after_ms`).
  grpc::Status AdmitSubmit(grpc::ServerContext* context,
                           const auth::Principal& caller, int n, int64_t bytes,
                           int* admitted, int64_t* retry_after_ms);
  // One Stream call's responses, in request order.
  struct StreamState;
  // Submits one Stream message of `bytes` (already reserved) and queues its
  // response slot.
  void StreamMessage(const auth::Principal& caller, v1::StreamRequest* request,
                     int64_t bytes, const std::shared_ptr<StreamState>& state);
  // Submits the batch message `request` whose reports passed BatchProblem:
  // those the caller's bucket has tokens for, the rest answered
  // RESOURCE_EXHAUSTED with a retry hint.
  void StreamBatch(const auth::Principal& caller, v1::StreamRequest* request,
                   std::function<void(std::vector<v1::ReportResult>)> done);
  // Waits until the stream may read another message and reserves room for
  // it; false when the call was cancelled first.
  bool WaitToRead(grpc::ServerContext* context, StreamState* state);
  // The Stream call's writer thread.
  static void WriteResponses(
      StreamState* state,
      grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream);
  // Records `result` on the trail if it is a PERMISSION_DENIED (resource
  // `report:<report_id>`).
  void AuditResult(const auth::Principal& caller, const char* method,
                   const v1::ReportResult& result) const;

  Intake* const intake_;
  const auth::PrincipalRegistry* const principals_;
  audit::Trail* const trail_;
  Admission* const admission_;
  const IntakeServerOptions options_;
};

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_SERVER_H_
