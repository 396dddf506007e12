#include "tests/harness/json.h"

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace fruition::testing {
namespace {

google::protobuf::Value Parse(const std::string& json) {
  google::protobuf::Value v;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &v).ok())
      << json;
  return v;
}

TEST(CanonicalJsonTest, KeysSortedAtEveryDepth) {
  EXPECT_EQ(CanonicalJson(Parse(R"({"b":1,"a":{"d":[true,null],"c":"x"}})")),
            R"({"a":{"c":"x","d":[true,null]},"b":1})");
}

TEST(CanonicalJsonTest, EqualValuesWrittenDifferentlyAreEqual) {
  EXPECT_EQ(CanonicalJson(Parse(R"({"n":118,"value":0.3125})")),
            CanonicalJson(Parse(R"({ "value": 3.125e-1, "n": 118.0 })")));
  EXPECT_NE(CanonicalJson(Parse(R"({"value":0.1})")),
            CanonicalJson(Parse(R"({"value":0.10000000000000002})")));
  EXPECT_NE(CanonicalJson(Parse(R"({"a":"1"})")),
            CanonicalJson(Parse(R"({"a":1})")));
}

TEST(CanonicalJsonTest, QuotesAndBackslashesAreEscaped) {
  EXPECT_EQ(CanonicalJson(Parse(R"({"k\"":"a\\b"})")), R"({"k\"":"a\\b"})");
}

}  // namespace
}  // namespace fruition::testing
