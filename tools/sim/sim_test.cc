#include "tools/sim/sim.h"

#include <map>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "services/domain/orgs.h"
#include "services/intake/validate.h"

namespace fruition::sim {
namespace {

// Far enough ahead that no generated report is "in the future".
constexpr int64_t kNow = 4102444800;  // 2100-01-01

std::vector<v1::AgencyReport> MustGenerate(const SimOptions& options) {
  auto reports = Generate(options);
  EXPECT_TRUE(reports.ok()) << reports.status();
  return reports.ok() ? *std::move(reports) : std::vector<v1::AgencyReport>{};
}

std::string Serialize(const std::vector<v1::AgencyReport>& reports) {
  std::string out;
  for (const auto& r : reports) {
    std::string bytes;
    EXPECT_TRUE(r.SerializeToString(&bytes));
    out += bytes;
  }
  return out;
}

TEST(SimTest, SameSeedSameReportsOtherSeedOtherReports) {
  SimOptions options;
  options.seed = 42;
  options.subjects = 400;
  const auto a = MustGenerate(options);
  const auto b = MustGenerate(options);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(Serialize(a), Serialize(b)) << "same options, same bytes";

  options.seed = 43;
  const auto c = MustGenerate(options);
  EXPECT_NE(Serialize(a), Serialize(c)) << "another seed, another stream";
}

TEST(SimTest, TimeOrderedAndSpanningTheWindow) {
  SimOptions options;
  options.seed = 3;
  options.subjects = 600;
  options.first_fiscal_year = 2015;
  options.years = 2;
  const auto reports = MustGenerate(options);
  ASSERT_FALSE(reports.empty());
  for (size_t i = 1; i < reports.size(); ++i) {
    ASSERT_LE(reports[i - 1].occurred_at().seconds(),
              reports[i].occurred_at().seconds())
        << "report " << i << " is out of time order";
  }
  // Cases open within FY2015-FY2016 (Oct 1 2014 - Sep 30 2016).
  for (const auto& r : reports) {
    if (r.has_case_opened()) {
      EXPECT_GE(r.occurred_at().seconds(), 1412121600) << r.report_id();
      EXPECT_LT(r.occurred_at().seconds(), 1475280000) << r.report_id();
    }
  }
}

TEST(SimTest, EveryReportPassesIntakeValidation) {
  SimOptions options;
  options.seed = 11;
  options.subjects = 3000;
  const auto reports = MustGenerate(options);
  std::set<std::pair<std::string, std::string>> ids;
  std::map<v1::AgencyReport::BodyCase, int> bodies;
  std::set<std::string> reporters;
  // Intake also refuses a designation of an org another reporter owns.
  domain::OrgOwners owners;
  int rejected = 0;
  for (const auto& r : reports) {
    // As intake calls it: the caller is the authenticated reporter.
    const auto rejection = intake::Validate(r, PrincipalOf(r.reporter()), kNow);
    if (rejection.has_value() && ++rejected <= 10) {
      ADD_FAILURE() << r.report_id() << ": " << rejection->message << "\n"
                    << r.DebugString();
    }
    if (r.has_org_designated()) {
      EXPECT_TRUE(owners.Observe(r.org_designated().org_id(), r.reporter()))
          << r.report_id() << ": another reporter owns the org";
    }
    EXPECT_TRUE(ids.insert({r.reporter(), r.report_id()}).second)
        << "report_id reused by " << r.reporter() << ": " << r.report_id();
    ++bodies[r.body_case()];
    reporters.insert(r.reporter());
  }
  EXPECT_EQ(rejected, 0);
  EXPECT_EQ(bodies.size(), 13u) << "every body kind appears";
  EXPECT_EQ(reporters.size(), Reporters().size())
      << "every reporter of Reporters() appears";
}

TEST(SimTest, WhoSendsWhat) {
  SimOptions options;
  options.seed = 5;
  options.subjects = 1500;
  for (const auto& r : MustGenerate(options)) {
    const std::string& who = r.reporter();
    switch (r.body_case()) {
      case v1::AgencyReport::kSentencing:
        EXPECT_EQ(who, "USSC");
        break;
      case v1::AgencyReport::kDisposition:
        EXPECT_EQ(who.rfind("PROBATION-", 0), 0u) << who;
        break;
      case v1::AgencyReport::kChargeFiled:
      case v1::AgencyReport::kDeclination:
        EXPECT_EQ(who.rfind("USAO-", 0), 0u) << who;
        break;
      case v1::AgencyReport::kCommunityIndicator:
        EXPECT_EQ(KindOf(who), "COMMUNITY") << who;
        break;
      default:
        EXPECT_EQ(KindOf(who), "AGENCY") << who;
        EXPECT_EQ(who.rfind("USAO-", 0), std::string::npos) << who;
    }
  }
}

TEST(SimTest, AmendedJudgmentsComeLaterForTheSameCase) {
  SimOptions options;
  options.seed = 9;
  options.subjects = 3000;
  std::map<std::pair<std::string, std::string>, int64_t> first;
  int amended = 0;
  for (const auto& r : MustGenerate(options)) {
    if (!r.has_sentencing()) continue;
    const auto key = std::make_pair(r.sentencing().subject_ref(), r.case_id());
    auto [it, inserted] = first.emplace(key, r.occurred_at().seconds());
    if (!inserted) {
      ++amended;
      EXPECT_GT(r.occurred_at().seconds(), it->second);
    }
  }
  EXPECT_GT(amended, 0);
}

TEST(SimTest, IdPrefixKeepsStreamsApart) {
  SimOptions options;
  options.seed = 1;
  options.subjects = 200;
  options.id_prefix = "LIVE-";
  for (const auto& r : MustGenerate(options)) {
    EXPECT_EQ(r.report_id().rfind("LIVE-", 0), 0u) << r.report_id();
    if (!r.case_id().empty()) {
      EXPECT_EQ(r.case_id().rfind("LIVE-", 0), 0u) << r.case_id();
    }
    if (r.has_arrest()) {
      EXPECT_EQ(r.arrest().subject_ref().rfind("LIVE-", 0), 0u);
    }
    if (r.has_link_claim()) {
      EXPECT_EQ(r.link_claim().org_id().rfind("LIVE-", 0), 0u);
    }
  }
}

TEST(SimTest, NotAfterLeavesOutTheFuture) {
  SimOptions options;
  options.seed = 2;
  options.subjects = 500;
  const auto all = MustGenerate(options);
  options.not_after_seconds = 1467331200;  // 2016-07-01
  const auto some = MustGenerate(options);
  EXPECT_LT(some.size(), all.size());
  for (const auto& r : some) {
    EXPECT_LE(r.occurred_at().seconds(), options.not_after_seconds);
  }
}

TEST(SimTest, OptionsAreChecked) {
  SimOptions options;
  options.subjects = 0;
  EXPECT_EQ(Generate(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_NE(CheckOptions(options).message().find("subjects"),
            std::string::npos);
  options = SimOptions();
  options.years = 0;
  EXPECT_NE(CheckOptions(options).message().find("years"), std::string::npos);
  options = SimOptions();
  options.id_prefix = "bad prefix";
  EXPECT_NE(CheckOptions(options).message().find("id_prefix"),
            std::string::npos);
  EXPECT_TRUE(CheckOptions(SimOptions()).ok());
}

TEST(SimTest, LiveBatchesFollowTheSample) {
  SimOptions sample;
  sample.seed = 10;
  sample.subjects = 2000;
  sample.first_fiscal_year = 2014;
  sample.years = 3;
  sample.not_after_seconds = 1546300800;  // 2019-01-01: FY2018 is over
  const SimOptions b1 = LiveBatch(sample, 1, 50);
  EXPECT_EQ(b1.first_fiscal_year, 2017);
  EXPECT_EQ(b1.years, 1);
  EXPECT_EQ(b1.subjects, 50);
  EXPECT_EQ(b1.seed, 11u);
  EXPECT_EQ(b1.id_prefix, "LIVE1-");
  EXPECT_EQ(b1.not_after_seconds, sample.not_after_seconds);
  EXPECT_EQ(LiveBatch(sample, 2, 50).first_fiscal_year, 2018);
  EXPECT_EQ(LiveBatch(sample, 3, 50).first_fiscal_year, 2017) << "cycles";
  sample.not_after_seconds = 1483228800;  // 2017-01-01: no year after 2016
  EXPECT_EQ(LiveBatch(sample, 1, 50).first_fiscal_year, 2014);
  EXPECT_EQ(LiveBatch(sample, 2, 50).first_fiscal_year, 2015);
  sample.not_after_seconds = 0;
  EXPECT_EQ(LiveBatch(sample, 5, 50).first_fiscal_year, 2021);
  const auto reports = MustGenerate(LiveBatch(sample, 1, 50));
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports[0].report_id().rfind("LIVE1-", 0), 0u);
}

TEST(SimTest, TinyStreamsWork) {
  SimOptions options;
  options.subjects = 1;
  options.years = 1;
  const auto reports = MustGenerate(options);
  EXPECT_FALSE(reports.empty());
  for (const auto& r : reports) {
    const auto rejection = intake::Validate(r, PrincipalOf(r.reporter()), kNow);
    EXPECT_FALSE(rejection.has_value()) << rejection->message;
  }
}

}  // namespace
}  // namespace fruition::sim
