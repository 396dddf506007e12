// OversightService (protos/fruition/v1/gateway.proto) over the gateway's
// views. Which events a caller sees is auth::MayReadEvent, applied in the
// scan (Views::List) everywhere events are served: PUBLIC events to anyone;
// RESTRICTED events to overseers, and to an AGENCY principal those about
// its own units and reports (SPEC §1 v1.1, §11). Everybody but overseers
// reads the public view of the scorecards (as scoring's disclosure control
// published it: the gateway suppresses nothing itself); overseers read the
// restricted scorecards too. Every read that could return restricted data
// (an overseer's or an agency's events unless filtered to PUBLIC, an
// overseer's full scorecards) appends one audit record naming what it
// returned before anything is sent; when the record cannot be written the
// read fails UNAVAILABLE. Public reads are never audited and answer whatever
// the audit trail's state.
#ifndef FRUITION_SERVICES_GATEWAY_SERVER_H_
#define FRUITION_SERVICES_GATEWAY_SERVER_H_

#include <atomic>
#include <string>
#include <vector>

#include "fruition/v1/gateway.grpc.pb.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/gateway/views.h"

namespace fruition::gateway {

// Checks a filter; INVALID_ARGUMENT naming the field, or PERMISSION_DENIED
// for RESTRICTED asked by a caller who reads no restricted events
// (`restricted`: auth::ReadsRestrictedEvents). An agency asking for
// RESTRICTED gets its own; one filtering on another agency's unit gets that
// unit's public events, never an error that would say restricted ones exist.
absl::Status CheckFilter(const v1::EventFilter& filter, bool restricted,
                         const std::string& prefix);

// Limits of one answer.
inline constexpr int kDefaultLimit = 100;
inline constexpr int kMaxLimit = 1000;

// The audit trail's names of the gRPC methods.
inline constexpr char kSubscribeMethod[] =
    "/fruition.v1.OversightService/Subscribe";
inline constexpr char kListEventsMethod[] =
    "/fruition.v1.OversightService/ListEvents";
inline constexpr char kGetScorecardMethod[] =
    "/fruition.v1.OversightService/GetScorecard";
inline constexpr char kListScorecardsMethod[] =
    "/fruition.v1.OversightService/ListScorecards";
inline constexpr char kGetSeriesMethod[] =
    "/fruition.v1.OversightService/GetSeries";
inline constexpr char kCompareUnitsMethod[] =
    "/fruition.v1.OversightService/CompareUnits";
inline constexpr char kListScorecardVersionsMethod[] =
    "/fruition.v1.OversightService/ListScorecardVersions";
inline constexpr char kListBudgetLinesMethod[] =
    "/fruition.v1.OversightService/ListBudgetLines";

// At most this many periods in one series.
inline constexpr int kMaxSeriesPoints = 40;

// The SPEC §5 name of an indicator given by that name or its JSON name
// (`lnfShare`, `functionShare:OFFENSE_FUNCTION_COURIER`); INVALID_ARGUMENT
// naming `field` for a name the catalogue does not know.
absl::StatusOr<std::string> ResolveIndicator(const std::string& name,
                                             const std::string& field);

// The periods from `from` to `to` inclusive: both fiscal years or both
// quarters, from <= to, at most kMaxSeriesPoints; INVALID_ARGUMENT naming
// `from` or `to`.
absl::StatusOr<std::vector<std::string>> PeriodRange(const std::string& from,
                                                     const std::string& to);

// Ranks `units` in place (SPEC §9 compare): those with a published, defined
// cell by value, highest first, competition ranking (1, 2, 2, 4) and mid-rank
// percentile 100 × (below + 0.5 × equal) / N rounded to 1 decimal; then the
// others by unit, rank 0.
void RankUnits(std::vector<v1::UnitRank>* units);

// Clears on a public card what only overseers see (fields 10 and 11 of
// v1.Scorecard, `changed_by` and `changed_by_count`, when they exist) and
// what a withheld cell must not carry (SPEC §5 D1).
void ForPublic(v1::Scorecard* card);

// Which events `caller` may see: auth::MayReadEvent, for Views::List.
EventAccess AccessOf(const auth::Principal& caller);
// Whether `caller` sees each event's answers in full (SPEC §11:
// domain::SeesAnswersInFull), for Views::Annotate.
AnswerAccess AnswersOf(const auth::Principal& caller);

// Whether a read of events with `filter` by a caller who reads restricted
// events (`restricted`: auth::ReadsRestrictedEvents) is a read of
// restricted data: one the audit trail records even when it finds nothing.
bool RestrictedEventRead(const v1::EventFilter& filter, bool restricted);

// `event:<id>` of every RESTRICTED event among `events`.
std::vector<std::string> RestrictedEventResources(
    const std::vector<v1::OversightEvent>& events);

class OversightServiceImpl final : public v1::OversightService::Service {
 public:
  // `trail` records restricted reads; it must outlive the service.
  OversightServiceImpl(Views* views, const auth::PrincipalRegistry* principals,
                       audit::Trail* trail, const std::atomic<bool>* draining);

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

