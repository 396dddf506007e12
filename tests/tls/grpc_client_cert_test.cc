// A real GrpcServer over TLS, with the refusal auditor every service
// installs, and clients presenting certificates issued at test time:
//  - required client certificates: no certificate, no handshake (no call
//    reaches a method);
//  - a certificate authenticates its CN only if it is fit for client use,
//    whether certificates are required or only requested: a server
//    certificate (extendedKeyUsage serverAuth) with CN=OIG fails the
//    handshake (OpenSSL verifies a client chain for the TLS-client purpose);
//    one that passes the handshake but has no extendedKeyUsage, or a
//    keyUsage without digitalSignature, is refused UNAUTHENTICATED by the
//    server's own check and the refusal is audited;
//  - bearer tokens keep working when certificates are only requested.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fruition/v1/reconciler.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/server/audit.h"
#include "services/common/server/grpc_server.h"
#include "services/common/strings.h"
#include "tests/harness/harness.h"
#include "tests/harness/tls.h"

namespace fruition {
namespace {

using testing::TestCa;
using testing::TlsFiles;

constexpr char kMethod[] = "/fruition.v1.ReconcilerService/ListEvents";
constexpr char kDeaToken[] = "dea-token";

// A method that answers with who called it (as every service's methods
// authenticate: server::AsCaller), counting the calls that reached it.
class WhoAmI final : public v1::ReconcilerService::Service {
 public:
  explicit WhoAmI(const auth::PrincipalRegistry* principals)
      : principals_(principals) {}

  grpc::Status ListEvents(grpc::ServerContext* context,
                          const v1::ListEventsRequest* /*request*/,
                          v1::ListEventsResponse* response) override {
    ++reached_;
    return server::AsCaller(*principals_, *context,
                            [&](const auth::Principal& caller) {
                              response->set_next_page_token(caller.code);
                              return grpc::Status::OK;
                            });
  }

  int reached() const { return reached_; }

 private:
  const auth::PrincipalRegistry* principals_;
  std::atomic<int> reached_{0};
};

// What a call got: its status and, when OK, the caller it was served as.
struct Answer {
  grpc::Status status;
  std::string caller;
};

class GrpcClientCertTest : public ::testing::Test {
 protected:
  // One CA and its certificates for the whole suite (openssl takes a while).
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::NewTempDir("tls"));
    auto ca = TestCa::Create(*dir_);
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = new TestCa(*ca);
    const std::string server_oig_ext =
        StrCat(testing::kServerExtensions, "");  // serverAuth only
    struct Want {
      TlsFiles** out;
      const char* name;
      const char* cn;
      std::string ext;
    };
    const Want wants[] = {
        {&server_, "server", "localhost", testing::kServerExtensions},
        {&client_oig_, "client-oig", "OIG", testing::kClientExtensions},
        {&server_oig_, "server-oig", "OIG", server_oig_ext},
        {&no_eku_oig_, "no-eku-oig", "OIG",
         "basicConstraints=critical,CA:FALSE\n"
         "keyUsage=critical,digitalSignature\n"},
        // OpenSSL's TLS-client purpose accepts keyAgreement in place of
        // digitalSignature; the server's check does not.
        {&no_signing_oig_, "no-signing-oig", "OIG",
         "basicConstraints=critical,CA:FALSE\n"
         "keyUsage=critical,keyAgreement\n"
         "extendedKeyUsage=clientAuth\n"},
    };
    for (const Want& w : wants) {
      auto files = ca_->Issue(w.name, w.cn, w.ext);
      ASSERT_TRUE(files.ok()) << files.status();
      *w.out = new TlsFiles(*files);
    }
    // A proper client certificate, from a CA the server does not trust.
    const std::string other_dir = testing::NewTempDir("tls-other");
    auto other = TestCa::Create(other_dir, "other CA");
    ASSERT_TRUE(other.ok()) << other.status();
    auto stranger =
        other->Issue("client-oig", "OIG", testing::kClientExtensions);
    ASSERT_TRUE(stranger.ok()) << stranger.status();
    other_ca_oig_ = new TlsFiles(*stranger);
  }

  void SetUp() override {
    principals_ = auth::PrincipalRegistry::FromEntries({
        {{"OIG", auth::PrincipalKind::kOverseer, {}, false}, ""},
        {{"DEA", auth::PrincipalKind::kAgency, {}, false},
         privacy::Sha256Hex(kDeaToken)},
    });
  }

  void TearDown() override {
    if (server_process_ != nullptr) {
      server_process_->Shutdown(std::chrono::seconds(1));
    }
  }

