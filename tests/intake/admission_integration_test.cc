// Intake's admission control against a real Kafka broker, with
// fruition-intake as a separate process (SPEC §1 "Quotas"): one agency's
// flood of large reports stays within the memory budget and does not starve
// another agency; rate quotas refuse per report with a retry hint that
// fruitctl follows. Prints the other agency's latency unloaded and loaded
// (reported, never asserted). Skipped, with the reason, without a broker.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "fruition/v1/intake.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/harness.h"

namespace fruition {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Process;

constexpr char kKey[] = "admission-test-pseudonym-key-00001";
constexpr int64_t kMiB = 1 << 20;
// The in-flight budget the flood runs against, and the agency's share.
constexpr int64_t kBudget = 40 * kMiB;
constexpr int64_t kPrincipalShare = 32 * kMiB;
constexpr int64_t kStreamBytes = 16 * kMiB;
// Below librdkafka's default message.max.bytes (1,000,000), which a report
// must fit to be produced at all.
constexpr size_t kLargeReport = 900000;

std::string Token(const std::string& code) { return "token-for-" + code; }

// Resident memory of `pid` (VmRSS), bytes; 0 if unreadable.
int64_t RssBytes(pid_t pid) {
  std::ifstream status(StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return 0;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& code,
                                             seconds deadline = seconds(60)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + Token(code));
  context->set_deadline(std::chrono::system_clock::now() + deadline);
  return context;
}

std::string TrailingRetryAfter(const grpc::ClientContext& context) {
  const auto& t = context.GetServerTrailingMetadata();
  auto it = t.find("retry-after-ms");
  return it == t.end() ? "" : std::string(it->second.data(), it->second.size());
}

class AdmissionIntegrationTest
    : public testing::BrokerSuite<AdmissionIntegrationTest> {
 protected:
  static void SetUpTestSuite() { SetUpBroker(kafka::IntakeTopics(12, 1)); }

  void SetUp() override {
    BrokerSuite::SetUp();
    if (IsSkipped()) return;
    nonce_ = testing::Nonce();
    dir_ = testing::NewTempDir("admission");
    std::ofstream principals(dir_ + "/principals.yaml");
    principals << "principals:\n";
    // BIG floods (default quota: 5000/s, 4 streams); SMALL is the agency
    // that must not notice; SLOW has a tiny rate quota.
    for (const char* code : {"BIG", "SMALL", "SLOW"}) {
      principals << "  - code: " << code << "\n    kind: AGENCY\n"
                 << "    token_sha256: " << privacy::Sha256Hex(Token(code))
                 << "\n";
      if (std::string(code) == "SLOW") {
        principals << "    quota: {reports_per_second: 20, max_streams: 1}\n";
      }
    }
    principals.close();
    std::ofstream(dir_ + "/key") << kKey;
  }

  // Starts fruition-intake on `kafka` ("" for the suite's broker).
  std::unique_ptr<Process> StartIntake(int port, int metrics_port,
                                       std::vector<std::string> extra = {},
                                       const std::string& kafka = "") {
    std::vector<std::string> args = {
        "--kafka-bootstrap=" + (kafka.empty() ? bootstrap() : kafka),
        "--principals-file=" + dir_ + "/principals.yaml",
        "--pseudonym-key-file=" + dir_ + "/key",
        testing::SealedKeyFlag(dir_),
        "--data-dir=" + dir_ + "/data",
        StrCat("--grpc-listen=127.0.0.1:", port),
        StrCat("--metrics-listen=127.0.0.1:", metrics_port),
        StrCat("--inflight-budget-bytes=", kBudget),
        StrCat("--principal-inflight-bytes=", kPrincipalShare),
        StrCat("--stream-inflight-bytes=", kStreamBytes),
        "--log-level=info"};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string log =
        StrCat(testing::OutputDir(), "/intake-admission-", nonce_, ".log");
    auto process = Process::Start(
        testing::Runfile("services/intake/fruition-intake"), args, log);
    EXPECT_TRUE(process.ok()) << process.status();
    const std::string address = StrCat("127.0.0.1:", port);
    EXPECT_TRUE(testing::WaitUntil(
        [&] {
          if (testing::HealthStatus(address, "") != "SERVING") return false;
          std::this_thread::sleep_for(milliseconds(300));
          return testing::HealthStatus(address, "") == "SERVING";
        },
        seconds(60)))
        << "intake did not become SERVING; log: " << log;
    stub_ = v1::IntakeService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    return std::move(*process);
  }

  v1::AgencyReport Arrest(const std::string& code, const std::string& id) {
    v1::AgencyReport r;
    r.set_report_id(StrCat(nonce_, "-", id));
    r.set_reporter(code);
    r.mutable_occurred_at()->set_seconds(1450000000);
    r.set_case_id(StrCat("CASE-", nonce_, "-", id));
    auto* a = r.mutable_arrest();
    a->set_arrest_id(StrCat("AR-", id));
    a->set_subject_ref(StrCat("REF-", nonce_, "-", id));
    a->set_agency(code);
    a->set_field_office(code + "-PHILADELPHIA");
    return r;
  }

  // A declination of exactly `bytes` serialized.
  v1::AgencyReport Declination(const std::string& code, const std::string& id,
                               size_t bytes) {
    v1::AgencyReport r;
    r.set_report_id(StrCat(nonce_, "-", id));
    r.set_reporter(code);
    r.mutable_occurred_at()->set_seconds(1450000000);
    r.set_case_id(StrCat("CASE-", nonce_, "-", id));
    auto* d = r.mutable_declination();
    d->set_subject_ref(StrCat("REF-", nonce_, "-", id));
    d->set_district("EDPA");
    d->set_referred_to_state(true);
    std::string reason = "Quantity below district threshold.";
    for (int round = 0; round < 4 && r.ByteSizeLong() != bytes; ++round) {
      reason.resize(reason.size() + bytes - r.ByteSizeLong(), 'x');
      d->set_reason(reason);
    }
    // Letters that do not repeat, so the producer's compression has work
    // (same length: the size stays exact).
    // Its own generator: the flood's threads build reports at once.
    std::mt19937 random(static_cast<uint32_t>(std::hash<std::string>()(id)));
    std::string* text = d->mutable_reason();
    for (size_t i = 40; i < text->size(); ++i) {
      (*text)[i] = static_cast<char>('a' + random() % 26);
    }
    return r;
  }

  // One Submit of one small SMALL report; its latency in ms, or -1 when the
  // call or the report failed (printed).
  double SmallSubmit(int i) {
    v1::SubmitRequest request;
    *request.add_reports() = Arrest("SMALL", StrCat("small-", i));
    v1::SubmitResponse response;
    auto context = Context("SMALL");
    const auto start = std::chrono::steady_clock::now();
    const grpc::Status s = stub_->Submit(context.get(), request, &response);
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    if (!s.ok() || response.results_size() != 1 ||
        response.results(0).code() != 0) {
      ADD_FAILURE() << "SMALL call " << i << ": " << s.error_code() << " "
                    << s.error_message() << " "
                    << (response.results_size() > 0
                            ? response.results(0).message()
                            : "");
      return -1;
    }
    return ms;
  }

  std::string nonce_;
  std::string dir_;
  std::unique_ptr<v1::IntakeService::Stub> stub_;
};

// One agency opens ten streams of large reports against the configured
// budget: four (its max_streams) run, six are refused RESOURCE_EXHAUSTED at
// open with a retry hint; the process stays up and its memory stays bounded;
// every call of another agency meanwhile succeeds.
TEST_F(AdmissionIntegrationTest, FloodOfOneAgencyDoesNotStarveAnother) {
  const int port = testing::FreePort();
  const int metrics_port = testing::FreePort();
  // A broker of its own: the flood writes hundreds of MB, which the tests
  // that read the shared broker's topics whole should not have to read.
  auto own = testing::Broker::StartOwn();
  ASSERT_TRUE(own.ok()) << own.status();
  // gzip makes the producer slower than a sender on loopback, so reports
  // wait for Kafka and the in-flight limits are what hold the flood back.
  auto intake = StartIntake(port, metrics_port,
                            {"--kafka-properties=compression.type=gzip",
                             "--create-topics=true", "--topic-replication=1"},
                            (*own)->bootstrap());
  ASSERT_TRUE(intake->running());

  // SMALL alone.
  std::vector<double> unloaded;
  unloaded.reserve(100);
  for (int i = 0; i < 100; ++i) unloaded.push_back(SmallSubmit(i));
  const int64_t baseline_rss = RssBytes(intake->pid());

  // BIG's four streams, each open (its handler running) before the extras.
  // Messages of four reports (3.6 MB, under the 4 MiB message limit), so
  // that a stream offers more than Kafka takes and its limits are reached.
  constexpr int kPerMessage = 4;
  const int per_stream = kPerMessage * testing::Scaled(40);
  struct Flood {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<
        grpc::ClientReaderWriter<v1::StreamRequest, v1::StreamResponse>>
        stream;
    int ok = 0;
    int other = 0;
    grpc::Status status;
  };
  std::vector<Flood> floods(4);
  for (int s = 0; s < 4; ++s) {
    floods[s].context = Context("BIG", seconds(600));
    floods[s].stream = stub_->Stream(floods[s].context.get());
    v1::StreamRequest first;
    *first.mutable_report() = Declination("BIG", StrCat("s", s, "-0"), 1000);
    ASSERT_TRUE(floods[s].stream->Write(first));
    v1::StreamResponse response;
    ASSERT_TRUE(floods[s].stream->Read(&response));
    ASSERT_EQ(response.result().code(), 0) << response.result().message();
  }
  // Six more: beyond max_streams.
  for (int e = 0; e < 6; ++e) {
    auto context = Context("BIG");
    auto stream = stub_->Stream(context.get());
    v1::StreamRequest request;
    *request.mutable_report() = Declination("BIG", StrCat("x", e), 1000);
    stream->Write(request);
    stream->WritesDone();
    v1::StreamResponse response;
    while (stream->Read(&response)) {
    }
    const grpc::Status s = stream->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << "extra stream " << e << ": " << s.error_message();
    EXPECT_NE(s.error_message().find("quota.max_streams"), std::string::npos)
        << s.error_message();
    EXPECT_FALSE(TrailingRetryAfter(*context).empty());
  }

  // The flood: every stream writes large reports as fast as it may.
  std::atomic<int64_t> peak_rss{0};
  std::atomic<bool> flooding{true};
  std::thread sampler([&] {
    while (flooding) {
      peak_rss = std::max<int64_t>(peak_rss, RssBytes(intake->pid()));
      std::this_thread::sleep_for(milliseconds(20));
    }
  });
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int s = 0; s < 4; ++s) {
    threads.emplace_back([&, s] {
      Flood& f = floods[s];
      std::thread writer([&] {
        v1::StreamRequest request;
        for (int r = 0; r < kPerMessage; ++r) {
          *request.add_reports() =
              Declination("BIG", StrCat("s", s, "-1"), kLargeReport);
        }
        for (int i = 0; i < per_stream / kPerMessage; ++i) {
          for (int r = 0; r < kPerMessage; ++r) {
            request.mutable_reports(r)->set_report_id(
                StrCat(nonce_, "-s", s, "-", i, "-", r));
          }
          if (!f.stream->Write(request)) break;
        }
        f.stream->WritesDone();
      });
      v1::StreamResponse response;
      while (f.stream->Read(&response)) {
        for (const auto& result : response.results()) {
          (result.code() == 0 ? f.ok : f.other)++;
        }
      }
      writer.join();
      f.status = f.stream->Finish();
    });
  }
  // SMALL meanwhile, until the flood is over (at least 100 calls).
  std::vector<double> loaded;
  std::atomic<int> streams_done{0};
  std::thread done_watch([&] {
    for (auto& t : threads) t.join();
    streams_done = 4;
  });
  for (int i = 1000; streams_done < 4 || loaded.size() < 100; ++i) {
    loaded.push_back(SmallSubmit(i));
  }
  done_watch.join();
  flooding = false;
  sampler.join();

