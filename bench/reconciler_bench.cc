// The reconciler's throughput from a prepared scores topic
// (docs/BENCHMARKS.md, "Reconciler"). Before the clock, `--units`
// unit-periods × `--revisions` scorecards go to fruition.scores.v1 and
// their public views to fruition.scores.public.v1; each revision moves
// fruition_gap, lnf_share and lnf_mandatory_minimum_share across their
// thresholds (SPEC §6), the last one above them, so each unit-period
// raises events in both visibilities (and resolves them as often as the
// reconciler sees its revisions one by one). Then, per run:
//   raw:        a plain librdkafka consumer reads the same two topics and a
//               plain idempotent producer (acks=all) writes every value,
//               unchanged, to a scratch topic: consume + produce of the same
//               bytes, the least a stage that forwards its input must do;
//   reconciler: fruition-reconciler (the command after `--`), a fresh group
//               and data dir, until its group has committed the end of both
//               input topics.
// Prints RESULT lines (bench/reconciler makes the table) and a SUMMARY line.
#include <httplib.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/child.h"
#include "bench/common/flags.h"
#include "bench/common/kafka.h"
#include "bench/common/summary.h"
#include "fruition/v1/scores.pb.h"
#include "services/common/strings.h"
#include "services/common/topics.h"

namespace fruition::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string bootstrap, data_root, log_dir, summary_file;
  int units = 2000, revisions = 10, runs = 1;
  bool produce = false;
  std::vector<std::string> command;  // fruition-reconciler and its flags
};

const std::vector<std::string>& Inputs() {
  static const auto* inputs = new std::vector<std::string>{
      std::string(topics::kScores), std::string(topics::kScoresPublic)};
  return *inputs;
}

// A card with the cells the scorecard rules read: 100 sentenced, every
// condition holding on the last revision and every other one before it,
// none on the others.
v1::Scorecard Card(int unit, int revision, int revisions, bool public_view) {
  v1::Scorecard c;
  c.set_unit(StrCat("district:BENCH", unit));
  c.set_period("FY2017");
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  c.set_revision(revision);
  c.set_public_view(public_view);
  c.set_scorecard_id(StrCat(public_view ? "P-" : "R-", unit, "-", revision));
  // The last revision holds, whatever the count: a reconciler that judges
  // only a unit's latest card of a batch still raises every event.
  const bool holds = (revisions - revision) % 2 == 0;
  auto cell = [&](const std::string& name, double value, int64_t n) {
    v1::Indicator* i = c.add_indicators();
    i->set_name(name);
    i->set_value(value);
    i->set_n(n);
    i->set_defined(true);
  };
  cell("sentenced", 100, 100);
  cell("arrests", 200 + revision, 200 + revision);
  cell("high_desert_share", 0.3, 100);
  cell("claimed_priority_share", holds ? 0.6 : 0.35, 100);
  cell("fruition_gap", holds ? 0.3 : 0.05, 100);
  cell("lnf_share", holds ? 0.4 : 0.2, 100);
  cell("lnf_sentenced", holds ? 40 : 20, holds ? 40 : 20);
  cell("lnf_mandatory_minimum_share", holds ? 0.6 : 0.3, holds ? 40 : 20);
  cell("lnf_safety_valve_share", 0.25, holds ? 40 : 20);
  return c;
}

std::vector<Record> Input(const Options& o) {
  std::vector<Record> out;
  for (int r = 1; r <= o.revisions; ++r) {
    for (int u = 0; u < o.units; ++u) {
      for (bool pub : {false, true}) {
        const v1::Scorecard c = Card(u, r, o.revisions, pub);
        out.push_back(
            Record{Inputs()[pub ? 1 : 0], c.unit(), c.SerializeAsString(), {}});
      }
    }
  }
  return out;
}

// The end offsets of `topic`'s partitions and their sum.
int64_t EndOffsets(rd_kafka_t* rk, const std::string& topic,
                   std::vector<int64_t>* ends) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  if (rd_kafka_metadata(rk, 0, t, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Die("metadata of " + topic);
  }
  const int partitions = md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(t);
  int64_t sum = 0;
  ends->assign(partitions, 0);
  for (int p = 0; p < partitions; ++p) {
    int64_t lo = 0, hi = 0;
    if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi,
                                         10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Die("watermarks of " + topic);
    }
    (*ends)[p] = hi;
    sum += hi;
  }
  return sum;
}

struct Phase {
  double seconds = 0;
  int64_t records = 0;  // input records
  int64_t outputs = 0;  // records written
  // Raw: from the first record consumed (without the group join). The
  // reconciler: from its "serving" (without the process start and the
  // RocksDB open, with its group join).
  double steady_seconds = 0;
};

