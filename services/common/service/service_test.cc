// The common settings' validation (ParseCommon): what a service refuses to
// start with.
#include "services/common/service/service.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fruition::service {
namespace {

constexpr ServiceDefaults kDefaults{"127.0.0.1:1", "127.0.0.1:2", "group"};

// ParseCommon of the required settings plus `extra`, with no environment.
absl::StatusOr<CommonConfig> Parse(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--kafka-bootstrap=kafka:9092",
                                   "--principals-file=principals.yaml",
                                   "--data-dir=data"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto settings = config::Settings::Load(args, CommonSpecs(kDefaults),
                                         [](const char*) { return nullptr; });
  if (!settings.ok()) return settings.status();
  CommonConfig c(kDefaults);
  if (absl::Status s = ParseCommon(*settings, &c); !s.ok()) return s;
  return c;
}

TEST(CommonConfigTest, CrashRecordAttemptsDefaultsToThreeWithinOneToAHundred) {
  const auto defaults = Parse({});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->crash_record_attempts, 3);
  const auto one = Parse({"--crash-record-attempts=1"});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->crash_record_attempts, 1);
  for (const char* bad : {"0", "101", "-1", "three"}) {
    const auto c = Parse({std::string("--crash-record-attempts=") + bad});
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(c.status().message().find("crash-record-attempts"),
              std::string::npos)
        << c.status();
  }
}

TEST(CommonConfigTest, RequiringClientCertificatesNeedsTheirCa) {
  const auto off = Parse({});
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE(off->tls_require_client_cert);
  const auto without_ca = Parse(
      {"--tls-cert=c.pem", "--tls-key=k.pem", "--tls-require-client-cert"});
  EXPECT_EQ(without_ca.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(without_ca.status().message().find(
                "config field tls-require-client-cert"),
            std::string::npos)
      << without_ca.status();
  const auto with_ca =
      Parse({"--tls-cert=c.pem", "--tls-key=k.pem", "--tls-client-ca=ca.pem",
             "--tls-require-client-cert"});
  ASSERT_TRUE(with_ca.ok()) << with_ca.status();
  EXPECT_TRUE(with_ca->tls_require_client_cert);
}

}  // namespace
}  // namespace fruition::service
