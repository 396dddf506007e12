// evidence_bench: link claims assessed per second by fruition-evidence, end
// to end (topic in -> assessment out), against a plain pipeline doing the
// same Kafka and RocksDB work over the same bytes, in one run:
//   evidence     N link claims (2-3 evidence items each) and one
//                org_designated per org are produced to fruition.reports.v1
//                and fruition.reference.v1 before the clock starts, keyed as
//                intake keys them. Then fruition-evidence (the command after
//                `--`, with a fresh data dir and consumer group, so it reads
//                from the beginning) is started, and the clock runs until
//                fruition.link-assessments.v1 holds an assessment of every
//                claim made with its org's designation known. The bench
//                keeps every assessment the service produced;
//   plain        a plain librdkafka consumer (a fresh group, the service's
//                consumer settings) reads the same two topics from the
//                beginning; per poll batch (at most 1000 records, the
//                service's batch_max) it puts each record's bytes and each
//                partition's next offset into one RocksDB WriteBatch (a
//                fresh store opened by store::KvStore::Open with the
//                evidence store's tables, so the service's options), produces
//                its share of the service's assessments (the same records:
//                keys, values, headers; as many per claim read as the
//                service produced) with the service's producer settings,
//                waits for every acknowledgement and writes the batch: the
//                loop's consume -> store -> produce -> commit with no
//                evidence logic;
//   apply        (only when asked) the processor alone, in this process:
//                the same records applied in batches of 1000 through the
//                loop's batch step (stream::ApplyAndCommit) into a fresh
//                store, no Kafka: the processor's CPU per claim, which a busy
//                machine disturbs less. It is the processor this binary was
//                built with.
// Prints, per phase, claims/s and CPU per claim: the evidence process's
// (/proc/<pid>/stat) for the evidence phase, this process's for the plain
// one, and the broker's.
//
// Run through bench/evidence, which starts the broker, passes the evidence
// command line and repeats runs (phases interleaved). A benchmark, not a
// test: it fails only when the service does not assess every claim (it
// exits, or stops making progress) or the plain pipeline cannot read or
// deliver.
//
// Output: a readable summary on stderr, one "RESULT k=v ..." line per phase
// on stdout (bench/evidence turns them into a table).
#include <librdkafka/rdkafka.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench/common/child.h"
#include "bench/common/cpu.h"
#include "bench/common/flags.h"
#include "bench/common/kafka.h"
#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/reports.pb.h"
#include "services/common/kafka/admin.h"
#include "services/common/kafka/consumer.h"
#include "services/common/kafka/producer.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/evidence/criteria.h"
#include "services/evidence/processor.h"  // also store.h: Tables()
#include "tools/sim/evidence_stream.h"

