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

TEST(JsonTest, ListsAndNumbers) {
  std::string out;
  AppendJsonList({"a", "b\"c"}, &out);
  EXPECT_EQ(out, "[\"a\",\"b\\\"c\"]");
  EXPECT_EQ(Number(0.1), "0.10000000000000001");
  EXPECT_EQ(Number(3), "3");
  EXPECT_EQ(Number(1.0 / 0.0), "null");
}

}  // namespace
}  // namespace fruition::json
