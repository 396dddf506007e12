#include "services/evidence/criteria.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "services/common/strings.h"
#include "services/domain/validate.h"

namespace fruition::evidence {
namespace {

constexpr int64_t kDaySeconds = int64_t{24} * 60 * 60;

Rulebook MakeV1() {
  Rulebook r;
  r.version = "v1";
  r.min_items = 2;
  r.min_sources = 2;
  r.direct_kinds = {
      v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, v1::EVIDENCE_KIND_CONTROLLED_BUY,
      v1::EVIDENCE_KIND_SEIZURE_TRACE, v1::EVIDENCE_KIND_FINANCIAL_RECORD,
      v1::EVIDENCE_KIND_COMMUNICATIONS_RECORD};
  r.testimony_kinds = {v1::EVIDENCE_KIND_COOPERATOR_STATEMENT,
                       v1::EVIDENCE_KIND_INFORMANT_TIP};
  r.max_hops = {{v1::TIER_CPOT, 2},
                {v1::TIER_RPOT, 2},
                {v1::TIER_PTO_NATIONAL, 2},
                {v1::TIER_PTO_REGIONAL, 1},
                {v1::TIER_PTO_LOCAL, 1}};
  r.recency_days = 730;
  r.designation_received_within_days = 30;
  return r;
}

absl::Status Bad(const std::string& source, const std::string& key,
                 const std::string& what) {
  return absl::InvalidArgumentError(StrCat(source, ": ", key, ": ", what));
}

absl::StatusOr<int64_t> NonNegative(const YAML::Node& root,
                                    const std::string& source,
                                    const std::string& key, int64_t max) {
  const YAML::Node node = root[key];
  if (!node) return Bad(source, key, "required");
  int64_t v = -1;
  try {
    v = node.as<int64_t>();
  } catch (const YAML::Exception&) {
    return Bad(source, key, "must be a non-negative integer");
  }
  if (v < 0 || v > max) {
    return Bad(source, key, StrCat("must be an integer from 0 to ", max));
  }
  return v;
}

absl::StatusOr<std::set<v1::EvidenceKind>> Kinds(const YAML::Node& root,
                                                 const std::string& source,
                                                 const std::string& key) {
  const YAML::Node node = root[key];
  if (!node) return Bad(source, key, "required");
  if (!node.IsSequence()) return Bad(source, key, "must be a list of kinds");
  std::set<v1::EvidenceKind> kinds;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string where = StrCat(key, "[", i, "]");
    std::string name;
    try {
      name = node[i].as<std::string>();
    } catch (const YAML::Exception&) {
      return Bad(source, where, "must be an EvidenceKind name");
    }
    v1::EvidenceKind kind;
    if (!v1::EvidenceKind_Parse(name, &kind) ||
        kind == v1::EVIDENCE_KIND_UNSPECIFIED) {
      return Bad(source, where,
                 StrCat("unknown evidence kind '", name,
                        "' (e.g. EVIDENCE_KIND_WIRETAP_INTERCEPT)"));
    }
    kinds.insert(kind);
  }
  return kinds;
}

// The root is a mapping of known keys only.
absl::Status CheckKeys(const YAML::Node& root, const std::string& source) {
  if (!root.IsMap()) return Bad(source, "(root)", "must be a mapping");
  static const std::set<std::string> kKeys = {
      "version",         "min_items",
      "min_sources",     "direct_kinds",
      "testimony_kinds", "max_hops",
      "recency_days",    "designation_received_within_days"};
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) {
      return Bad(source, "(root)", "keys must be plain names");
    }
    const std::string key = kv.first.Scalar();
    if (kKeys.count(key) == 0) return Bad(source, key, "unknown key");
  }
  return absl::OkStatus();
}

// `version`: 1-32 characters a file name or a label can hold.
absl::StatusOr<std::string> Version(const YAML::Node& root,
                                    const std::string& source) {
  const YAML::Node node = root["version"];
  if (!node) return Bad(source, "version", "required");
  std::string version;
  try {
    version = node.as<std::string>();
  } catch (const YAML::Exception&) {
    return Bad(source, "version", "must be a string");
  }
  if (version.empty() || version.size() > 32 ||
      version.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
          std::string::npos) {
    return Bad(source, "version",
               "must be 1-32 letters, digits, '.', '_' or '-' (e.g. v2)");
  }
  return version;
}

