// Intake against a real Kafka broker (tools/kafka-local) and real RocksDB,
// with the fruition-intake binary as a separate process so it can be
// killed. Skipped, with the reason, where Java/Maven are missing.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "fruition/v1/intake.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/harness.h"
#include "tests/harness/intake_client.h"

namespace fruition {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Broker;
using testing::Process;
using testing::Record;
using testing::StreamOutcome;
using testing::StreamReports;
using testing::StreamRequests;

constexpr char kKey[] = "integration-test-pseudonym-key-0001";
const std::vector<std::string> kAgencies = {"DEA", "FBI", "HSI"};

std::string Token(const std::string& code) { return "token-for-" + code; }

// Stream messages, each one report (sent in StreamRequest.report) or a
// batch (StreamRequest.reports), and their responses in order.
std::vector<v1::StreamResponse> StreamMessages(
    const std::string& address, const std::string& token,
    const std::vector<std::vector<v1::AgencyReport>>& messages) {
  std::vector<v1::StreamRequest> requests(messages.size());
  for (size_t m = 0; m < messages.size(); ++m) {
    if (messages[m].size() == 1) {
      *requests[m].mutable_report() = messages[m][0];
    } else {
      for (const auto& r : messages[m]) *requests[m].add_reports() = r;
    }
  }
  std::vector<v1::StreamResponse> responses;
  EXPECT_TRUE(StreamRequests(address, token, requests,
                             [&](const v1::StreamResponse& response) {
                               responses.push_back(response);
                             })
                  .ok());
  return responses;
}

// `reports` as `code` sends them: its own reporter and agency fields.
void SendAs(const std::string& code, std::vector<v1::AgencyReport>* reports) {
  for (auto& r : *reports) {
    r.set_reporter(code);
    if (r.has_arrest()) r.mutable_arrest()->set_agency(code);
    if (r.has_case_opened()) r.mutable_case_opened()->set_agency(code);
  }
}

class IntakeIntegrationTest
    : public testing::BrokerSuite<IntakeIntegrationTest> {
 protected:
  static void SetUpTestSuite() { SetUpBroker(kafka::IntakeTopics(12, 1)); }

  void SetUp() override {
    BrokerSuite::SetUp();
    if (IsSkipped()) return;
    nonce_ = testing::Nonce();
    dir_ = testing::NewTempDir("intake");
    std::ofstream principals(dir_ + "/principals.yaml");
    principals << "principals:\n";
    for (const char* code : {"DEA", "FBI", "HSI", "USSC"}) {
      const bool agency = std::string(code) != "USSC";
      principals << "  - code: " << code
                 << "\n    kind: " << (agency ? "AGENCY" : "JUDICIARY")
                 << "\n    token_sha256: " << privacy::Sha256Hex(Token(code))
                 << "\n"
                 << (agency ? "    designates: true\n" : "");
    }
    // A task force reporting for DEA; it designates nothing.
    principals << "  - code: TF-PHL\n    kind: AGENCY\n    token_sha256: "
               << privacy::Sha256Hex(Token("TF-PHL"))
               << "\n    acts_for: [DEA]\n";
    principals.close();
    std::ofstream(dir_ + "/key") << kKey;
    pseudonymizer_ = std::make_unique<privacy::Pseudonymizer>(
        *privacy::Pseudonymizer::FromKey(kKey));
  }

  // Starts fruition-intake and waits until its health is SERVING.
  std::unique_ptr<Process> StartIntake(const std::string& kafka, int port,
                                       std::vector<std::string> extra = {},
                                       const std::string& tls_ca = "") {
    std::vector<std::string> args = {
        "--kafka-bootstrap=" + kafka,
        "--principals-file=" + dir_ + "/principals.yaml",
        "--pseudonym-key-file=" + dir_ + "/key",
        testing::SealedKeyFlag(dir_),
        "--data-dir=" + dir_ + "/data",
        StrCat("--grpc-listen=127.0.0.1:", port),
        StrCat("--metrics-listen=127.0.0.1:", testing::FreePort()),
        "--log-level=info"};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string log =
        StrCat(testing::OutputDir(), "/intake-", nonce_, ".log");
    auto process = Process::Start(
        testing::Runfile("services/intake/fruition-intake"), args, log);
    EXPECT_TRUE(process.ok()) << process.status();
    const std::string address = StrCat("127.0.0.1:", port);
    // SERVING twice, 300 ms apart: gRPC's health service answers SERVING
    // for a moment after the server starts listening, before the service
    // sets NOT_SERVING and, within 250 ms, its own readiness.
    EXPECT_TRUE(testing::WaitUntil(
        [&] {
          if (testing::HealthStatus(address, tls_ca) != "SERVING") return false;
          std::this_thread::sleep_for(milliseconds(300));
          return testing::HealthStatus(address, tls_ca) == "SERVING";
        },
        seconds(60)))
        << "intake did not become SERVING; log: " << log;
    return std::move(*process);
  }

  // n reports from DEA, FBI and HSI in turn: arrests, link claims, case
  // openings, seizures and org designations (the reference topic), each
  // subject with a raw ref that must never reach Kafka or disk.
  std::vector<v1::AgencyReport> MakeReports(int n, int first = 0) {
    std::vector<v1::AgencyReport> out;
    for (int i = first; i < first + n; ++i) {
      v1::AgencyReport r;
      const std::string& agency = kAgencies[i % 3];
      r.set_report_id(StrCat(nonce_, "-", i));
      r.set_reporter(agency);
      r.mutable_occurred_at()->set_seconds(1450000000 + i);
      r.set_case_id(StrCat("CASE-", nonce_, "-", i / 5));
      const std::string ref = StrCat("RAWREF-", nonce_, "-", i / 2);
      switch (i % 5) {
        case 0:
        case 1: {
          auto* a = r.mutable_arrest();
          a->set_arrest_id(StrCat("AR-", i));
          a->set_subject_ref(ref);
          a->set_agency(agency);
          a->set_field_office(agency + "-PHILADELPHIA");
          break;
        }
        case 2: {
          auto* c = r.mutable_link_claim();
          c->set_claim_id(StrCat("CL-", nonce_, "-", i));
          c->set_subject_ref(ref);
          c->set_org_id("ORG-1");
          c->set_link_role(v1::LINK_ROLE_COURIER);
          c->set_hops(1);
          auto* e = c->add_evidence();
          e->set_evidence_id("E1");
          e->set_kind(v1::EVIDENCE_KIND_CONTROLLED_BUY);
          e->set_source_id("SRC-1");
          e->mutable_observed_at()->set_seconds(1440000000);
          e->set_sealed_summary("SEALED-TEXT informant name withheld");
          break;
        }
        case 3: {
          auto* c = r.mutable_case_opened();
          c->set_agency(agency);
          c->set_field_office(agency + "-PHILADELPHIA");
          c->set_district("EDPA");
          c->set_origin(v1::CASE_ORIGIN_WIRETAP);
          break;
        }
        case 4: {
          r.clear_case_id();
          auto* o = r.mutable_org_designated();
          o->set_org_id(StrCat("ORG-", nonce_, "-", i));
          o->set_tier(v1::TIER_RPOT);
          break;
        }
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  // This run's records in intake's topics, by (reporter, report_id).
  std::map<std::pair<std::string, std::string>, std::vector<Record>> OurRecords(
      const std::string& kafka, std::vector<Record>* all = nullptr) {
    std::map<std::pair<std::string, std::string>, std::vector<Record>> out;
    for (std::string_view topic : {topics::kReports, topics::kReference}) {
      auto records = testing::ReadTopic(kafka, std::string(topic), seconds(60));
      EXPECT_TRUE(records.ok()) << records.status();
      if (!records.ok()) continue;
      for (Record& r : *records) {
        const std::string id = r.headers["fruition-report-id"];
        if (id.rfind(nonce_ + "-", 0) == 0) {
          out[{r.headers["fruition-reporter"], id}].push_back(r);
        }
        if (all != nullptr) all->push_back(r);
      }
    }
    return out;
  }

  // Streams `reports` grouped by reporter, one concurrent stream each.
  std::map<std::string, v1::ReportResult> StreamByAgency(
      const std::string& address,
      const std::vector<v1::AgencyReport>& reports) {
    std::map<std::string, std::vector<v1::AgencyReport>> by_agency;
    for (const auto& r : reports) by_agency[r.reporter()].push_back(r);
    std::mutex mu;
    std::map<std::string, v1::ReportResult> results;
    std::vector<std::thread> threads;
    threads.reserve(by_agency.size());
    for (auto& [agency, list] : by_agency) {
      threads.emplace_back([&, agency = agency, list = list] {
        const StreamOutcome o = StreamReports(address, Token(agency), list);
        std::lock_guard<std::mutex> lock(mu);
        for (size_t i = 0; i < o.results.size(); ++i) {
          results[list[i].report_id()] = o.results[i];
        }
      });
    }
    for (auto& t : threads) t.join();
    return results;
  }

  std::string nonce_;
  std::string dir_;
  std::unique_ptr<privacy::Pseudonymizer> pseudonymizer_;
};

TEST_F(IntakeIntegrationTest,
       TenThousandReportsLandOnceWithRightTopicsAndKeys) {
  const int port = testing::FreePort();
  auto intake = StartIntake(bootstrap(), port);
  const std::string address = StrCat("127.0.0.1:", port);
  const auto reports = MakeReports(10000);

  auto results = StreamByAgency(address, reports);
  ASSERT_EQ(results.size(), reports.size());
  for (const auto& [id, r] : results) {
    ASSERT_EQ(r.code(), 0) << id << ": " << r.code_name() << " " << r.message();
    ASSERT_FALSE(r.duplicate());
  }

  std::vector<Record> all;
  auto ours = OurRecords(bootstrap(), &all);
  ASSERT_EQ(ours.size(), reports.size());
  for (const auto& report : reports) {
    const auto it = ours.find({report.reporter(), report.report_id()});
    ASSERT_NE(it, ours.end()) << report.report_id();
    ASSERT_EQ(it->second.size(), 1u)
        << report.report_id() << " not exactly once";
    const Record& rec = it->second[0];
    v1::AgencyReport produced;
    ASSERT_TRUE(produced.ParseFromString(rec.value));
    switch (report.body_case()) {
      case v1::AgencyReport::kArrest:
        EXPECT_EQ(rec.topic, topics::kReports);
        EXPECT_EQ(rec.key, pseudonymizer_->Pid(report.arrest().subject_ref()));
        EXPECT_EQ(produced.arrest().subject_pid(), rec.key);
        EXPECT_TRUE(produced.arrest().subject_ref().empty());
        break;
      case v1::AgencyReport::kLinkClaim:
        EXPECT_EQ(rec.topic, topics::kReports);
        EXPECT_EQ(rec.key,
                  pseudonymizer_->Pid(report.link_claim().subject_ref()));
        break;
      case v1::AgencyReport::kCaseOpened:
        EXPECT_EQ(rec.topic, topics::kReports);
        EXPECT_EQ(rec.key, report.case_id());
        break;
      case v1::AgencyReport::kOrgDesignated:
        EXPECT_EQ(rec.topic, topics::kReference);
        EXPECT_EQ(rec.key, report.org_designated().org_id());
        break;
      default:
        FAIL() << "unexpected body";
    }
  }
  // No raw subject identifier anywhere in the topics, nor in intake's
  // RocksDB files or log.
  for (const Record& rec : all) {
    ASSERT_EQ(rec.key.find("RAWREF-"), std::string::npos);
    ASSERT_EQ(rec.value.find("RAWREF-"), std::string::npos);
  }
  EXPECT_FALSE(testing::AnyFileContains(dir_ + "/data", "RAWREF-"));
  EXPECT_FALSE(testing::AnyFileContains(dir_ + "/data", "SEALED-TEXT"));
  EXPECT_FALSE(testing::AnyFileContains(intake->log_path(), "RAWREF-"));

  // Resubmitting everything produces nothing new.
  auto again = StreamByAgency(address, reports);
  ASSERT_EQ(again.size(), reports.size());
  for (const auto& [id, r] : again) {
    ASSERT_EQ(r.code(), 0) << id << ": " << r.message();
    EXPECT_TRUE(r.duplicate()) << id;
  }
  auto after = OurRecords(bootstrap());
  size_t total = 0;
  for (const auto& [id, recs] : after) total += recs.size();
  EXPECT_EQ(total, reports.size());
}

TEST_F(IntakeIntegrationTest,
       BatchedStreamAnswersEachReportInOrderAndARetriedBatchIsIdempotent) {
  const int port = testing::FreePort();
  auto intake = StartIntake(bootstrap(), port);
  const std::string address = StrCat("127.0.0.1:", port);
  std::vector<v1::AgencyReport> dea;
  for (const auto& r : MakeReports(60)) {
    if (r.reporter() == "DEA") dea.push_back(r);
  }
  ASSERT_GE(dea.size(), 12u);
  // The fourth report of the batch is an arrest without its agency.
  auto bad = std::find_if(dea.begin() + 3, dea.end(),
                          [](const auto& r) { return r.has_arrest(); });
  ASSERT_NE(bad, dea.end());
  std::iter_swap(dea.begin() + 3, bad);
  dea[3].mutable_arrest()->clear_agency();
  const std::vector<v1::AgencyReport> batch(dea.begin(), dea.begin() + 10);
  // A one-report message, the batch, another one-report message.
  const std::vector<std::vector<v1::AgencyReport>> messages = {
      {dea[10]}, batch, {dea[11]}};

  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto responses = StreamMessages(address, Token("DEA"), messages);
    ASSERT_EQ(responses.size(), 3u);
    for (int m : {0, 2}) {
      EXPECT_EQ(responses[m].results_size(), 0);
      EXPECT_EQ(responses[m].result().report_id(), messages[m][0].report_id());
      EXPECT_EQ(responses[m].result().code_name(), "OK");
      EXPECT_EQ(responses[m].result().duplicate(), attempt == 1);
    }
    const auto& results = responses[1].results();
    ASSERT_EQ(results.size(), 10);
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(results[i].report_id(), batch[i].report_id()) << i;
      if (i == 3) {
        EXPECT_EQ(results[i].code_name(), "INVALID_ARGUMENT");
        EXPECT_EQ(results[i].field(), "arrest.agency");
      } else {
        EXPECT_EQ(results[i].code_name(), "OK") << i << results[i].message();
        // The retry is answered from the index: nothing produced again.
        EXPECT_EQ(results[i].duplicate(), attempt == 1) << i;
      }
    }
  }
  // Each accepted report is in Kafka exactly once; the bad one is not.
  auto ours = OurRecords(bootstrap());
  EXPECT_EQ(ours.size(), 11u);
  for (const auto& [id, recs] : ours) {
    EXPECT_EQ(recs.size(), 1u) << id.second;
  }
  EXPECT_EQ(ours.count({"DEA", batch[3].report_id()}), 0u);
}

TEST_F(IntakeIntegrationTest, KillNineWhileStreamingThenResendIsExactlyOnce) {
  const int port = testing::FreePort();
  const std::string address = StrCat("127.0.0.1:", port);
  std::set<std::string> all_ids;
  // Two rounds of 5,000 reports, each with a kill -9 mid-stream.
  for (int round = 0; round < 2; ++round) {
    auto reports = MakeReports(5000, round * 5000);
    SendAs("DEA", &reports);  // one stream, so the kill lands mid-stream
    for (const auto& r : reports) all_ids.insert(r.report_id());
    auto intake = StartIntake(bootstrap(), port);
    std::mutex mu;
    std::set<std::string> acknowledged;
    std::thread client([&] {
      StreamReports(address, Token("DEA"), reports,
                    [&](const v1::ReportResult& r) {
                      std::lock_guard<std::mutex> lock(mu);
                      if (r.code() == 0) acknowledged.insert(r.report_id());
                    });
    });
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          std::lock_guard<std::mutex> lock(mu);
          return acknowledged.size() >= 1000 + round * 1000;
        },
        seconds(60)));
    intake->Signal(SIGKILL);
    client.join();
    ASSERT_EQ(intake->Wait(seconds(10)), 128 + SIGKILL);
    ASSERT_LT(acknowledged.size(), reports.size()) << "killed too late";

