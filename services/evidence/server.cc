#include "services/evidence/server.h"

#include <chrono>
#include <limits>

#include "services/common/auth/authz.h"
#include "services/common/server/audit.h"
#include "services/common/server/grpc_server.h"
#include "services/common/status.h"
#include "services/common/strings.h"
#include "services/domain/orgs.h"
#include "services/domain/validate.h"
#include "services/evidence/processor.h"

namespace fruition::evidence {
namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

int64_t WallSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr char kGetClaim[] = "/fruition.v1.EvidenceService/GetClaim";
constexpr char kListClaims[] = "/fruition.v1.EvidenceService/ListClaims";
constexpr char kGetOrg[] = "/fruition.v1.EvidenceService/GetOrg";

grpc::Status Denied(const std::string& message) {
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, message);
}

grpc::Status Invalid(const std::string& field, const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      StrCat(field, ": ", message));
}

// Agencies and overseers may read the evidence store at all.
grpc::Status CheckReader(const auth::Principal& caller) {
  if (absl::Status s = auth::RequireAuthenticated(caller); !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (caller.kind != auth::PrincipalKind::kAgency &&
      caller.kind != auth::PrincipalKind::kOverseer) {
    return Denied(StrCat("principal ", caller.code, " (",
                         auth::KindName(caller.kind),
                         ") may not read the evidence store; agencies and "
                         "overseers may"));
  }
  return grpc::Status::OK;
}

std::optional<std::string> Unhex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    const int hi = val(s[i]), lo = val(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::Claim> ClaimView(const Tx& tx, const ClaimKey& key,
                                    bool reveal_sealed) {
  v1::Claim view;
  view.set_reporter(key.reporter);
  view.set_claim_id(key.claim_id);
  FRUITION_ASSIGN_OR_RETURN(const auto claim, tx.Claim(key));
  FRUITION_ASSIGN_OR_RETURN(const auto added_reports, tx.EvidenceAdded(key));
  FRUITION_ASSIGN_OR_RETURN(auto arrest_ids, tx.ArrestIds(key));
  FRUITION_ASSIGN_OR_RETURN(auto assessments, tx.Assessments(key));
  if (claim) {
    const auto& report = claim->report();
    const auto& c = report.link_claim();
    view.set_subject_pid(c.subject_pid());
    view.set_org_id(c.org_id());
    view.set_link_role(c.link_role());
    view.set_hops(c.hops());
    *view.mutable_occurred_at() = report.occurred_at();
    view.set_report_id(report.report_id());
    for (const auto& item : c.evidence()) {
      *view.add_evidence() = item;
      view.add_evidence_added(false);
    }
  } else {
    view.set_claim_missing(true);
  }
  for (const auto& added : added_reports) {
    for (const auto& item : added.report().evidence_added().evidence()) {
      *view.add_evidence() = item;
      view.add_evidence_added(true);
    }
  }
  bool withheld = false;
  if (!reveal_sealed) {
    for (auto& item : *view.mutable_evidence()) {
      if (!item.sealed_summary().empty()) withheld = true;
      item.clear_sealed_summary();
      item.clear_sealed_ciphertext();  // the store holds none; never leak one
    }
  }
  view.set_sealed_withheld(withheld);
  for (auto& id : arrest_ids) view.add_arrest_ids(std::move(id));
  for (auto& a : assessments) *view.add_assessments() = std::move(a);
  return view;
}

EvidenceServiceImpl::EvidenceServiceImpl(
    EvidenceStore* store, const auth::PrincipalRegistry* principals,
    audit::Trail* trail, const Rulebook* rules, Partitions partitions,
    Clock clock)
    : store_(store),
      principals_(principals),
      trail_(trail),
      rules_(rules),
      partitions_(std::move(partitions)),
      clock_(clock ? std::move(clock) : Clock(WallSeconds)) {}

grpc::Status EvidenceServiceImpl::GetClaim(grpc::ServerContext* context,
                                           const v1::GetClaimRequest* request,
                                           v1::Claim* response) {
  return server::AsCaller(*principals_, *context, this,
                          &EvidenceServiceImpl::GetClaimAs, *request, response);
}

grpc::Status EvidenceServiceImpl::ListClaims(
    grpc::ServerContext* context, const v1::ListClaimsRequest* request,
    v1::ListClaimsResponse* response) {
  return server::AsCaller(*principals_, *context, this,
                          &EvidenceServiceImpl::ListClaimsAs, *request,
                          response);
}

grpc::Status EvidenceServiceImpl::GetOrg(grpc::ServerContext* context,
                                         const v1::GetOrgRequest* request,
                                         v1::Org* response) {
  return server::AsCaller(*principals_, *context, this,
                          &EvidenceServiceImpl::GetOrgAs, *request, response);
}

grpc::Status EvidenceServiceImpl::AssessDraft(
    grpc::ServerContext* context, const v1::AssessDraftRequest* request,
    v1::AssessDraftResponse* response) {
  return server::AsCaller(*principals_, *context, this,
                          &EvidenceServiceImpl::AssessDraftAs, *request,
                          response);
}

grpc::Status EvidenceServiceImpl::GetClaimAs(const auth::Principal& caller,
                                             const v1::GetClaimRequest& request,
                                             v1::Claim* response) {
  if (grpc::Status s = CheckReader(caller); !s.ok()) return s;
  if (request.claim_id().empty()) return Invalid("claim_id", "required");
  std::string reporter = request.reporter();
  if (reporter.empty()) {
    if (caller.kind == auth::PrincipalKind::kOverseer) {
      return Invalid("reporter", "required for overseers");
    }
    reporter = caller.code;
  }
  if (!auth::MayReadOwned(caller, reporter)) {
    return Denied(StrCat("claim ", request.claim_id(), " of ", reporter,
                         ": agencies may read only their own claims"));
  }
  Tx tx(store_);
  const ClaimKey key{reporter, request.claim_id()};
  const auto claim = tx.Claim(key);
  if (!claim.ok()) return ToGrpcStatus(claim.status());
  const auto added = tx.EvidenceAdded(key);
  if (!added.ok()) return ToGrpcStatus(added.status());
  auto view = ClaimView(tx, key, auth::MayReadOwned(caller, reporter));
  if (!view.ok()) return ToGrpcStatus(view.status());
  if (!*claim && added->empty()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        StrCat("claim ", request.claim_id(), " of ", reporter,
                               ": not in this evidence store"));
  }
  if (grpc::Status st =
          server::AuditRead(*trail_, caller.code, kGetClaim,
                            {StrCat("claim:", request.claim_id())});
      !st.ok()) {
    return st;
  }
  *response = *std::move(view);
  return grpc::Status::OK;
}

grpc::Status EvidenceServiceImpl::ListClaimsAs(
    const auth::Principal& caller, const v1::ListClaimsRequest& request,
    v1::ListClaimsResponse* response) {
  const int selectors = (request.subject_pid().empty() ? 0 : 1) +
                        (request.org_id().empty() ? 0 : 1) +
                        (request.reporter().empty() ? 0 : 1);
  if (grpc::Status s = CheckReader(caller); !s.ok()) return s;
  if (selectors != 1) {
    return Invalid("subject_pid",
                   "give exactly one of subject_pid, org_id or reporter");
  }
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return Invalid("page_size", StrCat("must be 0 to ", kMaxPageSize));
  }
  const size_t page_size =
      request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  if (!request.reporter().empty() &&
      !auth::MayReadOwned(caller, request.reporter())) {
    return Denied(StrCat("claims of ", request.reporter(),
                         ": agencies may list only their own claims"));
  }
  std::string after;
  if (!request.page_token().empty()) {
    auto token = Unhex(request.page_token());
    if (!token) return Invalid("page_token", "not a token from this service");
    after = *token;
  }
  // Candidate (reporter, claim_id) keys in order, from the chosen index.
  Table table = Table::kClaims;
  std::string prefix;
  if (!request.subject_pid().empty()) {
    table = Table::kBySubject;
    prefix = JoinKey({request.subject_pid(), ""});
  } else if (!request.org_id().empty()) {
    table = Table::kByOrg;
    prefix = JoinKey({request.org_id(), ""});
  } else {
    prefix = JoinKey({request.reporter(), ""});
  }
  Tx tx(store_);
  std::string last;
  std::vector<std::string> read;
  auto rows = tx.Scan(table, prefix, after);
  if (!rows.ok()) return ToGrpcStatus(rows.status());
  for (const auto& [k, v] : *rows) {
    const auto parts = SplitKey(k);
    const ClaimKey key = table == Table::kClaims ? ClaimKey{parts[0], parts[1]}
                                                 : ClaimKey{parts[1], parts[2]};
    if (!auth::MayReadOwned(caller, key.reporter)) continue;
    if (response->claims_size() == static_cast<int>(page_size)) {
      response->set_next_page_token(HexLower(last));
      break;
    }
    auto view = ClaimView(tx, key, true);
    if (!view.ok()) return ToGrpcStatus(view.status());
    read.push_back(StrCat("claim:", key.claim_id));
    *response->add_claims() = *std::move(view);
    last = k;
  }
  // One record for the page, even an empty one, before it is answered.
  if (grpc::Status st =
          server::AuditRead(*trail_, caller.code, kListClaims, std::move(read));
      !st.ok()) {
    response->Clear();
    return st;
  }
  for (int32_t p : partitions_ ? partitions_() : std::vector<int32_t>{}) {
    response->add_partitions(p);
  }
  return grpc::Status::OK;
}

