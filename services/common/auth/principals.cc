#include "services/common/auth/principals.h"

#include <openssl/crypto.h>

#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>

#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "yaml-cpp/yaml.h"

namespace fruition::auth {
namespace {

constexpr std::string_view kBearer = "Bearer ";

bool IsLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The optional write-authority fields of an entry (docs/API.md, "Who may write
// what"): `acts_for`, a list of non-empty principal codes, and `designates`, a
// boolean.
absl::Status ParseWriteAuthority(const YAML::Node& item,
                                 const std::string& where,
                                 Principal* principal) {
  if (const YAML::Node acts_for = item["acts_for"]; acts_for) {
    if (!acts_for.IsSequence()) {
      return absl::InvalidArgumentError(
          StrCat(where, ".acts_for: must be a list of principal codes"));
    }
    for (size_t i = 0; i < acts_for.size(); ++i) {
      const YAML::Node code = acts_for[i];
      if (!code.IsScalar() || code.Scalar().empty()) {
        return absl::InvalidArgumentError(
            StrCat(where, ".acts_for[", i, "]: must be a non-empty code"));
      }
      principal->acts_for.push_back(code.Scalar());
    }
  }
  if (const YAML::Node designates = item["designates"]; designates) {
    bool value = false;
    if (!designates.IsScalar() ||
        !YAML::convert<bool>::decode(designates, value)) {
      return absl::InvalidArgumentError(
          StrCat(where, ".designates: must be true or false"));
    }
    principal->designates = value;
  }
  return absl::OkStatus();
}

// One integer field of `quota` in [lo, hi]; absent keeps `*value`.
absl::Status ParseQuotaInt(const YAML::Node& quota, const char* name,
                           const std::string& where, int lo, int hi,
                           int* value) {
  const YAML::Node node = quota[name];
  if (!node) return absl::OkStatus();
  int64_t parsed = 0;
  if (!node.IsScalar() || !YAML::convert<int64_t>::decode(node, parsed) ||
      parsed < lo || parsed > hi) {
    return absl::InvalidArgumentError(StrCat(
        where, ".quota.", name, ": must be an integer from ", lo, " to ", hi,
        node.IsScalar() ? StrCat(" (got '", node.Scalar(), "')")
                        : std::string()));
  }
  *value = static_cast<int>(parsed);
  return absl::OkStatus();
}

// The optional `quota` of an entry: {reports_per_second, max_streams}.
absl::Status ParseQuota(const YAML::Node& item, const std::string& where,
                        Quota* quota) {
  const YAML::Node node = item["quota"];
  if (!node) return absl::OkStatus();
  if (!node.IsMap()) {
    return absl::InvalidArgumentError(StrCat(
        where, ".quota: must be a mapping {reports_per_second, max_streams}"));
  }
  for (const auto& field : node) {
    const std::string key = field.first.as<std::string>();
    if (key != "reports_per_second" && key != "max_streams") {
      return absl::InvalidArgumentError(
          StrCat(where, ".quota: unknown field ", key,
                 " (reports_per_second, max_streams)"));
    }
  }
  if (absl::Status s = ParseQuotaInt(node, "reports_per_second", where, 1,
                                     1000000, &quota->reports_per_second);
      !s.ok()) {
    return s;
  }
  return ParseQuotaInt(node, "max_streams", where, 0, 10000,
                       &quota->max_streams);
}

// One entry of the list; `where` names it in errors.
absl::Status ParseEntry(const YAML::Node& item, const std::string& where,
                        PrincipalRegistry::Entry* entry) {
  if (!item.IsMap()) {
    return absl::InvalidArgumentError(StrCat(where, ": must be a mapping"));
  }
  for (const auto& field : item) {
    const std::string key = field.first.as<std::string>();
    if (key != "code" && key != "kind" && key != "token_sha256" &&
        key != "acts_for" && key != "designates" && key != "quota") {
      return absl::InvalidArgumentError(StrCat(where, ": unknown field ", key));
    }
  }
  entry->principal.code = item["code"] ? item["code"].as<std::string>() : "";
  if (entry->principal.code.empty()) {
    return absl::InvalidArgumentError(StrCat(where, ".code: required"));
  }
  const std::string kind = item["kind"] ? item["kind"].as<std::string>() : "";
  const auto parsed = ParseKind(kind);
  if (!parsed.has_value() || *parsed == PrincipalKind::kPublic) {
    return absl::InvalidArgumentError(
        StrCat(where, ".kind: '", kind,
               "' is not one of AGENCY, JUDICIARY, COMMUNITY, OVERSEER"));
  }
  entry->principal.kind = *parsed;
  if (item["token_sha256"]) {
    entry->token_sha256 = item["token_sha256"].as<std::string>();
    if (!IsLowerHex64(entry->token_sha256)) {
      return absl::InvalidArgumentError(
          StrCat(where, ".token_sha256: must be 64 lowercase hex characters"));
    }
  }
  if (absl::Status s = ParseWriteAuthority(item, where, &entry->principal);
      !s.ok()) {
    return s;
  }
  return ParseQuota(item, where, &entry->principal.quota);
}

}  // namespace

std::string_view KindName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kAgency:
      return "AGENCY";
    case PrincipalKind::kJudiciary:
      return "JUDICIARY";
    case PrincipalKind::kCommunity:
      return "COMMUNITY";
    case PrincipalKind::kOverseer:
      return "OVERSEER";
    case PrincipalKind::kPublic:
      return "PUBLIC";
  }
  return "PUBLIC";
}

