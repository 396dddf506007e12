// The rules every report must pass before intake accepts it (SPEC §1, §2):
// the domain's report rules (services/domain/validate.h) with intake's
// principals. Pure: no I/O, no clock (the caller passes `now`).
#ifndef FRUITION_SERVICES_INTAKE_VALIDATE_H_
#define FRUITION_SERVICES_INTAKE_VALIDATE_H_

#include <cstdint>
#include <optional>

#include "fruition/v1/reports.pb.h"
#include "services/common/auth/authz.h"
#include "services/common/auth/principals.h"
#include "services/domain/reports.h"
#include "services/domain/validate.h"

namespace fruition::intake {

using domain::kMaxEvidenceItems;
using domain::kMaxFutureSeconds;
using domain::kMaxHops;
using domain::kMaxIdChars;
using domain::kMaxRepeated;
using domain::kMaxReportBytes;
using domain::kMaxSentenceMonths;
using domain::Rejection;

// Checks `report` as sent by `caller` at time `now_seconds` (Unix seconds):
// domain::Validate with the caller's code, whether its kind may send the
// body (auth::MaySend) and its write authority (acts_for, designates). Returns
// nullopt when the report is acceptable.
std::optional<Rejection> Validate(const v1::AgencyReport& report,
                                  const auth::Principal& caller,
                                  int64_t now_seconds);

// Whether a principal of `kind` may send a body of `body` (SPEC §1 table).
using auth::MaySend;

// The body table's accessors (services/domain/reports.h).
using domain::BodyName;
using domain::IsValidUtf8;
using domain::MutableSubjectPid;
using domain::MutableSubjectRef;
using domain::SubjectPid;

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_VALIDATE_H_
