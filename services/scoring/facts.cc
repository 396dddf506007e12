#include "services/scoring/facts.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "services/common/store/kv.h"
#include "services/common/strings.h"
#include "services/domain/tallies.h"

namespace fruition::scoring {
namespace {

using domain::TallyFamily;
using internal::Components;
using internal::SubjectState;

std::string Key(const std::string& unit, const std::string& period) {
  return store::JoinKey({unit, period});
}

// Tier weight × result factor × 8 (SPEC §5 weighted_enforcement_value),
// integral: weights 3, 2, 1.5, 1; factors 1, 0.5, 0.25.
int64_t WeightFactorX8(int tier, int result) {
  int64_t weight_x2 = 2;  // none, PTO_LOCAL: 1
  switch (tier) {
    case v1::TIER_CPOT:
      weight_x2 = 6;
      break;
    case v1::TIER_RPOT:
    case v1::TIER_PTO_NATIONAL:
      weight_x2 = 4;
      break;
    case v1::TIER_PTO_REGIONAL:
      weight_x2 = 3;
      break;
    default:
      break;
  }
  int64_t factor_x4 = 1;  // unsubstantiated, unassessed or unclaimed: 0.25
  if (result == v1::ASSESSMENT_RESULT_SUBSTANTIATED) factor_x4 = 4;
  if (result == v1::ASSESSMENT_RESULT_PARTIAL) factor_x4 = 2;
  return weight_x2 * factor_x4;  // (w × 2) × (f × 4) = w × f × 8
}

constexpr char kNational[] = "national:US";

// The latest record of each case among `events` (SPEC §5: per subject and
// case, the latest occurred_at counts; ties by reporter, then report_id, so
// any arrival order agrees).
std::map<std::string, const SubjectState::Event*> LatestPerCase(
    const google::protobuf::RepeatedPtrField<SubjectState::Event>& events) {
  std::map<std::string, const SubjectState::Event*> out;
  for (const auto& e : events) {
    const SubjectState::Event*& latest = out[e.case_id()];
    if (latest == nullptr ||
        std::make_tuple(latest->occurred_at(), latest->reporter(),
                        latest->report_id()) <
            std::make_tuple(e.occurred_at(), e.reporter(), e.report_id())) {
      latest = &e;
    }
  }
  return out;
}

// The units a record counts in (SPEC §5 membership), with each field
// office's agencies (disclosure control links them, D3).
struct RecordUnits {
  std::set<std::string> units;
  std::map<std::string, std::set<std::string>> parents;  // field offices

