#include "services/common/privacy/sealed_box.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "services/common/privacy/sealed_report.h"

namespace fruition::privacy {
namespace {

const std::string kK1 = "k1:" + std::string(64, 'a');
const std::string kK2 = "k2:" + std::string(64, 'b');

SealedBox Box(const std::string& text) {
  auto box = SealedBox::FromText(text, "sealed-key");
  EXPECT_TRUE(box.ok()) << box.status();
  return *box;
}

bool Mentions(const absl::Status& s, const std::string& what) {
  return s.message().find(what) != std::string::npos;
}

TEST(SealedBoxTest, RoundTripsAndLeavesNoPlaintext) {
  const SealedBox box = Box(kK1);
  const std::string text = "Informant K-17 met the target at the pier.";
  auto sealed = box.Seal(text, "aad");
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(sealed->find("Informant"), std::string::npos);
  EXPECT_EQ(sealed->size(), 2 + 2 + SealedBox::kNonceBytes + text.size() +
                                SealedBox::kTagBytes);
  EXPECT_EQ((*sealed)[0], SealedBox::kVersion);
  EXPECT_EQ(sealed->substr(2, 2), "k1");
  auto opened = box.Open(*sealed, "aad");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, text);
  // A fresh nonce each time: equal texts do not give equal values.
  EXPECT_NE(*box.Seal(text, "aad"), *sealed);
  // The empty text seals too.
  EXPECT_EQ(*box.Open(*box.Seal("", "a"), "a"), "");
}

TEST(SealedBoxTest, TamperedValueIsDataLoss) {
  const SealedBox box = Box(kK1);
  const std::string sealed = *box.Seal("secret text", "aad");
  for (size_t i = 4; i < sealed.size(); ++i) {  // nonce, body, tag
    std::string bad = sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    auto opened = box.Open(bad, "aad");
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss) << i;
  }
  EXPECT_EQ(box.Open(sealed.substr(0, 10), "aad").status().code(),
            absl::StatusCode::kDataLoss);
  std::string other_version = sealed;
  other_version[0] = 2;
  auto v = box.Open(other_version, "aad");
  EXPECT_EQ(v.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Mentions(v.status(), "version 2")) << v.status();
}

TEST(SealedBoxTest, WrongAadIsDataLoss) {
  const SealedBox box = Box(kK1);
  const std::string sealed =
      *box.Seal("secret", SealedAad("DEA", "claim-1", "ev-1"));
  EXPECT_TRUE(box.Open(sealed, SealedAad("DEA", "claim-1", "ev-1")).ok());
  for (const std::string& aad : {SealedAad("FBI", "claim-1", "ev-1"),
                                 SealedAad("DEA", "claim-2", "ev-1"),
                                 SealedAad("DEA", "claim-1", "ev-2")}) {
    auto opened = box.Open(sealed, aad);
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(Mentions(opened.status(), "authentication failed"));
  }
  // Length-prefixed: shifting a separator does not give the same AAD.
  EXPECT_NE(SealedAad("a|1:b", "c", ""), SealedAad("a", "b|1:c", ""));
}

TEST(SealedBoxTest, WrongKeyUnderSameIdIsDataLoss) {
  const std::string sealed = *Box(kK1).Seal("secret", "aad");
  const SealedBox other = Box("k1:" + std::string(64, 'c'));
  EXPECT_EQ(other.Open(sealed, "aad").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(SealedBoxTest, UnknownKeyIdIsNamed) {
  const std::string sealed = *Box(kK1).Seal("secret", "aad");
  auto opened = Box(kK2).Open(sealed, "aad");
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Mentions(opened.status(), "key id 'k1'")) << opened.status();
}

TEST(SealedBoxTest, RotationSealsWithCurrentOpensWithAll) {
  const std::string old_value = *Box(kK1).Seal("old", "aad");
  // New key first: it seals; the old one still opens.
  const SealedBox rotated = Box(kK2 + "\n" + kK1 + "\n");
  EXPECT_EQ(rotated.current_key_id(), "k2");
  EXPECT_EQ(*rotated.Open(old_value, "aad"), "old");
  const std::string new_value = *rotated.Seal("new", "aad");
  EXPECT_EQ(new_value.substr(2, 2), "k2");
  EXPECT_EQ(*rotated.Open(new_value, "aad"), "new");
  // `*` marks the current key wherever it is; commas separate too.
  EXPECT_EQ(Box(kK1 + ",*" + kK2).current_key_id(), "k2");
  EXPECT_EQ(Box("# comment\n" + kK1).current_key_id(), "k1");
}

TEST(SealedBoxTest, MalformedKeyTextNamesTheSettingAndEntry) {
  const auto error = [](const std::string& text) {
    return SealedBox::FromText(text, "sealed-key").status();
  };
  EXPECT_TRUE(Mentions(error(""), "sealed-key: no key"));
  EXPECT_TRUE(Mentions(error("k1" + std::string(64, 'a')), "entry 1"));
  EXPECT_TRUE(Mentions(error(kK1 + "\nk2:abcd"), "entry 2 (key id 'k2')"));
  EXPECT_TRUE(Mentions(error("k1:" + std::string(64, 'g')), "not hexadecimal"));
  EXPECT_TRUE(Mentions(error(kK1 + "," + kK1), "appears twice"));
  EXPECT_TRUE(Mentions(error("bad id:" + std::string(64, 'a')), "key id"));
  EXPECT_TRUE(Mentions(error("*" + kK1 + ",*" + kK2), "more than one"));
  EXPECT_EQ(error("").code(), absl::StatusCode::kInvalidArgument);
}

TEST(SealedBoxTest, FromFile) {
  const std::string path = ::testing::TempDir() + "/sealed.key";
  std::ofstream(path) << kK2 << "\n" << kK1 << "\n";
  auto box = SealedBox::FromFile(path);
  ASSERT_TRUE(box.ok()) << box.status();
  EXPECT_EQ(box->current_key_id(), "k2");
  auto missing = SealedBox::FromFile(path + ".missing");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Mentions(missing.status(), "sealed-key-file"));
}

