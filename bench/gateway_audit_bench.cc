// The cost of the audit trail on the gateway's restricted reads
// (docs/BENCHMARKS.md, "Gateway audit"). The gateway runs in this process
// (GatewayComponent, as fruition-gateway runs it) against a real broker;
// `--threads` HTTP clients with keep-alive read, for `--seconds` each:
//   audited: GET /api/v1/events?unit=R as an overseer: `--events` RESTRICTED
//            events, one audit record (acks=all) naming them before the
//            answer;
//   public:  GET /api/v1/events?unit=P without credentials: as many PUBLIC
//            events of the same shape, not audited.
// Prints reads/s, µs per read (mean, p50, p99) and audit records/s per mode
// (an audited read is one record).
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/flags.h"
#include "bench/common/kafka.h"
#include "fruition/v1/events.pb.h"
#include "services/common/log/log.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/server/shutdown.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/gateway/run.h"

namespace fruition::bench {
namespace {

using Clock = std::chrono::steady_clock;

const char kToken[] = "bench-gateway-audit-oig";

struct Options {
  std::string bootstrap;
  std::string dir;
  int events = 20;
  int threads = 4;
  int seconds = 10;
};

std::vector<Record> Input(const Options& o, const std::string& nonce) {
  std::vector<Record> out;
  for (int restricted = 0; restricted < 2; ++restricted) {
    for (int i = 0; i < o.events; ++i) {
      v1::OversightEvent e;
      e.set_event_id(StrCat("bench-", nonce, "-", restricted, "-", i));
      e.set_type(restricted ? v1::EVENT_TYPE_LINK_UNSUBSTANTIATED
                            : v1::EVENT_TYPE_FRUITION_GAP);
      e.set_condition_key(StrCat("K/", e.event_id()));
      e.set_severity(v1::SEVERITY_WARNING);
      e.set_visibility(restricted ? v1::VISIBILITY_RESTRICTED
                                  : v1::VISIBILITY_PUBLIC);
      e.set_unit(StrCat("agency:", restricted ? "R" : "P", nonce));
      e.set_period("FY2016");
      (*e.mutable_facts())["fruition_gap"] = 0.3;
      e.mutable_emitted_at()->set_seconds(1700000000 + i);
      out.push_back(Record{std::string(restricted ? topics::kOversightRestricted
                                                  : topics::kOversightPublic),
                           e.unit(),
                           e.SerializeAsString(),
                           {}});
    }
  }
  return out;
}

struct Result {
  int64_t reads = 0;
  int64_t failed = 0;
  double seconds = 0;
  std::vector<int64_t> us;  // per read
};

// `threads` clients reading `path` for `seconds`.
Result Drive(int port, const std::string& path, const std::string& token,
             const Options& o) {
  std::vector<std::vector<int64_t>> per(o.threads);
  std::atomic<int64_t> failed{0};
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(o.seconds);
  std::vector<std::thread> threads;
  threads.reserve(o.threads);
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      httplib::Headers headers;
      if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
      while (Clock::now() < end) {
        const auto t0 = Clock::now();
        auto res = client.Get(path, headers);
        const auto t1 = Clock::now();
        if (!res || res->status != 200) {
          ++failed;
          continue;
        }
        per[t].push_back(
            std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0)
                .count());
      }
    });
  }
  for (auto& th : threads) th.join();
  Result r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& v : per) r.us.insert(r.us.end(), v.begin(), v.end());
  std::sort(r.us.begin(), r.us.end());
  r.reads = static_cast<int64_t>(r.us.size());
  r.failed = failed.load();
  return r;
}

void Row(const std::string& mode, const Result& r, bool audited) {
  const auto pct = [&](double p) {
    return r.us.empty() ? 0
                        : r.us[std::min(r.us.size() - 1,
                                        static_cast<size_t>(p * r.us.size()))];
  };
  double sum = 0;
  for (int64_t u : r.us) sum += static_cast<double>(u);
  const double rate = r.reads / r.seconds;
  std::cout << "| " << mode << " | " << r.reads << " | " << Fixed(rate, 0)
            << " | " << Fixed(r.us.empty() ? 0 : sum / r.us.size(), 0) << " | "
            << pct(0.5) << " | " << pct(0.99) << " | "
            << (audited ? Fixed(rate, 0) : "0") << " | " << r.failed << " |\n";
}

