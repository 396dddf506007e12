// OversightService (protos/fruition/v1/gateway.proto) over the gateway's
// views. PUBLIC callers, and every principal but overseers, see PUBLIC
// events and the public view of the scorecards (as scoring's disclosure
// control published it: the gateway suppresses nothing itself); overseers see
// everything, the restricted scorecards included, and their reads of
// restricted events are audited.
#ifndef FRUITION_SERVICES_GATEWAY_SERVER_H_
#define FRUITION_SERVICES_GATEWAY_SERVER_H_

#include <atomic>

#include "fruition/v1/gateway.grpc.pb.h"
#include "services/common/auth/principals.h"
#include "services/gateway/views.h"

namespace fruition::gateway {

// Checks a filter; INVALID_ARGUMENT naming the field, or PERMISSION_DENIED
// for RESTRICTED asked without the right.
absl::Status CheckFilter(const v1::EventFilter& filter, bool restricted,
                         const std::string& prefix);

// Limits of one answer.
inline constexpr int kDefaultLimit = 100;
inline constexpr int kMaxLimit = 1000;

class OversightServiceImpl final : public v1::OversightService::Service {
 public:
  OversightServiceImpl(Views* views, const auth::PrincipalRegistry* principals,
                       const std::atomic<bool>* draining);

  grpc::Status Subscribe(
      grpc::ServerContext* context, const v1::SubscribeRequest* request,
      grpc::ServerWriter<v1::EventDelivery>* writer) override;
  grpc::Status ListEvents(grpc::ServerContext* context,
                          const v1::ListOversightEventsRequest* request,
                          v1::ListOversightEventsResponse* response) override;
  grpc::Status GetScorecard(grpc::ServerContext* context,
                            const v1::GetScorecardRequest* request,
                            v1::Scorecard* response) override;
  grpc::Status ListScorecards(grpc::ServerContext* context,
                              const v1::ListScorecardsRequest* request,
                              v1::ListScorecardsResponse* response) override;

  // With the caller known (also used by the HTTP API).
  grpc::Status ListEventsAs(const auth::Principal& caller,
                            const v1::ListOversightEventsRequest& request,
                            v1::ListOversightEventsResponse* response) const;
  grpc::Status GetScorecardAs(const auth::Principal& caller,
                              const v1::GetScorecardRequest& request,
                              v1::Scorecard* response) const;
  grpc::Status ListScorecardsAs(const auth::Principal& caller,
                                const v1::ListScorecardsRequest& request,
                                v1::ListScorecardsResponse* response) const;

 private:
  Views* views_;
  const auth::PrincipalRegistry* principals_;
  const std::atomic<bool>* draining_;
};

// Audits a read of restricted events by `caller` (SPEC §1).
void AuditRestrictedRead(const auth::Principal& caller,
                         const std::string& method, int64_t count);

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_SERVER_H_
