// The SPEC §9 JSON of a scorecard, shared by the gateway's HTTP API and
// fruitctl (which must not link the gateway itself).
#ifndef FRUITION_SERVICES_GATEWAY_JSON_H_
#define FRUITION_SERVICES_GATEWAY_JSON_H_

#include <string>

#include "fruition/v1/scores.pb.h"

namespace fruition::gateway {

// The SPEC §9 JSON of a scorecard: indicators as an object keyed by the
// lowerCamelCase name, each {"value","n"}, {"suppressed":true,"n"} or
// {"n":0,"defined":false}.
std::string ScorecardJson(const v1::Scorecard& card);
// "lnf_share" -> "lnfShare"; "target_ratio:X" -> "targetRatio:X".
std::string LowerCamel(const std::string& snake);

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_JSON_H_
