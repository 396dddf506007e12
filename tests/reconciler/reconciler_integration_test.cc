// The reconciler against a real Kafka broker (tools/kafka-local) and real
// RocksDB, with fruition-scoring (which produces the scorecards the
// reconciler reads: the restricted cards on fruition.scores.v1, their public
// views on fruition.scores.public.v1) and fruition-reconciler as separate
// processes. The test produces reports, reference records and link
// assessments as intake and evidence would, computes from the same facts
// which SPEC §6 conditions hold on the restricted side (condition keys as
// documented at the top of services/reconciler/rules.h), reads the public
// views scoring published (disclosure control, SPEC §5 D1–D4, is scoring's:
// the test does not redo it) and computes from them which PUBLIC scorecard
// conditions hold, and compares both with the events on
// fruition.oversight.{public,restricted}.v1. Skipped, with the reason, where
// Java/Maven are missing.
//
// Every unit, report id, claim id and case id contains the test's nonce and
// every subject pid is a hash of it, so the shared broker's other data does
// not matter. One population ("run 1", on the shared broker) is generated
// once and shared by ExactEvents, ReplayAndKill, ShuffledSameIds,
// PublicTopicClean and ExplainAndList; KillDuringRun and ResolvesLive use
// populations of their own.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "absl/status/status.h"
#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/audit.pb.h"
#include "fruition/v1/events.pb.h"
#include "fruition/v1/reconciler.grpc.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/common/kafka/admin.h"
#include "services/common/kafka/consumer.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/domain/desert.h"
#include "services/domain/disclosure.h"
#include "tests/harness/audit.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/harness.h"

