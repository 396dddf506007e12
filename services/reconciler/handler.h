// The reconciler as a stream::Handler (group fruition-reconciler).
//
// Reads fruition.reports.v1, fruition.link-assessments.v1 (co-partitioned
// by subject_pid), fruition.scores.v1 (the restricted cards) and
// fruition.scores.public.v1 (their public views; both key unit) as a
// consumer group, and fruition.reference.v1 whole. Keeps in RocksDB, offsets
// in the same WriteBatch (ARCHITECTURE principle 2):
//   - join state: each subject's facts (scoring's SubjectState), its claims'
//     latest assessments, the latest restricted card and the latest public
//     view per unit-period (each in its own table), the bodies seen per
//     (reporter, report_id), pending-dismantled outcome claims, every
//     version of every budget line and where each line's current version
//     is (agency unit and fiscal year);
//   - `dirty`: the conditions whose facts changed since they were judged,
//     by owning partition;
//   - `published`: the latest event of each condition and visibility, i.e.
//     the index of emitted event ids; and the events themselves, for
//     ReconcilerService.
//
// Scorecard rules (rules.h): the PUBLIC conditions (the public half of
// each pair rule, TARGET_OVERSHOOT, the PUBLIC SCORECARD_PUBLISHED) are judged
// on the public view only, the RESTRICTED ones on the restricted card only;
// each SCORECARD_PUBLISHED at most once per unit-period per publish interval.
// BUDGET_CRITERIA_UNMET is judged on the public view too (a PUBLIC event
// shows what the public may see), whenever a version of the line arrives
// or the public view of its agency and fiscal year changes; it is emitted
// by the owner of its agency unit's partition, and when a line moves to
// another agency the old agency's owner resolves it there (within one
// instance, before the new agency's event is emitted).
//
// Who emits what: every event is keyed like its input (subject_pid, unit,
// or the record's own key), and all these topics have the same partition
// count, so the events of partition p are emitted by p's owner only.
//
// Replays say nothing new: while an assigned partition is being replayed
// (read up to where it ended when assigned), its conditions are only marked
// dirty; once caught up they are judged against what the oversight topics
// already hold for that partition, which the handler reads back on every
// assignment. A restart, a replay from an empty store, or a partition moved
// to another instance therefore emits only what differs from what
// subscribers have already seen, and resolves what stopped holding.
#ifndef FRUITION_SERVICES_RECONCILER_HANDLER_H_
#define FRUITION_SERVICES_RECONCILER_HANDLER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/v1/events.pb.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/common/kafka/consumer.h"
#include "services/common/stream/loop.h"
#include "services/reconciler/rules.h"

namespace fruition::reconciler {

// Tables of the reconciler store (after "offsets").
enum Table {
  kSubjects = 1,   // pid -> internal.SubjectState
  kClaims,         // pid \0 reporter \0 claim_id -> v1.LinkAssessment
  kReports,        // reporter \0 report_id -> internal.ReportSeen
  kCards,          // unit \0 period -> v1.Scorecard (restricted)
  kOutcomes,       // reporter \0 report_id -> v1.AgencyReport (org_outcome)
  kDirty,          // partition \0 kind \0 id... -> ""
  kPublished,      // key \0 condition_key \0 visibility -> PublishedState
  kPending,        // unit \0 period -> internal.PendingPublish (restricted)
  kEvents,         // seq (20 digits) -> v1.OversightEvent
  kEventIds,       // event_id -> seq
  kOutPos,         // oversight topic \0 partition -> next offset read back
  kMeta,           // "seq" -> last seq
  kPublicCards,    // unit \0 period -> v1.Scorecard (public view)
  kPublicPending,  // unit \0 period -> internal.PendingPublish (public)
  // Answers and decisions (SPEC §11), for ExplainEvent: domain::AnswerKey
  // -> v1.AgencyReport, the latest per key (domain::ReplacesAnswer).
  kAnswers,
  kBudgetLines,  // line_id \0 reporter \0 report_id -> v1.AgencyReport
  kBudgetIndex,  // unit \0 period \0 line_id -> "" (current version's)
};

const std::vector<std::string>& Tables();

struct Topics {
  std::string reports;
  std::string assessments;
  std::string scores;         // restricted cards
  std::string scores_public;  // public views
  std::string reference;
  std::string oversight_public;
  std::string oversight_restricted;
};

// Reads `partitions` of the oversight topics from `start` to their current
// end (the events already published for those partitions).
using ReadBack = std::function<absl::StatusOr<std::vector<kafka::Record>>(
    const std::vector<std::string>& topics, const std::set<int32_t>& partitions,
    const kafka::StartOffsets& start)>;

// A ReadBack over Kafka.
ReadBack KafkaReadBack(const kafka::ConsumerOptions& options);

struct ReconcilerOptions {
  Thresholds thresholds;
  std::string criteria_version = "v1";
  const domain::DesertRules* desert = &domain::DefaultDesertRules();
  int partitions = 12;  // of every topic it reads and writes
  // Wall clock (ms since the epoch); tests pass their own.
  std::function<int64_t()> now_ms;
};

class ReconcilerHandler : public stream::Handler {
 public:
  ReconcilerHandler(ReconcilerOptions options, Topics topics,
                    ReadBack read_back,
                    prometheus::Registry* registry = nullptr);

