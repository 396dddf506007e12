// Who is calling: principals (SPEC §1) and their authentication.
//
// The principals file maps principal codes to kinds and to the SHA-256 hex
// digest of their bearer token; raw tokens are never stored:
//
//   principals:
//     - code: DEA
//       kind: AGENCY
//       token_sha256:
//       9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//       acts_for: [TF-PHL]   # optional: agencies it may name besides itself
//       designates: true     # optional (default false): may send
//                            # org_designated
//       quota: {reports_per_second: 5000, max_streams: 4}  # optional;
//                            # defaults shown (intake's admission control)
//
// A caller presents `authorization: Bearer <token>` or a TLS client
// certificate whose CN is its code. A caller with neither is PUBLIC.
//
// Thread-safe: a registry is immutable once loaded.
#ifndef FRUITION_SERVICES_COMMON_AUTH_PRINCIPALS_H_
#define FRUITION_SERVICES_COMMON_AUTH_PRINCIPALS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace fruition::auth {

enum class PrincipalKind {
  kAgency,
  kJudiciary,
  kCommunity,
  kOverseer,
  kPublic
};

// "AGENCY", "JUDICIARY", ... (the principals file's spelling).
std::string_view KindName(PrincipalKind kind);
std::optional<PrincipalKind> ParseKind(std::string_view name);

// Intake's admission limits for one principal (SPEC §1 "Quotas"): reports
// per second (a token bucket holding one second's worth) and concurrent
// Stream calls, per intake replica.
struct Quota {
  static constexpr int kDefaultReportsPerSecond = 5000;
  static constexpr int kDefaultMaxStreams = 4;
  int reports_per_second = kDefaultReportsPerSecond;  // [1, 1000000]
  int max_streams = kDefaultMaxStreams;               // [0, 10000]
};

struct Principal {
  std::string code;  // e.g. "DEA"; "PUBLIC" for anonymous callers
  PrincipalKind kind = PrincipalKind::kPublic;
  // Write authority (docs/API.md, "Who may write what"), carried here so that
  // authorizing a report needs no second lookup: the agency codes this
  // principal may name in a report's `agency` fields besides its own (a task
  // force reporting for its parent agency), and whether it may send
  // `org_designated`.
  std::vector<std::string> acts_for;
  bool designates = false;
  Quota quota;

  bool is_public() const { return kind == PrincipalKind::kPublic; }
};

// The anonymous caller.
Principal PublicPrincipal();

// What a caller presented.
struct Credentials {
  // The value of the `authorization` header/metadata, if any.
  std::optional<std::string> authorization;
  // The verified TLS client certificate's common name, if any.
  std::optional<std::string> cert_common_name;
};

class PrincipalRegistry {
 public:
  struct Entry {
    Principal principal;
    std::string token_sha256;  // lowercase hex; may be empty (cert only)
  };

  // Parses the principals YAML. Errors (INVALID_ARGUMENT) name the entry and
  // field: a missing code, an unknown kind, a digest that is not 64 hex
  // characters, a duplicate code or digest, an `acts_for` that is not a list
  // of non-empty codes, a `designates` that is not a boolean, a `quota`
  // that is not a mapping of reports_per_second [1, 1000000] and
  // max_streams [0, 10000] (integers), an unknown field.
  static absl::StatusOr<PrincipalRegistry> FromYaml(std::string_view yaml,
                                                    std::string_view source);
  // Reads and parses a file. NOT_FOUND if unreadable.
  static absl::StatusOr<PrincipalRegistry> LoadFile(const std::string& path);
  static PrincipalRegistry FromEntries(std::vector<Entry> entries);

  // Resolves credentials to a principal:
  //  - a bearer token is hashed and compared with every stored digest in
  //    constant time; no match is UNAUTHENTICATED;
  //  - a malformed authorization value (not "Bearer <token>") is
  //    UNAUTHENTICATED;
  //  - a client certificate's CN must be a known code, else UNAUTHENTICATED;
  //    with a token as well, both must name the same principal
  //    (PERMISSION_DENIED otherwise);
  //  - no credentials at all is the PUBLIC principal.
  absl::StatusOr<Principal> Authenticate(const Credentials& credentials) const;

  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

// Constant-time equality of two equal-length strings (false if lengths differ).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace fruition::auth

#endif  // FRUITION_SERVICES_COMMON_AUTH_PRINCIPALS_H_
