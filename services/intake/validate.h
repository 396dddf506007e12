// The rules every report must pass before intake accepts it (SPEC §1, §2).
// Pure: no I/O, no clock (the caller passes `now`), so tests are exhaustive.
#ifndef FRUITION_SERVICES_INTAKE_VALIDATE_H_
#define FRUITION_SERVICES_INTAKE_VALIDATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "fruition/v1/reports.pb.h"
#include "services/common/auth/authz.h"
#include "services/common/auth/principals.h"

namespace fruition::intake {

// Limits (SPEC §2); docs/API.md lists them for agencies.
inline constexpr size_t kMaxReportBytes = 1 << 20;  // 1 MiB serialized
inline constexpr size_t kMaxIdChars = 128;          // ids, codes, refs
inline constexpr int kMaxEvidenceItems = 256;       // per claim / addition
inline constexpr int kMaxRepeated = 256;            // statutes, criteria...
inline constexpr int64_t kMaxFutureSeconds = int64_t{24} * 3600;
inline constexpr uint32_t kMaxSentenceMonths = 1200;  // 100 years
inline constexpr uint32_t kMaxHops = 64;

// Why a report was refused: a gRPC status code, the field path in proto
// (snake_case) names, e.g. "link_claim.evidence[3].kind", and a sentence for
// a person that names the field.
struct Rejection {
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
  std::string field;
  std::string message;
};

// Checks `report` as sent by `caller` at time `now_seconds` (Unix seconds).
// Order: report_id and reporter present; reporter is the caller
// (PERMISSION_DENIED); a body is set; the caller's kind may send that body
// (PERMISSION_DENIED); then every field rule (INVALID_ARGUMENT). Returns
// nullopt when the report is acceptable.
std::optional<Rejection> Validate(const v1::AgencyReport& report,
                                  const auth::Principal& caller,
                                  int64_t now_seconds);

// Whether a principal of `kind` may send a body of `body` (SPEC §1 table).
using auth::MaySend;

// The body's field name, e.g. "link_claim"; "body" when unset.
std::string_view BodyName(v1::AgencyReport::BodyCase body);

// The body's subject_ref / subject_pid fields, or nullptr when the body has
// no subject (org_designated, seizure, ...).
std::string* MutableSubjectRef(v1::AgencyReport* report);
std::string* MutableSubjectPid(v1::AgencyReport* report);
const std::string* SubjectPid(const v1::AgencyReport& report);

// True when `text` is valid UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view text);

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_VALIDATE_H_
