// A writer for the audit trail's integration tests: appends records to the
// trail in a loop from several threads, as a service under load would, and
// prints one line per acknowledged record, so that a test can kill it -9
// mid-stream and restart it under the same writer name.
//
//   appender --bootstrap HOST:PORT --topic T --writer W [--threads N]
//            [--count N (per thread; 0: until killed)]
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "services/common/audit/kafka_trail.h"

namespace {

std::string Flag(int argc, char** argv, const std::string& name,
                 const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  fruition::audit::KafkaTrailOptions options;
  options.producer.bootstrap_servers = Flag(argc, argv, "bootstrap", "");
  options.producer.delivery_timeout_ms = 10000;
  options.topic = Flag(argc, argv, "topic", fruition::audit::kDefaultTopic);
  options.writer = Flag(argc, argv, "writer", "");
  const int threads = std::atoi(Flag(argc, argv, "threads", "4").c_str());
  const int count = std::atoi(Flag(argc, argv, "count", "0").c_str());
  auto trail = fruition::audit::KafkaTrail::Open(options);
  if (!trail.ok()) {
    std::cerr << "open: " << trail.status() << std::endl;
    return 1;
  }
  std::cout << "opened next_seq " << (*trail)->next_seq() << std::endl;
  std::mutex out_mu;
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; count == 0 || i < count; ++i) {
        fruition::audit::Entry entry{
            "OIG",
            "test-append",
            {"event:T" + std::to_string(t) + "-" + std::to_string(i)}};
        const absl::Status s = (*trail)->Append(entry);
        std::lock_guard<std::mutex> lock(out_mu);
        if (s.ok()) {
          std::cout << "ok" << std::endl;
        } else {
          ++failures;
          std::cout << "failed " << s << std::endl;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return failures.load() == 0 ? 0 : 1;
}
