#include "services/reconciler/server.h"

#include <algorithm>

#include "services/common/auth/authz.h"
#include "services/common/server/audit.h"
#include "services/common/server/grpc_server.h"
#include "services/common/status.h"
#include "services/common/store/proto_table.h"
#include "services/common/strings.h"
#include "services/domain/answers.h"
#include "services/reconciler/explain.h"
#include "services/reconciler/handler.h"

namespace fruition::reconciler {
namespace {

constexpr char kListEvents[] = "/fruition.v1.ReconcilerService/ListEvents";
constexpr char kExplainEvent[] = "/fruition.v1.ReconcilerService/ExplainEvent";
constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
// A page also ends before its events pass this many bytes (with at least
// one event), well under gRPC's default 4 MiB message limit: a
// SCORECARD_PUBLISHED event carries every figure of its card, and a page of
// 1,000 of them does not fit in a message.
constexpr size_t kMaxPageBytes = 2 << 20;
// Stored events one call examines at most, whatever the filter: a filter
// that matches nothing (or almost nothing) returns what it found with a
// page token after the last event examined, and the caller continues, so
// no call, anonymous or not, scans the whole table.
constexpr size_t kMaxExamined = 5000;
constexpr size_t kScanChunk = 1000;

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
    store::KvStore* store, const auth::PrincipalRegistry* principals,
    audit::Trail* trail)
    : store_(store), principals_(principals), trail_(trail) {}

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

namespace {

// Whether `e` is one the caller asked for and may read (auth::MayReadEvent:
// a restricted event by overseers and the agency it concerns).
bool Matches(const v1::ListEventsRequest& request, const v1::OversightEvent& e,
             const auth::Principal& caller) {
  if (!auth::MayReadEvent(caller, e)) return false;
  if (request.type() != v1::EVENT_TYPE_UNSPECIFIED &&
      e.type() != request.type()) {
    return false;
  }
  if (request.visibility() != v1::VISIBILITY_UNSPECIFIED &&
      e.visibility() != request.visibility()) {
    return false;
  }
  if (!request.unit().empty() && e.unit() != request.unit()) return false;
  if (!request.period().empty() && e.period() != request.period()) {
    return false;
  }
  return !request.has_resolved() || e.resolved() == request.resolved();
}

}  // namespace

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
  const bool restricted = auth::ReadsRestrictedEvents(caller);
  if (request.visibility() == v1::VISIBILITY_RESTRICTED && !restricted) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "visibility: RESTRICTED events are for overseers "
                        "and the agencies they concern only");
  }
  const size_t page =
      request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  store::KvTx tx(store_);
  std::string after = request.page_token();
  std::vector<std::string> restricted_read;
  size_t bytes = 0;  // of the events on the page
  size_t examined = 0;
  std::string last_added;  // key of the last event on the page
  bool full = false;
  // Scans in chunks until the page is full, the events end, or the call has
  // examined kMaxExamined events.
  while (!full && examined < kMaxExamined) {
    const size_t chunk_size = std::min(kScanChunk, kMaxExamined - examined);
    auto stored = store::ScanProto<v1::OversightEvent>(tx, kEvents, "", after,
                                                       chunk_size);
    if (!stored.ok()) return ToGrpcStatus(stored.status());
    auto& chunk = *stored;
    for (auto& [k, e] : chunk) {
      if (!Matches(request, e, caller)) {
        ++examined;
        after = k;
        continue;
      }
      const size_t size = e.ByteSizeLong();
      if (static_cast<size_t>(response->events_size()) == page ||
          (response->events_size() > 0 && bytes + size > kMaxPageBytes)) {
        full = true;  // `k` is left for the next page
        break;
      }
      ++examined;
      after = k;
      last_added = k;
      if (e.visibility() == v1::VISIBILITY_RESTRICTED) {
        restricted_read.push_back(StrCat("event:", e.event_id()));
      }
      bytes += size;
      *response->add_events() = std::move(e);
    }
    if (full) {
      response->set_next_page_token(last_added);
    } else if (chunk.size() < chunk_size) {
      break;  // the events ended
    } else if (examined >= kMaxExamined) {
      response->set_next_page_token(after);  // more may follow: continue
    }
  }
  examined_ += examined;
  // A read that could return restricted events is recorded even when it
  // found none; nothing is answered unless the record is written.
  if (restricted && request.visibility() != v1::VISIBILITY_PUBLIC) {
    if (grpc::Status st = server::AuditRead(*trail_, caller.code, kListEvents,
                                            std::move(restricted_read));
        !st.ok()) {
      response->Clear();
      return st;
    }
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
    if (!auth::MayReadEvent(caller, *e)) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          "event_id: a RESTRICTED event; overseers and the "
                          "agency it concerns only");
    }
    if (grpc::Status st =
            server::AuditRead(*trail_, caller.code, kExplainEvent,
                              {StrCat("event:", request.event_id())});
        !st.ok()) {
      return st;
    }
  }
  auto accountability = ReconcilerHandler::AccountabilityOf(
      tx, *e, domain::SeesAnswersInFull(caller, *e));
  if (!accountability.ok()) return ToGrpcStatus(accountability.status());
  if (*accountability) *e->mutable_accountability() = **accountability;
  *response = Explain(*e);
  return grpc::Status::OK;
}

}  // namespace fruition::reconciler
