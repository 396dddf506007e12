#include "services/common/store/kv.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <mutex>
#include <utility>

#include "absl/strings/escaping.h"
#include "services/common/log/log.h"
#include "services/common/store/rocksdb_status.h"
#include "services/common/strings.h"

namespace fruition::store {
namespace {

rocksdb::Slice ToSlice(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

// A key as text for messages: '\0' separators and binary parts escaped.
std::string Escaped(std::string_view key) {
  return absl::CHexEscape(absl::string_view(key.data(), key.size()));
}

constexpr int64_t kMiB = int64_t{1024} * 1024;

// RocksDB's own log (its errors and their recovery, write stalls), as
// lines of the service's log on stderr instead of a LOG file in the data
// dir: on a full data disk, RocksDB's writer of that file aborts the
// process (an assertion of Debian's librocksdb, WritableFileWriter's
// AssertFalseAndGetStatusForPrevError) at the first line after one it
// could not write, seconds into the outage, and the stage never gets to
// resume once space returns. Warnings and errors only: its info lines
// (every option at open, periodic statistics) are many.
class ServiceLogger : public rocksdb::Logger {
 public:
  ServiceLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format,
            va_list ap) override {
    if (level < GetInfoLogLevel() ||
        level == rocksdb::InfoLogLevel::HEADER_LEVEL) {
      return;
    }
    char line[1024];
    std::vsnprintf(line, sizeof(line), format, ap);
    std::string message(line);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    log::Write(level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? log::Level::kError
                                                           : log::Level::kWarn,
               "rocksdb", {{"message", message}});
  }
  void LogHeader(const char* format, va_list ap) override {
    (void)format;
    (void)ap;
  }
};

const std::shared_ptr<rocksdb::Logger>& RocksDbLogger() {
  static auto* const logger =
      new std::shared_ptr<rocksdb::Logger>(std::make_shared<ServiceLogger>());
  return *logger;
}

std::mutex& OptionsMu() {
  static auto* const mu = new std::mutex();
  return *mu;
}

StoreOptions& ProcessOptions() {
  static auto* const options = new StoreOptions();
  return *options;
}

// The cache and memtable budget of one size, shared by every store opened
// with it (weak: freed with the last store).
struct Shared {
  std::shared_ptr<rocksdb::Cache> cache;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers;
};

Shared SharedOf(const StoreOptions& o) {
  static auto* const by_size =
      new std::map<std::pair<int64_t, int64_t>,
                   std::pair<std::weak_ptr<rocksdb::Cache>,
                             std::weak_ptr<rocksdb::WriteBufferManager>>>();
  std::lock_guard<std::mutex> lock(OptionsMu());
  auto& weak = (*by_size)[{o.block_cache_mb, o.write_buffer_mb}];
  Shared shared{weak.first.lock(), weak.second.lock()};
  if (shared.cache == nullptr) {
    // High-priority pool for index and filter blocks: a scan of cold data
    // does not push out the blocks every point lookup needs first.
    rocksdb::LRUCacheOptions lru(static_cast<size_t>(o.block_cache_mb * kMiB),
                                 /*num_shard_bits=*/-1,
                                 /*strict_capacity_limit=*/false,
                                 /*high_pri_pool_ratio=*/0.5);
    shared.cache = rocksdb::NewLRUCache(lru);
    weak.first = shared.cache;
  }
  if (shared.write_buffers == nullptr) {
    // Not charged to the cache: the two budgets add up, which is simpler
    // for an operator to size than one carved out of the other.
    shared.write_buffers = std::make_shared<rocksdb::WriteBufferManager>(
        static_cast<size_t>(o.write_buffer_mb * kMiB));
    weak.second = shared.write_buffers;
  }
  return shared;
}

// Every table is read by key (Get) far more than scanned, and the keys
// looked up are often absent (a first claim, a new subject): a whole-key
// bloom filter answers those without touching a data block.
rocksdb::ColumnFamilyOptions FamilyOptions(const StoreOptions& o,
                                           const Shared& shared) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = shared.cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  // Index and filter blocks live in (and are bounded by) the shared cache
  // instead of on the heap per open file; L0's stay pinned, as they are
  // consulted on every read.
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // A hash index inside each data block for point lookups; prefix scans
  // still use the binary index.
  table.data_block_index_type =
      rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  table.data_block_hash_table_util_ratio = 0.75;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // A bloom filter on the memtable too, for keys not flushed yet.
  cf.memtable_whole_key_filtering = true;
  cf.memtable_prefix_bloom_size_ratio = 0.02;
  // No single family's memtable may take more than a quarter of the shared
  // budget, so small tables flush without waiting for the budget to fill.
  cf.write_buffer_size =
      static_cast<size_t>(std::max<int64_t>(1, o.write_buffer_mb / 4) * kMiB);
  return cf;
}

}  // namespace

