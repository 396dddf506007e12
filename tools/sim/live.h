// fruition-sim --server: streaming a generated stream into intake, live.
//
// Reports go in the order given (time order, from Generate), paced at a
// rate, each under its own reporter's bearer token, through fruitctl's
// submit code (tools/fruitctl/submit.h: per-report answers, resends with the
// same report_id when intake is unavailable, so a retry never duplicates).
#ifndef FRUITION_TOOLS_SIM_LIVE_H_
#define FRUITION_TOOLS_SIM_LIVE_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/v1/reports.pb.h"
#include "services/common/server/shutdown.h"
#include "tools/fruitctl/submit.h"

namespace fruition::sim {

// Reporter code -> bearer token.
using Tokens = std::map<std::string, std::string>;

// Parses a tokens file. Two forms, which may be mixed; '#' starts a comment:
//   DEA dev-DEA-1f2e3d            (CODE TOKEN, whitespace-separated)
//   tokens:                       (YAML: an optional top-level `tokens:`
//     DEA: dev-DEA-1f2e3d          key over a map of CODE: TOKEN; values may
//     USSC: "dev-USSC-9a8b7c"      be quoted)
// INVALID_ARGUMENT naming `source` and the line for anything else, a code
// given twice, or an empty token.
absl::StatusOr<Tokens> ParseTokens(const std::string& text,
                                   const std::string& source);
// Reads and parses the file; errors start with "--tokens: ".
absl::StatusOr<Tokens> LoadTokens(const std::string& path);

// "50", "50/s", "3000/min", "0.5/s" -> reports per second; "0" = unpaced.
// INVALID_ARGUMENT ("--rate: ...") otherwise.
absl::StatusOr<double> ParseRate(const std::string& text);

// The reporters of `reports` that have no token, sorted.
std::vector<std::string> MissingTokens(
    const std::vector<v1::AgencyReport>& reports, const Tokens& tokens);

struct StreamOptions {
  double rate = 50;  // reports per second; <= 0: as fast as intake answers
  Tokens tokens;     // must cover every reporter (see MissingTokens)
  int max_attempts = 8;
  // Notify() stops the stream after the batch in flight (e.g. on Ctrl-C).
  server::ShutdownSignal* stop = nullptr;
  // Called after each batch with the reports handled so far.
  std::function<void(size_t done, const fruitctl::SubmitSummary&)> progress;
};

// Sends `reports` in order. Consecutive reports of one reporter that are due
// together go in one IntakeService.Stream call; a paced stream sends each
// report at start + i / rate. Rejections are written to `errors` as
// "REPORTER.ndjson:LINE: CODE: message", LINE being the report's line in
// the --out file of the same options. Returns the counts so far (reports
// not sent because of `stop` are in none of them).
fruitctl::SubmitSummary StreamToIntake(
    const std::shared_ptr<grpc::Channel>& channel,
    const std::vector<v1::AgencyReport>& reports, const StreamOptions& options,
    std::ostream& errors);

}  // namespace fruition::sim

#endif  // FRUITION_TOOLS_SIM_LIVE_H_
