#include "services/common/server/client_cert.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "services/common/strings.h"

namespace fruition::server {
namespace {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};

// The certificate's subject CN, for messages ("" if none).
std::string CommonName(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  if (subject == nullptr) return "";
  char cn[256] = {};
  if (X509_NAME_get_text_by_NID(subject, NID_commonName, cn, sizeof(cn)) < 0) {
    return "";
  }
  return cn;
}

// The extendedKeyUsage purposes a message names (serverAuth, ...).
std::string Purposes(uint32_t xku) {
  std::string out;
  auto add = [&out](const char* name) {
    if (!out.empty()) out += ", ";
    out += name;
  };
  if ((xku & XKU_SSL_SERVER) != 0) add("serverAuth");
  if ((xku & XKU_SSL_CLIENT) != 0) add("clientAuth");
  if ((xku & XKU_SMIME) != 0) add("emailProtection");
  if ((xku & XKU_CODE_SIGN) != 0) add("codeSigning");
  if ((xku & XKU_OCSP_SIGN) != 0) add("OCSPSigning");
  if ((xku & XKU_TIMESTAMP) != 0) add("timeStamping");
  if (out.empty()) out = "no usage OpenSSL names";
  return out;
}

}  // namespace

absl::Status CheckClientUse(std::string_view pem) {
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) {
    return absl::UnauthenticatedError("client certificate: cannot be read");
  }
  std::unique_ptr<X509, X509Deleter> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    return absl::UnauthenticatedError("client certificate: not a PEM X.509");
  }
  // Also computes the cached extension flags the getters below read.
  const uint32_t flags = X509_get_extension_flags(cert.get());
  const std::string who =
      StrCat("client certificate CN '", CommonName(cert.get()), "'");
  if ((flags & EXFLAG_INVALID) != 0) {
    return absl::UnauthenticatedError(
        StrCat(who, ": has malformed extensions; refused"));
  }
  if ((flags & EXFLAG_XKUSAGE) == 0) {
    return absl::UnauthenticatedError(
        StrCat(who,
               ": has no extendedKeyUsage; a client certificate must carry "
               "extendedKeyUsage clientAuth"));
  }
  const uint32_t xku = X509_get_extended_key_usage(cert.get());
  if ((xku & XKU_SSL_CLIENT) == 0) {
    return absl::UnauthenticatedError(
        StrCat(who, ": its extendedKeyUsage has no clientAuth (", Purposes(xku),
               "); it is not a client certificate"));
  }
  if ((flags & EXFLAG_KUSAGE) != 0 &&
      (X509_get_key_usage(cert.get()) & KU_DIGITAL_SIGNATURE) == 0) {
    return absl::UnauthenticatedError(
        StrCat(who,
               ": its keyUsage has no digitalSignature; a TLS client "
               "certificate needs it"));
  }
  return absl::OkStatus();
}

absl::Status CheckClientUseCached(std::string_view pem) {
  // Enough for every live connection of a replica's usual callers; when
  // full it starts again (a miss costs one parse, ~tens of microseconds).
  constexpr size_t kMaxEntries = 512;
  static std::mutex mu;
  static auto* verdicts = new std::unordered_map<std::string, absl::Status>();
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = verdicts->find(std::string(pem));
    if (it != verdicts->end()) return it->second;
  }
  absl::Status verdict = CheckClientUse(pem);
  std::lock_guard<std::mutex> lock(mu);
  if (verdicts->size() >= kMaxEntries) verdicts->clear();
  verdicts->emplace(std::string(pem), verdict);
  return verdict;
}

}  // namespace fruition::server