namespace fruition::bench {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kPartitions = 12;
constexpr int kServiceBatch = 1000;  // stream::LoopOptions::batch_max

struct Options {
  std::string bootstrap;
  int claims = 20000;
  int orgs = 100;
  std::string phases = "evidence,plain";
  std::string nonce;        // ids prefix; random by default
  std::string rocksdb_dir;  // parent of the plain pipeline's fresh store
  std::string evidence_log = "/dev/null";
  std::string perf_out;  // perf record of the evidence process
  std::string perf_args = "-F 999 --call-graph dwarf,16384";
  pid_t broker_pid = 0;
  int timeout_s = 120;  // without a new assessment
  bool fresh_topics = false;
  std::vector<std::string> evidence_cmd;  // after `--`
};

const char kUsage[] =
    "usage: evidence_bench --bootstrap B [--claims 20000] [--orgs 100]\n"
    "         [--phases evidence,plain] [--rocksdb-dir DIR]\n"
    "         [--broker-pid P] [--evidence-log FILE] [--perf FILE]\n"
    "         [--perf-args '-F 999 --call-graph dwarf,16384']\n"
    "         [--timeout 120] [--fresh-topics] [--nonce S]\n"
    "         -- /path/to/fruition-evidence --data-dir FRESH --group-id FRESH "
    "...\n";

Options ParseFlags(int argc, char** argv) {
  Options o;
  Flags flags(kUsage);
  flags.String("--bootstrap", &o.bootstrap);
  flags.Int("--claims", &o.claims, 1);
  flags.Int("--orgs", &o.orgs, 1);
  flags.String("--phases", &o.phases);
  flags.String("--nonce", &o.nonce);
  flags.String("--rocksdb-dir", &o.rocksdb_dir);
  flags.String("--evidence-log", &o.evidence_log);
  flags.String("--perf", &o.perf_out);
  flags.String("--perf-args", &o.perf_args);
  flags.Pid("--broker-pid", &o.broker_pid);
  flags.Int("--timeout", &o.timeout_s, 1);
  flags.Switch("--fresh-topics", &o.fresh_topics);
  flags.Parse(argc, argv, &o.evidence_cmd);
  bool evidence = false, plain = false, apply = false;
  for (const std::string& phase : Split(o.phases, ',')) {
    if (phase == "evidence") {
      evidence = true;
    } else if (phase == "plain") {
      plain = true;
    } else if (phase == "apply") {
      apply = true;
    } else {
      Die("--phases: unknown phase '" + phase + "'");
    }
  }
  if (plain && !evidence) {
    Die("--phases: plain needs evidence (it produces the service's outputs)");
  }
  if (evidence && o.bootstrap.empty()) {
    Die(std::string("--bootstrap: required\n") + kUsage);
  }
  if (evidence && o.evidence_cmd.empty()) {
    Die(std::string("the evidence command line (after --): required\n") +
        kUsage);
  }
  if ((plain || apply) && o.rocksdb_dir.empty()) {
    Die("--rocksdb-dir: required");
  }
  if (o.nonce.empty()) o.nonce = RandomHex(10);
  return o;
}

struct PhaseResult {
  std::string phase;
  int claims = 0;  // claims the rate counts
  double seconds = 0;
  double cpu_us = -1;  // the process doing the work: evidence or this one
  double client_us = 0;
  double broker_us = -1;
  double other_us = -1;
  double rate() const { return seconds > 0 ? claims / seconds : 0; }
};

// `service_is_self`: the plain phase, where this process does the work.
PhaseResult Measure(const std::string& phase, int claims, const Snapshot& a,
                    const Snapshot& b, bool service_is_self) {
  PhaseResult r;
  r.phase = phase;
  r.claims = claims;
  r.seconds = Seconds(a, b);
  r.client_us = b.self_us - a.self_us;
  r.cpu_us = service_is_self ? r.client_us : Delta(a.service_us, b.service_us);
  r.broker_us = Delta(a.broker_us, b.broker_us);
  r.other_us = OtherUs(
      a, b, {r.client_us, r.broker_us, service_is_self ? 0.0 : r.cpu_us});
  return r;
}

// ---------------------------------------------------------------------------
// The reports.

using sim::EvidenceStream;
using Data = sim::EvidenceStreamData;

Data Generate(const Options& o) {
  return EvidenceStream(o.nonce, o.orgs, o.claims);
}

// ---------------------------------------------------------------------------
// Topics.

const std::vector<std::string>& BenchTopics() {
  static const auto* topics = new std::vector<std::string>{
      std::string(topics::kReports), std::string(topics::kReference),
      std::string(topics::kLinkAssessments)};
  return *topics;
}

kafka::ConsumerOptions ReaderOptions(const Options& o) {
  kafka::ConsumerOptions c;
  c.bootstrap_servers = o.bootstrap;
  c.client_id = "fruition-evidence-bench";
  return c;
}

// Whether the bench's topics exist with kPartitions partitions each, all
// empty (every partition's high watermark 0).
bool TopicsEmpty(const Options& o, std::string* why) {
  auto ends = kafka::EndOffsets(ReaderOptions(o), BenchTopics(), seconds(10));
  if (!ends.ok()) {
    *why = std::string(ends.status().message());
    return false;
  }
  std::map<std::string, int> partitions;
  int64_t records = 0;
  for (const auto& [tp, end] : *ends) {
    ++partitions[tp.first];
    records += end;
  }
  for (const auto& topic : BenchTopics()) {
    if (partitions[topic] != kPartitions) {
      *why = StrCat(topic, " has ", partitions[topic], " partitions");
      return false;
    }
  }
  if (records > 0) {
    *why = StrCat(records, " records in the topics");
    return false;
  }
  return true;
}

// Makes the three topics exist and be empty, deleting and recreating them
// if they hold anything (an earlier run's records), so that the service,
// which reads from the beginning, sees only this run's.
void MakeTopicsFresh(const Options& o) {
  std::vector<kafka::TopicSpec> specs = kafka::IntakeTopics(kPartitions, 1);
  specs.push_back(kafka::TopicSpec{std::string(topics::kLinkAssessments),
                                   kPartitions,
                                   1,
                                   {{"retention.ms", "-1"}}});
  const auto deadline = Clock::now() + seconds(120);
  std::string why;
  for (int attempt = 0;; ++attempt) {
    if (TopicsEmpty(o, &why)) return;
    if (Clock::now() > deadline) Die("topics not fresh after 120 s: " + why);
    if (attempt > 0) std::this_thread::sleep_for(milliseconds(1000));
    std::cerr << "evidence_bench: recreating the topics (" << why << ")\n";
    DeleteTopics(o.bootstrap, BenchTopics());
    std::this_thread::sleep_for(milliseconds(500));
    if (absl::Status s =
            kafka::EnsureTopics(o.bootstrap, {}, specs, seconds(30));
        !s.ok()) {
      std::cerr << "evidence_bench: " << s.message() << "\n";
    }
    // Until every partition has a leader (EndOffsets answers).
    for (int k = 0; k < 50 && !TopicsEmpty(o, &why); ++k) {
      std::this_thread::sleep_for(milliseconds(200));
    }
  }
}

// Produces every designation, then every claim, as intake would (key org_id
// on the reference topic, subject_pid on the reports topic), waiting for
// every acknowledgement.
void ProduceAll(const Options& o, const Data& d) {
  std::vector<Record> records;
  size_t bytes = 0;
  auto add = [&](const v1::AgencyReport& r, std::string_view topic,
                 const std::string& key) {
    records.push_back(Record{std::string(topic),
                             key,
                             r.SerializeAsString(),
                             {{"fruition-reporter", r.reporter()},
                              {"fruition-report-id", r.report_id()}}});
  };
  for (const auto& r : d.designations) {
    add(r, topics::kReference, r.org_designated().org_id());
  }
  for (const auto& r : d.claims) {
    add(r, topics::kReports, r.link_claim().subject_pid());
    bytes += records.back().value.size();
  }
  const double took =
      bench::ProduceAll(o.bootstrap, "fruition-evidence-bench", records, 10000);
  std::cerr << "evidence_bench: produced " << d.designations.size()
            << " designations and " << d.claims.size() << " claims (average "
            << bytes / d.claims.size() << " bytes) in " << took << " s\n";
}

// ---------------------------------------------------------------------------
// The evidence process.

struct EvidenceResult {
  PhaseResult total;   // process start -> every claim assessed
  PhaseResult steady;  // first assessment -> every claim assessed
  double startup_s = 0;
  int64_t assessments = 0;  // of this run's claims, all versions seen
  std::map<std::string, int> results;  // final result -> claims
  std::vector<ThreadCpu> threads;      // of the evidence process, at the end
  std::vector<ThreadCpu> threads_at_first;  // at the first assessment
  // Share of first -> last the busiest thread (the consuming worker) ran.
  double worker_busy = 0;
  std::vector<kafka::Record> outputs;  // the assessments seen, in order
};

// A reader of the assessments topic from its current end, which must hold
// nothing new yet (the service has not started).
std::unique_ptr<kafka::TopicReader> AssessmentsReader(const Options& o) {
  const std::string out_topic(topics::kLinkAssessments);
  auto ends = kafka::EndOffsets(ReaderOptions(o), {out_topic}, seconds(10));
  if (!ends.ok()) Die(std::string(ends.status().message()));
  auto reader = kafka::TopicReader::Create(ReaderOptions(o), {out_topic}, *ends,
                                           seconds(10));
  if (!reader.ok()) Die(std::string(reader.status().message()));
  if (auto first = (*reader)->Poll(1000, milliseconds(200)); !first.ok()) {
    Die(std::string(first.status().message()));
  } else if (!first->empty()) {
    Die("assessments on the topic before the service started");
  }
  return *std::move(reader);
}

// perf record of `child` (started stopped) per --perf, or null without it.
std::unique_ptr<Child> StartPerf(const Options& o, const Child& child) {
  if (o.perf_out.empty()) return nullptr;
  std::vector<std::string> argv = {"/usr/bin/env", "perf", "record"};
  for (const auto& a : Split(o.perf_args, ' ')) argv.push_back(a);
  for (const auto& a : {std::string("-o"), o.perf_out, std::string("-p"),
                        std::to_string(child.pid())}) {
    argv.push_back(a);
  }
  std::filesystem::remove(o.perf_out + ".log");
  auto perf = std::make_unique<Child>(argv, o.perf_out + ".log");
  std::this_thread::sleep_for(milliseconds(1500));
  return perf;
}

// The busiest thread's CPU from the first to the last assessment, as a
// share of that time.
double WorkerBusy(const EvidenceResult& r) {
  if (r.threads.empty() || r.steady.seconds <= 0) return 0;
  const ThreadCpu& busiest = r.threads.front();
  double before = 0;
  for (const ThreadCpu& t : r.threads_at_first) {
    if (t.tid == busiest.tid) before = t.us;
  }
  return (busiest.us - before) / 1e6 / r.steady.seconds;
}

// This run's claims' assessments as they arrive.
struct Tally {
  explicit Tally(const Data& d) {
    done.reserve(d.claims.size() * 2);
    for (const auto& c : d.claims) done[c.link_claim().claim_id()] = false;
  }

