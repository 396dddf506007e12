// intake_bench: the same N reports through three paths to one Kafka broker,
//   plain   librdkafka, configured as intake's producer (idempotent,
//           acks=all, linger.ms=5, lz4, murmur2_random), producing exactly
//           the records intake would (pseudonymized bytes, key, headers);
//   stream  IntakeService.Stream, one stream per agency, concurrently;
//   submit  IntakeService.Submit, batches of --batch, --callers in flight;
// and prints, per phase, reports/s and CPU per report: this process's
// (getrusage), the intake server's and the broker's (/proc/<pid>/stat).
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
  int batch = 500;
  int callers = 4;
  pid_t intake_pid = 0;
  pid_t broker_pid = 0;
  std::string phases = "plain,stream,submit";
  std::string nonce;  // report_id prefix; random by default
  uint64_t seed = 20170601;
};

const char kUsage[] =
    "usage: intake_bench --target HOST:PORT --bootstrap B "
    "--pseudonym-key-file F\n"
    "         --tokens DEA=t1,FBI=t2,HSI=t3 [--reports N] [--batch 500]\n"
    "         [--callers 4] [--intake-pid P] [--broker-pid P]\n"
    "         [--phases plain,stream,submit] [--nonce S] [--seed S]\n";

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
  flags.Int("--batch", &o.batch, 1);
  flags.Int("--callers", &o.callers, 1);
  flags.Pid("--intake-pid", &o.intake_pid);
  flags.Pid("--broker-pid", &o.broker_pid);
  flags.String("--phases", &o.phases);
  flags.String("--nonce", &o.nonce);
  flags.Uint64("--seed", &o.seed);
  flags.Parse(argc, argv);
  for (const std::string& phase : Split(o.phases, ',')) {
    if (phase != "plain" && phase != "stream" && phase != "submit") {
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
  double rate() const { return reports / seconds; }
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
// reporter has a token (agencies), in the stream's order; more subjects
// until there are enough.
std::vector<v1::AgencyReport> BaseReports(const Options& o) {
  sim::SimOptions options;
  options.seed = o.seed;
  options.subjects = o.reports / 4 + 100;
  while (true) {
    auto reports = sim::Generate(options);
    if (!reports.ok()) Die(std::string(reports.status().message()));
    std::vector<v1::AgencyReport> out;
    for (v1::AgencyReport& r : *reports) {
      if (o.tokens.count(r.reporter()) == 0) continue;
      out.push_back(std::move(r));
      if (static_cast<int>(out.size()) == o.reports) return out;
    }
    options.subjects += options.subjects / 4 + 100;
  }
}

// `base` with report_ids made unique to this run and phase: every phase
// sends its own ids (nonce + phase letter), so intake never sees a
// duplicate, and every phase's records have the same size.
std::vector<v1::AgencyReport> ForPhase(
    const std::vector<v1::AgencyReport>& base, const std::string& nonce,
    char phase) {
  std::vector<v1::AgencyReport> out = base;
  const std::string prefix = nonce + phase + "-";
  for (v1::AgencyReport& r : out) r.set_report_id(prefix + r.report_id());
  return out;
}

// ---------------------------------------------------------------------------
// Phase 1: plain librdkafka.

struct Record {
  std::string topic, key, value, reporter, report_id;
};

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

PhaseResult RunPlain(const Options& o,
                     const std::vector<v1::AgencyReport>& reports) {
  size_t bytes = 0;
  const std::vector<Record> records = IntakeRecords(o, reports, &bytes);
  PlainState state;
  rd_kafka_t* rk = IntakeProducer(o, &state);

  const Snapshot before = Sample(o);
  int failures = 0;
  for (const Record& r : records) {
    if (!ProduceOne(rk, r)) ++failures;
  }
  if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::cerr << "intake_bench: plain: " << rd_kafka_outq_len(rk)
              << " records unacknowledged after 120 s\n";
  }
  const Snapshot after = Sample(o);
  rd_kafka_destroy(rk);

  PhaseResult result =
      Measure("plain", static_cast<int>(records.size()), before, after, false);
  failures += state.failed.load();
  const int missing =
      static_cast<int>(records.size()) - failures - state.delivered.load();
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
  std::vector<v1::AgencyReport> reports = ForPhase(base, o.nonce, 'w');
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

PhaseResult RunStream(const Options& o,
                      const std::vector<v1::AgencyReport>& reports) {
  // Requests and channels are ready before the clock starts.
  struct Feed {
    std::string agency, token;
    std::vector<v1::StreamRequest> requests;
    std::unique_ptr<v1::IntakeService::Stub> stub;
  };
  std::vector<Feed> feeds;
  for (auto& [agency, list] : ByReporter(reports)) {
    Feed feed;
    feed.agency = agency;
    feed.token = o.tokens.at(agency);
    for (const v1::AgencyReport* r : list) {
      v1::StreamRequest request;
      *request.mutable_report() = *r;
      feed.requests.push_back(std::move(request));
    }
    feed.stub = v1::IntakeService::NewStub(NewChannel(o.target));
    feeds.push_back(std::move(feed));
  }
  Checker checker;
  const Snapshot before = Sample(o);
  std::vector<std::thread> threads;
  threads.reserve(feeds.size());
  for (Feed& feed : feeds) {
    threads.emplace_back([&feed, &checker] {
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + feed.token);
      auto stream = feed.stub->Stream(&context);
      std::thread writer([&] {
        for (const v1::StreamRequest& request : feed.requests) {
          if (!stream->Write(request)) break;
        }
        stream->WritesDone();
      });
      size_t next = 0;
      v1::StreamResponse response;
      while (next < feed.requests.size() && stream->Read(&response)) {
        checker.Check(feed.requests[next].report().report_id(),
                      response.result());
        ++next;
      }
      if (next < feed.requests.size()) context.TryCancel();
      writer.join();
      const grpc::Status status = stream->Finish();
      if (next < feed.requests.size()) {
        checker.Fail(feed.agency + " stream ended early (" +
                         status.error_message() +
                         "): " + std::to_string(feed.requests.size() - next) +
                         " reports unanswered",
                     static_cast<int>(feed.requests.size() - next));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const Snapshot after = Sample(o);
  PhaseResult result =
      Measure("stream", static_cast<int>(reports.size()), before, after, true);
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
  std::atomic<size_t> next{0};
  const Snapshot before = Sample(o);
  std::vector<std::thread> threads;
  threads.reserve(o.callers);
  for (int i = 0; i < o.callers; ++i) {
    threads.emplace_back([&, i] {
      for (size_t k = next++; k < calls.size(); k = next++) {
        const Call& call = calls[k];
        grpc::ClientContext context;
        context.AddMetadata("authorization", "Bearer " + *call.token);
        v1::SubmitResponse response;
        const grpc::Status status =
            stubs[i]->Submit(&context, call.request, &response);
        const int n = call.request.reports_size();
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
  PhaseResult result =
      Measure("submit", static_cast<int>(reports.size()), before, after, true);
  result.failures = checker.failures();
  return result;
}

// ---------------------------------------------------------------------------

void Report(const PhaseResult& r, double plain_rate) {
  const double n = r.reports;
  std::cerr << "intake_bench: " << r.phase << ": " << r.reports
            << " reports in " << Fixed(r.seconds, 3)
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
  std::cerr << "; not accepted: " << r.failures << "\n";
  std::cout << "RESULT phase=" << r.phase << " reports=" << r.reports
            << " seconds=" << Fixed(r.seconds, 4)
            << " rate=" << Fixed(r.rate(), 1) << " ratio="
            << (plain_rate > 0 ? Fixed(r.rate() / plain_rate, 3) : "-")
            << " client_us=" << Fixed(r.client_us / n, 2) << " intake_us="
            << (r.intake_us >= 0 ? Fixed(r.intake_us / n, 2) : "-")
            << " broker_us="
            << (r.broker_us >= 0 ? Fixed(r.broker_us / n, 2) : "-")
            << " other_cpus="
            << (r.other_us >= 0 ? Fixed(r.other_us / r.seconds / 1e6, 2) : "-")
            << " failures=" << r.failures << std::endl;
}

int Main(int argc, char** argv) {
  SetProgram("intake_bench");
  const Options o = ParseFlags(argc, argv);
  const std::vector<v1::AgencyReport> base = BaseReports(o);
  std::cerr << "intake_bench: " << base.size() << " reports (nonce " << o.nonce
            << ")\n";
  double plain_rate = 0;
  int failures = 0;
  bool warmed = false;
  for (const std::string& phase : Split(o.phases, ',')) {
    PhaseResult result;
    if (phase == "plain") {
      result = RunPlain(o, ForPhase(base, o.nonce, 'p'));
      plain_rate = result.rate();
    } else {
      if (!warmed) {
        WarmUpIntake(o, base);
        warmed = true;
      }
      result = phase == "stream" ? RunStream(o, ForPhase(base, o.nonce, 's'))
                                 : RunSubmit(o, ForPhase(base, o.nonce, 'b'));
    }
    Report(result, plain_rate);
    failures += result.failures;
  }
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
