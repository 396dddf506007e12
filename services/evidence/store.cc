#include "services/evidence/store.h"

#include <algorithm>
#include <tuple>

#include "services/common/store/proto_table.h"
#include "services/domain/orgs.h"

namespace fruition::evidence {
namespace {

// The M values of `table` under `prefix`, in key order.
template <typename M>
absl::StatusOr<std::vector<M>> ParseAll(const store::KvTx& kv, Table table,
                                        std::string_view prefix) {
  auto rows = store::ScanProto<M>(kv, static_cast<int>(table), prefix);
  if (!rows.ok()) return rows.status();
  std::vector<M> out;
  out.reserve(rows->size());
  for (auto& [k, m] : *rows) out.push_back(std::move(m));
  return out;
}

}  // namespace

const std::vector<std::string>& Tables() {
  static const auto* const kTables = new std::vector<std::string>{
      "claims", "evidence", "arrests",    "by_subject",
      "by_org", "orgs",     "assessments"};
  return *kTables;
}

Tx::Tx(EvidenceStore* store)
    : owned_(std::make_unique<store::KvTx>(store->kv())), kv_(owned_.get()) {}

Tx::Tx(store::KvTx* kv) : kv_(kv) {}

absl::StatusOr<std::optional<internal::StoredReport>> Tx::Claim(
    const ClaimKey& key) const {
  return store::GetProto<internal::StoredReport>(
      *kv_, static_cast<int>(Table::kClaims),
      JoinKey({key.reporter, key.claim_id}));
}

absl::StatusOr<std::vector<internal::StoredReport>> Tx::EvidenceAdded(
    const ClaimKey& key) const {
  return ParseAll<internal::StoredReport>(
      *kv_, Table::kEvidence, JoinKey({key.reporter, key.claim_id, ""}));
}

absl::StatusOr<std::vector<std::string>> Tx::ArrestIds(
    const ClaimKey& key) const {
  auto rows = Scan(Table::kArrests, JoinKey({key.reporter, key.claim_id, ""}));
  if (!rows.ok()) return rows.status();
  std::vector<std::string> out;
  for (const auto& [k, v] : *rows) out.push_back(SplitKey(k).back());
  return out;
}

absl::StatusOr<std::vector<internal::StoredReport>> Tx::OrgHistory(
    const std::string& org) const {
  auto stored =
      ParseAll<internal::StoredReport>(*kv_, Table::kOrgs, JoinKey({org, ""}));
  if (!stored.ok()) return stored.status();
  // The processor stores only the owner's designations; a store written
  // before it did may hold others', so the rule is applied again here, in
  // log order (one org's designations share a key, hence a partition).
  std::sort(
      stored->begin(), stored->end(),
      [](const internal::StoredReport& a, const internal::StoredReport& b) {
        return std::make_tuple(a.partition(), a.offset()) <
               std::make_tuple(b.partition(), b.offset());
      });
  domain::OrgOwners owners;
  std::vector<internal::StoredReport> owned;
  owned.reserve(stored->size());
  for (auto& s : *stored) {
    if (owners.Observe(org, s.report().reporter())) {
      owned.push_back(std::move(s));
    }
  }
  return owned;
}

absl::StatusOr<std::optional<v1::LinkAssessment>> Tx::Assessment(
    const ClaimKey& key, const std::string& version) const {
  return store::GetProto<v1::LinkAssessment>(
      *kv_, static_cast<int>(Table::kAssessments),
      JoinKey({key.reporter, key.claim_id, version}));
}

absl::StatusOr<std::vector<v1::LinkAssessment>> Tx::Assessments(
    const ClaimKey& key) const {
  return ParseAll<v1::LinkAssessment>(
      *kv_, Table::kAssessments, JoinKey({key.reporter, key.claim_id, ""}));
}

absl::StatusOr<std::unique_ptr<EvidenceStore>> EvidenceStore::Open(
    const std::string& dir) {
  auto kv = store::KvStore::Open(dir, Tables());
  if (!kv.ok()) return kv.status();
  std::unique_ptr<EvidenceStore> store(new EvidenceStore());
  store->kv_ = std::move(*kv);
  return store;
}

}  // namespace fruition::evidence
