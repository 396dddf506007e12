// intake_bench: the same N reports through four paths to one Kafka broker,
//   plain   librdkafka, configured as intake's producer (idempotent,
//           acks=all, linger.ms=5, lz4, murmur2_random), producing exactly
//           the records intake would (pseudonymized bytes, key, headers),
//           repeated with fresh ids until it has run --plain-seconds and
//           --plain-records (a phase of a fraction of a second swings with
//           the broker's mood);
//   stream  IntakeService.Stream, one stream per agency, one report per
//           message, concurrently;
//   streamb IntakeService.Stream, as stream with --stream-batch reports per
//           message;
//   submit  IntakeService.Submit, batches of --batch, --callers in flight;
// and prints, per phase, reports/s, CPU per report (this process's by
// getrusage, the intake server's and the broker's by /proc/<pid>/stat) and
// the in-flight depth: records in librdkafka's queue for plain, reports
// sent and not yet answered for intake. The phases run interleaved --runs
// times, each with its own ids; a summary gives each phase's median with
// min-max and its median ratio to the plain phase of the same run.
//
// Run through bench/intake, which starts the broker and the intake service
// and passes their addresses and pids. A benchmark, not a test: it fails only
// when a report is not accepted (any non-OK answer, or a failed delivery).
//
// Output: a readable summary on stderr, one "RESULT k=v ..." line per phase
// on stdout (bench/intake turns them into a table).
#include <grpcpp/grpcpp.h>
#include <librdkafka/rdkafka.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/cpu.h"
#include "bench/common/flags.h"
#include "fruition/v1/intake.grpc.pb.h"
#include "fruition/v1/reports.pb.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/intake/route.h"
#include "tools/sim/sim.h"

