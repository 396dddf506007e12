// fruition-gateway: the oversight gateway (OversightService, HTTP API, SSE,
// and the dashboard).
#include <iostream>

#include "services/common/config/config.h"
#include "services/common/server/shutdown.h"
#include "services/gateway/config.h"
#include "services/gateway/run.h"

int main(int argc, char** argv) {
  fruition::server::ShutdownSignal stop;
  fruition::server::NotifyOnTerminationSignals(&stop);
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto settings =
      fruition::config::Settings::Load(args, fruition::gateway::GatewaySpecs());
  if (!settings.ok()) {
    std::cerr << "fruition-gateway: " << settings.status().message() << "\n";
    return 2;
  }
  if (settings->help_requested()) {
    std::cout << fruition::config::Settings::Usage(
        "fruition-gateway", fruition::gateway::GatewaySpecs());
    return 0;
  }
  auto config = fruition::gateway::GatewayConfigFrom(*settings);
  if (!config.ok()) {
    std::cerr << "fruition-gateway: " << config.status().message() << "\n";
    return 2;
  }
  const absl::Status status = fruition::gateway::Run(*config, &stop);
  if (!status.ok()) {
    std::cerr << "fruition-gateway: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
