// Certificates made at test time: a throwaway certificate authority (the
// openssl CLI) issuing server and client certificates with the extensions a
// test asks for, and gRPC channel credentials presenting them.
#ifndef FRUITION_TESTS_HARNESS_TLS_H_
#define FRUITION_TESTS_HARNESS_TLS_H_

#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace fruition::testing {

// A certificate and its private key (PEM file paths).
struct TlsFiles {
  std::string cert;
  std::string key;
};

// X.509v3 extensions (openssl `-extfile` lines) of the usual profiles.
// localhost and 127.0.0.1 as subjectAltName, serverAuth.
inline constexpr char kServerExtensions[] =
    "basicConstraints=critical,CA:FALSE\n"
    "keyUsage=critical,digitalSignature,keyEncipherment\n"
    "extendedKeyUsage=serverAuth\n"
    "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
// clientAuth, as cert-manager and tools/ issue client certificates.
inline constexpr char kClientExtensions[] =
    "basicConstraints=critical,CA:FALSE\n"
    "keyUsage=critical,digitalSignature\n"
    "extendedKeyUsage=clientAuth\n";

class TestCa {
 public:
  // A new CA (EC P-256, valid two days) in `dir`. INTERNAL with openssl's
  // output if the CLI fails.
  static absl::StatusOr<TestCa> Create(const std::string& dir,
                                       const std::string& name = "test CA");

  // The CA certificate (PEM file): what servers and clients trust.
  const std::string& ca_file() const { return ca_.cert; }

  // A certificate for `common_name` with `extensions`, signed by this CA,
  // written as <dir>/<name>.pem and <dir>/<name>.key.
  absl::StatusOr<TlsFiles> Issue(const std::string& name,
                                 const std::string& common_name,
                                 const std::string& extensions) const;

 private:
  std::string dir_;
  TlsFiles ca_;
};

// TLS channel credentials trusting `ca_file`, presenting `client` when given.
std::shared_ptr<grpc::ChannelCredentials> TlsChannelCredentials(
    const std::string& ca_file, const TlsFiles* client = nullptr);

}  // namespace fruition::testing

#endif  // FRUITION_TESTS_HARNESS_TLS_H_