v1::AgencyReport Claim(const std::string& text) {
  v1::AgencyReport r;
  r.set_reporter("DEA");
  r.mutable_link_claim()->set_claim_id("claim-1");
  auto* e = r.mutable_link_claim()->add_evidence();
  e->set_evidence_id("ev-0");
  auto* f = r.mutable_link_claim()->add_evidence();
  f->set_evidence_id("ev-1");
  f->set_sealed_summary(text);
  return r;
}

TEST(SealedReportTest, SealsEveryItemAndRestoresIt) {
  const SealedBox box = Box(kK1);
  v1::AgencyReport r = Claim("meeting at the pier");
  std::string field;
  ASSERT_TRUE(SealReport(box, &r, &field).ok());
  EXPECT_EQ(r.SerializeAsString().find("pier"), std::string::npos);
  EXPECT_TRUE(r.link_claim().evidence(0).sealed_ciphertext().empty());
  EXPECT_FALSE(r.link_claim().evidence(1).sealed_ciphertext().empty());
  EXPECT_TRUE(r.link_claim().evidence(1).sealed_summary().empty());
  ASSERT_TRUE(UnsealReport(&box, &r).ok());
  EXPECT_EQ(r.link_claim().evidence(1).sealed_summary(), "meeting at the pier");
  EXPECT_TRUE(r.link_claim().evidence(1).sealed_ciphertext().empty());

  v1::AgencyReport added;
  added.set_reporter("DEA");
  added.mutable_evidence_added()->set_claim_id("claim-1");
  added.mutable_evidence_added()->add_evidence()->set_sealed_summary("late");
  ASSERT_TRUE(SealReport(box, &added, &field).ok());
  EXPECT_FALSE(added.evidence_added().evidence(0).sealed_ciphertext().empty());
  ASSERT_TRUE(UnsealReport(&box, &added).ok());
  EXPECT_EQ(added.evidence_added().evidence(0).sealed_summary(), "late");
}

TEST(SealedReportTest, SenderCiphertextIsRefusedByField) {
  v1::AgencyReport r = Claim("x");
  r.mutable_link_claim()->mutable_evidence(1)->set_sealed_ciphertext("forged");
  std::string field;
  const absl::Status s = SealReport(Box(kK1), &r, &field);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(field, "link_claim.evidence[1].sealed_ciphertext");
}

TEST(SealedReportTest, MovedOrUnreadableCiphertextIsNamed) {
  const SealedBox box = Box(kK1);
  v1::AgencyReport r = Claim("text");
  std::string field;
  ASSERT_TRUE(SealReport(box, &r, &field).ok());
  v1::AgencyReport moved = r;
  moved.mutable_link_claim()->set_claim_id("claim-2");
  absl::Status s = UnsealReport(&box, &moved);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Mentions(s, "link_claim.evidence[1].sealed_ciphertext: ")) << s;
  v1::AgencyReport other_reporter = r;
  other_reporter.set_reporter("FBI");
  EXPECT_EQ(UnsealReport(&box, &other_reporter).code(),
            absl::StatusCode::kDataLoss);
  s = UnsealReport(nullptr, &r);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  const SealedBox other = Box(kK2);
  s = UnsealReport(&other, &r);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Mentions(s, "key id 'k1'")) << s;
  // Before sealing existed: plaintext, no ciphertext, read as it is.
  v1::AgencyReport legacy = Claim("legacy text");
  ASSERT_TRUE(UnsealReport(&box, &legacy).ok());
  EXPECT_EQ(legacy.link_claim().evidence(1).sealed_summary(), "legacy text");
}

}  // namespace
}  // namespace fruition::privacy