namespace fruition::bench {
namespace {

struct Options {
  std::string target;     // intake gRPC host:port
  std::string bootstrap;  // Kafka bootstrap servers
  std::string pseudonym_key_file;
  std::map<std::string, std::string> tokens;  // agency code -> bearer token
  int reports = 100000;
  // The reports the generated world must hold (at least 100000 and
  // --reports): every run against one intake must pass the same, so that
  // they agree on each org's first designator.
  int world = 0;
  int batch = 500;
  int callers = 4;
  int stream_batch = 100;
  int runs = 1;
  int plain_seconds = 5;
  int plain_records = 1000000;
  pid_t intake_pid = 0;
  pid_t broker_pid = 0;
  std::string phases = "plain,stream,streamb,submit";
  std::string nonce;  // report_id prefix; random by default
  uint64_t seed = 20170601;
};

const char kUsage[] =
    "usage: intake_bench --target HOST:PORT --bootstrap B "
    "--pseudonym-key-file F\n"
    "         --tokens DEA=t1,FBI=t2,HSI=t3 [--reports N] [--world N]\n"
    "         [--batch 500]\n"
    "         [--callers 4] [--stream-batch 100] [--runs 1]\n"
    "         [--plain-seconds 5] [--plain-records 1000000]\n"
    "         [--intake-pid P] [--broker-pid P]\n"
    "         [--phases plain,stream,streamb,submit] [--nonce S] [--seed S]\n";

Options ParseFlags(int argc, char** argv) {
  Options o;
  Flags flags(kUsage);
  flags.String("--target", &o.target);
  flags.String("--bootstrap", &o.bootstrap);
  flags.String("--pseudonym-key-file", &o.pseudonym_key_file);
  flags.Custom("--tokens", [&o](const std::string& value) {
    for (const std::string& kv : Split(value, ',')) {
      const size_t at = kv.find('=');
      if (at == std::string::npos || at == 0) {
        Die("--tokens: '" + kv + "' is not CODE=TOKEN");
      }
      o.tokens[kv.substr(0, at)] = kv.substr(at + 1);
    }
  });
  flags.Int("--reports", &o.reports, 1);
  flags.Int("--world", &o.world, 0);
  flags.Int("--batch", &o.batch, 1);
  flags.Int("--callers", &o.callers, 1);
  flags.Int("--stream-batch", &o.stream_batch, 1);
  flags.Int("--runs", &o.runs, 1);
  flags.Int("--plain-seconds", &o.plain_seconds, 0);
  flags.Int("--plain-records", &o.plain_records, 0);
  flags.Pid("--intake-pid", &o.intake_pid);
  flags.Pid("--broker-pid", &o.broker_pid);
  flags.String("--phases", &o.phases);
  flags.String("--nonce", &o.nonce);
  flags.Uint64("--seed", &o.seed);
  flags.Parse(argc, argv);
  for (const std::string& phase : Split(o.phases, ',')) {
    if (phase != "plain" && phase != "stream" && phase != "streamb" &&
        phase != "submit") {
      Die("--phases: unknown phase '" + phase + "'");
    }
  }
  const bool needs_intake = o.phases.find("stream") != std::string::npos ||
                            o.phases.find("submit") != std::string::npos;
  if (o.bootstrap.empty()) Die(std::string("--bootstrap: required\n") + kUsage);
  if (o.pseudonym_key_file.empty()) Die("--pseudonym-key-file: required");
  if (o.tokens.empty()) Die("--tokens: required (the reporters to use)");
  if (needs_intake && o.target.empty()) Die("--target: required");
  if (o.nonce.empty()) o.nonce = RandomHex(10);
  return o;
}

// The clocks now, with intake as the service.
Snapshot Sample(const Options& o) { return Take(o.intake_pid, o.broker_pid); }

struct PhaseResult {
  std::string phase;
  int reports = 0;
  double seconds = 0;
  double client_us = 0;   // this process
  double intake_us = -1;  // intake server (-1: not measured / not involved)
  double broker_us = -1;
  double other_us = -1;  // everything else running on the machine
  int failures = 0;
  // In-flight depth, sampled: librdkafka's queue (plain) or reports sent
  // and not yet answered (intake phases).
  double depth_mean = 0;
  int64_t depth_max = 0;
  double rate() const { return reports / seconds; }
};

// Samples an in-flight depth: mean and maximum.
class DepthSampler {
 public:
  void Add(int64_t depth) {
    std::lock_guard<std::mutex> lock(mu_);
    sum_ += static_cast<double>(depth);
    ++n_;
    max_ = std::max(max_, depth);
  }
  void Into(PhaseResult* r) const {
    r->depth_mean = n_ > 0 ? sum_ / n_ : 0;
    r->depth_max = max_;
  }

