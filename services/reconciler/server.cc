#include "services/reconciler/server.h"

#include "services/common/auth/authz.h"
#include "services/common/log/log.h"
#include "services/common/server/grpc_server.h"
#include "services/common/status.h"
#include "services/common/store/proto_table.h"
#include "services/common/strings.h"
#include "services/reconciler/explain.h"
#include "services/reconciler/handler.h"

namespace fruition::reconciler {
namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

grpc::Status Invalid(const std::string& field, const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      StrCat(field, ": ", message));
}

bool DigitsOnly(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

ReconcilerServiceImpl::ReconcilerServiceImpl(
    store::KvStore* store, const auth::PrincipalRegistry* principals)
    : store_(store), principals_(principals) {}

grpc::Status ReconcilerServiceImpl::ListEvents(
    grpc::ServerContext* context, const v1::ListEventsRequest* request,
    v1::ListEventsResponse* response) {
  return server::AsCaller(*principals_, *context, this,
                          &ReconcilerServiceImpl::ListEventsAs, *request,
                          response);
}

grpc::Status ReconcilerServiceImpl::ExplainEvent(
    grpc::ServerContext* context, const v1::ExplainEventRequest* request,
    v1::EventExplanation* response) {
  return server::AsCaller(*principals_, *context, this,
                          &ReconcilerServiceImpl::ExplainEventAs, *request,
                          response);
}

grpc::Status ReconcilerServiceImpl::ListEventsAs(
    const auth::Principal& caller, const v1::ListEventsRequest& request,
    v1::ListEventsResponse* response) {
  if (!v1::EventType_IsValid(request.type())) {
    return Invalid("type", "not an EventType");
  }
  if (!v1::Visibility_IsValid(request.visibility())) {
    return Invalid("visibility", "not a Visibility");
  }
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return Invalid("page_size", StrCat("must be 0 to ", kMaxPageSize));
  }
  if (!request.page_token().empty() && !DigitsOnly(request.page_token())) {
    return Invalid("page_token", "not a token this service gave");
  }
  const bool restricted = auth::MayReadRestricted(caller);
  if (request.visibility() == v1::VISIBILITY_RESTRICTED) {
    log::Info("reconciler read", {{"audit", true},
                                  {"caller", caller.code},
                                  {"method", "ListEvents"},
                                  {"resource", "events:restricted"},
                                  {"decision", restricted ? "allow" : "deny"}});
    if (!restricted) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          "visibility: RESTRICTED events are for overseers "
                          "only");
    }
  }
  const size_t page =
      request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  store::KvTx tx(store_);
  std::string after = request.page_token();
  int64_t restricted_read = 0;
  // Scans in chunks until the page is full or the events end.
  while (true) {
    auto stored =
        store::ScanProto<v1::OversightEvent>(tx, kEvents, "", after, 1000);
    if (!stored.ok()) return ToGrpcStatus(stored.status());
    auto& chunk = *stored;
    for (auto& [k, e] : chunk) {
      after = k;
      if (!restricted && e.visibility() != v1::VISIBILITY_PUBLIC) continue;
      if (request.type() != v1::EVENT_TYPE_UNSPECIFIED &&
          e.type() != request.type()) {
        continue;
      }
      if (request.visibility() != v1::VISIBILITY_UNSPECIFIED &&
          e.visibility() != request.visibility()) {
        continue;
      }
      if (!request.unit().empty() && e.unit() != request.unit()) continue;
      if (!request.period().empty() && e.period() != request.period()) {
        continue;
      }
      if (request.has_resolved() && e.resolved() != request.resolved()) {
        continue;
      }
      if (static_cast<size_t>(response->events_size()) == page) {
        auto token = tx.Get(kEventIds, response->events(page - 1).event_id());
        if (!token.ok()) return ToGrpcStatus(token.status());
        response->set_next_page_token(token->value_or(""));
        break;
      }
      if (e.visibility() == v1::VISIBILITY_RESTRICTED) ++restricted_read;
      *response->add_events() = std::move(e);
    }
    if (!response->next_page_token().empty() || chunk.size() < 1000) break;
  }
  if (restricted_read > 0) {
    log::Info("reconciler read", {{"audit", true},
                                  {"caller", caller.code},
                                  {"method", "ListEvents"},
                                  {"resource", "events:restricted"},
                                  {"count", restricted_read},
                                  {"decision", "allow"}});
  }
  return grpc::Status::OK;
}

grpc::Status ReconcilerServiceImpl::ExplainEventAs(
    const auth::Principal& caller, const v1::ExplainEventRequest& request,
    v1::EventExplanation* response) {
  if (request.event_id().empty()) return Invalid("event_id", "required");
  store::KvTx tx(store_);
  auto stored = ReconcilerHandler::EventById(tx, request.event_id());
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  auto& e = *stored;
  if (!e) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        StrCat("event_id: no event ", request.event_id(),
                               " in this instance's partitions"));
  }
  if (e->visibility() != v1::VISIBILITY_PUBLIC) {
    const bool allowed = auth::MayReadRestricted(caller);
    log::Info("reconciler read", {{"audit", true},
                                  {"caller", caller.code},
                                  {"method", "ExplainEvent"},
                                  {"resource", "event:" + request.event_id()},
                                  {"decision", allowed ? "allow" : "deny"}});
    if (!allowed) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          "event_id: a RESTRICTED event; overseers only");
    }
  }
  *response = Explain(*e);
  return grpc::Status::OK;
}

}  // namespace fruition::reconciler