  // An agency and its field office (either may be empty).
  void Add(const std::string& agency, const std::string& field_office) {
    if (!agency.empty()) units.insert("agency:" + agency);
    if (!field_office.empty()) {
      const std::string fo = "field_office:" + field_office;
      units.insert(fo);
      parents[fo].insert(agency);
    }
  }
  // Every record in any agency or district unit is also national.
  RecordUnits& WithNational() {
    if (!units.empty()) units.insert(kNational);
    return *this;
  }
};

// An arrest: its agency and field office, and national:US.
RecordUnits ArrestUnits(const SubjectState::Arrest& a) {
  RecordUnits r;
  r.Add(a.agency(), a.field_office());
  return r.WithNational();
}

// A case's facts (its seizures): the units of its case_opened.
RecordUnits CaseUnits(const v1::CaseOpened& o) {
  RecordUnits r;
  r.Add(o.agency(), o.field_office());
  if (!o.district().empty()) r.units.insert("district:" + o.district());
  return r.WithNational();
}

const SubjectState::Arrest& Deref(const SubjectState::Arrest& a) { return a; }
const SubjectState::Arrest& Deref(const SubjectState::Arrest* a) { return *a; }

// A subject's record in case `case_id`: `district` (if any), the agency and
// field office of every arrest of the case in `arrests` (stored arrests or
// every arrest report seen), and national:US.
template <typename Arrests>
RecordUnits UnitsOf(const std::string& district, const std::string& case_id,
                    const Arrests& arrests) {
  RecordUnits r;
  if (!district.empty()) r.units.insert("district:" + district);
  for (const auto& a : arrests) {
    const SubjectState::Arrest& arrest = Deref(a);
    if (arrest.case_id() == case_id) {
      r.Add(arrest.agency(), arrest.field_office());
    }
  }
  return r.WithNational();
}

// Every unit-period of `units` in the period of `at`.
void AddUnitPeriods(const std::set<std::string>& units, int64_t at,
                    std::set<std::string>* out) {
  for (const std::string& unit : units) {
    out->insert(Key(unit, FiscalYear(at)));
    out->insert(Key(unit, FiscalQuarter(at)));
  }
}

}  // namespace

std::set<std::string> PossibleUnitPeriods(const SubjectState& s) {
  std::set<std::string> out;
  auto add = [&](const RecordUnits& r, int64_t at) {
    AddUnitPeriods(r.units, at, &out);
  };
  const auto& history = s.arrest_history();
  for (const auto& a : history) add(ArrestUnits(a), a.occurred_at());
  for (const auto& e : s.sentencing_history()) {
    add(UnitsOf(e.district(), e.case_id(), history), e.occurred_at());
  }
  for (const auto* events : {&s.charges(), &s.declinations()}) {
    for (const auto& e : *events) {
      add(UnitsOf(e.district(), e.case_id(), history), e.occurred_at());
    }
  }
  // A disposition is in the district of its case's latest charge: any
  // charge of the case may have been the latest somewhere.
  for (const auto& d : s.dispositions()) {
    add(UnitsOf("", d.case_id(), history), d.occurred_at());
    for (const auto& c : s.charges()) {
      if (c.case_id() == d.case_id()) {
        add(UnitsOf(c.district(), d.case_id(), history), d.occurred_at());
      }
    }
  }
  return out;
}

namespace {

// a[k] += sign × b[k] for every key; a zero count is erased (so equal sums
// serialize equally).
template <typename Map>
void AddMap(const Map& b, int64_t sign, Map* a) {
  for (const auto& [k, v] : b) {
    if (((*a)[k] += sign * v) == 0) a->erase(k);
  }
}

}  // namespace

void AddComponents(const Components& b, int64_t sign, Components* a) {
  // Every int64 count, by reflection: a new count for a new indicator is a
  // field of Components and nothing here.
  const auto* descriptor = Components::descriptor();
  const auto* reflection = Components::GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (field->is_repeated() ||
        field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_INT64 ||
        field->number() == Components::kLastReceivedAtFieldNumber) {
      continue;
    }
    reflection->SetInt64(a, field,
                         reflection->GetInt64(*a, field) +
                             sign * reflection->GetInt64(b, field));
  }
  AddMap(b.parent_agencies(), sign, a->mutable_parent_agencies());
  domain::AddTallies(b, sign, a);
  // A time, not a count: the latest. Subtracting cannot restore the
  // maximum without the rest; stage 2 keeps it exactly (its `received`
  // table).
  if (sign > 0) {
    a->set_last_received_at(
        std::max(a->last_received_at(), b.last_received_at()));
  }
}

