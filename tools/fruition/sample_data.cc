#include "tools/fruition/sample_data.h"

#include <random>
#include <string>

#include "services/common/strings.h"

namespace fruition::dev {
namespace {

// 2015-10-01T00:00:00Z, the start of FY2016.
constexpr int64_t kFy2016Start = 1443657600;
constexpr int64_t kDay = 86400;

struct Office {
  const char* agency;
  const char* field_office;
  const char* district;
};

constexpr Office kOffices[] = {
    {"DEA", "DEA-PHILADELPHIA", "EDPA"}, {"DEA", "DEA-NEW-YORK", "SDNY"},
    {"FBI", "FBI-PHILADELPHIA", "EDPA"}, {"FBI", "FBI-CHICAGO", "NDIL"},
    {"HSI", "HSI-SAN-DIEGO", "SDCA"},
};

struct Org {
  const char* id;
  v1::Tier tier;
};

constexpr Org kOrgs[] = {
    {"ORG-CPOT-01", v1::TIER_CPOT},
    {"ORG-RPOT-02", v1::TIER_RPOT},
    {"ORG-NAT-03", v1::TIER_PTO_NATIONAL},
    {"ORG-REG-04", v1::TIER_PTO_REGIONAL},
    {"ORG-LOC-05", v1::TIER_PTO_LOCAL},
};

v1::AgencyReport Envelope(const std::string& id, const std::string& reporter,
                          int64_t at, const std::string& case_id) {
  v1::AgencyReport r;
  r.set_report_id(id);
  r.set_reporter(reporter);
  r.mutable_occurred_at()->set_seconds(at);
  if (!case_id.empty()) r.set_case_id(case_id);
  return r;
}

}  // namespace

std::vector<v1::AgencyReport> SampleReports(int subjects, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  auto chance = [&](double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng) < p;
  };
  std::vector<v1::AgencyReport> out;

  for (const Org& org : kOrgs) {
    auto r = Envelope(StrCat("DEA-ORG-", org.id), "DEA",
                      kFy2016Start - 200 * kDay, "");
    auto* d = r.mutable_org_designated();
    d->set_org_id(org.id);
    d->set_tier(org.tier);
    d->set_region("NORTHEAST");
    d->add_criteria_cited("OCDETF-CPOT-LIST");
    out.push_back(r);
  }
  for (const char* agency : {"DEA", "FBI", "HSI"}) {
    for (int fy : {2016, 2017}) {
      auto t = Envelope(StrCat(agency, "-TARGET-", fy), agency,
                        kFy2016Start + int64_t{fy - 2016} * 365 * kDay, "");
      auto* p = t.mutable_performance_target();
      p->set_agency(agency);
      p->set_fiscal_year(fy);
      p->set_measure(v1::PERFORMANCE_MEASURE_PTO_DISMANTLED);
      p->set_target(2);
      out.push_back(t);
    }
  }
  for (int i = 0; i < 6; ++i) {
    const Org& org = kOrgs[i % 5];
    auto o = Envelope(StrCat("DEA-OUTCOME-", i), "DEA",
                      kFy2016Start + (60 + 90 * i) * kDay, "");
    auto* c = o.mutable_org_outcome();
    c->set_org_id(org.id);
    c->set_outcome(i % 2 == 0 ? v1::ORG_OUTCOME_DISMANTLED
                              : v1::ORG_OUTCOME_DISRUPTED);
    c->set_pending(i % 3 == 0);
    c->set_fiscal_year(i < 4 ? 2016 : 2017);
    out.push_back(o);
  }
  for (int q = 0; q < 8; ++q) {
    auto ci = Envelope(StrCat("PPD-SHOOTINGS-", q), "PPD",
                       kFy2016Start + int64_t{q + 1} * 91 * kDay, "");
    auto* c = ci.mutable_community_indicator();
    c->set_area_id("PHL-KENSINGTON");
    c->set_indicator(v1::COMMUNITY_INDICATOR_KIND_SHOOTINGS);
    c->set_value(40 + pick(15));
    c->mutable_period_start()->set_seconds(kFy2016Start +
                                           int64_t{q} * 91 * kDay);
    c->mutable_period_end()->set_seconds(kFy2016Start +
                                         int64_t{q + 1} * 91 * kDay);
    out.push_back(ci);
  }

