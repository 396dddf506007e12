// The Helm chart's reconciler thresholds (helm/fruition/values.yaml and
// values.schema.json) are the event-rule registry's: same names, same
// defaults, and the schema accepts nothing the reconciler would refuse.
#include <fstream>
#include <sstream>
#include <string>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/domain/events.h"
#include "services/domain/indicators.h"
#include "yaml-cpp/yaml.h"

namespace fruition::reconciler {
namespace {

using google::protobuf::Struct;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(HelmThresholdsTest, ValuesAndSchemaMatchTheRegistry) {
  const YAML::Node values = YAML::LoadFile("helm/fruition/values.yaml");
  const YAML::Node config = values["reconciler"]["config"];
  ASSERT_TRUE(config.IsMap());
  Struct schema;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  Read("helm/fruition/values.schema.json"), &schema)
                  .ok());
  const Struct& properties = schema.fields()
                                 .at("properties")
                                 .struct_value()
                                 .fields()
                                 .at("reconciler")
                                 .struct_value()
                                 .fields()
                                 .at("properties")
                                 .struct_value()
                                 .fields()
                                 .at("config")
                                 .struct_value()
                                 .fields()
                                 .at("properties")
                                 .struct_value();
  for (const domain::ThresholdDef& t : domain::EventThresholds()) {
    const std::string key = domain::JsonName(t.name);
    SCOPED_TRACE(key);
    ASSERT_TRUE(config[key]) << "values.yaml: reconciler.config." << key;
    EXPECT_EQ(config[key].as<double>(), t.default_value);
    ASSERT_EQ(properties.fields().count(key), 1u)
        << "values.schema.json: reconciler.config." << key;
    const auto& p = properties.fields().at(key).struct_value().fields();
    EXPECT_EQ(p.at("type").string_value(), t.integer ? "integer" : "number");
    ASSERT_EQ(p.count("minimum"), 1u);
    ASSERT_EQ(p.count("maximum"), 1u);
    EXPECT_GE(p.at("minimum").number_value(), t.min);
    EXPECT_LE(p.at("maximum").number_value(), t.max);
  }
}

}  // namespace
}  // namespace fruition::reconciler
