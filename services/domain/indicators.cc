#include "services/domain/indicators.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <tuple>
#include <utility>

#include "fruition/v1/enums.pb.h"
#include "google/protobuf/descriptor.h"
#include "services/common/json.h"
#include "services/domain/tallies.h"

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
constexpr char kBudgetGroup[] = "Budget and what it bought";
constexpr char kConditionsGroup[] = "Conditions raised and answered";
constexpr char kCommunityGroup[] = "Community change since the first period";
constexpr char kProsecutionGroup[] = "From arrest to sentence";
constexpr char kTablesGroup[] = "Sentencing Commission tables";
constexpr char kSeizuresGroup[] = "Seizures";
constexpr char kQualityGroup[] = "Data quality";

// `national:US` holds every record of any agency or district unit.
const std::vector<std::string> kArrestUnits = {"agency", "field_office",
                                               "national"};
const std::vector<std::string> kSentencedUnits = {"district", "agency",
                                                  "field_office", "national"};
// The reports behind an agency's figures (AddReportIndicators).
const std::vector<std::string> kReportUnits = {"agency"};

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

// An int64 field of Components by name, or else one of its tallies
// (`function:OFFENSE_FUNCTION_COURIER`, tallies.h), so that entries name
// their inputs once (RegistryTest checks every name is one of them).
int64_t Field(const Components& c, const std::string& name) {
  const auto* field = Components::descriptor()->FindFieldByName(name);
  if (field == nullptr) return TallyOf(c, name);
  if (field->is_repeated() ||
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
                     {"district", "national"}));
}

// What happens between arrest and sentence: charges, declinations and how
// prosecutions end.
void AddProsecutionIndicators(std::vector<IndicatorDef>* r) {
  r->push_back(Count("charged", "charged",
                     {"People charged",
                      "People charged in federal court (a charge filed), one "
                      "per person and case.",
                      "count", kProsecutionGroup},
                     kSentencedUnits));
  r->push_back(Share("mandatory_minimum_charged_share", "mm_charged", "charged",
                     {"Charged with a mandatory minimum",
                      "Share of the people charged whose charge carries a "
                      "mandatory minimum sentence.",
                      "pct", kProsecutionGroup},
                     kSentencedUnits));
  r->push_back(Count("declined", "declined",
                     {"People declined",
                      "People whose federal prosecution the prosecutors "
                      "declined.",
                      "count", kProsecutionGroup},
                     kSentencedUnits));
  // n: the people prosecutors decided about (declined + charged); its
  // complement n − k is the charged count, protected with it.
  IndicatorDef rate =
      Entry("declination_rate",
            {"Declination rate",
             "Declined ÷ (declined + charged): how often prosecutors said no.",
             "pct", kProsecutionGroup},
            {"declined", "charged"}, kSentencedUnits,
            ShareRule("prosecuted", "declined"));
  rate.compute = [](const IndicatorInput& in, std::vector<v1::Indicator>* out) {
    const int64_t prosecuted = in.c.declined() + in.c.charged();
    out->push_back(
        RatioCell("declination_rate", in.c.declined(), prosecuted, prosecuted));
  };
  r->push_back(std::move(rate));
  r->push_back(Share("referred_to_state_share", "referred", "declined",
                     {"Declined and referred to the state",
                      "Share of the people declined whom prosecutors referred "
                      "to state prosecutors.",
                      "pct", kProsecutionGroup},
                     kSentencedUnits));
  r->push_back(Count("dispositions", "dispositions",
                     {"Prosecutions ended",
                      "People whose federal prosecution ended: a plea, a "
                      "trial, an acquittal or a dismissal.",
                      "count", kProsecutionGroup},
                     kSentencedUnits));
  r->push_back(Share("plea_rate", "pleas", "dispositions",
                     {"Guilty pleas", "Share of those ended by a guilty plea.",
                      "pct", kProsecutionGroup},
                     kSentencedUnits));
  r->push_back(Share("conviction_rate", "convictions", "dispositions",
                     {"Convictions",
                      "Share of those ended by a conviction, by plea or at "
                      "trial.",
                      "pct", kProsecutionGroup},
                     kSentencedUnits));
}

