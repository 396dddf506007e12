// The scoring service against a real Kafka broker (tools/kafka-local) and
// real RocksDB, with fruition-scoring as separate processes. The test
// generates a population, produces its reports and link assessments as
// intake and evidence would, and compares the service's scorecards with
// indicators it computes itself from the same facts. Skipped, with the
// reason, where Java/Maven are missing.
//
// Every test names its units with its own nonce (agency:A0-<nonce>, ...) and
// uses its own consumer groups, so the shared broker's other data does not
// matter.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/common/kafka/admin.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/domain/desert.h"
#include "tests/harness/harness.h"

namespace fruition {
namespace {

using std::chrono::seconds;
using testing::Broker;
using testing::Outgoing;
using testing::Process;

constexpr int64_t kDay = 86400;
constexpr int64_t kFy2016 = 1443657600;  // 2015-10-01T00:00:00Z

std::string Token(const std::string& code) { return "scoring-token-" + code; }

// The test's own fiscal period arithmetic (not the service's).
std::pair<std::string, std::string> Periods(int64_t t) {
  const time_t tt = static_cast<time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  const int month = tm.tm_mon + 1;
  const int fy = tm.tm_year + 1900 + (month >= 10 ? 1 : 0);
  const int q = month >= 10 ? 1 : month <= 3 ? 2 : month <= 6 ? 3 : 4;
  return {StrCat("FY", fy), StrCat("FY", fy, "Q", q)};
}

// Sums per unit-period, computed by the test.
struct Expected {
  int64_t arrests = 0, claimed = 0, substantiated = 0, sentenced = 0;
  int64_t desert = 0, high = 0, lnf = 0, ch1 = 0, weapon = 0, aggravating = 0;
  int64_t priority = 0, lnf_months = 0, declined_charged = 0;
  double wev = 0;
};

struct Population {
  std::vector<Outgoing> records;             // in "natural" order
  std::map<std::string, Expected> expected;  // unit \t period
};

Outgoing Report(const v1::AgencyReport& r, const std::string& pid) {
  return Outgoing{std::string(topics::kReports),
                  pid,
                  r.SerializeAsString(),
                  {{"fruition-reporter", r.reporter()},
                   {"fruition-report-id", r.report_id()}}};
}

double TierWeight(v1::Tier t) {
  switch (t) {
    case v1::TIER_CPOT:
      return 3;
    case v1::TIER_RPOT:
    case v1::TIER_PTO_NATIONAL:
      return 2;
    case v1::TIER_PTO_REGIONAL:
      return 1.5;
    default:
      return 1;
  }
}

double ResultFactor(v1::AssessmentResult r) {
  if (r == v1::ASSESSMENT_RESULT_SUBSTANTIATED) return 1;
  if (r == v1::ASSESSMENT_RESULT_PARTIAL) return 0.5;
  return 0.25;
}

Population Generate(const std::string& nonce, int subjects, uint32_t seed) {
  Population pop;
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  const std::vector<std::string> agencies = {"A0-" + nonce, "A1-" + nonce,
                                             "A2-" + nonce};
  std::vector<std::string> offices;
  offices.reserve(5);
  for (int i = 0; i < 5; ++i) offices.push_back(StrCat("FO", i, "-", nonce));
  std::vector<std::string> districts;
  districts.reserve(4);
  for (int i = 0; i < 4; ++i) districts.push_back(StrCat("D", i, "-", nonce));
  const std::string small_office = "FO-SMALL-" + nonce;
  auto add = [&](const std::string& unit, int64_t t,
                 const std::function<void(Expected&)>& f) {
    const auto [fy, q] = Periods(t);
    f(pop.expected[unit + "\t" + fy]);
    f(pop.expected[unit + "\t" + q]);
  };
  for (int i = 0; i < subjects; ++i) {
    const std::string pid = privacy::Sha256Hex(StrCat(nonce, "-s-", i));
    const std::string& agency = agencies[i % 3];
    // Five subjects in a tiny field office: its cells must be suppressed.
    const std::string& office = i < 5 ? small_office : offices[pick(5)];
    const std::string case_id = StrCat("CASE-", nonce, "-", i);
    const int64_t arrested = kFy2016 + pick(700) * kDay + pick(kDay);
    v1::AgencyReport arrest;
    arrest.set_report_id(StrCat(nonce, "-arrest-", i));
    arrest.set_reporter(agency);
    arrest.mutable_occurred_at()->set_seconds(arrested);
    arrest.set_case_id(case_id);
    auto* a = arrest.mutable_arrest();
    a->set_arrest_id(StrCat("AR-", i));
    a->set_subject_pid(pid);
    a->set_agency(agency);
    a->set_field_office(office);
    // Half claim a PTO link; its (latest) assessment decides.
    const bool claimed = pick(2) == 0;
    v1::AssessmentResult result = v1::ASSESSMENT_RESULT_UNSPECIFIED;
    v1::Tier tier = v1::TIER_UNSPECIFIED;
    if (claimed) a->set_claim_id(StrCat("CL-", nonce, "-", i));
    pop.records.push_back(Report(arrest, pid));
    if (pick(20) == 0) pop.records.push_back(Report(arrest, pid));  // resent
    if (claimed) {
      const int assessments = 1 + pick(2);
      for (int k = 0; k < assessments; ++k) {
        v1::LinkAssessment la;
        la.set_assessment_id(StrCat(nonce, "-as-", i, "-", k));
        la.set_claim_id(a->claim_id());
        la.set_subject_pid(pid);
        la.set_reporter(agency);
        la.set_criteria_version("v1");
        result = static_cast<v1::AssessmentResult>(1 + pick(3));
        tier = static_cast<v1::Tier>(pick(6));
        la.set_result(result);
        la.set_tier(tier);
        pop.records.push_back(Outgoing{std::string(topics::kLinkAssessments),
                                       pid,
                                       la.SerializeAsString(),
                                       {}});
      }
    }
    add("agency:" + agency, arrested, [&](Expected& e) {
      ++e.arrests;
      e.claimed += claimed;
      e.substantiated += result == v1::ASSESSMENT_RESULT_SUBSTANTIATED;
    });
    add("field_office:" + office, arrested, [&](Expected& e) {
      ++e.arrests;
      e.claimed += claimed;
      e.substantiated += result == v1::ASSESSMENT_RESULT_SUBSTANTIATED;
    });
    // Three in five are sentenced; one in ten of those amended later.
    if (pick(5) < 3) {
      v1::AgencyReport final_report;
      const int versions = pick(10) == 0 ? 2 : 1;
      for (int k = 0; k < versions; ++k) {
        v1::AgencyReport sen;
        sen.set_report_id(StrCat(nonce, "-sen-", i, "-", k));
        sen.set_reporter("USSC");
        sen.mutable_occurred_at()->set_seconds(
            arrested + (100 + 200 * k) * kDay + pick(50) * kDay);
        sen.set_case_id(case_id);
        auto* s = sen.mutable_sentencing();
        s->set_subject_pid(pid);
        s->set_district(districts[pick(4)]);
        s->set_criminal_history_points(pick(8));
        s->set_criminal_history_category(1 + pick(6));
        s->set_aggravating_role(static_cast<v1::AggravatingRole>(1 + pick(4)));
        s->set_mitigating_role(static_cast<v1::MitigatingRole>(1 + pick(3)));
        s->set_weapon(static_cast<v1::Weapon>(1 + pick(3)));
        s->set_violence(pick(10) == 0);
        s->set_drug(static_cast<v1::Drug>(1 + pick(7)));
        s->set_drug_weight_grams(pick(20000) / 10.0);
        s->set_function(static_cast<v1::OffenseFunction>(1 + pick(18)));
        s->set_sentence_months(12 + pick(240));
        final_report = sen;
        pop.records.push_back(Report(sen, pid));
      }
      const v1::SentencingRecord& s = final_report.sentencing();
      const domain::DesertResult d = domain::Score(s);
      const bool priority =
          claimed && (tier == v1::TIER_CPOT || tier == v1::TIER_RPOT ||
                      tier == v1::TIER_PTO_NATIONAL);
      const double wev =
          d.score / 100.0 *
          (claimed ? TierWeight(tier) * ResultFactor(result) : 0.25);
      auto sentenced = [&](Expected& e) {
        ++e.sentenced;
        e.desert += d.score;
        e.high += d.band == v1::DESERT_BAND_HIGH;
        e.lnf += d.lnf;
        e.ch1 += s.criminal_history_category() <= 1;
        e.weapon += s.weapon() != v1::WEAPON_NONE;
        e.aggravating += s.aggravating_role() != v1::AGGRAVATING_ROLE_NONE;
        e.priority += priority;
        e.wev += wev;
        if (d.lnf) e.lnf_months += s.sentence_months();
      };
      const int64_t at = final_report.occurred_at().seconds();
      add("district:" + s.district(), at, sentenced);
      add("agency:" + agency, at, sentenced);
      add("field_office:" + office, at, sentenced);
    }
    // A few declined in one district and charged in another.
    if (pick(30) == 0) {
      const int from = pick(4);
      const int to = (from + 1 + pick(3)) % 4;
      v1::AgencyReport dec;
      dec.set_report_id(StrCat(nonce, "-dec-", i));
      dec.set_reporter("USAO-" + nonce);
      dec.mutable_occurred_at()->set_seconds(arrested + 10 * kDay);
      dec.set_case_id(case_id);
      dec.mutable_declination()->set_subject_pid(pid);
      dec.mutable_declination()->set_district(districts[from]);
      dec.mutable_declination()->set_reason("quantity");
      pop.records.push_back(Report(dec, pid));
      v1::AgencyReport charge;
      charge.set_report_id(StrCat(nonce, "-charge-", i));
      charge.set_reporter("USAO-" + nonce);
      charge.mutable_occurred_at()->set_seconds(arrested + 40 * kDay);
      charge.set_case_id(case_id + "-B");
      charge.mutable_charge_filed()->set_subject_pid(pid);
      charge.mutable_charge_filed()->set_district(districts[to]);
      charge.mutable_charge_filed()->add_statutes("21 U.S.C. 841");
      pop.records.push_back(Report(charge, pid));
      add("district:" + districts[to], arrested + 40 * kDay,
          [](Expected& e) { ++e.declined_charged; });
    }
  }
  return pop;
}

// The indicators the test expects for one unit-period, by name.
std::map<std::string, std::pair<double, int64_t>> Indicators(
    const Expected& e) {
  std::map<std::string, std::pair<double, int64_t>> m;
  const auto share = [&](int64_t x) {
    return e.sentenced == 0 ? 0.0 : static_cast<double>(x) / e.sentenced;
  };
  m["arrests"] = {e.arrests, e.arrests};
  m["pto_linked_arrests_claimed"] = {e.claimed, e.claimed};
  m["pto_linked_arrests_substantiated"] = {e.substantiated, e.claimed};
  if (e.claimed > 0) {
    m["link_substantiation_rate"] = {
        static_cast<double>(e.substantiated) / e.claimed, e.claimed};
  }
  m["sentenced"] = {e.sentenced, e.sentenced};
  if (e.sentenced > 0) {
    m["mean_desert"] = {share(e.desert), e.sentenced};
    m["high_desert_share"] = {share(e.high), e.sentenced};
    m["lnf_share"] = {share(e.lnf), e.sentenced};
    m["ch1_share"] = {share(e.ch1), e.sentenced};
    m["weapon_share"] = {share(e.weapon), e.sentenced};
    m["aggravating_role_share"] = {share(e.aggravating), e.sentenced};
    m["claimed_priority_share"] = {share(e.priority), e.sentenced};
    m["fruition_gap"] = {share(e.priority) - share(e.high), e.sentenced};
  }
  m["weighted_enforcement_value"] = {e.wev, e.sentenced};
  m["lnf_prison_years"] = {e.lnf_months / 12.0, e.lnf};
  m["lnf_cost_usd"] = {e.lnf_months / 12.0 * 36299, e.lnf};
  m["declined_then_charged_elsewhere"] = {e.declined_charged,
                                          e.declined_charged};
  return m;
}

class ScoringIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    skip_reason_ = new std::string(Broker::UnavailableReason());
    if (!skip_reason_->empty()) return;
    auto broker = Broker::Shared();
    if (!broker.ok()) {
      *skip_reason_ = std::string(broker.status().message());
      return;
    }
    shared_broker_ = new std::shared_ptr<Broker>(*broker);
    auto topics = kafka::IntakeTopics(12, 1);
    for (std::string_view t :
         {topics::kLinkAssessments, topics::kScores,
          topics::kScoringContributions, topics::kScoringPublicBase,
          topics::kScoresPublic}) {
      topics.push_back(kafka::TopicSpec{std::string(t), 12, 1, {}});
    }
    const absl::Status s =
        kafka::EnsureTopics((*broker)->bootstrap(), {}, topics, seconds(30));
    if (!s.ok()) *skip_reason_ = std::string(s.message());
  }

