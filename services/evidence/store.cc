#include "services/evidence/store.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include "services/common/store/rocksdb_status.h"
#include "services/common/strings.h"

namespace fruition::evidence {
namespace {

// Column family names, in Table order (index + 1: 0 is "default").
constexpr const char* kTables[] = {"offsets", "claims",     "evidence",
                                   "arrests", "by_subject", "by_org",
                                   "orgs",    "assessments"};

std::string BigEndian(uint64_t v, int bytes) {
  std::string out(bytes, '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t FromBigEndian(std::string_view s) {
  uint64_t v = 0;
  for (unsigned char c : s) v = (v << 8) | c;
  return v;
}

std::string OffsetKey(const kafka::TopicPartition& tp) {
  return JoinKey({tp.first, BigEndian(static_cast<uint32_t>(tp.second), 4)});
}

template <typename M>
std::optional<M> Parse(const std::optional<std::string>& bytes) {
  if (!bytes) return std::nullopt;
  M m;
  if (!m.ParseFromString(*bytes)) return std::nullopt;
  return m;
}

}  // namespace

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

Tx::Tx(EvidenceStore* store)
    : store_(store),
      batch_(std::make_unique<rocksdb::WriteBatchWithIndex>(
          rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true)) {}

Tx::~Tx() = default;

bool Tx::empty() const { return writes_ == 0; }

std::optional<std::string> Tx::Get(Table table, std::string_view key) const {
  std::string value;
  const rocksdb::Status s = batch_->GetFromBatchAndDB(
      store_->db(), rocksdb::ReadOptions(), store_->cf(table),
      rocksdb::Slice(key.data(), key.size()), &value);
  if (!s.ok()) return std::nullopt;
  return value;
}

void Tx::Put(Table table, std::string_view key, std::string_view value) {
  batch_
      ->Put(store_->cf(table), rocksdb::Slice(key.data(), key.size()),
            rocksdb::Slice(value.data(), value.size()))
      .PermitUncheckedError();
  ++writes_;
}

std::vector<std::pair<std::string, std::string>> Tx::Scan(
    Table table, std::string_view prefix, std::string_view after,
    size_t limit) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(batch_->NewIteratorWithBase(
      store_->cf(table),
      store_->db()->NewIterator(rocksdb::ReadOptions(), store_->cf(table))));
  const std::string start =
      after.empty() ? std::string(prefix) : std::string(after);
  for (it->Seek(rocksdb::Slice(start)); it->Valid(); it->Next()) {
    const rocksdb::Slice k = it->key();
    if (!k.starts_with(rocksdb::Slice(prefix.data(), prefix.size()))) break;
    if (!after.empty() &&
        k.compare(rocksdb::Slice(after.data(), after.size())) <= 0) {
      continue;
    }
    out.emplace_back(k.ToString(), it->value().ToString());
    if (limit > 0 && out.size() >= limit) break;
  }
  return out;
}

std::optional<int64_t> Tx::NextOffset(const kafka::TopicPartition& tp) const {
  auto v = Get(Table::kOffsets, OffsetKey(tp));
  if (!v || v->size() != 8) return std::nullopt;
  return static_cast<int64_t>(FromBigEndian(*v));
}

void Tx::SetNextOffset(const kafka::TopicPartition& tp, int64_t next) {
  Put(Table::kOffsets, OffsetKey(tp),
      BigEndian(static_cast<uint64_t>(next), 8));
}

std::optional<internal::StoredReport> Tx::Claim(const ClaimKey& key) const {
  return Parse<internal::StoredReport>(
      Get(Table::kClaims, JoinKey({key.reporter, key.claim_id})));
}

std::vector<internal::StoredReport> Tx::EvidenceAdded(
    const ClaimKey& key) const {
  std::vector<internal::StoredReport> out;
  for (const auto& [k, v] :
       Scan(Table::kEvidence, JoinKey({key.reporter, key.claim_id, ""}))) {
    internal::StoredReport r;
    if (r.ParseFromString(v)) out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::string> Tx::ArrestIds(const ClaimKey& key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] :
       Scan(Table::kArrests, JoinKey({key.reporter, key.claim_id, ""}))) {
    out.push_back(SplitKey(k).back());
  }
  return out;
}

std::vector<internal::StoredReport> Tx::OrgHistory(
    const std::string& org) const {
  std::vector<internal::StoredReport> out;
  for (const auto& [k, v] : Scan(Table::kOrgs, JoinKey({org, ""}))) {
    internal::StoredReport r;
    if (r.ParseFromString(v)) out.push_back(std::move(r));
  }
  return out;
}

std::optional<v1::LinkAssessment> Tx::Assessment(
    const ClaimKey& key, const std::string& version) const {
  return Parse<v1::LinkAssessment>(
      Get(Table::kAssessments, JoinKey({key.reporter, key.claim_id, version})));
}

std::vector<v1::LinkAssessment> Tx::Assessments(const ClaimKey& key) const {
  std::vector<v1::LinkAssessment> out;
  for (const auto& [k, v] :
       Scan(Table::kAssessments, JoinKey({key.reporter, key.claim_id, ""}))) {
    v1::LinkAssessment a;
    if (a.ParseFromString(v)) out.push_back(std::move(a));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<EvidenceStore>> EvidenceStore::Open(
    const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()}};
  for (const char* name : kTables) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::unique_ptr<EvidenceStore> store(new EvidenceStore());
  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(options, dir, families, &store->handles_, &db);
  if (!s.ok()) return store::FromRocksDb(s, StrCat("open ", dir));
  store->db_ = db;
  return store;
}

EvidenceStore::~EvidenceStore() {
  if (db_ == nullptr) return;
  for (auto* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
  delete db_;
}

rocksdb::ColumnFamilyHandle* EvidenceStore::cf(Table table) const {
  return handles_[static_cast<size_t>(table) + 1];
}

absl::Status EvidenceStore::Commit(Tx& tx) {
  if (tx.empty()) return absl::OkStatus();
  rocksdb::Status s =
      db_->Write(rocksdb::WriteOptions(), tx.batch_->GetWriteBatch());
  if (!s.ok()) return store::FromRocksDb(s, "evidence store write");
  tx.batch_->Clear();
  tx.writes_ = 0;
  return absl::OkStatus();
}

}  // namespace fruition::evidence
