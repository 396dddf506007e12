// The gateway's views (services/gateway/views.h) over real RocksDB stores,
// fed Kafka records built by hand for the two oversight topics and the two
// scores topics (restricted and public view), as the gateway's loop feeds
// them: one batch at a time through stream::ApplyAndCommit (offset dedupe,
// the operator's skips, offsets, commit). No Kafka.
//
// The "broker" here is a map of per-partition logs; a replica reads them in
// some interleaving that keeps each partition's order (as a Kafka consumer
// does), and different replicas may read different interleavings.
#include "services/gateway/views.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fruition/v1/events.pb.h"
#include "fruition/v1/gateway.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.pb.h"
#include "gtest/gtest.h"
#include "services/common/kafka/consumer.h"
#include "services/common/store/kv.h"
#include "services/common/store/test_util.h"
#include "services/common/stream/loop.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/fixtures.h"

namespace fruition::gateway {
namespace {

using fixtures::FreshDir;

const std::string kPublic(topics::kOversightPublic);
const std::string kRestricted(topics::kOversightRestricted);
const std::string kScores(topics::kScores);
const std::string kScoresPublic(topics::kScoresPublic);
const std::string kReference(topics::kReference);

ViewTopics Topics() {
  return ViewTopics{kPublic, kRestricted, kScores, kScoresPublic, kReference};
}

v1::OversightEvent Event(const std::string& id, v1::EventType type,
                         v1::Visibility visibility, const std::string& unit,
                         const std::string& period, bool resolved = false) {
  v1::OversightEvent e;
  e.set_event_id(id);
  e.set_condition_key(StrCat(v1::EventType_Name(type), "/", unit, "/", period));
  e.set_type(type);
  e.set_severity(v1::SEVERITY_WARNING);
  e.set_visibility(visibility);
  e.set_unit(unit);
  e.set_period(period);
  e.set_resolved(resolved);
  (*e.mutable_facts())["n"] = 12;
  e.mutable_emitted_at()->set_seconds(1700000000);
  return e;
}

// The topics' logs, as a broker holds them.
class Logs {
 public:
  // Appends `value` to (topic, partition) at its next offset.
  kafka::Record Append(const std::string& topic, int32_t partition,
                       const std::string& value) {
    auto& log = logs_[{topic, partition}];
    kafka::Record r;
    r.topic = topic;
    r.partition = partition;
    r.offset = static_cast<int64_t>(log.size());
    r.key = "k";
    r.value = value;
    log.push_back(r);
    return r;
  }
  kafka::Record Append(const std::string& topic, int32_t partition,
                       const v1::OversightEvent& e) {
    return Append(topic, partition, e.SerializeAsString());
  }

  // Every record, in an interleaving of the partitions chosen by `seed`
  // that keeps each partition's order (as a consumer reads them).
  std::vector<kafka::Record> Interleave(uint32_t seed) const {
    std::mt19937 rng(seed);
    std::vector<std::pair<const std::vector<kafka::Record>*, size_t>> at;
    for (const auto& [tp, log] : logs_) at.emplace_back(&log, 0);
    std::vector<kafka::Record> out;
    while (true) {
      std::vector<size_t> open;
      for (size_t i = 0; i < at.size(); ++i) {
        if (at[i].second < at[i].first->size()) open.push_back(i);
      }
      if (open.empty()) break;
      auto& [log, next] = at[open[rng() % open.size()]];
      out.push_back((*log)[next++]);
    }
    return out;
  }

  // Every record, one partition after the other, in reverse partition order.
  std::vector<kafka::Record> PartitionByPartition() const {
    std::vector<kafka::Record> out;
    for (auto it = logs_.rbegin(); it != logs_.rend(); ++it) {
      out.insert(out.end(), it->second.begin(), it->second.end());
    }
    return out;
  }

 private:
  std::map<std::pair<std::string, int32_t>, std::vector<kafka::Record>> logs_;
};

// One gateway replica: its store and views.
struct Replica {
  explicit Replica(const std::string& name) : dir(FreshDir(name)) { Open(); }

  void Open() {
    auto s = store::KvStore::Open(dir, Tables());
    EXPECT_TRUE(s.ok()) << s.status();
    store = std::move(*s);
    views = std::make_unique<Views>(store.get(), Topics());
  }
  void Reopen() {
    views.reset();
    store.reset();
    Open();
  }

  // Applies `records` in batches of `batch`, committing each, skipping
  // what `skip` lists (appended to `skipped`); the first error (the batch
  // that failed is not committed, nor any after it).
  absl::Status TryFeed(const std::vector<kafka::Record>& records,
                       size_t batch = 7, const stream::SkipSet& skip = {},
                       std::vector<stream::PoisonRecord>* skipped = nullptr) {
    for (size_t i = 0; i < records.size(); i += batch) {
      const size_t end = std::min(records.size(), i + batch);
      stream::Applied applied;
      absl::Status s = stream::ApplyAndCommit(
          *views, *store, {records.begin() + i, records.begin() + end}, {},
          skip, &applied);
      if (skipped != nullptr) {
        skipped->insert(skipped->end(), applied.skipped.begin(),
                        applied.skipped.end());
      }
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }
  void Feed(const std::vector<kafka::Record>& records, size_t batch = 7,
            const stream::SkipSet& skip = {}) {
    const absl::Status s = TryFeed(records, batch, skip);
    ASSERT_TRUE(s.ok()) << s;
  }

  std::string dir;
  std::unique_ptr<store::KvStore> store;
  std::unique_ptr<Views> views;
};

// The --skip-record entry for `r`.
stream::SkipSet SkipOf(const kafka::Record& r) {
  return {{{r.topic, r.partition}, r.offset}};
}

// Fed `records` without a skip, a fresh replica stops at `unreadable`.
void ExpectStopsAt(const std::vector<kafka::Record>& records, size_t batch,
                   const kafka::Record& unreadable) {
  Replica stopped("stopped");
  const absl::Status s = stopped.TryFeed(records, batch);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  const auto poison = stream::PoisonOf(s);
  ASSERT_TRUE(poison.has_value()) << s;
  EXPECT_EQ(poison->tp,
            kafka::TopicPartition(unreadable.topic, unreadable.partition));
  EXPECT_EQ(poison->offset, unreadable.offset);
}

std::vector<std::string> Ids(const std::vector<v1::OversightEvent>& events) {
  std::vector<std::string> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(e.event_id());
  return out;
}

std::multiset<std::string> Bag(const std::vector<std::string>& ids) {
  return {ids.begin(), ids.end()};
}

// Everything after `after` in one page.
Page All(const Views& views, const v1::EventFilter& filter, bool restricted,
         const Cursor& after = Cursor()) {
  return views.List(filter, after, restricted, 1000000, 1000000).value();
}

Cursor Decoded(const std::string& s) {
  auto c = Cursor::Decode(s, "after");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : Cursor();
}

// Pages of at most `limit` events after `after` until nothing is left; the
// events in the order received.
std::vector<std::string> PageThrough(const Views& views,
                                     const v1::EventFilter& filter,
                                     bool restricted, int limit,
                                     const std::string& after = "",
                                     int scan_max = 20000) {
  std::vector<std::string> out;
  std::string at = after;
  for (int guard = 0; guard < 100000; ++guard) {
    Page page =
        views.List(filter, Decoded(at), restricted, limit, scan_max).value();
    EXPECT_LE(static_cast<int>(page.events.size()), limit);
    EXPECT_EQ(page.events.size(), page.cursors.size());
    for (const auto& e : page.events) out.push_back(e.event_id());
    if (page.events.empty() && page.next == Decoded(at).Encode()) return out;
    at = page.next;
  }
  ADD_FAILURE() << "paging did not end";
  return out;
}

struct Standard {
  Logs logs;
  std::vector<v1::OversightEvent> events;  // every distinct event
};

const std::vector<std::string>& Units() {
  static const auto* u = new std::vector<std::string>{
      "agency:DEA", "agency:FBI", "district:EDPA",
      "field_office:DEA-PHILADELPHIA", "agency:HSI"};
  return *u;
}

// 90 events on 3 public and 2 restricted partitions (keyed by unit), of
// every type, several units and periods, some resolved.
Standard MakeStandard(const std::string& prefix = "ev") {
  Standard s;
  const std::vector<v1::EventType> public_types = {
      v1::EVENT_TYPE_TARGET_OVERSHOOT, v1::EVENT_TYPE_FRUITION_GAP,
      v1::EVENT_TYPE_LNF_SHARE_HIGH,
      v1::EVENT_TYPE_PENDING_COUNTED_AS_DISMANTLED,
      v1::EVENT_TYPE_SCORECARD_PUBLISHED};
  const std::vector<v1::EventType> restricted_types = {
      v1::EVENT_TYPE_LINK_UNSUBSTANTIATED, v1::EVENT_TYPE_TIER_MISMATCH,
      v1::EVENT_TYPE_DECLINED_THEN_CHARGED_ELSEWHERE,
      v1::EVENT_TYPE_REPORT_CONFLICT, v1::EVENT_TYPE_SCORECARD_PUBLISHED};
  const std::vector<std::string> periods = {"FY2016", "FY2016Q1", "FY2017"};
  for (int i = 0; i < 90; ++i) {
    const bool restricted = i % 3 == 0;
    const size_t unit = static_cast<size_t>(i) * 7 % Units().size();
    const std::string id = StrCat(prefix, "-", i / 10, i % 10);
    v1::OversightEvent e =
        Event(id,
              restricted ? restricted_types[i % restricted_types.size()]
                         : public_types[i % public_types.size()],
              restricted ? v1::VISIBILITY_RESTRICTED : v1::VISIBILITY_PUBLIC,
              Units()[unit], periods[i % periods.size()], i % 5 == 0);
    if (restricted) {
      s.logs.Append(kRestricted, static_cast<int32_t>(unit % 2), e);
    } else {
      s.logs.Append(kPublic, static_cast<int32_t>(unit % 3), e);
    }
    s.events.push_back(e);
  }
  return s;
}

// The ids of `records` that are events a replica shows, in order: the
// first of each event_id, on the topic of its visibility.
std::vector<std::string> ShownInOrder(
    const std::vector<kafka::Record>& records) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& r : records) {
    if (r.topic != kPublic && r.topic != kRestricted) continue;
    v1::OversightEvent e;
    if (!e.ParseFromString(r.value) || e.event_id().empty()) continue;
    if (e.visibility() != (r.topic == kPublic ? v1::VISIBILITY_PUBLIC
                                              : v1::VISIBILITY_RESTRICTED)) {
      continue;
    }
    if (seen.insert(e.event_id()).second) out.push_back(e.event_id());
  }
  return out;
}

// ---------------------------------------------------------------------------
// Cursors.

TEST(CursorTest, EncodeDecodeRoundTrip) {
  EXPECT_EQ(Cursor().Encode(), "");
  auto empty = Cursor::Decode("", "after");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->next[0].empty());
  EXPECT_TRUE(empty->next[1].empty());

