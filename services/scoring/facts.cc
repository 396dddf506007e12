#include "services/scoring/facts.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "services/common/store/kv.h"
#include "services/common/strings.h"

namespace fruition::scoring {
namespace {

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

}  // namespace

std::set<std::string> PossibleUnitPeriods(const SubjectState& s) {
  std::set<std::string> out;
  auto add = [&](const std::string& unit, int64_t at) {
    out.insert(Key(unit, FiscalYear(at)));
    out.insert(Key(unit, FiscalQuarter(at)));
  };
  for (const auto& a : s.arrest_history()) {
    if (!a.agency().empty()) add("agency:" + a.agency(), a.occurred_at());
    if (!a.field_office().empty()) {
      add("field_office:" + a.field_office(), a.occurred_at());
    }
  }
  for (const auto& e : s.sentencing_history()) {
    add("district:" + e.district(), e.occurred_at());
    for (const auto& a : s.arrest_history()) {
      if (a.case_id() != e.case_id()) continue;
      if (!a.agency().empty()) add("agency:" + a.agency(), e.occurred_at());
      if (!a.field_office().empty()) {
        add("field_office:" + a.field_office(), e.occurred_at());
      }
    }
  }
  for (const auto& c : s.charges()) {
    add("district:" + c.district(), c.occurred_at());
  }
  return out;
}

void AddComponents(const Components& b, int64_t sign, Components* a) {
  // Every int64 count, by reflection: a new count for a new indicator is a
  // field of Components and nothing here.
  const auto* descriptor = Components::descriptor();
  const auto* reflection = Components::GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (field->is_repeated() ||
        field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_INT64) {
      continue;
    }
    reflection->SetInt64(a, field,
                         reflection->GetInt64(*a, field) +
                             sign * reflection->GetInt64(b, field));
  }
  for (const auto& [k, v] : b.parent_agencies()) {
    auto& m = *a->mutable_parent_agencies();
    if ((m[k] += sign * v) == 0) m.erase(k);
  }
}

namespace {

// `c` counted in a field office of `agency` (disclosure control links the
// two, SPEC §5 D3).
Components WithParent(Components c, const std::string& agency) {
  if (!agency.empty()) (*c.mutable_parent_agencies())["agency:" + agency] = 1;
  return c;
}

}  // namespace

namespace {

using Out = std::map<std::string, Components>;

// Adds `c` to `unit` in the fiscal year and quarter of `at`.
void AddTo(const std::string& unit, int64_t at, const Components& c, Out* out) {
  AddComponents(c, 1, &(*out)[Key(unit, FiscalYear(at))]);
  AddComponents(c, 1, &(*out)[Key(unit, FiscalQuarter(at))]);
}

// The latest assessment of a claim, if any.
const SubjectState::Assessment* AssessmentOf(const SubjectState& s,
                                             const std::string& reporter,
                                             const std::string& claim_id) {
  auto it = s.assessments().find(store::JoinKey({reporter, claim_id}));
  return it == s.assessments().end() ? nullptr : &it->second;
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
    if (!a->claim_id().empty()) {
      c.set_claimed(1);
      const auto* as = AssessmentOf(s, a->reporter(), a->claim_id());
      if (as != nullptr &&
          as->result() == v1::ASSESSMENT_RESULT_SUBSTANTIATED) {
        c.set_substantiated(1);
      }
    }
    if (!a->agency().empty()) {
      AddTo("agency:" + a->agency(), a->occurred_at(), c, out);
    }
    if (!a->field_office().empty()) {
      AddTo("field_office:" + a->field_office(), a->occurred_at(),
            WithParent(c, a->agency()), out);
    }
  }
}

// What one sentencing record counts, before its case's claims.
Components SentencedComponents(const v1::SentencingRecord& r,
                               const DesertResult& d) {
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
  return c;
}

// Each sentencing record that counts: in its district and in the agency
// and field office of every arrest of its case, with the best claim behind
// them.
void AddSentencings(const SubjectState& s,
                    const std::vector<const SubjectState::Arrest*>& arrests,
                    const DesertRules& rules, Out* out) {
  for (const auto& [case_id, sen] : s.sentencings()) {
    const v1::SentencingRecord& r = sen.record();
    const DesertResult d = Score(r, rules);
    Components c = SentencedComponents(r, d);
    // The case's arrests: units, and the best claim behind them.
    std::set<std::string> units = {"district:" + r.district()};
    std::map<std::string, std::set<std::string>> parents;  // field offices
    bool priority = false;
    int64_t best_x8 = WeightFactorX8(v1::TIER_UNSPECIFIED, 0);
    for (const auto* a : arrests) {
      if (a->case_id() != case_id) continue;
      if (!a->agency().empty()) units.insert("agency:" + a->agency());
      if (!a->field_office().empty()) {
        units.insert("field_office:" + a->field_office());
        parents["field_office:" + a->field_office()].insert(a->agency());
      }
      if (a->claim_id().empty()) continue;
      if (const auto* as = AssessmentOf(s, a->reporter(), a->claim_id())) {
        if (IsPriority(as->tier())) priority = true;
        best_x8 = std::max(best_x8, WeightFactorX8(as->tier(), as->result()));
      }
    }
    c.set_claimed_priority(priority ? 1 : 0);
    c.set_wev_x800(d.score * best_x8);  // desert/100 × w × f, × 800
    for (const std::string& unit : units) {
      Components u = c;
      for (const std::string& agency : parents[unit]) {
        u = WithParent(u, agency);
      }
      AddTo(unit, sen.occurred_at(), u, out);
    }
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
  }
}

}  // namespace

std::map<std::string, Components> Contributions(const SubjectState& s,
                                                const DesertRules& rules) {
  Out out;
  const auto arrests = SortedArrests(s);
  AddArrests(s, arrests, &out);
  AddSentencings(s, arrests, rules, &out);
  AddDeclinedThenCharged(s, &out);
  return out;
}

}  // namespace fruition::scoring
