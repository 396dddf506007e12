// Scoring's public-view stage (group fruition-scoring-public): the one place
// where public figures are made (SPEC §5 D1–D4, ARCHITECTURE principle 8).
//
// It reads fruition.scoring.public-base (key fiscal year: every unit-period
// a disclosure rule links lies in one fiscal year, so one partition holds
// all of them), where stage 2 says what each unit-period's public view may
// rest on, and once per batch recomputes the public views of every fiscal
// year the batch touched (services/domain/disclosure.h), producing the ones
// that changed to fruition.scores.public.v1 (key unit), which the gateway
// and the reconciler read for everything they show the public.
//
// A recomputation costs the whole fiscal year, so it is done once per batch,
// not per record (a backlog of thousands of records is then a few
// recomputations). The price: which intermediate public versions exist
// depends on how records were batched, and since the version rule depends
// on what was published before, a replay after a crash may publish other
// versions than the first run did; each obeys every rule. A base that only
// starts to lag sets the view's flag without a recomputation. State: the
// latest base and the public view (with every value each quantity was
// published with) per unit-period, offsets in the same WriteBatch.
//
// Every instance keeps that state in its own store, so on assignment the
// stage first reads fruition.scores.public.v1 back (from where it last read
// it) and adds what every public view there shows to the values its own
// views were published with: a fiscal year taken over from another instance
// that published other versions (other batches) never publishes a version
// that differs from one of those by 1–10. Then it produces every view of
// the assigned fiscal years again (header topics::kRepublishedHeader), so
// the latest public view on the topic is the owner's.
#ifndef FRUITION_SERVICES_SCORING_PUBLIC_STAGE_H_
#define FRUITION_SERVICES_SCORING_PUBLIC_STAGE_H_

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "fruition/v1/scores.pb.h"
#include "services/common/kafka/consumer.h"
#include "services/common/stream/loop.h"

namespace fruition::scoring {

// Tables of the public-view store (after "offsets").
enum PublicTable {
  kBases = 1,       // fiscal year \0 unit \0 period -> internal.PublicBase
  kViews,           // unit \0 period -> internal.PublicViewState
  kViewsByPeriod,   // period \0 unit -> ""
  kYearPartitions,  // fiscal year -> its partition of the base topic
  kReadBack,        // topic \0 partition -> next offset to read back
};

inline const std::vector<std::string>& PublicTables() {
  static const auto* t = new std::vector<std::string>{
      "bases", "views", "views_by_period", "year_partitions", "read_back"};
  return *t;
}

// Reads fruition.scores.public.v1 (every partition) from `start` to its
// current end: the public views already published, by any instance.
using PublicReadBack = std::function<absl::StatusOr<std::vector<kafka::Record>>(
    const kafka::StartOffsets& start)>;

class PublicStage : public stream::Handler {
 public:
  // Without `read_back` (unit tests of one instance) nothing is read back.
  PublicStage(std::string public_base_topic, std::string public_scores_topic,
              PublicReadBack read_back = nullptr);
  absl::StatusOr<std::vector<stream::Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) override;
  // Reads the published views back, then produces every view of the
  // fiscal years in `added` again.
  absl::StatusOr<std::vector<stream::Output>> OnAssigned(
      store::KvTx& tx, const std::set<int32_t>& added,
      const std::set<int32_t>& owned) override;

  // The stored public view of a unit-period.
  static absl::StatusOr<std::optional<v1::Scorecard>> View(
      const store::KvTx& tx, const std::string& unit,
      const std::string& period);
  // A period's public views ordered by unit, of `unit_kind` ("" every
  // kind), after unit `after`, at most `limit`.
  static absl::StatusOr<std::vector<v1::Scorecard>> Views(
      const store::KvTx& tx, const std::string& period,
      const std::string& unit_kind, const std::string& after, size_t limit);

 private:
  // Whether `base` differs from the stored base of `key` only in that the
  // facts have started to move away from it: then nothing but the view's
  // lags_current can change, and the fiscal year need not be recomputed
  // (about half of all base records; each recomputation costs the whole
  // fiscal year).
  static absl::StatusOr<bool> OnlyStartsLagging(
      const store::KvTx& tx, const std::string& key,
      const internal::PublicBase& base);
  // Sets lags_current on the stored view of (unit, period) and produces it.
  absl::Status MarkLagging(store::KvTx& tx, const std::string& unit,
                           const std::string& period,
                           std::vector<stream::Output>* out) const;
  // Recomputes the public views of `fiscal_year`; appends those that
  // changed.
  absl::Status Recompute(store::KvTx& tx, const std::string& fiscal_year,
                         std::vector<stream::Output>* out) const;

  // Adds what every public view published since the last read back shows
  // to its unit-period's published values (ShownBy), owned or not.
  absl::Status ReadBack(store::KvTx& tx) const;

  std::string public_base_topic_;
  std::string public_scores_topic_;
  PublicReadBack read_back_;
};

}  // namespace fruition::scoring

#endif  // FRUITION_SERVICES_SCORING_PUBLIC_STAGE_H_
