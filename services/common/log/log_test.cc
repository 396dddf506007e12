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

}  // namespace
}  // namespace fruition::log
