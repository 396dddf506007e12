// JSON as the gateway's HTTP API writes it (SPEC §9), shared with fruitctl
// (which must not link the gateway itself).
#ifndef FRUITION_SERVICES_GATEWAY_JSON_H_
#define FRUITION_SERVICES_GATEWAY_JSON_H_

#include <string>

#include "fruition/v1/gateway.pb.h"
#include "fruition/v1/scores.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"

namespace fruition::gateway {

// A message in proto3 JSON (lowerCamelCase names, enums by name), every
// field printed, defaults too (so `resolved: false` is visible).
std::string ToJson(const google::protobuf::Message& m);

// The SPEC §9 JSON of a scorecard: indicators as an object keyed by the
// lowerCamelCase name, each {"value","n"}, {"n":0,"defined":false} or, for a
// cell disclosure control withheld, exactly {"suppressed":true} (SPEC §5 D1:
// no value, no n). "publicView" says which view the card is; a public card
// also has "lagsCurrent" (its figures rest on older facts, SPEC §5 D4).
std::string ScorecardJson(const v1::Scorecard& card);

// The SPEC §9 JSON fields of one cell, into `cell` (what every answer writes
// for a cell: scorecards, series, compare, history): {"value","n"},
// {"n":0,"defined":false} or exactly {"suppressed":true}.
void CellFields(const v1::Indicator& i, google::protobuf::Struct* cell);

// The `indicators` object of a card: cells keyed by lowerCamel name.
void IndicatorsStruct(const v1::Scorecard& card,
                      google::protobuf::Struct* indicators);

// The SPEC §9 answers of /api/v1/series, /api/v1/compare and
// /api/v1/scorecards/history (`restricted`: an overseer's, with changedBy).
// A point or unit without a cell is {"noData":true}; a ranked unit has
// "rank" and "percentile", an unranked one neither.
std::string SeriesJson(const v1::GetSeriesResponse& series);
std::string CompareJson(const v1::CompareUnitsResponse& cmp);
std::string VersionsJson(const std::string& unit, const std::string& period,
                         const v1::ListScorecardVersionsResponse& page,
                         bool restricted);

// The SPEC §11 answer of POST /api/v1/whatif (docs/API.md, "What-if"):
// an allocation's `basis`, `totalUsd`, `totalCents` and `allocations` (each
// `unit`, `basisValue`, `cents`, `share`, `budgetUsd`: null when the card
// has none), or a cut's percent (`lnfAdmissionsCutPct` or
// `lnfSentenceCutPct`), `units` and `national` (each `unit`,
// `lnfPrisonYears`, `lnfCostUsd`, `prisonYearsSaved`, `usdSaved`; national
// null when left out); both with `period`, `view` ("public"),
// `lagsCurrent` and `leftOut` ([{unit, reason}]).
std::string WhatIfJson(const v1::WhatIfResponse& answer);

// The SPEC §11 answer of GET /api/v1/budgets (docs/API.md, "Budget lines
// and how they stand"): `period`, `view` ("public"), `lagsCurrent` and
// `lines`, each `lineId`, `agency`, `fiscalYear` (2016), `amountUsd`,
// `purpose`, `judged`, `met`, `agencyBudgetUsd` and
// `agencyCostPerHighDesertSentence` (null when the card shows none) and
// `criteria`, each `indicator`, `op` (`CRITERION_OP_AT_MOST`), `value`,
// `met` and `found` (left out when the public card shows no value).
std::string BudgetLinesJson(const v1::ListBudgetLinesResponse& answer);

// "CASELOAD" for WHAT_IF_BASIS_CASELOAD ("" for UNSPECIFIED).
std::string WhatIfBasisName(v1::WhatIfBasis basis);

// "lnf_share" -> "lnfShare"; "target_ratio:X" -> "targetRatio:X".
std::string LowerCamel(const std::string& snake);

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_JSON_H_