  Cursor c;
  c.Pass(0, 2, 41);
  c.Pass(0, 0, 7);
  c.Pass(1, 1, 123456789012LL);
  c.Pass(0, 2, 3);  // behind: no effect
  EXPECT_EQ(c.At(0, 0), 8);
  EXPECT_EQ(c.At(0, 1), 0);
  EXPECT_EQ(c.At(0, 2), 42);
  EXPECT_EQ(c.At(0, 9), 0);
  EXPECT_EQ(c.At(1, 0), 0);
  EXPECT_EQ(c.At(1, 1), 123456789013LL);
  const std::string s = c.Encode();
  EXPECT_EQ(s.rfind("c1.", 0), 0u) << s;
  auto d = Cursor::Decode(s, "after");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->next[0], c.next[0]);
  EXPECT_EQ(d->next[1], c.next[1]);
  EXPECT_EQ(d->Encode(), s);

  // Only one topic passed.
  Cursor r;
  r.Pass(1, 3, 0);
  auto rd = Cursor::Decode(r.Encode(), "after");
  ASSERT_TRUE(rd.ok()) << r.Encode() << ": " << rd.status();
  EXPECT_TRUE(rd->next[0].empty());
  EXPECT_EQ(rd->next[1], (std::vector<int64_t>{0, 0, 0, 1}));
  EXPECT_EQ(rd->Encode(), r.Encode());
}

TEST(CursorTest, DecodeRejectsGarbageNamingTheField) {
  for (const std::string bad : {"x",
                                "c1",
                                "c1.",
                                "c2.1.2",
                                "C1.1.2",
                                " c1.1.2",
                                "c1.1.2 ",
                                "c1.a.b",
                                "c1.1-x.2",
                                "c1.1--2.3",
                                "c1.-1.2",
                                "c1.1-.2",
                                "c1.1.2-",
                                "c1.1.2.3",
                                "c1.1.-2",
                                "c1.1.+2",
                                "c1.1234567890123456789.0",
                                "c1.1,2.3",
                                "eyJjMSI6MX0=",
                                "c1.1.2\n"}) {
    auto c = Cursor::Decode(bad, "Last-Event-ID");
    ASSERT_FALSE(c.ok()) << "accepted '" << bad << "'";
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(c.status().message().rfind("Last-Event-ID", 0), 0u)
        << bad << ": " << c.status().message();
  }
  auto c = Cursor::Decode("nope", "after");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().rfind("after", 0), 0u) << c.status();
}

// ---------------------------------------------------------------------------
// Paging.

TEST(ViewsTest, SmallPagesReturnEveryEventOnceInTheOrderRead) {
  Standard s = MakeStandard();
  const auto records = s.logs.Interleave(1);
  Replica a("pages");
  a.Feed(records);
  const std::vector<std::string> order = ShownInOrder(records);
  ASSERT_EQ(order.size(), s.events.size());

  const Page big = All(*a.views, {}, true);
  EXPECT_EQ(Ids(big.events), order);
  EXPECT_EQ(big.cursors.size(), big.events.size());
  for (int limit : {1, 2, 3, 5, 7, 13, 89, 90, 91}) {
    EXPECT_EQ(PageThrough(*a.views, {}, true, limit), order)
        << "limit " << limit;
  }
  // At the end: nothing more, and `next` stays where it is.
  const Page end = a.views->List({}, Decoded(big.next), true, 10).value();
  EXPECT_TRUE(end.events.empty());
  EXPECT_EQ(end.next, big.next);
  // Each page's `next` is the cursor of its last event.
  const Page first = a.views->List({}, Cursor(), true, 4).value();
  ASSERT_EQ(first.events.size(), 4u);
  EXPECT_EQ(first.next, first.cursors.back());
}

TEST(ViewsTest, PageBoundaryInsideInterleavedPartitions) {
  // Two partitions read alternately: a0 b0 a1 b1 a2 b2, and the restricted
  // topic between them.
  Logs logs;
  std::vector<kafka::Record> records;
  const auto pub = [&](const std::string& id, int32_t p,
                       const std::string& unit) {
    records.push_back(
        logs.Append(kPublic, p,
                    Event(id, v1::EVENT_TYPE_FRUITION_GAP,
                          v1::VISIBILITY_PUBLIC, unit, "FY2016")));
  };
  for (int i = 0; i < 3; ++i) {
    pub(StrCat("a", i), 0, "agency:DEA");
    pub(StrCat("b", i), 1, "agency:FBI");
    records.push_back(
        logs.Append(kRestricted, 0,
                    Event(StrCat("r", i), v1::EVENT_TYPE_TIER_MISMATCH,
                          v1::VISIBILITY_RESTRICTED, "agency:DEA", "FY2016")));
  }
  Replica a("boundary");
  a.Feed(records, 2);

  const Page p1 = a.views->List({}, Cursor(), true, 4).value();
  EXPECT_EQ(Ids(p1.events), (std::vector<std::string>{"a0", "b0", "r0", "a1"}));
  const Page p2 = a.views->List({}, Decoded(p1.next), true, 4).value();
  EXPECT_EQ(Ids(p2.events), (std::vector<std::string>{"b1", "r1", "a2", "b2"}));
  const Page p3 = a.views->List({}, Decoded(p2.next), true, 4).value();
  EXPECT_EQ(Ids(p3.events), (std::vector<std::string>{"r2"}));

  // The public sees the same boundaries without the restricted events.
  const Page q1 = a.views->List({}, Cursor(), false, 3).value();
  EXPECT_EQ(Ids(q1.events), (std::vector<std::string>{"a0", "b0", "a1"}));
  const Page q2 = a.views->List({}, Decoded(q1.next), false, 3).value();
  EXPECT_EQ(Ids(q2.events), (std::vector<std::string>{"b1", "a2", "b2"}));

  // A filter skipping one partition: its events are passed, never returned.
  v1::EventFilter dea;
  dea.set_unit("agency:DEA");
  dea.set_visibility(v1::VISIBILITY_PUBLIC);
  const Page f1 = a.views->List(dea, Cursor(), true, 2).value();
  EXPECT_EQ(Ids(f1.events), (std::vector<std::string>{"a0", "a1"}));
  const Page f2 = a.views->List(dea, Decoded(f1.next), true, 2).value();
  EXPECT_EQ(Ids(f2.events), (std::vector<std::string>{"a2"}));
  const Page f3 = a.views->List(dea, Decoded(f2.next), true, 2).value();
  EXPECT_TRUE(f3.events.empty());
}

