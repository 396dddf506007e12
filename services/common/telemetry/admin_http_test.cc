#include "services/common/telemetry/admin_http.h"

#include <httplib.h>

#include <atomic>

#include "gtest/gtest.h"
#include "prometheus/counter.h"

namespace fruition::telemetry {
namespace {

TEST(AdminHttpServerTest, ServesMetricsHealthAndReadiness) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto& family = prometheus::BuildCounter()
                     .Name("fruition_test_total")
                     .Help("test counter")
                     .Register(*registry);
  family.Add({{"outcome", "accepted"}}).Increment(3);
  std::atomic<bool> ready{false};
  auto server = AdminHttpServer::Start("127.0.0.1", 0, registry,
                                       [&] { return ready.load(); });
  ASSERT_TRUE(server.ok()) << server.status();
  httplib::Client client("127.0.0.1", (*server)->port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("fruition_test_total{outcome=\"accepted\"} 3"),
            std::string::npos)
      << metrics->body;
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  EXPECT_EQ(client.Get("/readyz")->status, 503);
  ready = true;
  EXPECT_EQ(client.Get("/readyz")->status, 200);
}

}  // namespace
}  // namespace fruition::telemetry
