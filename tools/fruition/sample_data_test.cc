#include "tools/fruition/sample_data.h"

#include <google/protobuf/util/message_differencer.h>

#include <map>
#include <set>

#include "gtest/gtest.h"
#include "services/intake/validate.h"

namespace fruition::dev {
namespace {

auth::PrincipalKind KindOf(const std::string& code) {
  if (code == "USSC") return auth::PrincipalKind::kJudiciary;
  if (code == "PPD") return auth::PrincipalKind::kCommunity;
  return auth::PrincipalKind::kAgency;
}

TEST(SampleDataTest, EveryReportPassesIntakeValidation) {
  const auto reports = SampleReports(200, 7);
  std::set<std::pair<std::string, std::string>> ids;
  std::map<v1::AgencyReport::BodyCase, int> bodies;
  for (const auto& r : reports) {
    const auto rejection = intake::Validate(
        r, {r.reporter(), KindOf(r.reporter())}, /*now_seconds=*/1767225600);
    EXPECT_FALSE(rejection.has_value())
        << r.report_id() << ": " << rejection->message;
    EXPECT_TRUE(ids.insert({r.reporter(), r.report_id()}).second)
        << "duplicate id " << r.report_id();
    ++bodies[r.body_case()];
  }
  EXPECT_EQ(bodies.size(), 13u) << "every body kind appears in the sample";
}

TEST(SampleDataTest, DeterministicForASeed) {
  const auto a = SampleReports(50, 42);
  const auto b = SampleReports(50, 42);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(a[i], b[i]));
  }
  const auto c = SampleReports(50, 43);
  bool differs = a.size() != c.size();
  for (size_t i = 0; !differs && i < a.size(); ++i) {
    differs = !google::protobuf::util::MessageDifferencer::Equals(a[i], c[i]);
  }
  EXPECT_TRUE(differs) << "another seed gives another sample";
}

}  // namespace
}  // namespace fruition::dev