// Consume both inputs, produce each value to a scratch topic, all acked.
Phase Raw(const Options& o, int64_t total) {
  // Created by bench/reconciler beside the inputs (12 partitions): the
  // time to create a topic is not the yardstick's.
  const std::string scratch = "bench.reconciler.raw";
  rd_kafka_t* consumer = NewClient(o.bootstrap, RD_KAFKA_CONSUMER,
                                   {{"group.id", "bench-raw-" + RandomHex(8)},
                                    {"auto.offset.reset", "earliest"},
                                    {"enable.auto.commit", "false"}});
  rd_kafka_t* producer = NewClient(
      o.bootstrap, RD_KAFKA_PRODUCER,
      {{"enable.idempotence", "true"}, {"acks", "all"}, {"linger.ms", "5"}});
  rd_kafka_poll_set_consumer(consumer);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(2);
  for (const auto& t : Inputs()) {
    rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_subscribe(consumer, list);
  rd_kafka_topic_partition_list_destroy(list);
  Phase phase;
  const auto start = Clock::now();
  Clock::time_point first = start;
  while (phase.records < total) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (phase.records++ == 0) first = Clock::now();
      while (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(scratch.c_str()),
                               RD_KAFKA_V_KEY(m->key, m->key_len),
                               RD_KAFKA_V_VALUE(m->payload, m->len),
                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                               RD_KAFKA_V_END) ==
             RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(producer, 10);
      }
      rd_kafka_poll(producer, 0);
    }
    rd_kafka_message_destroy(m);
  }
  if (rd_kafka_flush(producer, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Die("raw: flush timed out");
  }
  phase.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  phase.steady_seconds =
      std::chrono::duration<double>(Clock::now() - first).count();
  phase.outputs = phase.records;
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  rd_kafka_destroy(producer);
  return phase;
}

// The records the reconciler's loops have applied and committed (their
// offsets live in RocksDB, not in the consumer group), from its
// Prometheus endpoint; -1 while it does not answer.
int64_t Applied(httplib::Client& http) {
  auto res = http.Get("/metrics");
  if (!res || res->status != 200) return -1;
  int64_t sum = 0;
  const std::string name = "fruition_stream_records_total{";
  for (const std::string& line : Split(res->body, '\n')) {
    if (line.rfind(name, 0) != 0) continue;
    const size_t space = line.rfind(' ');
    if (space != std::string::npos) {
      sum += static_cast<int64_t>(std::stod(line.substr(space + 1)));
    }
  }
  return sum;
}

constexpr char kServing[] = "\"msg\":\"reconciler serving\"";
constexpr char kListening[] = "\"msg\":\"reconciler listening\"";

