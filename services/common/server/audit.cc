#include "services/common/server/audit.h"

#include "absl/status/status.h"
#include "services/common/log/log.h"
#include "services/common/server/grpc_server.h"
#include "services/common/strings.h"

namespace fruition::server {
namespace {

namespace gx = grpc::experimental;

class RefusalInterceptor : public gx::Interceptor {
 public:
  RefusalInterceptor(gx::ServerRpcInfo* info,
                     const auth::PrincipalRegistry* principals,
                     audit::Trail* trail)
      : info_(info), principals_(principals), trail_(trail) {}

  void Intercept(gx::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            gx::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const auto code = static_cast<absl::StatusCode>(status.error_code());
      if (IsRefusal(code)) {
        // As the method authenticated the caller: a client certificate
        // unfit for client use names no one ("unauthenticated").
        auto caller =
            AuthenticateCaller(*principals_, *info_->server_context());
        AuditRefusal(*trail_,
                     caller.ok() ? caller->code : kUnauthenticatedPrincipal,
                     info_->method(), code);
      }
    }
    methods->Proceed();
  }

 private:
  gx::ServerRpcInfo* info_;
  const auth::PrincipalRegistry* principals_;
  audit::Trail* trail_;
};

class RefusalFactory : public gx::ServerInterceptorFactoryInterface {
 public:
  RefusalFactory(const auth::PrincipalRegistry* principals, audit::Trail* trail)
      : principals_(principals), trail_(trail) {}

  gx::Interceptor* CreateServerInterceptor(gx::ServerRpcInfo* info) override {
    return new RefusalInterceptor(info, principals_, trail_);
  }

 private:
  const auth::PrincipalRegistry* principals_;
  audit::Trail* trail_;
};

}  // namespace

grpc::Status AuditRead(audit::Trail& trail, const std::string& principal,
                       const std::string& action,
                       std::vector<std::string> resources) {
  audit::Entry entry;
  entry.principal = principal;
  entry.action = action;
  entry.resources = std::move(resources);
  if (absl::Status s = trail.Append(entry); !s.ok()) {
    log::Error("restricted read refused: its audit record was not written",
               {{"principal", principal},
                {"action", action},
                {"error", std::string(s.message())}});
    return grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        StrCat("the audit trail cannot record this read of restricted data (",
               s.message(), "); nothing was read, try again later"));
  }
  return grpc::Status::OK;
}

bool IsRefusal(absl::StatusCode code) {
  return code == absl::StatusCode::kPermissionDenied ||
         code == absl::StatusCode::kUnauthenticated;
}

void AuditRefusal(audit::Trail& trail, const std::string& principal,
                  const std::string& action, absl::StatusCode code,
                  std::vector<std::string> resources) {
  audit::Entry entry;
  entry.principal = principal;
  entry.action = action;
  entry.resources = std::move(resources);
  entry.outcome = absl::StatusCodeToString(code);
  if (absl::Status s = trail.Append(entry); !s.ok()) {
    log::Error("audit record of a refused call not written",
               {{"principal", principal},
                {"action", action},
                {"outcome", entry.outcome},
                {"error", std::string(s.message())}});
  }
}

std::string RefusedPrincipal(const auth::PrincipalRegistry& principals,
                             const auth::Credentials& credentials) {
  auto caller = principals.Authenticate(credentials);
  return caller.ok() ? caller->code : kUnauthenticatedPrincipal;
}

std::unique_ptr<gx::ServerInterceptorFactoryInterface> RefusalAuditor(
    const auth::PrincipalRegistry* principals, audit::Trail* trail) {
  return std::make_unique<RefusalFactory>(principals, trail);
}

}  // namespace fruition::server
