// Reading report files: NDJSON, one AgencyReport per line in proto3's
// canonical JSON mapping (SPEC §2). Blank lines are skipped. Shared by
// fruitctl, the simulator and intake's fuzzer (which parses JSON as fruitctl
// does), so it lives below the services, not in tools/.
#ifndef FRUITION_SERVICES_COMMON_NDJSON_H_
#define FRUITION_SERVICES_COMMON_NDJSON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/v1/reports.pb.h"

namespace fruition::ndjson {

// One line of input: where it came from and what it held.
struct Line {
  std::string file;
  int number = 0;  // 1-based
  v1::AgencyReport report;
  std::string parse_error;  // non-empty: the line is not a valid report
};

// Reads `path` ("-" for stdin). NOT_FOUND if unreadable. Lines that do not
// parse are returned with parse_error set, naming what is wrong.
absl::StatusOr<std::vector<Line>> ReadNdjson(const std::string& path);

// Parses one JSON line.
absl::StatusOr<v1::AgencyReport> ParseReportJson(const std::string& json);

}  // namespace fruition::ndjson

#endif  // FRUITION_SERVICES_COMMON_NDJSON_H_
