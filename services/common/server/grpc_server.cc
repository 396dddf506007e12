#include "services/common/server/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <fstream>
#include <sstream>

#include "services/common/server/client_cert.h"
#include "services/common/strings.h"

namespace fruition::server {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     const std::string& field) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(StrCat(field, ": cannot read ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The server's transport credentials: insecure without a certificate; TLS
// with one, verifying client certificates against the client CA if given
// (requested, or required by the handshake with tls_require_client_cert).
// The files are read once here, so that a missing or unreadable one stops
// the start naming its setting, then watched: a renewed certificate (a
// Kubernetes Secret updated in place) serves new connections without a
// restart.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsOf(
    const GrpcServerOptions& options) {
  if (options.tls_require_client_cert && options.tls_client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "tls-require-client-cert: needs tls-client-ca (the CA that issues "
        "client certificates)");
  }
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) {
    if (options.tls_require_client_cert) {
      return absl::InvalidArgumentError(
          "tls-require-client-cert: needs tls-cert and tls-key (TLS)");
    }
    return grpc::InsecureServerCredentials();
  }
  FRUITION_RETURN_IF_ERROR(
      ReadFile(options.tls_cert_file, "tls-cert").status());
  FRUITION_RETURN_IF_ERROR(ReadFile(options.tls_key_file, "tls-key").status());
  const bool verify = !options.tls_client_ca_file.empty();
  if (verify) {
    FRUITION_RETURN_IF_ERROR(
        ReadFile(options.tls_client_ca_file, "tls-client-ca").status());
  }
  namespace gx = grpc::experimental;
  auto files = std::make_shared<gx::FileWatcherCertificateProvider>(
      options.tls_key_file, options.tls_cert_file, options.tls_client_ca_file,
      options.tls_reload_seconds);
  gx::TlsServerCredentialsOptions tls(files);
  tls.watch_identity_key_cert_pairs();
  tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (verify) {
    tls.watch_root_certs();
    tls.set_cert_request_type(
        options.tls_require_client_cert
            ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
            : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return gx::TlsServerCredentials(tls);
}

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const GrpcServerOptions& options,
    const std::vector<grpc::Service*>& services) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  auto credentials = ServerCredentialsOf(options);
  if (!credentials.ok()) return credentials.status();
  std::unique_ptr<GrpcServer> server(new GrpcServer());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, *credentials,
                           &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.SetMaxSendMessageSize(options.max_send_message_bytes);
  for (grpc::Service* service : services) {
    builder.RegisterService(service);
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  if (options.interceptors) interceptors = options.interceptors();
  interceptors.push_back(DeadlineEnforcer(options.deadlines));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        StrCat("grpc-listen: cannot listen on ", options.listen_address));
  }
  server->SetServing(false);
  return server;
}

GrpcServer::~GrpcServer() {
  if (!shut_down_) Shutdown(std::chrono::seconds(1));
}

void GrpcServer::SetServing(bool serving) {
  if (server_ == nullptr) return;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health != nullptr) health->SetServingStatus(serving);
}

void GrpcServer::Shutdown(std::chrono::milliseconds deadline) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  SetServing(false);
  server_->Shutdown(std::chrono::system_clock::now() + deadline);
  server_->Wait();
}

namespace {

// The peer's certificate (PEM) if it presented one, else "".
std::string PeerCertificate(const grpc::AuthContext* auth) {
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return "";
  const auto pems = auth->FindPropertyValues("x509_pem_cert");
  if (pems.empty()) return "";
  return std::string(pems[0].data(), pems[0].size());
}

}  // namespace

absl::Status CheckPeerCertificate(const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  const std::string pem = PeerCertificate(auth.get());
  if (pem.empty()) return absl::OkStatus();
  return CheckClientUseCached(pem);
}

absl::StatusOr<auth::Principal> AuthenticateCaller(
    const auth::PrincipalRegistry& principals,
    const grpc::ServerContextBase& context) {
  FRUITION_RETURN_IF_ERROR(CheckPeerCertificate(context));
  return principals.Authenticate(CredentialsFrom(context));
}

auth::Credentials CredentialsFrom(const grpc::ServerContextBase& context) {
  auth::Credentials credentials;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end()) {
    credentials.authorization =
        std::string(it->second.data(), it->second.size());
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated() &&
      CheckPeerCertificate(context).ok()) {
    const auto cns = auth->FindPropertyValues("x509_common_name");
    if (!cns.empty()) {
      credentials.cert_common_name = std::string(cns[0].data(), cns[0].size());
    }
  }
  return credentials;
}

}  // namespace fruition::server