grpc::Status EvidenceServiceImpl::GetOrgAs(const auth::Principal& caller,
                                           const v1::GetOrgRequest& request,
                                           v1::Org* response) {
  if (grpc::Status s = CheckReader(caller); !s.ok()) return s;
  if (request.org_id().empty()) return Invalid("org_id", "required");
  Tx tx(store_);
  auto stored_history = tx.OrgHistory(request.org_id());
  if (!stored_history.ok()) return ToGrpcStatus(stored_history.status());
  auto& history = *stored_history;
  const auto stored_claims =
      tx.Scan(Table::kByOrg, JoinKey({request.org_id(), ""}));
  if (!stored_claims.ok()) return ToGrpcStatus(stored_claims.status());
  const auto& claims = *stored_claims;
  if (history.empty() && claims.empty()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        StrCat("org ", request.org_id(), ": unknown"));
  }
  if (grpc::Status st = server::AuditRead(*trail_, caller.code, kGetOrg,
                                          {StrCat("org:", request.org_id())});
      !st.ok()) {
    return st;
  }
  std::sort(
      history.begin(), history.end(),
      [](const internal::StoredReport& a, const internal::StoredReport& b) {
        return std::make_tuple(a.report().occurred_at().seconds(),
                               a.report().org_designated().revoked(),
                               a.report().report_id()) <
               std::make_tuple(b.report().occurred_at().seconds(),
                               b.report().org_designated().revoked(),
                               b.report().report_id());
      });
  response->set_org_id(request.org_id());
  std::vector<Designation> designations;
  for (const auto& h : history) {
    const auto& d = h.report().org_designated();
    auto* out = response->add_history();
    out->set_tier(d.tier());
    out->set_region(d.region());
    *out->mutable_criteria_cited() = d.criteria_cited();
    out->set_revoked(d.revoked());
    *out->mutable_occurred_at() = h.report().occurred_at();
    out->set_reporter(h.report().reporter());
    out->set_report_id(h.report().report_id());
    designations.push_back(
        Designation{h.report().occurred_at().seconds(), d.tier(), d.revoked()});
  }
  // Designated now: by its latest entry (a revocation wins a tie), as C1
  // would judge a claim made after all of them; the tier by the one rule.
  if (!history.empty()) {
    response->set_designated(domain::DesignatedAt(
        designations, std::numeric_limits<int64_t>::max()));
  }
  response->set_tier(domain::TierOf(designations));
  response->set_claims(static_cast<int64_t>(claims.size()));
  return grpc::Status::OK;
}

