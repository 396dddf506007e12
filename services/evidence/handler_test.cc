// Tests of EvidenceHandler (handler.h) over a real RocksDB store: the
// records it produces, and its counters, which count what was committed.
#include "services/evidence/handler.h"

#include <memory>
#include <string>
#include <vector>

#include "fruition/v1/reports.pb.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/common/proto.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"
#include "services/evidence/criteria.h"
#include "services/evidence/processor.h"
#include "services/evidence/store.h"
#include "tests/harness/fixtures.h"

namespace fruition::evidence {
namespace {

constexpr char kReports[] = "fruition.reports.v1";
constexpr char kReference[] = "fruition.reference.v1";
constexpr char kAssessments[] = "fruition.link-assessments.v1";
constexpr int64_t kBase = 1451606400;  // 2016-01-01
constexpr int64_t kDay = 86400;

kafka::Record Rec(const std::string& topic, int32_t partition, int64_t offset,
                  const std::string& key, const v1::AgencyReport& report) {
  kafka::Record r;
  r.topic = topic;
  r.partition = partition;
  r.offset = offset;
  r.timestamp_ms = report.occurred_at().seconds() * 1000;
  r.key = key;
  r.value = report.SerializeAsString();
  return r;
}

v1::AgencyReport Designation(const std::string& org) {
  v1::AgencyReport r;
  r.set_report_id("R-" + org);
  r.set_reporter("DEA");
  r.mutable_occurred_at()->set_seconds(kBase - 100 * kDay);
  auto* d = r.mutable_org_designated();
  d->set_org_id(org);
  d->set_tier(v1::TIER_PTO_REGIONAL);
  d->set_region("MID-ATLANTIC");
  d->add_criteria_cited("command-and-control");
  return r;
}

// A claim on `org` with two items from two sources (SUBSTANTIATED when the
// org is designated) or, with `weak`, one item (fails C3).
v1::AgencyReport Claim(const std::string& id, const std::string& org,
                       bool weak) {
  v1::AgencyReport r;
  r.set_report_id("R-" + id);
  r.set_reporter("DEA");
  r.mutable_occurred_at()->set_seconds(kBase);
  r.set_case_id("CASE-" + id);
  auto* c = r.mutable_link_claim();
  c->set_claim_id(id);
  c->set_subject_pid("pid-" + id);
  c->set_org_id(org);
  c->set_link_role(v1::LINK_ROLE_MEMBER);
  c->set_hops(1);
  for (int k = 0; k < (weak ? 1 : 2); ++k) {
    auto* e = c->add_evidence();
    e->set_evidence_id(id + "-EV-" + std::to_string(k));
    e->set_kind(k == 0 ? v1::EVIDENCE_KIND_WIRETAP_INTERCEPT
                       : v1::EVIDENCE_KIND_FINANCIAL_RECORD);
    e->set_source_id("S" + std::to_string(k));
    e->mutable_observed_at()->set_seconds(kBase - (k + 1) * kDay);
  }
  return r;
}

// fruition_evidence_assessments_total, summed over its results.
double AssessmentsTotal(prometheus::Registry& registry) {
  double total = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name != "fruition_evidence_assessments_total") continue;
    for (const auto& m : family.metric) total += m.counter.value;
  }
  return total;
}

class HandlerTest : public ::testing::Test {
 protected:
  HandlerTest()
      : processor_(&DefaultRulebook(), kReports, kReference),
        handler_(&processor_, kAssessments, &registry_) {
    auto store = EvidenceStore::Open(fixtures::FreshDir("evidence_handler"));
    EXPECT_TRUE(store.ok()) << store.status();
    if (store.ok()) store_ = *std::move(store);
  }

  std::vector<kafka::Record> Batch() const {
    return {Rec(kReference, 0, 0, "ORG-1", Designation("ORG-1")),
            Rec(kReports, 1, 0, "pid-CL-1", Claim("CL-1", "ORG-1", false)),
            Rec(kReports, 1, 1, "pid-CL-2", Claim("CL-2", "ORG-1", true)),
            Rec(kReports, 2, 0, "pid-CL-3", Claim("CL-3", "ORG-2", false))};
  }

  prometheus::Registry registry_;
  Processor processor_;
  EvidenceHandler handler_;
  std::unique_ptr<EvidenceStore> store_;
};

TEST_F(HandlerTest, OutputsCarryTheStoredBytesOfEachAssessment) {
  ASSERT_NE(store_, nullptr);
  stream::Applied applied;
  ASSERT_TRUE(stream::ApplyAndCommit(handler_, *store_->kv(), Batch(),
                                     {0, 1, 2}, {}, &applied)
                  .ok());
  ASSERT_EQ(applied.outputs.size(), 3u);
  Tx tx(store_.get());
  for (const stream::Output& out : applied.outputs) {
    EXPECT_EQ(out.topic, kAssessments);
    v1::LinkAssessment a;
    ASSERT_TRUE(a.ParseFromString(out.value));
    EXPECT_EQ(out.key, a.subject_pid());
    ASSERT_EQ(out.headers.size(), 1u);
    EXPECT_EQ(out.headers[0].second, a.assessment_id());
    // One serialization, the deterministic one, stored and produced alike.
    EXPECT_EQ(out.value, SerializeDeterministic(a));
    const auto stored = tx.Get(Table::kAssessments,
                               JoinKey({a.reporter(), a.claim_id(), "v1"}));
    ASSERT_TRUE(stored.ok() && stored->has_value()) << a.claim_id();
    EXPECT_EQ(**stored, out.value);
  }
}

TEST_F(HandlerTest, AssessmentsAreCountedWhenCommittedOnly) {
  ASSERT_NE(store_, nullptr);
  {
    // Applied, its outputs produced, but never committed (a crash): the
    // replay after a restart applies it again and counts it then.
    store::KvTx tx(store_->kv());
    stream::Applied applied;
    ASSERT_TRUE(
        stream::ApplyBatch(handler_, tx, Batch(), {0, 1, 2}, {}, &applied)
            .ok());
    EXPECT_EQ(applied.outputs.size(), 3u);
    EXPECT_EQ(AssessmentsTotal(registry_), 0);
  }
  // A fresh handler, as after the restart, on the same registry's counters.
  prometheus::Registry registry;
  EvidenceHandler restarted(&processor_, kAssessments, &registry);
  stream::Applied applied;
  ASSERT_TRUE(stream::ApplyAndCommit(restarted, *store_->kv(), Batch(),
                                     {0, 1, 2}, {}, &applied)
                  .ok());
  EXPECT_EQ(applied.outputs.size(), 3u);
  EXPECT_EQ(AssessmentsTotal(registry), 3);
  // By result: CL-1 SUBSTANTIATED, CL-2 PARTIAL (C3), CL-3 UNSUBSTANTIATED
  // (ORG-2 never designated).
  for (const auto& family : registry.Collect()) {
    if (family.name != "fruition_evidence_assessments_total") continue;
    for (const auto& m : family.metric) {
      ASSERT_EQ(m.label.size(), 1u);
      const std::string& result = m.label[0].value;
      const double expected = (result == "ASSESSMENT_RESULT_SUBSTANTIATED" ||
                               result == "ASSESSMENT_RESULT_PARTIAL" ||
                               result == "ASSESSMENT_RESULT_UNSUBSTANTIATED")
                                  ? 1
                                  : 0;
      EXPECT_EQ(m.counter.value, expected) << result;
    }
  }
  // Committed again with nothing new applied: nothing more counted.
  restarted.Committed();
  EXPECT_EQ(AssessmentsTotal(registry), 3);
}

}  // namespace
}  // namespace fruition::evidence
