// scoring_bench: input events per second through both stages of
// fruition-scoring, against plain librdkafka consumption of the same input.
//
// The input: N subjects' reports on fruition.reports.v1 (arrests with agency
// and field office, about half with a claim id; 60 % sentenced, one in ten
// of those amended; a few declined and charged elsewhere; one in twenty
// arrests resent) and the claims' link assessments on
// fruition.link-assessments.v1, keyed by subject_pid: tools/sim/
// scoring_stream.h, the stream tests/scoring checks the indicators of. The
// same input can be written as NDJSON (--write-ndjson) and read back (--input),
// so another consumer (a Kafka Streams topology) can be fed exactly the same
// records.
//
// Modes (combinable, in this order):
//   --write-ndjson FILE   write the input, one record a line:
//                         {"topic":..,"key":..,"value_b64":..,"headers":{..}}
//   --produce             produce it to the broker (idempotent producer,
//                         services/common/kafka/producer.h), before any
//                         timing; the input topics must be empty
//   -- CMD ARGS...        then --runs measured runs (after --warmup
//                         unrecorded ones). Each run:
//     1. raw: a plain librdkafka consumer (fresh group, the service's
//        consumer settings) reads every input record from the start and
//        does nothing with it: the "raw component" baseline;
//     2. scoring: recreates fruition.scoring.contributions and
//        fruition.scores.v1 empty, starts CMD ARGS --data-dir=<fresh>
//        --group-id=<fresh> as a child and polls its /metrics until
//        fruition_stream_records_total{stage="scoring-stage1"} >= input
//        records, stage 2's records_total >= stage 1's outputs and no
//        counter has moved for --quiet-ms; the end is when the last counter
//        moved. Then it stops the child (SIGTERM).
//
// Output: a readable summary on stderr, one "RESULT k=v ..." line per run
// and phase on stdout (bench/scoring turns them into a table). A
// benchmark, not a test: nothing asserts on timing; it fails only when the
// service does not finish (--timeout) or exits, or records are missing.
#include <dirent.h>
#include <fcntl.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/child.h"
#include "bench/common/cpu.h"
#include "bench/common/flags.h"
#include "bench/common/kafka.h"
#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.pb.h"
#include "services/common/json.h"
#include "services/common/kafka/producer.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tools/sim/scoring_stream.h"

