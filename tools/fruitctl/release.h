// fruitctl release: fetch a fiscal year's release (SPEC §10) from the
// gateway and check it.
//
//   fruitctl release --period FY2016 --out DIR [--force] [--gateway H:P]
//       GetRelease, then writes every file under DIR (refusing a DIR that is
//       not empty unless --force) and verifies its MANIFEST.
//   fruitctl release verify DIR
//       Re-checks a release on disk: every file the MANIFEST lists has its
//       SHA-256, and no file is there that the MANIFEST does not list.
//
// Exit codes as the analyst commands (analyst.h): 0 done; 1 nothing found
// or a file that does not verify (named); 2 bad usage or input; 3 not
// allowed; 4 the gateway is unreachable or failed.
#ifndef FRUITION_TOOLS_FRUITCTL_RELEASE_H_
#define FRUITION_TOOLS_FRUITCTL_RELEASE_H_

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "fruition/v1/releases.pb.h"
#include "services/common/config/config.h"

namespace fruition::fruitctl {

// The flags `release` adds (--out, --force; --period is the analysts').
std::vector<config::Spec> ReleaseSpecs();
const char* ReleaseUsage();

// Runs `release` with `args` (positional arguments after it); nullopt if
// `command` is not `release`.
std::optional<int> RunReleaseCommand(const std::string& command,
                                     const config::Settings& s,
                                     const std::vector<std::string>& args,
                                     std::ostream& out, std::ostream& err);

// Writes `release`'s files under `dir` (created if missing).
// FAILED_PRECONDITION when `dir` holds anything and not `force`;
// INVALID_ARGUMENT naming a path that would leave `dir`.
absl::Status WriteRelease(const v1::Release& release, const std::string& dir,
                          bool force);

// Checks `dir` against its MANIFEST. DATA_LOSS naming the first file whose
// digest differs, that is missing, or that the MANIFEST does not list;
// NOT_FOUND when there is no MANIFEST.
absl::Status VerifyReleaseDir(const std::string& dir);

}  // namespace fruition::fruitctl

#endif  // FRUITION_TOOLS_FRUITCTL_RELEASE_H_
