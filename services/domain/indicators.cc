#include "services/domain/indicators.h"

#include <cctype>
#include <cstdio>
#include <utility>

#include "google/protobuf/descriptor.h"
#include "services/common/json.h"

namespace fruition::domain {

using json::AppendJsonList;
using json::JsonString;
namespace {

using Kind = CellRule::Kind;
using internal::Components;

// Dashboard sections, in the order they are shown.
constexpr char kArrestsGroup[] = "Arrests and their claimed links";
constexpr char kSentencedGroup[] = "Who was sentenced (from the courts' facts)";
constexpr char kCostGroup[] = "Cost of imprisoning low-level offenders";
constexpr char kOrgGroup[] = "Organization outcomes the agency reported";
constexpr char kTargetsGroup[] = "Performance targets";
constexpr char kCommunityGroup[] = "Community change since the first period";

const std::vector<std::string> kArrestUnits = {"agency", "field_office"};
const std::vector<std::string> kSentencedUnits = {"district", "agency",
                                                  "field_office"};

CellRule CountRule(const std::string& n) {
  return {Kind::kCount, n, "", false, {}};
}
CellRule ShareRule(const std::string& n, const std::string& k,
                   bool value_is_k = false) {
  return {Kind::kShare, n, k, value_is_k, {}};
}
CellRule MeasureRule(const std::string& n) {
  return {Kind::kMeasure, n, "", false, {}};
}
CellRule OrganizationRule() { return {Kind::kOrganization, "", "", false, {}}; }

// An int64 field of Components by name, so that entries name their inputs
// once (RegistryTest checks every name is a field).
int64_t Field(const Components& c, const std::string& name) {
  const auto* field = Components::descriptor()->FindFieldByName(name);
  if (field == nullptr || field->is_repeated() ||
      field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_INT64) {
    return 0;
  }
  return Components::GetReflection()->GetInt64(c, field);
}

// The people-facing part of an entry.
struct Text {
  const char* label;
  const char* description;
  const char* format;
  const char* group;
};

IndicatorDef Entry(const std::string& name, const Text& t,
                   std::vector<std::string> inputs,
                   std::vector<std::string> units, CellRule rule) {
  IndicatorDef d;
  d.name = name;
  d.json_name = JsonName(name);
  d.label = t.label;
  d.description = t.description;
  d.format = t.format;
  d.group = t.group;
  d.inputs = std::move(inputs);
  d.unit_kinds = std::move(units);
  d.rule = std::move(rule);
  return d;
}

// A count of people or records: value and n are the component `field`.
IndicatorDef Count(const std::string& name, const std::string& field,
                   const Text& t, std::vector<std::string> units) {
  IndicatorDef d = Entry(name, t, {field}, std::move(units), CountRule(field));
  d.compute = [name, field](const IndicatorInput& in,
                            std::vector<v1::Indicator>* out) {
    const int64_t v = Field(in.c, field);
    out->push_back(Cell(name, static_cast<double>(v), v));
  };
  return d;
}

// `k` ÷ `n` over the n records counted by component `n`.
IndicatorDef Share(const std::string& name, const std::string& k,
                   const std::string& n, const Text& t,
                   std::vector<std::string> units) {
  IndicatorDef d = Entry(name, t, {k, n}, std::move(units), ShareRule(n, k));
  d.compute = [name, k, n](const IndicatorInput& in,
                           std::vector<v1::Indicator>* out) {
    const int64_t den = Field(in.c, n);
    out->push_back(RatioCell(name, Field(in.c, k), den, den));
  };
  return d;
}

// The entries about arrests and their claimed links.
void AddArrestIndicators(std::vector<IndicatorDef>* r) {
  r->push_back(Count("arrests", "arrests",
                     {"Arrests", "Arrests the agency reported in the period.",
                      "count", kArrestsGroup},
                     kArrestUnits));
  r->push_back(
      Count("pto_linked_arrests_claimed", "claimed",
            {"Arrests claimed as linked to a priority organization",
             "Arrests the agency reported together with a claimed link to a "
             "priority target organization.",
             "count", kArrestsGroup},
            kArrestUnits));
  IndicatorDef substantiated =
      Entry("pto_linked_arrests_substantiated",
            {"… of which the link is substantiated",
             "Claims whose evidence meets all six uniform criteria.", "count",
             kArrestsGroup},
            {"substantiated", "claimed"}, kArrestUnits,
            ShareRule("claimed", "substantiated", /*value_is_k=*/true));
  substantiated.compute = [](const IndicatorInput& in,
                             std::vector<v1::Indicator>* out) {
    out->push_back(Cell("pto_linked_arrests_substantiated",
                        static_cast<double>(in.c.substantiated()),
                        in.c.claimed()));
  };
  r->push_back(std::move(substantiated));
  r->push_back(
      Share("link_substantiation_rate", "substantiated", "claimed",
            {"Link substantiation rate", "Substantiated links ÷ claimed links.",
             "pct", kArrestsGroup},
            kArrestUnits));
}

// The shares of the people sentenced with an attribute.
void AddSentencedShares(std::vector<IndicatorDef>* r) {
  const struct {
    const char* name;
    const char* k;
    Text text;
  } shares[] = {
      {"high_desert_share",
       "high_desert",
       {"High-desert share",
        "Share the courts' own facts show as highly culpable (score 50 or "
        "more).",
        "pct", kSentencedGroup}},
      {"lnf_share",
       "lnf",
       {"Low-level, nonviolent, first-time (LNF) share",
        "Share of people sentenced who were low-level, nonviolent and "
        "first-time.",
        "pct", kSentencedGroup}},
      {"ch1_share",
       "ch1",
       {"Little or no criminal record",
        "Share in the lowest criminal-history category (I).", "pct",
        kSentencedGroup}},
      {"weapon_share",
       "weapon",
       {"Weapon involved", "Share with a weapon possessed or used.", "pct",
        kSentencedGroup}},
      {"aggravating_role_share",
       "aggravating",
       {"Leaders, managers or supervisors",
        "Share the court found had a leadership or supervisory role.", "pct",
        kSentencedGroup}},
      {"claimed_priority_share",
       "claimed_priority",
       {"Claimed priority share",
        "Share of people sentenced whose arrest the agency claimed was linked "
        "to a major trafficking organization.",
        "pct", kSentencedGroup}},
  };
  for (const auto& s : shares) {
    r->push_back(Share(s.name, s.k, "sentenced", s.text, kSentencedUnits));
  }
}

// The entries about the people sentenced.
void AddSentencedIndicators(std::vector<IndicatorDef>* r) {
  r->push_back(Count("sentenced", "sentenced",
                     {"People sentenced",
                      "People with a federal sentencing record connected to "
                      "this unit and period.",
                      "count", kSentencedGroup},
                     kSentencedUnits));
  IndicatorDef mean = Entry(
      "mean_desert",
      {"Average culpability score",
       "Average \"desert\" score, 0–100, from role, criminal record, weapons, "
       "violence and drug quantity.",
       "score", kSentencedGroup},
      {"desert_sum", "sentenced"}, kSentencedUnits, MeasureRule("sentenced"));
  mean.compute = [](const IndicatorInput& in, std::vector<v1::Indicator>* out) {
    out->push_back(RatioCell("mean_desert", in.c.desert_sum(), in.c.sentenced(),
                             in.c.sentenced()));
  };
  r->push_back(std::move(mean));
  AddSentencedShares(r);
  IndicatorDef gap =
      Entry("fruition_gap",
            {"Ambition–fruition gap",
             "Claimed priority share minus high-desert share.", "points",
             kSentencedGroup},
            {"claimed_priority", "high_desert", "sentenced"}, kSentencedUnits,
            {Kind::kDifference,
             "sentenced",
             "",
             false,
             {"claimed_priority_share", "high_desert_share"}});
  gap.compute = [](const IndicatorInput& in, std::vector<v1::Indicator>* out) {
    const int64_t n = in.c.sentenced();
    if (n == 0) {
      out->push_back(Cell("fruition_gap", 0, 0, false));
      return;
    }
    out->push_back(
        Cell("fruition_gap",
             static_cast<double>(in.c.claimed_priority() - in.c.high_desert()) /
                 static_cast<double>(n),
             n));
  };
  r->push_back(std::move(gap));
  IndicatorDef wev = Entry(
      "weighted_enforcement_value",
      {"Weighted enforcement value",
       "Sum over people sentenced of culpability × tier of the organization "
       "claimed × strength of the evidence. Rewards important, well-evidenced "
       "cases over volume.",
       "number", kSentencedGroup},
      {"wev_x800", "sentenced"}, kSentencedUnits, MeasureRule("sentenced"));
  wev.compute = [](const IndicatorInput& in, std::vector<v1::Indicator>* out) {
    out->push_back(Cell("weighted_enforcement_value",
                        static_cast<double>(in.c.wev_x800()) / 800.0,
                        in.c.sentenced()));
  };
  r->push_back(std::move(wev));
}

// Prison time of LNF offenders, and what it costs.
void AddCostIndicators(std::vector<IndicatorDef>* r) {
  IndicatorDef years =
      Entry("lnf_prison_years",
            {"Prison-years imposed on LNF offenders",
             "Total sentence length, in years, of the low-level, nonviolent, "
             "first-time people sentenced.",
             "years", kCostGroup},
            {"lnf_months", "lnf"}, kSentencedUnits, MeasureRule("lnf"));
  years.compute = [](const IndicatorInput& in,
                     std::vector<v1::Indicator>* out) {
    out->push_back(Cell("lnf_prison_years",
                        static_cast<double>(in.c.lnf_months()) / 12.0,
                        in.c.lnf()));
  };
  r->push_back(std::move(years));
  IndicatorDef cost = Entry(
      "lnf_cost_usd",
      {"Cost of those prison-years",
       "Those years at the federal cost of a prison-year.", "usd", kCostGroup},
      {"lnf_months", "lnf"}, kSentencedUnits, MeasureRule("lnf"));
  cost.compute = [](const IndicatorInput& in, std::vector<v1::Indicator>* out) {
    const double years = static_cast<double>(in.c.lnf_months()) / 12.0;
    out->push_back(Cell("lnf_cost_usd", years * in.options.cost_per_prison_year,
                        in.c.lnf()));
  };
  r->push_back(std::move(cost));
  r->push_back(Count("declined_then_charged_elsewhere", "declined_charged",
                     {"Declined in one district, charged in another",
                      "People whose prosecution was declined in one district "
                      "and who were charged in another.",
                      "count", kSentencedGroup},
                     {"district"}));
}

// A count from the agency's reference facts.
IndicatorDef ReferenceCount(const std::string& name,
                            int64_t AgencyYearReference::*field,
                            const std::string& input, const Text& t) {
  IndicatorDef d =
      Entry(name, t, {"reference." + input}, {"agency"}, OrganizationRule());
  d.compute = [name, field](const IndicatorInput& in,
                            std::vector<v1::Indicator>* out) {
    if (in.reference == nullptr) return;
    const int64_t v = in.reference->*field;
    out->push_back(Cell(name, static_cast<double>(v), v));
  };
  return d;
}

// What agencies report about organizations and their own targets.
void AddReferenceIndicators(std::vector<IndicatorDef>* r) {
  r->push_back(ReferenceCount(
      "org_outcomes_reported", &AgencyYearReference::org_outcomes,
      "org_outcomes",
      {"Organization outcomes reported",
       "Organizations the agency reported as disrupted or dismantled in the "
       "fiscal year.",
       "count", kOrgGroup}));
  r->push_back(ReferenceCount(
      "pending_counted_as_dismantled", &AgencyYearReference::pending_dismantled,
      "pending_dismantled",
      {"\"Dismantled\" while still pending",
       "Of those, \"dismantled\" claims whose work was still pending.", "count",
       kOrgGroup}));
  IndicatorDef target = Entry(
      "target_ratio:",
      {"Reported vs target",
       "Reported ÷ the agency's own target (pending outcomes included, as "
       "agencies report them).",
       "ratio", kTargetsGroup},
      {"reference.target", "reference.reported", "arrests"}, {"agency"},
      OrganizationRule());
  // Computed from the arrests count: follows it.
  target.member_rules["PERFORMANCE_MEASURE_ARRESTS"] = MeasureRule("arrests");
  target.member_labels = {
      {"PERFORMANCE_MEASURE_PTO_DISRUPTED", "Priority orgs. \"disrupted\""},
      {"PERFORMANCE_MEASURE_PTO_DISMANTLED", "Priority orgs. \"dismantled\""},
      {"PERFORMANCE_MEASURE_ARRESTS", "Arrests"},
      {"PERFORMANCE_MEASURE_CPOT_DISRUPTED",
       "Most-wanted (CPOT) \"disrupted\""},
      {"PERFORMANCE_MEASURE_CPOT_DISMANTLED",
       "Most-wanted (CPOT) \"dismantled\""},
  };
  target.compute = [](const IndicatorInput& in,
                      std::vector<v1::Indicator>* out) {
    if (in.reference == nullptr) return;
    for (const auto& [measure, goal] : in.reference->target) {
      int64_t reported = 0;
      if (measure == "PERFORMANCE_MEASURE_ARRESTS") {
        reported = in.c.arrests();
      } else if (auto it = in.reference->reported.find(measure);
                 it != in.reference->reported.end()) {
        reported = it->second;
      }
      out->push_back(
          RatioCell("target_ratio:" + measure, reported, goal, reported));
    }
  };
  r->push_back(std::move(target));
}

// Change in what communities report, first period to latest.
void AddCommunityIndicators(std::vector<IndicatorDef>* r) {
  IndicatorDef change =
      Entry("community_change:",
            {"Community change", "Latest value ÷ first value − 1.", "change",
             kCommunityGroup},
            {"community.first", "community.latest", "community.periods"},
            {"area"}, OrganizationRule());
  change.member_labels = {
      {"COMMUNITY_INDICATOR_KIND_REPORTED_VIOLENT_CRIME",
       "Reported violent crime"},
      {"COMMUNITY_INDICATOR_KIND_SHOOTINGS", "Shootings"},
      {"COMMUNITY_INDICATOR_KIND_OPEN_AIR_DRUG_MARKETS",
       "Open-air drug markets"},
      {"COMMUNITY_INDICATOR_KIND_PARK_USE", "Park use"},
      {"COMMUNITY_INDICATOR_KIND_GRADUATION_RATE", "Graduation rate"},
  };
  change.compute = [](const IndicatorInput& in,
                      std::vector<v1::Indicator>* out) {
    if (in.community == nullptr) return;
    for (const auto& [kind, series] : *in.community) {
      const auto& [first, latest, periods] = series;
      // n: the periods reported. A change needs two, and a first value.
      const bool defined = periods >= 2 && first != 0;
      out->push_back(Cell("community_change:" + kind,
                          defined ? latest / first - 1.0 : 0, periods,
                          defined));
    }
  };
  r->push_back(std::move(change));
}

bool IsFamily(const IndicatorDef& d) {
  return !d.name.empty() && d.name.back() == ':';
}

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kOrganization:
      return "organization";
    case Kind::kCount:
      return "count";
    case Kind::kShare:
      return "share";
    case Kind::kMeasure:
      return "measure";
    case Kind::kDifference:
      return "difference";
  }
  return "measure";
}