// `max_hops`: a limit for every tier but UNSPECIFIED, and no other key.
absl::StatusOr<std::map<v1::Tier, uint32_t>> MaxHops(
    const YAML::Node& root, const std::string& source) {
  const YAML::Node hops = root["max_hops"];
  if (!hops) return Bad(source, "max_hops", "required");
  if (!hops.IsMap()) {
    return Bad(source, "max_hops", "must map each tier to a hop limit");
  }
  for (const auto& kv : hops) {
    if (!kv.first.IsScalar()) {
      return Bad(source, "max_hops",
                 "keys must be tier names (e.g. TIER_CPOT)");
    }
    const std::string name = kv.first.Scalar();
    v1::Tier tier;
    if (!v1::Tier_Parse(name, &tier) || tier == v1::TIER_UNSPECIFIED) {
      return Bad(source, StrCat("max_hops.", name),
                 "unknown tier (e.g. TIER_CPOT)");
    }
  }
  std::map<v1::Tier, uint32_t> out;
  for (int t = v1::Tier_MIN; t <= v1::Tier_MAX; ++t) {
    if (!v1::Tier_IsValid(t) || t == v1::TIER_UNSPECIFIED) continue;
    const auto tier = static_cast<v1::Tier>(t);
    auto limit = NonNegative(hops, source, v1::Tier_Name(tier), 64);
    if (!limit.ok()) {
      return Bad(source, StrCat("max_hops.", v1::Tier_Name(tier)),
                 hops[v1::Tier_Name(tier)] ? "must be an integer from 0 to 64"
                                           : "required");
    }
    out[tier] = static_cast<uint32_t>(*limit);
  }
  return out;
}

// Counted for C2–C4: the claim's items up to the claim `t`, all added items.
std::vector<const v1::EvidenceItem*> Counted(
    const std::vector<const Item*>& items, int64_t t) {
  std::vector<const v1::EvidenceItem*> counted;
  for (const Item* it : items) {
    if (it->via_evidence_added || it->item.observed_at().seconds() <= t) {
      counted.push_back(&it->item);
    }
  }
  return counted;
}

// C3: a counted item of a direct kind.
bool HasDirect(const Rulebook& rules,
               const std::vector<const v1::EvidenceItem*>& counted) {
  for (const auto* e : counted) {
    if (rules.direct_kinds.count(e->kind()) > 0) return true;
  }
  return false;
}

// C4: every counted testimony item is linked by `corroborates`, in either
// direction, to a counted item of another source.
bool TestimonyCorroborated(
    const Rulebook& rules,
    const std::vector<const v1::EvidenceItem*>& counted) {
  for (const auto* x : counted) {
    if (rules.testimony_kinds.count(x->kind()) == 0) continue;
    bool corroborated = false;
    for (const auto* y : counted) {
      if (y == x || y->source_id() == x->source_id()) continue;
      const auto& xc = x->corroborates();
      const auto& yc = y->corroborates();
      if (std::find(xc.begin(), xc.end(), y->evidence_id()) != xc.end() ||
          std::find(yc.begin(), yc.end(), x->evidence_id()) != yc.end()) {
        corroborated = true;
        break;
      }
    }
    if (!corroborated) return false;
  }
  return true;
}

// C5: within the hop limit of the org's tier (none without a tier).
bool WithinHops(const Rulebook& rules, v1::Tier tier, uint32_t hops) {
  const auto it = rules.max_hops.find(tier);
  return it != rules.max_hops.end() && hops <= it->second;
}

// C6: an item (counted or not) observed in [t − recency_days, t].
bool Recent(const Rulebook& rules, const std::vector<const Item*>& items,
            int64_t t) {
  const int64_t window_start = t - rules.recency_days * kDaySeconds;
  for (const Item* it : items) {
    const int64_t observed = it->item.observed_at().seconds();
    if (observed >= window_start && observed <= t) return true;
  }
  return false;
}

// Why each criterion C1..C6 fails, in words a non-specialist can read.
std::vector<std::string> Reasons(const Rulebook& rules, uint32_t hops,
                                 v1::Tier tier, size_t counted, size_t sources,
                                 bool designated_too_late) {
  return {
      designated_too_late
          ? StrCat("C1: the org's designation covering the claim was "
                   "received more than ",
                   rules.designation_received_within_days,
                   " days after the claim, too late to count")
          : std::string("C1: the org was not a designated priority target (or "
                        "its designation was revoked) when the claim was "
                        "made"),
      StrCat("C2: ", counted, " counted evidence item(s) from ", sources,
             " source(s); at least ", rules.min_items, " items from ",
             rules.min_sources, " sources are required"),
      std::string("C3: no direct evidence (wiretap, controlled buy, seizure "
                  "trace, financial or communications record)"),
      std::string("C4: a cooperator statement or informant tip is not "
                  "corroborated by an item from another source"),
      tier == v1::TIER_UNSPECIFIED
          ? std::string("C5: the org has no designated tier, so no hop "
                        "limit can be met")
          : StrCat(
                "C5: ", hops,
                " hop(s) from the subject to the org; "
                "at most ",
                rules.max_hops.count(tier) > 0 ? rules.max_hops.at(tier) : 0u,
                " for ", v1::Tier_Name(tier)),
      StrCat("C6: no evidence observed within ", rules.recency_days,
             " days before the claim")};
}

}  // namespace

