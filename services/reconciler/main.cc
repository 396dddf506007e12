// fruition-reconciler: reconciled oversight events (SPEC §6) from reports,
// link assessments, scorecards and reference data.
#include <iostream>

#include "services/common/config/config.h"
#include "services/common/server/shutdown.h"
#include "services/reconciler/config.h"
#include "services/reconciler/run.h"

int main(int argc, char** argv) {
  fruition::server::ShutdownSignal stop;
  fruition::server::NotifyOnTerminationSignals(&stop);
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto settings = fruition::config::Settings::Load(
      args, fruition::reconciler::ReconcilerSpecs());
  if (!settings.ok()) {
    std::cerr << "fruition-reconciler: " << settings.status().message() << "\n";
    return 2;
  }
  if (settings->help_requested()) {
    std::cout << fruition::config::Settings::Usage(
        "fruition-reconciler", fruition::reconciler::ReconcilerSpecs());
    return 0;
  }
  auto config = fruition::reconciler::ReconcilerConfigFrom(*settings);
  if (!config.ok()) {
    std::cerr << "fruition-reconciler: " << config.status().message() << "\n";
    return 2;
  }
  const absl::Status status = fruition::reconciler::Run(*config, &stop);
  if (!status.ok()) {
    std::cerr << "fruition-reconciler: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
