// fruition-intake: agencies stream reports over gRPC into Kafka.
#include <iostream>

#include "services/common/config/config.h"
#include "services/common/server/shutdown.h"
#include "services/intake/config.h"
#include "services/intake/run.h"

int main(int argc, char** argv) {
  fruition::server::ShutdownSignal stop;
  fruition::server::NotifyOnTerminationSignals(&stop);
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto settings =
      fruition::config::Settings::Load(args, fruition::intake::IntakeSpecs());
  if (!settings.ok()) {
    std::cerr << "fruition-intake: " << settings.status().message() << "\n";
    return 2;
  }
  if (settings->help_requested()) {
    std::cout << fruition::config::Settings::Usage(
        "fruition-intake", fruition::intake::IntakeSpecs());
    return 0;
  }
  auto config = fruition::intake::IntakeConfigFrom(*settings);
  if (!config.ok()) {
    std::cerr << "fruition-intake: " << config.status().message() << "\n";
    return 2;
  }
  const absl::Status status = fruition::intake::Run(*config, &stop);
  if (!status.ok()) {
    std::cerr << "fruition-intake: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
