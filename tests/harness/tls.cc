#include "tests/harness/tls.h"

#include <grpcpp/security/credentials.h>

#include <fstream>
#include <sstream>

#include "services/common/strings.h"
#include "tests/harness/harness.h"

namespace fruition::testing {
namespace {

// Runs `command` (openssl); INTERNAL with its output if it fails.
absl::Status Run(const std::string& command) {
  std::string output;
  if (RunShell(command, &output) != 0) {
    return absl::InternalError(StrCat(command, ": ", output));
  }
  return absl::OkStatus();
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A P-256 key, which every TLS stack here accepts and openssl makes fast.
constexpr char kNewKey[] =
    "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

}  // namespace

absl::StatusOr<TestCa> TestCa::Create(const std::string& dir,
                                      const std::string& name) {
  TestCa ca;
  ca.dir_ = dir;
  ca.ca_ = {StrCat(dir, "/ca.pem"), StrCat(dir, "/ca.key")};
  absl::Status made =
      Run(StrCat("openssl req -x509 ", kNewKey, " -keyout ", ca.ca_.key,
                 " -out ", ca.ca_.cert, " -days 2 -subj '/CN=", name, "'",
                 " -addext basicConstraints=critical,CA:TRUE",
                 " -addext keyUsage=critical,keyCertSign,cRLSign"));
  if (!made.ok()) return made;
  return ca;
}

absl::StatusOr<TlsFiles> TestCa::Issue(const std::string& name,
                                       const std::string& common_name,
                                       const std::string& extensions) const {
  const std::string base = StrCat(dir_, "/", name);
  TlsFiles files{base + ".pem", base + ".key"};
  {
    std::ofstream ext(base + ".ext");
    ext << extensions;
    if (!ext) return absl::InternalError(StrCat("cannot write ", base, ".ext"));
  }
  absl::Status made =
      Run(StrCat("openssl req -new ", kNewKey, " -keyout ", files.key, " -out ",
                 base, ".csr -subj '/CN=", common_name, "'"));
  if (!made.ok()) return made;
  made = Run(StrCat("openssl x509 -req -in ", base, ".csr -CA ", ca_.cert,
                    " -CAkey ", ca_.key, " -set_serial 0x", Nonce(8),
                    " -days 2 -extfile ", base, ".ext -out ", files.cert));
  if (!made.ok()) return made;
  return files;
}

std::shared_ptr<grpc::ChannelCredentials> TlsChannelCredentials(
    const std::string& ca_file, const TlsFiles* client) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = Slurp(ca_file);
  if (client != nullptr) {
    ssl.pem_cert_chain = Slurp(client->cert);
    ssl.pem_private_key = Slurp(client->key);
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace fruition::testing
