// Tests of the evidence processor (processor.h) against a real RocksDB
// EvidenceStore: consumed reports in, link assessments (SPEC §3) out.
//
// Every unit of work is the one the service runs: the records through the
// stream loop's batch step (stream::ApplyBatch: offset dedupe, the
// operator's skips, offsets) into EvidenceHandler's processor, then
// store->Commit(tx);
// with kafka::Record values built by hand (values are serialized
// fruition.v1.AgencyReport messages, as intake produces them: subject_pid
// set, subject_ref empty).
#include "services/evidence/processor.h"

#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fruition/internal/evidence_store.pb.h"
#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/enums.pb.h"
#include "fruition/v1/reports.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/common/privacy/sealed_box.h"
#include "services/common/privacy/sealed_report.h"
#include "services/common/status.h"
#include "services/common/store/test_util.h"
#include "services/common/stream/loop.h"
#include "services/common/strings.h"
#include "services/evidence/criteria.h"
#include "services/evidence/store.h"
#include "tests/harness/fixtures.h"

namespace fruition::evidence {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kReports[] = "fruition.reports.v1";
constexpr char kReference[] = "fruition.reference.v1";

// 2016-01-01T00:00:00Z: the claims' time in most tests.
constexpr int64_t kBase = 1451606400;
constexpr int64_t kDay = 86400;
constexpr int64_t kHour = 3600;

constexpr char kCanary[] = "CANARY-SEALED-7731";

const std::set<int32_t> kAllPartitions = {0, 1, 2, 3};

// ---------------------------------------------------------------------------
// Report builders.

google::protobuf::Timestamp Ts(int64_t seconds) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  return ts;
}

v1::EvidenceItem Ev(const std::string& id, v1::EvidenceKind kind,
                    const std::string& source, int64_t observed,
                    const std::vector<std::string>& corroborates = {},
                    const std::string& sealed = "") {
  v1::EvidenceItem e;
  e.set_evidence_id(id);
  e.set_kind(kind);
  e.set_source_id(source);
  *e.mutable_observed_at() = Ts(observed);
  for (const auto& c : corroborates) e.add_corroborates(c);
  e.set_sealed_summary(sealed);
  return e;
}

v1::AgencyReport Claim(const std::string& reporter,
                       const std::string& report_id,
                       const std::string& claim_id, const std::string& pid,
                       const std::string& org, uint32_t hops, int64_t occurred,
                       const std::vector<v1::EvidenceItem>& items) {
  v1::AgencyReport r;
  r.set_report_id(report_id);
  r.set_reporter(reporter);
  *r.mutable_occurred_at() = Ts(occurred);
  r.set_case_id("CASE-" + claim_id);
  auto* c = r.mutable_link_claim();
  c->set_claim_id(claim_id);
  c->set_subject_pid(pid);
  c->set_org_id(org);
  c->set_link_role(v1::LINK_ROLE_MEMBER);
  c->set_hops(hops);
  for (const auto& e : items) *c->add_evidence() = e;
  return r;
}

v1::AgencyReport Added(const std::string& reporter,
                       const std::string& report_id,
                       const std::string& claim_id, const std::string& pid,
                       int64_t occurred,
                       const std::vector<v1::EvidenceItem>& items) {
  v1::AgencyReport r;
  r.set_report_id(report_id);
  r.set_reporter(reporter);
  *r.mutable_occurred_at() = Ts(occurred);
  r.set_case_id("CASE-" + claim_id);
  auto* e = r.mutable_evidence_added();
  e->set_claim_id(claim_id);
  e->set_subject_pid(pid);
  for (const auto& item : items) *e->add_evidence() = item;
  return r;
}

v1::AgencyReport Designated(const std::string& reporter,
                            const std::string& report_id,
                            const std::string& org, v1::Tier tier,
                            int64_t occurred, bool revoked = false) {
  v1::AgencyReport r;
  r.set_report_id(report_id);
  r.set_reporter(reporter);
  *r.mutable_occurred_at() = Ts(occurred);
  auto* d = r.mutable_org_designated();
  d->set_org_id(org);
  d->set_tier(tier);
  d->set_region("MID-ATLANTIC");
  d->add_criteria_cited("command-and-control");
  d->set_revoked(revoked);
  return r;
}

v1::AgencyReport ArrestOf(const std::string& reporter,
                          const std::string& report_id,
                          const std::string& claim_id, const std::string& pid,
                          int64_t occurred) {
  v1::AgencyReport r;
  r.set_report_id(report_id);
  r.set_reporter(reporter);
  *r.mutable_occurred_at() = Ts(occurred);
  r.set_case_id("CASE-" + claim_id);
  auto* a = r.mutable_arrest();
  a->set_arrest_id("AR-" + report_id);
  a->set_subject_pid(pid);
  a->set_agency(reporter);
  a->set_field_office("PHILADELPHIA");
  a->set_claim_id(claim_id);
  return r;
}

