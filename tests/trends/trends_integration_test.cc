// Series, comparisons, history and releases (SPEC §9–§10) end to end on a
// real Kafka broker of the suite's own: fruition-scoring and
// fruition-gateway as processes, fed a scenario of the test's own making,
// and every answer compared with what the test computes itself.
//
// The scenario: six districts, fiscal years 2012–2016, 44 people sentenced
// per district and year (arrested by one agency, a field office per
// district). In three districts the share of low-level, nonviolent,
// first-time (LNF) offenders shifts from about 0.3 to about 0.7 from FY2014
// on. Every share rests on at least 11 people with and 11 without the
// attribute, so disclosure control has no small cell to withhold.
//
// What is checked:
//   - series, overseer: every point of every district, of national:US and of
//     the agency equals the test's count; quarters without data say so;
//   - compare, overseer: every rank and percentile equals the test's ranking
//     of its own values (competition ranks, mid-rank percentiles), and the
//     national value equals its own;
//   - series and compare, public: equal the public scorecards (ranks and
//     percentiles computed by the test from those cells);
//   - history: versions ordered, the latest equal to the current scorecard,
//     the reports named as changing them are reports of that unit-period,
//     and public versions name none;
//   - releases: two downloads at the same offsets are byte-identical, and
//     after more sentencings in one district the bundle differs only in
//     rows of the units those sentencings count in.
// Skipped, with the reason, where Java/Maven are missing.
#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fruition/v1/reports.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/fixtures.h"
#include "tests/harness/harness.h"
#include "tests/harness/json.h"

