#include "services/common/log/log.h"

#include <sstream>

#include "gtest/gtest.h"

namespace fruition::log {
namespace {

TEST(LogTest, WritesOneJsonObjectPerLine) {
  std::ostringstream out;
  SetSinkForTesting(&out);
  Configure("intake", Level::kInfo);
  Info("report rejected", {{"reporter", "DEA"}, {"count", 3}, {"ok", false}});
  Debug("not written");
  SetSinkForTesting(nullptr);
  const std::string line = out.str();
  EXPECT_NE(line.find("\"level\":\"info\""), std::string::npos);
  EXPECT_NE(line.find("\"service\":\"intake\""), std::string::npos);
  EXPECT_NE(line.find("\"msg\":\"report rejected\""), std::string::npos);
  EXPECT_NE(line.find("\"reporter\":\"DEA\",\"count\":3,\"ok\":false}\n"),
            std::string::npos);
  EXPECT_EQ(line.find("not written"), std::string::npos);
}

TEST(LogTest, EscapesControlCharactersAndInvalidUtf8) {
  std::string out;
  AppendJsonString("a\"b\\c\nd\x01\xff\xc3\xa9", &out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001\xEF\xBF\xBD\xc3\xa9\"");
}

}  // namespace
}  // namespace fruition::log