  for (int s = 0; s < 4; ++s) {
    EXPECT_TRUE(floods[s].status.ok()) << floods[s].status.error_message();
    EXPECT_EQ(floods[s].ok, per_stream) << "stream " << s;
    EXPECT_EQ(floods[s].other, 0) << "stream " << s;
  }
  EXPECT_TRUE(intake->running())
      << "intake died (log: " << intake->log_path() << ")";
  const auto held =
      testing::MetricSum(metrics_port, "fruition_intake_inflight_bytes");
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(*held, 0);  // everything answered gives its bytes back
  const auto refused =
      testing::MetricSum(metrics_port, "fruition_intake_quota_refusals_total",
                         "reason=\"max_streams\"");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(*refused, 6);

  // The most intake ever held at once (its own high-water mark).
  const double peak_held =
      testing::MetricSum(metrics_port, "fruition_intake_inflight_bytes_max")
          .value_or(-1);

  const double growth_mib =
      static_cast<double>(peak_rss - baseline_rss) / static_cast<double>(kMiB);
  std::cout << "admission: flood of 4 streams x " << per_stream << " reports ("
            << kPerMessage << " a message) of " << kLargeReport
            << " bytes, budget " << kBudget / kMiB << " MiB: intake RSS "
            << baseline_rss / kMiB << " MiB before, peak " << peak_rss / kMiB
            << " MiB (+" << growth_mib << " MiB), peak in flight "
            << peak_held / kMiB << " MiB\n"
            << "admission: SMALL Submit p50/p99 ms unloaded "
            << Percentile(unloaded, 0.5) << "/" << Percentile(unloaded, 0.99)
            << " (" << unloaded.size() << " calls), loaded "
            << Percentile(loaded, 0.5) << "/" << Percentile(loaded, 0.99)
            << " (" << loaded.size() << " calls)\n";
  // No OOM: the flood's memory fits the chart's 512 MiB pod with room to
  // spare (each byte in flight costs several: the message, the parsed
  // reports, intake's copies, the producer's buffer; the allocator keeps
  // some). ASan's quarantine keeps freed memory, so there it is not checked.
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(growth_mib, 384) << "intake memory grew beyond its budget";
#endif
  // The precise bound: what intake held (reports and the room reserved for
  // each stream's next message) never passed the agency's share.
  EXPECT_LE(peak_held, kPrincipalShare);
  EXPECT_GT(peak_held, 0);
}

