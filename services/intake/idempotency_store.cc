#include "services/intake/idempotency_store.h"

#include <cstdlib>
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
constexpr char kOffsetsCf[] = "offsets";
constexpr char kClaimsCf[] = "claims";

std::string OffsetKey(const std::string& topic, int32_t partition) {
  return StrCat(topic, '\0', partition);
}

// Values are small text records: "digest topic partition offset".
std::string Encode(const IndexEntry& e) {
  return StrCat(e.digest, " ", e.topic, " ", e.partition, " ", e.offset);
}

bool Decode(const std::string& value, IndexEntry* entry) {
  std::istringstream in(value);
  in >> entry->digest >> entry->topic >> entry->partition >> entry->offset;
  return !in.fail();
}

}  // namespace

std::string IdempotencyStore::Key(const std::string& reporter,
                                  const std::string& report_id) {
  std::string key;
  key.reserve(reporter.size() + 1 + report_id.size());
  key.append(reporter);
  key.push_back('\0');
  key.append(report_id);
  return key;
}

absl::StatusOr<std::unique_ptr<IdempotencyStore>> IdempotencyStore::Open(
    const std::string& dir) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  rocksdb::ColumnFamilyOptions index_options;
  // Lookups are by exact key; most are for ids never seen before.
  index_options.OptimizeForPointLookup(/*block_cache_size_mb=*/64);
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kIndexCf, index_options},
      {kOffsetsCf, rocksdb::ColumnFamilyOptions()},
      {kClaimsCf, rocksdb::ColumnFamilyOptions()},
  };
  std::unique_ptr<IdempotencyStore> store(new IdempotencyStore());
  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(options, dir, families, &store->handles_, &db);
  if (!s.ok()) return FromRocksDb(s, StrCat("open ", dir));
  store->db_.reset(db);
  store->index_ = store->handles_[1];
  store->offsets_ = store->handles_[2];
  store->claims_ = store->handles_[3];
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
  entry.reporter = reporter;
  entry.report_id = report_id;
  if (!Decode(value, &entry)) {
    return absl::DataLossError("idempotency index: undecodable entry");
  }
  return std::optional<IndexEntry>(entry);
}

absl::Status IdempotencyStore::MultiGet(
    const std::vector<std::string_view>& keys,
    std::vector<std::optional<IndexEntry>>* out) {
  const size_t n = keys.size();
  out->assign(n, std::nullopt);
  if (n == 0) return absl::OkStatus();
  std::vector<rocksdb::Slice> slices;
  slices.reserve(n);
  for (std::string_view key : keys) slices.emplace_back(key.data(), key.size());
  std::vector<rocksdb::PinnableSlice> values(n);
  std::vector<rocksdb::Status> statuses(n);
  db_->MultiGet(rocksdb::ReadOptions(), index_, n, slices.data(), values.data(),
                statuses.data());
  for (size_t i = 0; i < n; ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) {
      return FromRocksDb(statuses[i], "idempotency index multiget");
    }
    IndexEntry entry;
    const size_t nul = keys[i].find('\0');
    entry.reporter = std::string(keys[i].substr(0, nul));
    entry.report_id = std::string(keys[i].substr(nul + 1));
    if (!Decode(values[i].ToString(), &entry)) {
      return absl::DataLossError("idempotency index: undecodable entry");
    }
    (*out)[i] = std::move(entry);
  }
  return absl::OkStatus();
}

absl::Status IdempotencyStore::RecordWritten(
    const std::vector<IndexEntry>& entries) {
  if (entries.empty()) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  OffsetMap highest;
  for (const IndexEntry& e : entries) {
    batch.Put(index_, Key(e.reporter, e.report_id), Encode(e))
        .PermitUncheckedError();
    if (!e.claim_id.empty()) {
      batch.Put(claims_, Key(e.claim_id, e.reporter), "")
          .PermitUncheckedError();
    }
    int64_t& offset =
        highest.try_emplace({e.topic, e.partition}, -1).first->second;
    offset = std::max(offset, e.offset);
  }
  // Delivery reports of one partition arrive in offset order on one thread,
  // so each batch's highest offset never lowers the stored one.
  for (const auto& [tp, offset] : highest) {
    batch.Put(offsets_, OffsetKey(tp.first, tp.second), std::to_string(offset))
        .PermitUncheckedError();
  }
  return FromRocksDb(db_->Write(rocksdb::WriteOptions(), &batch),
                     "idempotency index write");
}

absl::StatusOr<std::vector<std::string>> IdempotencyStore::ClaimReporters(
    const std::string& claim_id) {
  std::vector<std::string> out;
  const std::string prefix = claim_id + '\0';
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), claims_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    out.push_back(it->key().ToString().substr(prefix.size()));
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "claims scan");
  return out;
}

absl::StatusOr<OffsetMap> IdempotencyStore::AckedOffsets() {
  OffsetMap out;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), offsets_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    const std::string value = it->value().ToString();
    const size_t nul = key.find('\0');
    char* pend = nullptr;
    char* vend = nullptr;
    const int64_t partition =
        nul == std::string::npos
            ? -1
            : std::strtol(key.c_str() + nul + 1, &pend, 10);
    const int64_t offset = std::strtoll(value.c_str(), &vend, 10);
    // A damaged offset must stop recovery, not disable duplicate detection
    // for its partition (nor crash on an exception).
    if (nul == std::string::npos || pend == key.c_str() + nul + 1 ||
        *pend != '\0' || partition < 0 || value.empty() || *vend != '\0') {
      return absl::DataLossError(
          StrCat("idempotency store table 'offsets': entry for '",
                 key.substr(0, nul), "' is not partition -> offset"));
    }
    out[{key.substr(0, nul), static_cast<int32_t>(partition)}] = offset;
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

}  // namespace fruition::intake
