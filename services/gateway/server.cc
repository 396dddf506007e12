#include "services/gateway/server.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "services/common/auth/authz.h"
#include "services/common/log/log.h"
#include "services/common/server/audit.h"
#include "services/common/server/grpc_server.h"
#include "services/common/status.h"
#include "services/common/strings.h"
#include "services/domain/answers.h"
#include "services/domain/indicators.h"
#include "services/domain/periods.h"
#include "services/gateway/budgets.h"
#include "services/gateway/whatif.h"

namespace fruition::gateway {
namespace {

grpc::Status Invalid(const std::string& field, const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      StrCat(field, ": ", message));
}

// A read of the gateway's store that failed: logged with what was asked
// and returned as it is (DATA_LOSS for stored bytes that do not parse),
// never answered as if nothing were stored.
grpc::Status StoreError(const char* method, const absl::Status& s) {
  log::Error("gateway store read failed",
             {{"method", method}, {"error", std::string(s.message())}});
  return ToGrpcStatus(s);
}

// SPEC §5 D1: a cell disclosure control withheld carries nothing but
// `suppressed`, whatever the record held. (Which cells are withheld is
// scoring's decision, never the gateway's.)
void ClearCell(v1::Indicator* i) {
  if (!i->suppressed()) return;
  i->clear_value();
  i->clear_n();
  i->clear_defined();
}

void ClearWithheld(v1::Scorecard* card) {
  for (v1::Indicator& i : *card->mutable_indicators()) ClearCell(&i);
}

CardView ViewOf(const auth::Principal& caller) {
  return auth::MayReadRestricted(caller) ? CardView::kRestricted
                                         : CardView::kPublic;
}

// The cell named `indicator` of `card`, or null.
const v1::Indicator* CellOf(const v1::Scorecard& card,
                            const std::string& indicator) {
  for (const v1::Indicator& i : card.indicators()) {
    if (i.name() == indicator) return &i;
  }
  return nullptr;
}

// A number 1 to kMaxLimit, or the default for 0.
grpc::Status CheckLimit(int limit) {
  if (limit < 0 || limit > kMaxLimit) {
    return Invalid("limit", StrCat("must be 0 to ", kMaxLimit));
  }
  return grpc::Status::OK;
}

}  // namespace

absl::StatusOr<std::string> ResolveIndicator(const std::string& name,
                                             const std::string& field) {
  for (const domain::IndicatorDef& d : domain::Indicators()) {
    const bool family = !d.name.empty() && d.name.back() == ':';
    for (const std::string* form : {&d.name, &d.json_name}) {
      if (!family && name == *form) return d.name;
      if (family && name.size() > form->size() &&
          name.compare(0, form->size(), *form) == 0) {
        return d.name + name.substr(form->size());
      }
    }
  }
  return absl::InvalidArgumentError(
      StrCat(field, ": '", name,
             "' is not an indicator (a SPEC name such as lnf_share or its "
             "JSON name lnfShare; see /api/v1/catalogue/indicators)"));
}

absl::StatusOr<std::vector<std::string>> PeriodRange(const std::string& from,
                                                     const std::string& to) {
  if (!domain::ValidPeriod(from)) {
    return absl::InvalidArgumentError(StrCat("from: ", domain::kPeriodHelp));
  }
  if (!domain::ValidPeriod(to)) {
    return absl::InvalidArgumentError(StrCat("to: ", domain::kPeriodHelp));
  }
  const bool years = domain::IsFiscalYear(from);
  if (years != domain::IsFiscalYear(to)) {
    return absl::InvalidArgumentError(
        "to: the same kind of period as `from` (both fiscal years, FY2016, "
        "or both quarters, FY2016Q1)");
  }
  // Quarters numbered year * 4 + (q - 1).
  const auto index = [years](const std::string& p) {
    return years ? domain::YearOf(p) : domain::YearOf(p) * 4 + (p.back() - '1');
  };
  const int a = index(from), b = index(to);
  if (a > b) return absl::InvalidArgumentError("to: must not be before from");
  if (b - a + 1 > kMaxSeriesPoints) {
    return absl::InvalidArgumentError(
        StrCat("to: at most ", kMaxSeriesPoints, " periods from `from`"));
  }
  std::vector<std::string> out;
  for (int i = a; i <= b; ++i) {
    out.push_back(years
                      ? domain::FiscalYearName(i)
                      : StrCat(domain::FiscalYearName(i / 4), "Q", i % 4 + 1));
  }
  return out;
}