  // Counts the assessments in `records` of this run's claims into `out`.
  void Count(const std::vector<kafka::Record>& records, EvidenceResult* out) {
    for (const auto& r : records) {
      v1::LinkAssessment a;
      if (!a.ParseFromString(r.value)) continue;
      auto it = done.find(a.claim_id());
      if (it == done.end()) continue;
      ++out->assessments;
      outputs.push_back(r);
      if (first_ts < 0 || r.timestamp_ms < first_ts) first_ts = r.timestamp_ms;
      last_ts = std::max(last_ts, r.timestamp_ms);
      // Final: made with the org's designation known (it sets the tier).
      if (!it->second && a.tier() != v1::TIER_UNSPECIFIED) {
        it->second = true;
        ++finished;
        ++out->results[v1::AssessmentResult_Name(a.result())];
      }
    }
  }

  std::unordered_map<std::string, bool> done;  // claim_id -> final seen
  std::vector<kafka::Record> outputs;          // this run's assessments
  int finished = 0;                            // claims with a final one
  int64_t first_ts = -1, last_ts = -1;  // record timestamps (produce time)
};

EvidenceResult RunEvidence(const Options& o, const Data& d) {
  if (o.fresh_topics) MakeTopicsFresh(o);
  ProduceAll(o, d);
  std::unique_ptr<kafka::TopicReader> reader = AssessmentsReader(o);

  Tally tally(d);
  const int n = static_cast<int>(d.claims.size());

  EvidenceResult out;
  const bool perf = !o.perf_out.empty();
  Child child(o.evidence_cmd, o.evidence_log, perf);
  std::unique_ptr<Child> perf_child = StartPerf(o, child);
  const Snapshot start = Take(child.pid(), o.broker_pid);
  const int64_t start_ms =
      std::chrono::duration_cast<milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  if (perf) child.Continue();

  int finished_at_first = -1;
  Snapshot first{}, last{};
  auto progress = Clock::now();
  std::string why;
  int next_report = 1;
  while (tally.finished < n) {
    auto records = reader->Poll(10000, milliseconds(20));
    if (!records.ok()) Die(std::string(records.status().message()));
    tally.Count(*records, &out);
    const int finished = tally.finished;
    if (!records->empty()) {
      progress = Clock::now();
      if (finished_at_first < 0) {
        first = Take(child.pid(), o.broker_pid);
        finished_at_first = finished;
        out.threads_at_first = ThreadsCpu(child.pid());
      }
      while (finished < n && finished * 10 >= next_report * n) {
        std::cerr
            << "evidence_bench: " << next_report * 10 << "% assessed after "
            << std::chrono::duration<double>(Clock::now() - start.wall).count()
            << " s\n";
        ++next_report;
      }
    }
    if (finished == n) {
      last = Take(child.pid(), o.broker_pid);
      out.threads = ThreadsCpu(child.pid());
      break;
    }
    if (!child.Running(&why)) {
      Die(StrCat("the evidence process ", why, " with ", finished, " of ", n,
                 " claims assessed (log: ", o.evidence_log, ")"));
    }
    if (Clock::now() - progress > seconds(o.timeout_s)) {
      Die(StrCat("no new assessment for ", o.timeout_s, " s; ", finished,
                 " of ", n, " claims assessed (log: ", o.evidence_log, ")"));
    }
  }
  if (perf_child != nullptr) perf_child->Stop(SIGINT);
  child.Stop();

  out.total = Measure("evidence", n, start, last, false);
  out.steady =
      Measure("evidence_steady", n - finished_at_first, first, last, false);
  out.startup_s =
      std::chrono::duration<double>(first.wall - start.wall).count();
  out.worker_busy = WorkerBusy(out);
  std::cerr << "evidence_bench: by record timestamps, the first assessment "
               "was produced "
            << Fixed((tally.first_ts - start_ms) / 1e3, 3)
            << " s after the start and seen " << Fixed(out.startup_s, 3)
            << " s; the last produced "
            << Fixed((tally.last_ts - start_ms) / 1e3, 3) << " s and seen "
            << Fixed(out.total.seconds, 3) << " s\n";
  out.outputs = std::move(tally.outputs);
  return out;
}

// ---------------------------------------------------------------------------
// The plain pipeline: the yardstick.

// A plain librdkafka group consumer of the input topics, with the service's
// consumer settings (services/common/kafka/consumer.cc) and a fresh group,
// so it reads them from the beginning.
rd_kafka_t* PlainConsumer(const Options& o) {
  rd_kafka_t* rk =
      NewClient(o.bootstrap, RD_KAFKA_CONSUMER,
                {{"group.id", "fruition-evidence-bench-plain-" + RandomHex(6)},
                 {"client.id", "fruition-evidence-bench-plain"},
                 {"enable.auto.commit", "false"},
                 {"enable.auto.offset.store", "false"},
                 {"enable.partition.eof", "false"},
                 {"auto.offset.reset", "earliest"},
                 {"isolation.level", "read_committed"}});
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* topics =
      rd_kafka_topic_partition_list_new(2);
  for (const std::string_view t : {topics::kReports, topics::kReference}) {
    rd_kafka_topic_partition_list_add(topics, std::string(t).c_str(),
                                      RD_KAFKA_PARTITION_UA);
  }
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Die(StrCat("subscribe: ", rd_kafka_err2str(err)));
  }
  return rk;
}