namespace fruition::bench {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Options {
  std::string bootstrap;
  int subjects = 20000;
  uint32_t seed = 20170601;
  std::string nonce = "bench";  // in unit names and ids (reproducible input)
  std::string input;            // NDJSON to read instead of generating
  std::string write_ndjson;
  bool produce = false;
  int runs = 1;
  int warmup = 0;
  pid_t broker_pid = 0;
  std::string data_root;  // fresh --data-dir per run below it
  std::string log_dir;    // the service's logs
  std::string group_prefix = "fruition-scoring-bench";
  int timeout_s = 600;
  int quiet_ms = 1000;
  int poll_ms = 20;
  std::string perf;  // perf record of the service in the last run
  // The Kafka Streams topology to compare with (bench/streams): a command
  // line, split at spaces, to which the bench appends BOOTSTRAP
  // APPLICATION_ID STATE_DIR OUTPUT_TOPIC.
  std::string streams_command;
  int settle_ms = 30000;  // an incomplete output: given up after this quiet
  std::vector<std::string> command;  // after "--"
};

const char kUsage[] =
    "usage: scoring_bench [--subjects N | --input FILE] [--seed S]\n"
    "         [--write-ndjson FILE] [--bootstrap B] [--produce]\n"
    "         [--runs R] [--warmup W] [--broker-pid P] [--data-root DIR]\n"
    "         [--log-dir DIR] [--group-prefix G] [--timeout 600]\n"
    "         [--quiet-ms 1000] [--perf FILE]\n"
    "         [--streams-command 'java ... ScoringTopology'] [--settle-ms N]\n"
    "         [-- FRUITION-SCORING ARGS...]\n";

Options ParseFlags(int argc, char** argv) {
  Options o;
  Flags flags(kUsage);
  flags.String("--bootstrap", &o.bootstrap);
  flags.Int("--subjects", &o.subjects, 1);
  flags.Uint32("--seed", &o.seed);
  flags.String("--nonce", &o.nonce);
  flags.String("--input", &o.input);
  flags.String("--write-ndjson", &o.write_ndjson);
  flags.Switch("--produce", &o.produce);
  flags.Int("--runs", &o.runs, 1);
  flags.Int("--warmup", &o.warmup, 0);
  flags.Pid("--broker-pid", &o.broker_pid);
  flags.String("--data-root", &o.data_root);
  flags.String("--log-dir", &o.log_dir);
  flags.String("--group-prefix", &o.group_prefix);
  flags.Int("--timeout", &o.timeout_s, 1);
  flags.Int("--quiet-ms", &o.quiet_ms, 1);
  flags.String("--perf", &o.perf);
  flags.Int("--poll-ms", &o.poll_ms, 1);
  flags.String("--streams-command", &o.streams_command);
  flags.Int("--settle-ms", &o.settle_ms, 1);
  flags.Parse(argc, argv, &o.command);
  if ((o.produce || !o.command.empty()) && o.bootstrap.empty()) {
    Die(std::string("--bootstrap: required to produce or run\n") + kUsage);
  }
  if (!o.command.empty() && o.data_root.empty()) {
    Die("--data-root: required to run the service");
  }
  if (o.log_dir.empty()) o.log_dir = o.data_root.empty() ? "." : o.data_root;
  return o;
}

// ---------------------------------------------------------------------------
// The input.

// tools/sim/scoring_stream.h's stream (the one tests/scoring checks the
// indicators of): key = subject_pid, each subject's records in order.
std::vector<Record> Generate(const std::string& nonce, int subjects,
                             uint32_t seed) {
  std::vector<Record> records;
  for (sim::StreamRecord& r : sim::ScoringStream(nonce, subjects, seed)) {
    records.push_back(Record{std::move(r.topic), std::move(r.key),
                             std::move(r.value), std::move(r.headers)});
  }
  return records;
}

// --- NDJSON -----------------------------------------------------------------

constexpr char kB64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64(const std::string& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(in[i]) << 16) |
                       (static_cast<uint8_t>(in[i + 1]) << 8) |
                       static_cast<uint8_t>(in[i + 2]);
    out += kB64[n >> 18];
    out += kB64[(n >> 12) & 63];
    out += kB64[(n >> 6) & 63];
    out += kB64[n & 63];
  }
  if (i < in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kB64[n >> 18];
    out += kB64[(n >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool Unbase64(const std::string& in, std::string* out) {
  int value[256];
  std::fill(std::begin(value), std::end(value), -1);
  for (int k = 0; k < 64; ++k) value[static_cast<uint8_t>(kB64[k])] = k;
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const int v = value[static_cast<uint8_t>(c)];
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

void WriteNdjson(const std::string& path, const std::vector<Record>& records) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) Die("--write-ndjson: cannot write " + path);
  for (const Record& r : records) {
    out << "{\"topic\":" << json::JsonString(r.topic)
        << ",\"key\":" << json::JsonString(r.key)
        << ",\"value_b64\":" << json::JsonString(Base64(r.value))
        << ",\"headers\":{";
    for (size_t k = 0; k < r.headers.size(); ++k) {
      out << (k ? "," : "") << json::JsonString(r.headers[k].first) << ":"
          << json::JsonString(r.headers[k].second);
    }
    out << "}}\n";
  }
  if (!out.flush()) Die("--write-ndjson: write to " + path + " failed");
}

// A reader for the flat objects WriteNdjson writes (string values, one
// nested object of strings).
class JsonLine {
 public:
  explicit JsonLine(const std::string& text) : s_(text) {}

  bool Parse(Record* r) {
    if (!Expect('{')) return false;
    bool first = true;
    while (true) {
      Space();
      if (Peek('}')) return ++i_, true;
      if (!first && !Expect(',')) return false;
      first = false;
      std::string name;
      if (!String(&name) || !Expect(':')) return false;
      if (name == "headers") {
        if (!Expect('{')) return false;
        bool first_header = true;
        while (true) {
          Space();
          if (Peek('}')) {
            ++i_;
            break;
          }
          if (!first_header && !Expect(',')) return false;
          first_header = false;
          std::string k, v;
          if (!String(&k) || !Expect(':') || !String(&v)) return false;
          r->headers.emplace_back(k, v);
        }
        continue;
      }
      std::string value;
      if (!String(&value)) return false;
      if (name == "topic") {
        r->topic = value;
      } else if (name == "key") {
        r->key = value;
      } else if (name == "value_b64") {
        if (!Unbase64(value, &r->value)) return false;
      }
    }
  }

 private:
  void Space() {
    while (i_ < s_.size() && std::isspace(static_cast<uint8_t>(s_[i_]))) ++i_;
  }
  bool Peek(char c) { return i_ < s_.size() && s_[i_] == c; }
  bool Expect(char c) {
    Space();
    if (!Peek(c)) return false;
    ++i_;
    return true;
  }
  bool String(std::string* out) {
    if (!Expect('"')) return false;
    out->clear();
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c == '\\') {
        if (i_ >= s_.size()) return false;
        c = s_[i_++];
        if (c == 'u') {
          if (i_ + 4 > s_.size()) return false;
          const int64_t code =
              std::strtol(s_.substr(i_, 4).c_str(), nullptr, 16);
          i_ += 4;
          if (code > 0x7f) return false;  // WriteNdjson writes only these
          c = static_cast<char>(code);
        } else if (c == 'n') {
          c = '\n';
        } else if (c == 't') {
          c = '\t';
        } else if (c == 'r') {
          c = '\r';
        }
      }
      out->push_back(c);
    }
    return Expect('"');
  }

  const std::string& s_;
  size_t i_ = 0;
};

std::vector<Record> ReadNdjson(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("--input: cannot read " + path);
  std::vector<Record> records;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    Record r;
    if (!JsonLine(line).Parse(&r) || r.topic.empty()) {
      Die(StrCat("--input: ", path, ":", n, ": not a record line"));
    }
    records.push_back(std::move(r));
  }
  return records;
}

// ---------------------------------------------------------------------------
// Kafka helpers (plain librdkafka).

const std::vector<std::string>& InputTopics() {
  static const auto* t = new std::vector<std::string>{
      std::string(topics::kReports), std::string(topics::kLinkAssessments)};
  return *t;
}

const std::vector<std::string>& OutputTopics() {
  static const auto* t = new std::vector<std::string>{
      std::string(topics::kScoringContributions), std::string(topics::kScores),
      std::string(topics::kScoringPublicBase),
      std::string(topics::kScoresPublic),
      // The case-to-person join's topics: without them stage 1's outputs
      // are never acknowledged (unknown topic) and no run ends.
      std::string(topics::kScoringCaseMembers),
      std::string(topics::kScoringCaseFacts)};
  return *t;
}

