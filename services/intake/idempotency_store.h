// Intake's idempotency index in RocksDB: (reporter, report_id) -> what was
// accepted and where it landed, so an exact resubmission is answered OK
// without producing again and a conflicting one is answered ALREADY_EXISTS
// (SPEC §2).
//
// Crash safety. Entries are written when Kafka acknowledges a record, in the
// same WriteBatch as the highest acknowledged offset of each partition
// involved. Everything this instance produced but had not recorded when it
// died therefore lies after those offsets; start-up recovery (recovery.h)
// reads just that range and records what it finds, so a client that resends
// what was not acknowledged is answered "duplicate" instead of being
// written twice.
//
// Beside the index it keeps who reported each link claim it recorded
// (claim_id -> reporters), the one case-level fact intake needs later: an
// agency may answer a claim's conditions only if it made the claim
// (SPEC §11).
//
// Raw subject identifiers never reach this store: digests are computed over
// the pseudonymized report.
//
// Thread-safe (RocksDB is).
#ifndef FRUITION_SERVICES_INTAKE_IDEMPOTENCY_STORE_H_
#define FRUITION_SERVICES_INTAKE_IDEMPOTENCY_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace fruition::intake {

// An accepted report: who sent it and where it landed.
struct IndexEntry {
  std::string reporter;
  std::string report_id;
  std::string digest;  // SenderDigest: the report as sent, not as stamped
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  // A link_claim's claim_id ("" for other bodies): recorded as claimed by
  // `reporter`, so that intake can tell who may answer the claim's
  // conditions (SPEC §11; ClaimReporters).
  std::string claim_id;
};

// (topic, partition) -> highest offset this instance saw acknowledged.
using OffsetMap = std::map<std::pair<std::string, int32_t>, int64_t>;

class IdempotencyStore {
 public:
  // Opens (creating if needed) the store in `dir`. Errors are RocksDB's,
  // mapped to absl codes (e.g. a directory locked by another process is
  // UNAVAILABLE).
  static absl::StatusOr<std::unique_ptr<IdempotencyStore>> Open(
      const std::string& dir);
  ~IdempotencyStore();

  // The entry for (reporter, report_id), or nullopt.
  absl::StatusOr<std::optional<IndexEntry>> Get(const std::string& reporter,
                                                const std::string& report_id);
  // The entries for many keys (Key(reporter, report_id)) in one RocksDB
  // MultiGet: `out[i]` for `keys[i]`. The status is the first read error;
  // on error `out` is meaningless.
  absl::Status MultiGet(const std::vector<std::string_view>& keys,
                        std::vector<std::optional<IndexEntry>>* out);
  // reporter NUL report_id: the index's key (neither may contain NUL:
  // validated UTF-8 without control characters).
  static std::string Key(const std::string& reporter,
                         const std::string& report_id);

  // Records acknowledged reports and raises each partition's acknowledged
  // offset to the highest among them, in one atomic write.
  absl::Status RecordWritten(const std::vector<IndexEntry>& entries);

  // The reporters of the link claims with `claim_id` this store recorded
  // (sorted; empty when it recorded none: claims accepted by another
  // replica, or before this store existed, are not in it). Errors are
  // RocksDB's: unknown is not "nobody's".
  absl::StatusOr<std::vector<std::string>> ClaimReporters(
      const std::string& claim_id);

  absl::StatusOr<OffsetMap> AckedOffsets();
  // Raises acknowledged offsets to at least the given values.
  absl::Status RaiseAckedOffsets(const OffsetMap& offsets);

 private:
  IdempotencyStore() = default;

  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* index_ = nullptr;
  rocksdb::ColumnFamilyHandle* offsets_ = nullptr;
  rocksdb::ColumnFamilyHandle* claims_ = nullptr;  // claim_id NUL reporter
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_IDEMPOTENCY_STORE_H_
