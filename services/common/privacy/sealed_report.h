// Seals and opens the restricted text of a report's evidence items
// (`EvidenceItem.sealed_summary` <-> `sealed_ciphertext`; SealedBox) in the
// bodies that carry evidence: link_claim and evidence_added. The additional
// authenticated data binds each value to its reporter, claim and item.
#ifndef FRUITION_SERVICES_COMMON_PRIVACY_SEALED_REPORT_H_
#define FRUITION_SERVICES_COMMON_PRIVACY_SEALED_REPORT_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "fruition/v1/reports.pb.h"
#include "services/common/privacy/sealed_box.h"

namespace fruition::privacy {

// The additional authenticated data of one item's sealed text.
std::string SealedAad(std::string_view reporter, std::string_view claim_id,
                      std::string_view evidence_id);

// Replaces every item's `sealed_summary` by its `sealed_ciphertext`, zeroing
// the plaintext's buffer. INVALID_ARGUMENT, with `*field` set to the item's
// `...sealed_ciphertext` path, when a sender set a ciphertext.
absl::Status SealReport(const SealedBox& box, v1::AgencyReport* report,
                        std::string* field);

// Restores `sealed_summary` from every item's `sealed_ciphertext` (clearing
// it). Items without a ciphertext (no text, or reports produced before
// sealing) are left as they are. On an item that does not open (tampered,
// unknown key id, both fields set, `box` null) returns the error with its
// code, its message prefixed by the item's path; the report is then
// partially restored and must not be used.
absl::Status UnsealReport(const SealedBox* box, v1::AgencyReport* report);

}  // namespace fruition::privacy

#endif  // FRUITION_SERVICES_COMMON_PRIVACY_SEALED_REPORT_H_
