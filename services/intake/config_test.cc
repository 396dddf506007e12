#include "services/intake/config.h"

#include <map>

#include "gtest/gtest.h"

namespace fruition::intake {
namespace {

absl::StatusOr<IntakeConfig> Load(
    const std::vector<std::string>& args,
    const std::map<std::string, std::string>& env = {}) {
  auto vars = std::make_shared<std::map<std::string, std::string>>(env);
  auto settings = config::Settings::Load(
      args, IntakeSpecs(), [vars](const char* name) -> const char* {
        auto it = vars->find(name);
        return it == vars->end() ? nullptr : it->second.c_str();
      });
  if (!settings.ok()) return settings.status();
  return IntakeConfigFrom(*settings);
}

const std::vector<std::string> kRequired = {
    "--kafka-bootstrap=127.0.0.1:9092", "--principals-file=p.yaml",
    "--pseudonym-key-file=k", "--sealed-key-file=s", "--data-dir=/tmp/x"};

TEST(IntakeConfigTest, MinimalConfigLoadsWithDefaults) {
  auto c = Load(kRequired);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->grpc_listen, "127.0.0.1:50051");
  EXPECT_EQ(c->kafka_delivery_timeout_ms, 15000);
  EXPECT_EQ(c->stream_window, 2048);
}

TEST(IntakeConfigTest, MissingRequiredFieldsAreNamed) {
  auto c = Load({"--principals-file=p.yaml", "--pseudonym-key-file=k",
                 "--sealed-key-file=s", "--data-dir=/tmp/x"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("kafka-bootstrap"), std::string::npos);
  auto key = Load({"--kafka-bootstrap=b:1", "--principals-file=p.yaml",
                   "--sealed-key-file=s", "--data-dir=/tmp/x"});
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.status().message().find("pseudonym-key"), std::string::npos);
}

TEST(IntakeConfigTest, SealedKeyIsRequiredExactlyOnce) {
  auto none = Load({"--kafka-bootstrap=b:1", "--principals-file=p.yaml",
                    "--pseudonym-key-file=k", "--data-dir=/tmp/x"});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("sealed-key-file / sealed-key"),
            std::string::npos)
      << none.status();
  auto both = kRequired;
  both.push_back("--sealed-key=k1:" + std::string(64, 'a'));
  EXPECT_FALSE(Load(both).ok());
  auto value = Load({"--kafka-bootstrap=b:1", "--principals-file=p.yaml",
                     "--pseudonym-key-file=k", "--data-dir=/tmp/x",
                     "--sealed-key=k1:" + std::string(64, 'a')});
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(value->sealed_key, "k1:" + std::string(64, 'a'));
}

TEST(IntakeConfigTest, BadValuesAreNamed) {
  auto args = kRequired;
  args.push_back("--grpc-listen=nocolon");
  auto c = Load(args);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("grpc-listen"), std::string::npos);

  auto env = Load(kRequired, {{"FRUITION_STREAM_WINDOW", "0"}});
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find("stream-window"), std::string::npos);

  auto tls = kRequired;
  tls.push_back("--tls-cert=c.pem");
  EXPECT_FALSE(Load(tls).ok());

  auto props = kRequired;
  props.push_back("--kafka-properties=broken");
  EXPECT_FALSE(Load(props).ok());
}

TEST(IntakeConfigTest, MemoryAndDeadlineDefaults) {
  auto c = Load(kRequired);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->stream_inflight_bytes, 16 << 20);
  EXPECT_EQ(c->principal_inflight_bytes, 32 << 20);
  EXPECT_EQ(c->inflight_budget_bytes, 64 << 20);
  EXPECT_EQ(c->unary_deadline_ms, 30000);
  EXPECT_EQ(c->stream_idle_timeout_ms, 300000);
}

TEST(IntakeConfigTest, MemoryLimitsMustNest) {
  const auto error = [](const std::vector<std::string>& extra) {
    auto args = kRequired;
    args.insert(args.end(), extra.begin(), extra.end());
    auto c = Load(args);
    EXPECT_FALSE(c.ok());
    return std::string(c.status().message());
  };
  const auto npos = std::string::npos;
  // A stream must hold at least one largest message (4 MiB).
  EXPECT_NE(
      error({"--stream-inflight-bytes=1000000"}).find("stream-inflight-bytes"),
      npos);
  // A principal's share at least a stream's, the replica's at least that.
  EXPECT_NE(error({"--stream-inflight-bytes=33554432",
                   "--principal-inflight-bytes=16777216"})
                .find("principal-inflight-bytes"),
            npos);
  EXPECT_NE(error({"--inflight-budget-bytes=16777216"})
                .find("principal-inflight-bytes"),
            npos);
  EXPECT_NE(error({"--unary-deadline-ms=0"}).find("unary-deadline-ms"), npos);
  EXPECT_NE(
      error({"--stream-idle-timeout-ms=x"}).find("stream-idle-timeout-ms"),
      npos);
}

}  // namespace
}  // namespace fruition::intake
