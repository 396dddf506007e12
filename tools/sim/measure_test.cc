// The prosecution-stage figures of measure.cc on small hand-made streams:
// the latest record of each body per (subject, case), the median of an even
// count, and the irregular cases the indicators must handle.
#include "tools/sim/measure.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fruition::sim {
namespace {

v1::AgencyReport At(int64_t seconds, const std::string& case_id) {
  v1::AgencyReport r;
  r.mutable_occurred_at()->set_seconds(seconds);
  r.set_case_id(case_id);
  return r;
}

v1::AgencyReport Charge(int64_t at, const std::string& subject,
                        const std::string& district, uint32_t minimum) {
  v1::AgencyReport r = At(at, "CASE-1");
  auto* c = r.mutable_charge_filed();
  c->set_subject_ref(subject);
  c->set_district(district);
  c->set_mandatory_minimum_months(minimum);
  return r;
}

v1::AgencyReport Sentenced(int64_t at, const std::string& subject,
                           uint32_t months, bool safety_valve) {
  v1::AgencyReport r = At(at, "CASE-1");
  auto* s = r.mutable_sentencing();
  s->set_subject_ref(subject);
  s->set_district("EDPA");
  s->set_criminal_history_category(1);
  s->set_drug(v1::DRUG_COCAINE);
  s->set_function(v1::OFFENSE_FUNCTION_COURIER);
  s->set_sentence_months(months);
  s->set_safety_valve(safety_valve);
  return r;
}

TEST(MeasureTest, MedianOfAnEvenCountIsTheMeanOfTheMiddleTwo) {
  Measures m;
  m.sentence_months = {{10, 1}, {20, 1}, {31, 1}, {40, 1}};
  EXPECT_DOUBLE_EQ(m.median_sentence_months(), 25.5);
  m.sentence_months = {{10, 1}, {20, 2}, {40, 1}};  // 10 20 20 40
  EXPECT_DOUBLE_EQ(m.median_sentence_months(), 20);
  m.sentence_months = {{10, 2}, {30, 1}};  // odd: 10 10 30
  EXPECT_DOUBLE_EQ(m.median_sentence_months(), 10);
  m.sentence_months.clear();
  EXPECT_DOUBLE_EQ(m.median_sentence_months(), 0);
}

// A charge re-filed with a lower minimum: the latest counts, whatever the
// order the two arrive in, and the sentence below the first minimum is not
// below the case's charge.
TEST(MeasureTest, TheLatestChargeIsTheCasesCharge) {
  const std::vector<v1::AgencyReport> in_order = {
      Charge(100, "S1", "EDPA", 120), Charge(200, "S1", "EDPA", 0),
      Sentenced(300, "S1", 50, false)};
  const std::vector<v1::AgencyReport> reversed = {in_order[2], in_order[1],
                                                  in_order[0]};
  for (const auto* reports : {&in_order, &reversed}) {
    const Measures m = Measure(*reports);
    EXPECT_EQ(m.charged, 1);
    EXPECT_EQ(m.mm_charged, 0);
    EXPECT_EQ(m.refiled, 1);
    EXPECT_EQ(m.sentenced, 1);
    EXPECT_EQ(m.mm_sentenced, 0);
    EXPECT_EQ(m.mm_below, 0);
  }
  // Re-filed upwards instead: now the sentence is below the minimum, and
  // with no safety valve it counts as substantial assistance.
  const Measures up =
      Measure({Charge(100, "S1", "EDPA", 0), Charge(200, "S1", "EDPA", 60),
               Sentenced(300, "S1", 50, false)});
  EXPECT_EQ(up.mm_sentenced, 1);
  EXPECT_EQ(up.mm_below, 1);
  EXPECT_EQ(up.mm_below_without_safety_valve, 1);
  EXPECT_EQ(up.mm_relieved, 1);
}

TEST(MeasureTest, DeclinedThenChargedAndDispositionsWithoutCharge) {
  v1::AgencyReport declined = At(50, "CASE-1");
  declined.mutable_declination()->set_subject_ref("S1");
  declined.mutable_declination()->set_district("EDPA");
  declined.mutable_declination()->set_referred_to_state(true);
  v1::AgencyReport dismissed = At(60, "CASE-2");
  dismissed.mutable_disposition()->set_subject_ref("S2");
  dismissed.mutable_disposition()->set_outcome(
      v1::DISPOSITION_OUTCOME_DISMISSAL);
  const Measures m =
      Measure({declined, dismissed, Charge(100, "S1", "EDPA", 60)});
  EXPECT_EQ(m.declined, 1);
  EXPECT_EQ(m.referred_to_state, 1);
  EXPECT_EQ(m.declined_then_charged_same_district, 1);
  EXPECT_EQ(m.declined_then_charged_elsewhere, 0);
  EXPECT_DOUBLE_EQ(m.declination_rate(), 0.5);
  EXPECT_EQ(m.disposed_pairs, 1);
  EXPECT_EQ(m.dispositions_without_charge, 1);
  EXPECT_DOUBLE_EQ(m.conviction_rate(), 0);
}

TEST(MeasureTest, SeizuresBeforeTheirCaseOpened) {
  v1::AgencyReport early = At(10, "CASE-1");
  early.mutable_seizure()->set_seizure_id("SZ-1");
  early.mutable_seizure()->set_cash_usd(1000);
  early.mutable_seizure()->set_assets_usd(250.5);
  v1::AgencyReport opened = At(20, "CASE-1");
  opened.mutable_case_opened()->set_agency("DEA");
  v1::AgencyReport later = At(30, "CASE-1");
  later.mutable_seizure()->set_seizure_id("SZ-2");
  later.mutable_seizure()->set_cash_usd(10);
  const Measures m = Measure({early, opened, later});
  EXPECT_EQ(m.seizures, 2);
  EXPECT_EQ(m.seizures_before_case_opened, 1);
  EXPECT_DOUBLE_EQ(m.seized_value_usd, 1260.5);
}

}  // namespace
}  // namespace fruition::sim
