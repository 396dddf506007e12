#include "tools/fruitctl/submit.h"

#include <grpcpp/grpcpp.h>

#include <mutex>
#include <sstream>

#include "fruition/v1/intake.grpc.pb.h"
#include "gtest/gtest.h"

namespace fruition::fruitctl {
namespace {

using Clock = std::chrono::steady_clock;

// Refuses the first `refusals` Stream calls — each report RESOURCE_EXHAUSTED
// with `hint_ms` (or, with `refuse_call`, the whole call with trailing
// metadata `retry-after-ms`) — then answers every report OK.
class QuotaServer : public v1::IntakeService::Service {
 public:
  grpc::Status Stream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream)
      override {
    bool refuse = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      calls.push_back(Clock::now());
      refuse = static_cast<int>(calls.size()) <= refusals;
    }
    if (refuse && refuse_call) {
      context->AddTrailingMetadata("retry-after-ms", std::to_string(hint_ms));
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "quota.max_streams: too many streams");
    }
    v1::StreamRequest request;
    while (stream->Read(&request)) {
      v1::StreamResponse response;
      auto* r = response.mutable_result();
      r->set_report_id(request.report().report_id());
      if (refuse) {
        r->set_code(grpc::StatusCode::RESOURCE_EXHAUSTED);
        r->set_code_name("RESOURCE_EXHAUSTED");
        r->set_message("quota.reports_per_second: over");
        r->set_retry_after_ms(hint_ms);
      } else {
        r->set_code_name("OK");
        ++accepted;
      }
      stream->Write(response);
    }
    return grpc::Status::OK;
  }

  int refusals = 1;
  bool refuse_call = false;
  int64_t hint_ms = 1500;
  std::mutex mu;
  std::vector<Clock::time_point> calls;
  std::atomic<int> accepted{0};
};

class SubmitRetryTest : public ::testing::Test {
 protected:
  void Start() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }
  SubmitSummary Run(int reports) {
    std::vector<Line> lines(reports);
    for (int i = 0; i < reports; ++i) {
      lines[i].file = "r.ndjson";
      lines[i].number = i + 1;
      lines[i].report.set_report_id("R-" + std::to_string(i));
    }
    auto channel =
        MakeChannel("127.0.0.1:" + std::to_string(port_), "", "", "");
    EXPECT_TRUE(channel.ok());
    SubmitOptions options;
    options.max_attempts = 3;
    return Submit(*channel, lines, options, errors_);
  }
  // Time between the first and the second Stream call.
  std::chrono::milliseconds Gap() {
    std::lock_guard<std::mutex> lock(service_.mu);
    EXPECT_GE(service_.calls.size(), 2u);
    if (service_.calls.size() < 2) return std::chrono::milliseconds(0);
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        service_.calls[1] - service_.calls[0]);
  }

  QuotaServer service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::ostringstream errors_;
};

TEST_F(SubmitRetryTest, RefusedReportsAreResentAfterTheHint) {
  Start();
  const SubmitSummary summary = Run(5);
  EXPECT_EQ(summary.accepted, 5) << errors_.str();
  EXPECT_EQ(summary.rejected, 0);
  EXPECT_EQ(service_.accepted, 5);
  // Not before the server said (the default backoff would be 200 ms).
  EXPECT_GE(Gap(), std::chrono::milliseconds(service_.hint_ms));
}

TEST_F(SubmitRetryTest, RefusedCallIsRetriedAfterTheTrailingHint) {
  service_.refuse_call = true;
  Start();
  const SubmitSummary summary = Run(3);
  EXPECT_EQ(summary.accepted, 3) << errors_.str();
  EXPECT_GE(Gap(), std::chrono::milliseconds(service_.hint_ms));
}

TEST_F(SubmitRetryTest, AttemptsAreBounded) {
  service_.refusals = 1000;  // never lets anything through
  service_.hint_ms = 10;
  Start();
  const SubmitSummary summary = Run(2);
  EXPECT_EQ(summary.accepted, 0);
  EXPECT_EQ(summary.rejected, 2);
  std::lock_guard<std::mutex> lock(service_.mu);
  EXPECT_EQ(service_.calls.size(), 3u);  // max_attempts
}

}  // namespace
}  // namespace fruition::fruitctl
