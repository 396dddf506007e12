// A RocksDB store of named tables (column families) for the stateful
// services (ARCHITECTURE principle 2): every unit of work goes through a
// KvTx, a WriteBatchWithIndex whose reads see its own writes, and lands
// atomically with the Kafka offsets that produced it (table 0, "offsets").
//
// Keys are byte strings; JoinKey/SplitKey build composite keys with '\0'
// separators (ids are validated by intake to hold no control characters).
//
// Reads are checked (issue 13): any RocksDB error other than NotFound is an
// error, never "absent", and a scan reports its iterator's status. Stored
// bytes that do not parse are DATA_LOSS naming table and key (DataLoss(),
// proto_table.h), so a caller stops instead of resetting state.
//
// Memory (issue 16): every store of a process shares one LRU block cache
// (data, index and bloom-filter blocks) and one memtable budget across all
// its column families, so RSS is bounded by StoreOptions, not by the number
// of tables times RocksDB's 64 MB per-family default (docs/OPERATIONS.md).
#ifndef FRUITION_SERVICES_COMMON_STORE_KV_H_
#define FRUITION_SERVICES_COMMON_STORE_KV_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace rocksdb {
class Cache;
class WriteBufferManager;
class DB;
class ColumnFamilyHandle;
class WriteBatchWithIndex;
}  // namespace rocksdb

namespace fruition::store {

// Joins key parts with '\0'.
std::string JoinKey(std::initializer_list<std::string_view> parts);
// Splits a key on '\0'.
std::vector<std::string> SplitKey(std::string_view key);
// Fixed-width big-endian encodings (sort like the numbers).
std::string BigEndian(uint64_t v, int bytes);
uint64_t FromBigEndian(std::string_view s);
// Zero-padded decimal, `digits` wide (sorts like the numbers, and reads as
// text: partition numbers and sequence numbers in keys and page tokens).
std::string Decimal(uint64_t v, int digits);

class KvStore;

// How a store uses memory and threads; the same for every store of a
// process (SetDefaultStoreOptions), defaulted for a 2-core host.
struct StoreOptions {
  // The LRU block cache every column family of every store shares: data
  // blocks, index blocks and bloom filters (MiB).
  int64_t block_cache_mb = 64;
  // The memtable budget shared the same way (MiB): when the memtables of
  // all families together pass it, the largest is flushed.
  int64_t write_buffer_mb = 64;
  // Flushes and compactions running at once (RocksDB max_background_jobs).
  int background_jobs = 2;
};

// INVALID_ARGUMENT naming the config field of a value out of range.
absl::Status ValidateStoreOptions(const StoreOptions& options);
// The options KvStore::Open(dir, tables) uses from now on (the service's
// settings, set once at start-up).
void SetDefaultStoreOptions(const StoreOptions& options);
StoreOptions DefaultStoreOptions();

class KvTx {
 public:
  explicit KvTx(KvStore* store);
  virtual ~KvTx();
  KvTx(const KvTx&) = delete;
  KvTx& operator=(const KvTx&) = delete;

  // The value of `key`; nullopt if absent; an error if the read failed.
  absl::StatusOr<std::optional<std::string>> Get(int table,
                                                 std::string_view key) const;
  void Put(int table, std::string_view key, std::string_view value);
  void Delete(int table, std::string_view key);
  // Keys and values of `table` starting with `prefix`, in key order, from the
  // first key > `after` (if not empty), at most `limit` (0: all).
  // An error if the iteration failed (never a silently short result).
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(
      int table, std::string_view prefix, std::string_view after = {},
      size_t limit = 0) const;

  // The next Kafka offset to read of (topic, partition), in table 0; nullopt
  // if none is stored; DATA_LOSS if the stored one is not 8 bytes.
  absl::StatusOr<std::optional<int64_t>> NextOffset(const std::string& topic,
                                                    int32_t partition) const;
  void SetNextOffset(const std::string& topic, int32_t partition, int64_t next);
  // Every stored (partition, next offset) of `topic`; DATA_LOSS if one is
  // malformed.
  absl::StatusOr<std::vector<std::pair<int32_t, int64_t>>> Offsets(
      const std::string& topic) const;

