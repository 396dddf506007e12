#include "services/gateway/views.h"

#include <algorithm>
#include <set>

#include "fruition/internal/gateway.pb.h"
#include "fruition/v1/reports.pb.h"
#include "services/common/auth/authz.h"
#include "services/common/log/log.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/status.h"
#include "services/common/store/proto_table.h"
#include "services/common/strings.h"
#include "services/domain/answers.h"
#include "services/domain/budget.h"

namespace fruition::gateway {
namespace {

using store::JoinKey;

std::string PositionKey(int topic, int32_t partition, int64_t offset) {
  return JoinKey({std::to_string(topic), store::Decimal(partition, 5),
                  store::BigEndian(static_cast<uint64_t>(offset), 8)});
}

std::string PartitionPrefix(int topic, int32_t partition) {
  return JoinKey({std::to_string(topic), store::Decimal(partition, 5), ""});
}

int CardsTable(CardView view) {
  return view == CardView::kPublic ? kPublicCards : kCards;
}

int HistoryTable(CardView view) {
  return view == CardView::kPublic ? kPublicHistory : kHistory;
}

std::string VersionKey(const std::string& unit, const std::string& period,
                       int32_t partition, int64_t offset) {
  return JoinKey({unit, period, store::Decimal(partition, 5),
                  store::Decimal(static_cast<uint64_t>(offset), 20)});
}

// "<partition>.<offset>" of a version, the `next` of a page.
std::string VersionToken(const CardVersion& v) {
  return StrCat(v.partition, ".", v.offset);
}

absl::StatusOr<std::string> VersionAfter(const std::string& unit,
                                         const std::string& period,
                                         const std::string& token) {
  if (token.empty()) return std::string();
  const size_t dot = token.find('.');
  const auto digits = [](const std::string& t) {
    return !t.empty() && t.size() <= 18 &&
           t.find_first_not_of("0123456789") == std::string::npos;
  };
  if (dot == std::string::npos || !digits(token.substr(0, dot)) ||
      !digits(token.substr(dot + 1)) || dot > 5) {
    return absl::InvalidArgumentError(
        "after: not a position this service gave (use the `next` of an "
        "earlier answer, or nothing to start from the oldest version)");
  }
  return VersionKey(unit, period, std::stoi(token.substr(0, dot)),
                    std::stoll(token.substr(dot + 1)));
}

absl::StatusOr<CardVersion> ParseVersion(const store::KvTx& tx, int table,
                                         const std::string& key,
                                         const std::string& value) {
  internal::GatewayCard stored;
  if (!stored.ParseFromString(value)) {
    return store::DataLoss(*tx.store(), table, key,
                           "a fruition.internal.GatewayCard");
  }
  CardVersion v;
  v.card = std::move(*stored.mutable_card());
  v.at_ms = stored.timestamp_ms();
  v.partition = stored.partition();
  v.offset = stored.offset();
  return v;
}

int ByPeriodTable(CardView view) {
  return view == CardView::kPublic ? kPublicByPeriod : kByPeriod;
}

absl::StatusOr<uint64_t> Counter(const store::KvTx& tx,
                                 const std::string& name) {
  FRUITION_ASSIGN_OR_RETURN(const auto v, tx.Get(kMeta, name));
  if (!v) return 0;
  char* end = nullptr;
  const uint64_t n = std::strtoull(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0') {
    return store::DataLoss(*tx.store(), kMeta, name, "a decimal number");
  }
  return n;
}

}  // namespace

const std::vector<std::string>& Tables() {
  static const auto* t = new std::vector<std::string>{
      "events",      "positions",      "event_ids",       "cards",
      "by_period",   "meta",           "public_cards",    "public_by_period",
      "history",     "public_history", "version_digests", "answers",
      "budget_lines"};
  return *t;
}

int64_t Cursor::At(int topic, int32_t partition) const {
  const auto& v = next[topic];
  return partition < static_cast<int32_t>(v.size()) ? v[partition] : 0;
}

void Cursor::Pass(int topic, int32_t partition, int64_t offset) {
  auto& v = next[topic];
  if (partition >= static_cast<int32_t>(v.size())) v.resize(partition + 1, 0);
  v[partition] = std::max(v[partition], offset + 1);
}

std::string Cursor::Encode() const {
  if (next[0].empty() && next[1].empty()) return "";
  std::string out = "c1";
  for (const auto& v : next) {
    out += '.';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += '-';
      out += std::to_string(v[i]);
    }
  }
  return out;
}