// The median of the values of a histogram ((value, how many), ascending,
// tallies.h); of an even
// count, the mean of the two middle values. Exact: integer positions, one
// division at the end. Undefined with n = 0 or an empty histogram.
v1::Indicator MedianCell(const std::string& name,
                         const std::vector<std::pair<int64_t, int64_t>>& sorted,
                         int64_t n) {
  int64_t total = 0;
  for (const auto& [value, count] : sorted) {
    total += std::max<int64_t>(count, 0);
  }
  if (n == 0 || total == 0) return Cell(name, 0, n, false);
  // The middle values' positions (from 0): one when total is odd.
  const int64_t low = (total - 1) / 2;
  const int64_t high = total / 2;
  int64_t seen = 0;
  int64_t low_value = 0;
  for (const auto& [value, count] : sorted) {
    if (count <= 0) continue;
    if (seen <= low && low < seen + count) low_value = value;
    seen += count;
    if (high < seen) {
      return Cell(name, static_cast<double>(low_value + value) / 2.0, n);
    }
  }
  return Cell(name, 0, n, false);  // unreachable: high < total
}

// Mandatory minimums, the safety valve, weight and sentence length among
// the people sentenced.
void AddSentenceIndicators(std::vector<IndicatorDef>* r) {
  r->push_back(Count("lnf_sentenced", "lnf",
                     {"LNF people sentenced",
                      "People sentenced who were low-level, nonviolent and "
                      "first-time.",
                      "count", kProsecutionGroup},
                     kSentencedUnits));
  const struct {
    const char* name;
    const char* k;
    const char* n;
    Text text;
  } shares[] = {
      {"lnf_mandatory_minimum_share",
       "lnf_mm",
       "lnf",
       {"LNF charged with a mandatory minimum",
        "Share of the LNF people sentenced whose charge carried a mandatory "
        "minimum sentence.",
        "pct", kProsecutionGroup}},
      {"lnf_safety_valve_share",
       "lnf_safety_valve",
       "lnf",
       {"LNF given the safety valve",
        "Share of the LNF people sentenced whom the court gave the safety "
        "valve (relief from a mandatory minimum).",
        "pct", kProsecutionGroup}},
      {"below_mandatory_minimum_share",
       "below_mm",
       "mm_sentenced",
       {"Sentenced below the mandatory minimum",
        "Of the people sentenced on a charge with a mandatory minimum, the "
        "share sentenced below it.",
        "pct", kProsecutionGroup}},
      {"weight_role_mismatch_share",
       "heavy_lnf_function",
       "heavy",
       {"Heavy weight, low-level function",
        "Of the people sentenced for at least their drug's 10-year weight, "
        "the share whose function was low-level (courier, mule, street "
        "dealer, ...).",
        "pct", kProsecutionGroup}},
  };
  for (const auto& s : shares) {
    r->push_back(Share(s.name, s.k, s.n, s.text, kSentencedUnits));
  }
  IndicatorDef mean =
      Entry("mean_sentence_months",
            {"Average sentence",
             "Average sentence, in months, of the people sentenced.", "months",
             kProsecutionGroup},
            {"sentence_months", "sentenced"}, kSentencedUnits,
            MeasureRule("sentenced"));
  mean.compute = [](const IndicatorInput& in, std::vector<v1::Indicator>* out) {
    out->push_back(RatioCell("mean_sentence_months", in.c.sentence_months(),
                             in.c.sentenced(), in.c.sentenced()));
  };
  r->push_back(std::move(mean));
  IndicatorDef median =
      Entry("median_sentence_months",
            {"Median sentence",
             "The middle sentence, in months: half of the people sentenced got "
             "less, half more.",
             "months", kProsecutionGroup},
            {"histogram_counts", "sentenced"}, kSentencedUnits,
            MeasureRule("sentenced"));
  median.compute = [](const IndicatorInput& in,
                      std::vector<v1::Indicator>* out) {
    out->push_back(MedianCell("median_sentence_months", SentenceHistogram(in.c),
                              in.c.sentenced()));
  };
  r->push_back(std::move(median));
}

// One member of a family of shares: its name and label.
using Members = std::vector<std::pair<std::string, std::string>>;

