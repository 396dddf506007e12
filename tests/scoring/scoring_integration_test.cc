// The scoring service against a real Kafka broker (tools/kafka-local) and
// real RocksDB, with fruition-scoring as separate processes. The test
// generates a population, produces its reports and link assessments as
// intake and evidence would, and compares the service's scorecards with
// indicators it computes itself from the same facts. Skipped, with the
// reason, where Java/Maven are missing.
//
// Every test has topics of its own on the shared broker (scoring's
// --topic-prefix, t-<nonce>.), its own consumer groups and units named with
// its nonce (agency:A0-<nonce>, ...): no test reads another's records, so a
// test's time does not grow with the suite and national:US is its own
// population's. Only the audit trail is shared.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/audit.pb.h"
#include "fruition/v1/events.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/common/kafka/admin.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/domain/desert.h"
#include "tests/harness/audit.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/fixtures.h"
#include "tests/harness/harness.h"
#include "tools/sim/scoring_stream.h"

namespace fruition {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Outgoing;
using testing::Process;

std::string Token(const std::string& code) { return "scoring-token-" + code; }

// Sums per unit-period, computed by the test.
struct Expected {
  int64_t arrests = 0, claimed = 0, substantiated = 0, sentenced = 0;
  int64_t desert = 0, high = 0, lnf = 0, ch1 = 0, weapon = 0, aggravating = 0;
  int64_t priority = 0, lnf_months = 0, declined_charged = 0;
  double wev = 0;
  // The prosecution stage and the sentencing tables.
  int64_t charged = 0, mm_charged = 0, declined = 0, referred = 0;
  int64_t dispositions = 0, pleas = 0, convictions = 0;
  int64_t lnf_mm = 0, lnf_safety_valve = 0, mm_sentenced = 0, below_mm = 0;
  int64_t heavy = 0, heavy_lnf = 0, ocdetf = 0, ocdetf_lnf = 0;
  int64_t seizures = 0, seized_cents = 0;
  // Data quality: arrests with no sentencing in their case, sentencings
  // with no arrest, arrests naming a field office, sentencings giving a
  // drug weight.
  int64_t unsentenced = 0, without_arrest = 0, with_office = 0;
  int64_t with_weight = 0;
  // The reports counted here and the latest received_at among them (the
  // stream never sends a report id with another body: no conflicts).
  int64_t received = 0, last_received = 0;
  std::vector<int64_t> months;           // of every sentenced person
  std::map<std::string, int64_t> tally;  // "function:X", "origin_lnf:O", ...
};

// The 10-year thresholds of 21 U.S.C. § 841(b)(1), in grams (mixture).
double TenYearGrams(v1::Drug drug) {
  switch (drug) {
    case v1::DRUG_COCAINE:
      return 5000;
    case v1::DRUG_CRACK:
      return 280;
    case v1::DRUG_HEROIN:
      return 1000;
    case v1::DRUG_FENTANYL:
      return 400;
    case v1::DRUG_METHAMPHETAMINE:
      return 500;
    case v1::DRUG_MARIJUANA:
      return 1000000;
    default:
      return -1;  // none
  }
}

bool LnfFunction(v1::OffenseFunction f) {
  switch (f) {
    case v1::OFFENSE_FUNCTION_COURIER:
    case v1::OFFENSE_FUNCTION_MULE:
    case v1::OFFENSE_FUNCTION_STREET_LEVEL_DEALER:
    case v1::OFFENSE_FUNCTION_EMPLOYEE_LOOKOUT:
    case v1::OFFENSE_FUNCTION_ENABLER:
    case v1::OFFENSE_FUNCTION_RENTER_STORER:
    case v1::OFFENSE_FUNCTION_USER:
    case v1::OFFENSE_FUNCTION_BROKER_STEERER:
      return true;
    default:
      return false;
  }
}

// What the sentencing adds from the case: its latest charge's minimum and
// the latest case_opened's origin and designations.
void ExpectCaseFacts(const sim::ScoringSubject& x,
                     const v1::SentencingRecord& s, bool lnf, Expected& e) {
  for (const sim::CaseEvent& c : x.charges) {
    if (c.case_id != x.case_id || c.minimum == 0) continue;
    ++e.mm_sentenced;
    e.below_mm += s.sentence_months() < c.minimum;
    e.lnf_mm += lnf;
  }
  if (!x.case_opened.has_value()) return;
  const std::string origin = v1::CaseOrigin_Name(x.case_opened->origin());
  ++e.tally["origin:" + origin];
  if (lnf) ++e.tally["origin_lnf:" + origin];
  for (int d : x.case_opened->designations()) {
    if (d != v1::CASE_DESIGNATION_OCDETF) continue;
    ++e.ocdetf;
    e.ocdetf_lnf += lnf;
  }
}

// Everything but the claims that one sentencing counts.
void ExpectSentenced(const sim::ScoringSubject& x,
                     const v1::SentencingRecord& s,
                     const domain::DesertResult& d, Expected& e) {
  ++e.sentenced;
  e.with_weight += s.drug_weight_grams() > 0;
  e.desert += d.score;
  e.high += d.band == v1::DESERT_BAND_HIGH;
  e.lnf += d.lnf;
  e.ch1 += s.criminal_history_category() <= 1;
  e.weapon += s.weapon() != v1::WEAPON_NONE;
  e.aggravating += s.aggravating_role() != v1::AGGRAVATING_ROLE_NONE;
  if (d.lnf) e.lnf_months += s.sentence_months();
  e.lnf_safety_valve += d.lnf && s.safety_valve();
  e.months.push_back(s.sentence_months());
  const double ten = TenYearGrams(s.drug());
  if (ten > 0 && s.drug_weight_grams() >= ten) {
    ++e.heavy;
    e.heavy_lnf += LnfFunction(s.function());
  }
  ++e.tally["function:" + v1::OffenseFunction_Name(s.function())];
  ++e.tally[StrCat("criminal_history:", s.criminal_history_category())];
  ++e.tally["drug:" + v1::Drug_Name(s.drug())];
  ExpectCaseFacts(x, s, d.lnf, e);
}

struct Population {
  std::vector<Outgoing> records;             // in "natural" order
  std::map<std::string, Expected> expected;  // unit \t period
};

constexpr char kNational[] = "national:US";

// When intake received a report of `occurred_at` (Generate stamps every
// first copy so; a resent copy later, which must change nothing).
int64_t ReceivedAt(int64_t occurred_at) {
  return occurred_at + 86400 * (1 + (occurred_at / 86400) % 30);
}

// One more report counted in `e`, of `occurred_at`.
void CountReport(int64_t occurred_at, Expected& e) {
  ++e.received;
  e.last_received = std::max(e.last_received, ReceivedAt(occurred_at));
}

using AddFn = std::function<void(const std::string&, int64_t,
                                 const std::function<void(Expected&)>&)>;

// Declined in one district and charged (any charge filed) in another: once,
// at the earliest such charge (ties: the district's name).
void ExpectDeclinedThenCharged(const sim::ScoringSubject& x, const AddFn& add) {
  const sim::CaseEvent* first = nullptr;
  for (const sim::CaseEvent& c : x.charge_history) {
    bool elsewhere = false;
    for (const sim::CaseEvent& d : x.declinations) {
      elsewhere = elsewhere || d.district != c.district;
    }
    if (elsewhere &&
        (first == nullptr ||
         std::tie(c.at, c.district) < std::tie(first->at, first->district))) {
      first = &c;
    }
  }
  if (first != nullptr) {
    for (const std::string& unit :
         {"district:" + first->district, std::string(kNational)}) {
      add(unit, first->at, [](Expected& e) { ++e.declined_charged; });
    }
  }
}

// A subject's charges, declinations, dispositions and its case's seizures:
// each in its district (if any), in the arrest's units when in the
// arrest's case, in its own period.
void ExpectProsecution(const sim::ScoringSubject& x, const AddFn& add) {
  auto in_units = [&](const sim::CaseEvent& c,
                      const std::function<void(Expected&)>& g) {
    // Each a report of its own.
    auto f = [&](Expected& e) {
      g(e);
      CountReport(c.at, e);
    };
    if (!c.district.empty()) add("district:" + c.district, c.at, f);
    const bool arrest_case = c.case_id == x.case_id;
    if (arrest_case) {
      add("agency:" + x.agency, c.at, f);
      add("field_office:" + x.field_office, c.at, f);
    }
    if (arrest_case || !c.district.empty()) add(kNational, c.at, f);
  };
  for (const sim::CaseEvent& c : x.charges) {
    in_units(c, [&](Expected& e) {
      ++e.charged;
      e.mm_charged += c.minimum > 0;
    });
  }
  for (const sim::CaseEvent& c : x.declinations) {
    in_units(c, [&](Expected& e) {
      ++e.declined;
      e.referred += c.referred;
    });
  }
  for (const sim::CaseEvent& c : x.dispositions) {
    in_units(c, [&](Expected& e) {
      ++e.dispositions;
      const bool plea = c.outcome == v1::DISPOSITION_OUTCOME_PLEA;
      e.pleas += plea;
      e.convictions +=
          plea || c.outcome == v1::DISPOSITION_OUTCOME_TRIAL_CONVICTION;
    });
  }
  if (!x.case_opened.has_value()) return;  // seizures wait for the case
  for (const sim::SeizureFact& z : x.seizures) {
    auto seized = [&](Expected& e) {
      ++e.seizures;
      e.seized_cents += z.cents;
      CountReport(z.at, e);
    };
    add("agency:" + x.case_opened->agency(), z.at, seized);
    add("field_office:" + x.case_opened->field_office(), z.at, seized);
    add("district:" + x.case_opened->district(), z.at, seized);
    add(kNational, z.at, seized);
  }
}

// The stream tools/sim/scoring_stream.h makes, and what the test expects of
// it, computed here from each subject's facts, national:US included (each
// test's scoring reads topics of its own: --topic-prefix).
Population Generate(const std::string& nonce, int subjects, uint32_t seed) {
  Population pop;
  auto add = [&](const std::string& unit, int64_t t,
                 const std::function<void(Expected&)>& f) {
    const auto [fy, q] = testing::FiscalPeriods(t);
    f(pop.expected[unit + "\t" + fy]);
    f(pop.expected[unit + "\t" + q]);
  };
  auto expect = [&](const sim::ScoringSubject& x) {
    const bool claimed = x.claimed;
    const v1::AssessmentResult result = x.result;
    const v1::Tier tier = x.tier;
    auto arrested = [&](Expected& e) {
      ++e.arrests;
      // The stream sentences a subject in the case of its arrest.
      e.unsentenced += !x.sentencing.has_value();
      e.with_office += !x.field_office.empty();
      e.claimed += claimed;
      e.substantiated += result == v1::ASSESSMENT_RESULT_SUBSTANTIATED;
      CountReport(x.arrested, e);
    };
    add("agency:" + x.agency, x.arrested, arrested);
    add("field_office:" + x.field_office, x.arrested, arrested);
    add(kNational, x.arrested, arrested);
    if (x.sentencing.has_value()) {
      const v1::SentencingRecord& s = x.sentencing->sentencing();
      const domain::DesertResult d = domain::Score(s);
      const bool priority =
          claimed && (tier == v1::TIER_CPOT || tier == v1::TIER_RPOT ||
                      tier == v1::TIER_PTO_NATIONAL);
      const double wev =
          d.score / 100.0 *
          (claimed ? fixtures::TierWeight(tier) * fixtures::ResultFactor(result)
                   : 0.25);
      const int64_t at = x.sentencing->occurred_at().seconds();
      auto sentenced = [&](Expected& e) {
        ExpectSentenced(x, s, d, e);
        e.priority += priority;
        e.wev += wev;
        CountReport(at, e);
      };
      add("district:" + s.district(), at, sentenced);
      add("agency:" + x.agency, at, sentenced);
      add("field_office:" + x.field_office, at, sentenced);
      add(kNational, at, sentenced);
    }
    ExpectDeclinedThenCharged(x, add);
    ExpectProsecution(x, add);
  };
  std::set<std::pair<std::string, std::string>> stamped;
  for (sim::StreamRecord& r :
       sim::ScoringStream(nonce, subjects, seed, expect)) {
    // Intake's stamp, which the stream leaves out: a resent copy (the same
    // report) arrives later.
    v1::AgencyReport report;
    if (r.topic == topics::kReports && report.ParseFromString(r.value)) {
      const int64_t at = report.occurred_at().seconds();
      const bool again =
          !stamped.insert({report.reporter(), report.report_id()}).second;
      report.mutable_received_at()->set_seconds(ReceivedAt(at) +
                                                (again ? 400 * 86400 : 0));
      r.value = report.SerializeAsString();
    }
    Outgoing out{std::move(r.topic), std::move(r.key), std::move(r.value), {}};
    for (auto& [k, v] : r.headers) out.headers[k] = v;
    pop.records.push_back(std::move(out));
  }
  return pop;
}

using IndicatorMap = std::map<std::string, std::pair<double, int64_t>>;

// k ÷ n with n, only when n > 0 (an undefined share is not compared).
void ShareIf(IndicatorMap* m, const std::string& name, int64_t k, int64_t n) {
  if (n > 0) (*m)[name] = {static_cast<double>(k) / n, n};
}

double Median(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

int64_t Tally(const Expected& e, const std::string& key) {
  auto it = e.tally.find(key);
  return it == e.tally.end() ? 0 : it->second;
}

// The prosecution stage and the sentencing tables, by their definitions.
void AddProsecutionIndicators(const Expected& e, IndicatorMap* m) {
  (*m)["charged"] = {e.charged, e.charged};
  ShareIf(m, "mandatory_minimum_charged_share", e.mm_charged, e.charged);
  (*m)["declined"] = {e.declined, e.declined};
  ShareIf(m, "declination_rate", e.declined, e.declined + e.charged);
  ShareIf(m, "referred_to_state_share", e.referred, e.declined);
  (*m)["dispositions"] = {e.dispositions, e.dispositions};
  ShareIf(m, "plea_rate", e.pleas, e.dispositions);
  ShareIf(m, "conviction_rate", e.convictions, e.dispositions);
  (*m)["lnf_sentenced"] = {e.lnf, e.lnf};
  ShareIf(m, "lnf_mandatory_minimum_share", e.lnf_mm, e.lnf);
  ShareIf(m, "lnf_safety_valve_share", e.lnf_safety_valve, e.lnf);
  ShareIf(m, "below_mandatory_minimum_share", e.below_mm, e.mm_sentenced);
  ShareIf(m, "weight_role_mismatch_share", e.heavy_lnf, e.heavy);
  ShareIf(m, "ocdetf_lnf_share", e.ocdetf_lnf, e.ocdetf);
  if (e.sentenced > 0) {
    int64_t sum = 0;
    for (int64_t v : e.months) sum += v;
    (*m)["mean_sentence_months"] = {static_cast<double>(sum) / e.sentenced,
                                    e.sentenced};
    (*m)["median_sentence_months"] = {Median(e.months), e.sentenced};
  }
  for (int f = 1; f <= 18; ++f) {
    const std::string name =
        v1::OffenseFunction_Name(static_cast<v1::OffenseFunction>(f));
    ShareIf(m, "function_share:" + name, Tally(e, "function:" + name),
            e.sentenced);
  }
  for (int c = 1; c <= 6; ++c) {
    ShareIf(m, StrCat("criminal_history_share:", c),
            Tally(e, StrCat("criminal_history:", c)), e.sentenced);
  }
  for (int d = 1; d <= 7; ++d) {
    const std::string name = v1::Drug_Name(static_cast<v1::Drug>(d));
    ShareIf(m, "drug_share:" + name, Tally(e, "drug:" + name), e.sentenced);
  }
  for (int o = 1; o <= 6; ++o) {
    const std::string name =
        v1::CaseOrigin_Name(static_cast<v1::CaseOrigin>(o));
    ShareIf(m, "origin_lnf_share:" + name, Tally(e, "origin_lnf:" + name),
            Tally(e, "origin:" + name));
  }
  (*m)["seizures"] = {e.seizures, e.seizures};
  (*m)["seized_value_usd"] = {e.seized_cents / 100.0, e.seizures};
}

// The indicators the test expects for one unit-period, by name.
std::map<std::string, std::pair<double, int64_t>> Indicators(const Expected& e,
                                                             bool agency) {
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
  AddProsecutionIndicators(e, &m);
  m["arrests_unsentenced"] = {e.unsentenced, e.unsentenced};
  m["sentenced_without_arrest"] = {e.without_arrest, e.without_arrest};
  ShareIf(&m, "coverage:arrest.field_office", e.with_office, e.arrests);
  ShareIf(&m, "coverage:sentencing.drug_weight_grams", e.with_weight,
          e.sentenced);
  if (agency) {  // the reports behind an agency's figures
    m["reports_received"] = {e.received, e.received};
    m["reports_conflicting"] = {0, 0};
    m["last_received_at"] = {e.last_received, e.received};
  }
  return m;
}

class ScoringIntegrationTest
    : public testing::BrokerSuite<ScoringIntegrationTest> {
 protected:
  static std::vector<kafka::TopicSpec> ScoringTopics() {
    return testing::IntakeTopicsAnd(
        {topics::kLinkAssessments, topics::kScores,
         topics::kScoringContributions, topics::kScoringPublicBase,
         topics::kScoringCaseMembers, topics::kScoringCaseFacts,
         topics::kScoresPublic, topics::kOversightPublic,
         topics::kOversightRestricted});
  }

  static void SetUpTestSuite() { SetUpBroker(ScoringTopics()); }

  // Produces `records` to this test's own topics.
  absl::Status Produce(std::vector<Outgoing> records) const {
    for (Outgoing& r : records) r.topic = prefix_ + r.topic;
    return testing::Produce(bootstrap(), records);
  }

  void SetUp() override {
    BrokerSuite::SetUp();
    if (IsSkipped()) return;
    nonce_ = testing::Nonce();
    prefix_ = StrCat("t-", nonce_, ".");
    // Topics of this test's own: its scoring reads nothing of the other
    // tests' (and national:US is this population's alone).
    std::vector<kafka::TopicSpec> own;
    for (kafka::TopicSpec spec : ScoringTopics()) {
      if (spec.name == topics::kAudit) continue;
      spec.name = prefix_ + spec.name;
      own.push_back(std::move(spec));
    }
    ASSERT_TRUE(kafka::EnsureTopics(bootstrap(), {}, own, seconds(30)).ok());
    dir_ = testing::NewTempDir("scoring");
    std::ofstream principals(dir_ + "/principals.yaml");
    principals << "principals:\n  - code: OIG\n    kind: OVERSEER\n"
               << "    token_sha256: " << privacy::Sha256Hex(Token("OIG"))
               << "\n  - code: DEA\n    kind: AGENCY\n"
               << "    token_sha256: " << privacy::Sha256Hex(Token("DEA"))
               << "\n";
  }

  std::string Writer(const std::string& name) const {
    return StrCat("scoring@", nonce_, "-", name);
  }

  // The records instance `name` wrote on the audit topic, in its order.
  std::vector<v1::AuditRecord> AuditOf(const std::string& name) {
    auto records = testing::AuditRecordsOf(bootstrap(), Writer(name));
    EXPECT_TRUE(records.ok()) << records.status();
    return records.ok() ? *std::move(records) : std::vector<v1::AuditRecord>{};
  }

  // Starts instance `name` (its own data dir and audit chain), with `extra`
  // flags and `kafka_properties` added to the test's, and with `wait` waits
  // until it is SERVING.
  std::unique_ptr<Process> StartScoring(
      const std::string& name, int port, int metrics_port = 0,
      const std::vector<std::string>& extra = {}, bool wait = true,
      const std::string& kafka_properties = "") {
    std::vector<std::string> args = {
        "--kafka-bootstrap=" + bootstrap(),
        std::string("--kafka-properties=session.timeout.ms=6000,") +
            "heartbeat.interval.ms=1000" + kafka_properties,
        "--group-id=fruition-scoring-test-" + nonce_,
        "--topic-prefix=" + prefix_,
        "--principals-file=" + dir_ + "/principals.yaml",
        "--data-dir=" + dir_ + "/" + name,
        StrCat("--grpc-listen=127.0.0.1:", port),
        StrCat("--metrics-listen=127.0.0.1:",
               metrics_port != 0 ? metrics_port : testing::FreePort()),
        StrCat("--audit-writer=", Writer(name))};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string log =
        StrCat(testing::OutputDir(), "/scoring-", nonce_, "-", name, ".log");
    auto process = Process::Start(
        testing::Runfile("services/scoring/fruition-scoring"), args, log);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!wait) return std::move(*process);
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
      if (std::string why = CardDiff(key, e, card); !why.empty()) return why;
    }
    return "";
  }