void RankUnits(std::vector<v1::UnitRank>* units) {
  const auto ranked = [](const v1::UnitRank& u) {
    return !u.no_data() && !u.cell().suppressed() && u.cell().defined();
  };
  auto mid = std::stable_partition(units->begin(), units->end(), ranked);
  std::sort(units->begin(), mid, [](const auto& x, const auto& y) {
    if (x.cell().value() != y.cell().value()) {
      return x.cell().value() > y.cell().value();
    }
    return x.unit() < y.unit();
  });
  std::sort(mid, units->end(),
            [](const auto& x, const auto& y) { return x.unit() < y.unit(); });
  const auto n = static_cast<double>(mid - units->begin());
  for (auto it = units->begin(); it != mid; ++it) {
    const double v = it->cell().value();
    // Sorted highest first: the equal ones are a run around `it`.
    const auto first = std::find_if(units->begin(), mid, [v](const auto& u) {
      return u.cell().value() == v;
    });
    const auto last = std::find_if(
        first, mid, [v](const auto& u) { return u.cell().value() != v; });
    const double equal = static_cast<double>(last - first);
    const double below = static_cast<double>(mid - last);
    it->set_rank(static_cast<int32_t>(first - units->begin()) + 1);
    it->set_percentile(std::round(1000.0 * (below + 0.5 * equal) / n) / 10.0);
  }
  for (auto it = mid; it != units->end(); ++it) {
    it->set_rank(0);
    it->set_percentile(0);
  }
}

void ForPublic(v1::Scorecard* card) {
  ClearWithheld(card);
  const auto* reflection = card->GetReflection();
  for (int number : {10, 11}) {
    const auto* field = card->GetDescriptor()->FindFieldByNumber(number);
    if (field != nullptr) reflection->ClearField(card, field);
  }
}

EventAccess AccessOf(const auth::Principal& caller) {
  return [caller](const v1::OversightEvent& e) {
    return auth::MayReadEvent(caller, e);
  };
}

AnswerAccess AnswersOf(const auth::Principal& caller) {
  return [caller](const v1::OversightEvent& e) {
    return domain::SeesAnswersInFull(caller, e);
  };
}

bool RestrictedEventRead(const v1::EventFilter& filter, bool restricted) {
  return restricted && filter.visibility() != v1::VISIBILITY_PUBLIC;
}

std::vector<std::string> RestrictedEventResources(
    const std::vector<v1::OversightEvent>& events) {
  std::vector<std::string> ids;
  for (const auto& e : events) {
    if (e.visibility() != v1::VISIBILITY_PUBLIC) {
      ids.push_back(StrCat("event:", e.event_id()));
    }
  }
  return ids;
}