// Two items from two sources, one direct, observed before `t`: C2–C4 and
// C6 pass for a claim at `t`.
std::vector<v1::EvidenceItem> TwoDirectItems(int64_t t) {
  return {Ev("EV-1", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1", t - kDay),
          Ev("EV-2", v1::EVIDENCE_KIND_FINANCIAL_RECORD, "S2", t - 2 * kDay)};
}

kafka::Record Rec(const std::string& topic, int32_t partition, int64_t offset,
                  int64_t timestamp_ms, const v1::AgencyReport& report) {
  kafka::Record r;
  r.topic = topic;
  r.partition = partition;
  r.offset = offset;
  r.timestamp_ms = timestamp_ms;
  if (report.has_org_designated()) {
    r.key = report.org_designated().org_id();
  } else if (report.has_link_claim()) {
    r.key = report.link_claim().subject_pid();
  } else if (report.has_evidence_added()) {
    r.key = report.evidence_added().subject_pid();
  } else if (report.has_arrest()) {
    r.key = report.arrest().subject_pid();
  } else {
    r.key = report.case_id();
  }
  r.value = report.SerializeAsString();
  return r;
}

// ---------------------------------------------------------------------------
// Store and processor plumbing.

std::string FreshDir() { return fixtures::FreshDir("evidence_processor"); }

std::unique_ptr<EvidenceStore> OpenFresh() {
  auto store = EvidenceStore::Open(FreshDir());
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  return *std::move(store);
}

// The processor as the stream loop runs it, keeping its ApplyResult.
class ProcessorHandler : public stream::Handler {
 public:
  explicit ProcessorHandler(const Processor& processor)
      : processor_(processor) {}
  absl::StatusOr<std::vector<stream::Output>> Apply(
      store::KvTx& kv, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override {
    Tx tx(&kv);
    auto r = processor_.Apply(tx, records, owned);
    if (!r.ok()) return r.status();
    result = *std::move(r);
    return std::vector<stream::Output>{};
  }
  ApplyResult result;

 private:
  const Processor& processor_;
};

// `records` into `tx` as the loop applies a batch. Re-deliveries and
// records the operator skipped never reach the processor (the loop drops
// them); they count as `ignored`, as they did when the processor filtered
// them itself.
absl::StatusOr<ApplyResult> ApplyAsTheLoop(
    Tx& tx, const Processor& processor,
    const std::vector<kafka::Record>& records,
    const std::set<int32_t>& owned = kAllPartitions,
    const stream::SkipSet& skip = {}) {
  ProcessorHandler handler(processor);
  stream::Applied applied;
  FRUITION_RETURN_IF_ERROR(
      stream::ApplyBatch(handler, tx.kv(), records, owned, skip, &applied));
  handler.result.ignored +=
      static_cast<int64_t>(records.size()) - applied.records;
  return handler.result;
}

// One unit of work, committed when it succeeds.
absl::StatusOr<ApplyResult> ApplyAndCommit(
    EvidenceStore* store, const Processor& processor,
    const std::vector<kafka::Record>& records,
    const std::set<int32_t>& owned = kAllPartitions,
    const stream::SkipSet& skip = {}) {
  Tx tx(store);
  auto r = ApplyAsTheLoop(tx, processor, records, owned, skip);
  if (!r.ok()) return r;  // the caller commits nothing
  const absl::Status committed = store->Commit(tx);
  if (!committed.ok()) return committed;
  return r;
}

std::optional<v1::LinkAssessment> Stored(EvidenceStore* store,
                                         const ClaimKey& key,
                                         const std::string& version = "v1") {
  Tx tx(store);
  return store::Ok(tx.Assessment(key, version));
}

bool SameMessage(const google::protobuf::Message& a,
                 const google::protobuf::Message& b) {
  return MessageDifferencer::Equals(a, b);
}

class ProcessorTest : public ::testing::Test {
 protected:
  ProcessorTest() : processor_(&DefaultRulebook(), kReports, kReference) {}
  Processor processor_;
};

// ---------------------------------------------------------------------------
// 1. One claim, designated org: SUBSTANTIATED, every key field set.

TEST_F(ProcessorTest, SubstantiatedClaimEmitsOneCompleteAssessment) {
  const int64_t t = kBase;
  const auto designation = Designated("DEA", "R-ORG-1", "ORG-KENSINGTON",
                                      v1::TIER_PTO_REGIONAL, t - 100 * kDay);
  // Items deliberately out of id order: evidence_ids must come out sorted.
  const auto claim = Claim(
      "DEA", "R-CL-1", "CL-00001", "pid-aaaa", "ORG-KENSINGTON", 1, t,
      {Ev("EV-2", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "SRC-T3", t - 10 * kDay),
       Ev("EV-1", v1::EVIDENCE_KIND_CONTROLLED_BUY, "SRC-UC7", t - 20 * kDay)});
  const std::vector<kafka::Record> ref = {
      Rec(kReference, 0, 0, (t - 100 * kDay) * 1000 + 1, designation)};
  const std::vector<kafka::Record> reports = {
      Rec(kReports, 1, 0, t * 1000 + 500, claim)};

  auto store = OpenFresh();
  ASSERT_NE(store, nullptr);
  auto r1 = ApplyAndCommit(store.get(), processor_, ref);
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_THAT(r1->emit, IsEmpty()) << "no claim yet";
  EXPECT_EQ(r1->applied, 1);

  auto r2 = ApplyAndCommit(store.get(), processor_, reports);
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(r2->applied, 1);
  ASSERT_THAT(r2->emit, SizeIs(1));
  const v1::LinkAssessment& a = r2->emit[0];
  EXPECT_EQ(a.result(), v1::ASSESSMENT_RESULT_SUBSTANTIATED);
  EXPECT_THAT(a.failed_criteria(), IsEmpty());
  EXPECT_EQ(a.criteria_version(), "v1");
  EXPECT_EQ(a.claim_id(), "CL-00001");
  EXPECT_EQ(a.subject_pid(), "pid-aaaa");
  EXPECT_EQ(a.org_id(), "ORG-KENSINGTON");
  EXPECT_EQ(a.reporter(), "DEA");
  EXPECT_EQ(a.tier(), v1::TIER_PTO_REGIONAL);
  EXPECT_THAT(a.evidence_ids(), ElementsAre("EV-1", "EV-2"));
  EXPECT_EQ(a.claim_occurred_at().seconds(), t);
  // The latest Kafka timestamp among the reports used (the claim's).
  EXPECT_EQ(a.assessed_at().seconds(), t);
  EXPECT_EQ(a.assessed_at().nanos(), 500 * 1000000);
  EXPECT_FALSE(a.assessment_id().empty());

  // Stored as the latest v1 assessment of the claim.
  auto stored = Stored(store.get(), ClaimKey{"DEA", "CL-00001"});
  ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE(SameMessage(*stored, a)) << stored->DebugString();

  // Deterministic: the same records in a fresh store give the same message.
  auto other = OpenFresh();
  ASSERT_NE(other, nullptr);
  std::vector<kafka::Record> all = ref;
  all.insert(all.end(), reports.begin(), reports.end());
  auto r3 = ApplyAndCommit(other.get(), processor_, all);
  ASSERT_TRUE(r3.ok()) << r3.status();
  ASSERT_THAT(r3->emit, SizeIs(1));
  EXPECT_EQ(r3->emit[0].assessment_id(), a.assessment_id());
  EXPECT_TRUE(SameMessage(r3->emit[0], a));

  // And the same as MakeAssessment on the stored facts.
  internal::StoredReport sc;
  *sc.mutable_report() = claim;
  sc.set_kafka_timestamp_ms(t * 1000 + 500);
  internal::StoredReport sd;
  *sd.mutable_report() = designation;
  sd.set_kafka_timestamp_ms((t - 100 * kDay) * 1000 + 1);
  const v1::LinkAssessment direct =
      MakeAssessment(DefaultRulebook(), sc, {}, {sd});
  EXPECT_EQ(direct.assessment_id(), a.assessment_id());
}

// ---------------------------------------------------------------------------
// 2. Order independence.
//
// A scenario is a list of messages, each with its topic, partition and Kafka
// timestamp fixed (a record's timestamp is part of the facts: assessed_at is
// the latest timestamp among the reports used, so it must not change with the
// order). Offsets, on the other hand, are positions in a partition: Apply
// skips a record whose offset is below the partition's stored next offset
// (a re-delivery), so a "different order" is modelled as a different log:
// each run assigns offsets 0, 1, 2, ... per (topic, partition) in the order
// that run delivers the messages. Offsets are not an input of the assessment,
// so only the order of delivery differs between runs.

struct Msg {
  std::string topic;
  int32_t partition = 0;
  int64_t timestamp_ms = 0;
  v1::AgencyReport report;
};

struct Scenario {
  std::vector<Msg> log;  // in log (timestamp) order
  std::vector<ClaimKey> claims;
};

Scenario MakeScenario() {
  Scenario s;
  auto ref = [&](int32_t partition, v1::AgencyReport report) {
    const int64_t ts = (report.occurred_at().seconds() + kHour) * 1000 + 7;
    s.log.push_back(Msg{kReference, partition, ts, std::move(report)});
  };
  // Designation histories:
  //   ORG-A  PTO_REGIONAL since base-100d.
  //   ORG-B  RPOT since base-10d, CPOT from base+150d (tier change).
  //   ORG-C  PTO_LOCAL since base-50d, revoked at base+100d.
  //   ORG-D  never designated.
  //   ORG-E  PTO_NATIONAL only from base+400d (after every claim).
  ref(0, Designated("DEA", "D-A1", "ORG-A", v1::TIER_PTO_REGIONAL,
                    kBase - 100 * kDay));
  ref(1, Designated("FBI", "D-B1", "ORG-B", v1::TIER_RPOT, kBase - 10 * kDay));
  ref(1, Designated("FBI", "D-B2", "ORG-B", v1::TIER_CPOT, kBase + 150 * kDay));
  ref(0, Designated("DEA", "D-C1", "ORG-C", v1::TIER_PTO_LOCAL,
                    kBase - 50 * kDay));
  ref(0, Designated("DEA", "D-C2", "ORG-C", v1::TIER_PTO_LOCAL,
                    kBase + 100 * kDay, /*revoked=*/true));
  ref(2, Designated("HSI", "D-E1", "ORG-E", v1::TIER_PTO_NATIONAL,
                    kBase + 400 * kDay));

  const std::vector<std::string> reporters = {"DEA", "FBI", "HSI"};
  const std::vector<std::string> orgs = {"ORG-A", "ORG-B", "ORG-C", "ORG-D",
                                         "ORG-E"};
  for (int i = 0; i < 30; ++i) {
    const std::string& reporter = reporters[i % 3];
    const std::string n = std::to_string(100 + i);
    const std::string claim_id = "CL-" + n;
    const std::string pid = "pid-" + std::to_string(i % 10);
    const int32_t partition = (i % 10) % 4;
    const int64_t t = kBase + int64_t{i} * 10 * kDay;
    const std::string id = "EV-" + n;
    std::vector<v1::EvidenceItem> items;
    switch (i % 6) {
      case 0:  // direct + surveillance, two sources
        items = {
            Ev(id + "-a", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1",
               t - 5 * kDay, {}, kCanary),
            Ev(id + "-b", v1::EVIDENCE_KIND_SURVEILLANCE, "S2", t - 20 * kDay)};
        break;
      case 1:  // uncorroborated cooperator (C4)
        items = {Ev(id + "-a", v1::EVIDENCE_KIND_COOPERATOR_STATEMENT, "S1",
                    t - 5 * kDay),
                 Ev(id + "-b", v1::EVIDENCE_KIND_CONTROLLED_BUY, "S2",
                    t - 6 * kDay)};
        break;
      case 2:  // a single item (C2)
        items = {Ev(id + "-a", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1",
                    t - 5 * kDay)};
        break;
      case 3:  // tip corroborated by a financial record of another source
        items = {
            Ev(id + "-a", v1::EVIDENCE_KIND_INFORMANT_TIP, "S1", t - 30 * kDay),
            Ev(id + "-b", v1::EVIDENCE_KIND_FINANCIAL_RECORD, "S2",
               t - 40 * kDay, {id + "-a"})};
        break;
      case 4:  // no direct evidence (C3), one item old
        items = {
            Ev(id + "-a", v1::EVIDENCE_KIND_SURVEILLANCE, "S1", t - 5 * kDay),
            Ev(id + "-b", v1::EVIDENCE_KIND_SURVEILLANCE, "S2",
               t - 800 * kDay)};
        break;
      case 5:  // stale item plus one dated after the claim (C2, C6)
        items = {Ev(id + "-a", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1",
                    t - 900 * kDay),
                 Ev(id + "-b", v1::EVIDENCE_KIND_COMMUNICATIONS_RECORD, "S2",
                    t + 5 * kDay)};
        break;
    }
    s.claims.push_back(ClaimKey{reporter, claim_id});
    s.log.push_back(
        Msg{kReports, partition, (t + kHour) * 1000 + i,
            Claim(reporter, "R-" + claim_id, claim_id, pid, orgs[i % 5],
                  static_cast<uint32_t>(i % 3), t, items)});
    if (i % 4 == 1) {  // late evidence, dated after the claim
      const int64_t at = t + 31 * kDay;
      s.log.push_back(
          Msg{kReports, partition, (at + kHour) * 1000 + i,
              Added(reporter, "EA1-" + claim_id, claim_id, pid, at,
                    {Ev(id + "-c", v1::EVIDENCE_KIND_SURVEILLANCE, "S3",
                        t + 30 * kDay, {id + "-a"}, kCanary)})});
    }
    if (i % 7 == 2) {  // repeats a claim item's id (ignored) plus a new one
      const int64_t at = t + 45 * kDay;
      s.log.push_back(Msg{kReports, partition, (at + kHour) * 1000 + i,
                          Added(reporter, "EA2-" + claim_id, claim_id, pid, at,
                                {Ev(id + "-a", v1::EVIDENCE_KIND_INFORMANT_TIP,
                                    "S9", t - 1 * kDay),
                                 Ev(id + "-d", v1::EVIDENCE_KIND_SEIZURE_TRACE,
                                    "S4", t + 40 * kDay)})});
    }
    if (i % 5 == 3) {
      const int64_t at = t + 2 * kDay;
      s.log.push_back(
          Msg{kReports, partition, (at + kHour) * 1000 + i,
              ArrestOf(reporter, "ARR-" + claim_id, claim_id, pid, at)});
    }
  }
  std::stable_sort(s.log.begin(), s.log.end(), [](const Msg& a, const Msg& b) {
    return a.timestamp_ms < b.timestamp_ms;
  });
  return s;
}

struct RunResult {
  std::map<ClaimKey, v1::LinkAssessment> stored;     // Tx::Assessment(v1)
  std::map<ClaimKey, v1::LinkAssessment> last_emit;  // last emitted per claim
};

// Delivers `order` (indices into s.log) in batches of the given sizes
// (cycled), assigning offsets per partition in delivery order, to a fresh
// store.
RunResult RunOrder(const Processor& processor, const Scenario& s,
                   const std::vector<size_t>& order,
                   const std::vector<size_t>& batch_sizes) {
  RunResult out;
  auto store = OpenFresh();
  EXPECT_NE(store, nullptr);
  if (store == nullptr) return out;
  std::map<kafka::TopicPartition, int64_t> next;
  std::vector<kafka::Record> records;
  for (size_t idx : order) {
    const Msg& m = s.log[idx];
    int64_t& offset = next[{m.topic, m.partition}];
    records.push_back(
        Rec(m.topic, m.partition, offset++, m.timestamp_ms, m.report));
  }
  size_t pos = 0;
  size_t b = 0;
  while (pos < records.size()) {
    const size_t n =
        std::min(records.size() - pos, batch_sizes[b++ % batch_sizes.size()]);
    std::vector<kafka::Record> batch(records.begin() + pos,
                                     records.begin() + pos + n);
    pos += n;
    auto r = ApplyAndCommit(store.get(), processor, batch);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return out;
    for (const auto& a : r->emit) {
      out.last_emit[ClaimKey{a.reporter(), a.claim_id()}] = a;
    }
  }
  Tx tx(store.get());
  for (const ClaimKey& key : s.claims) {
    if (auto a = store::Ok(tx.Assessment(key, "v1"))) out.stored[key] = *a;
  }
  // Every partition's next offset is one past its last record.
  for (const auto& [tp, n] : next) {
    EXPECT_EQ(store::Ok(tx.NextOffset(tp)), n) << tp.first << "/" << tp.second;
  }
  return out;
}

TEST_F(ProcessorTest, FinalAssessmentsDoNotDependOnArrivalOrder) {
  const Scenario s = MakeScenario();
  ASSERT_EQ(s.claims.size(), 30u);
  std::vector<size_t> log_order(s.log.size());
  for (size_t i = 0; i < log_order.size(); ++i) log_order[i] = i;

  const RunResult baseline = RunOrder(processor_, s, log_order, {1000});
  ASSERT_EQ(baseline.stored.size(), 30u) << "every claim assessed";
  std::map<v1::AssessmentResult, int> results;
  for (const auto& [key, a] : baseline.stored) {
    ++results[a.result()];
    EXPECT_EQ(a.criteria_version(), "v1");
    // What was emitted last is what is stored.
    ASSERT_EQ(baseline.last_emit.count(key), 1u) << key.claim_id;
    EXPECT_TRUE(SameMessage(baseline.last_emit.at(key), a)) << key.claim_id;
  }
  // The scenario exercises every result.
  EXPECT_GT(results[v1::ASSESSMENT_RESULT_SUBSTANTIATED], 0);
  EXPECT_GT(results[v1::ASSESSMENT_RESULT_PARTIAL], 0);
  EXPECT_GT(results[v1::ASSESSMENT_RESULT_UNSUBSTANTIATED], 0);

  struct Variant {
    std::string name;
    std::vector<size_t> order;
    std::vector<size_t> batches;
  };
  std::vector<Variant> variants;
  variants.push_back({"log order, one record per batch", log_order, {1}});
  {
    // Everything reversed: evidence before its claim, claims before their
    // org's designation, revocations before designations.
    std::vector<size_t> o(log_order.rbegin(), log_order.rend());
    variants.push_back({"reversed, batches of 1", o, {1}});
    variants.push_back({"reversed, one batch", o, {1000}});
  }
  {
    // Reports first (reversed), the reference topic last.
    std::vector<size_t> o;
    for (size_t i = s.log.size(); i-- > 0;) {
      if (s.log[i].topic == kReports) o.push_back(i);
    }
    for (size_t i = 0; i < s.log.size(); ++i) {
      if (s.log[i].topic == kReference) o.push_back(i);
    }
    variants.push_back({"reference last, batches of 5", o, {5}});
  }
  {
    // The reference topic first (reversed: revocations before designations),
    // then reports.
    std::vector<size_t> o;
    for (size_t i = s.log.size(); i-- > 0;) {
      if (s.log[i].topic == kReference) o.push_back(i);
    }
    for (size_t i = 0; i < s.log.size(); ++i) {
      if (s.log[i].topic == kReports) o.push_back(i);
    }
    variants.push_back({"reference first, batches of 3,7", o, {3, 7}});
  }
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    std::mt19937 rng(seed);
    std::vector<size_t> o = log_order;
    std::shuffle(o.begin(), o.end(), rng);
    std::vector<size_t> batches;
    batches.reserve(8);
    for (int i = 0; i < 8; ++i) batches.push_back(1 + rng() % 9);
    variants.push_back({"shuffle seed " + std::to_string(seed), o, batches});
  }

  for (const Variant& v : variants) {
    SCOPED_TRACE(v.name);
    const RunResult run = RunOrder(processor_, s, v.order, v.batches);
    ASSERT_EQ(run.stored.size(), baseline.stored.size());
    for (const auto& [key, want] : baseline.stored) {
      ASSERT_EQ(run.stored.count(key), 1u) << key.claim_id;
      const v1::LinkAssessment& got = run.stored.at(key);
      EXPECT_EQ(got.assessment_id(), want.assessment_id())
          << key.reporter << "/" << key.claim_id << "\nwant "
          << want.DebugString() << "got " << got.DebugString();
      EXPECT_TRUE(SameMessage(got, want)) << key.claim_id;
      ASSERT_EQ(run.last_emit.count(key), 1u) << key.claim_id;
      EXPECT_TRUE(SameMessage(run.last_emit.at(key), got))
          << "the last emitted assessment is the stored one: " << key.claim_id;
    }
  }
}

// ---------------------------------------------------------------------------
// 3. Re-delivery and duplicates.

TEST_F(ProcessorTest, RedeliveryAndExactDuplicatesChangeNothing) {
  const int64_t t = kBase;
  const auto designation = Designated("DEA", "R-ORG-1", "ORG-A",
                                      v1::TIER_PTO_REGIONAL, t - 100 * kDay);
  const auto claim =
      Claim("DEA", "R-CL-1", "CL-1", "pid-1", "ORG-A", 1, t,
            {Ev("EV-1", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1", t - kDay),
             Ev("EV-2", v1::EVIDENCE_KIND_SURVEILLANCE, "S2", t - kDay)});
  const auto added =
      Added("DEA", "R-EA-1", "CL-1", "pid-1", t + 10 * kDay,
            {Ev("EV-3", v1::EVIDENCE_KIND_CONTROLLED_BUY, "S3", t + 9 * kDay)});
  const std::vector<kafka::Record> records = {
      Rec(kReference, 0, 0, (t - 100 * kDay) * 1000, designation),
      Rec(kReports, 2, 0, t * 1000, claim),
      Rec(kReports, 2, 1, (t + 10 * kDay) * 1000, added),
  };
  auto store = OpenFresh();
  ASSERT_NE(store, nullptr);
  auto first = ApplyAndCommit(store.get(), processor_, records);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->applied, 3);
  ASSERT_THAT(first->emit, SizeIs(1));
  const ClaimKey key{"DEA", "CL-1"};
  const auto before = Stored(store.get(), key);
  ASSERT_TRUE(before.has_value());
  EXPECT_THAT(before->evidence_ids(), ElementsAre("EV-1", "EV-2", "EV-3"));

  // The same records again (same offsets): skipped, nothing written.
  {
    Tx tx(store.get());
    auto again = ApplyAsTheLoop(tx, processor_, records);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_THAT(again->emit, IsEmpty());
    EXPECT_EQ(again->applied, 0);
    EXPECT_EQ(again->ignored, 3);
    EXPECT_TRUE(tx.empty()) << "a re-delivery writes nothing";
    ASSERT_TRUE(store->Commit(tx).ok());
  }
  // Re-delivered one at a time, too.
  for (const auto& r : records) {
    auto again = ApplyAndCommit(store.get(), processor_, {r});
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_THAT(again->emit, IsEmpty());
    EXPECT_EQ(again->applied, 0);
  }

  // Exact duplicates (same reporter/report_id and body) at new offsets, with
  // later timestamps (a producer retry): nothing new.
  const std::vector<kafka::Record> duplicates = {
      Rec(kReference, 0, 1, (t + 20 * kDay) * 1000, designation),
      Rec(kReports, 2, 2, (t + 20 * kDay) * 1000, claim),
      Rec(kReports, 2, 3, (t + 21 * kDay) * 1000, added),
  };
  auto dup = ApplyAndCommit(store.get(), processor_, duplicates);
  ASSERT_TRUE(dup.ok()) << dup.status();
  EXPECT_THAT(dup->emit, IsEmpty());
  EXPECT_EQ(dup->applied, 0);
  EXPECT_EQ(dup->ignored, 3);
  EXPECT_EQ(dup->conflicts, 0);
  {
    Tx tx(store.get());
    EXPECT_EQ(store::Ok(tx.NextOffset({kReports, 2})), 4)
        << "duplicates still advance";
    EXPECT_EQ(store::Ok(tx.NextOffset({kReference, 0})), 2);
    EXPECT_THAT(store::Ok(tx.EvidenceAdded(key)), SizeIs(1));
    EXPECT_THAT(store::Ok(tx.OrgHistory("ORG-A")), SizeIs(1));
  }
  const auto after = Stored(store.get(), key);
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(SameMessage(*before, *after)) << after->DebugString();

  // A second, different link_claim for the same claim id: the first wins,
  // counted as a conflict, nothing emitted.
  auto other = Claim("DEA", "R-CL-1-BIS", "CL-1", "pid-1", "ORG-A", 0, t,
                     {Ev("EV-9", v1::EVIDENCE_KIND_SURVEILLANCE, "S9", t)});
  auto conflict =
      ApplyAndCommit(store.get(), processor_,
                     {Rec(kReports, 2, 4, (t + 22 * kDay) * 1000, other)});
  ASSERT_TRUE(conflict.ok()) << conflict.status();
  EXPECT_THAT(conflict->emit, IsEmpty());
  EXPECT_EQ(conflict->conflicts, 1);
  EXPECT_EQ(conflict->applied, 0);
  const auto last = Stored(store.get(), key);
  ASSERT_TRUE(last.has_value());
  EXPECT_TRUE(SameMessage(*before, *last));
}

// ---------------------------------------------------------------------------
// 4. Late evidence upgrades a claim.

// SPEC §11 bodies on the reference topic are not designations: each is
// ignored (counted), writes nothing, and the claim's assessment is the one
// of a run without them.
TEST_F(ProcessorTest, AccountabilityBodiesOnTheReferenceTopicAreIgnored) {
  const int64_t t = kBase;
  const auto designation = Designated("DEA", "R-ORG-1", "ORG-A",
                                      v1::TIER_PTO_REGIONAL, t - 100 * kDay);
  const auto claim =
      Claim("DEA", "R-CL-1", "CL-1", "pid-1", "ORG-A", 1, t,
            {Ev("EV-1", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1", t - kDay),
             Ev("EV-2", v1::EVIDENCE_KIND_SURVEILLANCE, "S2", t - kDay)});
  v1::AgencyReport answer;
  answer.set_reporter("DEA");
  answer.set_report_id("R-ANS-1");
  answer.mutable_agency_response()->set_condition_key(
      "LINK_UNSUBSTANTIATED/claim/CL-1");
  answer.mutable_agency_response()->set_explanation("Wiretap pending.");
  v1::AgencyReport decision;
  decision.set_reporter("HAC");
  decision.set_report_id("R-DEC-1");
  decision.mutable_oversight_decision()->set_condition_key(
      "LINK_UNSUBSTANTIATED/claim/CL-1");
  decision.mutable_oversight_decision()->set_decision(v1::DECISION_REJECTED);
  v1::AgencyReport line;
  line.set_reporter("HAC");
  line.set_report_id("R-LINE-1");
  line.mutable_budget_line()->set_line_id("L-1");
  line.mutable_budget_line()->set_agency("DEA");
  auto run = [&](bool with_loop) {
    std::vector<kafka::Record> records = {
        Rec(kReference, 0, 0, (t - 100 * kDay) * 1000, designation)};
    if (with_loop) {
      int64_t offset = 1;
      for (const auto* r : {&answer, &decision, &line}) {
        records.push_back(Rec(kReference, 0, offset++, t * 1000, *r));
      }
    }
    records.push_back(Rec(kReports, 2, 0, t * 1000, claim));
    auto store = OpenFresh();
    EXPECT_NE(store, nullptr);
    auto result = ApplyAndCommit(store.get(), processor_, records);
    EXPECT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->ignored, with_loop ? 3 : 0);
    EXPECT_EQ(result->applied, 2);
    EXPECT_THAT(result->emit, SizeIs(1));
    return result->emit.empty() ? v1::LinkAssessment() : result->emit[0];
  };
  EXPECT_TRUE(SameMessage(run(true), run(false)));
}

TEST_F(ProcessorTest, EvidenceAddedLaterUpgradesTheAssessment) {
  const int64_t t = kBase;
  auto store = OpenFresh();
  ASSERT_NE(store, nullptr);
  auto r0 = ApplyAndCommit(
      store.get(), processor_,
      {Rec(kReference, 0, 0, (t - 100 * kDay) * 1000,
           Designated("DEA", "D-1", "ORG-A", v1::TIER_CPOT, t - 100 * kDay))});
  ASSERT_TRUE(r0.ok()) << r0.status();

  // CL-P: one direct item, one source -> PARTIAL (C2).
  // CL-U: one uncorroborated tip -> UNSUBSTANTIATED (C2, C3, C4).
  auto r1 = ApplyAndCommit(
      store.get(), processor_,
      {Rec(kReports, 0, 0, t * 1000,
           Claim("DEA", "R-P", "CL-P", "pid-p", "ORG-A", 2, t,
                 {Ev("EV-P1", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1",
                     t - 3 * kDay)})),
       Rec(kReports, 0, 1, t * 1000 + 1,
           Claim("DEA", "R-U", "CL-U", "pid-u", "ORG-A", 0, t,
                 {Ev("EV-U1", v1::EVIDENCE_KIND_INFORMANT_TIP, "CI-4",
                     t - 3 * kDay)}))});
  ASSERT_TRUE(r1.ok()) << r1.status();
  ASSERT_THAT(r1->emit, SizeIs(2));
  std::map<std::string, v1::LinkAssessment> first;
  for (const auto& a : r1->emit) first[a.claim_id()] = a;
  EXPECT_EQ(first["CL-P"].result(), v1::ASSESSMENT_RESULT_PARTIAL);
  EXPECT_THAT(first["CL-P"].failed_criteria(), ElementsAre("C2"));
  EXPECT_EQ(first["CL-U"].result(), v1::ASSESSMENT_RESULT_UNSUBSTANTIATED);
  EXPECT_THAT(first["CL-U"].failed_criteria(), ElementsAre("C2", "C3", "C4"));

  // Late evidence from other sources, dated after the claim (counts because
  // it arrived by EvidenceAdded).
  auto r2 =
      ApplyAndCommit(store.get(), processor_,
                     {Rec(kReports, 0, 2, (t + 30 * kDay) * 1000,
                          Added("DEA", "R-P-EA", "CL-P", "pid-p", t + 30 * kDay,
                                {Ev("EV-P2", v1::EVIDENCE_KIND_SURVEILLANCE,
                                    "S2", t + 29 * kDay)})),
                      Rec(kReports, 0, 3, (t + 31 * kDay) * 1000,
                          Added("DEA", "R-U-EA", "CL-U", "pid-u", t + 31 * kDay,
                                {Ev("EV-U2", v1::EVIDENCE_KIND_CONTROLLED_BUY,
                                    "UC-9", t + 29 * kDay, {"EV-U1"})}))});
  ASSERT_TRUE(r2.ok()) << r2.status();
  ASSERT_THAT(r2->emit, SizeIs(2));
  for (const auto& a : r2->emit) {
    SCOPED_TRACE(a.claim_id());
    EXPECT_EQ(a.result(), v1::ASSESSMENT_RESULT_SUBSTANTIATED);
    EXPECT_THAT(a.failed_criteria(), IsEmpty());
    EXPECT_NE(a.assessment_id(), first[a.claim_id()].assessment_id());
    EXPECT_FALSE(a.assessment_id().empty());
    EXPECT_EQ(a.criteria_version(), "v1");
    EXPECT_EQ(a.tier(), v1::TIER_CPOT);
    auto stored = Stored(store.get(), ClaimKey{"DEA", a.claim_id()});
    ASSERT_TRUE(stored.has_value());
    EXPECT_TRUE(SameMessage(*stored, a));
  }
  std::map<std::string, v1::LinkAssessment> second;
  for (const auto& a : r2->emit) second[a.claim_id()] = a;
  EXPECT_THAT(second["CL-P"].evidence_ids(), ElementsAre("EV-P1", "EV-P2"));
  EXPECT_THAT(second["CL-U"].evidence_ids(), ElementsAre("EV-U1", "EV-U2"));
}

// ---------------------------------------------------------------------------
// 4b. The evidence limit: at most 1,024 items per claim in all.

// `n` items "<prefix>-<i>": a wiretap and surveillance from two sources,
// each with sealed text `sealed`.
std::vector<v1::EvidenceItem> ManyItems(const std::string& prefix, int n,
                                        int64_t t, const std::string& sealed) {
  std::vector<v1::EvidenceItem> items;
  items.reserve(n);
  for (int i = 0; i < n; ++i) {
    items.push_back(Ev(prefix + "-" + std::to_string(i),
                       i == 0 ? v1::EVIDENCE_KIND_WIRETAP_INTERCEPT
                              : v1::EVIDENCE_KIND_SURVEILLANCE,
                       i % 2 == 0 ? "S1" : "S2", t - kDay, {}, sealed));
  }
  return items;
}

// A claim of 256 items, then evidence_added reports EA1..EA7 (256 each, the
// last 208): 2,000 distinct items, in log order on partition 0. The items
// of EA5 carry the canary as sealed text.
std::vector<kafka::Record> TwoThousandItems(int64_t t) {
  std::vector<kafka::Record> records;
  records.push_back(Rec(kReports, 0, 0, t * 1000,
                        Claim("DEA", "R-BIG", "CL-BIG", "pid-big", "ORG-A", 1,
                              t, ManyItems("C", 256, t, "claim text"))));
  for (int k = 1; k <= 7; ++k) {
    const std::string n = std::to_string(k);
    records.push_back(
        Rec(kReports, 0, k, (t + k * kHour) * 1000,
            Added("DEA", "R-EA" + n, "CL-BIG", "pid-big", t + k * kHour,
                  ManyItems("A" + n, k == 7 ? 208 : 256, t,
                            k == 5 ? kCanary : "added text"))));
  }
  return records;
}

TEST_F(ProcessorTest, AClaimCountsAtMost1024ItemsInLogOrder) {
  const int64_t t = kBase;
  const ClaimKey key{"DEA", "CL-BIG"};
  std::vector<kafka::Record> records = TwoThousandItems(t);
  // Then a report repeating a kept id (the same item: not counted) and one
  // new item (ignored).
  records.push_back(
      Rec(kReports, 0, 8, (t + 8 * kHour) * 1000,
          Added("DEA", "R-EA8", "CL-BIG", "pid-big", t + 8 * kHour,
                {ManyItems("C", 6, t, "again")[5],
                 Ev("LATE-1", v1::EVIDENCE_KIND_SURVEILLANCE, "S3", t)})));
  auto store = OpenFresh();
  ASSERT_NE(store, nullptr);
  int64_t counted = 0;
  for (const kafka::Record& r : records) {  // one record per batch
    auto applied = ApplyAndCommit(store.get(), processor_, {r});
    ASSERT_TRUE(applied.ok()) << applied.status();
    counted += applied->evidence_ignored;
  }
  EXPECT_EQ(counted, 977);
  const auto a = Stored(store.get(), key);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->evidence_ignored(), 977u);
  ASSERT_EQ(a->evidence_ids_size(), 1024);
  // The first 1,024 in log order: the claim's and EA1..EA3's.
  std::set<std::string> prefixes;
  for (const auto& id : a->evidence_ids()) {
    prefixes.insert(id.substr(0, id.find('-')));
  }
  EXPECT_EQ(prefixes, (std::set<std::string>{"A1", "A2", "A3", "C"}));

  // Stored: only the kept items; the rest only counted, their sealed text
  // nowhere.
  Tx tx(store.get());
  const auto rows = store::Ok(tx.Scan(Table::kEvidence, ""));
  ASSERT_EQ(rows.size(), 8u);
  int items = 0;
  int64_t ignored = 0;
  for (const auto& [k, v] : rows) {
    EXPECT_EQ(v.find(kCanary), std::string::npos) << k;
    internal::StoredReport row;
    ASSERT_TRUE(row.ParseFromString(v));
    items += row.report().evidence_added().evidence_size();
    ignored += row.evidence_ignored();
  }
  EXPECT_EQ(items, 768);
  EXPECT_EQ(ignored, 977);
}