namespace fruition {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using testing::Broker;
using testing::Outgoing;
using testing::Process;
using Keys = std::set<std::string>;

constexpr int64_t kDay = 86400;
constexpr int64_t kFy2016 = 1443657600;  // 2015-10-01T00:00:00Z
// FY2017Q1..Q4: 2016-10-01, 2017-01-01, 2017-04-01, 2017-07-01 (UTC).
constexpr int64_t kFy2017Quarters[4] = {1475280000, 1483228800, 1491004800,
                                        1498867200};
constexpr int64_t kMinSentenced = 11;  // SPEC §6 defaults
constexpr double kGapThreshold = 0.25;
constexpr double kLnfThreshold = 0.30;
constexpr double kTargetThreshold = 1.25;
constexpr int64_t kMinPublicN = 11;

const std::vector<v1::EventType>& AllTypes() {
  static const auto* types = new std::vector<v1::EventType>{
      v1::EVENT_TYPE_LINK_UNSUBSTANTIATED,
      v1::EVENT_TYPE_TIER_MISMATCH,
      v1::EVENT_TYPE_PENDING_COUNTED_AS_DISMANTLED,
      v1::EVENT_TYPE_TARGET_OVERSHOOT,
      v1::EVENT_TYPE_FRUITION_GAP,
      v1::EVENT_TYPE_LNF_SHARE_HIGH,
      v1::EVENT_TYPE_DECLINED_THEN_CHARGED_ELSEWHERE,
      v1::EVENT_TYPE_REPORT_CONFLICT,
      v1::EVENT_TYPE_SCORECARD_PUBLISHED};
  return *types;
}

// LINK_UNSUBSTANTIATED for EVENT_TYPE_LINK_UNSUBSTANTIATED.
std::string TypeName(v1::EventType t) {
  return v1::EventType_Name(t).substr(sizeof("EVENT_TYPE_") - 1);
}

// SPEC §6 visibility of each type: PUBLIC only, RESTRICTED only, or both
// (SCORECARD_PUBLISHED: one event each; FRUITION_GAP, LNF_SHARE_HIGH and
// LNF_MANDATORY_MINIMUM_HIGH: pairs, the RESTRICTED one keyed
// <TYPE>/<unit>/<period>/restricted).
bool PublicType(v1::EventType t) {
  return t == v1::EVENT_TYPE_PENDING_COUNTED_AS_DISMANTLED ||
         t == v1::EVENT_TYPE_TARGET_OVERSHOOT;
}
bool RestrictedType(v1::EventType t) {
  return t == v1::EVENT_TYPE_LINK_UNSUBSTANTIATED ||
         t == v1::EVENT_TYPE_TIER_MISMATCH ||
         t == v1::EVENT_TYPE_DECLINED_THEN_CHARGED_ELSEWHERE ||
         t == v1::EVENT_TYPE_REPORT_CONFLICT;
}
bool PairType(v1::EventType t) {
  return t == v1::EVENT_TYPE_FRUITION_GAP ||
         t == v1::EVENT_TYPE_LNF_SHARE_HIGH ||
         t == v1::EVENT_TYPE_LNF_MANDATORY_MINIMUM_HIGH;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The condition key of the RESTRICTED half of a pair.
bool RestrictedKey(const std::string& condition_key) {
  return EndsWith(condition_key, "/restricted");
}

std::string Token(const std::string& code) {
  return "reconciler-token-" + code;
}

const std::string& PublicTopic() {
  static const auto* t = new std::string(topics::kOversightPublic);
  return *t;
}
const std::string& RestrictedTopic() {
  static const auto* t = new std::string(topics::kOversightRestricted);
  return *t;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

std::string Join(const Keys& keys, size_t max = 6) {
  std::string out;
  size_t n = 0;
  for (const auto& k : keys) {
    if (n++ == max) {
      out += StrCat(" ... (", keys.size(), " in all)");
      break;
    }
    out += (out.empty() ? "" : ", ") + k;
  }
  return "[" + out + "]";
}

// What the test counts per unit-period (SPEC §5), from the facts.
struct Cell {
  int64_t arrests = 0, sentenced = 0, high = 0, lnf = 0, priority = 0;
  int64_t declined_charged = 0;
};

// A claim whose latest assessment is UNSUBSTANTIATED.
struct Claim {
  std::string pid, claim_id, agency, org_id;
  v1::Tier tier = v1::TIER_UNSPECIFIED;
  int64_t claimed_at = 0;
};

// A case whose counting sentencing is a TIER_MISMATCH.
struct Case {
  std::string pid, case_id;
  v1::AgencyReport sentencing;
};

struct Population {
  std::string nonce;
  std::vector<Outgoing> records;  // in "natural" order
  Keys pids;
  // Every unit-period scoring publishes a scorecard for (unit \t period).
  std::map<std::string, Cell> cards;
  // unit \t period \t measure -> (reported, latest target).
  std::map<std::string, std::pair<int64_t, int64_t>> targets;
  // The condition keys that hold, by type, on the restricted topic (from
  // the facts) and on the public topic (PENDING_COUNTED_AS_DISMANTLED from
  // the facts; the scorecard rules from the public views: SetPublicViews).
  std::map<v1::EventType, Keys> restricted;
  std::map<v1::EventType, Keys> pub;
  // TARGET_OVERSHOOT keys of the targets overshot by the facts (what the
  // public views show, unless they withhold the arrests ratio).
  Keys overshot;
  // The latest public view of every unit-period (unit \t period), as
  // scoring published it; set by SetPublicViews.
  std::map<std::string, v1::Scorecard> public_views;
  std::vector<Claim> unsubstantiated;
  std::vector<Case> mismatched;
  std::string a0;  // the agency whose FY2016 PTO_DISMANTLED target overshoots
  // Negatives the scenario must contain.
  int claims = 0, priority_sentenced = 0, declined_same_district = 0;
  int identical_resends = 0;

  size_t ExpectedEvents() const {
    size_t n = 0;
    for (const auto* by_type : {&restricted, &pub}) {
      for (const auto& [t, keys] : *by_type) n += keys.size();
    }
    return n;
  }
  const Keys& Restricted(v1::EventType t) const {
    static const Keys* none = new Keys();
    auto it = restricted.find(t);
    return it == restricted.end() ? *none : it->second;
  }
  const Keys& Public(v1::EventType t) const {
    static const Keys* none = new Keys();
    auto it = pub.find(t);
    return it == pub.end() ? *none : it->second;
  }
};

Outgoing Report(const v1::AgencyReport& r, const std::string& key) {
  return Outgoing{std::string(topics::kReports),
                  key,
                  r.SerializeAsString(),
                  {{"fruition-reporter", r.reporter()},
                   {"fruition-report-id", r.report_id()}}};
}

Outgoing Reference(const v1::AgencyReport& r, const std::string& key) {
  return Outgoing{std::string(topics::kReference),
                  key,
                  r.SerializeAsString(),
                  {{"fruition-reporter", r.reporter()},
                   {"fruition-report-id", r.report_id()}}};
}

Outgoing Assessment(const v1::LinkAssessment& a) {
  return Outgoing{std::string(topics::kLinkAssessments),
                  a.subject_pid(),
                  a.SerializeAsString(),
                  {{"fruition-assessment-id", a.assessment_id()}}};
}

v1::LinkAssessment MakeAssessment(const std::string& id, const Claim& c,
                                  v1::AssessmentResult result,
                                  const std::string& criteria_version,
                                  int64_t assessed_at) {
  v1::LinkAssessment la;
  la.set_assessment_id(id);
  la.set_claim_id(c.claim_id);
  la.set_subject_pid(c.pid);
  la.set_org_id(c.org_id);
  la.set_tier(c.tier);
  la.set_result(result);
  if (result == v1::ASSESSMENT_RESULT_PARTIAL) la.add_failed_criteria("C4");
  if (result == v1::ASSESSMENT_RESULT_UNSUBSTANTIATED) {
    la.add_failed_criteria("C2");
    la.add_failed_criteria("C3");
  }
  la.set_criteria_version(criteria_version);
  la.add_evidence_ids(StrCat("EV-", c.claim_id, "-1"));
  la.add_evidence_ids(StrCat("EV-", c.claim_id, "-2"));
  la.set_reporter(c.agency);
  la.mutable_assessed_at()->set_seconds(assessed_at);
  la.mutable_claim_occurred_at()->set_seconds(c.claimed_at);
  return la;
}

enum class Profile { kLnf, kMid, kHigh, kRandom };

// A sentencing record of the given profile: kLnf is low-level, nonviolent
// and first-time (mitigating role at random); kMid is not LNF and has no
// mitigating role; kHigh is in the high desert band.
v1::SentencingRecord Sentencing(Profile p, std::mt19937& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  v1::SentencingRecord s;
  s.set_drug(static_cast<v1::Drug>(1 + pick(7)));
  s.set_sentence_months(12 + pick(200));
  switch (p) {
    case Profile::kLnf: {
      static const v1::OffenseFunction kLow[] = {
          v1::OFFENSE_FUNCTION_COURIER,
          v1::OFFENSE_FUNCTION_MULE,
          v1::OFFENSE_FUNCTION_STREET_LEVEL_DEALER,
          v1::OFFENSE_FUNCTION_EMPLOYEE_LOOKOUT,
          v1::OFFENSE_FUNCTION_ENABLER,
          v1::OFFENSE_FUNCTION_RENTER_STORER,
          v1::OFFENSE_FUNCTION_USER,
          v1::OFFENSE_FUNCTION_BROKER_STEERER};
      s.set_function(kLow[pick(8)]);
      s.set_criminal_history_points(pick(2));
      s.set_criminal_history_category(1);
      s.set_aggravating_role(v1::AGGRAVATING_ROLE_NONE);
      s.set_mitigating_role(static_cast<v1::MitigatingRole>(1 + pick(3)));
      s.set_weapon(v1::WEAPON_NONE);
      s.set_drug_weight_grams(pick(2000) / 10.0);
      break;
    }
    case Profile::kMid:
      s.set_function(v1::OFFENSE_FUNCTION_WHOLESALER);
      s.set_criminal_history_points(3 + pick(3));
      s.set_criminal_history_category(2 + pick(2));
      s.set_aggravating_role(v1::AGGRAVATING_ROLE_NONE);
      s.set_mitigating_role(v1::MITIGATING_ROLE_NONE);
      s.set_weapon(v1::WEAPON_NONE);
      s.set_drug(v1::DRUG_COCAINE);
      s.set_drug_weight_grams(pick(400));
      break;
    case Profile::kHigh:
      s.set_function(pick(2) == 0
                         ? v1::OFFENSE_FUNCTION_ORGANIZER_LEADER
                         : v1::OFFENSE_FUNCTION_HIGH_LEVEL_SUPPLIER_IMPORTER);
      s.set_criminal_history_points(4 + pick(10));
      s.set_criminal_history_category(3 + pick(4));
      s.set_aggravating_role(v1::AGGRAVATING_ROLE_ORGANIZER_LEADER);
      s.set_mitigating_role(v1::MITIGATING_ROLE_NONE);
      s.set_weapon(v1::WEAPON_POSSESSED);
      s.set_violence(pick(3) == 0);
      s.set_drug_weight_grams(pick(200000) / 10.0);
      break;
    case Profile::kRandom:
      s.set_criminal_history_points(pick(8));
      s.set_criminal_history_category(1 + pick(6));
      s.set_aggravating_role(static_cast<v1::AggravatingRole>(1 + pick(4)));
      s.set_mitigating_role(static_cast<v1::MitigatingRole>(1 + pick(3)));
      s.set_weapon(static_cast<v1::Weapon>(1 + pick(3)));
      s.set_violence(pick(10) == 0);
      s.set_drug_weight_grams(pick(20000) / 10.0);
      s.set_function(static_cast<v1::OffenseFunction>(1 + pick(18)));
      break;
  }
  return s;
}

bool PriorityTier(int tier) {
  return tier == v1::TIER_CPOT || tier == v1::TIER_RPOT ||
         tier == v1::TIER_PTO_NATIONAL;
}

bool MitigatingRole(const v1::SentencingRecord& s) {
  return s.mitigating_role() == v1::MITIGATING_ROLE_MINOR ||
         s.mitigating_role() == v1::MITIGATING_ROLE_MINIMAL;
}

// Subjects i % 5: 0 and 1 claimed under a CPOT, RPOT or PTO_NATIONAL org by
// agency A0, mostly sentenced LNF; 2 by A1, unclaimed or claimed under a
// regional/local org, sentenced in the high desert band; 3 and 4 by A2, at
// random. Arrests in FY2016, sentencings in FY2017 (an amended judgment in
// the same quarter and district, so no unit-period is ever emptied).
Population Generate(const std::string& nonce, int subjects, uint32_t seed) {
  Population pop;
  pop.nonce = nonce;
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  const std::string a0 = "A0-" + nonce;
  const std::string a1 = "A1-" + nonce;
  const std::string a2 = "A2-" + nonce;
  pop.a0 = a0;
  std::vector<std::string> offices;
  offices.reserve(5);
  for (int i = 0; i < 5; ++i) offices.push_back(StrCat("FO", i, "-", nonce));
  const std::string small_office = "FO-SMALL-" + nonce;
  std::vector<std::string> districts;
  districts.reserve(4);
  for (int i = 0; i < 4; ++i) districts.push_back(StrCat("D", i, "-", nonce));
  const std::string usao = "USAO-" + nonce;
  // The restricted side, from the facts (the public side of the scorecard
  // rules comes from the public views, once scoring published them).
  auto& expected = pop.restricted;
  for (v1::EventType t : AllTypes()) {
    if (!PublicType(t)) (void)pop.restricted[t];
    if (!RestrictedType(t)) (void)pop.pub[t];
  }
  auto add = [&](const std::string& unit, int64_t t,
                 const std::function<void(Cell&)>& f) {
    const auto [fy, q] = testing::FiscalPeriods(t);
    f(pop.cards[unit + "\t" + fy]);
    f(pop.cards[unit + "\t" + q]);
  };
  auto org_of = [&](int tier) {
    return StrCat("ORG-", v1::Tier_Name(static_cast<v1::Tier>(tier)).substr(5),
                  "-", nonce);
  };
  auto conflict = [&](const v1::AgencyReport& r) {
    expected[v1::EVENT_TYPE_REPORT_CONFLICT].insert(
        StrCat("REPORT_CONFLICT/report/", r.reporter(), "/", r.report_id()));
  };
  auto designate = [&](const std::string& id, const std::string& org,
                       int tier) {
    v1::AgencyReport d;
    d.set_report_id(id);
    d.set_reporter(a2);
    d.mutable_occurred_at()->set_seconds(kFy2016 - 400 * kDay);
    auto* od = d.mutable_org_designated();
    od->set_org_id(org);
    od->set_tier(static_cast<v1::Tier>(tier));
    od->set_region("EAST");
    od->add_criteria_cited("OCDETF consolidated priority target list");
    pop.records.push_back(Reference(d, org));
    return d;
  };

  // The orgs claimed below.
  for (int tier = 1; tier <= 5; ++tier) {
    v1::AgencyReport d =
        designate(StrCat(nonce, "-designate-", tier), org_of(tier), tier);
    if (tier == v1::TIER_CPOT) {
      // The same report id again with another body: a conflict (the first
      // counts; the tier is the same).
      d.mutable_org_designated()->set_region("WEST");
      pop.records.push_back(Reference(d, d.org_designated().org_id()));
      conflict(d);
    }
  }

  for (int i = 0; i < subjects; ++i) {
    const std::string pid = privacy::Sha256Hex(StrCat(nonce, "-s-", i));
    pop.pids.insert(pid);
    const int kind = i % 5;
    const std::string& agency = kind <= 1 ? a0 : kind == 2 ? a1 : a2;
    std::string office;
    if (kind <= 1) {
      office = i < 10 ? small_office : offices[pick(2)];
    } else if (kind == 2) {
      office = offices[2 + pick(2)];
    } else {
      office = pick(2) == 0 ? offices[4] : offices[1];
    }
    const std::string case_id = StrCat("CASE-", nonce, "-", i);
    const int64_t arrested = kFy2016 + (5 + pick(320)) * kDay + pick(kDay);
    const bool claimed = kind <= 1 || pick(2) == 0;
    const int tier = kind <= 1   ? 1 + pick(3)
                     : kind == 2 ? 4 + pick(2)
                                 : 1 + pick(5);
    Claim claim{
        pid,          StrCat("CL-", nonce, "-", i), agency,
        org_of(tier), static_cast<v1::Tier>(tier),  arrested - 2 * kDay};
    if (claimed) {
      v1::AgencyReport lc;
      lc.set_report_id(StrCat(nonce, "-claim-", i));
      lc.set_reporter(agency);
      lc.mutable_occurred_at()->set_seconds(claim.claimed_at);
      lc.set_case_id(case_id);
      auto* c = lc.mutable_link_claim();
      c->set_claim_id(claim.claim_id);
      c->set_subject_pid(pid);
      c->set_org_id(claim.org_id);
      c->set_link_role(v1::LINK_ROLE_COURIER);
      c->set_hops(1);
      pop.records.push_back(Report(lc, pid));
    }
    v1::AgencyReport arrest;
    arrest.set_report_id(StrCat(nonce, "-arrest-", i));
    arrest.set_reporter(agency);
    arrest.mutable_occurred_at()->set_seconds(arrested);
    arrest.set_case_id(case_id);
    auto* a = arrest.mutable_arrest();
    a->set_arrest_id(StrCat("AR-", nonce, "-", i));
    a->set_subject_pid(pid);
    a->set_agency(agency);
    a->set_field_office(office);
    if (claimed) a->set_claim_id(claim.claim_id);
    pop.records.push_back(Report(arrest, pid));
    if (i % 40 == 7) {
      // Resent with another body: REPORT_CONFLICT, and counted once.
      v1::AgencyReport again = arrest;
      again.mutable_arrest()->set_arrest_id(a->arrest_id() + "-X");
      pop.records.push_back(Report(again, pid));
      conflict(arrest);
    } else if (i % 40 == 9) {
      pop.records.push_back(Report(arrest, pid));  // resent unchanged
      ++pop.identical_resends;
    }
    add("agency:" + agency, arrested, [](Cell& c) { ++c.arrests; });
    add("field_office:" + office, arrested, [](Cell& c) { ++c.arrests; });

    if (claimed) {
      ++pop.claims;
      v1::AssessmentResult result = v1::ASSESSMENT_RESULT_UNSPECIFIED;
      const int assessments = i % 3 == 0 ? 2 : 1;
      for (int k = 0; k < assessments; ++k) {
        result = static_cast<v1::AssessmentResult>(1 + pick(3));
        pop.records.push_back(Assessment(
            MakeAssessment(StrCat(nonce, "-as-", i, "-", k), claim, result,
                           "v1", arrested + (1 + k) * kDay)));
      }
      if (i % 13 == 4) {
        // Another criteria version: neither scoring nor the reconciler
        // (criteria v1) counts it.
        pop.records.push_back(Assessment(MakeAssessment(
            StrCat(nonce, "-as-", i, "-v2"), claim,
            v1::ASSESSMENT_RESULT_UNSUBSTANTIATED, "v2", arrested + 9 * kDay)));
      }
      if (result == v1::ASSESSMENT_RESULT_UNSUBSTANTIATED) {
        expected[v1::EVENT_TYPE_LINK_UNSUBSTANTIATED].insert(
            "LINK_UNSUBSTANTIATED/claim/" + claim.claim_id);
        pop.unsubstantiated.push_back(claim);
      }
    }

    const bool sentenced = pick(10) < (kind <= 2 ? 9 : 6);
    if (sentenced) {
      const std::string district = districts[pick(4)];
      int64_t at =
          kFy2017Quarters[pick(4)] + (10 + pick(60)) * kDay + pick(kDay);
      const int versions = pick(8) == 0 ? 2 : 1;
      v1::AgencyReport counting;
      for (int k = 0; k < versions; ++k) {
        v1::AgencyReport sen;
        sen.set_report_id(StrCat(nonce, "-sen-", i, "-", k));
        sen.set_reporter("USSC");
        sen.mutable_occurred_at()->set_seconds(at);
        sen.set_case_id(case_id);
        const Profile p = kind <= 1
                              ? (pick(4) < 3 ? Profile::kLnf : Profile::kMid)
                          : kind == 2 ? Profile::kHigh
                                      : Profile::kRandom;
        *sen.mutable_sentencing() = Sentencing(p, rng);
        sen.mutable_sentencing()->set_subject_pid(pid);
        sen.mutable_sentencing()->set_district(district);
        pop.records.push_back(Report(sen, pid));
        if (k == 0 && i % 40 == 13) {
          v1::AgencyReport again = sen;
          again.mutable_sentencing()->set_sentence_months(
              sen.sentencing().sentence_months() + 1);
          pop.records.push_back(Report(again, pid));
          conflict(sen);
        }
        counting = sen;
        at += (5 + pick(10)) * kDay;  // an amended judgment, same quarter
      }
      const v1::SentencingRecord& s = counting.sentencing();
      const domain::DesertResult d = domain::Score(s);
      const bool priority = claimed && PriorityTier(tier);
      auto count = [&](Cell& c) {
        ++c.sentenced;
        c.high += d.band == v1::DESERT_BAND_HIGH;
        c.lnf += d.lnf;
        c.priority += priority;
      };
      const int64_t when = counting.occurred_at().seconds();
      add("district:" + district, when, count);
      add("agency:" + agency, when, count);
      add("field_office:" + office, when, count);
      if (priority) {
        ++pop.priority_sentenced;
        if (d.lnf || MitigatingRole(s)) {
          expected[v1::EVENT_TYPE_TIER_MISMATCH].insert(
              StrCat("TIER_MISMATCH/subject/", pid, "/case/", case_id));
          pop.mismatched.push_back(Case{pid, case_id, counting});
        }
      }
    }

    // Some declined in one district and charged in another; some declined
    // and charged in the same district; some only declined.
    if (i % 7 == 3 || i % 7 == 5 || i % 11 == 6) {
      const int from = i % 4;
      v1::AgencyReport dec;
      dec.set_report_id(StrCat(nonce, "-dec-", i));
      dec.set_reporter(usao);
      dec.mutable_occurred_at()->set_seconds(arrested + 10 * kDay);
      dec.set_case_id(case_id);
      dec.mutable_declination()->set_subject_pid(pid);
      dec.mutable_declination()->set_district(districts[from]);
      dec.mutable_declination()->set_reason("insufficient evidence");
      pop.records.push_back(Report(dec, pid));
      // A declination falls in its district and in the arrest's agency and
      // field office (SPEC §5 v1.1): scoring publishes their cards.
      const int64_t declined_at = dec.occurred_at().seconds();
      for (const std::string& unit :
           {"district:" + districts[from], "agency:" + agency,
            "field_office:" + office}) {
        add(unit, declined_at, [](Cell&) {});
      }
      if (i == 3) {
        v1::AgencyReport again = dec;
        again.mutable_declination()->set_reason("quantity");
        pop.records.push_back(Report(again, pid));
        conflict(dec);
      }
      if (i % 7 == 3 || i % 7 == 5) {
        const int to = i % 7 == 3 ? (from + 1) % 4 : from;
        const int64_t charged = arrested + 40 * kDay;
        v1::AgencyReport charge;
        charge.set_report_id(StrCat(nonce, "-charge-", i));
        charge.set_reporter(usao);
        charge.mutable_occurred_at()->set_seconds(charged);
        charge.set_case_id(case_id + "-B");
        charge.mutable_charge_filed()->set_subject_pid(pid);
        charge.mutable_charge_filed()->set_district(districts[to]);
        charge.mutable_charge_filed()->add_statutes("21 U.S.C. 841");
        pop.records.push_back(Report(charge, pid));
        // In its district only: no arrest has its case.
        add("district:" + districts[to], charged, [](Cell&) {});
        if (to != from) {
          expected[v1::EVENT_TYPE_DECLINED_THEN_CHARGED_ELSEWHERE].insert(
              "DECLINED_THEN_CHARGED_ELSEWHERE/subject/" + pid);
          add("district:" + districts[to], charged,
              [](Cell& c) { ++c.declined_charged; });
        } else {
          ++pop.declined_same_district;
        }
      }
    }
  }

  // Org outcome claims (reference, key org_id).
  auto outcome = [&](const std::string& agency, int year, int k,
                     v1::OrgOutcome o, bool pending, int tier) {
    const std::string org =
        StrCat("ORG-OUT-", agency.substr(0, 2), "-", year, "-", k, "-", nonce);
    designate(StrCat(nonce, "-designate-", org), org, tier);
    v1::AgencyReport r;
    r.set_report_id(
        StrCat(nonce, "-outcome-", agency.substr(0, 2), "-", year, "-", k));
    r.set_reporter(agency);
    r.mutable_occurred_at()->set_seconds(
        kFy2016 + int64_t{year - 2016} * 365 * kDay + (60 + 7 * k) * kDay);
    auto* oc = r.mutable_org_outcome();
    oc->set_org_id(org);
    oc->set_outcome(o);
    oc->set_pending(pending);
    oc->set_fiscal_year(year);
    pop.records.push_back(Reference(r, org));
    if (o == v1::ORG_OUTCOME_DISMANTLED && pending) {
      pop.pub[v1::EVENT_TYPE_PENDING_COUNTED_AS_DISMANTLED].insert(StrCat(
          "PENDING_COUNTED_AS_DISMANTLED/report/", agency, "/", r.report_id()));
    }
    (void)pop.cards[StrCat("agency:", agency, "\tFY", year)];
  };
  for (int k = 0; k < 12; ++k) {
    outcome(a0, 2016, k, v1::ORG_OUTCOME_DISMANTLED, k < 5,
            v1::TIER_PTO_REGIONAL);
  }
  for (int k = 0; k < 3; ++k) {
    outcome(a0, 2017, k, v1::ORG_OUTCOME_DISMANTLED, k == 0, v1::TIER_CPOT);
  }
  for (int k = 0; k < 4; ++k) {
    outcome(a1, 2016, k, v1::ORG_OUTCOME_DISRUPTED, k < 2, v1::TIER_PTO_LOCAL);
  }
  // Performance targets (reference, key agency); the latest by occurred_at
  // counts.
  auto target = [&](const std::string& agency, int year,
                    v1::PerformanceMeasure m, int64_t target, int64_t reported,
                    int seq) {
    v1::AgencyReport r;
    r.set_report_id(StrCat(nonce, "-target-", agency.substr(0, 2), "-", year,
                           "-", static_cast<int>(m), "-", seq));
    r.set_reporter(agency);
    r.mutable_occurred_at()->set_seconds(kFy2016 - 300 * kDay +
                                         int64_t{year - 2016} * 365 * kDay +
                                         (10 + 30 * seq) * kDay);
    auto* pt = r.mutable_performance_target();
    pt->set_agency(agency);
    pt->set_fiscal_year(year);
    pt->set_measure(m);
    pt->set_target(static_cast<uint32_t>(target));
    pop.records.push_back(Reference(r, agency));
    pop.targets[StrCat("agency:", agency, "\tFY", year, "\t",
                       v1::PerformanceMeasure_Name(m))] = {reported, target};
    (void)pop.cards[StrCat("agency:", agency, "\tFY", year)];
  };
  target(a0, 2016, v1::PERFORMANCE_MEASURE_PTO_DISMANTLED, 8, 12, 0);  // 1.5
  target(a0, 2017, v1::PERFORMANCE_MEASURE_CPOT_DISMANTLED, 2, 3, 0);  // 1.5
  target(a0, 2017, v1::PERFORMANCE_MEASURE_PTO_DISMANTLED, 1, 3, 0);
  target(a0, 2017, v1::PERFORMANCE_MEASURE_PTO_DISMANTLED, 3, 3, 1);  // 1.0
  target(a1, 2016, v1::PERFORMANCE_MEASURE_PTO_DISRUPTED, 10, 4, 0);  // 0.4
  const int64_t a1_arrests = pop.cards["agency:" + a1 + "\tFY2016"].arrests;
  target(a1, 2016, v1::PERFORMANCE_MEASURE_ARRESTS,
         std::max<int64_t>(1, a1_arrests * 4 / 5), a1_arrests, 0);  // >= 1.25
  for (const auto& [key, rt] : pop.targets) {
    const auto parts = Split(key, '\t');
    if (4 * rt.first >= 5 * rt.second) {
      pop.overshot.insert(
          StrCat("TARGET_OVERSHOOT/", parts[0], "/", parts[1], "/", parts[2]));
    }
  }
  for (const auto& [key, c] : pop.cards) {
    const auto parts = Split(key, '\t');
    const std::string scope = parts[0] + "/" + parts[1];
    expected[v1::EVENT_TYPE_SCORECARD_PUBLISHED].insert("SCORECARD_PUBLISHED/" +
                                                        scope);
    if (c.sentenced < kMinSentenced) continue;
    // The RESTRICTED halves, on the current facts: fruition_gap >= 0.25 and
    // lnf_share >= 0.30, in integers.
    if (4 * (c.priority - c.high) >= c.sentenced) {
      expected[v1::EVENT_TYPE_FRUITION_GAP].insert("FRUITION_GAP/" + scope +
                                                   "/restricted");
    }
    if (10 * c.lnf >= 3 * c.sentenced) {
      expected[v1::EVENT_TYPE_LNF_SHARE_HIGH].insert("LNF_SHARE_HIGH/" + scope +
                                                     "/restricted");
    }
  }
  return pop;
}

// What the scenario lacks of what the tests need ("" when complete): every
// type present, and conditions that do not hold next to those that do.
std::string ScenarioGaps(const Population& pop) {
  std::string out;
  for (v1::EventType t : AllTypes()) {
    // The public scorecard conditions depend on the public views; the
    // facts must at least give each type somewhere.
    const bool any =
        !pop.Restricted(t).empty() || !pop.Public(t).empty() ||
        (t == v1::EVENT_TYPE_TARGET_OVERSHOOT && !pop.overshot.empty());
    if (!any) out += " no " + TypeName(t) + ";";
  }
  bool gap_big_enough_not = false, gap_too_small = false, lnf_not = false;
  for (const auto& [key, c] : pop.cards) {
    const bool gap = 4 * (c.priority - c.high) >= c.sentenced;
    if (c.sentenced >= kMinSentenced && !gap) gap_big_enough_not = true;
    if (c.sentenced > 0 && c.sentenced < kMinSentenced && gap) {
      gap_too_small = true;
    }
    if (c.sentenced >= kMinSentenced && 10 * c.lnf < 3 * c.sentenced) {
      lnf_not = true;
    }
  }
  if (!gap_big_enough_not) out += " no unit-period >= 11 sentenced, small gap;";
  if (!gap_too_small) out += " no unit-period < 11 sentenced with a gap;";
  if (!lnf_not) out += " no unit-period >= 11 sentenced, low LNF share;";
  const auto& link = pop.Restricted(v1::EVENT_TYPE_LINK_UNSUBSTANTIATED);
  if (static_cast<int>(link.size()) >= pop.claims) {
    out += " every claim unsubstantiated;";
  }
  if (static_cast<int>(pop.mismatched.size()) >= pop.priority_sentenced) {
    out += " every priority claim mismatched;";
  }
  if (pop.declined_same_district == 0) out += " no same-district charge;";
  if (pop.identical_resends == 0) out += " no identical resend;";
  if (pop.overshot.size() >= pop.targets.size()) {
    out += " every target overshot;";
  }
  return out;
}

// ------------------------------------------------------------ public views

const v1::Indicator* CellOf(const v1::Scorecard& card,
                            const std::string& name) {
  for (const auto& i : card.indicators()) {
    if (i.name() == name) return &i;
  }
  return nullptr;
}

// A cell the view shows (present and not suppressed), else null.
const v1::Indicator* Shown(const v1::Scorecard& card, const std::string& name) {
  const v1::Indicator* i = CellOf(card, name);
  return i == nullptr || i->suppressed() ? nullptr : i;
}

// The test's own reading of SPEC §6 on the public views: sets the PUBLIC
// scorecard conditions of `pop` from `views` (unit \t period -> the latest
// public view). A condition whose inputs the view withholds does not hold.
void SetPublicViews(Population* pop,
                    std::map<std::string, v1::Scorecard> views) {
  auto& pub = pop->pub;
  for (v1::EventType t :
       {v1::EVENT_TYPE_TARGET_OVERSHOOT, v1::EVENT_TYPE_FRUITION_GAP,
        v1::EVENT_TYPE_LNF_SHARE_HIGH, v1::EVENT_TYPE_SCORECARD_PUBLISHED}) {
    pub[t].clear();
  }
  for (const auto& [key, card] : views) {
    const std::string scope = card.unit() + "/" + card.period();
    pub[v1::EVENT_TYPE_SCORECARD_PUBLISHED].insert("SCORECARD_PUBLISHED/" +
                                                   scope);
    const v1::Indicator* sentenced = Shown(card, "sentenced");
    const bool enough = sentenced != nullptr && sentenced->n() >= kMinSentenced;
    auto at_least = [&](const std::string& name, double threshold) {
      const v1::Indicator* i = Shown(card, name);
      return enough && i != nullptr && i->defined() && i->value() >= threshold;
    };
    if (at_least("fruition_gap", kGapThreshold)) {
      pub[v1::EVENT_TYPE_FRUITION_GAP].insert("FRUITION_GAP/" + scope);
    }
    if (at_least("lnf_share", kLnfThreshold)) {
      pub[v1::EVENT_TYPE_LNF_SHARE_HIGH].insert("LNF_SHARE_HIGH/" + scope);
    }
    const v1::Indicator* arrests = CellOf(card, "arrests");
    for (const auto& i : card.indicators()) {
      const std::string prefix = "target_ratio:";
      if (i.name().rfind(prefix, 0) != 0) continue;
      const std::string measure = i.name().substr(prefix.size());
      // The arrests ratio follows the arrests cell.
      const bool withheld =
          i.suppressed() || (measure == "PERFORMANCE_MEASURE_ARRESTS" &&
                             arrests != nullptr && arrests->suppressed());
      if (!withheld && i.defined() && i.value() >= kTargetThreshold) {
        pub[v1::EVENT_TYPE_TARGET_OVERSHOOT].insert(
            StrCat("TARGET_OVERSHOOT/", scope, "/", measure));
      }
    }
  }
  pop->public_views = std::move(views);
}

// The same records, each key's in their order (one partition, as Kafka
// keeps them), keys interleaved in another order.
std::vector<Outgoing> Shuffled(const std::vector<Outgoing>& records,
                               uint32_t seed) {
  std::map<std::string, std::vector<const Outgoing*>> by_key;
  std::vector<std::string> order;
  for (const auto& r : records) {
    const std::string k = r.topic + "\t" + r.key;
    if (by_key.count(k) == 0) order.push_back(k);
    by_key[k].push_back(&r);
  }
  std::mt19937 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<Outgoing> out;
  out.reserve(records.size());
  for (size_t k = 0;; ++k) {
    bool any = false;
    for (const auto& key : order) {
      const auto& list = by_key[key];
      if (k < list.size()) {
        out.push_back(*list[k]);
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

// ------------------------------------------------------------ reading back

struct Event {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  bool parsed = false;
  v1::OversightEvent e;
};

// Every event on both oversight topics (in partition order; partitions and
// topics interleaved).
absl::StatusOr<std::vector<Event>> ReadEvents(const std::string& bootstrap) {
  auto records = testing::ReadTopics(
      bootstrap, {PublicTopic(), RestrictedTopic()}, seconds(120));
  if (!records.ok()) return records.status();
  std::vector<Event> out;
  for (const auto& r : *records) {
    Event ev;
    ev.topic = r.topic;
    ev.partition = r.partition;
    ev.offset = r.offset;
    ev.key = r.key;
    ev.parsed = ev.e.ParseFromString(r.value);
    out.push_back(std::move(ev));
  }
  return out;
}

bool Mine(const Population& pop, const v1::OversightEvent& e) {
  return e.condition_key().find(pop.nonce) != std::string::npos ||
         pop.pids.count(e.subject_pid()) > 0;
}

std::vector<Event> MineOnly(const Population& pop,
                            const std::vector<Event>& all) {
  std::vector<Event> out;
  for (const auto& ev : all) {
    if (ev.parsed && Mine(pop, ev.e)) out.push_back(ev);
  }
  return out;
}

Keys Ids(const std::vector<Event>& events) {
  Keys ids;
  for (const auto& ev : events) ids.insert(ev.e.event_id());
  return ids;
}

// For one topic: the condition keys whose latest event (by offset) holds,
// by type. `spread` gets the keys whose events are on several partitions
// (no "latest" then).
std::map<v1::EventType, Keys> Holding(const std::vector<Event>& events,
                                      const std::string& topic,
                                      Keys* spread = nullptr) {
  std::map<std::string, const Event*> latest;
  std::map<std::string, int32_t> partition;
  for (const auto& ev : events) {
    if (ev.topic != topic) continue;
    const std::string& ck = ev.e.condition_key();
    auto p = partition.emplace(ck, ev.partition).first;
    if (p->second != ev.partition && spread != nullptr) spread->insert(ck);
    auto& l = latest[ck];
    if (l == nullptr || l->offset < ev.offset) l = &ev;
  }
  std::map<v1::EventType, Keys> out;
  for (const auto& [ck, ev] : latest) {
    if (!ev->e.resolved()) out[ev->e.type()].insert(ck);
  }
  return out;
}

std::string DescribeDiff(const std::string& what, const Keys& got,
                         const Keys& want) {
  Keys missing, unexpected;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                      std::inserter(missing, missing.end()));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(),
                      std::inserter(unexpected, unexpected.end()));
  return StrCat(what, ": ", got.size(), " keys, expected ", want.size(),
                "; missing ", Join(missing), "; unexpected ", Join(unexpected));
}

// "" when the conditions holding now (latest event of each key, on the
// topic of its visibility) are exactly the expected ones, on each topic.
std::string CompareHolding(const Population& pop,
                           const std::vector<Event>& mine) {
  Keys spread;
  auto pub = Holding(mine, PublicTopic(), &spread);
  auto res = Holding(mine, RestrictedTopic(), &spread);
  if (!spread.empty()) {
    return "events of one condition key on several partitions: " + Join(spread);
  }
  std::string out;
  for (v1::EventType t : AllTypes()) {
    if (pub[t] != pop.Public(t)) {
      out +=
          DescribeDiff(TypeName(t) + " (public)", pub[t], pop.Public(t)) + "\n";
    }
    if (res[t] != pop.Restricted(t)) {
      out += DescribeDiff(TypeName(t) + " (restricted)", res[t],
                          pop.Restricted(t)) +
             "\n";
    }
  }
  return out;
}

// The sum of counter `name` (all its labels) of the process serving
// /metrics at `port`.
std::optional<double> Counter(int port, const std::string& name) {
  return testing::MetricSum(port, name);
}

std::optional<double> RecordsTotal(int port) {
  return Counter(port, "fruition_stream_records_total");
}

// Sum of the end offsets of what the reconciler consumes: a reconciler
// with an empty store has replayed everything once its record count reaches
// it.
// The records on the reconciler's input topics: read, not end offsets
// summed, since transactional writers (scoring) leave commit markers that
// take offsets and are never read as records.
int64_t InputRecords(const std::string& bootstrap) {
  int64_t sum = 0;
  for (std::string_view topic :
       {topics::kReports, topics::kLinkAssessments, topics::kScores,
        topics::kScoresPublic, topics::kReference}) {
    auto records =
        testing::ReadTopic(bootstrap, std::string(topic), seconds(120));
    EXPECT_TRUE(records.ok()) << records.status();
    if (records.ok()) sum += static_cast<int64_t>(records->size());
  }
  return sum;
}

// Waits until the reconciler at `metrics_port` has consumed at least
// `min_records`, at least 15 s have passed since `started`, and its record
// count has not moved for 5 s (caught up and idle).
bool WaitCaughtUp(int metrics_port, double min_records,
                  steady_clock::time_point started, seconds timeout) {
  double last = -1;
  auto changed = steady_clock::now();
  return testing::WaitUntil(
      [&] {
        const auto v = RecordsTotal(metrics_port);
        const auto now = steady_clock::now();
        if (!v) return false;
        if (*v != last) {
          last = *v;
          changed = now;
          return false;
        }
        return *v >= min_records && now - changed >= seconds(5) &&
               now - started >= seconds(15);
      },
      timeout, milliseconds(500));
}

// ---------------------------------------------------------------- services

void WritePrincipals(const std::string& dir) {
  std::ofstream principals(dir + "/principals.yaml");
  principals << "principals:\n  - code: OIG\n    kind: OVERSEER\n"
             << "    token_sha256: " << privacy::Sha256Hex(Token("OIG"))
             << "\n";
}

// `kafka_properties` are added to the test's.
std::vector<std::string> CommonArgs(const std::string& bootstrap,
                                    const std::string& dir,
                                    const std::string& group,
                                    const std::string& data, int port,
                                    int metrics_port,
                                    const std::string& kafka_properties = "") {
  return {"--kafka-bootstrap=" + bootstrap,
          std::string("--kafka-properties=session.timeout.ms=6000,") +
              "heartbeat.interval.ms=1000" + kafka_properties,
          "--group-id=" + group,
          "--principals-file=" + dir + "/principals.yaml",
          "--data-dir=" + dir + "/" + data,
          StrCat("--grpc-listen=127.0.0.1:", port),
          StrCat("--metrics-listen=127.0.0.1:", metrics_port)};
}

std::unique_ptr<Process> StartAndWait(const std::string& binary,
                                      const std::vector<std::string>& args,
                                      const std::string& name, int port) {
  static std::atomic<int> starts{0};
  const std::string log =
      StrCat(testing::OutputDir(), "/", name, "-", ++starts, ".log");
  auto process = Process::Start(testing::Runfile(binary), args, log);
  EXPECT_TRUE(process.ok()) << process.status();
  if (!process.ok()) return nullptr;
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        return testing::HealthStatus(StrCat("127.0.0.1:", port)) == "SERVING";
      },
      seconds(120)))
      << name << " did not become SERVING; log: " << log;
  return std::move(*process);
}

// One scoring and one reconciler on one broker, for one population.
struct Stack {
  std::string bootstrap;
  std::string dir;
  std::string nonce;
  std::string scoring_group, reconciler_group, reconciler_data = "r1";
  int scoring_port = 0, reconciler_port = 0, reconciler_metrics = 0;
  int publish_interval_s = 60;
  // The reconciler at --log-level error (its restricted reads are audited
  // all the same).
  bool quiet = false;
  // Added to the reconciler's Kafka properties (",linger.ms=1000").
  std::string kafka_properties;
  std::unique_ptr<Process> scoring;
  std::unique_ptr<Process> reconciler;
  steady_clock::time_point reconciler_started;

  void Init(const std::string& b, const std::string& n,
            const std::string& tag) {
    bootstrap = b;
    nonce = n;
    dir = testing::NewTempDir("reconciler-" + tag);
    WritePrincipals(dir);
    scoring_group = StrCat("fruition-scoring-test-", tag, "-", nonce);
    reconciler_group = StrCat("fruition-reconciler-test-", tag, "-", nonce);
    scoring_port = testing::FreePort();
    reconciler_port = testing::FreePort();
    reconciler_metrics = testing::FreePort();
  }

  void StartScoring() {
    scoring = StartAndWait("services/scoring/fruition-scoring",
                           CommonArgs(bootstrap, dir, scoring_group, "scoring",
                                      scoring_port, testing::FreePort()),
                           "scoring-" + nonce, scoring_port);
  }

  // Starts the reconciler (again, on the same data dir and group, if it ran
  // before).
  void StartReconciler() {
    std::vector<std::string> args =
        CommonArgs(bootstrap, dir, reconciler_group, reconciler_data,
                   reconciler_port, reconciler_metrics, kafka_properties);
    args.push_back(StrCat("--publish-interval-seconds=", publish_interval_s));
    // One audit chain per data dir (restarts continue it).
    args.push_back("--audit-writer=" + AuditWriter());
    if (quiet) args.push_back("--log-level=error");
    reconciler_started = steady_clock::now();
    reconciler = StartAndWait("services/reconciler/fruition-reconciler", args,
                              "reconciler-" + nonce, reconciler_port);
  }

  std::string AuditWriter() const {
    return StrCat("reconciler@", nonce, "-", reconciler_data);
  }

  void KillReconciler() {
    if (reconciler == nullptr) return;
    reconciler->Signal(SIGKILL);
    reconciler->Wait(seconds(10));
    reconciler.reset();
  }

  void KillScoring() {
    if (scoring == nullptr) return;
    scoring->Signal(SIGKILL);
    scoring->Wait(seconds(10));
    scoring.reset();
  }

  // Another reconciler of this stack's group (scoring is this one's), on
  // data dir `data` with ports of its own.
  Stack Twin(const std::string& data) const {
    Stack t;
    t.bootstrap = bootstrap;
    t.dir = dir;
    t.nonce = nonce;
    t.scoring_group = scoring_group;
    t.reconciler_group = reconciler_group;
    t.reconciler_data = data;
    t.scoring_port = scoring_port;
    t.reconciler_port = testing::FreePort();
    t.reconciler_metrics = testing::FreePort();
    t.publish_interval_s = publish_interval_s;
    t.quiet = quiet;
    return t;
  }
};

// The first difference between scoring's scorecards (as an overseer) and
// the test's own counts, or "".
std::string ScoringDiff(const Population& pop, int port) {
  auto stub = v1::ScoringService::NewStub(grpc::CreateChannel(
      StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  auto get = [&](const std::string& unit, const std::string& period,
                 v1::Scorecard* card) {
    v1::GetScorecardRequest req;
    req.set_unit(unit);
    req.set_period(period);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
    ctx.set_deadline(std::chrono::system_clock::now() + seconds(10));
    return stub->GetScorecard(&ctx, req, card).ok();
  };
  auto near = [](double a, double b) { return std::fabs(a - b) < 1e-9; };
  for (const auto& [key, c] : pop.cards) {
    const auto parts = Split(key, '\t');
    v1::Scorecard card;
    if (!get(parts[0], parts[1], &card)) return "no scorecard for " + key;
    std::map<std::string, const v1::Indicator*> got;
    for (const auto& i : card.indicators()) got[i.name()] = &i;
    auto n_of = [&](const std::string& name) -> int64_t {
      auto it = got.find(name);
      return it == got.end() ? -1 : it->second->n();
    };
    auto value_of = [&](const std::string& name) -> double {
      auto it = got.find(name);
      return it == got.end() ? -1 : it->second->value();
    };
    if (n_of("arrests") != c.arrests) {
      return StrCat(key, ": arrests n ", n_of("arrests"), ", want ", c.arrests);
    }
    if (n_of("sentenced") != c.sentenced) {
      return StrCat(key, ": sentenced n ", n_of("sentenced"), ", want ",
                    c.sentenced);
    }
    if (n_of("declined_then_charged_elsewhere") != c.declined_charged) {
      return StrCat(key, ": declined_then_charged_elsewhere n ",
                    n_of("declined_then_charged_elsewhere"), ", want ",
                    c.declined_charged);
    }
    if (c.sentenced > 0) {
      const double s = static_cast<double>(c.sentenced);
      for (const auto& [name, want] : std::map<std::string, double>{
               {"high_desert_share", c.high / s},
               {"lnf_share", c.lnf / s},
               {"claimed_priority_share", c.priority / s}}) {
        if (!near(value_of(name), want)) {
          return StrCat(key, ": ", name, " ", value_of(name), ", want ", want);
        }
      }
    }
  }
  for (const auto& [key, rt] : pop.targets) {
    const auto parts = Split(key, '\t');
    v1::Scorecard card;
    if (!get(parts[0], parts[1], &card)) return "no scorecard for " + key;
    const std::string name = "target_ratio:" + parts[2];
    const v1::Indicator* found = nullptr;
    for (const auto& i : card.indicators()) {
      if (i.name() == name) found = &i;
    }
    if (found == nullptr) return StrCat(key, ": no ", name);
    const double want =
        static_cast<double>(rt.first) / static_cast<double>(rt.second);
    if (found->n() != rt.first || !near(found->value(), want)) {
      return StrCat(key, ": ", name, " ", found->value(), " (n ", found->n(),
                    "), want ", want, " (n ", rt.first, ")");
    }
  }
  return "";
}

// The latest public view of each of the population's unit-periods on
// fruition.scores.public.v1 (unit \t period -> card; a unit's views are on
// one partition, so the latest is the one at the highest offset), and how
// many records there are of them. FailedPrecondition when one is not a
// public view; the error of reading the topic, if any.
absl::Status ReadPublicViews(const std::string& bootstrap,
                             const Population& pop,
                             std::map<std::string, v1::Scorecard>* views,
                             size_t* records) {
  auto read = testing::ReadTopic(bootstrap, std::string(topics::kScoresPublic),
                                 seconds(120));
  if (!read.ok()) return read.status();
  std::map<std::string, int64_t> at;
  views->clear();
  *records = 0;
  for (const auto& r : *read) {
    v1::Scorecard card;
    if (!card.ParseFromString(r.value) ||
        card.unit().find(pop.nonce) == std::string::npos) {
      continue;
    }
    ++*records;
    if (!card.public_view()) {
      return absl::FailedPreconditionError(StrCat(
          "a card without public_view on ", topics::kScoresPublic, " at ",
          r.partition, "@", r.offset, ": ", card.unit(), " ", card.period()));
    }
    const std::string key = card.unit() + "\t" + card.period();
    auto it = at.find(key);
    if (it != at.end() && it->second > r.offset) continue;
    at[key] = r.offset;
    (*views)[key] = std::move(card);
  }
  return absl::OkStatus();
}

// Waits until scoring's scorecards for the population are those the test
// computed, its records for them on fruition.scores.v1 and then on
// fruition.scores.public.v1 have stopped coming, and every unit-period has
// a public view; then sets the population's public expectations from those
// views (SetPublicViews). "" then, else why not.
std::string WaitScoringSettled(const Stack& stack, Population* pop) {
  std::string why;
  if (!testing::WaitUntil(
          [&] {
            why = ScoringDiff(*pop, stack.scoring_port);
            return why.empty();
          },
          seconds(600), milliseconds(1000))) {
    return "scoring never reached the expected scorecards: " + why;
  }
  size_t last = 0;
  auto changed = steady_clock::now();
  Keys unit_periods;
  if (!testing::WaitUntil(
          [&] {
            auto records = testing::ReadTopic(
                stack.bootstrap, std::string(topics::kScores), seconds(120));
            if (!records.ok()) return false;
            size_t n = 0;
            unit_periods.clear();
            for (const auto& r : *records) {
              v1::Scorecard card;
              if (!card.ParseFromString(r.value) ||
                  card.unit().find(pop->nonce) == std::string::npos) {
                continue;
              }
              ++n;
              unit_periods.insert(card.unit() + "\t" + card.period());
            }
            const auto now = steady_clock::now();
            if (n != last) {
              last = n;
              changed = now;
              return false;
            }
            return now - changed >= seconds(3);
          },
          seconds(300), milliseconds(1000))) {
    return "scoring's records on fruition.scores.v1 never stopped coming";
  }
  Keys want;
  for (const auto& [key, c] : pop->cards) want.insert(key);
  if (unit_periods != want) {
    return DescribeDiff("unit-periods scoring published", unit_periods, want);
  }
  // The public views follow (scoring's public-view stage reads what stage
  // 2 hands it): settled once every unit-period has one and none has
  // changed for 5 s.
  std::map<std::string, v1::Scorecard> views;
  Keys public_unit_periods;
  last = 0;
  changed = steady_clock::now();
  absl::Status read;
  if (!testing::WaitUntil(
          [&] {
            size_t n = 0;
            read = ReadPublicViews(stack.bootstrap, *pop, &views, &n);
            if (absl::IsFailedPrecondition(read)) return true;
            if (!read.ok()) return false;
            public_unit_periods.clear();
            for (const auto& [key, card] : views) {
              public_unit_periods.insert(key);
            }
            const auto now = steady_clock::now();
            if (n != last) {
              last = n;
              changed = now;
              return false;
            }
            return public_unit_periods == want && now - changed >= seconds(5);
          },
          seconds(300), milliseconds(1000))) {
    return StrCat("scoring's public views never settled (", last,
                  " records of the population's; ", read.ToString(), "): ",
                  DescribeDiff("unit-periods with a public view",
                               public_unit_periods, want));
  }
  if (!read.ok()) return std::string(read.message());
  SetPublicViews(pop, std::move(views));
  return "";
}

// Waits until the reconciler has consumed at least `min_records` since it
// started, at least 15 s have passed, and then either the conditions
// holding on the topics (the latest event of each key) are the expected
// ones with nothing moving for 5 s (its record count, the population's
// events), or nothing has moved for 30 s (the state is final, and wrong).
// "" if the holding conditions matched, else the difference.
std::string WaitEventsConverged(const Stack& stack, const Population& pop,
                                double min_records, seconds timeout) {
  std::string why = "not read";
  std::pair<double, size_t> last{-1, 0};
  auto changed = steady_clock::now();
  const bool settled = testing::WaitUntil(
      [&] {
        const auto records = RecordsTotal(stack.reconciler_metrics);
        auto events = ReadEvents(stack.bootstrap);
        const auto now = steady_clock::now();
        if (!records || !events.ok()) return false;
        const std::vector<Event> mine = MineOnly(pop, *events);
        why = CompareHolding(pop, mine);
        const std::pair<double, size_t> state{*records, mine.size()};
        if (state != last) {
          last = state;
          changed = now;
          return false;
        }
        if (*records < min_records ||
            now - stack.reconciler_started < seconds(15)) {
          return false;
        }
        return now - changed >= seconds(why.empty() ? 5 : 30);
      },
      timeout, milliseconds(1000));
  if (!settled) {
    ADD_FAILURE() << "the reconciler did not settle (records " << last.first
                  << ", want at least " << min_records << "); log: "
                  << (stack.reconciler ? stack.reconciler->log_path() : "");
  }
  return why;
}

// ---------------------------------------------------------------- fixture

// Run 1: the shared population on the shared broker, scored, then
// reconciled from history.
struct SharedRun {
  Population pop;
  Stack stack;
  Keys ids;                   // the population's event ids after run 1
  std::vector<Event> events;  // the population's events after run 1
  std::string converge_note;
  std::string failure;
};

class ReconcilerIntegrationTest
    : public testing::BrokerSuite<ReconcilerIntegrationTest> {
 protected:
  static void SetUpTestSuite() { SetUpBroker(Topics()); }

  static void TearDownTestSuite() {
    if (run1_ != nullptr) {
      run1_->stack.KillReconciler();
      run1_->stack.KillScoring();
    }
    // A broker of this process's own (no FRUITION_TEST_KAFKA_BOOTSTRAP)
    // stops with its last reference.
    TearDownBroker();
  }

  // Every topic from intake's to the reconciler's.
  static std::vector<kafka::TopicSpec> Topics() {
    return testing::IntakeTopicsAnd(
        {topics::kLinkAssessments, topics::kScores,
         topics::kScoringContributions, topics::kScoringPublicBase,
         topics::kScoringCaseMembers, topics::kScoringCaseFacts,
         topics::kScoresPublic, topics::kOversightPublic,
         topics::kOversightRestricted});
  }

  void SetUp() override {
    BrokerSuite::SetUp();
    if (IsSkipped()) return;
    nonce_ = testing::Nonce();
  }

  // Run 1, once: generates the shared population, produces it, waits for
  // scoring to settle, stops scoring, and starts the reconciler. Later
  // calls restart the reconciler if a test paused it. "" or what failed.
  static std::string EnsureRun1() {
    if (run1_ != nullptr) {
      if (!run1_->failure.empty()) return run1_->failure;
      Stack& st = run1_->stack;
      if (st.reconciler == nullptr || !st.reconciler->running()) {
        st.StartReconciler();
        if (st.reconciler == nullptr) return "reconciler did not start";
        if (!WaitCaughtUp(st.reconciler_metrics, 0, st.reconciler_started,
                          seconds(600))) {
          return "restarted reconciler did not settle";
        }
      }
      return "";
    }
    run1_ = new SharedRun();
    const std::string nonce = testing::Nonce();
    run1_->pop = Generate(nonce, testing::Scaled(320), 11);
    Stack& st = run1_->stack;
    st.Init(bootstrap(), nonce, "run1");
    st.quiet = true;
    auto fail = [](const std::string& why) {
      run1_->failure = why;
      return why;
    };
    if (const std::string gaps = ScenarioGaps(run1_->pop); !gaps.empty()) {
      return fail("the generated scenario lacks:" + gaps);
    }
    const absl::Status produced =
        testing::Produce(st.bootstrap, run1_->pop.records);
    if (!produced.ok()) return fail(std::string(produced.message()));
    st.StartScoring();
    if (st.scoring == nullptr) return fail("scoring did not start");
    if (std::string why = WaitScoringSettled(st, &run1_->pop); !why.empty()) {
      return fail(why);
    }
    // Scoring has said everything about this population; stopped, it
    // cannot interleave cards of other tests' units.
    st.KillScoring();
    const int64_t inputs = InputRecords(st.bootstrap);
    st.StartReconciler();
    if (st.reconciler == nullptr) return fail("reconciler did not start");
    run1_->converge_note = WaitEventsConverged(
        st, run1_->pop, static_cast<double>(inputs), seconds(600));
    auto events = ReadEvents(st.bootstrap);
    if (!events.ok()) return fail(std::string(events.status().message()));
    run1_->events = MineOnly(run1_->pop, *events);
    run1_->ids = Ids(run1_->events);
    std::cout << "run 1: nonce " << nonce << ", " << run1_->pop.records.size()
              << " records, " << run1_->pop.ExpectedEvents()
              << " expected events, " << run1_->ids.size() << " event ids\n";
    for (v1::EventType t : AllTypes()) {
      std::cout << "  expected " << TypeName(t) << ": "
                << run1_->pop.Public(t).size() << " public, "
                << run1_->pop.Restricted(t).size() << " restricted\n";
    }
    size_t lagging = 0;
    for (const auto& [key, view] : run1_->pop.public_views) {
      lagging += view.lags_current() ? 1 : 0;
    }
    std::cout << "  public views: " << run1_->pop.public_views.size() << " ("
              << lagging << " lagging the current facts)\n";
    return "";
  }

  // Stops run 1's reconciler, so that a test's own reconciler is the only
  // one emitting on the shared broker. EnsureRun1 restarts it.
  static void PauseRun1() {
    if (run1_ != nullptr) run1_->stack.KillReconciler();
  }

  static SharedRun* run1_;
  std::string nonce_;
};

SharedRun* ReconcilerIntegrationTest::run1_ = nullptr;

// ------------------------------------------------------------------ tests

TEST_F(ReconcilerIntegrationTest, ExactEvents) {
  ASSERT_EQ(EnsureRun1(), "");
  const Population& pop = run1_->pop;
  EXPECT_EQ(run1_->converge_note, "");
  auto all = ReadEvents(bootstrap());
  ASSERT_TRUE(all.ok()) << all.status();
  const std::vector<Event> mine = MineOnly(pop, *all);
  std::map<v1::EventType, Keys> got_public, got_restricted;
  std::map<std::pair<std::string, int>, int> per_condition;
  Keys ids;
  for (const Event& ev : mine) {
    const v1::OversightEvent& e = ev.e;
    const std::string& ck = e.condition_key();
    EXPECT_FALSE(e.resolved()) << "resolved: " << ck;
    EXPECT_TRUE(ids.insert(e.event_id()).second)
        << "event id " << e.event_id() << " twice (" << ck << ")";
    EXPECT_EQ(ck.rfind(TypeName(e.type()) + "/", 0), 0u)
        << ck << " is not a " << TypeName(e.type());
    ++per_condition[{ck, e.visibility()}];
    if (ev.topic == PublicTopic()) {
      got_public[e.type()].insert(ck);
      EXPECT_EQ(e.visibility(), v1::VISIBILITY_PUBLIC) << ck;
      EXPECT_FALSE(RestrictedType(e.type())) << ck << " on the public topic";
      EXPECT_FALSE(RestrictedKey(ck)) << ck << " on the public topic";
    } else {
      got_restricted[e.type()].insert(ck);
      EXPECT_EQ(e.visibility(), v1::VISIBILITY_RESTRICTED) << ck;
      EXPECT_FALSE(PublicType(e.type())) << ck << " on the restricted topic";
      // The restricted half of a pair has its own key.
      if (PairType(e.type())) {
        EXPECT_TRUE(RestrictedKey(ck)) << ck << " on the restricted topic";
      }
    }
  }
  for (v1::EventType t : AllTypes()) {
    EXPECT_EQ(got_public[t], pop.Public(t)) << DescribeDiff(
        TypeName(t) + " (public)", got_public[t], pop.Public(t));
    EXPECT_EQ(got_restricted[t], pop.Restricted(t)) << DescribeDiff(
        TypeName(t) + " (restricted)", got_restricted[t], pop.Restricted(t));
  }
  for (const auto& [cv, n] : per_condition) {
    EXPECT_EQ(n, 1) << n << " events for " << cv.first << " ("
                    << v1::Visibility_Name(
                           static_cast<v1::Visibility>(cv.second))
                    << ")";
  }
  // SCORECARD_PUBLISHED: one RESTRICTED event per restricted card, one
  // PUBLIC per public view (one each: every unit-period has both).
  for (const auto& ck : pop.Restricted(v1::EVENT_TYPE_SCORECARD_PUBLISHED)) {
    EXPECT_EQ(per_condition.count({ck, v1::VISIBILITY_PUBLIC}), 1u) << ck;
    EXPECT_EQ(per_condition.count({ck, v1::VISIBILITY_RESTRICTED}), 1u) << ck;
  }
  EXPECT_EQ(pop.Public(v1::EVENT_TYPE_SCORECARD_PUBLISHED),
            pop.Restricted(v1::EVENT_TYPE_SCORECARD_PUBLISHED));
  // Every public scorecard event rests on the public view the test read,
  // every restricted one on a restricted card.
  std::set<std::string> view_ids;
  for (const auto& [key, view] : pop.public_views) {
    view_ids.insert("scorecard:" + view.scorecard_id());
  }
  for (const Event& ev : mine) {
    for (const auto& ref : ev.e.evidence_refs()) {
      if (ref.rfind("scorecard:", 0) != 0) continue;
      EXPECT_EQ(view_ids.count(ref), ev.topic == PublicTopic() ? 1u : 0u)
          << ev.e.condition_key() << " ("
          << v1::Visibility_Name(ev.e.visibility()) << ") cites " << ref;
    }
  }
  // The restricted halves of the pairs are judged on the current facts
  // whatever the public views show; where the public view shows what
  // the facts are, both halves agree.
  for (v1::EventType t :
       {v1::EVENT_TYPE_FRUITION_GAP, v1::EVENT_TYPE_LNF_SHARE_HIGH}) {
    for (const auto& ck : pop.Public(t)) {
      const auto scope = ck.substr(TypeName(t).size() + 1);
      const auto parts = Split(scope, '/');
      ASSERT_EQ(parts.size(), 2u) << ck;
      const auto view = pop.public_views.find(parts[0] + "\t" + parts[1]);
      ASSERT_NE(view, pop.public_views.end()) << ck;
      if (view->second.lags_current()) continue;
      EXPECT_EQ(pop.Restricted(t).count(ck + "/restricted"), 1u)
          << ck << " holds on a public view that does not lag, but not on "
          << "the current facts";
    }
  }
  EXPECT_EQ(mine.size(), pop.ExpectedEvents());
  EXPECT_EQ(ids.size(), mine.size());
}

TEST_F(ReconcilerIntegrationTest, ReplayAndKill) {
  ASSERT_EQ(EnsureRun1(), "");
  const Population& pop = run1_->pop;
  Stack& st = run1_->stack;
  auto before = ReadEvents(bootstrap());
  ASSERT_TRUE(before.ok()) << before.status();
  const std::vector<Event> mine_before = MineOnly(pop, *before);
  const Keys ids_before = Ids(mine_before);

  auto expect_nothing_new = [&](const std::string& when) {
    auto after = ReadEvents(bootstrap());
    ASSERT_TRUE(after.ok()) << after.status();
    const std::vector<Event> mine = MineOnly(pop, *after);
    const Keys ids = Ids(mine);
    EXPECT_EQ(ids, ids_before)
        << when << ": " << DescribeDiff("event ids", ids, ids_before);
    EXPECT_EQ(mine.size(), mine_before.size())
        << when << ": the population's events were published again";
  };
  // The reconciler's store answers for every event (its own or read back).
  auto wait_store_holds_all = [&]() {
    auto stub = v1::ReconcilerService::NewStub(
        grpc::CreateChannel(StrCat("127.0.0.1:", st.reconciler_port),
                            grpc::InsecureChannelCredentials()));
    size_t n = 0;
    EXPECT_TRUE(testing::WaitUntil(
        [&] {
          Keys seen;
          v1::ListEventsRequest req;
          req.set_page_size(1000);
          while (true) {
            grpc::ClientContext ctx;
            ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
            v1::ListEventsResponse resp;
            if (!stub->ListEvents(&ctx, req, &resp).ok()) return false;
            for (const auto& e : resp.events()) {
              if (Mine(pop, e)) seen.insert(e.event_id());
            }
            if (resp.next_page_token().empty()) break;
            req.set_page_token(resp.next_page_token());
          }
          n = seen.size();
          return seen == ids_before;
        },
        seconds(600), milliseconds(2000)))
        << "the reconciler's store holds " << n << " of the "
        << ids_before.size() << " events";
  };

  // kill -9, restart on the same data dir.
  st.KillReconciler();
  st.StartReconciler();
  ASSERT_NE(st.reconciler, nullptr);
  EXPECT_TRUE(WaitCaughtUp(st.reconciler_metrics, 0, st.reconciler_started,
                           seconds(600)));
  wait_store_holds_all();
  expect_nothing_new("after kill -9 and restart");

  // A fresh reconciler: empty data dir, new group. It replays everything,
  // reads the topics back, and has nothing new to say.
  st.KillReconciler();
  st.reconciler_group += "-fresh";
  st.reconciler_data = "r2";
  const int64_t inputs = InputRecords(bootstrap());
  st.StartReconciler();
  ASSERT_NE(st.reconciler, nullptr);
  EXPECT_TRUE(WaitCaughtUp(st.reconciler_metrics, static_cast<double>(inputs),
                           st.reconciler_started, seconds(900)))
      << "the fresh reconciler did not replay the " << inputs
      << " input records";
  wait_store_holds_all();
  expect_nothing_new("after a fresh reconciler replayed everything");
}

TEST_F(ReconcilerIntegrationTest, KillDuringRun) {
  PauseRun1();
  Population pop = Generate(nonce_, testing::Scaled(240), 3);
  ASSERT_EQ(ScenarioGaps(pop), "");
  Stack st;
  st.Init(bootstrap(), nonce_, "kill");
  st.StartScoring();
  ASSERT_NE(st.scoring, nullptr);
  st.StartReconciler();
  ASSERT_NE(st.reconciler, nullptr);
  // Four chunks. The reconciler is killed (-9) three times, each time once
  // this incarnation has started emitting events, i.e. in the middle of
  // its work: during the first chunk (its replay of the broker's history
  // done, the chunk's records arriving), after the second chunk was
  // produced, and during the third; each time restarted on the same data
  // dir. While it runs live it judges intermediate facts (a first
  // assessment, an early scorecard), so conditions may hold and be
  // resolved on the way: such transient events are allowed. What must hold
  // at the end is the latest event of every condition key.
  const size_t chunk = pop.records.size() / 4 + 1;
  for (int k = 0; k < 4; ++k) {
    const size_t begin = std::min(pop.records.size(), k * chunk);
    const size_t end = std::min(pop.records.size(), begin + chunk);
    const std::vector<Outgoing> part(pop.records.begin() + begin,
                                     pop.records.begin() + end);
    absl::Status produced;
    std::thread producer(
        [&] { produced = testing::Produce(st.bootstrap, part); });
    if (k == 1) producer.join();
    if (k < 3) {
      EXPECT_TRUE(testing::WaitUntil(
          [&] {
            const auto out =
                Counter(st.reconciler_metrics, "fruition_stream_outputs_total");
            return out.has_value() && *out > 0;
          },
          seconds(600), milliseconds(20)))
          << "chunk " << k << ": the reconciler emitted nothing; log: "
          << st.reconciler->log_path();
      st.KillReconciler();
    }
    if (producer.joinable()) producer.join();
    ASSERT_TRUE(produced.ok()) << produced;
    if (st.reconciler == nullptr) {
      st.StartReconciler();
      ASSERT_NE(st.reconciler, nullptr);
    }
  }
  // The public views as scoring left them (live, they may differ from run
  // 1's: the version rule and D4 depend on what was published on the way).
  ASSERT_EQ(WaitScoringSettled(st, &pop), "");
  EXPECT_EQ(WaitEventsConverged(st, pop, 0, seconds(900)), "")
      << "the latest event of each condition key is not the expected state; "
         "reconciler log: "
      << st.reconciler->log_path();
}

// The unit-period (unit \t period) of a PUBLIC event judged on a public
// view, else "".
std::string PublicViewOf(const Event& ev) {
  if (ev.topic != PublicTopic() ||
      ev.e.type() == v1::EVENT_TYPE_PENDING_COUNTED_AS_DISMANTLED) {
    return "";
  }
  return ev.e.unit() + "\t" + ev.e.period();
}

TEST_F(ReconcilerIntegrationTest, ShuffledSameIds) {
  ASSERT_EQ(EnsureRun1(), "");
  auto own = Broker::StartOwn();
  if (!own.ok()) {
    GTEST_SKIP() << "no broker of its own: " << own.status().message();
  }
  ASSERT_TRUE(
      kafka::EnsureTopics((*own)->bootstrap(), {}, Topics(), seconds(30)).ok());
  // The same facts; the public views are this run's own (the version rule
  // and D4 depend on the order scoring saw the facts in).
  Population pop = run1_->pop;
  {
    Stack st;
    st.Init((*own)->bootstrap(), pop.nonce, "shuffled");
    ASSERT_TRUE(testing::Produce(st.bootstrap, Shuffled(pop.records, 7)).ok());
    st.StartScoring();
    ASSERT_NE(st.scoring, nullptr);
    ASSERT_EQ(WaitScoringSettled(st, &pop), "");
    st.KillScoring();
    const int64_t inputs = InputRecords(st.bootstrap);
    st.StartReconciler();
    ASSERT_NE(st.reconciler, nullptr);
    EXPECT_EQ(
        WaitEventsConverged(st, pop, static_cast<double>(inputs), seconds(600)),
        "");
    auto events = ReadEvents(st.bootstrap);
    ASSERT_TRUE(events.ok()) << events.status();
    const std::vector<Event> mine = MineOnly(pop, *events);
    // On its own broker national:US counts this population alone, so its
    // events are this population's too; they are left out of the id
    // comparison below (run 1's national:US, on the shared broker, counts
    // every test's records).
    size_t national = 0;
    for (const auto& ev : *events) {
      national += ev.parsed && !Mine(pop, ev.e) && ev.e.unit() == "national:US";
    }
    EXPECT_GT(national, 0u) << "no national:US event";
    EXPECT_EQ(mine.size() + national, events->size())
        << "events of no one's population";
    const Keys ids = Ids(mine);
    EXPECT_EQ(ids.size(), mine.size()) << "an event id published twice";
    // Every event judged on the same facts has the same id as in run 1:
    // all but the public events of unit-periods whose public view differs
    // from run 1's.
    Keys other_views;
    for (const auto& [key, view] : pop.public_views) {
      auto it = run1_->pop.public_views.find(key);
      if (it == run1_->pop.public_views.end() ||
          it->second.scorecard_id() != view.scorecard_id()) {
        other_views.insert(key);
      }
    }
    std::cout << "shuffled: " << other_views.size() << " of "
              << pop.public_views.size()
              << " public views differ from run 1's\n";
    auto comparable = [&](const std::vector<Event>& events) {
      Keys out;
      for (const auto& ev : events) {
        if (other_views.count(PublicViewOf(ev)) == 0) {
          out.insert(ev.e.event_id());
        }
      }
      return out;
    };
    const Keys want = comparable(run1_->events);
    const Keys got = comparable(mine);
    EXPECT_EQ(got, want) << DescribeDiff("event ids", got, want);
    if (got != want) {
      // Which conditions differ, for the reader.
      for (const auto& ev : mine) {
        if (want.count(ev.e.event_id()) == 0 &&
            got.count(ev.e.event_id()) > 0) {
          ADD_FAILURE() << "only in the shuffled run: "
                        << ev.e.ShortDebugString();
        }
      }
    }
  }
}

// Every public view on fruition.scores.public.v1, by scorecard id.
absl::StatusOr<std::map<std::string, v1::Scorecard>> PublicViewsById(
    const std::string& bootstrap) {
  auto records = testing::ReadTopic(
      bootstrap, std::string(topics::kScoresPublic), seconds(120));
  if (!records.ok()) return records.status();
  std::map<std::string, v1::Scorecard> out;
  for (const auto& r : *records) {
    v1::Scorecard card;
    if (card.ParseFromString(r.value)) out[card.scorecard_id()] = card;
  }
  return out;
}

TEST_F(ReconcilerIntegrationTest, PublicTopicClean) {
  ASSERT_EQ(EnsureRun1(), "");
  auto all = ReadEvents(bootstrap());
  ASSERT_TRUE(all.ok()) << all.status();
  auto views = PublicViewsById(bootstrap());
  ASSERT_TRUE(views.ok()) << views.status();
  size_t public_records = 0;
  int suppressed_cells = 0;
  for (const Event& ev : *all) {
    const v1::OversightEvent& e = ev.e;
    if (ev.topic == RestrictedTopic()) {
      EXPECT_NE(e.visibility(), v1::VISIBILITY_PUBLIC)
          << "PUBLIC event on the restricted topic at " << ev.partition << "@"
          << ev.offset << ": " << e.condition_key();
      continue;
    }
    ++public_records;
    const std::string at = StrCat(ev.topic, "/", ev.partition, "@", ev.offset);
    ASSERT_TRUE(ev.parsed) << at << ": not an OversightEvent";
    const std::string what = at + " (" + e.condition_key() + ")";
    EXPECT_EQ(e.visibility(), v1::VISIBILITY_PUBLIC) << at;
    EXPECT_EQ(e.subject_pid(), "") << what;
    EXPECT_FALSE(RestrictedType(e.type()))
        << at << ": " << TypeName(e.type()) << " on the public topic";
    EXPECT_FALSE(RestrictedKey(e.condition_key())) << what;
    const auto& facts = e.facts();
    auto has = [&](const std::string& name) { return facts.count(name) > 0; };
    // A cell about people resting on 1-10 cases is never shown (D2; cells
    // about organizations, such as target ratios, are never withheld).
    for (const auto& [name, value] : facts) {
      if (!EndsWith(name, ".n") || value <= 0 || value >= kMinPublicN) {
        continue;
      }
      std::string cell = name.substr(0, name.size() - 2);
      if (e.type() == v1::EVENT_TYPE_TARGET_OVERSHOOT &&
          cell == "target_ratio") {
        cell = "target_ratio:" +
               e.condition_key().substr(e.condition_key().rfind('/') + 1);
      }
      if (domain::RuleOf(cell).kind == domain::CellRule::Kind::kOrganization) {
        continue;
      }
      EXPECT_FALSE(has(name.substr(0, name.size() - 2)))
          << what << ": " << cell << " shown with n = " << value;
    }
    // The rest is checked on the population's events (a broker shared
    // with other runs may hold events of other versions).
    if (!Mine(run1_->pop, e)) continue;
    // SPEC §5 D1: a withheld cell appears only as <name>.suppressed = 1.
    for (const auto& [name, value] : facts) {
      if (!EndsWith(name, ".suppressed")) continue;
      const std::string cell = name.substr(0, name.size() - 11);
      EXPECT_EQ(value, 1) << what << ": " << name;
      EXPECT_FALSE(has(cell)) << what << ": " << cell << " and " << name;
      EXPECT_FALSE(has(cell + ".n"))
          << what << ": " << cell << ".n and " << name;
      ++suppressed_cells;
    }
    // The facts are the public view's: every figure as the view it cites
    // shows it, nothing of a cell it withholds.
    for (const auto& ref : e.evidence_refs()) {
      if (ref.rfind("scorecard:", 0) != 0) continue;
      auto it = views->find(ref.substr(sizeof("scorecard:") - 1));
      ASSERT_NE(it, views->end())
          << what << " cites " << ref << ", not a public view";
      const v1::Scorecard& view = it->second;
      EXPECT_TRUE(view.public_view()) << what << ": " << ref;
      EXPECT_EQ(view.unit(), e.unit()) << what;
      EXPECT_EQ(view.period(), e.period()) << what;
      const v1::Indicator* arrests = CellOf(view, "arrests");
      for (const auto& i : view.indicators()) {
        std::string name = i.name();
        bool withheld = i.suppressed();
        if (e.type() == v1::EVENT_TYPE_TARGET_OVERSHOOT) {
          // Its cell is named target_ratio; other cells are not its facts.
          const std::string measure =
              e.condition_key().substr(e.condition_key().rfind('/') + 1);
          if (name != "target_ratio:" + measure) continue;
          name = "target_ratio";
          // The arrests ratio follows the arrests cell.
          if (measure == "PERFORMANCE_MEASURE_ARRESTS" && arrests != nullptr &&
              arrests->suppressed()) {
            withheld = true;
          }
        }
        if (withheld) {
          EXPECT_FALSE(has(name)) << what << ": " << name << " is withheld";
          EXPECT_FALSE(has(name + ".n"))
              << what << ": " << name << " is withheld";
          continue;
        }
        EXPECT_FALSE(has(name + ".suppressed")) << what << ": " << name;
        if (has(name)) {
          EXPECT_EQ(facts.at(name), i.value()) << what << ": " << name;
        }
        if (has(name + ".n")) {
          EXPECT_EQ(facts.at(name + ".n"), static_cast<double>(i.n()))
              << what << ": " << name;
        }
        if (e.type() == v1::EVENT_TYPE_SCORECARD_PUBLISHED) {
          // Every cell it shows, and its value when defined.
          EXPECT_TRUE(has(name + ".n")) << what << ": " << name;
          EXPECT_EQ(has(name), i.defined()) << what << ": " << name;
        }
      }
    }
  }
  EXPECT_GT(public_records, 0u);
  // The population's small units (FO-SMALL, quarters) give the check
  // something to check.
  EXPECT_GT(suppressed_cells, 0);
}

TEST_F(ReconcilerIntegrationTest, ExplainAndList) {
  ASSERT_EQ(EnsureRun1(), "");
  const Population& pop = run1_->pop;
  const Stack& st = run1_->stack;
  auto stub = v1::ReconcilerService::NewStub(
      grpc::CreateChannel(StrCat("127.0.0.1:", st.reconciler_port),
                          grpc::InsecureChannelCredentials()));
  // Lists every event matching `req`, page by page.
  auto list = [&](v1::ListEventsRequest req, bool overseer, int page_size,
                  grpc::Status* status) {
    std::vector<v1::OversightEvent> out;
    req.set_page_size(page_size);
    for (int pages = 0; pages < 200000; ++pages) {
      grpc::ClientContext ctx;
      if (overseer) ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
      v1::ListEventsResponse resp;
      *status = stub->ListEvents(&ctx, req, &resp);
      if (!status->ok()) return out;
      EXPECT_LE(resp.events_size(), page_size);
      for (const auto& e : resp.events()) out.push_back(e);
      if (resp.next_page_token().empty()) return out;
      if (resp.next_page_token() == req.page_token()) {
        ADD_FAILURE() << "page token did not advance";
        return out;
      }
      req.set_page_token(resp.next_page_token());
    }
    ADD_FAILURE() << "too many pages";
    return out;
  };
  auto mine_ids = [&](const std::vector<v1::OversightEvent>& events) {
    Keys ids;
    for (const auto& e : events) {
      if (Mine(pop, e)) ids.insert(e.event_id());
    }
    return ids;
  };

  auto topic_events = ReadEvents(bootstrap());
  ASSERT_TRUE(topic_events.ok()) << topic_events.status();
  const std::vector<Event> mine = MineOnly(pop, *topic_events);
  ASSERT_FALSE(mine.empty());
  // Wait until the instance's store holds all of them (a restarted
  // instance reads the topics back first).
  grpc::Status status;
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return mine_ids(list({}, true, 1000, &status)) == Ids(mine); },
      seconds(600), milliseconds(2000)))
      << status.error_message();

  // ExplainEvent: one event of each type, as an overseer.
  std::map<v1::EventType, const v1::OversightEvent*> one;
  const v1::OversightEvent* a_public = nullptr;
  const v1::OversightEvent* a_restricted = nullptr;
  for (const Event& ev : mine) {
    one.emplace(ev.e.type(), &ev.e);
    if (ev.e.visibility() == v1::VISIBILITY_PUBLIC) a_public = &ev.e;
    if (ev.e.visibility() == v1::VISIBILITY_RESTRICTED) a_restricted = &ev.e;
  }
  EXPECT_EQ(one.size(), AllTypes().size());
  for (const auto& [type, e] : one) {
    v1::ExplainEventRequest req;
    req.set_event_id(e->event_id());
    v1::EventExplanation x;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
    const grpc::Status s = stub->ExplainEvent(&ctx, req, &x);
    ASSERT_TRUE(s.ok()) << TypeName(type) << ": " << s.error_message();
    EXPECT_EQ(x.event().event_id(), e->event_id());
    EXPECT_NE(x.rule().find(TypeName(type)), std::string::npos)
        << TypeName(type) << ": rule \"" << x.rule() << "\"";
    EXPECT_TRUE(std::any_of(x.summary().begin(), x.summary().end(),
                            [](char c) { return std::isdigit(c) != 0; }))
        << TypeName(type) << ": summary without a number: " << x.summary();
    std::map<std::string, double> explained;
    for (const auto& f : x.facts()) {
      explained[f.name()] = f.value();
      EXPECT_FALSE(f.meaning().empty()) << f.name();
    }
    for (const auto& [name, value] : e->facts()) {
      auto it = explained.find(name);
      ASSERT_NE(it, explained.end())
          << TypeName(type) << ": fact " << name << " not explained";
      EXPECT_EQ(it->second, value) << TypeName(type) << ": " << name;
    }
  }
  // Without a token: PUBLIC events only.
  ASSERT_NE(a_public, nullptr);
  ASSERT_NE(a_restricted, nullptr);
  {
    v1::ExplainEventRequest req;
    req.set_event_id(a_restricted->event_id());
    v1::EventExplanation x;
    grpc::ClientContext ctx;
    EXPECT_EQ(stub->ExplainEvent(&ctx, req, &x).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    v1::ExplainEventRequest req;
    req.set_event_id(a_public->event_id());
    v1::EventExplanation x;
    grpc::ClientContext ctx;
    EXPECT_TRUE(stub->ExplainEvent(&ctx, req, &x).ok());
  }
  {
    v1::ListEventsRequest req;
    req.set_visibility(v1::VISIBILITY_RESTRICTED);
    list(req, false, 100, &status);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    const auto public_only = list({}, false, 1000, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const auto& e : public_only) {
      EXPECT_EQ(e.visibility(), v1::VISIBILITY_PUBLIC) << e.condition_key();
    }
    Keys want;
    for (const Event& ev : mine) {
      if (ev.e.visibility() == v1::VISIBILITY_PUBLIC) {
        want.insert(ev.e.event_id());
      }
    }
    EXPECT_EQ(mine_ids(public_only), want);
  }

  // Filters: only matching events, and all of the population's that match.
  struct Filter {
    std::string name;
    v1::ListEventsRequest req;
    std::function<bool(const v1::OversightEvent&)> match;
  };
  std::vector<Filter> filters;
  for (v1::EventType t : AllTypes()) {
    v1::ListEventsRequest r;
    r.set_type(t);
    filters.push_back(
        {"type " + TypeName(t), r,
         [t](const v1::OversightEvent& e) { return e.type() == t; }});
  }
  for (const std::string& unit : std::vector<std::string>{
           "agency:" + pop.a0, "district:D1-" + pop.nonce}) {
    v1::ListEventsRequest r;
    r.set_unit(unit);
    filters.push_back({"unit " + unit, r, [unit](const v1::OversightEvent& e) {
                         return e.unit() == unit;
                       }});
  }
  {
    v1::ListEventsRequest r;
    r.set_unit("agency:" + pop.a0);
    r.set_period("FY2017");
    r.set_type(v1::EVENT_TYPE_FRUITION_GAP);
    const std::string unit = r.unit();
    filters.push_back(
        {"unit, period and type", r, [unit](const v1::OversightEvent& e) {
           return e.unit() == unit && e.period() == "FY2017" &&
                  e.type() == v1::EVENT_TYPE_FRUITION_GAP;
         }});
  }
  for (v1::Visibility v : {v1::VISIBILITY_PUBLIC, v1::VISIBILITY_RESTRICTED}) {
    v1::ListEventsRequest r;
    r.set_visibility(v);
    filters.push_back(
        {v1::Visibility_Name(v), r,
         [v](const v1::OversightEvent& e) { return e.visibility() == v; }});
  }
  for (bool resolved : {false, true}) {
    v1::ListEventsRequest r;
    r.set_resolved(resolved);
    filters.push_back({StrCat("resolved=", resolved ? "true" : "false"), r,
                       [resolved](const v1::OversightEvent& e) {
                         return e.resolved() == resolved;
                       }});
  }
  for (const Filter& f : filters) {
    const auto got = list(f.req, true, 1000, &status);
    ASSERT_TRUE(status.ok()) << f.name << ": " << status.error_message();
    for (const auto& e : got) {
      EXPECT_TRUE(f.match(e)) << f.name << ": " << e.ShortDebugString();
    }
    Keys want;
    for (const Event& ev : mine) {
      if (f.match(ev.e)) want.insert(ev.e.event_id());
    }
    EXPECT_EQ(mine_ids(got), want) << f.name;
  }
  // The unit-period-type filter found the FRUITION_GAP the scenario has
  // (the restricted half: the public one depends on the public view).
  EXPECT_EQ(pop.Restricted(v1::EVENT_TYPE_FRUITION_GAP)
                .count("FRUITION_GAP/agency:" + pop.a0 + "/FY2017/restricted"),
            1u);

  // Paging: 7 at a time, every event exactly once. First over the events
  // of one unit, which fit in a page of 1000: the same events in the same
  // order. A call examines at most 5,000 stored events, so on a shared
  // broker even the big page may need several calls (each with a token).
  {
    v1::ListEventsRequest req;
    req.set_unit("agency:" + pop.a0);
    const auto big = list(req, true, 1000, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_GT(big.size(), 7u);
    const auto paged = list(req, true, 7, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(paged.size(), big.size());
    for (size_t i = 0; i < paged.size(); ++i) {
      EXPECT_EQ(paged[i].event_id(), big[i].event_id()) << i;
    }
  }
  // Then over every event of the instance (more than a page of 1000 holds,
  // on a shared broker): the same set as pages of 1000. Events may only be
  // added meanwhile: big1 <= paged <= big2.
  auto ids_of = [](const std::vector<v1::OversightEvent>& events) {
    Keys ids;
    for (const auto& e : events) ids.insert(e.event_id());
    return ids;
  };
  const auto big1 = list({}, true, 1000, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const auto paged = list({}, true, 7, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const auto big2 = list({}, true, 1000, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const Keys paged_ids = ids_of(paged);
  EXPECT_EQ(paged_ids.size(), paged.size()) << "an event on two pages";
  const Keys b1 = ids_of(big1), b2 = ids_of(big2);
  EXPECT_EQ(b1.size(), big1.size());
  EXPECT_TRUE(
      std::includes(paged_ids.begin(), paged_ids.end(), b1.begin(), b1.end()))
      << "paging by 7 missed events: " << DescribeDiff("paged", paged_ids, b1);
  EXPECT_TRUE(
      std::includes(b2.begin(), b2.end(), paged_ids.begin(), paged_ids.end()))
      << DescribeDiff("paged", paged_ids, b2);
  EXPECT_EQ(mine_ids(paged), Ids(mine));
  std::cout << "ListEvents: " << paged.size() << " events in pages of 7\n";
}

// The records `writer` wrote on the audit topic, in its order.
std::vector<v1::AuditRecord> AuditOf(const std::string& bootstrap,
                                     const std::string& writer) {
  auto records = testing::AuditRecordsOf(bootstrap, writer);
  EXPECT_TRUE(records.ok()) << records.status();
  return records.ok() ? *std::move(records) : std::vector<v1::AuditRecord>{};
}

// Issue 14: under --log-level error, an overseer's restricted ListEvents
// and ExplainEvent each leave exactly one audit record naming the events
// read; a refused restricted read leaves one naming none.
TEST_F(ReconcilerIntegrationTest, RestrictedReadsAndRefusalsAreAuditedOnce) {
  ASSERT_EQ(EnsureRun1(), "");
  const Stack& st = run1_->stack;
  auto stub = v1::ReconcilerService::NewStub(
      grpc::CreateChannel(StrCat("127.0.0.1:", st.reconciler_port),
                          grpc::InsecureChannelCredentials()));
  auto topic_events = ReadEvents(bootstrap());
  ASSERT_TRUE(topic_events.ok()) << topic_events.status();
  const std::vector<Event> mine = MineOnly(run1_->pop, *topic_events);
  const v1::OversightEvent* restricted = nullptr;
  for (const Event& ev : mine) {
    if (ev.e.visibility() == v1::VISIBILITY_RESTRICTED) restricted = &ev.e;
  }
  ASSERT_NE(restricted, nullptr);
  // The restricted events of its unit-period, as the topic has them.
  std::set<std::string> want_ids;
  for (const Event& ev : mine) {
    if (ev.e.visibility() == v1::VISIBILITY_RESTRICTED &&
        ev.e.unit() == restricted->unit() &&
        ev.e.period() == restricted->period()) {
      want_ids.insert(StrCat("event:", ev.e.event_id()));
    }
  }
  v1::ListEventsRequest req;
  req.set_unit(restricted->unit());
  req.set_period(restricted->period());
  req.set_visibility(v1::VISIBILITY_RESTRICTED);
  req.set_page_size(1000);
  auto list = [&](bool overseer, v1::ListEventsResponse* resp) {
    grpc::ClientContext ctx;
    if (overseer) ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
    return stub->ListEvents(&ctx, req, resp);
  };
  auto listed_ids = [](const v1::ListEventsResponse& resp) {
    std::vector<std::string> ids;
    for (const auto& e : resp.events()) {
      ids.push_back(StrCat("event:", e.event_id()));
    }
    return ids;
  };
  // Until the instance's store holds them all (a restarted one reads the
  // topics back first); these reads are audited too, so the count starts
  // after them.
  v1::ListEventsResponse resp;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        resp.Clear();
        if (!list(true, &resp).ok()) return false;
        const std::vector<std::string> ids = listed_ids(resp);
        return std::set<std::string>(ids.begin(), ids.end()) == want_ids;
      },
      seconds(600), milliseconds(2000)));
  const size_t before = AuditOf(bootstrap(), st.AuditWriter()).size();

  ASSERT_TRUE(list(true, &resp).ok());
  const std::vector<std::string> listed = listed_ids(resp);
  v1::ExplainEventRequest explain;
  explain.set_event_id(restricted->event_id());
  v1::EventExplanation x;
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
    ASSERT_TRUE(stub->ExplainEvent(&ctx, explain, &x).ok());
  }
  v1::ListEventsResponse refused;
  EXPECT_EQ(list(false, &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  const std::string list_events = "/fruition.v1.ReconcilerService/ListEvents";
  const std::vector<testing::AuditWant> want = {
      {"OIG", list_events, "OK", listed},
      {"OIG",
       "/fruition.v1.ReconcilerService/ExplainEvent",
       "OK",
       {StrCat("event:", restricted->event_id())}},
      {"PUBLIC", list_events, "PERMISSION_DENIED", {}}};
  std::vector<v1::AuditRecord> trail;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        trail = AuditOf(bootstrap(), st.AuditWriter());
        return trail.size() >= before + want.size();
      },
      seconds(30)));
  testing::ExpectAuditRecords(trail, before, want);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), want_ids);
}