    // The client resends what was not acknowledged, with the same ids.
    std::vector<v1::AgencyReport> resend;
    for (const auto& r : reports) {
      if (!acknowledged.count(r.report_id())) resend.push_back(r);
    }
    auto restarted = StartIntake(bootstrap(), port);
    const StreamOutcome outcome = StreamReports(address, Token("DEA"), resend);
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
    ASSERT_EQ(outcome.results.size(), resend.size());
    for (const auto& r : outcome.results) {
      ASSERT_EQ(r.code(), 0) << r.report_id() << ": " << r.message();
    }
    restarted->Signal(SIGTERM);
    EXPECT_EQ(restarted->Wait(seconds(20)), 0);
  }
  auto ours = OurRecords(bootstrap());
  EXPECT_EQ(ours.size(), all_ids.size());
  for (const auto& [id, recs] : ours) {
    ASSERT_EQ(recs.size(), 1u)
        << id.second << " is in Kafka " << recs.size() << " times";
  }
}

TEST_F(IntakeIntegrationTest,
       BrokerDownMeansUnavailableAndNotServingThenRecovers) {
  auto own = Broker::StartOwn();
  ASSERT_TRUE(own.ok()) << own.status();
  ASSERT_TRUE(testing::EnsureIntakeTopics((*own)->bootstrap()).ok());
  const int port = testing::FreePort();
  const std::string address = StrCat("127.0.0.1:", port);
  auto intake = StartIntake((*own)->bootstrap(), port,
                            {"--kafka-delivery-timeout-ms=3000"});
  const auto reports = MakeReports(150);
  std::vector<v1::AgencyReport> before(reports.begin(), reports.begin() + 100);
  std::vector<v1::AgencyReport> during(reports.begin() + 100, reports.end());
  for (const auto& [id, r] : StreamByAgency(address, before)) {
    ASSERT_EQ(r.code(), 0) << r.message();
  }

  ASSERT_TRUE((*own)->Stop().ok());
  EXPECT_TRUE(testing::WaitUntil(
      [&] { return testing::HealthStatus(address) == "NOT_SERVING"; },
      seconds(30)))
      << "health did not turn NOT_SERVING with the broker down";
  for (const auto& [id, r] : StreamByAgency(address, during)) {
    EXPECT_EQ(r.code_name(), "UNAVAILABLE")
        << id << " answered " << r.code_name();
  }

  ASSERT_TRUE((*own)->Restart().ok());
  EXPECT_TRUE(testing::WaitUntil(
      [&] { return testing::HealthStatus(address) == "SERVING"; }, seconds(60)))
      << "health did not recover with the broker back";
  // Clients retry with the same ids, as UNAVAILABLE told them to.
  std::map<std::string, v1::ReportResult> retried;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        retried = StreamByAgency(address, during);
        for (const auto& [id, r] : retried) {
          if (r.code() != 0) return false;
        }
        return true;
      },
      seconds(60)));
  auto ours = OurRecords((*own)->bootstrap());
  EXPECT_EQ(ours.size(), 150u);
  for (const auto& [id, recs] : ours) EXPECT_EQ(recs.size(), 1u) << id.second;
}

