// Small helpers for absl::Status, which Debian's Abseil (20220623) lacks.
#ifndef FRUITION_SERVICES_COMMON_STATUS_H_
#define FRUITION_SERVICES_COMMON_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns early from the enclosing function when `expr` is not OK.
#define FRUITION_RETURN_IF_ERROR(expr)                   \
  do {                                                   \
    ::absl::Status fruition_status_ = (expr);            \
    if (!fruition_status_.ok()) return fruition_status_; \
  } while (0)

#define FRUITION_STATUS_CONCAT_INNER_(a, b) a##b
#define FRUITION_STATUS_CONCAT_(a, b) FRUITION_STATUS_CONCAT_INNER_(a, b)

// `lhs = value of expr`, or returns its error from the enclosing function.
#define FRUITION_ASSIGN_OR_RETURN(lhs, expr)                               \
  auto FRUITION_STATUS_CONCAT_(fruition_statusor_, __LINE__) = (expr);     \
  if (!FRUITION_STATUS_CONCAT_(fruition_statusor_, __LINE__).ok())         \
    return FRUITION_STATUS_CONCAT_(fruition_statusor_, __LINE__).status(); \
  lhs = /* NOLINT(bugprone-macro-parentheses): lhs may be a declaration */ \
      std::move(*FRUITION_STATUS_CONCAT_(fruition_statusor_, __LINE__))

namespace fruition {

// Maps an absl::Status to a grpc::Status; the numeric codes are the same.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

// Maps a grpc::Status to an absl::Status.
inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace fruition

#endif  // FRUITION_SERVICES_COMMON_STATUS_H_
