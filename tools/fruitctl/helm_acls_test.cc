// The Helm chart's KafkaUser ACLs are generated from the catalogue; this
// fails when someone changes one without regenerating the other.
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "tools/fruitctl/kafka_acls.h"

namespace fruition::fruitctl {
namespace {

TEST(HelmAclsTest, ChartAclsAreTheGeneratedCatalogue) {
  const char* path = "helm/fruition/templates/kafka-users/_acls.tpl";
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << path;
  std::ostringstream chart;
  chart << in.rdbuf();
  KafkaAclsOptions options;
  options.format = "helm";
  EXPECT_EQ(chart.str(), FormatKafkaAcls(options))
      << "regenerate: bazel run //tools/fruitctl -- kafka-acls --format helm "
         "> helm/fruition/templates/kafka-users/_acls.tpl";
}

}  // namespace
}  // namespace fruition::fruitctl
