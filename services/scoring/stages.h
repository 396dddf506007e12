// The two stages of scoring as stream::Handlers (ARCHITECTURE principle 3).
//
// Stage 1 (group fruition-scoring, on fruition.reports.v1 and
// fruition.link-assessments.v1, co-partitioned by subject_pid) keeps each
// subject's facts and, when they change, produces the subject's
// contribution to every unit-period it belongs to (and a zero one where it
// left, or may have been counted by another instance or a crashed run) to
// fruition.scoring.contributions, keyed by unit.
//
// Stage 2 (group fruition-scoring-stage2, on the contributions topic, plus
// fruition.reference.v1 read whole) keeps the latest contribution (in log
// order) of each member per unit-period, maintains their sums, and produces
// a Scorecard to fruition.scores.v1 (key unit) whenever a unit-period's
// indicators change. It also keeps what the unit-period's public view rests
// on (SPEC §5 D4): each member's components when the view was last
// replaced, and how many members differ from them now; once 11 differ, the
// current totals become the new base. What the public view may show goes to
// fruition.scoring.public-base (key fiscal year) for the public-view stage
// (services/scoring/public_stage.h). The count is kept per contribution
// record, in log order, so a replay of the same contributions replaces the
// base at the same records.
// Stage 2 also reads the oversight topics (fruition.oversight.public.v1 and
// .restricted.v1) whole, keeping of each condition event what the SPEC §11
// condition indicators need (services/domain/conditions.h), and keeps the
// latest agency_response and oversight_decision per (condition key,
// reporter) from the reference topic (explanations and notes dropped).
// Reference-driven indicators (org outcomes, targets, budget lines,
// conditions, community change) are computed for the units whose contributions
// partition it owns. An org's designations count only when made by its
// owner (MayDesignate).
#ifndef FRUITION_SERVICES_SCORING_STAGES_H_
#define FRUITION_SERVICES_SCORING_STAGES_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.pb.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/common/stream/loop.h"
#include "services/domain/desert.h"
#include "services/scoring/emit.h"
#include "services/scoring/indicators.h"

namespace fruition::scoring {

// The desert score is the domain's (services/domain/desert.h).
using domain::DefaultDesertRules;
using domain::DesertResult;
using domain::DesertRules;
using domain::Score;

// Tables of the stage 1 store (after "offsets").
enum Stage1Table { kSubjects = 1, kIntents };
// Tables of the stage 2 store.
enum Stage2Table {
  kMembers = 1,
  kTotals,
  kCards,
  kByPeriod,
  kReference,
  kPublicBase,  // unit \0 period -> internal.PublicBaseState (SPEC §5 D4)
  kBaseCards,   // unit \0 period -> internal.PublicBase last produced
  // unit \0 period \0 Decimal(INT64_MAX - last_received_at, 19) \0
  // member -> "": the members' latest report receipts, newest first, so a
  // unit-period's last_received_at is its first key (exact when the
  // member holding it leaves or changes).
  kReceived,
  // "e" \0 condition_key \0 event_id -> the event as
  // domain::ConditionEventOf keeps it.
  kConditions,
};

inline const std::vector<std::string>& Stage1Tables() {
  static const auto* t = new std::vector<std::string>{"subjects", "intents"};
  return *t;
}
inline const std::vector<std::string>& Stage2Tables() {
  static const auto* t = new std::vector<std::string>{
      "members",     "totals",     "cards",    "by_period", "reference",
      "public_base", "base_cards", "received", "conditions"};
  return *t;
}

struct ScoringRules {
  const DesertRules* desert = &DefaultDesertRules();
  std::string criteria_version = "v1";  // assessments counted
  IndicatorOptions indicators;
  int contribution_partitions = 12;  // of fruition.scoring.contributions
  // The AGENCY principals' codes: the agencies a condition may concern
  // (domain::AgenciesConcerned). None: no condition counts anywhere.
  std::set<std::string> agencies;
};

class Stage1 : public stream::Handler {
 public:
  // `store` takes the intents written before producing.
  // The case-to-person join (docs/DESIGN.md): the cases each subject has
  // facts in go to `case_members_topic` (key case_id), and the case stage
  // answers on `case_facts_topic` (key subject_pid, read with the reports).
  // Empty: no join (cases' origins and designations are never known).
  Stage1(ScoringRules rules, store::KvStore* store, std::string reports_topic,
         std::string assessments_topic, std::string contributions_topic,
         std::string case_members_topic = "",
         std::string case_facts_topic = "");
  absl::StatusOr<std::vector<stream::Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override;
  absl::StatusOr<std::vector<stream::Output>> OnAssigned(
      store::KvTx& tx, const std::set<int32_t>& added,
      const std::set<int32_t>& owned) override;

