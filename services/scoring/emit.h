// Producing one member's contributions (a subject's in stage 1, a case's in
// the case stage) so that stage 2, which keeps the latest contribution of
// each member in log order, ends with the member's current ones whatever
// crashed or moved before. Shared by both producers of
// fruition.scoring.contributions.
#ifndef FRUITION_SERVICES_SCORING_EMIT_H_
#define FRUITION_SERVICES_SCORING_EMIT_H_

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fruition/internal/scoring.pb.h"
#include "services/common/proto.h"
#include "services/common/status.h"
#include "services/common/store/kv.h"
#include "services/common/store/proto_table.h"
#include "services/common/stream/loop.h"

namespace fruition::scoring {

// Appends to `out` the contributions of `member` that changed since `s`
// (internal.SubjectState or internal.CaseState: its version, emitted and
// emitted_version) last produced them: `now`, plus a zero contribution for
// every key of `possible`, of what was emitted and of the member's intents
// where it no longer counts (another instance, a crashed run or a replaced
// fact may have counted it there). Before producing, writes the member's
// intents (table `intents` of `store`, outside the batch) so that a crash
// between produce and commit re-emits those keys at a higher version; the
// batch's commit (`tx`) settles them. Updates `s`; the caller puts it.
template <typename State>
absl::Status EmitContributions(store::KvStore* store, store::KvTx& tx,
                               int intents, const std::string& member,
                               std::map<std::string, internal::Components> now,
                               const std::set<std::string>& possible,
                               const std::string& topic, State& s,
                               std::vector<stream::Output>* out) {
  FRUITION_ASSIGN_OR_RETURN(
      const internal::Intents pending,
      store::GetProtoOrEmpty<internal::Intents>(tx, intents, member));
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
  internal::Intents produced;
  for (const auto& [key, c] : now) {
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
        SerializeDeterministic(it->second) != SerializeDeterministic(c);
    if (!changed && !uncertain) continue;
    const auto parts = store::SplitKey(key);
    internal::Contribution contribution;
    contribution.set_unit(parts[0]);
    contribution.set_period(parts[1]);
    contribution.set_member(member);
    contribution.set_version(version);
    *contribution.mutable_components() = c;
    out->push_back(stream::Output{
        topic, parts[0], SerializeDeterministic(contribution), {}});
    (*produced.mutable_version())[key] = version;
    (*s.mutable_emitted())[key] = c;
    (*s.mutable_emitted_version())[key] = version;
  }
  if (!produced.version().empty()) {
    s.set_version(version);
    // Before producing: survives a crash before the commit.
    for (const auto& [key, v] : pending.version()) {
      (*produced.mutable_version()).emplace(key, v);
    }
    FRUITION_RETURN_IF_ERROR(
        store->PutNow(intents, member, SerializeDeterministic(produced)));
  }
  tx.Delete(intents, member);  // settled by this commit
  return absl::OkStatus();
}

}  // namespace fruition::scoring

#endif  // FRUITION_SERVICES_SCORING_EMIT_H_