TEST_F(ReconcilerIntegrationTest, ResolvesLive) {
  PauseRun1();
  Population pop = Generate(nonce_, testing::Scaled(160), 5);
  ASSERT_FALSE(pop.unsubstantiated.empty());
  ASSERT_FALSE(pop.mismatched.empty());
  Stack st;
  st.Init(bootstrap(), nonce_, "resolve");
  st.publish_interval_s = 0;
  ASSERT_TRUE(testing::Produce(st.bootstrap, pop.records).ok());
  st.StartScoring();
  ASSERT_NE(st.scoring, nullptr);
  ASSERT_EQ(WaitScoringSettled(st, &pop), "");
  const int64_t inputs = InputRecords(st.bootstrap);
  st.StartReconciler();
  ASSERT_NE(st.reconciler, nullptr);
  ASSERT_EQ(
      WaitEventsConverged(st, pop, static_cast<double>(inputs), seconds(600)),
      "");

  // New facts that end conditions: a SUBSTANTIATED assessment of an
  // unsubstantiated claim; an amended judgment (later occurred_at, not LNF,
  // no mitigating role) of a TIER_MISMATCH case; a later, higher target
  // for the overshot measure (TARGET_OVERSHOOT is judged on the public
  // view, whose target ratios are current: SPEC §5 D4 holds back figures
  // about people only).
  std::vector<Outgoing> fixes;
  std::map<std::string, std::string> to_resolve;  // condition key -> topic
  Keys touched_pids;
  for (const Case& c : pop.mismatched) {
    if (touched_pids.size() == 3) break;
    v1::AgencyReport amended = c.sentencing;
    amended.set_report_id(amended.report_id() + "-amended");
    amended.mutable_occurred_at()->set_seconds(
        c.sentencing.occurred_at().seconds() + kDay);
    std::mt19937 rng(1);
    v1::SentencingRecord s = Sentencing(Profile::kMid, rng);
    s.set_subject_pid(c.pid);
    s.set_district(c.sentencing.sentencing().district());
    const domain::DesertResult d = domain::Score(s);
    ASSERT_FALSE(d.lnf);
    ASSERT_FALSE(MitigatingRole(s));
    *amended.mutable_sentencing() = s;
    fixes.push_back(Report(amended, c.pid));
    to_resolve[StrCat("TIER_MISMATCH/subject/", c.pid, "/case/", c.case_id)] =
        RestrictedTopic();
    touched_pids.insert(c.pid);
  }
  int claims = 0;
  for (const Claim& c : pop.unsubstantiated) {
    if (claims == 3) break;
    if (touched_pids.count(c.pid) > 0) continue;
    ++claims;
    fixes.push_back(Assessment(MakeAssessment(
        StrCat(nonce_, "-as-fix-", c.claim_id), c,
        v1::ASSESSMENT_RESULT_SUBSTANTIATED, "v1", c.claimed_at + 30 * kDay)));
    to_resolve["LINK_UNSUBSTANTIATED/claim/" + c.claim_id] = RestrictedTopic();
  }
  {
    v1::AgencyReport r;
    r.set_report_id(StrCat(nonce_, "-target-raised"));
    r.set_reporter(pop.a0);
    r.mutable_occurred_at()->set_seconds(kFy2016 + 200 * kDay);
    auto* pt = r.mutable_performance_target();
    pt->set_agency(pop.a0);
    pt->set_fiscal_year(2016);
    pt->set_measure(v1::PERFORMANCE_MEASURE_PTO_DISMANTLED);
    pt->set_target(20);  // 12 / 20 = 0.6
    fixes.push_back(Reference(r, pop.a0));
    const std::string key =
        StrCat("TARGET_OVERSHOOT/agency:", pop.a0,
               "/FY2016/PERFORMANCE_MEASURE_PTO_DISMANTLED");
    ASSERT_EQ(pop.overshot.count(key), 1u);
    ASSERT_EQ(pop.Public(v1::EVENT_TYPE_TARGET_OVERSHOOT).count(key), 1u)
        << "the public view does not show the overshoot";
    to_resolve[key] = PublicTopic();
  }
  ASSERT_GE(claims, 1);
  ASSERT_GE(touched_pids.size(), 1u);
  ASSERT_TRUE(testing::Produce(st.bootstrap, fixes).ok());

  // A resolving event (same condition key, resolved) for each.
  std::string why;
  const bool resolved = testing::WaitUntil(
      [&] {
        auto events = ReadEvents(st.bootstrap);
        if (!events.ok()) return false;
        const std::vector<Event> mine = MineOnly(pop, *events);
        std::map<std::string, const Event*> latest;
        for (const auto& ev : mine) {
          auto it = to_resolve.find(ev.e.condition_key());
          if (it == to_resolve.end() || it->second != ev.topic) continue;
          auto& l = latest[ev.e.condition_key()];
          if (l == nullptr || l->offset < ev.offset) l = &ev;
        }
        Keys pending;
        for (const auto& [ck, topic] : to_resolve) {
          auto it = latest.find(ck);
          if (it == latest.end() || !it->second->e.resolved()) {
            pending.insert(ck);
          }
        }
        why = Join(pending);
        if (!pending.empty()) {
          // What the public view shows of the raised target, for the reader.
          std::map<std::string, v1::Scorecard> views;
          size_t n = 0;
          (void)ReadPublicViews(st.bootstrap, pop, &views, &n);
          auto it = views.find(StrCat("agency:", pop.a0, "\tFY2016"));
          const v1::Indicator* ratio =
              it == views.end()
                  ? nullptr
                  : CellOf(it->second,
                           "target_ratio:PERFORMANCE_MEASURE_PTO_DISMANTLED");
          why += ratio == nullptr
                     ? "; no public PTO_DISMANTLED ratio"
                     : StrCat("; public PTO_DISMANTLED ratio ", ratio->value(),
                              ratio->suppressed() ? " (suppressed)" : "");
        }
        return pending.empty();
      },
      seconds(300), milliseconds(2000));
  EXPECT_TRUE(resolved) << "not resolved: " << why
                        << "; reconciler log: " << st.reconciler->log_path();
  // Each resolution names its condition and type, and is still RESTRICTED
  // or PUBLIC as the condition was.
  auto events = ReadEvents(st.bootstrap);
  ASSERT_TRUE(events.ok());
  int resolutions = 0;
  for (const auto& ev : MineOnly(pop, *events)) {
    if (!ev.e.resolved()) continue;
    auto it = to_resolve.find(ev.e.condition_key());
    if (it == to_resolve.end()) continue;  // a transient one on the way
    ++resolutions;
    EXPECT_EQ(ev.e.condition_key().rfind(TypeName(ev.e.type()) + "/", 0), 0u);
    EXPECT_EQ(ev.topic, it->second) << ev.e.condition_key();
  }
  EXPECT_GE(resolutions, static_cast<int>(to_resolve.size()));
}

