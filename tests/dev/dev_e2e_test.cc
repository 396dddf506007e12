// End to end (issue 7): `fruition dev` with a generated sample. The
// scorecards read over HTTP equal an independent computation of SPEC §5 from
// the generated facts, every indicator served (the prosecution stage, the
// Sentencing Commission's tables and seizures of issue 15 included), for
// every agency, field office and district and national:US in every fiscal
// year and quarter; and the oversight events read over HTTP count, by type,
// the conditions of SPEC §6 that hold on those facts (the RESTRICTED
// FRUITION_GAP, LNF_SHARE_HIGH and LNF_MANDATORY_MINIMUM_HIGH, keys
// `.../restricted`), and those judged on the public view as served without a
// token (their PUBLIC halves and TARGET_OVERSHOOT). Needs no broker:
// `fruition dev` runs on librdkafka's mock cluster.
//
// The expected values are computed here from sim::Generate's reports alone,
// following SPEC §5 (membership, one sentencing, charge, declination and
// disposition per subject and case and one case_opened per case, the latest
// winning; the case-to-person join) and not the scoring service's code (the
// reference for the new indicators is tests/scoring's oracle). Shared with the
// product: the desert score (domain::Score, SPEC §4) and the link criteria
// (evidence::Assess, SPEC §3), which have tests of their own.
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "fruition/v1/enums.pb.h"
#include "fruition/v1/events.pb.h"
#include "fruition/v1/gateway.pb.h"
#include "fruition/v1/reports.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/common/strings.h"
#include "services/domain/desert.h"
#include "services/evidence/criteria.h"
#include "tests/harness/dev.h"
#include "tests/harness/fixtures.h"
#include "tests/harness/harness.h"
#include "tools/sim/measure.h"
#include "tools/sim/sim.h"

