#include "tools/fruitctl/columns.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "services/common/strings.h"

namespace fruition::fruitctl {
namespace {

bool IsFamily(const std::string& name) {
  return !name.empty() && name.back() == ':';
}

// `name` (a SPEC name, or a family prefix ending in ':') as `token` gives it:
// the same, or its JSON name.
bool Names(const std::string& name, const std::string& token) {
  return name == token || domain::JsonName(name) == token;
}

absl::Status Unknown(const std::string& token) {
  return absl::InvalidArgumentError(
      StrCat("--columns: unknown indicator '", token,
             "' (give names like lnf_share or lnfShare, or a family prefix "
             "like function_share:)"));
}

// The members of the family `token` (`function_share:` or `functionShare:`):
// those `seen` on the cards, then those only the registry labels.
absl::StatusOr<std::vector<std::string>> FamilyColumns(
    const std::string& token, const std::vector<std::string>& seen,
    const std::vector<domain::IndicatorDef>& registry) {
  std::string prefix;
  std::vector<std::string> out;
  for (const auto& name : seen) {
    const size_t colon = name.find(':');
    if (colon == std::string::npos) continue;
    const std::string p = name.substr(0, colon + 1);
    if (!Names(p, token)) continue;
    prefix = p;
    out.push_back(name);
  }
  for (const auto& def : registry) {
    if (!IsFamily(def.name) || !Names(def.name, token)) continue;
    prefix = def.name;
    for (const auto& [member, label] : def.member_labels) {
      const std::string name = prefix + member;
      if (std::find(out.begin(), out.end(), name) == out.end()) {
        out.push_back(name);
      }
    }
  }
  if (prefix.empty()) return Unknown(token);
  return out;
}

// The one indicator `token` names: one the cards carry, one the registry
// lists, or a member of a registry family (one it labels, when it labels
// any: the others are not members).
absl::StatusOr<std::string> OneColumn(
    const std::string& token, const std::vector<std::string>& seen,
    const std::vector<domain::IndicatorDef>& registry) {
  for (const auto& name : seen) {
    if (Names(name, token)) return name;
  }
  const size_t colon = token.find(':');
  for (const auto& def : registry) {
    if (!IsFamily(def.name)) {
      if (Names(def.name, token)) return def.name;
      continue;
    }
    if (colon == std::string::npos ||
        !Names(def.name, token.substr(0, colon + 1))) {
      continue;
    }
    const std::string member = token.substr(colon + 1);
    if (def.member_labels.empty() || def.member_labels.count(member) > 0) {
      return def.name + member;
    }
  }
  return Unknown(token);
}

}  // namespace

const std::vector<std::string>& DefaultColumns() {
  static const auto* kColumns = new std::vector<std::string>{
      "sentenced",
      "claimed_priority_share",
      "high_desert_share",
      "fruition_gap",
      "lnf_share",
      "lnf_cost_usd",
      "link_substantiation_rate",
      "declination_rate",
      "lnf_mandatory_minimum_share",
      "lnf_safety_valve_share",
      "median_sentence_months",
  };
  return *kColumns;
}

absl::StatusOr<std::vector<std::string>> ResolveColumns(
    const std::string& spec, const std::vector<v1::Scorecard>& cards,
    const std::vector<domain::IndicatorDef>& registry) {
  std::vector<std::string> seen;
  for (const auto& card : cards) {
    for (const auto& i : card.indicators()) {
      if (std::find(seen.begin(), seen.end(), i.name()) == seen.end()) {
        seen.push_back(i.name());
      }
    }
  }
  std::vector<std::string> out;
  const auto add = [&out](const std::string& name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) {
      out.push_back(name);
    }
  };
  for (absl::string_view part : absl::StrSplit(spec, ',')) {
    const std::string token(absl::StripAsciiWhitespace(part));
    if (token.empty()) continue;
    if (IsFamily(token)) {
      auto members = FamilyColumns(token, seen, registry);
      if (!members.ok()) return members.status();
      for (const auto& m : *members) add(m);
    } else {
      auto one = OneColumn(token, seen, registry);
      if (!one.ok()) return one.status();
      add(*one);
    }
  }
  if (out.empty()) {
    return absl::InvalidArgumentError(
        StrCat("--columns: '", spec, "' names no indicator"));
  }
  return out;
}

}  // namespace fruition::fruitctl