void AppendEntryJson(const IndicatorDef& d, std::string* out) {
  *out += "{\"name\":" + JsonString(d.name);
  *out += ",\"jsonName\":" + JsonString(d.json_name);
  *out += ",\"family\":";
  *out += IsFamily(d) ? "true" : "false";
  *out += ",\"label\":" + JsonString(d.label);
  *out += ",\"description\":" + JsonString(d.description);
  *out += ",\"format\":" + JsonString(d.format);
  *out += ",\"group\":" + JsonString(d.group);
  *out += ",\"inputs\":";
  AppendJsonList(d.inputs, out);
  *out += ",\"unitKinds\":";
  AppendJsonList(d.unit_kinds, out);
  *out += ",\"suppression\":" + JsonString(KindName(d.rule.kind));
  *out += ",\"memberLabels\":{";
  bool first = true;
  for (const auto& [member, label] : d.member_labels) {
    if (!first) *out += ",";
    first = false;
    *out += JsonString(member) + ":" + JsonString(label);
  }
  *out += "}}";
}

}  // namespace

const std::vector<IndicatorDef>& Indicators() {
  static const auto* registry = [] {
    auto* r = new std::vector<IndicatorDef>;
    AddArrestIndicators(r);
    AddSentencedIndicators(r);
    AddCostIndicators(r);
    AddReferenceIndicators(r);
    AddCommunityIndicators(r);
    return r;
  }();
  return *registry;
}

