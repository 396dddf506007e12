#include "services/intake/test_reports.h"

namespace fruition::intake::testing {
namespace {

using auth::Principal;
using auth::PrincipalKind;
using v1::AgencyReport;

constexpr int64_t kDay = int64_t{24} * 3600;

}  // namespace

v1::EvidenceItem* AddEvidence(
    google::protobuf::RepeatedPtrField<v1::EvidenceItem>* items,
    const std::string& id, v1::EvidenceKind kind, const std::string& source,
    int64_t observed_at) {
  v1::EvidenceItem* item = items->Add();
  item->set_evidence_id(id);
  item->set_kind(kind);
  item->set_source_id(source);
  *item->mutable_observed_at() = Ts(observed_at);
  return item;
}

const std::vector<BodyCase>& AllBodies() {
  static const auto* const kBodies = new std::vector<BodyCase>{
      AgencyReport::kCaseOpened,
      AgencyReport::kOrgDesignated,
      AgencyReport::kLinkClaim,
      AgencyReport::kEvidenceAdded,
      AgencyReport::kArrest,
      AgencyReport::kSeizure,
      AgencyReport::kChargeFiled,
      AgencyReport::kDeclination,
      AgencyReport::kDisposition,
      AgencyReport::kSentencing,
      AgencyReport::kOrgOutcome,
      AgencyReport::kPerformanceTarget,
      AgencyReport::kCommunityIndicator,
      AgencyReport::kAgencyResponse,
      AgencyReport::kOversightDecision,
      AgencyReport::kBudgetLine,
  };
  return *kBodies;
}

const std::vector<BodyCase>& SubjectBodies() {
  static const auto* const kBodies = new std::vector<BodyCase>{
      AgencyReport::kLinkClaim,   AgencyReport::kEvidenceAdded,
      AgencyReport::kArrest,      AgencyReport::kChargeFiled,
      AgencyReport::kDeclination, AgencyReport::kDisposition,
      AgencyReport::kSentencing,
  };
  return *kBodies;
}

bool IsReferenceBody(BodyCase body) {
  return body == AgencyReport::kOrgDesignated ||
         body == AgencyReport::kOrgOutcome ||
         body == AgencyReport::kPerformanceTarget ||
         body == AgencyReport::kCommunityIndicator ||
         body == AgencyReport::kAgencyResponse ||
         body == AgencyReport::kOversightDecision ||
         body == AgencyReport::kBudgetLine;
}

// The principal that sends each body in the happy path: a principal whose
Principal CallerFor(BodyCase body) {
  switch (body) {
    case AgencyReport::kSentencing:
      return Principal{"USSC", PrincipalKind::kJudiciary};
    case AgencyReport::kCommunityIndicator:
      return Principal{"PPD", PrincipalKind::kCommunity};
    case AgencyReport::kDisposition:
      return Principal{"USAO-EDPA", PrincipalKind::kAgency};
    case AgencyReport::kOrgDesignated:
      return Principal{"DEA", PrincipalKind::kAgency, {}, /*designates=*/true};
    case AgencyReport::kOversightDecision:
    case AgencyReport::kBudgetLine:
      return Principal{"OIG", PrincipalKind::kOverseer};
    default:
      return Principal{"DEA", PrincipalKind::kAgency};
  }
}

google::protobuf::Timestamp Ts(int64_t seconds, int32_t nanos) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(nanos);
  return ts;
}

