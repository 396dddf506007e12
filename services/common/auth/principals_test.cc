#include "services/common/auth/principals.h"

#include "gtest/gtest.h"
#include "services/common/privacy/pseudonymizer.h"

namespace fruition::auth {
namespace {

// sha256("test") and sha256("oig-token").
const std::string kDeaDigest = privacy::Sha256Hex("test");
const std::string kOigDigest = privacy::Sha256Hex("oig-token");

PrincipalRegistry TestRegistry() {
  auto registry = PrincipalRegistry::FromYaml(
      "principals:\n"
      "  - code: DEA\n    kind: AGENCY\n    token_sha256: " +
          kDeaDigest +
          "\n"
          "  - code: OIG\n    kind: OVERSEER\n    token_sha256: " +
          kOigDigest +
          "\n"
          "  - code: USSC\n    kind: JUDICIARY\n",
      "test");
  EXPECT_TRUE(registry.ok()) << registry.status();
  return *registry;
}

TEST(PrincipalsTest, GoodTokenAuthenticates) {
  auto p = TestRegistry().Authenticate({"Bearer test", std::nullopt});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->code, "DEA");
  EXPECT_EQ(p->kind, PrincipalKind::kAgency);
}

TEST(PrincipalsTest, BadTokenIsUnauthenticated) {
  auto p = TestRegistry().Authenticate({"Bearer nope", std::nullopt});
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
  auto malformed =
      TestRegistry().Authenticate({"Basic dGVzdA==", std::nullopt});
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kUnauthenticated);
  auto empty = TestRegistry().Authenticate({"Bearer ", std::nullopt});
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(PrincipalsTest, NoCredentialsIsPublic) {
  auto p = TestRegistry().Authenticate({});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->is_public());
}

