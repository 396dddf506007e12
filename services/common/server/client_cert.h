// Whether a TLS peer certificate may authenticate a caller: a certificate
// the CA issued for a server (or for anything but client use) must not
// become a principal just because its CN names one.
//
// A certificate is fit for client use when
//  - its extendedKeyUsage contains clientAuth (a certificate without an
//    extendedKeyUsage is refused: our issuing scripts and cert-manager always
//    set one, and "no EKU means any use" is how a server certificate would
//    slip through), and
//  - its keyUsage, if present, contains digitalSignature (what a TLS client
//    signs its handshake with).
//
// The TLS handshake checks the chain, and OpenSSL the TLS-client purpose as
// far as X.509 asks (a certificate without extendedKeyUsage passes it). This
// check runs after the handshake, on the first call of each certificate (its
// verdict is cached), so that a refusal reaches the caller with its reason
// and the audit trail (docs/DESIGN.md, "Client certificates").
//
// Thread-safe.
#ifndef FRUITION_SERVICES_COMMON_SERVER_CLIENT_CERT_H_
#define FRUITION_SERVICES_COMMON_SERVER_CLIENT_CERT_H_

#include <string_view>

#include "absl/status/status.h"

namespace fruition::server {

// OK if `pem` (one PEM certificate) is fit for client use; otherwise
// UNAUTHENTICATED saying why ("client certificate CN 'OIG': its
// extendedKeyUsage has no clientAuth (serverAuth only) ..."). Does not
// check the chain (the handshake did).
absl::Status CheckClientUse(std::string_view pem);

// CheckClientUse, remembering the verdicts of recently seen certificates
// (up to a few hundred, keyed by the whole PEM) so that a connection's calls
// parse its certificate once.
absl::Status CheckClientUseCached(std::string_view pem);

}  // namespace fruition::server

#endif  // FRUITION_SERVICES_COMMON_SERVER_CLIENT_CERT_H_
