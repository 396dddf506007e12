#include "tools/sim/live.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "fruition/v1/intake.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/common/strings.h"
#include "tools/sim/sim.h"

namespace fruition::sim {
namespace {

TEST(TokensTest, BothFormsAndComments) {
  auto tokens = ParseTokens(
      "# dev tokens\n"
      "DEA dev-DEA-1\n"
      "tokens:\n"
      "  USSC: \"dev-USSC-2\"   # quoted\n"
      "  PPD: 'dev-PPD-3'\n"
      "USAO-EDPA: tok:with:colons\n"
      "\n",
      "t.yaml");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_EQ(tokens->size(), 4u);
  EXPECT_EQ(tokens->at("DEA"), "dev-DEA-1");
  EXPECT_EQ(tokens->at("USSC"), "dev-USSC-2");
  EXPECT_EQ(tokens->at("PPD"), "dev-PPD-3");
  EXPECT_EQ(tokens->at("USAO-EDPA"), "tok:with:colons");
}

TEST(TokensTest, ErrorsNameTheLine) {
  auto missing = ParseTokens("DEA\n", "t.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("t.txt:1"), std::string::npos);
  auto twice = ParseTokens("DEA a\nFBI b\nDEA c\n", "t.txt");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("t.txt:3: DEA is given twice"),
            std::string::npos)
      << twice.status();
  EXPECT_FALSE(ParseTokens("DEA:nospace\n", "t").ok());
  EXPECT_FALSE(ParseTokens("DEA a b\n", "t").ok());
  auto unreadable = LoadTokens("/nonexistent/tokens");
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.status().message().rfind("--tokens: ", 0), 0u);
}

TEST(RateTest, Forms) {
  EXPECT_DOUBLE_EQ(*ParseRate("50"), 50);
  EXPECT_DOUBLE_EQ(*ParseRate("50/s"), 50);
  EXPECT_DOUBLE_EQ(*ParseRate("600/min"), 10);
  EXPECT_DOUBLE_EQ(*ParseRate("0.5/s"), 0.5);
  EXPECT_DOUBLE_EQ(*ParseRate("0"), 0);
  for (const char* bad : {"", "fast", "-1", "5/h", "5/s/s", "nan"}) {
    auto rate = ParseRate(bad);
    ASSERT_FALSE(rate.ok()) << bad;
    EXPECT_EQ(rate.status().message().rfind("--rate: ", 0), 0u);
  }
}

// An intake that records what it was sent and under which token, and
// refuses report ids in `refuse`.
class FakeIntake final : public v1::IntakeService::Service {
 public:
  grpc::Status Stream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream)
      override {
    std::string token;
    auto it = context->client_metadata().find("authorization");
    if (it != context->client_metadata().end()) {
      token = std::string(it->second.data(), it->second.size());
    }
    v1::StreamRequest request;
    while (stream->Read(&request)) {
      v1::StreamResponse response;
      auto* result = response.mutable_result();
      result->set_report_id(request.report().report_id());
      {
        std::lock_guard<std::mutex> lock(mu);
        received.push_back({token, request.report()});
        if (refuse.count(request.report().report_id()) > 0) {
          result->set_code(3);
          result->set_code_name("INVALID_ARGUMENT");
          result->set_message("sentencing.district: required");
        } else {
          result->set_code_name("OK");
        }
      }
      stream->Write(response);
    }
    return grpc::Status::OK;
  }

  std::mutex mu;
  std::vector<std::pair<std::string, v1::AgencyReport>> received;
  std::set<std::string> refuse;
};

class LiveTest : public testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&intake_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(StrCat("127.0.0.1:", port_),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override { server_->Shutdown(); }

  static std::vector<v1::AgencyReport> Sample(int subjects) {
    SimOptions options;
    options.seed = 8;
    options.subjects = subjects;
    return *Generate(options);
  }
  static Tokens AllTokens() {
    Tokens tokens;
    for (const Reporter& r : Reporters()) tokens[r.code] = "tok-" + r.code;
    return tokens;
  }

  FakeIntake intake_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(LiveTest, SendsEverythingInOrderUnderEachReportersToken) {
  const auto reports = Sample(150);
  StreamOptions options;
  options.rate = 0;  // unpaced
  options.tokens = AllTokens();
  size_t last_done = 0;
  options.progress = [&](size_t done, const fruitctl::SubmitSummary&) {
    EXPECT_GT(done, last_done);
    last_done = done;
  };
  std::ostringstream errors;
  const auto summary = StreamToIntake(channel_, reports, options, errors);
  EXPECT_EQ(summary.accepted, static_cast<int>(reports.size()));
  EXPECT_EQ(summary.rejected, 0);
  EXPECT_EQ(errors.str(), "");
  EXPECT_EQ(last_done, reports.size());
  ASSERT_EQ(intake_.received.size(), reports.size());
  for (size_t i = 0; i < reports.size(); ++i) {
    const auto& [token, report] = intake_.received[i];
    EXPECT_EQ(report.report_id(), reports[i].report_id()) << "time order";
    EXPECT_EQ(token, "Bearer tok-" + report.reporter());
  }
}

TEST_F(LiveTest, PacedAndRejectionsNameTheFileLine) {
  auto reports = Sample(20);
  reports.resize(30);
  // The third report of the first reporter is refused.
  const std::string reporter = reports[0].reporter();
  int seen = 0;
  std::string refused;
  for (const auto& r : reports) {
    if (r.reporter() == reporter && ++seen == 3) refused = r.report_id();
  }
  ASSERT_FALSE(refused.empty());
  intake_.refuse.insert(refused);
  StreamOptions options;
  options.rate = 150;  // 30 reports: about 0.2 s
  options.tokens = AllTokens();
  std::ostringstream errors;
  const auto start = std::chrono::steady_clock::now();
  const auto summary = StreamToIntake(channel_, reports, options, errors);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_GE(took, 29.0 / 150 - 0.02) << "paced";
  EXPECT_EQ(summary.accepted, 29);
  EXPECT_EQ(summary.rejected, 1);
  EXPECT_EQ(errors.str(), StrCat(reporter,
                                 ".ndjson:3: INVALID_ARGUMENT: "
                                 "sentencing.district: required\n"));
}

TEST_F(LiveTest, StopEndsTheStream) {
  const auto reports = Sample(100);
  server::ShutdownSignal stop;
  StreamOptions options;
  options.rate = 20;
  options.tokens = AllTokens();
  options.stop = &stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.Notify("test");
  });
  std::ostringstream errors;
  const auto summary = StreamToIntake(channel_, reports, options, errors);
  stopper.join();
  EXPECT_GT(summary.accepted, 0);
  EXPECT_LT(summary.accepted, 20) << "about 0.3 s at 20/s";
}

TEST(MissingTokensTest, ListsReportersWithoutOne) {
  SimOptions options;
  options.subjects = 300;
  const auto reports = *Generate(options);
  Tokens tokens{{"DEA", "x"}};
  const auto missing = MissingTokens(reports, tokens);
  EXPECT_FALSE(missing.empty());
  EXPECT_EQ(std::count(missing.begin(), missing.end(), "DEA"), 0);
  EXPECT_EQ(std::count(missing.begin(), missing.end(), "USSC"), 1);
}

}  // namespace
}  // namespace fruition::sim