// Deletes and recreates every topic fruition-scoring writes (12 partitions),
// the case stage's too (it reads them back), so each run's stages read only
// that run's records. (Until this was the one place naming them, the
// Streams comparison named the case topics twice, and the broker refused
// the whole deletion: INVALID_REQUEST.)
void RecreateOutputTopics(const Options& o, int partitions) {
  RecreateTopics(o.bootstrap, OutputTopics(), partitions);
}

// Produces the input with the services' producer adapter (idempotent,
// acks=all, murmur2): not timed.
void ProduceInput(const Options& o, const std::vector<Record>& records) {
  {
    rd_kafka_t* rk = NewClient(o.bootstrap, RD_KAFKA_PRODUCER);
    const int64_t existing = TopicRecords(rk, InputTopics());
    rd_kafka_destroy(rk);
    if (existing < 0) Die("--produce: the input topics do not exist");
    if (existing > 0) {
      Die(StrCat("--produce: the input topics already hold ", existing,
                 " records (use fresh topics)"));
    }
  }
  const double took =
      ProduceAll(o.bootstrap, "fruition-scoring-bench", records, 20000);
  std::cerr << "scoring_bench: produced " << records.size() << " records in "
            << Fixed(took, 2) << " s (not timed)\n";
}

// ---------------------------------------------------------------------------
// Measures.

// CPUs the rest of the machine kept busy from `a` to `b`, on average; -1
// if unknown.
double OtherCpus(const Snapshot& a, const Snapshot& b, double service_us) {
  const double other = OtherUs(
      a, b,
      {b.self_us - a.self_us, service_us, Delta(a.broker_us, b.broker_us)});
  return other < 0 ? -1 : other / Seconds(a, b) / 1e6;
}

// ---------------------------------------------------------------------------
// Raw component: plain librdkafka consumption of the input.

struct RawResult {
  double seconds = 0;         // consumer created -> last record
  double steady_seconds = 0;  // first record -> last record
  double client_us = 0, broker_us = -1, other_cpus = -1;
  int64_t records = 0;
};

RawResult RunRaw(const Options& o, int64_t expected, const std::string& tag) {
  // The service's consumer settings (services/common/kafka/consumer.cc).
  const std::map<std::string, std::string> props = {
      {"group.id", o.group_prefix + "-raw-" + tag},
      {"client.id", "fruition-scoring-bench-raw"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "false"},
      {"auto.offset.reset", "earliest"},
      {"isolation.level", "read_committed"},
  };
  const Snapshot before = Take(0, o.broker_pid);
  rd_kafka_t* rk = NewClient(o.bootstrap, RD_KAFKA_CONSUMER, props);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* topics =
      rd_kafka_topic_partition_list_new(2);
  for (const auto& t : InputTopics()) {
    rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (rd_kafka_subscribe(rk, topics) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Die("raw: subscribe failed");
  }
  rd_kafka_topic_partition_list_destroy(topics);
  RawResult r;
  Clock::time_point first{};
  uint64_t bytes = 0;
  const auto deadline = Clock::now() + seconds(o.timeout_s);
  while (r.records < expected) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk, 100);
    if (msg == nullptr) {
      if (Clock::now() > deadline) {
        Die(StrCat("raw: only ", r.records, " of ", expected, " records in ",
                   o.timeout_s, " s"));
      }
      continue;
    }
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (r.records == 0) first = Clock::now();
      ++r.records;
      bytes += msg->len + msg->key_len;
    }
    rd_kafka_message_destroy(msg);
  }
  const Snapshot after = Take(0, o.broker_pid);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  r.seconds = std::chrono::duration<double>(after.wall - before.wall).count();
  r.steady_seconds = std::chrono::duration<double>(after.wall - first).count();
  r.client_us = after.self_us - before.self_us;
  if (before.broker_us >= 0) r.broker_us = after.broker_us - before.broker_us;
  r.other_cpus = OtherCpus(before, after, 0);
  (void)bytes;
  return r;
}

// ---------------------------------------------------------------------------
// The service.

// The metrics port from the service's "scoring listening" log line; 0 if
// not (yet) there.
int MetricsPort(const std::string& log) {
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"scoring listening\"") == std::string::npos) continue;
    const size_t at = line.find("\"metrics_port\":");
    if (at != std::string::npos) return std::atoi(line.c_str() + at + 15);
  }
  return 0;
}

// fruition_stream_{records,outputs}_total per stage.
struct Counters {
  double records1 = 0, outputs1 = 0, records2 = 0, outputs2 = 0;
  bool operator==(const Counters& c) const {
    return records1 == c.records1 && outputs1 == c.outputs1 &&
           records2 == c.records2 && outputs2 == c.outputs2;
  }
};

bool ParseMetrics(const std::string& body, Counters* c) {
  std::istringstream in(body);
  std::string line;
  int found = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const bool records = line.rfind("fruition_stream_records_total{", 0) == 0;
    const bool outputs = line.rfind("fruition_stream_outputs_total{", 0) == 0;
    if (!records && !outputs) continue;
    const size_t close = line.find('}');
    if (close == std::string::npos) continue;
    const std::string labels = line.substr(0, close);
    const double value = std::strtod(line.c_str() + close + 1, nullptr);
    const bool one =
        labels.find("stage=\"scoring-stage1\"") != std::string::npos;
    const bool two =
        labels.find("stage=\"scoring-stage2\"") != std::string::npos;
    if (!one && !two) continue;
    double* slot = records ? (one ? &c->records1 : &c->records2)
                           : (one ? &c->outputs1 : &c->outputs2);
    *slot = value;
    ++found;
  }
  return found == 4;
}