TEST_F(ProcessorTest, TheEvidenceLimitDoesNotDependOnArrivalOrder) {
  const int64_t t = kBase;
  const ClaimKey key{"DEA", "CL-BIG"};
  const std::vector<kafka::Record> records = TwoThousandItems(t);
  auto in_order = OpenFresh();
  ASSERT_NE(in_order, nullptr);
  ASSERT_TRUE(ApplyAndCommit(in_order.get(), processor_, records).ok());
  const auto want = Stored(in_order.get(), key);
  ASSERT_TRUE(want.has_value());
  EXPECT_EQ(want->evidence_ignored(), 976u);
  EXPECT_EQ(want->evidence_ids_size(), 1024);
  // Reversed, one record per batch: evidence before its claim, later
  // reports before earlier ones (offsets are positions, timestamps facts).
  auto reversed = OpenFresh();
  ASSERT_NE(reversed, nullptr);
  int64_t offset = 0;
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    kafka::Record r = *it;
    r.offset = offset++;
    ASSERT_TRUE(ApplyAndCommit(reversed.get(), processor_, {r}).ok());
  }
  const auto got = Stored(reversed.get(), key);
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(SameMessage(*got, *want)) << got->DebugString();
}

// ---------------------------------------------------------------------------
// 5. Designation after the claim: only owned partitions are re-assessed.

