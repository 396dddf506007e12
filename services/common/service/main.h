// The main() of a service binary (ARCHITECTURE principle 4: main only parses
// config, wires components and runs): signals, settings from flags >
// FRUITION_* environment > YAML, --help, validation, Run. Exit codes: 0 after
// a clean drain, 1 if the service failed, 2 for bad configuration.
#ifndef FRUITION_SERVICES_COMMON_SERVICE_MAIN_H_
#define FRUITION_SERVICES_COMMON_SERVICE_MAIN_H_

#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/config/config.h"
#include "services/common/server/shutdown.h"

namespace fruition::service {

template <typename Config>
int Main(const std::string& program, int argc, char** argv,
         const std::vector<config::Spec>& specs,
         absl::StatusOr<Config> (*from_settings)(const config::Settings&),
         absl::Status (*run)(const Config&, server::ShutdownSignal*,
                             const std::function<void(int, int)>&)) {
  server::ShutdownSignal stop;
  server::NotifyOnTerminationSignals(&stop);
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto settings = config::Settings::Load(args, specs);
  if (!settings.ok()) {
    std::cerr << program << ": " << settings.status().message() << "\n";
    return 2;
  }
  if (settings->help_requested()) {
    std::cout << config::Settings::Usage(program, specs);
    return 0;
  }
  auto config = from_settings(*settings);
  if (!config.ok()) {
    std::cerr << program << ": " << config.status().message() << "\n";
    return 2;
  }
  const absl::Status status = run(*config, &stop, nullptr);
  if (!status.ok()) {
    std::cerr << program << ": " << status.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace fruition::service

#endif  // FRUITION_SERVICES_COMMON_SERVICE_MAIN_H_
