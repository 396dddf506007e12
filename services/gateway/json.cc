#include "services/gateway/json.h"

#include <cctype>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/domain/indicators.h"

namespace fruition::gateway {

using google::protobuf::Struct;

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

}  // namespace fruition::gateway
