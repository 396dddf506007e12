// A principals file and a tokens file for every reporter of the simulated
// stream: what a run of the services on the sample needs to accept it
// (bench/e2e, tools/soak). Tokens are fresh random bearer tokens; the
// principals file holds only their SHA-256 (docs/OPERATIONS.md).
#ifndef FRUITION_TOOLS_SIM_PRINCIPALS_H_
#define FRUITION_TOOLS_SIM_PRINCIPALS_H_

#include <string>

#include "absl/status/status.h"

namespace fruition::sim {

// Writes DIR/principals.yaml (every reporter of Reporters() with its kind,
// acts_for and designates, a quota no bench reaches (1,000,000 reports/s,
// 64 streams), and an overseer "OIG") and DIR/tokens
// ("CODE TOKEN" lines, what --tokens reads). Tokens are
// "<token_prefix>-<CODE>-<32 random hex digits>". An error names the file
// that could not be written.
absl::Status WritePrincipals(const std::string& dir,
                             const std::string& token_prefix);

}  // namespace fruition::sim

#endif  // FRUITION_TOOLS_SIM_PRINCIPALS_H_
