// Which indicators fruitctl's `scorecard` and `scorecards` commands show
// (--columns): names as people type them — SPEC names (`lnf_share`), JSON
// names (`lnfShare`) or a family prefix (`function_share:`,
// `functionShare:`) for every member — resolved to SPEC names.
#ifndef FRUITION_TOOLS_FRUITCTL_COLUMNS_H_
#define FRUITION_TOOLS_FRUITCTL_COLUMNS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/v1/scores.pb.h"
#include "services/domain/indicators.h"

namespace fruition::fruitctl {

// The headline indicators `scorecards` shows without --columns: the
// ambition-fruition gap, LNF people and their cost, links, and the
// prosecution stage's headline figures.
const std::vector<std::string>& DefaultColumns();

// The indicators `spec` names (comma-separated), as SPEC names, in the order
// given, each once; a family prefix gives its members in the cards' order,
// then the members only the registry lists. A name is known when `registry`
// lists it (or its family) or one of `cards` carries it, so a scorecard's
// indicators can be chosen before the registry here knows them. Error,
// naming it, for an unknown name; also for a spec that names nothing.
absl::StatusOr<std::vector<std::string>> ResolveColumns(
    const std::string& spec, const std::vector<v1::Scorecard>& cards,
    const std::vector<domain::IndicatorDef>& registry = domain::Indicators());

}  // namespace fruition::fruitctl

#endif  // FRUITION_TOOLS_FRUITCTL_COLUMNS_H_