int Main(int argc, char** argv) {
  SetProgram("gateway_audit_bench");
  Options o;
  Flags flags(
      "gateway_audit_bench --bootstrap HOST:PORT --dir DIR [--events N] "
      "[--threads T] [--seconds S]");
  flags.String("--bootstrap", &o.bootstrap);
  flags.String("--dir", &o.dir);
  flags.Int("--events", &o.events, 1);
  flags.Int("--threads", &o.threads, 1);
  flags.Int("--seconds", &o.seconds, 1);
  flags.Parse(argc, argv);
  if (o.bootstrap.empty() || o.dir.empty()) Die("--bootstrap and --dir");
  log::Configure("gateway", log::Level::kError);
  const std::string nonce = RandomHex(4);
  {
    std::ofstream p(o.dir + "/principals.yaml");
    p << "principals:\n  - code: OIG\n    kind: OVERSEER\n    token_sha256: "
      << privacy::Sha256Hex(kToken) << "\n";
  }
  ProduceAll(o.bootstrap, "bench-gateway-audit", Input(o, nonce), 1000);

  gateway::GatewayConfig config;
  config.kafka_bootstrap = o.bootstrap;
  config.principals_file = o.dir + "/principals.yaml";
  config.data_dir = o.dir + "/data";
  config.create_topics = true;
  config.topic_replication = 1;  // the bench's one broker
  config.audit_writer = StrCat("gateway@bench-", nonce);
  config.http.listen = "127.0.0.1:0";
  config.http.max_streams = 4;
  prometheus::Registry registry;
  auto gateway = gateway::GatewayComponent::Create(config, registry);
  if (!gateway.ok()) Die(std::string(gateway.status().message()));
  server::ShutdownSignal stop;
  if (absl::Status s = (*gateway)->Start(&stop); !s.ok()) {
    Die(std::string(s.message()));
  }
  // Wait until the views hold the input.
  const std::string audited =
      StrCat("/api/v1/events?unit=agency:R", nonce, "&limit=", o.events);
  const std::string pub =
      StrCat("/api/v1/events?unit=agency:P", nonce, "&limit=", o.events);
  httplib::Client probe("127.0.0.1", (*gateway)->http_port());
  for (int i = 0;; ++i) {
    auto res = probe.Get(pub);
    if (res && res->status == 200 &&
        res->body.find(StrCat("-0-", o.events - 1, "\"")) !=
            std::string::npos) {
      break;
    }
    if (i > 600) Die("the gateway did not load the input in 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cout << "| mode | reads | reads/s | µs/read mean | p50 | p99 | audit "
               "records/s | failed |\n|---|---|---|---|---|---|---|---|\n";
  // Warm both paths (connections, the trail's producer), unrecorded.
  Options warm = o;
  warm.seconds = 2;
  Drive((*gateway)->http_port(), pub, "", warm);
  Drive((*gateway)->http_port(), audited, kToken, warm);
  const Result p = Drive((*gateway)->http_port(), pub, "", o);
  Row(StrCat("public (", o.events, " PUBLIC events, not audited)"), p, false);
  const Result a = Drive((*gateway)->http_port(), audited, kToken, o);
  Row(StrCat("audited (", o.events, " RESTRICTED events, KafkaTrail)"), a,
      true);
  (void)(*gateway)->Stop();
  std::cerr << "threads " << o.threads << ", " << o.seconds
            << " s per mode; writer " << config.audit_writer << "\n";
  return 0;
}

}  // namespace
}  // namespace fruition::bench

int main(int argc, char** argv) { return fruition::bench::Main(argc, argv); }
