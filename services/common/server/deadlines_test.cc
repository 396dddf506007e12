#include "services/common/server/deadlines.h"

#include <atomic>
#include <thread>

#include "fruition/v1/intake.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/common/server/grpc_server.h"

namespace fruition::server {
namespace {

using std::chrono::milliseconds;

// Submit runs until cancelled or `submit_for` passed; Stream reads until the
// client half-closes or the call is cancelled.
class SlowService : public v1::IntakeService::Service {
 public:
  grpc::Status Submit(grpc::ServerContext* context, const v1::SubmitRequest*,
                      v1::SubmitResponse*) override {
    const auto until = std::chrono::steady_clock::now() + submit_for;
    while (std::chrono::steady_clock::now() < until) {
      if (context->IsCancelled()) {
        cancelled_seen = true;
        return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    return grpc::Status::OK;
  }
  grpc::Status Stream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream)
      override {
    v1::StreamRequest request;
    while (stream->Read(&request)) stream->Write(v1::StreamResponse());
    if (context->IsCancelled()) cancelled_seen = true;
    return grpc::Status::OK;
  }

  milliseconds submit_for{20000};
  std::atomic<bool> cancelled_seen{false};
};

// Waits up to 5 s for the handler to have seen the cancellation (it polls).
bool SeenSoon(const std::atomic<bool>& seen) {
  for (int i = 0; i < 500 && !seen; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  return seen;
}

class DeadlinesTest : public ::testing::Test {
 protected:
  void Start(DeadlineOptions deadlines) {
    GrpcServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.deadlines = deadlines;
    auto server = GrpcServer::Start(options, {&service_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::IntakeService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  SlowService service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::IntakeService::Stub> stub_;
};

TEST(DeadlineOptionsTest, Defaults) {
  const DeadlineOptions d;
  EXPECT_EQ(d.unary, milliseconds(30000));
  EXPECT_EQ(d.stream_idle, milliseconds(300000));
  EXPECT_EQ(GrpcServerOptions().max_receive_message_bytes, 4 << 20);
}

TEST_F(DeadlinesTest, UnaryCallWithoutDeadlineGetsTheServers) {
  Start({milliseconds(200), milliseconds(60000), milliseconds(0)});
  grpc::ClientContext context;  // no deadline
  v1::SubmitResponse response;
  const grpc::Status s = stub_->Submit(&context, {}, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::CANCELLED) << s.error_message();
  EXPECT_TRUE(SeenSoon(service_.cancelled_seen));
}

TEST_F(DeadlinesTest, ClientsOwnDeadlineIsLeftAlone) {
  Start({milliseconds(100), milliseconds(60000), milliseconds(0)});
  service_.submit_for = milliseconds(600);  // longer than the server default
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + milliseconds(20000));
  v1::SubmitResponse response;
  const grpc::Status s = stub_->Submit(&context, {}, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(service_.cancelled_seen);
}

TEST_F(DeadlinesTest, IdleStreamIsCancelledBusyStreamIsNot) {
  Start({milliseconds(30000), milliseconds(400), milliseconds(0)});
  {
    // Busy: a message every 50 ms for 1.2 s, three idle periods in all.
    grpc::ClientContext context;
    auto stream = stub_->Stream(&context);
    v1::StreamResponse response;
    for (int i = 0; i < 24; ++i) {
      ASSERT_TRUE(stream->Write(v1::StreamRequest())) << i;
      ASSERT_TRUE(stream->Read(&response)) << i;
      std::this_thread::sleep_for(milliseconds(50));
    }
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
    EXPECT_FALSE(service_.cancelled_seen);
  }
  // Idle: one message, then silence. (The client's own deadline only keeps
  // the test from hanging if the server never ends the call.)
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + milliseconds(20000));
  auto stream = stub_->Stream(&context);
  ASSERT_TRUE(stream->Write(v1::StreamRequest()));
  v1::StreamResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_FALSE(stream->Read(&response));  // returns once the server cancels
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(SeenSoon(service_.cancelled_seen));
}

}  // namespace
}  // namespace fruition::server
