// The gateway's way to send one report on a caller's behalf (SPEC §11: the
// dashboard's answers and decisions): a gRPC client of intake's
// `IntakeService.Submit` that forwards the caller's own `authorization`
// metadata, so that intake authenticates and authorizes the report exactly
// as it does for `fruitctl`. The gateway holds no Kafka producer and no
// credentials of its own for this (least privilege): what a caller could
// not send to intake directly, it cannot send through the gateway.
//
// Thread-safety: Submit may be called from any number of threads at once
// (one gRPC channel, shared).
#ifndef FRUITION_SERVICES_GATEWAY_INTAKE_CLIENT_H_
#define FRUITION_SERVICES_GATEWAY_INTAKE_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "fruition/v1/intake.grpc.pb.h"

namespace fruition::gateway {

struct IntakeOptions {
  // host:port of intake's gRPC (intake-address); "" none: the gateway then
  // takes no reports (POST /api/v1/reports answers 503).
  std::string address;
  // PEM CA that signed intake's server certificate (intake-tls-ca): the
  // channel uses TLS; "" plain text. The gateway presents no client
  // certificate: the caller's bearer token is the credential.
  std::string tls_ca;
  // Deadline of each Submit (intake-deadline-ms; default 10 s).
  std::chrono::milliseconds deadline{10000};
};

// What intake answered for one report: the call's status, and when it is
// OK, the report's own result. `retry_after_ms` is intake's hint on a
// refused call (trailing metadata `retry-after-ms`) or a report over quota
// (`ReportResult.retry_after_ms`); 0 when it gave none.
struct IntakeAnswer {
  grpc::Status status;
  v1::ReportResult result;
  int64_t retry_after_ms = 0;
};

class IntakeClient {
 public:
  // A client of `options.address` (connects lazily). INVALID_ARGUMENT
  // naming intake-tls-ca when the CA file cannot be read.
  static absl::StatusOr<std::unique_ptr<IntakeClient>> Create(
      const IntakeOptions& options);

  // Submits `report` alone with `authorization` (the caller's header, as
  // received: `Bearer <token>`) as gRPC metadata. Never throws; a call that
  // fails (unreachable, deadline, refused) is in `status`.
  IntakeAnswer Submit(const std::string& authorization,
                      const v1::AgencyReport& report) const;

  const std::string& address() const { return address_; }

 private:
  IntakeClient() = default;
  std::string address_;
  std::chrono::milliseconds deadline_{10000};
  std::unique_ptr<v1::IntakeService::Stub> stub_;
};

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_INTAKE_CLIENT_H_