// A reader who may see only some restricted events (an agency, SPEC §11)
// gets full pages of them: the others are skipped in the scan, before the
// limit counts, and its cursors resume without gap or duplicate.
TEST(ViewsTest, AReaderOfSomeRestrictedEventsGetsFullPages) {
  Logs logs;
  std::vector<kafka::Record> records;
  std::vector<std::string> want;
  for (int i = 0; i < 400; ++i) {
    const bool mine = i % 20 == 3;
    const std::string id = StrCat(mine ? "mine-" : "other-", i);
    records.push_back(logs.Append(
        kRestricted, i % 3,
        Event(id, v1::EVENT_TYPE_TIER_MISMATCH, v1::VISIBILITY_RESTRICTED,
              mine ? "agency:DEA" : "agency:FBI", "FY2016")));
    if (mine) want.push_back(id);
  }
  Replica a("some");
  a.Feed(records, 9);
  const EventAccess mine = [](const v1::OversightEvent& e) {
    return e.unit() == "agency:DEA";
  };
  std::vector<std::string> got;
  std::string at;
  std::vector<size_t> sizes;
  for (int guard = 0; guard < 100; ++guard) {
    const Page page = a.views->List({}, Decoded(at), mine, 5).value();
    sizes.push_back(page.events.size());
    for (size_t i = 0; i < page.events.size(); ++i) {
      got.push_back(page.events[i].event_id());
      // Resuming from any event's cursor gives what follows it.
      const Page rest =
          a.views->List({}, Decoded(page.cursors[i]), mine, 1000).value();
      EXPECT_EQ(Ids(rest.events), std::vector<std::string>(
                                      want.begin() + got.size(), want.end()));
    }
    if (page.events.empty()) break;
    at = page.next;
  }
  EXPECT_EQ(Bag(got), Bag(want));
  ASSERT_EQ(want.size(), 20u);
  EXPECT_EQ(sizes, (std::vector<size_t>{5, 5, 5, 5, 0}));
  // Every event any page returned is one the reader may see.
  for (const auto& id : got) EXPECT_EQ(id.rfind("mine-", 0), 0u) << id;
}

TEST(ViewsTest, EventsAppendedBetweenPagesAreReturnedOnLaterPages) {
  Standard s = MakeStandard();
  std::vector<kafka::Record> records = s.logs.Interleave(2);
  Replica a("appended");
  a.Feed(records);
  std::vector<std::string> got;
  std::string at;
  int added = 0;
  std::mt19937 rng(3);
  for (int guard = 0; guard < 1000; ++guard) {
    Page page = a.views->List({}, Decoded(at), true, 6).value();
    for (const auto& e : page.events) got.push_back(e.event_id());
    const bool done = page.events.empty() && page.next == Decoded(at).Encode();
    at = page.next;
    if (added < 60) {
      // New events land on every partition, ahead of and behind the page.
      std::vector<kafka::Record> more;
      for (int k = 0; k < 3; ++k, ++added) {
        const bool restricted = added % 4 == 0;
        const auto e = Event(
            StrCat("new-", added),
            restricted ? v1::EVENT_TYPE_LINK_UNSUBSTANTIATED
                       : v1::EVENT_TYPE_TARGET_OVERSHOOT,
            restricted ? v1::VISIBILITY_RESTRICTED : v1::VISIBILITY_PUBLIC,
            Units()[rng() % Units().size()], "FY2016");
        more.push_back(s.logs.Append(restricted ? kRestricted : kPublic,
                                     static_cast<int32_t>(rng() % 3), e));
      }
      records.insert(records.end(), more.begin(), more.end());
      a.Feed(more, 2);
    } else if (done) {
      break;
    }
  }
  const std::vector<std::string> order = ShownInOrder(records);
  EXPECT_EQ(order.size(), 150u);
  EXPECT_EQ(got, order);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), got.size());
}

TEST(ViewsTest, ResumingFromTheCursorOfAnyEventGivesExactlyTheRest) {
  Standard s = MakeStandard();
  Replica a("resume");
  a.Feed(s.logs.Interleave(4), 5);

  std::vector<v1::EventFilter> filters(4);
  filters[1].add_types(v1::EVENT_TYPE_FRUITION_GAP);
  filters[1].add_types(v1::EVENT_TYPE_TIER_MISMATCH);
  filters[2].set_unit("agency:FBI");
  filters[3].set_resolved(false);
  for (bool restricted : {true, false}) {
    for (size_t f = 0; f < filters.size(); ++f) {
      const Page all = All(*a.views, filters[f], restricted);
      const auto ids = Ids(all.events);
      ASSERT_FALSE(ids.empty());
      for (size_t i = 0; i < ids.size(); ++i) {
        const Page rest =
            All(*a.views, filters[f], restricted, Decoded(all.cursors[i]));
        EXPECT_EQ(Ids(rest.events),
                  std::vector<std::string>(ids.begin() + i + 1, ids.end()))
            << "filter " << f << " restricted " << restricted << " after event "
            << i;
        // And in small pages.
        EXPECT_EQ(
            PageThrough(*a.views, filters[f], restricted, 4, all.cursors[i]),
            std::vector<std::string>(ids.begin() + i + 1, ids.end()));
      }
      // The cursors of small pages resume the same way.
      std::string at;
      size_t seen = 0;
      while (true) {
        Page page =
            a.views->List(filters[f], Decoded(at), restricted, 3).value();
        if (page.events.empty()) break;
        for (size_t i = 0; i < page.events.size(); ++i, ++seen) {
          const Page rest =
              All(*a.views, filters[f], restricted, Decoded(page.cursors[i]));
          EXPECT_EQ(Ids(rest.events), std::vector<std::string>(
                                          ids.begin() + seen + 1, ids.end()));
        }
        at = page.next;
      }
      EXPECT_EQ(seen, ids.size());
    }
  }
}

TEST(ViewsTest, ScanMaxMovesOnWithoutLosingEvents) {
  Standard s = MakeStandard();
  Replica a("scanmax");
  a.Feed(s.logs.Interleave(5));
  v1::EventFilter f;
  f.add_types(v1::EVENT_TYPE_REPORT_CONFLICT);
  const auto want = Ids(All(*a.views, f, true).events);
  ASSERT_GT(want.size(), 2u);
  // Few matches, a small scan: pages come back short or empty but move on.
  const Page first = a.views->List(f, Cursor(), true, 10, 2).value();
  EXPECT_NE(first.next, "");
  EXPECT_EQ(PageThrough(*a.views, f, true, 10, "", 2), want);
  EXPECT_EQ(PageThrough(*a.views, f, true, 1, "", 3), want);
}

// ---------------------------------------------------------------------------
// What is shown.

TEST(ViewsTest, AReplayedEventIdIsKeptOnce) {
  Logs logs;
  const auto e1 = Event("dup-1", v1::EVENT_TYPE_FRUITION_GAP,
                        v1::VISIBILITY_PUBLIC, "agency:DEA", "FY2016");
  const auto e2 = Event("dup-2", v1::EVENT_TYPE_LINK_UNSUBSTANTIATED,
                        v1::VISIBILITY_RESTRICTED, "agency:DEA", "FY2016");
  auto replay1 = e1;
  replay1.mutable_emitted_at()->set_seconds(1800000000);  // a later replay
  std::vector<kafka::Record> batch1 = {
      logs.Append(kPublic, 0, e1),
      logs.Append(kPublic, 0, e1),  // in the same batch
      logs.Append(kRestricted, 1, e2),
      logs.Append(kPublic, 1,
                  Event("other", v1::EVENT_TYPE_LNF_SHARE_HIGH,
                        v1::VISIBILITY_PUBLIC, "agency:FBI", "FY2016")),
  };
  std::vector<kafka::Record> batch2 = {
      logs.Append(kPublic, 0, replay1),  // in a later batch
      logs.Append(kRestricted, 1, e2),
      logs.Append(kPublic, 2, e1),  // on another partition
      logs.Append(kPublic, 0,
                  Event("last", v1::EVENT_TYPE_LNF_SHARE_HIGH,
                        v1::VISIBILITY_PUBLIC, "agency:DEA", "FY2016")),
  };
  Replica a("replay");
  a.Feed(batch1, 10);
  a.Feed(batch2, 10);
  const Page all = All(*a.views, {}, true);
  EXPECT_EQ(Ids(all.events),
            (std::vector<std::string>{"dup-1", "dup-2", "other", "last"}));
  EXPECT_EQ(all.events[0].emitted_at().seconds(), 1700000000);  // the first
  // Paging and resuming over the skipped copies.
  EXPECT_EQ(PageThrough(*a.views, {}, true, 1), Ids(all.events));
  const Page rest = All(*a.views, {}, true, Decoded(all.cursors[0]));
  EXPECT_EQ(Ids(rest.events),
            (std::vector<std::string>{"dup-2", "other", "last"}));
  // Read again from the start past the loop's offset dedupe (a restart that
  // lost its offsets): still once.
  {
    store::KvTx tx(a.store.get());
    ASSERT_TRUE(a.views->Apply(tx, logs.Interleave(9), {}).ok());
    ASSERT_TRUE(a.store->Commit(tx).ok());
  }
  EXPECT_EQ(Ids(All(*a.views, {}, true).events), Ids(all.events));
}