struct ScoringResult {
  double seconds = 0;          // process start -> done
  double startup_seconds = 0;  // process start -> first stage 1 record seen
  double stage1_seconds = 0;   // process start -> stage 1 consumed all input
  double service_us = 0, client_us = 0, broker_us = -1, other_cpus = -1;
  double rss_mb = -1;
  Counters counters;
  std::vector<ThreadCpu> threads;  // most CPU first
};

// The service's /metrics, once its log names the port.
class Metrics {
 public:
  explicit Metrics(std::string log) : log_(std::move(log)) {}

  // The stream counters now; false while the port is not known yet or the
  // answer is not readable.
  bool Read(Counters* counters) {
    if (http_ == nullptr) {
      const int port = MetricsPort(log_);
      if (port == 0) return false;
      http_ = std::make_unique<httplib::Client>("127.0.0.1", port);
      http_->set_connection_timeout(2);
      http_->set_read_timeout(5);
      http_->set_keep_alive(true);
    }
    auto res = http_->Get("/metrics");
    return res && res->status == 200 && ParseMetrics(res->body, counters);
  }

 private:
  std::string log_;
  std::unique_ptr<httplib::Client> http_;
};

// perf record of `child` into --perf.
std::unique_ptr<Child> StartPerf(const Options& o, const Child& child) {
  return std::make_unique<Child>(
      std::vector<std::string>{"/usr/bin/perf", "record", "-F", "999",
                               "--call-graph", "dwarf,16384", "-o", o.perf,
                               "-p", std::to_string(child.pid())},
      o.log_dir + "/perf.log");
}

ScoringResult RunScoring(const Options& o, int64_t input,
                         const std::string& tag, bool perf) {
  const std::string data_dir = o.data_root + "/scoring-" + tag;
  std::filesystem::remove_all(data_dir);
  const std::string log = o.log_dir + "/scoring-" + tag + ".log";
  std::filesystem::remove(log);
  std::vector<std::string> argv = o.command;
  argv.push_back("--data-dir=" + data_dir);
  argv.push_back("--group-id=" + o.group_prefix + "-" + tag);

  const Snapshot zero = Take(0, o.broker_pid);
  Child child(argv, log);
  std::unique_ptr<Child> perf_child;
  if (perf) perf_child = StartPerf(o, child);
  const auto start = zero.wall;
  const auto deadline = start + seconds(o.timeout_s);
  Metrics metrics(log);
  Counters last;
  Clock::time_point last_change = start;
  Clock::time_point first_record{}, stage1_done{};
  Snapshot at_change = zero;
  double rss_at_change = -1;
  std::vector<ThreadCpu> threads_at_change;
  std::string why;
  while (true) {
    if (!child.Running(&why)) {
      Die(StrCat("fruition-scoring ", why, "; log: ", log));
    }
    if (Clock::now() > deadline) {
      Die(StrCat("not done after ", o.timeout_s, " s: stage 1 ", last.records1,
                 "/", input, " records, ", last.outputs1, " outputs; stage 2 ",
                 last.records2, " records; log: ", log));
    }
    std::this_thread::sleep_for(milliseconds(o.poll_ms));
    Counters now;
    if (!metrics.Read(&now)) continue;
    const auto t = Clock::now();
    if (!(now == last)) {
      // Snapshot at every change: the end is the last change.
      at_change = Take(child.pid(), o.broker_pid);
      at_change.wall = t;
      rss_at_change = PeakRssMb(child.pid());
      threads_at_change = ThreadsCpu(child.pid());
      last_change = t;
      if (now.records1 > 0 && last.records1 == 0) first_record = t;
      if (now.records1 >= input && last.records1 < input) stage1_done = t;
      last = now;
    }
    // Stage 1's outputs include case-members records, which stage 2 never
    // reads, and contribution batches carry many contributions: stage 2's
    // records cannot be compared with them. Done is the quiet period once
    // both stages have started.
    const bool done =
        now.records1 >= input && now.outputs1 > 0 && now.records2 > 0;
    if (done && t - last_change >= milliseconds(o.quiet_ms)) break;
  }
  ScoringResult r;
  r.counters = last;
  r.seconds = std::chrono::duration<double>(last_change - start).count();
  r.startup_seconds =
      std::chrono::duration<double>(first_record - start).count();
  r.stage1_seconds = std::chrono::duration<double>(stage1_done - start).count();
  r.service_us = at_change.service_us;  // since the process started
  r.client_us = at_change.self_us - zero.self_us;
  if (zero.broker_us >= 0) r.broker_us = at_change.broker_us - zero.broker_us;
  r.other_cpus = OtherCpus(zero, at_change, r.service_us);
  r.rss_mb = rss_at_change;
  r.threads = threads_at_change;
  if (perf_child != nullptr) perf_child->Stop(SIGINT);
  child.Stop();
  if (last.records1 > input) {
    std::cerr << "scoring_bench: stage 1 applied " << last.records1
              << " records, more than the " << input << " of the input\n";
  }
  return r;
}

// ---------------------------------------------------------------------------

