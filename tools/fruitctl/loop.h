// fruitctl's commands for the accountability loop (SPEC §11; docs/
// accountability.md): an agency answers a flag about itself, an overseer
// decides on it and sets budget lines pegged to outcome criteria.
//
//   fruitctl respond --condition KEY --explanation TEXT
//                    [--corrective-action TEXT]
//   fruitctl decide --condition KEY --decision accepted|rejected|needs-more
//                   [--note TEXT]
//   fruitctl budget set --line-id ID --agency CODE --fiscal-year FY2016
//                   --amount-usd N --purpose TEXT
//                   [--criterion 'lnf_share AT_MOST 0.30']...
//
// Each builds one report from `--reporter` (the principal code of
// `--token`: intake refuses any other) and submits it to intake
// (`--server`) as `fruitctl submit` does (resent with the same report_id
// while intake answers UNAVAILABLE). The report_id is `--report-id` or a
// new one per run (`respond-20161004T120000Z-<8 hex>`), occurred_at
// `--occurred-at` (RFC 3339) or now.
//
// Exit codes: 0 accepted; 1 refused by intake as invalid (INVALID_ARGUMENT,
// ALREADY_EXISTS; printed with the field it names); 2 bad usage (the
// message names the flag); 3 not allowed (PERMISSION_DENIED,
// UNAUTHENTICATED); 4 intake unreachable.
#ifndef FRUITION_TOOLS_FRUITCTL_LOOP_H_
#define FRUITION_TOOLS_FRUITCTL_LOOP_H_

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/v1/reports.pb.h"
#include "services/common/config/config.h"

namespace fruition::fruitctl {

// The flags the loop commands add to fruitctl's (--reporter is the analyst
// commands' and shared).
std::vector<config::Spec> LoopSpecs();

// The usage text of the loop commands, with examples.
const char* LoopUsage();

// Removes every `--flag VALUE` and `--flag=VALUE` of `flag` (without its
// dashes) from `args` and returns the values in order: a repeatable flag,
// which fruitctl's settings (one value per flag) cannot hold. A trailing
// `--flag` without a value stays in `args` (the settings then refuse it).
std::vector<std::string> TakeRepeated(std::vector<std::string>* args,
                                      std::string_view flag);

// "lnf_share AT_MOST 0.30": indicator, op (AT_MOST / AT_LEAST, any case,
// with or without CRITERION_OP_, or <= / >=) and a finite value.
// INVALID_ARGUMENT naming --criterion and what is wrong.
absl::StatusOr<v1::BudgetCriterion> ParseCriterion(std::string_view text);

// "FY2016" or "2016" -> 2016. INVALID_ARGUMENT naming --fiscal-year.
absl::StatusOr<uint32_t> ParseFiscalYear(std::string_view text);

// The report `command` (respond, decide, or budget with args {"set"})
// would send, from the flags, the --criterion values and the clock;
// `report_id` when --report-id is unset. INVALID_ARGUMENT naming the flag
// (intake checks the rest and names the field).
absl::StatusOr<v1::AgencyReport> BuildLoopReport(
    const std::string& command, const std::vector<std::string>& args,
    const config::Settings& s, const std::vector<std::string>& criteria,
    int64_t now_seconds, const std::string& report_id);

// A new report id for `command` at `now_seconds`:
// "<command>-<UTC yyyymmddThhmmssZ>-<8 random hex>".
std::string NewReportId(const std::string& command, int64_t now_seconds);

// Runs `command` with `args` (positional arguments after it); nullopt if it
// is not a loop command.
std::optional<int> RunLoopCommand(const std::string& command,
                                  const config::Settings& s,
                                  const std::vector<std::string>& args,
                                  const std::vector<std::string>& criteria,
                                  std::ostream& out, std::ostream& err);

}  // namespace fruition::fruitctl

#endif  // FRUITION_TOOLS_FRUITCTL_LOOP_H_