 private:
  // Applies reports and assessments to the states of their subjects
  // (loaded into `subjects` as they are first named); `changed_by` gets,
  // per subject, the reports (`reporter/report_id`, also a case_opened's
  // that a case fact carries) that changed its facts.
  absl::Status ApplyRecords(
      const store::KvTx& tx, const std::vector<kafka::Record>& records,
      std::map<std::string, internal::SubjectState>* subjects,
      std::map<std::string, std::set<std::string>>* changed_by) const;
  // Queues the contributions of subject `pid` that changed (zeros where it
  // no longer counts) and their intents in `emitter`, naming `changed_by`,
  // appends its case announcements to `out` and puts its state.
  absl::Status Emit(store::KvTx& tx, const std::string& pid,
                    internal::SubjectState& s,
                    const std::set<std::string>& changed_by,
                    ContributionEmitter* emitter,
                    std::vector<stream::Output>* out) const;
  // Appends a case-members record for each case of `s` not announced yet.
  void Announce(const std::string& pid, internal::SubjectState& s,
                std::vector<stream::Output>* out) const;

  ScoringRules rules_;
  store::KvStore* store_;
  std::string reports_topic_;
  std::string assessments_topic_;
  std::string contributions_topic_;
  std::string case_members_topic_;
  std::string case_facts_topic_;
};

class Stage2 : public stream::Handler {
 public:
  Stage2(ScoringRules rules, std::string contributions_topic,
         std::string reference_topic, std::string scores_topic,
         std::string public_base_topic = "fruition.scoring.public-base",
         std::vector<std::string> oversight_topics = {});
  absl::StatusOr<std::vector<stream::Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override;
  absl::StatusOr<std::vector<stream::Output>> OnAssigned(
      store::KvTx& tx, const std::set<int32_t>& added,
      const std::set<int32_t>& owned) override;

  // Counts, in `registry`, the org_designated reports ignored because their
  // reporter is not the org's owner (fruition_scoring_designations_ignored_
  // total{reason="not_owner"}).
  void CountIgnoredDesignations(prometheus::Registry& registry);

  // The stored scorecard of a unit-period (restricted view); DATA_LOSS if
  // its bytes do not parse.
  static absl::StatusOr<std::optional<v1::Scorecard>> Card(
      const store::KvTx& tx, const std::string& unit,
      const std::string& period);

