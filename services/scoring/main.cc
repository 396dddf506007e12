// fruition-scoring: desert scores and distributed indicators per agency,
// field office and district.
#include <iostream>

#include "services/common/config/config.h"
#include "services/common/server/shutdown.h"
#include "services/scoring/config.h"
#include "services/scoring/run.h"

int main(int argc, char** argv) {
  fruition::server::ShutdownSignal stop;
  fruition::server::NotifyOnTerminationSignals(&stop);
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto settings =
      fruition::config::Settings::Load(args, fruition::scoring::ScoringSpecs());
  if (!settings.ok()) {
    std::cerr << "fruition-scoring: " << settings.status().message() << "\n";
    return 2;
  }
  if (settings->help_requested()) {
    std::cout << fruition::config::Settings::Usage(
        "fruition-scoring", fruition::scoring::ScoringSpecs());
    return 0;
  }
  auto config = fruition::scoring::ScoringConfigFrom(*settings);
  if (!config.ok()) {
    std::cerr << "fruition-scoring: " << config.status().message() << "\n";
    return 2;
  }
  const absl::Status status = fruition::scoring::Run(*config, &stop);
  if (!status.ok()) {
    std::cerr << "fruition-scoring: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