 private:
  mutable std::mutex mu_;
  double sum_ = 0;
  int64_t n_ = 0;
  int64_t max_ = 0;
};

// Samples `depth()` every 10 ms on its own thread until destroyed.
class DepthProbe {
 public:
  explicit DepthProbe(std::function<int64_t()> depth)
      : thread_([this, depth = std::move(depth)] {
          while (!stop_.load()) {
            sampler_.Add(depth());
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
        }) {}
  ~DepthProbe() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  const DepthSampler& sampler() const { return sampler_; }

 private:
  std::atomic<bool> stop_{false};
  DepthSampler sampler_;
  std::thread thread_;
};

PhaseResult Measure(const std::string& phase, int reports, const Snapshot& a,
                    const Snapshot& b, bool intake_involved) {
  PhaseResult r;
  r.phase = phase;
  r.reports = reports;
  r.seconds = Seconds(a, b);
  r.client_us = b.self_us - a.self_us;
  if (intake_involved) r.intake_us = Delta(a.service_us, b.service_us);
  r.broker_us = Delta(a.broker_us, b.broker_us);
  r.other_us = OtherUs(a, b, {r.client_us, r.intake_us, r.broker_us});
  return r;
}

// ---------------------------------------------------------------------------
// The reports.

// The first `n` reports of fruition-sim's stream (tools/sim/sim.h) whose
// reporter has a token (agencies), in the stream's order, without the
// designations of an org by another agency than its first designator; more
// subjects until there are enough.
std::vector<v1::AgencyReport> BaseReports(const Options& o) {
  sim::SimOptions options;
  options.seed = o.seed;
  // One world for every run against an intake, whatever its N: the subjects
  // grow until the world holds `want` reports, of which the first N are
  // taken, so the warm-up's and the measured runs' reports are prefixes of
  // one stream and agree on each org's first designator. (Sizing the world
  // by N alone gave the 20,000-report warm-up a smaller world whose orgs
  // had other first designators: the 100,000-report run's first Submit was
  // refused.)
  const int want = std::max({o.reports, o.world, 100000});
  options.subjects = want / 4 + 100;
  while (true) {
    auto reports = sim::Generate(options);
    if (!reports.ok()) Die(std::string(reports.status().message()));
    std::vector<v1::AgencyReport> out;
    std::map<std::string, std::string> owners;  // org_id -> first designator
    for (v1::AgencyReport& r : *reports) {
      if (o.tokens.count(r.reporter()) == 0) continue;
      // Only an org's first designator may designate it again (intake's
      // OrgTable): another agency's designation would be refused in every
      // phase after the first, and refusals are not what is measured.
      if (r.has_org_designated() &&
          owners.try_emplace(r.org_designated().org_id(), r.reporter())
                  .first->second != r.reporter()) {
        continue;
      }
      out.push_back(std::move(r));
      if (static_cast<int>(out.size()) == want) {
        out.resize(o.reports);
        return out;
      }
    }
    options.subjects += options.subjects / 4 + 100;
  }
}

// `base` with report_ids made unique to this run and phase: every phase
// sends its own ids (nonce + `tag`, the phase's letter and run), so intake
// never sees a duplicate, and every phase's records have the same size.
std::vector<v1::AgencyReport> ForPhase(
    const std::vector<v1::AgencyReport>& base, const std::string& nonce,
    const std::string& tag) {
  std::vector<v1::AgencyReport> out = base;
  const std::string prefix = nonce + tag + "-";
  for (v1::AgencyReport& r : out) r.set_report_id(prefix + r.report_id());
  return out;
}

// ---------------------------------------------------------------------------
// Phase 1: plain librdkafka.

struct Record {
  std::string topic, key, value, reporter, report_id;
  // Where the repetition counter (kCounterDigits digits, see PlainTag) sits
  // in report_id and in value.
  size_t id_at = 0, value_at = 0;
};

// The plain phase's ids end their tag in a repetition counter, rewritten in
// place (same length, so the same record size) for every repetition.
constexpr int kCounterDigits = 4;
std::string PlainTag(int run) { return StrCat("p", run, "r0000"); }

// Gives every record the ids of repetition `rep` (< 10^kCounterDigits).
void Renumber(std::vector<Record>* records, int rep) {
  char digits[kCounterDigits + 1];
  std::snprintf(digits, sizeof(digits), "%0*d", kCounterDigits, rep);
  for (Record& r : *records) {
    r.report_id.replace(r.id_at, kCounterDigits, digits);
    r.value.replace(r.value_at, kCounterDigits, digits);
  }
}

struct PlainState {
  std::atomic<int> delivered{0};
  std::atomic<int> failed{0};
  std::mutex mu;
  std::string first_error;
};

void SetConf(rd_kafka_conf_t* conf, const char* name,
             const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name, value.c_str(), err, sizeof(err)) !=
      RD_KAFKA_CONF_OK) {
    Die(std::string("kafka property ") + name + ": " + err);
  }
}

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* state = static_cast<PlainState*>(opaque);
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    state->delivered.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  state->failed.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(state->mu);
  if (state->first_error.empty()) {
    state->first_error = rd_kafka_err2str(msg->err);
  }
}

