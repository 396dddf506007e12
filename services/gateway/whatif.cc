#include "services/gateway/whatif.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/strings.h"
#include "services/domain/periods.h"

namespace fruition::gateway {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using u128 = unsigned __int128;

constexpr char kBasisHelp[] = "CASELOAD, WEIGHTED_VALUE or HIGH_DESERT";
constexpr char kShapeHelp[] =
    "an allocation (totalUsd and basis) or one cut (lnfAdmissionsCutPct or "
    "lnfSentenceCutPct)";
constexpr char kNational[] = "national:US";

absl::Status Invalid(const std::string& field, const std::string& message) {
  return absl::InvalidArgumentError(StrCat(field, ": ", message));
}

// ---- the request

absl::Status CheckPeriod(const std::string& period) {
  if (period.empty()) {
    return Invalid("period", "required: a fiscal year such as FY2016");
  }
  if (!domain::ValidPeriod(period) || !domain::IsFiscalYear(period)) {
    return Invalid("period",
                   StrCat("'", period,
                          "' is not a fiscal year such as FY2016 (what-ifs "
                          "are yearly, as budgets are)"));
  }
  return absl::OkStatus();
}

absl::Status CheckTotal(const v1::WhatIfRequest& r) {
  if (!r.has_total_usd()) {
    return Invalid("totalUsd", "required with basis: whole dollars, 1 to " +
                                   std::to_string(kMaxWhatIfUsd));
  }
  if (r.total_usd() < 1 || r.total_usd() > kMaxWhatIfUsd) {
    return Invalid("totalUsd", StrCat("whole dollars from 1 to ", kMaxWhatIfUsd,
                                      "; got ", r.total_usd()));
  }
  if (r.basis() == v1::WHAT_IF_BASIS_UNSPECIFIED ||
      !v1::WhatIfBasis_IsValid(r.basis())) {
    return Invalid("basis", StrCat("required with totalUsd: ", kBasisHelp));
  }
  return absl::OkStatus();
}

absl::Status CheckPct(const char* field, double pct) {
  if (!std::isfinite(pct) || pct < 0 || pct > 100) {
    return Invalid(field, "a percent from 0 to 100");
  }
  return absl::OkStatus();
}

// ---- the JSON body

const std::vector<std::string>& Fields() {
  static const auto* f =
      new std::vector<std::string>{"period", "totalUsd", "basis",
                                   "lnfAdmissionsCutPct", "lnfSentenceCutPct"};
  return *f;
}

// The first field of `body` (by name) that a what-if does not have.
std::optional<std::string> UnknownField(const Struct& body) {
  std::optional<std::string> first;
  for (const auto& [name, unused] : body.fields()) {
    if (std::find(Fields().begin(), Fields().end(), name) != Fields().end()) {
      continue;
    }
    if (!first || name < *first) first = name;
  }
  return first;
}

const Value* FieldOf(const Struct& body, const std::string& name) {
  const auto it = body.fields().find(name);
  return it == body.fields().end() ? nullptr : &it->second;
}

absl::Status TotalFromJson(const Value& v, v1::WhatIfRequest* r) {
  if (v.kind_case() != Value::kNumberValue) {
    return Invalid("totalUsd", "a JSON number of whole dollars");
  }
  const double usd = v.number_value();
  if (usd != std::floor(usd)) {
    return Invalid("totalUsd", "a whole number of dollars (no cents)");
  }
  if (usd < 1 || usd > static_cast<double>(kMaxWhatIfUsd)) {
    return Invalid("totalUsd",
                   StrCat("whole dollars from 1 to ", kMaxWhatIfUsd));
  }
  r->set_total_usd(static_cast<int64_t>(usd));
  return absl::OkStatus();
}

absl::Status BasisFromJson(const Value& v, v1::WhatIfRequest* r) {
  if (v.kind_case() != Value::kStringValue) {
    return Invalid("basis", StrCat("a string: ", kBasisHelp));
  }
  const std::string& name = v.string_value();
  v1::WhatIfBasis basis;
  if ((!v1::WhatIfBasis_Parse(name, &basis) &&
       !v1::WhatIfBasis_Parse("WHAT_IF_BASIS_" + name, &basis)) ||
      basis == v1::WHAT_IF_BASIS_UNSPECIFIED) {
    return Invalid("basis",
                   StrCat("'", name, "' is not a basis: ", kBasisHelp));
  }
  r->set_basis(basis);
  return absl::OkStatus();
}

absl::StatusOr<double> PctFromJson(const char* field, const Value& v) {
  if (v.kind_case() != Value::kNumberValue) {
    return Invalid(field, "a JSON number: a percent from 0 to 100");
  }
  return v.number_value();
}

// ---- the answer

const v1::Indicator* CellOf(const v1::Scorecard& card,
                            const std::string& name) {
  for (const v1::Indicator& i : card.indicators()) {
    if (i.name() == name) return &i;
  }
  return nullptr;
}

// The cell `name` of `card` if it carries a number the public may read;
// else null and why in `*reason`.
const v1::Indicator* Usable(const v1::Scorecard& card, const std::string& name,
                            std::string* reason) {
  const v1::Indicator* cell = CellOf(card, name);
  if (cell == nullptr) {
    *reason = StrCat(name, " is not on its public scorecard");
  } else if (cell->suppressed()) {
    *reason = StrCat(name,
                     " is withheld in the public view (disclosure control: "
                     "fewer than 11 people, or derivable from cells that "
                     "are)");
  } else if (!cell->defined()) {
    *reason = StrCat(name, " is undefined (no one it could be computed from)");
  } else if (!std::isfinite(cell->value()) || cell->value() < 0) {
    *reason = StrCat(name, " is not a usable number");
  } else {
    return cell;
  }
  return nullptr;
}

// An agency's basis: the published number and its integer weight.
struct Basis {
  double value = 0;
  uint64_t weight = 0;
};

const char* BasisIndicator(v1::WhatIfBasis basis) {
  switch (basis) {
    case v1::WHAT_IF_BASIS_WEIGHTED_VALUE:
      return "weighted_enforcement_value";
    case v1::WHAT_IF_BASIS_HIGH_DESERT:
      return "high_desert_share";
    default:
      return "sentenced";
  }
}

std::optional<Basis> BasisOf(const v1::Scorecard& card, v1::WhatIfBasis basis,
                             std::string* reason) {
  const v1::Indicator* cell = Usable(card, BasisIndicator(basis), reason);
  if (cell == nullptr) return std::nullopt;
  double value = cell->value();
  double scaled = value;
  if (basis == v1::WHAT_IF_BASIS_WEIGHTED_VALUE) {
    scaled = value * kWeightedValueScale;
  } else if (basis == v1::WHAT_IF_BASIS_HIGH_DESERT) {
    // The k of the share: the people with a high desert band.
    value = std::round(value * static_cast<double>(cell->n()));
    scaled = value;
  }
  if (!(scaled < 9e18)) {
    *reason = StrCat(BasisIndicator(basis), " is too large to weigh");
    return std::nullopt;
  }
  return Basis{value, static_cast<uint64_t>(std::llround(scaled))};
}

// The budget_usd cell of `card` when the public may read a number there.
void SetBudget(const v1::Scorecard& card, v1::WhatIfAllocation* a) {
  std::string unused;
  if (const v1::Indicator* b = Usable(card, "budget_usd", &unused)) {
    a->set_budget_usd(b->value());
  }
}

void LeaveOut(const std::string& unit, const std::string& reason,
              v1::WhatIfResponse* out) {
  v1::WhatIfLeftOut& l = *out->add_left_out();
  l.set_unit(unit);
  l.set_reason(reason);
}

absl::StatusOr<v1::WhatIfResponse> Allocate(
    const v1::WhatIfRequest& r, const std::vector<const v1::Scorecard*>& cards,
    v1::WhatIfResponse out) {
  out.set_basis(r.basis());
  out.set_total_usd(r.total_usd());
  std::vector<Weight> parties;
  std::vector<const v1::Scorecard*> used;
  std::vector<double> values;
  u128 sum = 0;
  for (const v1::Scorecard* card : cards) {
    std::string reason;
    const std::optional<Basis> b = BasisOf(*card, r.basis(), &reason);
    if (!b) {
      LeaveOut(card->unit(), reason, &out);
      continue;
    }
    parties.push_back({card->unit(), b->weight});
    used.push_back(card);
    values.push_back(b->value);
    sum += b->weight;
    if (card->lags_current()) out.set_lags_current(true);
  }
  if (sum == 0) {
    return absl::FailedPreconditionError(
        StrCat("basis: no agency has a usable ", BasisIndicator(r.basis()),
               " above 0 in the public view of ", r.period(), " (",
               cards.size(), " agencies, ", out.left_out_size(),
               " left out); there is nothing to allocate in proportion to"));
  }
  const std::vector<int64_t> cents =
      LargestRemainder(r.total_usd() * 100, parties);
  for (size_t i = 0; i < parties.size(); ++i) {
    v1::WhatIfAllocation& a = *out.add_allocations();
    a.set_unit(parties[i].key);
    a.set_basis_value(values[i]);
    a.set_cents(cents[i]);
    a.set_share(
        static_cast<double>(static_cast<long double>(parties[i].weight) /
                            static_cast<long double>(sum)));
    SetBudget(*used[i], &a);
  }
  return out;
}

// What cutting `pct` percent of the LNF prison-years of `card` saves; null
// (and why) when its inputs are not published.
std::optional<v1::WhatIfSaving> SavingOf(const v1::Scorecard& card, double pct,
                                         std::string* reason) {
  const v1::Indicator* years = Usable(card, "lnf_prison_years", reason);
  if (years == nullptr) return std::nullopt;
  const v1::Indicator* cost = Usable(card, "lnf_cost_usd", reason);
  if (cost == nullptr) return std::nullopt;
  v1::WhatIfSaving s;
  s.set_unit(card.unit());
  s.set_lnf_prison_years(years->value());
  s.set_lnf_cost_usd(cost->value());
  s.set_prison_years_saved(years->value() * pct / 100);
  s.set_usd_saved(cost->value() * pct / 100);
  return s;
}

absl::StatusOr<v1::WhatIfResponse> Cut(
    const v1::WhatIfRequest& r, const std::vector<const v1::Scorecard*>& cards,
    const v1::Scorecard* national, v1::WhatIfResponse out) {
  double pct = 0;
  if (r.has_lnf_admissions_cut_pct()) {
    pct = r.lnf_admissions_cut_pct();
    out.set_lnf_admissions_cut_pct(pct);
  } else {
    pct = r.lnf_sentence_cut_pct();
    out.set_lnf_sentence_cut_pct(pct);
  }
  for (const v1::Scorecard* card : cards) {
    std::string reason;
    if (auto s = SavingOf(*card, pct, &reason)) {
      *out.add_units() = *std::move(s);
      if (card->lags_current()) out.set_lags_current(true);
    } else {
      LeaveOut(card->unit(), reason, &out);
    }
  }
  std::string reason = "it has no public scorecard for the period";
  std::optional<v1::WhatIfSaving> whole;
  if (national != nullptr) whole = SavingOf(*national, pct, &reason);
  if (whole) {
    *out.mutable_national() = *std::move(whole);
    if (national->lags_current()) out.set_lags_current(true);
  } else {
    LeaveOut(kNational, reason, &out);
  }
  if (out.units_size() == 0 && !out.has_national()) {
    return absl::FailedPreconditionError(
        StrCat("period: no agency and not national:US has usable "
               "lnf_prison_years and lnf_cost_usd in the public view of ",
               r.period(), " (every one withheld or missing)"));
  }
  return out;
}

}  // namespace