void Report(int run, const RawResult& raw, const ScoringResult& s,
            int64_t input) {
  const double n = static_cast<double>(input);
  const double raw_rate = n / raw.seconds;
  const double raw_steady = n / raw.steady_seconds;
  const double rate = n / s.seconds;
  const double steady = n / (s.seconds - s.startup_seconds);
  const double contributions = s.counters.outputs1;
  std::cerr << "scoring_bench: raw consumer: " << input << " records in "
            << Fixed(raw.seconds, 3) << " s = " << Fixed(raw_rate, 0)
            << "/s (first -> last record, fetched ahead during the group join: "
            << Fixed(raw_steady, 0) << "/s); client CPU "
            << Fixed(raw.client_us / n, 2) << " µs/record, broker "
            << Fixed(raw.broker_us / n, 2) << " µs/record; other load "
            << Fixed(raw.other_cpus, 2) << " CPUs\n";
  std::cerr << "scoring_bench: scoring: " << input << " input records in "
            << Fixed(s.seconds, 3)
            << " s from process start = " << Fixed(rate, 0) << "/s ("
            << Fixed(rate / raw_rate, 3) << "x raw); first stage-1 record at "
            << Fixed(s.startup_seconds, 2) << " s, stage 1 done at "
            << Fixed(s.stage1_seconds, 2) << " s; from the first record "
            << Fixed(steady, 0) << "/s; " << contributions << " contributions ("
            << Fixed(contributions / s.seconds, 0) << "/s), "
            << s.counters.outputs2 << " scorecards; service CPU "
            << Fixed(s.service_us / n, 1) << " µs/input record ("
            << Fixed(s.service_us / s.seconds / 1e6, 2) << " CPUs), broker "
            << Fixed(s.broker_us / n, 1) << " µs/input record; peak RSS "
            << Fixed(s.rss_mb, 1) << " MiB; other load "
            << Fixed(s.other_cpus, 2) << " CPUs\n";
  std::cerr << "scoring_bench: busiest service threads (CPU s, and "
               "run-queue wait):";
  std::string threads;
  for (size_t k = 0; k < s.threads.size() && k < 6; ++k) {
    const ThreadCpu& t = s.threads[k];
    const std::string name = StrCat(t.name, "/", t.tid);
    std::cerr << " " << name << "=" << Fixed(t.us / 1e6, 2);
    const double wait = t.runqueue_us;
    std::cerr << " (waited " << Fixed(wait / 1e6, 2) << " s for a CPU)";
    threads += StrCat(k ? "," : "", name, ":", Fixed(t.us / 1e6, 2), "+wait",
                      Fixed(wait / 1e6, 2));
  }
  std::cerr << "\n";
  std::cout << "RESULT phase=raw run=" << run << " records=" << input
            << " seconds=" << Fixed(raw.seconds, 4)
            << " rate=" << Fixed(raw_rate, 1)
            << " steady_rate=" << Fixed(raw_steady, 1)
            << " client_us=" << Fixed(raw.client_us / n, 2)
            << " broker_us=" << Fixed(raw.broker_us / n, 2)
            << " other_cpus=" << Fixed(raw.other_cpus, 2) << std::endl;
  std::cout << "RESULT phase=scoring run=" << run << " records=" << input
            << " seconds=" << Fixed(s.seconds, 4) << " rate=" << Fixed(rate, 1)
            << " steady_rate=" << Fixed(steady, 1)
            << " x_raw=" << Fixed(rate / raw_rate, 4)
            << " startup_s=" << Fixed(s.startup_seconds, 3)
            << " stage1_s=" << Fixed(s.stage1_seconds, 3)
            << " contributions=" << Fixed(contributions, 0)
            << " contributions_rate=" << Fixed(contributions / s.seconds, 1)
            << " scorecards=" << Fixed(s.counters.outputs2, 0)
            << " service_us=" << Fixed(s.service_us / n, 2)
            << " service_cpus=" << Fixed(s.service_us / s.seconds / 1e6, 2)
            << " rss_mb=" << Fixed(s.rss_mb, 1)
            << " client_us=" << Fixed(s.client_us / n, 2)
            << " broker_us=" << Fixed(s.broker_us / n, 2)
            << " other_cpus=" << Fixed(s.other_cpus, 2)
            << " threads=" << threads << std::endl;
}

// ---------------------------------------------------------------------------
// Against a Kafka Streams topology (--streams-command, bench/scoring-vs-
// streams): both read the same input topics; each run's output is read back
// from its topic, and a run ends when every unit-period's indicators in
// scope hold their final values.

// The indicators the topology (bench/streams) computes: the people
// indicators of a subject's own records. The rest (seizures and what needs
// the case stage's join, desert means and tables, organization outcomes,
// public views) is out of both sides of the comparison.
const std::set<std::string>& StreamsScope() {
  static const auto* scope = new std::set<std::string>{
      "arrests",
      "pto_linked_arrests_claimed",
      "pto_linked_arrests_substantiated",
      "link_substantiation_rate",
      "sentenced",
      "high_desert_share",
      "lnf_share",
      "lnf_sentenced",
      "declined_then_charged_elsewhere",
      "charged",
      "mandatory_minimum_charged_share",
      "declined",
      "declination_rate",
      "referred_to_state_share",
      "dispositions",
      "plea_rate",
      "conviction_rate",
  };
  return *scope;
}

using Cell = std::pair<double, int64_t>;     // value, n
using Cells = std::map<std::string, Cell>;   // indicator -> cell
using Cards = std::map<std::string, Cells>;  // unit \0 period -> cells