  absl::StatusOr<std::vector<stream::Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override;
  absl::StatusOr<std::vector<stream::Output>> OnAssigned(
      store::KvTx& tx, const std::set<int32_t>& added,
      const std::set<int32_t>& owned) override;
  absl::StatusOr<std::vector<stream::Output>> Flush(
      store::KvTx& tx, const std::set<int32_t>& owned,
      const std::set<int32_t>& caught_up) override;

  // Stored events (for ReconcilerService).
  static absl::StatusOr<std::optional<v1::OversightEvent>> EventById(
      const store::KvTx& tx, const std::string& id);
  // The accountability of event `e`'s condition (SPEC §11) from the answers
  // and decisions read so far: in full with `full`, else its status only.
  static absl::StatusOr<std::optional<v1::ConditionAccountability>>
  AccountabilityOf(const store::KvTx& tx, const v1::OversightEvent& e,
                   bool full);

 private:
  // Keeps an answer or decision (`bytes`: `report` as read) if it is the
  // latest of its key.
  absl::Status KeepAnswer(store::KvTx& tx, const v1::AgencyReport& report,
                          const std::string& bytes);
  void MarkDirty(store::KvTx& tx, int32_t partition, const std::string& kind,
                 const std::string& id) const;
  // Judges one finding against what was published; appends the event.
  absl::Status Judge(store::KvTx& tx, const Finding& f, int64_t now,
                     std::vector<stream::Output>* out);
  // The rules of one input kind (services/domain/events.h), judged.
  absl::Status JudgeAll(store::KvTx& tx, domain::RuleInput input,
                        const domain::RuleInputs& in, int64_t now,
                        std::vector<stream::Output>* out);
  // Rule inputs with the configured thresholds.
  domain::RuleInputs Inputs() const;
  absl::Status JudgeSubject(store::KvTx& tx, const std::string& pid,
                            int64_t now, std::vector<stream::Output>* out);
  // The conditions of the latest card of one view (public or restricted)
  // of a unit-period.
  absl::Status JudgeCard(store::KvTx& tx, bool public_view,
                         const std::string& unit, const std::string& period,
                         int32_t partition, int64_t now,
                         std::vector<stream::Output>* out);
  // Judges what one dirty mark (partition \0 kind \0 id..., split) names.
  absl::Status JudgeDirty(store::KvTx& tx, int32_t partition,
                          const std::vector<std::string>& parts, int64_t now,
                          std::vector<stream::Output>* out);
  // Records an event as published (read back or emitted now).
  absl::Status Record(store::KvTx& tx, const std::string& key,
                      const v1::OversightEvent& e) const;
  absl::Status ApplyReport(store::KvTx& tx, const kafka::Record& r,
                           bool reference);
  // Stores a version of a budget line, moves its index entry if the
  // current version changed, and marks the line dirty for every agency a
  // version of it names.
  absl::Status ApplyBudgetLine(store::KvTx& tx, const v1::AgencyReport& r);
  // Marks dirty the budget lines whose current version is about the
  // unit-period of public view `card` (stored in `partition`).
  absl::Status MarkBudgetLines(store::KvTx& tx, const v1::Scorecard& card,
                               int32_t partition) const;
  // BUDGET_CRITERIA_UNMET of one line, for the agencies whose partition is
  // `partition`: the resolutions where it left (`left` true) or the
  // judgment where it is (false).
  absl::Status JudgeBudgetLine(store::KvTx& tx, int32_t partition,
                               const std::string& line_id, bool left,
                               int64_t now, std::vector<stream::Output>* out);

  ReconcilerOptions options_;
  Topics topics_;
  ReadBack read_back_;
  prometheus::Family<prometheus::Counter>* events_family_ = nullptr;
};

}  // namespace fruition::reconciler

#endif  // FRUITION_SERVICES_RECONCILER_HANDLER_H_
