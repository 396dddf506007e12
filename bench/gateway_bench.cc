// The gateway's reads (docs/BENCHMARKS.md, "Gateway"). The gateway runs in
// this process (GatewayComponent, as fruition-gateway runs it) against a
// real broker, with `--units` unit-periods of scorecards (full and public
// views) prepared on the scores topics before the clock.
//   reads: `--clients` HTTP clients with keep-alive GET
//          /api/v1/scorecards?unit=U&period=P of random prepared units for
//          `--seconds`, without credentials (the public view); against a
//          bare httplib server in the same process answering every GET with
//          the same bytes (what HTTP alone costs here);
//   sse:   `--streams` clients on /api/v1/events/stream; the driver
//          produces `--events` PUBLIC events one at a time (every
//          `--interval-ms`) to fruition.oversight.public.v1 and times each
//          from its produce call to its arrival at the last of the clients.
// Prints markdown rows and SUMMARY lines (bench/run-all).
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/flags.h"
#include "bench/common/kafka.h"
#include "bench/common/summary.h"
#include "fruition/v1/events.pb.h"
#include "fruition/v1/scores.pb.h"
#include "services/common/log/log.h"
#include "services/common/server/shutdown.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/gateway/run.h"

namespace fruition::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string bootstrap, dir, summary_file;
  int units = 1000, clients = 16, seconds = 10, streams = 200, events = 100;
  int interval_ms = 100;
};

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             Clock::now().time_since_epoch())
      .count();
}

std::string Unit(const std::string& nonce, int u) {
  return StrCat("district:B", nonce, "X", u);
}

// Both views of `--units` unit-periods, with 40 cells each (about what a
// real card shows).
std::vector<Record> Cards(const Options& o, const std::string& nonce) {
  std::vector<Record> out;
  for (int u = 0; u < o.units; ++u) {
    for (bool pub : {false, true}) {
      v1::Scorecard c;
      c.set_unit(Unit(nonce, u));
      c.set_period("FY2016");
      c.set_score_version("v1");
      c.set_criteria_version("v1");
      c.set_revision(1);
      c.set_public_view(pub);
      c.set_scorecard_id(StrCat(pub ? "P-" : "R-", nonce, "-", u));
      for (int i = 0; i < 40; ++i) {
        v1::Indicator* cell = c.add_indicators();
        cell->set_name(i == 0 ? "arrests" : StrCat("drug_share:D", i));
        cell->set_value(i == 0 ? 400 + u : 0.02 * (i % 10));
        cell->set_n(400 + u);
        cell->set_defined(true);
      }
      out.push_back(
          Record{std::string(pub ? topics::kScoresPublic : topics::kScores),
                 c.unit(),
                 c.SerializeAsString(),
                 {}});
    }
  }
  return out;
}

struct Reads {
  int64_t ok = 0, failed = 0;
  double seconds = 0;
  std::vector<int64_t> us;
};

// `clients` keep-alive clients reading random units' scorecards.
Reads Drive(int port, const Options& o, const std::string& nonce) {
  std::vector<std::vector<int64_t>> per(o.clients);
  std::atomic<int64_t> failed{0};
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(o.seconds);
  std::vector<std::thread> threads;
  threads.reserve(o.clients);
  for (int t = 0; t < o.clients; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      std::mt19937 rng(t);
      std::uniform_int_distribution<int> pick(0, o.units - 1);
      while (Clock::now() < end) {
        const std::string path =
            StrCat("/api/v1/scorecards?unit=", Unit(nonce, pick(rng)),
                   "&period=FY2016");
        const int64_t t0 = NowUs();
        auto res = client.Get(path);
        if (!res || res->status != 200) {
          ++failed;
          continue;
        }
        per[t].push_back(NowUs() - t0);
      }
    });
  }
  for (auto& th : threads) th.join();
  Reads r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& v : per) r.us.insert(r.us.end(), v.begin(), v.end());
  std::sort(r.us.begin(), r.us.end());
  r.ok = static_cast<int64_t>(r.us.size());
  r.failed = failed.load();
  return r;
}

void ReadsRow(const std::string& what, const Reads& r) {
  std::cout << "| " << what << " | " << r.ok << " | "
            << Fixed(r.ok / r.seconds, 0) << " | " << Quantile(r.us, 0.5)
            << " | " << Quantile(r.us, 0.99) << " | " << Quantile(r.us, 0.999)
            << " | " << r.failed << " |\n";
}

