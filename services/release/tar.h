// A deterministic ustar archive of a release: every file under one top
// directory, entries sorted by path, directories before their files, mtime
// 0, uid/gid 0, mode 0644 (0755 for directories), no user or group names.
// The same files always give the same bytes. Pure; thread-safe.
#ifndef FRUITION_SERVICES_RELEASE_TAR_H_
#define FRUITION_SERVICES_RELEASE_TAR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/release/release.h"

namespace fruition::release {

// The archive of `files` under `top` (e.g. `fruition-FY2016`).
// INVALID_ARGUMENT naming the path when a path is empty, absolute, holds
// `..`, is given twice, or is too long for ustar (100 bytes of name after up
// to 155 of prefix).
absl::StatusOr<std::string> Tar(const std::string& top,
                                const std::vector<File>& files);

}  // namespace fruition::release

#endif  // FRUITION_SERVICES_RELEASE_TAR_H_
