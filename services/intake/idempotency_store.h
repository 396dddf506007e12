// Intake's idempotency index in RocksDB: (reporter, report_id) -> what was
// accepted, so an exact resubmission is answered OK without producing again
// and a conflicting one is answered ALREADY_EXISTS (SPEC §2).
//
// Crash safety. An entry is written PENDING (with the body digest) before the
// record is produced, and WRITTEN (with its topic, partition and offset) when
// Kafka acknowledges it, in the same WriteBatch as the highest acknowledged
// offset of that partition. After a kill -9, PENDING entries are records that
// may or may not have reached Kafka; RecoverPending() (recovery.h) settles
// them by reading each partition after its acknowledged offset, so a client
// that resends what was not acknowledged does not create duplicates.
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
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace fruition::intake {

struct IndexEntry {
  bool written = false;  // false: PENDING (maybe in Kafka)
  std::string digest;    // sha256 hex of the produced bytes
  std::string topic;     // when written
  int32_t partition = -1;
  int64_t offset = -1;
};

struct PendingEntry {
  std::string reporter;
  std::string report_id;
  std::string digest;
};

// (topic, partition) -> highest offset this instance saw acknowledged.
using OffsetMap = std::map<std::pair<std::string, int32_t>, int64_t>;

class IdempotencyStore {
 public:
  // Opens (creating if needed) the store in `dir`. Errors are RocksDB's,
  // mapped to absl codes (e.g. a locked directory is UNAVAILABLE).
  static absl::StatusOr<std::unique_ptr<IdempotencyStore>> Open(
      const std::string& dir);
  ~IdempotencyStore();

  absl::StatusOr<std::optional<IndexEntry>> Get(const std::string& reporter,
                                                const std::string& report_id);
  // Records that a record with `digest` is about to be produced.
  absl::Status PutPending(const std::string& reporter,
                          const std::string& report_id,
                          const std::string& digest);
  // Records the acknowledged position, and raises the partition's
  // acknowledged offset, atomically.
  absl::Status MarkWritten(const std::string& reporter,
                           const std::string& report_id,
                           const std::string& digest, const std::string& topic,
                           int32_t partition, int64_t offset);
  // Drops an entry (a PENDING one whose record certainly did not land).
  absl::Status Forget(const std::string& reporter,
                      const std::string& report_id);

  absl::StatusOr<std::vector<PendingEntry>> Pending();
  absl::StatusOr<OffsetMap> AckedOffsets();
  // Raises acknowledged offsets to at least the given values.
  absl::Status RaiseAckedOffsets(const OffsetMap& offsets);

  // Number of entries (approximate; for metrics).
  uint64_t ApproximateSize();

 private:
  IdempotencyStore() = default;

  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* index_ = nullptr;
  rocksdb::ColumnFamilyHandle* pending_ = nullptr;
  rocksdb::ColumnFamilyHandle* offsets_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_IDEMPOTENCY_STORE_H_
