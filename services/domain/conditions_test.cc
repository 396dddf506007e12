#include "services/domain/conditions.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/domain/periods.h"

namespace fruition::domain {
namespace {

// A moment `days` into fiscal year `year`.
int64_t In(int year, int64_t days = 10) {
  return FiscalYearBounds(year).first + days * 86400;
}

v1::OversightEvent Event(const std::string& key, const std::string& unit,
                         int64_t at, bool resolved = false) {
  v1::OversightEvent e;
  e.set_event_id(key + "@" + std::to_string(at) + (resolved ? "r" : "h"));
  e.set_condition_key(key);
  e.set_type(v1::EVENT_TYPE_FRUITION_GAP);
  e.set_visibility(v1::VISIBILITY_PUBLIC);
  e.set_unit(unit);
  e.set_resolved(resolved);
  e.mutable_emitted_at()->set_seconds(at);
  return e;
}

v1::AgencyReport Response(const std::string& key, const std::string& reporter,
                          int64_t at) {
  v1::AgencyReport r;
  r.set_reporter(reporter);
  r.set_report_id("R-" + key + reporter);
  r.mutable_occurred_at()->set_seconds(at);
  r.mutable_agency_response()->set_condition_key(key);
  r.mutable_agency_response()->set_explanation("restricted words");
  return r;
}

v1::AgencyReport Decision(const std::string& key, int64_t at, v1::Decision d) {
  v1::AgencyReport r;
  r.set_reporter("OIG");
  r.set_report_id("D-" + key);
  r.mutable_occurred_at()->set_seconds(at);
  r.mutable_oversight_decision()->set_condition_key(key);
  r.mutable_oversight_decision()->set_decision(d);
  return r;
}

TEST(YearsHeld, FromRaiseToResolveThenToTheWatermark) {
  const std::string k = "FRUITION_GAP/agency:DEA/FY2016";
  std::vector<v1::OversightEvent> events = {
      Event(k, "agency:DEA", In(2016)),
      Event(k, "agency:DEA", In(2016, 100)),  // raised again: no change
      Event(k, "agency:DEA", In(2018), true),
      Event(k, "agency:DEA", In(2020)),
  };
  const std::set<int> want = {2016, 2017, 2018, 2020, 2021};
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return a.event_id() < b.event_id();
  });
  do {
    EXPECT_EQ(YearsHeld(events, In(2021)), want);
  } while (std::next_permutation(events.begin(), events.end(),
                                 [](const auto& a, const auto& b) {
                                   return a.event_id() < b.event_id();
                                 }));
  // Read twice: the same.
  auto twice = events;
  twice.insert(twice.end(), events.begin(), events.end());
  EXPECT_EQ(YearsHeld(twice, In(2021)), want);
  // Resolved only: never held.
  EXPECT_TRUE(
      YearsHeld({Event(k, "agency:DEA", In(2016), true)}, In(2021)).empty());
}

TEST(AgenciesConcerned, AsEventConcernsReadsUnitsAndReportKeys) {
  const std::set<std::string> kKnown = {"DEA", "FBI", "TF-PHL"};
  using V = std::vector<std::string>;
  EXPECT_EQ(AgenciesConcerned(Event("X/agency:DEA/FY2016", "agency:DEA", 1)),
            V{"DEA"});
  EXPECT_EQ(AgenciesConcerned(
                Event("X/field_office:DEA-NY", "field_office:DEA-NY", 1)),
            V{"DEA"});
  EXPECT_EQ(AgenciesConcerned(Event("X/district:SDNY", "district:SDNY", 1)),
            V{"USAO-SDNY"});
  EXPECT_EQ(AgenciesConcerned(Event("REPORT_CONFLICT/report/FBI/r/1", "", 1)),
            V{"FBI"});
  EXPECT_TRUE(
      AgenciesConcerned(Event("X/national:US", "national:US", 1)).empty());
}

TEST(CountsAsCondition, NotScorecardNoticesNorTimelessEvents) {
  v1::OversightEvent e =
      Event("FRUITION_GAP/agency:DEA/FY2016", "agency:DEA", 5);
  EXPECT_TRUE(CountsAsCondition(e));
  e.set_type(v1::EVENT_TYPE_SCORECARD_PUBLISHED);
  EXPECT_FALSE(CountsAsCondition(e));
  e.set_type(v1::EVENT_TYPE_FRUITION_GAP);
  e.clear_emitted_at();
  EXPECT_FALSE(CountsAsCondition(e));
}