// ------------------------------------------------------------- fencing

// The records on both oversight topics (every test's), -1 if they cannot
// be read.
int64_t OversightRecords(const std::string& bootstrap) {
  auto records = testing::ReadTopics(
      bootstrap, {PublicTopic(), RestrictedTopic()}, seconds(60));
  return records.ok() ? static_cast<int64_t>(records->size()) : -1;
}

using Position = std::tuple<std::string, int32_t, int64_t>;

// Where every oversight record lies now (topic, partition, offset).
std::set<Position> OversightPositions(const std::string& bootstrap) {
  std::set<Position> out;
  auto records = testing::ReadTopics(
      bootstrap, {PublicTopic(), RestrictedTopic()}, seconds(60));
  if (!records.ok()) return out;
  for (const auto& r : *records) out.insert({r.topic, r.partition, r.offset});
  return out;
}

// The oversight records not at `seen`, one line each: which event, and
// whether its id was among `known` (so a failure says what came late).
std::string RecordsNotAt(const std::string& bootstrap,
                         const std::set<Position>& seen, const Keys& known) {
  auto records = testing::ReadTopics(
      bootstrap, {PublicTopic(), RestrictedTopic()}, seconds(60));
  if (!records.ok()) return records.status().ToString();
  std::string out;
  for (const auto& r : *records) {
    if (seen.count({r.topic, r.partition, r.offset}) > 0) continue;
    v1::OversightEvent e;
    if (!e.ParseFromString(r.value)) continue;
    out += StrCat(
        r.topic, "/", r.partition, "@", r.offset, " ",
        v1::EventType_Name(e.type()), " ", e.event_id(),
        known.count(e.event_id()) > 0 ? " (id published before)" : " (new id)",
        "\n");
  }
  return out;
}