TEST(ViewsTest, AnEventOnTheWrongTopicForItsVisibilityIsNotShown) {
  Logs logs;
  std::vector<kafka::Record> records = {
      // RESTRICTED on the public topic: never shown, to anyone.
      logs.Append(kPublic, 0,
                  Event("leak", v1::EVENT_TYPE_TIER_MISMATCH,
                        v1::VISIBILITY_RESTRICTED, "agency:DEA", "FY2016")),
      // PUBLIC on the restricted topic: not shown either.
      logs.Append(kRestricted, 0,
                  Event("misplaced", v1::EVENT_TYPE_FRUITION_GAP,
                        v1::VISIBILITY_PUBLIC, "agency:DEA", "FY2016")),
      // UNSPECIFIED visibility on either topic.
      logs.Append(kPublic, 0,
                  Event("unspecified-p", v1::EVENT_TYPE_FRUITION_GAP,
                        v1::VISIBILITY_UNSPECIFIED, "agency:DEA", "FY2016")),
      logs.Append(kRestricted, 0,
                  Event("unspecified-r", v1::EVENT_TYPE_FRUITION_GAP,
                        v1::VISIBILITY_UNSPECIFIED, "agency:DEA", "FY2016")),
      // Not an event; an event without an id.
      logs.Append(kPublic, 0, std::string("\xff\xff\xff garbage", 11)),
      logs.Append(kPublic, 0,
                  Event("", v1::EVENT_TYPE_FRUITION_GAP, v1::VISIBILITY_PUBLIC,
                        "agency:DEA", "FY2016")),
      logs.Append(kPublic, 0,
                  Event("ok-p", v1::EVENT_TYPE_FRUITION_GAP,
                        v1::VISIBILITY_PUBLIC, "agency:DEA", "FY2016")),
      logs.Append(kRestricted, 0,
                  Event("ok-r", v1::EVENT_TYPE_TIER_MISMATCH,
                        v1::VISIBILITY_RESTRICTED, "agency:DEA", "FY2016")),
  };
  // The record that is not an event stops reading there: nothing of its
  // batch (records 3 to 5) is committed.
  const kafka::Record& garbage = records[4];
  Replica stopped("wrongtopic-stopped");
  const absl::Status s = stopped.TryFeed(records, 3);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  const auto poison = stream::PoisonOf(s);
  ASSERT_TRUE(poison.has_value()) << s;
  EXPECT_EQ(poison->tp, kafka::TopicPartition(kPublic, 0));
  EXPECT_EQ(poison->offset, garbage.offset);
  EXPECT_EQ(store::Ok(stopped.views->StartOffsets()).at({kPublic, 0}), 2);
  EXPECT_EQ(store::Ok(stopped.views->StartOffsets()).at({kRestricted, 0}), 1);

  // Unless the operator skips it.
  Replica a("wrongtopic");
  std::vector<stream::PoisonRecord> skipped;
  ASSERT_TRUE(
      a.TryFeed(records, 3, {{{kPublic, 0}, garbage.offset}}, &skipped).ok());
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].offset, garbage.offset);
  EXPECT_EQ(Ids(All(*a.views, {}, true).events),
            (std::vector<std::string>{"ok-p", "ok-r"}));
  EXPECT_EQ(Ids(All(*a.views, {}, false).events),
            (std::vector<std::string>{"ok-p"}));
  // The skipped records still count as read.
  const kafka::StartOffsets offsets = store::Ok(a.views->StartOffsets());
  EXPECT_EQ(offsets.at({kPublic, 0}), 5);
  EXPECT_EQ(offsets.at({kRestricted, 0}), 3);
}

bool Expected(const v1::EventFilter& f, bool restricted,
              const v1::OversightEvent& e) {
  if (!restricted && e.visibility() != v1::VISIBILITY_PUBLIC) return false;
  if (f.types_size() > 0 && std::find(f.types().begin(), f.types().end(),
                                      e.type()) == f.types().end()) {
    return false;
  }
  if (!f.unit().empty() && f.unit() != e.unit()) return false;
  if (!f.period().empty() && f.period() != e.period()) return false;
  if (f.visibility() != v1::VISIBILITY_UNSPECIFIED &&
      f.visibility() != e.visibility()) {
    return false;
  }
  if (f.has_resolved() && f.resolved() != e.resolved()) return false;
  return true;
}

TEST(ViewsTest, PublicNeverSeesRestrictedAndFiltersSelect) {
  Standard s = MakeStandard();
  const auto records = s.logs.Interleave(6);
  Replica a("filters");
  a.Feed(records);
  std::map<std::string, v1::OversightEvent> by_id;
  for (const auto& e : s.events) by_id[e.event_id()] = e;
  const auto order = ShownInOrder(records);

  std::vector<std::pair<std::string, v1::EventFilter>> filters;
  filters.emplace_back("none", v1::EventFilter());
  {
    v1::EventFilter f;
    f.add_types(v1::EVENT_TYPE_SCORECARD_PUBLISHED);
    filters.emplace_back("scorecard type", f);
    f.add_types(v1::EVENT_TYPE_TARGET_OVERSHOOT);
    f.add_types(v1::EVENT_TYPE_LINK_UNSUBSTANTIATED);
    filters.emplace_back("three types", f);
  }
  for (const auto& u : Units()) {
    v1::EventFilter f;
    f.set_unit(u);
    filters.emplace_back("unit " + u, f);
  }
  for (const std::string p : {"FY2016", "FY2016Q1", "FY2017", "FY2020"}) {
    v1::EventFilter f;
    f.set_period(p);
    filters.emplace_back("period " + p, f);
  }
  for (auto v : {v1::VISIBILITY_PUBLIC, v1::VISIBILITY_RESTRICTED}) {
    v1::EventFilter f;
    f.set_visibility(v);
    filters.emplace_back(v1::Visibility_Name(v), f);
  }
  for (bool r : {true, false}) {
    v1::EventFilter f;
    f.set_resolved(r);
    filters.emplace_back(StrCat("resolved ", r), f);
  }
  {
    v1::EventFilter f;
    f.set_unit("agency:DEA");
    f.set_period("FY2016");
    f.set_resolved(false);
    f.add_types(v1::EVENT_TYPE_SCORECARD_PUBLISHED);
    f.add_types(v1::EVENT_TYPE_TIER_MISMATCH);
    f.add_types(v1::EVENT_TYPE_FRUITION_GAP);
    filters.emplace_back("combined", f);
  }
  int public_seen = 0;
  for (const auto& [name, f] : filters) {
    for (bool restricted : {true, false}) {
      std::vector<std::string> want;
      for (const auto& id : order) {
        if (Expected(f, restricted, by_id[id])) want.push_back(id);
      }
      const Page page = All(*a.views, f, restricted);
      EXPECT_EQ(Ids(page.events), want) << name << " restricted " << restricted;
      EXPECT_EQ(PageThrough(*a.views, f, restricted, 4), want) << name;
      for (const auto& e : page.events) {
        EXPECT_TRUE(Matches(f, e)) << name << " " << e.event_id();
        if (!restricted) {
          EXPECT_EQ(e.visibility(), v1::VISIBILITY_PUBLIC)
              << name << " showed " << e.event_id() << " to the public";
          ++public_seen;
        }
      }
    }
  }
  EXPECT_GT(public_seen, 0);
  // The unfiltered sets: 60 public, 30 restricted.
  EXPECT_EQ(All(*a.views, {}, false).events.size(), 60u);
  EXPECT_EQ(All(*a.views, {}, true).events.size(), 90u);
}

// ---------------------------------------------------------------------------
// Replicas.

TEST(ViewsTest, ACursorFromOneReplicaResumesOnAnother) {
  Standard s = MakeStandard();
  // Replays on the topics, as a reconciler restart would write them.
  for (int i = 0; i < 90; i += 11) {
    const auto& e = s.events[i];
    const bool restricted = e.visibility() == v1::VISIBILITY_RESTRICTED;
    const size_t unit =
        std::find(Units().begin(), Units().end(), e.unit()) - Units().begin();
    s.logs.Append(restricted ? kRestricted : kPublic,
                  static_cast<int32_t>(unit % (restricted ? 2 : 3)), e);
  }
  Replica a("replica_a");
  Replica b("replica_b");
  Replica c("replica_c");
  a.Feed(s.logs.Interleave(7), 4);
  b.Feed(s.logs.Interleave(8), 9);
  c.Feed(s.logs.PartitionByPartition(), 5);
  const auto a_ids = Ids(All(*a.views, {}, true).events);
  ASSERT_EQ(a_ids.size(), 90u);
  ASSERT_NE(a_ids, Ids(All(*b.views, {}, true).events));  // other orders
  ASSERT_NE(a_ids, Ids(All(*c.views, {}, true).events));

  v1::EventFilter gap;
  gap.add_types(v1::EVENT_TYPE_FRUITION_GAP);
  gap.add_types(v1::EVENT_TYPE_LINK_UNSUBSTANTIATED);
  for (const auto& [name, f] :
       std::vector<std::pair<std::string, v1::EventFilter>>{{"none", {}},
                                                            {"types", gap}}) {
    for (bool restricted : {true, false}) {
      const Page all = All(*a.views, f, restricted);
      const auto ids = Ids(all.events);
      for (size_t i = 0; i < ids.size(); ++i) {
        const std::multiset<std::string> want(ids.begin() + i + 1, ids.end());
        for (Replica* other : {&b, &c}) {
          const Page rest =
              All(*other->views, f, restricted, Decoded(all.cursors[i]));
          EXPECT_EQ(Bag(Ids(rest.events)), want)
              << name << " restricted " << restricted << " after " << i;
          EXPECT_EQ(
              Bag(PageThrough(*other->views, f, restricted, 3, all.cursors[i])),
              want)
              << name << " after " << i;
        }
      }
    }
  }
  // Back and forth: a page on a, the next on b, the next on c, ...
  std::vector<std::string> got;
  std::string at;
  Replica* replicas[] = {&a, &b, &c};
  for (int k = 0; k < 1000; ++k) {
    Page page = replicas[k % 3]->views->List({}, Decoded(at), true, 7).value();
    if (page.events.empty() && page.next == Decoded(at).Encode()) break;
    for (const auto& e : page.events) got.push_back(e.event_id());
    at = page.next;
  }
  EXPECT_EQ(Bag(got), Bag(a_ids));
}

