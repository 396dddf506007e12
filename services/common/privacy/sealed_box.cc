#include "services/common/privacy/sealed_box.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "services/common/strings.h"

namespace fruition::privacy {
namespace {

using CipherCtx =
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx NewCtx() {
  return CipherCtx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* U(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

std::string_view Trim(std::string_view s) {
  const auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > SealedBox::kMaxKeyIdBytes) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Splits key text into entries: newlines or commas, comment lines dropped.
std::vector<std::string_view> Entries(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '\n' && text[i] != ',') continue;
    std::string_view entry = Trim(text.substr(start, i - start));
    start = i + 1;
    if (!entry.empty() && entry.front() != '#') out.push_back(entry);
  }
  return out;
}

}  // namespace

absl::StatusOr<SealedBox> SealedBox::FromText(std::string_view text,
                                              std::string_view field) {
  std::map<std::string, std::string> keys;
  std::string first;
  std::string marked;
  const std::vector<std::string_view> entries = Entries(text);
  for (size_t n = 0; n < entries.size(); ++n) {
    std::string_view entry = entries[n];
    const std::string where = StrCat(field, ": entry ", n + 1);
    const size_t colon = entry.find(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError(
          StrCat(where, ": expected ID:HEX (64 hex digits)"));
    }
    std::string_view id = Trim(entry.substr(0, colon));
    const bool current = !id.empty() && id.front() == '*';
    if (current) id.remove_prefix(1);
    if (!ValidId(id)) {
      return absl::InvalidArgumentError(
          StrCat(where, ": key id must be 1 to ", kMaxKeyIdBytes,
                 " characters of [A-Za-z0-9._-]"));
    }
    const std::string_view hex = Trim(entry.substr(colon + 1));
    if (hex.size() != 2 * kKeyBytes) {
      return absl::InvalidArgumentError(
          StrCat(where, " (key id '", id, "'): key must be ", 2 * kKeyBytes,
                 " hex digits (", kKeyBytes, " bytes), got ", hex.size()));
    }
    std::string key(kKeyBytes, '\0');
    for (size_t i = 0; i < kKeyBytes; ++i) {
      const int hi = HexDigit(hex[2 * i]);
      const int lo = HexDigit(hex[2 * i + 1]);
      if (hi < 0 || lo < 0) {
        return absl::InvalidArgumentError(
            StrCat(where, " (key id '", id, "'): key is not hexadecimal"));
      }
      key[i] = static_cast<char>(hi * 16 + lo);
    }
    if (!keys.emplace(std::string(id), std::move(key)).second) {
      return absl::InvalidArgumentError(
          StrCat(where, ": key id '", id, "' appears twice"));
    }
    if (first.empty()) first = std::string(id);
    if (current) {
      if (!marked.empty()) {
        return absl::InvalidArgumentError(
            StrCat(field, ": more than one key marked current ('*", marked,
                   "', '*", id, "')"));
      }
      marked = std::string(id);
    }
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(
        StrCat(field, ": no key (expected ID:HEX entries)"));
  }
  return SealedBox(std::move(keys), marked.empty() ? first : marked);
}

absl::StatusOr<SealedBox> SealedBox::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(StrCat("sealed-key-file: cannot read ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return FromText(buffer.str(), StrCat("sealed-key-file ", path));
}

absl::StatusOr<std::string> SealedBox::Seal(std::string_view plaintext,
                                            std::string_view aad) const {
  const std::string& key = keys_.at(current_);
  std::string out;
  out.reserve(2 + current_.size() + kNonceBytes + plaintext.size() + kTagBytes);
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(current_.size()));
  out.append(current_);
  const size_t nonce_at = out.size();
  out.resize(nonce_at + kNonceBytes + plaintext.size() + kTagBytes);
  unsigned char* nonce = U(out) + nonce_at;
  unsigned char* body = nonce + kNonceBytes;
  if (RAND_bytes(nonce, kNonceBytes) != 1) {
    return absl::InternalError("sealed box: no random nonce");
  }
  CipherCtx ctx = NewCtx();
  int len = 0;
  if (ctx == nullptr ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(key),
                         nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), body, &len, U(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), body + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG,
                          static_cast<int>(kTagBytes),
                          body + plaintext.size()) != 1) {
    return absl::InternalError("sealed box: AES-256-GCM encryption failed");
  }
  return out;
}

absl::StatusOr<std::string> SealedBox::Open(std::string_view sealed,
                                            std::string_view aad) const {
  if (sealed.size() < 2) {
    return absl::DataLossError("sealed value: truncated (no header)");
  }
  if (static_cast<unsigned char>(sealed[0]) != kVersion) {
    return absl::DataLossError(
        StrCat("sealed value: unknown version ",
               static_cast<int>(static_cast<unsigned char>(sealed[0]))));
  }
  const size_t id_len = static_cast<unsigned char>(sealed[1]);
  if (sealed.size() < 2 + id_len + kNonceBytes + kTagBytes) {
    return absl::DataLossError(
        StrCat("sealed value: truncated (", sealed.size(), " bytes)"));
  }
  const std::string id(sealed.substr(2, id_len));
  const auto key = keys_.find(id);
  if (key == keys_.end()) {
    return absl::NotFoundError(
        StrCat("sealed value: key id '", id,
               "' is not in the sealed key ring (sealed-key-file / "
               "sealed-key)"));
  }
  const std::string_view nonce = sealed.substr(2 + id_len, kNonceBytes);
  const std::string_view body =
      sealed.substr(2 + id_len + kNonceBytes,
                    sealed.size() - 2 - id_len - kNonceBytes - kTagBytes);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  std::string out(body.size(), '\0');
  CipherCtx ctx = NewCtx();
  int len = 0;
  if (ctx == nullptr ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(key->second),
                         U(nonce)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), U(out), &len, U(body),
                        static_cast<int>(body.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG,
                          static_cast<int>(kTagBytes), U(tag)) != 1) {
    return absl::InternalError("sealed box: AES-256-GCM decryption failed");
  }
  // Authentication: the tag covers the AAD, the ciphertext and the key.
  if (EVP_DecryptFinal_ex(ctx.get(), U(out) + len, &len) != 1) {
    std::fill(out.begin(), out.end(), '\0');
    return absl::DataLossError(StrCat(
        "sealed value: authentication failed under key id '", id,
        "' (tampered, or sealed for another claim or with another key)"));
  }
  return out;
}

}  // namespace fruition::privacy
