#include "tools/sim/sim.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "services/common/strings.h"
#include "services/domain/orgs.h"

namespace fruition::sim {
namespace {

constexpr int64_t kDay = 86400;

// ---------------------------------------------------------------------------
// Randomness: splitmix64 and hand-written distributions, so a seed gives the
// same stream with every compiler and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed ^ 0x5DEECE66DULL) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // [0, 1)
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Uniform() < p; }
  // [0, n)
  int Below(int n) {
    return n <= 1 ? 0 : static_cast<int>(Next() % static_cast<uint64_t>(n));
  }
  // [lo, hi], inclusive.
  int Between(int lo, int hi) { return lo + Below(hi - lo + 1); }
  double Range(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Standard normal (Box-Muller; the second value is discarded for
  // simplicity).
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  // An index drawn with the given (unnormalized, non-negative) weights.
  template <typename Container>
  size_t Weighted(const Container& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Uniform() * total;
    size_t i = 0;
    for (double w : weights) {
      if (x < w) return i;
      x -= w;
      ++i;
    }
    return i - 1;
  }

 private:
  uint64_t state_;
};

// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Start of fiscal year `fy`: Oct 1 of the previous calendar year, UTC.
int64_t FiscalYearStart(int fy) { return DaysFromCivil(fy - 1, 10, 1) * kDay; }

int FiscalYearOf(int64_t seconds, int first_fy, int last_fy) {
  for (int fy = last_fy + 6; fy >= first_fy - 6; --fy) {
    if (seconds >= FiscalYearStart(fy)) return fy;
  }
  return first_fy - 6;
}

std::string Pad(int64_t n, int width) {
  std::string s = StrCat(n);
  if (static_cast<int>(s.size()) < width) {
    s.insert(0, static_cast<size_t>(width) - s.size(), '0');
  }
  return s;
}

// ---------------------------------------------------------------------------
// The world: districts, field offices, reporters.

struct District {
  const char* code;
  const char* region;
  const char* city;
};

constexpr District kDistricts[] = {
    {"EDPA", "NORTHEAST", "PHILADELPHIA"},
    {"SDNY", "NORTHEAST", "NEW-YORK"},
    {"NDIL", "MIDWEST", "CHICAGO"},
    {"EDMI", "MIDWEST", "DETROIT"},
    {"SDCA", "WEST", "SAN-DIEGO"},
    {"CDCA", "WEST", "LOS-ANGELES"},
    {"DAZ", "WEST", "PHOENIX"},
    {"SDTX", "SOUTHWEST", "HOUSTON"},
    {"WDTX", "SOUTHWEST", "EL-PASO"},
    {"SDFL", "SOUTHEAST", "MIAMI"},
    {"NDGA", "SOUTHEAST", "ATLANTA"},
};
constexpr int kDistrictCount = sizeof(kDistricts) / sizeof(kDistricts[0]);

struct Agency {
  const char* code;
  double share;         // of cases opened
  double target_org_p;  // a case names a target organization
  std::array<double, 5> target_tier_weights;  // CPOT RPOT NAT REG LOCAL
  std::array<double, 6> origin_weights;  // INTERDICTION INFORMANT COOPERATOR
                                         // WIRETAP LOCAL_REFERRAL OTHER
  std::vector<int> districts;            // indexes into kDistricts
};

const std::vector<Agency>& Agencies() {
  static const auto* agencies = new std::vector<Agency>{
      {"DEA",
       0.50,
       0.86,
       {0.24, 0.24, 0.30, 0.14, 0.08},
       {0.12, 0.30, 0.20, 0.14, 0.19, 0.05},
       {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
      {"FBI",
       0.20,
       0.78,
       {0.16, 0.22, 0.32, 0.18, 0.12},
       {0.03, 0.32, 0.25, 0.22, 0.13, 0.05},
       {0, 1, 2, 3, 5, 7, 10}},
      {"HSI",
       0.20,
       0.74,
       {0.20, 0.22, 0.30, 0.16, 0.12},
       {0.45, 0.18, 0.15, 0.07, 0.10, 0.05},
       {1, 4, 5, 6, 7, 8, 9}},
      {"TF-PHL",
       0.10,
       0.80,
       {0.14, 0.22, 0.30, 0.20, 0.14},
       {0.05, 0.30, 0.15, 0.10, 0.35, 0.05},
       {0}},
  };
  return *agencies;
}

std::string FieldOffice(const Agency& agency, const District& district) {
  return StrCat(agency.code, "-", district.city);
}

// Community bodies and the areas and indicators they measure (quarterly).
struct Community {
  const char* reporter;
  const char* area;
  v1::CommunityIndicatorKind indicator;
  double base;    // value in the first quarter
  bool is_count;  // rounded to an integer
};

constexpr Community kCommunity[] = {
    {"PPD", "PHL-KENSINGTON",
     v1::COMMUNITY_INDICATOR_KIND_REPORTED_VIOLENT_CRIME, 410, true},
    {"PPD", "PHL-KENSINGTON", v1::COMMUNITY_INDICATOR_KIND_SHOOTINGS, 52, true},
    {"PPD", "PHL-KENSINGTON",
     v1::COMMUNITY_INDICATOR_KIND_OPEN_AIR_DRUG_MARKETS, 38, true},
    {"PPR", "PHL-KENSINGTON", v1::COMMUNITY_INDICATOR_KIND_PARK_USE, 100,
     false},
    {"SDP", "PHL-KENSINGTON", v1::COMMUNITY_INDICATOR_KIND_GRADUATION_RATE,
     0.61, false},
    {"PPD", "PHL-FAIRHILL", v1::COMMUNITY_INDICATOR_KIND_REPORTED_VIOLENT_CRIME,
     260, true},
    {"PPD", "PHL-FAIRHILL", v1::COMMUNITY_INDICATOR_KIND_SHOOTINGS, 31, true},
    {"SDP", "PHL-FAIRHILL", v1::COMMUNITY_INDICATOR_KIND_GRADUATION_RATE, 0.64,
     false},
    {"CPD", "CHI-WEST-GARFIELD",
     v1::COMMUNITY_INDICATOR_KIND_REPORTED_VIOLENT_CRIME, 380, true},
    {"CPD", "CHI-WEST-GARFIELD", v1::COMMUNITY_INDICATOR_KIND_SHOOTINGS, 68,
     true},
    {"CPD", "CHI-WEST-GARFIELD",
     v1::COMMUNITY_INDICATOR_KIND_OPEN_AIR_DRUG_MARKETS, 24, true},
    {"HPD", "HOU-FIFTH-WARD",
     v1::COMMUNITY_INDICATOR_KIND_REPORTED_VIOLENT_CRIME, 240, true},
    {"HPD", "HOU-FIFTH-WARD",
     v1::COMMUNITY_INDICATOR_KIND_OPEN_AIR_DRUG_MARKETS, 15, true},
};

// ---------------------------------------------------------------------------
// People: the offense-function model (docs/simulation.md, "People").

struct FunctionModel {
  v1::OffenseFunction function;
  double share;               // of people (and so of the sentenced)
  double ch1_weight;          // relative odds of criminal history category I
  double weapon_weight;       // relative odds of a weapon
  double aggravating_weight;  // relative odds of an aggravating role
  double mitigating_p;        // a mitigating role (when no aggravating role)
  double quantity;            // median drug weight, × the 10-year threshold
  int hops_min, hops_max;     // true distance from an org's command structure
  v1::LinkRole role;          // the role an honest claim would name
};

const std::vector<FunctionModel>& Functions() {
  using F = v1::OffenseFunction;
  static const auto* table = new std::vector<FunctionModel>{
      {F::OFFENSE_FUNCTION_HIGH_LEVEL_SUPPLIER_IMPORTER,
       model::kHighLevelSupplierShare, 0.8, 1.5, 0.35, 0, 15, 0, 1,
       v1::LINK_ROLE_SUPPLIER},
      {F::OFFENSE_FUNCTION_ORGANIZER_LEADER, 0.015, 0.7, 1.5, 1.0, 0, 10, 0, 0,
       v1::LINK_ROLE_LEADER},
      {F::OFFENSE_FUNCTION_GROWER_MANUFACTURER, 0.025, 0.9, 1.2, 0.2, 0, 3, 1,
       2, v1::LINK_ROLE_SUPPLIER},
      {F::OFFENSE_FUNCTION_FINANCIER_LAUNDERER, 0.005, 1.0, 0.5, 0.2, 0, 3, 1,
       2, v1::LINK_ROLE_ASSOCIATE},
      {F::OFFENSE_FUNCTION_PILOT_CAPTAIN, 0.005, 1.0, 0.5, 0.3, 0, 6, 1, 2,
       v1::LINK_ROLE_COURIER},
      {F::OFFENSE_FUNCTION_WHOLESALER, model::kWholesalerShare, 0.75, 1.3, 0.12,
       0, 2.5, 1, 3, v1::LINK_ROLE_MEMBER},
      {F::OFFENSE_FUNCTION_MANAGER, 0.02, 0.7, 1.5, 1.0, 0, 4, 0, 1,
       v1::LINK_ROLE_MANAGER},
      {F::OFFENSE_FUNCTION_SUPERVISOR, 0.015, 0.7, 1.5, 1.0, 0, 2, 1, 1,
       v1::LINK_ROLE_MANAGER},
      {F::OFFENSE_FUNCTION_ENFORCER, 0.005, 0.5, 3.0, 0.1, 0, 1, 1, 2,
       v1::LINK_ROLE_MEMBER},
      {F::OFFENSE_FUNCTION_CHEMIST_COOK, 0.01, 0.9, 1.2, 0.1, 0, 1, 1, 2,
       v1::LINK_ROLE_MEMBER},
      {F::OFFENSE_FUNCTION_BROKER_STEERER, 0.05, 1.1, 0.7, 0, 0.2, 0.5, 2, 4,
       v1::LINK_ROLE_ASSOCIATE},
      {F::OFFENSE_FUNCTION_COURIER, model::kCourierShare, 1.5, 0.35, 0, 0.35,
       1.0, 1, 4, v1::LINK_ROLE_COURIER},
      {F::OFFENSE_FUNCTION_MULE, 0.04, 1.5, 0.2, 0, 0.6, 0.3, 2, 4,
       v1::LINK_ROLE_COURIER},
      {F::OFFENSE_FUNCTION_RENTER_STORER, 0.02, 1.2, 0.8, 0, 0.3, 0.6, 2, 4,
       v1::LINK_ROLE_ASSOCIATE},
      {F::OFFENSE_FUNCTION_STREET_LEVEL_DEALER, model::kStreetDealerShare, 0.85,
       1.0, 0, 0.05, 0.25, 3, 5, v1::LINK_ROLE_CUSTOMER},
      {F::OFFENSE_FUNCTION_EMPLOYEE_LOOKOUT, 0.04, 1.2, 0.6, 0, 0.4, 0.3, 2, 4,
       v1::LINK_ROLE_ASSOCIATE},
      {F::OFFENSE_FUNCTION_ENABLER, 0.015, 1.3, 0.3, 0, 0.5, 0.3, 3, 5,
       v1::LINK_ROLE_ASSOCIATE},
      {F::OFFENSE_FUNCTION_USER, 0.015, 1.2, 0.3, 0, 0.2, 0.02, 4, 5,
       v1::LINK_ROLE_CUSTOMER},
  };
  return *table;
}

// p(f) = overall × weight(f) / Σ share × weight, so that the population
// share is `overall` exactly in expectation.
std::vector<double> Normalized(double overall, double FunctionModel::*weight) {
  double mean = 0;
  for (const FunctionModel& f : Functions()) mean += f.share * (f.*weight);
  std::vector<double> out;
  for (const FunctionModel& f : Functions()) {
    out.push_back(std::min(0.97, overall * (f.*weight) / mean));
  }
  return out;
}

struct DrugModel {
  v1::Drug drug;
  double share;
  double five_year_grams;  // 21 U.S.C. § 841(b)(1) thresholds; 0 = none
  double ten_year_grams;
};

// The four cited shares (model::k*Share); marijuana, fentanyl and the rest
// share what remains (not calibrated).
constexpr DrugModel kDrugs[] = {
    {v1::DRUG_METHAMPHETAMINE, model::kMethamphetamineShare, 50, 500},
    {v1::DRUG_COCAINE, model::kCocaineShare, 500, 5000},
    {v1::DRUG_HEROIN, model::kHeroinShare, 100, 1000},
    {v1::DRUG_CRACK, model::kCrackShare, 28, 280},
    {v1::DRUG_MARIJUANA, 0.16, 100000, 1000000},
    {v1::DRUG_FENTANYL, 0.03, 40, 400},
    {v1::DRUG_OTHER, 0.051, 0, 0},
};

struct Person {
  std::string ref;
  int function = 0;  // index into Functions()
  uint32_t ch_points = 0;
  uint32_t ch_category = 1;
  v1::AggravatingRole aggravating = v1::AGGRAVATING_ROLE_NONE;
  v1::MitigatingRole mitigating = v1::MITIGATING_ROLE_NONE;
  v1::Weapon weapon = v1::WEAPON_NONE;
  bool violence = false;
  int drug = 0;  // index into kDrugs
  double grams = 0;
  bool safety_valve = false;
  // The drug minimum the attributed weight allows (21 U.S.C. § 841(b)(1)):
  // 0, 60 or 120 months. What is charged may be less.
  uint32_t weight_minimum_months = 0;
  // The Attorney General's 2013 charging memo (note 190): no leadership
  // role, no weapon or violence, no significant criminal history. Such
  // people are charged the weight's minimum less often.
  bool holder_eligible() const {
    return ch_category <= 2 && weapon == v1::WEAPON_NONE && !violence &&
           aggravating == v1::AGGRAVATING_ROLE_NONE;
  }
};

// ---------------------------------------------------------------------------
// Prosecution (docs/simulation.md, "Prosecution"). The first four are tuned
// so that the measured figures land on the published ones (model::).

// Safety valve for those who meet its criteria.
constexpr double kSafetyValveWhenEligible = 0.9;
// A weight-eligible person is charged a minimum; less often under the memo.
constexpr double kChargeWeightMinimum = 0.52;
constexpr double kHolderEligibleFactor = 0.9;
// Referred people declined in their first case.
constexpr double kDeclinedWhenReferred = 0.18;
// Months of a category I sentence at offense level 30 (the guideline
// range's midpoint is 97-121); tuned so that those convicted of a minimum
// who get no relief average model::kUnrelievedMeanMonths.
constexpr double kGuidelineMonthsAtLevel30 = 87;
// Substantial assistance among the convicted of a minimum, with and without
// the safety valve, so that both add up to the report's shares.
constexpr double kAssistanceGivenSafetyValve =
    model::kAssistanceWithSafetyValve / model::kSafetyValveOfMandatoryMinimum;
constexpr double kAssistanceGivenNoSafetyValve =
    model::kAssistanceOnlyOfMandatoryMinimum /
    (1 - model::kSafetyValveOfMandatoryMinimum);

// Why U.S. Attorneys declined DEA referrals, with the shares of 2003 (TRAC,
// DEA Referrals Not Prosecuted by Disposition Reason, 2003). A suspect left
// to other authorities is the one referred to the state.
struct DeclinationReason {
  const char* text;
  double share;
  bool other_authorities;
};
constexpr DeclinationReason kDeclinationReasons[] = {
    {"Weak or insufficient admissible evidence", 0.241, false},
    {"Suspect to be prosecuted by other authorities",
     model::kReferredToStateShare, true},
    {"Lack of evidence of criminal intent", 0.166, false},
    {"Agency request", 0.090, false},
    {"Lack of investigative or prosecutive resources", 0.068, false},
    {"Suspect being prosecuted on other charges", 0.059, false},
    {"Office or department policy", 0.034, false},
    {"Minimal federal interest or no deterrent value", 0.027, false},
    {"No federal offense evident", 0.022, false},
    {"Civil, administrative or other alternative", 0.004, false},
    {"Declined per instructions from DOJ", 0.001, false},
    {"All other", 0.119, false},
};

// ---------------------------------------------------------------------------
// Organizations.

constexpr v1::Tier kTiers[] = {v1::TIER_CPOT, v1::TIER_RPOT,
                               v1::TIER_PTO_NATIONAL, v1::TIER_PTO_REGIONAL,
                               v1::TIER_PTO_LOCAL};
// Share of the designated organizations in each tier (kTiers order).
constexpr double kOrgTierShares[] = {0.04, 0.08, 0.18, 0.30, 0.40};
// Tier of the org a claim names when the case named no target.
constexpr double kUntargetedTierWeights[] = {0.03, 0.07, 0.15, 0.30, 0.45};

using domain::IsPriority;

const char* TierCode(v1::Tier tier) {
  switch (tier) {
    case v1::TIER_CPOT:
      return "CPOT";
    case v1::TIER_RPOT:
      return "RPOT";
    case v1::TIER_PTO_NATIONAL:
      return "NAT";
    case v1::TIER_PTO_REGIONAL:
      return "REG";
    default:
      return "LOC";
  }
}

struct Org {
  std::string id;
  v1::Tier tier = v1::TIER_UNSPECIFIED;
  int tier_index = 0;
  const char* region = "";
  std::string designated_by;
  int64_t designated_at = 0;
  int64_t revoked_at = 0;  // 0: never
  bool dismantled = false;
};

// ---------------------------------------------------------------------------
// The generator.

struct Pending {
  int64_t at;
  uint64_t seq;
  v1::AgencyReport report;
};

// One arrest, remembered for the yearly performance numbers.
struct ArrestFact {
  std::string agency;
  int64_t at;
  int org = -1;  // the case's target org, -1 none
};

// One evidence item of a claim, numbered E1, E2, ... in the claim.
v1::EvidenceItem* AddItem(v1::PtoLinkClaim* c, const std::string& claim_id,
                          int* next_item, v1::EvidenceKind kind,
                          const std::string& source, int64_t observed,
                          const char* summary) {
  auto* e = c->add_evidence();
  e->set_evidence_id(StrCat(claim_id, "-E", ++*next_item));
  e->set_kind(kind);
  e->set_source_id(source);
  e->mutable_observed_at()->set_seconds(observed);
  e->set_sealed_summary(summary);
  return e;
}

class Generator {
 public:
  explicit Generator(const SimOptions& options)
      : options_(options),
        rng_(options.seed),
        start_(FiscalYearStart(options.first_fiscal_year)),
        end_(FiscalYearStart(options.first_fiscal_year + options.years)),
        p_ch1_(
            Normalized(model::kCategoryOneShare, &FunctionModel::ch1_weight)),
        p_weapon_(
            Normalized(model::kWeaponShare, &FunctionModel::weapon_weight)),
        p_aggravating_(Normalized(model::kAggravatingRoleShare,
                                  &FunctionModel::aggravating_weight)) {}

  std::vector<v1::AgencyReport> Run();

 private:
  int64_t RandomTimeIn(int64_t from, int64_t to) {
    if (to <= from) return from;
    const int64_t span = to - from;
    return from +
           static_cast<int64_t>(rng_.Uniform() * static_cast<double>(span));
  }
  int64_t Days(int lo, int hi) {
    return int64_t{rng_.Between(lo, hi)} * kDay + rng_.Below(kDay);
  }

  v1::AgencyReport* Add(const std::string& reporter, const char* kind,
                        int64_t at, const std::string& case_id);
  void DesignateOrgs();
  Person NewPerson(int number);
  void DrawCriminalHistory(Person* p);
  int PickOrg(int tier_index, const char* region, int64_t before);
  void OpenCase(const Agency& agency, int district, int64_t opened,
                const std::vector<int>& defendants, bool second_case);
  std::string Claim(const Agency& agency, const std::string& case_id,
                    const Person& person, int org, int64_t at);
  void Prosecute(const Agency& agency, int district, const std::string& case_id,
                 int person_index, int64_t arrested, bool second_case);
  void Decline(int district, const std::string& case_id, int person_index,
               int64_t declined);
  void Charge(const Agency& agency, int district, const std::string& case_id,
              int person_index, int64_t charged);
  void FileCharge(int district, const std::string& case_id, const Person& p,
                  int64_t at, uint32_t drug_minimum, bool import);
  void Sentence(const std::string& case_id, int district, const Person& person,
                int64_t disposed, bool plea, uint32_t charged_minimum);
  void StrongEvidence(v1::PtoLinkClaim* c, const std::string& claim_id,
                      int* next_item, const Agency& agency,
                      const std::string& case_id, const Org& org,
                      const std::string& agent, int64_t at, bool is_stale);
  void LateEvidence(const Agency& agency, const std::string& case_id,
                    const Person& person, const std::string& claim_id,
                    int next_item, int64_t at, bool late_buy);
  void Seizures(const Agency& agency, const std::string& case_id,
                int64_t opened, bool interdiction);
  void PerformanceAndOutcomes();
  void ReportOutcome(const Agency& agency, int fy,
                     std::map<v1::OrgOutcome, std::set<int>>* counted,
                     const std::vector<int>& preferred, bool cpot,
                     v1::OrgOutcome what, double pending_p);
  int64_t ReportedCount(int64_t t, double lo, double hi);
  void SetTarget(const Agency& agency, int fy, int64_t set_at,
                 v1::PerformanceMeasure measure, int64_t value);
  int64_t ArrestsOfYear(const Agency& agency, int fy,
                        std::vector<int>* cpot_targets,
                        std::vector<int>* other_targets) const;
  void CommunityIndicators();

  const SimOptions options_;
  Rng rng_;
  const int64_t start_, end_;
  const std::vector<double> p_ch1_, p_weapon_, p_aggravating_;

  std::vector<Pending> out_;
  std::map<std::string, int64_t> report_counter_;
  std::vector<Org> orgs_;
  std::array<std::vector<int>, 5> orgs_by_tier_;
  std::vector<Person> people_;
  std::vector<ArrestFact> arrests_;
  int64_t case_counter_ = 0;
  std::map<std::string, int64_t> id_counter_;  // claims, arrests, seizures
  // Declined people a field office elsewhere picks up later.
  struct SecondChance {
    int person;
    int64_t after;
    int declined_district;
  };
  std::vector<SecondChance> second_chances_;
};

v1::AgencyReport* Generator::Add(const std::string& reporter, const char* kind,
                                 int64_t at, const std::string& case_id) {
  const int64_t n = ++report_counter_[reporter];
  Pending p;
  p.at = at;
  p.seq = out_.size();
  p.report.set_report_id(
      StrCat(options_.id_prefix, reporter, "-", kind, "-", Pad(n, 7)));
  p.report.set_reporter(reporter);
  p.report.mutable_occurred_at()->set_seconds(at);
  if (!case_id.empty()) p.report.set_case_id(case_id);
  out_.push_back(std::move(p));
  return &out_.back().report;
}

void Generator::DesignateOrgs() {
  const int count = std::max(40, options_.subjects / 8);
  std::array<int, 5> per_tier{};
  for (int t = 0; t < 5; ++t) {
    per_tier[t] =
        std::max(2, static_cast<int>(std::lround(count * kOrgTierShares[t])));
  }
  const int64_t span = end_ - start_;
  for (int t = 0; t < 5; ++t) {
    for (int i = 0; i < per_tier[t]; ++i) {
      Org org;
      org.tier = kTiers[t];
      org.tier_index = t;
      org.id = StrCat(options_.id_prefix, "ORG-", TierCode(org.tier), "-",
                      Pad(i + 1, 4));
      org.region = kDistricts[rng_.Below(kDistrictCount)].region;
      // CPOTs are the national list and RPOTs the regional lists, both
      // DEA-kept here; PTOs are designated by the agency working them.
      if (t <= 1) {
        org.designated_by = "DEA";
      } else {
        static constexpr double kWho[] = {0.55, 0.2, 0.2, 0.05};
        org.designated_by = Agencies()[rng_.Weighted(kWho)].code;
      }
      org.designated_at = rng_.Chance(0.85)
                              ? start_ - Days(30, 900)
                              : RandomTimeIn(start_, start_ + span * 3 / 4);
      if (rng_.Chance(0.04)) {
        org.revoked_at = std::max(org.designated_at, start_) + Days(120, 700);
      }
      const int index = static_cast<int>(orgs_.size());
      orgs_.push_back(org);
      orgs_by_tier_[t].push_back(index);
    }
  }
  for (const Org& org : orgs_) {
    auto* r = Add(org.designated_by, "ORG", org.designated_at, "");
    auto* d = r->mutable_org_designated();
    d->set_org_id(org.id);
    d->set_tier(org.tier);
    d->set_region(org.region);
    if (org.tier == v1::TIER_CPOT) {
      d->add_criteria_cited("CPOT-LIST");
      d->add_criteria_cited("INTERNATIONAL-COMMAND-AND-CONTROL");
    } else if (org.tier == v1::TIER_RPOT) {
      d->add_criteria_cited("RPOT-LIST");
    } else {
      d->add_criteria_cited(StrCat("PTO-", TierCode(org.tier)));
      if (rng_.Chance(0.5)) d->add_criteria_cited("LINKED-TO-CPOT");
    }
    if (org.revoked_at > 0) {
      auto* rv = Add(org.designated_by, "ORG", org.revoked_at, "");
      auto* rd = rv->mutable_org_designated();
      rd->set_org_id(org.id);
      rd->set_tier(org.tier);
      rd->set_region(org.region);
      rd->set_revoked(true);
    }
  }
}

void Generator::DrawCriminalHistory(Person* p) {
  // Criminal history: category I (0 or 1 point; note 54: about four in five
  // of them have none), else II-VI in USSC proportions.
  if (rng_.Chance(p_ch1_[p->function])) {
    p->ch_category = 1;
    p->ch_points = rng_.Chance(0.78) ? 0 : 1;
  } else {
    static constexpr double kOther[] = {0.12, 0.17, 0.09, 0.045, 0.095};
    p->ch_category = 2 + static_cast<uint32_t>(rng_.Weighted(kOther));
    static constexpr int kMin[] = {0, 1, 2, 4, 7, 10, 13};
    static constexpr int kMax[] = {0, 1, 3, 6, 9, 12, 22};
    p->ch_points = static_cast<uint32_t>(
        rng_.Between(kMin[p->ch_category], kMax[p->ch_category]));
    // Career offenders are placed in VI whatever their points.
    if (p->ch_category == 6 && rng_.Chance(0.3)) {
      p->ch_points = static_cast<uint32_t>(rng_.Between(4, 12));
    }
  }
}

Person Generator::NewPerson(int number) {
  Person p;
  p.ref = StrCat(options_.id_prefix, "SUBJ-", Pad(number, 7));
  std::vector<double> shares;
  for (const FunctionModel& f : Functions()) shares.push_back(f.share);
  p.function = static_cast<int>(rng_.Weighted(shares));
  const FunctionModel& f = Functions()[p.function];

  DrawCriminalHistory(&p);

  if (rng_.Chance(p_weapon_[p.function])) {
    p.weapon =
        rng_.Chance(0.3) ? v1::WEAPON_SECTION_924C : v1::WEAPON_POSSESSED;
  }
  const double violence_p = p.weapon == v1::WEAPON_SECTION_924C ? 0.35
                            : p.weapon == v1::WEAPON_POSSESSED  ? 0.15
                                                                : 0.02;
  p.violence = rng_.Chance(violence_p);

  if (rng_.Chance(p_aggravating_[p.function])) {
    switch (f.function) {
      case v1::OFFENSE_FUNCTION_ORGANIZER_LEADER:
        p.aggravating = v1::AGGRAVATING_ROLE_ORGANIZER_LEADER;
        break;
      case v1::OFFENSE_FUNCTION_MANAGER:
        p.aggravating = v1::AGGRAVATING_ROLE_MANAGER;
        break;
      case v1::OFFENSE_FUNCTION_SUPERVISOR:
        p.aggravating = v1::AGGRAVATING_ROLE_SUPERVISOR;
        break;
      default: {
        static constexpr double kRoles[] = {0.4, 0.3, 0.3};
        static constexpr v1::AggravatingRole kRole[] = {
            v1::AGGRAVATING_ROLE_SUPERVISOR, v1::AGGRAVATING_ROLE_MANAGER,
            v1::AGGRAVATING_ROLE_ORGANIZER_LEADER};
        p.aggravating = kRole[rng_.Weighted(kRoles)];
      }
    }
  } else if (rng_.Chance(f.mitigating_p)) {
    p.mitigating = rng_.Chance(0.3) ? v1::MITIGATING_ROLE_MINIMAL
                                    : v1::MITIGATING_ROLE_MINOR;
  }

  std::vector<double> drug_shares;
  for (const DrugModel& d : kDrugs) drug_shares.push_back(d.share);
  p.drug = static_cast<int>(rng_.Weighted(drug_shares));
  const DrugModel& drug = kDrugs[p.drug];
  // Attributed weight: log-normal around the function's median (× the
  // 10-year threshold), wide because conspiracy and relevant-conduct rules
  // aggregate weight (note 62: little correlation with role).
  const double ten_year = drug.ten_year_grams > 0 ? drug.ten_year_grams : 1000;
  p.grams =
      std::round(f.quantity * ten_year * std::exp(1.1 * rng_.Normal()) * 10) /
      10;
  if (drug.ten_year_grams > 0) {
    if (p.grams >= drug.ten_year_grams) {
      p.weight_minimum_months = 120;
    } else if (p.grams >= drug.five_year_grams) {
      p.weight_minimum_months = 60;
    }
  }
  // Safety valve (18 U.S.C. § 3553(f), 2016 criteria): at most one
  // criminal history point, no weapon or violence, no aggravating role.
  p.safety_valve = p.ch_points <= 1 && p.weapon == v1::WEAPON_NONE &&
                   !p.violence && p.aggravating == v1::AGGRAVATING_ROLE_NONE &&
                   rng_.Chance(kSafetyValveWhenEligible);
  return p;
}

int Generator::PickOrg(int tier_index, const char* region, int64_t before) {
  const std::vector<int>& pool = orgs_by_tier_[tier_index];
  int chosen = pool[rng_.Below(static_cast<int>(pool.size()))];
  for (int attempt = 0; attempt < 6; ++attempt) {
    const int candidate = pool[rng_.Below(static_cast<int>(pool.size()))];
    const Org& org = orgs_[candidate];
    const bool same_region = std::string_view(org.region) == region;
    const bool designated = org.designated_at <= before;
    chosen = candidate;
    // Mostly an org of the case's region, mostly one designated already.
    if ((same_region || attempt >= 3 || rng_.Chance(0.3)) &&
        (designated || rng_.Chance(0.1))) {
      break;
    }
  }
  return chosen;
}

void Generator::Seizures(const Agency& agency, const std::string& case_id,
                         int64_t opened, bool interdiction) {
  const int count = interdiction        ? 1 + rng_.Below(2)
                    : rng_.Chance(0.35) ? 1 + rng_.Below(2)
                                        : 0;
  for (int i = 0; i < count; ++i) {
    // An interdiction case opens on its seizure, which is now and then
    // reported as made a day or two before the case was opened.
    int64_t at = opened + Days(10, 300);
    if (interdiction && i == 0) {
      at = rng_.Chance(0.4) ? opened - Days(1, 14) : opened;
    }
    auto* r = Add(agency.code, "SZ", at, case_id);
    auto* s = r->mutable_seizure();
    s->set_seizure_id(StrCat(options_.id_prefix, agency.code, "-SZ-",
                             Pad(++id_counter_["SZ"], 7)));
    if (rng_.Chance(0.85)) {
      std::vector<double> shares;
      for (const DrugModel& d : kDrugs) shares.push_back(d.share);
      const DrugModel& drug = kDrugs[rng_.Weighted(shares)];
      const double ten_year =
          drug.ten_year_grams > 0 ? drug.ten_year_grams : 1000;
      s->set_drug(drug.drug);
      s->set_weight_grams(
          std::round(ten_year * 0.3 * std::exp(1.3 * rng_.Normal()) * 10) / 10);
    }
    if (rng_.Chance(0.5)) {
      s->set_cash_usd(std::round(20000 * std::exp(1.2 * rng_.Normal())));
    }
    if (rng_.Chance(0.2)) {
      s->set_assets_usd(std::round(45000 * std::exp(1.0 * rng_.Normal())));
    }
  }
}

// Strong evidence for a claim: a direct item and a second from another
// source, half the time with a cooperator corroborating the first; all of
// it more than 730 days old when `is_stale`.
void Generator::StrongEvidence(v1::PtoLinkClaim* c, const std::string& claim_id,
                               int* next_item, const Agency& agency,
                               const std::string& case_id, const Org& org,
                               const std::string& agent, int64_t at,
                               bool is_stale) {
  auto when = [&] {
    return is_stale ? at - Days(760, 1500) : at - Days(3, 700);
  };
  auto item = [&](v1::EvidenceKind kind, const std::string& source,
                  int64_t observed, const char* summary) {
    return AddItem(c, claim_id, next_item, kind, source, observed, summary);
  };
  static constexpr double kDirect[] = {0.35, 0.30, 0.10, 0.10, 0.15};
  static constexpr v1::EvidenceKind kKinds[] = {
      v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, v1::EVIDENCE_KIND_CONTROLLED_BUY,
      v1::EVIDENCE_KIND_SEIZURE_TRACE, v1::EVIDENCE_KIND_FINANCIAL_RECORD,
      v1::EVIDENCE_KIND_COMMUNICATIONS_RECORD};
  const v1::EvidenceKind first = kKinds[rng_.Weighted(kDirect)];
  const std::string first_source =
      first == v1::EVIDENCE_KIND_WIRETAP_INTERCEPT ? StrCat("T3-", case_id)
      : first == v1::EVIDENCE_KIND_CONTROLLED_BUY  ? agent
      : first == v1::EVIDENCE_KIND_SEIZURE_TRACE
          ? StrCat("LAB-", agency.code, "-", org.region)
      : first == v1::EVIDENCE_KIND_FINANCIAL_RECORD
          ? StrCat("BANK-", Pad(rng_.Between(1, 80), 2))
          : StrCat("PEN-", case_id);
  item(first, first_source, when(),
       "Intercepted or recorded transaction tying the subject to the org "
       "(details sealed)");
  if (rng_.Chance(0.5)) {
    item(v1::EVIDENCE_KIND_SURVEILLANCE,
         StrCat(agency.code, "-SURV-", Pad(rng_.Between(1, 99), 2)), when(),
         "Surveillance of a meeting with an org member");
  } else {
    item(v1::EVIDENCE_KIND_COMMUNICATIONS_RECORD, StrCat("PEN-", case_id, "-B"),
         when(), "Toll records: contact with org numbers");
  }
  if (rng_.Chance(0.5)) {
    auto* e = item(v1::EVIDENCE_KIND_COOPERATOR_STATEMENT,
                   StrCat("CW-", Pad(rng_.Between(1, 9999), 4)), when(),
                   "Proffer of a cooperating co-defendant");
    e->add_corroborates(StrCat(claim_id, "-E1"));
  }
}

// Evidence sent later for a claim (evidence_added): a second controlled
// buy confirming a tip, or a cooperator corroborating it.
void Generator::LateEvidence(const Agency& agency, const std::string& case_id,
                             const Person& person, const std::string& claim_id,
                             int next_item, int64_t at, bool late_buy) {
  const int64_t observed = at + Days(10, 120);
  auto* ea = Add(agency.code, "EV", observed + Days(2, 30), case_id);
  auto* added = ea->mutable_evidence_added();
  added->set_claim_id(claim_id);
  added->set_subject_ref(person.ref);
  auto* e = added->add_evidence();
  e->set_evidence_id(StrCat(claim_id, "-E", ++next_item));
  if (late_buy) {
    e->set_kind(v1::EVIDENCE_KIND_CONTROLLED_BUY);
    e->set_source_id(
        StrCat(agency.code, "-SA-", Pad(rng_.Between(1, 999), 3), "-UC"));
    e->set_sealed_summary("Second controlled purchase confirming the tip");
  } else {
    e->set_kind(v1::EVIDENCE_KIND_COOPERATOR_STATEMENT);
    e->set_source_id(StrCat("CW-", Pad(rng_.Between(1, 9999), 4)));
    e->set_sealed_summary("Cooperator confirms the informant's account");
  }
  e->mutable_observed_at()->set_seconds(observed);
  // The tip is E2 beside a controlled buy, E1 when alone.
  e->add_corroborates(StrCat(claim_id, late_buy ? "-E2" : "-E1"));
}

// A link claim with evidence whose strength follows the person's true
// distance from the org (docs/simulation.md, "Link claims").
std::string Generator::Claim(const Agency& agency, const std::string& case_id,
                             const Person& person, int org_index, int64_t at) {
  const FunctionModel& f = Functions()[person.function];
  const Org& org = orgs_[org_index];
  std::string claim_id = StrCat(options_.id_prefix, agency.code, "-CL-",
                                Pad(++id_counter_["CL"], 7));
  auto* r = Add(agency.code, "CL", at, case_id);
  auto* c = r->mutable_link_claim();
  c->set_claim_id(claim_id);
  c->set_subject_ref(person.ref);
  c->set_org_id(org.id);
  const uint32_t hops =
      static_cast<uint32_t>(rng_.Between(f.hops_min, f.hops_max));
  c->set_hops(hops);
  // Role inflation: a quarter of low-level people are claimed as members or
  // managers of the org.
  v1::LinkRole role = f.role;
  if ((role == v1::LINK_ROLE_COURIER || role == v1::LINK_ROLE_CUSTOMER ||
       role == v1::LINK_ROLE_ASSOCIATE) &&
      rng_.Chance(0.25)) {
    role = rng_.Chance(0.8) ? v1::LINK_ROLE_MEMBER : v1::LINK_ROLE_MANAGER;
  }
  c->set_link_role(role);

  int next_item = 0;
  auto item = [&](v1::EvidenceKind kind, const std::string& source,
                  int64_t observed, const char* summary) {
    return AddItem(c, claim_id, &next_item, kind, source, observed, summary);
  };
  const std::string informant =
      StrCat(agency.code, "-CS-", Pad(rng_.Between(1, 999), 3));
  const std::string agent =
      StrCat(agency.code, "-SA-", Pad(rng_.Between(1, 999), 3));
  auto recent = [&] { return at - Days(3, 700); };
  auto strong = [&](bool is_stale) {
    StrongEvidence(c, claim_id, &next_item, agency, case_id, org, agent, at,
                   is_stale);
  };

  const double strong_p = hops <= 2 ? 0.68 : 0.15;
  const double medium_p = hops <= 2 ? 0.24 : 0.30;
  const double x = rng_.Uniform();
  bool late_buy = false;
  bool late_cooperator = false;
  if (x < strong_p) {
    strong(false);
  } else if (x < strong_p + medium_p) {
    switch (rng_.Below(3)) {
      case 0:  // C4: an uncorroborated tip counted beside direct evidence.
        item(v1::EVIDENCE_KIND_CONTROLLED_BUY, agent, recent(),
             "Controlled purchase from the subject");
        item(v1::EVIDENCE_KIND_INFORMANT_TIP, informant, recent(),
             "Informant says the subject works for the org");
        late_buy = rng_.Chance(0.35);
        break;
      case 1: {  // C3: no direct evidence.
        item(v1::EVIDENCE_KIND_SURVEILLANCE,
             StrCat(agency.code, "-SURV-", Pad(rng_.Between(1, 99), 2)),
             recent(), "Surveillance of the subject at an org stash house");
        auto* e = item(v1::EVIDENCE_KIND_COOPERATOR_STATEMENT,
                       StrCat("CW-", Pad(rng_.Between(1, 9999), 4)), recent(),
                       "Cooperator names the subject");
        e->add_corroborates(StrCat(claim_id, "-E1"));
        break;
      }
      default:  // C6: strong, but stale.
        strong(true);
    }
  } else if (rng_.Chance(0.92)) {
    // A single uncorroborated informant tip.
    item(v1::EVIDENCE_KIND_INFORMANT_TIP, informant, recent(),
         "Informant says the subject is connected to the org");
    late_cooperator = rng_.Chance(0.12);
  }  // else: a claim with no evidence at all.

  if (late_buy || late_cooperator) {
    LateEvidence(agency, case_id, person, claim_id, next_item, at, late_buy);
  }
  return claim_id;
}

void Generator::Sentence(const std::string& case_id, int district,
                         const Person& p, int64_t disposed, bool plea,
                         uint32_t charged_minimum) {
  const FunctionModel& f = Functions()[p.function];
  const DrugModel& drug = kDrugs[p.drug];
  // A rough guideline range midpoint: offense level from quantity, role,
  // weapon, acceptance; months from level and category.
  const double ten_year = drug.ten_year_grams > 0 ? drug.ten_year_grams : 1000;
  double level = 30 + 2 * std::log2(std::max(1e-3, p.grams / ten_year));
  level = std::clamp(level, 12.0, 38.0);
  if (p.weapon == v1::WEAPON_POSSESSED) level += 2;
  if (p.aggravating == v1::AGGRAVATING_ROLE_SUPERVISOR) level += 2;
  if (p.aggravating == v1::AGGRAVATING_ROLE_MANAGER) level += 3;
  if (p.aggravating == v1::AGGRAVATING_ROLE_ORGANIZER_LEADER) level += 4;
  if (p.mitigating == v1::MITIGATING_ROLE_MINOR) level -= 2;
  if (p.mitigating == v1::MITIGATING_ROLE_MINIMAL) level -= 4;
  if (plea) level -= 3;
  if (p.safety_valve) level -= 2;
  double months = kGuidelineMonthsAtLevel30 * std::exp(0.11 * (level - 30)) *
                  (1 + 0.146 * (p.ch_category - 1)) * rng_.Range(0.8, 1.05);
  if (f.function == v1::OFFENSE_FUNCTION_USER) months *= 0.3;
  // The statutory floor is the charge's minimum: its drug part, which the
  // safety valve lifts, then § 924(c)'s consecutive five years.
  const bool section_924c = p.weapon == v1::WEAPON_SECTION_924C;
  const uint32_t drug_floor = charged_minimum - (section_924c ? 60 : 0);
  if (!p.safety_valve) {
    months = std::max(months, static_cast<double>(drug_floor));
  }
  if (section_924c) months += 60;
  // Substantial assistance (18 U.S.C. § 3553(e)) lets the court go below
  // the whole minimum; it is not on the sentencing record, only its effect.
  bool assistance = false;
  if (charged_minimum > 0) {
    assistance = rng_.Chance(p.safety_valve ? kAssistanceGivenSafetyValve
                                            : kAssistanceGivenNoSafetyValve);
  }
  if (assistance) {
    months = std::min(months, static_cast<double>(charged_minimum)) *
             rng_.Range(0.45, 0.9);
  }
  const auto sentence =
      static_cast<uint32_t>(std::clamp(std::lround(months), 0L, 480L));

  auto fill = [&](v1::SentencingRecord* s, uint32_t sentence_months) {
    s->set_subject_ref(p.ref);
    s->set_district(kDistricts[district].code);
    s->set_criminal_history_points(p.ch_points);
    s->set_criminal_history_category(p.ch_category);
    s->set_aggravating_role(p.aggravating);
    s->set_mitigating_role(p.mitigating);
    s->set_weapon(p.weapon);
    s->set_violence(p.violence);
    s->set_drug(drug.drug);
    s->set_drug_weight_grams(p.grams);
    s->set_function(f.function);
    s->set_safety_valve(p.safety_valve);
    s->set_sentence_months(sentence_months);
  };
  const int64_t sentenced = disposed + Days(60, 150);
  fill(Add("USSC", "SENT", sentenced, case_id)->mutable_sentencing(), sentence);
  // Amended judgments: retroactive guideline reductions (Amendment 782),
  // Rule 35(b) motions. Same case, later occurred_at; it replaces the first.
  // A guideline reduction stops at the minimum unless a relief applies.
  if (rng_.Chance(0.04) && sentence > 12) {
    auto reduced =
        static_cast<uint32_t>(std::lround(sentence * rng_.Range(0.7, 0.92)));
    if (!p.safety_valve && !assistance) {
      reduced = std::max(reduced, charged_minimum);
    }
    if (reduced < sentence) {
      fill(Add("USSC", "SENT", sentenced + Days(180, 900), case_id)
               ->mutable_sentencing(),
           reduced);
    }
  }
}

void Generator::FileCharge(int district, const std::string& case_id,
                           const Person& p, int64_t at, uint32_t drug_minimum,
                           bool import) {
  const std::string code = kDistricts[district].code;
  auto* c =
      Add(StrCat("USAO-", code), "CHG", at, case_id)->mutable_charge_filed();
  c->set_subject_ref(p.ref);
  c->set_district(code);
  c->add_statutes("21 U.S.C. § 841(a)(1)");
  // The penalty provision carries the minimum: (b)(1)(A) ten years, (B)
  // five, (C) and, for small amounts of marijuana, (D) none.
  c->add_statutes(drug_minimum >= 120  ? "21 U.S.C. § 841(b)(1)(A)"
                  : drug_minimum >= 60 ? "21 U.S.C. § 841(b)(1)(B)"
                  : kDrugs[p.drug].drug == v1::DRUG_MARIJUANA
                      ? "21 U.S.C. § 841(b)(1)(D)"
                      : "21 U.S.C. § 841(b)(1)(C)");
  c->add_statutes("21 U.S.C. § 846");
  if (import) c->add_statutes("21 U.S.C. § 952(a)");
  uint32_t minimum = drug_minimum;
  // A weapon is not bargained away (the study, Part I.B: readily provable
  // characteristics such as a weapon "will not be blithely bargained away"),
  // so § 924(c) and its consecutive five years stay on every charge.
  if (p.weapon == v1::WEAPON_SECTION_924C) {
    c->add_statutes("18 U.S.C. § 924(c)");
    minimum += 60;
  }
  c->set_mandatory_minimum_months(minimum);
}

void Generator::Decline(int district, const std::string& case_id,
                        int person_index, int64_t declined) {
  const Person& p = people_[person_index];
  const std::string code = kDistricts[district].code;
  auto* d = Add(StrCat("USAO-", code), "DECL", declined, case_id)
                ->mutable_declination();
  d->set_subject_ref(p.ref);
  d->set_district(code);
  static const auto* weights = [] {
    auto* out = new std::vector<double>;
    for (const DeclinationReason& r : kDeclinationReasons) {
      out->push_back(r.share);
    }
    return out;
  }();
  const DeclinationReason& reason =
      kDeclinationReasons[rng_.Weighted(*weights)];
  d->set_reason(reason.text);
  d->set_referred_to_state(reason.other_authorities);
  // The complaint filed at the arrest is dismissed on the declination: a
  // disposition with no charge behind it.
  if (rng_.Chance(0.03)) {
    auto* x =
        Add(StrCat("PROBATION-", code), "DISP", declined + Days(1, 20), case_id)
            ->mutable_disposition();
    x->set_subject_ref(p.ref);
    x->set_outcome(v1::DISPOSITION_OUTCOME_DISMISSAL);
  }
}

void Generator::Charge(const Agency& agency, int district,
                       const std::string& case_id, int person_index,
                       int64_t charged) {
  const Person& p = people_[person_index];
  const v1::OffenseFunction fn = Functions()[p.function].function;
  const bool import =
      fn == v1::OFFENSE_FUNCTION_MULE ||
      fn == v1::OFFENSE_FUNCTION_PILOT_CAPTAIN ||
      (std::string_view(agency.code) == "HSI" && rng_.Chance(0.5));
  // The prosecutor charges the minimum the weight allows, or a lower one, or
  // none: charging discretion the sentencing record does not show.
  uint32_t drug_minimum = 0;
  if (p.weight_minimum_months > 0 &&
      rng_.Chance(kChargeWeightMinimum *
                  (p.holder_eligible() ? kHolderEligibleFactor : 1.0))) {
    drug_minimum = p.weight_minimum_months == 120 && rng_.Chance(0.15)
                       ? 60
                       : p.weight_minimum_months;
  }
  FileCharge(district, case_id, p, charged, drug_minimum, import);

  const int64_t disposed = charged + Days(90, 400);
  // 99.2% convicted; of the convicted, model::kPleaShare by plea.
  static constexpr double kOutcomes[] = {
      model::kPleaShare * 0.992, (1 - model::kPleaShare) * 0.992, 0.003, 0.005};
  static constexpr v1::DispositionOutcome kOutcome[] = {
      v1::DISPOSITION_OUTCOME_PLEA, v1::DISPOSITION_OUTCOME_TRIAL_CONVICTION,
      v1::DISPOSITION_OUTCOME_ACQUITTAL, v1::DISPOSITION_OUTCOME_DISMISSAL};
  const v1::DispositionOutcome outcome = kOutcome[rng_.Weighted(kOutcomes)];
  // Re-filed before the disposition: a superseding information with a lower
  // minimum as the price of a plea (charge bargaining: about 12% of federal
  // cases, note 67), or now and then a superseding indictment charging the
  // weight's full minimum.
  if (outcome == v1::DISPOSITION_OUTCOME_PLEA && drug_minimum > 0 &&
      rng_.Chance(0.12)) {
    drug_minimum = drug_minimum == 120 && rng_.Chance(0.5) ? 60 : 0;
    const auto later = static_cast<int64_t>(
        static_cast<double>(disposed - charged) * rng_.Range(0.5, 0.95));
    FileCharge(district, case_id, p, charged + later, drug_minimum, import);
  } else if (drug_minimum < p.weight_minimum_months && rng_.Chance(0.05)) {
    drug_minimum = p.weight_minimum_months;
    FileCharge(district, case_id, p, charged + Days(20, 80), drug_minimum,
               import);
  }

  auto* d = Add(StrCat("PROBATION-", kDistricts[district].code), "DISP",
                disposed, case_id)
                ->mutable_disposition();
  d->set_subject_ref(p.ref);
  d->set_outcome(outcome);
  if (outcome == v1::DISPOSITION_OUTCOME_PLEA ||
      outcome == v1::DISPOSITION_OUTCOME_TRIAL_CONVICTION) {
    const uint32_t minimum =
        drug_minimum + (p.weapon == v1::WEAPON_SECTION_924C ? 60 : 0);
    Sentence(case_id, district, p, disposed,
             outcome == v1::DISPOSITION_OUTCOME_PLEA, minimum);
  }
}

void Generator::Prosecute(const Agency& agency, int district,
                          const std::string& case_id, int person_index,
                          int64_t arrested, bool second_case) {
  if (second_case || !rng_.Chance(kDeclinedWhenReferred)) {
    Charge(agency, district, case_id, person_index, arrested + Days(1, 30));
    return;
  }
  const int64_t declined = arrested + Days(10, 120);
  Decline(district, case_id, person_index, declined);
  if (rng_.Chance(0.05)) {
    // Charged after all in the same district and case (new evidence, a new
    // prosecutor): the declination and the charge both stand, each in its
    // own period.
    Charge(agency, district, case_id, person_index, declined + Days(60, 300));
  } else if (rng_.Chance(0.15)) {
    // One office's declination, another's priority case (note 151).
    second_chances_.push_back({person_index, declined, district});
  }
}

void Generator::OpenCase(const Agency& agency, int district, int64_t opened,
                         const std::vector<int>& defendants, bool second_case) {
  const int fy = FiscalYearOf(opened, options_.first_fiscal_year,
                              options_.first_fiscal_year + options_.years);
  const std::string case_id =
      StrCat(options_.id_prefix, "CASE-", kDistricts[district].code, "-", fy,
             "-", Pad(++case_counter_, 6));
  const v1::CaseOrigin origin =
      static_cast<v1::CaseOrigin>(1 + rng_.Weighted(agency.origin_weights));
  int target = -1;
  if (rng_.Chance(agency.target_org_p)) {
    const int tier =
        static_cast<int>(rng_.Weighted(agency.target_tier_weights));
    target = PickOrg(tier, kDistricts[district].region, opened);
  }
  auto* r = Add(agency.code, "OPEN", opened, case_id);
  auto* c = r->mutable_case_opened();
  c->set_agency(agency.code);
  c->set_field_office(FieldOffice(agency, kDistricts[district]));
  c->set_district(kDistricts[district].code);
  c->set_origin(origin);
  if (target >= 0) {
    c->set_target_org_id(orgs_[target].id);
    if (IsPriority(orgs_[target].tier) || rng_.Chance(0.3)) {
      c->add_designations(v1::CASE_DESIGNATION_OCDETF);
    }
  }
  if (rng_.Chance(0.3)) c->add_designations(v1::CASE_DESIGNATION_HIDTA);

  Seizures(agency, case_id, opened, origin == v1::CASE_ORIGIN_INTERDICTION);

  // Note 80: some opened cases are never referred for prosecution; their
  // suspects are sometimes arrested and handed to local authorities.
  const bool referred = !rng_.Chance(model::kNotReferredShare);
  const bool arrests = referred || rng_.Chance(0.35);
  for (int person_index : defendants) {
    const Person& person = people_[person_index];
    const int64_t arrested = opened + Days(45, 420);
    std::string claim_id;
    // Tier inflation: a case aimed at an org claims every defendant as linked
    // to it, whatever their part.
    const bool claim = target >= 0 ? rng_.Chance(0.9) : rng_.Chance(0.2);
    if (claim) {
      int org = target;
      if (org < 0) {
        org = PickOrg(static_cast<int>(rng_.Weighted(kUntargetedTierWeights)),
                      kDistricts[district].region, opened);
      }
      const int64_t claimed =
          arrests ? std::max(opened + kDay, arrested - Days(0, 20))
                  : opened + Days(30, 300);
      claim_id = Claim(agency, case_id, person, org, claimed);
    }
    if (!arrests) continue;
    auto* a = Add(agency.code, "AR", arrested, case_id)->mutable_arrest();
    a->set_arrest_id(StrCat(options_.id_prefix, agency.code, "-AR-",
                            Pad(++id_counter_["AR"], 7)));
    a->set_subject_ref(person.ref);
    a->set_agency(agency.code);
    a->set_field_office(FieldOffice(agency, kDistricts[district]));
    if (!claim_id.empty()) a->set_claim_id(claim_id);
    arrests_.push_back({agency.code, arrested, target});
    if (referred) {
      Prosecute(agency, district, case_id, person_index, arrested, second_case);
    }
  }
}

// One outcome claim of `agency` for fiscal year `fy` (see
// PerformanceAndOutcomes); `counted` holds the orgs already claimed that
// year, per outcome.
void Generator::ReportOutcome(const Agency& agency, int fy,
                              std::map<v1::OrgOutcome, std::set<int>>* counted,
                              const std::vector<int>& preferred, bool cpot,
                              v1::OrgOutcome what, double pending_p) {
  // Mostly an org the agency's arrests of the year were aimed at; an
  // org not yet counted this year for this outcome, and not one
  // dismantled before, when there is one.
  int org = -1;
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (!preferred.empty() && rng_.Chance(0.8)) {
      org = preferred[rng_.Below(static_cast<int>(preferred.size()))];
    } else {
      const int tier = cpot ? 0 : 1 + rng_.Below(4);
      const auto& pool = orgs_by_tier_[tier];
      org = pool[rng_.Below(static_cast<int>(pool.size()))];
    }
    if ((*counted)[what].count(org) == 0 &&
        !(what == v1::ORG_OUTCOME_DISMANTLED && orgs_[org].dismantled)) {
      break;
    }
  }
  (*counted)[what].insert(org);
  if (what == v1::ORG_OUTCOME_DISMANTLED) orgs_[org].dismantled = true;
  auto* r =
      Add(agency.code, "OUT",
          RandomTimeIn(FiscalYearStart(fy), FiscalYearStart(fy + 1) - 1), "");
  auto* o = r->mutable_org_outcome();
  o->set_org_id(orgs_[org].id);
  o->set_outcome(what);
  o->set_pending(what == v1::ORG_OUTCOME_DISMANTLED && rng_.Chance(pending_p));
  o->set_fiscal_year(static_cast<uint32_t>(fy));
}

// Reported = target + k, k drawn so that reported / target - 1 lies in
// [lo, hi] exactly (note 153 for the DEA).
int64_t Generator::ReportedCount(int64_t t, double lo, double hi) {
  const auto k_lo = static_cast<int64_t>(std::ceil(lo * t - 1e-9));
  const auto k_hi = static_cast<int64_t>(std::floor(hi * t + 1e-9));
  return t + (k_hi >= k_lo
                  ? k_lo + rng_.Below(static_cast<int>(k_hi - k_lo + 1))
                  : k_lo);
}

// The agency's arrests in fiscal year `fy`, and the orgs their cases
// targeted (CPOTs apart).
int64_t Generator::ArrestsOfYear(const Agency& agency, int fy,
                                 std::vector<int>* cpot_targets,
                                 std::vector<int>* other_targets) const {
  const int64_t fy_start = FiscalYearStart(fy);
  const int64_t fy_end = FiscalYearStart(fy + 1);
  int64_t arrests = 0;
  for (const ArrestFact& a : arrests_) {
    if (a.agency != agency.code || a.at < fy_start || a.at >= fy_end) {
      continue;
    }
    ++arrests;
    if (a.org >= 0) {
      (orgs_[a.org].tier == v1::TIER_CPOT ? cpot_targets : other_targets)
          ->push_back(a.org);
    }
  }
  return arrests;
}

// The agency's performance target for `measure` in fiscal year `fy`, set
// at `set_at`.
void Generator::SetTarget(const Agency& agency, int fy, int64_t set_at,
                          v1::PerformanceMeasure measure, int64_t value) {
  auto* r = Add(agency.code, "TGT", set_at, "");
  auto* t = r->mutable_performance_target();
  t->set_agency(agency.code);
  t->set_fiscal_year(static_cast<uint32_t>(fy));
  t->set_measure(measure);
  t->set_target(static_cast<uint32_t>(value));
}

void Generator::PerformanceAndOutcomes() {
  const int first = options_.first_fiscal_year;
  for (const Agency& agency : Agencies()) {
    const bool dea = std::string_view(agency.code) == "DEA";
    for (int fy = first; fy < first + options_.years; ++fy) {
      const int64_t fy_start = FiscalYearStart(fy);
      std::vector<int> cpot_targets, other_targets;
      const int64_t arrests =
          ArrestsOfYear(agency, fy, &cpot_targets, &other_targets);
      const int64_t set_at = fy_start - Days(30, 120);
      std::map<v1::OrgOutcome, std::set<int>> counted;
      auto target = [&](v1::PerformanceMeasure measure, int64_t value) {
        SetTarget(agency, fy, set_at, measure, value);
      };
      auto outcome = [&](const std::vector<int>& preferred, bool cpot,
                         v1::OrgOutcome what, double pending_p) {
        ReportOutcome(agency, fy, &counted, preferred, cpot, what, pending_p);
      };
      auto reported = [&](int64_t t, double lo, double hi) {
        return ReportedCount(t, lo, hi);
      };

      if (arrests > 0) {
        // Agencies beat their arrest targets modestly (not calibrated).
        const double over =
            dea ? rng_.Range(0.0, 0.12) : rng_.Range(-0.05, 0.1);
        target(v1::PERFORMANCE_MEASURE_ARRESTS,
               std::max<int64_t>(1, std::llround(arrests / (1 + over))));
      }
      // Targets scale with the year's arrests; their proportions follow the
      // DEA's FY2014 targets (note 153: about 272 CPOT-linked disrupted, 110
      // dismantled, 1,541 PTOs disrupted, 682 dismantled).
      const double lo = dea ? model::kDeaOvershootMin : -0.10;
      const double hi = dea ? model::kDeaOvershootMax : 0.30;
      const double scale = static_cast<double>(arrests) / 100.0;
      const double pending_p = dea ? 0.35 : 0.15;
      int64_t t_pd = std::max<int64_t>(3, std::llround(scale * 5.0));
      int64_t t_pm = std::max<int64_t>(3, std::llround(scale * 2.2));
      if (dea) {
        const int64_t t_cd = std::max<int64_t>(3, std::llround(scale * 0.9));
        const int64_t t_cm = std::max<int64_t>(3, std::llround(scale * 0.36));
        t_pd = std::max(t_pd, 2 * t_cd);
        t_pm = std::max(t_pm, 2 * t_cm);
        target(v1::PERFORMANCE_MEASURE_CPOT_DISRUPTED, t_cd);
        target(v1::PERFORMANCE_MEASURE_CPOT_DISMANTLED, t_cm);
        const int64_t n_cd = reported(t_cd, lo, hi);
        const int64_t n_cm = reported(t_cm, lo, hi);
        for (int64_t i = 0; i < n_cd; ++i) {
          outcome(cpot_targets, true, v1::ORG_OUTCOME_DISRUPTED, pending_p);
        }
        for (int64_t i = 0; i < n_cm; ++i) {
          outcome(cpot_targets, true, v1::ORG_OUTCOME_DISMANTLED, pending_p);
        }
        target(v1::PERFORMANCE_MEASURE_PTO_DISRUPTED, t_pd);
        target(v1::PERFORMANCE_MEASURE_PTO_DISMANTLED, t_pm);
        // PTO_* counts every org, the CPOT ones included.
        const int64_t n_pd = reported(t_pd, lo, hi);
        const int64_t n_pm = reported(t_pm, lo, hi);
        for (int64_t i = n_cd; i < n_pd; ++i) {
          outcome(other_targets, false, v1::ORG_OUTCOME_DISRUPTED, pending_p);
        }
        for (int64_t i = n_cm; i < n_pm; ++i) {
          outcome(other_targets, false, v1::ORG_OUTCOME_DISMANTLED, pending_p);
        }
      } else if (arrests > 0) {
        t_pd = std::max<int64_t>(3, std::llround(scale * 3.0));
        t_pm = std::max<int64_t>(3, std::llround(scale * 1.2));
        target(v1::PERFORMANCE_MEASURE_PTO_DISRUPTED, t_pd);
        target(v1::PERFORMANCE_MEASURE_PTO_DISMANTLED, t_pm);
        for (int64_t i = 0, n = reported(t_pd, lo, hi); i < n; ++i) {
          outcome(other_targets, false, v1::ORG_OUTCOME_DISRUPTED, pending_p);
        }
        for (int64_t i = 0, n = reported(t_pm, lo, hi); i < n; ++i) {
          outcome(other_targets, false, v1::ORG_OUTCOME_DISMANTLED, pending_p);
        }
      }
    }
  }
}

void Generator::CommunityIndicators() {
  const int quarters = options_.years * 4;
  for (const Community& area : kCommunity) {
    // A slow drift (-1.5% to +1% a quarter) plus noise: the outcome
    // proxies barely follow enforcement outputs.
    const double drift = rng_.Range(-0.015, 0.01);
    for (int q = 0; q < quarters; ++q) {
      const int fy = options_.first_fiscal_year + q / 4;
      const int64_t fy_start = FiscalYearStart(fy);
      const int64_t fy_next = FiscalYearStart(fy + 1);
      const int64_t q_start = fy_start + (fy_next - fy_start) * (q % 4) / 4;
      const int64_t q_end = fy_start + (fy_next - fy_start) * (q % 4 + 1) / 4;
      double value = area.base * (1 + drift * q) * (1 + 0.06 * rng_.Normal());
      value = area.is_count
                  ? std::max(0.0, std::round(value))
                  : std::round(std::clamp(value, 0.0, 1000.0) * 1000) / 1000;
      if (area.indicator == v1::COMMUNITY_INDICATOR_KIND_GRADUATION_RATE) {
        value = std::clamp(value, 0.0, 1.0);
      }
      auto* r = Add(area.reporter, "IND", q_end + Days(10, 40), "");
      auto* c = r->mutable_community_indicator();
      c->set_area_id(StrCat(options_.id_prefix, area.area));
      c->set_indicator(area.indicator);
      c->set_value(value);
      c->mutable_period_start()->set_seconds(q_start);
      c->mutable_period_end()->set_seconds(q_end);
    }
  }
}

std::vector<v1::AgencyReport> Generator::Run() {
  DesignateOrgs();
  CommunityIndicators();

  std::vector<double> agency_shares;
  for (const Agency& a : Agencies()) agency_shares.push_back(a.share);
  // Cases of 1 to 5 defendants until every subject is in one.
  static constexpr double kDefendants[] = {0.45, 0.25, 0.15, 0.10, 0.05};
  int next_person = 0;
  while (next_person < options_.subjects) {
    const Agency& agency = Agencies()[rng_.Weighted(agency_shares)];
    const int district =
        agency.districts[rng_.Below(static_cast<int>(agency.districts.size()))];
    const int64_t opened = RandomTimeIn(start_, end_ - 1);
    const int n = std::min(1 + static_cast<int>(rng_.Weighted(kDefendants)),
                           options_.subjects - next_person);
    std::vector<int> defendants;
    for (int i = 0; i < n; ++i) {
      people_.push_back(NewPerson(next_person + 1));
      defendants.push_back(next_person++);
    }
    OpenCase(agency, district, opened, defendants, /*second_case=*/false);
  }
  // Declined people picked up by another office in another district.
  for (size_t i = 0; i < second_chances_.size(); ++i) {
    const SecondChance sc = second_chances_[i];
    const Agency* agency = nullptr;
    int district = sc.declined_district;
    for (int attempt = 0; attempt < 20 && (agency == nullptr ||
                                           district == sc.declined_district);
         ++attempt) {
      agency = &Agencies()[rng_.Weighted(agency_shares)];
      district = agency->districts[rng_.Below(
          static_cast<int>(agency->districts.size()))];
    }
    const int64_t opened = sc.after + Days(30, 300);
    // Cases open inside the window only (SimOptions).
    if (district == sc.declined_district || opened >= end_) continue;
    OpenCase(*agency, district, opened, {sc.person}, /*second_case=*/true);
  }
  PerformanceAndOutcomes();

  std::stable_sort(out_.begin(), out_.end(),
                   [](const Pending& a, const Pending& b) {
                     return a.at != b.at ? a.at < b.at : a.seq < b.seq;
                   });
  std::vector<v1::AgencyReport> reports;
  reports.reserve(out_.size());
  for (Pending& p : out_) {
    if (options_.not_after_seconds > 0 && p.at > options_.not_after_seconds) {
      continue;
    }
    reports.push_back(std::move(p.report));
  }
  return reports;
}

}  // namespace

absl::Status CheckOptions(const SimOptions& options) {
  if (options.subjects < 1 || options.subjects > 10000000) {
    return absl::InvalidArgumentError(
        StrCat("subjects: ", options.subjects, " is outside 1..10000000"));
  }
  if (options.years < 1 || options.years > 20) {
    return absl::InvalidArgumentError(
        StrCat("years: ", options.years, " is outside 1..20"));
  }
  if (options.first_fiscal_year < 1995 || options.first_fiscal_year > 2090) {
    return absl::InvalidArgumentError(
        StrCat("first_fiscal_year: ", options.first_fiscal_year,
               " is outside 1995..2090"));
  }
  if (options.id_prefix.size() > 24) {
    return absl::InvalidArgumentError("id_prefix: longer than 24 characters");
  }
  for (char ch : options.id_prefix) {
    const bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
                    ch == '.';
    if (!ok) {
      return absl::InvalidArgumentError(
          StrCat("id_prefix: '", options.id_prefix,
                 "' may hold only letters, digits, '-', '_' and '.'"));
    }
  }
  if (options.not_after_seconds < 0) {
    return absl::InvalidArgumentError("not_after_seconds: must be >= 0");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::AgencyReport>> Generate(
    const SimOptions& options) {
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  Generator generator(options);
  return generator.Run();
}

SimOptions LiveBatch(const SimOptions& sample, int k, int subjects) {
  SimOptions batch = sample;
  k = std::max(1, k);
  batch.seed = sample.seed + static_cast<uint64_t>(k);
  batch.subjects = subjects;
  batch.years = 1;
  batch.id_prefix = StrCat(sample.id_prefix, "LIVE", k, "-");
  const int first_live = sample.first_fiscal_year + sample.years;
  // The last fiscal year over by not_after_seconds.
  int last_over = first_live + 1000000;
  if (sample.not_after_seconds > 0) {
    last_over = sample.first_fiscal_year - 1;
    while (FiscalYearStart(last_over + 2) <= sample.not_after_seconds) {
      ++last_over;
    }
  }
  if (last_over >= first_live) {
    batch.first_fiscal_year =
        first_live + (k - 1) % (last_over - first_live + 1);
  } else {
    batch.first_fiscal_year =
        sample.first_fiscal_year + (k - 1) % std::max(1, sample.years);
  }
  return batch;
}

const std::vector<Reporter>& Reporters() {
  static const auto* reporters = [] {
    auto* out = new std::vector<Reporter>;
    // Every investigating agency designates the organizations it works
    // (DesignateOrgs); the Philadelphia task force reports for DEA, its
    // parent agency (acts_for).
    out->push_back({"DEA",
                    "AGENCY",
                    "Drug Enforcement Administration: cases, claims, "
                    "arrests, seizures, designations, outcomes, targets",
                    {},
                    true});
    out->push_back(
        {"FBI", "AGENCY", "Federal Bureau of Investigation", {}, true});
    out->push_back(
        {"HSI", "AGENCY", "Homeland Security Investigations", {}, true});
    out->push_back({"TF-PHL",
                    "AGENCY",
                    "Philadelphia task force (federal and local); acts for DEA",
                    {"DEA"},
                    true});
    for (const District& d : kDistricts) {
      out->push_back({StrCat("USAO-", d.code), "AGENCY",
                      StrCat("U.S. Attorney's Office ", d.code,
                             ": charges and declinations")});
    }
    out->push_back(
        {"USSC", "JUDICIARY",
         "U.S. Sentencing Commission: sentencing records, amended judgments"});
    for (const District& d : kDistricts) {
      out->push_back({StrCat("PROBATION-", d.code), "JUDICIARY",
                      StrCat("Probation office ", d.code, ": dispositions")});
    }
    out->push_back({"PPD", "COMMUNITY", "Philadelphia Police Department"});
    out->push_back({"PPR", "COMMUNITY", "Philadelphia Parks & Recreation"});
    out->push_back({"SDP", "COMMUNITY", "School District of Philadelphia"});
    out->push_back({"CPD", "COMMUNITY", "Chicago Police Department"});
    out->push_back({"HPD", "COMMUNITY", "Houston Police Department"});
    return out;
  }();
  return *reporters;
}

std::string_view KindOf(std::string_view code) {
  for (const Reporter& r : Reporters()) {
    if (r.code == code) return r.kind;
  }
  return "";
}

auth::Principal PrincipalOf(std::string_view code) {
  for (const Reporter& r : Reporters()) {
    if (r.code != code) continue;
    return auth::Principal{
        r.code, auth::ParseKind(r.kind).value_or(auth::PrincipalKind::kPublic),
        r.acts_for, r.designates};
  }
  return auth::Principal{std::string(code), auth::PrincipalKind::kPublic};
}

std::vector<v1::AgencyReport> SampleBudgetLines(int fiscal_year) {
  struct Spec {
    const char* agency;
    int64_t amount_usd;
    const char* purpose;
    const char* indicator;
    v1::CriterionOp op;
    double value;
  };
  const Spec specs[] = {
      {"DEA", 2400000000, "Domestic cartel enforcement", "lnf_share",
       v1::CRITERION_OP_AT_MOST, 0.30},
      {"FBI", 900000000, "Organized crime drug enforcement", "mean_desert",
       v1::CRITERION_OP_AT_LEAST, 10},
  };
  const int64_t start = FiscalYearStart(fiscal_year);
  std::vector<v1::AgencyReport> out;
  for (const Spec& spec : specs) {
    const std::string line_id =
        StrCat("OIG-FY", fiscal_year, "-", spec.agency, "-1");
    v1::AgencyReport& r = out.emplace_back();
    r.set_report_id("sample-budget-" + line_id);
    r.set_reporter("OIG");
    r.mutable_occurred_at()->set_seconds(start);
    v1::BudgetLine& b = *r.mutable_budget_line();
    b.set_line_id(line_id);
    b.set_agency(spec.agency);
    b.set_fiscal_year(fiscal_year);
    b.set_amount_usd(spec.amount_usd);
    b.set_purpose(spec.purpose);
    v1::BudgetCriterion& c = *b.add_criteria();
    c.set_indicator(spec.indicator);
    c.set_op(spec.op);
    c.set_value(spec.value);
  }
  return out;
}

}  // namespace fruition::sim
