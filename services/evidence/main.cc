// fruition-evidence: the PTO-link evidence store and the uniform criteria.
//
//   fruition-evidence [flags]                    run the service
//   fruition-evidence reassess --criteria FILE   replay history under another
//                                                rulebook version and produce
//                                                its assessments
#include <iostream>

#include "services/common/config/config.h"
#include "services/common/log/log.h"
#include "services/common/server/shutdown.h"
#include "services/evidence/config.h"
#include "services/evidence/run.h"

int main(int argc, char** argv) {
  fruition::server::ShutdownSignal stop;
  fruition::server::NotifyOnTerminationSignals(&stop);
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool reassess = !args.empty() && args[0] == "reassess";
  if (reassess) args.erase(args.begin());
  const std::string name =
      reassess ? "fruition-evidence reassess" : "fruition-evidence";
  auto settings = fruition::config::Settings::Load(
      args, fruition::evidence::EvidenceSpecs());
  if (!settings.ok()) {
    std::cerr << name << ": " << settings.status().message() << "\n";
    return 2;
  }
  if (settings->help_requested()) {
    std::cout << fruition::config::Settings::Usage(
        name, fruition::evidence::EvidenceSpecs());
    return 0;
  }
  auto config = fruition::evidence::EvidenceConfigFrom(*settings);
  if (!config.ok()) {
    std::cerr << name << ": " << config.status().message() << "\n";
    return 2;
  }
  if (reassess) {
    fruition::log::Configure("evidence", fruition::log::Level::kInfo);
    if (config->criteria_file.empty()) {
      std::cerr << name
                << ": config field criteria: required (the rulebook "
                   "to apply, e.g. services/evidence/criteria/v1.yaml)\n";
      return 2;
    }
    auto rules = fruition::evidence::LoadRulebook(config->criteria_file);
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
    auto produced = fruition::evidence::Reassess(*config, *rules, stopped);
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
  const absl::Status status = fruition::evidence::Run(*config, &stop);
  if (!status.ok()) {
    std::cerr << name << ": " << status.message() << "\n";
    return 1;
  }
  return 0;
}
