#include "tools/sim/evidence_stream.h"

#include <cstdint>

#include "fruition/v1/enums.pb.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"

namespace fruition::sim {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kClaimEpoch = 1500000000;  // 2017-07-14

v1::EvidenceItem Item(const std::string& id, v1::EvidenceKind kind,
                      const std::string& source, int64_t observed) {
  v1::EvidenceItem item;
  item.set_evidence_id(id);
  item.set_kind(kind);
  item.set_source_id(source);
  item.mutable_observed_at()->set_seconds(observed);
  item.set_sealed_summary("sealed: investigative detail withheld");
  return item;
}

}  // namespace

EvidenceStreamData EvidenceStream(const std::string& nonce, int orgs,
                                  int claims) {
  static const v1::Tier kTiers[] = {v1::TIER_CPOT, v1::TIER_RPOT,
                                    v1::TIER_PTO_NATIONAL,
                                    v1::TIER_PTO_REGIONAL, v1::TIER_PTO_LOCAL};
  static const char* kAgencies[] = {"DEA", "FBI", "HSI"};
  EvidenceStreamData d;
  std::vector<std::string> org_ids;
  for (int k = 0; k < orgs; ++k) {
    const std::string org = StrCat("ORG-", nonce, "-", k);
    org_ids.push_back(org);
    v1::AgencyReport r;
    r.set_report_id(StrCat(nonce, "-org-", k));
    r.set_reporter("DEA");
    r.mutable_occurred_at()->set_seconds(kClaimEpoch - 400 * kDay);
    auto* od = r.mutable_org_designated();
    od->set_org_id(org);
    od->set_tier(kTiers[k % 5]);
    od->set_region("NORTHEAST");
    od->add_criteria_cited("OCDETF-CPOT-LIST");
    d.designations.push_back(std::move(r));
  }
  for (int i = 0; i < claims; ++i) {
    const int64_t t = kClaimEpoch + int64_t{i} * 60;
    const std::string claim_id = StrCat("CL-", nonce, "-", i);
    v1::AgencyReport r;
    r.set_report_id(StrCat(nonce, "-claim-", i));
    r.set_reporter(kAgencies[i % 3]);
    r.mutable_occurred_at()->set_seconds(t);
    r.set_case_id(StrCat("CASE-", nonce, "-", i));
    auto* c = r.mutable_link_claim();
    c->set_claim_id(claim_id);
    c->set_subject_pid(privacy::Sha256Hex(StrCat(nonce, "-subject-", i)));
    c->set_org_id(org_ids[i % orgs]);
    c->set_link_role(static_cast<v1::LinkRole>(1 + i % 7));
    c->set_hops(i % 4 == 3 ? 2 : 1);
    const std::string e = StrCat("EV-", nonce, "-", i, "-");
    *c->add_evidence() = Item(e + "1", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT,
                              "SRC-A", t - 30 * kDay);
    *c->add_evidence() =
        Item(e + "2", v1::EVIDENCE_KIND_SURVEILLANCE, "SRC-B", t - 20 * kDay);
    if (i % 2 == 1) {
      auto coop = Item(e + "3", v1::EVIDENCE_KIND_COOPERATOR_STATEMENT, "SRC-C",
                       t - 10 * kDay);
      coop.add_corroborates(e + "1");
      *c->add_evidence() = coop;
    }
    d.claims.push_back(std::move(r));
  }
  return d;
}

}  // namespace fruition::sim
