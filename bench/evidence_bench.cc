// evidence_bench: link claims assessed per second by fruition-evidence, end
// to end (topic in -> assessment out), against the same number of RocksDB
// WriteBatches of the same shape written directly:
//   evidence     N link claims (2-3 evidence items each) and one
//                org_designated per org are produced to fruition.reports.v1
//                and fruition.reference.v1 before the clock starts, keyed as
//                intake keys them. Then fruition-evidence (the command after
//                `--`, with a fresh data dir and consumer group, so it reads
//                from the beginning) is started, and the clock runs until
//                fruition.link-assessments.v1 holds an assessment of every
//                claim made with its org's designation known;
//   rocksdb1     N WriteBatches, one per claim, each with what the service
//                writes per claim (processor.cc Apply: a claims put, a
//                by_subject put, a by_org put, an assessments put and an
//                offsets put; the same keys and value bytes), into a fresh
//                RocksDB with the evidence store's column families;
//   rocksdb1000  the same puts, 1000 claims per WriteBatch (the service's
//                batch size).
// Prints, per phase, claims/s and CPU per claim: the evidence process's
// (/proc/<pid>/stat) for the evidence phase, this process's for the RocksDB
// phases, and the broker's.
//
// Run through bench/evidence, which starts the broker and passes the
// evidence command line. A benchmark, not a test: it fails only when the
// service does not assess every claim (it exits, or stops making progress).
//
// Output: a readable summary on stderr, one "RESULT k=v ..." line per phase
// on stdout (bench/evidence turns them into a table).
#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <librdkafka/rdkafka.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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
#include <unordered_map>
#include <vector>

#include "bench/common/child.h"
#include "bench/common/cpu.h"
#include "bench/common/flags.h"
#include "bench/common/kafka.h"
#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/reports.pb.h"
#include "services/common/kafka/admin.h"
#include "services/common/kafka/conf.h"
#include "services/common/kafka/consumer.h"
#include "services/common/kafka/producer.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/proto.h"
#include "services/common/store/kv.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/evidence/criteria.h"
#include "services/evidence/processor.h"  // also store.h: StoredReport
#include "tools/sim/evidence_stream.h"

namespace fruition::bench {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kPartitions = 12;
constexpr int kServiceBatch = 1000;  // services/evidence/handler.h batch_max

struct Options {
  std::string bootstrap;
  int claims = 20000;
  int orgs = 100;
  std::string phases = "evidence,rocksdb";
  std::string nonce;        // ids prefix; random by default
  std::string rocksdb_dir;  // parent of the RocksDB phases' fresh stores
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
    "         [--phases evidence,rocksdb] [--rocksdb-dir DIR]\n"
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
  bool evidence = false, rocksdb = false;
  for (const std::string& phase : Split(o.phases, ',')) {
    if (phase == "evidence") {
      evidence = true;
    } else if (phase == "rocksdb") {
      rocksdb = true;
    } else {
      Die("--phases: unknown phase '" + phase + "'");
    }
  }
  if (evidence) {
    if (o.bootstrap.empty()) {
      Die(std::string("--bootstrap: required\n") + kUsage);
    }
    if (o.evidence_cmd.empty()) {
      Die(std::string("the evidence command line (after --): required\n") +
          kUsage);
    }
  }
  if (rocksdb && o.rocksdb_dir.empty()) Die("--rocksdb-dir: required");
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

// `service_is_self`: the RocksDB phases, where this process does the work.
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
  return out;
}

// ---------------------------------------------------------------------------
// RocksDB phases.

// One claim's writes, as Processor::Apply makes them (store.h tables).
struct ClaimWrites {
  std::string offset_key, offset_value;
  std::string claim_key, claim_value;
  std::string subject_key, org_key;
  std::string assessment_key, assessment_value;
};

std::vector<ClaimWrites> PrepareWrites(const Data& d) {
  const evidence::Rulebook& rules = evidence::DefaultRulebook();
  std::map<std::string, internal::StoredReport> orgs;
  const int64_t now_ms = 1700000000000;
  for (size_t k = 0; k < d.designations.size(); ++k) {
    internal::StoredReport s;
    *s.mutable_report() = d.designations[k];
    s.set_kafka_timestamp_ms(now_ms);
    s.set_partition(static_cast<int32_t>(k % kPartitions));
    s.set_offset(static_cast<int64_t>(k / kPartitions));
    orgs[d.designations[k].org_designated().org_id()] = s;
  }
  std::vector<ClaimWrites> out;
  out.reserve(d.claims.size());
  for (size_t k = 0; k < d.claims.size(); ++k) {
    const v1::AgencyReport& r = d.claims[k];
    const auto& c = r.link_claim();
    const int32_t partition = static_cast<int32_t>(k % kPartitions);
    const int64_t offset = static_cast<int64_t>(k / kPartitions);
    internal::StoredReport stored;
    *stored.mutable_report() = r;
    stored.set_kafka_timestamp_ms(now_ms + static_cast<int64_t>(k));
    stored.set_partition(partition);
    stored.set_offset(offset);
    const v1::LinkAssessment a =
        evidence::MakeAssessment(rules, stored, {}, {orgs.at(c.org_id())});
    ClaimWrites w;
    w.offset_key =
        store::JoinKey({topics::kReports,
                        store::BigEndian(static_cast<uint32_t>(partition), 4)});
    w.offset_value = store::BigEndian(static_cast<uint64_t>(offset + 1), 8);
    w.claim_key = store::JoinKey({r.reporter(), c.claim_id()});
    w.claim_value = SerializeDeterministic(stored);
    w.subject_key =
        store::JoinKey({c.subject_pid(), r.reporter(), c.claim_id()});
    w.org_key = store::JoinKey({c.org_id(), r.reporter(), c.claim_id()});
    w.assessment_key =
        store::JoinKey({r.reporter(), c.claim_id(), rules.version});
    w.assessment_value = SerializeDeterministic(a);
    out.push_back(std::move(w));
  }
  return out;
}

// A fresh RocksDB with the evidence store's column families ("offsets",
// then the tables of services/evidence/store.cc, in order) and its options
// (RocksDB's defaults; services/common/store/kv.cc). Opened here rather than
// through EvidenceStore so that the bench does not depend on that class's
// accessors.
struct Db {
  enum Cf {
    kOffsets = 1,
    kClaims,
    kEvidence,
    kArrests,
    kBySubject,
    kByOrg,
    kOrgs,
    kAssessments
  };
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;  // [0] is "default"