// The values of enum `e` but the unspecified one (0), in enum order, each
// labelled from `labels` (a missing label is the value's name; the
// registry's test requires one).
Members EnumMembers(const google::protobuf::EnumDescriptor* e,
                    const std::map<std::string, std::string>& labels) {
  Members out;
  for (int i = 0; i < e->value_count(); ++i) {
    const auto* v = e->value(i);
    if (v->number() == 0) continue;
    auto it = labels.find(v->name());
    out.emplace_back(v->name(), it == labels.end() ? v->name() : it->second);
  }
  return out;
}

// A family of shares over tallies: member m is tally `k_prefix`m of n,
// where n is the Components field `n_field`, or (empty) the tally
// `n_prefix`m. Every member is listed, with n = 0 where there is none.
IndicatorDef TallyShares(const std::string& family, const std::string& k_prefix,
                         const std::string& n_field,
                         const std::string& n_prefix, const Members& members,
                         const Text& t) {
  std::vector<std::string> inputs;
  if (!n_field.empty()) inputs.push_back(n_field);
  // k is per member; n too when there is no n_field.
  IndicatorDef d = Entry(family, t, {}, kSentencedUnits,
                         {Kind::kShare, n_field, "", false, {}});
  std::vector<std::tuple<std::string, std::string, std::string>> cells;
  for (const auto& [member, label] : members) {
    const std::string k = k_prefix + member;
    const std::string n = n_field.empty() ? n_prefix + member : n_field;
    inputs.push_back(k);
    if (n_field.empty()) inputs.push_back(n);
    d.member_rules[member] = ShareRule(n, k);
    d.member_labels[member] = label;
    d.member_order.push_back(member);
    cells.emplace_back(family + member, k, n);
  }
  d.inputs = std::move(inputs);
  d.compute = [cells](const IndicatorInput& in,
                      std::vector<v1::Indicator>* out) {
    for (const auto& [name, k, n] : cells) {
      const int64_t den = Field(in.c, n);
      out->push_back(RatioCell(name, Field(in.c, k), den, den));
    }
  };
  return d;
}

const std::map<std::string, std::string>& FunctionLabels() {
  static const auto* labels = new std::map<std::string, std::string>{
      {"OFFENSE_FUNCTION_HIGH_LEVEL_SUPPLIER_IMPORTER",
       "High-level supplier or importer"},
      {"OFFENSE_FUNCTION_ORGANIZER_LEADER", "Organizer or leader"},
      {"OFFENSE_FUNCTION_GROWER_MANUFACTURER", "Grower or manufacturer"},
      {"OFFENSE_FUNCTION_FINANCIER_LAUNDERER", "Financier or money launderer"},
      {"OFFENSE_FUNCTION_PILOT_CAPTAIN", "Pilot or captain"},
      {"OFFENSE_FUNCTION_WHOLESALER", "Wholesaler"},
      {"OFFENSE_FUNCTION_MANAGER", "Manager"},
      {"OFFENSE_FUNCTION_SUPERVISOR", "Supervisor"},
      {"OFFENSE_FUNCTION_ENFORCER", "Enforcer"},
      {"OFFENSE_FUNCTION_CHEMIST_COOK", "Chemist or cook"},
      {"OFFENSE_FUNCTION_BROKER_STEERER", "Broker or steerer"},
      {"OFFENSE_FUNCTION_COURIER", "Courier"},
      {"OFFENSE_FUNCTION_MULE", "Mule"},
      {"OFFENSE_FUNCTION_RENTER_STORER", "Renter or storer"},
      {"OFFENSE_FUNCTION_STREET_LEVEL_DEALER", "Street-level dealer"},
      {"OFFENSE_FUNCTION_EMPLOYEE_LOOKOUT", "Employee or lookout"},
      {"OFFENSE_FUNCTION_ENABLER", "Enabler"},
      {"OFFENSE_FUNCTION_USER", "User"},
  };
  return *labels;
}

