// audit_bench: what the audit trail costs per append, against the same
// bytes produced by the same producer without it.
//   trail  audit::KafkaTrail::Append from C threads (C = 1, 8, 32): seq,
//          chain digest, deterministic serialization, produce into the
//          writer's partition, wait for the acknowledgement (group commit);
//   plain  the services' idempotent acks=all producer (librdkafka under
//          kafka::KafkaProducer), C threads each producing one record of the
//          same size into one partition and waiting for its acknowledgement.
// Then the resume cost: KafkaTrail::Open for a writer whose last record is at
// the end of a partition of --resume-records records (one backward chunk),
// and for a writer with no record there (the whole partition is read).
//
// Run through bench/audit, which starts the broker. A benchmark, not a test:
// it fails only when an append or a produce fails.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/flags.h"
#include "services/common/audit/chain.h"
#include "services/common/audit/kafka_trail.h"
#include "services/common/kafka/admin.h"
#include "services/common/kafka/producer.h"
#include "services/common/strings.h"

namespace fruition::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string bootstrap;
  int appends = 20000;  // per concurrency level and path
  std::string concurrency = "1,8,32";
  int resume_records = 100000;
  int linger_ms = 5;  // the services' producer default
};

// A restricted read's record: an overseer listing a page of five events.
// Made once, before any timing: the callers' cost of naming what they read
// is not the trail's.
const audit::Entry& SampleEntry(int i) {
  static const auto* entries = [] {
    auto* out = new std::vector<audit::Entry>();
    for (int n = 0; n < 1024; ++n) {
      audit::Entry e{"OIG", "GET /api/v1/events", {}};
      for (int k = 0; k < 5; ++k) {
        e.resources.push_back(StrCat("event:", RandomHex(16)));
      }
      out->push_back(std::move(e));
    }
    return out;
  }();
  return (*entries)[static_cast<size_t>(i) % entries->size()];
}

struct Row {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
};

// Runs `one(i)` `total` times from `threads` threads; rate and latency.
Row Measure(int threads, int total,
            const std::function<absl::Status(int)>& one) {
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = next++; i < total; i = next++) {
        const auto s = Clock::now();
        const absl::Status status = one(i);
        if (!status.ok()) {
          std::cerr << "audit_bench: " << status << "\n";
          failed = true;
          return;
        }
        latencies[t].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - s)
                .count());
      }
    });
  }
  for (auto& w : workers) w.join();
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  if (failed) Die("a write failed");
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  return {total / seconds, all[all.size() / 2], all[all.size() * 99 / 100]};
}

void CreateTopic(const Options& o, const std::string& topic) {
  if (absl::Status s = kafka::EnsureTopics(
          o.bootstrap, {}, {{topic, 12, 1, {}}}, std::chrono::seconds(30));
      !s.ok()) {
    Die(StrCat("creating ", topic, ": ", s.message()));
  }
}

std::unique_ptr<audit::KafkaTrail> OpenTrail(const Options& o,
                                             const std::string& topic,
                                             const std::string& writer) {
  audit::KafkaTrailOptions options;
  options.producer.bootstrap_servers = o.bootstrap;
  options.producer.linger_ms = o.linger_ms;
  options.topic = topic;
  options.writer = writer;
  options.read_timeout = std::chrono::seconds(120);
  auto trail = audit::KafkaTrail::Open(options);
  if (!trail.ok()) Die(std::string(trail.status().message()));
  return std::move(*trail);
}

