// Client certificates end to end: fruition-gateway as a process with TLS and
// --tls-require-client-cert on a real Kafka broker (its audit trail there),
// and the real fruitctl presenting certificates issued at test time:
//  - the overseer's client certificate is served as OIG;
//  - no certificate, or a server certificate with CN=OIG: no handshake;
//  - an OIG certificate without extendedKeyUsage: UNAUTHENTICATED saying
//    why, and the refusal is on the audit trail as "unauthenticated";
//  - the setting is validated at start: required without a client CA is
//    exit 2 naming the field.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/audit.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/harness.h"
#include "tests/harness/tls.h"

namespace fruition {
namespace {

using std::chrono::seconds;
using testing::Process;
using testing::TestCa;
using testing::TlsFiles;

constexpr char kDeaToken[] = "dea-tls-token";

class GrpcTlsIntegrationTest
    : public testing::BrokerSuite<GrpcTlsIntegrationTest> {
 protected:
  static void SetUpTestSuite() {
    SetUpBroker(testing::TopicSpecs({topics::kOversightPublic,
                                     topics::kOversightRestricted,
                                     topics::kScores, topics::kScoresPublic,
                                     topics::kAudit, topics::kReference}));
    pki_dir_ = new std::string(testing::NewTempDir("tls-pki"));
    auto ca = TestCa::Create(*pki_dir_);
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = new TestCa(*ca);
    auto issue = [](const char* name, const char* cn, const char* ext) {
      auto files = ca_->Issue(name, cn, ext);
      EXPECT_TRUE(files.ok()) << files.status();
      return new TlsFiles(files.ok() ? *files : TlsFiles{});
    };
    server_ = issue("server", "localhost", testing::kServerExtensions);
    client_oig_ = issue("client-oig", "OIG", testing::kClientExtensions);
    server_oig_ = issue("server-oig", "OIG", testing::kServerExtensions);
    no_eku_oig_ = issue("no-eku-oig", "OIG",
                        "basicConstraints=critical,CA:FALSE\n"
                        "keyUsage=critical,digitalSignature\n");
  }

  void SetUp() override {
    BrokerSuite::SetUp();
    if (IsSkipped()) return;
    nonce_ = testing::Nonce();
    dir_ = testing::NewTempDir("tls-gateway");
    // OIG authenticates by certificate only; DEA by token.
    std::ofstream principals(dir_ + "/principals.yaml");
    principals << "principals:\n"
               << "  - code: OIG\n    kind: OVERSEER\n"
               << "  - code: DEA\n    kind: AGENCY\n    token_sha256: "
               << privacy::Sha256Hex(kDeaToken) << "\n";
  }

  std::string writer() const { return StrCat("gateway@tls-", nonce_); }

  std::vector<std::string> GatewayArgs() {
    grpc_port_ = testing::FreePort();
    return {"--kafka-bootstrap=" + bootstrap(),
            "--principals-file=" + dir_ + "/principals.yaml",
            "--data-dir=" + dir_ + "/gateway",
            StrCat("--grpc-listen=127.0.0.1:", grpc_port_),
            StrCat("--metrics-listen=127.0.0.1:", testing::FreePort()),
            StrCat("--http-listen=127.0.0.1:", testing::FreePort()),
            "--audit-writer=" + writer(),
            "--tls-cert=" + server_->cert,
            "--tls-key=" + server_->key};
  }

  // Starts the gateway requiring client certificates; waits until it
  // serves (asked with the overseer's certificate).
  void StartRequiring() {
    std::vector<std::string> args = GatewayArgs();
    args.push_back("--tls-client-ca=" + ca_->ca_file());
    args.push_back("--tls-require-client-cert");
    const std::string log =
        StrCat(testing::OutputDir(), "/gateway-tls-", nonce_, ".log");
    auto process = Process::Start(
        testing::Runfile("services/gateway/fruition-gateway"), args, log);
    ASSERT_TRUE(process.ok()) << process.status();
    gateway_ = std::move(*process);
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          return testing::HealthStatus(address(), ca_->ca_file(),
                                       client_oig_->cert,
                                       client_oig_->key) == "SERVING";
        },
        seconds(90)))
        << "gateway did not become SERVING; log: " << log;
  }

  std::string address() const { return StrCat("127.0.0.1:", grpc_port_); }

  // `fruitctl events --visibility RESTRICTED` (overseers only) over TLS,
  // presenting `client` (none if null): its exit code, output in `out`.
  int RestrictedEvents(const TlsFiles* client, std::string* out) {
    std::string command = StrCat(testing::Runfile("tools/fruitctl/fruitctl"),
                                 " events --visibility RESTRICTED --server ",
                                 address(), " --tls-ca ", ca_->ca_file());
    if (client != nullptr) {
      command +=
          StrCat(" --tls-cert ", client->cert, " --tls-key ", client->key);
    }
    return testing::RunShell(command, out);
  }

  inline static std::string* pki_dir_ = nullptr;
  inline static TestCa* ca_ = nullptr;
  inline static TlsFiles* server_ = nullptr;
  inline static TlsFiles* client_oig_ = nullptr;
  inline static TlsFiles* server_oig_ = nullptr;
  inline static TlsFiles* no_eku_oig_ = nullptr;

  std::string nonce_;
  std::string dir_;
  int grpc_port_ = 0;
  std::unique_ptr<Process> gateway_;
};