TEST_F(ProcessorTest, LateDesignationReassessesOnlyOwnedPartitions) {
  const int64_t t = kBase;
  const auto claim = Claim("FBI", "R-CL-3", "CL-3", "pid-3", "ORG-LATE", 1, t,
                           TwoDirectItems(t));
  // Designated (effective before the claim) but delivered after it.
  const auto designation = Designated("FBI", "D-LATE", "ORG-LATE",
                                      v1::TIER_PTO_LOCAL, t - 10 * kDay);
  const kafka::Record claim_rec = Rec(kReports, 3, 0, t * 1000, claim);
  const kafka::Record designation_rec =
      Rec(kReference, 0, 0, (t + 5 * kDay) * 1000, designation);
  const ClaimKey key{"FBI", "CL-3"};

  for (bool owns_3 : {false, true}) {
    SCOPED_TRACE(owns_3 ? "partition 3 owned" : "partition 3 not owned");
    auto store = OpenFresh();
    ASSERT_NE(store, nullptr);
    auto r1 = ApplyAndCommit(store.get(), processor_, {claim_rec});
    ASSERT_TRUE(r1.ok()) << r1.status();
    ASSERT_THAT(r1->emit, SizeIs(1));
    EXPECT_EQ(r1->emit[0].result(), v1::ASSESSMENT_RESULT_UNSUBSTANTIATED);
    EXPECT_THAT(r1->emit[0].failed_criteria(), ElementsAre("C1", "C5"));
    EXPECT_EQ(r1->emit[0].tier(), v1::TIER_UNSPECIFIED);

    const std::set<int32_t> owned =
        owns_3 ? std::set<int32_t>{2, 3} : std::set<int32_t>{0, 1, 2};
    auto r2 = ApplyAndCommit(store.get(), processor_, {designation_rec}, owned);
    ASSERT_TRUE(r2.ok()) << r2.status();
    EXPECT_EQ(r2->applied, 1);
    const auto stored = Stored(store.get(), key);
    ASSERT_TRUE(stored.has_value());
    if (!owns_3) {
      EXPECT_THAT(r2->emit, IsEmpty());
      EXPECT_TRUE(SameMessage(*stored, r1->emit[0]));
    } else {
      ASSERT_THAT(r2->emit, SizeIs(1));
      const v1::LinkAssessment& a = r2->emit[0];
      EXPECT_EQ(a.claim_id(), "CL-3");
      EXPECT_EQ(a.result(), v1::ASSESSMENT_RESULT_SUBSTANTIATED);
      EXPECT_EQ(a.tier(), v1::TIER_PTO_LOCAL);
      EXPECT_NE(a.assessment_id(), r1->emit[0].assessment_id());
      EXPECT_TRUE(SameMessage(*stored, a));
    }
  }
}

