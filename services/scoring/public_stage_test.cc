#include "services/scoring/public_stage.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <map>

#include "fruition/internal/scoring.pb.h"
#include "services/common/store/kv.h"
#include "services/common/store/test_util.h"
#include "services/common/topics.h"
#include "tests/harness/attacker.h"
#include "tests/harness/fixtures.h"

namespace fruition::scoring {
namespace {

using fixtures::FreshDir;

constexpr char kBase[] = "fruition.scoring.public-base";
constexpr char kPublic[] = "fruition.scores.public.v1";

// A base record: `sentenced` people, `lnf` of them LNF.
internal::PublicBase Base(const std::string& unit, const std::string& period,
                          int64_t sentenced, int64_t lnf, bool has_base = true,
                          const std::vector<std::string>& parents = {}) {
  internal::PublicBase b;
  b.set_has_base(has_base);
  v1::Scorecard& c = *b.mutable_card();
  c.set_unit(unit);
  c.set_period(period);
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  v1::Indicator* s = c.add_indicators();
  s->set_name("sentenced");
  s->set_value(static_cast<double>(sentenced));
  s->set_n(sentenced);
  s->set_defined(true);
  v1::Indicator* l = c.add_indicators();
  l->set_name("lnf_share");
  l->set_n(sentenced);
  l->set_defined(sentenced > 0);
  if (sentenced > 0) {
    l->set_value(static_cast<double>(lnf) / static_cast<double>(sentenced));
  }
  for (const auto& p : parents) b.add_parents(p);
  return b;
}

kafka::Record At(const internal::PublicBase& b, int64_t offset) {
  kafka::Record r;
  r.topic = kBase;
  r.partition = 0;
  r.offset = offset;
  r.key = b.card().period().substr(0, 6);
  r.value = b.SerializeAsString();
  return r;
}

// fruition.scores.public.v1 as several instances write it (one partition).
using PublicTopic = std::vector<kafka::Record>;

// Reads `topic` back from the start offset of its partition.
PublicReadBack ReadBackOf(const PublicTopic* topic) {
  return [topic](const kafka::StartOffsets& start) {
    auto it = start.find({kPublic, 0});
    const int64_t from = it == start.end() ? 0 : it->second;
    return absl::StatusOr<PublicTopic>(PublicTopic(
        topic->begin() + std::min<int64_t>(from, topic->size()), topic->end()));
  };
}

class Runner {
 public:
  // With `topic`, what it produces is appended there, and it reads that
  // topic back on assignment.
  explicit Runner(const std::string& name, PublicTopic* topic = nullptr)
      : stage_(kBase, kPublic, topic ? ReadBackOf(topic) : nullptr),
        topic_(topic) {
    auto store = store::KvStore::Open(FreshDir(name), PublicTables());
    EXPECT_TRUE(store.ok());
    store_ = *std::move(store);
  }
  // Applies `records` in one batch; commits unless `crash`.
  std::vector<stream::Output> Run(const std::vector<kafka::Record>& records,
                                  bool crash = false) {
    store::KvTx tx(store_.get());
    auto out = stage_.Apply(tx, records, {0});
    EXPECT_TRUE(out.ok()) << out.status();
    if (!crash) {
      EXPECT_TRUE(store_->Commit(tx).ok());
      if (out.ok()) Publish(*out);
    }
    return out.ok() ? *out : std::vector<stream::Output>{};
  }
  // A rebalance assigns `added` of the base topic here.
  std::vector<stream::Output> Assign(const std::set<int32_t>& added) {
    store::KvTx tx(store_.get());
    auto out = stage_.OnAssigned(tx, added, added);
    EXPECT_TRUE(out.ok()) << out.status();
    EXPECT_TRUE(store_->Commit(tx).ok());
    if (out.ok()) Publish(*out);
    return out.ok() ? *out : std::vector<stream::Output>{};
  }
  std::optional<v1::Scorecard> View(const std::string& unit,
                                    const std::string& period) {
    store::KvTx tx(store_.get());
    return store::Ok(PublicStage::View(tx, unit, period));
  }