TEST_F(IntakeIntegrationTest,
       SigtermDrainsWithin15SecondsLosingNothingAcknowledged) {
  const int port = testing::FreePort();
  const std::string address = StrCat("127.0.0.1:", port);
  auto intake = StartIntake(bootstrap(), port);
  auto reports = MakeReports(6000);
  SendAs("FBI", &reports);
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::atomic<int> ok{0};
  std::thread client([&] {
    StreamReports(address, Token("FBI"), reports,
                  [&](const v1::ReportResult& r) {
                    if (r.code() == 0) {
                      std::lock_guard<std::mutex> lock(mu);
                      acknowledged.insert(r.report_id());
                      ++ok;
                    }
                  });
  });
  ASSERT_TRUE(
      testing::WaitUntil([&] { return ok.load() >= 500; }, seconds(60)));
  const auto signalled = std::chrono::steady_clock::now();
  intake->Signal(SIGTERM);
  const auto code = intake->Wait(seconds(15));
  const auto drain = std::chrono::steady_clock::now() - signalled;
  client.join();
  ASSERT_TRUE(code.has_value()) << "intake still running 15 s after SIGTERM";
  EXPECT_EQ(*code, 0);
  EXPECT_LT(drain, seconds(15));
  auto ours = OurRecords(bootstrap());
  std::lock_guard<std::mutex> lock(mu);
  for (const std::string& id : acknowledged) {
    const auto it = ours.find({"FBI", id});
    ASSERT_NE(it, ours.end()) << id << " was acknowledged but is not in Kafka";
    EXPECT_EQ(it->second.size(), 1u);
  }
}

