#include "services/common/auth/authz.h"

namespace fruition::auth {

using v1::AgencyReport;

bool MaySend(PrincipalKind kind, AgencyReport::BodyCase body) {
  if (body == AgencyReport::BODY_NOT_SET) return false;
  switch (kind) {
    case PrincipalKind::kAgency:
      return body != AgencyReport::kSentencing &&
             body != AgencyReport::kCommunityIndicator &&
             body != AgencyReport::kOversightDecision &&
             body != AgencyReport::kBudgetLine;
    case PrincipalKind::kJudiciary:
      return body == AgencyReport::kSentencing ||
             body == AgencyReport::kDisposition;
    case PrincipalKind::kCommunity:
      return body == AgencyReport::kCommunityIndicator;
    // SPEC §11: overseers decide on answers and set budget lines.
    case PrincipalKind::kOverseer:
      return body == AgencyReport::kOversightDecision ||
             body == AgencyReport::kBudgetLine;
    case PrincipalKind::kPublic:
      return false;
  }
  return false;
}

bool MayReadOwned(const Principal& caller, std::string_view owner) {
  if (caller.is_public()) return false;
  return caller.kind == PrincipalKind::kOverseer || caller.code == owner;
}

bool MayReadRestricted(const Principal& caller) {
  return caller.kind == PrincipalKind::kOverseer;
}

absl::Status RequireAuthenticated(const Principal& caller) {
  if (!caller.is_public()) return absl::OkStatus();
  return absl::UnauthenticatedError(
      "credentials required: send 'authorization: Bearer <token>' or a "
      "client certificate");
}

}  // namespace fruition::auth