// A plain librdkafka producer with the service's producer settings
// (services/common/kafka/producer.cc: idempotent, acks=all, lz4, linger
// 5 ms), counting acknowledgements and failures.
struct PlainProducer {
  rd_kafka_t* rk = nullptr;
  int64_t acked = 0;
  int64_t failed = 0;

  explicit PlainProducer(const Options& o) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    const std::map<std::string, std::string> props = {
        {"bootstrap.servers", o.bootstrap},
        {"client.id", "fruition-evidence-bench-plain"},
        {"enable.idempotence", "true"},
        {"acks", "all"},
        {"partitioner", "murmur2_random"},
        {"linger.ms", "5"},
        {"compression.type", "lz4"},
        {"queue.buffering.max.messages", "200000"},
        {"log.connection.close", "false"}};
    for (const auto& [k, v] : props) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) !=
          RD_KAFKA_CONF_OK) {
        Die(StrCat("kafka property ", k, ": ", err));
      }
    }
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_dr_msg_cb(
        conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
          auto* self = static_cast<PlainProducer*>(opaque);
          ++(m->err == RD_KAFKA_RESP_ERR_NO_ERROR ? self->acked : self->failed);
        });
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (rk == nullptr) Die(StrCat("kafka producer: ", err));
  }
  ~PlainProducer() {
    rd_kafka_flush(rk, 10000);
    rd_kafka_destroy(rk);
  }

  void Produce(const kafka::Record& r) {
    rd_kafka_headers_t* headers = rd_kafka_headers_new(r.headers.size());
    for (const auto& [name, value] : r.headers) {
      rd_kafka_header_add(headers, name.data(),
                          static_cast<ssize_t>(name.size()), value.data(),
                          static_cast<ssize_t>(value.size()));
    }
    for (;;) {
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(r.topic.c_str()),
          RD_KAFKA_V_KEY(r.key.data(), r.key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers),
          RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        Die(StrCat("produce: ", rd_kafka_err2str(err)));
      }
      rd_kafka_poll(rk, 10);
    }
  }

  // Waits for every acknowledgement, as the loop does before it commits.
  void WaitAll() {
    if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Die("plain: acknowledgements not in 60 s");
    }
    if (failed > 0) Die(StrCat("plain: ", failed, " records not delivered"));
  }
};

