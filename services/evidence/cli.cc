#include "services/evidence/cli.h"

#include <atomic>
#include <iostream>
#include <thread>

#include "services/common/config/config.h"
#include "services/common/log/log.h"
#include "services/common/server/shutdown.h"
#include "services/evidence/config.h"
#include "services/evidence/run.h"

namespace fruition::evidence {

int Main(std::vector<std::string> args, const std::string& program) {
  server::ShutdownSignal stop;
  server::NotifyOnTerminationSignals(&stop);
  const bool reassess = !args.empty() && args[0] == "reassess";
  if (reassess) args.erase(args.begin());
  const std::string name = reassess ? program + " reassess" : program;
  auto settings = config::Settings::Load(args, EvidenceSpecs());
  if (!settings.ok()) {
    std::cerr << name << ": " << settings.status().message() << "\n";
    return 2;
  }
  if (settings->help_requested()) {
    std::cout << config::Settings::Usage(name, EvidenceSpecs());
    return 0;
  }
  auto config = EvidenceConfigFrom(*settings);
  if (!config.ok()) {
    std::cerr << name << ": " << config.status().message() << "\n";
    return 2;
  }
  if (reassess) {
    log::Configure("evidence", log::Level::kInfo);
    if (config->criteria_file.empty()) {
      std::cerr << name
                << ": config field criteria: required (the rulebook "
                   "to apply, e.g. services/evidence/criteria/v1.yaml)\n";
      return 2;
    }
    auto rules = LoadRulebook(config->criteria_file);
    if (!rules.ok()) {
      std::cerr << name
                << ": config field criteria: " << rules.status().message()
                << "\n";
      return 2;
    }
    std::atomic<bool> stopped{false};
    std::thread watcher([&] {
      stop.Wait();
      stopped = true;
    });
    auto produced = Reassess(*config, *rules, stopped);
    stop.Notify("done");
    watcher.join();
    if (!produced.ok()) {
      std::cerr << name << ": " << produced.status().message() << "\n";
      return 1;
    }
    std::cout << *produced << " assessments under criteria " << rules->version
              << " produced\n";
    return 0;
  }
  const absl::Status status = Run(*config, &stop);
  if (!status.ok()) {
    std::cerr << name << ": " << status.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace fruition::evidence