namespace {

// The investigation: the case, its target org, the link claim and the
// evidence added to it, the arrest and the seizure.
void FillInvestigation(BodyCase body, int64_t now, AgencyReport* r) {
  switch (body) {
    case AgencyReport::kCaseOpened: {
      auto* b = r->mutable_case_opened();
      b->set_agency("DEA");
      b->set_field_office("DEA-PHILADELPHIA");
      b->set_district("EDPA");
      b->set_origin(v1::CASE_ORIGIN_WIRETAP);
      b->add_designations(v1::CASE_DESIGNATION_OCDETF);
      b->set_target_org_id("ORG-KENSINGTON-DTO");
      break;
    }
    case AgencyReport::kOrgDesignated: {
      auto* b = r->mutable_org_designated();
      b->set_org_id("ORG-KENSINGTON-DTO");
      b->set_tier(v1::TIER_PTO_REGIONAL);
      b->set_region("EDPA");
      b->add_criteria_cited("PTO-2");
      break;
    }
    case AgencyReport::kLinkClaim: {
      auto* b = r->mutable_link_claim();
      b->set_claim_id("CL-00042");
      b->set_subject_ref("FBI-5531-KX");
      b->set_org_id("ORG-KENSINGTON-DTO");
      b->set_link_role(v1::LINK_ROLE_COURIER);
      b->set_hops(1);
      AddEvidence(b->mutable_evidence(), "EV-1",
                  v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "DEA-T3-LINE-07",
                  now - 60 * kDay)
          ->set_sealed_summary("Call on target line 7 arranging a delivery.");
      AddEvidence(b->mutable_evidence(), "EV-2",
                  v1::EVIDENCE_KIND_CONTROLLED_BUY, "DEA-GS-114",
                  now - 50 * kDay);
      AddEvidence(b->mutable_evidence(), "EV-3",
                  v1::EVIDENCE_KIND_INFORMANT_TIP, "CI-0193", now - 45 * kDay)
          ->add_corroborates("EV-1");
      break;
    }
    case AgencyReport::kEvidenceAdded: {
      auto* b = r->mutable_evidence_added();
      b->set_claim_id("CL-00042");
      b->set_subject_ref("FBI-5531-KX");
      AddEvidence(b->mutable_evidence(), "EV-4",
                  v1::EVIDENCE_KIND_FINANCIAL_RECORD, "BANK-SUBPOENA-22",
                  now - 40 * kDay);
      AddEvidence(b->mutable_evidence(), "EV-5", v1::EVIDENCE_KIND_SURVEILLANCE,
                  "DEA-GS-114", now - 35 * kDay);
      break;
    }
    case AgencyReport::kArrest: {
      auto* b = r->mutable_arrest();
      b->set_arrest_id("DEA-ARR-2025-0917");
      b->set_subject_ref("FBI-5531-KX");
      b->set_agency("DEA");
      b->set_field_office("DEA-PHILADELPHIA");
      b->set_claim_id("CL-00042");
      break;
    }
    case AgencyReport::kSeizure: {
      auto* b = r->mutable_seizure();
      b->set_seizure_id("DEA-SZ-2025-0311");
      b->set_drug(v1::DRUG_FENTANYL);
      b->set_weight_grams(412.5);
      b->set_cash_usd(18000);
      b->set_assets_usd(0);
      break;
    }
    default:
      break;
  }
}

// The prosecution: charge, declination, disposition and sentencing.
void FillProsecution(BodyCase body, AgencyReport* r) {
  switch (body) {
    case AgencyReport::kChargeFiled: {
      auto* b = r->mutable_charge_filed();
      b->set_subject_ref("FBI-5531-KX");
      b->set_district("EDPA");
      b->add_statutes("21 U.S.C. 841(a)(1)");
      b->add_statutes("21 U.S.C. 846");
      b->set_mandatory_minimum_months(120);
      break;
    }
    case AgencyReport::kDeclination: {
      auto* b = r->mutable_declination();
      b->set_subject_ref("FBI-5531-KX");
      b->set_district("DNJ");
      b->set_reason("Quantity below district threshold; referred to county.");
      b->set_referred_to_state(true);
      break;
    }
    case AgencyReport::kDisposition: {
      auto* b = r->mutable_disposition();
      b->set_subject_ref("FBI-5531-KX");
      b->set_outcome(v1::DISPOSITION_OUTCOME_PLEA);
      break;
    }
    case AgencyReport::kSentencing: {
      auto* b = r->mutable_sentencing();
      b->set_subject_ref("FBI-5531-KX");
      b->set_district("EDPA");
      b->set_criminal_history_points(1);
      b->set_criminal_history_category(1);
      b->set_aggravating_role(v1::AGGRAVATING_ROLE_NONE);
      b->set_mitigating_role(v1::MITIGATING_ROLE_MINOR);
      b->set_weapon(v1::WEAPON_NONE);
      b->set_violence(false);
      b->set_drug(v1::DRUG_FENTANYL);
      b->set_drug_weight_grams(52.0);
      b->set_function(v1::OFFENSE_FUNCTION_COURIER);
      b->set_safety_valve(true);
      b->set_sentence_months(46);
      break;
    }
    default:
      break;
  }
}

// The reference bodies: org outcome, performance target, community
// indicator.
void FillReference(BodyCase body, AgencyReport* r) {
  switch (body) {
    case AgencyReport::kOrgOutcome: {
      auto* b = r->mutable_org_outcome();
      b->set_org_id("ORG-KENSINGTON-DTO");
      b->set_outcome(v1::ORG_OUTCOME_DISMANTLED);
      b->set_pending(true);
      b->set_fiscal_year(2025);
      break;
    }
    case AgencyReport::kPerformanceTarget: {
      auto* b = r->mutable_performance_target();
      b->set_agency("DEA");
      b->set_fiscal_year(2026);
      b->set_measure(v1::PERFORMANCE_MEASURE_PTO_DISMANTLED);
      b->set_target(120);
      break;
    }
    case AgencyReport::kCommunityIndicator: {
      auto* b = r->mutable_community_indicator();
      b->set_area_id("PHL-KENSINGTON");
      b->set_indicator(v1::COMMUNITY_INDICATOR_KIND_SHOOTINGS);
      b->set_value(37);
      *b->mutable_period_start() = Ts(1759276800);  // 2025-10-01
      *b->mutable_period_end() = Ts(1767225600);    // 2026-01-01
      break;
    }
    default:
      break;
  }
}

// The accountability bodies (SPEC §11): DEA answers a flag about itself, an
// overseer decides on it and sets a budget line.
void FillAccountability(BodyCase body, AgencyReport* r) {
  switch (body) {
    case AgencyReport::kAgencyResponse: {
      auto* b = r->mutable_agency_response();
      b->set_condition_key("FRUITION_GAP/agency:DEA/FY2026");
      b->set_explanation(
          "Most sentenced couriers were arrested in the Kensington corridor "
          "operation before its leadership was charged.");
      b->set_corrective_action("Report link evidence with each claim.");
      break;
    }
    case AgencyReport::kOversightDecision: {
      auto* b = r->mutable_oversight_decision();
      b->set_condition_key("FRUITION_GAP/agency:DEA/FY2026");
      b->set_decision(v1::DECISION_NEEDS_MORE);
      b->set_note("Which of the claims were reassessed?");
      break;
    }
    case AgencyReport::kBudgetLine: {
      auto* b = r->mutable_budget_line();
      b->set_line_id("HAC-FY2026-DEA-1");
      b->set_agency("DEA");
      b->set_fiscal_year(2026);
      b->set_amount_usd(2400000000);
      b->set_purpose("Domestic cartel enforcement");
      auto* k = b->add_criteria();
      k->set_indicator("lnf_share");
      k->set_op(v1::CRITERION_OP_AT_MOST);
      k->set_value(0.30);
      k = b->add_criteria();
      k->set_indicator("target_ratio:PERFORMANCE_MEASURE_PTO_DISMANTLED");
      k->set_op(v1::CRITERION_OP_AT_MOST);
      k->set_value(1.25);
      break;
    }
    default:
      break;
  }
}

}  // namespace

AgencyReport ValidReport(BodyCase body, int64_t now) {
  AgencyReport r;
  r.set_report_id("RPT-2025-000117");
  r.set_reporter(CallerFor(body).code);
  *r.mutable_occurred_at() = Ts(now - 30 * kDay);
  if (!IsReferenceBody(body)) r.set_case_id("EDPA-2025-CR-00417");
  FillInvestigation(body, now, &r);
  FillProsecution(body, &r);
  FillReference(body, &r);
  FillAccountability(body, &r);
  return r;
}

}  // namespace fruition::intake::testing