  void SetUp() override {
    if (!skip_reason_->empty()) GTEST_SKIP() << *skip_reason_;
    nonce_ = testing::Nonce();
    dir_ = testing::NewTempDir("scoring");
    std::ofstream principals(dir_ + "/principals.yaml");
    principals << "principals:\n  - code: OIG\n    kind: OVERSEER\n"
               << "    token_sha256: " << privacy::Sha256Hex(Token("OIG"))
               << "\n";
  }

  const std::string& bootstrap() const {
    return (*shared_broker_)->bootstrap();
  }

  std::unique_ptr<Process> StartScoring(const std::string& name, int port) {
    const std::vector<std::string> args = {
        "--kafka-bootstrap=" + bootstrap(),
        std::string("--kafka-properties=session.timeout.ms=6000,") +
            "heartbeat.interval.ms=1000",
        "--group-id=fruition-scoring-test-" + nonce_,
        "--principals-file=" + dir_ + "/principals.yaml",
        "--data-dir=" + dir_ + "/" + name,
        StrCat("--grpc-listen=127.0.0.1:", port),
        StrCat("--metrics-listen=127.0.0.1:", testing::FreePort())};
    const std::string log =
        StrCat(testing::OutputDir(), "/scoring-", nonce_, "-", name, ".log");
    auto process = Process::Start(
        testing::Runfile("services/scoring/fruition-scoring"), args, log);
    EXPECT_TRUE(process.ok()) << process.status();
    EXPECT_TRUE(testing::WaitUntil(
        [&] {
          return testing::HealthStatus(StrCat("127.0.0.1:", port)) == "SERVING";
        },
        seconds(60)))
        << "scoring did not become SERVING; log: " << log;
    return std::move(*process);
  }

