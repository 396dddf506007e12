// ReconcilerService (protos/fruition/v1/reconciler.proto): the events this
// instance emitted, from its store, and each one explained. PUBLIC events
// for anyone; RESTRICTED ones for overseers and for the agency each is about
// (auth::MayReadEvent, SPEC §11). Every read that could return restricted
// events (an overseer's or an agency's ListEvents unless it asks for PUBLIC
// only, an ExplainEvent of a RESTRICTED event) appends one audit
// record naming `event:<id>` of each restricted event returned, before the
// answer; UNAVAILABLE when it cannot be written (SPEC §1). Refusals are
// recorded by the server's interceptor (server/audit.h).
#ifndef FRUITION_SERVICES_RECONCILER_SERVER_H_
#define FRUITION_SERVICES_RECONCILER_SERVER_H_

#include <atomic>
#include <cstdint>

#include "fruition/v1/reconciler.grpc.pb.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/common/store/kv.h"

namespace fruition::reconciler {

class ReconcilerServiceImpl final : public v1::ReconcilerService::Service {
 public:
  ReconcilerServiceImpl(store::KvStore* store,
                        const auth::PrincipalRegistry* principals,
                        audit::Trail* trail);

  grpc::Status ListEvents(grpc::ServerContext* context,
                          const v1::ListEventsRequest* request,
                          v1::ListEventsResponse* response) override;
  grpc::Status ExplainEvent(grpc::ServerContext* context,
                            const v1::ExplainEventRequest* request,
                            v1::EventExplanation* response) override;

  // With the caller already known (tests, other services in-process).
  grpc::Status ListEventsAs(const auth::Principal& caller,
                            const v1::ListEventsRequest& request,
                            v1::ListEventsResponse* response);
  grpc::Status ExplainEventAs(const auth::Principal& caller,
                              const v1::ExplainEventRequest& request,
                              v1::EventExplanation* response);

  // Stored events ListEvents examined, all calls together (tests). One call
  // examines at most 5,000, whatever its filter, then answers what matched
  // with a page token to continue from.
  int64_t rows_examined() const { return examined_; }

 private:
  store::KvStore* store_;
  const auth::PrincipalRegistry* principals_;
  audit::Trail* trail_;
  std::atomic<int64_t> examined_{0};
};

}  // namespace fruition::reconciler

#endif  // FRUITION_SERVICES_RECONCILER_SERVER_H_