// One poll batch of the plain pipeline, as the service's loop handles one:
// each record's bytes put into the claims table and the next offset of
// each partition into the offsets table, in one WriteBatch; this batch's
// share of the outputs produced and acknowledged; then the batch written.
// `reports` counts the records of the reports topic seen so far.
// Returns the number of records read (errors are logged and dropped).
int PlainBatch(rd_kafka_message_t** msgs, ssize_t n, store::KvStore& kv,
               PlainProducer& producer,
               const std::vector<kafka::Record>& outputs, int total_reports,
               int* reports, size_t* produced) {
  int read = 0;
  rocksdb::WriteBatch batch;
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  for (ssize_t k = 0; k < n; ++k) {
    rd_kafka_message_t* m = msgs[k];
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        std::cerr << "evidence_bench: plain: " << rd_kafka_message_errstr(m)
                  << "\n";
      }
      rd_kafka_message_destroy(m);
      continue;
    }
    const std::string topic = rd_kafka_topic_name(m->rkt);
    const std::string key = store::JoinKey(
        {topic, store::BigEndian(static_cast<uint32_t>(m->partition), 4),
         store::BigEndian(static_cast<uint64_t>(m->offset), 8)});
    (void)batch.Put(
        kv.cf(static_cast<int>(evidence::Table::kClaims)), key,
        rocksdb::Slice(static_cast<const char*>(m->payload), m->len));
    next[{topic, m->partition}] = m->offset + 1;
    if (topic == topics::kReports) ++*reports;
    ++read;
    rd_kafka_message_destroy(m);
  }
  for (const auto& [tp, offset] : next) {
    (void)batch.Put(
        kv.cf(0),
        store::JoinKey(
            {tp.first, store::BigEndian(static_cast<uint32_t>(tp.second), 4)}),
        store::BigEndian(static_cast<uint64_t>(offset), 8));
  }
  // The outputs in proportion to the claims read (the service's were one
  // assessment per claim, a few more when it assessed some twice).
  const size_t due = outputs.size() * static_cast<size_t>(*reports) /
                     static_cast<size_t>(std::max(1, total_reports));
  for (; *produced < due; ++*produced) producer.Produce(outputs[*produced]);
  producer.WaitAll();
  const rocksdb::Status st = kv.db()->Write(rocksdb::WriteOptions(), &batch);
  if (!st.ok()) Die("plain: rocksdb write: " + st.ToString());
  return read;
}