absl::Status CheckFilter(const v1::EventFilter& f, bool restricted,
                         const std::string& prefix) {
  for (int t : f.types()) {
    if (!v1::EventType_IsValid(t) || t == v1::EVENT_TYPE_UNSPECIFIED) {
      return absl::InvalidArgumentError(StrCat(
          prefix, "type: not an EventType (e.g. ", "EVENT_TYPE_FRUITION_GAP)"));
    }
  }
  if (!v1::Visibility_IsValid(f.visibility())) {
    return absl::InvalidArgumentError(StrCat(prefix,
                                             "visibility: VISIBILITY_PUBLIC or "
                                             "VISIBILITY_RESTRICTED"));
  }
  if (!f.period().empty() && !domain::ValidPeriod(f.period())) {
    return absl::InvalidArgumentError(
        StrCat(prefix, "period: FY2016 or FY2016Q1"));
  }
  if (f.about().size() > 128 ||
      f.about().find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                                  "qrstuvwxyz0123456789-_.") !=
          std::string::npos) {
    return absl::InvalidArgumentError(
        StrCat(prefix, "about: an agency's principal code (e.g. DEA)"));
  }
  if (f.visibility() == v1::VISIBILITY_RESTRICTED && !restricted) {
    return absl::PermissionDeniedError(
        StrCat(prefix,
               "visibility: RESTRICTED events are for overseers and the "
               "agencies they concern only"));
  }
  return absl::OkStatus();
}

OversightServiceImpl::OversightServiceImpl(
    Views* views, const auth::PrincipalRegistry* principals,
    audit::Trail* trail, const std::atomic<bool>* draining)
    : views_(views),
      principals_(principals),
      trail_(trail),
      draining_(draining) {}

grpc::Status OversightServiceImpl::AuditRead(
    const auth::Principal& caller, const std::string& action,
    std::vector<std::string> resources) const {
  return server::AuditRead(*trail_, caller.code, action, std::move(resources));
}

grpc::Status OversightServiceImpl::AuditScorecards(
    const auth::Principal& caller, const std::string& action,
    const std::vector<const v1::Scorecard*>& cards) const {
  if (!auth::MayReadRestricted(caller)) return grpc::Status::OK;
  std::vector<std::string> resources;
  resources.reserve(cards.size());
  for (const v1::Scorecard* c : cards) {
    resources.push_back(StrCat("unit-period:", c->unit(), "/", c->period()));
  }
  return AuditRead(caller, action, std::move(resources));
}

