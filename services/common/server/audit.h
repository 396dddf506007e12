// What every service's server records on the audit trail (SPEC §1).
//
// Restricted reads: AuditRead appends the record of a read before anything
// restricted is sent; when it cannot be written the read fails UNAVAILABLE,
// so there is no unaudited restricted read.
//
// Refusals: every refused call leaves an audit record: a gRPC call that ends
// PERMISSION_DENIED or UNAUTHENTICATED, in any service, is recorded by the
// interceptor RefusalAuditor installs, whichever method refused it and for
// whatever reason; the gateway's HTTP API records its 401s and 403s with
// AuditRefusal.
//
// The record names the caller as the principals file authenticates them:
// its code, `PUBLIC` for a call without credentials, or `unauthenticated`
// for credentials that match no principal. A refusal whose record cannot be
// written is still a refusal (nothing was disclosed); the failure is logged.
#ifndef FRUITION_SERVICES_COMMON_SERVER_AUDIT_H_
#define FRUITION_SERVICES_COMMON_SERVER_AUDIT_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/common/status.h"

namespace fruition::server {

// The principal of a record whose caller's credentials matched no one.
inline constexpr char kUnauthenticatedPrincipal[] = "unauthenticated";

// Appends the record of `principal`'s read of `resources` by `action`
// (outcome OK). UNAVAILABLE, naming the trail's error, when it could not be
// written: the caller answers that and sends nothing restricted.
grpc::Status AuditRead(audit::Trail& trail, const std::string& principal,
                       const std::string& action,
                       std::vector<std::string> resources);

// PERMISSION_DENIED or UNAUTHENTICATED: the outcomes audited as refusals.
bool IsRefusal(absl::StatusCode code);

// Appends the record of a refusal: outcome the code's name
// (`PERMISSION_DENIED`).
void AuditRefusal(audit::Trail& trail, const std::string& principal,
                  const std::string& action, absl::StatusCode code,
                  std::vector<std::string> resources = {});

// The caller's name for a refusal record (see above).
std::string RefusedPrincipal(const auth::PrincipalRegistry& principals,
                             const auth::Credentials& credentials);

// An interceptor factory recording every refused call on `trail` (action:
// the full method name). Both must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
RefusalAuditor(const auth::PrincipalRegistry* principals, audit::Trail* trail);

}  // namespace fruition::server

#endif  // FRUITION_SERVICES_COMMON_SERVER_AUDIT_H_
