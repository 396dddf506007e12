// Prints a catalogue the gateway serves (the domain registries), for the
// dashboard's mock API (tests/browser/catalogue/):
//   bazel run //services/gateway:catalogue_json -- indicators
//   bazel run //services/gateway:catalogue_json -- events
#include <cstdio>
#include <string>

#include "services/domain/events.h"
#include "services/domain/indicators.h"

int main(int argc, char** argv) {
  const std::string which = argc == 2 ? argv[1] : "";
  if (which == "indicators") {
    std::puts(fruition::domain::IndicatorCatalogueJson().c_str());
  } else if (which == "events") {
    std::puts(fruition::domain::EventCatalogueJson().c_str());
  } else {
    std::fputs("usage: catalogue_json indicators|events\n", stderr);
    return 2;
  }
  return 0;
}
