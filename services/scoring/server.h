// ScoringService (protos/fruition/v1/scores.proto): scorecards from stage 2's
// store, subject scores from stage 1's. Public callers (and every principal
// but overseers) get small cells suppressed; subject scores are for
// overseers only. Every read of restricted data (a subject score:
// `subject:<pid>`; an overseer's full scorecards: `unit-period:<unit>/<period>`
// of each returned) appends one audit record before the answer, and fails
// UNAVAILABLE when it cannot (SPEC §1); public-view reads are not recorded.
#ifndef FRUITION_SERVICES_SCORING_SERVER_H_
#define FRUITION_SERVICES_SCORING_SERVER_H_

#include "fruition/v1/scores.grpc.pb.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/common/store/kv.h"
#include "services/domain/desert.h"

namespace fruition::scoring {

// The desert score is the domain's (services/domain/desert.h).
using domain::DefaultDesertRules;
using domain::DesertResult;
using domain::DesertRules;
using domain::Score;

class ScoringServiceImpl final : public v1::ScoringService::Service {
 public:
  // `public_views`: the public-view stage's store, from which every caller
  // without overseer rights is answered (nullptr: such callers find none).
  // `trail` records restricted reads.
  ScoringServiceImpl(store::KvStore* stage1, store::KvStore* stage2,
                     const auth::PrincipalRegistry* principals,
                     const DesertRules* rules, audit::Trail* trail,
                     store::KvStore* public_views = nullptr);

  grpc::Status GetScorecard(grpc::ServerContext* context,
                            const v1::GetScorecardRequest* request,
                            v1::Scorecard* response) override;
  grpc::Status ListScorecards(grpc::ServerContext* context,
                              const v1::ListScorecardsRequest* request,
                              v1::ListScorecardsResponse* response) override;
  grpc::Status GetSubjectScore(grpc::ServerContext* context,
                               const v1::GetSubjectScoreRequest* request,
                               v1::SubjectScore* response) override;

  // With the caller already known (tests, other services in-process).
  grpc::Status GetScorecardAs(const auth::Principal& caller,
                              const v1::GetScorecardRequest& request,
                              v1::Scorecard* response);
  grpc::Status ListScorecardsAs(const auth::Principal& caller,
                                const v1::ListScorecardsRequest& request,
                                v1::ListScorecardsResponse* response);
  grpc::Status GetSubjectScoreAs(const auth::Principal& caller,
                                 const v1::GetSubjectScoreRequest& request,
                                 v1::SubjectScore* response);

 private:
  store::KvStore* stage1_;
  store::KvStore* stage2_;
  const auth::PrincipalRegistry* principals_;
  const DesertRules* rules_;
  audit::Trail* trail_;
  store::KvStore* public_views_;
};

}  // namespace fruition::scoring

#endif  // FRUITION_SERVICES_SCORING_SERVER_H_
