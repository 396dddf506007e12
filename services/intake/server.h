// IntakeService over gRPC: authentication, then the Intake pipeline per
// report. See protos/fruition/v1/intake.proto for the contract.
//
// Submit hands the whole request to Intake::SubmitBatch (one index lookup,
// one answer). Stream reads on while earlier reports are in flight, keeping
// at most `stream_window` reports (a batch message counts as its reports)
// per call: it reads the next message only when the window has room, so a
// fast client is slowed by HTTP/2 flow control instead of filling memory.
// Responses go out in request order.
//
// Thread-safe.
#ifndef FRUITION_SERVICES_INTAKE_SERVER_H_
#define FRUITION_SERVICES_INTAKE_SERVER_H_

#include <memory>

#include "fruition/v1/intake.grpc.pb.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/intake/intake.h"

namespace fruition::intake {

// Most reports accepted in one Submit call.
inline constexpr int kMaxSubmitBatch = 10000;

class IntakeServiceImpl final : public v1::IntakeService::Service {
 public:
  // `trail` records each report refused PERMISSION_DENIED (SPEC §1: a
  // refused call); refused calls are recorded by the server's interceptor.
  IntakeServiceImpl(Intake* intake, const auth::PrincipalRegistry* principals,
                    audit::Trail* trail, int stream_window = 2048);

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
  // One Stream call's responses, in request order.
  struct StreamState;
  // Submits one Stream message and queues its response slot.
  void StreamMessage(const auth::Principal& caller, v1::StreamRequest* request,
                     const std::shared_ptr<StreamState>& state);
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
  const int stream_window_;
};

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_SERVER_H_