  explicit Db(const std::string& dir) {
    std::filesystem::remove_all(dir);
    rocksdb::Options options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name :
         {"default", "offsets", "claims", "evidence", "arrests", "by_subject",
          "by_org", "orgs", "assessments"}) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    const rocksdb::Status s =
        rocksdb::DB::Open(options, dir, families, &cfs, &db);
    if (!s.ok()) Die("open " + dir + ": " + s.ToString());
  }
  ~Db() {
    for (auto* cf : cfs) {
      db->DestroyColumnFamilyHandle(cf).PermitUncheckedError();
    }
    db->Close().PermitUncheckedError();
    delete db;
  }
};

// Writes `writes` into a fresh store in `dir`, `per_batch` claims per
// WriteBatch, each claim's puts in Apply's order, with the service's write
// options (the defaults: WAL on, no sync).
PhaseResult RunRocksDb(const Options& o, const std::vector<ClaimWrites>& writes,
                       int per_batch, const std::string& dir) {
  PhaseResult result;
  {
    Db store(dir);
    rocksdb::ColumnFamilyHandle* offsets = store.cfs[Db::kOffsets];
    rocksdb::ColumnFamilyHandle* claims = store.cfs[Db::kClaims];
    rocksdb::ColumnFamilyHandle* by_subject = store.cfs[Db::kBySubject];
    rocksdb::ColumnFamilyHandle* by_org = store.cfs[Db::kByOrg];
    rocksdb::ColumnFamilyHandle* assessments = store.cfs[Db::kAssessments];
    const rocksdb::WriteOptions options;
    const Snapshot before = Take(0, o.broker_pid);
    for (size_t k = 0; k < writes.size(); k += per_batch) {
      rocksdb::WriteBatch batch;
      for (size_t j = k; j < std::min(writes.size(), k + per_batch); ++j) {
        const ClaimWrites& w = writes[j];
        (void)batch.Put(offsets, w.offset_key, w.offset_value);
        (void)batch.Put(claims, w.claim_key, w.claim_value);
        (void)batch.Put(by_subject, w.subject_key, "");
        (void)batch.Put(by_org, w.org_key, "");
        (void)batch.Put(assessments, w.assessment_key, w.assessment_value);
      }
      const rocksdb::Status st = store.db->Write(options, &batch);
      if (!st.ok()) Die("rocksdb write: " + st.ToString());
    }
    const Snapshot after = Take(0, o.broker_pid);
    result = Measure(StrCat("rocksdb", per_batch),
                     static_cast<int>(writes.size()), before, after, true);
  }
  std::filesystem::remove_all(dir);
  return result;
}