// A scorecard's cells in scope, keyed unit \0 period. With `strict`, an
// indicator out of scope is an error (the topology must compute exactly
// the scope); the service's cards carry every indicator.
bool ProjectCard(const char* data, size_t size, bool strict, std::string* key,
                 Cells* cells) {
  v1::Scorecard card;
  if (!card.ParseFromArray(data, static_cast<int>(size))) return false;
  *key = card.unit() + '\0' + card.period();
  cells->clear();
  for (const v1::Indicator& i : card.indicators()) {
    if (StreamsScope().count(i.name()) == 0) {
      if (strict) Die("the topology computes " + i.name() + ", not in scope");
      continue;
    }
    (*cells)[i.name()] = {i.value(), i.n()};
  }
  return true;
}

// A cell, or 0 with n 0 where a card or indicator is absent.
Cell CellOf(const Cells* cells, const std::string& name) {
  if (cells == nullptr) return {0, 0};
  auto it = cells->find(name);
  return it == cells->end() ? Cell{0, 0} : it->second;
}

bool SameCell(const Cell& a, const Cell& b) {
  return a.second == b.second && std::fabs(a.first - b.first) <=
                                     1e-9 * std::max(1.0, std::fabs(a.first));
}

bool SameCells(const Cells* a, const Cells* b) {
  for (const std::string& name : StreamsScope()) {
    if (!SameCell(CellOf(a, name), CellOf(b, name))) return false;
  }
  return true;
}

const Cells* Find(const Cards& cards, const std::string& key) {
  auto it = cards.find(key);
  return it == cards.end() ? nullptr : &it->second;
}

// Every (unit, period, indicator) whose value or n differ; the first
// `limit` described in `shown`.
int64_t Differences(const Cards& fruition, const Cards& topology, size_t limit,
                    std::vector<std::string>* shown) {
  std::set<std::string> keys;
  for (const auto& [k, c] : fruition) keys.insert(k);
  for (const auto& [k, c] : topology) keys.insert(k);
  int64_t differ = 0;
  for (const std::string& key : keys) {
    const Cells* a = Find(fruition, key);
    const Cells* b = Find(topology, key);
    for (const std::string& name : StreamsScope()) {
      const Cell x = CellOf(a, name), y = CellOf(b, name);
      if (SameCell(x, y)) continue;
      if (++differ > static_cast<int64_t>(limit)) continue;
      std::string unit_period = key;
      std::replace(unit_period.begin(), unit_period.end(), '\0', ' ');
      shown->push_back(StrCat(unit_period, " ", name, ": fruition-scoring ",
                              x.first, " (n ", x.second, "), topology ",
                              y.first, " (n ", y.second, ")"));
    }
  }
  return differ;
}

