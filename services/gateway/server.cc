#include "services/gateway/server.h"

#include "services/common/auth/authz.h"
#include "services/common/log/log.h"
#include "services/common/server/audit.h"
#include "services/common/server/grpc_server.h"
#include "services/common/status.h"
#include "services/common/strings.h"
#include "services/domain/periods.h"

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
void ClearWithheld(v1::Scorecard* card) {
  for (v1::Indicator& i : *card->mutable_indicators()) {
    if (!i.suppressed()) continue;
    i.clear_value();
    i.clear_n();
    i.clear_defined();
  }
}

}  // namespace

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
  if (f.visibility() == v1::VISIBILITY_RESTRICTED && !restricted) {
    return absl::PermissionDeniedError(
        StrCat(prefix,
               "visibility: RESTRICTED events are for overseers "
               "only"));
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
  const bool restricted = auth::MayReadRestricted(*caller);
  if (absl::Status s = CheckFilter(request->filter(), restricted, "filter.");
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  auto at = Cursor::Decode(request->after(), "after");
  if (!at.ok()) return ToGrpcStatus(at.status());
  Cursor cursor = *std::move(at);
  while (!context->IsCancelled() && !draining_->load()) {
    const uint64_t seen = views_->version();
    auto listed = views_->List(request->filter(), cursor, restricted, 500);
    if (!listed.ok()) return StoreError("Subscribe", listed.status());
    Page page = *std::move(listed);
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

grpc::Status OversightServiceImpl::ListEventsAs(
    const auth::Principal& caller,
    const v1::ListOversightEventsRequest& request,
    v1::ListOversightEventsResponse* response,
    const std::string& action) const {
  const bool restricted = auth::MayReadRestricted(caller);
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
      views_->List(request.filter(), *at, restricted,
                   request.limit() == 0 ? kDefaultLimit : request.limit());
  if (!listed.ok()) return StoreError("ListEvents", listed.status());
  Page page = *std::move(listed);
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
