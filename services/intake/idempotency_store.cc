#include "services/intake/idempotency_store.h"

#include <sstream>

#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "services/common/store/rocksdb_status.h"
#include "services/common/strings.h"

namespace fruition::intake {
namespace {

using store::FromRocksDb;

constexpr char kIndexCf[] = "index";
constexpr char kPendingCf[] = "pending";
constexpr char kOffsetsCf[] = "offsets";

// Key: reporter NUL report_id (neither may contain NUL: validated UTF-8
// without control characters).
std::string Key(const std::string& reporter, const std::string& report_id) {
  std::string key = reporter;
  key.push_back('\0');
  key.append(report_id);
  return key;
}

std::string OffsetKey(const std::string& topic, int32_t partition) {
  return StrCat(topic, '\0', partition);
}

// Values are small text records: "W digest topic partition offset" or
// "P digest".
std::string EncodeWritten(const std::string& digest, const std::string& topic,
                          int32_t partition, int64_t offset) {
  return StrCat("W ", digest, " ", topic, " ", partition, " ", offset);
}

bool DecodeEntry(const std::string& value, IndexEntry* entry) {
  std::istringstream in(value);
  std::string state;
  in >> state >> entry->digest;
  if (state == "P") {
    entry->written = false;
    return !in.fail();
  }
  entry->written = true;
  in >> entry->topic >> entry->partition >> entry->offset;
  return state == "W" && !in.fail();
}

}  // namespace

absl::StatusOr<std::unique_ptr<IdempotencyStore>> IdempotencyStore::Open(
    const std::string& dir) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kIndexCf, rocksdb::ColumnFamilyOptions()},
      {kPendingCf, rocksdb::ColumnFamilyOptions()},
      {kOffsetsCf, rocksdb::ColumnFamilyOptions()},
  };
  std::unique_ptr<IdempotencyStore> store(new IdempotencyStore());
  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(options, dir, families, &store->handles_, &db);
  if (!s.ok()) return FromRocksDb(s, StrCat("open ", dir));
  store->db_.reset(db);
  store->index_ = store->handles_[1];
  store->pending_ = store->handles_[2];
  store->offsets_ = store->handles_[3];
  return store;
}

IdempotencyStore::~IdempotencyStore() {
  if (db_ == nullptr) return;
  for (auto* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
}

absl::StatusOr<std::optional<IndexEntry>> IdempotencyStore::Get(
    const std::string& reporter, const std::string& report_id) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), index_,
                               Key(reporter, report_id), &value);
  if (s.IsNotFound()) return std::optional<IndexEntry>();
  if (!s.ok()) return FromRocksDb(s, "idempotency index get");
  IndexEntry entry;
  if (!DecodeEntry(value, &entry)) {
    return absl::DataLossError("idempotency index: undecodable entry");
  }
  return std::optional<IndexEntry>(entry);
}

absl::Status IdempotencyStore::PutPending(const std::string& reporter,
                                          const std::string& report_id,
                                          const std::string& digest) {
  const std::string key = Key(reporter, report_id);
  rocksdb::WriteBatch batch;
  batch.Put(index_, key, StrCat("P ", digest)).PermitUncheckedError();
  batch.Put(pending_, key, digest).PermitUncheckedError();
  return FromRocksDb(db_->Write(rocksdb::WriteOptions(), &batch),
                     "idempotency index put");
}

absl::Status IdempotencyStore::MarkWritten(const std::string& reporter,
                                           const std::string& report_id,
                                           const std::string& digest,
                                           const std::string& topic,
                                           int32_t partition, int64_t offset) {
  const std::string key = Key(reporter, report_id);
  rocksdb::WriteBatch batch;
  batch.Put(index_, key, EncodeWritten(digest, topic, partition, offset))
      .PermitUncheckedError();
  batch.Delete(pending_, key).PermitUncheckedError();
  // Delivery reports for one partition arrive in offset order on one thread,
  // so a plain overwrite keeps the maximum.
  batch.Put(offsets_, OffsetKey(topic, partition), std::to_string(offset))
      .PermitUncheckedError();
  return FromRocksDb(db_->Write(rocksdb::WriteOptions(), &batch),
                     "idempotency index write");
}

absl::Status IdempotencyStore::Forget(const std::string& reporter,
                                      const std::string& report_id) {
  const std::string key = Key(reporter, report_id);
  rocksdb::WriteBatch batch;
  batch.Delete(index_, key).PermitUncheckedError();
  batch.Delete(pending_, key).PermitUncheckedError();
  return FromRocksDb(db_->Write(rocksdb::WriteOptions(), &batch),
                     "idempotency index delete");
}

absl::StatusOr<std::vector<PendingEntry>> IdempotencyStore::Pending() {
  std::vector<PendingEntry> out;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), pending_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    const size_t nul = key.find('\0');
    if (nul == std::string::npos) continue;
    out.push_back(
        {key.substr(0, nul), key.substr(nul + 1), it->value().ToString()});
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "pending scan");
  return out;
}

absl::StatusOr<OffsetMap> IdempotencyStore::AckedOffsets() {
  OffsetMap out;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), offsets_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    const size_t nul = key.find('\0');
    if (nul == std::string::npos) continue;
    out[{key.substr(0, nul), std::stoi(key.substr(nul + 1))}] =
        std::stoll(it->value().ToString());
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "offsets scan");
  return out;
}

absl::Status IdempotencyStore::RaiseAckedOffsets(const OffsetMap& offsets) {
  auto current = AckedOffsets();
  if (!current.ok()) return current.status();
  rocksdb::WriteBatch batch;
  for (const auto& [tp, offset] : offsets) {
    auto it = current->find(tp);
    if (it != current->end() && it->second >= offset) continue;
    batch.Put(offsets_, OffsetKey(tp.first, tp.second), std::to_string(offset))
        .PermitUncheckedError();
  }
  return FromRocksDb(db_->Write(rocksdb::WriteOptions(), &batch),
                     "offsets write");
}

uint64_t IdempotencyStore::ApproximateSize() {
  uint64_t keys = 0;
  db_->GetIntProperty(index_, "rocksdb.estimate-num-keys", &keys);
  return keys;
}

}  // namespace fruition::intake
