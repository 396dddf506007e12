// EvidenceService (protos/fruition/v1/evidence.proto): reads of the evidence
// store and draft assessments, with SPEC §1 authorization. Every read of
// restricted data (a claim and its evidence: `claim:<claim_id>` of each one
// returned; an org's details: `org:<id>`) appends one audit record before the
// answer and fails UNAVAILABLE when it cannot; refusals are recorded by the
// server's interceptor (server/audit.h). Drafts read nothing stored but the
// org history, and are not recorded.
#ifndef FRUITION_SERVICES_EVIDENCE_SERVER_H_
#define FRUITION_SERVICES_EVIDENCE_SERVER_H_

#include <functional>
#include <vector>

#include "fruition/v1/evidence.grpc.pb.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/evidence/criteria.h"
#include "services/evidence/store.h"

namespace fruition::evidence {

class EvidenceServiceImpl final : public v1::EvidenceService::Service {
 public:
  using Clock = std::function<int64_t()>;  // seconds since the epoch
  using Partitions = std::function<std::vector<int32_t>()>;

  EvidenceServiceImpl(EvidenceStore* store,
                      const auth::PrincipalRegistry* principals,
                      audit::Trail* trail, const Rulebook* rules,
                      Partitions partitions, Clock clock = nullptr);

  grpc::Status GetClaim(grpc::ServerContext* context,
                        const v1::GetClaimRequest* request,
                        v1::Claim* response) override;
  grpc::Status ListClaims(grpc::ServerContext* context,
                          const v1::ListClaimsRequest* request,
                          v1::ListClaimsResponse* response) override;
  grpc::Status GetOrg(grpc::ServerContext* context,
                      const v1::GetOrgRequest* request,
                      v1::Org* response) override;
  grpc::Status AssessDraft(grpc::ServerContext* context,
                           const v1::AssessDraftRequest* request,
                           v1::AssessDraftResponse* response) override;

  // The same methods with the caller already authenticated (unit tests).
  grpc::Status GetClaimAs(const auth::Principal& caller,
                          const v1::GetClaimRequest& request,
                          v1::Claim* response);
  grpc::Status ListClaimsAs(const auth::Principal& caller,
                            const v1::ListClaimsRequest& request,
                            v1::ListClaimsResponse* response);
  grpc::Status GetOrgAs(const auth::Principal& caller,
                        const v1::GetOrgRequest& request, v1::Org* response);
  grpc::Status AssessDraftAs(const auth::Principal& caller,
                             const v1::AssessDraftRequest& request,
                             v1::AssessDraftResponse* response);

 private:
  EvidenceStore* store_;
  const auth::PrincipalRegistry* principals_;
  audit::Trail* trail_;
  const Rulebook* rules_;
  Partitions partitions_;
  Clock clock_;
};

// Builds the Claim view of a stored claim (nullopt claim: evidence only);
// `reveal_sealed` false clears every sealed_summary.
absl::StatusOr<v1::Claim> ClaimView(const Tx& tx, const ClaimKey& key,
                                    bool reveal_sealed);

}  // namespace fruition::evidence

#endif  // FRUITION_SERVICES_EVIDENCE_SERVER_H_
