#include "services/scoring/public_stage.h"

#include <map>

#include "fruition/internal/scoring.pb.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/proto.h"
#include "services/common/store/kv.h"
#include "services/common/strings.h"
#include "services/domain/disclosure.h"
#include "services/domain/periods.h"

namespace fruition::scoring {

using store::JoinKey;
using store::SplitKey;

PublicStage::PublicStage(std::string public_base_topic,
                         std::string public_scores_topic)
    : public_base_topic_(std::move(public_base_topic)),
      public_scores_topic_(std::move(public_scores_topic)) {}

absl::StatusOr<std::vector<stream::Output>> PublicStage::Apply(
    store::KvTx& tx, const std::vector<kafka::Record>& records,
    const std::set<int32_t>& owned, const stream::SkipSet& skip,
    stream::PoisonRecord* poison) {
  (void)owned;
  std::vector<stream::Output> out;
  std::set<std::string> touched;  // fiscal years to recompute
  for (const kafka::Record& r : records) {
    if (r.topic != public_base_topic_) continue;
    internal::PublicBase base;
    if (!base.ParseFromString(r.value) || base.card().unit().empty() ||
        base.card().period().size() < 6) {
      if (skip.count({{r.topic, r.partition}, r.offset}) > 0) continue;
      if (poison != nullptr) {
        *poison = stream::PoisonRecord{{r.topic, r.partition},
                                       r.offset,
                                       "not a fruition.internal.PublicBase"};
      }
      return absl::DataLossError(StrCat("unreadable record ", r.topic, "/",
                                        r.partition, "@", r.offset));
    }
    const std::string fy = domain::FiscalYearOfPeriod(base.card().period());
    const std::string key =
        JoinKey({fy, base.card().unit(), base.card().period()});
    const bool only_lags = OnlyStartsLagging(tx, key, base);
    tx.Put(kBases, key, r.value);
    if (only_lags && touched.count(fy) == 0) {
      MarkLagging(tx, base.card().unit(), base.card().period(), &out);
    } else {
      touched.insert(fy);
    }
  }
  for (const std::string& fy : touched) Recompute(tx, fy, &out);
  return out;
}

bool PublicStage::OnlyStartsLagging(const store::KvTx& tx,
                                    const std::string& key,
                                    const internal::PublicBase& base) {
  if (!base.lags_current()) return false;
  auto stored = tx.Get(kBases, key);
  internal::PublicBase before;
  if (!stored || !before.ParseFromString(*stored) || before.lags_current()) {
    return false;
  }
  before.set_lags_current(true);
  return SerializeDeterministic(before) == SerializeDeterministic(base);
}

void PublicStage::MarkLagging(store::KvTx& tx, const std::string& unit,
                              const std::string& period,
                              std::vector<stream::Output>* out) const {
  internal::PublicViewState state;
  auto bytes = tx.Get(kViews, JoinKey({unit, period}));
  if (!bytes || !state.ParseFromString(*bytes) || state.card().lags_current()) {
    return;
  }
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
}

void PublicStage::Recompute(store::KvTx& tx, const std::string& fiscal_year,
                            std::vector<stream::Output>* out) const {
  std::map<domain::UnitPeriod, domain::PublicInput> in;
  std::map<domain::UnitPeriod, internal::PublicViewState> before;
  for (const auto& [key, value] : tx.Scan(kBases, JoinKey({fiscal_year, ""}))) {
    internal::PublicBase base;
    if (!base.ParseFromString(value)) continue;  // checked when stored
    const domain::UnitPeriod up{base.card().unit(), base.card().period()};
    domain::PublicInput& input = in[up];
    input.base = base.card();
    input.has_base = base.has_base();
    input.lags_current = base.lags_current();
    input.parents.insert(base.parents().begin(), base.parents().end());
    internal::PublicViewState& state = before[up];
    if (auto bytes = tx.Get(kViews, JoinKey({up.first, up.second}))) {
      state.ParseFromString(*bytes);
    }
    input.previous = state.card();
    for (const auto& [q, values] : state.shown()) {
      input.shown[q].insert(values.values().begin(), values.values().end());
    }
  }
  for (auto& [up, o] : domain::ComputePublicViews(in)) {
    const internal::PublicViewState& old = before[up];
    v1::Scorecard& card = o.card;
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
}

std::optional<v1::Scorecard> PublicStage::View(const store::KvTx& tx,
                                               const std::string& unit,
                                               const std::string& period) {
  auto bytes = tx.Get(kViews, JoinKey({unit, period}));
  if (!bytes) return std::nullopt;
  internal::PublicViewState state;
  if (!state.ParseFromString(*bytes)) return std::nullopt;
  return state.card();
}

std::vector<v1::Scorecard> PublicStage::Views(const store::KvTx& tx,
                                              const std::string& period,
                                              const std::string& unit_kind,
                                              const std::string& after,
                                              size_t limit) {
  std::vector<v1::Scorecard> out;
  const std::string prefix =
      JoinKey({period, unit_kind.empty() ? "" : unit_kind + ":"});
  const std::string from = after.empty() ? "" : JoinKey({period, after});
  for (const auto& [key, unused] : tx.Scan(kViewsByPeriod, prefix, from)) {
    const auto parts = SplitKey(key);
    if (auto card = View(tx, parts[1], parts[0])) {
      out.push_back(*std::move(card));
    }
    if (limit > 0 && out.size() >= limit) break;
  }
  return out;
}

}  // namespace fruition::scoring