TEST(ViewsTest, ACursorFromAReplicaAheadResumesOnOneBehind) {
  Standard s = MakeStandard();
  const auto records = s.logs.Interleave(10);
  Replica a("ahead");
  a.Feed(records, 6);
  const Page all = All(*a.views, {}, true);
  const auto ids = Ids(all.events);
  // b has read a different, partial interleaving: half of it.
  const auto other = s.logs.Interleave(11);
  for (size_t i = 0; i < ids.size(); i += 9) {
    Replica b(StrCat("behind", i));
    const size_t half = other.size() / 2;
    b.Feed({other.begin(), other.begin() + half}, 4);
    std::vector<std::string> got;
    std::string at = all.cursors[i];
    Page page = b.views->List({}, Decoded(at), true, 1000).value();
    for (const auto& e : page.events) got.push_back(e.event_id());
    at = page.next;
    // b catches up; the client goes on from where b left it.
    b.Feed({other.begin() + half, other.end()}, 4);
    const auto rest = PageThrough(*b.views, {}, true, 5, at);
    got.insert(got.end(), rest.begin(), rest.end());
    EXPECT_EQ(Bag(got), Bag({ids.begin() + i + 1, ids.end()})) << i;
  }
}

// ---------------------------------------------------------------------------
// Scorecards.

v1::Scorecard Card(const std::string& unit, const std::string& period,
                   int64_t revision, double arrests) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period(period);
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  c.set_revision(revision);
  c.set_scorecard_id(StrCat(unit, "/", period, "/", revision));
  auto* i = c.add_indicators();
  i->set_name("arrests");
  i->set_value(arrests);
  i->set_n(static_cast<int64_t>(arrests));
  i->set_defined(true);
  return c;
}

TEST(ViewsTest, ScorecardsLatestWinsAndAreListedByPeriodAndKind) {
  Logs logs;
  std::vector<kafka::Record> records;
  const auto put = [&](const v1::Scorecard& c, int32_t p) {
    records.push_back(logs.Append(kScores, p, c.SerializeAsString()));
  };
  put(Card("agency:DEA", "FY2016", 1, 10), 0);
  put(Card("agency:FBI", "FY2016", 1, 20), 1);
  put(Card("district:EDPA", "FY2016", 1, 30), 2);
  put(Card("agency:DEA", "FY2016", 2, 11), 0);  // a later revision
  put(Card("field_office:DEA-PHILADELPHIA", "FY2016", 1, 40), 0);
  put(Card("agency:DEA", "FY2016Q1", 1, 5), 0);
  put(Card("agency:ATF", "FY2017", 1, 7), 1);
  put(Card("agency:DEA", "FY2016", 3, 12), 0);  // latest
  put(Card("district:EDPA", "FY2016", 2, 31), 2);
  const kafka::Record garbage = logs.Append(kScores, 1, "\xff not a card");
  records.push_back(garbage);
  put(Card("", "FY2016", 1, 99), 1);  // no unit: ignored
  // Not a card: reading stops there unless the operator skips it.
  ExpectStopsAt(records, 3, garbage);
  Replica a("cards");
  a.Feed(records, 3, SkipOf(garbage));

  auto dea =
      a.views->Card(CardView::kRestricted, "agency:DEA", "FY2016").value();
  ASSERT_TRUE(dea.has_value());
  EXPECT_EQ(dea->revision(), 3);
  EXPECT_EQ(dea->indicators(0).value(), 12);
  EXPECT_EQ(a.views->Card(CardView::kRestricted, "district:EDPA", "FY2016")
                .value()
                ->revision(),
            2);
  EXPECT_EQ(a.views->Card(CardView::kRestricted, "agency:DEA", "FY2016Q1")
                .value()
                ->indicators(0)
                .value(),
            5);
  EXPECT_FALSE(a.views->Card(CardView::kRestricted, "agency:DEA", "FY2017")
                   .value()
                   .has_value());
  EXPECT_FALSE(a.views->Card(CardView::kRestricted, "agency:NOPE", "FY2016")
                   .value()
                   .has_value());
  EXPECT_FALSE(
      a.views->Card(CardView::kRestricted, "", "FY2016").value().has_value());

  const auto units = [](const std::vector<v1::Scorecard>& cards) {
    std::vector<std::string> out;
    out.reserve(cards.size());
    for (const auto& c : cards) out.push_back(c.unit());
    return out;
  };
  EXPECT_EQ(
      units(
          a.views->Cards(CardView::kRestricted, "FY2016", "", "", 100).value()),
      (std::vector<std::string>{"agency:DEA", "agency:FBI", "district:EDPA",
                                "field_office:DEA-PHILADELPHIA"}));
  EXPECT_EQ(a.views->Cards(CardView::kRestricted, "FY2016", "", "", 100)
                .value()[0]
                .revision(),
            3);
  EXPECT_EQ(
      units(a.views->Cards(CardView::kRestricted, "FY2016", "agency", "", 100)
                .value()),
      (std::vector<std::string>{"agency:DEA", "agency:FBI"}));
  EXPECT_EQ(
      units(a.views->Cards(CardView::kRestricted, "FY2016", "district", "", 100)
                .value()),
      (std::vector<std::string>{"district:EDPA"}));
  EXPECT_TRUE(a.views->Cards(CardView::kRestricted, "FY2016", "area", "", 100)
                  .value()
                  .empty());
  EXPECT_TRUE(a.views->Cards(CardView::kRestricted, "FY2015", "", "", 100)
                  .value()
                  .empty());
  EXPECT_EQ(units(a.views->Cards(CardView::kRestricted, "FY2016Q1", "", "", 100)
                      .value()),
            (std::vector<std::string>{"agency:DEA"}));
  // Paging by unit.
  EXPECT_EQ(
      units(a.views->Cards(CardView::kRestricted, "FY2016", "", "", 2).value()),
      (std::vector<std::string>{"agency:DEA", "agency:FBI"}));
  EXPECT_EQ(
      units(a.views->Cards(CardView::kRestricted, "FY2016", "", "agency:FBI", 2)
                .value()),
      (std::vector<std::string>{"district:EDPA",
                                "field_office:DEA-PHILADELPHIA"}));
  EXPECT_TRUE(a.views
                  ->Cards(CardView::kRestricted, "FY2016", "",
                          "field_office:DEA-PHILADELPHIA", 2)
                  .value()
                  .empty());
  EXPECT_EQ(units(a.views
                      ->Cards(CardView::kRestricted, "FY2016", "agency",
                              "agency:DEA", 5)
                      .value()),
            (std::vector<std::string>{"agency:FBI"}));

  std::vector<std::string> all_units, periods;
  ASSERT_TRUE(
      a.views->UnitsAndPeriods(CardView::kRestricted, &all_units, &periods)
          .ok());
  EXPECT_EQ(all_units, (std::vector<std::string>{
                           "agency:ATF", "agency:DEA", "agency:FBI",
                           "district:EDPA", "field_office:DEA-PHILADELPHIA"}));
  EXPECT_EQ(periods,
            (std::vector<std::string>{"FY2016", "FY2016Q1", "FY2017"}));
  // No events from scorecards.
  EXPECT_TRUE(All(*a.views, {}, true).events.empty());
  // Restricted cards are not the public view.
  EXPECT_FALSE(a.views->Card(CardView::kPublic, "agency:DEA", "FY2016")
                   .value()
                   .has_value());
  EXPECT_TRUE(
      a.views->Cards(CardView::kPublic, "FY2016", "", "", 100).value().empty());
  ASSERT_TRUE(
      a.views->UnitsAndPeriods(CardView::kPublic, &all_units, &periods).ok());
  EXPECT_TRUE(all_units.empty());
  EXPECT_TRUE(periods.empty());
}

// A public view as scoring's disclosure stage writes it: a withheld cell is
// `suppressed` with value 0, n 0, defined false.
v1::Scorecard PublicCard(const std::string& unit, const std::string& period,
                         int64_t revision, double arrests, bool lags) {
  v1::Scorecard c = Card(unit, period, revision, arrests);
  c.set_public_view(true);
  c.set_lags_current(lags);
  c.set_scorecard_id(StrCat("public/", c.scorecard_id()));
  c.add_indicators()->set_name("mean_desert");
  c.mutable_indicators(1)->set_suppressed(true);
  return c;
}