  KvStore* store() const { return store_; }

  bool empty() const { return writes_ == 0; }
  // Forgets every write not committed yet (the stream loop retries a batch
  // without a record an operator skipped).
  void Clear();
  // Marks where the writes so far end (nested marks stack): the stream loop
  // keeps several batches in one KvTx and must forget one batch's writes
  // without the earlier batches'.
  void SetSavePoint();
  // Forgets the writes since the last mark, and the mark.
  void RollbackToSavePoint();
  // Drops the last mark, keeping the writes.
  void PopSavePoint();

 private:
  friend class KvStore;
  KvStore* store_;
  std::unique_ptr<rocksdb::WriteBatchWithIndex> batch_;
  int64_t writes_ = 0;
  std::vector<int64_t> saved_writes_;  // writes_ at each save point
};

// DATA_LOSS naming the table and the (escaped) key whose stored bytes are not
// `what`, e.g. "an internal.SubjectState".
absl::Status DataLoss(const KvStore& store, int table, std::string_view key,
                      std::string_view what);

class KvStore {
 public:
  // Consulted before every read (Get, Scan, offsets) with the table and key
  // (the scan prefix); a non-OK status is returned as the read's error. The
  // seam through which tests inject store read errors; unset in services.
  using ReadFault =
      std::function<absl::Status(int table, std::string_view key)>;
  // Consulted before every non-empty Commit and every PutNow; a non-OK
  // status is returned as the write's error and nothing is written. The seam
  // through which tests simulate a crash between a batch's produce and its
  // commit; unset in services.
  using WriteFault = std::function<absl::Status()>;

  // Opens (creating) the store in `dir` with table 0 "offsets" followed by
  // `tables` (table i + 1 is tables[i]), with DefaultStoreOptions().
  static absl::StatusOr<std::unique_ptr<KvStore>> Open(
      const std::string& dir, const std::vector<std::string>& tables);
  // The same with `options`; stores opened with equal cache and budget sizes
  // share the cache and the budget.
  static absl::StatusOr<std::unique_ptr<KvStore>> Open(
      const std::string& dir, const std::vector<std::string>& tables,
      const StoreOptions& options);
  ~KvStore();

  // Writes one value at once, outside any KvTx (e.g. an intent that must
  // outlive a crash before the KvTx commits).
  absl::Status PutNow(int table, std::string_view key, std::string_view value);

  // Writes everything `tx` wrote, atomically, and empties it. On a full disk:
  // RESOURCE_EXHAUSTED, `tx` kept; the next Commit resumes the store first
  // (RocksDB stops writing after such an error), so committing again once
  // space returns goes through.
  absl::Status Commit(KvTx& tx);

  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* cf(int table) const;
  // "offsets" for table 0, else the name given to Open.
  const std::string& table_name(int table) const;

  // Installs (or, with nullptr, removes) the read fault hook. Not
  // synchronised: set it before the store is shared between threads.
  void SetReadFault(ReadFault fault) { read_fault_ = std::move(fault); }
  // Installs (or, with nullptr, removes) the write fault hook; the same
  // caveat.
  void SetWriteFault(WriteFault fault) { write_fault_ = std::move(fault); }

 private:
  friend class KvTx;
  KvStore() = default;
  absl::Status CheckRead(int table, std::string_view key) const;
  absl::Status CheckWrite() const;

  // Shared with the process's other stores; kept alive past db_.
  std::shared_ptr<rocksdb::Cache> cache_;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers_;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::vector<std::string> names_;  // "offsets", then the tables
  ReadFault read_fault_;
  WriteFault write_fault_;
  // The last write failed with an I/O error: resume before the next.
  std::atomic<bool> resume_{false};
  // ... and that error was a full disk.
  std::atomic<bool> no_space_{false};
};

}  // namespace fruition::store

#endif  // FRUITION_SERVICES_COMMON_STORE_KV_H_