absl::StatusOr<Cursor> Cursor::Decode(const std::string& s,
                                      const std::string& field) {
  Cursor c;
  if (s.empty()) return c;
  auto bad = [&] {
    return absl::InvalidArgumentError(
        StrCat(field,
               ": not a cursor this service gave (use the `next` or "
               "`cursor` of an earlier answer, or nothing to start "
               "from the beginning)"));
  };
  if (s.rfind("c1.", 0) != 0) return bad();
  size_t pos = 3;
  for (int topic = 0; topic < 2; ++topic) {
    const size_t end = topic == 0 ? s.find('.', pos) : s.size();
    if (end == std::string::npos) return bad();
    const std::string part = s.substr(pos, end - pos);
    if (!part.empty() && part.back() == '-') return bad();
    size_t i = 0;
    while (i < part.size()) {
      size_t j = part.find('-', i);
      if (j == std::string::npos) j = part.size();
      const std::string num = part.substr(i, j - i);
      if (num.empty() || num.size() > 18 ||
          num.find_first_not_of("0123456789") != std::string::npos) {
        return bad();
      }
      c.next[topic].push_back(std::stoll(num));
      i = j + 1;
    }
    if (c.next[topic].size() > 100000) return bad();
    pos = end + 1;
  }
  return c;
}

bool Matches(const v1::EventFilter& f, const v1::OversightEvent& e) {
  if (f.types_size() > 0 && std::find(f.types().begin(), f.types().end(),
                                      e.type()) == f.types().end()) {
    return false;
  }
  if (!f.unit().empty() && e.unit() != f.unit()) return false;
  if (!f.period().empty() && e.period() != f.period()) return false;
  if (f.visibility() != v1::VISIBILITY_UNSPECIFIED &&
      e.visibility() != f.visibility()) {
    return false;
  }
  if (f.has_resolved() && e.resolved() != f.resolved()) return false;
  if (!f.about().empty() && !auth::EventConcerns(e, f.about())) return false;
  return true;
}

Views::Views(store::KvStore* store, ViewTopics topics)
    : store_(store), topics_(std::move(topics)) {}

absl::StatusOr<std::vector<stream::Output>> Views::Apply(
    store::KvTx& tx, const std::vector<kafka::Record>& records,
    const std::set<int32_t>& /*owned*/) {
  for (const kafka::Record& r : records) {
    if (r.topic == topics_.scores || r.topic == topics_.scores_public) {
      FRUITION_RETURN_IF_ERROR(ApplyCard(tx, r));
      continue;
    }
    if (!topics_.reference.empty() && r.topic == topics_.reference) {
      FRUITION_RETURN_IF_ERROR(ApplyReference(tx, r));
      continue;
    }
    const int topic = r.topic == topics_.oversight_public       ? 0
                      : r.topic == topics_.oversight_restricted ? 1
                                                                : -1;
    if (topic < 0) continue;
    FRUITION_RETURN_IF_ERROR(ApplyEvent(tx, r, topic));
  }
  return std::vector<stream::Output>{};
}

absl::Status Views::ApplyCard(store::KvTx& tx, const kafka::Record& r) const {
  const bool public_topic = r.topic == topics_.scores_public;
  v1::Scorecard card;
  if (!card.ParseFromString(r.value)) {
    return stream::Unreadable(r, "not a fruition.v1.Scorecard");
  }
  if (card.unit().empty()) return absl::OkStatus();
  // A card that is not a public view is not shown as one.
  if (public_topic && !card.public_view()) return absl::OkStatus();
  const CardView view =
      public_topic ? CardView::kPublic : CardView::kRestricted;
  tx.Put(CardsTable(view), JoinKey({card.unit(), card.period()}), r.value);
  tx.Put(ByPeriodTable(view), JoinKey({card.period(), card.unit()}), "");
  // Every version, once: keyed by position (a record read again lands on
  // its own key) and known by digest (the same card produced again).
  const std::string digest =
      JoinKey({public_topic ? "p" : "r", card.unit(), card.period(),
               privacy::Sha256Hex(r.value)});
  FRUITION_ASSIGN_OR_RETURN(const auto seen, tx.Get(kVersionDigests, digest));
  if (seen) return absl::OkStatus();
  tx.Put(kVersionDigests, digest, "");
  internal::GatewayCard version;
  *version.mutable_card() = std::move(card);
  version.set_timestamp_ms(r.timestamp_ms);
  version.set_partition(r.partition);
  version.set_offset(r.offset);
  tx.Put(HistoryTable(view),
         VersionKey(version.card().unit(), version.card().period(), r.partition,
                    r.offset),
         version.SerializeAsString());
  return absl::OkStatus();
}

