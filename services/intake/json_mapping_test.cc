// The NDJSON file format (SPEC §2): every report body in proto3's canonical
// JSON mapping, one report per line. The lines below are worked examples of
// the format (lowerCamelCase names, enums as prefixed strings, Timestamps as
// RFC 3339 in UTC); each test checks that protobuf's own JSON mapping reads
// them into the intended message and writes it back losslessly.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <string>
#include <utility>

#include "fruition/v1/reports.pb.h"
#include "gtest/gtest.h"

namespace fruition::v1 {
namespace {

using google::protobuf::util::JsonParseOptions;
using google::protobuf::util::JsonPrintOptions;
using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::MessageToJsonString;

// --- Example NDJSON lines, one per body ------------------------------------
// Adjacent raw literals concatenate into a single line (no newline inside).

constexpr char kCaseOpenedLine[] =
    R"({"reportId":"DEA-2015-000101","reporter":"DEA",)"
    R"("occurredAt":"2015-11-02T14:30:00Z","caseId":"EDPA-2015-CR-00417",)"
    R"("caseOpened":{"agency":"DEA","fieldOffice":"DEA-PHILADELPHIA",)"
    R"("district":"EDPA","origin":"CASE_ORIGIN_WIRETAP",)"
    R"("designations":["CASE_DESIGNATION_OCDETF","CASE_DESIGNATION_HIDTA"],)"
    R"("targetOrgId":"ORG-KENSINGTON-DTO"}})";

constexpr char kOrgDesignatedLine[] =
    R"({"reportId":"DEA-2015-000007","reporter":"DEA",)"
    R"("occurredAt":"2015-10-15T00:00:00Z",)"
    R"("orgDesignated":{"orgId":"ORG-KENSINGTON-DTO",)"
    R"("tier":"TIER_PTO_REGIONAL","region":"EDPA",)"
    R"("criteriaCited":["PTO-2","PTO-4"],"revoked":false}})";

constexpr char kLinkClaimLine[] =
    R"({"reportId":"DEA-2016-000215","reporter":"DEA",)"
    R"("occurredAt":"2016-03-01T12:00:00Z","caseId":"EDPA-2015-CR-00417",)"
    R"("linkClaim":{"claimId":"CL-00042","subjectRef":"FBI-5531-KX",)"
    R"("orgId":"ORG-KENSINGTON-DTO","linkRole":"LINK_ROLE_COURIER","hops":1,)"
    R"("evidence":[)"
    R"({"evidenceId":"EV-1","kind":"EVIDENCE_KIND_WIRETAP_INTERCEPT",)"
    R"("sourceId":"DEA-T3-LINE-07","observedAt":"2016-01-12T21:04:00Z",)"
    R"("sealedSummary":"Call on target line 7 arranging a pickup."},)"
    R"({"evidenceId":"EV-2","kind":"EVIDENCE_KIND_INFORMANT_TIP",)"
    R"("sourceId":"CI-0193","observedAt":"2016-02-03T18:30:00.250Z",)"
    R"("corroborates":["EV-1"]}]}})";

constexpr char kEvidenceAddedLine[] =
    R"({"reportId":"DEA-2016-000388","reporter":"DEA",)"
    R"("occurredAt":"2016-05-20T09:00:00Z","caseId":"EDPA-2015-CR-00417",)"
    R"("evidenceAdded":{"claimId":"CL-00042","subjectRef":"FBI-5531-KX",)"
    R"("evidence":[{"evidenceId":"EV-3",)"
    R"("kind":"EVIDENCE_KIND_FINANCIAL_RECORD","sourceId":"BANK-SUBPOENA-22",)"
    R"("observedAt":"2016-04-28T00:00:00Z","corroborates":["EV-2"]}]}})";

constexpr char kArrestLine[] =
    R"({"reportId":"DEA-2016-000402","reporter":"DEA",)"
    R"("occurredAt":"2016-06-07T06:15:00Z","caseId":"EDPA-2015-CR-00417",)"
    R"("arrest":{"arrestId":"DEA-ARR-2016-0917","subjectRef":"FBI-5531-KX",)"
    R"("agency":"DEA","fieldOffice":"DEA-PHILADELPHIA",)"
    R"("claimId":"CL-00042"}})";

constexpr char kSeizureLine[] =
    R"({"reportId":"DEA-2016-000403","reporter":"DEA",)"
    R"("occurredAt":"2016-06-07T07:40:00Z","caseId":"EDPA-2015-CR-00417",)"
    R"("seizure":{"seizureId":"DEA-SZ-2016-0311","drug":"DRUG_FENTANYL",)"
    R"("weightGrams":412.5,"cashUsd":18000,"assetsUsd":32500.75}})";

constexpr char kChargeFiledLine[] =
    R"({"reportId":"USAO-EDPA-2016-0077","reporter":"USAO-EDPA",)"
    R"("occurredAt":"2016-06-21T15:00:00Z","caseId":"EDPA-2015-CR-00417",)"
    R"("chargeFiled":{"subjectRef":"FBI-5531-KX","district":"EDPA",)"
    R"json("statutes":["21 U.S.C. 841(a)(1)","21 U.S.C. 846"],)json"
    R"("mandatoryMinimumMonths":120}})";

constexpr char kDeclinationLine[] =
    R"({"reportId":"USAO-DNJ-2016-0031","reporter":"USAO-DNJ",)"
    R"("occurredAt":"2016-04-11T16:20:00Z","caseId":"DNJ-2016-MJ-00210",)"
    R"("declination":{"subjectRef":"FBI-5531-KX","district":"DNJ",)"
    R"("reason":"Quantity below district guidelines; referred to county.",)"
    R"("referredToState":true}})";

constexpr char kDispositionLine[] =
    R"({"reportId":"USAO-EDPA-2016-0140","reporter":"USAO-EDPA",)"
    R"("occurredAt":"2016-09-14T14:00:00Z","caseId":"EDPA-2015-CR-00417",)"
    R"("disposition":{"subjectRef":"FBI-5531-KX",)"
    R"("outcome":"DISPOSITION_OUTCOME_PLEA"}})";

constexpr char kSentencingLine[] =
    R"({"reportId":"USSC-2017-EDPA-01288","reporter":"USSC",)"
    R"("occurredAt":"2017-01-18T17:30:00Z","caseId":"EDPA-2015-CR-00417",)"
    R"("sentencing":{"subjectRef":"FBI-5531-KX","district":"EDPA",)"
    R"("criminalHistoryPoints":1,"criminalHistoryCategory":1,)"
    R"("aggravatingRole":"AGGRAVATING_ROLE_NONE",)"
    R"("mitigatingRole":"MITIGATING_ROLE_MINOR","weapon":"WEAPON_NONE",)"
    R"("violence":false,"drug":"DRUG_FENTANYL","drugWeightGrams":52.3,)"
    R"("function":"OFFENSE_FUNCTION_COURIER","safetyValve":true,)"
    R"("sentenceMonths":46}})";

constexpr char kOrgOutcomeLine[] =
    R"({"reportId":"DEA-2016-000950","reporter":"DEA",)"
    R"("occurredAt":"2016-09-30T23:00:00Z",)"
    R"("orgOutcome":{"orgId":"ORG-KENSINGTON-DTO",)"
    R"("outcome":"ORG_OUTCOME_DISMANTLED","pending":true,"fiscalYear":2016}})";

constexpr char kPerformanceTargetLine[] =
    R"({"reportId":"DEA-2016-000001","reporter":"DEA",)"
    R"("occurredAt":"2015-10-01T00:00:00Z",)"
    R"("performanceTarget":{"agency":"DEA","fiscalYear":2016,)"
    R"("measure":"PERFORMANCE_MEASURE_PTO_DISMANTLED","target":120}})";

constexpr char kCommunityIndicatorLine[] =
    R"({"reportId":"PPD-2016-Q1-SHOOTINGS-24D","reporter":"PPD",)"
    R"("occurredAt":"2016-01-15T12:00:00Z",)"
    R"("communityIndicator":{"areaId":"PHL-KENSINGTON",)"
    R"("indicator":"COMMUNITY_INDICATOR_KIND_SHOOTINGS","value":37,)"
    R"("periodStart":"2015-10-01T00:00:00Z",)"
    R"("periodEnd":"2016-01-01T00:00:00Z"}})";

constexpr char kAgencyResponseLine[] =
    R"({"reportId":"DEA-2017-R-0001","reporter":"DEA",)"
    R"("occurredAt":"2016-11-02T15:00:00Z",)"
    R"("agencyResponse":{"conditionKey":"FRUITION_GAP/agency:DEA/FY2016",)"
    R"("explanation":"Most couriers were charged before the leaders.",)"
    R"("correctiveAction":"Claims re-assessed with link evidence."}})";

constexpr char kOversightDecisionLine[] =
    R"({"reportId":"HAC-2017-D-0001","reporter":"HAC",)"
    R"("occurredAt":"2016-12-01T15:00:00Z",)"
    R"("oversightDecision":{"conditionKey":"FRUITION_GAP/agency:DEA/FY2016",)"
    R"("decision":"DECISION_NEEDS_MORE","note":"Which claims changed?"}})";

// amountUsd is an int64: JSON writers print it as a string; a number is
// accepted too.
constexpr char kBudgetLineLine[] =
    R"({"reportId":"HAC-2016-L-0001","reporter":"HAC",)"
    R"("occurredAt":"2015-10-01T00:00:00Z",)"
    R"("budgetLine":{"lineId":"HAC-FY2016-DEA-1","agency":"DEA",)"
    R"("fiscalYear":2016,"amountUsd":2400000000,)"
    R"("purpose":"Domestic cartel enforcement","criteria":[)"
    R"({"indicator":"lnf_share","op":"CRITERION_OP_AT_MOST","value":0.3},)"
    R"({"indicator":"target_ratio:PERFORMANCE_MEASURE_PTO_DISMANTLED",)"
    R"("op":"CRITERION_OP_AT_MOST","value":1.25}]}})";

// --- Helpers ----------------------------------------------------------------

// Parses one NDJSON line with the default (strict) options, as the CLI and
// the HTTP API do.
AgencyReport Parse(const std::string& line) {
  EXPECT_EQ(line.find('\n'), std::string::npos) << "not a single line";
  AgencyReport report;
  const auto status = JsonStringToMessage(line, &report);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << line;
  return report;
}

// message -> JSON -> message gives the same message, with the default
// printer (lowerCamelCase) and with proto field names (snake_case).
::testing::AssertionResult RoundTrips(const AgencyReport& report) {
  for (const bool proto_names : {false, true}) {
    JsonPrintOptions print;
    print.preserve_proto_field_names = proto_names;
    std::string json;
    const auto printed = MessageToJsonString(report, &json, print);
    if (!printed.ok()) {
      return ::testing::AssertionFailure() << "print: " << printed.ToString();
    }
    AgencyReport back;
    const auto parsed = JsonStringToMessage(json, &back);
    if (!parsed.ok()) {
      return ::testing::AssertionFailure()
             << "parse: " << parsed.ToString() << "\n"
             << json;
    }
    std::string diff;
    MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&diff);
    if (!differencer.Compare(report, back)) {
      return ::testing::AssertionFailure() << json << "\n" << diff;
    }
    if (!MessageDifferencer::Equals(report, back)) {
      return ::testing::AssertionFailure() << "not Equals: " << json;
    }
  }
  return ::testing::AssertionSuccess();
}

std::string ToJson(const AgencyReport& report) {
  std::string json;
  EXPECT_TRUE(MessageToJsonString(report, &json).ok());
  return json;
}

// --- One test per body
// --------------------------------------------------------

TEST(JsonMappingTest, CaseOpened) {
  const AgencyReport r = Parse(kCaseOpenedLine);
  EXPECT_EQ(r.report_id(), "DEA-2015-000101");
  EXPECT_EQ(r.reporter(), "DEA");
  EXPECT_EQ(r.occurred_at().seconds(), 1446474600);  // 2015-11-02T14:30:00Z
  EXPECT_EQ(r.occurred_at().nanos(), 0);
  EXPECT_EQ(r.case_id(), "EDPA-2015-CR-00417");
  ASSERT_EQ(r.body_case(), AgencyReport::kCaseOpened);
  const CaseOpened& b = r.case_opened();
  EXPECT_EQ(b.agency(), "DEA");
  EXPECT_EQ(b.field_office(), "DEA-PHILADELPHIA");
  EXPECT_EQ(b.district(), "EDPA");
  EXPECT_EQ(b.origin(), CASE_ORIGIN_WIRETAP);
  ASSERT_EQ(b.designations_size(), 2);
  EXPECT_EQ(b.designations(0), CASE_DESIGNATION_OCDETF);
  EXPECT_EQ(b.designations(1), CASE_DESIGNATION_HIDTA);
  EXPECT_EQ(b.target_org_id(), "ORG-KENSINGTON-DTO");
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, OrgDesignated) {
  const AgencyReport r = Parse(kOrgDesignatedLine);
  EXPECT_EQ(r.occurred_at().seconds(), 1444867200);  // 2015-10-15
  EXPECT_EQ(r.case_id(), "");                        // reference data: no case
  ASSERT_EQ(r.body_case(), AgencyReport::kOrgDesignated);
  const OrgDesignated& b = r.org_designated();
  EXPECT_EQ(b.org_id(), "ORG-KENSINGTON-DTO");
  EXPECT_EQ(b.tier(), TIER_PTO_REGIONAL);
  EXPECT_EQ(b.region(), "EDPA");
  ASSERT_EQ(b.criteria_cited_size(), 2);
  EXPECT_EQ(b.criteria_cited(0), "PTO-2");
  EXPECT_EQ(b.criteria_cited(1), "PTO-4");
  EXPECT_FALSE(b.revoked());
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, LinkClaim) {
  const AgencyReport r = Parse(kLinkClaimLine);
  EXPECT_EQ(r.occurred_at().seconds(), 1456833600);  // 2016-03-01T12:00:00Z
  ASSERT_EQ(r.body_case(), AgencyReport::kLinkClaim);
  const PtoLinkClaim& b = r.link_claim();
  EXPECT_EQ(b.claim_id(), "CL-00042");
  EXPECT_EQ(b.subject_ref(), "FBI-5531-KX");
  EXPECT_EQ(b.subject_pid(), "");
  EXPECT_EQ(b.org_id(), "ORG-KENSINGTON-DTO");
  EXPECT_EQ(b.link_role(), LINK_ROLE_COURIER);
  EXPECT_EQ(b.hops(), 1u);
  ASSERT_EQ(b.evidence_size(), 2);
  const EvidenceItem& wiretap = b.evidence(0);
  EXPECT_EQ(wiretap.evidence_id(), "EV-1");
  EXPECT_EQ(wiretap.kind(), EVIDENCE_KIND_WIRETAP_INTERCEPT);
  EXPECT_EQ(wiretap.source_id(), "DEA-T3-LINE-07");
  EXPECT_EQ(wiretap.observed_at().seconds(), 1452632640);  // 2016-01-12T21:04
  EXPECT_EQ(wiretap.sealed_summary(),
            "Call on target line 7 arranging a pickup.");
  EXPECT_EQ(wiretap.corroborates_size(), 0);
  const EvidenceItem& tip = b.evidence(1);
  EXPECT_EQ(tip.kind(), EVIDENCE_KIND_INFORMANT_TIP);
  EXPECT_EQ(tip.source_id(), "CI-0193");
  EXPECT_EQ(tip.observed_at().seconds(), 1454524200);  // 2016-02-03T18:30:00
  EXPECT_EQ(tip.observed_at().nanos(), 250000000);     // .250
  ASSERT_EQ(tip.corroborates_size(), 1);
  EXPECT_EQ(tip.corroborates(0), "EV-1");
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, EvidenceAdded) {
  const AgencyReport r = Parse(kEvidenceAddedLine);
  ASSERT_EQ(r.body_case(), AgencyReport::kEvidenceAdded);
  const EvidenceAdded& b = r.evidence_added();
  EXPECT_EQ(b.claim_id(), "CL-00042");
  EXPECT_EQ(b.subject_ref(), "FBI-5531-KX");
  ASSERT_EQ(b.evidence_size(), 1);
  EXPECT_EQ(b.evidence(0).evidence_id(), "EV-3");
  EXPECT_EQ(b.evidence(0).kind(), EVIDENCE_KIND_FINANCIAL_RECORD);
  EXPECT_EQ(b.evidence(0).source_id(), "BANK-SUBPOENA-22");
  EXPECT_EQ(b.evidence(0).observed_at().seconds(), 1461801600);  // 2016-04-28
  ASSERT_EQ(b.evidence(0).corroborates_size(), 1);
  EXPECT_EQ(b.evidence(0).corroborates(0), "EV-2");
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, Arrest) {
  const AgencyReport r = Parse(kArrestLine);
  EXPECT_EQ(r.occurred_at().seconds(), 1465280100);  // 2016-06-07T06:15:00Z
  ASSERT_EQ(r.body_case(), AgencyReport::kArrest);
  const Arrest& b = r.arrest();
  EXPECT_EQ(b.arrest_id(), "DEA-ARR-2016-0917");
  EXPECT_EQ(b.subject_ref(), "FBI-5531-KX");
  EXPECT_EQ(b.agency(), "DEA");
  EXPECT_EQ(b.field_office(), "DEA-PHILADELPHIA");
  EXPECT_EQ(b.claim_id(), "CL-00042");
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, Seizure) {
  const AgencyReport r = Parse(kSeizureLine);
  ASSERT_EQ(r.body_case(), AgencyReport::kSeizure);
  const Seizure& b = r.seizure();
  EXPECT_EQ(b.seizure_id(), "DEA-SZ-2016-0311");
  EXPECT_EQ(b.drug(), DRUG_FENTANYL);
  EXPECT_DOUBLE_EQ(b.weight_grams(), 412.5);
  EXPECT_DOUBLE_EQ(b.cash_usd(), 18000);
  EXPECT_DOUBLE_EQ(b.assets_usd(), 32500.75);
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, ChargeFiled) {
  const AgencyReport r = Parse(kChargeFiledLine);
  EXPECT_EQ(r.reporter(), "USAO-EDPA");
  ASSERT_EQ(r.body_case(), AgencyReport::kChargeFiled);
  const ChargeFiled& b = r.charge_filed();
  EXPECT_EQ(b.subject_ref(), "FBI-5531-KX");
  EXPECT_EQ(b.district(), "EDPA");
  ASSERT_EQ(b.statutes_size(), 2);
  EXPECT_EQ(b.statutes(0), "21 U.S.C. 841(a)(1)");
  EXPECT_EQ(b.statutes(1), "21 U.S.C. 846");
  EXPECT_EQ(b.mandatory_minimum_months(), 120u);
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, Declination) {
  const AgencyReport r = Parse(kDeclinationLine);
  EXPECT_EQ(r.case_id(), "DNJ-2016-MJ-00210");
  ASSERT_EQ(r.body_case(), AgencyReport::kDeclination);
  const Declination& b = r.declination();
  EXPECT_EQ(b.subject_ref(), "FBI-5531-KX");
  EXPECT_EQ(b.district(), "DNJ");
  EXPECT_EQ(b.reason(),
            "Quantity below district guidelines; referred to county.");
  EXPECT_TRUE(b.referred_to_state());
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, Disposition) {
  const AgencyReport r = Parse(kDispositionLine);
  ASSERT_EQ(r.body_case(), AgencyReport::kDisposition);
  EXPECT_EQ(r.disposition().subject_ref(), "FBI-5531-KX");
  EXPECT_EQ(r.disposition().outcome(), DISPOSITION_OUTCOME_PLEA);
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, Sentencing) {
  const AgencyReport r = Parse(kSentencingLine);
  EXPECT_EQ(r.reporter(), "USSC");
  EXPECT_EQ(r.occurred_at().seconds(), 1484760600);  // 2017-01-18T17:30:00Z
  ASSERT_EQ(r.body_case(), AgencyReport::kSentencing);
  const SentencingRecord& b = r.sentencing();
  EXPECT_EQ(b.subject_ref(), "FBI-5531-KX");
  EXPECT_EQ(b.district(), "EDPA");
  EXPECT_EQ(b.criminal_history_points(), 1u);
  EXPECT_EQ(b.criminal_history_category(), 1u);
  EXPECT_EQ(b.aggravating_role(), AGGRAVATING_ROLE_NONE);
  EXPECT_EQ(b.mitigating_role(), MITIGATING_ROLE_MINOR);
  EXPECT_EQ(b.weapon(), WEAPON_NONE);
  EXPECT_FALSE(b.violence());
  EXPECT_EQ(b.drug(), DRUG_FENTANYL);
  EXPECT_DOUBLE_EQ(b.drug_weight_grams(), 52.3);
  EXPECT_EQ(b.function(), OFFENSE_FUNCTION_COURIER);
  EXPECT_TRUE(b.safety_valve());
  EXPECT_EQ(b.sentence_months(), 46u);
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, OrgOutcome) {
  const AgencyReport r = Parse(kOrgOutcomeLine);
  ASSERT_EQ(r.body_case(), AgencyReport::kOrgOutcome);
  const OrgOutcomeClaim& b = r.org_outcome();
  EXPECT_EQ(b.org_id(), "ORG-KENSINGTON-DTO");
  EXPECT_EQ(b.outcome(), ORG_OUTCOME_DISMANTLED);
  EXPECT_TRUE(b.pending());
  EXPECT_EQ(b.fiscal_year(), 2016u);
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, PerformanceTarget) {
  const AgencyReport r = Parse(kPerformanceTargetLine);
  EXPECT_EQ(r.occurred_at().seconds(), 1443657600);  // 2015-10-01
  ASSERT_EQ(r.body_case(), AgencyReport::kPerformanceTarget);
  const PerformanceTarget& b = r.performance_target();
  EXPECT_EQ(b.agency(), "DEA");
  EXPECT_EQ(b.fiscal_year(), 2016u);
  EXPECT_EQ(b.measure(), PERFORMANCE_MEASURE_PTO_DISMANTLED);
  EXPECT_EQ(b.target(), 120u);
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, CommunityIndicator) {
  const AgencyReport r = Parse(kCommunityIndicatorLine);
  EXPECT_EQ(r.reporter(), "PPD");
  ASSERT_EQ(r.body_case(), AgencyReport::kCommunityIndicator);
  const CommunityIndicator& b = r.community_indicator();
  EXPECT_EQ(b.area_id(), "PHL-KENSINGTON");
  EXPECT_EQ(b.indicator(), COMMUNITY_INDICATOR_KIND_SHOOTINGS);
  EXPECT_DOUBLE_EQ(b.value(), 37);
  EXPECT_EQ(b.period_start().seconds(), 1443657600);  // 2015-10-01
  EXPECT_EQ(b.period_end().seconds(), 1451606400);    // 2016-01-01
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, AgencyResponse) {
  const AgencyReport r = Parse(kAgencyResponseLine);
  ASSERT_EQ(r.body_case(), AgencyReport::kAgencyResponse);
  EXPECT_EQ(r.agency_response().condition_key(),
            "FRUITION_GAP/agency:DEA/FY2016");
  EXPECT_EQ(r.agency_response().corrective_action(),
            "Claims re-assessed with link evidence.");
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, OversightDecision) {
  const AgencyReport r = Parse(kOversightDecisionLine);
  ASSERT_EQ(r.body_case(), AgencyReport::kOversightDecision);
  EXPECT_EQ(r.oversight_decision().decision(), v1::DECISION_NEEDS_MORE);
  EXPECT_EQ(r.oversight_decision().note(), "Which claims changed?");
  EXPECT_TRUE(RoundTrips(r));
}

TEST(JsonMappingTest, BudgetLine) {
  const AgencyReport r = Parse(kBudgetLineLine);
  ASSERT_EQ(r.body_case(), AgencyReport::kBudgetLine);
  const v1::BudgetLine& b = r.budget_line();
  EXPECT_EQ(b.fiscal_year(), 2016u);
  EXPECT_EQ(b.amount_usd(), 2400000000);
  ASSERT_EQ(b.criteria_size(), 2);
  EXPECT_EQ(b.criteria(0).op(), v1::CRITERION_OP_AT_MOST);
  EXPECT_DOUBLE_EQ(b.criteria(1).value(), 1.25);
  EXPECT_TRUE(RoundTrips(r));
  EXPECT_NE(ToJson(r).find(R"("amountUsd":"2400000000")"), std::string::npos)
      << ToJson(r);
}

// --- The mapping's conventions
// ------------------------------------------------

TEST(JsonMappingTest, PrinterWritesCamelCaseNamesPrefixedEnumsAndRfc3339) {
  const std::string json = ToJson(Parse(kLinkClaimLine));
  EXPECT_NE(json.find(R"("linkClaim":)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("subjectRef":"FBI-5531-KX")"), std::string::npos);
  EXPECT_NE(json.find(R"("linkRole":"LINK_ROLE_COURIER")"), std::string::npos);
  EXPECT_NE(json.find(R"("occurredAt":"2016-03-01T12:00:00Z")"),
            std::string::npos);
  EXPECT_NE(json.find(R"("observedAt":"2016-02-03T18:30:00.250Z")"),
            std::string::npos);
  EXPECT_EQ(json.find("link_claim"), std::string::npos);
  // Default values (e.g. an empty subjectPid) are omitted.
  EXPECT_EQ(json.find("subjectPid"), std::string::npos);
}

TEST(JsonMappingTest, PrinterCanWriteEnumsAsNumbers) {
  JsonPrintOptions print;
  print.always_print_enums_as_ints = true;
  std::string json;
  ASSERT_TRUE(MessageToJsonString(Parse(kLinkClaimLine), &json, print).ok());
  EXPECT_NE(json.find(R"("linkRole":6)"), std::string::npos) << json;
}

TEST(JsonMappingTest, EveryBodyLineHasItsBody) {
  const std::pair<const char*, AgencyReport::BodyCase> lines[] = {
      {kCaseOpenedLine, AgencyReport::kCaseOpened},
      {kOrgDesignatedLine, AgencyReport::kOrgDesignated},
      {kLinkClaimLine, AgencyReport::kLinkClaim},
      {kEvidenceAddedLine, AgencyReport::kEvidenceAdded},
      {kArrestLine, AgencyReport::kArrest},
      {kSeizureLine, AgencyReport::kSeizure},
      {kChargeFiledLine, AgencyReport::kChargeFiled},
      {kDeclinationLine, AgencyReport::kDeclination},
      {kDispositionLine, AgencyReport::kDisposition},
      {kSentencingLine, AgencyReport::kSentencing},
      {kOrgOutcomeLine, AgencyReport::kOrgOutcome},
      {kPerformanceTargetLine, AgencyReport::kPerformanceTarget},
      {kCommunityIndicatorLine, AgencyReport::kCommunityIndicator},
      {kAgencyResponseLine, AgencyReport::kAgencyResponse},
      {kOversightDecisionLine, AgencyReport::kOversightDecision},
      {kBudgetLineLine, AgencyReport::kBudgetLine},
  };
  // Together the lines form a valid NDJSON file.
  std::string file;
  for (const auto& [line, body] : lines) {
    EXPECT_EQ(Parse(line).body_case(), body) << line;
    file += line;
    file += '\n';
  }
  size_t begin = 0;
  int parsed = 0;
  while (begin < file.size()) {
    const size_t end = file.find('\n', begin);
    AgencyReport r;
    EXPECT_TRUE(JsonStringToMessage(file.substr(begin, end - begin), &r).ok());
    begin = end + 1;
    ++parsed;
  }
  EXPECT_EQ(parsed, 16);
}

TEST(JsonMappingTest, UnknownEnumStringFailsToParse) {
  AgencyReport r;
  EXPECT_FALSE(
      JsonStringToMessage(R"({"reportId":"DEA-2016-000216","reporter":"DEA",)"
                          R"("linkClaim":{"linkRole":"LINK_ROLE_KINGPIN"}})",
                          &r)
          .ok());
  // The bare SPEC spelling is not the wire value: the prefix is required.
  EXPECT_FALSE(
      JsonStringToMessage(R"({"linkClaim":{"linkRole":"COURIER"}})", &r).ok());
  EXPECT_FALSE(
      JsonStringToMessage(R"({"seizure":{"drug":"FENTANYL"}})", &r).ok());
  // Another enum's value is unknown too.
  EXPECT_FALSE(
      JsonStringToMessage(R"({"seizure":{"drug":"TIER_CPOT"}})", &r).ok());
}

TEST(JsonMappingTest, UnknownFieldFailsByDefaultAndIsIgnoredOnRequest) {
  const std::string line =
      R"({"reportId":"DEA-2016-000402","reporter":"DEA",)"
      R"("occurredAt":"2016-06-07T06:15:00Z","caseId":"EDPA-2015-CR-00417",)"
      R"("priority":"HIGH",)"
      R"("arrest":{"arrestId":"DEA-ARR-2016-0917","subjectRef":"FBI-5531-KX",)"
      R"("agency":"DEA","fieldOffice":"DEA-PHILADELPHIA",)"
      R"("claimId":"CL-00042","handcuffed":true}})";
  AgencyReport strict;
  EXPECT_FALSE(JsonStringToMessage(line, &strict).ok());

  JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  AgencyReport r;
  ASSERT_TRUE(JsonStringToMessage(line, &r, lenient).ok());
  // The known fields are all there: the same as the arrest example.
  EXPECT_TRUE(MessageDifferencer::Equals(r, Parse(kArrestLine)));
}

TEST(JsonMappingTest, SnakeCaseFieldNamesAreAccepted) {
  const std::string snake =
      R"({"report_id":"DEA-2016-000215","reporter":"DEA",)"
      R"("occurred_at":"2016-03-01T12:00:00Z","case_id":"EDPA-2015-CR-00417",)"
      R"("link_claim":{"claim_id":"CL-00042","subject_ref":"FBI-5531-KX",)"
      R"("org_id":"ORG-KENSINGTON-DTO","link_role":"LINK_ROLE_COURIER",)"
      R"("hops":1,"evidence":[)"
      R"({"evidence_id":"EV-1","kind":"EVIDENCE_KIND_WIRETAP_INTERCEPT",)"
      R"("source_id":"DEA-T3-LINE-07","observed_at":"2016-01-12T21:04:00Z",)"
      R"("sealed_summary":"Call on target line 7 arranging a pickup."},)"
      R"({"evidence_id":"EV-2","kind":"EVIDENCE_KIND_INFORMANT_TIP",)"
      R"("source_id":"CI-0193","observed_at":"2016-02-03T18:30:00.250Z",)"
      R"("corroborates":["EV-1"]}]}})";
  EXPECT_TRUE(MessageDifferencer::Equals(Parse(snake), Parse(kLinkClaimLine)));

  // Both spellings may even be mixed within one line.
  const std::string mixed =
      R"({"report_id":"DEA-2016-000001","reporter":"DEA",)"
      R"("occurredAt":"2015-10-01T00:00:00Z",)"
      R"("performance_target":{"agency":"DEA","fiscal_year":2016,)"
      R"("measure":"PERFORMANCE_MEASURE_PTO_DISMANTLED","target":120}})";
  EXPECT_TRUE(
      MessageDifferencer::Equals(Parse(mixed), Parse(kPerformanceTargetLine)));
}

TEST(JsonMappingTest, TimestampsWithOffsetsAreNormalizedToUtc) {
  AgencyReport r;
  ASSERT_TRUE(
      JsonStringToMessage(R"({"occurredAt":"2016-03-01T07:00:00-05:00"})", &r)
          .ok());
  EXPECT_EQ(r.occurred_at().seconds(), 1456833600);  // 12:00:00Z
  // A date without a time is not RFC 3339.
  EXPECT_FALSE(JsonStringToMessage(R"({"occurredAt":"2016-03-01"})", &r).ok());
}

TEST(JsonMappingTest, TwoBodiesInOneLineFailToParse) {
  AgencyReport r;
  EXPECT_FALSE(
      JsonStringToMessage(R"({"reportId":"DEA-1","arrest":{"arrestId":"A-1"},)"
                          R"("seizure":{"seizureId":"S-1"}})",
                          &r)
          .ok());
}

}  // namespace
}  // namespace fruition::v1
