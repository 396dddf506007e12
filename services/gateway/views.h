// The gateway's materialized views, in RocksDB (ARCHITECTURE principle 2):
// the event history of both oversight topics, in the order this replica
// read it, indexed by position (topic, partition, offset) and by event_id;
// and the latest scorecard per unit-period of each view: the restricted one
// (`fruition.scores.v1`, for overseers) and the public one
// (`fruition.scores.public.v1`, disclosure control of SPEC §5 D1–D4 already
// applied by scoring; what everybody else sees). Topic offsets are written in
// the same WriteBatch as the records they produced.
//
// Views is the stream::Handler of the gateway's loop in global-table mode
// (services/common/stream/loop.h): the loop dedupes offsets, stores them,
// commits, and stops at a record that cannot be read unless the operator
// skips it (--skip-record, audited).
//
// Every replica reads the four topics whole (a dashboard needs all of
// them), so positions in the topics, not this replica's order, make the
// cursors: a cursor is the next offset to consider in every partition of
// both oversight topics. Reading "after" a cursor walks this replica's order
// from the earliest event any partition has not passed yet and skips what
// the cursor has passed; so paging and resuming have no gap and no duplicate
// on any replica. An event_id seen twice (a reconciler replay) is kept once.
#ifndef FRUITION_SERVICES_GATEWAY_VIEWS_H_
#define FRUITION_SERVICES_GATEWAY_VIEWS_H_

#include <array>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/v1/events.pb.h"
#include "fruition/v1/gateway.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.pb.h"
#include "services/common/kafka/consumer.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"

namespace fruition::gateway {

enum Table {
  kEvents = 1,      // seq (20 digits) -> internal.GatewayEvent
  kPositions,       // topic \0 partition \0 offset (fixed width) -> seq
  kEventIds,        // event_id -> seq
  kCards,           // unit \0 period -> v1.Scorecard (restricted view)
  kByPeriod,        // period \0 unit -> ""
  kMeta,            // "seq" -> last seq
  kPublicCards,     // unit \0 period -> v1.Scorecard (public view)
  kPublicByPeriod,  // period \0 unit -> ""
  // Every version of each view's scorecards: unit \0 period \0 partition
  // (5 digits) \0 offset (20 digits) -> internal.GatewayCard. A unit's
  // cards share a partition (the scores topics are keyed by unit), so key
  // order is publication order.
  kHistory,        // restricted view
  kPublicHistory,  // public view
  // The SHA-256 of every card kept in the history: view (r or p) \0 unit \0
  // period \0 digest -> "". The same card again, at any later position (a
  // producer replaying its uncommitted outputs after a crash sends a run
  // of them again), is not a new version.
  kVersionDigests,
  // The accountability loop's answers and decisions (SPEC §11), from
  // fruition.reference.v1: condition_key \0 "r" (an agency_response) or "d"
  // (an oversight_decision) \0 reporter -> v1.AgencyReport, the latest per
  // key (domain::ReplacesAnswer).
  kAnswers,
  // Every version of every budget line (SPEC §11), from
  // fruition.reference.v1: line_id \0 reporter \0 report_id ->
  // v1.AgencyReport, as the reconciler keeps them; which one counts is
  // domain::CurrentBudgetLines, read when asked.
  kBudgetLines,
};

// Which scorecards: the restricted view (overseers) or the public one.
enum class CardView { kRestricted, kPublic };

const std::vector<std::string>& Tables();

// One stored version of a scorecard: the card, its Kafka record timestamp
// (ms) and where it was read.
struct CardVersion {
  v1::Scorecard card;
  int64_t at_ms = 0;
  int32_t partition = 0;
  int64_t offset = 0;
};

// A page of versions; `next` names the last one returned ("" when no more).
struct VersionPage {
  std::vector<CardVersion> versions;
  std::string next;
};

// A position in the two oversight topics: next offset per partition.
struct Cursor {
  std::array<std::vector<int64_t>, 2> next;  // [0] public, [1] restricted

  int64_t At(int topic, int32_t partition) const;
  void Pass(int topic, int32_t partition, int64_t offset);
  // "c1.<public offsets, '-'-separated>.<restricted offsets>"; "" for the
  // beginning.
  std::string Encode() const;
  // INVALID_ARGUMENT naming `field` for a string Encode() did not make.
  static absl::StatusOr<Cursor> Decode(const std::string& s,
                                       const std::string& field);
};

struct Page {
  std::vector<v1::OversightEvent> events;
  std::vector<std::string> cursors;  // the cursor just after each event
  std::string next;                  // after everything scanned
};

// Whether the reader may see an event (auth::MayReadEvent for its caller).
using EventAccess = std::function<bool(const v1::OversightEvent&)>;
// Whether the reader sees an event's answers and decision in full
// (domain::SeesAnswersInFull for its caller); else their status only.
using AnswerAccess = std::function<bool(const v1::OversightEvent&)>;

struct ViewTopics {
  std::string oversight_public;
  std::string oversight_restricted;
  std::string scores;         // restricted view
  std::string scores_public;  // public view (SPEC §5 D1–D4 applied)
  // Answers, decisions and budget lines (SPEC §11); "" reads none.
  std::string reference;
};

class Views : public stream::Handler {
 public:
  Views(store::KvStore* store, ViewTopics topics);

