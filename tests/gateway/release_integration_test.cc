// Releases (SPEC §10) end to end: fruition-gateway as a process on a real
// Kafka broker (its own: the release of a period holds every public card of
// it, so no other suite may write there) and real RocksDB; public and
// restricted scorecards produced as scoring would. Checks that the tar
// served over HTTP verifies with sha256sum, that fruitctl writes the same
// files and verifies them, that two downloads and a restarted gateway give
// the same bytes, that one more card changes only the files that show it,
// that the restricted view never appears, and that the attacker of the
// disclosure tests finds no count of 1–10 in the release's tables.
#include <httplib.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fruition/v1/scores.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/attacker.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/harness.h"

namespace fruition {
namespace {

using std::chrono::seconds;
using testing::Outgoing;
using testing::Process;

const std::vector<std::string> kQuarters = {"FY2016Q1", "FY2016Q2", "FY2016Q3",
                                            "FY2016Q4"};
const std::vector<std::string> kDistricts = {"district:EDPA", "district:SDNY",
                                             "district:WDTX"};

// Counts that add up across every linked set (a year and its quarters, the
// nation and its districts, the nation and its one agency) and are never
// 1–10, so that the public cards are correct inputs; mean_desert rests on 7
// people and is withheld from the public (77.77 in the restricted view).
v1::Scorecard Card(const std::string& unit, const std::string& period,
                   bool public_view, double lnf_share = 0.5) {
  const bool year = period == "FY2016";
  const int64_t parts = unit.rfind("district:", 0) == 0 ? 1 : 3;
  const int64_t arrests = (year ? 120 : 30) * parts;
  const int64_t sentenced = (year ? 160 : 40) * parts;
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period(period);
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  c.set_public_view(public_view);
  c.set_revision(lnf_share == 0.5 ? 1 : 2);
  c.set_scorecard_id(
      StrCat(public_view ? "pub/" : "", unit, "/", period, "/", c.revision()));
  auto add = [&c](const std::string& name, double value, int64_t n) {
    auto* i = c.add_indicators();
    i->set_name(name);
    i->set_value(value);
    i->set_n(n);
    i->set_defined(true);
  };
  add("arrests", arrests, arrests);
  add("sentenced", sentenced, sentenced);
  add("lnf_share", lnf_share, sentenced);
  add("mean_sentence_months", 61.5, sentenced);
  if (public_view) {
    auto* i = c.add_indicators();
    i->set_name("mean_desert");
    i->set_suppressed(true);
  } else {
    add("mean_desert", 77.77, 7);
  }
  return c;
}

std::vector<Outgoing> Both(const v1::Scorecard& restricted,
                           const v1::Scorecard& pub) {
  return {Outgoing{std::string(topics::kScores),
                   restricted.unit(),
                   restricted.SerializeAsString(),
                   {}},
          Outgoing{std::string(topics::kScoresPublic),
                   pub.unit(),
                   pub.SerializeAsString(),
                   {}}};
}

// path -> bytes of every file under `dir`.
std::map<std::string, std::string> Files(const std::string& dir) {
  std::string out;
  EXPECT_EQ(testing::RunShell("cd " + dir + " && find . -type f | sort", &out),
            0);
  std::map<std::string, std::string> files;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > 2) {
      files[line.substr(2)] = testing::ReadFile(dir + "/" + line.substr(2));
    }
  }
  return files;
}

// Σ of the next offsets in a MANIFEST's header: records the release rests on.
int64_t RecordsIn(const std::string& manifest) {
  const std::string marker = "(partition:next offset)";
  const size_t at = manifest.find(marker);
  if (at == std::string::npos) return -1;
  std::istringstream in(manifest.substr(
      at + marker.size(), manifest.find('\n', at) - at - marker.size()));
  int64_t sum = 0;
  std::string pair;
  while (in >> pair) sum += std::stoll(pair.substr(pair.find(':') + 1));
  return sum;
}

class ReleaseIntegrationTest
    : public testing::BrokerSuite<ReleaseIntegrationTest> {
 protected:
  static void SetUpTestSuite() {
    SetUpOwnBroker(testing::TopicSpecs({topics::kOversightPublic,
                                        topics::kOversightRestricted,
                                        topics::kScores, topics::kScoresPublic,
                                        topics::kAudit, topics::kReference}));
  }

  void SetUp() override {
    BrokerSuite::SetUp();
    if (IsSkipped()) return;
    dir_ = testing::NewTempDir("release");
    std::ofstream(dir_ + "/principals.yaml") << "principals: []\n";
  }

  void StartGateway() {
    if (grpc_port_ == 0) grpc_port_ = testing::FreePort();
    if (http_port_ == 0) http_port_ = testing::FreePort();
    const std::string log = StrCat(testing::OutputDir(), "/gateway-release-",
                                   testing::Nonce(), ".log");
    auto p = Process::Start(
        testing::Runfile("services/gateway/fruition-gateway"),
        {"--kafka-bootstrap=" + bootstrap(),
         "--principals-file=" + dir_ + "/principals.yaml",
         "--data-dir=" + dir_ + "/gateway",
         StrCat("--grpc-listen=127.0.0.1:", grpc_port_),
         StrCat("--metrics-listen=127.0.0.1:", testing::FreePort()),
         StrCat("--http-listen=127.0.0.1:", http_port_)},
        log);
    ASSERT_TRUE(p.ok()) << p.status();
    gateway_ = std::move(*p);
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          return testing::HealthStatus(StrCat("127.0.0.1:", grpc_port_)) ==
                 "SERVING";
        },
        seconds(90)))
        << log;
  }

  // The tar once the gateway has read `records` public cards.
  std::string TarAfter(int64_t records) {
    httplib::Client http("127.0.0.1", http_port_);
    std::string tar;
    const bool ok = testing::WaitUntil(
        [&] {
          auto m = http.Get("/releases/FY2016/MANIFEST");
          if (!m || m->status != 200 || RecordsIn(m->body) < records) {
            return false;
          }
          auto t = http.Get("/api/v1/releases/FY2016");
          if (!t || t->status != 200) return false;
          tar = t->body;
          return true;
        },
        seconds(120));
    EXPECT_TRUE(ok) << "no release resting on " << records << " records";
    return tar;
  }

  // `tar` extracted; its top directory.
  std::string Extract(const std::string& tar, const std::string& name) {
    const std::string where = dir_ + "/" + name;
    std::ofstream(where + ".tar", std::ios::binary) << tar;
    std::string out;
    EXPECT_EQ(testing::RunShell("mkdir -p " + where + " && tar -xf " + where +
                                    ".tar -C " + where,
                                &out),
              0)
        << out;
    return where + "/fruition-FY2016";
  }

  std::string dir_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  std::unique_ptr<Process> gateway_;
};

