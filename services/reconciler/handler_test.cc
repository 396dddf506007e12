// The reconciler handler (services/reconciler/handler.h) over real RocksDB
// stores, driven as services/common/stream/loop.cc drives it, without Kafka:
// one KvTx per batch, re-deliveries dropped, Apply, the batch's offsets,
// Flush with the caught-up partitions, its outputs "produced", Commit. The
// oversight topics are a simulated Kafka log to which every output is
// appended (at kafka::PartitionOf(key)); the injected ReadBack reads it, so
// a fresh store, a restart or a crash between produce and commit sees what
// subscribers have already been sent. The clock is a fake.
#include "services/reconciler/handler.h"

#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fruition/internal/scoring.pb.h"
#include "fruition/v1/assessments.pb.h"
#include "fruition/v1/events.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/common/kafka/consumer.h"
#include "services/common/kafka/partition.h"
#include "services/common/store/kv.h"
#include "services/common/store/test_util.h"
#include "services/common/stream/loop.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/reconciler/rules.h"
#include "services/reconciler/server.h"
#include "tests/harness/fixtures.h"

namespace fruition::reconciler {
namespace {

using fixtures::Envelope;
using fixtures::FreshDir;
using fixtures::Input;
using fixtures::Public;
using fixtures::Report;
using fixtures::Utc;

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;

constexpr int kPartitions = 12;
constexpr int64_t kStartMs = 1'700'000'000'000;

Topics RealTopics() {
  return Topics{std::string(topics::kReports),
                std::string(topics::kLinkAssessments),
                std::string(topics::kScores),
                std::string(topics::kScoresPublic),
                std::string(topics::kReference),
                std::string(topics::kOversightPublic),
                std::string(topics::kOversightRestricted)};
}

// FY2016: arrests in Feb 2016, sentencings in May 2016, amended in June.
const int64_t kArrested = Utc(2016, 2, 10);
const int64_t kSentenced = Utc(2016, 5, 10);
const int64_t kAmended = Utc(2016, 6, 10);

int32_t PartitionOf(std::string_view key) {
  return kafka::PartitionOf(key, kPartitions);
}

std::set<int32_t> AllPartitions() {
  std::set<int32_t> out;
  for (int32_t p = 0; p < kPartitions; ++p) out.insert(p);
  return out;
}

std::set<int32_t> AllBut(const std::set<int32_t>& excluded) {
  std::set<int32_t> out;
  for (int32_t p : AllPartitions()) {
    if (excluded.count(p) == 0) out.insert(p);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Input records.

Input ArrestIn(const std::string& pid, const std::string& case_id,
               const std::string& arrest_id, const std::string& claim_id,
               int64_t at = kArrested) {
  v1::AgencyReport r = Envelope("DEA", "R-" + arrest_id, case_id, at);
  auto* a = r.mutable_arrest();
  a->set_arrest_id(arrest_id);
  a->set_subject_pid(pid);
  a->set_agency("DEA");
  a->set_field_office("DEA-PHILADELPHIA");
  a->set_claim_id(claim_id);
  return Report(r, pid);
}

// LNF: USER, category I, no points, no weapon, no violence, drug OTHER.
v1::SentencingRecord LnfRecord(const std::string& pid, uint32_t months = 12) {
  v1::SentencingRecord s;
  s.set_subject_pid(pid);
  s.set_district("EDPA");
  s.set_criminal_history_points(0);
  s.set_criminal_history_category(1);
  s.set_aggravating_role(v1::AGGRAVATING_ROLE_NONE);
  s.set_mitigating_role(v1::MITIGATING_ROLE_NONE);
  s.set_weapon(v1::WEAPON_NONE);
  s.set_drug(v1::DRUG_OTHER);
  s.set_function(v1::OFFENSE_FUNCTION_USER);
  s.set_sentence_months(months);
  return s;
}

// Not LNF and no mitigating role: an organizer with a weapon and a record.
v1::SentencingRecord LeaderRecord(const std::string& pid) {
  v1::SentencingRecord s = LnfRecord(pid, 120);
  s.set_function(v1::OFFENSE_FUNCTION_ORGANIZER_LEADER);
  s.set_aggravating_role(v1::AGGRAVATING_ROLE_ORGANIZER_LEADER);
  s.set_criminal_history_points(5);
  s.set_criminal_history_category(3);
  s.set_weapon(v1::WEAPON_POSSESSED);
  return s;
}

v1::AgencyReport Sentencing(const std::string& report_id,
                            const std::string& case_id, int64_t at,
                            const v1::SentencingRecord& s) {
  v1::AgencyReport r = Envelope("USSC", report_id, case_id, at);
  *r.mutable_sentencing() = s;
  return r;
}

Input SentencingIn(const std::string& report_id, const std::string& case_id,
                   int64_t at, const v1::SentencingRecord& s) {
  return Report(Sentencing(report_id, case_id, at, s), s.subject_pid());
}

Input DeclinationIn(const std::string& report_id, const std::string& pid,
                    const std::string& district, int64_t at = kArrested) {
  v1::AgencyReport r = Envelope("USAO-" + district, report_id, "C-X", at);
  r.mutable_declination()->set_subject_pid(pid);
  r.mutable_declination()->set_district(district);
  return Report(r, pid);
}

Input ChargeIn(const std::string& reporter, const std::string& report_id,
               const std::string& pid, const std::string& district,
               int64_t at = kSentenced) {
  v1::AgencyReport r = Envelope(reporter, report_id, "C-X", at);
  r.mutable_charge_filed()->set_subject_pid(pid);
  r.mutable_charge_filed()->set_district(district);
  return Report(r, pid);
}

v1::AgencyReport Outcome(const std::string& reporter,
                         const std::string& report_id,
                         const std::string& org_id, v1::OrgOutcome outcome,
                         bool pending, uint32_t fiscal_year = 2016) {
  v1::AgencyReport r = Envelope(reporter, report_id, "", kArrested);
  auto* o = r.mutable_org_outcome();
  o->set_org_id(org_id);
  o->set_outcome(outcome);
  o->set_pending(pending);
  o->set_fiscal_year(fiscal_year);
  return r;
}

// Reference bodies are keyed by org_id (SPEC §7).
Input OutcomeIn(const v1::AgencyReport& r) {
  return Input{std::string(topics::kReference), r.org_outcome().org_id(),
               r.SerializeAsString()};
}

// Assessment `rev` of a claim (distinct revs: distinct assessment ids).
v1::LinkAssessment Assessment(const std::string& pid,
                              const std::string& claim_id,
                              v1::AssessmentResult result, v1::Tier tier,
                              const std::vector<std::string>& failed, int rev,
                              const std::string& criteria_version = "v1") {
  v1::LinkAssessment a;
  a.set_assessment_id(StrCat("AS-", claim_id, "-", rev));
  a.set_claim_id(claim_id);
  a.set_subject_pid(pid);
  a.set_org_id("ORG-" + claim_id);
  a.set_reporter("DEA");
  a.set_result(result);
  a.set_tier(tier);
  for (const auto& c : failed) a.add_failed_criteria(c);
  a.add_evidence_ids(StrCat("EV-", claim_id, "-2"));
  a.add_evidence_ids(StrCat("EV-", claim_id, "-1"));
  a.set_criteria_version(criteria_version);
  a.mutable_assessed_at()->set_seconds(kArrested + rev);
  a.mutable_claim_occurred_at()->set_seconds(kArrested);
  return a;
}

Input AssessmentIn(const v1::LinkAssessment& a) {
  return Input{std::string(topics::kLinkAssessments), a.subject_pid(),
               a.SerializeAsString()};
}

Input AssessmentIn(const std::string& pid, const std::string& claim_id,
                   v1::AssessmentResult result, v1::Tier tier,
                   const std::vector<std::string>& failed, int rev) {
  return AssessmentIn(Assessment(pid, claim_id, result, tier, failed, rev));
}

struct Cell {
  std::string name;
  double value = 0;
  int64_t n = 0;
};

v1::Scorecard Card(const std::string& unit, const std::string& period,
                   int64_t revision, const std::vector<Cell>& cells) {
  v1::Scorecard card;
  card.set_unit(unit);
  card.set_period(period);
  card.set_score_version("v1");
  card.set_criteria_version("v1");
  card.set_revision(revision);
  card.set_scorecard_id(StrCat("SC-", unit, "-", period, "-r", revision));
  for (const Cell& c : cells) {
    auto* i = card.add_indicators();
    i->set_name(c.name);
    i->set_n(c.n);
    i->set_defined(c.n > 0);
    if (c.n > 0) i->set_value(c.value);
  }
  return card;
}

// A restricted card on fruition.scores.v1, a public view on
// fruition.scores.public.v1.
Input CardIn(const v1::Scorecard& card) {
  return Input{
      std::string(card.public_view() ? topics::kScoresPublic : topics::kScores),
      card.unit(), card.SerializeAsString()};
}

constexpr char kPtoDismantled[] =
    "target_ratio:PERFORMANCE_MEASURE_PTO_DISMANTLED";
constexpr char kCpotDismantled[] =
    "target_ratio:PERFORMANCE_MEASURE_CPOT_DISMANTLED";

// agency:DEA FY2016 with 20 sentenced; the LNF prison cells (n = 3) and the
// CPOT target ratio (n = 4) are small cells. Its public view withholds the
// LNF prison cells (kDeaWithheld) and shows the target ratios (they are
// about organizations).
std::vector<Cell> DeaCells(double fruition_gap, double lnf_share,
                           double pto_ratio, int64_t sentenced = 20) {
  return {
      {"sentenced", static_cast<double>(sentenced), sentenced},
      {"fruition_gap", fruition_gap, sentenced},
      {"claimed_priority_share", 0.6, sentenced},
      {"high_desert_share", 0.6 - fruition_gap, sentenced},
      {"lnf_share", lnf_share, sentenced},
      {"lnf_prison_years", 5, 3},
      {"lnf_cost_usd", 181495, 3},
      {kPtoDismantled, pto_ratio, 12},
      {kCpotDismantled, 2.0, 4},
  };
}

const std::set<std::string> kDeaWithheld = {"lnf_prison_years", "lnf_cost_usd"};

// ---------------------------------------------------------------------------
// The simulated Kafka log: input topics, and the oversight topics every
// output is appended to.

struct Clock {
  int64_t now_ms = kStartMs;
};

class Cluster {
 public:
  // Appends to `in.topic` at the partition of its key; returns the record.
  kafka::Record AppendOne(const Input& in) {
    kafka::Record r;
    r.topic = in.topic;
    r.partition = PartitionOf(in.key);
    auto& log = log_[{r.topic, r.partition}];
    r.offset = static_cast<int64_t>(log.size());
    r.timestamp_ms = 1000;
    r.key = in.key;
    r.value = in.value;
    log.push_back(r);
    inputs_.push_back(r);
    return r;
  }

  std::vector<kafka::Record> Append(const std::vector<Input>& inputs) {
    std::vector<kafka::Record> out;
    out.reserve(inputs.size());
    for (const Input& in : inputs) out.push_back(AppendOne(in));
    return out;
  }

  // Every input record, in the order appended.
  const std::vector<kafka::Record>& inputs() const { return inputs_; }

  // An output of the handler, as the producer writes it.
  void Produce(const stream::Output& o) {
    kafka::Record r;
    r.topic = o.topic;
    r.partition = PartitionOf(o.key);
    auto& log = log_[{r.topic, r.partition}];
    r.offset = static_cast<int64_t>(log.size());
    r.timestamp_ms = 1000;
    r.key = o.key;
    r.value = o.value;
    log.push_back(std::move(r));
  }

  // Every record of `topic`, partition by partition.
  std::vector<kafka::Record> Topic(std::string_view topic) const {
    std::vector<kafka::Record> out;
    for (const auto& [tp, log] : log_) {
      if (tp.first != topic) continue;
      out.insert(out.end(), log.begin(), log.end());
    }
    return out;
  }

  // Every event on the oversight topics.
  std::vector<v1::OversightEvent> Events() const {
    std::vector<v1::OversightEvent> out;
    for (std::string_view topic :
         {topics::kOversightPublic, topics::kOversightRestricted}) {
      for (const auto& r : Topic(topic)) {
        v1::OversightEvent e;
        EXPECT_TRUE(e.ParseFromString(r.value));
        out.push_back(std::move(e));
      }
    }
    return out;
  }

  std::set<std::string> EventIds() const {
    std::set<std::string> out;
    for (const auto& e : Events()) out.insert(e.event_id());
    return out;
  }

  size_t oversight_records() const {
    return Topic(topics::kOversightPublic).size() +
           Topic(topics::kOversightRestricted).size();
  }

  // The handler's ReadBack over the simulated oversight topics.
  ReadBack Reader() {
    return [this](const std::vector<std::string>& topics,
                  const std::set<int32_t>& partitions,
                  const kafka::StartOffsets& start)
               -> absl::StatusOr<std::vector<kafka::Record>> {
      ++read_backs_;
      std::vector<kafka::Record> out;
      for (const std::string& topic : topics) {
        EXPECT_TRUE(topic == topics::kOversightPublic ||
                    topic == topics::kOversightRestricted)
            << topic;
        for (int32_t p : partitions) {
          auto it = log_.find({topic, p});
          if (it == log_.end()) continue;
          auto s = start.find({topic, p});
          const int64_t from =
              s == start.end() ? 0 : std::max<int64_t>(0, s->second);
          for (auto i = static_cast<size_t>(from); i < it->second.size(); ++i) {
            out.push_back(it->second[i]);
          }
        }
      }
      last_read_back_ = out.size();
      return out;
    };
  }

  int read_backs() const { return read_backs_; }
  size_t last_read_back() const { return last_read_back_; }

 private:
  std::map<kafka::TopicPartition, std::vector<kafka::Record>> log_;
  std::vector<kafka::Record> inputs_;
  int read_backs_ = 0;
  size_t last_read_back_ = 0;
};

// ---------------------------------------------------------------------------
// One reconciler instance: its store, its handler, the partitions it owns.

enum class Crash {
  kNone,           // produce the outputs, then commit
  kAfterProduce,   // produce the outputs, die before the commit
  kBeforeProduce,  // die before producing or committing
};

class Instance {
 public:
  Instance(Cluster* cluster, Clock* clock, const std::string& name,
           Thresholds thresholds = {})
      : cluster_(cluster),
        clock_(clock),
        dir_(FreshDir(name)),
        thresholds_(std::move(thresholds)) {
    Open();
  }

  // kill -9 and start again on the same store: what was not committed is
  // lost, and the partitions are to be assigned again.
  void Restart() {
    handler_.reset();
    store_.reset();
    owned_.clear();
    Open();
  }

  // A rebalance gave it `added` (OnAssigned in its own transaction).
  void Assign(const std::set<int32_t>& added) {
    owned_.insert(added.begin(), added.end());
    store::KvTx tx(store_.get());
    const auto out = store::Ok(handler_->OnAssigned(tx, added, owned_));
    EXPECT_TRUE(out.empty()) << "OnAssigned produced " << out.size();
    const absl::Status st = store_->Commit(tx);
    EXPECT_TRUE(st.ok()) << st;
  }

  // A rebalance took `revoked` away.
  void Revoke(const std::set<int32_t>& revoked) {
    for (int32_t p : revoked) owned_.erase(p);
  }

  // One batch as stream::Loop::Process runs it.
  absl::StatusOr<std::vector<v1::OversightEvent>> TryProcess(
      const std::vector<kafka::Record>& batch,
      const std::set<int32_t>& caught_up, const stream::SkipSet& skip,
      stream::PoisonRecord* poison, Crash crash = Crash::kNone) {
    store::KvTx tx(store_.get());
    std::vector<kafka::Record> fresh;
    std::map<kafka::TopicPartition, int64_t> next;
    for (const kafka::Record& r : batch) {
      const kafka::TopicPartition tp{r.topic, r.partition};
      auto it = next.find(tp);
      if (it == next.end()) {
        it =
            next.emplace(
                    tp,
                    store::Ok(tx.NextOffset(r.topic, r.partition)).value_or(-1))
                .first;
      }
      if (it->second >= 0 && r.offset < it->second) continue;
      it->second = r.offset + 1;
      fresh.push_back(r);
    }
    auto outputs =
        stream::ApplySkipping(*handler_, tx, fresh, owned_, skip, nullptr);
    if (!outputs.ok()) {
      if (auto p = stream::PoisonOf(outputs.status())) *poison = *p;
      return outputs.status();
    }
    EXPECT_TRUE(outputs->empty()) << "Apply judges nothing; Flush does";
    for (const auto& [tp, n] : next) {
      if (n >= 0) tx.SetNextOffset(tp.first, tp.second, n);
    }
    for (auto& o : store::Ok(handler_->Flush(tx, owned_, caught_up))) {
      outputs->push_back(std::move(o));
    }
    auto events = Emit(*outputs, caught_up, crash != Crash::kBeforeProduce);
    if (crash == Crash::kNone) {
      const absl::Status st = store_->Commit(tx);
      EXPECT_TRUE(st.ok()) << st;
    }
    return events;
  }

  std::vector<v1::OversightEvent> Process(
      const std::vector<kafka::Record>& batch,
      const std::set<int32_t>& caught_up, Crash crash = Crash::kNone) {
    stream::PoisonRecord poison;
    auto events = TryProcess(batch, caught_up, {}, &poison, crash);
    EXPECT_TRUE(events.ok()) << events.status();
    if (!events.ok()) return {};
    return *std::move(events);
  }

  // Flush in a transaction of its own (stream::Loop::Tick).
  std::vector<v1::OversightEvent> Tick(const std::set<int32_t>& caught_up) {
    store::KvTx tx(store_.get());
    auto events =
        Emit(store::Ok(handler_->Flush(tx, owned_, caught_up)), caught_up,
             /*produce=*/true);
    const absl::Status st = store_->Commit(tx);
    EXPECT_TRUE(st.ok()) << st;
    return events;
  }

  // Replays `records` in batches of `batch` with no partition caught up,
  // then flushes with every owned partition caught up.
  std::vector<v1::OversightEvent> ReplayThenCatchUp(
      const std::vector<kafka::Record>& records, size_t batch) {
    for (size_t i = 0; i < records.size(); i += batch) {
      const std::vector<kafka::Record> part(
          records.begin() + static_cast<std::ptrdiff_t>(i),
          records.begin() +
              static_cast<std::ptrdiff_t>(std::min(records.size(), i + batch)));
      const auto events = Process(part, {});
      EXPECT_TRUE(events.empty()) << "emitted while replaying";
    }
    return Tick(owned_);
  }

  std::optional<v1::OversightEvent> EventById(const std::string& id) {
    store::KvTx tx(store_.get());
    return store::Ok(ReconcilerHandler::EventById(tx, id));
  }

  // Every event in the events table.
  std::vector<v1::OversightEvent> StoredEvents() {
    store::KvTx tx(store_.get());
    std::vector<v1::OversightEvent> out;
    for (const auto& [k, v] : store::Ok(tx.Scan(kEvents, ""))) {
      v1::OversightEvent e;
      EXPECT_TRUE(e.ParseFromString(v)) << k;
      out.push_back(std::move(e));
    }
    return out;
  }

  const std::set<int32_t>& owned() const { return owned_; }
  store::KvStore* store() const { return store_.get(); }

 private:
  void Open() {
    auto store = store::KvStore::Open(dir_, Tables());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ReconcilerOptions options;
    options.thresholds = thresholds_;
    options.partitions = kPartitions;
    Clock* clock = clock_;
    options.now_ms = [clock] { return clock->now_ms; };
    handler_ = std::make_unique<ReconcilerHandler>(options, RealTopics(),
                                                   cluster_->Reader());
  }

  // Checks each output (topic by visibility, key, header, id, emitted_at,
  // the owner emits its partitions' events only) and produces it.
  std::vector<v1::OversightEvent> Emit(
      const std::vector<stream::Output>& outputs,
      const std::set<int32_t>& caught_up, bool produce) {
    std::vector<v1::OversightEvent> events;
    for (const stream::Output& o : outputs) {
      v1::OversightEvent e;
      EXPECT_TRUE(e.ParseFromString(o.value)) << o.topic;
      EXPECT_FALSE(e.event_id().empty());
      EXPECT_EQ(e.event_id(), EventId(e)) << e.condition_key();
      EXPECT_EQ(TimeUtil::TimestampToMilliseconds(e.emitted_at()),
                clock_->now_ms);
      EXPECT_NE(e.visibility(), v1::VISIBILITY_UNSPECIFIED);
      EXPECT_EQ(o.topic, e.visibility() == v1::VISIBILITY_PUBLIC
                             ? topics::kOversightPublic
                             : topics::kOversightRestricted)
          << e.condition_key();
      if (e.visibility() == v1::VISIBILITY_PUBLIC) {
        EXPECT_TRUE(e.subject_pid().empty()) << e.condition_key();
      }
      EXPECT_FALSE(o.key.empty()) << e.condition_key();
      EXPECT_EQ(caught_up.count(PartitionOf(o.key)), 1u)
          << e.condition_key() << " keyed " << o.key
          << " emitted for a partition not caught up";
      EXPECT_EQ(o.headers.size(), 1u);
      if (!o.headers.empty()) {
        EXPECT_EQ(o.headers[0].first, "fruition-event-id");
        EXPECT_EQ(o.headers[0].second, e.event_id());
      }
      if (produce) cluster_->Produce(o);
      events.push_back(std::move(e));
    }
    return events;
  }

  Cluster* cluster_;
  Clock* clock_;
  std::string dir_;
  Thresholds thresholds_;
  std::unique_ptr<store::KvStore> store_;
  std::unique_ptr<ReconcilerHandler> handler_;
  std::set<int32_t> owned_;
};

// ---------------------------------------------------------------------------
// Helpers on events.

std::set<std::string> Ids(const std::vector<v1::OversightEvent>& events) {
  std::set<std::string> out;
  for (const auto& e : events) out.insert(e.event_id());
  return out;
}

// condition_key|VISIBILITY|resolved of each event.
std::multiset<std::string> Summary(
    const std::vector<v1::OversightEvent>& events) {
  std::multiset<std::string> out;
  for (const auto& e : events) {
    out.insert(StrCat(e.condition_key(), "|",
                      v1::Visibility_Name(e.visibility()),
                      e.resolved() ? "|resolved" : ""));
  }
  return out;
}

const v1::OversightEvent* Find(const std::vector<v1::OversightEvent>& events,
                               const std::string& condition_key,
                               v1::Visibility visibility) {
  for (const auto& e : events) {
    if (e.condition_key() == condition_key && e.visibility() == visibility) {
      return &e;
    }
  }
  return nullptr;
}

double Fact(const v1::OversightEvent& e, const std::string& name) {
  auto it = e.facts().find(name);
  EXPECT_NE(it, e.facts().end()) << e.condition_key() << " lacks " << name;
  return it == e.facts().end() ? -1 : it->second;
}

bool HasFact(const v1::OversightEvent& e, const std::string& name) {
  return e.facts().count(name) > 0;
}

bool HasRef(const v1::OversightEvent& e, const std::string& ref) {
  return std::find(e.evidence_refs().begin(), e.evidence_refs().end(), ref) !=
         e.evidence_refs().end();
}

// The latest event of each (key, condition, visibility) in `events` (log
// order) that holds.
std::set<std::string> LatestHolding(
    const std::vector<v1::OversightEvent>& events) {
  std::map<std::pair<std::string, int>, const v1::OversightEvent*> latest;
  for (const auto& e : events) {
    latest[{e.condition_key(), e.visibility()}] = &e;
  }
  std::set<std::string> out;
  for (const auto& [k, e] : latest) {
    if (!e->resolved()) out.insert(e->event_id());
  }
  return out;
}

// Nothing on the public topic names a subject; every scorecard event is
// judged on the view of its visibility (a PUBLIC one cites a public view, a
// RESTRICTED one a restricted card); and a PUBLIC event shows a cell its
// view withholds only as `<name>.suppressed` = 1, with no value and no n
// (SPEC §5 D1). `cards`: every scorecard fed, by id.
void ExpectPublicClean(const Cluster& cluster,
                       const std::map<std::string, v1::Scorecard>& cards) {
  for (std::string_view topic :
       {topics::kOversightPublic, topics::kOversightRestricted}) {
    const bool is_public = topic == topics::kOversightPublic;
    for (const auto& r : cluster.Topic(topic)) {
      v1::OversightEvent e;
      ASSERT_TRUE(e.ParseFromString(r.value));
      EXPECT_EQ(e.visibility(),
                is_public ? v1::VISIBILITY_PUBLIC : v1::VISIBILITY_RESTRICTED)
          << e.condition_key();
      if (is_public) {
        EXPECT_TRUE(e.subject_pid().empty()) << e.condition_key();
      }
      for (const auto& ref : e.evidence_refs()) {
        if (is_public) {
          EXPECT_EQ(ref.rfind("claim:", 0), std::string::npos) << ref;
          EXPECT_EQ(ref.rfind("evidence:", 0), std::string::npos) << ref;
        }
        if (ref.rfind("scorecard:", 0) != 0) continue;
        auto it = cards.find(ref.substr(sizeof("scorecard:") - 1));
        ASSERT_NE(it, cards.end()) << ref;
        EXPECT_EQ(it->second.public_view(), is_public)
            << e.condition_key() << " (" << v1::Visibility_Name(e.visibility())
            << ") judged on " << ref;
        if (!is_public) continue;
        for (const auto& i : it->second.indicators()) {
          if (!i.suppressed()) continue;
          for (const auto& [name, value] : e.facts()) {
            if (name.rfind(i.name(), 0) != 0) continue;
            EXPECT_EQ(name, i.name() + ".suppressed")
                << e.condition_key() << " carries " << name
                << " of a withheld cell";
          }
          // TARGET_OVERSHOOT/<unit>/<period>/<measure> names its cell
          // target_ratio (and target, reported).
          if (e.type() == v1::EVENT_TYPE_TARGET_OVERSHOOT &&
              i.name() == StrCat("target_ratio:",
                                 e.condition_key().substr(
                                     e.condition_key().rfind('/') + 1))) {
            for (const char* f :
                 {"target_ratio", "target", "reported", "target_ratio.n"}) {
              EXPECT_FALSE(HasFact(e, f)) << e.condition_key() << " carries "
                                          << f << " of a withheld cell";
            }
          }
        }
      }
    }
  }
}

std::vector<std::vector<kafka::Record>> Split(
    const std::vector<kafka::Record>& records, size_t batch) {
  std::vector<std::vector<kafka::Record>> out;
  for (size_t i = 0; i < records.size(); i += batch) {
    out.emplace_back(records.begin() + static_cast<std::ptrdiff_t>(i),
                     records.begin() + static_cast<std::ptrdiff_t>(std::min(
                                           records.size(), i + batch)));
  }
  return out;
}

// ---------------------------------------------------------------------------
// A population touching every rule.
//
//   alpha: claim CL-A assessed UNSUBSTANTIATED, then SUBSTANTIATED (CPOT);
//          sentenced LNF → TIER_MISMATCH holds, LINK_UNSUBSTANTIATED not.
//   bravo: claim CL-B PARTIAL, then UNSUBSTANTIATED (RPOT); sentenced LNF,
//          then an amended (later) non-LNF judgment → LINK_UNSUBSTANTIATED
//          holds, TIER_MISMATCH not.
//   charlie: declined in EDPA, charged in SDNY; the charge report re-sent
//          with another body (district EDPA) → DECLINED_THEN_CHARGED_
//          ELSEWHERE (first body counts) and REPORT_CONFLICT.
//   delta: claim CL-D UNSUBSTANTIATED (PTO_LOCAL), no sentencing.
//   echo:  declined and charged in EDPA: nothing.
//   reference: DEA OUT-1 DISMANTLED pending (PENDING_COUNTED_AS_DISMANTLED);
//          DEA OUT-2 DISRUPTED pending and FBI OUT-3 DISMANTLED not pending
//          (nothing).
//   scores: agency:DEA FY2016 r1 (gap 0.4: FRUITION_GAP, PTO target 1.5:
//          TARGET_OVERSHOOT), r2 (gap 0.1, lnf 0.35: LNF_SHARE_HIGH, PTO
//          target 1.0); the CPOT target (2.0, n 4) overshoots throughout;
//          district:EDPA FY2016 with 5 sentenced (every cell small); each
//          with its public view (the small cells withheld), which the PUBLIC
//          conditions are judged on, the restricted card being the
//          RESTRICTED ones'.
struct Population {
  std::vector<Input> inputs;
  std::map<std::string, v1::Scorecard> cards;  // by scorecard_id
};

constexpr char kAlpha[] = "pid-alpha";
constexpr char kBravo[] = "pid-bravo";
constexpr char kCharlie[] = "pid-charlie";
constexpr char kDelta[] = "pid-delta";
constexpr char kEcho[] = "pid-echo";

Population MakePopulation() {
  Population p;
  const auto dea1 = Card("agency:DEA", "FY2016", 1, DeaCells(0.4, 0.1, 1.5));
  const auto dea2 = Card("agency:DEA", "FY2016", 2, DeaCells(0.1, 0.35, 1.0));
  const auto edpa = Card("district:EDPA", "FY2016", 1,
                         {{"sentenced", 5, 5},
                          {"fruition_gap", 0.5, 5},
                          {"lnf_share", 0.8, 5},
                          {"lnf_prison_years", 4, 4},
                          {"arrests", 0, 0}});
  const auto dea1_public = Public(dea1, kDeaWithheld);
  const auto dea2_public = Public(dea2, kDeaWithheld);
  const auto edpa_public = Public(
      edpa, {"sentenced", "fruition_gap", "lnf_share", "lnf_prison_years"});
  for (const auto* c :
       {&dea1, &dea2, &edpa, &dea1_public, &dea2_public, &edpa_public}) {
    p.cards[c->scorecard_id()] = *c;
  }
  p.inputs = {
      ArrestIn(kAlpha, "C-A", "A-A", "CL-A"),
      AssessmentIn(kAlpha, "CL-A", v1::ASSESSMENT_RESULT_UNSUBSTANTIATED,
                   v1::TIER_CPOT, {"C2", "C3"}, 1),
      ArrestIn(kBravo, "C-B", "A-B", "CL-B"),
      CardIn(dea1),
      CardIn(dea1_public),
      SentencingIn("S-A", "C-A", kSentenced, LnfRecord(kAlpha)),
      AssessmentIn(kBravo, "CL-B", v1::ASSESSMENT_RESULT_PARTIAL, v1::TIER_RPOT,
                   {"C4"}, 1),
      OutcomeIn(
          Outcome("DEA", "OUT-1", "ORG-9", v1::ORG_OUTCOME_DISMANTLED, true)),
      SentencingIn("S-B1", "C-B", kSentenced, LnfRecord(kBravo)),
      DeclinationIn("D-C", kCharlie, "EDPA"),
      ArrestIn(kDelta, "C-D", "A-D", "CL-D"),
      ChargeIn("USAO-SDNY", "CH-C", kCharlie, "SDNY"),
      AssessmentIn(kAlpha, "CL-A", v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                   v1::TIER_CPOT, {}, 2),
      OutcomeIn(
          Outcome("DEA", "OUT-2", "ORG-8", v1::ORG_OUTCOME_DISRUPTED, true)),
      AssessmentIn(kDelta, "CL-D", v1::ASSESSMENT_RESULT_UNSUBSTANTIATED,
                   v1::TIER_PTO_LOCAL, {"C1"}, 1),
      CardIn(edpa),
      CardIn(edpa_public),
      AssessmentIn(kBravo, "CL-B", v1::ASSESSMENT_RESULT_UNSUBSTANTIATED,
                   v1::TIER_RPOT, {"C2", "C4"}, 2),
      DeclinationIn("D-E", kEcho, "EDPA"),
      ChargeIn("USAO-SDNY", "CH-C", kCharlie, "EDPA"),
      OutcomeIn(
          Outcome("FBI", "OUT-3", "ORG-7", v1::ORG_OUTCOME_DISMANTLED, false)),
      SentencingIn("S-B2", "C-B", kAmended, LeaderRecord(kBravo)),
      CardIn(dea2_public),
      ChargeIn("USAO-EDPA", "CH-E", kEcho, "EDPA"),
      CardIn(dea2),
  };
  return p;
}

// What holds once the whole population is judged.
std::multiset<std::string> PopulationFinalSummary() {
  const std::string r = "|VISIBILITY_RESTRICTED";
  const std::string p = "|VISIBILITY_PUBLIC";
  return {
      "TIER_MISMATCH/subject/pid-alpha/case/C-A" + r,
      "LINK_UNSUBSTANTIATED/claim/CL-B" + r,
      "LINK_UNSUBSTANTIATED/claim/CL-D" + r,
      "DECLINED_THEN_CHARGED_ELSEWHERE/subject/pid-charlie" + r,
      "REPORT_CONFLICT/report/USAO-SDNY/CH-C" + r,
      "PENDING_COUNTED_AS_DISMANTLED/report/DEA/OUT-1" + p,
      "LNF_SHARE_HIGH/agency:DEA/FY2016" + p,
      "LNF_SHARE_HIGH/agency:DEA/FY2016/restricted" + r,
      "TARGET_OVERSHOOT/agency:DEA/FY2016/PERFORMANCE_MEASURE_CPOT_DISMANTLED" +
          p,
      "SCORECARD_PUBLISHED/agency:DEA/FY2016" + p,
      "SCORECARD_PUBLISHED/agency:DEA/FY2016" + r,
      "SCORECARD_PUBLISHED/district:EDPA/FY2016" + p,
      "SCORECARD_PUBLISHED/district:EDPA/FY2016" + r,
  };
}

// Runs the population live (every partition caught up) in batches of 3,
// 5 s apart, then lets the publish interval pass and flushes.
void RunLive(const std::vector<kafka::Record>& records, Instance* instance,
             Clock* clock) {
  for (const auto& batch : Split(records, 3)) {
    clock->now_ms += 5000;
    instance->Process(batch, AllPartitions());
  }
  clock->now_ms += 61000;
  instance->Tick(AllPartitions());
}

// ---------------------------------------------------------------------------
// 1. Deferral.

TEST(ReconcilerHandlerTest, ReplayDefersAndEmitsOnlyTheFinalStateOnceCaughtUp) {
  Cluster cluster;
  Clock clock;
  Instance rec(&cluster, &clock, "deferral");
  rec.Assign(AllPartitions());
  const std::string p1 = "pid-one";
  const std::string p2 = "pid-two";
  const std::string p3 = "pid-three";
  ASSERT_NE(PartitionOf(p1), PartitionOf(p2));
  const std::set<int32_t> replaying = {PartitionOf(p1), PartitionOf(p2),
                                       PartitionOf(p3)};

  // p1: CL-1 UNSUBSTANTIATED, then SUBSTANTIATED. p2: CL-2 UNSUBSTANTIATED
  // twice (new evidence, new failures). p3: a CPOT claim sentenced LNF, then
  // an amended judgment that is not (TIER_MISMATCH held only in between).
  const auto final2 =
      Assessment(p2, "CL-2", v1::ASSESSMENT_RESULT_UNSUBSTANTIATED,
                 v1::TIER_RPOT, {"C2", "C3"}, 2);
  const std::vector<std::vector<Input>> batches = {
      {AssessmentIn(p1, "CL-1", v1::ASSESSMENT_RESULT_UNSUBSTANTIATED,
                    v1::TIER_CPOT, {"C2"}, 1),
       AssessmentIn(p2, "CL-2", v1::ASSESSMENT_RESULT_UNSUBSTANTIATED,
                    v1::TIER_RPOT, {"C2"}, 1),
       ArrestIn(p3, "C-3", "A-3", "CL-3")},
      {AssessmentIn(p3, "CL-3", v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                    v1::TIER_CPOT, {}, 1),
       SentencingIn("S-3", "C-3", kSentenced, LnfRecord(p3))},
      {AssessmentIn(p1, "CL-1", v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                    v1::TIER_CPOT, {}, 2)},
      {AssessmentIn(final2),
       SentencingIn("S-3b", "C-3", kAmended, LeaderRecord(p3))},
  };
  for (const auto& inputs : batches) {
    clock.now_ms += 1000;
    // Other partitions are live; these are still replaying.
    EXPECT_TRUE(rec.Process(cluster.Append(inputs), AllBut(replaying)).empty());
    EXPECT_TRUE(rec.Tick(AllBut(replaying)).empty());
  }
  EXPECT_EQ(cluster.oversight_records(), 0u);

  // p1's partition caught up alone: its claim ended SUBSTANTIATED, nothing.
  EXPECT_TRUE(rec.Tick({PartitionOf(p1)}).empty());

  // Everything caught up: exactly the final state of CL-2.
  clock.now_ms += 1000;
  const auto events = rec.Tick(AllPartitions());
  ASSERT_EQ(events.size(), 1u) << ::testing::PrintToString(Summary(events));
  const auto& e = events[0];
  EXPECT_EQ(e.type(), v1::EVENT_TYPE_LINK_UNSUBSTANTIATED);
  EXPECT_EQ(e.condition_key(), "LINK_UNSUBSTANTIATED/claim/CL-2");
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_RESTRICTED);
  EXPECT_EQ(e.subject_pid(), p2);
  EXPECT_FALSE(e.resolved());
  EXPECT_TRUE(HasRef(e, "assessment:AS-CL-2-2")) << "not the final assessment";
  EXPECT_FALSE(HasRef(e, "assessment:AS-CL-2-1"));
  EXPECT_EQ(Fact(e, "failed_criteria"), 2);
  const auto restricted = cluster.Topic(topics::kOversightRestricted);
  ASSERT_EQ(restricted.size(), 1u);
  EXPECT_EQ(restricted[0].key, p2);
  EXPECT_EQ(restricted[0].partition, PartitionOf(p2));
  EXPECT_TRUE(cluster.Topic(topics::kOversightPublic).empty());

  // Said once: flushing again says nothing.
  EXPECT_TRUE(rec.Tick(AllPartitions()).empty());
}

// ---------------------------------------------------------------------------
// 2. Live.

TEST(ReconcilerHandlerTest, LiveAssessmentsEmitThenResolveAndIgnoreRepeats) {
  Cluster cluster;
  Clock clock;
  Instance rec(&cluster, &clock, "live");
  rec.Assign(AllPartitions());
  const std::string pid = "pid-live";

  const auto unsub = cluster.AppendOne(
      AssessmentIn(pid, "CL-9", v1::ASSESSMENT_RESULT_UNSUBSTANTIATED,
                   v1::TIER_RPOT, {"C2", "C6"}, 1));
  auto events = rec.Process({unsub}, AllPartitions());
  ASSERT_EQ(events.size(), 1u);
  const v1::OversightEvent first = events[0];
  EXPECT_EQ(first.type(), v1::EVENT_TYPE_LINK_UNSUBSTANTIATED);
  EXPECT_EQ(first.condition_key(), "LINK_UNSUBSTANTIATED/claim/CL-9");
  EXPECT_EQ(first.severity(), v1::SEVERITY_WARNING);
  EXPECT_EQ(first.visibility(), v1::VISIBILITY_RESTRICTED);
  EXPECT_EQ(first.subject_pid(), pid);
  EXPECT_EQ(first.unit(), "agency:DEA");
  EXPECT_EQ(first.period(), "FY2016");
  EXPECT_EQ(first.org_id(), "ORG-CL-9");
  EXPECT_EQ(first.criteria_version(), "v1");
  EXPECT_FALSE(first.resolved());
  EXPECT_EQ(Fact(first, "result"), v1::ASSESSMENT_RESULT_UNSUBSTANTIATED);
  EXPECT_EQ(Fact(first, "failed.C6"), 1);
  // Evidence refs: ids only, sorted.
  EXPECT_EQ(
      std::vector<std::string>(first.evidence_refs().begin(),
                               first.evidence_refs().end()),
      (std::vector<std::string>{"claim:CL-9", "assessment:AS-CL-9-1",
                                "evidence:EV-CL-9-1", "evidence:EV-CL-9-2"}));
  auto restricted = cluster.Topic(topics::kOversightRestricted);
  ASSERT_EQ(restricted.size(), 1u);
  EXPECT_EQ(restricted[0].key, pid);
  EXPECT_EQ(restricted[0].partition, PartitionOf(pid));

  // The same record delivered again (at its offset, and as a new record
  // with the same content): nothing.
  EXPECT_TRUE(rec.Process({unsub}, AllPartitions()).empty());
  EXPECT_TRUE(
      rec.Process({cluster.AppendOne(AssessmentIn(
                      pid, "CL-9", v1::ASSESSMENT_RESULT_UNSUBSTANTIATED,
                      v1::TIER_RPOT, {"C2", "C6"}, 1))},
                  AllPartitions())
          .empty());
  // An assessment of another criteria version is not this reconciler's.
  EXPECT_TRUE(rec.Process({cluster.AppendOne(AssessmentIn(Assessment(
                              pid, "CL-9", v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                              v1::TIER_RPOT, {}, 7, "v0")))},
                          AllPartitions())
                  .empty());

  // SUBSTANTIATED now: the resolution.
  clock.now_ms += 1000;
  const auto sub = cluster.AppendOne(AssessmentIn(
      pid, "CL-9", v1::ASSESSMENT_RESULT_SUBSTANTIATED, v1::TIER_RPOT, {}, 2));
  events = rec.Process({sub}, AllPartitions());
  ASSERT_EQ(events.size(), 1u);
  const v1::OversightEvent& resolution = events[0];
  EXPECT_EQ(resolution.condition_key(), first.condition_key());
  EXPECT_TRUE(resolution.resolved());
  EXPECT_EQ(resolution.severity(), v1::SEVERITY_INFO);
  EXPECT_NE(resolution.event_id(), first.event_id());
  EXPECT_EQ(Fact(resolution, "result"), v1::ASSESSMENT_RESULT_SUBSTANTIATED);
  EXPECT_TRUE(HasRef(resolution, "assessment:AS-CL-9-2"));
  restricted = cluster.Topic(topics::kOversightRestricted);
  ASSERT_EQ(restricted.size(), 2u);
  EXPECT_EQ(restricted[1].key, pid);

  // Repeats of the resolving assessment: nothing.
  EXPECT_TRUE(rec.Process({sub}, AllPartitions()).empty());
  EXPECT_TRUE(rec.Process({cluster.AppendOne(AssessmentIn(
                              pid, "CL-9", v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                              v1::TIER_RPOT, {}, 2))},
                          AllPartitions())
                  .empty());
  EXPECT_TRUE(rec.Tick(AllPartitions()).empty());
  EXPECT_EQ(cluster.oversight_records(), 2u);
}

// ---------------------------------------------------------------------------
// 3. Read-back.

TEST(ReconcilerHandlerTest, FreshStoreReadsBackTheLogAndReplaysSilently) {
  Cluster cluster;
  Clock clock;
  const Population pop = MakePopulation();
  Instance first(&cluster, &clock, "readback_first");
  first.Assign(AllPartitions());
  RunLive(cluster.Append(pop.inputs), &first, &clock);
  const std::set<std::string> published = cluster.EventIds();
  const size_t records = cluster.oversight_records();
  ASSERT_GT(records, PopulationFinalSummary().size());
  EXPECT_EQ(LatestHolding(cluster.Events()).size(),
            PopulationFinalSummary().size());
  ExpectPublicClean(cluster, pop.cards);

  // Another instance on an empty store takes every partition (a new node,
  // or a lost disk): it reads the oversight topics back, replays every
  // input from the beginning, and has nothing to add.
  clock.now_ms += 1000;
  Instance second(&cluster, &clock, "readback_second");
  const int read_backs = cluster.read_backs();
  second.Assign(AllPartitions());
  EXPECT_EQ(cluster.read_backs(), read_backs + 1);
  const auto events = second.ReplayThenCatchUp(cluster.inputs(), 4);
  EXPECT_TRUE(events.empty()) << ::testing::PrintToString(Summary(events));
  // Not even once the publish interval has passed.
  clock.now_ms += 61000;
  EXPECT_TRUE(second.Tick(AllPartitions()).empty());
  EXPECT_EQ(cluster.oversight_records(), records);
  EXPECT_EQ(cluster.EventIds(), published);
  // The events read back are served by the new instance.
  for (const auto& id : published) {
    EXPECT_TRUE(second.EventById(id).has_value()) << id;
  }

  // Two more new instances sharing the partitions: each reads back its own
  // partitions' events, replays its partitions of the group topics and the
  // whole reference topic, and has nothing to add either.
  std::set<int32_t> evens;
  std::set<int32_t> odds;
  for (int32_t p : AllPartitions()) (p % 2 == 0 ? evens : odds).insert(p);
  for (const auto* mine : {&evens, &odds}) {
    Instance part(&cluster, &clock, "readback_part");
    part.Assign(*mine);
    std::vector<kafka::Record> delivered;
    for (const auto& r : cluster.inputs()) {
      if (r.topic == topics::kReference || mine->count(r.partition) > 0) {
        delivered.push_back(r);
      }
    }
    const auto events = part.ReplayThenCatchUp(delivered, 3);
    EXPECT_TRUE(events.empty()) << ::testing::PrintToString(Summary(events));
    clock.now_ms += 61000;
    EXPECT_TRUE(part.Tick(*mine).empty());
  }
  EXPECT_EQ(cluster.oversight_records(), records);
}

// Partitions moved to another instance mid-stream (a rebalance): the new
// owner reads back, replays, says nothing its predecessor said, and the run
// ends with the events of an uninterrupted one.
TEST(ReconcilerHandlerTest, PartitionsMovedMidStreamEndAsAnUninterruptedRun) {
  const Population pop = MakePopulation();
  std::set<int32_t> evens;
  std::set<int32_t> odds;
  for (int32_t p : AllPartitions()) (p % 2 == 0 ? evens : odds).insert(p);
  constexpr size_t kMoveAt = 4;  // batches before the rebalance

  Cluster ref_cluster;
  Clock ref_clock;
  Instance ref(&ref_cluster, &ref_clock, "move_ref");
  ref.Assign(AllPartitions());
  const auto ref_batches = Split(ref_cluster.Append(pop.inputs), 3);
  for (size_t i = 0; i < ref_batches.size(); ++i) {
    if (i == kMoveAt) ref.Tick(AllPartitions());
    ref_clock.now_ms += 5000;
    ref.Process(ref_batches[i], AllPartitions());
  }
  ref_clock.now_ms += 61000;
  ref.Tick(AllPartitions());

  Cluster cluster;
  Clock clock;
  Instance a(&cluster, &clock, "move_a");
  Instance b(&cluster, &clock, "move_b");
  a.Assign(AllPartitions());
  const auto batches = Split(cluster.Append(pop.inputs), 3);
  std::vector<kafka::Record> history;
  for (size_t i = 0; i < batches.size(); ++i) {
    if (i == kMoveAt) {
      // The odd partitions go to b, whose store is empty.
      a.Revoke(odds);
      b.Assign(odds);
      std::vector<kafka::Record> delivered;
      for (const auto& r : history) {
        if (r.topic == topics::kReference || odds.count(r.partition) > 0) {
          delivered.push_back(r);
        }
      }
      const auto events = b.ReplayThenCatchUp(delivered, 2);
      EXPECT_TRUE(events.empty()) << ::testing::PrintToString(Summary(events));
      EXPECT_TRUE(a.Tick(evens).empty());
    }
    clock.now_ms += 5000;
    if (i < kMoveAt) {
      a.Process(batches[i], AllPartitions());
    } else {
      std::vector<kafka::Record> to_a;
      std::vector<kafka::Record> to_b;
      for (const auto& r : batches[i]) {
        const bool global = r.topic == topics::kReference;
        if (global || evens.count(r.partition) > 0) to_a.push_back(r);
        if (global || odds.count(r.partition) > 0) to_b.push_back(r);
      }
      a.Process(to_a, evens);
      b.Process(to_b, odds);
    }
    history.insert(history.end(), batches[i].begin(), batches[i].end());
  }
  clock.now_ms += 61000;
  a.Tick(evens);
  b.Tick(odds);

  EXPECT_EQ(cluster.EventIds(), ref_cluster.EventIds());
  EXPECT_EQ(LatestHolding(cluster.Events()),
            LatestHolding(ref_cluster.Events()));
  EXPECT_EQ(cluster.oversight_records(), ref_cluster.oversight_records());
  ExpectPublicClean(cluster, pop.cards);
}

TEST(ReconcilerHandlerTest, ReadBackConditionThatNoLongerHoldsIsResolvedOnce) {
  Cluster cluster;
  Clock clock;
  const Population pop = MakePopulation();
  Instance old_owner(&cluster, &clock, "resolve_old");
  old_owner.Assign(AllPartitions());
  RunLive(cluster.Append(pop.inputs), &old_owner, &clock);
  const auto old_log = cluster.Events();
  const v1::OversightEvent* held = Find(
      old_log, "LINK_UNSUBSTANTIATED/claim/CL-D", v1::VISIBILITY_RESTRICTED);
  ASSERT_NE(held, nullptr);
  EXPECT_FALSE(held->resolved());
  const std::string held_id = held->event_id();

  // The old owner is gone before it reads CL-D's new assessment.
  cluster.AppendOne(AssessmentIn(kDelta, "CL-D",
                                 v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                                 v1::TIER_PTO_LOCAL, {}, 2));
  const std::set<std::string> before = cluster.EventIds();

  clock.now_ms += 1000;
  Instance next_owner(&cluster, &clock, "resolve_next");
  next_owner.Assign(AllPartitions());
  const auto events = next_owner.ReplayThenCatchUp(cluster.inputs(), 5);
  ASSERT_EQ(events.size(), 1u) << ::testing::PrintToString(Summary(events));
  const auto& e = events[0];
  EXPECT_EQ(e.condition_key(), "LINK_UNSUBSTANTIATED/claim/CL-D");
  EXPECT_TRUE(e.resolved());
  EXPECT_NE(e.event_id(), held_id);
  EXPECT_EQ(before.count(e.event_id()), 0u);
  EXPECT_TRUE(HasRef(e, "assessment:AS-CL-D-2"));
  // Appended last to the subject's partition of the restricted topic.
  const auto restricted = cluster.Topic(topics::kOversightRestricted);
  const kafka::Record* last = nullptr;
  for (const auto& r : restricted) {
    if (r.partition == PartitionOf(kDelta)) last = &r;
  }
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->key, kDelta);
  v1::OversightEvent appended;
  ASSERT_TRUE(appended.ParseFromString(last->value));
  EXPECT_EQ(appended.event_id(), e.event_id());

  clock.now_ms += 61000;
  EXPECT_TRUE(next_owner.Tick(AllPartitions()).empty());
}

// ---------------------------------------------------------------------------
// 4. Crash between produce and commit.

TEST(ReconcilerHandlerTest, CrashBetweenProduceAndCommitRepeatsNothingNew) {
  const Population pop = MakePopulation();
  const size_t half = pop.inputs.size() / 2;
  const std::vector<Input> part1(
      pop.inputs.begin(),
      pop.inputs.begin() + static_cast<std::ptrdiff_t>(half));
  const std::vector<Input> part2(
      pop.inputs.begin() + static_cast<std::ptrdiff_t>(half), pop.inputs.end());

  // The uninterrupted run.
  Cluster ref_cluster;
  Clock ref_clock;
  Instance ref(&ref_cluster, &ref_clock, "crash_ref");
  ref.Assign(AllPartitions());
  ref.Process(ref_cluster.Append(part1), AllPartitions());
  ref_clock.now_ms += 5000;
  ref.Process(ref_cluster.Append(part2), AllPartitions());
  ref_clock.now_ms += 61000;
  ref.Tick(AllPartitions());

  Cluster cluster;
  Clock clock;
  Instance rec(&cluster, &clock, "crash");
  rec.Assign(AllPartitions());
  rec.Process(cluster.Append(part1), AllPartitions());
  clock.now_ms += 5000;
  const auto batch2 = cluster.Append(part2);

  // Dies before producing: nothing of the batch reached the log; the
  // restart emits the same events (ids) again.
  const auto lost = rec.Process(batch2, AllPartitions(), Crash::kBeforeProduce);
  ASSERT_FALSE(lost.empty());
  const std::set<std::string> log_before = cluster.EventIds();
  for (const auto& e : lost) EXPECT_EQ(log_before.count(e.event_id()), 0u);
  const size_t records_before = cluster.oversight_records();
  rec.Restart();
  rec.Assign(AllPartitions());
  // The first assignment found the topics empty: everything since is read.
  EXPECT_EQ(cluster.last_read_back(), records_before);

  // Dies after producing, before committing: the outputs are in the log.
  const auto produced =
      rec.Process(batch2, AllPartitions(), Crash::kAfterProduce);
  EXPECT_EQ(Ids(produced), Ids(lost));
  const std::set<std::string> log_after_crash = cluster.EventIds();
  for (const auto& e : produced) {
    EXPECT_EQ(log_after_crash.count(e.event_id()), 1u);
  }
  const size_t records = cluster.oversight_records();

  // Restart: read back, re-apply the same batch (its offsets were not
  // committed, so it comes again): nothing new.
  rec.Restart();
  rec.Assign(AllPartitions());
  // Read back from where the last read-back ended: the crashed batch's.
  EXPECT_EQ(cluster.last_read_back(), records - records_before);
  EXPECT_EQ(cluster.last_read_back(), produced.size());
  const auto again = rec.Process(batch2, AllPartitions());
  for (const auto& e : again) {
    EXPECT_EQ(log_after_crash.count(e.event_id()), 1u)
        << "new event " << e.condition_key();
  }
  EXPECT_TRUE(again.empty()) << ::testing::PrintToString(Summary(again));
  EXPECT_EQ(cluster.oversight_records(), records);

  // And the end state is that of the uninterrupted run.
  clock.now_ms += 61000;
  rec.Tick(AllPartitions());
  EXPECT_EQ(cluster.EventIds(), ref_cluster.EventIds());
  EXPECT_EQ(LatestHolding(cluster.Events()),
            LatestHolding(ref_cluster.Events()));
  ExpectPublicClean(cluster, pop.cards);
}

// ---------------------------------------------------------------------------
// 5. Order independence.

// `inputs` interleaved at random, each (topic, partition) kept in order (as
// Kafka delivers them).
std::vector<Input> Interleave(const std::vector<Input>& inputs,
                              std::mt19937* rng) {
  std::map<std::pair<std::string, int32_t>, std::vector<Input>> queues;
  for (const auto& in : inputs) {
    queues[{in.topic, PartitionOf(in.key)}].push_back(in);
  }
  std::vector<std::vector<Input>> q;
  q.reserve(queues.size());
  for (auto& [k, v] : queues) q.push_back(std::move(v));
  std::vector<size_t> at(q.size(), 0);
  std::vector<Input> out;
  while (out.size() < inputs.size()) {
    std::vector<size_t> open;
    for (size_t i = 0; i < q.size(); ++i) {
      if (at[i] < q[i].size()) open.push_back(i);
    }
    const size_t pick =
        open[std::uniform_int_distribution<size_t>(0, open.size() - 1)(*rng)];
    out.push_back(q[pick][at[pick]++]);
  }
  return out;
}

TEST(ReconcilerHandlerTest, ReplayOrderAndBatchingDoNotChangeTheEvents) {
  const Population pop = MakePopulation();

  // Reference: the inputs in their order, one batch.
  std::set<std::string> want;
  std::multiset<std::string> want_summary;
  {
    Cluster cluster;
    Clock clock;
    Instance rec(&cluster, &clock, "order_ref");
    rec.Assign(AllPartitions());
    const auto events =
        rec.ReplayThenCatchUp(cluster.Append(pop.inputs), pop.inputs.size());
    want = Ids(events);
    want_summary = Summary(events);
    EXPECT_EQ(want_summary, PopulationFinalSummary());
    ExpectPublicClean(cluster, pop.cards);
    clock.now_ms += 61000;
    EXPECT_TRUE(rec.Tick(AllPartitions()).empty());
  }
  ASSERT_EQ(want.size(), PopulationFinalSummary().size());

  std::mt19937 rng(20160210);
  int run = 0;
  for (const size_t batch :
       {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{8}, size_t{100}}) {
    for (int shuffle = 0; shuffle < 3; ++shuffle) {
      SCOPED_TRACE(StrCat("batch ", batch, ", shuffle ", shuffle));
      Cluster cluster;
      Clock clock;
      clock.now_ms += int64_t{7919} * ++run;  // the clock is not part of any id
      Instance rec(&cluster, &clock, StrCat("order_", run));
      rec.Assign(AllPartitions());
      const auto events = rec.ReplayThenCatchUp(
          cluster.Append(Interleave(pop.inputs, &rng)), batch);
      EXPECT_EQ(Ids(events), want);
      EXPECT_EQ(Summary(events), want_summary);
    }
  }

  // Live (caught up all along) says more on the way, but ends where the
  // replay does: the latest event of every condition that holds.
  Cluster cluster;
  Clock clock;
  Instance rec(&cluster, &clock, "order_live");
  rec.Assign(AllPartitions());
  RunLive(cluster.Append(pop.inputs), &rec, &clock);
  EXPECT_EQ(LatestHolding(cluster.Events()), want);
}

// ---------------------------------------------------------------------------
// 6. REPORT_CONFLICT.

TEST(ReconcilerHandlerTest, ConflictingReportBodyRaisesOneConflictFirstCounts) {
  Cluster cluster;
  Clock clock;
  Instance rec(&cluster, &clock, "conflict");
  rec.Assign(AllPartitions());
  const std::string pid = "pid-conflict";

  // A CPOT claim whose subject is sentenced LNF: TIER_MISMATCH.
  const v1::AgencyReport counted =
      Sentencing("S-1", "C-1", kSentenced, LnfRecord(pid, 12));
  auto events = rec.Process(
      cluster.Append(
          {ArrestIn(pid, "C-1", "A-1", "CL-1"),
           AssessmentIn(pid, "CL-1", v1::ASSESSMENT_RESULT_SUBSTANTIATED,
                        v1::TIER_CPOT, {}, 1),
           Report(counted, pid)}),
      AllPartitions());
  ASSERT_EQ(events.size(), 1u) << ::testing::PrintToString(Summary(events));
  const v1::OversightEvent mismatch = events[0];
  EXPECT_EQ(mismatch.type(), v1::EVENT_TYPE_TIER_MISMATCH);
  EXPECT_EQ(mismatch.condition_key(),
            "TIER_MISMATCH/subject/" + pid + "/case/C-1");
  EXPECT_EQ(Fact(mismatch, "lnf"), 1);
  EXPECT_EQ(Fact(mismatch, "sentence_months"), 12);

  // The same (USSC, S-1), another body (later, not LNF: were it counted,
  // TIER_MISMATCH would resolve): one REPORT_CONFLICT, nothing else.
  clock.now_ms += 1000;
  const v1::AgencyReport conflicting =
      Sentencing("S-1", "C-1", kAmended, LeaderRecord(pid));
  events =
      rec.Process(cluster.Append({Report(conflicting, pid)}), AllPartitions());
  ASSERT_EQ(events.size(), 1u) << ::testing::PrintToString(Summary(events));
  const v1::OversightEvent conflict = events[0];
  EXPECT_EQ(conflict.type(), v1::EVENT_TYPE_REPORT_CONFLICT);
  EXPECT_EQ(conflict.condition_key(), "REPORT_CONFLICT/report/USSC/S-1");
  EXPECT_EQ(conflict.visibility(), v1::VISIBILITY_RESTRICTED);
  EXPECT_EQ(conflict.subject_pid(), pid);
  EXPECT_FALSE(conflict.resolved());
  EXPECT_EQ(Fact(conflict, "bodies"), 2);
  ASSERT_EQ(conflict.evidence_refs_size(), 3);
  EXPECT_EQ(conflict.evidence_refs(0), "report:USSC/S-1");
  EXPECT_EQ(conflict.evidence_refs(1).rfind("counted-body-sha256:", 0), 0u);
  EXPECT_EQ(conflict.evidence_refs(2).rfind("conflicting-body-sha256:", 0), 0u);
  auto restricted = cluster.Topic(topics::kOversightRestricted);
  ASSERT_EQ(restricted.size(), 2u);
  EXPECT_EQ(restricted[1].key, pid);

  // Either body again (re-sent at new offsets): nothing.
  clock.now_ms += 1000;
  EXPECT_TRUE(
      rec.Process(cluster.Append({Report(conflicting, pid)}), AllPartitions())
          .empty());
  EXPECT_TRUE(
      rec.Process(cluster.Append({Report(counted, pid)}), AllPartitions())
          .empty());
  // The same body that intake stamped again at another time (a retry after
  // UNAVAILABLE, another replica): the same report, no conflict.
  v1::AgencyReport restamped = counted;
  restamped.mutable_received_at()->set_seconds(kSentenced + 86400);
  EXPECT_TRUE(
      rec.Process(cluster.Append({Report(restamped, pid)}), AllPartitions())
          .empty());
  EXPECT_TRUE(rec.Tick(AllPartitions()).empty());

  // A third body: the conflict restated with its new facts.
  v1::AgencyReport third = counted;
  third.mutable_sentencing()->set_sentence_months(13);
  events = rec.Process(cluster.Append({Report(third, pid)}), AllPartitions());
  ASSERT_EQ(events.size(), 1u) << ::testing::PrintToString(Summary(events));
  EXPECT_EQ(events[0].condition_key(), conflict.condition_key());
  EXPECT_EQ(Fact(events[0], "bodies"), 3);
  EXPECT_EQ(events[0].evidence_refs(1), conflict.evidence_refs(1));

  // The first body is the one counted: a replay of the same log from an
  // empty store, with nothing read back, states the same mismatch (LNF,
  // 12 months) and the latest conflict, with the same ids.
  Cluster empty;
  Instance replay(&empty, &clock, "conflict_replay");
  replay.Assign(AllPartitions());
  const auto replayed = replay.ReplayThenCatchUp(cluster.inputs(), 2);
  EXPECT_EQ(Ids(replayed),
            (std::set<std::string>{mismatch.event_id(), events[0].event_id()}));
}

// ---------------------------------------------------------------------------
// 7. PENDING_COUNTED_AS_DISMANTLED.

// SPEC §11 answers and decisions share the reference topic (keyed by
// condition_key): the reconciler reads them and raises nothing of its own
// from them, whatever their order among the other records, and the events
// of the other records are exactly those of a run without them.
TEST(ReconcilerHandlerTest,
     AnswersAndDecisionsOnTheReferenceTopicChangeNoEvent) {
  const std::string key = "PENDING_COUNTED_AS_DISMANTLED/report/DEA/OUT-1";
  v1::AgencyReport answer = Envelope("DEA", "ANS-1", "", kArrested);
  answer.mutable_agency_response()->set_condition_key(key);
  answer.mutable_agency_response()->set_explanation("Completion is pending.");
  v1::AgencyReport decision = Envelope("HAC", "DEC-1", "", kArrested);
  decision.mutable_oversight_decision()->set_condition_key(key);
  decision.mutable_oversight_decision()->set_decision(v1::DECISION_REJECTED);
  const Input outcome = OutcomeIn(
      Outcome("DEA", "OUT-1", "ORG-9", v1::ORG_OUTCOME_DISMANTLED, true));
  const Input answer_in{std::string(topics::kReference), key,
                        answer.SerializeAsString()};
  const Input decision_in{std::string(topics::kReference), key,
                          decision.SerializeAsString()};
  auto run = [](const std::vector<Input>& inputs, const std::string& name) {
    Cluster cluster;
    Clock clock;
    Instance rec(&cluster, &clock, name);
    rec.Assign(AllPartitions());
    RunLive(cluster.Append(inputs), &rec, &clock);
    std::vector<std::string> out;
    // Text format writes map entries (facts) sorted: comparable.
    for (const auto& e : cluster.Events()) out.push_back(e.ShortDebugString());
    return out;
  };
  const auto without = run({outcome}, "loop_without");
  ASSERT_EQ(without.size(), 1u);
  EXPECT_EQ(run({answer_in, outcome, decision_in}, "loop_before"), without);
  EXPECT_EQ(run({outcome, decision_in, answer_in}, "loop_after"), without);
  EXPECT_TRUE(run({answer_in, decision_in}, "loop_alone").empty());
}

// ExplainEvent shows the condition's latest answer and decision (SPEC §11)
// from what the reconciler kept of the reference topic: in full for
// overseers and the agency concerned, the status for anyone else; another
// agency's answer never; an older answer read later never replaces a newer
// one.
TEST(ReconcilerHandlerTest, ExplainEventShowsTheLatestAnswerAndDecision) {
  const std::string key = "PENDING_COUNTED_AS_DISMANTLED/report/DEA/OUT-1";
  auto body = [&](const std::string& reporter, const std::string& id,
                  int64_t at, bool decision) {
    v1::AgencyReport r = Envelope(reporter, id, "", kArrested);
    r.mutable_occurred_at()->set_seconds(at);
    if (decision) {
      r.mutable_oversight_decision()->set_condition_key(key);
      r.mutable_oversight_decision()->set_decision(v1::DECISION_ACCEPTED);
      r.mutable_oversight_decision()->set_note("noted " + id);
    } else {
      r.mutable_agency_response()->set_condition_key(key);
      r.mutable_agency_response()->set_explanation("because " + id);
    }
    return Input{std::string(topics::kReference), key, r.SerializeAsString()};
  };
  Cluster cluster;
  Clock clock;
  Instance rec(&cluster, &clock, "explain_answers");
  rec.Assign(AllPartitions());
  RunLive(cluster.Append({OutcomeIn(Outcome("DEA", "OUT-1", "ORG-9",
                                            v1::ORG_OUTCOME_DISMANTLED, true)),
                          body("DEA", "ANS-2", 2000, false),
                          body("FBI", "ANS-9", 9000, false),
                          body("HAC", "DEC-1", 3000, true),
                          body("DEA", "ANS-1", 1000, false)}),
          &rec, &clock);
  const auto events = cluster.Events();
  ASSERT_EQ(events.size(), 1u);
  ReconcilerServiceImpl service(rec.store(), nullptr, nullptr);
  v1::ExplainEventRequest request;
  request.set_event_id(events[0].event_id());
  const auth::Principal dea{"DEA", auth::PrincipalKind::kAgency};
  const auth::Principal fbi{"FBI", auth::PrincipalKind::kAgency};
  const auth::Principal anyone{"PUBLIC", auth::PrincipalKind::kPublic};
  ASSERT_EQ(events[0].visibility(), v1::VISIBILITY_PUBLIC);
  v1::EventExplanation why;
  ASSERT_TRUE(service.ExplainEventAs(dea, request, &why).ok());
  const auto& a = why.event().accountability();
  EXPECT_EQ(a.status(), "accepted");
  EXPECT_EQ(a.response().report_id(), "ANS-2");
  EXPECT_EQ(a.response().explanation(), "because ANS-2");
  EXPECT_EQ(a.decision().note(), "noted DEC-1");
  for (const auth::Principal& other : {fbi, anyone}) {
    v1::EventExplanation status;
    ASSERT_TRUE(service.ExplainEventAs(other, request, &status).ok());
    EXPECT_EQ(status.event().accountability().status(), "accepted");
    EXPECT_FALSE(status.event().accountability().has_response());
    EXPECT_FALSE(status.event().accountability().has_decision());
    EXPECT_EQ(status.SerializeAsString().find("because"), std::string::npos);
  }
}

TEST(ReconcilerHandlerTest, PendingDismantledIsEmittedByTheAgencyKeyOwnerOnly) {
  const int32_t owner = PartitionOf("agency:DEA");
  // An org whose key falls in another partition than the event's.
  std::string org;
  for (int i = 0; org.empty(); ++i) {
    const std::string candidate = StrCat("ORG-", i);
    if (PartitionOf(candidate) != owner) org = candidate;
  }
  const std::vector<Input> inputs = {
      OutcomeIn(Outcome("DEA", "OUT-1", org, v1::ORG_OUTCOME_DISMANTLED, true)),
      OutcomeIn(
          Outcome("DEA", "OUT-2", org, v1::ORG_OUTCOME_DISMANTLED, false)),
      OutcomeIn(Outcome("DEA", "OUT-3", org, v1::ORG_OUTCOME_DISRUPTED, true)),
  };
  Cluster cluster;
  Clock clock;
  const auto records = cluster.Append(inputs);

  // Two instances read the reference topic whole; one owns every partition
  // but the agency key's, the other that one.
  Instance others(&cluster, &clock, "pending_others");
  others.Assign(AllBut({owner}));
  Instance mine(&cluster, &clock, "pending_owner");
  mine.Assign({owner});

  EXPECT_TRUE(others.Process(records, others.owned()).empty());
  EXPECT_TRUE(others.Tick(others.owned()).empty());
  // The owner, still replaying its partition: nothing yet.
  EXPECT_TRUE(mine.Process(records, {}).empty());
  EXPECT_TRUE(mine.Tick(AllBut({owner})).empty());
  EXPECT_EQ(cluster.oversight_records(), 0u);

  clock.now_ms += 1000;
  const auto events = mine.Tick({owner});
  ASSERT_EQ(events.size(), 1u) << ::testing::PrintToString(Summary(events));
  const auto& e = events[0];
  EXPECT_EQ(e.type(), v1::EVENT_TYPE_PENDING_COUNTED_AS_DISMANTLED);
  EXPECT_EQ(e.condition_key(),
            "PENDING_COUNTED_AS_DISMANTLED/report/DEA/OUT-1");
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_PUBLIC);
  EXPECT_EQ(e.unit(), "agency:DEA");
  EXPECT_EQ(e.period(), "FY2016");
  EXPECT_EQ(e.org_id(), org);
  EXPECT_TRUE(e.subject_pid().empty());
  EXPECT_FALSE(e.resolved());
  EXPECT_EQ(Fact(e, "pending"), 1);
  const auto published = cluster.Topic(topics::kOversightPublic);
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].key, "agency:DEA");
  EXPECT_EQ(published[0].partition, owner);
  EXPECT_TRUE(cluster.Topic(topics::kOversightRestricted).empty());

  // Said once, by one instance.
  EXPECT_TRUE(mine.Tick({owner}).empty());
  EXPECT_TRUE(others.Tick(others.owned()).empty());
  EXPECT_EQ(cluster.oversight_records(), 1u);
}

