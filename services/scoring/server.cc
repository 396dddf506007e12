#include "services/scoring/server.h"

#include "fruition/internal/scoring.pb.h"
#include "services/common/auth/authz.h"
#include "services/common/server/audit.h"
#include "services/common/server/grpc_server.h"
#include "services/common/status.h"
#include "services/common/store/proto_table.h"
#include "services/common/strings.h"
#include "services/domain/periods.h"
#include "services/scoring/public_stage.h"
#include "services/scoring/stages.h"

namespace fruition::scoring {
namespace {

constexpr char kGetScorecard[] = "/fruition.v1.ScoringService/GetScorecard";
constexpr char kListScorecards[] = "/fruition.v1.ScoringService/ListScorecards";
constexpr char kGetSubjectScore[] =
    "/fruition.v1.ScoringService/GetSubjectScore";
constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

grpc::Status Invalid(const std::string& field, const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      StrCat(field, ": ", message));
}

std::string UnitPeriod(const std::string& unit, const std::string& period) {
  return StrCat("unit-period:", unit, "/", period);
}

}  // namespace

ScoringServiceImpl::ScoringServiceImpl(
    store::KvStore* stage1, store::KvStore* stage2,
    const auth::PrincipalRegistry* principals, const DesertRules* rules,
    audit::Trail* trail, store::KvStore* public_views)
    : stage1_(stage1),
      stage2_(stage2),
      principals_(principals),
      rules_(rules),
      trail_(trail),
      public_views_(public_views) {}

grpc::Status ScoringServiceImpl::GetScorecard(
    grpc::ServerContext* context, const v1::GetScorecardRequest* request,
    v1::Scorecard* response) {
  return server::AsCaller(*principals_, *context, this,
                          &ScoringServiceImpl::GetScorecardAs, *request,
                          response);
}

grpc::Status ScoringServiceImpl::ListScorecards(
    grpc::ServerContext* context, const v1::ListScorecardsRequest* request,
    v1::ListScorecardsResponse* response) {
  return server::AsCaller(*principals_, *context, this,
                          &ScoringServiceImpl::ListScorecardsAs, *request,
                          response);
}

grpc::Status ScoringServiceImpl::GetSubjectScore(
    grpc::ServerContext* context, const v1::GetSubjectScoreRequest* request,
    v1::SubjectScore* response) {
  return server::AsCaller(*principals_, *context, this,
                          &ScoringServiceImpl::GetSubjectScoreAs, *request,
                          response);
}

grpc::Status ScoringServiceImpl::GetScorecardAs(
    const auth::Principal& caller, const v1::GetScorecardRequest& request,
    v1::Scorecard* response) {
  if (!domain::ValidUnit(request.unit())) {
    return Invalid("unit", domain::kUnitHelp);
  }
  if (!domain::ValidPeriod(request.period())) {
    return Invalid("period", domain::kPeriodHelp);
  }
  if (!auth::MayReadRestricted(caller)) {
    // The public view, as the public-view stage made it (SPEC §5 D1–D4).
    std::optional<v1::Scorecard> view;
    if (public_views_ != nullptr) {
      store::KvTx tx(public_views_);
      auto stored = PublicStage::View(tx, request.unit(), request.period());
      if (!stored.ok()) return ToGrpcStatus(stored.status());
      view = *std::move(stored);
    }
    if (!view) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          StrCat("no public figures yet for ", request.unit(),
                                 " in ", request.period()));
    }
    *response = *std::move(view);
    return grpc::Status::OK;
  }
  store::KvTx tx(stage2_);
  auto stored = Stage2::Card(tx, request.unit(), request.period());
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  auto& card = *stored;
  if (!card) {
    return grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        StrCat("no scorecard for ", request.unit(), " in ", request.period()));
  }
  if (grpc::Status st =
          server::AuditRead(*trail_, caller.code, kGetScorecard,
                            {UnitPeriod(request.unit(), request.period())});
      !st.ok()) {
    return st;
  }
  *response = *std::move(card);
  return grpc::Status::OK;
}