std::string ReadAll(const std::string& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A port free now, for the reconciler's metrics.
int FreePort() {
  httplib::Server probe;
  const int port = probe.bind_to_any_port("127.0.0.1");
  if (port <= 0) Die("no free port");
  return port;
}

int64_t Outputs(rd_kafka_t* rk) {
  std::vector<int64_t> ends;
  return EndOffsets(rk, std::string(topics::kOversightPublic), &ends) +
         EndOffsets(rk, std::string(topics::kOversightRestricted), &ends);
}

// fruition-reconciler from a fresh group until it has applied `total`, on
// empty event topics: the reconciler reads its own events back to know
// what it already emitted (fencing), so on the previous run's topics it
// finds every event written and writes none (which made runs after the
// first measure that read-back at ~2M scorecards/s with 0 events out).
Phase Reconciler(const Options& o, int run, int64_t total) {
  {
    rd_kafka_t* admin = NewClient(o.bootstrap, RD_KAFKA_PRODUCER);
    std::vector<int64_t> ends;  // one per partition, as the script made them
    EndOffsets(admin, std::string(topics::kOversightPublic), &ends);
    rd_kafka_destroy(admin);
    RecreateTopics(o.bootstrap,
                   {std::string(topics::kOversightPublic),
                    std::string(topics::kOversightRestricted)},
                   static_cast<int>(ends.size()));
  }
  const std::string group = StrCat("bench-reconciler-", RandomHex(8));
  const int port = FreePort();
  std::vector<std::string> argv = o.command;
  argv.push_back("--group-id=" + group);
  argv.push_back(StrCat("--data-dir=", o.data_root, "/run", run, "-", group));
  argv.push_back(StrCat("--metrics-listen=127.0.0.1:", port));
  rd_kafka_t* rk = NewClient(o.bootstrap, RD_KAFKA_PRODUCER);
  const int64_t before = Outputs(rk);
  Phase phase;
  const auto start = Clock::now();
  Clock::time_point first = start;
  bool serving = false;
  bool listening = false;
  const std::string log = StrCat(o.log_dir, "/reconciler-", run, ".log");
  httplib::Client http("127.0.0.1", port);
  http.set_connection_timeout(std::chrono::seconds(1));
  // Short: the endpoint answers in under a millisecond, and a poll that
  // stalls (one in a few runs did, for the whole 5 s default, even after
  // "listening") only delays the end it detects by this much.
  http.set_read_timeout(std::chrono::milliseconds(250));
  http.set_keep_alive(true);
  {
    Child child(argv, log);
    while (true) {
      std::string why;
      if (!child.Running(&why)) Die("fruition-reconciler ended: " + why);
      // Not before it listens: a poll of the port in the first
      // milliseconds of the child waited out the 5 s read timeout, so every
      // run seemed to end at a multiple of 5 s (5.03, 15.07, 20.10 s) and
      // "serving" seemed to come at 5 s (it comes at ~0.35 s).
      if (!listening) {
        listening = ReadAll(log).find(kListening) != std::string::npos;
        if (!listening) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          continue;
        }
      }
      const int64_t applied = Applied(http);
      // From when it says it serves: its process start and RocksDB open
      // are not its rate. Its group join is (the raw phase's is not: a
      // bias against the reconciler of a few seconds, small only on the
      // default input).
      if (!serving && ReadAll(log).find(kServing) != std::string::npos) {
        serving = true;
        first = Clock::now();
      }
      if (applied >= total) break;
      if (Clock::now() - start > std::chrono::minutes(10)) {
        Die("the reconciler did not finish in 10 minutes");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const auto end = Clock::now();
    phase.seconds = std::chrono::duration<double>(end - start).count();
    phase.steady_seconds = std::chrono::duration<double>(end - first).count();
  }
  phase.records = total;
  phase.outputs = Outputs(rk) - before;
  rd_kafka_destroy(rk);
  return phase;
}

void ParseFlags(int argc, char** argv, Options& o) {
  Flags flags(
      "reconciler_bench --bootstrap HOST:PORT (--produce | --data-root DIR "
      "--log-dir DIR [--runs R] [--summary FILE] -- fruition-reconciler "
      "FLAGS...) [--units N] [--revisions N]");
  flags.String("--bootstrap", &o.bootstrap);
  flags.String("--data-root", &o.data_root);
  flags.String("--log-dir", &o.log_dir);
  flags.String("--summary", &o.summary_file);
  flags.Int("--units", &o.units, 1);
  flags.Int("--revisions", &o.revisions, 1);
  flags.Int("--runs", &o.runs, 1);
  flags.Switch("--produce", &o.produce);
  flags.Parse(argc, argv, &o.command);
  if (o.bootstrap.empty()) Die("--bootstrap is required");
  if (!o.produce &&
      (o.command.empty() || o.data_root.empty() || o.log_dir.empty())) {
    Die("--data-root, --log-dir and the reconciler's command are required");
  }
}

void Result(const std::string& phase, int run, const Phase& p) {
  std::cout << "RESULT phase=" << phase << " run=" << run
            << " records=" << p.records << " outputs=" << p.outputs
            << " seconds=" << Fixed(p.seconds, 3)
            << " rate=" << Fixed(p.records / p.seconds, 0)
            << " output_rate=" << Fixed(p.outputs / p.seconds, 0)
            << " steady_seconds=" << Fixed(p.steady_seconds, 3)
            << " steady_rate=" << Fixed(p.records / p.steady_seconds, 0)
            << " steady_output_rate=" << Fixed(p.outputs / p.steady_seconds, 0)
            << "\n";
}

int Main(int argc, char** argv) {
  SetProgram("reconciler_bench");
  Options o;
  ParseFlags(argc, argv, o);
  if (o.produce) {
    const double s =
        ProduceAll(o.bootstrap, "bench-reconciler", Input(o), 5000);
    std::cerr << "reconciler_bench: produced " << 2LL * o.units * o.revisions
              << " scorecards in " << Fixed(s, 1) << " s\n";
    return 0;
  }
  rd_kafka_t* rk = NewClient(o.bootstrap, RD_KAFKA_PRODUCER);
  std::vector<std::vector<int64_t>> ends(Inputs().size());
  int64_t total = 0;
  for (size_t t = 0; t < Inputs().size(); ++t) {
    total += EndOffsets(rk, Inputs()[t], &ends[t]);
  }
  rd_kafka_destroy(rk);
  if (total == 0) Die("the inputs are empty (run with --produce first)");
  std::vector<double> ratios, rates, events;
  for (int run = 1; run <= o.runs; ++run) {
    const Phase raw = Raw(o, total);
    Result("raw", run, raw);
    const Phase rec = Reconciler(o, run, total);
    Result("reconciler", run, rec);
    // Both from their process start, the group join included: the
    // reconciler's "serving" can come after it has applied everything
    // (runs of 2026-12-03: 0.02 s from "serving" to done, 5 s from the
    // start), so a clock started there measures nothing.
    ratios.push_back(raw.seconds / rec.seconds);
    rates.push_back(rec.records / rec.seconds);
    events.push_back(rec.outputs / rec.seconds);
  }
  // Medians over the runs.
  for (auto* v : {&ratios, &rates, &events}) std::sort(v->begin(), v->end());
  const size_t mid = ratios.size() / 2;
  Summary s{"reconciler",
            StrCat("input scorecards/s through fruition-reconciler, from "
                   "process start (",
                   Fixed(events[mid], 0), " events/s out)"),
            Fixed(rates[mid], 0),
            "plain consume + produce of the same bytes",
            Fixed(ratios[mid], 3),
            "— (no aim in the issue)",
            "—"};
  EmitSummary(s, o.summary_file);
  return 0;
}

}  // namespace
}  // namespace fruition::bench

int main(int argc, char** argv) { return fruition::bench::Main(argc, argv); }