absl::Status Views::ApplyReference(store::KvTx& tx,
                                   const kafka::Record& r) const {
  v1::AgencyReport report;
  if (!report.ParseFromString(r.value)) {
    return stream::Unreadable(r, "not a fruition.v1.AgencyReport");
  }
  if (report.has_budget_line()) {
    // Every version, keyed as the reconciler keys them; the same version
    // read again (a replay) overwrites itself.
    tx.Put(kBudgetLines,
           JoinKey({report.budget_line().line_id(), report.reporter(),
                    report.report_id()}),
           r.value);
    return absl::OkStatus();
  }
  if (!domain::IsAnswer(report)) return absl::OkStatus();
  const std::string key = domain::AnswerKey(report);
  FRUITION_ASSIGN_OR_RETURN(
      const auto stored, store::GetProto<v1::AgencyReport>(tx, kAnswers, key));
  if (stored && !domain::ReplacesAnswer(report, *stored)) {
    return absl::OkStatus();
  }
  tx.Put(kAnswers, key, r.value);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::AgencyReport>> Views::BudgetLines() const {
  store::KvTx tx(store_);
  FRUITION_ASSIGN_OR_RETURN(
      auto rows, store::ScanProto<v1::AgencyReport>(tx, kBudgetLines, ""));
  std::vector<v1::AgencyReport> versions;
  versions.reserve(rows.size());
  for (auto& [k, r] : rows) versions.push_back(std::move(r));
  std::vector<v1::AgencyReport> out;
  for (const auto& [line_id, current] : domain::CurrentBudgetLines(versions)) {
    out.push_back(*current);
  }
  return out;
}

absl::Status Views::Annotate(std::vector<v1::OversightEvent>* events,
                             const AnswerAccess& full) const {
  store::KvTx tx(store_);
  for (v1::OversightEvent& e : *events) {
    e.clear_accountability();
    FRUITION_ASSIGN_OR_RETURN(
        auto rows,
        store::ScanProto<v1::AgencyReport>(
            tx, kAnswers, domain::AnswerPrefix(e.condition_key()), "", 1000));
    if (rows.empty()) continue;
    std::vector<v1::AgencyReport> kept;
    kept.reserve(rows.size());
    for (auto& [k, r] : rows) kept.push_back(std::move(r));
    auto a = domain::Accountability(e, kept, full != nullptr && full(e));
    if (a) *e.mutable_accountability() = *std::move(a);
  }
  return absl::OkStatus();
}

absl::Status Views::ApplyEvent(store::KvTx& tx, const kafka::Record& r,
                               int topic) const {
  internal::GatewayEvent ge;
  if (!ge.mutable_event()->ParseFromString(r.value)) {
    return stream::Unreadable(r, "not a fruition.v1.OversightEvent");
  }
  if (ge.event().event_id().empty()) return absl::OkStatus();
  FRUITION_ASSIGN_OR_RETURN(const auto seen,
                            tx.Get(kEventIds, ge.event().event_id()));
  if (seen) return absl::OkStatus();
  // A record on the wrong topic is not shown as what it claims to be.
  if (ge.event().visibility() !=
      (topic == 0 ? v1::VISIBILITY_PUBLIC : v1::VISIBILITY_RESTRICTED)) {
    return absl::OkStatus();
  }
  ge.set_topic(topic);
  ge.set_partition(r.partition);
  ge.set_offset(r.offset);
  FRUITION_ASSIGN_OR_RETURN(const uint64_t last, Counter(tx, "seq"));
  const uint64_t seq = last + 1;
  tx.Put(kMeta, "seq", std::to_string(seq));
  const std::string parts = StrCat("partitions:", topic);
  FRUITION_ASSIGN_OR_RETURN(const uint64_t known, Counter(tx, parts));
  if (static_cast<uint64_t>(r.partition) + 1 > known) {
    tx.Put(kMeta, parts, std::to_string(r.partition + 1));
  }
  tx.Put(kEvents, store::Decimal(seq, 20), ge.SerializeAsString());
  tx.Put(kPositions, PositionKey(topic, r.partition, r.offset),
         store::Decimal(seq, 20));
  tx.Put(kEventIds, ge.event().event_id(), store::Decimal(seq, 20));
  return absl::OkStatus();
}

void Views::Committed() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++version_;
  }
  changed_.notify_all();
}