grpc::Status ScoringServiceImpl::ListScorecardsAs(
    const auth::Principal& caller, const v1::ListScorecardsRequest& request,
    v1::ListScorecardsResponse* response) {
  if (!domain::ValidPeriod(request.period())) {
    return Invalid("period", "required: FY2016 or FY2016Q1");
  }
  if (!request.unit_kind().empty() &&
      !domain::ValidUnitKind(request.unit_kind())) {
    return Invalid("unit_kind", "agency, field_office, district or area");
  }
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return Invalid("page_size", StrCat("must be 0 to ", kMaxPageSize));
  }
  const size_t page =
      request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  const std::string prefix = store::JoinKey(
      {request.period(),
       request.unit_kind().empty() ? "" : request.unit_kind() + ":"});
  std::string after;
  if (!request.page_token().empty()) {
    after = store::JoinKey({request.period(), request.page_token()});
  }
  const bool restricted = auth::MayReadRestricted(caller);
  if (!restricted && public_views_ == nullptr) return grpc::Status::OK;
  store::KvTx tx(restricted ? stage2_ : public_views_);
  const int by_period = restricted ? static_cast<int>(kByPeriod)
                                   : static_cast<int>(kViewsByPeriod);
  auto keys = tx.Scan(by_period, prefix, after, page + 1);
  if (!keys.ok()) return ToGrpcStatus(keys.status());
  v1::ListScorecardsResponse out;
  std::vector<std::string> read;
  for (const auto& [k, v] : *keys) {
    const std::string unit = store::SplitKey(k)[1];
    if (static_cast<size_t>(out.scorecards_size()) == page) {
      out.set_next_page_token(out.scorecards(out.scorecards_size() - 1).unit());
      break;
    }
    auto card = restricted ? Stage2::Card(tx, unit, request.period())
                           : PublicStage::View(tx, unit, request.period());
    if (!card.ok()) return ToGrpcStatus(card.status());
    if (!card->has_value()) continue;
    read.push_back(UnitPeriod(unit, request.period()));
    *out.add_scorecards() = **std::move(card);
  }
  // An overseer's list is a read of full cells: recorded, even when empty,
  // before anything is answered.
  if (restricted) {
    if (grpc::Status st = server::AuditRead(*trail_, caller.code,
                                            kListScorecards, std::move(read));
        !st.ok()) {
      return st;
    }
  }
  *response = std::move(out);
  return grpc::Status::OK;
}

grpc::Status ScoringServiceImpl::GetSubjectScoreAs(
    const auth::Principal& caller, const v1::GetSubjectScoreRequest& request,
    v1::SubjectScore* response) {
  if (absl::Status s = auth::RequireAuthenticated(caller); !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (!auth::MayReadRestricted(caller)) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "subject scores are for overseers only");
  }
  if (request.subject_pid().empty()) return Invalid("subject_pid", "required");
  store::KvTx tx(stage1_);
  auto stored = store::GetProtoOrEmpty<internal::SubjectState>(
      tx, kSubjects, request.subject_pid());
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  const internal::SubjectState& s = *stored;
  if (s.sentencings().empty() && s.arrests().empty()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "subject_pid: not known to this instance");
  }
  if (grpc::Status st =
          server::AuditRead(*trail_, caller.code, kGetSubjectScore,
                            {StrCat("subject:", request.subject_pid())});
      !st.ok()) {
    return st;
  }
  response->set_subject_pid(request.subject_pid());
  response->set_score_version(rules_->version);
  for (const auto& [case_id, sen] : s.sentencings()) {
    const DesertResult d = Score(sen.record(), *rules_);
    auto* out = response->add_sentencings();
    out->set_case_id(case_id);
    out->set_district(sen.record().district());
    out->set_desert_score(d.score);
    out->set_band(d.band);
    out->set_lnf(d.lnf);
    for (const auto& why : d.not_lnf_because) out->add_not_lnf_because(why);
    out->set_sentence_months(sen.record().sentence_months());
    out->mutable_occurred_at()->set_seconds(sen.occurred_at());
    out->set_report_id(sen.report_id());
  }
  for (const auto& [k, a] : s.arrests()) {
    response->add_arrests(StrCat(a.reporter(), "/", a.arrest_id()));
  }
  return grpc::Status::OK;
}

}  // namespace fruition::scoring