 private:
  // unit \0 period -> the reports (`reporter/report_id`) whose facts
  // changed it in a batch (a card's changed_by).
  using ChangedBy = std::map<std::string, std::set<std::string>>;
  // Rebuilds the scorecards of `dirty` (unit \0 period keys); outputs those
  // that changed, naming the reports `changed_by` lists for them. With
  // `republish`, every one of them, changed or not (see RebuildCard).
  absl::StatusOr<std::vector<stream::Output>> Rebuild(
      store::KvTx& tx, const std::set<std::string>& dirty,
      const ChangedBy& changed_by, bool republish = false) const;
  // Rebuilds one unit-period's card (and what its public view rests on)
  // from its totals and the reference facts that feed it (null: none);
  // the card names `changed_by` if it changed. With `republish` (a
  // partition just assigned here), the card is produced even when this
  // store holds it unchanged, and an empty card even when this store holds
  // none: the instance that owned the partition before may have produced a
  // later card this store never saw, and the scores topic's latest card
  // must be this one's.
  absl::Status RebuildCard(store::KvTx& tx, const std::string& up,
                           const AgencyYearReference* ref,
                           const CommunityChange* change,
                           const std::set<std::string>& changed_by,
                           std::vector<stream::Output>* out,
                           bool republish = false) const;
  // The card of (unit, period) from `totals` and the reference facts that
  // feed it (null: none), with its versions; no id, no revision.
  v1::Scorecard CardOf(const std::string& unit, const std::string& period,
                       const internal::Components& totals,
                       const AgencyYearReference* ref,
                       const CommunityChange* change) const;
  // `card` produced again, unchanged, because its partition was assigned
  // here (header topics::kRepublishedHeader).
  stream::Output Republication(const v1::Scorecard& card) const;
  bool Owns(const std::string& unit, const std::set<int32_t>& owned) const;
  // Stores a reference record (`bytes`, read as `report`) the first time
  // its (reporter, report_id) is seen; adds the owned agency and area
  // unit-periods it feeds to `dirty`, and the report to their `changed_by`.
  absl::Status ApplyReference(store::KvTx& tx, const std::string& bytes,
                              const v1::AgencyReport& report,
                              const std::set<int32_t>& owned,
                              std::set<std::string>* dirty,
                              ChangedBy* changed_by) const;
  // Stores a budget line version (`bytes`, read as `report`) and appends
  // to `units` every agency fiscal year (unit \0 period) a version of its
  // line_id ever named, this one's included.
  absl::Status StoreBudgetLine(store::KvTx& tx, const std::string& bytes,
                               const v1::AgencyReport& report,
                               std::vector<std::string>* units) const;
  // Marks its id seen, and keeps an agency_response or oversight_decision
  // (without its explanation or note) if it is the latest of its (condition
  // key, reporter, body), appending the agency fiscal years its condition
  // counts in to `units`.
  absl::Status StoreAnswer(store::KvTx& tx, const v1::AgencyReport& report,
                           std::vector<std::string>* units) const;
  // Keeps an oversight event of a condition (once per event_id) and adds
  // the owned agency fiscal years whose condition counts it may change to
  // `dirty`.
  absl::Status ApplyCondition(store::KvTx& tx, const kafka::Record& r,
                              const std::set<int32_t>& owned,
                              std::set<std::string>* dirty) const;
  // Whether `report` (an org_designated) counts: by the org's owner, the
  // reporter of its first designation in log order (SPEC §1). One org's
  // designations share a key, hence a partition of the reference topic, so
  // every replica and replay stores the same ones. Counts and logs the
  // others.
  absl::StatusOr<bool> MayDesignate(store::KvTx& tx,
                                    const v1::AgencyReport& report) const;
  // Every agency and area unit-period the reference table feeds.
  absl::StatusOr<std::set<std::string>> ReferenceUnitPeriods(
      const store::KvTx& tx) const;
  struct Batch;
  // Applies a contributions record (a ContributionBatch of quarters, or
  // one Contribution of the format before) to `batch`, in order.
  absl::Status ApplyContributionRecord(store::KvTx& tx, const kafka::Record& r,
                                       Batch* batch) const;
  // Replaces a member's contribution and counts, for the public view's
  // base, whether it now differs from it (SPEC §5 D4). Keeps the
  // `received` index (written to `tx` at once: later scans read it).
  absl::Status ApplyContribution(store::KvTx& tx, internal::Contribution c,
                                 Batch* batch) const;
  // Applies the member's fiscal-year contribution derived from its four
  // quarters (`quarter` names unit, member, year and version), unless it
  // is the one stored.
  absl::Status DeriveFiscalYear(store::KvTx& tx,
                                const internal::Contribution& quarter,
                                Batch* batch) const;
  // The base record of a unit-period if it differs from the last produced.
  absl::StatusOr<std::optional<stream::Output>> PublicBaseOutput(
      store::KvTx& tx, const std::string& up,
      const internal::PublicBaseState& pb, const v1::Scorecard& base_card,
      const internal::Components& totals) const;

  ScoringRules rules_;
  std::string contributions_topic_;
  std::string reference_topic_;
  std::string scores_topic_;
  std::string public_base_topic_;
  std::set<std::string> oversight_topics_;
  prometheus::Counter* designations_ignored_ = nullptr;
};

}  // namespace fruition::scoring

#endif  // FRUITION_SERVICES_SCORING_STAGES_H_