std::vector<Outgoing> Year() {
  std::vector<Outgoing> out;
  std::vector<std::string> units = kDistricts;
  units.push_back("national:US");
  units.push_back("agency:DEA");
  for (const std::string& unit : units) {
    for (const std::string& p : {std::string("FY2016"), kQuarters[0],
                                 kQuarters[1], kQuarters[2], kQuarters[3]}) {
      for (auto& r : Both(Card(unit, p, false), Card(unit, p, true))) {
        out.push_back(std::move(r));
      }
    }
  }
  return out;
}

// The release's tables/*.json as public versions, one snapshot.
std::vector<testing::PublicVersion> Versions(
    const std::map<std::string, std::string>& files) {
  std::vector<testing::PublicVersion> out;
  for (const auto& [path, bytes] : files) {
    if (path.rfind("tables/", 0) != 0 ||
        path.find(".json") == std::string::npos) {
      continue;
    }
    google::protobuf::Struct table;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(bytes, &table).ok())
        << path;
    for (const auto& card :
         table.fields().at("scorecards").list_value().values()) {
      auto v = testing::VersionFromCardJson(card.struct_value(), path);
      EXPECT_TRUE(v.has_value()) << path;
      if (v) out.push_back(*v);
    }
  }
  return out;
}

TEST_F(ReleaseIntegrationTest, DeterministicVerifiableAndPublicOnly) {
  const std::vector<Outgoing> year = Year();
  ASSERT_TRUE(testing::Produce(bootstrap(), year).ok());
  const int64_t published = static_cast<int64_t>(year.size() / 2);
  StartGateway();
  const std::string first = TarAfter(published);
  ASSERT_FALSE(first.empty());
  const std::string again = TarAfter(published);
  EXPECT_TRUE(first == again) << "two downloads differ";
  EXPECT_EQ(first.find("77.77"), std::string::npos) << "restricted value";

  // The tar extracts and verifies with sha256sum alone.
  const std::string a = Extract(first, "a");
  std::string out;
  EXPECT_EQ(testing::RunShell(
                "cd " + a + " && grep -v '^#' MANIFEST | sha256sum -c -", &out),
            0)
      << out;
  const auto files = Files(a);
  for (const std::string& f :
       {"index.html", "methodology.html", "report.css", "quality.csv",
        "tables/district.csv", "tables/national.json", "tables/agency.csv"}) {
    EXPECT_EQ(files.count(f), 1u) << f;
  }

  // fruitctl writes the same files and verifies them.
  const std::string fruitctl = testing::Runfile("tools/fruitctl/fruitctl");
  EXPECT_EQ(
      testing::RunShell(StrCat(fruitctl, " release --period FY2016 --out ",
                               dir_, "/cli --gateway 127.0.0.1:", grpc_port_),
                        &out),
      0)
      << out;
  EXPECT_TRUE(Files(dir_ + "/cli") == files) << "fruitctl wrote other files";
  EXPECT_EQ(
      testing::RunShell(fruitctl + " release verify " + dir_ + "/cli", &out), 0)
      << out;

  // A restarted gateway, from the same offsets, serves the same bytes.
  gateway_->Signal(SIGKILL);
  ASSERT_TRUE(gateway_->Wait(seconds(30)).has_value());
  StartGateway();
  EXPECT_TRUE(TarAfter(published) == first) << "not the same after a restart";

  // One more public card: only the files showing that unit's figure change.
  ASSERT_TRUE(
      testing::Produce(bootstrap(),
                       Both(Card("district:SDNY", "FY2016", false, 0.625),
                            Card("district:SDNY", "FY2016", true, 0.625)))
          .ok());
  const std::string second = TarAfter(published + 1);
  const auto changed = Files(Extract(second, "b"));
  std::set<std::string> differ;
  for (const auto& [path, bytes] : changed) {
    if (files.count(path) == 0 || files.at(path) != bytes) differ.insert(path);
  }
  EXPECT_EQ(differ, (std::set<std::string>{"MANIFEST", "index.html",
                                           "tables/district.csv",
                                           "tables/district.json"}));
  EXPECT_EQ(changed.size(), files.size());

  // No count of 1–10 displayed or derivable from the release's tables, in
  // either release or across the two.
  testing::Attacker attacker;
  attacker.AddSnapshot(Versions(files));
  attacker.AddSnapshot(Versions(changed));
  EXPECT_GT(attacker.versions(), 20u);
  const auto findings = attacker.Findings();
  EXPECT_TRUE(findings.empty()) << findings.size() << " findings, e.g. "
                                << (findings.empty() ? "" : findings[0]);
}

}  // namespace
}  // namespace fruition
