// Producing members' contributions (a subject's in stage 1, a case's in the
// case stage) so that stage 2, which keeps the latest contribution of each
// member in log order, ends with the members' current ones whatever crashed
// or moved before. Shared by both producers of
// fruition.scoring.contributions.
//
// One batch of a producer emits through one ContributionEmitter: the
// members' changed quarter contributions are packed into one
// internal.ContributionBatch record per partition of the topic (a record
// per contribution cost the broker and both stages more than the
// contributions themselves), and the intents of all the batch's members
// are written in one store write before anything is produced.
#ifndef FRUITION_SERVICES_SCORING_EMIT_H_
#define FRUITION_SERVICES_SCORING_EMIT_H_

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/common/kafka/partition.h"
#include "services/common/proto.h"
#include "services/common/status.h"
#include "services/common/store/kv.h"
#include "services/common/store/proto_table.h"
#include "services/common/stream/loop.h"
#include "services/domain/periods.h"

namespace fruition::scoring {

// A ContributionBatch record is split before it would exceed this many
// bytes: well under Kafka's default 1 MiB message.max.bytes.
inline constexpr size_t kMaxContributionBatchBytes = size_t{512} * 1024;

// The first byte of every serialized internal.ContributionBatch (the tag
// of its field 15, length-delimited), which no serialized
// internal.Contribution holds (field 15 is reserved there).
inline constexpr char kContributionBatchTag = (15 << 3) | 2;

// How a scorecard's `changed_by` names a report: `reporter/report_id`.
inline std::string ReportRef(const std::string& reporter,
                             const std::string& report_id) {
  return reporter + "/" + report_id;
}

// Whether `key` (unit \0 period) names a fiscal year, not a quarter.
inline bool IsFiscalYearKey(const std::string& key) {
  const auto sep = key.rfind('\0');
  return sep != std::string::npos && domain::IsFiscalYear(key.substr(sep + 1));
}

class ContributionEmitter {
 public:
  // Contributions go to `topic` (`partitions` partitions; a unit's
  // partition is its murmur2 one); intents to table `intents` of `store`.
  ContributionEmitter(store::KvStore* store, int intents, std::string topic,
                      int partitions)
      : store_(store),
        intents_table_(intents),
        topic_(std::move(topic)),
        partitions_(partitions),
        intents_(store) {}

  // Queues the contributions of `member` that changed since `s`
  // (internal.SubjectState or internal.CaseState: its version, emitted and
  // emitted_version) last produced them: `now`, plus a zero contribution
  // for every key of `possible`, of what was emitted and of the member's
  // intents where it no longer counts (another instance, a crashed run or a
  // replaced fact may have counted it there). Quarters only: stage 2
  // derives a member's fiscal-year contribution from its quarters (each
  // fiscal-year component is the sum of the quarters', facts.cc AddTo), so
  // fiscal-year keys are dropped from `now`, `possible` and `s`. Queues the
  // member's intents (written by Finish before anything is produced) so
  // that a crash between produce and commit re-emits those keys at a
  // higher version; the batch's commit (`tx`) settles them. Updates `s`;
  // the caller puts it. Every contribution queued names `changed_by` (the
  // reports, `reporter/report_id`, that changed the member in this batch).
  template <typename State>
  absl::Status Emit(store::KvTx& tx, const std::string& member,
                    std::map<std::string, internal::Components> now,
                    const std::set<std::string>& possible, State& s,
                    const std::set<std::string>& changed_by = {});

  // Writes every queued intent in one store write, then appends the queued
  // contributions to `out`: one record per partition (more if one would
  // exceed kMaxContributionBatchBytes), in the order queued. An error if
  // the intents could not be written (nothing is appended then).
  absl::Status Finish(std::vector<stream::Output>* out);

 private:
  void Queue(internal::Contribution c);

