// Org ownership as intake sees it (docs/API.md, "Who may write what"): intake
// reads fruition.reference.v1 as a global table (stream::Loop in global-table
// mode, every partition, no consumer group) and feeds every org_designated
// in log order to domain::OrgOwners, so that it can refuse a designation or
// revocation of an org by anyone but the reporter that designated it first.
//
// The owners are kept in a RocksDB table beside the loop's offsets
// (<data_dir>/intake-orgs), so a restart resumes where it stopped instead of
// reading the whole topic again.
//
// What intake has not read yet it cannot refuse: a designation produced but
// not yet read back, or two replicas racing, are accepted and ignored
// downstream by the same OrgOwners rule (not intake's to enforce there).
//
// It also keeps each budget line's agency (SPEC §11: line_id -> the agency of
// the line with the latest occurred_at, log order breaking ties), so that
// intake can refuse an answer to BUDGET_CRITERIA_UNMET/<line_id> from any
// other agency; a line it has not read yet is, likewise, not refused here.
//
// A record on the topic that is not a report cannot be a designation this
// table needs; it is logged, counted and passed over here (the services
// that keep state from the topic stop on it, and their operators skip it).
//
// Thread-safe: the loop applies records on its thread while intake's
// handlers ask MayDesignate.
#ifndef FRUITION_SERVICES_INTAKE_ORG_TABLE_H_
#define FRUITION_SERVICES_INTAKE_ORG_TABLE_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"
#include "services/domain/orgs.h"

namespace fruition::intake {

class OrgTable : public stream::Handler {
 public:
  // The table's store tables, after the loop's offsets (table 0).
  static const std::vector<std::string>& Tables();

  // Loads the owners recorded in `store` (opened with Tables()). Errors are
  // the store's (a failed read, DATA_LOSS).
  static absl::StatusOr<std::unique_ptr<OrgTable>> Load(
      store::KvStore* store, prometheus::Registry* registry);

  // Whether `reporter` may designate or revoke `org_id` now: the org has no
  // owner intake has read, or `reporter` is its owner.
  bool MayDesignate(const std::string& org_id,
                    const std::string& reporter) const;

  // The agency of budget line `line_id`, nullopt if intake has not read it.
  std::optional<std::string> LineAgency(const std::string& line_id) const;

  absl::StatusOr<std::vector<stream::Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override;

 private:
  OrgTable() = default;

  mutable std::mutex mu_;
  domain::OrgOwners owners_;
  // line_id -> (occurred_at seconds, agency)
  std::map<std::string, std::pair<int64_t, std::string>> lines_;
  prometheus::Counter* unreadable_ = nullptr;
};

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_ORG_TABLE_H_