 private:
  void Publish(const std::vector<stream::Output>& out) {
    if (topic_ == nullptr) return;
    for (const auto& o : out) {
      kafka::Record r;
      r.topic = o.topic;
      r.partition = 0;
      r.offset = static_cast<int64_t>(topic_->size());
      r.key = o.key;
      r.value = o.value;
      topic_->push_back(std::move(r));
    }
  }

  PublicStage stage_;
  PublicTopic* topic_;
  std::unique_ptr<store::KvStore> store_;
};

const v1::Indicator& Cell(const v1::Scorecard& c, const std::string& name) {
  for (const auto& i : c.indicators()) {
    if (i.name() == name) return i;
  }
  ADD_FAILURE() << name;
  static const v1::Indicator none;
  return none;
}

TEST(PublicStageTest, ProducesPublicViewsWithLinkedSetsApplied) {
  Runner r("linked");
  auto out = r.Run({
      At(Base("agency:DEA", "FY2016", 60, 20), 0),
      At(Base("field_office:DEA-A", "FY2016", 5, 0, true, {"agency:DEA"}), 1),
      At(Base("field_office:DEA-B", "FY2016", 25, 11, true, {"agency:DEA"}), 2),
      At(Base("field_office:DEA-C", "FY2016", 30, 9, true, {"agency:DEA"}), 3),
  });
  ASSERT_FALSE(out.empty());
  for (const auto& o : out) {
    EXPECT_EQ(o.topic, kPublic);
    v1::Scorecard c;
    ASSERT_TRUE(c.ParseFromString(o.value));
    EXPECT_EQ(o.key, c.unit());
    EXPECT_TRUE(c.public_view());
  }
  auto a = r.View("field_office:DEA-A", "FY2016");
  auto b = r.View("field_office:DEA-B", "FY2016");
  auto agency = r.View("agency:DEA", "FY2016");
  ASSERT_TRUE(a && b && agency);
  EXPECT_TRUE(Cell(*a, "sentenced").suppressed());
  EXPECT_TRUE(Cell(*b, "sentenced").suppressed());  // its partner
  EXPECT_FALSE(Cell(*agency, "sentenced").suppressed());
  EXPECT_EQ(Cell(*agency, "sentenced").n(), 60);
  // D1: nothing but the flag.
  EXPECT_EQ(Cell(*a, "sentenced").n(), 0);
  EXPECT_FALSE(Cell(*a, "sentenced").defined());
}

TEST(PublicStageTest, APublicViewNamesNoReport) {
  Runner r("changedby");
  auto base = Base("district:EDPA", "FY2016", 40, 20);
  base.mutable_card()->add_changed_by("USSC/S-1");
  base.mutable_card()->add_changed_by("USSC/S-2");
  base.mutable_card()->set_changed_by_count(2);
  auto out = r.Run({At(base, 0)});
  ASSERT_EQ(out.size(), 1u);
  v1::Scorecard c;
  ASSERT_TRUE(c.ParseFromString(out[0].value));
  EXPECT_TRUE(c.changed_by().empty());
  EXPECT_EQ(c.changed_by_count(), 0);
  const auto view = r.View("district:EDPA", "FY2016");
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->changed_by().empty());
  EXPECT_EQ(view->changed_by_count(), 0);
}

TEST(PublicStageTest, AnUnchangedViewIsNotProducedAgain) {
  Runner r("unchanged");
  auto first = r.Run({At(Base("district:EDPA", "FY2016", 40, 20), 0)});
  ASSERT_EQ(first.size(), 1u);
  auto again = r.Run({At(Base("district:EDPA", "FY2016", 40, 20), 1)});
  EXPECT_TRUE(again.empty());
  auto moved = r.Run({At(Base("district:EDPA", "FY2016", 51, 20), 2)});
  ASSERT_EQ(moved.size(), 1u);
  v1::Scorecard c;
  ASSERT_TRUE(c.ParseFromString(moved[0].value));
  EXPECT_EQ(c.revision(), 2);
  EXPECT_EQ(Cell(c, "sentenced").n(), 51);
  // n − k moved by 11, k by 0: the share publishes.
  EXPECT_FALSE(Cell(c, "lnf_share").suppressed());
}

TEST(PublicStageTest, VersionRuleUsesWhatWasPublished) {
  Runner r("versions");
  r.Run({At(Base("district:EDPA", "FY2016", 40, 20), 0)});
  auto out = r.Run({At(Base("district:EDPA", "FY2016", 45, 20), 1)});
  ASSERT_EQ(out.size(), 1u);
  v1::Scorecard c;
  ASSERT_TRUE(c.ParseFromString(out[0].value));
  // 45 − 40 = 5: the view is held at what it showed, marked as lagging.
  EXPECT_EQ(Cell(c, "sentenced").n(), 40);
  EXPECT_TRUE(c.lags_current());
  out = r.Run({At(Base("district:EDPA", "FY2016", 51, 20), 2)});
  ASSERT_TRUE(c.ParseFromString(out[0].value));
  EXPECT_EQ(Cell(c, "sentenced").n(), 51);
}

TEST(PublicStageTest, StartingToLagChangesOnlyTheFlag) {
  Runner r("lagging");
  r.Run({At(Base("district:EDPA", "FY2016", 40, 20), 0),
         At(Base("district:EDPA", "FY2016Q1", 20, 10), 1)});
  internal::PublicBase lagging = Base("district:EDPA", "FY2016", 40, 20);
  lagging.set_lags_current(true);
  auto out = r.Run({At(lagging, 2)});
  ASSERT_EQ(out.size(), 1u);
  v1::Scorecard c;
  ASSERT_TRUE(c.ParseFromString(out[0].value));
  EXPECT_TRUE(c.lags_current());
  EXPECT_EQ(c.revision(), 2);
  EXPECT_EQ(Cell(c, "sentenced").n(), 40);
  // The same id a full recomputation gives.
  Runner full("lagging_full");
  full.Run({At(Base("district:EDPA", "FY2016Q1", 20, 10), 0), At(lagging, 1)});
  EXPECT_EQ(full.View("district:EDPA", "FY2016")->scorecard_id(),
            c.scorecard_id());
}

// A crash before the commit replays the batch: the same batches give the
// same views in the same order.
TEST(PublicStageTest, ReplayGivesTheSameOutputs) {
  std::vector<kafka::Record> records;
  int64_t offset = 0;
  for (int64_t n : {12, 18, 25, 31, 40, 44, 52, 63}) {
    records.push_back(At(Base("district:EDPA", "FY2016", n, n / 2), offset++));
    records.push_back(
        At(Base("district:EDPA", "FY2016Q1", n / 2, n / 4), offset++));
  }
  auto run = [&](const std::string& name, bool crash) {
    Runner r(name);
    std::vector<stream::Output> got;
    for (size_t i = 0; i < records.size(); i += 3) {
      std::vector<kafka::Record> batch(
          records.begin() + i,
          records.begin() + std::min(records.size(), i + 3));
      if (crash) r.Run(batch, /*crash=*/true);  // lost: replayed below
      auto out = r.Run(batch);
      got.insert(got.end(), out.begin(), out.end());
    }
    return got;
  };
  const auto expected = run("uninterrupted", false);
  const auto got = run("crashed", true);
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].key, expected[i].key);
    EXPECT_EQ(got[i].value, expected[i].value);
  }
}