// Enqueues one record, serving delivery reports while the local queue is
// full. Returns false on any other error.
bool ProduceOne(rd_kafka_t* rk, const Record& r) {
  while (true) {
    rd_kafka_headers_t* headers = rd_kafka_headers_new(2);
    rd_kafka_header_add(headers, "fruition-reporter", -1, r.reporter.data(),
                        r.reporter.size());
    rd_kafka_header_add(headers, "fruition-report-id", -1, r.report_id.data(),
                        r.report_id.size());
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(r.topic.c_str()),
        RD_KAFKA_V_KEY(const_cast<char*>(r.key.data()), r.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_poll(rk, 0);  // serve delivery reports as they come
      return true;
    }
    rd_kafka_headers_destroy(headers);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      std::cerr << "intake_bench: produce: " << rd_kafka_err2str(err) << "\n";
      return false;
    }
    rd_kafka_poll(rk, 10);
  }
}

// Exactly what intake produces for each report (route.h), prepared before
// the clock starts: the plain phase measures Kafka alone. Adds the values'
// size to `bytes`.
std::vector<Record> IntakeRecords(const Options& o,
                                  const std::vector<v1::AgencyReport>& reports,
                                  size_t* bytes) {
  auto pseudonymizer = privacy::Pseudonymizer::FromFile(o.pseudonym_key_file);
  if (!pseudonymizer.ok()) Die(std::string(pseudonymizer.status().message()));
  std::vector<Record> records;
  records.reserve(reports.size());
  for (v1::AgencyReport report : reports) {
    intake::Pseudonymize(*pseudonymizer, &report);
    const intake::Route route = intake::RouteFor(report);
    Record r{std::string(route.topic), route.key,
             intake::CanonicalBytes(report), report.reporter(),
             report.report_id()};
    // The counter ends the tag: just before the "-" after the nonce's tag.
    r.id_at = r.report_id.find('-') - kCounterDigits;
    // report_id is field 1: its bytes come first in the value.
    r.value_at = r.value.find(r.report_id) + r.id_at;
    *bytes += r.value.size();
    records.push_back(std::move(r));
  }
  return records;
}

// A producer configured as services/common/kafka/producer.cc configures
// intake's, reporting deliveries into `state`, warmed up (not measured):
// connected, with a producer id and both topics' partitions, as intake's
// long-running producer already is.
rd_kafka_t* IntakeProducer(const Options& o, PlainState* state) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  SetConf(conf, "bootstrap.servers", o.bootstrap);
  SetConf(conf, "client.id", "fruition-intake-bench");
  SetConf(conf, "enable.idempotence", "true");
  SetConf(conf, "acks", "all");
  SetConf(conf, "partitioner", "murmur2_random");
  SetConf(conf, "message.timeout.ms", "15000");
  SetConf(conf, "linger.ms", "5");
  SetConf(conf, "compression.type", "lz4");
  SetConf(conf, "queue.buffering.max.messages", "200000");
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, state);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) Die(std::string("kafka producer: ") + err);
  for (const char* topic : {"fruition.reports.v1", "fruition.reference.v1"}) {
    const std::string key = "intake-bench-warmup";
    if (rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic),
            RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
            RD_KAFKA_V_VALUE(nullptr, 0),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_END) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Die("warm-up produce failed");
    }
  }
  if (rd_kafka_flush(rk, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      state->failed > 0) {
    Die("warm-up records not acknowledged within 30 s: " + state->first_error);
  }
  state->delivered = 0;
  return rk;
}

// Produces `records` over and over, with fresh ids each time, until at
// least `o.plain_records` records and `o.plain_seconds` seconds. Returns how
// many it produced; counts enqueue failures into `failures`.
int ProduceRepeatedly(const Options& o, rd_kafka_t* rk,
                      std::vector<Record>* records, int* failures) {
  const auto start = Clock::now();
  int produced = 0;
  for (int rep = 0; rep < 10000; ++rep) {
    if (rep > 0) Renumber(records, rep);
    for (const Record& r : *records) {
      if (!ProduceOne(rk, r)) ++*failures;
      ++produced;
    }
    if (produced >= o.plain_records &&
        Clock::now() - start >= std::chrono::seconds(o.plain_seconds)) {
      break;
    }
  }
  return produced;
}

