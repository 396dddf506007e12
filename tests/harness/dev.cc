#include "tests/harness/dev.h"

#include <signal.h>

#include <cstdlib>

#include "services/common/strings.h"

namespace fruition::testing {

bool Dev::WaitFor(const std::string& marker,
                  std::chrono::milliseconds timeout) {
  WaitUntil(
      [&] {
        return Output().find(marker) != std::string::npos ||
               !process->running();
      },
      timeout, std::chrono::milliseconds(200));
  return Output().find(marker) != std::string::npos;
}

int Dev::DashboardPort() const {
  const std::string dashboard =
      AfterMarker(Output(), "Dashboard: http://");  // 127.0.0.1:PORT/
  const size_t colon = dashboard.find(':');
  if (colon == std::string::npos) return 0;
  return std::atoi(dashboard.c_str() + colon + 1);
}

std::string Dev::GrpcAddress() const {
  return AfterMarker(Output(), "gRPC (every service): ");
}

std::string Dev::Token(const std::string& principal) const {
  return AfterMarker(Output(), principal + "  token ");
}

std::optional<int> Dev::Stop(std::chrono::milliseconds timeout) {
  process->Signal(SIGINT);
  return process->Wait(timeout);
}

absl::StatusOr<Dev> StartDev(const std::string& name,
                             const std::vector<std::string>& flags) {
  Dev dev;
  dev.dir = NewTempDir(name);
  dev.log = StrCat(OutputDir(), "/", name, ".log");
  std::vector<std::string> args = {"dev"};
  for (const char* port : {"--grpc-port", "--http-port", "--dashboard-port"}) {
    bool set = false;
    for (const std::string& flag : flags) {
      set = set || flag.rfind(StrCat(port, "="), 0) == 0;
    }
    if (!set) args.push_back(StrCat(port, "=0"));
  }
  args.push_back("--data-dir=" + dev.dir);
  args.insert(args.end(), flags.begin(), flags.end());
  auto process =
      Process::Start(Runfile("tools/fruition/fruition"), args, dev.log);
  if (!process.ok()) return process.status();
  dev.process = *std::move(process);
  return dev;
}

}  // namespace fruition::testing