namespace {

// `c` counted in a field office of `agency` (disclosure control links the
// two, SPEC §5 D3).
Components WithParent(Components c, const std::string& agency) {
  if (!agency.empty()) (*c.mutable_parent_agencies())["agency:" + agency] = 1;
  return c;
}

using Out = std::map<std::string, Components>;

// Adds `c` to `unit` in the fiscal year and quarter of `at`.
void AddTo(const std::string& unit, int64_t at, const Components& c, Out* out) {
  AddComponents(c, 1, &(*out)[Key(unit, FiscalYear(at))]);
  AddComponents(c, 1, &(*out)[Key(unit, FiscalQuarter(at))]);
}

// `c` in each of `r`'s units, in the period of `at`.
void AddToUnits(const RecordUnits& r, int64_t at, const Components& c,
                Out* out) {
  for (const std::string& unit : r.units) {
    Components u = c;
    if (auto it = r.parents.find(unit); it != r.parents.end()) {
      for (const std::string& agency : it->second) u = WithParent(u, agency);
    }
    AddTo(unit, at, u, out);
  }
}

// The latest assessment of a claim, if any.
const SubjectState::Assessment* AssessmentOf(const SubjectState& s,
                                             const std::string& reporter,
                                             const std::string& claim_id) {
  auto it = s.assessments().find(store::JoinKey({reporter, claim_id}));
  return it == s.assessments().end() ? nullptr : &it->second;
}

// One report counted here (SPEC §10's data-quality flags): received,
// when, and whether its id was sent again with another body.
void AddReceived(const SubjectState& s, const std::string& reporter,
                 const std::string& report_id, int64_t received_at,
                 Components* c) {
  c->set_reports_received(1);
  c->set_reports_conflicting(
      s.conflicting().count(domain::PairKey(reporter, report_id)) > 0 ? 1 : 0);
  c->set_last_received_at(received_at);
}
void AddReceived(const SubjectState& s, const SubjectState::Event& e,
                 Components* c) {
  AddReceived(s, e.reporter(), e.report_id(), e.received_at(), c);
}

// The subject's arrests, in a fixed order.
std::vector<const SubjectState::Arrest*> SortedArrests(const SubjectState& s) {
  std::vector<const SubjectState::Arrest*> arrests;
  for (const auto& [k, a] : s.arrests()) arrests.push_back(&a);
  std::sort(arrests.begin(), arrests.end(), [](const auto* a, const auto* b) {
    return std::tie(a->reporter(), a->arrest_id()) <
           std::tie(b->reporter(), b->arrest_id());
  });
  return arrests;
}

// Each arrest, in its agency and field office.
void AddArrests(const SubjectState& s,
                const std::vector<const SubjectState::Arrest*>& arrests,
                Out* out) {
  for (const auto* a : arrests) {
    Components c;
    c.set_arrests(1);
    // Data quality: no sentencing of the subject in the arrest's case yet;
    // a field office named.
    c.set_arrests_unsentenced(s.sentencings().count(a->case_id()) == 0);
    c.set_arrests_with_field_office(!a->field_office().empty());
    AddReceived(s, a->reporter(), a->report_id(), a->received_at(), &c);
    if (!a->claim_id().empty()) {
      c.set_claimed(1);
      const auto* as = AssessmentOf(s, a->reporter(), a->claim_id());
      if (as != nullptr &&
          as->result() == v1::ASSESSMENT_RESULT_SUBSTANTIATED) {
        c.set_substantiated(1);
      }
    }
    AddToUnits(ArrestUnits(*a), a->occurred_at(), c, out);
  }
}

// What one sentencing record counts about the person, before its case's
// claims and case-level facts.
Components SentencedComponents(const v1::SentencingRecord& r,
                               const DesertResult& d,
                               const DesertRules& rules) {
  Components c;
  c.set_sentenced(1);
  c.set_desert_sum(d.score);
  c.set_high_desert(d.band == v1::DESERT_BAND_HIGH ? 1 : 0);
  c.set_lnf(d.lnf ? 1 : 0);
  c.set_ch1(r.criminal_history_category() <= 1 ? 1 : 0);
  c.set_weapon(r.weapon() != v1::WEAPON_NONE &&
                       r.weapon() != v1::WEAPON_UNSPECIFIED
                   ? 1
                   : 0);
  c.set_aggravating(r.aggravating_role() != v1::AGGRAVATING_ROLE_NONE &&
                            r.aggravating_role() !=
                                v1::AGGRAVATING_ROLE_UNSPECIFIED
                        ? 1
                        : 0);
  if (d.lnf) c.set_lnf_months(r.sentence_months());
  // The prosecution stage and the Sentencing Commission's tables.
  c.set_lnf_safety_valve(d.lnf && r.safety_valve() ? 1 : 0);
  c.set_sentence_months(r.sentence_months());
  c.set_sentenced_with_drug_weight(r.drug_weight_grams() > 0 ? 1 : 0);
  domain::AddSentence(&c, r.sentence_months(), 1);
  if (auto t = rules.thresholds.find(r.drug());
      t != rules.thresholds.end() &&
      r.drug_weight_grams() >= t->second.second) {
    c.set_heavy(1);
    c.set_heavy_lnf_function(rules.lnf_functions.count(r.function()) > 0);
  }
  domain::AddTally(&c, TallyFamily::kFunction, r.function(), 1);
  domain::AddTally(&c, TallyFamily::kCriminalHistory,
                   static_cast<int>(r.criminal_history_category()), 1);
  domain::AddTally(&c, TallyFamily::kDrug, r.drug(), 1);
  return c;
}

// What the case adds to a sentencing record: its charge's mandatory
// minimum (the latest charge_filed of the subject in the case) and the
// case's origin and designations (its latest case_opened), once known.
void AddCaseFacts(const SubjectState& s, const std::string& case_id,
                  const v1::SentencingRecord& r, bool lnf,
                  const SubjectState::Event* charge, Components* c) {
  if (charge != nullptr && charge->mandatory_minimum_months() > 0) {
    c->set_mm_sentenced(1);
    c->set_below_mm(
        r.sentence_months() < charge->mandatory_minimum_months() ? 1 : 0);
    c->set_lnf_mm(lnf ? 1 : 0);
  }
  auto it = s.cases().find(case_id);
  if (it == s.cases().end()) return;
  const v1::CaseOpened& opened = it->second.opened();
  domain::AddTally(c, TallyFamily::kOrigin, opened.origin(), 1);
  if (lnf) domain::AddTally(c, TallyFamily::kOriginLnf, opened.origin(), 1);
  for (int d : opened.designations()) {
    if (d != v1::CASE_DESIGNATION_OCDETF) continue;
    c->set_ocdetf_sentenced(1);
    c->set_ocdetf_lnf(lnf ? 1 : 0);
    break;
  }
}

// Each sentencing record that counts: in its district and in the agency
// and field office of every arrest of its case, with the best claim behind
// them, and in national:US.
void AddSentencings(const SubjectState& s,
                    const std::vector<const SubjectState::Arrest*>& arrests,
                    const DesertRules& rules, Out* out) {
  const auto charges = LatestPerCase(s.charges());
  for (const auto& [case_id, sen] : s.sentencings()) {
    const v1::SentencingRecord& r = sen.record();
    const DesertResult d = Score(r, rules);
    Components c = SentencedComponents(r, d, rules);
    auto charge = charges.find(case_id);
    AddCaseFacts(s, case_id, r, d.lnf,
                 charge == charges.end() ? nullptr : charge->second, &c);
    // The case's arrests: the best claim behind them.
    bool priority = false;
    int64_t best_x8 = WeightFactorX8(v1::TIER_UNSPECIFIED, 0);
    for (const auto* a : arrests) {
      if (a->case_id() != case_id || a->claim_id().empty()) continue;
      if (const auto* as = AssessmentOf(s, a->reporter(), a->claim_id())) {
        if (IsPriority(as->tier())) priority = true;
        best_x8 = std::max(best_x8, WeightFactorX8(as->tier(), as->result()));
      }
    }
    c.set_claimed_priority(priority ? 1 : 0);
    c.set_wev_x800(d.score * best_x8);  // desert/100 × w × f, × 800
    // Data quality: no arrest of the subject in the case (the record then
    // counts in its district and national:US only).
    bool arrested = false;
    for (const auto* a : arrests) arrested |= a->case_id() == case_id;
    c.set_sentenced_without_arrest(arrested ? 0 : 1);
    AddReceived(s, sen.reporter(), sen.report_id(), sen.received_at(), &c);
    AddToUnits(UnitsOf(r.district(), case_id, arrests), sen.occurred_at(), c,
               out);
  }
}

// The latest charge, declination and disposition of each of the subject's
// cases: in their district (a disposition: its case's charge's), in the
// units of the case's arrests, and in national:US.
void AddProsecution(const SubjectState& s,
                    const std::vector<const SubjectState::Arrest*>& arrests,
                    Out* out) {
  const auto charges = LatestPerCase(s.charges());
  for (const auto& [case_id, e] : charges) {
    Components c;
    c.set_charged(1);
    c.set_mm_charged(e->mandatory_minimum_months() > 0 ? 1 : 0);
    AddReceived(s, *e, &c);
    AddToUnits(UnitsOf(e->district(), case_id, arrests), e->occurred_at(), c,
               out);
  }
  for (const auto& [case_id, e] : LatestPerCase(s.declinations())) {
    Components c;
    c.set_declined(1);
    c.set_referred(e->referred_to_state() ? 1 : 0);
    AddReceived(s, *e, &c);
    AddToUnits(UnitsOf(e->district(), case_id, arrests), e->occurred_at(), c,
               out);
  }
  for (const auto& [case_id, e] : LatestPerCase(s.dispositions())) {
    Components c;
    c.set_dispositions(1);
    const bool plea = e->outcome() == v1::DISPOSITION_OUTCOME_PLEA;
    c.set_pleas(plea ? 1 : 0);
    c.set_convictions(
        plea || e->outcome() == v1::DISPOSITION_OUTCOME_TRIAL_CONVICTION ? 1
                                                                         : 0);
    AddReceived(s, *e, &c);
    auto charge = charges.find(case_id);
    const std::string district =
        charge == charges.end() ? "" : charge->second->district();
    AddToUnits(UnitsOf(district, case_id, arrests), e->occurred_at(), c, out);
  }
}

// Declined in one district, charged in another: once, at the earliest
// such charge.
void AddDeclinedThenCharged(const SubjectState& s, Out* out) {
  const SubjectState::Event* first = nullptr;
  for (const auto& charge : s.charges()) {
    bool declined_elsewhere = false;
    for (const auto& d : s.declinations()) {
      if (d.district() != charge.district()) declined_elsewhere = true;
    }
    if (!declined_elsewhere) continue;
    if (first == nullptr ||
        std::make_tuple(charge.occurred_at(), charge.district()) <
            std::make_tuple(first->occurred_at(), first->district())) {
      first = &charge;
    }
  }
  if (first != nullptr) {
    Components c;
    c.set_declined_charged(1);
    AddTo("district:" + first->district(), first->occurred_at(), c, out);
    AddTo(kNational, first->occurred_at(), c, out);
  }
}

}  // namespace

