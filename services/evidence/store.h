// The evidence store: RocksDB column families per table (ARCHITECTURE
// principle 2). Raw subject identifiers never reach it (intake replaced them);
// sealed evidence text does, and never leaves except to callers allowed to
// read it (server.h).
//
// Tables (column family: key -> value; '\0' separates key parts, which
// intake guarantees are free of control characters):
//   offsets:     topic \0 partition(4 bytes BE)       -> next offset (8 BE)
//   claims:      reporter \0 claim_id                  -> StoredReport
//   (link_claim) evidence:    reporter \0 claim_id \0 report_id     ->
//   StoredReport (evidence_added) arrests:     reporter \0 claim_id \0
//   arrest_id     -> "" by_subject:  subject_pid \0 reporter \0 claim_id   ->
//   "" by_org:      org_id \0 reporter \0 claim_id        -> "" orgs: org_id \0
//   reporter \0 report_id       -> StoredReport (org_designated) assessments:
//   reporter \0 claim_id \0 version       -> LinkAssessment (latest)
//
// Writes go through a Tx (a WriteBatchWithIndex: reads see the Tx's own
// writes) and land atomically with the offsets that produced them.
#ifndef FRUITION_SERVICES_EVIDENCE_STORE_H_
#define FRUITION_SERVICES_EVIDENCE_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/internal/evidence_store.pb.h"
#include "fruition/v1/assessments.pb.h"
#include "services/common/kafka/consumer.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatchWithIndex;
}  // namespace rocksdb

namespace fruition::evidence {

enum class Table {
  kOffsets,
  kClaims,
  kEvidence,
  kArrests,
  kBySubject,
  kByOrg,
  kOrgs,
  kAssessments,
};

// A claim's identity.
struct ClaimKey {
  std::string reporter;
  std::string claim_id;
  bool operator<(const ClaimKey& o) const {
    return std::tie(reporter, claim_id) < std::tie(o.reporter, o.claim_id);
  }
  bool operator==(const ClaimKey& o) const {
    return reporter == o.reporter && claim_id == o.claim_id;
  }
};

// Joins key parts with '\0'.
std::string JoinKey(std::initializer_list<std::string_view> parts);
// Splits a key on '\0'.
std::vector<std::string> SplitKey(std::string_view key);

class EvidenceStore;

// Reads and writes of one unit of work; nothing is visible to others until
// EvidenceStore::Commit. A Tx with no writes is a consistent-enough reader
// for the gRPC service.
class Tx {
 public:
  explicit Tx(EvidenceStore* store);
  ~Tx();

  std::optional<std::string> Get(Table table, std::string_view key) const;
  void Put(Table table, std::string_view key, std::string_view value);
  // Keys and values of `table` starting with `prefix`, in key order, from the
  // first key > `after` (if not empty), at most `limit` (0: all).
  std::vector<std::pair<std::string, std::string>> Scan(
      Table table, std::string_view prefix, std::string_view after = {},
      size_t limit = 0) const;

  std::optional<int64_t> NextOffset(const kafka::TopicPartition& tp) const;
  void SetNextOffset(const kafka::TopicPartition& tp, int64_t next);

  // Typed helpers.
  std::optional<internal::StoredReport> Claim(const ClaimKey& key) const;
  std::vector<internal::StoredReport> EvidenceAdded(const ClaimKey& key) const;
  std::vector<std::string> ArrestIds(const ClaimKey& key) const;
  std::vector<internal::StoredReport> OrgHistory(const std::string& org) const;
  std::optional<v1::LinkAssessment> Assessment(
      const ClaimKey& key, const std::string& version) const;
  std::vector<v1::LinkAssessment> Assessments(const ClaimKey& key) const;

  bool empty() const;

 private:
  friend class EvidenceStore;
  EvidenceStore* store_;
  std::unique_ptr<rocksdb::WriteBatchWithIndex> batch_;
  int64_t writes_ = 0;
};

class EvidenceStore {
 public:
  static absl::StatusOr<std::unique_ptr<EvidenceStore>> Open(
      const std::string& dir);
  ~EvidenceStore();

  // Writes everything `tx` wrote, atomically.
  absl::Status Commit(Tx& tx);

  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* cf(Table table) const;

 private:
  EvidenceStore() = default;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace fruition::evidence

#endif  // FRUITION_SERVICES_EVIDENCE_STORE_H_
