// The Helm chart's topic list is generated from the catalogue; this fails
// when someone changes one without regenerating the other.
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "tools/fruitctl/topics.h"

namespace fruition::fruitctl {
namespace {

TEST(HelmCatalogueTest, ChartTopicListIsTheGeneratedCatalogue) {
  std::ifstream in("helm/fruition/templates/topics/_catalogue.tpl");
  ASSERT_TRUE(in.good()) << "helm/fruition/templates/topics/_catalogue.tpl";
  std::ostringstream chart;
  chart << in.rdbuf();
  EXPECT_EQ(chart.str(), HelmTopicCatalogue())
      << "regenerate: bazel run //tools/fruitctl -- topics helm > "
         "helm/fruition/templates/topics/_catalogue.tpl";
}

}  // namespace
}  // namespace fruition::fruitctl