grpc::Status OversightServiceImpl::Subscribe(
    grpc::ServerContext* context, const v1::SubscribeRequest* request,
    grpc::ServerWriter<v1::EventDelivery>* writer) {
  auto caller = server::AuthenticateCaller(*principals_, *context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const bool restricted = auth::ReadsRestrictedEvents(*caller);
  const EventAccess may_read = AccessOf(*caller);
  if (absl::Status s = CheckFilter(request->filter(), restricted, "filter.");
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  auto at = Cursor::Decode(request->after(), "after");
  if (!at.ok()) return ToGrpcStatus(at.status());
  Cursor cursor = *std::move(at);
  while (!context->IsCancelled() && !draining_->load()) {
    const uint64_t seen = views_->version();
    auto listed = views_->List(request->filter(), cursor, may_read, 500);
    if (!listed.ok()) return StoreError("Subscribe", listed.status());
    Page page = *std::move(listed);
    if (absl::Status s = views_->Annotate(&page.events, AnswersOf(*caller));
        !s.ok()) {
      return StoreError("Subscribe", s);
    }
    // A stream records each batch that holds restricted events, before
    // sending it; the client resumes from its last cursor after UNAVAILABLE.
    if (std::vector<std::string> ids = RestrictedEventResources(page.events);
        !ids.empty()) {
      if (grpc::Status st =
              AuditRead(*caller, kSubscribeMethod, std::move(ids));
          !st.ok()) {
        return st;
      }
    }
    for (size_t i = 0; i < page.events.size(); ++i) {
      v1::EventDelivery d;
      *d.mutable_event() = std::move(page.events[i]);
      d.set_cursor(page.cursors[i]);
      if (!writer->Write(d)) return grpc::Status::OK;  // caller gone
    }
    const bool moved = page.next != cursor.Encode();
    auto next = Cursor::Decode(page.next, "after");
    if (next.ok()) cursor = *std::move(next);
    if (!moved) views_->WaitForChange(seen, std::chrono::milliseconds(500));
  }
  if (draining_->load()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the gateway is shutting down; resubscribe with the "
                        "cursor of the last event received");
  }
  return grpc::Status::OK;
}

grpc::Status OversightServiceImpl::ListEvents(
    grpc::ServerContext* context, const v1::ListOversightEventsRequest* request,
    v1::ListOversightEventsResponse* response) {
  return server::AsCaller(*principals_, *context,
                          [&](const auth::Principal& caller) {
                            return ListEventsAs(caller, *request, response);
                          });
}

grpc::Status OversightServiceImpl::GetScorecard(
    grpc::ServerContext* context, const v1::GetScorecardRequest* request,
    v1::Scorecard* response) {
  return server::AsCaller(*principals_, *context,
                          [&](const auth::Principal& caller) {
                            return GetScorecardAs(caller, *request, response);
                          });
}

grpc::Status OversightServiceImpl::ListScorecards(
    grpc::ServerContext* context, const v1::ListScorecardsRequest* request,
    v1::ListScorecardsResponse* response) {
  return server::AsCaller(*principals_, *context,
                          [&](const auth::Principal& caller) {
                            return ListScorecardsAs(caller, *request, response);
                          });
}

grpc::Status OversightServiceImpl::GetSeries(
    grpc::ServerContext* context, const v1::GetSeriesRequest* request,
    v1::GetSeriesResponse* response) {
  return server::AsCaller(*principals_, *context,
                          [&](const auth::Principal& caller) {
                            return GetSeriesAs(caller, *request, response);
                          });
}

grpc::Status OversightServiceImpl::CompareUnits(
    grpc::ServerContext* context, const v1::CompareUnitsRequest* request,
    v1::CompareUnitsResponse* response) {
  return server::AsCaller(*principals_, *context,
                          [&](const auth::Principal& caller) {
                            return CompareUnitsAs(caller, *request, response);
                          });
}

grpc::Status OversightServiceImpl::ListScorecardVersions(
    grpc::ServerContext* context,
    const v1::ListScorecardVersionsRequest* request,
    v1::ListScorecardVersionsResponse* response) {
  return server::AsCaller(
      *principals_, *context, [&](const auth::Principal& caller) {
        return ListScorecardVersionsAs(caller, *request, response);
      });
}

grpc::Status OversightServiceImpl::WhatIf(grpc::ServerContext* context,
                                          const v1::WhatIfRequest* request,
                                          v1::WhatIfResponse* response) {
  // Authenticated like every call (an unknown token is refused, audited),
  // but the answer does not depend on who asks.
  return server::AsCaller(*principals_, *context, [&](const auth::Principal&) {
    return WhatIfAs(*request, response);
  });
}

grpc::Status OversightServiceImpl::WhatIfAs(
    const v1::WhatIfRequest& request, v1::WhatIfResponse* response) const {
  if (absl::Status s = CheckWhatIf(request); !s.ok()) return ToGrpcStatus(s);
  auto agencies =
      views_->Cards(CardView::kPublic, request.period(), "agency", "", 0);
  if (!agencies.ok()) return StoreError("WhatIf", agencies.status());
  if (agencies->empty()) {
    return Invalid("period", StrCat("the public view has no agency "
                                    "scorecards for ",
                                    request.period()));
  }
  auto national =
      views_->Card(CardView::kPublic, "national:US", request.period());
  if (!national.ok()) return StoreError("WhatIf", national.status());
  for (v1::Scorecard& card : *agencies) ClearWithheld(&card);
  if (*national) ClearWithheld(&**national);
  auto answer =
      ComputeWhatIf(request, *agencies, *national ? &**national : nullptr);
  if (!answer.ok()) return ToGrpcStatus(answer.status());
  *response = *std::move(answer);
  return grpc::Status::OK;
}

grpc::Status OversightServiceImpl::ListBudgetLines(
    grpc::ServerContext* context, const v1::ListBudgetLinesRequest* request,
    v1::ListBudgetLinesResponse* response) {
  // Authenticated like every call; the answer does not depend on who asks.
  return server::AsCaller(*principals_, *context, [&](const auth::Principal&) {
    return ListBudgetLinesAs(*request, response);
  });
}

grpc::Status OversightServiceImpl::ListBudgetLinesAs(
    const v1::ListBudgetLinesRequest& request,
    v1::ListBudgetLinesResponse* response) const {
  if (absl::Status s = CheckBudgetQuery(request); !s.ok()) {
    return ToGrpcStatus(s);
  }
  auto lines = views_->BudgetLines();
  if (!lines.ok()) return StoreError("ListBudgetLines", lines.status());
  auto cards =
      views_->Cards(CardView::kPublic, request.period(), "agency", "", 0);
  if (!cards.ok()) return StoreError("ListBudgetLines", cards.status());
  for (v1::Scorecard& card : *cards) ClearWithheld(&card);
  *response = JudgeBudgetLines(request, *lines, *cards);
  return grpc::Status::OK;
}

grpc::Status OversightServiceImpl::GetSeriesAs(
    const auth::Principal& caller, const v1::GetSeriesRequest& request,
    v1::GetSeriesResponse* response, const std::string& action) const {
  if (!domain::ValidUnit(request.unit())) {
    return Invalid("unit", domain::kUnitHelp);
  }
  auto indicator = ResolveIndicator(request.indicator(), "indicator");
  if (!indicator.ok()) return ToGrpcStatus(indicator.status());
  auto periods = PeriodRange(request.from(), request.to());
  if (!periods.ok()) return ToGrpcStatus(periods.status());
  const CardView view = ViewOf(caller);
  v1::GetSeriesResponse out;
  out.set_unit(request.unit());
  out.set_indicator(*indicator);
  out.set_public_view(view == CardView::kPublic);
  std::vector<v1::Scorecard> cards;
  for (const std::string& period : *periods) {
    auto stored = views_->Card(view, request.unit(), period);
    if (!stored.ok()) return StoreError("GetSeries", stored.status());
    v1::SeriesPoint& point = *out.add_points();
    point.set_period(period);
    const v1::Indicator* cell =
        *stored ? CellOf(**stored, *indicator) : nullptr;
    if (cell == nullptr) {
      point.set_no_data(true);
    } else {
      *point.mutable_cell() = *cell;
      if (view == CardView::kPublic) ClearCell(point.mutable_cell());
    }
    if (*stored) cards.push_back(**std::move(stored));
  }
  std::vector<const v1::Scorecard*> read;
  read.reserve(cards.size());
  for (const auto& c : cards) read.push_back(&c);
  if (grpc::Status st = AuditScorecards(caller, action, read); !st.ok()) {
    return st;
  }
  *response = std::move(out);
  return grpc::Status::OK;
}

grpc::Status OversightServiceImpl::CompareUnitsAs(
    const auth::Principal& caller, const v1::CompareUnitsRequest& request,
    v1::CompareUnitsResponse* response, const std::string& action) const {
  auto indicator = ResolveIndicator(request.indicator(), "indicator");
  if (!indicator.ok()) return ToGrpcStatus(indicator.status());
  if (!domain::ValidPeriod(request.period())) {
    return Invalid("period", domain::kPeriodHelp);
  }
  if (request.kind() == "national" || !domain::ValidUnitKind(request.kind())) {
    return Invalid("kind",
                   "agency, field_office, district or area (national:US is "
                   "what they are compared with)");
  }
  const CardView view = ViewOf(caller);
  auto listed = views_->Cards(view, request.period(), request.kind(), "", 0);
  if (!listed.ok()) return StoreError("CompareUnits", listed.status());
  auto national = views_->Card(view, "national:US", request.period());
  if (!national.ok()) return StoreError("CompareUnits", national.status());
  std::vector<const v1::Scorecard*> read;
  for (const auto& c : *listed) read.push_back(&c);
  if (*national) read.push_back(&**national);
  if (grpc::Status st = AuditScorecards(caller, action, read); !st.ok()) {
    return st;
  }
  v1::CompareUnitsResponse out;
  out.set_indicator(*indicator);
  out.set_period(request.period());
  out.set_kind(request.kind());
  out.set_public_view(view == CardView::kPublic);
  const v1::Indicator* n_cell =
      *national ? CellOf(**national, *indicator) : nullptr;
  if (n_cell == nullptr) {
    out.set_national_no_data(true);
  } else {
    *out.mutable_national() = *n_cell;
    ClearCell(out.mutable_national());
  }
  std::vector<v1::UnitRank> units;
  for (const v1::Scorecard& card : *listed) {
    v1::UnitRank& u = units.emplace_back();
    u.set_unit(card.unit());
    const v1::Indicator* cell = CellOf(card, *indicator);
    if (cell == nullptr) {
      u.set_no_data(true);
      continue;
    }
    *u.mutable_cell() = *cell;
    ClearCell(u.mutable_cell());
  }
  RankUnits(&units);
  for (auto& u : units) *out.add_units() = std::move(u);
  *response = std::move(out);
  return grpc::Status::OK;
}

grpc::Status OversightServiceImpl::ListScorecardVersionsAs(
    const auth::Principal& caller,
    const v1::ListScorecardVersionsRequest& request,
    v1::ListScorecardVersionsResponse* response,
    const std::string& action) const {
  if (!domain::ValidUnit(request.unit())) {
    return Invalid("unit", domain::kUnitHelp);
  }
  if (!domain::ValidPeriod(request.period())) {
    return Invalid("period", domain::kPeriodHelp);
  }
  if (grpc::Status st = CheckLimit(request.limit()); !st.ok()) return st;
  const CardView view = ViewOf(caller);
  auto page =
      views_->Versions(view, request.unit(), request.period(), request.after(),
                       request.limit() == 0 ? kDefaultLimit : request.limit());
  if (!page.ok()) {
    if (page.status().code() == absl::StatusCode::kInvalidArgument) {
      return ToGrpcStatus(page.status());
    }
    return StoreError("ListScorecardVersions", page.status());
  }
  if (view == CardView::kRestricted) {
    if (grpc::Status st = AuditRead(
            caller, action,
            {StrCat("unit-period:", request.unit(), "/", request.period())});
        !st.ok()) {
      return st;
    }
  }
  for (CardVersion& v : page->versions) {
    v1::ScorecardVersion& out = *response->add_versions();
    *out.mutable_scorecard() = std::move(v.card);
    if (view == CardView::kPublic) ForPublic(out.mutable_scorecard());
    out.set_at_ms(v.at_ms);
  }
  response->set_next(page->next);
  return grpc::Status::OK;
}

grpc::Status OversightServiceImpl::ListEventsAs(
    const auth::Principal& caller,
    const v1::ListOversightEventsRequest& request,
    v1::ListOversightEventsResponse* response,
    const std::string& action) const {
  const bool restricted = auth::ReadsRestrictedEvents(caller);
  if (absl::Status s = CheckFilter(request.filter(), restricted, "filter.");
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (request.limit() < 0 || request.limit() > kMaxLimit) {
    return Invalid("limit", StrCat("must be 0 to ", kMaxLimit));
  }
  auto at = Cursor::Decode(request.after(), "after");
  if (!at.ok()) return ToGrpcStatus(at.status());
  auto listed =
      views_->List(request.filter(), *at, AccessOf(caller),
                   request.limit() == 0 ? kDefaultLimit : request.limit());
  if (!listed.ok()) return StoreError("ListEvents", listed.status());
  Page page = *std::move(listed);
  if (absl::Status s = views_->Annotate(&page.events, AnswersOf(caller));
      !s.ok()) {
    return StoreError("ListEvents", s);
  }
  if (RestrictedEventRead(request.filter(), restricted)) {
    if (grpc::Status st =
            AuditRead(caller, action, RestrictedEventResources(page.events));
        !st.ok()) {
      return st;
    }
  }
  for (auto& e : page.events) *response->add_events() = std::move(e);
  response->set_next(page.next);
  return grpc::Status::OK;
}

grpc::Status OversightServiceImpl::GetScorecardAs(
    const auth::Principal& caller, const v1::GetScorecardRequest& request,
    v1::Scorecard* response, const std::string& action) const {
  if (!domain::ValidUnit(request.unit())) {
    return Invalid("unit", domain::kUnitHelp);
  }
  if (!domain::ValidPeriod(request.period())) {
    return Invalid("period", domain::kPeriodHelp);
  }
  const bool restricted = auth::MayReadRestricted(caller);
  auto stored =
      views_->Card(restricted ? CardView::kRestricted : CardView::kPublic,
                   request.unit(), request.period());
  if (!stored.ok()) return StoreError("GetScorecard", stored.status());
  std::optional<v1::Scorecard> card = *std::move(stored);
  if (!card) {
    // Scoring publishes the public view after the restricted one: until it
    // has, the public has nothing to see yet.
    auto held = restricted
                    ? absl::StatusOr<std::optional<v1::Scorecard>>(std::nullopt)
                    : views_->Card(CardView::kRestricted, request.unit(),
                                   request.period());
    if (!held.ok()) return StoreError("GetScorecard", held.status());
    if (*held) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          StrCat("no public figures yet for ", request.unit(),
                                 " in ", request.period(),
                                 " (they appear once disclosure control has "
                                 "published them)"));
    }
    return grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        StrCat("no scorecard for ", request.unit(), " in ", request.period()));
  }
  if (grpc::Status st = AuditScorecards(caller, action, {&*card}); !st.ok()) {
    return st;
  }
  *response = *std::move(card);
  if (!restricted) ClearWithheld(response);
  return grpc::Status::OK;
}

