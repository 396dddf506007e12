#include "services/domain/orgs.h"

#include <algorithm>
#include <tuple>

namespace fruition::domain {
namespace {

bool SetsTier(const Designation& d) {
  return !d.revoked && d.tier != v1::TIER_UNSPECIFIED;
}

}  // namespace

Designation DesignationOf(const v1::AgencyReport& report) {
  if (!report.has_org_designated()) return {};
  const auto& od = report.org_designated();
  return {report.occurred_at().seconds(), od.tier(), od.revoked(),
          report.received_at().seconds()};
}

bool DecidesTierOver(const Designation& a, const Designation& b) {
  return std::make_tuple(a.occurred_at, static_cast<int>(a.tier)) >
         std::make_tuple(b.occurred_at, static_cast<int>(b.tier));
}

const Designation* TierDesignation(const std::vector<Designation>& history) {
  const Designation* decides = nullptr;
  for (const Designation& d : history) {
    if (!SetsTier(d)) continue;
    if (decides == nullptr || DecidesTierOver(d, *decides)) decides = &d;
  }
  return decides;
}

v1::Tier TierOf(const std::vector<Designation>& history) {
  const Designation* d = TierDesignation(history);
  return d == nullptr ? v1::TIER_UNSPECIFIED : d->tier;
}

bool DesignatedAt(const std::vector<Designation>& history, int64_t t) {
  // The latest entry at or before t decides; at equal times a revocation
  // sorts last, so it wins over a designation of the same instant.
  const Designation* latest = nullptr;
  for (const Designation& d : history) {
    if (d.occurred_at > t) continue;
    if (latest == nullptr ||
        std::tie(d.occurred_at, d.revoked) >
            std::tie(latest->occurred_at, latest->revoked)) {
      latest = &d;
    }
  }
  return latest != nullptr && !latest->revoked;
}

bool DesignatedAt(const std::vector<Designation>& history, int64_t t,
                  int64_t received_by) {
  std::vector<Designation> known;
  known.reserve(history.size());
  for (const Designation& d : history) {
    if (d.revoked || d.received_at <= received_by) known.push_back(d);
  }
  return DesignatedAt(known, t);
}

bool IsPriority(v1::Tier tier) {
  return tier == v1::TIER_CPOT || tier == v1::TIER_RPOT ||
         tier == v1::TIER_PTO_NATIONAL;
}

std::map<std::string, v1::Tier> TiersByOrg(
    const std::vector<v1::AgencyReport>& designations) {
  std::map<std::string, std::vector<Designation>> history;
  for (const v1::AgencyReport& r : designations) {
    if (!r.has_org_designated()) continue;
    history[r.org_designated().org_id()].push_back(DesignationOf(r));
  }
  std::map<std::string, v1::Tier> out;
  for (const auto& [org, h] : history) {
    if (const v1::Tier tier = TierOf(h); tier != v1::TIER_UNSPECIFIED) {
      out[org] = tier;
    }
  }
  return out;
}

bool OrgOwners::Observe(const std::string& org_id,
                        const std::string& reporter) {
  auto [it, first] = owners_.emplace(org_id, reporter);
  return first || it->second == reporter;
}

bool OrgOwners::MayDesignate(const std::string& org_id,
                             const std::string& reporter) const {
  const std::string* owner = OwnerOf(org_id);
  return owner == nullptr || *owner == reporter;
}

const std::string* OrgOwners::OwnerOf(const std::string& org_id) const {
  auto it = owners_.find(org_id);
  return it == owners_.end() ? nullptr : &it->second;
}

}  // namespace fruition::domain
