// The evidence store: typed tables over the shared RocksDB KV store
// (services/common/store/kv.h; ARCHITECTURE principle 2). Raw subject
// identifiers never reach it (intake replaced them); sealed evidence text
// does, and never leaves except to callers allowed to read it (server.h).
//
// Tables (key -> value; '\0' separates key parts):
//   offsets (kv.h):  topic \0 partition                 -> next offset
//   claims:      reporter \0 claim_id                  -> StoredReport
//   (link_claim) evidence:    reporter \0 claim_id \0 report_id     ->
//   StoredReport (evidence_added) arrests:     reporter \0 claim_id \0
//   arrest_id     -> "" by_subject:  subject_pid \0 reporter \0 claim_id   ->
//   "" by_org:      org_id \0 reporter \0 claim_id        -> "" orgs: org_id \0
//   reporter \0 report_id       -> StoredReport (org_designated) assessments:
//   reporter \0 claim_id \0 version       -> LinkAssessment (latest)
#ifndef FRUITION_SERVICES_EVIDENCE_STORE_H_
#define FRUITION_SERVICES_EVIDENCE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/internal/evidence_store.pb.h"
#include "fruition/v1/assessments.pb.h"
#include "services/common/kafka/consumer.h"
#include "services/common/store/kv.h"

namespace fruition::evidence {

using store::JoinKey;
using store::SplitKey;

// Table numbers in the KV store (0 is its offsets table).
enum class Table {
  kClaims = 1,
  kEvidence,
  kArrests,
  kBySubject,
  kByOrg,
  kOrgs,
  kAssessments,
};

// The table names, in Table order.
const std::vector<std::string>& Tables();

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

class EvidenceStore;

// Typed reads and writes over one KvTx: its own (from an EvidenceStore,
// committed with EvidenceStore::Commit) or one the stream loop owns.
class Tx {
 public:
  explicit Tx(EvidenceStore* store);
  explicit Tx(store::KvTx* kv);

  store::KvTx& kv() { return *kv_; }

  absl::StatusOr<std::optional<std::string>> Get(Table table,
                                                 std::string_view key) const {
    return kv_->Get(static_cast<int>(table), key);
  }
  void Put(Table table, std::string_view key, std::string_view value) {
    kv_->Put(static_cast<int>(table), key, value);
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(
      Table table, std::string_view prefix, std::string_view after = {},
      size_t limit = 0) const {
    return kv_->Scan(static_cast<int>(table), prefix, after, limit);
  }
  absl::StatusOr<std::optional<int64_t>> NextOffset(
      const kafka::TopicPartition& tp) const {
    return kv_->NextOffset(tp.first, tp.second);
  }
  void SetNextOffset(const kafka::TopicPartition& tp, int64_t next) {
    kv_->SetNextOffset(tp.first, tp.second, next);
  }

  // Typed reads: a failed read is an error; a stored row that does not
  // parse is DATA_LOSS naming its table and key, never dropped.
  absl::StatusOr<std::optional<internal::StoredReport>> Claim(
      const ClaimKey& key) const;
  absl::StatusOr<std::vector<internal::StoredReport>> EvidenceAdded(
      const ClaimKey& key) const;
  absl::StatusOr<std::vector<std::string>> ArrestIds(const ClaimKey& key) const;
  // The org's designations and revocations that count: its owner's
  // (domain::OrgOwners: the reporter of the first in log order), in log
  // order.
  absl::StatusOr<std::vector<internal::StoredReport>> OrgHistory(
      const std::string& org) const;
  absl::StatusOr<std::optional<v1::LinkAssessment>> Assessment(
      const ClaimKey& key, const std::string& version) const;
  absl::StatusOr<std::vector<v1::LinkAssessment>> Assessments(
      const ClaimKey& key) const;

  bool empty() const { return kv_->empty(); }

 private:
  std::unique_ptr<store::KvTx> owned_;
  store::KvTx* kv_;
};

class EvidenceStore {
 public:
  static absl::StatusOr<std::unique_ptr<EvidenceStore>> Open(
      const std::string& dir);

  // Writes everything `tx` wrote, atomically.
  absl::Status Commit(Tx& tx) { return kv_->Commit(tx.kv()); }

  store::KvStore* kv() const { return kv_.get(); }

 private:
  std::unique_ptr<store::KvStore> kv_;
};

}  // namespace fruition::evidence

#endif  // FRUITION_SERVICES_EVIDENCE_STORE_H_