// ---------------------------------------------------------------------------
// 5b. C1's receipt window (SPEC §3): a designation received more than 30
// days after the claim cannot rescue it, however it is dated. Without
// received_at (reports accepted before intake stamped it), the Kafka record
// timestamps decide.

// A claim of ORG-W received at `claim_received` and a CPOT designation of
// ORG-W dated 10 days before the claim, received at `designation_received`;
// `stamped`: received_at on the reports, else only the Kafka timestamps.
ApplyResult ApplyBackdating(const Processor& processor, int64_t claim_received,
                            int64_t designation_received, bool stamped) {
  const int64_t t = kBase;
  v1::AgencyReport claim =
      Claim("FBI", "R-CL-W", "CL-W", "pid-w", "ORG-W", 1, t, TwoDirectItems(t));
  v1::AgencyReport designation =
      Designated("FBI", "D-W", "ORG-W", v1::TIER_CPOT, t - 10 * kDay);
  // The Kafka timestamps say the opposite of received_at, so the test tells
  // which one was read.
  int64_t claim_ms = claim_received * 1000;
  int64_t designation_ms = designation_received * 1000;
  if (stamped) {
    *claim.mutable_received_at() = Ts(claim_received);
    *designation.mutable_received_at() = Ts(designation_received);
    claim_ms = designation_ms = t * 1000;
  }
  auto store = OpenFresh();
  EXPECT_NE(store, nullptr);
  if (store == nullptr) return {};
  auto r = ApplyAndCommit(store.get(), processor,
                          {Rec(kReports, 0, 0, claim_ms, claim),
                           Rec(kReference, 0, 0, designation_ms, designation)});
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : ApplyResult{};
}

