// Authorization rules of SPEC §1, shared by every service: who may write
// which report body and who may read what. Pure functions, no I/O.
#ifndef FRUITION_SERVICES_COMMON_AUTH_AUTHZ_H_
#define FRUITION_SERVICES_COMMON_AUTH_AUTHZ_H_

#include <string_view>

#include "absl/status/status.h"
#include "fruition/v1/events.pb.h"
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

// Whether `caller` sees restricted outputs (full cells, every restricted
// event, org details): overseers only. (Agencies read the restricted events
// about themselves: MayReadEvent.)
bool MayReadRestricted(const Principal& caller);

// Whether `unit` (SPEC §5) is one of agency `agency`'s own (SPEC §11):
// `agency:<agency>`; `field_office:<office>` whose code is the agency's
// followed by '-' (`field_office:DEA-NEW-YORK` is DEA's, never DE's);
// `district:<d>` for the U.S. Attorney's Office `USAO-<d>`. `area:` and
// `national:` units are no agency's.
bool AgencyOwnsUnit(std::string_view agency, std::string_view unit);

// Whether event `e` is about agency `agency` (SPEC §1 v1.1, §11: "the
// restricted events about its own units and claims"): its unit is one of the
// agency's (AgencyOwnsUnit), or its condition is about a report the agency
// sent (`<TYPE>/report/<agency>/<report_id>`, e.g. REPORT_CONFLICT). A
// claim's events carry the claim's reporter as their unit
// (LINK_UNSUBSTANTIATED: `agency:<reporter>`); TIER_MISMATCH carries the
// agency of the arrest that counted the subject. docs/API.md ("Who reads
// which events") lists each type.
bool EventConcerns(const v1::OversightEvent& e, std::string_view agency);

// THE rule for reading one event, used wherever events are served: a PUBLIC
// event by anyone; a RESTRICTED one by overseers, and by an AGENCY principal
// when the event concerns it (EventConcerns). Nobody else.
bool MayReadEvent(const Principal& caller, const v1::OversightEvent& e);

// Whether `caller` may read some restricted events (overseers and agencies):
// such a caller may ask for VISIBILITY_RESTRICTED (and gets those it may
// read), and its reads of events are audited even when they find nothing.
bool ReadsRestrictedEvents(const Principal& caller);

// OK for an authenticated caller; UNAUTHENTICATED for PUBLIC, with a message
// saying how to authenticate.
absl::Status RequireAuthenticated(const Principal& caller);

}  // namespace fruition::auth

#endif  // FRUITION_SERVICES_COMMON_AUTH_AUTHZ_H_
