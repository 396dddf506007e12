#include "services/domain/disclosure.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <tuple>

namespace fruition::domain {
namespace {

using Kind = CellRule::Kind;

bool StartsWith(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

bool Small(int64_t v) { return v != 0 && std::llabs(v) < kMinPublicCell; }

// A quantity's name for the complement n − k of a share.
std::string Complement(const CellRule& r) { return r.n + "-" + r.k; }

// The record counts every other cell of a unit-period rests on: when one
// of them may not move, the whole public view is held.
bool HoldsTheView(const std::string& q) {
  return q == "arrests" || q == "claimed" || q == "sentenced";
}

// Everything one unit-period shows, as quantities.
struct State {
  bool held = false;                     // shows its previous public view
  std::map<std::string, int64_t> value;  // quantity -> value
  // complement quantity -> the attribute count suppressed for it
  std::map<std::string, std::string> complement_of;
  std::set<std::string> suppressed;  // atoms (never complements)
  // Whether quantity q is published (a complement: both its parts).
  bool Published(
      const std::string& q,
      const std::map<std::string, std::pair<std::string, std::string>>& parts)
      const {
    auto it = parts.find(q);
    if (it == parts.end()) return suppressed.count(q) == 0;
    return suppressed.count(it->second.first) == 0 &&
           suppressed.count(it->second.second) == 0;
  }
};

// Quantities (atoms and complements) a card shows. On a public card, the
// quantities only its suppressed cells rest on are suppressed.
void Quantities(
    const v1::Scorecard& card, State* s,
    std::map<std::string, std::pair<std::string, std::string>>* complements) {
  std::set<std::string> withheld;
  for (const v1::Indicator& i : card.indicators()) {
    const CellRule r = RuleOf(i.name());
    if (i.suppressed()) {
      if (!r.n.empty()) withheld.insert(r.n);
      if (!r.k.empty()) withheld.insert(r.k);
      continue;
    }
    switch (r.kind) {
      case Kind::kOrganization:
      case Kind::kDifference:
        break;
      case Kind::kCount:
      case Kind::kMeasure:
        s->value.emplace(r.n, i.n());
        break;
      case Kind::kShare: {
        s->value.emplace(r.n, i.n());
        int64_t k = 0;
        if (i.defined()) {
          k = r.value_is_k
                  ? std::llround(i.value())
                  : std::llround(i.value() * static_cast<double>(i.n()));
        }
        s->value.emplace(r.k, k);
        const std::string c = Complement(r);
        (*complements)[c] = {r.n, r.k};
        s->complement_of[c] = r.k;
        break;
      }
    }
  }
  for (const std::string& q : withheld) {
    if (s->value.count(q) == 0) {
      s->value[q] = 0;
      s->suppressed.insert(q);
    }
  }
  for (const auto& [c, parts] : *complements) {
    if (s->complement_of.count(c) == 0) continue;
    s->value[c] = s->value[parts.first] - s->value[parts.second];
  }
}

// Suppresses quantity q of `s`: an atom itself, a complement through its
// attribute count. Returns whether anything changed.
bool Suppress(State* s, const std::string& q) {
  auto it = s->complement_of.find(q);
  const std::string& atom = it == s->complement_of.end() ? q : it->second;
  return s->suppressed.insert(atom).second;
}

bool SmallDistance(int64_t v, const std::set<int64_t>& shown) {
  if (shown.empty() || shown.count(v) > 0) return false;
  auto it = shown.lower_bound(v);
  if (it != shown.end() && *it - v < kMinPublicCell) return true;
  if (it != shown.begin() && v - *std::prev(it) < kMinPublicCell) return true;
  return false;
}

struct LinkedSet {
  UnitPeriod parent;
  std::vector<UnitPeriod> members;
};

std::vector<LinkedSet> LinkedSets(const std::map<UnitPeriod, PublicInput>& in) {
  std::vector<LinkedSet> sets;
  // Per period: agencies and their field offices; national and its
  // districts; national and its agencies.
  std::map<std::string, std::vector<UnitPeriod>> by_period;
  for (const auto& [up, input] : in) by_period[up.second].push_back(up);
  for (const auto& [period, ups] : by_period) {
    std::vector<UnitPeriod> districts, agencies;
    for (const UnitPeriod& up : ups) {
      if (StartsWith(up.first, "district:")) districts.push_back(up);
      if (StartsWith(up.first, "agency:")) agencies.push_back(up);
    }
    for (const UnitPeriod& agency : agencies) {
      LinkedSet set{agency, {}};
      for (const UnitPeriod& up : ups) {
        if (StartsWith(up.first, "field_office:") &&
            in.at(up).parents.count(agency.first) > 0) {
          set.members.push_back(up);
        }
      }
      if (!set.members.empty()) sets.push_back(std::move(set));
    }
    const UnitPeriod national{"national:US", period};
    if (in.count(national) > 0) {
      if (!districts.empty()) sets.push_back({national, districts});
      if (!agencies.empty()) sets.push_back({national, agencies});
    }
  }
  // A unit's fiscal year and its quarters.
  for (const auto& [up, input] : in) {
    if (up.second.size() != 6) continue;
    LinkedSet set{up, {}};
    for (int q = 1; q <= 4; ++q) {
      UnitPeriod quarter{up.first, up.second + "Q" + std::to_string(q)};
      if (in.count(quarter) > 0) set.members.push_back(quarter);
    }
    if (!set.members.empty()) sets.push_back(std::move(set));
  }
  return sets;
}

}  // namespace

namespace {

using Complements = std::map<std::string, std::pair<std::string, std::string>>;

// Each unit-period's quantities; held (its previous view) when a record
// count moved by 1–10 and none by 11 or more.
std::map<UnitPeriod, State> InitialStates(
    const std::map<UnitPeriod, PublicInput>& in, Complements* complements_out) {
  Complements& complements = *complements_out;
  std::map<UnitPeriod, State> states;
  for (const auto& [up, input] : in) {
    State& s = states[up];
    Quantities(input.base, &s, &complements);
    if (!input.has_base || input.previous.indicators().empty()) continue;
    // Held when a record count moved by 1–10 and none moved by 11 or more:
    // a large move of one count is never hidden behind a small one of
    // another (that one is suppressed instead, below).
    bool small_move = false, large_move = false;
    for (const auto& [q, v] : s.value) {
      if (!HoldsTheView(q) || Small(v)) continue;
      auto it = input.shown.find(q);
      if (it == input.shown.end() || it->second.count(v) > 0) continue;
      (SmallDistance(v, it->second) ? small_move : large_move) = true;
    }
    if (small_move && !large_move) {
      s = State();
      s.held = true;
      Quantities(input.previous, &s, &complements);
    }
  }
  return states;
}

// D2 and the version rule (nothing public before the first base).
void SuppressSmallCells(const std::map<UnitPeriod, PublicInput>& in,
                        std::map<UnitPeriod, State>* states_out) {
  std::map<UnitPeriod, State>& states = *states_out;
  for (auto& [up, s] : states) {
    const PublicInput& input = in.at(up);
    if (s.held) continue;  // shows what was shown: D2 and versions hold
    for (const auto& [q, v] : s.value) {
      const bool complement = s.complement_of.count(q) > 0;
      if (!input.has_base) {
        if (!complement) s.suppressed.insert(q);
        continue;
      }
      // D2, then the version rule.
      if (Small(v)) Suppress(&s, q);
      if (auto it = input.shown.find(q);
          it != input.shown.end() && SmallDistance(v, it->second)) {
        Suppress(&s, q);
      }
    }
  }
}

// D3 to a fixed point.
void SuppressLinkedSets(const std::map<UnitPeriod, PublicInput>& in,
                        const Complements& complements,
                        std::map<UnitPeriod, State>* states_out) {
  std::map<UnitPeriod, State>& states = *states_out;
  const std::vector<LinkedSet> sets = LinkedSets(in);
  for (bool changed = true; changed;) {
    changed = false;
    for (const LinkedSet& set : sets) {
      State& parent = states.at(set.parent);
      for (const auto& [q, pv] : parent.value) {
        while (parent.Published(q, complements)) {
          int64_t rest = pv;
          const UnitPeriod* smallest = nullptr;
          int64_t smallest_value = 0;
          for (const UnitPeriod& m : set.members) {
            const State& ms = states.at(m);
            if (!ms.Published(q, complements)) continue;
            auto it = ms.value.find(q);
            const int64_t v = it == ms.value.end() ? 0 : it->second;
            rest -= v;
            if (smallest == nullptr ||
                std::tie(v, m) < std::tie(smallest_value, *smallest)) {
              smallest = &m;
              smallest_value = v;
            }
          }
          if (!Small(rest)) break;
          changed = true;
          if (smallest != nullptr) {
            Suppress(&states.at(*smallest), q);
          } else {
            Suppress(&parent, q);
          }
        }
      }
    }
  }
}

// Whether a cell of rule `r` rests on a suppressed quantity of `s`.
bool Withheld(const CellRule& r, const State& s) {
  switch (r.kind) {
    case Kind::kOrganization:
      return false;
    case Kind::kCount:
    case Kind::kMeasure:
      return s.suppressed.count(r.n) > 0;
    case Kind::kShare:
      return s.suppressed.count(r.n) > 0 || s.suppressed.count(r.k) > 0;
    case Kind::kDifference: {
      bool hidden = s.suppressed.count(r.n) > 0;
      for (const std::string& operand : r.operands) {
        const CellRule o = RuleOf(operand);
        hidden = hidden || s.suppressed.count(o.n) > 0 ||
                 (!o.k.empty() && s.suppressed.count(o.k) > 0);
      }
      return hidden;
    }
  }
  return false;
}

// The public view of one unit-period, and what it publishes.
PublicOutput ViewOf(const PublicInput& input, const State& s,
                    const Complements& complements) {
  PublicOutput o;
  v1::Scorecard& card = o.card;
  card.set_unit(input.base.unit());
  card.set_period(input.base.period());
  card.set_score_version(input.base.score_version());
  card.set_criteria_version(input.base.criteria_version());
  card.set_public_view(true);
  card.set_lags_current(input.lags_current || s.held);
  // A held view shows its previous cells about people.
  std::map<std::string, const v1::Indicator*> previous;
  for (const v1::Indicator& i : input.previous.indicators()) {
    previous[i.name()] = &i;
  }
  // Cells, by what they show.
  for (const v1::Indicator& base_cell : input.base.indicators()) {
    const CellRule r = RuleOf(base_cell.name());
    const v1::Indicator* shown_cell = &base_cell;
    if (s.held && r.kind != Kind::kOrganization) {
      auto it = previous.find(base_cell.name());
      shown_cell = it == previous.end() ? nullptr : it->second;
    }
    const v1::Indicator& i = shown_cell == nullptr ? base_cell : *shown_cell;
    const bool hidden =
        Withheld(r, s) || shown_cell == nullptr || i.suppressed();
    v1::Indicator* cell = card.add_indicators();
    cell->set_name(i.name());
    if (hidden) {
      cell->set_suppressed(true);
    } else {
      cell->set_value(i.value());
      cell->set_n(i.n());
      cell->set_defined(i.defined());
    }
  }
  // What is now published joins what was.
  o.shown = input.shown;
  for (const auto& [q, v] : s.value) {
    if (s.Published(q, complements)) o.shown[q].insert(v);
  }
  return o;
}

}  // namespace

Shown ShownBy(const v1::Scorecard& public_card) {
  Shown out;
  Complements complements;
  State s;
  Quantities(public_card, &s, &complements);
  for (const auto& [q, v] : s.value) {
    if (s.Published(q, complements)) out[q].insert(v);
  }
  return out;
}

std::map<UnitPeriod, PublicOutput> ComputePublicViews(
    const std::map<UnitPeriod, PublicInput>& in) {
  Complements complements;
  std::map<UnitPeriod, State> states = InitialStates(in, &complements);
  SuppressSmallCells(in, &states);
  SuppressLinkedSets(in, complements, &states);
  std::map<UnitPeriod, PublicOutput> out;
  for (const auto& [up, input] : in) {
    out[up] = ViewOf(input, states.at(up), complements);
  }
  return out;
}

}  // namespace fruition::domain
