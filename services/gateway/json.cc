#include "services/gateway/json.h"

#include <cctype>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "services/domain/indicators.h"

namespace fruition::gateway {

using google::protobuf::Struct;
using google::protobuf::Value;

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

std::string LowerCamel(const std::string& snake) {
  return domain::JsonName(snake);
}

void CellFields(const v1::Indicator& i, Struct* cell) {
  auto& c = *cell->mutable_fields();
  if (i.suppressed()) {
    // SPEC §5 D1: nothing else, not even `n`.
    c["suppressed"].set_bool_value(true);
    return;
  }
  c["n"].set_number_value(static_cast<double>(i.n()));
  if (!i.defined()) {
    c["defined"].set_bool_value(false);
  } else {
    c["value"].set_number_value(i.value());
  }
}

void IndicatorsStruct(const v1::Scorecard& card, Struct* indicators) {
  auto& fields = *indicators->mutable_fields();
  for (const v1::Indicator& i : card.indicators()) {
    CellFields(i, fields[LowerCamel(i.name())].mutable_struct_value());
  }
}

std::string ScorecardJson(const v1::Scorecard& card) {
  Struct body;
  auto& f = *body.mutable_fields();
  f["unit"].set_string_value(card.unit());
  f["period"].set_string_value(card.period());
  f["scoreVersion"].set_string_value(card.score_version());
  f["criteriaVersion"].set_string_value(card.criteria_version());
  f["scorecardId"].set_string_value(card.scorecard_id());
  f["revision"].set_string_value(std::to_string(card.revision()));
  f["publicView"].set_bool_value(card.public_view());
  if (card.public_view()) f["lagsCurrent"].set_bool_value(card.lags_current());
  IndicatorsStruct(card, f["indicators"].mutable_struct_value());
  return ToJson(body);
}

namespace {

const char* ViewName(bool public_view) {
  return public_view ? "public" : "restricted";
}

// A cell of a series or comparison, with `key` set to `name`.
Struct PointStruct(const char* key, const std::string& name,
                   const v1::Indicator& cell, bool no_data) {
  Struct point;
  auto& f = *point.mutable_fields();
  f[key].set_string_value(name);
  if (no_data) {
    f["noData"].set_bool_value(true);
  } else {
    CellFields(cell, &point);
  }
  return point;
}

}  // namespace

std::string SeriesJson(const v1::GetSeriesResponse& series) {
  Struct body;
  auto& f = *body.mutable_fields();
  f["unit"].set_string_value(series.unit());
  f["indicator"].set_string_value(LowerCamel(series.indicator()));
  f["view"].set_string_value(ViewName(series.public_view()));
  auto& points = *f["points"].mutable_list_value();
  for (const auto& p : series.points()) {
    *points.add_values()->mutable_struct_value() =
        PointStruct("period", p.period(), p.cell(), p.no_data());
  }
  return ToJson(body);
}

std::string CompareJson(const v1::CompareUnitsResponse& cmp) {
  Struct body;
  auto& f = *body.mutable_fields();
  f["indicator"].set_string_value(LowerCamel(cmp.indicator()));
  f["period"].set_string_value(cmp.period());
  f["kind"].set_string_value(cmp.kind());
  f["view"].set_string_value(ViewName(cmp.public_view()));
  *f["national"].mutable_struct_value() = PointStruct(
      "unit", "national:US", cmp.national(), cmp.national_no_data());
  auto& units = *f["units"].mutable_list_value();
  for (const auto& u : cmp.units()) {
    Struct unit = PointStruct("unit", u.unit(), u.cell(), u.no_data());
    if (u.rank() > 0) {
      (*unit.mutable_fields())["rank"].set_number_value(u.rank());
      (*unit.mutable_fields())["percentile"].set_number_value(u.percentile());
    }
    *units.add_values()->mutable_struct_value() = std::move(unit);
  }
  return ToJson(body);
}

namespace {

// `changedBy` and `changedByCount` of a card (fields 10 and 11 of
// v1.Scorecard) when the build's Scorecard has them.
void ChangedBy(const v1::Scorecard& card, Struct* version) {
  const auto* d = card.GetDescriptor();
  const auto* r = card.GetReflection();
  const auto* by = d->FindFieldByNumber(10);
  const auto* count = d->FindFieldByNumber(11);
  auto& f = *version->mutable_fields();
  if (by != nullptr && by->is_repeated() &&
      by->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
    auto& list = *f["changedBy"].mutable_list_value();
    for (int i = 0; i < r->FieldSize(card, by); ++i) {
      list.add_values()->set_string_value(r->GetRepeatedString(card, by, i));
    }
  }
  if (count != nullptr && !count->is_repeated() &&
      count->type() == google::protobuf::FieldDescriptor::TYPE_INT64) {
    f["changedByCount"].set_number_value(
        static_cast<double>(r->GetInt64(card, count)));
  }
}

}  // namespace

std::string VersionsJson(const std::string& unit, const std::string& period,
                         const v1::ListScorecardVersionsResponse& page,
                         bool restricted) {
  using google::protobuf::util::TimeUtil;
  Struct body;
  auto& f = *body.mutable_fields();
  f["unit"].set_string_value(unit);
  f["period"].set_string_value(period);
  f["view"].set_string_value(ViewName(!restricted));
  auto& versions = *f["versions"].mutable_list_value();
  for (const auto& v : page.versions()) {
    Struct version;
    auto& vf = *version.mutable_fields();
    vf["scorecardId"].set_string_value(v.scorecard().scorecard_id());
    vf["revision"].set_string_value(std::to_string(v.scorecard().revision()));
    vf["at"].set_string_value(
        TimeUtil::ToString(TimeUtil::MillisecondsToTimestamp(v.at_ms())));
    IndicatorsStruct(v.scorecard(), vf["indicators"].mutable_struct_value());
    if (restricted) ChangedBy(v.scorecard(), &version);
    *versions.add_values()->mutable_struct_value() = std::move(version);
  }
  if (!page.next().empty()) f["next"].set_string_value(page.next());
  return ToJson(body);
}

std::string WhatIfBasisName(v1::WhatIfBasis basis) {
  if (basis == v1::WHAT_IF_BASIS_UNSPECIFIED) return "";
  const std::string name = v1::WhatIfBasis_Name(basis);
  const std::string prefix = "WHAT_IF_BASIS_";
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

namespace {

void AllocationFields(const v1::WhatIfResponse& a, Struct* body) {
  auto& f = *body->mutable_fields();
  f["basis"].set_string_value(WhatIfBasisName(a.basis()));
  f["totalUsd"].set_number_value(static_cast<double>(a.total_usd()));
  f["totalCents"].set_number_value(static_cast<double>(a.total_usd()) * 100);
  auto& list = *f["allocations"].mutable_list_value();
  for (const v1::WhatIfAllocation& x : a.allocations()) {
    auto& u = *list.add_values()->mutable_struct_value()->mutable_fields();
    u["unit"].set_string_value(x.unit());
    u["basisValue"].set_number_value(x.basis_value());
    u["cents"].set_number_value(static_cast<double>(x.cents()));
    u["share"].set_number_value(x.share());
    if (x.has_budget_usd()) {
      u["budgetUsd"].set_number_value(x.budget_usd());
    } else {
      u["budgetUsd"].set_null_value(google::protobuf::NULL_VALUE);
    }
  }
}

Struct SavingStruct(const v1::WhatIfSaving& s) {
  Struct out;
  auto& f = *out.mutable_fields();
  f["unit"].set_string_value(s.unit());
  f["lnfPrisonYears"].set_number_value(s.lnf_prison_years());
  f["lnfCostUsd"].set_number_value(s.lnf_cost_usd());
  f["prisonYearsSaved"].set_number_value(s.prison_years_saved());
  f["usdSaved"].set_number_value(s.usd_saved());
  return out;
}

void CutFields(const v1::WhatIfResponse& c, Struct* body) {
  auto& f = *body->mutable_fields();
  if (c.has_lnf_admissions_cut_pct()) {
    f["lnfAdmissionsCutPct"].set_number_value(c.lnf_admissions_cut_pct());
  } else {
    f["lnfSentenceCutPct"].set_number_value(c.lnf_sentence_cut_pct());
  }
  auto& units = *f["units"].mutable_list_value();
  for (const v1::WhatIfSaving& s : c.units()) {
    *units.add_values()->mutable_struct_value() = SavingStruct(s);
  }
  if (c.has_national()) {
    *f["national"].mutable_struct_value() = SavingStruct(c.national());
  } else {
    f["national"].set_null_value(google::protobuf::NULL_VALUE);
  }
}

}  // namespace

std::string WhatIfJson(const v1::WhatIfResponse& answer) {
  Struct body;
  auto& f = *body.mutable_fields();
  f["period"].set_string_value(answer.period());
  f["view"].set_string_value(ViewName(answer.public_view()));
  f["lagsCurrent"].set_bool_value(answer.lags_current());
  if (answer.basis() != v1::WHAT_IF_BASIS_UNSPECIFIED) {
    AllocationFields(answer, &body);
  } else {
    CutFields(answer, &body);
  }
  auto& left = *f["leftOut"].mutable_list_value();
  for (const v1::WhatIfLeftOut& l : answer.left_out()) {
    auto& u = *left.add_values()->mutable_struct_value()->mutable_fields();
    u["unit"].set_string_value(l.unit());
    u["reason"].set_string_value(l.reason());
  }
  return ToJson(body);
}

namespace {

void NumberOrNull(bool has, double v, Value* out) {
  if (has) {
    out->set_number_value(v);
  } else {
    out->set_null_value(google::protobuf::NULL_VALUE);
  }
}

Struct BudgetLineStruct(const v1::BudgetLineStatus& l) {
  Struct out;
  auto& f = *out.mutable_fields();
  f["lineId"].set_string_value(l.line_id());
  f["agency"].set_string_value(l.agency());
  f["fiscalYear"].set_number_value(l.fiscal_year());
  f["amountUsd"].set_number_value(static_cast<double>(l.amount_usd()));
  f["purpose"].set_string_value(l.purpose());
  f["judged"].set_bool_value(l.judged());
  f["met"].set_bool_value(l.met());
  NumberOrNull(l.has_agency_budget_usd(), l.agency_budget_usd(),
               &f["agencyBudgetUsd"]);
  NumberOrNull(l.has_agency_cost_per_high_desert_sentence(),
               l.agency_cost_per_high_desert_sentence(),
               &f["agencyCostPerHighDesertSentence"]);
  auto& criteria = *f["criteria"].mutable_list_value();
  for (const v1::BudgetCriterionStatus& c : l.criteria()) {
    auto& g = *criteria.add_values()->mutable_struct_value()->mutable_fields();
    g["indicator"].set_string_value(c.indicator());
    g["op"].set_string_value(v1::CriterionOp_Name(c.op()));
    g["value"].set_number_value(c.value());
    if (c.has_found()) g["found"].set_number_value(c.found());
    g["met"].set_bool_value(c.met());
  }
  return out;
}

}  // namespace

std::string BudgetLinesJson(const v1::ListBudgetLinesResponse& answer) {
  Struct body;
  auto& f = *body.mutable_fields();
  f["period"].set_string_value(answer.period());
  f["view"].set_string_value(ViewName(answer.public_view()));
  f["lagsCurrent"].set_bool_value(answer.lags_current());
  auto& lines = *f["lines"].mutable_list_value();
  for (const v1::BudgetLineStatus& l : answer.lines()) {
    *lines.add_values()->mutable_struct_value() = BudgetLineStruct(l);
  }
  return ToJson(body);
}

}  // namespace fruition::gateway
