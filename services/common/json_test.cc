#include "services/common/json.h"

#include "gtest/gtest.h"

namespace fruition::json {
namespace {

TEST(JsonTest, EscapesControlCharactersAndInvalidUtf8) {
  std::string out;
  AppendJsonString("a\"b\\c\nd\x01\xff\xc3\xa9", &out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001\xEF\xBF\xBD\xc3\xa9\"");
}

TEST(JsonTest, JsonStringQuotes) {
  EXPECT_EQ(JsonString(""), "\"\"");
  EXPECT_EQ(JsonString("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
  EXPECT_EQ(JsonString("tab\there"), "\"tab\\there\"");
}

}  // namespace
}  // namespace fruition::json