TEST(ViewsTest, PublicScorecardsAreReadFromTheirOwnTopicIntoTheirOwnTables) {
  Logs logs;
  std::vector<kafka::Record> records;
  const auto put = [&](const std::string& topic, const v1::Scorecard& c,
                       int32_t p) {
    records.push_back(logs.Append(topic, p, c.SerializeAsString()));
  };
  // Restricted cards of four units; public views of three of them (the
  // district's has not been published yet).
  put(kScores, Card("agency:DEA", "FY2016", 5, 30), 0);
  put(kScores, Card("agency:FBI", "FY2016", 2, 40), 1);
  put(kScores, Card("field_office:DEA-PHILADELPHIA", "FY2016", 1, 12), 0);
  put(kScores, Card("district:EDPA", "FY2016", 1, 50), 2);
  put(kScoresPublic, PublicCard("agency:DEA", "FY2016", 1, 20, false), 0);
  put(kScoresPublic, PublicCard("agency:FBI", "FY2016", 1, 40, false), 1);
  put(kScoresPublic, PublicCard("agency:DEA", "FY2016", 2, 25, true), 0);
  put(kScoresPublic,
      PublicCard("field_office:DEA-PHILADELPHIA", "FY2016", 1, 12, false), 3);
  put(kScoresPublic, PublicCard("agency:DEA", "FY2017", 1, 7, false), 3);
  // Unreadable or unfit records on the public topic: not shown (the
  // unreadable one stops reading unless the operator skips it).
  const kafka::Record garbage =
      logs.Append(kScoresPublic, 1, "\xff not a card");
  records.push_back(garbage);
  put(kScoresPublic, PublicCard("", "FY2016", 1, 99, false), 1);
  v1::Scorecard not_public = Card("district:EDPA", "FY2016", 1, 50);
  put(kScoresPublic, not_public, 2);  // public_view unset
  ExpectStopsAt(records, 3, garbage);
  Replica a("public_cards");
  a.Feed(records, 3, SkipOf(garbage));

  // The latest public card, exactly as published; the restricted one apart.
  auto dea = a.views->Card(CardView::kPublic, "agency:DEA", "FY2016").value();
  ASSERT_TRUE(dea.has_value());
  EXPECT_EQ(
      dea->SerializeAsString(),
      PublicCard("agency:DEA", "FY2016", 2, 25, true).SerializeAsString());
  EXPECT_TRUE(dea->lags_current());
  auto restricted =
      a.views->Card(CardView::kRestricted, "agency:DEA", "FY2016").value();
  ASSERT_TRUE(restricted.has_value());
  EXPECT_EQ(restricted->SerializeAsString(),
            Card("agency:DEA", "FY2016", 5, 30).SerializeAsString());
  EXPECT_FALSE(a.views->Card(CardView::kPublic, "district:EDPA", "FY2016")
                   .value()
                   .has_value());
  EXPECT_TRUE(a.views->Card(CardView::kRestricted, "district:EDPA", "FY2016")
                  .value()
                  .has_value());
  EXPECT_FALSE(
      a.views->Card(CardView::kPublic, "", "FY2016").value().has_value());
  EXPECT_FALSE(a.views->Card(CardView::kRestricted, "agency:DEA", "FY2017")
                   .value()
                   .has_value());

  const auto units = [](const std::vector<v1::Scorecard>& cards) {
    std::vector<std::string> out;
    for (const auto& c : cards) {
      EXPECT_TRUE(c.public_view()) << c.unit();
      out.push_back(c.unit());
    }
    return out;
  };
  EXPECT_EQ(
      units(a.views->Cards(CardView::kPublic, "FY2016", "", "", 100).value()),
      (std::vector<std::string>{"agency:DEA", "agency:FBI",
                                "field_office:DEA-PHILADELPHIA"}));
  EXPECT_EQ(a.views->Cards(CardView::kPublic, "FY2016", "", "", 100)
                .value()[0]
                .revision(),
            2);
  EXPECT_EQ(units(a.views->Cards(CardView::kPublic, "FY2016", "agency", "", 100)
                      .value()),
            (std::vector<std::string>{"agency:DEA", "agency:FBI"}));
  EXPECT_TRUE(a.views->Cards(CardView::kPublic, "FY2016", "district", "", 100)
                  .value()
                  .empty());
  EXPECT_EQ(
      units(a.views->Cards(CardView::kPublic, "FY2016", "", "agency:DEA", 1)
                .value()),
      (std::vector<std::string>{"agency:FBI"}));
  EXPECT_EQ(
      units(a.views->Cards(CardView::kPublic, "FY2017", "", "", 100).value()),
      (std::vector<std::string>{"agency:DEA"}));
  EXPECT_TRUE(a.views->Cards(CardView::kRestricted, "FY2017", "", "", 100)
                  .value()
                  .empty());

  std::vector<std::string> all_units, periods;
  ASSERT_TRUE(
      a.views->UnitsAndPeriods(CardView::kPublic, &all_units, &periods).ok());
  EXPECT_EQ(all_units,
            (std::vector<std::string>{"agency:DEA", "agency:FBI",
                                      "field_office:DEA-PHILADELPHIA"}));
  EXPECT_EQ(periods, (std::vector<std::string>{"FY2016", "FY2017"}));
  ASSERT_TRUE(
      a.views->UnitsAndPeriods(CardView::kRestricted, &all_units, &periods)
          .ok());
  EXPECT_EQ(all_units, (std::vector<std::string>{
                           "agency:DEA", "agency:FBI", "district:EDPA",
                           "field_office:DEA-PHILADELPHIA"}));
  EXPECT_EQ(periods, (std::vector<std::string>{"FY2016"}));

  // Every record's offset is kept, the skipped ones' too.
  EXPECT_EQ(store::Ok(a.views->StartOffsets()).at({kScoresPublic, 0}), 2);
  EXPECT_EQ(store::Ok(a.views->StartOffsets()).at({kScoresPublic, 1}), 3);
  EXPECT_EQ(store::Ok(a.views->StartOffsets()).at({kScoresPublic, 2}), 1);
  EXPECT_EQ(store::Ok(a.views->StartOffsets()).at({kScoresPublic, 3}), 2);
  EXPECT_TRUE(All(*a.views, {}, true).events.empty());
}

// ---------------------------------------------------------------------------
// History: every version of both views.

std::vector<int64_t> Revisions(const std::vector<CardVersion>& versions) {
  std::vector<int64_t> out;
  out.reserve(versions.size());
  for (const auto& v : versions) out.push_back(v.card.revision());
  return out;
}

TEST(ViewsTest, HistoryKeepsEveryVersionOfBothViewsOldestFirst) {
  Logs logs;
  std::vector<kafka::Record> records;
  int64_t clock = 1700000000000;
  const auto put = [&](const std::string& topic, const v1::Scorecard& c,
                       int32_t p) {
    kafka::Record r = logs.Append(topic, p, c.SerializeAsString());
    r.timestamp_ms = clock;
    clock += 1000;
    records.push_back(r);
  };
  put(kScores, Card("agency:DEA", "FY2016", 1, 10), 0);
  put(kScores, Card("agency:FBI", "FY2016", 1, 20), 1);
  put(kScores, Card("agency:DEA", "FY2016", 2, 11), 0);
  put(kScoresPublic, PublicCard("agency:DEA", "FY2016", 1, 10, false), 0);
  put(kScores, Card("agency:DEA", "FY2016", 3, 12), 0);
  put(kScores, Card("agency:DEA", "FY2017", 1, 3), 0);
  Replica a("history");
  a.Feed(records, 2);

  auto page =
      a.views->Versions(CardView::kRestricted, "agency:DEA", "FY2016", "", 10)
          .value();
  EXPECT_EQ(Revisions(page.versions), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(page.next, "");
  ASSERT_EQ(page.versions.size(), 3u);
  EXPECT_EQ(page.versions[0].at_ms, 1700000000000);
  EXPECT_EQ(page.versions[1].at_ms, 1700000002000);
  EXPECT_EQ(page.versions[2].offset, 2);  // p0: DEA 1, 2, 3
  EXPECT_EQ(page.versions[2].card.indicators(0).value(), 12);
  // The public view has its own history.
  auto pub =
      a.views->Versions(CardView::kPublic, "agency:DEA", "FY2016", "", 10)
          .value();
  ASSERT_EQ(pub.versions.size(), 1u);
  EXPECT_TRUE(pub.versions[0].card.public_view());
  EXPECT_TRUE(
      a.views->Versions(CardView::kPublic, "agency:FBI", "FY2016", "", 10)
          .value()
          .versions.empty());
  // Paging: two, then the rest, then a bad position names `after`.
  auto first =
      a.views->Versions(CardView::kRestricted, "agency:DEA", "FY2016", "", 2)
          .value();
  EXPECT_EQ(Revisions(first.versions), (std::vector<int64_t>{1, 2}));
  ASSERT_FALSE(first.next.empty());
  auto rest = a.views
                  ->Versions(CardView::kRestricted, "agency:DEA", "FY2016",
                             first.next, 2)
                  .value();
  EXPECT_EQ(Revisions(rest.versions), (std::vector<int64_t>{3}));
  EXPECT_EQ(rest.next, "");
  const auto bad = a.views->Versions(CardView::kRestricted, "agency:DEA",
                                     "FY2016", "x.1", 2);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("after"), std::string::npos);

  // A record applied again (a replay from an older offset) is kept once.
  {
    store::KvTx tx(a.store.get());
    ASSERT_TRUE(a.views->Apply(tx, records, {}).ok());
    ASSERT_TRUE(a.store->Commit(tx).ok());
  }
  EXPECT_EQ(Revisions(a.views
                          ->Versions(CardView::kRestricted, "agency:DEA",
                                     "FY2016", "", 10)
                          .value()
                          .versions),
            (std::vector<int64_t>{1, 2, 3}));
  // The same card published again at a later position (a producer's
  // replay) is not a new version, even after a newer one.
  {
    std::vector<kafka::Record> again;
    const auto republish = [&](const v1::Scorecard& c) {
      kafka::Record r = logs.Append(kScores, 0, c.SerializeAsString());
      r.timestamp_ms = clock;
      clock += 1000;
      again.push_back(r);
    };
    republish(Card("agency:DEA", "FY2016", 3, 12));  // == the latest
    republish(Card("agency:DEA", "FY2016", 3, 12));
    a.Feed(again, 1);
    EXPECT_EQ(Revisions(a.views
                            ->Versions(CardView::kRestricted, "agency:DEA",
                                       "FY2016", "", 10)
                            .value()
                            .versions),
              (std::vector<int64_t>{1, 2, 3}));
    again.clear();
    republish(Card("agency:DEA", "FY2016", 4, 13));
    republish(Card("agency:DEA", "FY2016", 3, 12));  // replayed: not new
    republish(Card("agency:DEA", "FY2016", 4, 13));
    a.Feed(again, 2);
    EXPECT_EQ(Revisions(a.views
                            ->Versions(CardView::kRestricted, "agency:DEA",
                                       "FY2016", "", 10)
                            .value()
                            .versions),
              (std::vector<int64_t>{1, 2, 3, 4}));
  }
  // The history survives a restart.
  a.Reopen();
  EXPECT_EQ(
      a.views->Versions(CardView::kRestricted, "agency:DEA", "FY2016", "", 10)
          .value()
          .versions.size(),
      4u);
}