// ---------------------------------------------------------------------------
// 8. Scorecards.

TEST(ReconcilerHandlerTest, ScorecardConditionsAndRateLimitedPublication) {
  Cluster cluster;
  Clock clock;
  Instance rec(&cluster, &clock, "cards");
  rec.Assign(AllPartitions());
  std::map<std::string, v1::Scorecard> cards;
  const std::string gap_key = "FRUITION_GAP/agency:DEA/FY2016";
  const std::string lnf_key = "LNF_SHARE_HIGH/agency:DEA/FY2016";
  const std::string gap_rkey = gap_key + "/restricted";
  const std::string lnf_rkey = lnf_key + "/restricted";
  const std::string pto_key =
      "TARGET_OVERSHOOT/agency:DEA/FY2016/PERFORMANCE_MEASURE_PTO_DISMANTLED";
  const std::string cpot_key =
      "TARGET_OVERSHOOT/agency:DEA/FY2016/PERFORMANCE_MEASURE_CPOT_DISMANTLED";
  const std::string pub_key = "SCORECARD_PUBLISHED/agency:DEA/FY2016";
  const std::string P = "|VISIBILITY_PUBLIC";
  const std::string R = "|VISIBILITY_RESTRICTED";
  // A restricted card and its public view, in one batch.
  auto feed = [&](const v1::Scorecard& card, const v1::Scorecard& view) {
    cards[card.scorecard_id()] = card;
    cards[view.scorecard_id()] = view;
    return rec.Process(cluster.Append({CardIn(card), CardIn(view)}),
                       AllPartitions());
  };
  const int64_t t0 = clock.now_ms;

  // r1: gap 0.4 over 20 sentenced, PTO target ratio 1.5.
  const auto r1 = Card("agency:DEA", "FY2016", 1, DeaCells(0.4, 0.1, 1.5));
  const auto r1p = Public(r1, kDeaWithheld);
  auto events = feed(r1, r1p);
  EXPECT_EQ(Summary(events), (std::multiset<std::string>{
                                 gap_key + P, gap_rkey + R, pto_key + P,
                                 cpot_key + P, pub_key + P, pub_key + R}));
  for (const auto& e : events) {
    EXPECT_EQ(e.unit(), "agency:DEA");
    EXPECT_EQ(e.period(), "FY2016");
    // Each judged on the card of its visibility.
    EXPECT_TRUE(
        HasRef(e, "scorecard:" + (e.visibility() == v1::VISIBILITY_PUBLIC
                                      ? r1p.scorecard_id()
                                      : r1.scorecard_id())))
        << e.condition_key();
  }
  const auto* gap = Find(events, gap_key, v1::VISIBILITY_PUBLIC);
  ASSERT_NE(gap, nullptr);
  EXPECT_DOUBLE_EQ(Fact(*gap, "fruition_gap"), 0.4);
  EXPECT_DOUBLE_EQ(Fact(*gap, "sentenced"), 20);
  EXPECT_DOUBLE_EQ(Fact(*gap, "threshold"), 0.25);
  const auto* rgap = Find(events, gap_rkey, v1::VISIBILITY_RESTRICTED);
  ASSERT_NE(rgap, nullptr);
  EXPECT_EQ(rgap->type(), v1::EVENT_TYPE_FRUITION_GAP);
  EXPECT_DOUBLE_EQ(Fact(*rgap, "fruition_gap"), 0.4);
  EXPECT_DOUBLE_EQ(Fact(*rgap, "fruition_gap.n"), 20);
  EXPECT_NE(rgap->event_id(), gap->event_id());
  const auto* pto = Find(events, pto_key, v1::VISIBILITY_PUBLIC);
  ASSERT_NE(pto, nullptr);
  EXPECT_DOUBLE_EQ(Fact(*pto, "target_ratio"), 1.5);
  EXPECT_DOUBLE_EQ(Fact(*pto, "reported"), 12);
  EXPECT_DOUBLE_EQ(Fact(*pto, "target"), 8);
  // Target ratios are shown by the public view, small or not.
  const auto* cpot = Find(events, cpot_key, v1::VISIBILITY_PUBLIC);
  ASSERT_NE(cpot, nullptr);
  EXPECT_DOUBLE_EQ(Fact(*cpot, "target_ratio"), 2.0);
  EXPECT_DOUBLE_EQ(Fact(*cpot, "target_ratio.n"), 4);
  EXPECT_FALSE(HasFact(*cpot, "target_ratio.suppressed"));
  const auto* pub = Find(events, pub_key, v1::VISIBILITY_PUBLIC);
  const auto* full = Find(events, pub_key, v1::VISIBILITY_RESTRICTED);
  ASSERT_NE(pub, nullptr);
  ASSERT_NE(full, nullptr);
  EXPECT_EQ(pub->severity(), v1::SEVERITY_INFO);
  EXPECT_EQ(Fact(*pub, "lnf_prison_years.suppressed"), 1);
  EXPECT_FALSE(HasFact(*pub, "lnf_prison_years"));
  EXPECT_FALSE(HasFact(*pub, "lnf_prison_years.n"));  // SPEC §5 D1
  EXPECT_DOUBLE_EQ(Fact(*pub, kCpotDismantled), 2.0);
  EXPECT_DOUBLE_EQ(Fact(*pub, "fruition_gap"), 0.4);
  EXPECT_DOUBLE_EQ(Fact(*full, "lnf_prison_years"), 5);
  EXPECT_DOUBLE_EQ(Fact(*full, "lnf_prison_years.n"), 3);
  EXPECT_DOUBLE_EQ(Fact(*full, kCpotDismantled), 2.0);
  EXPECT_NE(pub->event_id(), full->event_id());
  for (const auto& r : cluster.Topic(topics::kOversightPublic)) {
    EXPECT_EQ(r.key, "agency:DEA");
  }
  ASSERT_EQ(cluster.Topic(topics::kOversightRestricted).size(), 2u);
  for (const auto& r : cluster.Topic(topics::kOversightRestricted)) {
    EXPECT_EQ(r.key, "agency:DEA");
  }

  // A small unit-period (5 sentenced): no condition, published at once
  // (the interval is per unit-period), every cell withheld by its public
  // view and so in the public event: `.suppressed` only.
  clock.now_ms = t0 + 5000;
  const auto edpa = Card(
      "district:EDPA", "FY2016", 1,
      {{"sentenced", 5, 5}, {"fruition_gap", 0.5, 5}, {"lnf_share", 0.8, 5}});
  events = feed(edpa, Public(edpa, {"sentenced", "fruition_gap", "lnf_share"}));
  EXPECT_EQ(Summary(events),
            (std::multiset<std::string>{
                "SCORECARD_PUBLISHED/district:EDPA/FY2016" + P,
                "SCORECARD_PUBLISHED/district:EDPA/FY2016" + R}));
  const auto* small = Find(events, "SCORECARD_PUBLISHED/district:EDPA/FY2016",
                           v1::VISIBILITY_PUBLIC);
  ASSERT_NE(small, nullptr);
  for (const char* cell : {"sentenced", "fruition_gap", "lnf_share"}) {
    EXPECT_FALSE(HasFact(*small, cell)) << cell;
    EXPECT_EQ(Fact(*small, StrCat(cell, ".suppressed")), 1) << cell;
    EXPECT_FALSE(HasFact(*small, StrCat(cell, ".n"))) << cell;
  }
  const auto* small_full =
      Find(events, "SCORECARD_PUBLISHED/district:EDPA/FY2016",
           v1::VISIBILITY_RESTRICTED);
  ASSERT_NE(small_full, nullptr);
  EXPECT_DOUBLE_EQ(Fact(*small_full, "lnf_share"), 0.8);
  EXPECT_DOUBLE_EQ(Fact(*small_full, "lnf_share.n"), 5);

  // r2 10 s later: the gap closes, LNF share rises, PTO target met.
  clock.now_ms = t0 + 10000;
  const auto r2 = Card("agency:DEA", "FY2016", 2, DeaCells(0.1, 0.35, 1.0));
  events = feed(r2, Public(r2, kDeaWithheld));
  EXPECT_EQ(
      Summary(events),
      (std::multiset<std::string>{
          gap_key + P + "|resolved", gap_rkey + R + "|resolved", lnf_key + P,
          lnf_rkey + R, pto_key + P + "|resolved", cpot_key + P}));
  const auto* lnf = Find(events, lnf_key, v1::VISIBILITY_PUBLIC);
  ASSERT_NE(lnf, nullptr);
  EXPECT_DOUBLE_EQ(Fact(*lnf, "lnf_share"), 0.35);
  EXPECT_EQ(Fact(*lnf, "lnf_prison_years.suppressed"), 1);
  EXPECT_FALSE(HasFact(*lnf, "lnf_prison_years"));
  EXPECT_FALSE(HasFact(*lnf, "lnf_prison_years.n"));
  const auto* rlnf = Find(events, lnf_rkey, v1::VISIBILITY_RESTRICTED);
  ASSERT_NE(rlnf, nullptr);
  EXPECT_DOUBLE_EQ(Fact(*rlnf, "lnf_share"), 0.35);
  EXPECT_DOUBLE_EQ(Fact(*rlnf, "lnf_prison_years"), 5);
  const auto* closed = Find(events, gap_key, v1::VISIBILITY_PUBLIC);
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(closed->severity(), v1::SEVERITY_INFO);
  EXPECT_DOUBLE_EQ(Fact(*closed, "fruition_gap"), 0.1);

  // r3 20 s later: LNF share back below the threshold.
  clock.now_ms = t0 + 20000;
  const auto r3 = Card("agency:DEA", "FY2016", 3, DeaCells(0.1, 0.2, 1.0, 21));
  const auto r3p = Public(r3, kDeaWithheld);
  events = feed(r3, r3p);
  EXPECT_EQ(Summary(events), (std::multiset<std::string>{
                                 lnf_key + P + "|resolved",
                                 lnf_rkey + R + "|resolved", cpot_key + P}));

  // Not yet a minute since r1 was published: nothing.
  clock.now_ms = t0 + 59999;
  EXPECT_TRUE(rec.Tick(AllPartitions()).empty());
  // Nor for another partition's owner.
  clock.now_ms = t0 + 60000;
  EXPECT_TRUE(rec.Tick(AllBut({PartitionOf("agency:DEA")})).empty());
  // A minute: the latest card of each view, once in each visibility.
  events = rec.Tick(AllPartitions());
  EXPECT_EQ(Summary(events),
            (std::multiset<std::string>{pub_key + P, pub_key + R}));
  for (const auto& e : events) {
    EXPECT_TRUE(
        HasRef(e, "scorecard:" + (e.visibility() == v1::VISIBILITY_PUBLIC
                                      ? r3p.scorecard_id()
                                      : r3.scorecard_id())));
    EXPECT_DOUBLE_EQ(Fact(e, "sentenced"), 21);
  }
  EXPECT_TRUE(rec.Tick(AllPartitions()).empty());
  clock.now_ms = t0 + 200000;
  EXPECT_TRUE(rec.Tick(AllPartitions()).empty());

  // The same cards again: nothing; r3's content under a new revision, past
  // the interval: published at once (the holding overshoot restated, as it
  // cites the new public view).
  EXPECT_TRUE(feed(r3, r3p).empty());
  const auto r4 = Card("agency:DEA", "FY2016", 4, DeaCells(0.1, 0.2, 1.0, 21));
  const auto r4p = Public(r4, kDeaWithheld);
  events = feed(r4, r4p);
  EXPECT_EQ(Summary(events), (std::multiset<std::string>{
                                 cpot_key + P, pub_key + P, pub_key + R}));
  for (const auto& e : events) {
    EXPECT_TRUE(
        HasRef(e, "scorecard:" + (e.visibility() == v1::VISIBILITY_PUBLIC
                                      ? r4p.scorecard_id()
                                      : r4.scorecard_id())));
  }
  ExpectPublicClean(cluster, cards);
  for (const auto& e : cluster.Events()) {
    EXPECT_TRUE(rec.EventById(e.event_id()).has_value()) << e.condition_key();
  }
}