// Reads a topic of scorecards from the start (no group: assigned
// partitions), keeping each unit-period's latest; optionally tracks which
// unit-periods do not hold their expected cells yet.
class CardWatcher {
 public:
  CardWatcher(const Options& o, std::string topic, bool strict)
      : topic_(std::move(topic)), strict_(strict) {
    rk_ =
        NewClient(o.bootstrap, RD_KAFKA_CONSUMER,
                  {{"group.id", "fruition-scoring-bench-watch-" + RandomHex(6)},
                   {"enable.auto.commit", "false"},
                   {"enable.partition.eof", "false"}});
    rd_kafka_poll_set_consumer(rk_);
    if (TopicRecords(rk_, {topic_}, &partitions_) < 0) {
      Die("no topic " + topic_);
    }
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(partitions_);
    for (int p = 0; p < partitions_; ++p) {
      rd_kafka_topic_partition_list_add(list, topic_.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
    if (rd_kafka_assign(rk_, list) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Die("assign " + topic_ + " failed");
    }
    rd_kafka_topic_partition_list_destroy(list);
  }
  ~CardWatcher() {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
  CardWatcher(const CardWatcher&) = delete;
  CardWatcher& operator=(const CardWatcher&) = delete;

  // From now on, tracks the unit-periods that differ from `expected`.
  void Expect(const Cards* expected) {
    expected_ = expected;
    pending_.clear();
    for (const auto& [key, cells] : *expected) Track(key);
    for (const auto& [key, cells] : cards_) Track(key);
  }

  // Reads what arrives within `ms`; the records read.
  int Poll(int ms) {
    int n = 0;
    for (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, ms); m != nullptr;
         m = rd_kafka_consumer_poll(rk_, 0)) {
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::string key;
        Cells cells;
        if (!ProjectCard(static_cast<const char*>(m->payload), m->len, strict_,
                         &key, &cells)) {
          Die("an unreadable scorecard on " + topic_);
        }
        cards_[key] = std::move(cells);
        if (expected_ != nullptr) Track(key);
        last_ = Clock::now();
        ++n;
        ++records_;
      }
      rd_kafka_message_destroy(m);
      if (n >= 10000) break;
    }
    return n;
  }

  // Whether every partition was read to its end offset.
  bool AtEnd() {
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(partitions_);
    for (int p = 0; p < partitions_; ++p) {
      rd_kafka_topic_partition_list_add(list, topic_.c_str(), p);
    }
    rd_kafka_position(rk_, list);
    bool at_end = true;
    for (int p = 0; p < partitions_ && at_end; ++p) {
      int64_t low = 0, high = 0;
      if (rd_kafka_query_watermark_offsets(rk_, topic_.c_str(), p, &low, &high,
                                           10000) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        Die("watermarks of " + topic_);
      }
      const int64_t at = list->elems[p].offset;
      at_end = high == low || (at >= 0 && at >= high);
    }
    rd_kafka_topic_partition_list_destroy(list);
    return at_end;
  }

  bool Complete() const { return expected_ != nullptr && pending_.empty(); }
  const Cards& cards() const { return cards_; }
  Clock::time_point last_record() const { return last_; }
  int64_t records() const { return records_; }

 private:
  void Track(const std::string& key) {
    if (SameCells(Find(cards_, key), Find(*expected_, key))) {
      pending_.erase(key);
    } else {
      pending_.insert(key);
    }
  }

  rd_kafka_t* rk_ = nullptr;
  std::string topic_;
  bool strict_;
  int partitions_ = 0;
  Cards cards_;
  const Cards* expected_ = nullptr;
  std::set<std::string> pending_;
  Clock::time_point last_{};
  int64_t records_ = 0;
};

// The latest scorecard of each unit-period on `topic`, read to its end.
Cards ReadCards(const Options& o, const std::string& topic) {
  CardWatcher watcher(o, topic, /*strict=*/false);
  const auto deadline = Clock::now() + seconds(o.timeout_s);
  while (!watcher.AtEnd()) {
    if (Clock::now() > deadline) Die("could not read " + topic + " to its end");
    watcher.Poll(200);
  }
  return watcher.cards();
}

struct Watched {
  double seconds = 0;   // process start -> the record that completed it
  double rss_mb = -1;   // peak (VmHWM) when complete
  double cpu_s = 0;     // the process's CPU when complete
  int64_t outputs = 0;  // records on the output topic
  bool complete = false;
  Cards cards;
};

// Starts `argv` and reads `topic` until every unit-period holds its cells
// in `expected` and nothing changed for --quiet-ms (not counted), or,
// incomplete, until nothing arrived for --settle-ms.
Watched RunWatched(const Options& o, const std::vector<std::string>& argv,
                   const std::string& log, const std::string& topic,
                   bool strict, const Cards& expected) {
  CardWatcher watcher(o, topic, strict);
  watcher.Expect(&expected);
  const auto start = Clock::now();
  Child child(argv, log);
  const auto deadline = start + seconds(o.timeout_s);
  Watched r;
  Clock::time_point done{};
  std::string why;
  while (true) {
    if (!child.Running(&why)) Die(StrCat(argv[0], " ", why, "; log: ", log));
    if (Clock::now() > deadline) {
      Die(StrCat(argv[0], ": not complete after ", o.timeout_s,
                 " s; log: ", log));
    }
    watcher.Poll(o.poll_ms);
    const auto now = Clock::now();
    if (watcher.Complete()) {
      if (done == Clock::time_point{}) {
        // The first moment every unit-period holds its final cells.
        done = watcher.last_record();
        r.rss_mb = PeakRssMb(child.pid());
        r.cpu_s = ProcessCpuUs(child.pid()) / 1e6;
      }
      if (now - watcher.last_record() >= milliseconds(o.quiet_ms)) break;
      continue;
    }
    done = Clock::time_point{};
    if (watcher.records() > 0 &&
        now - watcher.last_record() >= milliseconds(o.settle_ms)) {
      break;
    }
  }
  r.complete = watcher.Complete();
  r.seconds = std::chrono::duration<double>(done - start).count();
  r.outputs = watcher.records();
  r.cards = watcher.cards();
  child.Stop();
  return r;
}

std::vector<std::string> StreamsArgv(const Options& o, const std::string& tag,
                                     const std::string& topic) {
  std::vector<std::string> argv = Split(o.streams_command, ' ');
  argv.erase(std::remove(argv.begin(), argv.end(), ""), argv.end());
  const std::string state = o.data_root + "/streams-" + tag;
  std::filesystem::remove_all(state);
  argv.insert(argv.end(),
              {o.bootstrap, o.group_prefix + "-streams-" + tag, state, topic});
  return argv;
}

std::vector<std::string> ScoringArgv(const Options& o, const std::string& tag) {
  const std::string data_dir = o.data_root + "/scoring-" + tag;
  std::filesystem::remove_all(data_dir);
  std::vector<std::string> argv = o.command;
  argv.push_back("--data-dir=" + data_dir);
  argv.push_back("--group-id=" + o.group_prefix + "-" + tag);
  return argv;
}

// The machine's 1-minute load average (the bench runs on shared machines).
std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one.empty() ? "?" : one;
}

void ReportWatched(const char* phase, int run, int64_t input,
                   const Watched& w) {
  const double rate = static_cast<double>(input) / w.seconds;
  std::cerr << "scoring_bench: " << phase << ": " << input
            << " input records in " << Fixed(w.seconds, 3)
            << " s from process start to a complete output = " << Fixed(rate, 0)
            << "/s; " << w.outputs << " output records; peak RSS "
            << Fixed(w.rss_mb, 1) << " MiB; CPU " << Fixed(w.cpu_s, 2)
            << " s\n";
  std::cout << "RESULT phase=" << phase << " run=" << run
            << " records=" << input << " seconds=" << Fixed(w.seconds, 4)
            << " rate=" << Fixed(rate, 1) << " rss_mb=" << Fixed(w.rss_mb, 1)
            << " cpu_s=" << Fixed(w.cpu_s, 3) << " outputs=" << w.outputs
            << " load=" << LoadAverage() << std::endl;
}