TEST(ConditionEventOf, KeepsNoFactsEvidenceOrSubject) {
  v1::OversightEvent e =
      Event("TIER_MISMATCH/subject/p/case/c", "agency:DEA", 5);
  e.set_subject_pid("pid-secret");
  e.add_evidence_refs("EV-1");
  (*e.mutable_facts())["n"] = 3;
  const v1::OversightEvent kept = ConditionEventOf(e);
  EXPECT_EQ(kept.subject_pid(), "");
  EXPECT_EQ(kept.evidence_refs_size(), 0);
  EXPECT_EQ(kept.facts_size(), 0);
  EXPECT_EQ(kept.condition_key(), e.condition_key());
  EXPECT_EQ(kept.emitted_at().seconds(), 5);
}

// Six DEA conditions: the table says, per key, what the counts must see.
TEST(CountConditions, AnswersByTheAgencyConcernedAndLatestDecisions) {
  const std::string u = "agency:DEA";
  std::map<std::string, std::vector<v1::OversightEvent>> events;
  std::map<std::string, std::vector<v1::AgencyReport>> kept;
  const int64_t t = In(2016);
  // K1: DEA answers, then OIG accepts: answered, accepted.
  events["K1/agency:DEA"] = {Event("K1/agency:DEA", u, t)};
  kept["K1/agency:DEA"] = {
      Response("K1/agency:DEA", "DEA", t + 10),
      Decision("K1/agency:DEA", t + 20, v1::DECISION_ACCEPTED)};
  // K2: FBI answers a DEA condition: not answered.
  events["K2/agency:DEA"] = {Event("K2/agency:DEA", u, t)};
  kept["K2/agency:DEA"] = {Response("K2/agency:DEA", "FBI", t + 10)};
  // K3: DEA answers, OIG rejects: answered, rejected.
  events["K3/agency:DEA"] = {Event("K3/agency:DEA", u, t)};
  kept["K3/agency:DEA"] = {
      Response("K3/agency:DEA", "DEA", t + 10),
      Decision("K3/agency:DEA", t + 20, v1::DECISION_REJECTED)};
  // K4: needs more, no answer: neither.
  events["K4/agency:DEA"] = {Event("K4/agency:DEA", u, t)};
  kept["K4/agency:DEA"] = {
      Decision("K4/agency:DEA", t + 20, v1::DECISION_NEEDS_MORE)};
  // K5: accepted, then DEA answers again: answered, no longer accepted.
  events["K5/agency:DEA"] = {Event("K5/agency:DEA", u, t)};
  kept["K5/agency:DEA"] = {
      Decision("K5/agency:DEA", t + 20, v1::DECISION_ACCEPTED),
      Response("K5/agency:DEA", "DEA", t + 30)};
  // K6: resolved in FY2016, raised again in FY2017, resolved there.
  events["K6/agency:DEA"] = {Event("K6/agency:DEA", u, t),
                             Event("K6/agency:DEA", u, t + 100, true),
                             Event("K6/agency:DEA", u, In(2017)),
                             Event("K6/agency:DEA", u, In(2017, 50), true)};
  // K7: resolved only, never raised: nowhere.
  events["K7/agency:DEA"] = {Event("K7/agency:DEA", u, t, true)};
  const int64_t watermark = In(2017, 60);  // K1-K5 still hold in FY2017
  const AgencyYearConditions got = CountConditions(events, kept, watermark);
  ASSERT_EQ(got.size(), 2u);
  for (int year : {2016, 2017}) {
    const ConditionCounts& c = got.at({"DEA", year});
    EXPECT_EQ(c.raised, 6) << year;
    EXPECT_EQ(c.answered, 3) << year;  // K1, K3, K5
    EXPECT_EQ(c.accepted, 1) << year;  // K1
    EXPECT_EQ(c.rejected, 1) << year;  // K3
  }
  // The answers in any order, the events read twice: the same counts.
  for (auto& [k, v] : kept) std::reverse(v.begin(), v.end());
  for (auto& [k, v] : events) {
    auto copy = v;
    v.insert(v.begin(), copy.rbegin(), copy.rend());
  }
  const AgencyYearConditions again = CountConditions(events, kept, watermark);
  for (int year : {2016, 2017}) {
    const ConditionCounts& c = again.at({"DEA", year});
    EXPECT_EQ(std::make_tuple(c.raised, c.answered, c.accepted, c.rejected),
              std::make_tuple(6, 3, 1, 1))
        << year;
  }
  // Before the watermark moves into FY2017, only K6 counts there.
  const auto early = CountConditions(events, kept, In(2016, 200));
  EXPECT_EQ(early.at({"DEA", 2017}).raised, 1);
}

}  // namespace
}  // namespace fruition::domain
