#include "tools/sim/principals.h"

#include <openssl/rand.h>

#include <fstream>
#include <string_view>
#include <vector>

#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "tools/sim/sim.h"

namespace fruition::sim {
namespace {

std::string RandomHex(int bytes) {
  std::vector<unsigned char> buf(bytes);
  RAND_bytes(buf.data(), bytes);
  return HexLower(
      std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
}

}  // namespace

absl::Status WritePrincipals(const std::string& dir,
                             const std::string& token_prefix) {
  const std::string principals_path = dir + "/principals.yaml";
  const std::string tokens_path = dir + "/tokens";
  std::ofstream out(principals_path);
  std::ofstream tokens(tokens_path);
  out << "principals:\n";
  std::vector<Reporter> all = Reporters();
  all.push_back({"OIG", "OVERSEER", "", {}, false});
  for (const Reporter& r : all) {
    const std::string token =
        StrCat(token_prefix, "-", r.code, "-", RandomHex(16));
    out << "  - code: " << r.code << "\n    kind: " << r.kind
        << "\n    token_sha256: " << privacy::Sha256Hex(token) << "\n";
    if (!r.acts_for.empty()) {
      out << "    acts_for:\n";
      for (const std::string& code : r.acts_for) {
        out << "      - " << code << "\n";
      }
    }
    if (r.designates) out << "    designates: true\n";
    // Benches and soaks measure the pipeline, not admission control: a
    // quota far above what one machine sends, so that the default
    // (5,000 reports/s, 4 streams) never refuses their unpaced runs.
    out << "    quota: {reports_per_second: 1000000, max_streams: 64}\n";
    tokens << r.code << " " << token << "\n";
  }
  out.close();
  tokens.close();
  if (!out) {
    return absl::UnavailableError(StrCat("cannot write ", principals_path));
  }
  if (!tokens) {
    return absl::UnavailableError(StrCat("cannot write ", tokens_path));
  }
  return absl::OkStatus();
}

}  // namespace fruition::sim
