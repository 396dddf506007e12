// ReconcilerService (protos/fruition/v1/reconciler.proto): the events this
// instance emitted, from its store, and each one explained. PUBLIC events
// for anyone; RESTRICTED ones for overseers only, every such read audited
// (SPEC §1).
#ifndef FRUITION_SERVICES_RECONCILER_SERVER_H_
#define FRUITION_SERVICES_RECONCILER_SERVER_H_

#include "fruition/v1/reconciler.grpc.pb.h"
#include "services/common/auth/principals.h"
#include "services/common/store/kv.h"

namespace fruition::reconciler {

class ReconcilerServiceImpl final : public v1::ReconcilerService::Service {
 public:
  ReconcilerServiceImpl(store::KvStore* store,
                        const auth::PrincipalRegistry* principals);

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

 private:
  store::KvStore* store_;
  const auth::PrincipalRegistry* principals_;
};

}  // namespace fruition::reconciler

#endif  // FRUITION_SERVICES_RECONCILER_SERVER_H_
