#include "services/release/release.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "gtest/gtest.h"

namespace fruition::release {
namespace {

v1::Indicator Cell(const std::string& name, double value, int64_t n) {
  v1::Indicator i;
  i.set_name(name);
  i.set_value(value);
  i.set_n(n);
  i.set_defined(true);
  return i;
}

v1::Scorecard Card(const std::string& unit, const std::string& period,
                   int seed) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period(period);
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  c.set_scorecard_id(unit + "/" + period + "/id");
  c.set_revision(seed % 5 + 1);
  c.set_public_view(true);
  const int64_t n = 40 + seed;
  *c.add_indicators() = Cell("arrests", n + 20, n + 20);
  *c.add_indicators() = Cell("sentenced", n, n);
  *c.add_indicators() = Cell("lnf_share", 0.25 + seed * 0.001, n);
  *c.add_indicators() = Cell("high_desert_share", 0.5 - seed * 0.001, n);
  *c.add_indicators() = Cell("fruition_gap", 0.1, n);
  *c.add_indicators() = Cell("function_share:OFFENSE_FUNCTION_COURIER", 0.5, n);
  *c.add_indicators() = Cell("function_share:OFFENSE_FUNCTION_MULE", 0.5, n);
  *c.add_indicators() =
      Cell("function_share:OFFENSE_FUNCTION_ORGANIZER_LEADER", 0.0, n);
  *c.add_indicators() = Cell("mean_sentence_months", 60 + seed, n);
  return c;
}

Input Sample() {
  Input in;
  in.period = "FY2016";
  in.topic = "fruition.scores.public.v1";
  in.offsets = {{1, 77}, {0, 123}};
  int seed = 0;
  for (const char* unit : {"national:US", "district:EDPA", "district:SDNY",
                           "district:WDTX", "agency:DEA", "agency:FBI"}) {
    for (const char* p :
         {"FY2016", "FY2016Q1", "FY2016Q2", "FY2016Q3", "FY2016Q4"}) {
      in.cards.push_back(Card(unit, p, seed++));
    }
  }
  // Quality indicators of the agencies: DEA reported until late in the
  // year, FBI fell silent in the spring.
  auto add = [&](const std::string& unit, const std::string& name, double v,
                 int64_t n) {
    for (v1::Scorecard& c : in.cards) {
      if (c.unit() == unit && c.period() == "FY2016") {
        *c.add_indicators() = Cell(name, v, n);
      }
    }
  };
  add("agency:DEA", "reports_received", 500, 500);
  add("agency:DEA", "last_received_at", 1473897600, 500);  // 2016-09-15
  add("agency:FBI", "reports_received", 300, 300);
  add("agency:FBI", "last_received_at", 1459468800, 300);  // 2016-04-01
  add("district:EDPA", "arrests_unsentenced", 31, 31);
  return in;
}

std::map<std::string, std::string> Files(const Input& in) {
  absl::StatusOr<std::vector<File>> files = Build(in);
  EXPECT_TRUE(files.ok()) << files.status();
  std::map<std::string, std::string> out;
  if (!files.ok()) return out;
  for (const File& f : *files) out[f.path] = f.bytes;
  return out;
}

std::set<std::string> Differing(const std::map<std::string, std::string>& a,
                                const std::map<std::string, std::string>& b) {
  std::set<std::string> out;
  for (const auto& [path, bytes] : a) {
    auto it = b.find(path);
    if (it == b.end() || it->second != bytes) out.insert(path);
  }
  for (const auto& [path, bytes] : b) {
    if (a.count(path) == 0) out.insert(path);
  }
  return out;
}

TEST(ReleaseTest, TwoBuildsAreByteIdentical) {
  const Input in = Sample();
  const auto a = Files(in);
  const auto b = Files(in);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  for (const char* path :
       {"MANIFEST", "index.html", "methodology.html", "report.css",
        "quality.csv", "quality.json", "tables/district.csv",
        "tables/district.json", "tables/agency.csv", "tables/national.json",
        "sourcebook/offender-function-district.csv",
        "sourcebook/sentence-length-agency.csv"}) {
    EXPECT_EQ(a.count(path), 1u) << path;
  }
}

TEST(ReleaseTest, InputOrderDoesNotMatter) {
  Input in = Sample();
  const auto a = Files(in);
  std::mt19937 rng(7);
  for (int i = 0; i < 5; ++i) {
    std::shuffle(in.cards.begin(), in.cards.end(), rng);
    for (v1::Scorecard& c : in.cards) {
      std::shuffle(c.mutable_indicators()->begin(),
                   c.mutable_indicators()->end(), rng);
    }
    std::shuffle(in.offsets.begin(), in.offsets.end(), rng);
    EXPECT_EQ(Files(in), a) << "shuffle " << i;
  }
}

TEST(ReleaseTest, OneChangedCardChangesOnlyTheFilesShowingIt) {
  Input in = Sample();
  const auto before = Files(in);
  for (v1::Scorecard& c : in.cards) {
    if (c.unit() != "district:SDNY" || c.period() != "FY2016") continue;
    for (v1::Indicator& i : *c.mutable_indicators()) {
      if (i.name() == "function_share:OFFENSE_FUNCTION_MULE") {
        i.set_value(0.375);
      }
    }
  }
  const auto after = Files(in);
  EXPECT_EQ(Differing(before, after),
            (std::set<std::string>{
                "MANIFEST", "sourcebook/offender-function-district.csv",
                "tables/district.csv", "tables/district.json"}));
  // A charted indicator also changes the report.
  for (v1::Scorecard& c : in.cards) {
    if (c.unit() != "district:SDNY" || c.period() != "FY2016") continue;
    for (v1::Indicator& i : *c.mutable_indicators()) {
      if (i.name() == "lnf_share") i.set_value(0.625);
    }
  }
  EXPECT_EQ(
      Differing(after, Files(in)),
      (std::set<std::string>{"MANIFEST", "index.html", "tables/district.csv",
                             "tables/district.json"}));
}

TEST(ReleaseTest, ASuppressedCellNeverShowsAValueOrN) {
  Input in = Sample();
  // A suppressed cell that (wrongly) still carries numbers: the builder
  // must write the marker only, whatever the cell holds.
  for (v1::Scorecard& c : in.cards) {
    if (c.unit() != "district:WDTX" || c.period() != "FY2016") continue;
    for (v1::Indicator& i : *c.mutable_indicators()) {
      if (i.name() == "lnf_share" || i.name() == "mean_sentence_months" ||
          i.name() == "function_share:OFFENSE_FUNCTION_COURIER" ||
          i.name() == "sentenced") {
        i.set_suppressed(true);
        i.set_value(0.98765);
        i.set_n(4242);
      }
    }
  }
  const auto files = Files(in);
  for (const auto& [path, bytes] : files) {
    EXPECT_EQ(bytes.find("98765"), std::string::npos) << path;
    EXPECT_EQ(bytes.find("98.8"), std::string::npos) << path;
    EXPECT_EQ(bytes.find("4242"), std::string::npos) << path;
  }
  const std::string& json = files.at("tables/district.json");
  EXPECT_NE(json.find("\"lnfShare\":{\"suppressed\":true}"), std::string::npos);
  EXPECT_NE(files.at("tables/district.csv").find(",S,S"), std::string::npos);
}

TEST(ReleaseTest, ManifestVerifiesAndNamesAChangedFile) {
  const auto files = Files(Sample());
  auto read = [&files](const std::string& path) -> absl::StatusOr<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return absl::NotFoundError(path);
    return it->second;
  };
  const std::string& manifest = files.at("MANIFEST");
  EXPECT_TRUE(VerifyManifest(manifest, read).ok());
  // Every file but the MANIFEST is listed, once.
  for (const auto& [path, bytes] : files) {
    if (path == "MANIFEST") continue;
    EXPECT_NE(manifest.find(Sha256Hex(bytes) + "  " + path + "\n"),
              std::string::npos)
        << path;
  }
  EXPECT_NE(manifest.find("0:123 1:77"), std::string::npos) << manifest;
  auto changed = files;
  changed["quality.csv"] += "x";
  absl::Status s = VerifyManifest(
      manifest,
      [&changed](const std::string& p) -> absl::StatusOr<std::string> {
        return changed.at(p);
      });
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("quality.csv"), std::string::npos) << s;
  EXPECT_EQ(VerifyManifest("abc  ../etc/passwd\n", read).code(),
            absl::StatusCode::kInvalidArgument);
}