PhaseResult RunPlain(const Options& o,
                     const std::vector<v1::AgencyReport>& reports) {
  size_t bytes = 0;
  std::vector<Record> records = IntakeRecords(o, reports, &bytes);
  PlainState state;
  rd_kafka_t* rk = IntakeProducer(o, &state);

  const Snapshot before = Sample(o);
  int failures = 0;
  DepthProbe probe(
      [rk] { return static_cast<int64_t>(rd_kafka_outq_len(rk)); });
  const int produced = ProduceRepeatedly(o, rk, &records, &failures);
  if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::cerr << "intake_bench: plain: " << rd_kafka_outq_len(rk)
              << " records unacknowledged after 120 s\n";
  }
  const Snapshot after = Sample(o);
  probe.Stop();
  rd_kafka_destroy(rk);

  PhaseResult result = Measure("plain", produced, before, after, false);
  probe.sampler().Into(&result);
  failures += state.failed.load();
  const int missing = produced - failures - state.delivered.load();
  result.failures = failures + std::max(0, missing);
  if (result.failures > 0) {
    std::cerr << "intake_bench: plain: " << result.failures
              << " records not acknowledged (first error: " << state.first_error
              << ")\n";
  }
  std::cerr << "intake_bench: average record " << bytes / records.size()
            << " bytes\n";
  return result;
}

// ---------------------------------------------------------------------------
// Intake phases.

std::shared_ptr<grpc::Channel> NewChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  // Its own connection, as separate clients would have.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(
      target, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(30))) {
    Die("cannot connect to intake at " + target);
  }
  return channel;
}

// Counts answers that are not a fresh OK; prints the first few.
class Checker {
 public:
  void Check(const std::string& expected_id, const v1::ReportResult& r) {
    if (r.code() == 0 && !r.duplicate() && r.report_id() == expected_id) {
      return;
    }
    Fail(expected_id + ": " + r.code_name() +
         (r.duplicate() ? " (duplicate)" : "") + " '" + r.message() +
         "' field '" + r.field() + "' (answered for '" + r.report_id() + "')");
  }
  void Fail(const std::string& what, int count = 1) {
    const int before = failures_.fetch_add(count);
    if (before < 5) {
      std::lock_guard<std::mutex> lock(mu_);
      std::cerr << "intake_bench: not accepted: " << what << "\n";
    }
  }
  int failures() const { return failures_.load(); }

 private:
  std::atomic<int> failures_{0};
  std::mutex mu_;
};

std::map<std::string, std::vector<const v1::AgencyReport*>> ByReporter(
    const std::vector<v1::AgencyReport>& reports) {
  std::map<std::string, std::vector<const v1::AgencyReport*>> out;
  for (const v1::AgencyReport& r : reports) out[r.reporter()].push_back(&r);
  return out;
}

