// Field-level encryption of restricted free text (a link claim's
// `sealed_summary`): AES-256-GCM under a key only intake and evidence hold, so
// the text can travel inside reports on fruition.reports.v1 (read by scoring
// and the reconciler too) without being readable there.
//
// A sealed value is self-describing:
//   version (1 byte, kVersion) | key id length (1 byte) | key id |
//   nonce (12 random bytes) | ciphertext | tag (16 bytes)
// The caller's additional authenticated data (AAD; the claim's identity) is
// not stored: opening under other AAD fails, so a sealed value cannot be
// moved to another claim or item.
//
// Keys are held in a key ring: several keys by id (rotation); the current
// one seals, every one opens. Key text: entries `ID:HEX` (64 hex digits, 32
// bytes), separated by newlines or commas; `#` starts a comment line. The
// first entry, or the one whose id is prefixed by `*`, is current.
//
// Thread-safe: immutable after construction. Keys are never logged and
// cannot be read back.
#ifndef FRUITION_SERVICES_COMMON_PRIVACY_SEALED_BOX_H_
#define FRUITION_SERVICES_COMMON_PRIVACY_SEALED_BOX_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace fruition::privacy {

class SealedBox {
 public:
  static constexpr unsigned char kVersion = 1;
  static constexpr size_t kKeyBytes = 32;
  static constexpr size_t kNonceBytes = 12;
  static constexpr size_t kTagBytes = 16;
  static constexpr size_t kMaxKeyIdBytes = 32;

  // From key text (format above). `field` names the setting in errors
  // (e.g. "sealed-key"). INVALID_ARGUMENT naming the entry when malformed.
  static absl::StatusOr<SealedBox> FromText(std::string_view text,
                                            std::string_view field);
  // From a file holding key text. NOT_FOUND if unreadable.
  static absl::StatusOr<SealedBox> FromFile(const std::string& path);

  // Seals `plaintext` under the current key with a fresh random nonce.
  // INTERNAL only if OpenSSL fails.
  absl::StatusOr<std::string> Seal(std::string_view plaintext,
                                   std::string_view aad) const;

  // Opens a value Seal produced. DATA_LOSS when it is truncated, of another
  // version, or fails authentication (tampered, other AAD, other key);
  // NOT_FOUND naming the key id when this ring does not hold it.
  absl::StatusOr<std::string> Open(std::string_view sealed,
                                   std::string_view aad) const;

  // The id of the key that seals.
  const std::string& current_key_id() const { return current_; }

 private:
  SealedBox(std::map<std::string, std::string> keys, std::string current)
      : keys_(std::move(keys)), current_(std::move(current)) {}
  std::map<std::string, std::string> keys_;  // id -> 32 raw bytes
  std::string current_;
};

}  // namespace fruition::privacy

#endif  // FRUITION_SERVICES_COMMON_PRIVACY_SEALED_BOX_H_
