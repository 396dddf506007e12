// fruition-sim --out: one NDJSON file per reporter and a manifest.
//
// DIR/<REPORTER>.ndjson holds that reporter's reports in time order, one
// AgencyReport per line in proto3's canonical JSON (lowerCamelCase names,
// enums as strings, RFC 3339 timestamps): what `fruitctl submit` reads.
// DIR/manifest.json says what was generated (options, counts per file and
// body, the calibration table and the national indicators as measured from
// the reports).
#ifndef FRUITION_TOOLS_SIM_OUTPUT_H_
#define FRUITION_TOOLS_SIM_OUTPUT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/v1/reports.pb.h"
#include "tools/sim/measure.h"
#include "tools/sim/sim.h"

namespace fruition::sim {

// One report as one line of JSON (no newline).
absl::StatusOr<std::string> ReportJson(const v1::AgencyReport& report);

// The manifest's JSON text.
std::string ManifestJson(const SimOptions& options,
                         const std::vector<v1::AgencyReport>& reports,
                         const Measures& measures);

// The file a reporter's reports go to, e.g. "USAO-EDPA.ndjson".
std::string FileFor(const std::string& reporter);

// Creates `dir` (and parents) if needed and writes the files, replacing
// files of the same names. Returns the paths written, manifest last.
absl::StatusOr<std::vector<std::string>> WriteDirectory(
    const std::string& dir, const SimOptions& options,
    const std::vector<v1::AgencyReport>& reports, const Measures& measures);

}  // namespace fruition::sim

#endif  // FRUITION_TOOLS_SIM_OUTPUT_H_