TEST(ViewsTest, CardsAsOfGivesEachUnitsLatestVersionBeforeTheOffsets) {
  Logs logs;
  std::vector<kafka::Record> records;
  const auto put = [&](const v1::Scorecard& c, int32_t p) {
    records.push_back(logs.Append(kScoresPublic, p, c.SerializeAsString()));
  };
  put(PublicCard("agency:DEA", "FY2016", 1, 20, false), 0);     // p0 o0
  put(PublicCard("agency:FBI", "FY2016", 1, 30, false), 1);     // p1 o0
  put(PublicCard("agency:DEA", "FY2016", 2, 40, false), 0);     // p0 o1
  put(PublicCard("district:EDPA", "FY2016", 1, 50, false), 1);  // p1 o1
  put(PublicCard("agency:FBI", "FY2017", 1, 60, false), 1);     // p1 o2
  put(PublicCard("agency:FBI", "FY2016", 2, 70, false), 1);     // p1 o3
  Replica a("as-of");
  a.Feed(records, 4);
  EXPECT_EQ(a.views->NextOffsets(CardView::kPublic).value(),
            (std::vector<int64_t>{2, 4}));
  EXPECT_TRUE(a.views->NextOffsets(CardView::kRestricted).value().empty());

  const auto arrests = [](const std::vector<v1::Scorecard>& cards) {
    std::vector<std::pair<std::string, double>> out;
    out.reserve(cards.size());
    for (const auto& c : cards) {
      out.emplace_back(c.unit(), c.indicators(0).value());
    }
    return out;
  };
  using Got = std::vector<std::pair<std::string, double>>;
  // Now: the latest of each.
  EXPECT_EQ(
      arrests(
          a.views->CardsAsOf(CardView::kPublic, "FY2016", "", {2, 4}).value()),
      (Got{{"agency:DEA", 40}, {"agency:FBI", 70}, {"district:EDPA", 50}}));
  // Before DEA's second and FBI's second version and EDPA's first.
  EXPECT_EQ(
      arrests(
          a.views->CardsAsOf(CardView::kPublic, "FY2016", "", {1, 1}).value()),
      (Got{{"agency:DEA", 20}, {"agency:FBI", 30}}));
  EXPECT_EQ(
      arrests(a.views->CardsAsOf(CardView::kPublic, "FY2016", "agency", {2, 3})
                  .value()),
      (Got{{"agency:DEA", 40}, {"agency:FBI", 30}}));
  // A partition the offsets do not name: nothing of it.
  EXPECT_EQ(
      arrests(a.views->CardsAsOf(CardView::kPublic, "FY2016", "", {2}).value()),
      (Got{{"agency:DEA", 40}}));
  EXPECT_TRUE(
      a.views->CardsAsOf(CardView::kPublic, "FY2016", "", {}).value().empty());
  EXPECT_TRUE(a.views->CardsAsOf(CardView::kRestricted, "FY2016", "", {2, 4})
                  .value()
                  .empty());
}

// ---------------------------------------------------------------------------
// Offsets and change notification.