absl::Status ValidateStoreOptions(const StoreOptions& o) {
  if (o.block_cache_mb < 8 || o.block_cache_mb > 65536) {
    return absl::InvalidArgumentError(
        StrCat("config field store-block-cache-mb: ", o.block_cache_mb,
               " is outside [8, 65536]"));
  }
  if (o.write_buffer_mb < 8 || o.write_buffer_mb > 65536) {
    return absl::InvalidArgumentError(
        StrCat("config field store-write-buffer-mb: ", o.write_buffer_mb,
               " is outside [8, 65536]"));
  }
  if (o.background_jobs < 1 || o.background_jobs > 64) {
    return absl::InvalidArgumentError(
        StrCat("config field store-background-jobs: ", o.background_jobs,
               " is outside [1, 64]"));
  }
  return absl::OkStatus();
}

void SetDefaultStoreOptions(const StoreOptions& options) {
  std::lock_guard<std::mutex> lock(OptionsMu());
  ProcessOptions() = options;
}

StoreOptions DefaultStoreOptions() {
  std::lock_guard<std::mutex> lock(OptionsMu());
  return ProcessOptions();
}

std::string JoinKey(std::initializer_list<std::string_view> parts) {
  std::string out;
  bool first = true;
  for (std::string_view p : parts) {
    if (!first) out.push_back('\0');
    first = false;
    out.append(p.data(), p.size());
  }
  return out;
}

std::vector<std::string> SplitKey(std::string_view key) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t end = key.find('\0', start);
    if (end == std::string_view::npos) {
      out.emplace_back(key.substr(start));
      return out;
    }
    out.emplace_back(key.substr(start, end - start));
    start = end + 1;
  }
}

