#include "tools/sim/output.h"

#include <google/protobuf/util/message_differencer.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "gtest/gtest.h"
#include "services/common/ndjson.h"
#include "services/common/strings.h"
#include "tools/sim/measure.h"
#include "tools/sim/sim.h"

namespace fruition::sim {
namespace {

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  return (std::filesystem::path(base != nullptr ? base : "/tmp") / name)
      .string();
}

TEST(OutputTest, FilesAreWhatFruitctlReads) {
  SimOptions options;
  options.seed = 4;
  options.subjects = 800;
  auto reports = Generate(options);
  ASSERT_TRUE(reports.ok()) << reports.status();
  const Measures measures = Measure(*reports);
  const std::string dir = TempDir("national");
  auto written = WriteDirectory(dir, options, *reports, measures);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->back(), dir + "/manifest.json");

  // Each reporter's reports, in stream order.
  std::map<std::string, std::vector<const v1::AgencyReport*>> expected;
  for (const auto& r : *reports) expected[r.reporter()].push_back(&r);
  EXPECT_EQ(written->size(), expected.size() + 1);

  size_t total = 0;
  for (const auto& [reporter, want] : expected) {
    const std::string path = StrCat(dir, "/", reporter, ".ndjson");
    auto lines = ndjson::ReadNdjson(path);
    ASSERT_TRUE(lines.ok()) << lines.status();
    ASSERT_EQ(lines->size(), want.size()) << path;
    for (size_t i = 0; i < want.size(); ++i) {
      const ndjson::Line& line = (*lines)[i];
      ASSERT_TRUE(line.parse_error.empty())
          << path << ":" << line.number << ": " << line.parse_error;
      EXPECT_EQ(line.number, static_cast<int>(i + 1));
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
          line.report, *want[i]))
          << path << ":" << line.number;
    }
    total += lines->size();
  }
  EXPECT_EQ(total, reports->size());

  std::ifstream in(dir + "/manifest.json");
  std::stringstream manifest;
  manifest << in.rdbuf();
  const std::string text = manifest.str();
  EXPECT_NE(text.find("\"reports\": " + std::to_string(reports->size())),
            std::string::npos);
  EXPECT_NE(text.find("\"file\": \"DEA.ndjson\""), std::string::npos);
  EXPECT_NE(text.find("\"calibration\""), std::string::npos);
  EXPECT_NE(text.find("\"fruitionGap\""), std::string::npos);
  // The prosecution stage's national figures, each beside its published
  // figure (null where none is published).
  EXPECT_NE(text.find("\"nationalFigures\""), std::string::npos);
  EXPECT_NE(text.find("{\"id\": \"declination_rate\""), std::string::npos);
  EXPECT_NE(text.find("\"published\": 0.175, \"source\": \"TRAC"),
            std::string::npos);
  EXPECT_NE(text.find("\"id\": \"lnf_mandatory_minimum_share\""),
            std::string::npos);
  EXPECT_NE(text.find("\"published\": null"), std::string::npos);
}

TEST(OutputTest, JsonUsesTheWireNames) {
  SimOptions options;
  options.subjects = 50;
  auto reports = Generate(options);
  ASSERT_TRUE(reports.ok());
  bool saw_sentencing = false;
  for (const auto& r : *reports) {
    auto json = ReportJson(r);
    ASSERT_TRUE(json.ok());
    EXPECT_EQ(json->find('\n'), std::string::npos);
    EXPECT_NE(json->find("\"reportId\""), std::string::npos);
    EXPECT_NE(json->find("\"occurredAt\":\""), std::string::npos);
    if (r.has_sentencing()) {
      saw_sentencing = true;
      EXPECT_NE(json->find("\"OFFENSE_FUNCTION_"), std::string::npos) << *json;
      EXPECT_NE(json->find("\"criminalHistoryCategory\""), std::string::npos);
    }
  }
  EXPECT_TRUE(saw_sentencing);
}

TEST(OutputTest, UnwritableDirectoryNamesTheFlag) {
  SimOptions options;
  options.subjects = 5;
  auto reports = Generate(options);
  ASSERT_TRUE(reports.ok());
  const std::string file = TempDir("a-file");
  std::ofstream(file) << "x";
  auto written =
      WriteDirectory(file + "/sub", options, *reports, Measure(*reports));
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.status().message().find("--out"), std::string::npos);
}

}  // namespace
}  // namespace fruition::sim
