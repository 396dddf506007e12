#include "services/evidence/store.h"

namespace fruition::evidence {
namespace {

template <typename M>
std::optional<M> Parse(const std::optional<std::string>& bytes) {
  if (!bytes) return std::nullopt;
  M m;
  if (!m.ParseFromString(*bytes)) return std::nullopt;
  return m;
}

template <typename M>
std::vector<M> ParseAll(
    const std::vector<std::pair<std::string, std::string>>& rows) {
  std::vector<M> out;
  for (const auto& [k, v] : rows) {
    M m;
    if (m.ParseFromString(v)) out.push_back(std::move(m));
  }
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

std::optional<internal::StoredReport> Tx::Claim(const ClaimKey& key) const {
  return Parse<internal::StoredReport>(
      Get(Table::kClaims, JoinKey({key.reporter, key.claim_id})));
}

std::vector<internal::StoredReport> Tx::EvidenceAdded(
    const ClaimKey& key) const {
  return ParseAll<internal::StoredReport>(
      Scan(Table::kEvidence, JoinKey({key.reporter, key.claim_id, ""})));
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
  return ParseAll<internal::StoredReport>(
      Scan(Table::kOrgs, JoinKey({org, ""})));
}

std::optional<v1::LinkAssessment> Tx::Assessment(
    const ClaimKey& key, const std::string& version) const {
  return Parse<v1::LinkAssessment>(
      Get(Table::kAssessments, JoinKey({key.reporter, key.claim_id, version})));
}

std::vector<v1::LinkAssessment> Tx::Assessments(const ClaimKey& key) const {
  return ParseAll<v1::LinkAssessment>(
      Scan(Table::kAssessments, JoinKey({key.reporter, key.claim_id, ""})));
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