// A bare httplib server answering every GET with `body`.
Reads Bare(const Options& o, const std::string& nonce,
           const std::string& body) {
  httplib::Server server;
  // As the gateway's server: no Nagle delay on small answers.
  server.set_tcp_nodelay(true);
  // A worker per keep-alive client, as the gateway has (max_streams + 8):
  // with fewer, clients wait for a kept-alive connection to time out.
  const size_t workers = static_cast<size_t>(o.clients) + 8;
  server.new_task_queue = [workers] {
    return new httplib::ThreadPool(workers);
  };
  server.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serve([&] { server.listen_after_bind(); });
  while (!server.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Reads r = Drive(port, o, nonce);
  server.stop();
  serve.join();
  return r;
}

// --------------------------------------------------------------- SSE

// Arrival times of the bench's events at each client.
struct Arrivals {
  std::mutex mu;
  std::vector<std::vector<int64_t>> at;  // [event][client], 0 = not yet
  std::atomic<int> connected{0};
};

// One SSE client: records when each "bench-sse-<nonce>-<i>" arrives.
void Listen(int port, int client, const std::string& nonce, Arrivals& a,
            const std::atomic<bool>& stop) {
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(std::chrono::seconds(2));
  const std::string marker = StrCat("\"eventId\":\"bench-sse-", nonce, "-");
  std::string buffer;
  bool counted = false;
  while (!stop.load()) {
    http.Get(
        "/api/v1/events/stream",
        [&](const httplib::Response&) {
          if (!counted) {
            counted = true;
            ++a.connected;
          }
          return true;
        },
        [&](const char* data, size_t len) {
          const int64_t now = NowUs();
          buffer.append(data, len);
          size_t at;
          while ((at = buffer.find(marker)) != std::string::npos) {
            const size_t from = at + marker.size();
            const size_t end = buffer.find('"', from);
            if (end == std::string::npos) break;
            const int i = std::stoi(buffer.substr(from, end - from));
            {
              std::lock_guard<std::mutex> lock(a.mu);
              if (i < static_cast<int>(a.at.size()) && !a.at[i][client]) {
                a.at[i][client] = now;
              }
            }
            buffer.erase(0, end);
          }
          if (buffer.size() > marker.size()) {
            buffer.erase(0, buffer.size() - marker.size());
          }
          return !stop.load();
        });
  }
}

v1::OversightEvent Event(const std::string& nonce, int i) {
  v1::OversightEvent e;
  e.set_event_id(StrCat("bench-sse-", nonce, "-", i));
  e.set_type(v1::EVENT_TYPE_SCORECARD_PUBLISHED);
  e.set_condition_key(
      StrCat("SCORECARD_PUBLISHED/district:SSE", nonce, "/", i));
  e.set_severity(v1::SEVERITY_INFO);
  e.set_visibility(v1::VISIBILITY_PUBLIC);
  e.set_unit(StrCat("district:SSE", nonce));
  e.set_period("FY2016");
  e.mutable_emitted_at()->set_seconds(1700000000 + i);
  return e;
}

// Produces the events one by one; returns per event the µs from produce to
// its arrival at the last client (-1: some client never got it).
std::vector<int64_t> FanOut(const Options& o, int port,
                            const std::string& nonce) {
  Arrivals a;
  a.at.assign(o.events, std::vector<int64_t>(o.streams, 0));
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  clients.reserve(o.streams);
  for (int c = 0; c < o.streams; ++c) {
    clients.emplace_back([&, c] { Listen(port, c, nonce, a, stop); });
  }
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (a.connected.load() < o.streams && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (a.connected.load() < o.streams) {
    Die(StrCat("only ", a.connected.load(), " of ", o.streams,
               " SSE clients connected"));
  }
  rd_kafka_t* producer = NewClient(o.bootstrap, RD_KAFKA_PRODUCER,
                                   {{"acks", "all"}, {"linger.ms", "0"}});
  std::vector<int64_t> sent(o.events);
  const std::string topic(topics::kOversightPublic);
  for (int i = 0; i < o.events; ++i) {
    const std::string value = Event(nonce, i).SerializeAsString();
    const std::string key = StrCat("district:SSE", nonce);
    sent[i] = NowUs();
    rd_kafka_producev(
        producer, RD_KAFKA_V_TOPIC(topic.c_str()),
        RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    rd_kafka_poll(producer, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(o.interval_ms));
  }
  rd_kafka_flush(producer, 30000);
  rd_kafka_destroy(producer);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  stop = true;
  for (auto& c : clients) c.join();
  std::vector<int64_t> last(o.events);
  for (int i = 0; i < o.events; ++i) {
    const auto& at = a.at[i];
    const bool all =
        std::none_of(at.begin(), at.end(), [](int64_t t) { return t == 0; });
    last[i] = all ? *std::max_element(at.begin(), at.end()) - sent[i] : -1;
  }
  return last;
}

// ------------------------------------------------------------------ main

void ParseFlags(int argc, char** argv, Options& o) {
  Flags flags(
      "gateway_bench --bootstrap HOST:PORT --dir DIR [--units N] [--clients "
      "N] [--seconds S] [--streams N] [--events N] [--interval-ms MS] "
      "[--summary FILE]");
  flags.String("--bootstrap", &o.bootstrap);
  flags.String("--dir", &o.dir);
  flags.String("--summary", &o.summary_file);
  flags.Int("--units", &o.units, 1);
  flags.Int("--clients", &o.clients, 1);
  flags.Int("--seconds", &o.seconds, 1);
  flags.Int("--streams", &o.streams, 1);
  flags.Int("--events", &o.events, 1);
  flags.Int("--interval-ms", &o.interval_ms, 1);
  flags.Parse(argc, argv);
  if (o.bootstrap.empty() || o.dir.empty()) Die("--bootstrap and --dir");
}

std::unique_ptr<gateway::GatewayComponent> StartGateway(
    const Options& o, prometheus::Registry& registry,
    server::ShutdownSignal* stop) {
  {
    std::ofstream p(o.dir + "/principals.yaml");
    p << "principals:\n  - code: OIG\n    kind: OVERSEER\n    token_sha256: "
      << std::string(64, '0') << "\n";
  }
  gateway::GatewayConfig config;
  config.kafka_bootstrap = o.bootstrap;
  config.principals_file = o.dir + "/principals.yaml";
  config.data_dir = o.dir + "/data";
  config.create_topics = true;
  config.topic_replication = 1;  // the bench's one broker
  config.audit_writer = StrCat("gateway@bench-", RandomHex(4));
  config.http.listen = "127.0.0.1:0";
  config.http.max_streams = o.streams + 8;
  auto gateway = gateway::GatewayComponent::Create(config, registry);
  if (!gateway.ok()) Die(std::string(gateway.status().message()));
  if (absl::Status s = (*gateway)->Start(stop); !s.ok()) {
    Die(std::string(s.message()));
  }
  return *std::move(gateway);
}

// The body of a prepared card, once the views hold them all.
std::string WaitForCards(int port, const Options& o, const std::string& nonce) {
  httplib::Client probe("127.0.0.1", port);
  const std::string last = StrCat(
      "/api/v1/scorecards?unit=", Unit(nonce, o.units - 1), "&period=FY2016");
  for (int i = 0; i < 1200; ++i) {
    auto res = probe.Get(last);
    if (res && res->status == 200) return res->body;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Die("the gateway did not load the scorecards in 120 s");
}

void Emit(const Options& o, const Summary& s) {
  EmitSummary(s, o.summary_file);
}

void SseResults(const Options& o, const std::vector<int64_t>& last) {
  std::vector<int64_t> done;
  for (int64_t v : last) {
    if (v >= 0) done.push_back(v);
  }
  std::sort(done.begin(), done.end());
  std::cout << "\n| SSE clients | events | delivered to all | p50 ms | p99 "
               "ms | max ms |\n|---:|---:|---:|---:|---:|---:|\n| "
            << o.streams << " | " << o.events << " | " << done.size() << " | "
            << Fixed(Quantile(done, 0.5) / 1000.0, 1) << " | "
            << Fixed(Quantile(done, 0.99) / 1000.0, 1) << " | "
            << Fixed(done.empty() ? 0 : done.back() / 1000.0, 1) << " |\n";
  Emit(o, {"gateway-sse",
           StrCat("p99 ms from an event's produce to its delivery to all ",
                  o.streams, " SSE clients (p50 ",
                  Fixed(Quantile(done, 0.5) / 1000.0, 1), ")"),
           Fixed(Quantile(done, 0.99) / 1000.0, 1), "", "",
           "— (no aim in the issue)", "—"});
}

int Main(int argc, char** argv) {
  SetProgram("gateway_bench");
  Options o;
  ParseFlags(argc, argv, o);
  log::Configure("gateway", log::Level::kError);
  const std::string nonce = RandomHex(4);
  ProduceAll(o.bootstrap, "bench-gateway", Cards(o, nonce), 5000);
  prometheus::Registry registry;
  server::ShutdownSignal stop;
  auto gateway = StartGateway(o, registry, &stop);
  const int port = gateway->http_port();
  const std::string body = WaitForCards(port, o, nonce);

  std::cout << "| server | reads | reads/s | µs p50 | p99 | p999 | failed "
               "|\n|---|---:|---:|---:|---:|---:|---:|\n";
  Options warm = o;
  warm.seconds = 2;
  Drive(port, warm, nonce);
  const Reads ours = Drive(port, o, nonce);
  ReadsRow(StrCat("fruition gateway, public scorecard of ", o.units,
                  " unit-periods"),
           ours);
  const Reads bare = Bare(o, nonce, body);
  ReadsRow(StrCat("bare httplib, the same ", body.size(), " bytes"), bare);
  const double ours_rate = ours.ok / ours.seconds;
  const double bare_rate = bare.ok / bare.seconds;
  Emit(o, {"gateway",
           StrCat("HTTP scorecard reads/s, ", o.clients, " keep-alive clients"),
           Fixed(ours_rate, 0), StrCat("bare httplib ", Fixed(bare_rate, 0)),
           Fixed(ours_rate / bare_rate, 3), "— (no aim in the issue)", "—"});

  SseResults(o, FanOut(o, port, nonce));
  (void)gateway->Stop();
  return 0;
}

}  // namespace
}  // namespace fruition::bench

int main(int argc, char** argv) { return fruition::bench::Main(argc, argv); }