  // Starts the server with TLS and the client CA; certificates required or
  // only requested.
  void Start(bool require) {
    service_ = std::make_unique<WhoAmI>(&principals_);
    server::GrpcServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.tls_cert_file = server_->cert;
    options.tls_key_file = server_->key;
    options.tls_client_ca_file = ca_->ca_file();
    options.tls_require_client_cert = require;
    options.interceptors = [this] {
      std::vector<std::unique_ptr<
          grpc::experimental::ServerInterceptorFactoryInterface>>
          all;
      all.push_back(server::RefusalAuditor(&principals_, &trail_));
      return all;
    };
    auto started = server::GrpcServer::Start(options, {service_.get()});
    ASSERT_TRUE(started.ok()) << started.status();
    server_process_ = std::move(*started);
  }

  // One ListEvents call presenting `client` (none if null) and `token`.
  Answer Call(const TlsFiles* client, const std::string& token = "") {
    auto channel = grpc::CreateChannel(
        StrCat("localhost:", server_process_->port()),
        testing::TlsChannelCredentials(ca_->ca_file(), client));
    auto stub = v1::ReconcilerService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    if (!token.empty()) {
      context.AddMetadata("authorization", StrCat("Bearer ", token));
    }
    v1::ListEventsRequest request;
    v1::ListEventsResponse response;
    Answer answer;
    answer.status = stub->ListEvents(&context, request, &response);
    answer.caller = response.next_page_token();
    return answer;
  }

  // The audit records of refused calls of kMethod.
  std::vector<audit::Entry> Refusals() const {
    std::vector<audit::Entry> out;
    for (const audit::Entry& e : trail_.entries()) {
      if (e.action == kMethod && e.outcome != "OK") out.push_back(e);
    }
    return out;
  }

  // Expects the call of `answer` stopped at the handshake: UNAVAILABLE,
  // and no call reached the method (nothing to audit: there was no call).
  void ExpectNoHandshake(const Answer& answer) const {
    EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << answer.status.error_message();
    EXPECT_EQ(answer.caller, "");
    EXPECT_EQ(service_->reached(), 0) << "a call got past the handshake";
  }

  // Expects `answer` refused as not a client certificate, and audited as
  // such (the caller unauthenticated, not OIG).
  void ExpectRefusedAsNotClient(const Answer& answer,
                                const std::string& why) const {
    EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << answer.status.error_message();
    EXPECT_NE(answer.status.error_message().find(why), std::string::npos)
        << answer.status.error_message();
    EXPECT_EQ(answer.caller, "");
    const auto refusals = Refusals();
    ASSERT_EQ(refusals.size(), 1u);
    EXPECT_EQ(refusals[0].principal, server::kUnauthenticatedPrincipal);
    EXPECT_EQ(refusals[0].outcome, "UNAUTHENTICATED");
  }

  static std::string* dir_;
  static TestCa* ca_;
  static TlsFiles* server_;
  static TlsFiles* client_oig_;
  static TlsFiles* server_oig_;
  static TlsFiles* no_eku_oig_;
  static TlsFiles* no_signing_oig_;
  static TlsFiles* other_ca_oig_;

  auth::PrincipalRegistry principals_;
  audit::MemoryTrail trail_;
  std::unique_ptr<WhoAmI> service_;
  std::unique_ptr<server::GrpcServer> server_process_;
};

std::string* GrpcClientCertTest::dir_ = nullptr;
TestCa* GrpcClientCertTest::ca_ = nullptr;
TlsFiles* GrpcClientCertTest::server_ = nullptr;
TlsFiles* GrpcClientCertTest::client_oig_ = nullptr;
TlsFiles* GrpcClientCertTest::server_oig_ = nullptr;
TlsFiles* GrpcClientCertTest::no_eku_oig_ = nullptr;
TlsFiles* GrpcClientCertTest::no_signing_oig_ = nullptr;
TlsFiles* GrpcClientCertTest::other_ca_oig_ = nullptr;

TEST_F(GrpcClientCertTest, RequiredWithoutCertificateFailsTheHandshake) {
  Start(/*require=*/true);
  ExpectNoHandshake(Call(nullptr, kDeaToken));
}

TEST_F(GrpcClientCertTest, RequiredServerCertificateAsClientFailsHandshake) {
  Start(/*require=*/true);
  ExpectNoHandshake(Call(server_oig_));
}

TEST_F(GrpcClientCertTest, RequiredCertificateOfAnotherCaFailsHandshake) {
  Start(/*require=*/true);
  ExpectNoHandshake(Call(other_ca_oig_));
}