  // The first difference between the service's scorecards (at any of
  // `ports`, as an overseer) and the expected indicators, or "".
  std::string Diff(const Population& pop, const std::vector<int>& ports) {
    std::vector<std::unique_ptr<v1::ScoringService::Stub>> stubs;
    stubs.reserve(ports.size());
    for (int port : ports) {
      stubs.push_back(v1::ScoringService::NewStub(grpc::CreateChannel(
          StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials())));
    }
    for (const auto& [key, e] : pop.expected) {
      const size_t tab = key.find('\t');
      v1::GetScorecardRequest req;
      req.set_unit(key.substr(0, tab));
      req.set_period(key.substr(tab + 1));
      v1::Scorecard card;
      bool found = false;
      for (auto& stub : stubs) {
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
        if (stub->GetScorecard(&ctx, req, &card).ok()) {
          found = true;
          break;
        }
      }
      if (!found) return "no scorecard for " + key;
      std::map<std::string, const v1::Indicator*> got;
      for (const auto& i : card.indicators()) got[i.name()] = &i;
      for (const auto& [name, want] : Indicators(e)) {
        auto it = got.find(name);
        if (it == got.end()) return StrCat(key, ": no ", name);
        const v1::Indicator& i = *it->second;
        if (i.n() != want.second ||
            std::fabs(i.value() - want.first) >
                1e-9 * std::max(1.0, std::fabs(want.first))) {
          return StrCat(key, ": ", name, " = ", i.value(), " (n ", i.n(),
                        "), want ", want.first, " (n ", want.second, ")");
        }
      }
    }
    return "";
  }

