#include "services/common/privacy/pseudonymizer.h"

#include <cstdio>
#include <fstream>

#include "gtest/gtest.h"

namespace fruition::privacy {
namespace {

constexpr char kKey[] = "0123456789abcdef-test-key";

TEST(PseudonymizerTest, MatchesHmacSha256OfNormalizedRef) {
  auto p = Pseudonymizer::FromKey("key-key-key-key-key");
  ASSERT_TRUE(p.ok());
  // echo -n "FBI-123" | openssl dgst -sha256 -hmac key-key-key-key-key
  EXPECT_EQ(p->Pid("FBI-123"),
            "505e495b51dce58b3273c726652fec8d16e54602e2bcd23f6c2ae8ac81fe60e2");
}

TEST(PseudonymizerTest, StableAcrossCallsAndNormalized) {
  auto p = Pseudonymizer::FromKey(kKey);
  ASSERT_TRUE(p.ok());
  const std::string pid = p->Pid("FBI-123");
  EXPECT_EQ(pid.size(), 64u);
  EXPECT_EQ(p->Pid("FBI-123"), pid);
  EXPECT_EQ(p->Pid("  fbi-123\t"), pid);
  EXPECT_EQ(p->Pid("Fbi-123\n"), pid);
  EXPECT_NE(p->Pid("FBI-124"), pid);
  EXPECT_EQ(pid.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(PseudonymizerTest, KeyedDifferentKeysGiveDifferentPids) {
  auto a = Pseudonymizer::FromKey(kKey);
  auto b = Pseudonymizer::FromKey(std::string(kKey) + "x");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->Pid("FBI-123"), b->Pid("FBI-123"));
  EXPECT_NE(a->Pid("FBI-123"), Sha256Hex("FBI-123"));
}

TEST(PseudonymizerTest, NormalizeTrimsAndUppercasesAsciiOnly) {
  EXPECT_EQ(Pseudonymizer::Normalize(" ab-9 "), "AB-9");
  EXPECT_EQ(Pseudonymizer::Normalize("\xc3\xa9t\xc3\xa9"), "\xc3\xa9T\xc3\xa9");
  EXPECT_EQ(Pseudonymizer::Normalize("   "), "");
}

TEST(PseudonymizerTest, RejectsShortKeysAndMissingFiles) {
  EXPECT_FALSE(Pseudonymizer::FromKey("short").ok());
  EXPECT_EQ(Pseudonymizer::FromFile("/nonexistent/key").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(PseudonymizerTest, FileKeyIsTrimmed) {
  const std::string path = ::testing::TempDir() + "/pseudonym.key";
  std::ofstream(path) << kKey << "\n";
  auto from_file = Pseudonymizer::FromFile(path);
  auto direct = Pseudonymizer::FromKey(kKey);
  ASSERT_TRUE(from_file.ok() && direct.ok());
  EXPECT_EQ(from_file->Pid("X"), direct->Pid("X"));
  std::remove(path.c_str());
}

TEST(Sha256HexTest, KnownVector) {
  EXPECT_EQ(Sha256Hex("test"),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}

}  // namespace
}  // namespace fruition::privacy
