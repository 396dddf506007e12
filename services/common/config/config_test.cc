#include "services/common/config/config.h"

#include <cstdio>
#include <fstream>
#include <map>

#include "gtest/gtest.h"

namespace fruition::config {
namespace {

const std::vector<Spec>& TestSpecs() {
  static const auto* specs = new std::vector<Spec>{
      {"grpc-port", "50051", "gRPC port"},
      {"kafka-bootstrap", "", "Kafka bootstrap servers"},
      {"dev", "false", "dev mode", true},
  };
  return *specs;
}

EnvLookup FakeEnv(const std::map<std::string, std::string>& vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(vars);
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

std::string WriteTemp(const std::string& text) {
  char path[] = "/tmp/fruition-config-XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigTest, DefaultsApplyWhenNothingIsSet) {
  auto s = Settings::Load({}, TestSpecs(), FakeEnv({}));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s->GetInt("grpc-port", 0, 65535), 50051);
  EXPECT_EQ(s->Source("grpc-port"), "default");
  EXPECT_FALSE(*s->GetBool("dev"));
}

TEST(ConfigTest, FlagBeatsEnvBeatsFile) {
  const std::string file =
      WriteTemp("grpc_port: 1000\nkafka_bootstrap: file:9092\n");
  auto s = Settings::Load({"--config", file, "--grpc-port=3000"}, TestSpecs(),
                          FakeEnv({{"FRUITION_GRPC_PORT", "2000"},
                                   {"FRUITION_KAFKA_BOOTSTRAP", "env:9092"}}));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s->GetInt("grpc-port", 0, 65535), 3000);
  EXPECT_EQ(s->Source("grpc-port"), "flag");
  EXPECT_EQ(s->Get("kafka-bootstrap"), "env:9092");
  EXPECT_EQ(s->Source("kafka-bootstrap"), "env FRUITION_KAFKA_BOOTSTRAP");

  auto from_file = Settings::Load({"--config", file}, TestSpecs(), FakeEnv({}));
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ(*from_file->GetInt("grpc-port", 0, 65535), 1000);
  EXPECT_EQ(from_file->Source("grpc-port"), "file " + file);
  std::remove(file.c_str());
}

TEST(ConfigTest, ConfigFileFromEnvironment) {
  const std::string file = WriteTemp("grpc-port: 1234\n");
  auto s =
      Settings::Load({}, TestSpecs(), FakeEnv({{"FRUITION_CONFIG", file}}));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s->GetInt("grpc-port", 0, 65535), 1234);
  std::remove(file.c_str());
}

TEST(ConfigTest, ErrorsNameTheFieldAndSource) {
  auto s = Settings::Load({}, TestSpecs(),
                          FakeEnv({{"FRUITION_GRPC_PORT", "http"}}));
  ASSERT_TRUE(s.ok());
  auto port = s->GetInt("grpc-port", 0, 65535);
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.status().message().find("grpc-port"), std::string::npos);
  EXPECT_NE(port.status().message().find("FRUITION_GRPC_PORT"),
            std::string::npos);

  auto big = Settings::Load({"--grpc-port=70000"}, TestSpecs(), FakeEnv({}));
  ASSERT_TRUE(big.ok());
  EXPECT_FALSE(big->GetInt("grpc-port", 0, 65535).ok());

  auto missing = big->GetRequired("kafka-bootstrap");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("FRUITION_KAFKA_BOOTSTRAP"),
            std::string::npos);
}

TEST(ConfigTest, UnknownFlagsAndFileKeysAreRejected) {
  auto flag = Settings::Load({"--grpc-prot=1"}, TestSpecs(), FakeEnv({}));
  ASSERT_FALSE(flag.ok());
  EXPECT_NE(flag.status().message().find("--grpc-prot"), std::string::npos);

  const std::string file = WriteTemp("grpc_prot: 1\n");
  auto key = Settings::Load({"--config=" + file}, TestSpecs(), FakeEnv({}));
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.status().message().find("grpc_prot"), std::string::npos);
  std::remove(file.c_str());

  auto nofile =
      Settings::Load({"--config=/nonexistent.yaml"}, TestSpecs(), FakeEnv({}));
  EXPECT_EQ(nofile.status().code(), absl::StatusCode::kNotFound);
}

TEST(ConfigTest, BooleanFlagsAndPositionals) {
  auto s = Settings::Load({"submit", "--dev", "a.ndjson", "--", "--b"},
                          TestSpecs(), FakeEnv({}));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(*s->GetBool("dev"));
  EXPECT_EQ(s->positional(),
            (std::vector<std::string>{"submit", "a.ndjson", "--b"}));
  auto neg = Settings::Load({"--no-dev"}, TestSpecs(),
                            FakeEnv({{"FRUITION_DEV", "true"}}));
  ASSERT_TRUE(neg.ok());
  EXPECT_FALSE(*neg->GetBool("dev"));
  auto bad =
      Settings::Load({}, TestSpecs(), FakeEnv({{"FRUITION_DEV", "maybe"}}));
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad->GetBool("dev").ok());
}

}  // namespace
}  // namespace fruition::config