// Whether consumer group `group` is Stable with `members` members within
// 60 s.
bool GroupHas(const std::string& bootstrap, const std::string& group,
              int members) {
  return testing::WaitUntil(
      [&] {
        auto n = testing::StableMembers(bootstrap, group);
        return n.ok() && *n == members;
      },
      seconds(60), milliseconds(100));
}

// Waits until the conditions holding on the topics are `pop`'s expected
// ones, then until nothing more is written to the oversight topics for
// `quiet`; "" then, with the population's events in `mine`, else what
// differs.
std::string WaitHoldingQuiet(const std::string& bootstrap,
                             const Population& pop, milliseconds quiet,
                             std::vector<Event>* mine) {
  std::string why = "not read";
  auto compare = [&] {
    auto events = ReadEvents(bootstrap);
    if (!events.ok()) return false;
    *mine = MineOnly(pop, *events);
    why = CompareHolding(pop, *mine);
    return why.empty();
  };
  if (!testing::WaitUntil(compare, seconds(300), milliseconds(200))) {
    return why;
  }
  if (!testing::WaitQuiet([&] { return OversightRecords(bootstrap); }, quiet,
                          seconds(120), milliseconds(200))) {
    return "the reconcilers never stopped writing";
  }
  compare();
  return why;
}

// SPEC §8 fencing, as evidence's APausedInstanceIsFencedWhenItResumes: a
// reconciler paused (SIGSTOP) past its session while it holds a
// transaction, whose partitions the other instance took over, writes
// nothing anyone reads once it resumes (SIGCONT): its commit is refused
// (fruition_stream_transactions_aborted_total), nothing of it lands on the
// oversight topics, and the events are those an uninterrupted run gives:
// every event id the new owner published and no other, each once, and a
// fresh reconciler replaying the whole history has nothing to add. Two
// reconcilers share the group on a scored population's history (scoring
// stopped once settled, so the cards stay put), then a SUBSTANTIATED
// assessment of every unsubstantiated claim arrives, each resolving a
// LINK_UNSUBSTANTIATED; a is paused among them. Without fencing its
// resolutions would land a second time after the new owner's.
//
// The pause ends as soon as the new owner's events are settled: a's
// outputs are failed 15 s after they were queued (message.timeout.ms),
// which would abort its transaction whether or not the group's generation
// is checked.
TEST_F(ReconcilerIntegrationTest, APausedInstanceIsFencedWhenItResumes) {
  PauseRun1();
  Population pop = Generate(nonce_, testing::Scaled(160), 9);
  Stack a;
  a.Init(bootstrap(), nonce_, "pause");
  ASSERT_TRUE(testing::Produce(a.bootstrap, pop.records).ok());
  a.StartScoring();
  ASSERT_NE(a.scoring, nullptr);
  ASSERT_EQ(WaitScoringSettled(a, &pop), "");
  a.KillScoring();
  // A's outputs linger a second before they are sent: while fixes flow it
  // is almost always inside a transaction, so the pause lands in one.
  a.kafka_properties = ",linger.ms=1000";
  a.reconciler_data = "ra";
  Stack b = a.Twin("rb");
  a.StartReconciler();
  b.StartReconciler();
  ASSERT_NE(a.reconciler, nullptr);
  ASSERT_NE(b.reconciler, nullptr);
  ASSERT_TRUE(GroupHas(a.bootstrap, a.reconciler_group, 2));
  // The history, as one reconciler replaying it says it: every expected
  // condition once.
  std::vector<Event> mine;
  ASSERT_EQ(WaitHoldingQuiet(a.bootstrap, pop, seconds(3), &mine), "");
  EXPECT_EQ(mine.size(), pop.ExpectedEvents());
  EXPECT_EQ(Ids(mine).size(), mine.size()) << "an event id published twice";

  // The fixes, one at a time until the pause; the rest once b alone holds
  // every partition.
  Population fixed = pop;
  std::vector<Outgoing> fixes;
  for (const Claim& c : pop.unsubstantiated) {
    fixes.push_back(Assessment(MakeAssessment(
        StrCat(nonce_, "-as-fix-", c.claim_id), c,
        v1::ASSESSMENT_RESULT_SUBSTANTIATED, "v1", c.claimed_at + 30 * kDay)));
    fixed.restricted[v1::EVENT_TYPE_LINK_UNSUBSTANTIATED].erase(
        "LINK_UNSUBSTANTIATED/claim/" + c.claim_id);
  }
  ASSERT_GE(fixes.size(), 4u);
  std::atomic<bool> pausing{false};
  size_t fed = 0;
  std::thread feeder([&] {
    while (!pausing.load() && fed < fixes.size() / 2) {
      EXPECT_TRUE(testing::Produce(a.bootstrap, {fixes[fed]}).ok());
      ++fed;
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  // Paused right after it applied a fix: its resolution then lingers a
  // second in an open transaction.
  ASSERT_TRUE(testing::WaitUntilApplied(a.reconciler_metrics, seconds(60)))
      << "reconciler a applied no fix";
  auto aborted = [&] {
    return testing::AbortedTransactions(a.reconciler_metrics);
  };
  const double aborted_before = aborted();
  a.reconciler->Signal(SIGSTOP);
  const auto paused = steady_clock::now();
  pausing = true;
  feeder.join();
  ASSERT_TRUE(GroupHas(a.bootstrap, a.reconciler_group, 1))
      << "the group never dropped the paused reconciler";
  ASSERT_TRUE(
      testing::Produce(a.bootstrap, {fixes.begin() + fed, fixes.end()}).ok());
  // 3 s quiet: the clean-clone run of 0498b6a once counted 12 records more
  // after the resume than after a 1-s quiet window (RecordsNotAt, below,
  // now names them); a late write of the instance that took over is not
  // what this measures, a landing of the paused one is.
  ASSERT_EQ(WaitHoldingQuiet(a.bootstrap, fixed, seconds(3), &mine), "");
  const Keys settled = Ids(mine);
  const int64_t quiet = OversightRecords(a.bootstrap);
  const std::set<Position> quiet_at = OversightPositions(a.bootstrap);
  const std::string& log = a.reconciler->log_path();
  const int revoked = testing::Occurrences(log, "partitions revoked");
  a.reconciler->Signal(SIGCONT);
  const auto pause_ms =
      std::chrono::duration_cast<milliseconds>(steady_clock::now() - paused)
          .count();
  RecordProperty("pause_ms", static_cast<int>(pause_ms));
  // Its transaction ends first: refused (counted), or, were it not fenced,
  // committed before a learns that it lost its partitions (it logs the
  // revocation). Then a is stopped again while the topics are read, lest
  // what it writes once it rejoins be counted too.
  testing::WaitUntil(
      [&] {
        return aborted() > aborted_before ||
               testing::Occurrences(log, "partitions revoked") > revoked;
      },
      seconds(60), milliseconds(20));
  a.reconciler->Signal(SIGSTOP);
  EXPECT_EQ(OversightRecords(a.bootstrap), quiet)
      << "the paused reconciler's transaction landed after it resumed:\n"
      << RecordsNotAt(a.bootstrap, quiet_at, settled);
  a.reconciler->Signal(SIGCONT);
  EXPECT_GT(aborted(), aborted_before)
      << "the resumed reconciler never had a commit refused: the pause did "
         "not land inside a transaction, or nothing fenced it";
  EXPECT_GT(testing::Occurrences(log, "kafka transaction aborted"), 0);
  std::cout << "paused " << pause_ms << " ms; " << quiet
            << " oversight records before it resumed; aborted "
            << testing::AfterMarker(testing::ReadFile(log), "\"during\":")
            << "\n";

  // Once a rejoined and went over its partitions again: still exactly what
  // b published, each event once.
  ASSERT_TRUE(GroupHas(a.bootstrap, a.reconciler_group, 2));
  ASSERT_EQ(WaitHoldingQuiet(a.bootstrap, fixed, seconds(5), &mine), "");
  EXPECT_EQ(Ids(mine), settled)
      << DescribeDiff("event ids after a resumed", Ids(mine), settled);
  EXPECT_EQ(mine.size(), settled.size()) << "an event published twice";
  // An uninterrupted run over the same history: a fresh reconciler (empty
  // data dir, new group) has nothing to add.
  a.KillReconciler();
  b.KillReconciler();
  Stack fresh = a.Twin("rc");
  fresh.reconciler_group += "-fresh";
  const int64_t inputs = InputRecords(a.bootstrap);
  fresh.StartReconciler();
  ASSERT_NE(fresh.reconciler, nullptr);
  EXPECT_TRUE(WaitCaughtUp(fresh.reconciler_metrics,
                           static_cast<double>(inputs),
                           fresh.reconciler_started, seconds(600)));
  auto events = ReadEvents(a.bootstrap);
  ASSERT_TRUE(events.ok()) << events.status();
  const Keys ids = Ids(MineOnly(pop, *events));
  EXPECT_EQ(ids, settled) << DescribeDiff("event ids after a fresh replay", ids,
                                          settled);
}

// ------------------------------------------- LNF_MANDATORY_MINIMUM_HIGH

// A card as scoring publishes it with the cells LNF_MANDATORY_MINIMUM_HIGH
// reads: `lnf` LNF offenders of 100 sentenced, a share `mm` of them charged
// under a mandatory minimum, a quarter given the safety valve. A public view
// shows `withheld` cells as suppressed and nothing else (SPEC §5 D1); the
// callers withhold what D2 would (a count, k or n - k of 1 to 10), since the
// public topic must never show it.
v1::Scorecard MandatoryMinimumCard(const std::string& unit, double mm,
                                   int64_t lnf, int64_t revision,
                                   bool public_view,
                                   const Keys& withheld = {}) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period("FY2017");
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  c.set_revision(revision);
  c.set_public_view(public_view);
  c.set_scorecard_id(StrCat(public_view ? "P-" : "R-", unit, "-", revision));
  auto cell = [&](const std::string& name, double value, int64_t n) {
    v1::Indicator* i = c.add_indicators();
    i->set_name(name);
    if (withheld.count(name) > 0) {
      i->set_suppressed(true);
      return;
    }
    i->set_value(value);
    i->set_n(n);
    i->set_defined(true);
  };
  cell("sentenced", 100, 100);
  cell("lnf_sentenced", static_cast<double>(lnf), lnf);
  cell("lnf_mandatory_minimum_share", mm, lnf);
  cell("lnf_safety_valve_share", 0.25, lnf);
  return c;
}

// Both views of a unit-period, on the topics scoring publishes them to.
std::vector<Outgoing> BothViews(const v1::Scorecard& restricted,
                                const v1::Scorecard& public_view) {
  return {{std::string(topics::kScores),
           restricted.unit(),
           restricted.SerializeAsString(),
           {}},
          {std::string(topics::kScoresPublic),
           public_view.unit(),
           public_view.SerializeAsString(),
           {}}};
}

// The latest LNF_MANDATORY_MINIMUM_HIGH event of each condition key on
// `topic`.
std::map<std::string, v1::OversightEvent> LatestMandatoryMinimum(
    const std::vector<Event>& mine, const std::string& topic) {
  std::map<std::string, const Event*> latest;
  for (const auto& ev : mine) {
    if (ev.topic != topic ||
        ev.e.type() != v1::EVENT_TYPE_LNF_MANDATORY_MINIMUM_HIGH) {
      continue;
    }
    const Event*& l = latest[ev.e.condition_key()];
    if (l == nullptr || l->offset < ev.offset) l = &ev;
  }
  std::map<std::string, v1::OversightEvent> out;
  for (const auto& [ck, ev] : latest) out[ck] = ev->e;
  return out;
}

// The pair end to end through Kafka, on cards produced as scoring publishes
// them (the scenario above cannot: its charges are filed on other cases
// than its sentencings): each half on its own topic and view, a withheld
// count holding nothing publicly, 10 LNF offenders or a share of 0.49
// holding nothing, and a later card resolving both halves.
TEST_F(ReconcilerIntegrationTest, MandatoryMinimumPairLive) {
  PauseRun1();
  Stack st;
  st.Init(bootstrap(), nonce_, "mm");
  st.publish_interval_s = 0;
  Population pop;
  pop.nonce = nonce_;
  const std::string both = StrCat("agency:MM-BOTH-", nonce_);
  const std::string hidden = StrCat("district:MM-HIDDEN-", nonce_);
  const std::string few = StrCat("agency:MM-FEW-", nonce_);
  const std::string low = StrCat("agency:MM-LOW-", nonce_);
  std::vector<Outgoing> cards;
  auto add = [&](const std::string& unit, double mm, int64_t lnf,
                 int64_t revision, const Keys& withheld = {}) {
    for (const Outgoing& o : BothViews(
             MandatoryMinimumCard(unit, mm, lnf, revision, false),
             MandatoryMinimumCard(unit, mm, lnf, revision, true, withheld))) {
      cards.push_back(o);
    }
  };
  const Keys lnf_cells = {"lnf_sentenced", "lnf_mandatory_minimum_share",
                          "lnf_safety_valve_share"};
  // 33 of 44 (n - k = 11): both halves hold.
  add(both, 0.75, 44, 1);
  // 6 of 12, exactly at the share threshold: the restricted half holds; the
  // public view withholds the cells of 12 (k = 6), so the public does not.
  add(hidden, 0.5, 12, 1, lnf_cells);
  // 10 LNF offenders: neither, whatever the share.
  add(few, 0.9, 10, 1, lnf_cells);
  // 49 of 100: neither.
  add(low, 0.49, 100, 1);
  ASSERT_TRUE(testing::Produce(st.bootstrap, cards).ok());
  st.StartReconciler();
  ASSERT_NE(st.reconciler, nullptr);
  const std::string key = "LNF_MANDATORY_MINIMUM_HIGH/";
  const Keys want_public = {key + both + "/FY2017"};
  const Keys want_restricted = {key + both + "/FY2017/restricted",
                                key + hidden + "/FY2017/restricted"};
  std::map<std::string, v1::OversightEvent> pub, res;
  auto holding = [](const std::map<std::string, v1::OversightEvent>& m) {
    Keys out;
    for (const auto& [ck, e] : m) {
      if (!e.resolved()) out.insert(ck);
    }
    return out;
  };
  auto read = [&] {
    auto events = ReadEvents(st.bootstrap);
    if (!events.ok()) return false;
    const std::vector<Event> mine = MineOnly(pop, *events);
    pub = LatestMandatoryMinimum(mine, PublicTopic());
    res = LatestMandatoryMinimum(mine, RestrictedTopic());
    return true;
  };
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        return read() && holding(pub) == want_public &&
               holding(res) == want_restricted;
      },
      seconds(300), milliseconds(2000)))
      << DescribeDiff("public", holding(pub), want_public) << "; "
      << DescribeDiff("restricted", holding(res), want_restricted)
      << "; reconciler log: " << st.reconciler->log_path();
  // Nothing more than those: what never held was never said.
  EXPECT_EQ(pub.size(), want_public.size());
  EXPECT_EQ(res.size(), want_restricted.size());
  if (pub.count(key + both + "/FY2017") > 0) {
    const v1::OversightEvent& e = pub.at(key + both + "/FY2017");
    EXPECT_EQ(e.visibility(), v1::VISIBILITY_PUBLIC);
    EXPECT_EQ(e.severity(), v1::SEVERITY_WARNING);
    EXPECT_EQ(e.facts().at("lnf_mandatory_minimum_share"), 0.75);
    EXPECT_EQ(e.facts().at("lnf_sentenced"), 44);
    EXPECT_EQ(e.facts().at("lnf_safety_valve_share"), 0.25);
    EXPECT_EQ(e.facts().at("threshold"), 0.5);
    EXPECT_EQ(e.facts().at("min_lnf_sentenced"), 11);
    EXPECT_EQ(e.evidence_refs(0), StrCat("scorecard:P-", both, "-1"));
  }
  if (res.count(key + hidden + "/FY2017/restricted") > 0) {
    const v1::OversightEvent& e = res.at(key + hidden + "/FY2017/restricted");
    EXPECT_EQ(e.visibility(), v1::VISIBILITY_RESTRICTED);
    EXPECT_EQ(e.facts().at("lnf_sentenced"), 12);
    EXPECT_EQ(e.evidence_refs(0), StrCat("scorecard:R-", hidden, "-1"));
  }

  // A later card of each view below the threshold: both halves resolve.
  cards.clear();
  add(both, 0.25, 44, 2);  // 11 of 44
  ASSERT_TRUE(testing::Produce(st.bootstrap, cards).ok());
  const std::string pub_key = key + both + "/FY2017";
  const std::string res_key = pub_key + "/restricted";
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        return read() && pub.count(pub_key) > 0 && pub[pub_key].resolved() &&
               res.count(res_key) > 0 && res[res_key].resolved();
      },
      seconds(300), milliseconds(2000)))
      << "not resolved; reconciler log: " << st.reconciler->log_path();
  EXPECT_EQ(pub[pub_key].severity(), v1::SEVERITY_INFO);
  EXPECT_EQ(pub[pub_key].facts().at("lnf_mandatory_minimum_share"), 0.25);
  EXPECT_EQ(holding(res), Keys{key + hidden + "/FY2017/restricted"});
  st.KillReconciler();
}

}  // namespace
}  // namespace fruition