// The PUBLIC conditions follow the public view alone, the RESTRICTED ones
// the restricted card alone, whichever arrives when; SCORECARD_PUBLISHED is
// paced per visibility.
TEST(ReconcilerHandlerTest, EachViewIsJudgedOnItsOwnCards) {
  Cluster cluster;
  Clock clock;
  Instance rec(&cluster, &clock, "views");
  rec.Assign(AllPartitions());
  std::map<std::string, v1::Scorecard> cards;
  const std::string gap_key = "FRUITION_GAP/agency:FBI/FY2016";
  const std::string gap_rkey = gap_key + "/restricted";
  const std::string pub_key = "SCORECARD_PUBLISHED/agency:FBI/FY2016";
  const std::string P = "|VISIBILITY_PUBLIC";
  const std::string R = "|VISIBILITY_RESTRICTED";
  auto cells = [](double gap) {
    return std::vector<Cell>{{"sentenced", 20, 20},
                             {"fruition_gap", gap, 20},
                             {"claimed_priority_share", 0.6, 20},
                             {"high_desert_share", 0.6 - gap, 20},
                             {"lnf_share", 0.1, 20}};
  };
  auto feed = [&](const v1::Scorecard& card) {
    cards[card.scorecard_id()] = card;
    return rec.Process({cluster.AppendOne(CardIn(card))}, AllPartitions());
  };
  const int64_t t0 = clock.now_ms;

  // The restricted card: a gap of 0.5. The restricted condition holds; no
  // public view yet, so nothing public.
  const auto c1 = Card("agency:FBI", "FY2016", 1, cells(0.5));
  auto events = feed(c1);
  EXPECT_EQ(Summary(events),
            (std::multiset<std::string>{gap_rkey + R, pub_key + R}));
  EXPECT_TRUE(cluster.Topic(topics::kOversightPublic).empty());

  // Its public view withholds the gap (to protect another cell, say): the
  // public condition cannot be judged and does not hold. The public view
  // is published (its own interval), the gap as withheld.
  clock.now_ms = t0 + 1000;
  const auto v1_withheld = Public(c1, {"fruition_gap"});
  events = feed(v1_withheld);
  EXPECT_EQ(Summary(events), (std::multiset<std::string>{pub_key + P}));
  const auto* pub = Find(events, pub_key, v1::VISIBILITY_PUBLIC);
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(Fact(*pub, "fruition_gap.suppressed"), 1);
  EXPECT_FALSE(HasFact(*pub, "fruition_gap"));
  EXPECT_FALSE(HasFact(*pub, "fruition_gap.n"));
  EXPECT_DOUBLE_EQ(Fact(*pub, "sentenced"), 20);
  for (const auto& r : cluster.Topic(topics::kOversightPublic)) {
    v1::OversightEvent e;
    ASSERT_TRUE(e.ParseFromString(r.value));
    EXPECT_NE(e.type(), v1::EVENT_TYPE_FRUITION_GAP) << e.condition_key();
  }

  // A public view that lags the current facts (SPEC §5 D4): a gap of 0.1.
  // Still nothing public; its publication waits for the interval.
  clock.now_ms = t0 + 2000;
  const auto lagging = Public(Card("agency:FBI", "FY2016", 2, cells(0.1)));
  EXPECT_TRUE(feed(lagging).empty());

  // The public view catches up: the public condition holds, on its figures.
  clock.now_ms = t0 + 3000;
  const auto caught_up = Public(Card("agency:FBI", "FY2016", 3, cells(0.5)));
  events = feed(caught_up);
  EXPECT_EQ(Summary(events), (std::multiset<std::string>{gap_key + P}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(HasRef(events[0], "scorecard:" + caught_up.scorecard_id()));
  EXPECT_DOUBLE_EQ(Fact(events[0], "fruition_gap"), 0.5);

  // The restricted card changes: the restricted condition resolves, the
  // public one (its view unchanged) does not move.
  clock.now_ms = t0 + 4000;
  const auto c2 = Card("agency:FBI", "FY2016", 4, cells(0.1));
  events = feed(c2);
  EXPECT_EQ(Summary(events),
            (std::multiset<std::string>{gap_rkey + R + "|resolved"}));

  // Each publication when its own minute has passed: the restricted card's
  // at t0 + 60 s, the public view's at t0 + 61 s; the latest of each.
  clock.now_ms = t0 + 60000;
  events = rec.Tick(AllPartitions());
  EXPECT_EQ(Summary(events), (std::multiset<std::string>{pub_key + R}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(HasRef(events[0], "scorecard:" + c2.scorecard_id()));
  clock.now_ms = t0 + 61000;
  events = rec.Tick(AllPartitions());
  EXPECT_EQ(Summary(events), (std::multiset<std::string>{pub_key + P}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(HasRef(events[0], "scorecard:" + caught_up.scorecard_id()));
  EXPECT_TRUE(rec.Tick(AllPartitions()).empty());
  ExpectPublicClean(cluster, cards);

  // A replay of the same log from an empty store (nothing read back) ends
  // in the same state: the public gap holding, the restricted one not.
  Cluster empty;
  Instance replay(&empty, &clock, "views_replay");
  replay.Assign(AllPartitions());
  const auto replayed = replay.ReplayThenCatchUp(cluster.inputs(), 2);
  EXPECT_EQ(Summary(replayed), (std::multiset<std::string>{
                                   gap_key + P, pub_key + P, pub_key + R}));
  EXPECT_EQ(Ids(replayed), LatestHolding(cluster.Events()));
}

// ---------------------------------------------------------------------------
// 9. Poison.

TEST(ReconcilerHandlerTest, UnreadableRecordStopsUntilListedInSkip) {
  Cluster cluster;
  Clock clock;
  Instance rec(&cluster, &clock, "poison");
  rec.Assign(AllPartitions());
  const std::string pid = "pid-poison";
  // Field 1, length 5, two bytes: truncated.
  const std::string garbage(
      "\x0a\x05"
      "ab",
      4);
  v1::Scorecard unitless = Card("", "FY2016", 1, {{"sentenced", 1, 1}});
  // A card of the wrong view for its topic.
  const v1::Scorecard restricted =
      Card("agency:DEA", "FY2016", 1, {{"sentenced", 1, 1}});
  const v1::Scorecard view = Public(restricted);

  struct Case {
    std::string_view topic;
    std::string value;
  };
  for (const Case& c :
       {Case{topics::kReports, garbage}, Case{topics::kReference, garbage},
        Case{topics::kLinkAssessments, garbage}, Case{topics::kScores, garbage},
        Case{topics::kScores, unitless.SerializeAsString()},
        Case{topics::kScoresPublic, garbage},
        Case{topics::kScoresPublic, Public(unitless).SerializeAsString()},
        Case{topics::kScoresPublic, restricted.SerializeAsString()},
        Case{topics::kScores, view.SerializeAsString()}}) {
    SCOPED_TRACE(StrCat(c.topic, " ", c.value.size()));
    const std::string claim = StrCat("CL-", c.topic, "-", c.value.size());
    const auto good = cluster.AppendOne(
        AssessmentIn(pid, claim, v1::ASSESSMENT_RESULT_UNSUBSTANTIATED,
                     v1::TIER_RPOT, {"C1"}, 1));
    const auto bad =
        cluster.AppendOne(Input{std::string(c.topic), pid, c.value});
    const std::vector<kafka::Record> batch = {good, bad};

    stream::PoisonRecord poison;
    auto result = rec.TryProcess(batch, AllPartitions(), {}, &poison);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(poison.tp,
              kafka::TopicPartition(std::string(c.topic), PartitionOf(pid)));
    EXPECT_EQ(poison.offset, bad.offset);
    EXPECT_FALSE(poison.why.empty());
    EXPECT_NE(result.status().message().find(
                  StrCat(c.topic, "/", PartitionOf(pid), "@", bad.offset)),
              absl::string_view::npos)
        << result.status();
    // Nothing committed, nothing produced.
    const size_t before = cluster.oversight_records();
    EXPECT_TRUE(rec.Tick(AllPartitions()).empty());
    // Other records are not passed over either.
    auto again = rec.TryProcess(batch, AllPartitions(), {}, &poison);
    EXPECT_FALSE(again.ok());

    // The operator skips it: the batch goes through, the good record
    // judged.
    const stream::SkipSet skip = {
        {{std::string(c.topic), PartitionOf(pid)}, bad.offset}};
    stream::PoisonRecord none;
    auto events = rec.TryProcess(batch, AllPartitions(), skip, &none);
    ASSERT_TRUE(events.ok()) << events.status();
    EXPECT_EQ(none.offset, -1);
    ASSERT_EQ(events->size(), 1u);
    EXPECT_EQ((*events)[0].condition_key(),
              StrCat("LINK_UNSUBSTANTIATED/claim/", claim));
    EXPECT_EQ(cluster.oversight_records(), before + 1);
    // Committed: delivered again, both are dropped as re-deliveries.
    EXPECT_TRUE(rec.Process(batch, AllPartitions()).empty());
  }
}

// ---------------------------------------------------------------------------
// 10. EventById and the events table.

TEST(ReconcilerHandlerTest, EveryEmittedEventIsStoredAndFetchedById) {
  Cluster cluster;
  Clock clock;
  const Population pop = MakePopulation();
  Instance rec(&cluster, &clock, "byid");
  rec.Assign(AllPartitions());
  RunLive(cluster.Append(pop.inputs), &rec, &clock);
  const auto log = cluster.Events();
  ASSERT_FALSE(log.empty());

  std::set<std::string> seen;
  for (const auto& e : log) {
    const auto got = rec.EventById(e.event_id());
    ASSERT_TRUE(got.has_value()) << e.condition_key();
    if (seen.insert(e.event_id()).second) {
      // The first emission of an id is the one stored.
      EXPECT_TRUE(MessageDifferencer::Equals(*got, e))
          << got->DebugString() << "\nvs\n"
          << e.DebugString();
    } else {
      v1::OversightEvent a = *got;
      v1::OversightEvent b = e;
      a.clear_emitted_at();
      b.clear_emitted_at();
      EXPECT_TRUE(MessageDifferencer::Equals(a, b)) << e.condition_key();
    }
  }
  // The events table holds each id once, and nothing else.
  const auto stored = rec.StoredEvents();
  EXPECT_EQ(stored.size(), seen.size());
  EXPECT_EQ(Ids(stored), seen);
  EXPECT_FALSE(rec.EventById("0123456789abcdef0123456789abcdef").has_value());
  EXPECT_FALSE(rec.EventById("").has_value());
  ExpectPublicClean(cluster, pop.cards);
}

// ---------------------------------------------------------------------------
// 10. Budget lines (SPEC §11): BUDGET_CRITERIA_UNMET.

struct Criterion {
  std::string indicator;
  v1::CriterionOp op;
  double value;
};

const Criterion kLnfAtMost30{"lnf_share", v1::CRITERION_OP_AT_MOST, 0.30};

// Version `report_id` of budget line `line_id`, on the reference topic
// under its agency (as intake keys it).
Input BudgetIn(const std::string& report_id, const std::string& line_id,
               const std::string& agency, uint32_t year, int64_t at,
               const std::vector<Criterion>& criteria = {kLnfAtMost30}) {
  v1::AgencyReport r = Envelope("HAC", report_id, "", at);
  auto* b = r.mutable_budget_line();
  b->set_line_id(line_id);
  b->set_agency(agency);
  b->set_fiscal_year(year);
  b->set_amount_usd(2'400'000'000);
  b->set_purpose("Domestic enforcement");
  for (const Criterion& c : criteria) {
    auto* k = b->add_criteria();
    k->set_indicator(c.indicator);
    k->set_op(c.op);
    k->set_value(c.value);
  }
  return Input{std::string(topics::kReference), agency, r.SerializeAsString()};
}

// The public view of `unit` FY<year> (revision `rev`) with 40 sentenced and
// the LNF share `lnf` (undefined when negative).
v1::Scorecard LnfView(const std::string& unit, const std::string& period,
                      int64_t rev, double lnf) {
  return Public(Card(unit, period, rev,
                     {{"sentenced", 40, 40},
                      {"lnf_share", lnf, lnf < 0 ? 0 : int64_t{40}},
                      {"budget_usd", 2.4e9, 1}}));
}

// The BUDGET_CRITERIA_UNMET events of `events`.
std::vector<v1::OversightEvent> BudgetOnly(
    std::vector<v1::OversightEvent> events) {
  std::vector<v1::OversightEvent> out;
  for (auto& e : events) {
    if (e.type() == v1::EVENT_TYPE_BUDGET_CRITERIA_UNMET) {
      out.push_back(std::move(e));
    }
  }
  return out;
}

const std::string kLineKey = "BUDGET_CRITERIA_UNMET/HAC-FY2016-DEA-1";
const std::string kP = "|VISIBILITY_PUBLIC";

TEST(ReconcilerHandlerTest, BudgetLineJudgedOnThePublicViewFiresAndResolves) {
  Cluster cluster;
  Clock clock;
  Instance rec(&cluster, &clock, "budget");
  rec.Assign(AllPartitions());
  std::map<std::string, v1::Scorecard> cards;
  auto feed = [&](const std::vector<Input>& inputs) {
    for (const Input& in : inputs) {
      v1::Scorecard c;
      if (in.topic != topics::kReference && c.ParseFromString(in.value)) {
        cards[c.scorecard_id()] = c;
      }
    }
    clock.now_ms += 1000;
    return BudgetOnly(rec.Process(cluster.Append(inputs), AllPartitions()));
  };
  const std::string line = "HAC-FY2016-DEA-1";

  // DEA's public view: 35% LNF. The line pegged to lnf_share AT_MOST 0.30
  // fails it.
  EXPECT_TRUE(feed({CardIn(LnfView("agency:DEA", "FY2016", 1, 0.35))}).empty());
  auto events = feed({BudgetIn("B-1", line, "DEA", 2016, Utc(2015, 10, 1))});
  ASSERT_EQ(Summary(events), (std::multiset<std::string>{kLineKey + kP}));
  const v1::OversightEvent& e = events[0];
  EXPECT_EQ(e.unit(), "agency:DEA");
  EXPECT_EQ(e.period(), "FY2016");
  EXPECT_EQ(e.severity(), v1::SEVERITY_WARNING);
  EXPECT_DOUBLE_EQ(Fact(e, "lnf_share"), 0.35);
  EXPECT_DOUBLE_EQ(Fact(e, "lnf_share.n"), 40);
  EXPECT_DOUBLE_EQ(Fact(e, "at_most.lnf_share"), 0.30);
  EXPECT_DOUBLE_EQ(Fact(e, "criteria_failed"), 1);
  EXPECT_DOUBLE_EQ(Fact(e, "amount_usd"), 2.4e9);
  EXPECT_TRUE(HasRef(e, "budget_line:" + line));
  EXPECT_TRUE(HasRef(e, "report:HAC/B-1"));
  ASSERT_EQ(cluster.Topic(topics::kOversightPublic).back().key, "agency:DEA");

  // The restricted card moves below the bound: the public view has not
  // (SPEC §5 D4), so nothing changes.
  EXPECT_TRUE(
      feed({CardIn(Card("agency:DEA", "FY2016", 2,
                        {{"sentenced", 40, 40}, {"lnf_share", 0.2, 40}}))})
          .empty());
  // Amended judgments bring the public view to 25%: resolved.
  events = feed({CardIn(LnfView("agency:DEA", "FY2016", 3, 0.25))});
  ASSERT_EQ(Summary(events),
            (std::multiset<std::string>{kLineKey + kP + "|resolved"}));
  EXPECT_DOUBLE_EQ(Fact(events[0], "criteria_failed"), 0);
  // And back above: it holds again.
  events = feed({CardIn(LnfView("agency:DEA", "FY2016", 4, 0.35))});
  ASSERT_EQ(Summary(events), (std::multiset<std::string>{kLineKey + kP}));

  // The line amended (a later version) to AT_MOST 0.40: resolved; an older
  // version arriving late changes nothing.
  events = feed({BudgetIn("B-2", line, "DEA", 2016, Utc(2015, 12, 1),
                          {{"lnf_share", v1::CRITERION_OP_AT_MOST, 0.40}})});
  ASSERT_EQ(Summary(events),
            (std::multiset<std::string>{kLineKey + kP + "|resolved"}));
  EXPECT_TRUE(
      feed({BudgetIn("B-0", line, "DEA", 2016, Utc(2015, 9, 1))}).empty());

  // Amended to FY2017, which has no public view yet: FY2016's condition is
  // not judged there any more; FY2017's lnf_share is undefined, and fails.
  feed({BudgetIn("B-3", line, "DEA", 2016, Utc(2016, 1, 1))});
  events = feed({BudgetIn("B-4", line, "DEA", 2017, Utc(2016, 2, 1))});
  ASSERT_EQ(Summary(events),
            (std::multiset<std::string>{kLineKey + kP + "|resolved"}));
  EXPECT_EQ(events[0].period(), "FY2017");
  EXPECT_DOUBLE_EQ(Fact(events[0], "no_scorecard"), 1);
  events = feed({CardIn(LnfView("agency:DEA", "FY2017", 1, -1))});
  ASSERT_EQ(Summary(events), (std::multiset<std::string>{kLineKey + kP}));
  EXPECT_DOUBLE_EQ(Fact(events[0], "undefined.lnf_share"), 1);
  EXPECT_FALSE(HasFact(events[0], "lnf_share"));

  // Moved to FBI (FY2017, 10% LNF): resolved at DEA first, then judged at
  // FBI, where it holds.
  feed({CardIn(LnfView("agency:FBI", "FY2017", 1, 0.10))});
  events = feed({BudgetIn("B-5", line, "FBI", 2017, Utc(2016, 3, 1),
                          {{"lnf_share", v1::CRITERION_OP_AT_LEAST, 0.5}})});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].resolved());
  EXPECT_EQ(events[0].unit(), "agency:DEA");
  EXPECT_DOUBLE_EQ(Fact(events[0], "moved"), 1);
  EXPECT_FALSE(events[1].resolved());
  EXPECT_EQ(events[1].unit(), "agency:FBI");
  EXPECT_DOUBLE_EQ(Fact(events[1], "at_least.lnf_share"), 0.5);
  // DEA's view changing concerns the line no more.
  EXPECT_TRUE(feed({CardIn(LnfView("agency:DEA", "FY2017", 2, 0.9))}).empty());
  ExpectPublicClean(cluster, cards);

  // A replay of the same log from an empty store ends in the same state.
  Cluster empty;
  Instance replay(&empty, &clock, "budget_replay");
  replay.Assign(AllPartitions());
  const auto replayed =
      BudgetOnly(replay.ReplayThenCatchUp(cluster.inputs(), 3));
  // FBI's event, the same (DEA's resolution is not repeated: the replay
  // never saw the line hold there).
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[0].event_id(), events[1].event_id());
}

TEST(ReconcilerHandlerTest, WithheldOrUndefinedIndicatorsFailABudgetCriterion) {
  Cluster cluster;
  Clock clock;
  Instance rec(&cluster, &clock, "budget_withheld");
  rec.Assign(AllPartitions());
  const std::vector<Criterion> criteria = {
      kLnfAtMost30,
      {"cost_per_high_desert_sentence", v1::CRITERION_OP_AT_MOST, 1e6}};
  // lnf_share withheld (a small complement, say); no cost cell at all.
  const auto view =
      Public(Card("agency:ATF", "FY2016", 1,
                  {{"sentenced", 40, 40}, {"lnf_share", 0.1, 40}}),
             {"lnf_share"});
  RunLive(cluster.Append({CardIn(view), BudgetIn("B-1", "L-ATF", "ATF", 2016,
                                                 Utc(2015, 10, 1), criteria)}),
          &rec, &clock);
  const auto events = cluster.Events();
  const v1::OversightEvent* e =
      Find(events, "BUDGET_CRITERIA_UNMET/L-ATF", v1::VISIBILITY_PUBLIC);
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->resolved());
  EXPECT_DOUBLE_EQ(Fact(*e, "criteria_failed"), 2);
  EXPECT_DOUBLE_EQ(Fact(*e, "lnf_share.suppressed"), 1);
  EXPECT_FALSE(HasFact(*e, "lnf_share"));
  EXPECT_FALSE(HasFact(*e, "lnf_share.n"));
  EXPECT_DOUBLE_EQ(Fact(*e, "undefined.cost_per_high_desert_sentence"), 1);
  EXPECT_DOUBLE_EQ(Fact(*e, "at_most.cost_per_high_desert_sentence"), 1e6);
  ExpectPublicClean(cluster, {{view.scorecard_id(), view}});
}

// A line moving between agencies whose partitions two instances own: the
// old agency's owner resolves it, the new one's judges it, no one else
// says anything.
TEST(ReconcilerHandlerTest, BudgetEventsAreEmittedByTheAgencyOwnerOnly) {
  std::string other;
  for (const char* code : {"FBI", "ATF", "HSI", "CBP", "USMS"}) {
    if (PartitionOf(StrCat("agency:", code)) != PartitionOf("agency:DEA")) {
      other = code;
      break;
    }
  }
  ASSERT_FALSE(other.empty());
  const int32_t dea = PartitionOf("agency:DEA");
  const int32_t oth = PartitionOf("agency:" + other);
  Cluster cluster;
  Clock clock;
  Instance a(&cluster, &clock, "budget_owner_a");
  a.Assign(AllBut({oth}));
  Instance b(&cluster, &clock, "budget_owner_b");
  b.Assign({oth});
  const auto first =
      cluster.Append({CardIn(LnfView("agency:DEA", "FY2016", 1, 0.5)),
                      CardIn(LnfView("agency:" + other, "FY2016", 1, 0.5)),
                      BudgetIn("B-1", "L-1", "DEA", 2016, Utc(2015, 10, 1))});
  // Both read the reference topic whole and their own scores partitions.
  auto mine = [&](const std::vector<kafka::Record>& records,
                  const std::set<int32_t>& owned) {
    std::vector<kafka::Record> out;
    for (const auto& r : records) {
      if (r.topic == topics::kReference || owned.count(r.partition) > 0) {
        out.push_back(r);
      }
    }
    return out;
  };
  clock.now_ms += 1000;
  auto ea = BudgetOnly(a.Process(mine(first, a.owned()), a.owned()));
  auto eb = BudgetOnly(b.Process(mine(first, b.owned()), b.owned()));
  EXPECT_EQ(Summary(ea),
            (std::multiset<std::string>{"BUDGET_CRITERIA_UNMET/L-1" + kP}));
  EXPECT_TRUE(eb.empty());
  const auto moved =
      cluster.Append({BudgetIn("B-2", "L-1", other, 2016, Utc(2015, 11, 1))});
  clock.now_ms += 1000;
  ea = BudgetOnly(a.Process(mine(moved, a.owned()), a.owned()));
  eb = BudgetOnly(b.Process(mine(moved, b.owned()), b.owned()));
  ASSERT_EQ(ea.size(), 1u);
  EXPECT_TRUE(ea[0].resolved());
  EXPECT_EQ(ea[0].unit(), "agency:DEA");
  ASSERT_EQ(eb.size(), 1u);
  EXPECT_FALSE(eb[0].resolved());
  EXPECT_EQ(eb[0].unit(), "agency:" + other);
  for (const auto& r : cluster.Topic(topics::kOversightPublic)) {
    v1::OversightEvent e;
    ASSERT_TRUE(e.ParseFromString(r.value));
    if (e.type() != v1::EVENT_TYPE_BUDGET_CRITERIA_UNMET) continue;
    EXPECT_EQ(r.partition, e.unit() == "agency:DEA" ? dea : oth);
  }
}

}  // namespace
}  // namespace fruition::reconciler