// The Sourcebook lists functions from the most culpable down (the enum's
// order), not alphabetically.
TEST(ReleaseTest, SourcebookColumnsFollowTheCategoriesOrder) {
  const auto files = Files(Sample());
  const std::string& csv =
      files.at("sourcebook/offender-function-district.csv");
  const std::string header = csv.substr(0, csv.find('\n'));
  const size_t leader = header.find("Organizer or leader");
  const size_t courier = header.find("Courier");
  const size_t mule = header.find("Mule");
  ASSERT_NE(leader, std::string::npos) << header;
  ASSERT_NE(courier, std::string::npos) << header;
  ASSERT_NE(mule, std::string::npos) << header;
  EXPECT_LT(leader, courier) << header;
  EXPECT_LT(courier, mule) << header;
}

TEST(ReleaseTest, TheManifestsOffsetsParseBackAsWritten) {
  const auto files = Files(Sample());
  auto offsets = ManifestOffsets(files.at("MANIFEST"));
  ASSERT_TRUE(offsets.ok()) << offsets.status();
  ASSERT_EQ(offsets->size(), 2u);
  EXPECT_EQ((*offsets)[0].partition, 0);
  EXPECT_EQ((*offsets)[0].next, 123);
  EXPECT_EQ((*offsets)[1].partition, 1);
  EXPECT_EQ((*offsets)[1].next, 77);
  // Commas or spaces, any order; sorted by partition.
  auto parsed = ParseOffsets("2:5, 0:9 1:0");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].partition, 0);
  EXPECT_EQ((*parsed)[0].next, 9);
  EXPECT_EQ((*parsed)[2].partition, 2);
  for (const char* bad : {"", "0", "0:x", "-1:4", "0:-4", "0:1,0:2", "a:1"}) {
    absl::Status s = ParseOffsets(bad).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.message().rfind("offsets: ", 0), 0u) << s;
  }
  EXPECT_EQ(ManifestOffsets("abc  tables/agency.csv\n").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReleaseTest, QualityFlagsSilentAgenciesAndMissingIndicators) {
  const std::string csv = Files(Sample()).at("quality.csv");
  EXPECT_NE(csv.find("agency:FBI,silent_90_days,2016-04-01,,silent"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("agency:DEA,silent_90_days,2016-09-15,,active"),
            std::string::npos);
  EXPECT_NE(csv.find("district:EDPA,arrests_unsentenced,31,31,reported"),
            std::string::npos);
  EXPECT_NE(csv.find("district:SDNY,arrests_unsentenced,,,not available"),
            std::string::npos);
}

// The year's own cell decides: a quarter withheld (complementary
// suppression for another member of its linked set) does not make the
// year's flag suppressed; a year withheld does.
TEST(ReleaseTest, SilenceReadsTheYearsCellWhateverItsQuarters) {
  Input in = Sample();
  for (v1::Scorecard& c : in.cards) {
    if (c.unit() != "agency:DEA" || c.period() != "FY2016Q1") continue;
    v1::Indicator* i = c.add_indicators();
    i->set_name("last_received_at");
    i->set_suppressed(true);
  }
  std::string csv = Files(in).at("quality.csv");
  EXPECT_NE(csv.find("agency:DEA,silent_90_days,2016-09-15,,active"),
            std::string::npos)
      << csv;
  for (v1::Scorecard& c : in.cards) {
    if (c.unit() != "agency:DEA" || c.period() != "FY2016") continue;
    for (v1::Indicator& i : *c.mutable_indicators()) {
      if (i.name() != "last_received_at") continue;
      i.Clear();
      i.set_name("last_received_at");
      i.set_suppressed(true);
    }
  }
  csv = Files(in).at("quality.csv");
  EXPECT_NE(csv.find("agency:DEA,silent_90_days,S,,suppressed"),
            std::string::npos)
      << csv;
}

TEST(ReleaseTest, SilenceIsMeasuredFromTheNewestReportWhenEarlier) {
  // Nobody reported after June: the reference is the newest report, so an
  // agency 60 days behind it is not silent even though the year ended 150
  // days after its last report.
  Input in = Sample();
  for (v1::Scorecard& c : in.cards) {
    for (v1::Indicator& i : *c.mutable_indicators()) {
      if (i.name() != "last_received_at") continue;
      i.set_value(c.unit() == "agency:DEA" ? 1467331200    // 2016-07-01
                                           : 1462060800);  // 2016-05-01
    }
  }
  const std::string csv = Files(in).at("quality.csv");
  EXPECT_NE(csv.find("agency:FBI,silent_90_days,2016-05-01,,active"),
            std::string::npos)
      << csv;
}

TEST(ReleaseTest, RejectsWhatIsNotAPublicCardOfTheYear) {
  Input in = Sample();
  in.period = "FY2016Q1";
  EXPECT_NE(Build(in).status().message().find("period"), std::string::npos);
  in.period = "2016";
  EXPECT_EQ(Build(in).status().code(), absl::StatusCode::kInvalidArgument);

  in = Sample();
  in.cards[3].set_public_view(false);
  absl::Status s = Build(in).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("not a public view"), std::string::npos) << s;

  in = Sample();
  in.cards[2].set_period("FY2017Q1");
  EXPECT_EQ(Build(in).status().code(), absl::StatusCode::kInvalidArgument);

  in = Sample();
  in.cards.push_back(in.cards[0]);
  EXPECT_NE(Build(in).status().message().find("given twice"),
            std::string::npos);

  in = Sample();
  in.cards.clear();
  EXPECT_EQ(Build(in).status().code(), absl::StatusCode::kNotFound);
}