// One unmeasured run of each side, their outputs compared (any difference:
// exit 1 before any time is reported), then --runs measured pairs.
int RunAgainstStreams(const Options& o, int64_t input, int partitions) {
  const std::string nonce = RandomHex(8);
  const auto topic = [&](const std::string& tag) {
    return "fruition-bench.streams-scores." + tag;
  };
  std::cerr << "scoring_bench: warm-up of fruition-scoring (not recorded)\n";
  RecreateOutputTopics(o, partitions);
  {
    // Done when stage 2 has read everything and nothing moved for 5 s:
    // the case stage's facts may come back to stage 1 late.
    Options warmup = o;
    warmup.quiet_ms = std::max(o.quiet_ms, 5000);
    RunScoring(warmup, input, nonce + "-warmup", false);
  }
  const Cards fruition = ReadCards(o, std::string(topics::kScores));
  if (fruition.empty()) Die("fruition-scoring wrote no scorecards");
  std::cerr << "scoring_bench: warm-up of the topology (not recorded)\n";
  const std::string tag0 = nonce + "-warmup";
  RecreateTopics(o.bootstrap, {topic(tag0)}, partitions);
  const Watched first =
      RunWatched(o, StreamsArgv(o, tag0, topic(tag0)),
                 o.log_dir + "/streams-" + tag0 + ".log", topic(tag0),
                 /*strict=*/true, fruition);
  std::vector<std::string> shown;
  const int64_t differ = Differences(fruition, first.cards, 10, &shown);
  if (differ > 0 || !first.complete) {
    std::cerr << "scoring_bench: the topology's indicators differ from "
                 "fruition-scoring's in "
              << differ << " cells (no timings reported):\n";
    for (const std::string& d : shown) std::cerr << "  " << d << "\n";
    return 1;
  }
  std::cerr << "scoring_bench: equal: " << fruition.size() << " unit-periods x "
            << StreamsScope().size() << " indicators (value and n)\n";
  for (int run = 1; run <= o.runs; ++run) {
    const std::string tag = StrCat(nonce, "-run", run);
    std::cerr << "scoring_bench: run " << run << "\n";
    RecreateOutputTopics(o, partitions);
    const Watched s = RunWatched(o, ScoringArgv(o, tag),
                                 o.log_dir + "/scoring-" + tag + ".log",
                                 std::string(topics::kScores), false, fruition);
    if (!s.complete) {
      Die("fruition-scoring's output differs from the warm-up's");
    }
    ReportWatched("vs-scoring", run, input, s);
    RecreateTopics(o.bootstrap, {topic(tag)}, partitions);
    const Watched t = RunWatched(o, StreamsArgv(o, tag, topic(tag)),
                                 o.log_dir + "/streams-" + tag + ".log",
                                 topic(tag), true, fruition);
    if (!t.complete) Die("the topology's output differs from the warm-up's");
    ReportWatched("vs-streams", run, input, t);
  }
  return 0;
}

int Main(int argc, char** argv) {
  SetProgram("scoring_bench");
  const Options o = ParseFlags(argc, argv);
  const std::vector<Record> records =
      o.input.empty() ? Generate(o.nonce, o.subjects, o.seed)
                      : ReadNdjson(o.input);
  int64_t reports = 0, bytes = 0;
  for (const Record& r : records) {
    reports += r.topic == topics::kReports;
    bytes += static_cast<int64_t>(r.value.size());
  }
  std::cerr << "scoring_bench: input " << records.size() << " records ("
            << reports << " reports, " << records.size() - reports
            << " link assessments; average "
            << bytes / std::max<int64_t>(1, records.size()) << " bytes)"
            << (o.input.empty() ? StrCat(" for ", o.subjects, " subjects")
                                : " from " + o.input)
            << "\n";
  if (!o.write_ndjson.empty()) {
    WriteNdjson(o.write_ndjson, records);
    std::cerr << "scoring_bench: wrote " << o.write_ndjson << "\n";
  }
  if (o.produce) ProduceInput(o, records);
  if (o.command.empty()) return 0;

  const int64_t input = static_cast<int64_t>(records.size());
  int partitions = 0;
  {
    rd_kafka_t* rk = NewClient(o.bootstrap, RD_KAFKA_PRODUCER);
    const int64_t on_topics = TopicRecords(rk, InputTopics(), &partitions);
    rd_kafka_destroy(rk);
    if (on_topics != input) {
      Die(StrCat("the input topics hold ", on_topics, " records, not the ",
                 input, " of the input (--produce into empty topics)"));
    }
    partitions /= 2;
  }
  std::filesystem::create_directories(o.data_root);
  std::filesystem::create_directories(o.log_dir);
  if (!o.streams_command.empty()) {
    return RunAgainstStreams(o, input, partitions);
  }
  const std::string nonce = RandomHex(8);
  for (int run = 1 - o.warmup; run <= o.runs; ++run) {
    const bool warmup = run <= 0;
    const std::string tag =
        warmup ? StrCat(nonce, "-warmup", 1 - run) : StrCat(nonce, "-run", run);
    std::cerr << "scoring_bench: " << (warmup ? "warm-up" : "run") << " "
              << (warmup ? 1 - run : run) << "\n";
    const RawResult raw = RunRaw(o, input, tag);
    RecreateOutputTopics(o, partitions);
    const ScoringResult s =
        RunScoring(o, input, tag, !o.perf.empty() && run == o.runs);
    if (warmup) {
      std::cerr << "scoring_bench: warm-up: " << input << " records in "
                << Fixed(s.seconds, 2) << " s (not recorded)\n";
      continue;
    }
    Report(run, raw, s, input);
  }
  return 0;
}

}  // namespace
}  // namespace fruition::bench

int main(int argc, char** argv) { return fruition::bench::Main(argc, argv); }