// ---------------------------------------------------------------------------

std::string PerClaim(double us, int claims) {
  return us >= 0 ? Fixed(us / claims, 2) : "-";
}

void Result(const PhaseResult& r, double rocks1, double rocks1000,
            const std::string& extra) {
  std::cerr << "evidence_bench: " << r.phase << ": " << r.claims
            << " claims in " << Fixed(r.seconds, 3)
            << " s = " << Fixed(r.rate(), 0) << " claims/s";
  if (rocks1 > 0) {
    std::cerr << " (" << Fixed(r.rate() / rocks1, 3) << "x rocksdb1)";
  }
  std::cerr << "; CPU µs/claim " << PerClaim(r.cpu_us, r.claims) << ", broker "
            << PerClaim(r.broker_us, r.claims) << ", bench "
            << PerClaim(r.client_us, r.claims) << "; other processes "
            << (r.other_us >= 0 ? Fixed(r.other_us / r.seconds / 1e6, 2) : "-")
            << " CPUs\n";
  std::cout << "RESULT phase=" << r.phase << " claims=" << r.claims
            << " seconds=" << Fixed(r.seconds, 4)
            << " rate=" << Fixed(r.rate(), 1) << " x_rocksdb1="
            << (rocks1 > 0 ? Fixed(r.rate() / rocks1, 4) : "-")
            << " x_rocksdb1000="
            << (rocks1000 > 0 ? Fixed(r.rate() / rocks1000, 4) : "-")
            << " cpu_us=" << PerClaim(r.cpu_us, r.claims)
            << " client_us=" << PerClaim(r.client_us, r.claims)
            << " broker_us=" << PerClaim(r.broker_us, r.claims)
            << " other_cpus="
            << (r.other_us >= 0 ? Fixed(r.other_us / r.seconds / 1e6, 2) : "-")
            << extra << std::endl;
}

int Main(int argc, char** argv) {
  SetProgram("evidence_bench");
  const Options o = ParseFlags(argc, argv);
  const Data data = Generate(o);
  std::cerr << "evidence_bench: " << data.claims.size() << " claims, "
            << data.designations.size() << " orgs (nonce " << o.nonce << ")\n";
  const auto phases = Split(o.phases, ',');
  const bool evidence =
      std::find(phases.begin(), phases.end(), "evidence") != phases.end();
  const bool rocksdb =
      std::find(phases.begin(), phases.end(), "rocksdb") != phases.end();

  EvidenceResult ev;
  if (evidence) {
    ev = RunEvidence(o, data);
    std::string results;
    for (const auto& [name, count] : ev.results) {
      results += StrCat(results.empty() ? "" : ", ", name, " ", count);
    }
    std::cerr << "evidence_bench: first assessment after "
              << Fixed(ev.startup_s, 3) << " s; "
              << Fixed(static_cast<double>(ev.assessments) / data.claims.size(),
                       3)
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
  PhaseResult r1, r1000;
  if (rocksdb) {
    const std::vector<ClaimWrites> writes = PrepareWrites(data);
    size_t bytes = 0;
    for (const auto& w : writes) {
      bytes += w.offset_key.size() + w.offset_value.size() +
               w.claim_key.size() + w.claim_value.size() +
               w.subject_key.size() + w.org_key.size() +
               w.assessment_key.size() + w.assessment_value.size();
    }
    std::cerr << "evidence_bench: " << bytes / writes.size()
              << " bytes of keys and values per claim (5 puts)\n";
    r1 = RunRocksDb(o, writes, 1, o.rocksdb_dir + "/rocksdb-" + o.nonce);
    r1000 = RunRocksDb(o, writes, kServiceBatch,
                       o.rocksdb_dir + "/rocksdb-" + o.nonce);
  }
  const double rate1 = rocksdb ? r1.rate() : 0;
  const double rate1000 = rocksdb ? r1000.rate() : 0;
  if (evidence) {
    const std::string extra = StrCat(
        " startup_s=", Fixed(ev.startup_s, 3),
        " worker_busy=", Fixed(ev.worker_busy, 3), " assessments_per_claim=",
        Fixed(static_cast<double>(ev.assessments) / data.claims.size(), 3));
    Result(ev.total, rate1, rate1000, extra);
    Result(ev.steady, rate1, rate1000, extra);
  }
  if (rocksdb) {
    Result(r1, rate1, rate1000, "");
    Result(r1000, rate1, rate1000, "");
  }
  return 0;
}

}  // namespace
}  // namespace fruition::bench

int main(int argc, char** argv) { return fruition::bench::Main(argc, argv); }