const std::map<std::string, std::string>& DrugLabels() {
  static const auto* labels = new std::map<std::string, std::string>{
      {"DRUG_COCAINE", "Powder cocaine"},
      {"DRUG_CRACK", "Crack cocaine"},
      {"DRUG_HEROIN", "Heroin"},
      {"DRUG_FENTANYL", "Fentanyl"},
      {"DRUG_METHAMPHETAMINE", "Methamphetamine"},
      {"DRUG_MARIJUANA", "Marijuana"},
      {"DRUG_OTHER", "Other drugs"},
  };
  return *labels;
}

const std::map<std::string, std::string>& OriginLabels() {
  static const auto* labels = new std::map<std::string, std::string>{
      {"CASE_ORIGIN_INTERDICTION", "Interdiction"},
      {"CASE_ORIGIN_INFORMANT", "Informant"},
      {"CASE_ORIGIN_COOPERATOR", "Cooperator"},
      {"CASE_ORIGIN_WIRETAP", "Wiretap"},
      {"CASE_ORIGIN_LOCAL_REFERRAL", "Local referral"},
      {"CASE_ORIGIN_OTHER", "Other origin"},
  };
  return *labels;
}

// Criminal history categories I–VI (members `1`–`6`).
Members CriminalHistoryMembers() {
  const char* const roman[] = {"I", "II", "III", "IV", "V", "VI"};
  Members out;
  for (int c = 1; c <= 6; ++c) {
    out.emplace_back(std::to_string(c),
                     std::string("Category ") + roman[c - 1]);
  }
  return out;
}

// The Sentencing Commission's tables of the people sentenced (its
// Sourcebook's function, criminal history and drug tables), and the LNF
// share by case designation and origin.
void AddTableIndicators(std::vector<IndicatorDef>* r) {
  r->push_back(TallyShares(
      "function_share:", "function:", "sentenced", "",
      EnumMembers(v1::OffenseFunction_descriptor(), FunctionLabels()),
      {"Function in the offense",
       "Share of the people sentenced per function in the drug trade, as the "
       "court found it.",
       "pct", kTablesGroup}));
  r->push_back(TallyShares(
      "criminal_history_share:", "criminal_history:", "sentenced", "",
      CriminalHistoryMembers(),
      {"Criminal history category",
       "Share of the people sentenced per criminal history category, from I "
       "(little or no record) to VI.",
       "pct", kTablesGroup}));
  r->push_back(TallyShares("drug_share:", "drug:", "sentenced", "",
                           EnumMembers(v1::Drug_descriptor(), DrugLabels()),
                           {"Drug", "Share of the people sentenced per drug.",
                            "pct", kTablesGroup}));
  r->push_back(Share("ocdetf_lnf_share", "ocdetf_lnf", "ocdetf_sentenced",
                     {"LNF share in OCDETF cases",
                      "Of the people sentenced in cases designated OCDETF "
                      "(task-force cases meant for major organizations), the "
                      "share who were low-level, nonviolent, first-time.",
                      "pct", kTablesGroup},
                     kSentencedUnits));
  r->push_back(TallyShares(
      "origin_lnf_share:", "origin_lnf:", "",
      "origin:", EnumMembers(v1::CaseOrigin_descriptor(), OriginLabels()),
      {"LNF share by how the case began",
       "Per case origin (interdiction, informant, wiretap, ...): the share of "
       "the people sentenced in such cases who were low-level, nonviolent, "
       "first-time.",
       "pct", kTablesGroup}));
}

// Seizures of cash and assets in the unit's cases.
void AddSeizureIndicators(std::vector<IndicatorDef>* r) {
  r->push_back(Count("seizures", "seizures",
                     {"Seizures",
                      "Seizures of cash and assets recorded in the cases of "
                      "this unit and period.",
                      "count", kSeizuresGroup},
                     kSentencedUnits));
  IndicatorDef value = Entry(
      "seized_value_usd",
      {"Value seized", "Cash and assets seized, in US dollars.", "usd",
       kSeizuresGroup},
      {"seized_cents", "seizures"}, kSentencedUnits, MeasureRule("seizures"));
  value.compute = [](const IndicatorInput& in,
                     std::vector<v1::Indicator>* out) {
    out->push_back(Cell("seized_value_usd",
                        static_cast<double>(in.c.seized_cents()) / 100.0,
                        in.c.seizures()));
  };
  r->push_back(std::move(value));
}

