#include "tests/harness/attacker.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "fruition/v1/enums.pb.h"

namespace fruition::testing {
namespace {

using absl::StrAppend;
using absl::StrCat;

using google::protobuf::Struct;
using google::protobuf::Value;
using UnitPeriod = std::pair<std::string, std::string>;

std::string Str(double v) {
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

bool Small(int64_t v) { return v != 0 && std::llabs(v) <= 10; }

// What a cell shows (see attacker.h).
struct Rule {
  enum Kind { kNone, kCount, kShare, kValueIsK, kMeasure, kGap } kind = kNone;
  std::string n;  // the quantity of its n
  std::string k;  // shares: the attribute count
};

// Long: one table of every indicator family's rule; splitting it hides the
// table.
const std::map<std::string, Rule>& Rules() {
  static const auto* rules = [] {
    auto* rules = new std::map<std::string, Rule>{
        {"arrests", {Rule::kCount, "arrests", ""}},
        {"pto_linked_arrests_claimed", {Rule::kCount, "claimed", ""}},
        {"pto_linked_arrests_substantiated",
         {Rule::kValueIsK, "claimed", "substantiated"}},
        {"link_substantiation_rate",
         {Rule::kShare, "claimed", "substantiated"}},
        {"sentenced", {Rule::kCount, "sentenced", ""}},
        {"mean_desert", {Rule::kMeasure, "sentenced", ""}},
        {"weighted_enforcement_value", {Rule::kMeasure, "sentenced", ""}},
        {"high_desert_share", {Rule::kShare, "sentenced", "high_desert"}},
        {"lnf_share", {Rule::kShare, "sentenced", "lnf"}},
        {"ch1_share", {Rule::kShare, "sentenced", "ch1"}},
        {"weapon_share", {Rule::kShare, "sentenced", "weapon"}},
        {"aggravating_role_share", {Rule::kShare, "sentenced", "aggravating"}},
        {"claimed_priority_share",
         {Rule::kShare, "sentenced", "claimed_priority"}},
        {"fruition_gap", {Rule::kGap, "sentenced", ""}},
        {"lnf_prison_years", {Rule::kMeasure, "lnf", ""}},
        {"lnf_cost_usd", {Rule::kMeasure, "lnf", ""}},
        {"declined_then_charged_elsewhere",
         {Rule::kCount, "declined_charged", ""}},
        {"org_outcomes_reported", {Rule::kNone, "", ""}},
        {"pending_counted_as_dismantled", {Rule::kNone, "", ""}},
        {"target_ratio:PERFORMANCE_MEASURE_ARRESTS",
         {Rule::kMeasure, "arrests", ""}},
        {"target_ratio_restated:PERFORMANCE_MEASURE_ARRESTS",
         {Rule::kMeasure, "arrests", ""}},
        // SPEC §11: dollars are about organizations; the cost per
        // high-desert sentence is a measure over that count.
        {"budget_usd", {Rule::kNone, "", ""}},
        // SPEC §11: conditions raised about an agency, and where its answers
        // stand, are about the agency, not about people (never suppressed).
        {"conditions_raised", {Rule::kNone, "", ""}},
        {"conditions_answered", {Rule::kNone, "", ""}},
        {"conditions_accepted", {Rule::kNone, "", ""}},
        {"conditions_rejected", {Rule::kNone, "", ""}},
        {"cost_per_high_desert_sentence", {Rule::kMeasure, "high_desert", ""}},
        // The prosecution stage and the sentencing tables.
        {"charged", {Rule::kCount, "charged", ""}},
        {"mandatory_minimum_charged_share",
         {Rule::kShare, "charged", "charged_mm"}},
        {"declined", {Rule::kCount, "declined", ""}},
        {"declination_rate", {Rule::kShare, "declined+charged", "declined"}},
        {"referred_to_state_share", {Rule::kShare, "declined", "referred"}},
        {"dispositions", {Rule::kCount, "dispositions", ""}},
        {"plea_rate", {Rule::kShare, "dispositions", "pleas"}},
        {"conviction_rate", {Rule::kShare, "dispositions", "convictions"}},
        {"lnf_sentenced", {Rule::kCount, "lnf", ""}},
        {"lnf_mandatory_minimum_share", {Rule::kShare, "lnf", "lnf_mm"}},
        {"lnf_safety_valve_share", {Rule::kShare, "lnf", "lnf_valve"}},
        {"below_mandatory_minimum_share",
         {Rule::kShare, "sentenced_mm", "below_mm"}},
        {"weight_role_mismatch_share", {Rule::kShare, "heavy", "heavy_low"}},
        {"mean_sentence_months", {Rule::kMeasure, "sentenced", ""}},
        {"median_sentence_months", {Rule::kMeasure, "sentenced", ""}},
        {"ocdetf_lnf_share", {Rule::kShare, "ocdetf", "ocdetf_lnf"}},
        {"seizures", {Rule::kCount, "seizures", ""}},
        {"seized_value_usd", {Rule::kMeasure, "seizures", ""}},
        // Data quality: the reports behind the figures, and the latest
        // receipt (a time shown with the reports count as its n).
        {"reports_received", {Rule::kCount, "reports", ""}},
        {"reports_conflicting", {Rule::kCount, "reports_conflicting", ""}},
        {"last_received_at", {Rule::kMeasure, "reports", ""}},
        {"arrests_unsentenced", {Rule::kCount, "arrests_unsentenced", ""}},
        {"sentenced_without_arrest",
         {Rule::kCount, "sentenced_without_arrest", ""}},
        {"coverage:arrest.field_office",
         {Rule::kShare, "arrests", "arrests_with_field_office"}},
        {"coverage:sentencing.drug_weight_grams",
         {Rule::kShare, "sentenced", "sentenced_with_drug_weight"}},
    };
    // The tables: every member a share of its own attribute count.
    for (int f = 1; f <= 18; ++f) {
      const std::string m =
          v1::OffenseFunction_Name(static_cast<v1::OffenseFunction>(f));
      (*rules)["function_share:" + m] = {Rule::kShare, "sentenced", "fn:" + m};
    }
    for (int c = 1; c <= 6; ++c) {
      const std::string m = std::to_string(c);
      (*rules)["criminal_history_share:" + m] = {Rule::kShare, "sentenced",
                                                 "ch:" + m};
    }
    for (int d = 1; d <= 7; ++d) {
      const std::string m = v1::Drug_Name(static_cast<v1::Drug>(d));
      (*rules)["drug_share:" + m] = {Rule::kShare, "sentenced", "drug:" + m};
    }
    for (int o = 1; o <= 6; ++o) {
      const std::string m = v1::CaseOrigin_Name(static_cast<v1::CaseOrigin>(o));
      (*rules)["origin_lnf_share:" + m] = {Rule::kShare, "origin:" + m,
                                           "origin_lnf:" + m};
    }
    return rules;
  }();
  return *rules;
}

Rule RuleOf(const std::string& name) {
  if (auto it = Rules().find(name); it != Rules().end()) return it->second;
  if (StartsWith(name, "target_ratio:") ||
      StartsWith(name, "target_ratio_restated:") ||
      StartsWith(name, "community_change:")) {
    return {Rule::kNone, "", ""};
  }
  return {Rule::kMeasure, "cell:" + name, ""};
}

// Every (n, k) pair a share relates: n − k is a quantity when both are.
const std::vector<std::pair<std::string, std::string>>& SharePairs() {
  static const auto* pairs = [] {
    auto* out = new std::vector<std::pair<std::string, std::string>>;
    for (const auto& [name, rule] : Rules()) {
      if (rule.kind == Rule::kShare || rule.kind == Rule::kValueIsK) {
        if (std::find(out->begin(), out->end(),
                      std::make_pair(rule.n, rule.k)) == out->end()) {
          out->emplace_back(rule.n, rule.k);
        }
      }
    }
    return out;
  }();
  return *pairs;
}

struct Quantity {
  int64_t value = 0;
  std::string via;  // the cells it comes from
};

struct Shown {
  std::map<std::string, Quantity> q;
  std::vector<std::string> conflicts;
};

std::string Where(const PublicVersion& v) {
  std::string out = v.unit + " " + v.period;
  if (v.revision >= 0) out += " r" + std::to_string(v.revision);
  if (!v.id.empty() && !StartsWith(v.id, "content:")) {
    out += " (" + v.id.substr(0, 12) + ")";
  }
  if (!v.source.empty()) out += " [" + v.source + "]";
  return out;
}

// The quantities version `v` shows or lets one derive within itself.
Shown QuantitiesOf(const PublicVersion& v) {
  Shown s;
  auto put = [&](const std::string& name, int64_t value,
                 const std::string& via) {
    auto [it, inserted] = s.q.emplace(name, Quantity{value, via});
    if (!inserted && it->second.value != value) {
      s.conflicts.push_back("inconsistent: " + Where(v) + " " + name + " = " +
                            std::to_string(it->second.value) + " (" +
                            it->second.via + ") and " + std::to_string(value) +
                            " (" + via + ")");
    }
  };
  std::optional<int64_t> gap;  // claimed_priority − high_desert
  for (const auto& [name, cell] : v.cells) {
    if (cell.suppressed) continue;
    const Rule r = RuleOf(name);
    switch (r.kind) {
      case Rule::kNone:
        break;
      case Rule::kCount:
        if (cell.n) {
          put(r.n, std::llround(*cell.n), name);
        } else if (cell.value) {
          put(r.n, std::llround(*cell.value), name);
        }
        break;
      case Rule::kMeasure:
        if (cell.n) put(r.n, std::llround(*cell.n), name + " n");
        break;
      case Rule::kShare:
        if (!cell.n) break;
        put(r.n, std::llround(*cell.n), name + " n");
        if (cell.value) {
          put(r.k, std::llround(*cell.value * *cell.n), name + " k");
        } else if (*cell.n == 0) {
          put(r.k, 0, name + " k");
        }
        break;
      case Rule::kValueIsK:
        if (cell.n) put(r.n, std::llround(*cell.n), name + " n");
        if (cell.value) put(r.k, std::llround(*cell.value), name);
        break;
      case Rule::kGap:
        if (!cell.n) break;
        put(r.n, std::llround(*cell.n), name + " n");
        if (cell.value) gap = std::llround(*cell.value * *cell.n);
        break;
    }
  }
  if (gap) {
    auto cp = s.q.find("claimed_priority");
    auto high = s.q.find("high_desert");
    if (cp != s.q.end() && high == s.q.end()) {
      put("high_desert", cp->second.value - *gap,
          "claimed_priority (" + cp->second.via + ") - fruition_gap × n");
    } else if (cp == s.q.end() && high != s.q.end()) {
      put("claimed_priority", high->second.value + *gap,
          "high_desert (" + high->second.via + ") + fruition_gap × n");
    } else if (cp != s.q.end() && high != s.q.end() &&
               cp->second.value - high->second.value != *gap) {
      s.conflicts.push_back(
          "inconsistent: " + Where(v) + " fruition_gap × n = " +
          std::to_string(*gap) + ", claimed_priority - high_desert = " +
          std::to_string(cp->second.value - high->second.value));
    }
  }
  for (const auto& [n, k] : SharePairs()) {
    auto a = s.q.find(n);
    auto b = s.q.find(k);
    if (a == s.q.end() || b == s.q.end()) continue;
    put(StrCat(n, "-", k), a->second.value - b->second.value,
        StrCat(a->second.via, " - ", b->second.via));
  }
  return s;
}

std::string CellKey(const PublicVersion& v) {
  std::string out = "content:";
  for (const auto& [name, c] : v.cells) {
    out += name + "=" + (c.suppressed ? "s" : "") +
           (c.value ? Str(*c.value) : "-") + "/" + (c.n ? Str(*c.n) : "-") +
           ";";
  }
  return out;
}

double Number(const Value& v) {
  if (v.kind_case() == Value::kStringValue) {
    return std::strtod(v.string_value().c_str(), nullptr);
  }
  return v.number_value();
}

}  // namespace

std::string SnakeName(const std::string& camel) {
  std::string out;
  size_t i = 0;
  for (; i < camel.size() && camel[i] != ':'; ++i) {
    const auto ch = static_cast<unsigned char>(camel[i]);
    if (std::isupper(ch)) {
      out += '_';
      out += static_cast<char>(std::tolower(ch));
    } else {
      out += camel[i];
    }
  }
  return out + camel.substr(i);
}

std::optional<PublicVersion> VersionFromCardJson(const Struct& card,
                                                 const std::string& source) {
  const auto& f = card.fields();
  if (f.count("unit") == 0 || f.count("period") == 0) return std::nullopt;
  PublicVersion v;
  v.unit = f.at("unit").string_value();
  v.period = f.at("period").string_value();
  v.source = source;
  if (f.count("scorecardId")) v.id = f.at("scorecardId").string_value();
  if (f.count("revision")) {
    v.revision = static_cast<int64_t>(Number(f.at("revision")));
  }
  if (f.count("indicators")) {
    for (const auto& [json, value] :
         f.at("indicators").struct_value().fields()) {
      const auto& c = value.struct_value().fields();
      PublicCell cell;
      if (c.count("suppressed")) {
        cell.suppressed = c.at("suppressed").bool_value();
      }
      if (c.count("value")) cell.value = Number(c.at("value"));
      if (c.count("n")) cell.n = Number(c.at("n"));
      v.cells[SnakeName(json)] = cell;
    }
  }
  return v;
}

std::optional<PublicVersion> VersionFromCard(const v1::Scorecard& card,
                                             const std::string& source) {
  if (!card.public_view()) return std::nullopt;
  PublicVersion v;
  v.unit = card.unit();
  v.period = card.period();
  v.id = card.scorecard_id();
  v.revision = card.revision();
  v.source = source;
  for (const v1::Indicator& i : card.indicators()) {
    PublicCell cell;
    cell.suppressed = i.suppressed();
    if (!i.suppressed()) {
      cell.n = static_cast<double>(i.n());
      if (i.defined()) cell.value = i.value();
    }
    v.cells[i.name()] = cell;
  }
  return v;
}

std::optional<PublicVersion> VersionFromEvent(const v1::OversightEvent& e,
                                              const std::string& source) {
  if (e.visibility() != v1::VISIBILITY_PUBLIC || e.unit().empty() ||
      e.period().empty()) {
    return std::nullopt;
  }
  PublicVersion v;
  v.unit = e.unit();
  v.period = e.period();
  v.source = source;
  for (const auto& ref : e.evidence_refs()) {
    if (StartsWith(ref, "scorecard:")) v.id = ref.substr(10);
  }
  if (v.id.empty()) return std::nullopt;
  if (e.type() == v1::EVENT_TYPE_TARGET_OVERSHOOT) {
    const std::string& key = e.condition_key();
    PublicCell& cell =
        v.cells["target_ratio:" + key.substr(key.rfind('/') + 1)];
    for (const auto& [name, value] : e.facts()) {
      if (name == "target_ratio") cell.value = value;
      if (name == "target_ratio.n" || name == "reported") cell.n = value;
      if (name == "target_ratio.suppressed") cell.suppressed = value != 0;
    }
    return v;
  }
  for (const auto& [name, value] : e.facts()) {
    // The rules' thresholds, not cells of the card.
    if (name == "threshold" || name == "min_sentenced" ||
        name == "min_lnf_sentenced") {
      continue;
    }
    const size_t dot = name.rfind('.');
    const std::string suffix =
        dot == std::string::npos ? "" : name.substr(dot + 1);
    if (suffix == "n") {
      v.cells[name.substr(0, dot)].n = value;
    } else if (suffix == "suppressed") {
      v.cells[name.substr(0, dot)].suppressed = value != 0;
    } else {
      v.cells[name].value = value;
    }
  }
  return v;
}

void Attacker::AddVersion(const PublicVersion& in) {
  PublicVersion v = in;
  if (v.id.empty()) v.id = CellKey(v);
  const Key key = v.unit + "\n" + v.period + "\n" + v.id;
  auto [it, inserted] = versions_.emplace(key, v);
  if (inserted) return;
  PublicVersion& have = it->second;
  have.revision = std::max(have.revision, v.revision);
  if (have.source.find(v.source) == std::string::npos) {
    have.source += "+" + v.source;
  }
  for (const auto& [name, cell] : v.cells) {
    PublicCell& c = have.cells[name];
    c.suppressed = c.suppressed || cell.suppressed;
    if (cell.value) c.value = cell.value;
    if (cell.n) c.n = cell.n;
  }
}

void Attacker::AddSnapshot(const std::vector<PublicVersion>& snapshot) {
  std::map<UnitPeriod, Key> s;
  for (const PublicVersion& in : snapshot) {
    AddVersion(in);
    const std::string id = in.id.empty() ? CellKey(in) : in.id;
    s[{in.unit, in.period}] = in.unit + "\n" + in.period + "\n" + id;
  }
  snapshots_.push_back(std::move(s));
}

namespace {

using Key = std::string;  // Attacker::Key: unit \n period \n id
using Versions = std::map<Key, PublicVersion>;
using Snapshot = std::map<UnitPeriod, Key>;
using Sink = std::function<void(const std::string&)>;

// Small counts displayed, or derived within one card.
void DisplayedFindings(const Versions& versions,
                       const std::map<std::string, Shown>& shown,
                       const Sink& add) {
  for (const auto& [key, v] : versions) {
    const Shown& s = shown.at(key);
    for (const auto& c : s.conflicts) add(c);
    for (const auto& [name, q] : s.q) {
      if (Small(q.value)) {
        add("small: " + Where(v) + " " + name + " = " +
            std::to_string(q.value) + " (" + q.via + ")");
      }
    }
  }
}

// Small differences between a parent cell and its published members (an
// agency and its field offices, the nation and its districts or agencies, a
// fiscal year and its quarters) within one snapshot.
void LinkedFindings(const Versions& versions, const Snapshot& snapshot,
                    const std::map<std::string, Shown>& shown,
                    const Sink& add) {
  std::map<std::string, std::vector<std::string>> units_by_period;
  for (const auto& [up, key] : snapshot) {
    units_by_period[up.second].push_back(up.first);
  }
  auto check = [&](const UnitPeriod& parent,
                   const std::vector<UnitPeriod>& members,
                   const std::string& what) {
    if (members.empty()) return;
    const Key& pk = snapshot.at(parent);
    for (const auto& [name, pq] : shown.at(pk).q) {
      int64_t rest = pq.value;
      std::string published, hidden;
      for (const UnitPeriod& m : members) {
        const Shown& ms = shown.at(snapshot.at(m));
        auto it = ms.q.find(name);
        const std::string label = m.first + " " + m.second;
        if (it == ms.q.end()) {
          hidden += (hidden.empty() ? "" : ", ") + label;
          continue;
        }
        rest -= it->second.value;
        StrAppend(&published, published.empty() ? "" : ", ", label, "=",
                  it->second.value);
      }
      if (!Small(rest)) continue;
      add(StrCat("linked (", what, "): ", Where(versions.at(pk)), " ", name,
                 " = ", pq.value, " minus published members [", published,
                 "] = ", rest, "; hidden: [", hidden, "]"));
    }
  };
  for (const auto& [period, units] : units_by_period) {
    std::vector<UnitPeriod> agencies, districts;
    for (const std::string& u : units) {
      if (StartsWith(u, "agency:")) agencies.push_back({u, period});
      if (StartsWith(u, "district:")) districts.push_back({u, period});
    }
    for (const UnitPeriod& agency : agencies) {
      const std::string prefix = "field_office:" + agency.first.substr(7) + "-";
      std::vector<UnitPeriod> offices;
      for (const std::string& u : units) {
        if (StartsWith(u, prefix)) offices.push_back({u, period});
      }
      check(agency, offices, "agency and its field offices");
    }
    const UnitPeriod national{"national:US", period};
    if (snapshot.count(national) > 0) {
      check(national, districts, "national and its districts");
      check(national, agencies, "national and its agencies");
    }
  }
  for (const auto& [up, key] : snapshot) {
    if (up.second.size() != 6) continue;  // FY2016, not FY2016Q1
    std::vector<UnitPeriod> quarters;
    for (int q = 1; q <= 4; ++q) {
      UnitPeriod quarter{up.first, up.second + "Q" + std::to_string(q)};
      if (snapshot.count(quarter) > 0) quarters.push_back(quarter);
    }
    check(up, quarters, "fiscal year and its quarters");
  }
}

// Small differences between any two versions of one unit-period.
void VersionFindings(const Versions& versions,
                     const std::map<std::string, Shown>& shown,
                     const Sink& add) {
  std::map<UnitPeriod, std::vector<const Key*>> by_up;
  for (const auto& [key, v] : versions) {
    by_up[{v.unit, v.period}].push_back(&key);
  }
  for (auto& [up, keys] : by_up) {
    std::sort(keys.begin(), keys.end(), [&](const Key* a, const Key* b) {
      return std::tie(versions.at(*a).revision, *a) <
             std::tie(versions.at(*b).revision, *b);
    });
    for (size_t i = 0; i < keys.size(); ++i) {
      for (size_t j = i + 1; j < keys.size(); ++j) {
        const Shown& a = shown.at(*keys[i]);
        const Shown& b = shown.at(*keys[j]);
        for (const auto& [name, qa] : a.q) {
          auto it = b.q.find(name);
          if (it == b.q.end()) continue;
          const int64_t d = it->second.value - qa.value;
          if (!Small(d)) continue;
          add("versions: " + Where(versions.at(*keys[i])) + " and " +
              Where(versions.at(*keys[j])) + ": " + name + " " +
              std::to_string(qa.value) + " then " +
              std::to_string(it->second.value) + " (differ by " +
              std::to_string(std::llabs(d)) + ")");
        }
      }
    }
  }
}

}  // namespace

std::vector<std::string> Attacker::Findings() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& line) {
    if (seen.insert(line).second) out.push_back(line);
  };
  std::map<Key, Shown> shown;
  for (const auto& [key, v] : versions_) shown[key] = QuantitiesOf(v);
  DisplayedFindings(versions_, shown, add);
  for (const auto& snapshot : snapshots_) {
    LinkedFindings(versions_, snapshot, shown, add);
  }
  VersionFindings(versions_, shown, add);
  return out;
}

}  // namespace fruition::testing
