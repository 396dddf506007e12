#include "services/domain/conditions.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
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
                         int64_t at, bool resolved = false,
                         const std::string& period = "") {
  v1::OversightEvent e;
  e.set_period(period);
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

// Events in every arrival order (and each read twice) give `want`.
template <typename T, typename F>
void InEveryOrder(std::vector<v1::OversightEvent> events, const T& want, F f) {
  const auto by_id = [](const auto& a, const auto& b) {
    return a.event_id() < b.event_id();
  };
  std::sort(events.begin(), events.end(), by_id);
  do {
    EXPECT_EQ(f(events), want);
    auto twice = events;
    twice.insert(twice.end(), events.rbegin(), events.rend());
    EXPECT_EQ(f(twice), want);
  } while (std::next_permutation(events.begin(), events.end(), by_id));
}

TEST(ConditionYear, ThePeriodItIsAboutNotWhenItWasRaised) {
  const std::string k = "FRUITION_GAP/agency:DEA/FY2016";
  const auto year = [](const auto& e) { return ConditionYear(e); };
  // About FY2016Q3, raised in FY2021 and FY2023: FY2016.
  InEveryOrder({Event(k, "agency:DEA", In(2021), false, "FY2016Q3"),
                Event(k, "agency:DEA", In(2022), true, "FY2016Q3"),
                Event(k, "agency:DEA", In(2023), false, "FY2016Q3")},
               std::optional<int>(2016), year);
  // The facts moved the condition to FY2017 (a later raise about it): the
  // latest raise's period. A resolution's period does not move it.
  InEveryOrder({Event(k, "agency:DEA", In(2021), false, "FY2016"),
                Event(k, "agency:DEA", In(2021, 50), false, "FY2017Q1"),
                Event(k, "agency:DEA", In(2021, 90), true, "FY2019")},
               std::optional<int>(2017), year);
  // No period on any event (REPORT_CONFLICT): the year it was first raised.
  const std::string r = "REPORT_CONFLICT/report/DEA/R-1";
  InEveryOrder({Event(r, "", In(2018, 300)), Event(r, "", In(2019, 3)),
                Event(r, "", In(2017), true)},
               std::optional<int>(2018), year);
  // Resolved only: never raised, no year.
  EXPECT_EQ(ConditionYear({Event(k, "agency:DEA", In(2016), true, "FY2016")}),
            std::nullopt);
}

TEST(ConditionHolds, ItsLatestEventRaises) {
  const std::string k = "FRUITION_GAP/agency:DEA/FY2016";
  const auto holds = [](const auto& e) { return ConditionHolds(e); };
  InEveryOrder({Event(k, "agency:DEA", In(2016)),
                Event(k, "agency:DEA", In(2016, 100)),  // raised again
                Event(k, "agency:DEA", In(2018), true),
                Event(k, "agency:DEA", In(2020))},
               true, holds);
  InEveryOrder({Event(k, "agency:DEA", In(2016)),
                Event(k, "agency:DEA", In(2018), true)},
               false, holds);
  EXPECT_FALSE(ConditionHolds({}));
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

// DEA conditions about FY2016: the table says, per key, what the counts
// must see.
TEST(CountConditions, WhatTheFinalFactsSay) {
  const std::string u = "agency:DEA";
  const std::string fy = "FY2016";
  std::map<std::string, std::vector<v1::OversightEvent>> events;
  std::map<std::string, std::vector<v1::AgencyReport>> kept;
  const int64_t t = In(2019);  // raised years after the period
  const auto raise = [&](const std::string& k) {
    events[k] = {Event(k, u, t, false, fy)};
  };
  // K1: DEA answers, then OIG accepts: answered, accepted.
  raise("K1/agency:DEA");
  kept["K1/agency:DEA"] = {
      Response("K1/agency:DEA", "DEA", t + 10),
      Decision("K1/agency:DEA", t + 20, v1::DECISION_ACCEPTED)};
  // K2: FBI answers a DEA condition: not answered.
  raise("K2/agency:DEA");
  kept["K2/agency:DEA"] = {Response("K2/agency:DEA", "FBI", t + 10)};
  // K3: DEA answers, OIG rejects: answered, rejected.
  raise("K3/agency:DEA");
  kept["K3/agency:DEA"] = {
      Response("K3/agency:DEA", "DEA", t + 10),
      Decision("K3/agency:DEA", t + 20, v1::DECISION_REJECTED)};
  // K4: needs more, no answer: neither.
  raise("K4/agency:DEA");
  kept["K4/agency:DEA"] = {
      Decision("K4/agency:DEA", t + 20, v1::DECISION_NEEDS_MORE)};
  // K5: accepted, then DEA answers again: answered, no longer accepted.
  raise("K5/agency:DEA");
  kept["K5/agency:DEA"] = {
      Decision("K5/agency:DEA", t + 20, v1::DECISION_ACCEPTED),
      Response("K5/agency:DEA", "DEA", t + 30)};
  // K6: raised and resolved, nobody answered: an artefact of reading
  // order, not counted.
  events["K6/agency:DEA"] = {Event("K6/agency:DEA", u, t, false, fy),
                             Event("K6/agency:DEA", u, t + 100, true, fy)};
  // K7: raised and resolved, but DEA answered it: counted, answered.
  events["K7/agency:DEA"] = {Event("K7/agency:DEA", u, t, false, fy),
                             Event("K7/agency:DEA", u, t + 100, true, fy)};
  kept["K7/agency:DEA"] = {Response("K7/agency:DEA", "DEA", t + 50)};
  // K8: raised and resolved, only an overseer decided: counted, rejected.
  events["K8/agency:DEA"] = {Event("K8/agency:DEA", u, t, false, fy),
                             Event("K8/agency:DEA", u, t + 100, true, fy)};
  kept["K8/agency:DEA"] = {
      Decision("K8/agency:DEA", t + 50, v1::DECISION_REJECTED)};
  // K9: resolved only, never raised: nowhere.
  events["K9/agency:DEA"] = {Event("K9/agency:DEA", u, t, true, fy)};
  // K10: about FY2017: counts there.
  events["K10/agency:DEA"] = {
      Event("K10/agency:DEA", u, In(2016), false, "FY2017Q2")};
  const auto expect = [](const AgencyYearConditions& got) {
    ASSERT_EQ(got.size(), 2u);
    const ConditionCounts& c = got.at({"DEA", 2016});
    EXPECT_EQ(c.raised, 7);    // K1-K5 (hold), K7, K8 (not K6, K9)
    EXPECT_EQ(c.answered, 4);  // K1, K3, K5, K7
    EXPECT_EQ(c.accepted, 1);  // K1
    EXPECT_EQ(c.rejected, 2);  // K3, K8
    const ConditionCounts& d = got.at({"DEA", 2017});
    EXPECT_EQ(std::make_tuple(d.raised, d.answered, d.accepted, d.rejected),
              std::make_tuple(1, 0, 0, 0));
  };
  expect(CountConditions(events, kept));
  // The answers in any order, the events read twice: the same counts.
  for (auto& [k, v] : kept) std::reverse(v.begin(), v.end());
  for (auto& [k, v] : events) {
    auto copy = v;
    v.insert(v.begin(), copy.rbegin(), copy.rend());
  }
  expect(CountConditions(events, kept));
}

// A pair rule's public and restricted keys are one finding, judged by the
// restricted one (the public view's figures depend on reading order).
TEST(CountConditions, TwinsAreOneFindingJudgedInFull) {
  const std::string u = "agency:DEA";
  const auto ev = [&](const std::string& key, int64_t at, bool resolved,
                      bool restricted) {
    v1::OversightEvent e = Event(key, u, at, resolved, "FY2016");
    e.set_visibility(restricted ? v1::VISIBILITY_RESTRICTED
                                : v1::VISIBILITY_PUBLIC);
    return e;
  };
  const int64_t t = In(2017);
  std::map<std::string, std::vector<v1::OversightEvent>> events;
  std::map<std::string, std::vector<v1::AgencyReport>> kept;
  // Both twins hold: one finding.
  const std::string g = "FRUITION_GAP/agency:DEA/FY2016";
  events[g] = {ev(g, t, false, false)};
  events[g + "/restricted"] = {ev(g + "/restricted", t, false, true)};
  // The public twin holds (raised last), the full figures no longer do:
  // not counted.
  const std::string l = "LNF_SHARE_HIGH/agency:DEA/FY2016";
  events[l] = {ev(l, t + 20, false, false)};
  events[l + "/restricted"] = {ev(l + "/restricted", t, false, true),
                               ev(l + "/restricted", t + 9, true, true)};
  // The same, but DEA answered the public key: the finding was answered.
  const std::string m = "LNF_MANDATORY_MINIMUM_HIGH/agency:DEA/FY2016";
  events[m] = {ev(m, t + 20, false, false)};
  events[m + "/restricted"] = {ev(m + "/restricted", t, false, true),
                               ev(m + "/restricted", t + 9, true, true)};
  kept[m] = {Response(m, "DEA", t + 5)};
  // Only the restricted twin holds: counted.
  const std::string r = "FRUITION_GAP/agency:DEA/FY2016Q2/restricted";
  events[r] = {ev(r, t, false, true)};
  const auto got = CountConditions(events, kept);
  ASSERT_EQ(got.size(), 1u);
  const ConditionCounts& c = got.at({"DEA", 2016});
  EXPECT_EQ(c.raised, 3);    // g, m, r
  EXPECT_EQ(c.answered, 1);  // m
  EXPECT_EQ(FindingKey(g + "/restricted"), g);
  EXPECT_EQ(FindingKey(g), g);
  EXPECT_EQ(FindingKey("REPORT_CONFLICT/report/DEA/R-1"),
            "REPORT_CONFLICT/report/DEA/R-1");
}

}  // namespace
}  // namespace fruition::domain