// A backlog costs one recomputation per fiscal year and batch.
TEST(PublicStageTest, ABatchRecomputesEachFiscalYearOnce) {
  Runner r("once");
  std::vector<kafka::Record> records;
  records.reserve(30);
  for (int i = 0; i < 30; ++i) {
    records.push_back(At(Base("district:EDPA", "FY2016", 40 + i, 20), i));
  }
  auto out = r.Run(records);
  ASSERT_EQ(out.size(), 1u);  // from the last base only
  v1::Scorecard c;
  ASSERT_TRUE(c.ParseFromString(out[0].value));
  EXPECT_EQ(Cell(c, "sentenced").n(), 69);
}

// What the disclosure attacker (tests/harness/attacker.h, the dev-mode
// privacy test's) derives of 1–10 from every public version on `topic`,
// whoever published it: "" when nothing, else its first finding.
std::string SmallDifferences(const PublicTopic& topic) {
  testing::Attacker attacker;
  for (const kafka::Record& r : topic) {
    v1::Scorecard c;
    EXPECT_TRUE(c.ParseFromString(r.value));
    if (auto v = testing::VersionFromCard(c, std::to_string(r.offset))) {
      attacker.AddVersion(*v);
    }
  }
  const auto findings = attacker.Findings();
  return findings.empty() ? "" : findings.front();
}