  void ExpectConverges(const Population& pop, const std::vector<int>& ports,
                       seconds timeout = seconds(180)) {
    std::string why;
    testing::WaitUntil(
        [&] {
          why = Diff(pop, ports);
          return why.empty();
        },
        timeout, std::chrono::milliseconds(500));
    EXPECT_EQ(why, "");
  }

  static std::string* skip_reason_;
  static std::shared_ptr<Broker>* shared_broker_;
  std::string nonce_;
  std::string dir_;
};

std::string* ScoringIntegrationTest::skip_reason_ = nullptr;
std::shared_ptr<Broker>* ScoringIntegrationTest::shared_broker_ = nullptr;

TEST_F(ScoringIntegrationTest, IndicatorsEqualThoseComputedFromTheFacts) {
  const Population pop = Generate(nonce_, testing::Scaled(2100), 1);
  const int port = testing::FreePort();
  auto scoring = StartScoring("a", port);
  ASSERT_TRUE(testing::Produce(bootstrap(), pop.records).ok());
  ExpectConverges(pop, {port});

  // Public callers get the public view (SPEC §5 D1–D4): the five-subject
  // field office never had 11 records, so every cell about people is
  // withheld and carries nothing but the flag, never a number.
  auto stub = v1::ScoringService::NewStub(grpc::CreateChannel(
      StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  int suppressed = 0;
  for (const auto& [key, e] : pop.expected) {
    if (key.rfind("field_office:FO-SMALL-", 0) != 0) continue;
    v1::GetScorecardRequest req;
    req.set_unit(key.substr(0, key.find('\t')));
    req.set_period(key.substr(key.find('\t') + 1));
    v1::Scorecard card;
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          grpc::ClientContext ctx;  // no credentials: public
          return stub->GetScorecard(&ctx, req, &card).ok();
        },
        std::chrono::seconds(60), std::chrono::milliseconds(200)))
        << key << ": no public view";
    EXPECT_TRUE(card.public_view()) << key;
    for (const auto& i : card.indicators()) {
      EXPECT_TRUE(i.suppressed()) << key << " " << i.name();
      EXPECT_EQ(i.value(), 0) << key << " " << i.name();
      EXPECT_EQ(i.n(), 0) << key << " " << i.name();
      suppressed += i.suppressed() ? 1 : 0;
    }
  }
  EXPECT_GT(suppressed, 0);
}