LimitedItems LimitItems(const std::vector<Item>& items, size_t limit) {
  LimitedItems out;
  std::unordered_set<std::string> kept;
  for (const Item& it : items) {
    if (kept.count(it.item.evidence_id()) > 0) continue;  // the same item
    if (out.kept.size() < limit) {
      kept.insert(it.item.evidence_id());
      out.kept.push_back(&it);
    } else {
      ++out.ignored;
    }
  }
  return out;
}

const Rulebook& DefaultRulebook() {
  static const auto* const kV1 = new Rulebook(MakeV1());
  return *kV1;
}

absl::StatusOr<Rulebook> ParseRulebook(const std::string& yaml,
                                       const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        StrCat(source, ": not valid YAML: ", e.what()));
  }
  if (absl::Status s = CheckKeys(root, source); !s.ok()) return s;
  Rulebook r;
  auto version = Version(root, source);
  if (!version.ok()) return version.status();
  r.version = *std::move(version);
  auto min_items = NonNegative(root, source, "min_items", 1000);
  if (!min_items.ok()) return min_items.status();
  r.min_items = static_cast<int>(*min_items);
  auto min_sources = NonNegative(root, source, "min_sources", 1000);
  if (!min_sources.ok()) return min_sources.status();
  r.min_sources = static_cast<int>(*min_sources);
  auto direct = Kinds(root, source, "direct_kinds");
  if (!direct.ok()) return direct.status();
  r.direct_kinds = *std::move(direct);
  auto testimony = Kinds(root, source, "testimony_kinds");
  if (!testimony.ok()) return testimony.status();
  r.testimony_kinds = *std::move(testimony);
  auto recency = NonNegative(root, source, "recency_days", 36500);
  if (!recency.ok()) return recency.status();
  r.recency_days = *recency;
  auto within =
      NonNegative(root, source, "designation_received_within_days", 36500);
  if (!within.ok()) return within.status();
  r.designation_received_within_days = *within;
  auto hops = MaxHops(root, source);
  if (!hops.ok()) return hops.status();
  r.max_hops = *std::move(hops);
  return r;
}

absl::StatusOr<Rulebook> LoadRulebook(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(StrCat(path, ": cannot read criteria file"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseRulebook(text.str(), path);
}

Assessment Assess(const Rulebook& rules, const ClaimFacts& facts) {
  Assessment out;
  const int64_t t = facts.occurred_at;
  // Beyond the limit, items count for nothing (SPEC §2).
  LimitedItems limited = LimitItems(
      facts.items, static_cast<size_t>(domain::kMaxEvidencePerClaim));
  const std::vector<const Item*> items = std::move(limited.kept);
  out.evidence_ignored = limited.ignored + facts.ignored;
  for (const Item* it : items) {
    out.evidence_ids.push_back(it->item.evidence_id());
  }
  std::sort(out.evidence_ids.begin(), out.evidence_ids.end());
  const std::vector<const v1::EvidenceItem*> counted = Counted(items, t);
  std::set<std::string> sources;
  for (const auto* e : counted) sources.insert(e->source_id());
  out.tier = domain::TierOf(facts.designations);

  const int64_t received_by =
      facts.received_at + rules.designation_received_within_days * kDaySeconds;
  const bool c1 = domain::DesignatedAt(facts.designations, t, received_by);
  // Designated at t only by a designation received too late: say so.
  const bool too_late = !c1 && domain::DesignatedAt(facts.designations, t);
  const bool pass[] = {
      c1,
      static_cast<int>(counted.size()) >= rules.min_items &&
          static_cast<int>(sources.size()) >= rules.min_sources,
      HasDirect(rules, counted),
      TestimonyCorroborated(rules, counted),
      WithinHops(rules, out.tier, facts.hops),
      Recent(rules, items, t)};
  const std::vector<std::string> why = Reasons(
      rules, facts.hops, out.tier, counted.size(), sources.size(), too_late);
  for (size_t i = 0; i < std::size(pass); ++i) {
    if (!pass[i]) {
      out.failed.push_back(StrCat("C", i + 1));
      out.reasons.push_back(why[i]);
    }
  }
  if (out.failed.empty()) {
    out.result = v1::ASSESSMENT_RESULT_SUBSTANTIATED;
  } else if (c1 && out.failed.size() == 1) {
    out.result = v1::ASSESSMENT_RESULT_PARTIAL;
  } else {
    out.result = v1::ASSESSMENT_RESULT_UNSUBSTANTIATED;
  }
  return out;
}

}  // namespace fruition::evidence
