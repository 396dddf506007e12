// Replaces raw subject identifiers with keyed pseudonyms (SPEC §2):
//   subject_pid = lowercase hex(HMAC-SHA256(key, Normalize(subject_ref)))
// where Normalize trims ASCII whitespace and upper-cases ASCII letters, so
// " fbi-123 " and "FBI-123" from different principals join on one pid.
//
// The key is secret: it is never logged, and this class offers no way to read
// it back. Without the key a pid cannot be reversed or recomputed, so a leaked
// topic or store does not reveal who is who.
//
// Thread-safe: immutable after construction.
#ifndef FRUITION_SERVICES_COMMON_PRIVACY_PSEUDONYMIZER_H_
#define FRUITION_SERVICES_COMMON_PRIVACY_PSEUDONYMIZER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace fruition::privacy {

class Pseudonymizer {
 public:
  // Minimum key length in bytes; shorter keys are rejected.
  static constexpr size_t kMinKeyBytes = 16;

  // From raw key bytes. INVALID_ARGUMENT if shorter than kMinKeyBytes.
  static absl::StatusOr<Pseudonymizer> FromKey(std::string key);
  // From a file holding the key (surrounding whitespace is trimmed).
  // NOT_FOUND if unreadable; INVALID_ARGUMENT if too short.
  static absl::StatusOr<Pseudonymizer> FromFile(const std::string& path);

  // The pid of `subject_ref` (64 lowercase hex characters).
  std::string Pid(std::string_view subject_ref) const;

  // Trim ASCII whitespace, upper-case ASCII letters.
  static std::string Normalize(std::string_view subject_ref);

 private:
  explicit Pseudonymizer(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

// Lowercase hex SHA-256 of `data` (used for token digests and body digests).
std::string Sha256Hex(std::string_view data);

}  // namespace fruition::privacy

#endif  // FRUITION_SERVICES_COMMON_PRIVACY_PSEUDONYMIZER_H_