namespace {

const IndicatorDef* FindIn(const std::vector<IndicatorDef>& registry,
                           const std::string& name) {
  for (const IndicatorDef& d : registry) {
    if (d.name == name) return &d;
    if (IsFamily(d) && name.size() > d.name.size() &&
        name.compare(0, d.name.size(), d.name) == 0) {
      return &d;
    }
  }
  return nullptr;
}

}  // namespace

const IndicatorDef* FindIndicator(const std::string& name) {
  return FindIn(Indicators(), name);
}

std::vector<v1::Indicator> ComputeIndicators(
    const IndicatorInput& in, const std::vector<IndicatorDef>& registry) {
  std::vector<v1::Indicator> out;
  for (const IndicatorDef& d : registry) d.compute(in, &out);
  return out;
}

CellRule RuleOf(const std::string& name,
                const std::vector<IndicatorDef>& registry) {
  if (const IndicatorDef* d = FindIn(registry, name)) {
    if (IsFamily(*d)) {
      auto it = d->member_rules.find(name.substr(d->name.size()));
      if (it != d->member_rules.end()) return it->second;
    }
    return d->rule;
  }
  return MeasureRule("cell:" + name);
}

std::string JsonName(const std::string& snake) {
  std::string out;
  bool upper = false;
  size_t i = 0;
  for (; i < snake.size() && snake[i] != ':'; ++i) {
    if (snake[i] == '_' || snake[i] == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(snake[i])) : snake[i];
    upper = false;
  }
  out += snake.substr(i);
  return out;
}

v1::Indicator Cell(const std::string& name, double value, int64_t n,
                   bool defined) {
  v1::Indicator i;
  i.set_name(name);
  i.set_n(n);
  i.set_defined(defined);
  if (defined) i.set_value(value);
  return i;
}

v1::Indicator RatioCell(const std::string& name, int64_t num, int64_t den,
                        int64_t n) {
  if (den == 0) return Cell(name, 0, n, false);
  return Cell(name, static_cast<double>(num) / static_cast<double>(den), n);
}

std::string IndicatorCatalogueJson(const std::vector<IndicatorDef>& registry) {
  std::string out = "{\"indicators\":[";
  for (size_t i = 0; i < registry.size(); ++i) {
    if (i > 0) out += ",";
    AppendEntryJson(registry[i], &out);
  }
  return out + "]}";
}

}  // namespace fruition::domain