TEST(PrincipalsTest, ClientCertificateCommonName) {
  auto p = TestRegistry().Authenticate({std::nullopt, "USSC"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->code, "USSC");
  EXPECT_EQ(p->kind, PrincipalKind::kJudiciary);
  EXPECT_EQ(
      TestRegistry().Authenticate({std::nullopt, "NOBODY"}).status().code(),
      absl::StatusCode::kUnauthenticated);
  // Token and certificate of different principals.
  EXPECT_EQ(TestRegistry().Authenticate({"Bearer test", "OIG"}).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(TestRegistry().Authenticate({"Bearer test", "DEA"}).ok());
}

TEST(PrincipalsTest, FileErrorsNameTheField) {
  auto bad_kind = PrincipalRegistry::FromYaml(
      "principals:\n  - code: X\n    kind: SHERIFF\n", "f.yaml");
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_NE(bad_kind.status().message().find("principals[0].kind"),
            std::string::npos);
  auto bad_digest = PrincipalRegistry::FromYaml(
      "principals:\n  - code: X\n    kind: AGENCY\n    token_sha256: abc\n",
      "f.yaml");
  ASSERT_FALSE(bad_digest.ok());
  EXPECT_NE(bad_digest.status().message().find("token_sha256"),
            std::string::npos);
  auto dup = PrincipalRegistry::FromYaml(
      "principals:\n  - code: X\n    kind: AGENCY\n  - code: X\n    kind: "
      "AGENCY\n",
      "f.yaml");
  EXPECT_FALSE(dup.ok());
  EXPECT_FALSE(PrincipalRegistry::FromYaml("nothing: here\n", "f.yaml").ok());
  EXPECT_EQ(PrincipalRegistry::LoadFile("/nonexistent").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(PrincipalsTest, WriteAuthorityFields) {
  auto registry = PrincipalRegistry::FromYaml(
      "principals:\n"
      "  - code: TF-PHL\n    kind: AGENCY\n    token_sha256: " +
          kDeaDigest +
          "\n    acts_for: [DEA, FBI]\n    designates: true\n"
          "  - code: FBI\n    kind: AGENCY\n",
      "test");
  ASSERT_TRUE(registry.ok()) << registry.status();
  auto tf = registry->Authenticate({"Bearer test", std::nullopt});
  ASSERT_TRUE(tf.ok()) << tf.status();
  // Authentication hands over the authority with the principal.
  EXPECT_EQ(tf->acts_for, (std::vector<std::string>{"DEA", "FBI"}));
  EXPECT_TRUE(tf->designates);
  // Both optional: nobody acts for anyone or designates by default.
  const Principal& fbi = registry->entries()[1].principal;
  EXPECT_TRUE(fbi.acts_for.empty());
  EXPECT_FALSE(fbi.designates);
}

TEST(PrincipalsTest, WriteAuthorityErrorsNameEntryAndField) {
  const auto error = [](const std::string& fields) {
    auto r = PrincipalRegistry::FromYaml(
        "principals:\n  - code: A\n    kind: AGENCY\n"
        "  - code: X\n    kind: AGENCY\n" +
            fields,
        "f.yaml");
    EXPECT_FALSE(r.ok()) << fields;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(r.status().message());
  };
  EXPECT_NE(error("    acts_for: DEA\n").find("principals[1].acts_for:"),
            std::string::npos);
  EXPECT_NE(error("    acts_for: [DEA, \"\"]\n")
                .find("principals[1].acts_for[1]: must be a non-empty code"),
            std::string::npos);
  EXPECT_NE(error("    acts_for: [[DEA]]\n").find("principals[1].acts_for[0]"),
            std::string::npos);
  EXPECT_NE(error("    designates: maybe\n").find("principals[1].designates"),
            std::string::npos);
  EXPECT_NE(error("    designates: [true]\n").find("principals[1].designates"),
            std::string::npos);
}

TEST(PrincipalsTest, QuotaDefaultsAndValues) {
  auto registry = PrincipalRegistry::FromYaml(
      "principals:\n"
      "  - code: DEA\n    kind: AGENCY\n"
      "    quota: {reports_per_second: 200, max_streams: 1}\n"
      "  - code: FBI\n    kind: AGENCY\n    quota: {max_streams: 0}\n"
      "  - code: ATF\n    kind: AGENCY\n",
      "test");
  ASSERT_TRUE(registry.ok()) << registry.status();
  const auto& e = registry->entries();
  EXPECT_EQ(e[0].principal.quota.reports_per_second, 200);
  EXPECT_EQ(e[0].principal.quota.max_streams, 1);
  // A field left out keeps its default (SPEC §1: 5000/s and 4 streams).
  EXPECT_EQ(e[1].principal.quota.reports_per_second, 5000);
  EXPECT_EQ(e[1].principal.quota.max_streams, 0);
  EXPECT_EQ(e[2].principal.quota.reports_per_second, 5000);
  EXPECT_EQ(e[2].principal.quota.max_streams, 4);
}

TEST(PrincipalsTest, QuotaErrorsNameEntryAndField) {
  const auto error = [](const std::string& quota) {
    auto r = PrincipalRegistry::FromYaml(
        "principals:\n  - code: A\n    kind: AGENCY\n"
        "  - code: X\n    kind: AGENCY\n    quota: " +
            quota + "\n",
        "f.yaml");
    EXPECT_FALSE(r.ok()) << quota;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(r.status().message());
  };
  const auto npos = std::string::npos;
  EXPECT_NE(error("5000").find("principals[1].quota: must be a mapping"), npos);
  EXPECT_NE(error("{reports_per_second: 0}")
                .find("principals[1].quota.reports_per_second: must be an "
                      "integer from 1 to 1000000 (got '0')"),
            npos);
  EXPECT_NE(error("{reports_per_second: fast}")
                .find("principals[1].quota.reports_per_second"),
            npos);
  EXPECT_NE(error("{reports_per_second: 2.5}")
                .find("principals[1].quota.reports_per_second"),
            npos);
  EXPECT_NE(error("{max_streams: -1}")
                .find("principals[1].quota.max_streams: must be an integer "
                      "from 0 to 10000"),
            npos);
  EXPECT_NE(error("{max_streams: [4]}").find("principals[1].quota.max_streams"),
            npos);
  EXPECT_NE(error("{reports_per_minute: 5}")
                .find("principals[1].quota: unknown field reports_per_minute"),
            npos);
}

TEST(PrincipalsTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace fruition::auth