std::vector<int64_t> LargestRemainder(int64_t total,
                                      const std::vector<Weight>& parties) {
  std::vector<int64_t> out(parties.size(), 0);
  u128 sum = 0;
  for (const Weight& p : parties) sum += p.weight;
  if (sum == 0 || total <= 0) return out;
  std::vector<u128> remainder(parties.size());
  int64_t given = 0;
  for (size_t i = 0; i < parties.size(); ++i) {
    const u128 share = static_cast<u128>(total) * parties[i].weight;
    out[i] = static_cast<int64_t>(share / sum);
    remainder[i] = share % sum;
    given += out[i];
  }
  std::vector<size_t> order(parties.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (remainder[a] != remainder[b]) return remainder[a] > remainder[b];
    return parties[a].key < parties[b].key;
  });
  // Fewer than parties.size(): Σ floor(q) > Σ q − parties.size().
  for (int64_t k = 0; k < total - given; ++k) ++out[order[k]];
  return out;
}

absl::Status CheckWhatIf(const v1::WhatIfRequest& r) {
  if (absl::Status s = CheckPeriod(r.period()); !s.ok()) return s;
  const bool allocation =
      r.has_total_usd() || r.basis() != v1::WHAT_IF_BASIS_UNSPECIFIED;
  const bool admissions = r.has_lnf_admissions_cut_pct();
  const bool sentences = r.has_lnf_sentence_cut_pct();
  if (admissions && sentences) {
    return Invalid("lnfSentenceCutPct",
                   "give one cut, lnfAdmissionsCutPct or lnfSentenceCutPct, "
                   "not both");
  }
  if (allocation && (admissions || sentences)) {
    return Invalid(r.has_total_usd() ? "totalUsd" : "basis",
                   StrCat("not with a cut: ", kShapeHelp));
  }
  if (admissions) {
    return CheckPct("lnfAdmissionsCutPct", r.lnf_admissions_cut_pct());
  }
  if (sentences) return CheckPct("lnfSentenceCutPct", r.lnf_sentence_cut_pct());
  if (!allocation) {
    return Invalid("totalUsd", StrCat("required (with basis) unless a cut is "
                                      "given: ",
                                      kShapeHelp));
  }
  return CheckTotal(r);
}