uint64_t Views::version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return version_;
}

void Views::WaitForChange(uint64_t seen,
                          std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return version_ != seen; });
}

absl::StatusOr<Page> Views::List(const v1::EventFilter& filter,
                                 const Cursor& after, bool restricted,
                                 int limit, int scan_max) const {
  return List(
      filter, after,
      [restricted](const v1::OversightEvent& e) {
        return restricted || e.visibility() == v1::VISIBILITY_PUBLIC;
      },
      limit, scan_max);
}

absl::StatusOr<Page> Views::List(const v1::EventFilter& filter,
                                 const Cursor& after,
                                 const EventAccess& may_read, int limit,
                                 int scan_max) const {
  Page page;
  Cursor at = after;
  store::KvTx tx(store_);
  // The earliest event, in this replica's order, that the cursor has not
  // passed in its partition.
  std::string start;
  for (int topic = 0; topic < 2; ++topic) {
    FRUITION_ASSIGN_OR_RETURN(const int64_t partitions,
                              Counter(tx, StrCat("partitions:", topic)));
    const auto parts = static_cast<int32_t>(partitions);
    for (int32_t p = 0; p < parts; ++p) {
      const int64_t from = at.At(topic, p);
      const std::string after_key =
          from > 0 ? PositionKey(topic, p, from - 1) : "";
      FRUITION_ASSIGN_OR_RETURN(
          const auto first,
          tx.Scan(kPositions, PartitionPrefix(topic, p), after_key, 1));
      if (!first.empty() && (start.empty() || first[0].second < start)) {
        start = first[0].second;
      }
    }
  }
  if (start.empty()) {
    page.next = at.Encode();
    return page;
  }
  std::string scan_after = store::Decimal(std::stoull(start) - 1, 20);
  int scanned = 0;
  bool full = false;
  while (!full && scanned < scan_max) {
    FRUITION_ASSIGN_OR_RETURN(const auto chunk,
                              tx.Scan(kEvents, "", scan_after, 500));
    for (const auto& [k, v] : chunk) {
      scan_after = k;
      internal::GatewayEvent ge;
      if (!ge.ParseFromString(v)) {
        return store::DataLoss(*tx.store(), kEvents, k,
                               "a fruition.internal.GatewayEvent");
      }
      if (ge.offset() < at.At(ge.topic(), ge.partition())) continue;
      at.Pass(ge.topic(), ge.partition(), ge.offset());
      ++scanned;
      if (Matches(filter, ge.event()) && may_read(ge.event())) {
        page.events.push_back(ge.event());
        page.cursors.push_back(at.Encode());
        if (static_cast<int>(page.events.size()) >= limit) {
          full = true;
          break;
        }
      }
      if (scanned >= scan_max) break;
    }
    if (chunk.size() < 500) break;
  }
  page.next = at.Encode();
  return page;
}

absl::StatusOr<std::optional<v1::Scorecard>> Views::Card(
    CardView view, const std::string& unit, const std::string& period) const {
  store::KvTx tx(store_);
  return store::GetProto<v1::Scorecard>(tx, CardsTable(view),
                                        JoinKey({unit, period}));
}

absl::StatusOr<std::vector<v1::Scorecard>> Views::Cards(
    CardView view, const std::string& period, const std::string& unit_kind,
    const std::string& after, size_t limit) const {
  std::vector<v1::Scorecard> out;
  store::KvTx tx(store_);
  const std::string prefix =
      JoinKey({period, unit_kind.empty() ? "" : unit_kind + ":"});
  const std::string from = after.empty() ? "" : JoinKey({period, after});
  FRUITION_ASSIGN_OR_RETURN(const auto keys,
                            tx.Scan(ByPeriodTable(view), prefix, from, limit));
  for (const auto& [k, v] : keys) {
    const auto parts = store::SplitKey(k);
    if (parts.size() != 2) continue;
    FRUITION_ASSIGN_OR_RETURN(
        auto card, store::GetProto<v1::Scorecard>(tx, CardsTable(view),
                                                  JoinKey({parts[1], period})));
    if (card) out.push_back(*std::move(card));
  }
  return out;
}