TEST_F(IntakeIntegrationTest, BadCredentialsAndForeignReporterChangeNothing) {
  const int port = testing::FreePort();
  const std::string address = StrCat("127.0.0.1:", port);
  auto intake = StartIntake(bootstrap(), port);
  auto reports = MakeReports(3);
  const StreamOutcome bad = StreamReports(address, "not-a-token", reports);
  EXPECT_EQ(bad.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // FBI's token, DEA's report.
  const StreamOutcome foreign =
      StreamReports(address, Token("FBI"), {reports[0]});
  ASSERT_EQ(foreign.results.size(), 1u);
  EXPECT_EQ(foreign.results[0].code_name(), "PERMISSION_DENIED");
  EXPECT_EQ(foreign.results[0].field(), "reporter");
  // The judiciary may not send arrests.
  v1::AgencyReport arrest = reports[0];
  arrest.set_reporter("USSC");
  const StreamOutcome kind = StreamReports(address, Token("USSC"), {arrest});
  ASSERT_EQ(kind.results.size(), 1u);
  EXPECT_EQ(kind.results[0].code_name(), "PERMISSION_DENIED");
  EXPECT_TRUE(OurRecords(bootstrap()).empty());
}

// Writes `reports` as NDJSON (proto3 JSON), one per line.
std::string WriteNdjson(const std::string& path,
                        const std::vector<v1::AgencyReport>& reports) {
  std::ofstream out(path);
  for (const auto& r : reports) {
    std::string json;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(r, &json).ok());
    out << json << "\n";
  }
  return path;
}