// How complete and consistent the reports behind a unit-period are
// (SPEC §10's data-quality flags). People and record counts like the rest:
// disclosure control protects them the same way.
void AddQualityIndicators(std::vector<IndicatorDef>* r) {
  r->push_back(Count(
      "arrests_unsentenced", "arrests_unsentenced",
      {"Arrests never matched to a sentencing",
       "Arrests in the period whose person has no sentencing record in the "
       "same case (yet): cases still open, dropped, or a sentencing the "
       "courts never reported.",
       "count", kQualityGroup},
      kArrestUnits));
  r->push_back(Count(
      "sentenced_without_arrest", "sentenced_without_arrest",
      {"Sentencings with no arrest",
       "People sentenced in the period (in the sentencing's district and "
       "nationally) for whom no agency reported an arrest in the same case.",
       "count", kQualityGroup},
      {"district", "national"}));
  // Coverage of the optional fields the indicators read; each member is the
  // share of its body's counted records that give the field. Fields intake
  // requires are always given; fields whose empty value means something
  // (an arrest with no claim_id is simply not claimed) are not listed.
  IndicatorDef coverage =
      Entry("coverage:",
            {"Coverage of optional fields",
             "Per optional report field the indicators read: the share of the "
             "records counted here that give it.",
             "pct", kQualityGroup},
            {}, kSentencedUnits, {Kind::kShare, "", "", false, {}});
  // member -> (k, n) components.
  const std::vector<
      std::tuple<std::string, std::string, std::string, std::string>>
      members = {
          {"arrest.field_office", "arrests_with_field_office", "arrests",
           "Arrests naming a field office"},
          {"sentencing.drug_weight_grams", "sentenced_with_drug_weight",
           "sentenced", "Sentencings giving a drug weight"},
      };
  std::vector<std::tuple<std::string, std::string, std::string>> cells;
  for (const auto& [member, k, n, label] : members) {
    coverage.inputs.push_back(k);
    coverage.inputs.push_back(n);
    coverage.member_rules[member] = ShareRule(n, k);
    coverage.member_labels[member] = label;
    cells.emplace_back("coverage:" + member, k, n);
  }
  coverage.compute = [cells](const IndicatorInput& in,
                             std::vector<v1::Indicator>* out) {
    for (const auto& [name, k, n] : cells) {
      const int64_t den = Field(in.c, n);
      out->push_back(RatioCell(name, Field(in.c, k), den, den));
    }
  };
  r->push_back(std::move(coverage));
}

// The reports behind an agency's figures (SPEC §10's data-quality flags:
// reporters silent for 90 days, conflicting reports): agencies only, fiscal
// years and quarters. Not for field offices, districts or `national:US`:
// there the count would not add up across D3's linked sets (nationally it
// counts arrest reports, which lie in no district), so parent and members
// would move independently, and the clean-clone run of fcfe9f0 caught
// national:US FY2026 at 23 beside published districts at 17 and 14 while
// the sample loaded. An agency's fiscal year is exactly the sum of its
// quarters (a report counts in the quarter of its one record).
// An agency unit (`agency:DEA`), its fiscal years and quarters.
bool AgencyUnit(const IndicatorInput& in) {
  return in.unit.rfind("agency:", 0) == 0;
}

// A count of reports, for agencies only.
IndicatorDef ReportCount(const std::string& name, const Text& t) {
  IndicatorDef d = Count(name, name, t, kReportUnits);
  d.compute = [name](const IndicatorInput& in,
                     std::vector<v1::Indicator>* out) {
    if (!AgencyUnit(in)) return;
    const int64_t v = Field(in.c, name);
    out->push_back(Cell(name, static_cast<double>(v), v));
  };
  return d;
}

