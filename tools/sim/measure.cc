#include "tools/sim/measure.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <set>
#include <tuple>
#include <utility>

#include "services/domain/desert.h"
#include "services/domain/orgs.h"
#include "services/domain/reports.h"
#include "services/evidence/criteria.h"
#include "tools/sim/sim.h"

namespace fruition::sim {
namespace {

// The person a body is about, as intake would join it: the trimmed,
// upper-cased subject_ref, else the subject_pid; "" for bodies without one.
std::string SubjectOf(const v1::AgencyReport& r) {
  const domain::BodySpec* spec = domain::SpecOf(r.body_case());
  if (spec == nullptr || !spec->has_subject()) return "";
  const std::string* ref = &spec->subject.ref(r);
  const std::string* pid = &spec->subject.pid(r);
  if (ref->empty()) return "pid:" + *pid;
  const size_t first = ref->find_first_not_of(" \t\n\r\f\v");
  const size_t last = ref->find_last_not_of(" \t\n\r\f\v");
  std::string out =
      first == std::string::npos ? "" : ref->substr(first, last - first + 1);
  for (char& ch : out) {
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return "ref:" + out;
}

int FiscalYear(int64_t seconds) {
  const auto t = static_cast<time_t>(seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  return tm.tm_year + 1900 + (tm.tm_mon >= 9 ? 1 : 0);
}

double Share(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0;
}

using Key = std::pair<std::string, std::string>;  // (subject, case_id)

struct Latest {
  int64_t at = 0;
  size_t index = 0;
};

using domain::IsPriority;

void Keep(std::map<Key, Latest>* latest, Key key, int64_t at, size_t index) {
  auto [it, inserted] = latest->try_emplace(std::move(key), Latest{at, index});
  if (!inserted && at >= it->second.at) it->second = {at, index};
}

// What the prosecution-stage figures need, gathered in the one pass over the
// reports.
struct StageFacts {
  std::map<Key, Latest> charge, declination, disposition;
  std::map<Key, int64_t> charges;  // charge_filed per pair
  std::map<Key, std::set<std::string>> charged_districts;
  std::map<std::string, Latest> case_opened;    // latest per case_id
  std::map<std::string, int64_t> first_opened;  // earliest per case_id
  std::vector<size_t> seizures;

  void Add(const v1::AgencyReport& r, size_t i) {
    const int64_t at = r.occurred_at().seconds();
    switch (r.body_case()) {
      case v1::AgencyReport::kChargeFiled: {
        Key key{SubjectOf(r), r.case_id()};
        ++charges[key];
        charged_districts[key].insert(r.charge_filed().district());
        Keep(&charge, std::move(key), at, i);
        break;
      }
      case v1::AgencyReport::kDeclination:
        Keep(&declination, {SubjectOf(r), r.case_id()}, at, i);
        break;
      case v1::AgencyReport::kDisposition:
        Keep(&disposition, {SubjectOf(r), r.case_id()}, at, i);
        break;
      case v1::AgencyReport::kCaseOpened: {
        auto [it, inserted] =
            case_opened.try_emplace(r.case_id(), Latest{at, i});
        if (!inserted && at >= it->second.at) it->second = {at, i};
        auto [first, fresh] = first_opened.try_emplace(r.case_id(), at);
        if (!fresh) first->second = std::min(first->second, at);
        break;
      }
      case v1::AgencyReport::kSeizure:
        seizures.push_back(i);
        break;
      default:
        break;
    }
  }
};

void SummarizeCharges(const std::vector<v1::AgencyReport>& reports,
                      const StageFacts& f, Measures* m) {
  for (const auto& [key, latest] : f.charge) {
    ++m->charged;
    if (reports[latest.index].charge_filed().mandatory_minimum_months() > 0) {
      ++m->mm_charged;
    }
    if (f.charges.at(key) > 1) ++m->refiled;
  }
  for (const auto& [key, latest] : f.declination) {
    const v1::Declination& d = reports[latest.index].declination();
    ++m->declined;
    if (d.referred_to_state()) ++m->referred_to_state;
    auto it = f.charged_districts.find(key);
    if (it != f.charged_districts.end() && it->second.count(d.district()) > 0) {
      ++m->declined_then_charged_same_district;
    }
  }
  for (const auto& [key, latest] : f.disposition) {
    ++m->disposed_pairs;
    const v1::DispositionOutcome o =
        reports[latest.index].disposition().outcome();
    if (o == v1::DISPOSITION_OUTCOME_PLEA) ++m->pleas;
    if (o == v1::DISPOSITION_OUTCOME_TRIAL_CONVICTION) ++m->trial_convictions;
    if (f.charge.count(key) == 0) ++m->dispositions_without_charge;
  }
}

bool Ocdetf(const std::vector<v1::AgencyReport>& reports, const StageFacts& f,
            const std::string& case_id) {
  auto it = f.case_opened.find(case_id);
  if (it == f.case_opened.end()) return false;
  for (int d : reports[it->second.index].case_opened().designations()) {
    if (d == v1::CASE_DESIGNATION_OCDETF) return true;
  }
  return false;
}

// The sentenced joined to their case's charge (SPEC §5 v1.1).
void SummarizeSentenced(const std::vector<v1::AgencyReport>& reports,
                        const StageFacts& f,
                        const std::map<Key, Latest>& sentencing, Measures* m) {
  const domain::DesertRules& rules = domain::DefaultDesertRules();
  int64_t unrelieved = 0;
  double unrelieved_months = 0;
  for (const auto& [key, latest] : sentencing) {
    const v1::SentencingRecord& s = reports[latest.index].sentencing();
    const bool lnf = domain::Score(s).lnf;
    auto charge = f.charge.find(key);
    const uint32_t minimum = charge == f.charge.end()
                                 ? 0
                                 : reports[charge->second.index]
                                       .charge_filed()
                                       .mandatory_minimum_months();
    ++m->drugs[s.drug()];
    ++m->sentence_months[s.sentence_months()];
    if (minimum > 0) {
      const bool below = s.sentence_months() < minimum;
      ++m->mm_sentenced;
      m->mm_safety_valve += s.safety_valve();
      m->mm_below += below;
      m->mm_below_without_safety_valve += below && !s.safety_valve();
      m->mm_relieved += below || s.safety_valve();
      if (!below && !s.safety_valve()) {
        ++unrelieved;
        unrelieved_months += s.sentence_months();
      }
    }
    if (lnf) {
      ++m->lnf_sentenced;
      m->lnf_mm += minimum > 0;
      m->lnf_safety_valve += s.safety_valve();
    }
    auto threshold = rules.thresholds.find(s.drug());
    if (threshold != rules.thresholds.end() &&
        s.drug_weight_grams() >= threshold->second.second) {
      ++m->heavy;
      m->heavy_lnf_function += rules.lnf_functions.count(s.function()) > 0;
    }
    if (Ocdetf(reports, f, key.second)) {
      ++m->ocdetf_sentenced;
      m->ocdetf_lnf += lnf;
    }
  }
  m->mm_unrelieved_mean_months =
      unrelieved > 0 ? unrelieved_months / unrelieved : 0;
}

void SummarizeSeizures(const std::vector<v1::AgencyReport>& reports,
                       const StageFacts& f, Measures* m) {
  for (size_t i : f.seizures) {
    const v1::AgencyReport& r = reports[i];
    ++m->seizures;
    m->seized_value_usd += r.seizure().cash_usd() + r.seizure().assets_usd();
    auto opened = f.first_opened.find(r.case_id());
    if (opened == f.first_opened.end() ||
        r.occurred_at().seconds() < opened->second) {
      ++m->seizures_before_case_opened;
    }
  }
}

struct ArrestRow {
  std::string subject, case_id, claim_id, agency;
  int64_t at;
};
struct ClaimRow {
  std::string subject, org_id;
  evidence::ClaimFacts facts;
};
struct OutcomeRow {
  std::string reporter, org_id;
  v1::OrgOutcome outcome;
  int fiscal_year;
};

// Everything Measure reads from the reports, gathered in one pass.
struct Collected {
  StageFacts stage;
  std::set<std::string> opened_cases, referred_cases;
  std::map<std::string, std::set<std::string>> declined_in, charged_in;
  std::map<Key, Latest> sentencing;
  int64_t sentencing_records = 0;
  int64_t pleas = 0;
  std::vector<ArrestRow> arrests;
  std::map<std::string, ClaimRow> claims;
  std::vector<std::pair<std::string, size_t>> added;  // claim_id, index
  std::map<std::string, std::vector<evidence::Designation>> designations;
  std::map<std::string, std::pair<int64_t, v1::Tier>> latest_tier;
  std::vector<OutcomeRow> outcomes;
  std::map<std::tuple<std::string, int, int>, std::pair<int64_t, int64_t>>
      targets;  // (agency, fy, measure) -> (occurred_at, target)

  // An org's tier: that of its latest designation.
  v1::Tier TierOf(const std::string& org) const {
    auto it = latest_tier.find(org);
    return it == latest_tier.end() ? v1::TIER_UNSPECIFIED : it->second.second;
  }
};

// The bodies about cases and people.
void CollectCase(const v1::AgencyReport& r, size_t i, Collected* f,
                 Measures* m) {
  const int64_t at = r.occurred_at().seconds();
  switch (r.body_case()) {
    case v1::AgencyReport::kCaseOpened:
      f->opened_cases.insert(r.case_id());
      break;
    case v1::AgencyReport::kChargeFiled:
      f->referred_cases.insert(r.case_id());
      f->charged_in[SubjectOf(r)].insert(r.charge_filed().district());
      break;
    case v1::AgencyReport::kDeclination:
      f->referred_cases.insert(r.case_id());
      f->declined_in[SubjectOf(r)].insert(r.declination().district());
      break;
    case v1::AgencyReport::kDisposition:
      ++m->dispositions;
      if (r.disposition().outcome() == v1::DISPOSITION_OUTCOME_PLEA) ++f->pleas;
      break;
    case v1::AgencyReport::kSentencing: {
      ++f->sentencing_records;
      auto [it, inserted] =
          f->sentencing.try_emplace({SubjectOf(r), r.case_id()}, Latest{at, i});
      if (!inserted && at >= it->second.at) it->second = {at, i};
      break;
    }
    case v1::AgencyReport::kArrest:
      f->arrests.push_back({SubjectOf(r), r.case_id(), r.arrest().claim_id(),
                            r.arrest().agency(), at});
      break;
    case v1::AgencyReport::kLinkClaim: {
      const auto& c = r.link_claim();
      ClaimRow row;
      row.subject = SubjectOf(r);
      row.org_id = c.org_id();
      row.facts.occurred_at = at;
      row.facts.hops = c.hops();
      for (const auto& e : c.evidence()) {
        row.facts.items.push_back({e, false});
      }
      f->claims.emplace(c.claim_id(), std::move(row));
      break;
    }
    case v1::AgencyReport::kEvidenceAdded:
      f->added.emplace_back(r.evidence_added().claim_id(), i);
      break;
    default:
      break;
  }
}

// The reference bodies: designations, outcomes, targets, community.
void CollectReference(const v1::AgencyReport& r, Collected* f, Measures* m) {
  const int64_t at = r.occurred_at().seconds();
  switch (r.body_case()) {
    case v1::AgencyReport::kOrgDesignated: {
      const auto& d = r.org_designated();
      ++m->orgs_designated;
      if (d.revoked()) ++m->orgs_revoked;
      f->designations[d.org_id()].push_back({at, d.tier(), d.revoked()});
      auto& latest = f->latest_tier[d.org_id()];
      if (latest.second == v1::TIER_UNSPECIFIED || at >= latest.first) {
        latest = {at, d.tier()};
      }
      break;
    }
    case v1::AgencyReport::kOrgOutcome: {
      const auto& o = r.org_outcome();
      ++m->org_outcomes;
      if (o.outcome() == v1::ORG_OUTCOME_DISMANTLED && o.pending()) {
        ++m->pending_dismantled;
      }
      f->outcomes.push_back({r.reporter(), o.org_id(), o.outcome(),
                             static_cast<int>(o.fiscal_year())});
      break;
    }
    case v1::AgencyReport::kPerformanceTarget: {
      const auto& t = r.performance_target();
      auto& slot = f->targets[{t.agency(), static_cast<int>(t.fiscal_year()),
                               static_cast<int>(t.measure())}];
      if (slot.second == 0 || at >= slot.first) slot = {at, t.target()};
      break;
    }
    case v1::AgencyReport::kCommunityIndicator:
      ++m->community_indicators;
      break;
    default:
      break;
  }
}

// Referral (note 80), declined then charged elsewhere, pleas.
void MeasureReferral(const Collected& f, Measures* m) {
  m->cases_opened = static_cast<int64_t>(f.opened_cases.size());
  int64_t not_referred = 0;
  for (const std::string& c : f.opened_cases) {
    if (f.referred_cases.count(c) == 0) ++not_referred;
  }
  m->not_referred_share = Share(not_referred, m->cases_opened);
  for (const auto& [subject, districts] : f.declined_in) {
    auto it = f.charged_in.find(subject);
    if (it == f.charged_in.end()) continue;
    for (const std::string& d : it->second) {
      if (districts.count(d) == 0) {
        ++m->declined_then_charged_elsewhere;
        break;
      }
    }
  }
  m->plea_share = Share(f.pleas, m->dispositions);
}

// Link assessments, criteria v1.
std::map<std::string, v1::AssessmentResult> AssessClaims(
    const std::vector<v1::AgencyReport>& reports, Collected* f, Measures* m) {
  for (const auto& [claim_id, index] : f->added) {
    auto it = f->claims.find(claim_id);
    if (it == f->claims.end() ||
        it->second.subject != SubjectOf(reports[index])) {
      continue;
    }
    for (const auto& e : reports[index].evidence_added().evidence()) {
      it->second.facts.items.push_back({e, true});
    }
  }
  std::map<std::string, v1::AssessmentResult> results;
  for (auto& [claim_id, row] : f->claims) {
    auto d = f->designations.find(row.org_id);
    if (d != f->designations.end()) row.facts.designations = d->second;
    const auto a = evidence::Assess(evidence::DefaultRulebook(), row.facts);
    results[claim_id] = a.result;
    ++m->claims;
    if (a.result == v1::ASSESSMENT_RESULT_SUBSTANTIATED) ++m->substantiated;
    if (a.result == v1::ASSESSMENT_RESULT_PARTIAL) ++m->partial;
    if (a.result == v1::ASSESSMENT_RESULT_UNSUBSTANTIATED) ++m->unsubstantiated;
  }
  return results;
}

// Arrests, and which (subject, case) pairs claimed a priority link.
std::set<Key> MeasureArrests(
    const Collected& f,
    const std::map<std::string, v1::AssessmentResult>& results,
    std::map<std::pair<std::string, int>, int64_t>* arrests_by_agency_year,
    Measures* m) {
  std::set<Key> claimed_priority;
  for (const ArrestRow& a : f.arrests) {
    ++m->arrests;
    ++(*arrests_by_agency_year)[{a.agency, FiscalYear(a.at)}];
    if (a.claim_id.empty()) continue;
    ++m->arrests_claimed;
    auto r = results.find(a.claim_id);
    if (r != results.end() &&
        r->second == v1::ASSESSMENT_RESULT_SUBSTANTIATED) {
      ++m->arrests_substantiated;
    }
    auto c = f.claims.find(a.claim_id);
    if (c != f.claims.end() && IsPriority(f.TierOf(c->second.org_id))) {
      claimed_priority.insert({a.subject, a.case_id});
    }
  }
  return claimed_priority;
}

// The sentenced: the study's figures and the desert score.
void MeasureSentenced(const std::vector<v1::AgencyReport>& reports,
                      const Collected& f, const std::set<Key>& claimed_priority,
                      Measures* m) {
  int64_t ch1 = 0, weapon = 0, aggravating = 0, high = 0, lnf = 0;
  int64_t priority = 0, mismatch = 0;
  double desert_sum = 0;
  for (const auto& [key, latest] : f.sentencing) {
    const v1::SentencingRecord& s = reports[latest.index].sentencing();
    ++m->sentenced;
    ++m->functions[s.function()];
    if (s.criminal_history_category() == 1) ++ch1;
    if (s.weapon() != v1::WEAPON_NONE) ++weapon;
    if (s.aggravating_role() != v1::AGGRAVATING_ROLE_NONE) ++aggravating;
    const domain::DesertResult d = domain::Score(s);
    desert_sum += d.score;
    if (d.band == v1::DESERT_BAND_HIGH) ++high;
    if (d.lnf) ++lnf;
    if (claimed_priority.count(key) > 0) {
      ++priority;
      if (d.lnf || s.mitigating_role() != v1::MITIGATING_ROLE_NONE) ++mismatch;
    }
  }
  m->amended_judgments = f.sentencing_records - m->sentenced;
  m->category_one_share = Share(ch1, m->sentenced);
  m->weapon_share = Share(weapon, m->sentenced);
  m->aggravating_role_share = Share(aggravating, m->sentenced);
  m->mean_desert = m->sentenced > 0 ? desert_sum / m->sentenced : 0;
  m->high_desert_share = Share(high, m->sentenced);
  m->lnf_share = Share(lnf, m->sentenced);
  m->claimed_priority_share = Share(priority, m->sentenced);
  m->tier_mismatch_share = Share(mismatch, priority);
}

// Performance targets (SPEC §5 target_ratio).
void MeasureTargets(const Collected& f,
                    const std::map<std::pair<std::string, int>, int64_t>&
                        arrests_by_agency_year,
                    Measures* m) {
  bool first_dea = true;
  for (const auto& [key, value] : f.targets) {
    const auto& [agency, fy, measure_number] = key;
    const auto measure = static_cast<v1::PerformanceMeasure>(measure_number);
    TargetRatio row{agency, fy, measure, value.second, 0};
    if (measure == v1::PERFORMANCE_MEASURE_ARRESTS) {
      auto it = arrests_by_agency_year.find({agency, fy});
      row.reported = it == arrests_by_agency_year.end() ? 0 : it->second;
    } else {
      const bool cpot = measure == v1::PERFORMANCE_MEASURE_CPOT_DISRUPTED ||
                        measure == v1::PERFORMANCE_MEASURE_CPOT_DISMANTLED;
      const v1::OrgOutcome wanted =
          measure == v1::PERFORMANCE_MEASURE_PTO_DISRUPTED ||
                  measure == v1::PERFORMANCE_MEASURE_CPOT_DISRUPTED
              ? v1::ORG_OUTCOME_DISRUPTED
              : v1::ORG_OUTCOME_DISMANTLED;
      for (const OutcomeRow& o : f.outcomes) {
        if (o.reporter == agency && o.fiscal_year == fy &&
            o.outcome == wanted &&
            (!cpot || f.TierOf(o.org_id) == v1::TIER_CPOT)) {
          ++row.reported;
        }
      }
      if (agency == "DEA") {
        const double over = row.ratio() - 1;
        if (first_dea) {
          m->dea_overshoot_min = m->dea_overshoot_max = over;
          first_dea = false;
        } else {
          m->dea_overshoot_min = std::min(m->dea_overshoot_min, over);
          m->dea_overshoot_max = std::max(m->dea_overshoot_max, over);
        }
      }
    }
    m->target_ratios.push_back(row);
  }
}

}  // namespace

double Measures::mandatory_minimum_charged_share() const {
  return Share(mm_charged, charged);
}
double Measures::declination_rate() const {
  return Share(declined, declined + charged);
}
double Measures::referred_to_state_share() const {
  return Share(referred_to_state, declined);
}
double Measures::plea_rate() const { return Share(pleas, disposed_pairs); }
double Measures::conviction_rate() const {
  return Share(pleas + trial_convictions, disposed_pairs);
}
double Measures::convictions_by_plea() const {
  return Share(pleas, pleas + trial_convictions);
}
double Measures::drug_share(v1::Drug d) const {
  auto it = drugs.find(d);
  return it == drugs.end() ? 0 : Share(it->second, sentenced);
}
double Measures::mean_sentence_months() const {
  double sum = 0;
  int64_t n = 0;
  for (const auto& [months, count] : sentence_months) {
    sum += static_cast<double>(months) * static_cast<double>(count);
    n += count;
  }
  return n > 0 ? sum / static_cast<double>(n) : 0;
}
double Measures::median_sentence_months() const {
  int64_t n = 0;
  for (const auto& [months, count] : sentence_months) n += count;
  if (n == 0) return 0;
  // The values at 0-based positions (n − 1) / 2 and n / 2: the same one
  // for an odd count, the two middle ones for an even count.
  const int64_t lo = (n - 1) / 2, hi = n / 2;
  int64_t seen = 0;
  double lo_value = 0;
  for (const auto& [months, count] : sentence_months) {
    if (seen <= lo && lo < seen + count) lo_value = static_cast<double>(months);
    if (seen <= hi && hi < seen + count) {
      return (lo_value + static_cast<double>(months)) / 2;
    }
    seen += count;
  }
  return lo_value;
}

double Measures::share(v1::OffenseFunction f) const {
  auto it = functions.find(f);
  return it == functions.end() ? 0 : Share(it->second, sentenced);
}

Measures Measure(const std::vector<v1::AgencyReport>& reports) {
  Measures m;
  m.reports = static_cast<int64_t>(reports.size());
  Collected f;
  for (size_t i = 0; i < reports.size(); ++i) {
    const v1::AgencyReport& r = reports[i];
    f.stage.Add(r, i);
    ++m.by_reporter[r.reporter()];
    if (const auto* oneof = r.GetDescriptor()->FindOneofByName("body")) {
      if (const auto* field =
              r.GetReflection()->GetOneofFieldDescriptor(r, oneof)) {
        ++m.by_body[field->name()];
      }
    }
    CollectCase(r, i, &f, &m);
    CollectReference(r, &f, &m);
  }
  MeasureReferral(f, &m);
  const auto results = AssessClaims(reports, &f, &m);
  std::map<std::pair<std::string, int>, int64_t> arrests_by_agency_year;
  const std::set<Key> claimed_priority =
      MeasureArrests(f, results, &arrests_by_agency_year, &m);
  MeasureSentenced(reports, f, claimed_priority, &m);
  SummarizeCharges(reports, f.stage, &m);
  SummarizeSentenced(reports, f.stage, f.sentencing, &m);
  SummarizeSeizures(reports, f.stage, &m);
  MeasureTargets(f, arrests_by_agency_year, &m);
  return m;
}

// The prosecution stage's rows: the Sentencing Commission's drug and
// mandatory-minimum figures and TRAC's declinations.
std::vector<CalibrationRow> ProsecutionRows(const Measures& m) {
  return {
      {"drug_methamphetamine", "sentenced: drug METHAMPHETAMINE",
       "USSC Quick Facts, drug trafficking, FY2016",
       model::kMethamphetamineShare, model::kMethamphetamineShare, 0.015,
       m.drug_share(v1::DRUG_METHAMPHETAMINE)},
      {"drug_cocaine", "sentenced: drug COCAINE (powder)",
       "USSC Quick Facts, drug trafficking, FY2016", model::kCocaineShare,
       model::kCocaineShare, 0.015, m.drug_share(v1::DRUG_COCAINE)},
      {"drug_heroin", "sentenced: drug HEROIN",
       "USSC Quick Facts, drug trafficking, FY2016", model::kHeroinShare,
       model::kHeroinShare, 0.015, m.drug_share(v1::DRUG_HEROIN)},
      {"drug_crack", "sentenced: drug CRACK",
       "USSC Quick Facts, drug trafficking, FY2016", model::kCrackShare,
       model::kCrackShare, 0.01, m.drug_share(v1::DRUG_CRACK)},
      {"mandatory_minimum", "sentenced: the case's charge carries a minimum",
       "USSC drug mandatory minimums report 2017 (FY2016)",
       model::kMandatoryMinimumShare, model::kMandatoryMinimumShare, 0.02,
       Share(m.mm_sentenced, m.sentenced)},
      {"mm_safety_valve", "of those: safety_valve",
       "USSC drug mandatory minimums report 2017 (FY2016)",
       model::kSafetyValveOfMandatoryMinimum,
       model::kSafetyValveOfMandatoryMinimum, 0.025,
       Share(m.mm_safety_valve, m.mm_sentenced)},
      {"mm_assistance_only", "of those: below the minimum without safety valve",
       "USSC drug mandatory minimums report 2017 (FY2016)",
       model::kAssistanceOnlyOfMandatoryMinimum,
       model::kAssistanceOnlyOfMandatoryMinimum, 0.02,
       Share(m.mm_below_without_safety_valve, m.mm_sentenced)},
      {"mm_relieved", "of those: safety valve or below the minimum",
       "USSC drug mandatory minimums report 2017 (FY2016)",
       model::kRelievedOfMandatoryMinimum, model::kRelievedOfMandatoryMinimum,
       0.025, Share(m.mm_relieved, m.mm_sentenced)},
      {"mm_unrelieved_mean_months",
       "of those: mean sentence_months without either",
       "USSC drug mandatory minimums report 2017 (FY2016)",
       model::kUnrelievedMeanMonths, model::kUnrelievedMeanMonths, 6,
       m.mm_unrelieved_mean_months},
      {"declination_rate", "declined / (declined + charged), (subject, case)",
       "TRAC, DEA referrals acted upon, 2001", model::kDeclinedShare,
       model::kDeclinedShare, 0.015, m.declination_rate()},
      {"referred_to_state", "declined: referred_to_state",
       "TRAC, DEA referrals not prosecuted by reason, 2003",
       model::kReferredToStateShare, model::kReferredToStateShare, 0.03,
       m.referred_to_state_share()},
  };
}

std::vector<CalibrationRow> Calibration(const Measures& m) {
  using F = v1::OffenseFunction;
  const double named =
      m.share(F::OFFENSE_FUNCTION_HIGH_LEVEL_SUPPLIER_IMPORTER) +
      m.share(F::OFFENSE_FUNCTION_COURIER) +
      m.share(F::OFFENSE_FUNCTION_STREET_LEVEL_DEALER) +
      m.share(F::OFFENSE_FUNCTION_WHOLESALER);
  const double named_used = model::kHighLevelSupplierShare +
                            model::kCourierShare + model::kStreetDealerShare +
                            model::kWholesalerShare;
  std::vector<CalibrationRow> rows = {
      {"function_high_level_supplier",
       "sentenced: function HIGH_LEVEL_SUPPLIER_IMPORTER", "note 60",
       model::kHighLevelSupplierShare, model::kHighLevelSupplierShare, 0.015,
       m.share(F::OFFENSE_FUNCTION_HIGH_LEVEL_SUPPLIER_IMPORTER)},
      {"function_courier", "sentenced: function COURIER", "note 61",
       model::kCourierShare, model::kCourierShare, 0.015,
       m.share(F::OFFENSE_FUNCTION_COURIER)},
      {"function_street_level_dealer",
       "sentenced: function STREET_LEVEL_DEALER", "note 61",
       model::kStreetDealerShare, model::kStreetDealerShare, 0.015,
       m.share(F::OFFENSE_FUNCTION_STREET_LEVEL_DEALER)},
      {"function_wholesaler", "sentenced: function WHOLESALER", "note 61",
       model::kWholesalerShare, model::kWholesalerShare, 0.015,
       m.share(F::OFFENSE_FUNCTION_WHOLESALER)},
      {"function_other", "sentenced: every other function", "notes 60-61",
       1 - named_used, 1 - named_used, 0.02, m.sentenced > 0 ? 1 - named : 0},
      {"criminal_history_category_1", "sentenced: criminal history category I",
       "notes 54, 59", model::kCategoryOneShare, model::kCategoryOneShare,
       0.015, m.category_one_share},
      {"weapon", "sentenced: weapon POSSESSED or SECTION_924C", "note 59",
       model::kWeaponShare, model::kWeaponShare, 0.015, m.weapon_share},
      {"aggravating_role", "sentenced: any aggravating role", "note 59",
       model::kAggravatingRoleShare, model::kAggravatingRoleShare, 0.01,
       m.aggravating_role_share},
      {"guilty_plea", "convictions: PLEA of PLEA or TRIAL_CONVICTION",
       "note 66", model::kPleaShare, model::kPleaShare, 0.005,
       m.convictions_by_plea()},
      {"not_referred", "opened cases with no charge and no declination",
       "note 80", model::kNotReferredShare, model::kNotReferredShare, 0.015,
       m.not_referred_share},
      {"dea_overshoot_min", "DEA PTO/CPOT rows: smallest reported / target - 1",
       "note 153", model::kDeaOvershootMin, model::kDeaOvershootMax, 0,
       m.dea_overshoot_min},
      {"dea_overshoot_max", "DEA PTO/CPOT rows: largest reported / target - 1",
       "note 153", model::kDeaOvershootMin, model::kDeaOvershootMax, 0,
       m.dea_overshoot_max},
  };
  for (CalibrationRow& row : ProsecutionRows(m)) rows.push_back(row);
  return rows;
}

std::vector<NationalFigure> NationalFigures(const Measures& m) {
  constexpr char kMm[] = "USSC drug mandatory minimums report 2017 (FY2016)";
  auto count = [](const char* id, const char* what, int64_t n) {
    return NationalFigure{id, what, static_cast<double>(n)};
  };
  auto published = [](const char* id, const char* what, double sample,
                      double value, const char* source) {
    return NationalFigure{id, what, sample, true, value, source};
  };
  auto share = [](const char* id, const char* what, int64_t k, int64_t n) {
    return NationalFigure{id, what, Share(k, n)};
  };
  return {
      count("charged", "(subject, case) pairs charged", m.charged),
      published("mandatory_minimum_charged_share",
                "of charged: the latest charge carries a minimum",
                m.mandatory_minimum_charged_share(),
                model::kMandatoryMinimumShare,
                "USSC 2017 (FY2016), of the sentenced"),
      published("mandatory_minimum_sentenced_share",
                "of sentenced: the case's charge carries a minimum",
                Share(m.mm_sentenced, m.sentenced),
                model::kMandatoryMinimumShare, kMm),
      count("declined", "(subject, case) pairs declined", m.declined),
      published("declination_rate", "declined / (declined + charged)",
                m.declination_rate(), model::kDeclinedShare,
                "TRAC, DEA referrals acted upon, 2001"),
      published("referred_to_state_share", "of declined: referred to the state",
                m.referred_to_state_share(), model::kReferredToStateShare,
                "TRAC, DEA declinations by reason, 2003"),
      count("dispositions", "(subject, case) pairs disposed", m.disposed_pairs),
      share("plea_rate", "of dispositions: PLEA", m.pleas, m.disposed_pairs),
      published("convictions_by_plea", "of convictions: PLEA",
                m.convictions_by_plea(), model::kPleaShare,
                "USSC Sourcebook 2016 tbl. 38 (the study's note 66)"),
      share("conviction_rate", "of dispositions: PLEA or TRIAL_CONVICTION",
            m.pleas + m.trial_convictions, m.disposed_pairs),
      count("lnf_sentenced", "sentenced who are LNF", m.lnf_sentenced),
      share("lnf_mandatory_minimum_share",
            "of LNF sentenced: the case's charge carries a minimum", m.lnf_mm,
            m.lnf_sentenced),
      share("lnf_safety_valve_share", "of LNF sentenced: safety valve",
            m.lnf_safety_valve, m.lnf_sentenced),
      published("mandatory_minimum_safety_valve_share",
                "of sentenced with a minimum: safety valve",
                Share(m.mm_safety_valve, m.mm_sentenced),
                model::kSafetyValveOfMandatoryMinimum, kMm),
      published("mandatory_minimum_relieved_share",
                "of sentenced with a minimum: safety valve or below it",
                Share(m.mm_relieved, m.mm_sentenced),
                model::kRelievedOfMandatoryMinimum, kMm),
      share("below_mandatory_minimum_share",
            "of sentenced with a minimum: sentence below it", m.mm_below,
            m.mm_sentenced),
      share("weight_role_mismatch_share",
            "of sentenced at the 10-year weight: an LNF function",
            m.heavy_lnf_function, m.heavy),
      NationalFigure{"mean_sentence_months", "over sentenced",
                     m.mean_sentence_months()},
      NationalFigure{"median_sentence_months", "over sentenced",
                     m.median_sentence_months()},
      published("mandatory_minimum_unrelieved_mean_months",
                "mean sentence, with a minimum and no relief",
                m.mm_unrelieved_mean_months, model::kUnrelievedMeanMonths, kMm),
      share("ocdetf_lnf_share", "of sentenced in OCDETF cases: LNF",
            m.ocdetf_lnf, m.ocdetf_sentenced),
      count("seizures", "seizure reports", m.seizures),
      NationalFigure{"seized_value_usd", "cash and assets seized",
                     m.seized_value_usd},
  };
}

}  // namespace fruition::sim