void AppendRates(const Options& o, const std::string& topic) {
  std::cout << "| appenders | path | appends/s | p50 µs | p99 µs |\n"
               "|---:|---|---:|---:|---:|\n";
  kafka::ProducerOptions po;
  po.bootstrap_servers = o.bootstrap;
  po.linger_ms = o.linger_ms;
  auto producer = kafka::KafkaProducer::Create(po);
  if (!producer.ok()) Die(std::string(producer.status().message()));
  {
    // Warm-up, not recorded: a broker just started is slow at first (JIT,
    // the idempotent producer's id), which would be charged to the first row.
    auto trail = OpenTrail(o, topic, StrCat("bench@warmup-", RandomHex(6)));
    Measure(8, 3000, [&](int i) { return trail->Append(SampleEntry(i)); });
  }
  for (const std::string& c : Split(o.concurrency, ',')) {
    const int threads = static_cast<int>(ParseNumber("--concurrency", c, 1));
    auto trail =
        OpenTrail(o, topic, StrCat("bench@c", threads, "-", RandomHex(6)));
    const Row t = Measure(threads, o.appends,
                          [&](int i) { return trail->Append(SampleEntry(i)); });
    // The same bytes: a record as the trail makes it, into one partition.
    const std::string value = audit::Serialize(
        audit::MakeRecord(SampleEntry(0), "bench@plain", 1234567,
                          std::string(64, 'a'), absl::Now()));
    const Row p = Measure(threads, o.appends, [&](int) {
      std::promise<absl::Status> done;
      (*producer)->ProduceTo(
          topic, trail->partition(), "OIG", value, {},
          [&](const kafka::DeliveryReport& r) { done.set_value(r.status); });
      return done.get_future().get();
    });
    for (const auto& [name, row] : {std::pair{"trail", t}, {"plain", p}}) {
      std::cout << "| " << threads << " | " << name << " | "
                << Fixed(row.per_second, 0) << " | " << Fixed(row.p50_us, 0)
                << " | " << Fixed(row.p99_us, 0) << " |\n";
    }
  }
}

// A writer name whose chain shares `partition` with `writer`'s.
std::string Neighbour(const std::string& writer) {
  const int32_t p = audit::PartitionFor(writer, 12);
  for (int i = 0;; ++i) {
    std::string name = StrCat("bench@neighbour-", i);
    if (audit::PartitionFor(name, 12) == p) return name;
  }
}

void ResumeCost(const Options& o, const std::string& topic) {
  const std::string writer = StrCat("bench@resume-", RandomHex(6));
  {
    auto trail = OpenTrail(o, topic, writer);
    Measure(32, o.resume_records,
            [&](int i) { return trail->Append(SampleEntry(i)); });
  }
  std::cout << "\n| Open of a writer | records in its partition | ms |\n"
               "|---|---:|---:|\n";
  for (const auto& [what, name] :
       {std::pair{"whose last record is the newest", writer},
        {"with no record there (whole partition read)", Neighbour(writer)}}) {
    const auto start = Clock::now();
    auto trail = OpenTrail(o, topic, name);
    const double ms =
        std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::cout << "| " << what << " | " << o.resume_records << " | "
              << Fixed(ms, 0) << " |\n";
  }
}

}  // namespace
}  // namespace fruition::bench

int main(int argc, char** argv) {
  using fruition::bench::Flags;
  fruition::bench::SetProgram("audit_bench");
  fruition::bench::Options o;
  Flags flags(
      "audit_bench --bootstrap HOST:PORT [--appends N] [--concurrency "
      "1,8,32] [--resume-records N] [--linger-ms MS]");
  flags.String("--bootstrap", &o.bootstrap);
  flags.Int("--appends", &o.appends, 1);
  flags.String("--concurrency", &o.concurrency);
  flags.Int("--resume-records", &o.resume_records, 1);
  flags.Int("--linger-ms", &o.linger_ms, 0);
  flags.Parse(argc, argv);
  if (o.bootstrap.empty()) fruition::bench::Die("--bootstrap is required");
  const std::string topic = fruition::StrCat(
      "bench-", fruition::bench::RandomHex(6), ".fruition.audit.v1");
  fruition::bench::CreateTopic(o, topic);
  fruition::bench::AppendRates(o, topic);
  const std::string resume = fruition::StrCat(
      "bench-", fruition::bench::RandomHex(6), ".resume.fruition.audit.v1");
  fruition::bench::CreateTopic(o, resume);
  fruition::bench::ResumeCost(o, resume);
  return 0;
}
