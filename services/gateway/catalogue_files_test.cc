// The mock API's catalogues (tests/browser/catalogue/) are what the gateway
// serves: regenerate them with //services/gateway:catalogue_json when a
// registry changes.
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "services/domain/events.h"
#include "services/domain/indicators.h"

namespace fruition::gateway {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(CatalogueFilesTest, MockCataloguesAreCurrent) {
  EXPECT_EQ(Read("tests/browser/catalogue/indicators.json"),
            domain::IndicatorCatalogueJson() + "\n")
      << "bazel run //services/gateway:catalogue_json -- indicators > "
         "tests/browser/catalogue/indicators.json";
  EXPECT_EQ(Read("tests/browser/catalogue/events.json"),
            domain::EventCatalogueJson() + "\n")
      << "bazel run //services/gateway:catalogue_json -- events > "
         "tests/browser/catalogue/events.json";
}

}  // namespace
}  // namespace fruition::gateway