TEST_F(IntakeIntegrationTest,
       FruitctlSubmitNamesEachRejectedLineAndSummarizes) {
  const int port = testing::FreePort();
  auto intake = StartIntake(bootstrap(), port);
  auto reports = MakeReports(20);
  SendAs("DEA", &reports);
  const std::string good = WriteNdjson(dir_ + "/good.ndjson", reports);
  // Line 3: no subject; line 5: not JSON of a report; line 6: blank.
  v1::AgencyReport bad = reports[0];
  bad.set_report_id(nonce_ + "-bad");
  bad.mutable_arrest()->clear_subject_ref();
  std::string bad_json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(bad, &bad_json).ok());
  const std::string mixed = dir_ + "/mixed.ndjson";
  {
    std::string first, second, third;
    google::protobuf::util::MessageToJsonString(reports[0], &first);
    google::protobuf::util::MessageToJsonString(reports[1], &second);
    google::protobuf::util::MessageToJsonString(reports[2], &third);
    std::ofstream out(mixed);
    out << first << "\n"
        << second << "\n"
        << bad_json << "\n"
        << third << "\n"
        << "{\"reportId\": \"x\", \"arest\": {}}\n\n";
  }
  const std::string fruitctl = testing::Runfile("tools/fruitctl/fruitctl");
  const std::string flags = StrCat(" submit --server 127.0.0.1:", port,
                                   " --token ", Token("DEA"), " ");
  std::string out;
  EXPECT_EQ(testing::RunShell(fruitctl + flags + mixed, &out), 1) << out;
  EXPECT_NE(
      out.find(mixed + ":3: INVALID_ARGUMENT: arrest.subject_ref: required"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find(mixed + ":5: INVALID_ARGUMENT: "), std::string::npos)
      << out;
  EXPECT_NE(out.find("3 accepted, 2 rejected"), std::string::npos) << out;

  out.clear();
  EXPECT_EQ(testing::RunShell(fruitctl + flags + good, &out), 0) << out;
  EXPECT_NE(out.find("20 accepted, 0 rejected (3 already accepted earlier)"),
            std::string::npos)
      << out;

  out.clear();
  EXPECT_EQ(testing::RunShell(StrCat(fruitctl, " submit --server 127.0.0.1:",
                                     port, " --token wrong ", good),
                              &out),
            1);
  EXPECT_NE(out.find(good + ":1: UNAUTHENTICATED: "), std::string::npos) << out;
  auto ours = OurRecords(bootstrap());
  EXPECT_EQ(ours.size(), 20u);
}