struct PlainResult {
  PhaseResult total;   // consumer created -> last batch written
  PhaseResult steady;  // first batch -> last batch written
};

// Consumes this run's reports and designations, stores each record's bytes
// into a fresh RocksDB opened with the evidence store's options and tables
// (store::KvStore::Open), and produces `outputs` (the service's records of
// this run, the same keys, values and headers), one WriteBatch and one
// acknowledged produce per poll batch of at most kServiceBatch records.
PlainResult RunPlain(const Options& o, const Data& d,
                     const std::vector<kafka::Record>& outputs,
                     const std::string& dir) {
  std::filesystem::remove_all(dir);
  auto kv = store::KvStore::Open(dir, evidence::Tables());
  if (!kv.ok()) Die(std::string(kv.status().message()));
  const int total_reports = static_cast<int>(d.claims.size());
  const int total = total_reports + static_cast<int>(d.designations.size());
  PlainProducer producer(o);
  const Snapshot start = Take(0, o.broker_pid);
  rd_kafka_t* consumer = PlainConsumer(o);
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer);
  std::vector<rd_kafka_message_t*> msgs(kServiceBatch);
  Snapshot first{};
  int read = 0, reports = 0, at_first = -1;
  size_t produced = 0;
  auto progress = Clock::now();
  while (read < total) {
    const ssize_t n =
        rd_kafka_consume_batch_queue(queue, 100, msgs.data(), msgs.size());
    if (n < 0) Die("plain: consume failed");
    if (n == 0) {
      if (Clock::now() - progress > seconds(o.timeout_s)) {
        Die(StrCat("plain: ", read, " of ", total, " records read"));
      }
      continue;
    }
    progress = Clock::now();
    if (at_first < 0) {
      first = Take(0, o.broker_pid);
      at_first = reports;
    }
    read += PlainBatch(msgs.data(), n, **kv, producer, outputs, total_reports,
                       &reports, &produced);
  }
  const Snapshot last = Take(0, o.broker_pid);
  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  PlainResult out;
  out.total = Measure("plain", total_reports, start, last, true);
  out.steady =
      Measure("plain_steady", total_reports - at_first, first, last, true);
  std::cerr << "evidence_bench: plain: " << read << " records read, "
            << produced << " produced\n";
  kv->reset();
  std::filesystem::remove_all(dir);
  return out;
}

// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// The processor alone (--phases apply): no Kafka, no broker, no other
// process, so its CPU per claim is comparable between builds even on a busy
// machine.

// Processor::Apply as the loop's batch step runs it (the outputs are not
// built: what the handler adds per output is a record with the bytes).
class ApplyOnly : public stream::Handler {
 public:
  explicit ApplyOnly(const evidence::Processor* p) : processor_(p) {}
  absl::StatusOr<std::vector<stream::Output>> Apply(
      store::KvTx& kv, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override {
    evidence::Tx tx(&kv);
    auto result = processor_->Apply(tx, records, owned);
    if (!result.ok()) return result.status();
    emitted += static_cast<int64_t>(result->emit.size());
    return std::vector<stream::Output>{};
  }
  int64_t emitted = 0;

 private:
  const evidence::Processor* processor_;
};

// The run's records as the service reads them: the designations first (the
// reference topic is read before the group's), then the claims, 1000 per
// batch, on the partitions their keys hash to in turn.
std::vector<std::vector<kafka::Record>> ApplyBatches(const Data& d) {
  std::vector<std::vector<kafka::Record>> batches(1);
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  const int64_t now_ms = 1700000000000;
  auto add = [&](const v1::AgencyReport& r, std::string_view topic,
                 const std::string& key, int32_t partition, int64_t k) {
    if (batches.back().size() >= static_cast<size_t>(kServiceBatch)) {
      batches.emplace_back();
    }
    kafka::Record rec;
    rec.topic = std::string(topic);
    rec.partition = partition;
    rec.offset = next[{rec.topic, partition}]++;
    rec.timestamp_ms = now_ms + k;
    rec.key = key;
    rec.value = r.SerializeAsString();
    batches.back().push_back(std::move(rec));
  };
  for (size_t k = 0; k < d.designations.size(); ++k) {
    add(d.designations[k], topics::kReference,
        d.designations[k].org_designated().org_id(),
        static_cast<int32_t>(k % kPartitions), static_cast<int64_t>(k));
  }
  batches.emplace_back();
  for (size_t k = 0; k < d.claims.size(); ++k) {
    add(d.claims[k], topics::kReports, d.claims[k].link_claim().subject_pid(),
        static_cast<int32_t>(k % kPartitions), static_cast<int64_t>(k));
  }
  return batches;
}

PhaseResult RunApply(const Options& o, const Data& d, const std::string& dir) {
  std::filesystem::remove_all(dir);
  const auto batches = ApplyBatches(d);
  PhaseResult result;
  {
    auto kv = store::KvStore::Open(dir, evidence::Tables());
    if (!kv.ok()) Die(std::string(kv.status().message()));
    const evidence::Processor processor(&evidence::DefaultRulebook(),
                                        std::string(topics::kReports),
                                        std::string(topics::kReference));
    ApplyOnly handler(&processor);
    std::set<int32_t> owned;
    for (int p = 0; p < kPartitions; ++p) owned.insert(p);
    const Snapshot before = Take(0, 0);
    for (const auto& batch : batches) {
      stream::Applied applied;
      if (absl::Status s =
              stream::ApplyAndCommit(handler, **kv, batch, owned, {}, &applied);
          !s.ok()) {
        Die(StrCat("apply: ", s.message()));
      }
    }
    const Snapshot after = Take(0, 0);
    result = Measure("apply", static_cast<int>(d.claims.size()), before, after,
                     true);
    if (handler.emitted != static_cast<int64_t>(d.claims.size())) {
      Die(StrCat("apply: ", handler.emitted, " assessments for ",
                 d.claims.size(), " claims"));
    }
  }
  std::filesystem::remove_all(dir);
  return result;
}

std::string PerClaim(double us, int claims) {
  return us >= 0 ? Fixed(us / claims, 2) : "-";
}

// `plain`: the plain pipeline's rate for the same span (0: not run).
void Result(const PhaseResult& r, double plain, const std::string& extra) {
  std::cerr << "evidence_bench: " << r.phase << ": " << r.claims
            << " claims in " << Fixed(r.seconds, 3)
            << " s = " << Fixed(r.rate(), 0) << " claims/s";
  if (plain > 0) std::cerr << " (" << Fixed(r.rate() / plain, 3) << "x plain)";
  std::cerr << "; CPU µs/claim " << PerClaim(r.cpu_us, r.claims) << ", broker "
            << PerClaim(r.broker_us, r.claims) << ", bench "
            << PerClaim(r.client_us, r.claims) << "; other processes "
            << (r.other_us >= 0 ? Fixed(r.other_us / r.seconds / 1e6, 2) : "-")
            << " CPUs\n";
  std::cout << "RESULT phase=" << r.phase << " claims=" << r.claims
            << " seconds=" << Fixed(r.seconds, 4)
            << " rate=" << Fixed(r.rate(), 1)
            << " x_plain=" << (plain > 0 ? Fixed(r.rate() / plain, 4) : "-")
            << " cpu_us=" << PerClaim(r.cpu_us, r.claims)
            << " client_us=" << PerClaim(r.client_us, r.claims)
            << " broker_us=" << PerClaim(r.broker_us, r.claims)
            << " other_cpus="
            << (r.other_us >= 0 ? Fixed(r.other_us / r.seconds / 1e6, 2) : "-")
            << extra << std::endl;
}

void Summarize(const EvidenceResult& ev, size_t claims) {
  std::string results;
  for (const auto& [name, count] : ev.results) {
    results += StrCat(results.empty() ? "" : ", ", name, " ", count);
  }
  std::cerr << "evidence_bench: first assessment after "
            << Fixed(ev.startup_s, 3) << " s; "
            << Fixed(static_cast<double>(ev.assessments) / claims, 3)
            << " assessments per claim; final results: " << results << "\n";
  const double wall = ev.total.seconds;
  std::cerr << "evidence_bench: evidence threads (CPU s, share of the "
               "phase's wall time):";
  for (size_t k = 0; k < ev.threads.size() && k < 8; ++k) {
    const ThreadCpu& t = ev.threads[k];
    if (t.us <= 0) break;
    std::cerr << " " << t.name << "[" << t.tid << "] " << Fixed(t.us / 1e6, 2)
              << " (" << Fixed(100 * t.us / 1e6 / wall, 0) << "%)";
  }
  std::cerr << "\n";
  std::cerr << "evidence_bench: the busiest thread was on a CPU "
            << Fixed(100 * ev.worker_busy, 0)
            << "% of the time from the first to the last assessment\n";
}

int Main(int argc, char** argv) {
  SetProgram("evidence_bench");
  const Options o = ParseFlags(argc, argv);
  const Data data = Generate(o);
  std::cerr << "evidence_bench: " << data.claims.size() << " claims, "
            << data.designations.size() << " orgs (nonce " << o.nonce << ")\n";
  const auto phases = Split(o.phases, ',');
  const auto has = [&](const char* p) {
    return std::find(phases.begin(), phases.end(), p) != phases.end();
  };
  if (has("apply")) {
    Result(RunApply(o, data, o.rocksdb_dir + "/apply-" + o.nonce), 0, "");
  }
  if (!has("evidence")) return 0;
  const bool plain = has("plain");
  const EvidenceResult ev = RunEvidence(o, data);
  Summarize(ev, data.claims.size());
  PlainResult p;
  if (plain) {
    size_t bytes = 0;
    for (const auto& r : ev.outputs) bytes += r.value.size();
    std::cerr << "evidence_bench: plain: producing the service's "
              << ev.outputs.size() << " assessments (average "
              << bytes / std::max<size_t>(1, ev.outputs.size()) << " bytes)\n";
    p = RunPlain(o, data, ev.outputs, o.rocksdb_dir + "/plain-" + o.nonce);
  }
  const std::string extra = StrCat(
      " startup_s=", Fixed(ev.startup_s, 3),
      " worker_busy=", Fixed(ev.worker_busy, 3), " assessments_per_claim=",
      Fixed(static_cast<double>(ev.assessments) / data.claims.size(), 3));
  Result(ev.total, plain ? p.total.rate() : 0, extra);
  Result(ev.steady, plain ? p.steady.rate() : 0, extra);
  if (plain) {
    Result(p.total, 0, "");
    Result(p.steady, 0, "");
  }
  return 0;
}

}  // namespace
}  // namespace fruition::bench

int main(int argc, char** argv) { return fruition::bench::Main(argc, argv); }
