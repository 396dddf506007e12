#include "services/scoring/public_stage.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <thread>

#include "fruition/internal/scoring.pb.h"
#include "services/common/log/log.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/proto.h"
#include "services/common/status.h"
#include "services/common/store/kv.h"
#include "services/common/store/proto_table.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/domain/disclosure.h"
#include "services/domain/periods.h"

namespace fruition::scoring {

using store::JoinKey;
using store::SplitKey;

PublicStage::PublicStage(std::string public_base_topic,
                         std::string public_scores_topic,
                         PublicReadBack read_back)
    : public_base_topic_(std::move(public_base_topic)),
      public_scores_topic_(std::move(public_scores_topic)),
      read_back_(std::move(read_back)) {}

absl::StatusOr<std::vector<stream::Output>> PublicStage::OnAssigned(
    store::KvTx& tx, const std::set<int32_t>& added,
    const std::set<int32_t>& owned) {
  (void)owned;
  FRUITION_RETURN_IF_ERROR(ReadBack(tx));
  std::vector<stream::Output> out;
  FRUITION_ASSIGN_OR_RETURN(const auto years, tx.Scan(kYearPartitions, ""));
  for (const auto& [fy, partition] : years) {
    char* end = nullptr;
    const int64_t p = std::strtoll(partition.c_str(), &end, 10);
    if (partition.empty() || *end != '\0') {
      return store::DataLoss(*tx.store(), kYearPartitions, fy, "a partition");
    }
    if (added.count(static_cast<int32_t>(p)) == 0) continue;
    FRUITION_ASSIGN_OR_RETURN(const auto bases,
                              tx.Scan(kBases, JoinKey({fy, ""})));
    for (const auto& [key, unused] : bases) {
      const auto parts = SplitKey(key);  // fiscal year, unit, period
      FRUITION_ASSIGN_OR_RETURN(const auto view, View(tx, parts[1], parts[2]));
      if (!view) continue;
      out.push_back(stream::Output{
          public_scores_topic_,
          view->unit(),
          SerializeDeterministic(*view),
          {{"fruition-scorecard-id", view->scorecard_id()},
           {std::string(topics::kRepublishedHeader), "assigned"}}});
    }
  }
  return out;
}

absl::Status PublicStage::ReadBack(store::KvTx& tx) const {
  if (!read_back_) return absl::OkStatus();
  kafka::StartOffsets start;
  FRUITION_ASSIGN_OR_RETURN(const auto positions, tx.Scan(kReadBack, ""));
  for (const auto& [key, next] : positions) {
    const auto parts = SplitKey(key);  // topic, partition
    char* end_p = nullptr;
    char* end_n = nullptr;
    const int64_t p = parts.size() == 2 && !parts[1].empty()
                          ? std::strtoll(parts[1].c_str(), &end_p, 10)
                          : -1;
    const int64_t n = std::strtoll(next.c_str(), &end_n, 10);
    if (p < 0 || *end_p != '\0' || next.empty() || *end_n != '\0') {
      return store::DataLoss(*tx.store(), kReadBack, key, "an offset");
    }
    start[{parts[0], static_cast<int32_t>(p)}] = n;
  }
  absl::StatusOr<std::vector<kafka::Record>> records;
  for (int attempt = 1; attempt <= 5; ++attempt) {
    records = read_back_(start);
    if (records.ok()) break;
    log::Warn("reading the public views back failed; retrying",
              {{"attempt", static_cast<int64_t>(attempt)},
               {"error", std::string(records.status().message())}});
    std::this_thread::sleep_for(std::chrono::seconds(attempt));
  }
  // Publishing without knowing what was published could break the version
  // rule: the loop stops (NOT_SERVING) instead, and a restart reads anew.
  if (!records.ok()) return records.status();
  std::map<kafka::TopicPartition, int64_t> next;
  std::map<std::string, internal::PublicViewState> states;  // read ones
  std::set<std::string> changed;
  for (const kafka::Record& r : *records) {
    next[{r.topic, r.partition}] = r.offset + 1;
    v1::Scorecard card;
    if (!card.ParseFromString(r.value) || !card.public_view() ||
        card.unit().empty() || card.period().empty()) {
      continue;
    }
    const std::string key = JoinKey({card.unit(), card.period()});
    auto it = states.find(key);
    if (it == states.end()) {
      FRUITION_ASSIGN_OR_RETURN(
          auto state,
          store::GetProtoOrEmpty<internal::PublicViewState>(tx, kViews, key));
      it = states.emplace(key, std::move(state)).first;
    }
    auto& shown = *it->second.mutable_shown();
    for (const auto& [q, values] : domain::ShownBy(card)) {
      auto& stored = shown[q];
      for (int64_t v : values) {
        if (std::find(stored.values().begin(), stored.values().end(), v) ==
            stored.values().end()) {
          stored.add_values(v);
          changed.insert(key);
        }
      }
    }
  }
  for (const std::string& key : changed) {
    tx.Put(kViews, key, SerializeDeterministic(states.at(key)));
  }
  for (const auto& [tp, n] : next) {
    tx.Put(kReadBack, JoinKey({tp.first, store::Decimal(tp.second, 5)}),
           std::to_string(n));
  }
  if (!records->empty()) {
    log::Info("public views read back",
              {{"records", static_cast<int64_t>(records->size())},
               {"unit_periods", static_cast<int64_t>(states.size())},
               {"with_new_values", static_cast<int64_t>(changed.size())}});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<stream::Output>> PublicStage::Apply(
    store::KvTx& tx, const std::vector<kafka::Record>& records,
    const std::set<int32_t>& owned) {
  (void)owned;
  std::vector<stream::Output> out;
  std::set<std::string> touched;  // fiscal years to recompute
  std::set<std::string> years;    // whose partition is noted
  for (const kafka::Record& r : records) {
    if (r.topic != public_base_topic_) continue;
    internal::PublicBase base;
    if (!base.ParseFromString(r.value) || base.card().unit().empty() ||
        base.card().period().size() < 6) {
      return stream::Unreadable(r, "not a fruition.internal.PublicBase");
    }
    const std::string fy = domain::FiscalYearOfPeriod(base.card().period());
    const std::string key =
        JoinKey({fy, base.card().unit(), base.card().period()});
    if (years.insert(fy).second) {
      const std::string partition = std::to_string(r.partition);
      FRUITION_ASSIGN_OR_RETURN(const auto known, tx.Get(kYearPartitions, fy));
      if (known != partition) tx.Put(kYearPartitions, fy, partition);
    }
    FRUITION_ASSIGN_OR_RETURN(const bool only_lags,
                              OnlyStartsLagging(tx, key, base));
    tx.Put(kBases, key, r.value);
    if (only_lags && touched.count(fy) == 0) {
      FRUITION_RETURN_IF_ERROR(
          MarkLagging(tx, base.card().unit(), base.card().period(), &out));
    } else {
      touched.insert(fy);
    }
  }
  for (const std::string& fy : touched) {
    FRUITION_RETURN_IF_ERROR(Recompute(tx, fy, &out));
  }
  return out;
}

absl::StatusOr<bool> PublicStage::OnlyStartsLagging(
    const store::KvTx& tx, const std::string& key,
    const internal::PublicBase& base) {
  if (!base.lags_current()) return false;
  FRUITION_ASSIGN_OR_RETURN(
      auto before, store::GetProto<internal::PublicBase>(tx, kBases, key));
  if (!before || before->lags_current()) return false;
  before->set_lags_current(true);
  return SerializeDeterministic(*before) == SerializeDeterministic(base);
}

absl::Status PublicStage::MarkLagging(store::KvTx& tx, const std::string& unit,
                                      const std::string& period,
                                      std::vector<stream::Output>* out) const {
  FRUITION_ASSIGN_OR_RETURN(auto stored,
                            store::GetProto<internal::PublicViewState>(
                                tx, kViews, JoinKey({unit, period})));
  if (!stored || !stored->has_card() || stored->card().lags_current()) {
    return absl::OkStatus();
  }
  internal::PublicViewState& state = *stored;
  v1::Scorecard& card = *state.mutable_card();
  card.set_lags_current(true);
  card.clear_scorecard_id();
  const int64_t revision = card.revision();
  card.clear_revision();
  card.set_scorecard_id(
      privacy::Sha256Hex(SerializeDeterministic(card)).substr(0, 32));
  card.set_revision(revision + 1);
  tx.Put(kViews, JoinKey({unit, period}), SerializeDeterministic(state));
  out->push_back(
      stream::Output{public_scores_topic_,
                     unit,
                     SerializeDeterministic(card),
                     {{"fruition-scorecard-id", card.scorecard_id()}}});
  return absl::OkStatus();
}

absl::Status PublicStage::Recompute(store::KvTx& tx,
                                    const std::string& fiscal_year,
                                    std::vector<stream::Output>* out) const {
  std::map<domain::UnitPeriod, domain::PublicInput> in;
  std::map<domain::UnitPeriod, internal::PublicViewState> before;
  // Checked when stored: bytes that no longer parse are damage (DATA_LOSS).
  FRUITION_ASSIGN_OR_RETURN(const auto bases,
                            store::ScanProto<internal::PublicBase>(
                                tx, kBases, JoinKey({fiscal_year, ""})));
  for (const auto& [key, base] : bases) {
    const domain::UnitPeriod up{base.card().unit(), base.card().period()};
    domain::PublicInput& input = in[up];
    input.base = base.card();
    input.has_base = base.has_base();
    input.lags_current = base.lags_current();
    input.parents.insert(base.parents().begin(), base.parents().end());
    internal::PublicViewState& state = before[up];
    FRUITION_ASSIGN_OR_RETURN(state,
                              store::GetProtoOrEmpty<internal::PublicViewState>(
                                  tx, kViews, JoinKey({up.first, up.second})));
    input.previous = state.card();
    for (const auto& [q, values] : state.shown()) {
      input.shown[q].insert(values.values().begin(), values.values().end());
    }
  }
  for (auto& [up, o] : domain::ComputePublicViews(in)) {
    const internal::PublicViewState& old = before[up];
    v1::Scorecard& card = o.card;
    // Which reports changed a card is for overseers only.
    card.clear_changed_by();
    card.clear_changed_by_count();
    card.set_scorecard_id(
        privacy::Sha256Hex(SerializeDeterministic(card)).substr(0, 32));
    if (old.has_card() && old.card().scorecard_id() == card.scorecard_id()) {
      continue;  // nothing new: what it showed is what it shows
    }
    card.set_revision(old.card().revision() + 1);
    internal::PublicViewState state;
    *state.mutable_card() = card;
    for (const auto& [q, values] : o.shown) {
      auto& v = (*state.mutable_shown())[q];
      for (int64_t x : values) v.add_values(x);
    }
    tx.Put(kViews, JoinKey({up.first, up.second}),
           SerializeDeterministic(state));
    tx.Put(kViewsByPeriod, JoinKey({up.second, up.first}), "");
    out->push_back(
        stream::Output{public_scores_topic_,
                       up.first,
                       SerializeDeterministic(card),
                       {{"fruition-scorecard-id", card.scorecard_id()}}});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::Scorecard>> PublicStage::View(
    const store::KvTx& tx, const std::string& unit, const std::string& period) {
  FRUITION_ASSIGN_OR_RETURN(auto state,
                            store::GetProto<internal::PublicViewState>(
                                tx, kViews, JoinKey({unit, period})));
  // Only what was read back (published values, no view of its own yet).
  if (!state || !state->has_card()) return std::optional<v1::Scorecard>();
  return std::optional<v1::Scorecard>(state->card());
}

absl::StatusOr<std::vector<v1::Scorecard>> PublicStage::Views(
    const store::KvTx& tx, const std::string& period,
    const std::string& unit_kind, const std::string& after, size_t limit) {
  std::vector<v1::Scorecard> out;
  const std::string prefix =
      JoinKey({period, unit_kind.empty() ? "" : unit_kind + ":"});
  const std::string from = after.empty() ? "" : JoinKey({period, after});
  FRUITION_ASSIGN_OR_RETURN(const auto keys,
                            tx.Scan(kViewsByPeriod, prefix, from));
  for (const auto& [key, unused] : keys) {
    const auto parts = SplitKey(key);
    FRUITION_ASSIGN_OR_RETURN(auto card, View(tx, parts[1], parts[0]));
    if (card) out.push_back(*std::move(card));
    if (limit > 0 && out.size() >= limit) break;
  }
  return out;
}

}  // namespace fruition::scoring
