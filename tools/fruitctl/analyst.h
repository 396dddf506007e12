// fruitctl's commands for analysts and overseers: scorecards, events,
// claims, explanations, draft assessments, trends and what-ifs (SPEC §11),
// as tables for people or JSON for scripts.
//
// Exit codes: 0 done; 1 nothing found (NOT_FOUND, or an empty answer where
// one was asked for); 2 bad usage or input; 3 not allowed
// (UNAUTHENTICATED, PERMISSION_DENIED); 4 the service is unreachable or
// failed.
#ifndef FRUITION_TOOLS_FRUITCTL_ANALYST_H_
#define FRUITION_TOOLS_FRUITCTL_ANALYST_H_

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "services/common/config/config.h"

namespace fruition::fruitctl {

// The flags the analyst commands add to fruitctl's.
std::vector<config::Spec> AnalystSpecs();

// The usage text of the analyst commands, with examples.
const char* AnalystUsage();

// Runs `command` (scorecard, scorecards, events, claims, explain, assess,
// series, compare, history, whatif) with `args` (positional arguments after
// it); nullopt if `command` is not an analyst command.
std::optional<int> RunAnalystCommand(const std::string& command,
                                     const config::Settings& s,
                                     const std::vector<std::string>& args,
                                     std::ostream& out, std::ostream& err);

}  // namespace fruition::fruitctl

#endif  // FRUITION_TOOLS_FRUITCTL_ANALYST_H_
