// The rules every report must pass before it is accepted (SPEC §1, §2):
// intake applies them to what agencies send, evidence to a draft claim.
// Pure: no I/O, no clock (the caller passes `now`), no principal model (the
// caller says who sends and whether its kind may send the body), so tests
// are exhaustive. Which fields a body has (subject, case, units) comes from
// the body table (reports.h).
#ifndef FRUITION_SERVICES_DOMAIN_VALIDATE_H_
#define FRUITION_SERVICES_DOMAIN_VALIDATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "fruition/v1/reports.pb.h"

namespace fruition::domain {

// Limits (SPEC §2); docs/API.md lists them for agencies.
inline constexpr size_t kMaxReportBytes = 1 << 20;  // 1 MiB serialized
inline constexpr size_t kMaxIdChars = 128;          // ids, codes, refs
inline constexpr int kMaxEvidenceItems = 256;       // per claim / addition
// Per claim in all, its own and every EvidenceAdded's, in log order: the
// evidence service ignores (and counts) the items beyond it.
inline constexpr int kMaxEvidencePerClaim = 1024;
inline constexpr int kMaxRepeated = 256;  // statutes, criteria...
inline constexpr int64_t kMaxFutureSeconds = int64_t{24} * 3600;
inline constexpr uint32_t kMaxSentenceMonths = 1200;  // 100 years
inline constexpr uint32_t kMaxHops = 64;
// SPEC §11 bodies: agency_response.explanation (and oversight_decision.note),
// agency_response.corrective_action, budget_line.purpose, in characters;
// budget_line.amount_usd in whole dollars; criteria per line.
inline constexpr size_t kMaxExplanationChars = 4000;
inline constexpr size_t kMaxCorrectiveActionChars = 1000;
inline constexpr size_t kMaxPurposeChars = 1000;
inline constexpr int64_t kMaxBudgetUsd = int64_t{1000000000000};
inline constexpr int kMaxBudgetCriteria = 64;

// Why a report was refused: a gRPC status code, the field path in proto
// (snake_case) names, e.g. "link_claim.evidence[3].kind", and a sentence for
// a person that names the field.
struct Rejection {
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
  std::string field;
  std::string message;
};

// Who sends the report, as the service's authorization rules see it.
struct Sender {
  std::string code;            // the caller's principal code, e.g. "DEA"
  std::string kind;            // its kind for messages, e.g. "AGENCY"
  bool may_send_body = false;  // whether that kind may send this body
  // Write authority (docs/API.md, "Who may write what"): the agencies the
  // sender may name in the `agency` of case_opened, arrest and
  // performance_target besides itself, and whether it may send org_designated.
  std::vector<std::string> acts_for;
  bool designates = false;
};

// Checks `report` as sent by `sender` at time `now_seconds` (Unix seconds).
// Order: size; report_id and reporter present; reporter is the sender
// (PERMISSION_DENIED); a body is set; the sender may send that body, and an
// org_designated only if it designates (PERMISSION_DENIED); no unknown
// fields; no received_at (intake's to set); then every field rule
// (INVALID_ARGUMENT), where an `agency` field that is neither the sender nor
// in its acts_for is PERMISSION_DENIED naming it (`arrest.agency`), and an
// agency_response whose condition key names another agency's unit or report
// is PERMISSION_DENIED naming `agency_response.condition_key` (SPEC §11; a
// claim's or budget line's owner is not in the key: intake looks it up).
// Returns nullopt when the report is acceptable.
std::optional<Rejection> Validate(const v1::AgencyReport& report,
                                  const Sender& sender, int64_t now_seconds);

// True when `text` is valid UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view text);

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_VALIDATE_H_