TEST_F(ProcessorTest, DesignationReceivedLongAfterTheClaimCannotRescueIt) {
  const int64_t received = kBase + kHour;
  for (bool stamped : {true, false}) {
    SCOPED_TRACE(stamped ? "received_at on the reports" : "Kafka timestamps");
    const ApplyResult late =
        ApplyBackdating(processor_, received, received + 60 * kDay, stamped);
    ASSERT_THAT(late.emit, SizeIs(1));
    EXPECT_EQ(late.emit[0].result(), v1::ASSESSMENT_RESULT_UNSUBSTANTIATED);
    EXPECT_THAT(late.emit[0].failed_criteria(), ElementsAre("C1"));
    EXPECT_EQ(late.emit[0].tier(), v1::TIER_CPOT);
    EXPECT_EQ(late.emit[0].criteria_version(), "v1");

    const ApplyResult in_time =
        ApplyBackdating(processor_, received, received + 30 * kDay, stamped);
    ASSERT_THAT(in_time.emit, SizeIs(1));
    EXPECT_EQ(in_time.emit[0].result(), v1::ASSESSMENT_RESULT_SUBSTANTIATED);
  }
}

// ---------------------------------------------------------------------------
// 5c. Org ownership (SPEC §1): the reporter of an org's first designation in
// log order owns it; another reporter's designations and revocations of it
// are ignored and counted, in any arrival order of the other partitions.

TEST_F(ProcessorTest, OnlyTheOrgsOwnerDesignatesOrRevokesIt) {
  const int64_t t = kBase;
  const auto claim =
      Claim("DEA", "R-CL-O", "CL-O", "pid-o", "ORG-O", 2, t, TwoDirectItems(t));
  // FBI first (PTO_REGIONAL: 2 hops fail C5), then DEA's CPOT (2 hops would
  // pass) and DEA's revocation (C1 would fail): neither counts.
  const std::vector<kafka::Record> reference = {
      Rec(kReference, 2, 0, t * 1000,
          Designated("FBI", "D-F", "ORG-O", v1::TIER_PTO_REGIONAL,
                     t - 30 * kDay)),
      Rec(kReference, 2, 1, t * 1000,
          Designated("DEA", "D-D", "ORG-O", v1::TIER_CPOT, t - 20 * kDay)),
      Rec(kReference, 2, 2, t * 1000,
          Designated("DEA", "D-R", "ORG-O", v1::TIER_CPOT, t - 10 * kDay,
                     /*revoked=*/true)),
  };
  const kafka::Record claim_rec = Rec(kReports, 1, 0, t * 1000, claim);
  // The claim before, between and after the designations; one or several
  // batches.
  for (size_t at = 0; at <= reference.size(); ++at) {
    SCOPED_TRACE(StrCat("claim delivered after ", at, " designations"));
    auto store = OpenFresh();
    ASSERT_NE(store, nullptr);
    int64_t ignored = 0;
    for (size_t i = 0; i <= reference.size(); ++i) {
      if (i == at) {
        ASSERT_TRUE(ApplyAndCommit(store.get(), processor_, {claim_rec}).ok());
      }
      if (i == reference.size()) break;
      auto r = ApplyAndCommit(store.get(), processor_, {reference[i]});
      ASSERT_TRUE(r.ok()) << r.status();
      ignored += r->designations_ignored;
    }
    EXPECT_EQ(ignored, 2);
    const auto a = Stored(store.get(), ClaimKey{"DEA", "CL-O"});
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->tier(), v1::TIER_PTO_REGIONAL);
    EXPECT_EQ(a->result(), v1::ASSESSMENT_RESULT_PARTIAL);
    EXPECT_THAT(a->failed_criteria(), ElementsAre("C5"));
    Tx tx(store.get());
    const auto history = store::Ok(tx.OrgHistory("ORG-O"));
    ASSERT_THAT(history, SizeIs(1));
    EXPECT_EQ(history[0].report().reporter(), "FBI");
  }
}

TEST_F(ProcessorTest,
       AStoreHoldingAnotherReportersDesignationReadsOnlyTheOwners) {
  // Written before ownership was enforced: both rows stored. Reads apply the
  // rule by log order, not by key order ("DEA" < "FBI").
  auto store = OpenFresh();
  ASSERT_NE(store, nullptr);
  Tx tx(store.get());
  for (const auto& [reporter, offset] :
       std::vector<std::pair<std::string, int64_t>>{{"FBI", 4}, {"DEA", 9}}) {
    internal::StoredReport s;
    *s.mutable_report() =
        Designated(reporter, "D-" + reporter, "ORG-L", v1::TIER_CPOT, kBase);
    s.set_partition(0);
    s.set_offset(offset);
    tx.Put(Table::kOrgs, JoinKey({"ORG-L", reporter, "D-" + reporter}),
           s.SerializeAsString());
  }
  const auto history = store::Ok(tx.OrgHistory("ORG-L"));
  ASSERT_THAT(history, SizeIs(1));
  EXPECT_EQ(history[0].report().reporter(), "FBI");
}

// ---------------------------------------------------------------------------
// 6. Revocations: dated after the claim, C1 still passes; dated before (or
// at) the claim, C1 fails.

TEST_F(ProcessorTest, RevocationCountsOnlyIfDatedAtOrBeforeTheClaim) {
  const int64_t t = kBase + 200 * kDay;
  struct Case {
    std::string name;
    int64_t revoked_at;
    bool c1_fails;
  };
  const std::vector<Case> cases = {
      {"revoked a day after the claim", t + kDay, false},
      {"revoked a second after the claim", t + 1, false},
      {"revoked at the claim's time", t, true},
      {"revoked a day before the claim", t - kDay, true},
  };
  for (const Case& c : cases) {
    for (bool revocation_first : {false, true}) {
      SCOPED_TRACE(c.name + (revocation_first ? ", revocation delivered first"
                                              : ", claim delivered first"));
      auto store = OpenFresh();
      ASSERT_NE(store, nullptr);
      const kafka::Record designation =
          Rec(kReference, 1, 0, (t - 300 * kDay) * 1000,
              Designated("DEA", "D-1", "ORG-R", v1::TIER_RPOT, t - 300 * kDay));
      const kafka::Record revocation =
          Rec(kReference, 1, 1, (t + 2 * kDay) * 1000,
              Designated("DEA", "D-2", "ORG-R", v1::TIER_RPOT, c.revoked_at,
                         /*revoked=*/true));
      const kafka::Record claim = Rec(
          kReports, 0, 0, (t + kHour) * 1000,
          Claim("DEA", "R-CL", "CL-R", "pid-r", "ORG-R", 2, t,
                {Ev("EV-1", v1::EVIDENCE_KIND_SEIZURE_TRACE, "S1", t - kDay),
                 Ev("EV-2", v1::EVIDENCE_KIND_SURVEILLANCE, "S2", t - kDay)}));
      std::vector<std::vector<kafka::Record>> batches;
      if (revocation_first) {
        batches = {{designation, revocation}, {claim}};
      } else {
        batches = {{designation}, {claim}, {revocation}};
      }
      std::vector<v1::LinkAssessment> emitted;
      for (const auto& b : batches) {
        auto r = ApplyAndCommit(store.get(), processor_, b);
        ASSERT_TRUE(r.ok()) << r.status();
        emitted.insert(emitted.end(), r->emit.begin(), r->emit.end());
      }
      ASSERT_THAT(emitted, ::testing::Not(IsEmpty()));
      const auto stored = Stored(store.get(), ClaimKey{"DEA", "CL-R"});
      ASSERT_TRUE(stored.has_value());
      EXPECT_TRUE(SameMessage(*stored, emitted.back()));
      // The tier is that of the latest designation, kept after a revocation.
      EXPECT_EQ(stored->tier(), v1::TIER_RPOT);
      if (c.c1_fails) {
        EXPECT_EQ(stored->result(), v1::ASSESSMENT_RESULT_UNSUBSTANTIATED);
        EXPECT_THAT(stored->failed_criteria(), ElementsAre("C1"));
      } else {
        EXPECT_EQ(stored->result(), v1::ASSESSMENT_RESULT_SUBSTANTIATED);
        EXPECT_THAT(stored->failed_criteria(), IsEmpty());
      }
    }
  }
}