// A report over the rate quota is answered RESOURCE_EXHAUSTED with a hint
// and the stream goes on; a Submit with no token left is refused whole with
// trailing metadata; fruitctl follows the hints to the end.
TEST_F(AdmissionIntegrationTest, RateQuotaRefusesWithHintAndFruitctlWaits) {
  const int port = testing::FreePort();
  auto intake = StartIntake(port, testing::FreePort());
  std::vector<v1::StreamRequest> requests(60);
  for (int i = 0; i < 60; ++i) {
    *requests[i].mutable_report() = Arrest("SLOW", StrCat("rate-", i));
  }
  auto context = Context("SLOW");
  auto stream = stub_->Stream(context.get());
  for (const auto& r : requests) ASSERT_TRUE(stream->Write(r));
  stream->WritesDone();
  int ok = 0, exhausted = 0;
  int64_t hint = 0;
  v1::StreamResponse response;
  while (stream->Read(&response)) {
    if (response.result().code() == 0) ++ok;
    if (response.result().code_name() == "RESOURCE_EXHAUSTED") {
      ++exhausted;
      hint = std::max(hint, response.result().retry_after_ms());
      EXPECT_NE(response.result().message().find("quota.reports_per_second"),
                std::string::npos);
    }
  }
  EXPECT_TRUE(stream->Finish().ok());  // refusals did not end the stream
  EXPECT_EQ(ok + exhausted, 60);
  EXPECT_GE(ok, 20);        // the burst
  EXPECT_GE(exhausted, 1);  // beyond it
  EXPECT_GT(hint, 0);

  // The bucket is empty now: a whole Submit is refused, with the hint.
  v1::SubmitRequest submit;
  for (int i = 0; i < 30; ++i) {
    *submit.add_reports() = Arrest("SLOW", StrCat("submit-", i));
  }
  v1::SubmitResponse submitted;
  auto submit_context = Context("SLOW");
  const grpc::Status s =
      stub_->Submit(submit_context.get(), submit, &submitted);
  if (s.ok()) {
    // The bucket refilled a little meanwhile: the rest are refused per report.
    int refused = 0;
    for (const auto& r : submitted.results()) {
      if (r.code_name() == "RESOURCE_EXHAUSTED") ++refused;
    }
    EXPECT_GT(refused, 0);
  } else {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_NE(s.error_message().find("retry after"), std::string::npos);
  }
  EXPECT_FALSE(TrailingRetryAfter(*submit_context).empty());

  // fruitctl: 60 more reports at 20/s get through by waiting as told.
  const std::string file = dir_ + "/slow.ndjson";
  {
    std::ofstream out(file);
    for (int i = 0; i < 60; ++i) {
      std::string json;
      google::protobuf::util::MessageToJsonString(
          Arrest("SLOW", StrCat("ctl-", i)), &json);
      out << json << "\n";
    }
  }
  std::string out;
  EXPECT_EQ(
      testing::RunShell(StrCat(testing::Runfile("tools/fruitctl/fruitctl"),
                               " submit --server 127.0.0.1:", port, " --token ",
                               Token("SLOW"), " --max-attempts 3 ", file),
                        &out),
      0)
      << out;
  EXPECT_NE(out.find("60 accepted, 0 rejected"), std::string::npos) << out;
}

// A report over 1 MiB is INVALID_ARGUMENT naming its size; a message over
// the 4 MiB receive limit is refused by gRPC before intake sees it.
TEST_F(AdmissionIntegrationTest, OversizeReportAndMessage) {
  auto intake = StartIntake(testing::FreePort(), testing::FreePort());
  v1::SubmitRequest request;
  *request.add_reports() = Declination("BIG", "over", (1 << 20) + 1);
  v1::SubmitResponse response;
  ASSERT_TRUE(stub_->Submit(Context("BIG").get(), request, &response).ok());
  ASSERT_EQ(response.results_size(), 1);
  EXPECT_EQ(response.results(0).code_name(), "INVALID_ARGUMENT");
  EXPECT_NE(response.results(0).message().find("1048577 bytes"),
            std::string::npos)
      << response.results(0).message();

  v1::SubmitRequest huge;
  for (int i = 0; i < 5; ++i) {
    *huge.add_reports() = Declination("BIG", StrCat("huge-", i), kLargeReport);
  }
  const grpc::Status s = stub_->Submit(Context("BIG").get(), huge, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << s.error_message();
}

}  // namespace
}  // namespace fruition
