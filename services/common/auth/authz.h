// Authorization rules of SPEC §1, shared by every service: who may write
// which report body and who may read what. Pure functions, no I/O.
#ifndef FRUITION_SERVICES_COMMON_AUTH_AUTHZ_H_
#define FRUITION_SERVICES_COMMON_AUTH_AUTHZ_H_

#include <string_view>

#include "absl/status/status.h"
#include "fruition/v1/reports.pb.h"
#include "services/common/auth/principals.h"

namespace fruition::auth {

// Whether a principal of `kind` may send a report with `body`: AGENCY every
// body but sentencing, community_indicator, oversight_decision and
// budget_line; JUDICIARY sentencing and disposition; COMMUNITY
// community_indicator; OVERSEER oversight_decision and budget_line (SPEC §1
// v1.1, §11); PUBLIC nothing. False for BODY_NOT_SET.
bool MaySend(PrincipalKind kind, v1::AgencyReport::BodyCase body);

// Whether `caller` may read restricted data owned by `owner` (a principal
// code): the owner itself and overseers. PUBLIC never.
bool MayReadOwned(const Principal& caller, std::string_view owner);

// Whether `caller` sees restricted outputs (full cells, restricted events):
// overseers only.
bool MayReadRestricted(const Principal& caller);

// OK for an authenticated caller; UNAUTHENTICATED for PUBLIC, with a message
// saying how to authenticate.
absl::Status RequireAuthenticated(const Principal& caller);

}  // namespace fruition::auth

#endif  // FRUITION_SERVICES_COMMON_AUTH_AUTHZ_H_