void AddReportIndicators(std::vector<IndicatorDef>* r) {
  r->push_back(ReportCount(
      "reports_received",
      {"Reports received",
       "Distinct reports (reporter and report id) whose records count in the "
       "agency and period: arrests, sentencing records, charges, "
       "declinations, dispositions and seizures, each the one that counts "
       "now. Agencies only.",
       "count", kQualityGroup}));
  r->push_back(ReportCount(
      "reports_conflicting",
      {"Reports sent again with another body",
       "Of the reports received, those whose report id the same reporter "
       "later sent with a different body (the first one counts); each once, "
       "however often it was sent again. Agencies only.",
       "count", kQualityGroup}));
  // A time, not a count: shown with the reports it is the latest of, and
  // protected like a measure over them (suppressed whenever they are).
  IndicatorDef last = Entry(
      "last_received_at",
      {"Last report received",
       "When intake received the latest of the reports counted here (Unix "
       "seconds). Agencies only.",
       "number", kQualityGroup},
      {"last_received_at", "reports_received"}, kReportUnits,
      MeasureRule("reports_received"));
  last.compute = [](const IndicatorInput& in, std::vector<v1::Indicator>* out) {
    if (!AgencyUnit(in)) return;
    out->push_back(Cell("last_received_at",
                        static_cast<double>(in.c.last_received_at()),
                        in.c.reports_received(), in.c.reports_received() > 0));
  };
  r->push_back(std::move(last));
}

// A count from the agency's reference facts.
// `present`: computed only when that flag is set (null: whenever the year
// has reference facts).
IndicatorDef ReferenceCount(const std::string& name,
                            int64_t AgencyYearReference::*field,
                            const std::string& input, const Text& t,
                            bool AgencyYearReference::*present = nullptr) {
  IndicatorDef d =
      Entry(name, t, {"reference." + input}, {"agency"}, OrganizationRule());
  d.compute = [name, field, present](const IndicatorInput& in,
                                     std::vector<v1::Indicator>* out) {
    if (in.reference == nullptr) return;
    if (present != nullptr && !(in.reference->*present)) return;
    const int64_t v = in.reference->*field;
    out->push_back(Cell(name, static_cast<double>(v), v));
  };
  return d;
}

// `prefix` + measure for each measure with a target: what counts toward it
// (`reported`, or the arrests) ÷ the target. n: what counts.
IndicatorDef TargetRatios(
    const std::string& prefix,
    std::map<std::string, int64_t> AgencyYearReference::*reported,
    const std::string& input, const Text& t) {
  IndicatorDef d =
      Entry(prefix, t, {"reference.target", "reference." + input, "arrests"},
            {"agency"}, OrganizationRule());
  // Computed from the arrests count: follows it.
  d.member_rules["PERFORMANCE_MEASURE_ARRESTS"] = MeasureRule("arrests");
  d.member_labels = {
      {"PERFORMANCE_MEASURE_PTO_DISRUPTED", "Priority orgs. \"disrupted\""},
      {"PERFORMANCE_MEASURE_PTO_DISMANTLED", "Priority orgs. \"dismantled\""},
      {"PERFORMANCE_MEASURE_ARRESTS", "Arrests"},
      {"PERFORMANCE_MEASURE_CPOT_DISRUPTED",
       "Most-wanted (CPOT) \"disrupted\""},
      {"PERFORMANCE_MEASURE_CPOT_DISMANTLED",
       "Most-wanted (CPOT) \"dismantled\""},
  };
  d.compute = [prefix, reported](const IndicatorInput& in,
                                 std::vector<v1::Indicator>* out) {
    if (in.reference == nullptr) return;
    const auto& counted = in.reference->*reported;
    for (const auto& [measure, goal] : in.reference->target) {
      int64_t n = 0;
      if (measure == "PERFORMANCE_MEASURE_ARRESTS") {
        n = in.c.arrests();
      } else if (auto it = counted.find(measure); it != counted.end()) {
        n = it->second;
      }
      out->push_back(RatioCell(prefix + measure, n, goal, n));
    }
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
       "count", kOrgGroup},
      &AgencyYearReference::sent_facts));
  r->push_back(ReferenceCount(
      "pending_counted_as_dismantled", &AgencyYearReference::pending_dismantled,
      "pending_dismantled",
      {"\"Dismantled\" while still pending",
       "Of those, \"dismantled\" claims whose work was still pending.", "count",
       kOrgGroup},
      &AgencyYearReference::sent_facts));
  r->push_back(TargetRatios(
      "target_ratio:", &AgencyYearReference::reported, "reported",
      {"Reported vs target",
       "Reported ÷ the agency's own target (pending outcomes included, as "
       "agencies report them).",
       "ratio", kTargetsGroup}));
  r->push_back(TargetRatios(
      "target_ratio_restated:", &AgencyYearReference::reported_restated,
      "reported_restated",
      {"Reported vs target, pending left out",
       "As reported vs target, but counting only the organization outcomes "
       "already achieved: \"disrupted\" or \"dismantled\" claims still "
       "pending are left out (arrests as reported).",
       "ratio", kTargetsGroup}));
}

