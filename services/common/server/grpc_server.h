// A gRPC server with what every Fruition service exposes: the services
// given, grpc.health.v1, server reflection,
// optional TLS (with client certificates, requested or required, whose CN
// authenticates the caller when the certificate is fit for client use,
// client_cert.h), and a drain that turns health NOT_SERVING before stopping.
//
// Thread-safe.
#ifndef FRUITION_SERVICES_COMMON_SERVER_GRPC_SERVER_H_
#define FRUITION_SERVICES_COMMON_SERVER_GRPC_SERVER_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/auth/principals.h"
#include "services/common/server/deadlines.h"
#include "services/common/status.h"

namespace fruition::server {

// The default largest request: 4 MiB.
inline constexpr int kMaxReceiveMessageBytes = 4 << 20;

struct GrpcServerOptions {
  // host:port to listen on; port 0 picks a free port (see port()).
  std::string listen_address = "127.0.0.1:50051";
  // PEM files. With cert and key the server speaks TLS; with a client CA
  // too, it verifies client certificates when presented (callers may still
  // use bearer tokens instead). Read at start and again when they change
  // (tls_reload_seconds).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // With a client CA: the TLS handshake itself fails for a caller without a
  // certificate from that CA (no call reaches a service). Needs
  // tls_client_ca_file.
  bool tls_require_client_cert = false;
  // How often the TLS files are checked for a renewed certificate, key or
  // CA (new connections use them; open ones keep theirs).
  unsigned int tls_reload_seconds = 60;
  // Largest request accepted (a Submit batch of reports; a report is at
  // most 1 MiB). Larger ones are refused RESOURCE_EXHAUSTED by gRPC.
  int max_receive_message_bytes = kMaxReceiveMessageBytes;
  // Largest answer sent (a page of claims or scorecards).
  int max_send_message_bytes = 64 << 20;
  // Server-side deadlines (deadlines.h), installed after `interceptors`.
  DeadlineOptions deadlines;
  // Interceptors of every call (e.g. refusals.h's RefusalAuditor), made
  // once at Start; unset for none.
  std::function<std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>()>
      interceptors;
};

class GrpcServer {
 public:
  // Binds and starts. Health starts NOT_SERVING: call SetServing(true) once
  // the service's dependencies are ready. UNAVAILABLE if the address cannot
  // be bound; INVALID_ARGUMENT naming the file for unreadable TLS files, or
  // naming tls-require-client-cert when it is set without a client CA.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const GrpcServerOptions& options,
      const std::vector<grpc::Service*>& services);
  ~GrpcServer();

  int port() const { return port_; }
  // Sets the grpc.health.v1 status of every service ("" included).
  void SetServing(bool serving);
  // Drain: NOT_SERVING, refuse new RPCs, wait up to `deadline` for running
  // ones, then cancel what is left.
  void Shutdown(std::chrono::milliseconds deadline);

 private:
  GrpcServer() = default;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

// OK when the caller of `context` presented no TLS client certificate or one
// fit for client use (client_cert.h); otherwise UNAUTHENTICATED saying why.
absl::Status CheckPeerCertificate(const grpc::ServerContextBase& context);

// The caller's credentials: the `authorization` metadata and the verified
// client certificate's CN (x509_common_name), if any and only if the
// certificate is fit for client use (an unfit one names no one).
auth::Credentials CredentialsFrom(const grpc::ServerContextBase& context);

// The caller of `context` as `principals` authenticate them: UNAUTHENTICATED
// for a client certificate unfit for client use (CheckPeerCertificate), else
// principals.Authenticate(CredentialsFrom(context)). Every gRPC method
// authenticates its caller with this.
absl::StatusOr<auth::Principal> AuthenticateCaller(
    const auth::PrincipalRegistry& principals,
    const grpc::ServerContextBase& context);

// The answer `as(caller)` for the caller of `context` as `principals`
// authenticate them, or their refusal as a gRPC status. A service's gRPC
// methods are this around their *As functions, which tests call directly.
template <typename As>
grpc::Status AsCaller(const auth::PrincipalRegistry& principals,
                      const grpc::ServerContext& context, As&& as) {
  auto caller = AuthenticateCaller(principals, context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return as(*caller);
}

// The same for the usual shape: `impl->*as(caller, request, response)`.
template <typename Impl, typename As, typename Request, typename Response>
grpc::Status AsCaller(const auth::PrincipalRegistry& principals,
                      const grpc::ServerContext& context, Impl* impl, As as,
                      const Request& request, Response* response) {
  return AsCaller(principals, context, [&](const auth::Principal& caller) {
    return (impl->*as)(caller, request, response);
  });
}

}  // namespace fruition::server

#endif  // FRUITION_SERVICES_COMMON_SERVER_GRPC_SERVER_H_