// Two instances, one store each. A publishes EDPA's first version; then B
// takes the fiscal year over and, reading its records in other batches,
// would publish 33 LNF people beside A's 30 (a difference of 3). Read back
// on assignment, A's 30 is among B's published values, so B withholds it;
// and B produces EDPA's view again on assignment, marked.
TEST(PublicStageTest, ANewOwnerKeepsTheVersionRuleOfTheOldOnesViews) {
  PublicTopic topic;
  Runner a("owner-a", &topic);
  Runner b("owner-b", &topic);
  EXPECT_TRUE(a.Assign({0}).empty());  // nothing yet
  a.Run({At(Base("district:EDPA", "FY2016", 100, 30), 0)});
  ASSERT_EQ(topic.size(), 1u);
  EXPECT_TRUE(b.Assign({0}).empty());  // read back; no view of its own yet
  b.Run({At(Base("district:EDPA", "FY2016", 100, 30), 0),
         At(Base("district:EDPA", "FY2016", 111, 33), 1)});
  ASSERT_EQ(topic.size(), 2u);
  EXPECT_EQ(SmallDifferences(topic), "");
  auto view = b.View("district:EDPA", "FY2016");
  ASSERT_TRUE(view);
  EXPECT_EQ(Cell(*view, "sentenced").n(), 111);
  EXPECT_TRUE(Cell(*view, "lnf_share").suppressed());
  // A gets it back: B's version is read back, and A's latest view (the
  // one it made) is produced again, marked, for FY2016's partition only.
  EXPECT_TRUE(a.Assign({1}).empty());
  const auto again = a.Assign({0});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].key, "district:EDPA");
  EXPECT_NE(std::find(again[0].headers.begin(), again[0].headers.end(),
                      kafka::Header(topics::kRepublishedHeader, "assigned")),
            again[0].headers.end());
  a.Run({At(Base("district:EDPA", "FY2016", 122, 37), 2)});
  EXPECT_EQ(SmallDifferences(topic), "");
  EXPECT_TRUE(
      Cell(*a.View("district:EDPA", "FY2016"), "lnf_share").suppressed())
      << "37 LNF people is 4 from the 33 B published";
}

TEST(PublicStageTest, UnreadableRecordIsPoison) {
  auto store = store::KvStore::Open(FreshDir("poison"), PublicTables());
  ASSERT_TRUE(store.ok());
  PublicStage stage(kBase, kPublic);
  store::KvTx tx(store->get());
  kafka::Record bad;
  bad.topic = kBase;
  bad.partition = 0;
  bad.offset = 7;
  bad.value = "\xff not a base";
  auto out = stage.Apply(tx, {bad}, {0});
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(stream::PoisonOf(out.status()).has_value());
  EXPECT_EQ(stream::PoisonOf(out.status())->offset, 7);
  // Skipped as the loop skips it.
  stream::SkipSet skip = {{{kBase, 0}, 7}};
  EXPECT_TRUE(stream::ApplySkipping(stage, tx, {bad}, {0}, skip, nullptr).ok());
}

}  // namespace
}  // namespace fruition::scoring