grpc::Status OversightServiceImpl::ListScorecardsAs(
    const auth::Principal& caller, const v1::ListScorecardsRequest& request,
    v1::ListScorecardsResponse* response, const std::string& action) const {
  v1::ListScorecardsResponse page;
  if (grpc::Status st = ScorecardPage(caller, request, &page); !st.ok()) {
    return st;
  }
  std::vector<const v1::Scorecard*> cards;
  for (const auto& c : page.scorecards()) cards.push_back(&c);
  if (grpc::Status st = AuditScorecards(caller, action, cards); !st.ok()) {
    return st;
  }
  *response = std::move(page);
  return grpc::Status::OK;
}

grpc::Status OversightServiceImpl::ScorecardPage(
    const auth::Principal& caller, const v1::ListScorecardsRequest& request,
    v1::ListScorecardsResponse* response) const {
  if (!domain::ValidPeriod(request.period())) {
    return Invalid("period", "required: FY2016 or FY2016Q1");
  }
  if (!request.unit_kind().empty() &&
      !domain::ValidUnitKind(request.unit_kind())) {
    return Invalid("unit_kind", "agency, field_office, district or area");
  }
  if (request.page_size() < 0 || request.page_size() > kMaxLimit) {
    return Invalid("page_size", StrCat("must be 0 to ", kMaxLimit));
  }
  const size_t page =
      request.page_size() == 0 ? kDefaultLimit : request.page_size();
  const bool restricted = auth::MayReadRestricted(caller);
  auto listed = views_->Cards(
      restricted ? CardView::kRestricted : CardView::kPublic, request.period(),
      request.unit_kind(), request.page_token(), page + 1);
  if (!listed.ok()) return StoreError("ListScorecards", listed.status());
  std::vector<v1::Scorecard> cards = *std::move(listed);
  for (size_t i = 0; i < cards.size() && i < page; ++i) {
    if (!restricted) ClearWithheld(&cards[i]);
    *response->add_scorecards() = std::move(cards[i]);
  }
  if (cards.size() > page) {
    response->set_next_page_token(
        response->scorecards(response->scorecards_size() - 1).unit());
  }
  return grpc::Status::OK;
}

}  // namespace fruition::gateway