// SPEC §11: the conditions about the agency that held in the fiscal year,
// and where its answers stand (services/domain/conditions.h).
void AddConditionIndicators(std::vector<IndicatorDef>* r) {
  r->push_back(ReferenceCount(
      "conditions_raised", &AgencyYearReference::conditions_raised,
      "conditions_raised",
      {"Conditions raised",
       "Distinct oversight conditions about the agency (its units, claims "
       "or reports) and this fiscal year that still hold, or that the agency "
       "answered or an overseer decided on.",
       "count", kConditionsGroup}));
  r->push_back(ReferenceCount(
      "conditions_answered", &AgencyYearReference::conditions_answered,
      "conditions_answered",
      {"Conditions answered",
       "Of those, the conditions the agency itself has answered.", "count",
       kConditionsGroup}));
  r->push_back(ReferenceCount(
      "conditions_accepted", &AgencyYearReference::conditions_accepted,
      "conditions_accepted",
      {"Answers accepted",
       "Of those, the conditions whose latest overseer decision, made after "
       "the latest answer, accepts it.",
       "count", kConditionsGroup}));
  r->push_back(ReferenceCount(
      "conditions_rejected", &AgencyYearReference::conditions_rejected,
      "conditions_rejected",
      {"Answers rejected",
       "Of those, the conditions whose latest overseer decision, made after "
       "the latest answer, rejects it.",
       "count", kConditionsGroup}));
}

// SPEC §11: the dollars overseers assigned the agency for the fiscal year,
// and what they bought in people the courts found highly culpable.
void AddBudgetIndicators(std::vector<IndicatorDef>* r) {
  IndicatorDef budget =
      Entry("budget_usd",
            {"Budget assigned",
             "Sum of the agency's budget lines for the fiscal year (the latest "
             "version of each line), in US dollars.",
             "usd", kBudgetGroup},
            {"reference.budget_usd", "reference.budget_lines"}, {"agency"},
            OrganizationRule());
  budget.compute = [](const IndicatorInput& in,
                      std::vector<v1::Indicator>* out) {
    if (in.reference == nullptr || !in.reference->budgeted) return;
    out->push_back(Cell("budget_usd",
                        static_cast<double>(in.reference->budget_usd),
                        in.reference->budget_lines));
  };
  r->push_back(std::move(budget));
  // Computed from the count of people sentenced with a high desert band:
  // follows it (SPEC §5), its n is that count.
  IndicatorDef cost = Entry(
      "cost_per_high_desert_sentence",
      {"Budget per highly culpable person sentenced",
       "Budget assigned ÷ the people sentenced whom the courts' facts show "
       "as highly culpable (desert score 50 or more); no value when there "
       "are none.",
       "usd", kBudgetGroup},
      {"reference.budget_usd", "high_desert"}, {"agency"},
      MeasureRule("high_desert"));
  cost.compute = [](const IndicatorInput& in, std::vector<v1::Indicator>* out) {
    if (in.reference == nullptr || !in.reference->budgeted) return;
    const int64_t high = in.c.high_desert();
    out->push_back(RatioCell("cost_per_high_desert_sentence",
                             in.reference->budget_usd, high, high));
  };
  r->push_back(std::move(cost));
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
    AddProsecutionIndicators(r);
    AddSentenceIndicators(r);
    AddTableIndicators(r);
    AddSeizureIndicators(r);
    AddQualityIndicators(r);
    AddReportIndicators(r);
    AddReferenceIndicators(r);
    AddBudgetIndicators(r);
    AddConditionIndicators(r);
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
      // A family of shares whose k is each member's own (no k of its own)
      // knows no other member: protected as an unknown indicator.
      if (d->rule.kind == Kind::kShare && d->rule.k.empty()) {
        return MeasureRule("cell:" + name);
      }
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