std::string BigEndian(uint64_t v, int bytes) {
  std::string out(bytes, '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::string Decimal(uint64_t v, int digits) {
  std::string out = std::to_string(v);
  if (static_cast<int>(out.size()) < digits) {
    out.insert(0, static_cast<size_t>(digits) - out.size(), '0');
  }
  return out;
}

uint64_t FromBigEndian(std::string_view s) {
  uint64_t v = 0;
  for (unsigned char c : s) v = (v << 8) | c;
  return v;
}

KvTx::KvTx(KvStore* store)
    : store_(store),
      batch_(std::make_unique<rocksdb::WriteBatchWithIndex>(
          rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true)) {}

KvTx::~KvTx() = default;

absl::Status DataLoss(const KvStore& store, int table, std::string_view key,
                      std::string_view what) {
  return absl::DataLossError(StrCat("store table '", store.table_name(table),
                                    "' key '", Escaped(key),
                                    "': stored bytes are not ", what));
}

absl::StatusOr<std::optional<std::string>> KvTx::Get(
    int table, std::string_view key) const {
  if (absl::Status f = store_->CheckRead(table, key); !f.ok()) return f;
  std::string value;
  const rocksdb::Status s =
      batch_->GetFromBatchAndDB(store_->db(), rocksdb::ReadOptions(),
                                store_->cf(table), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) {
    return FromRocksDb(s, StrCat("read table '", store_->table_name(table),
                                 "' key '", Escaped(key), "'"));
  }
  return std::optional<std::string>(std::move(value));
}

void KvTx::Clear() {
  batch_->Clear();
  writes_ = 0;
  saved_writes_.clear();
}

void KvTx::SetSavePoint() {
  batch_->SetSavePoint();
  saved_writes_.push_back(writes_);
}

void KvTx::RollbackToSavePoint() {
  if (saved_writes_.empty()) return;
  batch_->RollbackToSavePoint().PermitUncheckedError();
  writes_ = saved_writes_.back();
  saved_writes_.pop_back();
}

void KvTx::PopSavePoint() {
  if (saved_writes_.empty()) return;
  batch_->PopSavePoint().PermitUncheckedError();
  saved_writes_.pop_back();
}

void KvTx::Put(int table, std::string_view key, std::string_view value) {
  batch_->Put(store_->cf(table), ToSlice(key), ToSlice(value))
      .PermitUncheckedError();
  ++writes_;
}

void KvTx::Delete(int table, std::string_view key) {
  batch_->Delete(store_->cf(table), ToSlice(key)).PermitUncheckedError();
  ++writes_;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> KvTx::Scan(
    int table, std::string_view prefix, std::string_view after,
    size_t limit) const {
  if (absl::Status f = store_->CheckRead(table, prefix); !f.ok()) return f;
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(batch_->NewIteratorWithBase(
      store_->cf(table),
      store_->db()->NewIterator(rocksdb::ReadOptions(), store_->cf(table))));
  // From the prefix, or from `after` when it sorts inside or past it (an
  // `after` before the prefix must not stop the scan at the first key).
  const std::string start = after.empty() || after < prefix
                                ? std::string(prefix)
                                : std::string(after);
  for (it->Seek(rocksdb::Slice(start)); it->Valid(); it->Next()) {
    const rocksdb::Slice k = it->key();
    if (!k.starts_with(ToSlice(prefix))) break;
    if (!after.empty() && k.compare(ToSlice(after)) <= 0) continue;
    out.emplace_back(k.ToString(), it->value().ToString());
    if (limit > 0 && out.size() >= limit) break;
  }
  // Valid() is false at the end and on an error alike: only status() tells.
  if (!it->status().ok()) {
    return FromRocksDb(it->status(),
                       StrCat("scan table '", store_->table_name(table),
                              "' prefix '", Escaped(prefix), "'"));
  }
  return out;
}

absl::StatusOr<std::optional<int64_t>> KvTx::NextOffset(
    const std::string& topic, int32_t partition) const {
  const std::string key =
      JoinKey({topic, BigEndian(static_cast<uint32_t>(partition), 4)});
  auto v = Get(0, key);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<int64_t>();
  if ((*v)->size() != 8) return DataLoss(*store_, 0, key, "an 8-byte offset");
  return std::optional<int64_t>(static_cast<int64_t>(FromBigEndian(**v)));
}

void KvTx::SetNextOffset(const std::string& topic, int32_t partition,
                         int64_t next) {
  Put(0, JoinKey({topic, BigEndian(static_cast<uint32_t>(partition), 4)}),
      BigEndian(static_cast<uint64_t>(next), 8));
}

absl::StatusOr<std::vector<std::pair<int32_t, int64_t>>> KvTx::Offsets(
    const std::string& topic) const {
  std::vector<std::pair<int32_t, int64_t>> out;
  // Keys are topic \0 partition (4 bytes, big-endian): the partition's
  // bytes may themselves be '\0', so the key is not split.
  const std::string prefix = JoinKey({topic, ""});
  auto rows = Scan(0, prefix);
  if (!rows.ok()) return rows.status();
  for (const auto& [k, v] : *rows) {
    // A longer key is another topic whose name extends this one with '\0'
    // (impossible for valid topic names); a short value is damage.
    if (k.size() != prefix.size() + 4) continue;
    if (v.size() != 8) return DataLoss(*store_, 0, k, "an 8-byte offset");
    out.emplace_back(static_cast<int32_t>(FromBigEndian(
                         std::string_view(k).substr(prefix.size()))),
                     static_cast<int64_t>(FromBigEndian(v)));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<KvStore>> KvStore::Open(
    const std::string& dir, const std::vector<std::string>& tables) {
  return Open(dir, tables, DefaultStoreOptions());
}

absl::StatusOr<std::unique_ptr<KvStore>> KvStore::Open(
    const std::string& dir, const std::vector<std::string>& tables,
    const StoreOptions& store_options) {
  if (absl::Status v = ValidateStoreOptions(store_options); !v.ok()) return v;
  const Shared shared = SharedOf(store_options);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.write_buffer_manager = shared.write_buffers;
  options.max_background_jobs = store_options.background_jobs;
  options.info_log = RocksDbLogger();
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  const rocksdb::ColumnFamilyOptions cf = FamilyOptions(store_options, shared);
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, cf}, {"offsets", cf}};
  for (const std::string& name : tables) families.emplace_back(name, cf);
  std::unique_ptr<KvStore> store(new KvStore());
  store->cache_ = shared.cache;
  store->write_buffers_ = shared.write_buffers;
  store->names_.push_back("offsets");
  for (const std::string& name : tables) store->names_.push_back(name);
  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(options, dir, families, &store->handles_, &db);
  if (!s.ok()) return FromRocksDb(s, StrCat("open ", dir));
  store->db_ = db;
  return store;
}

KvStore::~KvStore() {
  if (db_ == nullptr) return;
  for (auto* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
  delete db_;
}

rocksdb::ColumnFamilyHandle* KvStore::cf(int table) const {
  return handles_[static_cast<size_t>(table) + 1];  // 0 is "default"
}

const std::string& KvStore::table_name(int table) const {
  static const std::string* const kUnknown = new std::string("?");
  if (table < 0 || static_cast<size_t>(table) >= names_.size()) {
    return *kUnknown;
  }
  return names_[static_cast<size_t>(table)];
}

absl::Status KvStore::CheckRead(int table, std::string_view key) const {
  if (!read_fault_) return absl::OkStatus();
  return read_fault_(table, key);
}

absl::Status KvStore::CheckWrite() const {
  if (!write_fault_) return absl::OkStatus();
  return write_fault_();
}

absl::Status KvStore::PutNow(int table, std::string_view key,
                             std::string_view value) {
  if (absl::Status f = CheckWrite(); !f.ok()) return f;
  rocksdb::Status s = db_->Put(rocksdb::WriteOptions(), cf(table), ToSlice(key),
                               ToSlice(value));
  if (!s.ok()) return FromRocksDb(s, "store write");
  return absl::OkStatus();
}

absl::Status KvStore::Commit(KvTx& tx) {
  if (tx.empty()) return absl::OkStatus();
  if (absl::Status f = CheckWrite(); !f.ok()) return f;
  if (resume_) {
    // A failed write (a full disk) left RocksDB read-only until resumed:
    // this flushes what it holds and clears the error, or fails as the
    // disk still does.
    rocksdb::Status r = db_->Resume();
    if (r.IsBusy() && no_space_) {
      // RocksDB recovers from a full disk by itself: its SstFileManager
      // checks the free space every 5 s and resumes the DB once there is
      // room, and refuses a manual Resume meanwhile. Still a full disk to
      // the caller (which retries), not a failed store.
      return absl::ResourceExhaustedError(
          StrCat("store resume: RocksDB is recovering from a full disk (",
                 r.ToString(), ")"));
    }
    if (!r.ok()) return FromRocksDb(r, "store resume");
    resume_ = false;
  }
  rocksdb::Status s =
      db_->Write(rocksdb::WriteOptions(), tx.batch_->GetWriteBatch());
  if (!s.ok()) {
    resume_ = s.IsIOError();
    no_space_ = s.IsNoSpace();
    return FromRocksDb(s, "store write");
  }
  tx.Clear();
  return absl::OkStatus();
}

}  // namespace fruition::store