TEST_F(GrpcClientCertTest, RequiredClientCertificateAuthenticatesItsCn) {
  Start(/*require=*/true);
  const Answer answer = Call(client_oig_);
  ASSERT_TRUE(answer.status.ok()) << answer.status.error_message();
  EXPECT_EQ(answer.caller, "OIG");
  EXPECT_TRUE(Refusals().empty());
}

TEST_F(GrpcClientCertTest, RequiredCertificateWithoutEkuIsRefused) {
  Start(/*require=*/true);
  ExpectRefusedAsNotClient(Call(no_eku_oig_), "has no extendedKeyUsage");
}

TEST_F(GrpcClientCertTest,
       RequiredCertificateWithoutDigitalSignatureIsRefused) {
  Start(/*require=*/true);
  ExpectRefusedAsNotClient(Call(no_signing_oig_), "no digitalSignature");
}

TEST_F(GrpcClientCertTest, RequestedBearerTokensStillWork) {
  Start(/*require=*/false);
  const Answer dea = Call(nullptr, kDeaToken);
  ASSERT_TRUE(dea.status.ok()) << dea.status.error_message();
  EXPECT_EQ(dea.caller, "DEA");
  const Answer anonymous = Call(nullptr);
  ASSERT_TRUE(anonymous.status.ok()) << anonymous.status.error_message();
  EXPECT_EQ(anonymous.caller, "PUBLIC");
  const Answer oig = Call(client_oig_);
  ASSERT_TRUE(oig.status.ok()) << oig.status.error_message();
  EXPECT_EQ(oig.caller, "OIG");
}

TEST_F(GrpcClientCertTest, RequestedServerCertificateAsClientIsStillRefused) {
  Start(/*require=*/false);
  ExpectNoHandshake(Call(server_oig_));
}

TEST_F(GrpcClientCertTest, RequestedCertificateWithoutEkuIsStillRefused) {
  Start(/*require=*/false);
  ExpectRefusedAsNotClient(Call(no_eku_oig_), "has no extendedKeyUsage");
  EXPECT_EQ(service_->reached(), 1);
}

TEST_F(GrpcClientCertTest, RequireWithoutClientCaDoesNotStart) {
  server::GrpcServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.tls_cert_file = server_->cert;
  options.tls_key_file = server_->key;
  options.tls_require_client_cert = true;
  auto started = server::GrpcServer::Start(options, {});
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(started.status().message().find("tls-require-client-cert"),
            std::string::npos)
      << started.status();
}

// A renewed certificate (a Kubernetes Secret updated in place, as
// cert-manager renews it) serves new connections without a restart.
TEST_F(GrpcClientCertTest, RenewedServerCertificateIsServedWithoutRestart) {
  const std::string dir = testing::NewTempDir("tls-renew");
  auto renewed_ca = TestCa::Create(dir, "renewing CA");
  ASSERT_TRUE(renewed_ca.ok()) << renewed_ca.status();
  auto renewed =
      renewed_ca->Issue("renewed", "localhost", testing::kServerExtensions);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  // The files the server watches start as the first CA's certificate.
  const TlsFiles live{dir + "/live.pem", dir + "/live.key"};
  auto copy = [](const std::string& from, const std::string& to) {
    std::ofstream(to + ".tmp") << testing::ReadFile(from);
    ASSERT_EQ(std::rename((to + ".tmp").c_str(), to.c_str()), 0) << to;
  };
  copy(server_->cert, live.cert);
  copy(server_->key, live.key);
  server::GrpcServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.tls_cert_file = live.cert;
  options.tls_key_file = live.key;
  options.tls_reload_seconds = 1;
  service_ = std::make_unique<WhoAmI>(&principals_);
  auto started = server::GrpcServer::Start(options, {service_.get()});
  ASSERT_TRUE(started.ok()) << started.status();
  server_process_ = std::move(*started);
  server_process_->SetServing(true);
  const std::string address = StrCat("127.0.0.1:", server_process_->port());
  ASSERT_EQ(testing::HealthStatus(address, ca_->ca_file()), "SERVING");
  EXPECT_NE(testing::HealthStatus(address, renewed_ca->ca_file()), "SERVING");

  // Key first, then the certificate, as a renewal rewrites them.
  copy(renewed->key, live.key);
  copy(renewed->cert, live.cert);
  const auto renewal = std::chrono::steady_clock::now();
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        return testing::HealthStatus(address, renewed_ca->ca_file()) ==
               "SERVING";
      },
      std::chrono::seconds(30)))
      << "new connections still get the old certificate";
  std::cout << "renewed certificate served after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - renewal)
                   .count()
            << " ms (reload every 1 s)\n";
}

}  // namespace
}  // namespace fruition
