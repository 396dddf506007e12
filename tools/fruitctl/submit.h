// `fruitctl submit`: streams reports to IntakeService.Stream and reports the
// outcome per line. Reports answered UNAVAILABLE or RESOURCE_EXHAUSTED, or
// left unanswered when the stream breaks, are resent with the same report_id
// (safe: intake is idempotent): after the server's retry hint when it gave
// one (ReportResult.retry_after_ms, or trailing metadata `retry-after-ms`
// of a refused call, e.g. beyond max_streams), else with backoff; up to
// `max_attempts` attempts that accept nothing (an attempt the quota lets
// some reports through does not count).
#ifndef FRUITION_TOOLS_FRUITCTL_SUBMIT_H_
#define FRUITION_TOOLS_FRUITCTL_SUBMIT_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/ndjson.h"

namespace fruition::fruitctl {

// One line of a report file (services/common/ndjson.h).
using Line = ndjson::Line;

struct SubmitOptions {
  std::string token;  // bearer token ("" = none)
  int max_attempts = 8;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
};

struct SubmitSummary {
  int accepted = 0;    // OK, including duplicates
  int duplicates = 0;  // OK answers for already-accepted reports
  int rejected = 0;    // a final non-OK answer (or unparsable line)
};

// Submits `lines`; prints "FILE:LINE: CODE: message" to `errors` for each
// report finally rejected. UNAVAILABLE only if `channel` never answered.
SubmitSummary Submit(const std::shared_ptr<grpc::Channel>& channel,
                     const std::vector<Line>& lines,
                     const SubmitOptions& options, std::ostream& errors);

// A channel to host:port, TLS when `ca_file` is set (with an optional client
// certificate: `cert_file` and `key_file` together, a certificate with
// extendedKeyUsage clientAuth). INVALID_ARGUMENT naming the flag for
// unreadable files, or a certificate without its key (or the reverse).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const std::string& server, const std::string& ca_file,
    const std::string& cert_file, const std::string& key_file);

}  // namespace fruition::fruitctl

#endif  // FRUITION_TOOLS_FRUITCTL_SUBMIT_H_