grpc::Status EvidenceServiceImpl::AssessDraftAs(
    const auth::Principal& caller, const v1::AssessDraftRequest& request,
    v1::AssessDraftResponse* response) {
  if (absl::Status s = auth::RequireAuthenticated(caller); !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (caller.kind != auth::PrincipalKind::kAgency) {
    return Denied("only agencies make link claims");
  }
  if (!request.has_report()) return Invalid("report", "required");
  if (!request.criteria_version().empty() &&
      request.criteria_version() != rules_->version) {
    return Invalid("criteria_version",
                   StrCat("this service applies ", rules_->version));
  }
  v1::AgencyReport report = request.report();
  if (!report.has_link_claim()) {
    return Invalid("report.link_claim", "a draft must be a link_claim");
  }
  if (report.report_id().empty()) report.set_report_id("DRAFT");
  if (report.case_id().empty()) report.set_case_id("DRAFT");
  // The subject is not needed to judge a draft, and never stored.
  report.mutable_link_claim()->set_subject_ref("DRAFT");
  report.mutable_link_claim()->clear_subject_pid();
  const int64_t now = clock_();
  const domain::Sender sender{caller.code,
                              std::string(auth::KindName(caller.kind)),
                              auth::MaySend(caller.kind, report.body_case())};
  if (auto rejection = domain::Validate(report, sender, now)) {
    return grpc::Status(static_cast<grpc::StatusCode>(rejection->code),
                        StrCat(rejection->field, ": ", rejection->message));
  }
  v1::AgencyReport added_report;
  for (const auto& item : request.evidence_added()) {
    *added_report.mutable_evidence_added()->add_evidence() = item;
  }
  internal::StoredReport claim;
  *claim.mutable_report() = report;
  claim.mutable_report()->mutable_link_claim()->clear_subject_ref();
  // Judged as if intake accepted it now (C1's receipt window starts here).
  claim.mutable_report()->mutable_received_at()->set_seconds(now);
  claim.set_kafka_timestamp_ms(-1);
  std::vector<internal::StoredReport> added;
  if (request.evidence_added_size() > 0) {
    internal::StoredReport a;
    *a.mutable_report() = added_report;
    a.set_kafka_timestamp_ms(-1);
    added.push_back(std::move(a));
  }
  Tx tx(store_);
  std::vector<std::string> reasons;
  const auto history = tx.OrgHistory(report.link_claim().org_id());
  if (!history.ok()) return ToGrpcStatus(history.status());
  v1::LinkAssessment a =
      MakeAssessment(*rules_, claim, added, *history, &reasons);
  a.clear_assessment_id();
  a.clear_subject_pid();
  a.clear_assessed_at();
  *response->mutable_assessment() = std::move(a);
  for (auto& r : reasons) response->add_reasons(std::move(r));
  return grpc::Status::OK;
}

}  // namespace fruition::evidence
