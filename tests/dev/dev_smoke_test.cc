// `fruition dev` as a newcomer runs it: one process on librdkafka's mock
// cluster, sample data submitted, health SERVING, metrics served, and a
// clean stop on SIGTERM. Needs no broker.
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "fruition/v1/evidence.grpc.pb.h"
#include "fruition/v1/reconciler.grpc.pb.h"
#include "fruition/v1/scores.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/common/strings.h"
#include "tests/harness/dev.h"
#include "tests/harness/harness.h"

namespace fruition {
namespace {

using std::chrono::seconds;

TEST(DevSmokeTest, RunsTheSuiteOnTheMockClusterWithSampleData) {
  const int grpc_port = testing::FreePort();
  const int http_port = testing::FreePort();
  auto dev = testing::StartDev(
      "fruition-dev",
      {StrCat("--grpc-port=", grpc_port), StrCat("--http-port=", http_port),
       "--live-rate=0", "--sample-subjects=60"});
  ASSERT_TRUE(dev.ok()) << dev.status();
  ASSERT_TRUE(dev->WaitFor(testing::kDevServing, seconds(120)))
      << dev->Output();
  const std::string output = dev->Output();
  EXPECT_NE(output.find("rejected"), std::string::npos);
  EXPECT_NE(output.find(" 0 rejected"), std::string::npos) << output;
  EXPECT_NE(output.find("DEA (AGENCY)  token dev-DEA-"), std::string::npos);
  EXPECT_NE(output.find("kcat -C -b 127.0.0.1:"), std::string::npos);
  EXPECT_EQ(testing::HealthStatus(StrCat("127.0.0.1:", grpc_port)), "SERVING");

  httplib::Client http("127.0.0.1", http_port);
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("fruition_intake_reports_total{"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("outcome=\"accepted\""), std::string::npos);
  EXPECT_EQ(http.Get("/readyz")->status, 200);

  // The evidence service joined: it assesses the sample's link claims and
  // answers an overseer (token printed above) over the same gRPC port.
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        auto m = http.Get("/metrics");
        return m && m->body.find("fruition_evidence_assessments_total{") !=
                        std::string::npos;
      },
      seconds(60)));
  const size_t at = output.find("OIG (OVERSEER)  token ");
  ASSERT_NE(at, std::string::npos) << output;
  const std::string oig =
      output.substr(at + 22, output.find('\n', at) - (at + 22));
  auto stub = v1::EvidenceService::NewStub(grpc::CreateChannel(
      StrCat("127.0.0.1:", grpc_port), grpc::InsecureChannelCredentials()));
  v1::ListClaimsRequest list;
  list.set_reporter("DEA");
  v1::ListClaimsResponse claims;
  grpc::Status listed;
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        claims.Clear();
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", "Bearer " + oig);
        listed = stub->ListClaims(&ctx, list, &claims);
        return listed.ok() && claims.claims_size() > 0;
      },
      seconds(30)))
      << listed.error_message();

  // Scoring joined too: scorecards for FY2016, public view suppressed.
  auto scores = v1::ScoringService::NewStub(grpc::CreateChannel(
      StrCat("127.0.0.1:", grpc_port), grpc::InsecureChannelCredentials()));
  v1::ListScorecardsResponse cards;
  auto any_arrests = [&] {
    for (const char* period : {"FY2016", "FY2017", "FY2018"}) {
      v1::ListScorecardsRequest req;
      req.set_period(period);
      req.set_unit_kind("agency");
      cards.Clear();
      grpc::ClientContext c;
      c.AddMetadata("authorization", "Bearer " + oig);
      if (!scores->ListScorecards(&c, req, &cards).ok()) continue;
      for (const auto& card : cards.scorecards()) {
        for (const auto& i : card.indicators()) {
          if (i.name() == "arrests" && i.value() > 0) return true;
        }
      }
    }
    return false;
  };
  EXPECT_TRUE(testing::WaitUntil(any_arrests, seconds(60)))
      << cards.DebugString();

  // And the reconciler: oversight events, restricted ones for the overseer
  // only, each explainable.
  auto events = v1::ReconcilerService::NewStub(grpc::CreateChannel(
      StrCat("127.0.0.1:", grpc_port), grpc::InsecureChannelCredentials()));
  v1::ListEventsResponse restricted;
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        v1::ListEventsRequest req;
        req.set_visibility(v1::VISIBILITY_RESTRICTED);
        restricted.Clear();
        grpc::ClientContext c;
        c.AddMetadata("authorization", "Bearer " + oig);
        return events->ListEvents(&c, req, &restricted).ok() &&
               restricted.events_size() > 0;
      },
      seconds(60)));
  v1::ListEventsResponse open;
  {
    grpc::ClientContext c;
    ASSERT_TRUE(events->ListEvents(&c, v1::ListEventsRequest(), &open).ok());
  }
  for (const auto& e : open.events()) {
    EXPECT_EQ(e.visibility(), v1::VISIBILITY_PUBLIC) << e.DebugString();
    EXPECT_TRUE(e.subject_pid().empty());
  }
  if (restricted.events_size() > 0) {
    v1::ExplainEventRequest req;
    req.set_event_id(restricted.events(0).event_id());
    v1::EventExplanation x;
    grpc::ClientContext c;
    c.AddMetadata("authorization", "Bearer " + oig);
    ASSERT_TRUE(events->ExplainEvent(&c, req, &x).ok());
    EXPECT_FALSE(x.rule().empty());
    grpc::ClientContext anonymous;
    EXPECT_EQ(events->ExplainEvent(&anonymous, req, &x).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }

  dev->process->Signal(SIGTERM);
  EXPECT_EQ(dev->process->Wait(seconds(20)), 0);
}

}  // namespace
}  // namespace fruition