// ---------------------------------------------------------------------------
// 7. Poison records.

TEST_F(ProcessorTest, UnreadableRecordStopsTheBatchUntilSkipped) {
  const int64_t t = kBase;
  const kafka::Record designation =
      Rec(kReference, 0, 0, (t - kDay) * 1000,
          Designated("DEA", "D-1", "ORG-A", v1::TIER_PTO_REGIONAL, t - kDay));
  const kafka::Record good1 = Rec(
      kReports, 1, 10, t * 1000,
      Claim("DEA", "R-1", "CL-1", "pid-1", "ORG-A", 0, t,
            {Ev("EV-1", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1", t - kDay),
             Ev("EV-2", v1::EVIDENCE_KIND_SURVEILLANCE, "S2", t - kDay)}));
  kafka::Record bad;
  bad.topic = kReports;
  bad.partition = 1;
  bad.offset = 11;
  bad.timestamp_ms = t * 1000 + 1;
  bad.key = "pid-2";
  bad.value = "\xff\xff\xff";
  const kafka::Record good2 = Rec(
      kReports, 1, 12, t * 1000 + 2,
      Claim("DEA", "R-2", "CL-2", "pid-2", "ORG-A", 0, t,
            {Ev("EV-3", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1", t - kDay),
             Ev("EV-4", v1::EVIDENCE_KIND_SURVEILLANCE, "S2", t - kDay)}));
  const std::vector<kafka::Record> batch = {designation, good1, bad, good2};

  auto store = OpenFresh();
  ASSERT_NE(store, nullptr);
  {
    Tx tx(store.get());
    auto r = ApplyAsTheLoop(tx, processor_, batch);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("11"));
    const auto poison = stream::PoisonOf(r.status());
    ASSERT_TRUE(poison.has_value());
    EXPECT_EQ(poison->tp, kafka::TopicPartition(kReports, 1));
    EXPECT_EQ(poison->offset, 11);
    EXPECT_FALSE(poison->why.empty());
    // The caller commits nothing.
  }
  {
    Tx tx(store.get());
    EXPECT_FALSE(store::Ok(tx.NextOffset({kReports, 1})).has_value());
    EXPECT_FALSE(store::Ok(tx.Claim(ClaimKey{"DEA", "CL-1"})).has_value());
  }
  // Retried without a skip: the same poison, at the same place.
  {
    Tx tx(store.get());
    auto r = ApplyAsTheLoop(tx, processor_, batch);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(
        stream::PoisonOf(r.status()).value_or(stream::PoisonRecord{}).offset,
        11);
  }
  // A skip for another offset does not help.
  {
    Tx tx(store.get());
    auto r = ApplyAsTheLoop(tx, processor_, batch, kAllPartitions,
                            {{kafka::TopicPartition(kReports, 1), 12}});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(
        stream::PoisonOf(r.status()).value_or(stream::PoisonRecord{}).offset,
        11);
  }
  // The operator skips (reports, 1) @ 11: the rest applies.
  auto r = ApplyAndCommit(store.get(), processor_, batch, kAllPartitions,
                          {{kafka::TopicPartition(kReports, 1), 11}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->applied, 3);
  EXPECT_EQ(r->ignored, 1);
  ASSERT_THAT(r->emit, SizeIs(2));
  Tx tx(store.get());
  EXPECT_EQ(store::Ok(tx.NextOffset({kReports, 1})), 13);
  EXPECT_TRUE(
      store::Ok(tx.Assessment(ClaimKey{"DEA", "CL-1"}, "v1")).has_value());
  EXPECT_TRUE(
      store::Ok(tx.Assessment(ClaimKey{"DEA", "CL-2"}, "v1")).has_value());
}

// ---------------------------------------------------------------------------
// 8. Offsets.

TEST_F(ProcessorTest, NextOffsetIsLastOffsetPlusOne) {
  const int64_t t = kBase;
  auto store = OpenFresh();
  ASSERT_NE(store, nullptr);
  {
    Tx tx(store.get());
    EXPECT_FALSE(store::Ok(tx.NextOffset({kReports, 0})).has_value());
  }
  // Gaps in offsets (compaction, transaction markers) are fine; bodies the
  // processor does not consume still advance the offset.
  v1::AgencyReport seizure;
  seizure.set_report_id("R-SZ");
  seizure.set_reporter("DEA");
  *seizure.mutable_occurred_at() = Ts(t);
  seizure.set_case_id("CASE-9");
  seizure.mutable_seizure()->set_seizure_id("SZ-1");
  seizure.mutable_seizure()->set_drug(v1::DRUG_FENTANYL);
  const std::vector<kafka::Record> records = {
      Rec(kReports, 0, 0, t * 1000,
          Claim("DEA", "R-1", "CL-1", "pid-1", "ORG-A", 0, t,
                {Ev("EV-1", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1", t)})),
      Rec(kReports, 0, 5, t * 1000 + 1, seizure),
      Rec(kReports, 0, 9, t * 1000 + 2,
          ArrestOf("DEA", "R-AR", "CL-1", "pid-1", t)),
      Rec(kReports, 2, 41, t * 1000 + 3,
          Claim("FBI", "R-2", "CL-2", "pid-2", "ORG-A", 0, t,
                {Ev("EV-2", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1", t)})),
      Rec(kReference, 1, 7, t * 1000 + 4,
          Designated("DEA", "D-1", "ORG-A", v1::TIER_CPOT, t - kDay)),
  };
  Tx tx(store.get());
  auto r = ApplyAsTheLoop(tx, processor_, records);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->ignored, 1) << "the seizure";
  EXPECT_EQ(r->applied, 4);
  ASSERT_TRUE(store->Commit(tx).ok());
  EXPECT_EQ(store::Ok(tx.NextOffset({kReports, 0})), 10);
  EXPECT_EQ(store::Ok(tx.NextOffset({kReports, 2})), 42);
  EXPECT_EQ(store::Ok(tx.NextOffset({kReference, 1})), 8);
  EXPECT_FALSE(store::Ok(tx.NextOffset({kReports, 1})).has_value());
  EXPECT_THAT(store::Ok(tx.ArrestIds(ClaimKey{"DEA", "CL-1"})),
              ElementsAre("AR-R-AR"));

  // A fresh reader sees the same.
  Tx reader(store.get());
  EXPECT_EQ(store::Ok(reader.NextOffset({kReports, 0})), 10);
  EXPECT_EQ(store::Ok(reader.NextOffset({kReports, 2})), 42);
  EXPECT_EQ(store::Ok(reader.NextOffset({kReference, 1})), 8);

  // The next batch continues from there; older offsets are skipped.
  auto more =
      ApplyAndCommit(store.get(), processor_,
                     {Rec(kReports, 0, 9, t * 1000 + 2,
                          ArrestOf("DEA", "R-AR", "CL-1", "pid-1", t)),
                      Rec(kReports, 0, 10, t * 1000 + 5,
                          ArrestOf("DEA", "R-AR2", "CL-1", "pid-1", t))});
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_EQ(more->applied, 1);
  EXPECT_EQ(more->ignored, 1);
  Tx after(store.get());
  EXPECT_EQ(store::Ok(after.NextOffset({kReports, 0})), 11);
}

// ---------------------------------------------------------------------------
// 9. A new criteria version re-assesses history.

TEST_F(ProcessorTest, ReassessAllWithNewRulebookAddsVersionedAssessments) {
  const int64_t t = kBase;
  auto store = OpenFresh();
  ASSERT_NE(store, nullptr);
  std::vector<kafka::Record> records = {
      Rec(kReference, 0, 0, (t - 100 * kDay) * 1000,
          Designated("DEA", "D-1", "ORG-A", v1::TIER_PTO_REGIONAL,
                     t - 100 * kDay)),
  };
  // Items 100 days old: fine for v1 (730 days), too old for v2 (30 days).
  const std::vector<std::pair<std::string, int32_t>> claims = {
      {"CL-0", 0}, {"CL-1", 1}, {"CL-2", 1}, {"CL-3", 3}};
  std::map<int32_t, int64_t> next;
  for (const auto& [id, partition] : claims) {
    records.push_back(
        Rec(kReports, partition, next[partition]++, t * 1000,
            Claim("DEA", "R-" + id, id, "pid-" + id, "ORG-A", 1, t,
                  {Ev(id + "-1", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1",
                      t - 100 * kDay, {}, kCanary),
                   Ev(id + "-2", v1::EVIDENCE_KIND_SURVEILLANCE, "S2",
                      t - 100 * kDay)})));
  }
  auto r = ApplyAndCommit(store.get(), processor_, records);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_THAT(r->emit, SizeIs(4));
  std::map<std::string, v1::LinkAssessment> v1_by_claim;
  for (const auto& a : r->emit) {
    EXPECT_EQ(a.result(), v1::ASSESSMENT_RESULT_SUBSTANTIATED) << a.claim_id();
    v1_by_claim[a.claim_id()] = a;
  }

  Rulebook v2 = DefaultRulebook();
  v2.version = "v2";
  v2.recency_days = 30;
  const Processor p2(&v2, kReports, kReference);
  const std::set<int32_t> owned = {0, 1, 2};  // not 3
  {
    Tx tx(store.get());
    const ApplyResult re = store::Ok(p2.ReassessAll(tx, owned));
    ASSERT_TRUE(store->Commit(tx).ok());
    ASSERT_THAT(re.emit, SizeIs(3));
    std::set<std::string> ids;
    for (const auto& a : re.emit) {
      SCOPED_TRACE(a.claim_id());
      ids.insert(a.claim_id());
      EXPECT_EQ(a.criteria_version(), "v2");
      EXPECT_EQ(a.result(), v1::ASSESSMENT_RESULT_PARTIAL);
      EXPECT_THAT(a.failed_criteria(), ElementsAre("C6"));
      EXPECT_NE(a.assessment_id(), v1_by_claim[a.claim_id()].assessment_id());
      EXPECT_EQ(a.SerializeAsString().find(kCanary), std::string::npos);
    }
    EXPECT_EQ(ids, (std::set<std::string>{"CL-0", "CL-1", "CL-2"}));
  }
  Tx tx(store.get());
  for (const auto& [id, partition] : claims) {
    SCOPED_TRACE(id);
    const ClaimKey key{"DEA", id};
    auto old = store::Ok(tx.Assessment(key, "v1"));
    ASSERT_TRUE(old.has_value());
    EXPECT_TRUE(SameMessage(*old, v1_by_claim[id])) << "v1 stays stored";
    auto v2a = store::Ok(tx.Assessment(key, "v2"));
    EXPECT_EQ(v2a.has_value(), partition != 3);
    EXPECT_THAT(store::Ok(tx.Assessments(key)), SizeIs(partition != 3 ? 2 : 1));
  }
  // Re-running the same version changes nothing.
  const ApplyResult again = store::Ok(p2.ReassessAll(tx, owned));
  EXPECT_THAT(again.emit, IsEmpty());
  EXPECT_TRUE(tx.empty());
  // Nor does re-running v1.
  EXPECT_THAT(store::Ok(processor_.ReassessAll(tx, kAllPartitions)).emit,
              IsEmpty());
}

// ---------------------------------------------------------------------------
// 10. Sealed text never leaves.

TEST_F(ProcessorTest, SealedSummaryNeverInEmittedAssessments) {
  const Scenario s = MakeScenario();
  std::vector<size_t> order(s.log.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Make sure the canary is in the input at all.
  bool canary_in = false;
  for (const Msg& m : s.log) {
    if (m.report.SerializeAsString().find(kCanary) != std::string::npos) {
      canary_in = true;
    }
  }
  ASSERT_TRUE(canary_in);

  auto store = OpenFresh();
  ASSERT_NE(store, nullptr);
  std::map<kafka::TopicPartition, int64_t> next;
  std::vector<v1::LinkAssessment> emitted;
  for (const Msg& m : s.log) {
    auto r = ApplyAndCommit(
        store.get(), processor_,
        {Rec(m.topic, m.partition, next[{m.topic, m.partition}]++,
             m.timestamp_ms, m.report)});
    ASSERT_TRUE(r.ok()) << r.status();
    emitted.insert(emitted.end(), r->emit.begin(), r->emit.end());
  }
  Rulebook v2 = DefaultRulebook();
  v2.version = "v2";
  v2.recency_days = 30;
  const Processor p2(&v2, kReports, kReference);
  {
    Tx tx(store.get());
    const ApplyResult re = store::Ok(p2.ReassessAll(tx, kAllPartitions));
    ASSERT_TRUE(store->Commit(tx).ok());
    emitted.insert(emitted.end(), re.emit.begin(), re.emit.end());
  }
  ASSERT_GT(emitted.size(), 30u);
  for (const auto& a : emitted) {
    std::string bytes;
    ASSERT_TRUE(a.SerializeToString(&bytes));
    EXPECT_EQ(bytes.find(kCanary), std::string::npos) << a.claim_id();
    EXPECT_EQ(a.DebugString().find(kCanary), std::string::npos);
  }
  // Nor in the stored assessments.
  Tx tx(store.get());
  for (const auto& [k, v] : store::Ok(tx.Scan(Table::kAssessments, ""))) {
    EXPECT_EQ(v.find(kCanary), std::string::npos);
  }
}

// ---------------------------------------------------------------------------
// 8. Sealed text (intake seals it; evidence opens it with the same key ring).

privacy::SealedBox Ring(const std::string& text) {
  auto box = privacy::SealedBox::FromText(text, "sealed-key");
  EXPECT_TRUE(box.ok()) << box.status();
  return *box;
}

TEST_F(ProcessorTest, SealedTextIsStoredOpenedAndUnopenableIsPoison) {
  const int64_t t = kBase;
  const privacy::SealedBox ring = Ring("k1:" + std::string(64, '1'));
  const Processor processor(&DefaultRulebook(), kReports, kReference, &ring);
  v1::AgencyReport claim =
      Claim("DEA", "R-1", "CL-1", "pid-1", "ORG-A", 0, t,
            {Ev("EV-1", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1", t - kDay, {},
                "sealed: the pier at midnight"),
             Ev("EV-2", v1::EVIDENCE_KIND_SURVEILLANCE, "S2", t - kDay)});
  std::string field;
  ASSERT_TRUE(privacy::SealReport(ring, &claim, &field).ok());
  const kafka::Record sealed = Rec(kReports, 1, 20, t * 1000, claim);
  ASSERT_EQ(sealed.value.find("pier"), std::string::npos);

  // Each way of not opening is a poison record named by its offset: never
  // stored as a claim without its text.
  v1::AgencyReport tampered = claim;
  std::string* value = tampered.mutable_link_claim()
                           ->mutable_evidence(0)
                           ->mutable_sealed_ciphertext();
  (*value)[value->size() - 1] ^= 0x01;
  v1::AgencyReport moved = claim;
  moved.mutable_link_claim()->set_claim_id("CL-9");
  const privacy::SealedBox other_ring = Ring("k2:" + std::string(64, '2'));
  const Processor other_key(&DefaultRulebook(), kReports, kReference,
                            &other_ring);
  const Processor no_key(&DefaultRulebook(), kReports, kReference);
  struct Case {
    const Processor* processor;
    kafka::Record record;
    std::string why;
  };
  const std::vector<Case> cases = {
      {&processor, Rec(kReports, 1, 20, t * 1000, tampered),
       "authentication failed"},
      {&processor, Rec(kReports, 1, 20, t * 1000, moved),
       "authentication failed"},
      {&other_key, sealed, "key id 'k1'"},
      {&no_key, sealed, "no sealed key"},
  };
  for (const Case& c : cases) {
    auto store = OpenFresh();
    ASSERT_NE(store, nullptr);
    Tx tx(store.get());
    auto r = ApplyAsTheLoop(tx, *c.processor, {c.record});
    ASSERT_FALSE(r.ok()) << c.why;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
    const auto poison = stream::PoisonOf(r.status());
    ASSERT_TRUE(poison.has_value()) << r.status();
    EXPECT_EQ(poison->offset, 20);
    EXPECT_THAT(poison->why, HasSubstr("link_claim.evidence[0]"));
    EXPECT_THAT(poison->why, HasSubstr(c.why));
  }

  // Opened with the key: stored with its text, as before sealing existed.
  auto store = OpenFresh();
  ASSERT_NE(store, nullptr);
  auto r = ApplyAndCommit(store.get(), processor, {sealed});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->applied, 1);
  Tx tx(store.get());
  const auto stored = store::Ok(tx.Claim(ClaimKey{"DEA", "CL-1"}));
  ASSERT_TRUE(stored.has_value());
  const auto& item = stored->report().link_claim().evidence(0);
  EXPECT_EQ(item.sealed_summary(), "sealed: the pier at midnight");
  EXPECT_TRUE(item.sealed_ciphertext().empty());

  // A report from before sealing (plaintext, no ciphertext) is still read.
  const kafka::Record legacy =
      Rec(kReports, 1, 21, t * 1000,
          Claim("DEA", "R-2", "CL-2", "pid-2", "ORG-A", 0, t,
                {Ev("EV-3", v1::EVIDENCE_KIND_WIRETAP_INTERCEPT, "S1", t - kDay,
                    {}, "legacy plaintext")}));
  auto r2 = ApplyAndCommit(store.get(), processor, {legacy});
  ASSERT_TRUE(r2.ok()) << r2.status();
  Tx tx2(store.get());
  const auto legacy_stored = store::Ok(tx2.Claim(ClaimKey{"DEA", "CL-2"}));
  ASSERT_TRUE(legacy_stored.has_value());
  EXPECT_EQ(legacy_stored->report().link_claim().evidence(0).sealed_summary(),
            "legacy plaintext");
}

}  // namespace
}  // namespace fruition::evidence
