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
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
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
  std::vector<std::string> command;  // after "--"
};

const char kUsage[] =
    "usage: scoring_bench [--subjects N | --input FILE] [--seed S]\n"
    "         [--write-ndjson FILE] [--bootstrap B] [--produce]\n"
    "         [--runs R] [--warmup W] [--broker-pid P] [--data-root DIR]\n"
    "         [--log-dir DIR] [--group-prefix G] [--timeout 600]\n"
    "         [--quiet-ms 1000] [--perf FILE]\n"
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

// Records in `topics` (sum of high - low watermarks); -1 if a topic is
// missing.
int64_t TopicRecords(rd_kafka_t* rk, const std::vector<std::string>& names,
                     int* partitions_out = nullptr) {
  int64_t total = 0;
  int partitions = 0;
  for (const std::string& name : names) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, name.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
    rd_kafka_topic_destroy(rkt);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1 ||
        md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (md != nullptr) rd_kafka_metadata_destroy(md);
      return -1;
    }
    const int count = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    partitions += count;
    for (int p = 0; p < count; ++p) {
      int64_t low = 0, high = 0;
      if (rd_kafka_query_watermark_offsets(rk, name.c_str(), p, &low, &high,
                                           10000) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        return -1;
      }
      total += high - low;
    }
  }
  if (partitions_out != nullptr) *partitions_out = partitions;
  return total;
}

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

// Deletes and recreates the output topics (12 partitions), so each run's
// stage 2 reads only that run's contributions. Waits until all are empty
// with a leader for every partition.
void RecreateOutputTopics(const Options& o, int partitions) {
  rd_kafka_t* rk = NewClient(o.bootstrap, RD_KAFKA_PRODUCER);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  const auto deadline = Clock::now() + seconds(120);
  DeleteTopics(o.bootstrap, OutputTopics());
  // Create, retrying while the deletion is still in progress.
  std::vector<std::string> missing = OutputTopics();
  while (!missing.empty()) {
    if (Clock::now() > deadline) Die("output topics not recreated in 120 s");
    std::vector<rd_kafka_NewTopic_t*> create;
    char err[512];
    for (const auto& t : missing) {
      rd_kafka_NewTopic_t* nt =
          rd_kafka_NewTopic_new(t.c_str(), partitions, 1, err, sizeof(err));
      if (nt == nullptr) Die(StrCat("NewTopic ", t, ": ", err));
      create.push_back(nt);
    }
    rd_kafka_CreateTopics(rk, create.data(), create.size(), nullptr, queue);
    rd_kafka_event_t* event = AdminWait(queue, "CreateTopics");
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(
            rd_kafka_event_CreateTopics_result(event), &count);
    std::vector<std::string> again;
    for (size_t k = 0; k < count; ++k) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[k]);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS ||
          e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        again.push_back(rd_kafka_topic_result_name(results[k]));
        continue;
      }
      Die(StrCat("creating ", rd_kafka_topic_result_name(results[k]), ": ",
                 rd_kafka_err2str(e), " ",
                 rd_kafka_topic_result_error_string(results[k])));
    }
    rd_kafka_event_destroy(event);
    rd_kafka_NewTopic_destroy_array(create.data(), create.size());
    missing = again;
    if (!missing.empty()) std::this_thread::sleep_for(milliseconds(200));
  }
  // Every partition has a leader, and both topics are empty.
  while (true) {
    int parts = 0;
    const int64_t n = TopicRecords(rk, OutputTopics(), &parts);
    // Every output topic's partitions (there were two; 7b91afe added the
    // public-view topics but left this at two, so every run timed out).
    const int want = static_cast<int>(OutputTopics().size()) * partitions;
    if (n == 0 && parts == want) break;
    if (Clock::now() > deadline) Die("output topics not ready in 120 s");
    std::this_thread::sleep_for(milliseconds(200));
  }
  rd_kafka_queue_destroy(queue);
  rd_kafka_destroy(rk);
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
