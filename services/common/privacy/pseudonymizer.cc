#include "services/common/privacy/pseudonymizer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <fstream>
#include <sstream>

#include "services/common/strings.h"

namespace fruition::privacy {
namespace {

std::string Hex(const unsigned char* data, size_t len) {
  return HexLower(std::string_view(reinterpret_cast<const char*>(data), len));
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

}  // namespace

absl::StatusOr<Pseudonymizer> Pseudonymizer::FromKey(std::string key) {
  if (key.size() < kMinKeyBytes) {
    return absl::InvalidArgumentError(StrCat("pseudonym key: must be at least ",
                                             kMinKeyBytes, " bytes, got ",
                                             key.size()));
  }
  return Pseudonymizer(std::move(key));
}

absl::StatusOr<Pseudonymizer> Pseudonymizer::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        StrCat("pseudonym-key-file: cannot read ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string key = buffer.str();
  size_t begin = 0;
  size_t end = key.size();
  while (begin < end && IsSpace(key[begin])) ++begin;
  while (end > begin && IsSpace(key[end - 1])) --end;
  return FromKey(key.substr(begin, end - begin));
}

std::string Pseudonymizer::Normalize(std::string_view subject_ref) {
  size_t begin = 0;
  size_t end = subject_ref.size();
  while (begin < end && IsSpace(subject_ref[begin])) ++begin;
  while (end > begin && IsSpace(subject_ref[end - 1])) --end;
  std::string out(subject_ref.substr(begin, end - begin));
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string Pseudonymizer::Pid(std::string_view subject_ref) const {
  const std::string normalized = Normalize(subject_ref);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(normalized.data()),
       normalized.size(), mac, &mac_len);
  return Hex(mac, mac_len);
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return Hex(digest, sizeof(digest));
}

}  // namespace fruition::privacy