TEST(ReleaseTest, ReportHasNoScriptOrInlineStyleAndTablesForCharts) {
  const auto files = Files(Sample());
  for (const char* path : {"index.html", "methodology.html"}) {
    const std::string& h = files.at(path);
    EXPECT_EQ(h.find("style="), std::string::npos) << path;
    EXPECT_EQ(h.find("<script"), std::string::npos) << path;
  }
  const std::string& index = files.at("index.html");
  // Every chart has its numbers as a table.
  size_t svgs = 0, tables = 0;
  for (size_t p = 0; (p = index.find("<svg", p)) != std::string::npos; ++p) {
    ++svgs;
  }
  for (size_t p = 0;
       (p = index.find("<table class=\"numbers\"", p)) != std::string::npos;
       ++p) {
    ++tables;
  }
  EXPECT_GT(svgs, 0u);
  EXPECT_EQ(svgs, tables);
  // Methodology: every catalogue indicator, by name.
  for (const domain::IndicatorDef& d : domain::Indicators()) {
    EXPECT_NE(files.at("methodology.html").find("id=\"" + d.name + "\""),
              std::string::npos)
        << d.name;
  }
}

// A release of the size of the country: 94 districts, 30 agencies, 300
// field offices, 90 areas and the nation, each with every catalogue cell in
// the year and its quarters. Prints its size and the time to build it
// (reported, not asserted); two builds are the same.
TEST(ReleaseTest, ANationalSizedReleaseIsDeterministic) {
  std::vector<std::string> names;
  for (const domain::IndicatorDef& d : domain::Indicators()) {
    if (d.name.back() != ':') {
      names.push_back(d.name);
      continue;
    }
    for (const auto& [member, label] : d.member_labels) {
      names.push_back(d.name + member);
    }
  }
  Input in;
  in.period = "FY2016";
  in.offsets = {{0, 1}};
  const std::vector<std::pair<std::string, int>> kinds = {
      {"district:D", 94},
      {"agency:A", 30},
      {"field_office:A-F", 300},
      {"area:R", 90},
      {"national:US", 1}};
  int seed = 0;
  for (const auto& [prefix, count] : kinds) {
    for (int u = 0; u < count; ++u) {
      const std::string unit = count == 1 ? prefix : prefix + std::to_string(u);
      for (const char* p :
           {"FY2016", "FY2016Q1", "FY2016Q2", "FY2016Q3", "FY2016Q4"}) {
        v1::Scorecard c;
        c.set_unit(unit);
        c.set_period(p);
        c.set_score_version("v1");
        c.set_criteria_version("v1");
        c.set_public_view(true);
        for (const std::string& name : names) {
          ++seed;
          if (seed % 7 == 0) {
            v1::Indicator* i = c.add_indicators();
            i->set_name(name);
            i->set_suppressed(true);
          } else {
            *c.add_indicators() =
                Cell(name, (seed % 1000) / 1000.0, 11 + seed % 500);
          }
        }
        in.cards.push_back(std::move(c));
      }
    }
  }
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::vector<File>> a = Build(in);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  ASSERT_TRUE(a.ok()) << a.status();
  size_t bytes = 0;
  for (const File& f : *a) bytes += f.bytes.size();
  std::cout << "release of " << in.cards.size() << " cards x " << names.size()
            << " cells: " << a->size() << " files, " << bytes
            << " bytes, built in " << ms << " ms\n";
  absl::StatusOr<std::vector<File>> b = Build(in);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_TRUE((*a)[i].bytes == (*b)[i].bytes) << (*a)[i].path;
  }
}

}  // namespace
}  // namespace fruition::release