std::map<std::string, Components> Contributions(const SubjectState& s,
                                                const DesertRules& rules) {
  Out out;
  const auto arrests = SortedArrests(s);
  AddArrests(s, arrests, &out);
  AddSentencings(s, arrests, rules, &out);
  AddProsecution(s, arrests, &out);
  AddDeclinedThenCharged(s, &out);
  return out;
}

bool LaterCase(const SubjectState::Case& a, const SubjectState::Case& b) {
  return std::make_tuple(a.occurred_at(), a.reporter(), a.report_id()) >
         std::make_tuple(b.occurred_at(), b.reporter(), b.report_id());
}

bool ApplyCaseFact(const internal::CaseFact& fact, SubjectState* s) {
  if (fact.case_id().empty() || !fact.has_case_()) return false;
  auto& cases = *s->mutable_cases();
  auto it = cases.find(fact.case_id());
  if (it != cases.end() && !LaterCase(fact.case_(), it->second)) return false;
  cases[fact.case_id()] = fact.case_();
  return true;
}

bool ApplyCaseReport(const v1::AgencyReport& r, internal::CaseState* s) {
  if (r.body_case() != v1::AgencyReport::kCaseOpened &&
      r.body_case() != v1::AgencyReport::kSeizure) {
    return false;
  }
  const std::string id = domain::PairKey(r.reporter(), r.report_id());
  if (s->reports().count(id) > 0) return false;  // the same report again
  (*s->mutable_reports())[id] = true;
  const int64_t at = r.occurred_at().seconds();
  if (r.has_case_opened()) {
    const v1::CaseOpened& o = r.case_opened();
    for (const std::string& unit : CaseUnits(o).units) {
      (*s->mutable_unit_history())[unit] = true;
    }
    SubjectState::Case c;
    *c.mutable_opened() = o;
    c.set_occurred_at(at);
    c.set_reporter(r.reporter());
    c.set_report_id(r.report_id());
    if (!s->has_latest() || LaterCase(c, s->latest())) *s->mutable_latest() = c;
    return true;
  }
  const v1::Seizure& z = r.seizure();
  (*s->mutable_seizure_times())[at] = true;
  internal::CaseState::Seizure out;
  out.set_reporter(r.reporter());
  out.set_report_id(r.report_id());
  out.set_occurred_at(at);
  out.set_value_cents(std::llround((z.cash_usd() + z.assets_usd()) * 100.0));
  out.set_received_at(r.received_at().seconds());
  auto& seizures = *s->mutable_seizures();
  const std::string key = domain::PairKey(r.reporter(), z.seizure_id());
  auto it = seizures.find(key);
  // A seizure reported again (a correction): the latest occurred_at counts,
  // ties by report_id.
  if (it == seizures.end() ||
      std::make_tuple(it->second.occurred_at(), it->second.report_id()) <
          std::make_tuple(at, r.report_id())) {
    seizures[key] = out;
  }
  return true;
}

std::map<std::string, Components> CaseContributions(
    const internal::CaseState& s) {
  Out out;
  if (!s.has_latest()) return out;  // counted when the case arrives
  const RecordUnits units = CaseUnits(s.latest().opened());
  for (const auto& [key, z] : s.seizures()) {
    Components c;
    c.set_seizures(1);
    c.set_seized_cents(z.value_cents());
    // One report (conflicts are the subject reports' only: the case stage
    // keeps no bodies to compare).
    c.set_reports_received(1);
    c.set_last_received_at(z.received_at());
    AddToUnits(units, z.occurred_at(), c, &out);
  }
  return out;
}

std::set<std::string> CasePossibleUnitPeriods(const internal::CaseState& s) {
  // unit_history names national:US with the rest; it is added here too for
  // a case whose units were recorded without it.
  std::set<std::string> units = {kNational};
  for (const auto& [unit, named] : s.unit_history()) units.insert(unit);
  std::set<std::string> out;
  for (const auto& [at, seen] : s.seizure_times()) {
    AddUnitPeriods(units, at, &out);
  }
  return out;
}

}  // namespace fruition::scoring