absl::StatusOr<v1::WhatIfRequest> WhatIfRequestFromJson(
    const std::string& body) {
  Struct s;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos ||
      !google::protobuf::util::JsonStringToMessage(body, &s).ok()) {
    return Invalid("body",
                   "a JSON object such as {\"period\":\"FY2016\","
                   "\"totalUsd\":1000000000,\"basis\":\"CASELOAD\"}");
  }
  if (auto unknown = UnknownField(s)) {
    return Invalid(*unknown, StrCat("not a field of a what-if (period, "
                                    "totalUsd, basis, lnfAdmissionsCutPct, "
                                    "lnfSentenceCutPct)"));
  }
  v1::WhatIfRequest r;
  if (const Value* v = FieldOf(s, "period")) {
    if (v->kind_case() != Value::kStringValue) {
      return Invalid("period", "a string: a fiscal year such as FY2016");
    }
    r.set_period(v->string_value());
  }
  if (const Value* v = FieldOf(s, "totalUsd")) {
    if (absl::Status st = TotalFromJson(*v, &r); !st.ok()) return st;
  }
  if (const Value* v = FieldOf(s, "basis")) {
    if (absl::Status st = BasisFromJson(*v, &r); !st.ok()) return st;
  }
  if (const Value* v = FieldOf(s, "lnfAdmissionsCutPct")) {
    auto pct = PctFromJson("lnfAdmissionsCutPct", *v);
    if (!pct.ok()) return pct.status();
    r.set_lnf_admissions_cut_pct(*pct);
  }
  if (const Value* v = FieldOf(s, "lnfSentenceCutPct")) {
    auto pct = PctFromJson("lnfSentenceCutPct", *v);
    if (!pct.ok()) return pct.status();
    r.set_lnf_sentence_cut_pct(*pct);
  }
  if (absl::Status st = CheckWhatIf(r); !st.ok()) return st;
  return r;
}

absl::StatusOr<v1::WhatIfResponse> ComputeWhatIf(
    const v1::WhatIfRequest& request,
    const std::vector<v1::Scorecard>& agencies, const v1::Scorecard* national) {
  std::vector<const v1::Scorecard*> cards;
  cards.reserve(agencies.size());
  for (const v1::Scorecard& c : agencies) cards.push_back(&c);
  std::sort(cards.begin(), cards.end(),
            [](const auto* a, const auto* b) { return a->unit() < b->unit(); });
  v1::WhatIfResponse out;
  out.set_period(request.period());
  out.set_public_view(true);
  if (request.has_lnf_admissions_cut_pct() ||
      request.has_lnf_sentence_cut_pct()) {
    return Cut(request, cards, national, std::move(out));
  }
  return Allocate(request, cards, std::move(out));
}

}  // namespace fruition::gateway