TEST_F(GrpcTlsIntegrationTest, OnlyAClientCertificateAuthenticates) {
  StartRequiring();
  std::string out;
  // The overseer's client certificate: a restricted read is allowed (an
  // empty answer: exit 0, or 1 "nothing found"; never 3 or 4).
  const int oig = RestrictedEvents(client_oig_, &out);
  EXPECT_TRUE(oig == 0 || oig == 1) << oig << ": " << out;

  // No certificate: the handshake fails, the service is unreachable (4).
  EXPECT_EQ(RestrictedEvents(nullptr, &out), 4) << out;
  EXPECT_NE(out.find("UNAVAILABLE"), std::string::npos) << out;

  // A server certificate with CN=OIG: no handshake either.
  EXPECT_EQ(RestrictedEvents(server_oig_, &out), 4) << out;

  // An OIG certificate without extendedKeyUsage passes the handshake (the
  // chain is good) and is refused by the service, saying why (3).
  EXPECT_EQ(RestrictedEvents(no_eku_oig_, &out), 3) << out;
  EXPECT_NE(out.find("UNAUTHENTICATED"), std::string::npos) << out;
  EXPECT_NE(out.find("extendedKeyUsage"), std::string::npos) << out;

  // Its refusal is on the audit trail, the caller unauthenticated, not OIG.
  auto trail = testing::AuditRecordsOf(bootstrap(), writer());
  ASSERT_TRUE(trail.ok()) << trail.status();
  std::vector<std::string> refusals;
  for (const v1::AuditRecord& r : *trail) {
    if (r.outcome() != "OK") {
      refusals.push_back(
          StrCat(r.principal(), " ", r.action(), " ", r.outcome()));
    }
  }
  EXPECT_EQ(refusals,
            std::vector<std::string>{
                "unauthenticated /fruition.v1.OversightService/ListEvents "
                "UNAUTHENTICATED"});
}

TEST_F(GrpcTlsIntegrationTest, RequiringWithoutAClientCaDoesNotStart) {
  std::vector<std::string> args = GatewayArgs();
  args.push_back("--tls-require-client-cert");
  const std::string log =
      StrCat(testing::OutputDir(), "/gateway-tls-noca-", nonce_, ".log");
  auto process = Process::Start(
      testing::Runfile("services/gateway/fruition-gateway"), args, log);
  ASSERT_TRUE(process.ok()) << process.status();
  EXPECT_EQ((*process)->Wait(seconds(30)), std::optional<int>(2));
  EXPECT_NE(testing::ReadFile(log).find("tls-require-client-cert"),
            std::string::npos)
      << testing::ReadFile(log);
}

TEST_F(GrpcTlsIntegrationTest, FruitctlRefusesAKeyWithoutItsCertificate) {
  // Without this check fruitctl would connect presenting no certificate.
  std::string out;
  const int code =
      testing::RunShell(StrCat(testing::Runfile("tools/fruitctl/fruitctl"),
                               " events --server 127.0.0.1:1 --tls-ca ",
                               ca_->ca_file(), " --tls-key ", client_oig_->key),
                        &out);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("--tls-key: needs --tls-cert"), std::string::npos) << out;
}

}  // namespace
}  // namespace fruition