namespace fruition {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using std::chrono::seconds;

// ------------------------------------------------------------- helpers

// A person as intake pseudonymizes them: subject_ref trimmed, upper-cased.
std::string Person(const std::string& subject_ref) {
  const size_t first = subject_ref.find_first_not_of(" \t\n\r\f\v");
  if (first == std::string::npos) return "";
  const size_t last = subject_ref.find_last_not_of(" \t\n\r\f\v");
  std::string out = subject_ref.substr(first, last - first + 1);
  for (char& ch : out) {
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return out;
}

// "lnf_share" -> "lnfShare"; "target_ratio:PERFORMANCE_MEASURE_ARRESTS" ->
// "targetRatio:PERFORMANCE_MEASURE_ARRESTS" (SPEC §9).
std::string JsonName(const std::string& snake) {
  std::string out;
  bool upper = false;
  size_t i = 0;
  for (; i < snake.size() && snake[i] != ':'; ++i) {
    if (snake[i] == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(snake[i])) : snake[i];
    upper = false;
  }
  return out + snake.substr(i);
}

// ------------------------------------------ the independent computation

using UnitPeriod = std::pair<std::string, std::string>;

// What a unit-period counts (SPEC §5), summed over its members.
struct Parts {
  int64_t arrests = 0;
  int64_t claimed = 0;
  int64_t substantiated = 0;
  int64_t sentenced = 0;
  int64_t desert_sum = 0;
  int64_t high = 0;
  int64_t lnf = 0;
  int64_t ch1 = 0;
  int64_t weapon = 0;
  int64_t aggravating = 0;
  int64_t claimed_priority = 0;
  double weighted_value = 0;
  int64_t lnf_months = 0;
  int64_t declined_charged = 0;
  // The prosecution stage, the Sentencing Commission's tables, seizures.
  int64_t charged = 0, mm_charged = 0, declined = 0, referred = 0;
  int64_t dispositions = 0, pleas = 0, convictions = 0;
  int64_t lnf_mm = 0, lnf_safety_valve = 0, mm_sentenced = 0, below_mm = 0;
  int64_t heavy = 0, heavy_lnf = 0, ocdetf = 0, ocdetf_lnf = 0;
  int64_t sentence_months = 0, seizures = 0, seized_cents = 0;
  // Data quality: arrests with no sentencing in their case, sentencings
  // with no arrest, arrests naming a field office, sentencings with a
  // drug weight.
  int64_t unsentenced = 0, without_arrest = 0, with_office = 0, with_weight = 0;
  // The reports counted here: one per arrest, sentencing record, charge,
  // declination, disposition and seizure counted.
  int64_t received = 0;
  std::map<int64_t, int64_t> months;     // sentence months -> people
  std::map<std::string, int64_t> tally;  // "function:X", "origin_lnf:O", ...
};

// An agency's OrgOutcomeClaims and PerformanceTargets of one fiscal year.
struct AgencyYear {
  int64_t outcomes = 0;
  int64_t pending_dismantled = 0;
  std::map<std::string, int64_t> target;    // measure name -> latest target
  std::map<std::string, int64_t> reported;  // measure name -> reported
  // The same without pending outcomes (SPEC §11 target_ratio_restated).
  std::map<std::string, int64_t> restated;
  // The overseer's budget lines for the year (SPEC §11): line id -> amount.
  std::map<std::string, int64_t> budget_lines;
};

struct Expected {
  std::map<UnitPeriod, Parts> parts;
  std::map<UnitPeriod, AgencyYear> reference;  // agency FYs with any
  // Event type (without EVENT_TYPE_) -> conditions that hold: their
  // condition keys where this test can name them, else one entry each.
  std::map<std::string, std::set<std::string>> holding;
  size_t reports = 0;
  int64_t pending_dismantled = 0;
  int64_t declined_then_charged_elsewhere = 0;
  std::vector<sim::TargetRatio> target_ratios;
  // The budget lines sent (SPEC §11), judged on the public view.
  std::vector<v1::BudgetLine> budget_lines;
  // Each field office's agency, as the sample's arrests name it.
  std::map<std::string, std::string> office_agency;
  // When the sample was submitted (Unix seconds): intake stamps every
  // report's received_at in between, so each last_received_at lies there.
  int64_t submitted_from = 0, submitted_until = 0;
};

// One indicator as expected: `n` < 0 leaves n unchecked.
struct Cell {
  bool defined = true;
  double value = 0;
  int64_t n = -1;
  // kReceived: a receipt time, within Expected's submission window.
  enum Kind { kCount, kShare, kAmount, kReceived } kind = kAmount;
};

bool IsPriority(v1::Tier tier) {
  return tier == v1::TIER_CPOT || tier == v1::TIER_RPOT ||
         tier == v1::TIER_PTO_NATIONAL;
}

constexpr char kNational[] = "national:US";

// Keeps in `latest` the later of it and `r`: per subject and case (or per
// case, per seizure) the latest occurred_at counts, ties by reporter, then
// report_id (docs/DESIGN.md "Scoring": arrival order never matters).
void Keep(const v1::AgencyReport& r, const v1::AgencyReport** latest) {
  auto order = [](const v1::AgencyReport& x) {
    return std::make_tuple(x.occurred_at().seconds(), x.reporter(),
                           x.report_id());
  };
  if (*latest == nullptr || order(**latest) < order(r)) *latest = &r;
}

// What one sentencing adds to the prosecution stage and the Sentencing
// Commission's tables: its own facts, its case's charge (the latest
// charge_filed of the subject in the case: the minimum) and its case (the
// latest case_opened: origin, OCDETF), either null when there is none.
void CountTables(const v1::SentencingRecord& r, bool lnf,
                 const v1::AgencyReport* charge, const v1::AgencyReport* opened,
                 Parts* p) {
  p->lnf_safety_valve += lnf && r.safety_valve();
  p->sentence_months += r.sentence_months();
  p->with_weight += r.drug_weight_grams() > 0;
  ++p->months[r.sentence_months()];
  // The 10-year thresholds and the LNF function list are SPEC §4's, as
  // the desert score that shares them (domain::Score).
  const domain::DesertRules& rules = domain::DefaultDesertRules();
  auto ten = rules.thresholds.find(r.drug());
  if (ten != rules.thresholds.end() &&
      r.drug_weight_grams() >= ten->second.second) {
    ++p->heavy;
    p->heavy_lnf += rules.lnf_functions.count(r.function());
  }
  ++p->tally["function:" + v1::OffenseFunction_Name(r.function())];
  ++p->tally[StrCat("criminal_history:", r.criminal_history_category())];
  ++p->tally["drug:" + v1::Drug_Name(r.drug())];
  if (charge != nullptr) {
    const int64_t minimum = charge->charge_filed().mandatory_minimum_months();
    if (minimum > 0) {
      ++p->mm_sentenced;
      p->below_mm += r.sentence_months() < minimum;
      p->lnf_mm += lnf;
    }
  }
  if (opened == nullptr) return;
  const v1::CaseOpened& o = opened->case_opened();
  const std::string origin = v1::CaseOrigin_Name(o.origin());
  ++p->tally["origin:" + origin];
  if (lnf) ++p->tally["origin_lnf:" + origin];
  const auto& d = o.designations();
  if (std::find(d.begin(), d.end(), v1::CASE_DESIGNATION_OCDETF) != d.end()) {
    ++p->ocdetf;
    p->ocdetf_lnf += lnf;
  }
}

Expected Compute(const std::vector<v1::AgencyReport>& reports) {
  Expected x;
  x.reports = reports.size();

  struct Claim {
    std::string person, org_id;
    evidence::ClaimFacts facts;
    v1::AssessmentResult result = v1::ASSESSMENT_RESULT_UNSPECIFIED;
  };
  struct Arrest {
    std::string reporter, agency, field_office, case_id, claim_id;
    int64_t at = 0;
  };
  struct Outcome {
    std::string reporter, report_id, org_id;
    v1::OrgOutcome outcome;
    bool pending;
    int fiscal_year;
  };
  std::map<std::pair<std::string, std::string>, Claim> claims;  // reporter,id
  std::vector<const v1::AgencyReport*> added;
  std::map<std::string, std::vector<evidence::Designation>> designations;
  std::map<std::string, std::vector<Arrest>> arrests;  // person ->
  // (person, case) -> the latest report of each body that counts once.
  using Latest =
      std::map<std::pair<std::string, std::string>, const v1::AgencyReport*>;
  Latest sentencing, charge, declination, disposition;
  Latest seizures;  // (reporter, seizure_id) -> the latest (a correction)
  std::map<std::string, const v1::AgencyReport*> opened;  // case -> latest
  std::map<std::string, std::set<std::string>> declined_in, charged_in;
  // Every charge_filed, replaced ones too (declined_then_charged_elsewhere).
  std::map<std::string, std::vector<std::pair<int64_t, std::string>>> charges;
  std::vector<Outcome> outcomes;
  // (agency, fiscal year, measure) -> (occurred_at, target), latest wins.
  std::map<std::tuple<std::string, int, std::string>,
           std::pair<int64_t, int64_t>>
      targets;
  std::set<std::pair<std::string, std::string>> report_ids;

  for (const v1::AgencyReport& r : reports) {
    const int64_t at = r.occurred_at().seconds();
    report_ids.insert({r.reporter(), r.report_id()});
    switch (r.body_case()) {
      case v1::AgencyReport::kLinkClaim: {
        const auto& c = r.link_claim();
        Claim& claim = claims[{r.reporter(), c.claim_id()}];
        claim.person = Person(c.subject_ref());
        claim.org_id = c.org_id();
        claim.facts.occurred_at = at;
        claim.facts.hops = c.hops();
        for (const auto& e : c.evidence()) {
          claim.facts.items.push_back({e, false});
        }
        break;
      }
      case v1::AgencyReport::kEvidenceAdded:
        added.push_back(&r);
        break;
      case v1::AgencyReport::kOrgDesignated: {
        const auto& d = r.org_designated();
        designations[d.org_id()].push_back({at, d.tier(), d.revoked()});
        break;
      }
      case v1::AgencyReport::kArrest: {
        const auto& a = r.arrest();
        arrests[Person(a.subject_ref())].push_back(
            {r.reporter(), a.agency(), a.field_office(), r.case_id(),
             a.claim_id(), at});
        if (!a.field_office().empty()) {
          x.office_agency[a.field_office()] =
              a.agency().empty() ? r.reporter() : a.agency();
        }
        break;
      }
      case v1::AgencyReport::kSentencing:
        Keep(r,
             &sentencing[{Person(r.sentencing().subject_ref()), r.case_id()}]);
        break;
      case v1::AgencyReport::kDeclination: {
        const std::string person = Person(r.declination().subject_ref());
        declined_in[person].insert(r.declination().district());
        Keep(r, &declination[{person, r.case_id()}]);
        break;
      }
      case v1::AgencyReport::kChargeFiled: {
        const std::string person = Person(r.charge_filed().subject_ref());
        charged_in[person].insert(r.charge_filed().district());
        charges[person].emplace_back(at, r.charge_filed().district());
        Keep(r, &charge[{person, r.case_id()}]);
        break;
      }
      case v1::AgencyReport::kDisposition:
        Keep(
            r,
            &disposition[{Person(r.disposition().subject_ref()), r.case_id()}]);
        break;
      case v1::AgencyReport::kCaseOpened:
        Keep(r, &opened[r.case_id()]);
        break;
      case v1::AgencyReport::kSeizure:
        Keep(r, &seizures[{r.reporter(), r.seizure().seizure_id()}]);
        break;
      case v1::AgencyReport::kOrgOutcome: {
        const auto& o = r.org_outcome();
        outcomes.push_back({r.reporter(), r.report_id(), o.org_id(),
                            o.outcome(), o.pending(),
                            static_cast<int>(o.fiscal_year())});
        break;
      }
      case v1::AgencyReport::kBudgetLine: {  // each line sent once
        const auto& b = r.budget_line();
        x.reference[{"agency:" + b.agency(), StrCat("FY", b.fiscal_year())}]
            .budget_lines[b.line_id()] = b.amount_usd();
        x.budget_lines.push_back(b);
        break;
      }
      case v1::AgencyReport::kPerformanceTarget: {
        const auto& t = r.performance_target();
        auto key =
            std::make_tuple(t.agency(), static_cast<int>(t.fiscal_year()),
                            v1::PerformanceMeasure_Name(t.measure()));
        auto it = targets.find(key);
        if (it == targets.end() || at >= it->second.first) {
          targets[key] = {at, static_cast<int64_t>(t.target())};
        }
        break;
      }
      default:
        break;
    }
  }
  // Every report id is unique per reporter: no REPORT_CONFLICT.
  EXPECT_EQ(report_ids.size(), reports.size());

  // An org's tier: its designation with the latest occurred_at (a revoked
  // org keeps it, SPEC §5).
  auto tier_of = [&](const std::string& org_id) {
    auto it = designations.find(org_id);
    if (it == designations.end()) return v1::TIER_UNSPECIFIED;
    const evidence::Designation* latest = nullptr;
    for (const auto& d : it->second) {
      if (latest == nullptr || d.occurred_at >= latest->occurred_at) {
        latest = &d;
      }
    }
    return latest->tier;
  };

  // Every claim, with its late evidence (same claim, same subject), by the
  // v1 criteria.
  for (const v1::AgencyReport* r : added) {
    const auto& e = r->evidence_added();
    auto it = claims.find({r->reporter(), e.claim_id()});
    if (it == claims.end() || it->second.person != Person(e.subject_ref())) {
      continue;
    }
    for (const auto& item : e.evidence()) {
      it->second.facts.items.push_back({item, true});
    }
  }
  for (auto& [key, claim] : claims) {
    auto d = designations.find(claim.org_id);
    if (d != designations.end()) claim.facts.designations = d->second;
    claim.result =
        evidence::Assess(evidence::DefaultRulebook(), claim.facts).result;
    if (claim.result == v1::ASSESSMENT_RESULT_UNSUBSTANTIATED) {
      x.holding["LINK_UNSUBSTANTIATED"].insert(
          StrCat("LINK_UNSUBSTANTIATED/claim/", key.second));
    }
  }
  auto claim_of = [&](const Arrest& a) -> const Claim* {
    if (a.claim_id.empty()) return nullptr;
    auto it = claims.find({a.reporter, a.claim_id});
    return it == claims.end() ? nullptr : &it->second;
  };

  auto add = [&](const std::string& unit, int64_t at) {
    const auto [fy, q] = testing::FiscalPeriods(at);
    return std::vector<Parts*>{&x.parts[{unit, fy}], &x.parts[{unit, q}]};
  };
  // Every unit of `units`, in the fiscal year and quarter of `at`.
  auto in_units = [&](const std::set<std::string>& units, int64_t at) {
    std::vector<Parts*> out;
    for (const std::string& unit : units) {
      for (Parts* p : add(unit, at)) out.push_back(p);
    }
    return out;
  };
  // A subject's record in a case: in its district (if any), in the agency
  // and field office of every arrest of the subject in that case, and in
  // national:US when in any of those (SPEC §5), each unit once.
  auto units_of = [&](const std::string& person, const std::string& case_id,
                      const std::string& district) {
    std::set<std::string> units;
    if (!district.empty()) units.insert("district:" + district);
    static const std::vector<Arrest> kNone;
    auto it = arrests.find(person);
    for (const Arrest& a : it == arrests.end() ? kNone : it->second) {
      if (a.case_id != case_id) continue;
      units.insert("agency:" + a.agency);
      if (!a.field_office.empty()) {
        units.insert("field_office:" + a.field_office);
      }
    }
    if (!units.empty()) units.insert(kNational);
    return units;
  };

  // Arrests: in the arrest's agency and field office, and national:US, in
  // the arrest's period.
  for (const auto& [person, list] : arrests) {
    for (const Arrest& a : list) {
      std::vector<std::string> units = {"agency:" + a.agency, kNational};
      if (!a.field_office.empty()) {
        units.push_back("field_office:" + a.field_office);
      }
      const Claim* claim = claim_of(a);
      for (const std::string& unit : units) {
        for (Parts* p : add(unit, a.at)) {
          ++p->arrests;
          ++p->received;
          p->unsentenced += sentencing.count({person, a.case_id}) == 0;
          p->with_office += !a.field_office.empty();
          if (!a.claim_id.empty()) ++p->claimed;
          if (claim != nullptr &&
              claim->result == v1::ASSESSMENT_RESULT_SUBSTANTIATED) {
            ++p->substantiated;
          }
        }
      }
    }
  }

  // The sentenced: in the sentencing's period, its district and the agency
  // and field office of every arrest of the same subject and case, and
  // national:US.
  for (const auto& [key, s] : sentencing) {
    const auto& [person, case_id] = key;
    const v1::SentencingRecord& r = s->sentencing();
    const domain::DesertResult d = domain::Score(r);
    const std::set<std::string> units = units_of(person, case_id, r.district());
    auto charged = charge.find(key);
    auto opening = opened.find(case_id);
    bool priority = false;
    double best =
        fixtures::TierWeight(v1::TIER_UNSPECIFIED) *
        fixtures::ResultFactor(v1::ASSESSMENT_RESULT_UNSPECIFIED);  // unclaimed
    static const std::vector<Arrest> kNone;
    auto it = arrests.find(person);
    bool arrested = false;
    for (const Arrest& a : it == arrests.end() ? kNone : it->second) {
      if (a.case_id != case_id) continue;
      arrested = true;
      if (const Claim* claim = claim_of(a)) {
        const v1::Tier tier = tier_of(claim->org_id);
        priority |= IsPriority(tier);
        best = std::max(best, fixtures::TierWeight(tier) *
                                  fixtures::ResultFactor(claim->result));
      }
    }
    const bool mitigating = r.mitigating_role() != v1::MITIGATING_ROLE_NONE;
    if (priority && (d.lnf || mitigating)) {
      x.holding["TIER_MISMATCH"].insert(StrCat(person, "/", case_id));
    }
    for (const std::string& unit : units) {
      for (Parts* p : add(unit, s->occurred_at().seconds())) {
        CountTables(r, d.lnf,
                    charged == charge.end() ? nullptr : charged->second,
                    opening == opened.end() ? nullptr : opening->second, p);
        ++p->sentenced;
        ++p->received;
        p->without_arrest += !arrested;
        p->desert_sum += d.score;
        if (d.band == v1::DESERT_BAND_HIGH) ++p->high;
        if (d.lnf) {
          ++p->lnf;
          p->lnf_months += r.sentence_months();
        }
        if (r.criminal_history_category() == 1) ++p->ch1;
        if (r.weapon() != v1::WEAPON_NONE) ++p->weapon;
        if (r.aggravating_role() != v1::AGGRAVATING_ROLE_NONE) {
          ++p->aggravating;
        }
        if (priority) ++p->claimed_priority;
        p->weighted_value += d.score / 100.0 * best;
      }
    }
  }

  // Declined in one district and charged in another: the subject counts
  // once, in the district and period of its earliest such charge (SPEC §5
  // names no unit; docs/API.md: the district where it was charged).
  for (const auto& [person, declined] : declined_in) {
    auto it = charges.find(person);
    if (it == charges.end()) continue;
    const std::pair<int64_t, std::string>* first = nullptr;
    for (const auto& charge : it->second) {
      bool elsewhere = false;
      for (const std::string& district : declined) {
        elsewhere |= district != charge.second;
      }
      if (elsewhere && (first == nullptr || charge < *first)) first = &charge;
    }
    if (first == nullptr) continue;
    ++x.declined_then_charged_elsewhere;
    x.holding["DECLINED_THEN_CHARGED_ELSEWHERE"].insert(person);
    for (Parts* p :
         in_units({"district:" + first->second, kNational}, first->first)) {
      ++p->declined_charged;
    }
  }

  // The prosecution stage: per subject and case the latest charge,
  // declination and disposition, in its district (a disposition: its
  // case's latest charge's, none without one) and the case's arrests' units.
  for (const auto& [key, c] : charge) {
    const auto& f = c->charge_filed();
    for (Parts* p : in_units(units_of(key.first, key.second, f.district()),
                             c->occurred_at().seconds())) {
      ++p->charged;
      ++p->received;
      p->mm_charged += f.mandatory_minimum_months() > 0;
    }
  }
  for (const auto& [key, c] : declination) {
    const auto& f = c->declination();
    for (Parts* p : in_units(units_of(key.first, key.second, f.district()),
                             c->occurred_at().seconds())) {
      ++p->declined;
      ++p->received;
      p->referred += f.referred_to_state();
    }
  }
  for (const auto& [key, c] : disposition) {
    auto charged = charge.find(key);
    const std::string district =
        charged == charge.end() ? ""
                                : charged->second->charge_filed().district();
    const v1::DispositionOutcome outcome = c->disposition().outcome();
    const bool plea = outcome == v1::DISPOSITION_OUTCOME_PLEA;
    for (Parts* p : in_units(units_of(key.first, key.second, district),
                             c->occurred_at().seconds())) {
      ++p->dispositions;
      ++p->received;
      p->pleas += plea;
      p->convictions +=
          plea || outcome == v1::DISPOSITION_OUTCOME_TRIAL_CONVICTION;
    }
  }
  // Seizures: in their case's units (its latest case_opened; none before
  // the case exists), in the seizure's period.
  for (const auto& [key, z] : seizures) {
    auto opening = opened.find(z->case_id());
    if (opening == opened.end()) continue;
    const v1::CaseOpened& o = opening->second->case_opened();
    std::set<std::string> units;
    if (!o.agency().empty()) units.insert("agency:" + o.agency());
    if (!o.field_office().empty()) {
      units.insert("field_office:" + o.field_office());
    }
    if (!o.district().empty()) units.insert("district:" + o.district());
    if (!units.empty()) units.insert(kNational);
    for (Parts* p : in_units(units, z->occurred_at().seconds())) {
      ++p->seizures;
      ++p->received;
      p->seized_cents += std::llround(
          (z->seizure().cash_usd() + z->seizure().assets_usd()) * 100.0);
    }
  }

  // Agencies' outcome claims and targets, per fiscal year (SPEC §5
  // target_ratio: pending ones included; CPOT_*: orgs designated CPOT;
  // ARRESTS: the agency's arrests in the year).
  for (const Outcome& o : outcomes) {
    AgencyYear& a =
        x.reference[{"agency:" + o.reporter, StrCat("FY", o.fiscal_year)}];
    ++a.outcomes;
    const bool dismantled = o.outcome == v1::ORG_OUTCOME_DISMANTLED;
    if (dismantled && o.pending) {
      ++a.pending_dismantled;
      ++x.pending_dismantled;
      x.holding["PENDING_COUNTED_AS_DISMANTLED"].insert(
          StrCat("PENDING_COUNTED_AS_DISMANTLED/report/", o.reporter, "/",
                 o.report_id));
    }
    std::vector<std::string> measures = {
        dismantled ? "PERFORMANCE_MEASURE_PTO_DISMANTLED"
                   : "PERFORMANCE_MEASURE_PTO_DISRUPTED"};
    if (tier_of(o.org_id) == v1::TIER_CPOT) {
      measures.push_back(dismantled ? "PERFORMANCE_MEASURE_CPOT_DISMANTLED"
                                    : "PERFORMANCE_MEASURE_CPOT_DISRUPTED");
    }
    for (const std::string& m : measures) {
      ++a.reported[m];
      if (!o.pending) ++a.restated[m];
    }
  }
  for (const auto& [key, value] : targets) {
    const auto& [agency, fy, measure] = key;
    AgencyYear& a = x.reference[{"agency:" + agency, StrCat("FY", fy)}];
    a.target[measure] = value.second;
  }
  for (auto& [up, a] : x.reference) {
    auto p = x.parts.find(up);
    a.reported["PERFORMANCE_MEASURE_ARRESTS"] =
        p == x.parts.end() ? 0 : p->second.arrests;
    a.restated["PERFORMANCE_MEASURE_ARRESTS"] =
        a.reported["PERFORMANCE_MEASURE_ARRESTS"];
    for (const auto& [measure, target] : a.target) {
      sim::TargetRatio row;
      row.agency = up.first.substr(7);
      row.fiscal_year = std::atoi(up.second.substr(2).c_str());
      v1::PerformanceMeasure_Parse(measure, &row.measure);
      row.target = target;
      row.reported = a.reported[measure];
      x.target_ratios.push_back(row);
      if (row.ratio() >= 1.25) {
        x.holding["TARGET_OVERSHOOT"].insert(StrCat(
            "TARGET_OVERSHOOT/", up.first, "/", up.second, "/", measure));
      }
    }
  }

  // The scorecard conditions of every unit-period, judged on the current
  // facts: the RESTRICTED half of each pair (SPEC §6). The PUBLIC half is
  // judged on the public view (PublicHolding, below).
  for (const auto& [up, p] : x.parts) {
    if (p.sentenced < 11) continue;
    const double n = static_cast<double>(p.sentenced);
    const std::string scope = StrCat(up.first, "/", up.second, "/restricted");
    if (static_cast<double>(p.lnf) / n >= 0.30) {
      x.holding["LNF_SHARE_HIGH"].insert("LNF_SHARE_HIGH/" + scope);
    }
    if (static_cast<double>(p.claimed_priority - p.high) / n >= 0.25) {
      x.holding["FRUITION_GAP"].insert("FRUITION_GAP/" + scope);
    }
  }
  for (const auto& [up, p] : x.parts) {
    if (p.lnf < 11) continue;
    if (static_cast<double>(p.lnf_mm) / static_cast<double>(p.lnf) >= 0.5) {
      x.holding["LNF_MANDATORY_MINIMUM_HIGH"].insert(
          StrCat("LNF_MANDATORY_MINIMUM_HIGH/", up.first, "/", up.second,
                 "/restricted"));
    }
  }
  return x;
}

// A cell of a served card (JSON name): its value when published and
// defined, else nothing (withheld by disclosure control, a share of nobody,
// or missing).
std::optional<double> Shown(const Struct& card, const std::string& json) {
  auto it = card.fields().find(json);
  if (it == card.fields().end()) return std::nullopt;
  const auto& f = it->second.struct_value().fields();
  if (f.count("suppressed") > 0 && f.at("suppressed").bool_value()) {
    return std::nullopt;
  }
  if (f.count("value") == 0) return std::nullopt;
  return f.at("value").number_value();
}

bool Withheld(const Struct& card, const std::string& json) {
  auto it = card.fields().find(json);
  if (it == card.fields().end()) return false;
  const auto& f = it->second.struct_value().fields();
  return f.count("suppressed") > 0 && f.at("suppressed").bool_value();
}

// LNF_MANDATORY_MINIMUM_HIGH on a served card: at least 11 LNF offenders
// sentenced and half or more of them charged under a mandatory minimum, both
// shown (a card without these cells raises nothing).
bool MandatoryMinimumHigh(const Struct& card) {
  const auto lnf = Shown(card, "lnfSentenced");
  const auto share = Shown(card, "lnfMandatoryMinimumShare");
  return lnf && *lnf >= 11 && share && *share >= 0.5;
}

// What holds with the public view as served (without a token, indicators by
// unit-period) added to the computation's: the PUBLIC FRUITION_GAP and
// LNF_SHARE_HIGH where the public card shows `sentenced` of at least 11 and
// the indicator at its threshold; TARGET_OVERSHOOT as computed, but for
// arrests only where the public view shows that ratio (SPEC §5: it follows
// the `arrests` cell). `lagging`: the public cards with lagsCurrent.
std::map<std::string, std::set<std::string>> PublicHolding(
    const Expected& x, const std::map<UnitPeriod, Struct>& public_cards,
    const std::set<UnitPeriod>& lagging) {
  std::map<std::string, std::set<std::string>> holding = x.holding;
  for (const auto& [up, card] : public_cards) {
    const std::string scope = StrCat(up.first, "/", up.second);
    // On the LNF count, whatever `sentenced` shows.
    if (MandatoryMinimumHigh(card)) {
      holding["LNF_MANDATORY_MINIMUM_HIGH"].insert(
          "LNF_MANDATORY_MINIMUM_HIGH/" + scope);
    }
    const auto sentenced = Shown(card, "sentenced");
    if (!sentenced || *sentenced < 11) continue;
    const auto lnf = Shown(card, "lnfShare");
    if (lnf && *lnf >= 0.30) {
      holding["LNF_SHARE_HIGH"].insert("LNF_SHARE_HIGH/" + scope);
    }
    const auto gap = Shown(card, "fruitionGap");
    if (gap && *gap >= 0.25) {
      holding["FRUITION_GAP"].insert("FRUITION_GAP/" + scope);
    }
  }
  // BUDGET_CRITERIA_UNMET: a line whose agency's public card for the year
  // fails a criterion (a value withheld or undefined fails); no card, not
  // judged.
  for (const v1::BudgetLine& b : x.budget_lines) {
    auto card = public_cards.find(
        {"agency:" + b.agency(), StrCat("FY", b.fiscal_year())});
    if (card == public_cards.end()) continue;
    bool unmet = false;
    for (const v1::BudgetCriterion& c : b.criteria()) {
      const auto v = Shown(card->second, JsonName(c.indicator()));
      unmet = unmet || !v ||
              (c.op() == v1::CRITERION_OP_AT_MOST ? *v > c.value()
                                                  : *v < c.value());
    }
    if (unmet) {
      holding["BUDGET_CRITERIA_UNMET"].insert("BUDGET_CRITERIA_UNMET/" +
                                              b.line_id());
    }
  }
  // TARGET_OVERSHOOT for arrests: on the public card of the agency's year.
  // Withheld there, it does not hold; shown, it holds as computed, or on the
  // figure shown when the card lags the facts (its arrests as of its last
  // version, SPEC §5 D4).
  auto& overshoot = holding["TARGET_OVERSHOOT"];
  for (const auto& [up, card] : public_cards) {
    static const std::string kCell = "targetRatio:PERFORMANCE_MEASURE_ARRESTS";
    if (card.fields().count(kCell) == 0) continue;
    const std::string key = StrCat("TARGET_OVERSHOOT/", up.first, "/",
                                   up.second, "/PERFORMANCE_MEASURE_ARRESTS");
    if (Withheld(card, kCell)) {
      overshoot.erase(key);
    } else if (lagging.count(up) > 0) {
      const auto ratio = Shown(card, kCell);
      if (ratio && *ratio >= 1.25) {
        overshoot.insert(key);
      } else {
        overshoot.erase(key);
      }
    }
  }
  // No public card: no public event.
  for (auto it = overshoot.begin(); it != overshoot.end();) {
    const std::string scope = it->substr(sizeof("TARGET_OVERSHOOT/") - 1);
    const size_t a = scope.find('/');
    const size_t b = scope.find('/', a + 1);
    const bool carded =
        public_cards.count(
            {scope.substr(0, a), scope.substr(a + 1, b - a - 1)}) > 0;
    it = carded ? std::next(it) : overshoot.erase(it);
  }
  return holding;
}

int64_t Tally(const Parts& p, const std::string& key) {
  auto it = p.tally.find(key);
  return it == p.tally.end() ? 0 : it->second;
}

// The median of the sentence months (months -> people): of an even count,
// the mean of the two middle values.
double Median(const std::map<int64_t, int64_t>& months) {
  std::vector<int64_t> all;
  for (const auto& [m, people] : months) all.insert(all.end(), people, m);
  const size_t n = all.size();
  return n % 2 == 1 ? static_cast<double>(all[n / 2])
                    : (all[n / 2 - 1] + all[n / 2]) / 2.0;
}

// The prosecution stage, the Sentencing Commission's tables (every member
// of each family listed, n = 0 where none) and seizures (SPEC §5 v1.1).
template <typename CountFn, typename ShareFn>
void AddProsecutionIndicators(const Parts& p, const CountFn& count,
                              const ShareFn& share,
                              std::map<std::string, Cell>* out) {
  for (const auto& [name, v] :
       {std::pair<const char*, int64_t>{"charged", p.charged},
        {"declined", p.declined},
        {"dispositions", p.dispositions},
        {"lnf_sentenced", p.lnf},
        {"seizures", p.seizures}}) {
    count(name, v);
  }
  // name, k, n
  for (const auto& [name, k, n] :
       {std::tuple<const char*, int64_t, int64_t>{
            "mandatory_minimum_charged_share", p.mm_charged, p.charged},
        {"declination_rate", p.declined, p.declined + p.charged},
        {"referred_to_state_share", p.referred, p.declined},
        {"plea_rate", p.pleas, p.dispositions},
        {"conviction_rate", p.convictions, p.dispositions},
        {"lnf_mandatory_minimum_share", p.lnf_mm, p.lnf},
        {"lnf_safety_valve_share", p.lnf_safety_valve, p.lnf},
        {"below_mandatory_minimum_share", p.below_mm, p.mm_sentenced},
        {"weight_role_mismatch_share", p.heavy_lnf, p.heavy},
        {"ocdetf_lnf_share", p.ocdetf_lnf, p.ocdetf}}) {
    share(name, k, n);
  }
  Cell mean;
  mean.n = p.sentenced;
  mean.defined = p.sentenced > 0;
  Cell median = mean;
  if (mean.defined) {
    mean.value = static_cast<double>(p.sentence_months) / p.sentenced;
    median.value = Median(p.months);
  }
  (*out)["mean_sentence_months"] = mean;
  (*out)["median_sentence_months"] = median;
  for (int f = 1; f <= 18; ++f) {
    const std::string name =
        v1::OffenseFunction_Name(static_cast<v1::OffenseFunction>(f));
    share("function_share:" + name, Tally(p, "function:" + name), p.sentenced);
  }
  for (int c = 1; c <= 6; ++c) {
    share(StrCat("criminal_history_share:", c),
          Tally(p, StrCat("criminal_history:", c)), p.sentenced);
  }
  for (int d = 1; d <= 7; ++d) {
    const std::string name = v1::Drug_Name(static_cast<v1::Drug>(d));
    share("drug_share:" + name, Tally(p, "drug:" + name), p.sentenced);
  }
  for (int o = 1; o <= 6; ++o) {
    const std::string name =
        v1::CaseOrigin_Name(static_cast<v1::CaseOrigin>(o));
    share("origin_lnf_share:" + name, Tally(p, "origin_lnf:" + name),
          Tally(p, "origin:" + name));
  }
  (*out)["seized_value_usd"] = {true, p.seized_cents / 100.0, p.seizures,
                                Cell::kAmount};
  // Data quality.
  count("arrests_unsentenced", p.unsentenced);
  count("sentenced_without_arrest", p.without_arrest);
  share("coverage:arrest.field_office", p.with_office, p.arrests);
  share("coverage:sentencing.drug_weight_grams", p.with_weight, p.sentenced);
}

// The reports behind an agency's figures (agencies only): the sample sends
// no report id twice with another body.
void AddReportCells(const Parts& p, std::map<std::string, Cell>* out) {
  (*out)["reports_received"] = {true, static_cast<double>(p.received),
                                p.received, Cell::kCount};
  (*out)["reports_conflicting"] = {true, 0, 0, Cell::kCount};
  (*out)["last_received_at"] = {p.received > 0, 0, p.received, Cell::kReceived};
}

// The indicators SPEC §5 defines for a unit-period, by their SPEC names.
std::map<std::string, Cell> Indicators(const Parts& p, const AgencyYear* a) {
  std::map<std::string, Cell> out;
  auto count = [&](const std::string& name, int64_t v) {
    out[name] = {true, static_cast<double>(v), v, Cell::kCount};
  };
  auto share = [&](const std::string& name, int64_t num, int64_t den) {
    Cell c;
    c.kind = Cell::kShare;
    c.n = den;
    c.defined = den > 0;
    if (c.defined) {
      c.value = static_cast<double>(num) / static_cast<double>(den);
    }
    out[name] = c;
  };
  count("arrests", p.arrests);
  count("pto_linked_arrests_claimed", p.claimed);
  out["pto_linked_arrests_substantiated"] = {
      true, static_cast<double>(p.substantiated), -1, Cell::kCount};
  share("link_substantiation_rate", p.substantiated, p.claimed);
  count("sentenced", p.sentenced);
  share("high_desert_share", p.high, p.sentenced);
  share("lnf_share", p.lnf, p.sentenced);
  share("ch1_share", p.ch1, p.sentenced);
  share("weapon_share", p.weapon, p.sentenced);
  share("aggravating_role_share", p.aggravating, p.sentenced);
  share("claimed_priority_share", p.claimed_priority, p.sentenced);
  {
    Cell c;
    c.n = p.sentenced;
    c.defined = p.sentenced > 0;
    if (c.defined) {
      c.value = static_cast<double>(p.desert_sum) / p.sentenced;
    }
    out["mean_desert"] = c;
    c.kind = Cell::kShare;  // a difference of two shares
    if (c.defined) {
      c.value = static_cast<double>(p.claimed_priority) / p.sentenced -
                static_cast<double>(p.high) / p.sentenced;
    }
    out["fruition_gap"] = c;
  }
  out["weighted_enforcement_value"] = {true, p.weighted_value, -1,
                                       Cell::kAmount};
  const double lnf_years = static_cast<double>(p.lnf_months) / 12.0;
  out["lnf_prison_years"] = {true, lnf_years, p.lnf, Cell::kAmount};
  out["lnf_cost_usd"] = {true, lnf_years * 36299, p.lnf, Cell::kAmount};
  count("declined_then_charged_elsewhere", p.declined_charged);
  AddProsecutionIndicators(p, count, share, &out);
  if (a != nullptr) {
    count("org_outcomes_reported", a->outcomes);
    count("pending_counted_as_dismantled", a->pending_dismantled);
    if (!a->budget_lines.empty()) {
      int64_t budget = 0;
      for (const auto& [id, amount] : a->budget_lines) budget += amount;
      out["budget_usd"] = {true, static_cast<double>(budget),
                           static_cast<int64_t>(a->budget_lines.size()),
                           Cell::kAmount};
      Cell cost{p.high > 0, 0, p.high, Cell::kAmount};
      if (cost.defined) cost.value = static_cast<double>(budget) / p.high;
      out["cost_per_high_desert_sentence"] = cost;
    }
    for (const auto& [measure, target] : a->target) {
      for (const auto& [prefix, counted] :
           {std::make_pair("target_ratio:", &a->reported),
            std::make_pair("target_ratio_restated:", &a->restated)}) {
        auto it = counted->find(measure);
        const int64_t n = it == counted->end() ? 0 : it->second;
        out[prefix + measure] = {
            true, static_cast<double>(n) / static_cast<double>(target), -1,
            Cell::kAmount};
      }
    }
  }
  return out;
}

// ---------------------------------------------------------- over HTTP

class Gateway {
 public:
  Gateway(int port, std::string token)
      : http_("127.0.0.1", port), token_(std::move(token)) {
    http_.set_read_timeout(60, 0);
  }

  // The body of a 200 answer, or "" (with the failure in `error`).
  std::string Get(const std::string& path, std::string* error = nullptr) {
    httplib::Headers headers;
    if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
    auto res = http_.Get(path, headers);
    if (!res || res->status != 200) {
      if (error != nullptr) {
        *error = res ? StrCat(path, ": HTTP ", res->status, " ", res->body)
                     : StrCat(path, ": no answer");
      }
      return "";
    }
    return res->body;
  }

  // Every scorecard of `periods` plus the periods /api/v1/units names,
  // by (unit, period): area units left out (community indicators are not
  // compared here). `fingerprint` changes whenever any card does.
  // `lagging`, if given: the public cards with lagsCurrent.
  bool Scorecards(const std::set<std::string>& periods,
                  std::map<UnitPeriod, Struct>* cards, std::string* fingerprint,
                  std::string* error, std::set<UnitPeriod>* lagging = nullptr) {
    cards->clear();
    fingerprint->clear();
    if (lagging != nullptr) lagging->clear();
    Struct units;
    if (!google::protobuf::util::JsonStringToMessage(
             Get("/api/v1/units", error), &units)
             .ok()) {
      return false;
    }
    std::set<std::string> all = periods;
    for (const Value& p : units.fields().at("periods").list_value().values()) {
      all.insert(p.string_value());
    }
    for (const std::string& period : all) {
      const std::string body =
          Get("/api/v1/scorecards?period=" + period, error);
      Struct page;
      if (body.empty() ||
          !google::protobuf::util::JsonStringToMessage(body, &page).ok()) {
        return false;
      }
      for (const Value& v :
           page.fields().at("scorecards").list_value().values()) {
        const auto& f = v.struct_value().fields();
        const std::string unit = f.at("unit").string_value();
        if (unit.rfind("area:", 0) == 0) continue;
        EXPECT_EQ(f.at("period").string_value(), period);
        (*cards)[{unit, period}] = f.at("indicators").struct_value();
        if (lagging != nullptr && f.count("lagsCurrent") > 0 &&
            f.at("lagsCurrent").bool_value()) {
          lagging->insert({unit, period});
        }
        *fingerprint += StrCat(unit, "/", period, "=",
                               f.at("scorecardId").string_value(), ";");
      }
    }
    return true;
  }

  // Every event, oldest first, paging with `after` = `next`.
  bool Events(std::vector<v1::OversightEvent>* events, std::string* error) {
    events->clear();
    std::string after;
    for (int page = 0; page < 100000; ++page) {
      const std::string body =
          Get(StrCat("/api/v1/events?limit=1000&after=", after), error);
      v1::ListOversightEventsResponse r;
      if (body.empty() ||
          !google::protobuf::util::JsonStringToMessage(body, &r).ok()) {
        if (error != nullptr && error->empty()) *error = "bad events page";
        return false;
      }
      for (auto& e : *r.mutable_events()) events->push_back(std::move(e));
      if (r.events_size() == 0 && r.next() == after) return true;
      after = r.next();
    }
    return false;
  }

 private:
  httplib::Client http_;
  std::string token_;
};

// Event type (without EVENT_TYPE_) -> condition keys whose latest event
// (per key and visibility) holds; SCORECARD_PUBLISHED keys carry their
// visibility ("#VISIBILITY_RESTRICTED"), the only type with both.
std::map<std::string, std::set<std::string>> Holding(
    const std::vector<v1::OversightEvent>& events) {
  std::map<std::string, const v1::OversightEvent*> latest;
  for (const auto& e : events) {
    latest[StrCat(e.condition_key(), "#",
                  v1::Visibility_Name(e.visibility()))] = &e;
  }
  std::map<std::string, std::set<std::string>> out;
  for (const auto& [key, e] : latest) {
    const std::string type =
        v1::EventType_Name(e->type()).substr(sizeof("EVENT_TYPE_") - 1);
    auto& keys = out[type];  // every type seen, holding or not
    if (e->resolved()) continue;
    keys.insert(type == "SCORECARD_PUBLISHED" ? key : e->condition_key());
  }
  return out;
}

// Differences between the expected and the served scorecards, one line each.
// The SPEC §11 condition counts (checked against the events, not the
// facts: CompareConditions).
bool IsConditionCell(const std::string& json) {
  return json == "conditionsRaised" || json == "conditionsAnswered" ||
         json == "conditionsAccepted" || json == "conditionsRejected";
}

// The fiscal year (2027 for FY2027) of Unix seconds `t`: it starts Oct 1.
int FiscalYearAt(int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm.tm_year + 1900 + (tm.tm_mon >= 9 ? 1 : 0);
}

// The agencies event `e` is about, by this test's reading of SPEC §11: its
// unit's agency (a field office's as the sample's arrests name it, a
// district's U.S. Attorney's Office) and the reporter a report key names.
std::set<std::string> AgenciesOf(const Expected& x,
                                 const v1::OversightEvent& e) {
  std::set<std::string> out;
  const std::string& unit = e.unit();
  if (unit.rfind("agency:", 0) == 0) out.insert(unit.substr(7));
  if (unit.rfind("field_office:", 0) == 0) {
    auto it = x.office_agency.find(unit.substr(13));
    if (it != x.office_agency.end()) out.insert(it->second);
  }
  if (unit.rfind("district:", 0) == 0) out.insert("USAO-" + unit.substr(9));
  const std::string& key = e.condition_key();
  const size_t slash = key.find('/');
  if (slash != std::string::npos && key.compare(slash + 1, 7, "report/") == 0) {
    const size_t from = slash + 8;
    const size_t cut = key.find('/', from);
    if (cut != std::string::npos) out.insert(key.substr(from, cut - from));
  }
  return out;
}

// The test's own conditions_raised per agency fiscal year from every event
// served (the sample sends no answers or decisions). A finding is a
// condition key, a pair rule's public and `/restricted` keys being one
// finding judged by the restricted key's events (by all when it has none);
// SCORECARD_PUBLISHED is no condition. It counts when its latest judging
// event, in emitted_at order, raises it; in the fiscal year of its latest
// raising event's period (of its first raise's emitted_at when no event
// names a period); for each agency a raising event is about.
std::map<UnitPeriod, int64_t> ConditionsRaised(
    const Expected& x, const std::vector<v1::OversightEvent>& events) {
  constexpr std::string_view kRestricted = "/restricted";
  std::map<std::string, std::vector<const v1::OversightEvent*>> by_finding;
  for (const auto& e : events) {
    if (e.type() == v1::EVENT_TYPE_SCORECARD_PUBLISHED) continue;
    std::string key = e.condition_key();
    if (key.size() > kRestricted.size() &&
        key.compare(key.size() - kRestricted.size(), kRestricted.size(),
                    kRestricted) == 0) {
      key.resize(key.size() - kRestricted.size());
    }
    by_finding[key].push_back(&e);
  }
  std::map<UnitPeriod, int64_t> out;
  for (auto& [finding, all] : by_finding) {
    std::vector<const v1::OversightEvent*> list;
    for (const auto* e : all) {
      if (e->visibility() == v1::VISIBILITY_RESTRICTED) list.push_back(e);
    }
    if (list.empty()) list = all;
    std::sort(list.begin(), list.end(), [](const auto* a, const auto* b) {
      return std::make_tuple(a->emitted_at().seconds(), a->emitted_at().nanos(),
                             a->event_id()) <
             std::make_tuple(b->emitted_at().seconds(), b->emitted_at().nanos(),
                             b->event_id());
    });
    if (list.back()->resolved()) continue;  // raised, then resolved
    std::set<std::string> agencies;
    std::optional<int> year;
    for (const auto* e : list) {
      if (e->resolved()) continue;
      for (const auto& a : AgenciesOf(x, *e)) agencies.insert(a);
      if (e->period().size() >= 6) {
        year = std::stoi(e->period().substr(2, 4));
      } else if (!year) {
        year = FiscalYearAt(e->emitted_at().seconds());
      }
    }
    for (const auto& a : agencies) ++out[{"agency:" + a, StrCat("FY", *year)}];
  }
  return out;
}

// Every agency fiscal year's condition cells against ConditionsRaised (the
// sample sends no answers or decisions: those read 0); nowhere else.
std::vector<std::string> CompareConditions(
    const Expected& x, const std::vector<v1::OversightEvent>& events,
    const std::map<UnitPeriod, Struct>& cards, const std::string& view) {
  const auto want = ConditionsRaised(x, events);
  std::vector<std::string> diffs;
  for (const auto& [up, n] : want) {
    if (cards.count(up) == 0) {
      diffs.push_back(StrCat(view, " ", up.first, " ", up.second, ": ", n,
                             " conditions raised, no scorecard"));
    }
  }
  for (const auto& [up, card] : cards) {
    const std::string where = StrCat(view, " ", up.first, " ", up.second);
    const bool agency_year =
        up.first.rfind("agency:", 0) == 0 && up.second.size() == 6;
    auto w = want.find(up);
    const int64_t raised = w == want.end() ? 0 : w->second;
    for (const char* json : {"conditionsRaised", "conditionsAnswered",
                             "conditionsAccepted", "conditionsRejected"}) {
      auto it = card.fields().find(json);
      if (!agency_year) {
        if (it != card.fields().end()) {
          diffs.push_back(StrCat(where, " ", json, ": not expected"));
        }
        continue;
      }
      const int64_t expect =
          std::string(json) == "conditionsRaised" ? raised : 0;
      if (it == card.fields().end()) {
        if (expect != 0) diffs.push_back(StrCat(where, " ", json, ": missing"));
        continue;
      }
      const auto& f = it->second.struct_value().fields();
      const double v = f.count("value") ? f.at("value").number_value() : -1;
      const double n = f.count("n") ? f.at("n").number_value() : -1;
      if (v != static_cast<double>(expect) || n != v) {
        diffs.push_back(StrCat(where, " ", json, ": ", v, " (n ", n,
                               "), expected ", expect));
      }
    }
  }
  return diffs;
}

std::vector<std::string> CompareScorecards(
    const Expected& x, const std::map<UnitPeriod, Struct>& cards) {
  std::vector<std::string> diffs;
  std::set<UnitPeriod> expected;
  for (const auto& [up, p] : x.parts) expected.insert(up);
  for (const auto& [up, a] : x.reference) expected.insert(up);
  for (const UnitPeriod& up : expected) {
    const std::string where = StrCat(up.first, " ", up.second);
    auto card = cards.find(up);
    if (card == cards.end()) {
      diffs.push_back(StrCat(where, ": expected, not served"));
      continue;
    }
    auto p = x.parts.find(up);
    auto a = x.reference.find(up);
    auto cells = Indicators(p == x.parts.end() ? Parts() : p->second,
                            a == x.reference.end() ? nullptr : &a->second);
    const auto& served = card->second.fields();
    // Agencies only: elsewhere "not expected" below if served.
    if (up.first.rfind("agency:", 0) == 0) {
      AddReportCells(p == x.parts.end() ? Parts() : p->second, &cells);
    }
    for (const auto& [name, want] : cells) {
      const std::string json = JsonName(name);
      auto it = served.find(json);
      if (it == served.end()) {
        diffs.push_back(StrCat(where, " ", json, ": missing"));
        continue;
      }
      const auto& got = it->second.struct_value().fields();
      const bool has_value = got.count("value") > 0;
      const double n = got.count("n") ? got.at("n").number_value() : -1;
      if (want.n >= 0 && n != static_cast<double>(want.n)) {
        diffs.push_back(
            StrCat(where, " ", json, ": n ", n, ", expected ", want.n));
      }
      if (!want.defined) {
        if (has_value || got.count("defined") == 0 ||
            got.at("defined").bool_value()) {
          diffs.push_back(StrCat(where, " ", json,
                                 ": expected undefined (a share of nobody)"));
        }
        continue;
      }
      if (!has_value) {
        diffs.push_back(StrCat(where, " ", json, ": no value"));
        continue;
      }
      const double v = got.at("value").number_value();
      if (want.kind == Cell::kReceived) {
        if (v < static_cast<double>(x.submitted_from) ||
            v > static_cast<double>(x.submitted_until)) {
          diffs.push_back(StrCat(where, " ", json, ": ", v,
                                 ", expected a time from ", x.submitted_from,
                                 " to ", x.submitted_until));
        }
        continue;
      }
      const double tolerance =
          want.kind == Cell::kCount
              ? 0
              : (want.kind == Cell::kShare
                     ? 1e-9
                     : 1e-9 * std::max(1.0, std::fabs(want.value)));
      if (std::fabs(v - want.value) > tolerance) {
        std::ostringstream line;
        line.precision(17);
        line << where << " " << json << ": " << v << ", expected "
             << want.value;
        diffs.push_back(line.str());
      }
    }
    // No indicator this test does not compute (every one served is
    // checked above).
    std::set<std::string> known;
    for (const auto& [name, want] : cells) known.insert(JsonName(name));
    for (const auto& [json, cell] : served) {
      // Checked against the events (CompareConditions).
      if (IsConditionCell(json)) continue;
      if (known.count(json) == 0) {
        diffs.push_back(StrCat(where, " ", json, ": not expected"));
      }
    }
  }
  for (const auto& [up, card] : cards) {
    // A unit-period whose members all moved away (an amended judgment in
    // another district or quarter) keeps its latest scorecard, which reads
    // zero everywhere: the same as no data. Whether one was ever published
    // depends on how scoring batched its input, so it is not expected.
    bool all_zero = true;
    for (const auto& [json, cell] : card.fields()) {
      // An agency's current fiscal year may hold conditions only.
      if (IsConditionCell(json)) continue;
      const auto& f = cell.struct_value().fields();
      if ((f.count("n") && f.at("n").number_value() != 0) ||
          (f.count("value") && f.at("value").number_value() != 0)) {
        all_zero = false;
      }
    }
    if (expected.count(up) == 0 && !all_zero) {
      diffs.push_back(
          StrCat(up.first, " ", up.second, ": served, not expected"));
    }
  }
  return diffs;
}

// Differences between the expected and the served holding conditions.
// `expected`: x.holding with the public view's (PublicHolding).
std::vector<std::string> CompareEvents(
    const Expected& x,
    const std::map<std::string, std::set<std::string>>& expected,
    const std::map<std::string, std::set<std::string>>& holding) {
  static const std::set<std::string> kNamed = {
      "LINK_UNSUBSTANTIATED", "PENDING_COUNTED_AS_DISMANTLED",
      "TARGET_OVERSHOOT",     "FRUITION_GAP",
      "LNF_SHARE_HIGH",       "LNF_MANDATORY_MINIMUM_HIGH",
      "BUDGET_CRITERIA_UNMET"};
  std::vector<std::string> diffs;
  for (const char* type :
       {"LINK_UNSUBSTANTIATED", "TIER_MISMATCH",
        "PENDING_COUNTED_AS_DISMANTLED", "TARGET_OVERSHOOT", "FRUITION_GAP",
        "LNF_SHARE_HIGH", "LNF_MANDATORY_MINIMUM_HIGH",
        "DECLINED_THEN_CHARGED_ELSEWHERE", "REPORT_CONFLICT",
        "BUDGET_CRITERIA_UNMET"}) {
    auto w = expected.find(type);
    auto g = holding.find(type);
    const std::set<std::string> none;
    const auto& want = w == expected.end() ? none : w->second;
    const auto& got = g == holding.end() ? none : g->second;
    if (want.size() != got.size()) {
      diffs.push_back(
          StrCat(type, ": ", got.size(), " holding, expected ", want.size()));
    }
    if (kNamed.count(type) == 0) continue;
    int shown = 0;
    for (const auto& k : want) {
      if (got.count(k) == 0 && ++shown <= 10) {
        diffs.push_back(StrCat("  expected, not holding: ", k));
      }
    }
    for (const auto& k : got) {
      if (want.count(k) == 0 && ++shown <= 20) {
        diffs.push_back(StrCat("  holding, not expected: ", k));
      }
    }
  }
  for (const auto& [type, keys] : holding) {
    static const std::set<std::string> kKnown = {
        "LINK_UNSUBSTANTIATED",
        "TIER_MISMATCH",
        "PENDING_COUNTED_AS_DISMANTLED",
        "TARGET_OVERSHOOT",
        "FRUITION_GAP",
        "LNF_SHARE_HIGH",
        "LNF_MANDATORY_MINIMUM_HIGH",
        "DECLINED_THEN_CHARGED_ELSEWHERE",
        "REPORT_CONFLICT",
        "BUDGET_CRITERIA_UNMET",
        "SCORECARD_PUBLISHED"};
    if (kKnown.count(type) == 0) diffs.push_back("unexpected type " + type);
  }
  // Every unit-period's scorecard was published, publicly and restricted.
  auto published = holding.find("SCORECARD_PUBLISHED");
  int missing = 0;
  for (const auto& [up, p] : x.parts) {
    for (const char* vis : {"VISIBILITY_PUBLIC", "VISIBILITY_RESTRICTED"}) {
      const std::string key =
          StrCat("SCORECARD_PUBLISHED/", up.first, "/", up.second, "#", vis);
      if (published == holding.end() || published->second.count(key) == 0) {
        if (++missing <= 10) diffs.push_back("no holding " + key);
      }
    }
  }
  if (missing > 0) {
    diffs.push_back(StrCat(missing, " SCORECARD_PUBLISHED missing in all"));
  }
  return diffs;
}

std::string Lines(const std::vector<std::string>& lines, size_t max = 60) {
  std::string out;
  for (size_t i = 0; i < lines.size() && i < max; ++i) {
    out += lines[i] + "\n";
  }
  if (lines.size() > max) out += StrCat("... ", lines.size() - max, " more\n");
  return out;
}

// ------------------------------------------------------------- the test

TEST(DevEndToEndTest, ScorecardsAndEventsMatchTheGeneratedFacts) {
  const int subjects = std::max(600, testing::Scaled(1500));
  const uint64_t seed = 20170601;
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<seconds>(
               std::chrono::steady_clock::now() - started)
        .count();
  };

  const auto unix_now = [] {
    return std::chrono::duration_cast<seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const int64_t submitted_from = unix_now();
  auto dev = testing::StartDev("fruition-dev-e2e",
                               {StrCat("--sample-subjects=", subjects),
                                StrCat("--seed=", seed), "--live-rate=0"});
  ASSERT_TRUE(dev.ok()) << dev.status();

  // What `fruition dev` generates (tools/fruition/dev.cc): every fact of
  // the sample lies years before now, so now as not_after keeps them all.
  sim::SimOptions options;
  options.seed = seed;
  options.subjects = subjects;
  options.first_fiscal_year = 2014;
  options.years = 3;
  options.not_after_seconds =
      std::chrono::duration_cast<seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto reports = sim::Generate(options);
  ASSERT_TRUE(reports.ok()) << reports.status();
  // What `fruition dev` sends with the sample: the overseer's budget lines
  // for its last fiscal year.
  std::vector<v1::AgencyReport> sent = *reports;
  for (v1::AgencyReport& line :
       sim::SampleBudgetLines(options.first_fiscal_year + options.years - 1)) {
    sent.push_back(std::move(line));
  }
  Expected x = Compute(sent);
  x.submitted_from = submitted_from;

  // The computation here agrees with the simulator's own measure where both
  // speak (national totals and every target ratio).
  const sim::Measures m = sim::Measure(*reports);
  EXPECT_EQ(x.pending_dismantled, m.pending_dismantled);
  EXPECT_EQ(x.declined_then_charged_elsewhere,
            m.declined_then_charged_elsewhere);
  {
    std::set<std::tuple<std::string, int, int, int64_t, int64_t>> mine, theirs;
    for (const auto& t : x.target_ratios) {
      mine.insert({t.agency, t.fiscal_year, t.measure, t.target, t.reported});
    }
    for (const auto& t : m.target_ratios) {
      theirs.insert({t.agency, t.fiscal_year, t.measure, t.target, t.reported});
    }
    EXPECT_EQ(mine, theirs);
  }
  ASSERT_FALSE(x.parts.empty());

  dev->WaitFor(testing::kDevSampleDone, seconds(420));
  const std::string output = dev->Output();
  ASSERT_NE(output.find("Submit your own"), std::string::npos) << output;
  EXPECT_EQ(testing::AfterMarker(output, "sample data: submitting "),
            StrCat(x.reports, " reports of ", subjects,
                   " people (fruition-sim, seed ", seed, ")..."))
      << output;
  EXPECT_NE(output.find(
                StrCat("sample data: ", x.reports, " accepted, 0 rejected\n")),
            std::string::npos)
      << output;
  const int port = dev->DashboardPort();
  const std::string oig = dev->Token("OIG (OVERSEER)");
  ASSERT_GT(port, 0) << output;
  ASSERT_FALSE(oig.empty()) << output;
  std::cerr << "sample of " << x.reports << " reports submitted after "
            << elapsed() << " s\n";

  std::set<std::string> periods;
  for (const auto& [up, p] : x.parts) periods.insert(up.second);
  Gateway gateway(port, oig);

  // The scorecards settle: the same over several polls five seconds apart.
  std::map<UnitPeriod, Struct> cards;
  std::string fingerprint, before, error;
  int same = 0;
  const auto poll_deadline = std::chrono::steady_clock::now() + seconds(300);
  while (same < 3 && std::chrono::steady_clock::now() < poll_deadline) {
    std::this_thread::sleep_for(seconds(5));
    if (!gateway.Scorecards(periods, &cards, &fingerprint, &error)) continue;
    same = !cards.empty() && fingerprint == before ? same + 1 : 0;
    before = fingerprint;
  }
  ASSERT_EQ(same, 3) << "scorecards still changing: " << error;
  x.submitted_until = unix_now();
  std::cerr << "scorecards settled after " << elapsed() << " s ("
            << cards.size() << " unit-periods served)\n";

  std::vector<std::string> diffs = CompareScorecards(x, cards);
  if (!diffs.empty()) {
    // Settled too early? Give the pipeline more time before judging.
    testing::WaitUntil(
        [&] {
          return gateway.Scorecards(periods, &cards, &fingerprint, &error) &&
                 CompareScorecards(x, cards).empty();
        },
        seconds(120), seconds(5));
    diffs = CompareScorecards(x, cards);
  }
  EXPECT_TRUE(diffs.empty()) << diffs.size() << " differences in "
                             << x.parts.size() << " unit-periods:\n"
                             << Lines(diffs);

  // The events settle too (the reconciler publishes once caught up).
  std::vector<v1::OversightEvent> events;
  std::map<std::string, std::set<std::string>> holding, held_before;
  same = 0;
  const auto events_deadline = std::chrono::steady_clock::now() + seconds(300);
  while (same < 3 && std::chrono::steady_clock::now() < events_deadline) {
    std::this_thread::sleep_for(seconds(5));
    if (!gateway.Events(&events, &error)) continue;
    holding = Holding(events);
    same = !events.empty() && holding == held_before ? same + 1 : 0;
    held_before = holding;
  }
  ASSERT_EQ(same, 3) << "events still changing: " << error;
  // Public events are judged on the public view: what it shows, read
  // without a token.
  Gateway everyone(port, "");
  std::map<UnitPeriod, Struct> public_cards;
  std::set<UnitPeriod> lagging;
  std::string public_fingerprint;
  std::map<std::string, std::set<std::string>> expected = x.holding;
  auto expect_now = [&] {
    if (everyone.Scorecards(periods, &public_cards, &public_fingerprint, &error,
                            &lagging)) {
      expected = PublicHolding(x, public_cards, lagging);
    }
    return expected;
  };
  diffs = CompareEvents(x, expect_now(), holding);
  if (!diffs.empty()) {
    // SCORECARD_PUBLISHED is sent at most once a minute per unit-period.
    testing::WaitUntil(
        [&] {
          return gateway.Events(&events, &error) &&
                 CompareEvents(x, expect_now(), holding = Holding(events))
                     .empty();
        },
        seconds(150), seconds(5));
    diffs = CompareEvents(x, expected, holding);
  }
  ASSERT_FALSE(public_cards.empty()) << error;
  // A public card that does not lag the facts shows what the restricted one
  // does, where it shows anything.
  std::vector<std::string> public_diffs;
  for (const auto& [up, card] : public_cards) {
    if (lagging.count(up) > 0) continue;
    auto restricted = cards.find(up);
    if (restricted == cards.end()) {
      public_diffs.push_back(
          StrCat(up.first, " ", up.second, ": public card, no restricted one"));
      continue;
    }
    for (const auto& [json, cell] : card.fields()) {
      // The restricted cards were read before the events settled: the
      // condition cells are compared below, both views read together.
      if (Withheld(card, json) || IsConditionCell(json)) continue;
      auto r = restricted->second.fields().find(json);
      const auto& shown = cell.struct_value().fields();
      for (const char* field : {"value", "n"}) {
        const bool here = shown.count(field) > 0;
        const bool there = r != restricted->second.fields().end() &&
                           r->second.struct_value().fields().count(field) > 0;
        if (here != there ||
            (here &&
             shown.at(field).number_value() !=
                 r->second.struct_value().fields().at(field).number_value())) {
          public_diffs.push_back(StrCat(up.first, " ", up.second, " ", json,
                                        ".", field, ": public differs"));
        }
      }
    }
  }
  EXPECT_TRUE(public_diffs.empty()) << Lines(public_diffs);
  // SPEC §11: every agency fiscal year's conditions, counted by this test
  // from the events served, the same in both views (never suppressed).
  std::vector<std::string> condition_diffs;
  auto conditions_match = [&] {
    if (!gateway.Events(&events, &error) ||
        !gateway.Scorecards(periods, &cards, &fingerprint, &error) ||
        !everyone.Scorecards(periods, &public_cards, &public_fingerprint,
                             &error)) {
      return false;
    }
    condition_diffs = CompareConditions(x, events, cards, "restricted");
    for (auto& d : CompareConditions(x, events, public_cards, "public")) {
      condition_diffs.push_back(std::move(d));
    }
    return condition_diffs.empty();
  };
  testing::WaitUntil(conditions_match, seconds(150), seconds(5));
  EXPECT_TRUE(condition_diffs.empty()) << Lines(condition_diffs) << error;
  int64_t raised = 0;
  for (const auto& [up, n] : ConditionsRaised(x, events)) raised += n;
  EXPECT_GT(raised, 0) << "no condition counted";
  std::string counts;
  for (const auto& [type, keys] : holding) {
    counts += StrCat(" ", type, "=", keys.size());
  }
  int public_pairs = 0;
  for (const char* type : {"FRUITION_GAP", "LNF_SHARE_HIGH"}) {
    for (const std::string& key : expected[type]) {
      public_pairs += key.size() < 11 ||
                      key.compare(key.size() - 11, 11, "/restricted") != 0;
    }
  }
  std::cerr << events.size() << " events after " << elapsed()
            << " s; holding:" << counts << " (FRUITION_GAP and LNF_SHARE_HIGH "
            << "expected public: " << public_pairs << "); public cards "
            << public_cards.size() << " (" << lagging.size()
            << " lagging the facts)\n";
  EXPECT_TRUE(diffs.empty()) << Lines(diffs);

  EXPECT_EQ(dev->Stop(seconds(60)), 0);
}

}  // namespace
}  // namespace fruition