TEST(ViewsTest, QueriesReturnStoreErrorsInsteadOfNothing) {
  Logs logs;
  Replica a("query-errors");
  a.Feed({logs.Append(kPublic, 0,
                      Event("e1", v1::EVENT_TYPE_FRUITION_GAP,
                            v1::VISIBILITY_PUBLIC, "agency:DEA", "FY2016"))});
  a.Feed({logs.Append(
      kScores, 0, Card("agency:DEA", "FY2016", 1, 10).SerializeAsString())});
  ASSERT_EQ(All(*a.views, {}, true).events.size(), 1u);

  // A read the store refuses is an error for every query, never "nothing
  // stored" (an empty page, no card, no units).
  a.store->SetReadFault([](int, std::string_view) {
    return absl::UnavailableError("injected read fault");
  });
  EXPECT_EQ(a.views->List({}, Cursor(), true, 10).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(a.views->Card(CardView::kRestricted, "agency:DEA", "FY2016")
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(a.views->Cards(CardView::kRestricted, "FY2016", "", "", 10)
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
  std::vector<std::string> units, periods;
  EXPECT_EQ(
      a.views->UnitsAndPeriods(CardView::kRestricted, &units, &periods).code(),
      absl::StatusCode::kUnavailable);
  a.store->SetReadFault(nullptr);

  // A stored event or card that does not parse is DATA_LOSS naming it.
  {
    store::KvTx tx(a.store.get());
    tx.Put(kEvents, store::Decimal(1, 20), "\xff not an event");
    tx.Put(kCards, store::JoinKey({"agency:DEA", "FY2016"}), "\xff not a card");
    ASSERT_TRUE(a.store->Commit(tx).ok());
  }
  const auto listed = a.views->List({}, Cursor(), true, 10);
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(listed.status().message().find("events"), std::string::npos)
      << listed.status();
  EXPECT_EQ(a.views->Card(CardView::kRestricted, "agency:DEA", "FY2016")
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
}

TEST(ViewsTest, StartOffsetsFollowCommits) {
  Standard s = MakeStandard();
  auto records = s.logs.Interleave(12);
  records.push_back(s.logs.Append(
      kScores, 4, Card("agency:DEA", "FY2016", 1, 3).SerializeAsString()));
  // Unreadable records, skipped by the operator.
  stream::SkipSet skip;
  const auto unreadable = [&](const std::string& topic, int32_t p,
                              const std::string& value) {
    records.push_back(s.logs.Append(topic, p, value));
    skip.insert(*SkipOf(records.back()).begin());
  };
  unreadable(kScores, 4, "garbage");
  records.push_back(s.logs.Append(
      kScoresPublic, 7,
      PublicCard("agency:DEA", "FY2016", 1, 3, false).SerializeAsString()));
  unreadable(kScoresPublic, 7, "garbage");
  unreadable(kScoresPublic, 7, "more garbage");
  records.push_back(s.logs.Append("some.other.topic", 0, "x"));
  Replica a("offsets");
  EXPECT_TRUE(store::Ok(a.views->StartOffsets()).empty());

  // Applied but not committed: nothing yet.
  {
    store::KvTx tx(a.store.get());
    stream::Applied applied;
    ASSERT_TRUE(
        stream::ApplyBatch(*a.views, tx, records, {}, skip, &applied).ok());
    EXPECT_EQ(applied.skipped.size(), 3u);
    EXPECT_TRUE(store::Ok(a.views->StartOffsets()).empty());
    EXPECT_TRUE(All(*a.views, {}, true).events.empty());
    EXPECT_FALSE(a.views->Card(CardView::kPublic, "agency:DEA", "FY2016")
                     .value()
                     .has_value());
    ASSERT_TRUE(a.store->Commit(tx).ok());
  }
  std::map<std::pair<std::string, int32_t>, int64_t> want;
  for (const auto& r : records) {
    if (r.topic != kPublic && r.topic != kRestricted && r.topic != kScores &&
        r.topic != kScoresPublic) {
      continue;
    }
    want[{r.topic, r.partition}] =
        std::max(want[{r.topic, r.partition}], r.offset + 1);
  }
  EXPECT_EQ(store::Ok(a.views->StartOffsets()), want);
  EXPECT_EQ(store::Ok(a.views->StartOffsets()).at({kScores, 4}), 2);
  EXPECT_EQ(store::Ok(a.views->StartOffsets()).at({kScoresPublic, 7}), 3);

  // After a restart: the same offsets, events and cards.
  const auto before = Ids(All(*a.views, {}, true).events);
  a.Reopen();
  EXPECT_EQ(store::Ok(a.views->StartOffsets()), want);
  EXPECT_EQ(Ids(All(*a.views, {}, true).events), before);
  EXPECT_TRUE(a.views->Card(CardView::kRestricted, "agency:DEA", "FY2016")
                  .value()
                  .has_value());
  EXPECT_TRUE(a.views->Card(CardView::kPublic, "agency:DEA", "FY2016")
                  .value()
                  .has_value());

  // More records move them on; cursors taken before the restart still work.
  const auto more =
      s.logs.Append(kPublic, 1,
                    Event("after-restart", v1::EVENT_TYPE_FRUITION_GAP,
                          v1::VISIBILITY_PUBLIC, "agency:DEA", "FY2016"));
  a.Feed({more});
  EXPECT_EQ(store::Ok(a.views->StartOffsets()).at({kPublic, 1}),
            more.offset + 1);
  const Page all = All(*a.views, {}, true);
  ASSERT_EQ(all.events.size(), 91u);
  EXPECT_EQ(all.events.back().event_id(), "after-restart");
}

TEST(ViewsTest, WaitForChangeWakesOnCommit) {
  // Leaked on purpose if the waiter never wakes (the test then fails
  // instead of hanging on join).
  auto* a = new Replica("wait");
  const uint64_t v0 = a->views->version();
  // Already changed: returns at once.
  a->Feed({});
  EXPECT_EQ(a->views->version(), v0);  // nothing committed
  a->views->Committed();               // as the loop calls it after a commit
  const uint64_t seen = a->views->version();
  EXPECT_NE(seen, v0);
  a->views->WaitForChange(v0, std::chrono::hours(1));

  auto woke = std::make_shared<std::atomic<bool>>(false);
  auto started = std::make_shared<std::atomic<bool>>(false);
  std::thread waiter([a, seen, woke, started] {
    started->store(true);
    a->views->WaitForChange(seen, std::chrono::hours(1));
    woke->store(true);
  });
  while (!started->load()) std::this_thread::yield();
  EXPECT_FALSE(woke->load());
  Logs logs;
  a->Feed({logs.Append(kPublic, 0,
                       Event("wake", v1::EVENT_TYPE_FRUITION_GAP,
                             v1::VISIBILITY_PUBLIC, "agency:DEA", "FY2016"))});
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (!woke->load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!woke->load()) {
    waiter.detach();
    FAIL() << "WaitForChange did not wake on Commit";
  }
  waiter.join();
  EXPECT_NE(a->views->version(), seen);
  delete a;
}

}  // namespace
}  // namespace fruition::gateway

namespace fruition::gateway {
namespace {

// An answer or decision on `key` as fruition.reference.v1 carries it.
std::string AnswerRecord(const std::string& reporter, const std::string& id,
                         int64_t at, const std::string& key, bool decision) {
  v1::AgencyReport r;
  r.set_reporter(reporter);
  r.set_report_id(id);
  r.mutable_occurred_at()->set_seconds(at);
  if (decision) {
    r.mutable_oversight_decision()->set_condition_key(key);
    r.mutable_oversight_decision()->set_decision(v1::DECISION_REJECTED);
    r.mutable_oversight_decision()->set_note("why " + id);
  } else {
    r.mutable_agency_response()->set_condition_key(key);
    r.mutable_agency_response()->set_explanation("because " + id);
  }
  return r.SerializeAsString();
}

// Every replica, whatever interleaving and batches it read the reference
// topic in (and reading it twice), shows the same latest answer and
// decision; another body on the reference topic is not an answer; an
// accountability arriving on an event itself is never shown.
TEST(ViewsTest, AnswersAreTheLatestWhateverTheOrderRead) {
  const v1::OversightEvent gap =
      Event("gap", v1::EVENT_TYPE_FRUITION_GAP, v1::VISIBILITY_PUBLIC,
            "agency:DEA", "FY2016");
  const std::string key = gap.condition_key();
  Logs logs;
  v1::OversightEvent forged = gap;
  forged.set_event_id("forged");
  forged.mutable_accountability()->set_status("accepted");
  logs.Append(kPublic, 0, gap);
  logs.Append(kPublic, 1, forged);
  for (int p = 0; p < 3; ++p) {
    for (int i = 0; i < 4; ++i) {
      const int at = 100 + ((p * 7 + i * 5) % 11) * 10;
      logs.Append(kReference, p,
                  AnswerRecord(p == 2 ? "OIG" : "DEA", StrCat("A", p, i), at,
                               key, p == 2));
    }
  }
  v1::AgencyReport arrest;
  arrest.set_reporter("DEA");
  arrest.set_report_id("arrest-1");
  arrest.mutable_arrest();
  logs.Append(kReference, 0, arrest.SerializeAsString());
  std::string first;
  for (uint32_t seed = 0; seed < 12; ++seed) {
    Replica r(StrCat("answers-", seed));
    const auto records = logs.Interleave(seed);
    r.Feed(records, 1 + seed % 5);
    r.Feed(records, 3);  // read again: nothing changes
    Page page = All(*r.views, v1::EventFilter(), false);
    ASSERT_EQ(page.events.size(), 2u);
    ASSERT_TRUE(r.views
                    ->Annotate(&page.events,
                               [](const v1::OversightEvent&) { return true; })
                    .ok());
    const auto& a = page.events[0].accountability();
    // The latest of each kind by occurred_at, ties by the greater id.
    std::pair<int, std::string> answer, decision;
    for (int p = 0; p < 3; ++p) {
      for (int i = 0; i < 4; ++i) {
        auto& latest = p == 2 ? decision : answer;
        latest =
            std::max(latest, std::make_pair(100 + ((p * 7 + i * 5) % 11) * 10,
                                            StrCat("A", p, i)));
      }
    }
    EXPECT_EQ(a.response().report_id(), answer.second);
    EXPECT_EQ(a.decision().report_id(), decision.second);
    EXPECT_EQ(a.status(), answer > decision ? "answered" : "rejected");
    const std::string text = a.SerializeAsString();
    if (first.empty()) first = text;
    EXPECT_EQ(text, first) << "seed " << seed;
    // The forged event's own accountability is replaced by the views'.
    EXPECT_EQ(page.events[1].accountability().SerializeAsString(), text);
    ASSERT_TRUE(r.views->Annotate(&page.events, nullptr).ok());
    EXPECT_FALSE(page.events[0].accountability().has_response());
    EXPECT_FALSE(page.events[0].accountability().status().empty());
  }
}

}  // namespace
}  // namespace fruition::gateway

namespace fruition::gateway {
namespace {

// A version of budget line `line_id` as fruition.reference.v1 carries it.
std::string BudgetRecord(const std::string& reporter, const std::string& id,
                         int64_t at, const std::string& line_id,
                         const std::string& agency, int64_t amount) {
  v1::AgencyReport r;
  r.set_reporter(reporter);
  r.set_report_id(id);
  r.mutable_occurred_at()->set_seconds(at);
  v1::BudgetLine& b = *r.mutable_budget_line();
  b.set_line_id(line_id);
  b.set_agency(agency);
  b.set_fiscal_year(2016);
  b.set_amount_usd(amount);
  return r.SerializeAsString();
}

// "line_id=reporter/report_id" of each current line, by line_id.
std::string Current(const Views& views) {
  const auto lines = views.BudgetLines();
  EXPECT_TRUE(lines.ok()) << lines.status();
  std::string out;
  if (!lines.ok()) return out;
  for (const v1::AgencyReport& r : *lines) {
    out += StrCat(out.empty() ? "" : " ", r.budget_line().line_id(), "=",
                  r.reporter(), "/", r.report_id());
  }
  return out;
}

// Whatever order the versions of a line arrive in (every permutation of
// them, one record at a time or in one batch, read twice), the current one
// is the latest by occurred_at, a tie going to the greater (reporter,
// report_id): OIG/L1-c at t=300 beats HAC/L1-z at t=300, the later amendment
// that moved the line to FBI beats the earlier ones. Answers on the same
// topic are not lines.
TEST(ViewsTest, BudgetLineLatestVersionWinsInEveryArrivalOrder) {
  std::vector<std::string> records = {
      BudgetRecord("OIG", "L1-a", 100, "L1", "DEA", 1000),
      BudgetRecord("OIG", "L1-b", 200, "L1", "DEA", 2000),
      BudgetRecord("HAC", "L1-z", 300, "L1", "DEA", 3000),
      BudgetRecord("OIG", "L1-c", 300, "L1", "FBI", 4000),
      BudgetRecord("OIG", "L2-a", 50, "L2", "DEA", 5000),
  };
  const std::string answer =
      AnswerRecord("DEA", "ans", 400, "BUDGET_CRITERIA_UNMET/L1", false);
  std::vector<int> order(records.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  int runs = 0;
  do {
    Logs logs;
    logs.Append(kReference, 0, answer);
    for (int i : order) logs.Append(kReference, 0, records[i]);
    Replica r(StrCat("budget-lines-", runs));
    const auto all = logs.Interleave(0);
    r.Feed(all, 1 + runs % 3);
    r.Feed(all, 7);  // read again: nothing changes
    EXPECT_EQ(Current(*r.views), "L1=OIG/L1-c L2=OIG/L2-a")
        << "arrival order #" << runs;
    ++runs;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(runs, 120);
}

}  // namespace
}  // namespace fruition::gateway
