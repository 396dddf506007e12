#include "services/intake/org_table.h"

#include <cstdlib>

#include "fruition/v1/reports.pb.h"
#include "services/common/log/log.h"
#include "services/common/strings.h"

namespace fruition::intake {
namespace {

constexpr int kOwners = 1;  // org_id -> the reporter that owns it
constexpr int kLines = 2;   // line_id -> "occurred_at agency"

// A stored line: "<occurred_at seconds> <agency>".
std::optional<std::pair<int64_t, std::string>> DecodeLine(
    const std::string& value) {
  const size_t space = value.find(' ');
  if (space == std::string::npos || space == 0) return std::nullopt;
  char* end = nullptr;
  const int64_t at = std::strtoll(value.c_str(), &end, 10);
  if (end != value.c_str() + space) return std::nullopt;
  return std::make_pair(at, value.substr(space + 1));
}

}  // namespace

const std::vector<std::string>& OrgTable::Tables() {
  static const auto* tables =
      new std::vector<std::string>{"org_owners", "budget_lines"};
  return *tables;
}

absl::StatusOr<std::unique_ptr<OrgTable>> OrgTable::Load(
    store::KvStore* store, prometheus::Registry* registry) {
  std::unique_ptr<OrgTable> table(new OrgTable());
  store::KvTx tx(store);
  auto owners = tx.Scan(kOwners, "");
  if (!owners.ok()) return owners.status();
  // One owner per org, so the order of loading does not matter.
  for (const auto& [org_id, reporter] : *owners) {
    table->owners_.Observe(org_id, reporter);
  }
  auto lines = tx.Scan(kLines, "");
  if (!lines.ok()) return lines.status();
  for (const auto& [line_id, value] : *lines) {
    auto line = DecodeLine(value);
    if (!line) {
      return absl::DataLossError(
          StrCat("intake org table 'budget_lines': entry for '", line_id,
                 "' is not \"occurred_at agency\""));
    }
    table->lines_[line_id] = std::move(*line);
  }
  if (registry != nullptr) {
    table->unreadable_ =
        &prometheus::BuildCounter()
             .Name("fruition_intake_org_table_unreadable_total")
             .Help(
                 "Records of fruition.reference.v1 intake's org table could "
                 "not read as reports and passed over")
             .Register(*registry)
             .Add({});
  }
  return table;
}

bool OrgTable::MayDesignate(const std::string& org_id,
                            const std::string& reporter) const {
  std::lock_guard<std::mutex> lock(mu_);
  return owners_.MayDesignate(org_id, reporter);
}

std::optional<std::string> OrgTable::LineAgency(
    const std::string& line_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = lines_.find(line_id);
  if (it == lines_.end()) return std::nullopt;
  return it->second.second;
}

absl::StatusOr<std::vector<stream::Output>> OrgTable::Apply(
    store::KvTx& tx, const std::vector<kafka::Record>& records,
    const std::set<int32_t>& /*owned*/) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const kafka::Record& r : records) {
    v1::AgencyReport report;
    if (!report.ParseFromString(r.value)) {
      log::Warn("org table: record is not a report; passed over",
                {{"topic", r.topic},
                 {"partition", static_cast<int64_t>(r.partition)},
                 {"offset", r.offset}});
      if (unreadable_ != nullptr) unreadable_->Increment();
      continue;
    }
    if (report.has_budget_line()) {
      const v1::BudgetLine& b = report.budget_line();
      const int64_t at = report.occurred_at().seconds();
      auto it = lines_.find(b.line_id());
      // The latest occurred_at counts; on a tie, the later in log order.
      if (it == lines_.end() || at >= it->second.first) {
        lines_[b.line_id()] = {at, b.agency()};
        tx.Put(kLines, b.line_id(), StrCat(at, " ", b.agency()));
      }
      continue;
    }
    if (!report.has_org_designated()) continue;
    const std::string& org_id = report.org_designated().org_id();
    // The owner's own designations write the same value again: a batch
    // replayed after a failed commit (its owners already in memory, not in
    // the store) still records them.
    if (owners_.Observe(org_id, report.reporter())) {
      tx.Put(kOwners, org_id, report.reporter());
    }
  }
  return std::vector<stream::Output>{};
}

}  // namespace fruition::intake