absl::StatusOr<VersionPage> Views::Versions(CardView view,
                                            const std::string& unit,
                                            const std::string& period,
                                            const std::string& after,
                                            size_t limit) const {
  FRUITION_ASSIGN_OR_RETURN(const std::string from,
                            VersionAfter(unit, period, after));
  store::KvTx tx(store_);
  const int table = HistoryTable(view);
  // One more than asked: whether there is a next page.
  FRUITION_ASSIGN_OR_RETURN(
      const auto rows,
      tx.Scan(table, JoinKey({unit, period, ""}), from, limit + 1));
  VersionPage page;
  for (size_t i = 0; i < rows.size() && i < limit; ++i) {
    FRUITION_ASSIGN_OR_RETURN(
        CardVersion v, ParseVersion(tx, table, rows[i].first, rows[i].second));
    page.versions.push_back(std::move(v));
  }
  if (rows.size() > limit && !page.versions.empty()) {
    page.next = VersionToken(page.versions.back());
  }
  return page;
}

absl::StatusOr<std::vector<v1::Scorecard>> Views::CardsAsOf(
    CardView view, const std::string& period, const std::string& unit_kind,
    const std::vector<int64_t>& next_offsets) const {
  std::vector<v1::Scorecard> out;
  store::KvTx tx(store_);
  const int table = HistoryTable(view);
  const std::string prefix =
      JoinKey({period, unit_kind.empty() ? "" : unit_kind + ":"});
  FRUITION_ASSIGN_OR_RETURN(const auto keys,
                            tx.Scan(ByPeriodTable(view), prefix));
  for (const auto& [k, unused] : keys) {
    const auto parts = store::SplitKey(k);
    if (parts.size() != 2) continue;
    FRUITION_ASSIGN_OR_RETURN(const auto rows,
                              tx.Scan(table, JoinKey({parts[1], period, ""})));
    std::optional<CardVersion> latest;
    for (const auto& [key, value] : rows) {
      FRUITION_ASSIGN_OR_RETURN(CardVersion v,
                                ParseVersion(tx, table, key, value));
      const auto p = static_cast<size_t>(v.partition);
      if (p >= next_offsets.size() || v.offset >= next_offsets[p]) continue;
      latest = std::move(v);  // key order: later in its partition
    }
    if (latest) out.push_back(std::move(latest->card));
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> Views::NextOffsets(CardView view) const {
  store::KvTx tx(store_);
  FRUITION_ASSIGN_OR_RETURN(
      const auto offsets,
      tx.Offsets(view == CardView::kPublic ? topics_.scores_public
                                           : topics_.scores));
  std::vector<int64_t> out;
  for (const auto& [p, next] : offsets) {
    if (p < 0) continue;
    if (static_cast<size_t>(p) >= out.size()) out.resize(p + 1, 0);
    out[p] = next;
  }
  return out;
}

absl::Status Views::UnitsAndPeriods(CardView view,
                                    std::vector<std::string>* units,
                                    std::vector<std::string>* periods) const {
  std::set<std::string> u, p;
  store::KvTx tx(store_);
  FRUITION_ASSIGN_OR_RETURN(const auto rows, tx.Scan(CardsTable(view), ""));
  for (const auto& [k, v] : rows) {
    const auto parts = store::SplitKey(k);
    if (parts.size() != 2) continue;
    u.insert(parts[0]);
    p.insert(parts[1]);
  }
  units->assign(u.begin(), u.end());
  periods->assign(p.begin(), p.end());
  return absl::OkStatus();
}

std::vector<std::string> Views::TopicList() const {
  std::vector<std::string> out = {topics_.oversight_public,
                                  topics_.oversight_restricted, topics_.scores,
                                  topics_.scores_public};
  if (!topics_.reference.empty()) out.push_back(topics_.reference);
  return out;
}

absl::StatusOr<kafka::StartOffsets> Views::StartOffsets() const {
  kafka::StartOffsets out;
  store::KvTx tx(store_);
  for (const std::string& topic : TopicList()) {
    FRUITION_ASSIGN_OR_RETURN(const auto offsets, tx.Offsets(topic));
    for (const auto& [p, n] : offsets) out[{topic, p}] = n;
  }
  return out;
}

}  // namespace fruition::gateway