TEST_F(ScoringIntegrationTest, ShuffledInputGivesTheSameIndicators) {
  Population pop = Generate(nonce_, testing::Scaled(2000), 2);
  // Each subject's records stay in their order (one partition, as Kafka
  // keeps them), but subjects and topics interleave differently.
  std::map<std::string, std::vector<Outgoing>> by_subject;
  std::vector<std::string> order;
  for (const auto& r : pop.records) {
    if (by_subject.count(r.key) == 0) order.push_back(r.key);
    by_subject[r.key].push_back(r);
  }
  std::mt19937 rng(7);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<Outgoing> shuffled;
  // Round-robin over subjects in shuffled order.
  for (size_t k = 0;; ++k) {
    bool any = false;
    for (const auto& pid : order) {
      if (k < by_subject[pid].size()) {
        shuffled.push_back(by_subject[pid][k]);
        any = true;
      }
    }
    if (!any) break;
  }
  const int port = testing::FreePort();
  auto scoring = StartScoring("a", port);
  ASSERT_TRUE(testing::Produce(bootstrap(), shuffled).ok());
  ExpectConverges(pop, {port});
}

TEST_F(ScoringIntegrationTest, KillNineThreeTimesGivesTheSameIndicators) {
  const Population pop = Generate(nonce_, testing::Scaled(2400), 3);
  const int port = testing::FreePort();
  auto scoring = StartScoring("a", port);
  // Four chunks; after each of the first three, kill -9 while it works.
  const size_t chunk = pop.records.size() / 4 + 1;
  for (int k = 0; k < 4; ++k) {
    const size_t begin = k * chunk;
    const size_t end = std::min(pop.records.size(), begin + chunk);
    ASSERT_TRUE(testing::Produce(bootstrap(), {pop.records.begin() + begin,
                                               pop.records.begin() + end})
                    .ok());
    if (k == 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + 400 * k));
    scoring->Signal(SIGKILL);
    scoring->Wait(seconds(10));
    scoring = StartScoring("a", port);
  }
  ExpectConverges(pop, {port});
}

TEST_F(ScoringIntegrationTest, TwoInstancesSplitTheWorkAndOneTakesOver) {
  const Population pop = Generate(nonce_, testing::Scaled(2000), 4);
  const int port_a = testing::FreePort();
  const int port_b = testing::FreePort();
  auto a = StartScoring("a", port_a);
  auto b = StartScoring("b", port_b);
  const size_t half = pop.records.size() / 2;
  ASSERT_TRUE(testing::Produce(bootstrap(), {pop.records.begin(),
                                             pop.records.begin() + half})
                  .ok());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  a->Signal(SIGKILL);
  a->Wait(seconds(10));
  ASSERT_TRUE(testing::Produce(bootstrap(),
                               {pop.records.begin() + half, pop.records.end()})
                  .ok());
  // b alone now holds every partition of both stages.
  ExpectConverges(pop, {port_b});
}

}  // namespace
}  // namespace fruition