  // The first difference between `card` and the indicators expected of
  // unit-period `key`, or "".
  static std::string CardDiff(const std::string& key, const Expected& e,
                              const v1::Scorecard& card) {
    std::map<std::string, const v1::Indicator*> got;
    for (const auto& i : card.indicators()) got[i.name()] = &i;
    const bool agency = key.rfind("agency:", 0) == 0;
    if (!agency) {
      for (const char* only :
           {"reports_received", "reports_conflicting", "last_received_at"}) {
        if (got.count(only) > 0) {
          return StrCat(key, ": ", only, " carried; agencies only");
        }
      }
    }
    for (const auto& [name, want] : Indicators(e, agency)) {
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
    return "";
  }

  // The latest card of each of the population's unit-periods (unit \t
  // period) on this test's fruition.scores.v1, as the reconciler reads it
  // (a unit's cards share a partition: the latest is the last).
  std::map<std::string, v1::Scorecard> LatestCardsOnTheTopic(
      const Population& pop) {
    std::map<std::string, v1::Scorecard> latest;
    auto records = testing::ReadTopic(
        bootstrap(), prefix_ + std::string(topics::kScores), seconds(60));
    if (!records.ok()) return latest;
    std::sort(records->begin(), records->end(),
              [](const testing::Record& x, const testing::Record& y) {
                return std::tie(x.partition, x.offset) <
                       std::tie(y.partition, y.offset);
              });
    for (const auto& r : *records) {
      v1::Scorecard card;
      if (!card.ParseFromString(r.value)) continue;
      const std::string key = card.unit() + "\t" + card.period();
      if (pop.expected.count(key) > 0) latest[key] = std::move(card);
    }
    return latest;
  }

  // The first difference between the latest cards on the topic and the
  // expected indicators, or between their ids and those of the cards served
  // at `port` (the same facts give the same id), or "".
  std::string TopicDiff(const Population& pop, int port) {
    const auto latest = LatestCardsOnTheTopic(pop);
    auto stub = v1::ScoringService::NewStub(grpc::CreateChannel(
        StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    for (const auto& [key, e] : pop.expected) {
      auto it = latest.find(key);
      if (it == latest.end()) return "no scorecard on the topic for " + key;
      if (std::string why = CardDiff(key, e, it->second); !why.empty()) {
        return "on the topic: " + why;
      }
      v1::GetScorecardRequest req;
      req.set_unit(it->second.unit());
      req.set_period(it->second.period());
      v1::Scorecard served;
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
      if (!stub->GetScorecard(&ctx, req, &served).ok()) {
        return "no scorecard served for " + key;
      }
      if (served.scorecard_id() != it->second.scorecard_id()) {
        return StrCat(key, ": scorecard ", it->second.scorecard_id(),
                      " on the topic, ", served.scorecard_id(), " served");
      }
    }
    return "";
  }

  // The records (read_committed) on every topic scoring writes, of this
  // test's own; -1 if they cannot be read.
  int64_t OutputRecords() {
    std::vector<std::string> written;
    for (std::string_view topic :
         {topics::kScoringContributions, topics::kScoringCaseMembers,
          topics::kScoringCaseFacts, topics::kScores,
          topics::kScoringPublicBase, topics::kScoresPublic}) {
      written.push_back(prefix_ + std::string(topic));
    }
    auto records = testing::ReadTopics(bootstrap(), written, seconds(60));
    EXPECT_TRUE(records.ok()) << records.status();
    if (!records.ok()) return -1;
    // Not a card stage 2 produced again, unchanged, because a rebalance
    // assigned its partition (topics::kRepublishedHeader): when the resumed
    // instance rejoins, every stage-2 partition that moves is produced
    // again, by its new owner, legitimately.
    const int64_t fresh = std::count_if(
        records->begin(), records->end(), [](const testing::Record& r) {
          return r.headers.count(std::string(topics::kRepublishedHeader)) == 0;
        });
    republished_ = static_cast<int64_t>(records->size()) - fresh;
    return fresh;
  }
  // How many records the last OutputRecords left out as republications.
  int64_t republished_ = 0;

  // Whether every consumer group of this test's scoring (one per stage) is
  // Stable with `members` members within 60 s.
  bool GroupsHave(int members) {
    const std::string group = "fruition-scoring-test-" + nonce_;
    return testing::WaitUntil(
        [&] {
          for (const std::string& suffix :
               {"", "-cases", "-stage2", "-public"}) {
            auto n = testing::StableMembers(bootstrap(), group + suffix);
            if (!n.ok() || *n != members) return false;
          }
          return true;
        },
        seconds(60), milliseconds(100));
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

  std::string nonce_;
  std::string prefix_;
  std::string dir_;
};

TEST_F(ScoringIntegrationTest, IndicatorsEqualThoseComputedFromTheFacts) {
  const Population pop = Generate(nonce_, testing::Scaled(2100), 1);
  const int port = testing::FreePort();
  auto scoring = StartScoring("a", port);
  ASSERT_TRUE(Produce(pop.records).ok());
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

  // Restricted cards name the reports that changed them, reports of this
  // population only; public views name none.
  std::set<std::string> sent;
  for (const Outgoing& r : pop.records) {
    v1::AgencyReport report;
    if (r.topic == topics::kReports && report.ParseFromString(r.value)) {
      sent.insert(report.reporter() + "/" + report.report_id());
    }
  }
  auto restricted = testing::ReadTopic(
      bootstrap(), prefix_ + std::string(topics::kScores), seconds(60));
  ASSERT_TRUE(restricted.ok()) << restricted.status();
  int64_t named = 0;
  for (const auto& r : *restricted) {
    v1::Scorecard card;
    ASSERT_TRUE(card.ParseFromString(r.value));
    EXPECT_LE(card.changed_by_size(), 50);
    EXPECT_GE(card.changed_by_count(), card.changed_by_size());
    for (const std::string& ref : card.changed_by()) {
      EXPECT_EQ(sent.count(ref), 1u) << card.unit() << " " << ref;
      ++named;
    }
  }
  EXPECT_GT(named, 0);
  auto public_views = testing::ReadTopic(
      bootstrap(), prefix_ + std::string(topics::kScoresPublic), seconds(60));
  ASSERT_TRUE(public_views.ok()) << public_views.status();
  EXPECT_FALSE(public_views->empty());
  for (const auto& r : *public_views) {
    v1::Scorecard card;
    ASSERT_TRUE(card.ParseFromString(r.value));
    EXPECT_TRUE(card.changed_by().empty()) << card.unit() << card.period();
    EXPECT_EQ(card.changed_by_count(), 0) << card.unit() << card.period();
  }
}

// `records` with each subject's records in their order (one partition, as
// Kafka keeps them), but subjects and topics interleaved: round-robin over
// the subjects in an order shuffled with `seed` (every subject's first
// record, then every second one, ...).
std::vector<Outgoing> Interleaved(const std::vector<Outgoing>& records,
                                  uint32_t seed) {
  std::map<std::string, std::vector<Outgoing>> by_subject;
  std::vector<std::string> order;
  for (const auto& r : records) {
    if (by_subject.count(r.key) == 0) order.push_back(r.key);
    by_subject[r.key].push_back(r);
  }
  std::mt19937 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<Outgoing> out;
  for (size_t k = 0;; ++k) {
    bool any = false;
    for (const auto& pid : order) {
      if (k < by_subject[pid].size()) {
        out.push_back(by_subject[pid][k]);
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

TEST_F(ScoringIntegrationTest, ShuffledInputGivesTheSameIndicators) {
  Population pop = Generate(nonce_, testing::Scaled(2000), 2);
  const int port = testing::FreePort();
  auto scoring = StartScoring("a", port);
  ASSERT_TRUE(Produce(Interleaved(pop.records, 7)).ok());
  ExpectConverges(pop, {port});
}

TEST_F(ScoringIntegrationTest, KillNineThreeTimesGivesTheSameIndicators) {
  // Not scaled down under the sanitizers: a quarter of it is a backlog of
  // about 700 reports per chunk, less than one batch (1000), which stage 1
  // commits whole before any kill can land in it.
  const Population pop = Generate(nonce_, 2400, 3);
  const int port = testing::FreePort();
  const int metrics = testing::FreePort();
  const std::string reports = prefix_ + std::string(topics::kReports);
  const std::string group = "fruition-scoring-test-" + nonce_;
  // Four chunks, each produced while no instance runs; the first three are
  // each cut by a kill -9 in the middle of the backlog it finds.
  const size_t chunk = pop.records.size() / 4 + 1;
  std::unique_ptr<Process> scoring;
  int64_t committed_before = 0;
  for (int k = 0; k < 4; ++k) {
    const size_t begin = k * chunk;
    const size_t end = std::min(pop.records.size(), begin + chunk);
    ASSERT_TRUE(
        Produce({pop.records.begin() + begin, pop.records.begin() + end}).ok());
    if (k == 3) {
      scoring = StartScoring("a", port, metrics);
      break;
    }
    // Killed as soon as stage 1 has committed part of the backlog it finds
    // (its offsets go to Kafka with its output transactions).
    scoring = StartScoring("a", port, metrics, {}, /*wait=*/false);
    int64_t seen = committed_before;
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          auto p = testing::ProgressOf(bootstrap(), group, reports);
          if (p.ok()) seen = p->committed;
          return seen > committed_before;
        },
        seconds(90), milliseconds(20)))
        << "kill " << k + 1 << ": stage 1 committed nothing";
    scoring->Signal(SIGKILL);
    scoring->Wait(seconds(10));
    // The kill landed while work was in flight: stage 1 had committed some
    // of the backlog (above), not all of it.
    auto progress = testing::ProgressOf(bootstrap(), group, reports);
    ASSERT_TRUE(progress.ok()) << progress.status();
    EXPECT_LT(progress->committed, progress->end)
        << "kill " << k + 1 << " landed after stage 1 had committed every "
        << "report";
    EXPECT_GT(progress->committed, committed_before) << "kill " << k + 1;
    std::cerr << "kill " << k + 1 << ": stage 1 had committed "
              << progress->committed << " of " << progress->end
              << " report offsets\n";
    committed_before = progress->committed;
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
  ASSERT_TRUE(Produce({pop.records.begin(), pop.records.begin() + half}).ok());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  a->Signal(SIGKILL);
  a->Wait(seconds(10));
  ASSERT_TRUE(Produce({pop.records.begin() + half, pop.records.end()}).ok());
  // b alone now holds every partition of both stages.
  ExpectConverges(pop, {port_b});
}

// SPEC §8 fencing, as evidence's APausedInstanceIsFencedWhenItResumes: an
// instance paused (SIGSTOP) past its session while it holds a transaction,
// whose partitions the other instance took over, writes nothing anyone
// reads once it resumes (SIGCONT): its commit is refused
// (fruition_stream_transactions_aborted_total), nothing of it lands on any
// topic scoring writes, and the scorecards (served, and the latest on
// fruition.scores.v1) are those computed from the facts, as an
// uninterrupted run gives. Without fencing its stale contributions (each
// subject's before its later records) would land after the new owner's and
// count as the latest.
//
// The pause ends as soon as the new owner's cards are settled: a's outputs
// are failed 15 s after they were queued (message.timeout.ms), and a
// transaction 20 s after it began, which would abort a's transaction
// whether or not the group's generation is checked.
TEST_F(ScoringIntegrationTest, APausedInstanceIsFencedWhenItResumes) {
  // Not scaled down under the sanitizers: at a quarter the first half is
  // fed and committed before the pause can land inside a transaction.
  const Population pop = Generate(nonce_, 1200, 6);
  // Every subject has records before the pause and after it.
  const std::vector<Outgoing> records = Interleaved(pop.records, 11);
  const int port_a = testing::FreePort(), metrics_a = testing::FreePort();
  const int port_b = testing::FreePort();
  // A's outputs linger a second before they are sent: while records flow
  // it is almost always inside a transaction, so the pause lands in one.
  auto a = StartScoring("a", port_a, metrics_a, {}, true, ",linger.ms=1000");
  auto b = StartScoring("b", port_b);
  ASSERT_TRUE(GroupsHave(2)) << "the instances never shared every stage";
  // The first half in small steps until the pause; the rest once b alone
  // holds every partition.
  std::atomic<bool> pausing{false};
  size_t fed = 0;
  std::thread feeder([&] {
    const size_t step = std::max<size_t>(1, records.size() / 80);
    while (!pausing.load() && fed < records.size() / 2) {
      const size_t end = std::min(records.size(), fed + step);
      EXPECT_TRUE(Produce({records.begin() + fed, records.begin() + end}).ok());
      fed = end;
      std::this_thread::sleep_for(milliseconds(50));
    }
  });
  // Paused right after it applied a batch: its outputs then linger a second
  // in an open transaction.
  ASSERT_TRUE(
      testing::WaitUntilApplied(metrics_a, seconds(60), "scoring-stage1"))
      << "instance a applied nothing";
  auto aborted = [&] { return testing::AbortedTransactions(metrics_a); };
  const double aborted_before = aborted();
  a->Signal(SIGSTOP);
  const auto paused = std::chrono::steady_clock::now();
  pausing = true;
  feeder.join();
  // Past a's session (6 s) every stage's group drops it and b owns every
  // partition; then the rest of each subject's records arrive.
  ASSERT_TRUE(GroupsHave(1)) << "the groups never dropped the paused instance";
  ASSERT_TRUE(Produce({records.begin() + fed, records.end()}).ok());
  ExpectConverges(pop, {port_b});
  // Nothing more is written: whatever lands from now on is a's.
  const std::optional<int64_t> quiet = testing::WaitQuiet(
      [&] { return OutputRecords(); }, seconds(1), seconds(60), seconds(0));
  ASSERT_TRUE(quiet.has_value()) << "the new owner never stopped writing";
  const int revoked = testing::Occurrences(a->log_path(), "partitions revoked");
  a->Signal(SIGCONT);
  const auto pause_ms = std::chrono::duration_cast<milliseconds>(
                            std::chrono::steady_clock::now() - paused)
                            .count();
  RecordProperty("pause_ms", static_cast<int>(pause_ms));
  // Its transaction ends first: refused (counted), or, were it not fenced,
  // committed before a learns that its four stages lost their partitions
  // (each logs the revocation). Then a is stopped again while the topics
  // are read: its stages that rejoin meanwhile write again (outputs of a
  // replay, which linger a second), and those would be counted too.
  testing::WaitUntil(
      [&] {
        return aborted() > aborted_before ||
               testing::Occurrences(a->log_path(), "partitions revoked") >=
                   revoked + 4;
      },
      seconds(60), milliseconds(20));
  a->Signal(SIGSTOP);
  EXPECT_EQ(OutputRecords(), *quiet)
      << "the paused instance's transaction landed after it resumed";
  std::cout << republished_
            << " cards on the topics produced again after rebalances (not "
               "counted)\n";
  a->Signal(SIGCONT);
  EXPECT_GT(aborted(), aborted_before)
      << "the resumed instance never had a commit refused: the pause did not "
         "land inside a transaction, or nothing fenced it";
  EXPECT_GT(testing::Occurrences(a->log_path(), "kafka transaction aborted"),
            0);
  std::cout << "paused " << pause_ms << " ms; " << *quiet
            << " output records before it resumed; aborted "
            << testing::AfterMarker(testing::ReadFile(a->log_path()),
                                    "\"during\":")
            << "\n";
  // Let whatever a writes as it rejoins land, then: the cards b serves and
  // the latest on the topic are still those of the facts.
  std::this_thread::sleep_for(seconds(5));
  ExpectConverges(pop, {port_b});
  std::string why;
  testing::WaitUntil(
      [&] {
        why = TopicDiff(pop, port_b);
        return why.empty();
      },
      seconds(60), milliseconds(1000));
  EXPECT_EQ(why, "");
}

// SPEC §1: an org belongs to the reporter of its first designation in log
// order. Agency A (this test's own code, so other tests' data on the shared
// broker does not count) sets a CPOT_DISMANTLED target of 1 and reports ORG-X
// dismantled. Another reporter designated ORG-X PTO_REGIONAL first; A's own
// later-dated CPOT designation of it does not count, so the outcome is not
// a CPOT one: target_ratio 0, not 1. A designation of A's own ORG-Y counts.
TEST_F(ScoringIntegrationTest, OnlyTheFirstDesignatorSetsAnOrgsTier) {
  const std::string agency = "AG" + nonce_;
  const std::string other = "OT" + nonce_;
  const std::string org_x = "ORG-" + nonce_ + "-X";
  const std::string org_y = "ORG-" + nonce_ + "-Y";
  std::vector<Outgoing> records;
  auto ref = [&](const v1::AgencyReport& r, const std::string& key) {
    records.push_back({std::string(topics::kReference),
                       key,
                       r.SerializeAsString(),
                       {{"fruition-reporter", r.reporter()},
                        {"fruition-report-id", r.report_id()}}});
  };
  auto designate = [&](const std::string& reporter, const std::string& id,
                       const std::string& org, v1::Tier tier, int64_t at) {
    v1::AgencyReport r = fixtures::Envelope(reporter, id, "", at);
    r.mutable_org_designated()->set_org_id(org);
    r.mutable_org_designated()->set_tier(tier);
    ref(r, org);
  };
  auto outcome = [&](const std::string& id, const std::string& org) {
    v1::AgencyReport o =
        fixtures::Envelope(agency, id, "", fixtures::Utc(2016, 9, 1));
    o.mutable_org_outcome()->set_org_id(org);
    o.mutable_org_outcome()->set_outcome(v1::ORG_OUTCOME_DISMANTLED);
    o.mutable_org_outcome()->set_fiscal_year(2016);
    ref(o, org);
  };
  // ORG-X's records share a partition: A's designation comes last, so once
  // it is counted as ignored, ORG-X's outcome has been judged.
  designate(other, "D-1", org_x, v1::TIER_PTO_REGIONAL,
            fixtures::Utc(2015, 1, 1));
  outcome("O-X", org_x);
  designate(agency, "D-2", org_x, v1::TIER_CPOT, fixtures::Utc(2015, 3, 1));
  designate(agency, "D-3", org_y, v1::TIER_CPOT, fixtures::Utc(2015, 3, 1));
  outcome("O-Y", org_y);
  v1::AgencyReport target =
      fixtures::Envelope(agency, "T-1", "", fixtures::Utc(2015, 10, 1));
  target.mutable_performance_target()->set_agency(agency);
  target.mutable_performance_target()->set_fiscal_year(2016);
  target.mutable_performance_target()->set_measure(
      v1::PERFORMANCE_MEASURE_CPOT_DISMANTLED);
  target.mutable_performance_target()->set_target(2);
  ref(target, agency);
  const int port = testing::FreePort(), metrics = testing::FreePort();
  auto scoring = StartScoring("a", port, metrics);
  // Serving: it has read the reference topic as it was (other tests' orgs on
  // the shared broker included); this test's one is counted on top.
  const std::optional<double> want_ignored =
      testing::MetricSum(metrics, "fruition_scoring_designations_ignored_total")
          .value_or(-1) +
      1;
  ASSERT_TRUE(Produce(records).ok());
  auto stub = v1::ScoringService::NewStub(grpc::CreateChannel(
      StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  const std::string name = "target_ratio:PERFORMANCE_MEASURE_CPOT_DISMANTLED";
  std::optional<double> ratio, ignored;
  testing::WaitUntil(
      [&] {
        ratio.reset();
        ignored = testing::MetricSum(
            metrics, "fruition_scoring_designations_ignored_total");
        v1::GetScorecardRequest req;
        req.set_unit("agency:" + agency);
        req.set_period("FY2016");
        v1::Scorecard card;
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
        if (!stub->GetScorecard(&ctx, req, &card).ok()) return false;
        for (const auto& i : card.indicators()) {
          if (i.name() == name) ratio = i.value();
        }
        return ignored == want_ignored && ratio == std::optional<double>(0.5);
      },
      seconds(60), std::chrono::milliseconds(200));
  // ORG-Y only: 1 of a target of 2 (both would be 1).
  EXPECT_EQ(ratio, std::optional<double>(0.5));
  EXPECT_EQ(ignored, want_ignored);
}

// SPEC §11 conditions through a real broker: events on both oversight
// topics and answers and decisions on the reference topic, in the order
// given; the agency's fiscal-year scorecards show the counts this test
// computes from its own table.
struct ConditionCase {
  std::string key, unit;
  v1::EventType type;
  bool restricted;
  std::string period;  // on every event; empty: none (REPORT_CONFLICT)
  std::vector<std::pair<int64_t, bool>> events;  // (emitted_at, resolved)
  int year;            // the fiscal year it counts in, by hand; 0: none
  bool counts;         // concerns DEA (the only AGENCY principal)
  bool answered;       // by DEA
  std::string status;  // accepted, rejected or other
  std::vector<v1::AgencyReport> answers;
};

std::vector<ConditionCase> ConditionCases() {
  using fixtures::Utc;
  auto answer = [](const std::string& key, const std::string& agency,
                   const std::string& id, int64_t at) {
    v1::AgencyReport r = fixtures::Envelope(agency, id, "", at);
    r.mutable_agency_response()->set_condition_key(key);
    r.mutable_agency_response()->set_explanation("Restricted words.");
    return r;
  };
  auto decide = [](const std::string& key, const std::string& id, int64_t at,
                   v1::Decision d) {
    v1::AgencyReport r = fixtures::Envelope("OIG", id, "", at);
    r.mutable_oversight_decision()->set_condition_key(key);
    r.mutable_oversight_decision()->set_decision(d);
    return r;
  };
  const std::string k1 = "FRUITION_GAP/agency:DEA/FY2016";
  const std::string k2 = "LINK_UNSUBSTANTIATED/claim/CL-9";
  const std::string k3 = "REPORT_CONFLICT/report/DEA/R-7";
  const std::string k4 = "TIER_MISMATCH/subject/p9/case/C-9";
  const std::string k5 = "FRUITION_GAP/agency:FBI/FY2016";
  const std::string k6 = "LINK_UNSUBSTANTIATED/claim/CL-10";
  return {
      // Raised in FY2018 about FY2016: counts in FY2016.
      {k1,
       "agency:DEA",
       v1::EVENT_TYPE_FRUITION_GAP,
       false,
       "FY2016",
       {{Utc(2018, 3, 1), false}},
       2016,
       true,
       true,
       "accepted",
       {answer(k1, "DEA", "A-1", Utc(2018, 4, 1)),
        decide(k1, "D-1", Utc(2018, 5, 1), v1::DECISION_ACCEPTED)}},
      // A claim of FY2017Q1.
      {k2,
       "agency:DEA",
       v1::EVENT_TYPE_LINK_UNSUBSTANTIATED,
       true,
       "FY2017Q1",
       {{Utc(2016, 3, 2), false}},
       2017,
       true,
       false,
       "",
       {answer(k2, "FBI", "A-2", Utc(2016, 4, 1))}},
      // No period: the year first raised; resolved but answered: counts.
      {k3,
       "",
       v1::EVENT_TYPE_REPORT_CONFLICT,
       true,
       "",
       {{Utc(2016, 3, 3), false}, {Utc(2016, 11, 1), true}},
       2016,
       true,
       true,
       "rejected",
       {answer(k3, "DEA", "A-3", Utc(2016, 4, 1)),
        decide(k3, "D-3", Utc(2016, 5, 1), v1::DECISION_REJECTED)}},
      // DEA-SAN is no principal: the office is DEA's alone.
      {k4,
       "field_office:DEA-SAN-DIEGO",
       v1::EVENT_TYPE_TIER_MISMATCH,
       true,
       "FY2016",
       {{Utc(2016, 3, 4), false},
        {Utc(2016, 6, 1), true},
        {Utc(2016, 11, 1), false}},
       2016,
       true,
       false,
       "needs more",
       {decide(k4, "D-4", Utc(2016, 5, 1), v1::DECISION_NEEDS_MORE)}},
      // FBI is no AGENCY principal here: counted nowhere.
      {k5,
       "agency:FBI",
       v1::EVENT_TYPE_FRUITION_GAP,
       false,
       "FY2016",
       {{Utc(2016, 3, 5), false}},
       2016,
       false,
       false,
       "",
       {}},
      // Raised and resolved, never answered: not counted.
      {k6,
       "agency:DEA",
       v1::EVENT_TYPE_LINK_UNSUBSTANTIATED,
       true,
       "FY2016",
       {{Utc(2016, 3, 6), false}, {Utc(2016, 3, 7), true}},
       2016,
       false,
       false,
       "",
       {}},
  };
}

std::vector<Outgoing> ConditionRecords() {
  std::vector<Outgoing> out;
  for (const ConditionCase& c : ConditionCases()) {
    for (const auto& [at, resolved] : c.events) {
      v1::OversightEvent e;
      e.set_event_id(StrCat(c.key, "#", at));
      e.set_condition_key(c.key);
      e.set_type(c.type);
      e.set_visibility(c.restricted ? v1::VISIBILITY_RESTRICTED
                                    : v1::VISIBILITY_PUBLIC);
      e.set_unit(c.unit);
      e.set_period(c.period);
      e.set_resolved(resolved);
      e.mutable_emitted_at()->set_seconds(at);
      out.push_back({std::string(c.restricted ? topics::kOversightRestricted
                                              : topics::kOversightPublic),
                     c.key,
                     e.SerializeAsString(),
                     {{"fruition-event-id", e.event_id()}}});
    }
    for (const auto& r : c.answers) {
      out.push_back({std::string(topics::kReference),
                     c.key,
                     r.SerializeAsString(),
                     {{"fruition-reporter", r.reporter()},
                      {"fruition-report-id", r.report_id()}}});
    }
  }
  v1::OversightEvent notice;  // no condition
  notice.set_event_id("SP-1");
  notice.set_condition_key("SCORECARD_PUBLISHED/agency:DEA/FY2016");
  notice.set_type(v1::EVENT_TYPE_SCORECARD_PUBLISHED);
  notice.set_unit("agency:DEA");
  notice.mutable_emitted_at()->set_seconds(fixtures::Utc(2016, 3, 6));
  out.push_back({std::string(topics::kOversightPublic),
                 "agency:DEA",
                 notice.SerializeAsString(),
                 {}});
  return out;
}

// FY -> (raised, answered, accepted, rejected), from the table.
std::map<std::string, std::vector<double>> ExpectedConditions() {
  std::map<std::string, std::vector<double>> out;
  for (const ConditionCase& c : ConditionCases()) {
    if (!c.counts) continue;
    auto& n = out[StrCat("FY", c.year)];
    n.resize(4);
    n[0] += 1;
    n[1] += c.answered ? 1 : 0;
    n[2] += c.status == "accepted" ? 1 : 0;
    n[3] += c.status == "rejected" ? 1 : 0;
  }
  return out;
}

class ConditionsIntegrationTest : public ScoringIntegrationTest {
 protected:
  // Produces the records in `order`, then waits for DEA's cards.
  void RunInOrder(const std::vector<Outgoing>& order) {
    const int port = testing::FreePort();
    auto scoring = StartScoring("c", port);
    ASSERT_TRUE(Produce(order).ok());
    auto stub = v1::ScoringService::NewStub(grpc::CreateChannel(
        StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    const auto want = ExpectedConditions();
    ASSERT_EQ(want.size(), 2u);
    std::map<std::string, std::vector<double>> got;
    auto read = [&](const std::string& unit, const std::string& period) {
      v1::GetScorecardRequest req;
      req.set_unit(unit);
      req.set_period(period);
      v1::Scorecard card;
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + Token("OIG"));
      std::vector<double> cells(4, -1);
      if (!stub->GetScorecard(&ctx, req, &card).ok()) return cells;
      const std::vector<std::string> names = {
          "conditions_raised", "conditions_answered", "conditions_accepted",
          "conditions_rejected"};
      for (const auto& i : card.indicators()) {
        for (size_t k = 0; k < names.size(); ++k) {
          if (i.name() == names[k]) cells[k] = i.value();
        }
      }
      return cells;
    };
    testing::WaitUntil(
        [&] {
          for (const auto& [fy, counts] : want)
            got[fy] = read("agency:DEA", fy);
          return got == want;
        },
        seconds(60), milliseconds(200));
    EXPECT_EQ(got, want);
    // FBI is no AGENCY principal; SCORECARD_PUBLISHED no condition.
    EXPECT_EQ(read("agency:FBI", "FY2016"), std::vector<double>(4, -1));
    EXPECT_EQ(read("agency:DEA-SAN", "FY2016"), std::vector<double>(4, -1));
    // Counted in the period it is about, not the year it was raised.
    EXPECT_EQ(read("agency:DEA", "FY2018"), std::vector<double>(4, -1));
  }
};

TEST_F(ConditionsIntegrationTest, CountsFromTheOversightTopicsInOrder) {
  RunInOrder(ConditionRecords());
}

TEST_F(ConditionsIntegrationTest, CountsFromTheOversightTopicsShuffled) {
  std::vector<Outgoing> order = ConditionRecords();
  std::mt19937 rng(20160301);
  std::shuffle(order.begin(), order.end(), rng);
  RunInOrder(order);
}

// Issue 14: even under --log-level error, each restricted read leaves
// exactly one audit record naming what it read, and a refused read one
// naming nothing. A public scorecard read (the public view) leaves none.
TEST_F(ScoringIntegrationTest, RestrictedReadsAndRefusalsAreAuditedOnce) {
  const Population pop = Generate(nonce_, testing::Scaled(60), 5);
  const int port = testing::FreePort();
  auto scoring = StartScoring("a", port, 0, {"--log-level=error"});
  ASSERT_TRUE(Produce(pop.records).ok());
  auto stub = v1::ScoringService::NewStub(grpc::CreateChannel(
      StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  auto as = [](grpc::ClientContext* ctx, const std::string& who) {
    if (!who.empty()) {
      ctx->AddMetadata("authorization", "Bearer " + Token(who));
    }
  };
  // A subject with an arrest: the first report's key is its pid.
  std::string pid;
  for (const auto& r : pop.records) {
    if (r.topic == topics::kReports) {
      pid = r.key;
      break;
    }
  }
  ASSERT_FALSE(pid.empty());
  v1::GetSubjectScoreRequest subject;
  subject.set_subject_pid(pid);
  v1::SubjectScore score;
  // Until the subject is known the read is NOT_FOUND, and not audited.
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        grpc::ClientContext ctx;
        as(&ctx, "OIG");
        return stub->GetSubjectScore(&ctx, subject, &score).ok();
      },
      seconds(180), std::chrono::milliseconds(200)));
  const std::string& key = pop.expected.begin()->first;
  v1::GetScorecardRequest card_req;
  card_req.set_unit(key.substr(0, key.find('\t')));
  card_req.set_period(key.substr(key.find('\t') + 1));
  v1::Scorecard card;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        grpc::ClientContext ctx;
        as(&ctx, "OIG");
        return stub->GetScorecard(&ctx, card_req, &card).ok();
      },
      seconds(180), std::chrono::milliseconds(200)));
  EXPECT_FALSE(card.public_view());
  for (const char* who : {"DEA", ""}) {
    grpc::ClientContext ctx;
    as(&ctx, who);
    EXPECT_FALSE(stub->GetSubjectScore(&ctx, subject, &score).ok()) << who;
  }

  const std::string subject_score =
      "/fruition.v1.ScoringService/GetSubjectScore";
  const std::vector<testing::AuditWant> want = {
      {"OIG", subject_score, "OK", {"subject:" + pid}},
      {"OIG",
       "/fruition.v1.ScoringService/GetScorecard",
       "OK",
       {StrCat("unit-period:", card_req.unit(), "/", card_req.period())}},
      {"DEA", subject_score, "PERMISSION_DENIED", {}},
      {"PUBLIC", subject_score, "UNAUTHENTICATED", {}}};
  std::vector<v1::AuditRecord> trail;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        trail = AuditOf("a");
        return trail.size() >= want.size();
      },
      seconds(30)));
  testing::ExpectAuditRecords(trail, 0, want);
}

}  // namespace
}  // namespace fruition