  store::KvStore* store_;
  int intents_table_;
  std::string topic_;
  int partitions_;
  store::KvTx intents_;  // written by Finish, outside the batch's tx
  // partition -> the records' contributions, each under the byte limit.
  std::map<int32_t, std::vector<internal::ContributionBatch>> batches_;
  std::map<int32_t, size_t> bytes_;  // of the last batch of each partition
};

template <typename State>
absl::Status ContributionEmitter::Emit(
    store::KvTx& tx, const std::string& member,
    std::map<std::string, internal::Components> now,
    const std::set<std::string>& possible, State& s,
    const std::set<std::string>& changed_by) {
  FRUITION_ASSIGN_OR_RETURN(
      const internal::Intents pending,
      store::GetProtoOrEmpty<internal::Intents>(tx, intents_table_, member));
  int64_t version = s.version();
  for (const auto& [key, v] : pending.version()) {
    version = std::max(version, v);
  }
  ++version;
  for (const std::string& key : possible) {
    now.emplace(key, internal::Components());
  }
  for (const auto& [key, before] : s.emitted()) {
    now.emplace(key, internal::Components());
  }
  for (const auto& [key, v] : pending.version()) {
    now.emplace(key, internal::Components());
  }
  // Fiscal years are stage 2's to derive (also those a state from before
  // quarters-only emission still lists).
  for (auto it = now.begin(); it != now.end();) {
    if (IsFiscalYearKey(it->first)) {
      s.mutable_emitted()->erase(it->first);
      s.mutable_emitted_version()->erase(it->first);
      it = now.erase(it);
    } else {
      ++it;
    }
  }
  internal::Intents produced;
  for (auto& [key, c] : now) {
    auto it = s.emitted().find(key);
    auto vit = s.emitted_version().find(key);
    auto iit = pending.version().find(key);
    const int64_t emitted_version =
        vit == s.emitted_version().end() ? 0 : vit->second;
    const bool uncertain =
        iit != pending.version().end() && iit->second > emitted_version;
    // Never emitted here (a new instance, or after a rebalance): emit,
    // zeros too, since stage 2 may hold another instance's value.
    const bool changed =
        it == s.emitted().end() ||
        !google::protobuf::util::MessageDifferencer::Equals(it->second, c);
    if (!changed && !uncertain) continue;
    const auto parts = store::SplitKey(key);
    internal::Contribution contribution;
    contribution.set_unit(parts[0]);
    contribution.set_period(parts[1]);
    contribution.set_member(member);
    contribution.set_version(version);
    *contribution.mutable_components() = c;
    for (const std::string& ref : changed_by) contribution.add_changed_by(ref);
    (*s.mutable_emitted())[key] = std::move(c);
    (*s.mutable_emitted_version())[key] = version;
    (*produced.mutable_version())[key] = version;
    Queue(std::move(contribution));
  }
  if (!produced.version().empty()) {
    s.set_version(version);
    // Before producing: survives a crash before the commit.
    for (const auto& [key, v] : pending.version()) {
      (*produced.mutable_version()).emplace(key, v);
    }
    intents_.Put(intents_table_, member, SerializeDeterministic(produced));
  }
  // Settled by this commit (nothing to settle: no tombstone).
  if (!produced.version().empty() || !pending.version().empty()) {
    tx.Delete(intents_table_, member);
  }
  return absl::OkStatus();
}

inline void ContributionEmitter::Queue(internal::Contribution c) {
  const int32_t p = kafka::PartitionOf(c.unit(), partitions_);
  // The bytes `c` adds to a batch: itself, its tag and its length.
  const size_t size = c.ByteSizeLong() + 6;
  auto& batches = batches_[p];
  size_t& bytes = bytes_[p];
  if (batches.empty() || bytes + size > kMaxContributionBatchBytes) {
    batches.emplace_back();
    bytes = 0;
  }
  bytes += size;
  *batches.back().add_contributions() = std::move(c);
}

inline absl::Status ContributionEmitter::Finish(
    std::vector<stream::Output>* out) {
  if (!intents_.empty()) {
    FRUITION_RETURN_IF_ERROR(store_->Commit(intents_));
  }
  for (auto& [p, batches] : batches_) {
    for (auto& b : batches) {
      // Keyed by its first unit, which maps to partition `p` too: a tool
      // that places records by key puts it where stage 2 expects it.
      stream::Output o{
          topic_, b.contributions(0).unit(), SerializeDeterministic(b), {}};
      o.partition = p;
      out->push_back(std::move(o));
    }
  }
  batches_.clear();
  bytes_.clear();
  return absl::OkStatus();
}

}  // namespace fruition::scoring

#endif  // FRUITION_SERVICES_SCORING_EMIT_H_