  static const v1::OffenseFunction kLowLevel[] = {
      v1::OFFENSE_FUNCTION_COURIER, v1::OFFENSE_FUNCTION_MULE,
      v1::OFFENSE_FUNCTION_STREET_LEVEL_DEALER,
      v1::OFFENSE_FUNCTION_EMPLOYEE_LOOKOUT, v1::OFFENSE_FUNCTION_USER};
  static const v1::OffenseFunction kHighLevel[] = {
      v1::OFFENSE_FUNCTION_HIGH_LEVEL_SUPPLIER_IMPORTER,
      v1::OFFENSE_FUNCTION_ORGANIZER_LEADER, v1::OFFENSE_FUNCTION_WHOLESALER,
      v1::OFFENSE_FUNCTION_MANAGER};
  static const v1::Drug kDrugs[] = {v1::DRUG_COCAINE, v1::DRUG_CRACK,
                                    v1::DRUG_HEROIN, v1::DRUG_FENTANYL,
                                    v1::DRUG_METHAMPHETAMINE};

  for (int s = 0; s < subjects; ++s) {
    const Office& office = kOffices[pick(5)];
    const std::string agency = office.agency;
    const std::string case_id =
        StrCat("CASE-", office.district, "-", 10000 + s);
    const std::string subject_ref = StrCat(agency, "-SUBJ-", 500000 + s);
    const int64_t opened = kFy2016Start + pick(600) * kDay;
    const std::string prefix = StrCat(agency, "-", s, "-");

    auto c = Envelope(prefix + "OPEN", agency, opened, case_id);
    auto* co = c.mutable_case_opened();
    co->set_agency(agency);
    co->set_field_office(office.field_office);
    co->set_district(office.district);
    co->set_origin(static_cast<v1::CaseOrigin>(1 + pick(6)));
    if (chance(0.6)) co->add_designations(v1::CASE_DESIGNATION_OCDETF);
    out.push_back(c);

    std::string claim_id;
    if (chance(0.55)) {
      const Org& org = kOrgs[pick(5)];
      claim_id = StrCat("CL-", agency, "-", s);
      auto lc = Envelope(prefix + "CLAIM", agency, opened + 20 * kDay, case_id);
      auto* claim = lc.mutable_link_claim();
      claim->set_claim_id(claim_id);
      claim->set_subject_ref(subject_ref);
      claim->set_org_id(org.id);
      claim->set_link_role(static_cast<v1::LinkRole>(1 + pick(7)));
      claim->set_hops(pick(4));
      const int items = pick(4);
      for (int e = 0; e < items; ++e) {
        auto* item = claim->add_evidence();
        item->set_evidence_id(StrCat(claim_id, "-E", e));
        item->set_kind(static_cast<v1::EvidenceKind>(1 + pick(8)));
        item->set_source_id(StrCat("SRC-", pick(3)));
        item->mutable_observed_at()->set_seconds(opened - pick(900) * kDay);
        item->set_sealed_summary("sealed: investigative detail withheld");
        if (e > 0 && chance(0.5)) {
          item->add_corroborates(StrCat(claim_id, "-E", e - 1));
        }
      }
      out.push_back(lc);
      if (chance(0.3)) {
        // Late evidence, sent after the claim.
        auto ea =
            Envelope(prefix + "EVIDENCE", agency, opened + 90 * kDay, case_id);
        auto* added = ea.mutable_evidence_added();
        added->set_claim_id(claim_id);
        added->set_subject_ref(subject_ref);
        auto* item = added->add_evidence();
        item->set_evidence_id(StrCat(claim_id, "-LATE"));
        item->set_kind(v1::EVIDENCE_KIND_CONTROLLED_BUY);
        item->set_source_id("SRC-UC");
        item->mutable_observed_at()->set_seconds(opened + 80 * kDay);
        out.push_back(ea);
      }
    }
    if (chance(0.4)) {
      auto sz =
          Envelope(prefix + "SEIZURE", agency, opened + 44 * kDay, case_id);
      auto* seizure = sz.mutable_seizure();
      seizure->set_seizure_id(StrCat("SZ-", agency, "-", s));
      seizure->set_drug(kDrugs[pick(5)]);
      seizure->set_weight_grams(10 + pick(5000));
      seizure->set_cash_usd(pick(50000));
      out.push_back(sz);
    }

    auto a = Envelope(prefix + "ARREST", agency, opened + 45 * kDay, case_id);
    auto* arrest = a.mutable_arrest();
    arrest->set_arrest_id(StrCat("AR-", agency, "-", s));
    arrest->set_subject_ref(subject_ref);
    arrest->set_agency(agency);
    arrest->set_field_office(office.field_office);
    if (!claim_id.empty()) arrest->set_claim_id(claim_id);
    out.push_back(a);

    if (chance(0.12)) {
      auto d =
          Envelope(prefix + "DECLINED", agency, opened + 60 * kDay, case_id);
      auto* dec = d.mutable_declination();
      dec->set_subject_ref(subject_ref);
      dec->set_district(office.district);
      dec->set_reason("insufficient evidence");
      dec->set_referred_to_state(chance(0.5));
      out.push_back(d);
      continue;
    }
    auto ch = Envelope(prefix + "CHARGED", agency, opened + 70 * kDay, case_id);
    auto* charge = ch.mutable_charge_filed();
    charge->set_subject_ref(subject_ref);
    charge->set_district(office.district);
    charge->add_statutes("21 U.S.C. 841(a)(1)");
    charge->add_statutes("21 U.S.C. 846");
    charge->set_mandatory_minimum_months(chance(0.5) ? 60 : 120);
    out.push_back(ch);

    auto disp = Envelope(StrCat("USSC-", s, "-DISPOSED"), "USSC",
                         opened + 150 * kDay, case_id);
    disp.mutable_disposition()->set_subject_ref(subject_ref);
    disp.mutable_disposition()->set_outcome(
        chance(0.9) ? v1::DISPOSITION_OUTCOME_PLEA
                    : v1::DISPOSITION_OUTCOME_TRIAL_CONVICTION);
    out.push_back(disp);

    const bool low_level = chance(0.7);
    auto sr = Envelope(StrCat("USSC-", s, "-SENT"), "USSC",
                       opened + (200 + pick(200)) * kDay, case_id);
    auto* sent = sr.mutable_sentencing();
    sent->set_subject_ref(subject_ref);
    sent->set_district(office.district);
    const int points = low_level ? pick(2) : pick(14);
    sent->set_criminal_history_points(points);
    sent->set_criminal_history_category(points <= 1    ? 1
                                        : points <= 3  ? 2
                                        : points <= 6  ? 3
                                        : points <= 9  ? 4
                                        : points <= 12 ? 5
                                                       : 6);
    sent->set_aggravating_role(
        low_level ? v1::AGGRAVATING_ROLE_NONE
                  : static_cast<v1::AggravatingRole>(1 + pick(4)));
    sent->set_mitigating_role(low_level && chance(0.5)
                                  ? v1::MITIGATING_ROLE_MINOR
                                  : v1::MITIGATING_ROLE_NONE);
    sent->set_weapon(low_level ? v1::WEAPON_NONE
                               : static_cast<v1::Weapon>(1 + pick(3)));
    sent->set_violence(!low_level && chance(0.2));
    sent->set_drug(kDrugs[pick(5)]);
    sent->set_drug_weight_grams(low_level ? 5 + pick(400) : 500 + pick(20000));
    sent->set_function(low_level ? kLowLevel[pick(5)] : kHighLevel[pick(4)]);
    sent->set_safety_valve(low_level && chance(0.4));
    sent->set_sentence_months(low_level ? 24 + pick(60) : 120 + pick(240));
    out.push_back(sr);
  }
  return out;
}

}  // namespace fruition::dev
