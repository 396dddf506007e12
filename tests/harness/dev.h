// `fruition dev` started for a test: the whole suite on the mock cluster
// with a simulated sample (tools/fruition/dev.cc), and what it printed for
// people (the dashboard's port, the gRPC address, principals' tokens).
#ifndef FRUITION_TESTS_HARNESS_DEV_H_
#define FRUITION_TESTS_HARNESS_DEV_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/harness/harness.h"

namespace fruition::testing {

// Printed once `fruition dev` serves, before the sample is submitted.
inline constexpr char kDevServing[] = "Stop with Ctrl-C";
// Printed once the whole sample is submitted.
inline constexpr char kDevSampleDone[] = "Submit your own";

struct Dev {
  std::unique_ptr<Process> process;
  std::string dir;  // its --data-dir, fresh
  std::string log;  // its stdout and stderr

  // Everything it printed so far.
  std::string Output() const { return ReadFile(log); }
  // Waits until its output holds `marker` or it exits; whether it holds it.
  bool WaitFor(const std::string& marker, std::chrono::milliseconds timeout);
  // The dashboard's (the HTTP API's) port, 0 if not printed yet.
  int DashboardPort() const;
  // "host:port" of the gRPC server every service shares.
  std::string GrpcAddress() const;
  // The token printed for `principal` ("OIG (OVERSEER)", "DEA (AGENCY)").
  std::string Token(const std::string& principal) const;
  // SIGINT, and its exit code within `timeout` (nullopt if it still runs).
  std::optional<int> Stop(std::chrono::milliseconds timeout);
};

// Starts `fruition dev` with a fresh data dir, its log at
// OutputDir()/<name>.log, ports chosen by the system unless `flags` sets
// --grpc-port, --http-port or --dashboard-port, then `flags`.
absl::StatusOr<Dev> StartDev(const std::string& name,
                             const std::vector<std::string>& flags);

}  // namespace fruition::testing

#endif  // FRUITION_TESTS_HARNESS_DEV_H_