namespace fruition {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::CanonicalJson;
using testing::Outgoing;
using testing::Process;

const std::string kOigToken = "trends-it-oig-token";
constexpr int kDistricts = 6;
constexpr int kFirstYear = 2012;
constexpr int kLastYear = 2016;
constexpr int kPerCell = 44;  // sentenced per district and fiscal year
constexpr char kAgency[] = "TRND";

bool Shifted(int d) { return d % 2 == 1; }  // three of the six

std::string District(int d) { return StrCat("TD", d + 1); }
std::string FieldOffice(int d) { return StrCat(kAgency, "-", District(d)); }

// LNF people in district `d` in fiscal year `fy`: 12–14 before the shift,
// 28–32 after it in the shifted districts (so k and n − k are both ≥ 11).
int LnfCount(int d, int fy) {
  if (Shifted(d) && fy >= 2014) return 28 + d % 3 + (fy - 2014);
  return 12 + d % 3;
}

// The desert scores SPEC §4 gives the two kinds of people the scenario
// sentences: a first-time courier with 10 g of marijuana (function 6), and
// a wholesaler with 4 criminal history points, category 3 (25 + 4 × 2).
constexpr double kLnfDesert = 6;
constexpr double kOtherDesert = 33;

struct Cell {
  int64_t n = 0;
  int64_t lnf = 0;
  double Share() const { return static_cast<double>(lnf) / n; }
  double MeanDesert() const {
    return (lnf * kLnfDesert + (n - lnf) * kOtherDesert) / n;
  }
};

// The test's own indicators: unit -> period -> cell.
using Expected = std::map<std::string, std::map<std::string, Cell>>;

struct Scenario {
  std::vector<Outgoing> records;
  Expected expected;
  // "reporter/report_id" of every report that counts in a unit-period.
  std::map<std::string, std::set<std::string>> refs;  // "unit\tperiod"
};

// One person: an arrest in January and a sentencing in February of calendar
// year `fy` (both in the fiscal year's second quarter).
void AddPerson(const std::string& nonce, int d, int fy, int i, bool lnf,
               Scenario* s) {
  const std::string pid =
      privacy::Sha256Hex(StrCat(nonce, "-", d, "-", fy, "-", i));
  const std::string case_id = StrCat("C-", nonce, "-", d, "-", fy, "-", i);
  v1::AgencyReport arrest =
      fixtures::Envelope(kAgency, StrCat("ar-", d, "-", fy, "-", i), case_id,
                         fixtures::Utc(fy, 1, 2 + i % 27, i % 24));
  auto* a = arrest.mutable_arrest();
  a->set_arrest_id(StrCat("AR-", d, "-", fy, "-", i));
  a->set_subject_pid(pid);
  a->set_agency(kAgency);
  a->set_field_office(FieldOffice(d));

  v1::AgencyReport sen =
      fixtures::Envelope("USSC", StrCat("sen-", d, "-", fy, "-", i), case_id,
                         fixtures::Utc(fy, 2, 2 + i % 26, i % 24));
  auto* r = sen.mutable_sentencing();
  r->set_subject_pid(pid);
  r->set_district(District(d));
  r->set_criminal_history_points(lnf ? 0 : 4);
  r->set_criminal_history_category(lnf ? 1 : 3);
  r->set_aggravating_role(v1::AGGRAVATING_ROLE_NONE);
  r->set_mitigating_role(v1::MITIGATING_ROLE_NONE);
  r->set_weapon(v1::WEAPON_NONE);
  r->set_violence(false);
  r->set_drug(v1::DRUG_MARIJUANA);
  r->set_drug_weight_grams(10);
  r->set_function(lnf ? v1::OFFENSE_FUNCTION_COURIER
                      : v1::OFFENSE_FUNCTION_WHOLESALER);
  r->set_sentence_months(lnf ? 24 : 60);
  for (v1::AgencyReport* report : {&arrest, &sen}) {
    // As intake stamps it: a day after the fact.
    report->mutable_received_at()->set_seconds(report->occurred_at().seconds() +
                                               86400);
    s->records.push_back(
        Outgoing{std::string(topics::kReports),
                 pid,
                 report->SerializeAsString(),
                 {{"fruition-reporter", report->reporter()},
                  {"fruition-report-id", report->report_id()}}});
  }
  const std::string fy_name = StrCat("FY", fy);
  const std::string q_name = StrCat("FY", fy, "Q2");
  for (const std::string& unit :
       {StrCat("district:", District(d)), std::string("national:US"),
        StrCat("agency:", kAgency), StrCat("field_office:", FieldOffice(d))}) {
    for (const std::string& period : {fy_name, q_name}) {
      Cell& c = s->expected[unit][period];
      ++c.n;
      c.lnf += lnf;
      auto& refs = s->refs[StrCat(unit, "\t", period)];
      refs.insert(StrCat("USSC/", sen.report_id()));
      refs.insert(StrCat(kAgency, "/", arrest.report_id()));
    }
  }
}

Scenario MakeScenario(const std::string& nonce) {
  Scenario s;
  for (int fy = kFirstYear; fy <= kLastYear; ++fy) {
    for (int d = 0; d < kDistricts; ++d) {
      const int lnf = LnfCount(d, fy);
      for (int i = 0; i < kPerCell; ++i) {
        AddPerson(nonce, d, fy, i, i < lnf, &s);
      }
    }
  }
  return s;
}

// ---------------------------------------------------------------------------
// JSON and tar reading.

Struct ParseJson(const std::string& body) {
  Struct out;
  const auto st = google::protobuf::util::JsonStringToMessage(body, &out);
  EXPECT_TRUE(st.ok()) << st << ": " << body.substr(0, 300);
  return out;
}

const Value* Field(const Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? nullptr : &it->second;
}

double Number(const Struct& s, const std::string& name, double fallback = -1) {
  const Value* v = Field(s, name);
  if (v != nullptr && v->has_string_value()) {  // an int64 in proto3 JSON
    return std::stod(v->string_value());
  }
  return v != nullptr && v->has_number_value() ? v->number_value() : fallback;
}

bool Flag(const Struct& s, const std::string& name) {
  const Value* v = Field(s, name);
  return v != nullptr && v->has_bool_value() && v->bool_value();
}

std::string Text(const Struct& s, const std::string& name) {
  const Value* v = Field(s, name);
  return v != nullptr && v->has_string_value() ? v->string_value() : "";
}

std::vector<Struct> List(const Struct& s, const std::string& name) {
  std::vector<Struct> out;
  const Value* v = Field(s, name);
  if (v == nullptr || !v->has_list_value()) return out;
  for (const Value& e : v->list_value().values()) {
    if (e.has_struct_value()) out.push_back(e.struct_value());
  }
  return out;
}

bool Near(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}

// The files of a ustar archive, by path.
std::map<std::string, std::string> Untar(const std::string& tar) {
  std::map<std::string, std::string> files;
  size_t at = 0;
  while (at + 512 <= tar.size()) {
    const std::string header = tar.substr(at, 512);
    if (header.find_first_not_of('\0') == std::string::npos) break;
    std::string name(header.c_str(), strnlen(header.c_str(), 100));
    const std::string prefix(header.c_str() + 345,
                             strnlen(header.c_str() + 345, 155));
    if (!prefix.empty()) name = StrCat(prefix, "/", name);
    const size_t size = std::stoul(header.substr(124, 12), nullptr, 8);
    const char type = header[156];
    if (type == '0' || type == '\0') {
      files[name] = tar.substr(at + 512, size);
    }
    at += 512 + (size + 511) / 512 * 512;
  }
  return files;
}

// ---------------------------------------------------------------------------

class TrendsIntegrationTest
    : public testing::BrokerSuite<TrendsIntegrationTest> {
 protected:
  static std::vector<kafka::TopicSpec> Topics() {
    return testing::IntakeTopicsAnd(
        {topics::kLinkAssessments, topics::kScores,
         topics::kScoringContributions, topics::kScoringPublicBase,
         topics::kScoringCaseMembers, topics::kScoringCaseFacts,
         topics::kScoresPublic, topics::kOversightPublic,
         topics::kOversightRestricted});
  }

  // A broker of the suite's own: national:US is this scenario's alone.
  static void SetUpTestSuite() { SetUpOwnBroker(Topics()); }
  static void TearDownTestSuite() { TearDownBroker(); }

  void SetUp() override {
    BrokerSuite::SetUp();
    if (IsSkipped()) return;
    nonce_ = testing::Nonce();
    dir_ = testing::NewTempDir("trends");
    std::ofstream principals(dir_ + "/principals.yaml");
    principals << "principals:\n"
               << "  - code: OIG\n    kind: OVERSEER\n    token_sha256: "
               << privacy::Sha256Hex(kOigToken) << "\n";
  }

  std::unique_ptr<Process> StartService(const std::string& name,
                                        std::vector<std::string> extra) {
    const int grpc_port = testing::FreePort();
    std::vector<std::string> args = {
        "--kafka-bootstrap=" + bootstrap(),
        "--topic-replication=1",
        "--principals-file=" + dir_ + "/principals.yaml",
        "--data-dir=" + dir_ + "/" + name,
        StrCat("--grpc-listen=127.0.0.1:", grpc_port),
        StrCat("--metrics-listen=127.0.0.1:", testing::FreePort())};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string log =
        StrCat(testing::OutputDir(), "/", name, "-", nonce_, ".log");
    auto process = Process::Start(
        testing::Runfile(StrCat("services/", name, "/fruition-", name)), args,
        log);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return nullptr;
    EXPECT_TRUE(testing::WaitUntil(
        [&] {
          return testing::HealthStatus(StrCat("127.0.0.1:", grpc_port)) ==
                 "SERVING";
        },
        seconds(90)))
        << name << " did not become SERVING; log: " << log;
    return std::move(*process);
  }

  void StartPipeline() {
    scoring_ = StartService("scoring", {});
    http_port_ = testing::FreePort();
    gateway_ = StartService("gateway",
                            {StrCat("--http-listen=127.0.0.1:", http_port_)});
  }

  // GET `path`; the body, with `status` its HTTP status.
  std::string Get(const std::string& path, bool overseer,
                  int* status = nullptr) {
    httplib::Client http("127.0.0.1", http_port_);
    http.set_read_timeout(30, 0);
    httplib::Headers headers;
    if (overseer) headers.emplace("Authorization", "Bearer " + kOigToken);
    auto res = http.Get(path, headers);
    if (status != nullptr) *status = res ? res->status : 0;
    return res ? res->body : "";
  }

  Struct GetJson(const std::string& path, bool overseer) {
    int status = 0;
    const std::string body = Get(path, overseer, &status);
    EXPECT_EQ(status, 200) << path << ": " << body.substr(0, 300);
    return ParseJson(body);
  }

  // The cell of `indicator` in the scorecard of unit-period, as `overseer`
  // or the public sees it (empty when there is no scorecard).
  Struct CardCell(const std::string& unit, const std::string& period,
                  const std::string& indicator, bool overseer) {
    int status = 0;
    const std::string body =
        Get(StrCat("/api/v1/scorecards?unit=", unit, "&period=", period),
            overseer, &status);
    if (status != 200) return Struct();
    const Struct card = ParseJson(body);
    const Value* indicators = Field(card, "indicators");
    if (indicators == nullptr || !indicators->has_struct_value()) {
      return Struct();
    }
    const Value* cell = Field(indicators->struct_value(), indicator);
    return cell != nullptr && cell->has_struct_value() ? cell->struct_value()
                                                       : Struct();
  }

  // Whether the overseer's lnfShare and sentenced of every expected
  // unit-period equal the test's, "" or the first difference.
  std::string Converged(const Expected& expected) {
    for (const auto& [unit, periods] : expected) {
      for (const auto& [period, want] : periods) {
        const Struct share = CardCell(unit, period, "lnfShare", true);
        if (!Near(Number(share, "value"), want.Share()) ||
            Number(share, "n") != want.n) {
          return StrCat(unit, " ", period, ": lnfShare ",
                        Number(share, "value"), " n ", Number(share, "n"),
                        ", want ", want.Share(), " n ", want.n);
        }
      }
    }
    return "";
  }

  // Waits until the public scorecards stop changing (three equal reads
  // 3 s apart) and returns the last.
  std::map<std::string, std::string> SettledPublicCards(
      const std::vector<std::string>& periods) {
    std::map<std::string, std::string> last;
    int same = 0;
    for (int round = 0; round < 60 && same < 2; ++round) {
      std::map<std::string, std::string> now;
      for (const std::string& period : periods) {
        // Compared as parsed JSON: the API's key order is not fixed.
        now[period] = CanonicalJson(ParseJson(
            Get(StrCat("/api/v1/scorecards?period=", period), false)));
      }
      if (now != last && !last.empty()) {
        for (const auto& [period, body] : now) {
          const std::string& was = last[period];
          if (body == was) continue;
          size_t at = 0;
          while (at < body.size() && at < was.size() && body[at] == was[at]) {
            ++at;
          }
          const size_t from = at < 120 ? 0 : at - 120;
          std::cerr << "public " << period << " changed at byte " << at
                    << ": ..." << was.substr(from, 240) << "\n -> ..."
                    << body.substr(from, 240) << "\n";
          break;
        }
      }
      same = now == last ? same + 1 : 0;
      last = std::move(now);
      std::this_thread::sleep_for(seconds(3));
    }
    EXPECT_EQ(same, 2) << "the public scorecards never settled";
    return last;
  }

  std::string nonce_;
  std::string dir_;
  int http_port_ = 0;
  std::unique_ptr<Process> scoring_;
  std::unique_ptr<Process> gateway_;
};

// Competition ranks (1 = highest; ties share the smallest) and mid-rank
// percentiles of `values`, rounded to one decimal.
struct Ranked {
  int rank = 0;
  double percentile = 0;
};
std::map<std::string, Ranked> RankOf(
    const std::map<std::string, double>& values) {
  std::map<std::string, Ranked> out;
  const double n = static_cast<double>(values.size());
  for (const auto& [unit, v] : values) {
    int above = 0, below = 0, equal = 0;
    for (const auto& [other, w] : values) {
      if (Near(w, v)) {
        ++equal;
      } else if (w > v) {
        ++above;
      } else {
        ++below;
      }
    }
    out[unit].rank = above + 1;
    out[unit].percentile =
        std::round(1000.0 * (below + 0.5 * equal) / n) / 10.0;
  }
  return out;
}

// The compare answer's units by name, with `ranked` the ranked ones in order.
std::map<std::string, Struct> UnitsOf(const Struct& compare,
                                      std::vector<std::string>* ranked) {
  std::map<std::string, Struct> out;
  for (const Struct& u : List(compare, "units")) {
    out[Text(u, "unit")] = u;
    if (ranked != nullptr && Field(u, "rank") != nullptr) {
      ranked->push_back(Text(u, "unit"));
    }
  }
  return out;
}

void ExpectRanking(const Struct& compare,
                   const std::map<std::string, double>& values,
                   const std::string& what) {
  std::vector<std::string> order;
  const auto units = UnitsOf(compare, &order);
  const auto want = RankOf(values);
  EXPECT_EQ(order.size(), values.size()) << what;
  int previous = 0;
  for (const std::string& unit : order) {
    const Struct& u = units.at(unit);
    const int rank = static_cast<int>(Number(u, "rank"));
    EXPECT_GE(rank, previous) << what << ": not ordered by rank at " << unit;
    previous = rank;
    auto it = want.find(unit);
    ASSERT_NE(it, want.end()) << what << ": ranked " << unit;
    EXPECT_EQ(rank, it->second.rank) << what << " " << unit;
    EXPECT_NEAR(Number(u, "percentile"), it->second.percentile, 1e-9)
        << what << " " << unit;
    EXPECT_TRUE(Near(Number(u, "value"), values.at(unit)))
        << what << " " << unit;
  }
}

// The units a person of district `d` counts in.
std::set<std::string> UnitsOfPerson(int d) {
  return {StrCat("district:", District(d)), "national:US",
          StrCat("agency:", kAgency), StrCat("field_office:", FieldOffice(d))};
}

// The lines of `text` that `other` does not have.
std::vector<std::string> LinesNotIn(const std::string& text,
                                    const std::string& other) {
  std::multiset<std::string> theirs;
  std::istringstream in(other);
  for (std::string line; std::getline(in, line);) theirs.insert(line);
  std::vector<std::string> out;
  std::istringstream mine(text);
  for (std::string line; std::getline(mine, line);) {
    auto it = theirs.find(line);
    if (it == theirs.end()) {
      out.push_back(line);
    } else {
      theirs.erase(it);
    }
  }
  return out;
}

// Every file of `after` that differs from `before` differs only in what
// people of district `d` count in: CSV rows of their units, and files that
// show those units (JSON tables, the report, the quality flags, the
// MANIFEST). The methodology never changes.
void ExpectOnlyDistrictChanged(const std::map<std::string, std::string>& before,
                               const std::map<std::string, std::string>& after,
                               int d) {
  const std::set<std::string> units = UnitsOfPerson(d);
  std::set<std::string> paths;
  for (const auto& [p, _] : before) paths.insert(p);
  for (const auto& [p, _] : after) paths.insert(p);
  int changed_rows = 0;
  for (const std::string& path : paths) {
    auto b = before.find(path);
    auto a = after.find(path);
    ASSERT_TRUE(b != before.end() && a != after.end())
        << path << " is in one release only";
    if (b->second == a->second) continue;
    EXPECT_EQ(path.find("methodology"), std::string::npos)
        << path << " changed with the data";
    if (path.size() < 4 || path.substr(path.size() - 4) != ".csv") continue;
    for (const auto& [x, y] : {std::pair{&b->second, &a->second},
                               std::pair{&a->second, &b->second}}) {
      for (const std::string& row : LinesNotIn(*x, *y)) {
        ++changed_rows;
        bool ours = false;
        for (const std::string& unit : units) {
          ours = ours || row.find(unit) != std::string::npos;
        }
        EXPECT_TRUE(ours) << path << ": a row of another unit changed: " << row;
      }
    }
  }
  EXPECT_GT(changed_rows, 0) << "no CSV row changed: the test saw nothing";
}

TEST_F(TrendsIntegrationTest, SeriesCompareAndHistoryEqualOwnComputation) {
  const Scenario scenario = MakeScenario(nonce_);
  StartPipeline();
  ASSERT_NE(gateway_, nullptr);
  ASSERT_TRUE(testing::Produce(bootstrap(), scenario.records).ok());
  std::string why = "not polled";
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return (why = Converged(scenario.expected)).empty(); },
      seconds(300), milliseconds(2000)))
      << "the overseer's scorecards never equalled the test's: " << why;

  // Series, overseer: every district, national:US and the agency.
  std::vector<std::string> units = {"national:US", StrCat("agency:", kAgency)};
  for (int d = 0; d < kDistricts; ++d) {
    units.push_back(StrCat("district:", District(d)));
  }
  for (const std::string& unit : units) {
    const Struct series =
        GetJson(StrCat("/api/v1/series?unit=", unit,
                       "&indicator=lnfShare&from=FY2012&to=FY2016"),
                true);
    EXPECT_EQ(Text(series, "unit"), unit);
    const std::vector<Struct> points = List(series, "points");
    ASSERT_EQ(points.size(), 5u) << unit;
    for (int fy = kFirstYear; fy <= kLastYear; ++fy) {
      const Struct& p = points[fy - kFirstYear];
      const Cell& want = scenario.expected.at(unit).at(StrCat("FY", fy));
      EXPECT_EQ(Text(p, "period"), StrCat("FY", fy));
      EXPECT_TRUE(Near(Number(p, "value"), want.Share()))
          << unit << " FY" << fy << ": " << Number(p, "value") << " want "
          << want.Share();
      EXPECT_EQ(Number(p, "n"), want.n) << unit << " FY" << fy;
    }
    // meanDesert too: a mean, not a share.
    const Struct desert =
        GetJson(StrCat("/api/v1/series?unit=", unit,
                       "&indicator=mean_desert&from=FY2012&to=FY2016"),
                true);
    const std::vector<Struct> dp = List(desert, "points");
    ASSERT_EQ(dp.size(), 5u) << unit;
    for (int fy = kFirstYear; fy <= kLastYear; ++fy) {
      EXPECT_TRUE(
          Near(Number(dp[fy - kFirstYear], "value"),
               scenario.expected.at(unit).at(StrCat("FY", fy)).MeanDesert()))
          << unit << " FY" << fy;
    }
  }

  // Quarters: only Q2 of each year has data.
  {
    const std::string unit = StrCat("district:", District(1));
    const Struct series =
        GetJson(StrCat("/api/v1/series?unit=", unit,
                       "&indicator=lnfShare&from=FY2013Q1&to=FY2014Q4"),
                true);
    const std::vector<Struct> points = List(series, "points");
    ASSERT_EQ(points.size(), 8u);
    for (size_t i = 0; i < points.size(); ++i) {
      const int fy = 2013 + static_cast<int>(i) / 4;
      const int q = 1 + static_cast<int>(i) % 4;
      EXPECT_EQ(Text(points[i], "period"), StrCat("FY", fy, "Q", q));
      if (q == 2) {
        EXPECT_TRUE(Near(
            Number(points[i], "value"),
            scenario.expected.at(unit).at(StrCat("FY", fy, "Q2")).Share()));
      } else {
        EXPECT_TRUE(Flag(points[i], "noData")) << Text(points[i], "period");
      }
    }
  }

  // The injected shift is what the series shows.
  for (int d = 0; d < kDistricts; ++d) {
    const auto& e = scenario.expected.at(StrCat("district:", District(d)));
    const double jump = e.at("FY2014").Share() - e.at("FY2013").Share();
    EXPECT_EQ(jump > 0.3, Shifted(d)) << District(d);
  }

  // Compare, overseer: ranks and percentiles of the test's own values.
  for (int fy = kFirstYear; fy <= kLastYear; ++fy) {
    const std::string period = StrCat("FY", fy);
    std::map<std::string, double> values;
    for (int d = 0; d < kDistricts; ++d) {
      const std::string unit = StrCat("district:", District(d));
      values[unit] = scenario.expected.at(unit).at(period).Share();
    }
    const Struct compare =
        GetJson(StrCat("/api/v1/compare?indicator=lnfShare&period=", period,
                       "&kind=district"),
                true);
    ExpectRanking(compare, values, "overseer " + period);
    const Value* national = Field(compare, "national");
    ASSERT_NE(national, nullptr) << period;
    EXPECT_TRUE(Near(Number(national->struct_value(), "value"),
                     scenario.expected.at("national:US").at(period).Share()))
        << period;
  }

  // Public: series and compare equal the public scorecards.
  std::vector<std::string> fys;
  for (int fy = kFirstYear; fy <= kLastYear; ++fy) {
    fys.push_back(StrCat("FY", fy));
  }
  SettledPublicCards(fys);
  int published = 0;
  for (int d = 0; d < kDistricts; ++d) {
    const std::string unit = StrCat("district:", District(d));
    const Struct series =
        GetJson(StrCat("/api/v1/series?unit=", unit,
                       "&indicator=lnfShare&from=FY2012&to=FY2016"),
                false);
    const std::vector<Struct> points = List(series, "points");
    ASSERT_EQ(points.size(), 5u);
    for (int fy = kFirstYear; fy <= kLastYear; ++fy) {
      const Struct& p = points[fy - kFirstYear];
      const Struct cell = CardCell(unit, StrCat("FY", fy), "lnfShare", false);
      EXPECT_EQ(Flag(p, "suppressed"), Flag(cell, "suppressed"))
          << unit << " FY" << fy;
      EXPECT_EQ(Number(p, "value"), Number(cell, "value"))
          << unit << " FY" << fy;
      EXPECT_EQ(Number(p, "n"), Number(cell, "n")) << unit << " FY" << fy;
      published += !Flag(p, "suppressed");
    }
  }
  EXPECT_GT(published, 0) << "no public point at all: nothing was compared";
  for (const std::string& period : fys) {
    std::map<std::string, double> values;
    for (int d = 0; d < kDistricts; ++d) {
      const std::string unit = StrCat("district:", District(d));
      const Struct cell = CardCell(unit, period, "lnfShare", false);
      if (Field(cell, "value") != nullptr) values[unit] = Number(cell, "value");
    }
    const Struct compare =
        GetJson(StrCat("/api/v1/compare?indicator=lnfShare&period=", period,
                       "&kind=district"),
                false);
    ExpectRanking(compare, values, "public " + period);
  }

  // History: an overseer sees every version, with the reports that changed
  // it; the public its public versions, naming none.
  for (int d : {0, 1}) {
    const std::string unit = StrCat("district:", District(d));
    const Struct history = GetJson(
        StrCat("/api/v1/scorecards/history?unit=", unit, "&period=FY2014"),
        true);
    const std::vector<Struct> versions = List(history, "versions");
    ASSERT_FALSE(versions.empty()) << unit;
    double revision = -1;  // proto3 JSON leaves a revision of 0 out
    std::string at;
    std::set<std::string> named;
    bool complete = true;
    for (const Struct& v : versions) {
      std::string summary;
      for (const Struct& w : versions) {
        summary += StrCat(" r", Number(w, "revision", 0), "@", Text(w, "at"),
                          "#", Number(w, "changedByCount", 0), "/",
                          Text(w, "scorecardId").substr(0, 8));
      }
      EXPECT_GT(Number(v, "revision", 0), revision)
          << unit << ": versions" << summary;
      revision = Number(v, "revision", 0);
      EXPECT_GE(Text(v, "at"), at) << unit;
      at = Text(v, "at");
      const Value* changed = Field(v, "changedBy");
      ASSERT_NE(changed, nullptr) << unit << ": a version without changedBy";
      for (const Value& r : changed->list_value().values()) {
        named.insert(r.string_value());
      }
      complete = complete && Number(v, "changedByCount") ==
                                 changed->list_value().values_size();
    }
    const auto& refs = scenario.refs.at(unit + "\tFY2014");
    for (const std::string& r : named) {
      EXPECT_TRUE(refs.count(r)) << unit << ": names " << r;
    }
    if (complete) {
      for (const std::string& r : refs) {
        if (r.rfind("USSC/", 0) == 0) {
          EXPECT_TRUE(named.count(r)) << unit << ": never names " << r;
        }
      }
    }
    const Value* last = Field(versions.back(), "indicators");
    ASSERT_NE(last, nullptr);
    const Value* share = Field(last->struct_value(), "lnfShare");
    ASSERT_NE(share, nullptr);
    EXPECT_TRUE(Near(Number(share->struct_value(), "value"),
                     scenario.expected.at(unit).at("FY2014").Share()));

    const Struct pub = GetJson(
        StrCat("/api/v1/scorecards/history?unit=", unit, "&period=FY2014"),
        false);
    const std::vector<Struct> pv = List(pub, "versions");
    ASSERT_FALSE(pv.empty()) << unit;
    for (const Struct& v : pv) {
      EXPECT_EQ(Field(v, "changedBy"), nullptr) << "public version names "
                                                   "reports";
    }
    const Struct latest = CardCell(unit, "FY2014", "lnfShare", false);
    const Value* pl = Field(pv.back(), "indicators");
    ASSERT_NE(pl, nullptr);
    const Value* pshare = Field(pl->struct_value(), "lnfShare");
    ASSERT_NE(pshare, nullptr);
    EXPECT_EQ(Number(pshare->struct_value(), "value"), Number(latest, "value"));
  }

  // Releases: the same offsets give the same bytes.
  int status = 0;
  const std::string first = Get("/api/v1/releases/FY2016", false, &status);
  ASSERT_EQ(status, 200) << first.substr(0, 300);
  const std::string again = Get("/api/v1/releases/FY2016", false, &status);
  ASSERT_EQ(status, 200);
  EXPECT_TRUE(first == again) << "two downloads at the same offsets differ";
  const auto before = Untar(first);
  ASSERT_TRUE(before.count("fruition-FY2016/MANIFEST"))
      << "no MANIFEST in the release";

  // The data-quality flags scoring computes from the reports (SPEC §10):
  // the agency's FY2016 counts an arrest and a sentencing report per
  // person, none conflicting, the latest received on the day after the
  // last sentencing (2016-02-27, 01:00 + a day), so it is not silent.
  const std::string agency = StrCat("agency:", kAgency);
  const Struct received = CardCell(agency, "FY2016", "reportsReceived", true);
  EXPECT_EQ(Number(received, "value"), 2 * kDistricts * kPerCell);
  EXPECT_EQ(
      Number(CardCell(agency, "FY2016", "reportsConflicting", true), "value"),
      0);
  EXPECT_EQ(Number(CardCell(agency, "FY2016", "lastReceivedAt", true), "value"),
            static_cast<double>(fixtures::Utc(2016, 2, 28, 1)));
  // The release shows the public figures (as of the view's base).
  const std::string public_received = StrCat(
      Number(CardCell(agency, "FY2016", "reportsReceived", false), "value"));
  const std::string& quality = before.at("fruition-FY2016/quality.csv");
  for (const std::string& row :
       {StrCat(agency, ",reports_received,", public_received, ",",
               public_received, ",reported"),
        StrCat(agency, ",reports_conflicting,0,0,reported"),
        StrCat(agency, ",silent_90_days,2016-02-28,,active")}) {
    EXPECT_NE(quality.find(row + "\n"), std::string::npos) << row << " not in\n"
                                                           << quality;
  }

  // Eleven more people sentenced in one district: its public view moves
  // (SPEC §5 D4), and only what they count in changes.
  Scenario more;
  const int d = 2;
  for (int i = kPerCell; i < kPerCell + 11; ++i) {
    AddPerson(nonce_, d, 2016, i, false, &more);
  }
  const std::string unit = StrCat("district:", District(d));
  const double n_before =
      Number(CardCell(unit, "FY2016", "sentenced", false), "value");
  ASSERT_TRUE(testing::Produce(bootstrap(), more.records).ok());
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return Number(CardCell(unit, "FY2016", "sentenced", false), "value") !=
               n_before;
      },
      seconds(180), milliseconds(1000)))
      << "the public view of " << unit << " FY2016 never moved";
  SettledPublicCards({"FY2016", "FY2016Q2"});
  const std::string later = Get("/api/v1/releases/FY2016", false, &status);
  ASSERT_EQ(status, 200);
  EXPECT_FALSE(later == first) << "the release did not change";
  ExpectOnlyDistrictChanged(before, Untar(later), d);
}

}  // namespace
}  // namespace fruition