TEST_F(IntakeIntegrationTest, TlsClientCertificateCommonNameAuthenticates) {
  const std::string certs = dir_ + "/certs";
  std::string out;
  const std::string script = StrCat(
      "set -e; mkdir -p ", certs, "; cd ", certs, "; ",
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem "
      "-days 2 -subj '/CN=Fruition Test CA'; ",
      "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
      "-subj '/CN=localhost'; ",
      "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost' > san.ext; ",
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
      "-CAcreateserial -out server.pem -days 2 -extfile san.ext; ",
      "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr "
      "-subj '/CN=USSC'; ",
      // A client certificate: only one fit for client use authenticates.
      "printf 'extendedKeyUsage=clientAuth\\nkeyUsage=digitalSignature' "
      "> client.ext; ",
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key "
      "-CAcreateserial -out client.pem -days 2 -extfile client.ext");
  ASSERT_EQ(testing::RunShell("bash -c \"" + script + "\"", &out), 0) << out;
  const int port = testing::FreePort();
  auto intake = StartIntake(bootstrap(), port,
                            {"--tls-cert=" + certs + "/server.pem",
                             "--tls-key=" + certs + "/server.key",
                             "--tls-client-ca=" + certs + "/ca.pem"},
                            certs + "/ca.pem");

  // A sentencing record from USSC (JUDICIARY), authenticated by its
  // certificate alone: no token.
  v1::AgencyReport sentencing;
  sentencing.set_report_id(nonce_ + "-tls-1");
  sentencing.set_reporter("USSC");
  sentencing.mutable_occurred_at()->set_seconds(1470000000);
  sentencing.set_case_id("CASE-TLS-1");
  auto* s = sentencing.mutable_sentencing();
  s->set_subject_ref("RAWREF-TLS-1");
  s->set_district("EDPA");
  s->set_criminal_history_category(1);
  s->set_aggravating_role(v1::AGGRAVATING_ROLE_NONE);
  s->set_mitigating_role(v1::MITIGATING_ROLE_MINOR);
  s->set_weapon(v1::WEAPON_NONE);
  s->set_drug(v1::DRUG_CRACK);
  s->set_drug_weight_grams(27);
  s->set_function(v1::OFFENSE_FUNCTION_STREET_LEVEL_DEALER);
  s->set_sentence_months(60);
  v1::AgencyReport foreign = sentencing;
  foreign.set_report_id(nonce_ + "-tls-2");
  foreign.set_reporter("DEA");
  const std::string file =
      WriteNdjson(dir_ + "/tls.ndjson", {sentencing, foreign});
  const std::string fruitctl = testing::Runfile("tools/fruitctl/fruitctl");
  const std::string tls = StrCat(" submit --server localhost:", port,
                                 " --tls-ca ", certs, "/ca.pem ");
  out.clear();
  EXPECT_EQ(testing::RunShell(
                StrCat(fruitctl, tls, "--tls-cert ", certs,
                       "/client.pem --tls-key ", certs, "/client.key ", file),
                &out),
            1)
      << out;
  EXPECT_NE(out.find(file + ":2: PERMISSION_DENIED: reporter"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("1 accepted, 1 rejected"), std::string::npos) << out;
  // Over TLS without a client certificate or token: anonymous, refused.
  out.clear();
  EXPECT_EQ(testing::RunShell(fruitctl + tls + file, &out), 1) << out;
  EXPECT_NE(out.find(":1: UNAUTHENTICATED"), std::string::npos) << out;
  EXPECT_EQ(OurRecords(bootstrap()).size(), 1u);
}

// ---------------------------------------------------------------------------
// Write authority and received_at (docs/API.md).

// One report sent by `code` over a Stream call: its result (an empty one if
// the stream broke).
v1::ReportResult SendOne(const std::string& address, const std::string& code,
                         const v1::AgencyReport& report) {
  const StreamOutcome o = StreamReports(address, Token(code), {report});
  EXPECT_EQ(o.results.size(), 1u) << o.status.error_message();
  return o.results.empty() ? v1::ReportResult() : o.results[0];
}

::testing::AssertionResult Refused(const v1::ReportResult& r,
                                   const std::string& code,
                                   const std::string& field) {
  if (r.code_name() != code || r.field() != field ||
      r.message().find(field) == std::string::npos) {
    return ::testing::AssertionFailure()
           << r.report_id() << ": " << r.code_name() << " at '" << r.field()
           << "' (" << r.message() << "); want " << code << " at '" << field
           << "'";
  }
  return ::testing::AssertionSuccess();
}

TEST_F(IntakeIntegrationTest, WriteAuthorityRefusalsProduceNothing) {
  const int port = testing::FreePort();
  const std::string address = StrCat("127.0.0.1:", port);
  const std::string org = StrCat("ORG-", nonce_, "-FBI");
  auto designation = [&](const std::string& id, const std::string& reporter,
                         bool revoked) {
    v1::AgencyReport r;
    r.set_report_id(StrCat(nonce_, "-", id));
    r.set_reporter(reporter);
    r.mutable_occurred_at()->set_seconds(1450000000);
    r.mutable_org_designated()->set_org_id(org);
    r.mutable_org_designated()->set_tier(v1::TIER_CPOT);
    r.mutable_org_designated()->set_revoked(revoked);
    return r;
  };
  {
    // FBI designates the org first; intake, restarted, is ready only once it
    // has read the reference topic to where it ended, FBI's designation
    // included.
    auto first = StartIntake(bootstrap(), port);
    ASSERT_EQ(SendOne(address, "FBI",
                      designation("fbi-designates", "FBI",
                                  /*revoked=*/false))
                  .code_name(),
              "OK");
    first->Signal(SIGTERM);
    ASSERT_EQ(first->Wait(seconds(20)), 0);
  }
  // Without its org table, intake reads the whole topic again before it
  // serves.
  std::filesystem::remove_all(dir_ + "/data/intake-orgs");
  auto intake = StartIntake(bootstrap(), port);
  // First thing once it serves: DEA (a designator) revoking, or designating,
  // the org FBI owns.
  EXPECT_TRUE(
      Refused(SendOne(address, "DEA", designation("dea-revokes", "DEA", true)),
              "PERMISSION_DENIED", "org_designated.org_id"));
  EXPECT_TRUE(Refused(
      SendOne(address, "DEA", designation("dea-designates", "DEA", false)),
      "PERMISSION_DENIED", "org_designated.org_id"));

  // TF-PHL (acts for DEA) setting FBI's target.
  v1::AgencyReport target;
  target.set_report_id(nonce_ + "-tf-target");
  target.set_reporter("TF-PHL");
  target.mutable_occurred_at()->set_seconds(1440000000);
  auto* t = target.mutable_performance_target();
  t->set_agency("FBI");
  t->set_fiscal_year(2016);
  t->set_measure(v1::PERFORMANCE_MEASURE_ARRESTS);
  t->set_target(1);
  EXPECT_TRUE(Refused(SendOne(address, "TF-PHL", target), "PERMISSION_DENIED",
                      "performance_target.agency"));
  // FBI counting an arrest as DEA's.
  auto arrests = MakeReports(1);
  v1::AgencyReport arrest = arrests[0];
  arrest.set_report_id(nonce_ + "-fbi-arrest");
  arrest.set_reporter("FBI");
  arrest.mutable_arrest()->set_agency("DEA");
  EXPECT_TRUE(Refused(SendOne(address, "FBI", arrest), "PERMISSION_DENIED",
                      "arrest.agency"));
  // A non-designator designating an org nobody owns.
  v1::AgencyReport tf_designates =
      designation("tf-designates", "TF-PHL", false);
  tf_designates.mutable_org_designated()->set_org_id(org + "-NEW");
  EXPECT_TRUE(Refused(SendOne(address, "TF-PHL", tf_designates),
                      "PERMISSION_DENIED", "org_designated"));
  // The owner itself may revoke it.
  EXPECT_EQ(SendOne(address, "FBI", designation("fbi-revokes", "FBI", true))
                .code_name(),
            "OK");

  // Read both topics to their ends: only FBI's two reports are there.
  std::set<std::string> produced;
  for (const auto& [id, records] : OurRecords(bootstrap())) {
    produced.insert(id.second);
  }
  EXPECT_EQ(produced, (std::set<std::string>{nonce_ + "-fbi-designates",
                                             nonce_ + "-fbi-revokes"}));
}

TEST_F(IntakeIntegrationTest, TaskForceActsForDeaAndIntakeStampsReceivedAt) {
  const int port = testing::FreePort();
  const std::string address = StrCat("127.0.0.1:", port);
  auto intake = StartIntake(bootstrap(), port);
  auto reports = MakeReports(4);  // arrest, arrest, claim, case opening
  SendAs("TF-PHL", &reports);
  // Counted for DEA, the agency it acts for.
  reports[0].mutable_arrest()->set_agency("DEA");
  reports[3].mutable_case_opened()->set_agency("DEA");
  const auto before = std::chrono::system_clock::now();
  for (const auto& r : reports) {
    const v1::ReportResult result = SendOne(address, "TF-PHL", r);
    EXPECT_EQ(result.code_name(), "OK")
        << r.report_id() << ": " << result.message();
  }
  const auto after = std::chrono::system_clock::now();
  // A sender cannot set received_at, not even to now.
  v1::AgencyReport stamped = reports[1];
  stamped.set_report_id(nonce_ + "-sender-stamped");
  stamped.mutable_received_at()->set_seconds(
      std::chrono::duration_cast<seconds>(before.time_since_epoch()).count());
  EXPECT_TRUE(Refused(SendOne(address, "TF-PHL", stamped), "INVALID_ARGUMENT",
                      "received_at"));

  const auto ours = OurRecords(bootstrap());
  ASSERT_EQ(ours.size(), reports.size());
  const int64_t from =
      std::chrono::duration_cast<seconds>(before.time_since_epoch()).count();
  const int64_t to =
      std::chrono::duration_cast<seconds>(after.time_since_epoch()).count();
  for (const auto& r : reports) {
    const auto it = ours.find({"TF-PHL", r.report_id()});
    ASSERT_NE(it, ours.end()) << r.report_id();
    v1::AgencyReport produced;
    ASSERT_TRUE(produced.ParseFromString(it->second[0].value));
    // Intake's clock, when it accepted the report (whole seconds).
    ASSERT_TRUE(produced.has_received_at()) << r.report_id();
    EXPECT_GE(produced.received_at().seconds(), from);
    EXPECT_LE(produced.received_at().seconds(), to);
    if (produced.has_arrest() && r.report_id() == reports[0].report_id()) {
      EXPECT_EQ(produced.arrest().agency(), "DEA");
    }
  }
  // The same reports again, later: duplicates, despite the new stamp.
  for (const auto& r : reports) {
    const v1::ReportResult again = SendOne(address, "TF-PHL", r);
    EXPECT_EQ(again.code_name(), "OK") << again.message();
    EXPECT_TRUE(again.duplicate()) << r.report_id();
  }
}

}  // namespace
}  // namespace fruition
