// Where an accepted report goes (SPEC §7) and how its subject is hidden.
// Pure: no I/O.
#ifndef FRUITION_SERVICES_INTAKE_ROUTE_H_
#define FRUITION_SERVICES_INTAKE_ROUTE_H_

#include <string>
#include <string_view>

#include "fruition/v1/reports.pb.h"
#include "services/common/privacy/pseudonymizer.h"

namespace fruition::intake {

struct Route {
  std::string_view topic;  // fruition.reports.v1 or fruition.reference.v1
  std::string key;         // subject_pid | case_id | org_id | agency | area_id
};

// Replaces the body's subject_ref with subject_pid (clearing the ref), so the
// raw identifier goes no further. Returns the pid ("" if no subject).
std::string Pseudonymize(const privacy::Pseudonymizer& pseudonymizer,
                         v1::AgencyReport* report);

// The topic and key of a validated, pseudonymized report: reference bodies
// (org_designated, org_outcome, performance_target, community_indicator) to
// fruition.reference.v1 keyed by org_id / agency / area_id; every other body
// to fruition.reports.v1 keyed by subject_pid, or case_id without a subject.
Route RouteFor(const v1::AgencyReport& report);

// The bytes intake produces for `report` (deterministic serialization).
std::string CanonicalBytes(const v1::AgencyReport& report);

// What the idempotency index compares on resubmission: the SHA-256 hex of
// the report as sent (pseudonymized, without intake's received_at;
// domain::SenderBytes), so an exact resubmission matches the stamped copy
// intake produced earlier.
std::string SenderDigest(const v1::AgencyReport& report);

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_ROUTE_H_