  // Applies records of the four topics to `tx` (the loop adds the offsets).
  // A card on the public topic that is not marked `public_view`, a card
  // without a unit, an event without an id or on the topic of the other
  // visibility are read but not shown. A record that is not a scorecard or
  // an event is stream::Unreadable. Any error leaves `tx` not to be
  // committed. Produces nothing.
  absl::StatusOr<std::vector<stream::Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override;
  // After the loop committed: wakes waiting subscribers.
  void Committed() override;

  // Up to `limit` events matching `filter` after `after` that the reader
  // may see (`may_read`, the caller's auth::MayReadEvent): events it may not
  // see are skipped in the scan, before the limit counts, so a page is
  // short only when the events (or `scan_max`) ran out. Scans at most
  // `scan_max` events (then `next` moves on with fewer events: ask again). A
  // failed store read or a stored event that does not parse is an error
  // (DATA_LOSS names the table and key), never an empty page.
  absl::StatusOr<Page> List(const v1::EventFilter& filter, const Cursor& after,
                            const EventAccess& may_read, int limit,
                            int scan_max = 20000) const;
  // The same for a reader who sees every RESTRICTED event (`restricted`) or
  // none.
  absl::StatusOr<Page> List(const v1::EventFilter& filter, const Cursor& after,
                            bool restricted, int limit,
                            int scan_max = 20000) const;

  // Sets each event's `accountability` (SPEC §11) from the answers and
  // decisions read so far: in full where `full` says so, status only
  // otherwise; cleared where its condition has neither.
  absl::Status Annotate(std::vector<v1::OversightEvent>* events,
                        const AnswerAccess& full) const;

  // The current version (domain::CurrentBudgetLines) of every budget line
  // read so far, by line_id: AgencyReports with a budget_line body. A
  // store error or a stored line that does not parse is returned
  // (DATA_LOSS names the table and key).
  absl::StatusOr<std::vector<v1::AgencyReport>> BudgetLines() const;

  // Waits until something was committed after `seen` (a value of
  // version()) or `timeout` passed.
  void WaitForChange(uint64_t seen, std::chrono::milliseconds timeout) const;
  uint64_t version() const;

  // The latest scorecard of `view` for the unit-period (nullopt: none).
  // Like every read below, a store error is returned, never read as absent.
  absl::StatusOr<std::optional<v1::Scorecard>> Card(
      CardView view, const std::string& unit, const std::string& period) const;
  // A period's scorecards of `view` ordered by unit, of `unit_kind` (""
  // every kind), after unit `after`, at most `limit`.
  absl::StatusOr<std::vector<v1::Scorecard>> Cards(CardView view,
                                                   const std::string& period,
                                                   const std::string& unit_kind,
                                                   const std::string& after,
                                                   size_t limit) const;
  // The versions of a unit-period's scorecard of `view`, oldest first,
  // after `after` (the `next` of a previous page; "" from the oldest), at
  // most `limit`. A bad `after` is INVALID_ARGUMENT naming "after".
  absl::StatusOr<VersionPage> Versions(CardView view, const std::string& unit,
                                       const std::string& period,
                                       const std::string& after,
                                       size_t limit) const;
  // The cards of `view` of a period (of `unit_kind`, "" every kind), by
  // unit, as they were when the scores topic's next offsets were
  // `next_offsets` (indexed by partition): per unit the latest version whose
  // offset < next_offsets[its partition] (a partition past the vector's end:
  // none). A release built from recorded offsets reads this.
  absl::StatusOr<std::vector<v1::Scorecard>> CardsAsOf(
      CardView view, const std::string& period, const std::string& unit_kind,
      const std::vector<int64_t>& next_offsets) const;
  // The next offset per partition (index) of the scores topic of `view`
  // that this replica has read up to (and stored).
  absl::StatusOr<std::vector<int64_t>> NextOffsets(CardView view) const;
  // Every unit and every period with a scorecard of `view`.
  absl::Status UnitsAndPeriods(CardView view, std::vector<std::string>* units,
                               std::vector<std::string>* periods) const;

  // Where to resume reading each topic (from the store).
  absl::StatusOr<kafka::StartOffsets> StartOffsets() const;
  const ViewTopics& topics() const { return topics_; }
  // The four topics, for the reader.
  std::vector<std::string> TopicList() const;

 private:
  // Applies one record of a scores topic: the latest card and, unless the
  // same card was kept before, a new version.
  absl::Status ApplyCard(store::KvTx& tx, const kafka::Record& r) const;
  // Applies one record of fruition.reference.v1: keeps an answer or a
  // decision if it is the latest of its key, and every version of a budget
  // line; every other body is not the gateway's.
  absl::Status ApplyReference(store::KvTx& tx, const kafka::Record& r) const;
  // Applies one record of an oversight topic (0 public, 1 restricted).
  absl::Status ApplyEvent(store::KvTx& tx, const kafka::Record& r,
                          int topic) const;

  store::KvStore* store_;
  ViewTopics topics_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  uint64_t version_ = 0;
};

// Whether `e` passes `filter` (visibility rights aside).
bool Matches(const v1::EventFilter& filter, const v1::OversightEvent& e);

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_VIEWS_H_