// One report per agency through Submit, until accepted (intake is ready and
// every token works). Not measured.
void WarmUpIntake(const Options& o, const std::vector<v1::AgencyReport>& base) {
  auto stub = v1::IntakeService::NewStub(NewChannel(o.target));
  std::vector<v1::AgencyReport> reports = ForPhase(base, o.nonce, "w");
  for (const auto& entry : o.tokens) {
    const std::string& agency = entry.first;
    const std::string& token = entry.second;
    auto it = std::find_if(
        reports.begin(), reports.end(),
        [&](const v1::AgencyReport& r) { return r.reporter() == agency; });
    if (it == reports.end()) continue;
    v1::SubmitRequest request;
    *request.add_reports() = *it;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (true) {
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + token);
      v1::SubmitResponse response;
      const grpc::Status status = stub->Submit(&context, request, &response);
      std::string why;
      if (!status.ok()) {
        why = status.error_message();
      } else if (response.results_size() != 1) {
        why = "no result";
      } else if (response.results(0).code() != 0) {
        why = response.results(0).code_name() + ": " +
              response.results(0).message();
      } else {
        break;
      }
      if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
          Clock::now() > deadline) {
        Die(StrCat("warm-up Submit as ", agency, " failed: ", why));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
}

// Reports sent to intake and not yet answered: the intake phases'
// in-flight depth.
struct Outstanding {
  std::atomic<int64_t> sent{0};
  std::atomic<int64_t> answered{0};
  int64_t depth() const { return sent.load() - answered.load(); }
};

// One agency's Stream call: messages of `per_message` reports (in
// StreamRequest.report when 1, else StreamRequest.reports), written by one
// thread while this one reads and checks the answers.
struct Feed {
  std::string agency, token;
  std::vector<v1::StreamRequest> requests;
  std::vector<const v1::AgencyReport*> reports;  // in order
  std::unique_ptr<v1::IntakeService::Stub> stub;
};

void RunFeed(Feed* feed, Checker* checker, Outstanding* outstanding) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + feed->token);
  auto stream = feed->stub->Stream(&context);
  std::thread writer([&] {
    for (const v1::StreamRequest& request : feed->requests) {
      outstanding->sent += std::max(1, request.reports_size());
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  const size_t total = feed->reports.size();
  size_t next = 0;
  v1::StreamResponse response;
  while (next < total && stream->Read(&response)) {
    if (response.results_size() == 0) {
      checker->Check(feed->reports[next++]->report_id(), response.result());
    }
    for (const v1::ReportResult& r : response.results()) {
      if (next < total) checker->Check(feed->reports[next++]->report_id(), r);
    }
    outstanding->answered += std::max(1, response.results_size());
  }
  if (next < total) context.TryCancel();
  writer.join();
  const grpc::Status status = stream->Finish();
  if (next < total) {
    checker->Fail(
        feed->agency + " stream ended early (" + status.error_message() +
            "): " + std::to_string(total - next) + " reports unanswered",
        static_cast<int>(total - next));
  }
}

PhaseResult RunStream(const Options& o,
                      const std::vector<v1::AgencyReport>& reports,
                      int per_message) {
  // Requests and channels are ready before the clock starts.
  std::vector<Feed> feeds;
  for (auto& [agency, list] : ByReporter(reports)) {
    Feed feed;
    feed.agency = agency;
    feed.token = o.tokens.at(agency);
    feed.reports = list;
    for (size_t i = 0; i < list.size(); i += per_message) {
      v1::StreamRequest request;
      if (per_message == 1) {
        *request.mutable_report() = *list[i];
      } else {
        for (size_t j = i; j < std::min(list.size(), i + per_message); ++j) {
          *request.add_reports() = *list[j];
        }
      }
      feed.requests.push_back(std::move(request));
    }
    feed.stub = v1::IntakeService::NewStub(NewChannel(o.target));
    feeds.push_back(std::move(feed));
  }
  Checker checker;
  Outstanding outstanding;
  const Snapshot before = Sample(o);
  DepthProbe probe([&outstanding] { return outstanding.depth(); });
  std::vector<std::thread> threads;
  threads.reserve(feeds.size());
  for (Feed& feed : feeds) {
    threads.emplace_back([&feed, &checker, &outstanding] {
      RunFeed(&feed, &checker, &outstanding);
    });
  }
  for (std::thread& t : threads) t.join();
  const Snapshot after = Sample(o);
  probe.Stop();
  PhaseResult result =
      Measure(per_message == 1 ? "stream" : "streamb",
              static_cast<int>(reports.size()), before, after, true);
  probe.sampler().Into(&result);
  result.failures = checker.failures();
  return result;
}

PhaseResult RunSubmit(const Options& o,
                      const std::vector<v1::AgencyReport>& reports) {
  struct Call {
    const std::string* token;
    v1::SubmitRequest request;
  };
  std::vector<Call> calls;
  for (auto& [agency, list] : ByReporter(reports)) {
    for (size_t i = 0; i < list.size(); i += o.batch) {
      Call call{&o.tokens.at(agency), {}};
      for (size_t j = i; j < std::min(list.size(), i + o.batch); ++j) {
        *call.request.add_reports() = *list[j];
      }
      calls.push_back(std::move(call));
    }
  }
  // Interleave the agencies' batches, as concurrent senders would.
  {
    std::map<const std::string*, std::vector<Call>> queues;
    for (Call& c : calls) queues[c.token].push_back(std::move(c));
    calls.clear();
    for (size_t round = 0;; ++round) {
      bool any = false;
      for (auto& [token, queue] : queues) {
        if (round < queue.size()) {
          calls.push_back(std::move(queue[round]));
          any = true;
        }
      }
      if (!any) break;
    }
  }
  std::vector<std::unique_ptr<v1::IntakeService::Stub>> stubs;
  stubs.reserve(o.callers);
  for (int i = 0; i < o.callers; ++i) {
    stubs.push_back(v1::IntakeService::NewStub(NewChannel(o.target)));
  }
  Checker checker;
  Outstanding outstanding;
  std::atomic<size_t> next{0};
  const Snapshot before = Sample(o);
  DepthProbe probe([&outstanding] { return outstanding.depth(); });
  std::vector<std::thread> threads;
  threads.reserve(o.callers);
  for (int i = 0; i < o.callers; ++i) {
    threads.emplace_back([&, i] {
      for (size_t k = next++; k < calls.size(); k = next++) {
        const Call& call = calls[k];
        grpc::ClientContext context;
        context.AddMetadata("authorization", "Bearer " + *call.token);
        v1::SubmitResponse response;
        const int n = call.request.reports_size();
        outstanding.sent += n;
        const grpc::Status status =
            stubs[i]->Submit(&context, call.request, &response);
        outstanding.answered += n;
        if (!status.ok() || response.results_size() != n) {
          checker.Fail("Submit of " + std::to_string(n) + " reports: " +
                           (status.ok() ? "wrong number of results"
                                        : status.error_message()),
                       n);
          continue;
        }
        for (int j = 0; j < n; ++j) {
          checker.Check(call.request.reports(j).report_id(),
                        response.results(j));
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const Snapshot after = Sample(o);
  probe.Stop();
  PhaseResult result =
      Measure("submit", static_cast<int>(reports.size()), before, after, true);
  probe.sampler().Into(&result);
  result.failures = checker.failures();
  return result;
}

// ---------------------------------------------------------------------------

void Report(int run, const PhaseResult& r, double plain_rate) {
  const double n = r.reports;
  std::cerr << "intake_bench: run " << run << ": " << r.phase << ": "
            << r.reports << " reports in " << Fixed(r.seconds, 3)
            << " s = " << Fixed(r.rate(), 0) << " reports/s";
  if (plain_rate > 0) {
    std::cerr << " (" << Fixed(r.rate() / plain_rate, 2) << "x plain)";
  }
  std::cerr << "; CPU µs/report: client " << Fixed(r.client_us / n, 1);
  if (r.intake_us >= 0) std::cerr << ", intake " << Fixed(r.intake_us / n, 1);
  if (r.broker_us >= 0) std::cerr << ", broker " << Fixed(r.broker_us / n, 1);
  if (r.other_us >= 0) {
    std::cerr << "; other processes " << Fixed(r.other_us / r.seconds / 1e6, 2)
              << " CPUs";
  }
  std::cerr << "; in flight mean " << Fixed(r.depth_mean, 0) << " max "
            << r.depth_max << "; not accepted: " << r.failures << "\n";
  std::cout << "RESULT run=" << run << " phase=" << r.phase
            << " reports=" << r.reports << " seconds=" << Fixed(r.seconds, 4)
            << " rate=" << Fixed(r.rate(), 1) << " ratio="
            << (plain_rate > 0 ? Fixed(r.rate() / plain_rate, 3) : "-")
            << " client_us=" << Fixed(r.client_us / n, 2) << " intake_us="
            << (r.intake_us >= 0 ? Fixed(r.intake_us / n, 2) : "-")
            << " broker_us="
            << (r.broker_us >= 0 ? Fixed(r.broker_us / n, 2) : "-")
            << " other_cpus="
            << (r.other_us >= 0 ? Fixed(r.other_us / r.seconds / 1e6, 2) : "-")
            << " depth_mean=" << Fixed(r.depth_mean, 0)
            << " depth_max=" << r.depth_max << " failures=" << r.failures
            << std::endl;
}

// Median, min and max of `v` (not empty).
std::string Spread(std::vector<double> v, int digits) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  const double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return StrCat(Fixed(median, digits), " ", Fixed(v.front(), digits), " ",
                Fixed(v.back(), digits));
}

// One "SUMMARY" line per phase: the median rate and ratio to plain, with
// min and max, over the runs.
void Summarize(const std::vector<std::string>& phases,
               const std::map<std::string, std::vector<double>>& rates,
               const std::map<std::string, std::vector<double>>& ratios) {
  for (const std::string& phase : phases) {
    if (rates.count(phase) == 0) continue;
    std::istringstream rate(Spread(rates.at(phase), 0));
    std::string median, lo, hi;
    rate >> median >> lo >> hi;
    std::cout << "SUMMARY phase=" << phase << " runs=" << rates.at(phase).size()
              << " rate_median=" << median << " rate_min=" << lo
              << " rate_max=" << hi;
    if (ratios.count(phase) > 0) {
      std::istringstream ratio(Spread(ratios.at(phase), 3));
      ratio >> median >> lo >> hi;
      std::cout << " ratio_median=" << median << " ratio_min=" << lo
                << " ratio_max=" << hi;
    }
    std::cout << std::endl;
  }
}

PhaseResult RunPhase(const Options& o,
                     const std::vector<v1::AgencyReport>& base,
                     const std::string& phase, int run) {
  const std::string tag = StrCat(phase.substr(0, 1), run);
  if (phase == "plain") {
    return RunPlain(o, ForPhase(base, o.nonce, PlainTag(run)));
  }
  if (phase == "stream") {
    return RunStream(o, ForPhase(base, o.nonce, "s" + tag), 1);
  }
  if (phase == "streamb") {
    return RunStream(o, ForPhase(base, o.nonce, "b" + tag), o.stream_batch);
  }
  return RunSubmit(o, ForPhase(base, o.nonce, "u" + tag));
}

int Main(int argc, char** argv) {
  SetProgram("intake_bench");
  const Options o = ParseFlags(argc, argv);
  const std::vector<v1::AgencyReport> base = BaseReports(o);
  std::cerr << "intake_bench: " << base.size() << " reports (nonce " << o.nonce
            << ")\n";
  const std::vector<std::string> phases = Split(o.phases, ',');
  std::map<std::string, std::vector<double>> rates, ratios;
  int failures = 0;
  bool warmed = false;
  // The phases interleaved, run after run: a slow minute of the machine
  // lands on every phase, not on one.
  for (int run = 1; run <= o.runs; ++run) {
    double plain_rate = 0;
    for (const std::string& phase : phases) {
      if (phase != "plain" && !warmed) {
        WarmUpIntake(o, base);
        warmed = true;
      }
      const PhaseResult result = RunPhase(o, base, phase, run);
      if (phase == "plain") plain_rate = result.rate();
      Report(run, result, plain_rate);
      rates[phase].push_back(result.rate());
      if (phase != "plain" && plain_rate > 0) {
        ratios[phase].push_back(result.rate() / plain_rate);
      }
      failures += result.failures;
    }
  }
  Summarize(phases, rates, ratios);
  if (failures > 0) {
    std::cerr << "intake_bench: FAILED: " << failures
              << " reports not accepted\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace fruition::bench

int main(int argc, char** argv) { return fruition::bench::Main(argc, argv); }