  grpc::Status GetSeries(grpc::ServerContext* context,
                         const v1::GetSeriesRequest* request,
                         v1::GetSeriesResponse* response) override;
  grpc::Status CompareUnits(grpc::ServerContext* context,
                            const v1::CompareUnitsRequest* request,
                            v1::CompareUnitsResponse* response) override;
  grpc::Status ListScorecardVersions(
      grpc::ServerContext* context,
      const v1::ListScorecardVersionsRequest* request,
      v1::ListScorecardVersionsResponse* response) override;
  grpc::Status WhatIf(grpc::ServerContext* context,
                      const v1::WhatIfRequest* request,
                      v1::WhatIfResponse* response) override;
  grpc::Status ListBudgetLines(grpc::ServerContext* context,
                               const v1::ListBudgetLinesRequest* request,
                               v1::ListBudgetLinesResponse* response) override;

  // With the caller known (also used by the HTTP API, which passes its
  // route as `action`, the name the audit record gives the read).
  grpc::Status ListEventsAs(
      const auth::Principal& caller,
      const v1::ListOversightEventsRequest& request,
      v1::ListOversightEventsResponse* response,
      const std::string& action = kListEventsMethod) const;
  grpc::Status GetScorecardAs(
      const auth::Principal& caller, const v1::GetScorecardRequest& request,
      v1::Scorecard* response,
      const std::string& action = kGetScorecardMethod) const;
  grpc::Status ListScorecardsAs(
      const auth::Principal& caller, const v1::ListScorecardsRequest& request,
      v1::ListScorecardsResponse* response,
      const std::string& action = kListScorecardsMethod) const;
  grpc::Status GetSeriesAs(const auth::Principal& caller,
                           const v1::GetSeriesRequest& request,
                           v1::GetSeriesResponse* response,
                           const std::string& action = kGetSeriesMethod) const;
  grpc::Status CompareUnitsAs(
      const auth::Principal& caller, const v1::CompareUnitsRequest& request,
      v1::CompareUnitsResponse* response,
      const std::string& action = kCompareUnitsMethod) const;
  grpc::Status ListScorecardVersionsAs(
      const auth::Principal& caller,
      const v1::ListScorecardVersionsRequest& request,
      v1::ListScorecardVersionsResponse* response,
      const std::string& action = kListScorecardVersionsMethod) const;
  // SPEC §11 what-if (whatif.h) on the public view, whoever asks: it takes
  // no caller, so no caller can get more than the public view (and nothing
  // is audited). INVALID_ARGUMENT naming the field, also for a period
  // without public agency scorecards; FAILED_PRECONDITION when no unit has
  // a usable input; a store error as it is.
  grpc::Status WhatIfAs(const v1::WhatIfRequest& request,
                        v1::WhatIfResponse* response) const;
  // SPEC §11 budget lines of a fiscal year (budgets.h), judged on the
  // public view, whoever asks: like WhatIfAs it takes no caller (budget
  // lines are public facts; nothing restricted is read, nothing audited).
  // INVALID_ARGUMENT naming `period` or `agency`; a store error as it is.
  grpc::Status ListBudgetLinesAs(const v1::ListBudgetLinesRequest& request,
                                 v1::ListBudgetLinesResponse* response) const;
  // One page of ListScorecardsAs without its audit record, for a caller that
  // reads several pages and records them once (AuditScorecards).
  grpc::Status ScorecardPage(const auth::Principal& caller,
                             const v1::ListScorecardsRequest& request,
                             v1::ListScorecardsResponse* response) const;

  // Appends the record of `caller`'s read of `resources` by `action`;
  // UNAVAILABLE (nothing may be sent) when it could not be written.
  grpc::Status AuditRead(const auth::Principal& caller,
                         const std::string& action,
                         std::vector<std::string> resources) const;
  // The same for full scorecards: `unit-period:<unit>/<period>` of each;
  // nothing for callers who read the public view.
  grpc::Status AuditScorecards(
      const auth::Principal& caller, const std::string& action,
      const std::vector<const v1::Scorecard*>& cards) const;

 private:
  Views* views_;
  const auth::PrincipalRegistry* principals_;
  audit::Trail* trail_;
  const std::atomic<bool>* draining_;
};

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_SERVER_H_
