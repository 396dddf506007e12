// The one place rocksdb::Status becomes absl::Status (STYLE.md: convert in
// the adapter that calls the library).
#ifndef FRUITION_SERVICES_COMMON_STORE_ROCKSDB_STATUS_H_
#define FRUITION_SERVICES_COMMON_STORE_ROCKSDB_STATUS_H_

#include <string_view>

#include "absl/status/status.h"
#include "rocksdb/status.h"

namespace fruition::store {

// OK -> OK; NotFound -> NOT_FOUND; Busy/TimedOut/TryAgain/IOError (a locked
// or unavailable directory) -> UNAVAILABLE; Corruption -> DATA_LOSS;
// InvalidArgument/NotSupported -> INVALID_ARGUMENT/UNIMPLEMENTED; else
// INTERNAL. `what` prefixes the message ("open /data/intake").
absl::Status FromRocksDb(const rocksdb::Status& status, std::string_view what);

}  // namespace fruition::store

#endif  // FRUITION_SERVICES_COMMON_STORE_ROCKSDB_STATUS_H_
