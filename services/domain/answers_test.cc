#include "services/domain/answers.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fruition::domain {
namespace {

constexpr char kKey[] = "FRUITION_GAP/agency:DEA/FY2016";

v1::OversightEvent Event() {
  v1::OversightEvent e;
  e.set_condition_key(kKey);
  e.set_type(v1::EVENT_TYPE_FRUITION_GAP);
  e.set_visibility(v1::VISIBILITY_PUBLIC);
  e.set_unit("agency:DEA");
  e.set_period("FY2016");
  return e;
}

v1::AgencyReport Response(const std::string& reporter, const std::string& id,
                          int64_t at, const std::string& explanation) {
  v1::AgencyReport r;
  r.set_reporter(reporter);
  r.set_report_id(id);
  r.mutable_occurred_at()->set_seconds(at);
  r.mutable_agency_response()->set_condition_key(kKey);
  r.mutable_agency_response()->set_explanation(explanation);
  r.mutable_agency_response()->set_corrective_action("re-assess " + id);
  return r;
}

v1::AgencyReport Decision(const std::string& reporter, const std::string& id,
                          int64_t at, v1::Decision d) {
  v1::AgencyReport r;
  r.set_reporter(reporter);
  r.set_report_id(id);
  r.mutable_occurred_at()->set_seconds(at);
  r.mutable_oversight_decision()->set_condition_key(kKey);
  r.mutable_oversight_decision()->set_decision(d);
  r.mutable_oversight_decision()->set_note("note " + id);
  return r;
}

TEST(Answers, NothingKeptIsNoAccountability) {
  EXPECT_FALSE(Accountability(Event(), {}, true).has_value());
  v1::AgencyReport arrest;
  arrest.set_reporter("DEA");
  arrest.mutable_arrest();
  EXPECT_FALSE(IsAnswer(arrest));
  EXPECT_EQ(AnswerConditionKey(arrest), "");
  EXPECT_TRUE(IsAnswer(Response("DEA", "R1", 1, "x")));
  EXPECT_EQ(AnswerConditionKey(Decision("OIG", "D1", 1, v1::DECISION_ACCEPTED)),
            kKey);
}

TEST(Answers, LatestAnswerOfTheAgencyConcernedCounts) {
  const std::vector<v1::AgencyReport> kept = {
      Response("DEA", "R1", 100, "first"),
      Response("DEA", "R2", 300, "second"),
      // Another agency's answer to DEA's condition never shows (intake
      // could not always refuse it), however late.
      Response("FBI", "F1", 900, "not theirs"),
  };
  auto a = Accountability(Event(), kept, /*full=*/true);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->status(), "answered");
  EXPECT_EQ(a->response().reporter(), "DEA");
  EXPECT_EQ(a->response().report_id(), "R2");
  EXPECT_EQ(a->response().explanation(), "second");
  EXPECT_EQ(a->response().corrective_action(), "re-assess R2");
  EXPECT_FALSE(a->has_decision());
}

TEST(Answers, TheLaterOfAnswerAndDecisionMakesTheStatus) {
  std::vector<v1::AgencyReport> kept = {
      Response("DEA", "R1", 100, "first"),
      Decision("OIG", "D1", 200, v1::DECISION_NEEDS_MORE),
  };
  EXPECT_EQ(Accountability(Event(), kept, true)->status(), "needs more");
  kept.push_back(Response("DEA", "R2", 300, "more"));
  EXPECT_EQ(Accountability(Event(), kept, true)->status(), "answered");
  kept.push_back(Decision("GAO", "G1", 400, v1::DECISION_ACCEPTED));
  auto a = Accountability(Event(), kept, true);
  EXPECT_EQ(a->status(), "accepted");
  EXPECT_EQ(a->decision().reporter(), "GAO");
  EXPECT_EQ(a->decision().decision(), v1::DECISION_ACCEPTED);
  EXPECT_EQ(a->decision().note(), "note G1");
  EXPECT_EQ(a->response().report_id(), "R2");
  // Decided without an answer.
  auto d = Accountability(
      Event(), {Decision("OIG", "D9", 5, v1::DECISION_REJECTED)}, true);
  EXPECT_EQ(d->status(), "rejected");
  EXPECT_FALSE(d->has_response());
}

TEST(Answers, ThePublicSeesTheStatusOnly) {
  const std::vector<v1::AgencyReport> kept = {
      Response("DEA", "R1", 100, "sealed words"),
      Decision("OIG", "D1", 200, v1::DECISION_REJECTED),
  };
  auto a = Accountability(Event(), kept, /*full=*/false);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->status(), "rejected");
  EXPECT_FALSE(a->has_response());
  EXPECT_FALSE(a->has_decision());
  EXPECT_EQ(a->SerializeAsString().find("sealed"), std::string::npos);
}

TEST(Answers, OrderOfReadingDoesNotMatter) {
  std::vector<v1::AgencyReport> kept = {
      Response("DEA", "R1", 100, "a"),
      Response("DEA", "R3", 100, "same time, greater id"),
      Decision("OIG", "D1", 50, v1::DECISION_ACCEPTED),
      Decision("GAO", "G1", 50, v1::DECISION_REJECTED),
  };
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.report_id() < b.report_id();
  });
  std::string first;
  do {
    auto a = Accountability(Event(), kept, true);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->response().report_id(), "R3");
    // Ties at one instant go to the greater reporter: OIG after GAO.
    EXPECT_EQ(a->decision().reporter(), "OIG");
    if (first.empty()) first = a->SerializeAsString();
    EXPECT_EQ(a->SerializeAsString(), first);
  } while (std::next_permutation(kept.begin(), kept.end(),
                                 [](const auto& a, const auto& b) {
                                   return a.report_id() < b.report_id();
                                 }));
}

TEST(Answers, ReplacesAnswerByTimeThenId) {
  EXPECT_TRUE(
      ReplacesAnswer(Response("DEA", "A", 2, ""), Response("DEA", "B", 1, "")));
  EXPECT_FALSE(
      ReplacesAnswer(Response("DEA", "B", 1, ""), Response("DEA", "A", 2, "")));
  EXPECT_TRUE(
      ReplacesAnswer(Response("DEA", "B", 1, ""), Response("DEA", "A", 1, "")));
  EXPECT_FALSE(
      ReplacesAnswer(Response("DEA", "A", 1, ""), Response("DEA", "A", 1, "")));
}

TEST(Answers, WhoSeesInFull) {
  auth::Principal oig{.code = "OIG", .kind = auth::PrincipalKind::kOverseer};
  auth::Principal dea{.code = "DEA", .kind = auth::PrincipalKind::kAgency};
  auth::Principal fbi{.code = "FBI", .kind = auth::PrincipalKind::kAgency};
  auth::Principal court{.code = "USSC",
                        .kind = auth::PrincipalKind::kJudiciary};
  EXPECT_TRUE(SeesAnswersInFull(oig, Event()));
  EXPECT_TRUE(SeesAnswersInFull(dea, Event()));
  EXPECT_FALSE(SeesAnswersInFull(fbi, Event()));
  EXPECT_FALSE(SeesAnswersInFull(court, Event()));
  EXPECT_FALSE(SeesAnswersInFull(auth::PublicPrincipal(), Event()));
}

}  // namespace
}  // namespace fruition::domain