std::optional<PrincipalKind> ParseKind(std::string_view name) {
  for (PrincipalKind kind :
       {PrincipalKind::kAgency, PrincipalKind::kJudiciary,
        PrincipalKind::kCommunity, PrincipalKind::kOverseer,
        PrincipalKind::kPublic}) {
    if (KindName(kind) == name) return kind;
  }
  return std::nullopt;
}

Principal PublicPrincipal() {
  return Principal{"PUBLIC", PrincipalKind::kPublic};
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::StatusOr<PrincipalRegistry> PrincipalRegistry::FromYaml(
    std::string_view yaml, std::string_view source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        StrCat("principals file ", source, ": ", e.what()));
  }
  const YAML::Node list = root["principals"];
  if (!list || !list.IsSequence()) {
    return absl::InvalidArgumentError(
        StrCat("principals file ", source, ": principals: must be a list"));
  }
  std::vector<Entry> entries;
  std::set<std::string> codes;
  std::set<std::string> digests;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where =
        StrCat("principals file ", source, ": principals[", i, "]");
    Entry entry;
    if (absl::Status s = ParseEntry(list[i], where, &entry); !s.ok()) return s;
    if (!entry.token_sha256.empty() &&
        !digests.insert(entry.token_sha256).second) {
      return absl::InvalidArgumentError(
          StrCat(where, ".token_sha256: used by another principal"));
    }
    if (!codes.insert(entry.principal.code).second) {
      return absl::InvalidArgumentError(
          StrCat(where, ".code: duplicate code ", entry.principal.code));
    }
    entries.push_back(std::move(entry));
  }
  return FromEntries(std::move(entries));
}

absl::StatusOr<PrincipalRegistry> PrincipalRegistry::LoadFile(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        StrCat("principals file ", path, ": cannot read"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return FromYaml(buffer.str(), path);
}

PrincipalRegistry PrincipalRegistry::FromEntries(std::vector<Entry> entries) {
  PrincipalRegistry registry;
  registry.entries_ = std::move(entries);
  return registry;
}

absl::StatusOr<Principal> PrincipalRegistry::Authenticate(
    const Credentials& credentials) const {
  const Entry* by_token = nullptr;
  if (credentials.authorization.has_value()) {
    const std::string& header = *credentials.authorization;
    if (header.size() <= kBearer.size() ||
        header.compare(0, kBearer.size(), kBearer) != 0) {
      return absl::UnauthenticatedError(
          "authorization: expected 'Bearer <token>'");
    }
    const std::string digest =
        privacy::Sha256Hex(std::string_view(header).substr(kBearer.size()));
    // Compare against every entry so timing does not reveal which matched.
    for (const Entry& entry : entries_) {
      if (ConstantTimeEquals(digest, entry.token_sha256)) by_token = &entry;
    }
    if (by_token == nullptr) {
      return absl::UnauthenticatedError("authorization: unknown token");
    }
  }
  if (credentials.cert_common_name.has_value()) {
    const Entry* by_cert = nullptr;
    for (const Entry& entry : entries_) {
      if (entry.principal.code == *credentials.cert_common_name) {
        by_cert = &entry;
      }
    }
    if (by_cert == nullptr) {
      return absl::UnauthenticatedError(StrCat("client certificate: CN '",
                                               *credentials.cert_common_name,
                                               "' is not a known principal"));
    }
    if (by_token != nullptr && by_token != by_cert) {
      return absl::PermissionDeniedError(
          StrCat("client certificate CN '", *credentials.cert_common_name,
                 "' and bearer token name different principals"));
    }
    return by_cert->principal;
  }
  if (by_token != nullptr) return by_token->principal;
  return PublicPrincipal();
}

}  // namespace fruition::auth
