// Start-up recovery of the idempotency index after a crash (kill -9).
//
// Reports this instance produced but had not yet recorded when it died lie
// after the offsets it last recorded. Recover() reads every partition of
// intake's topics from just after that offset to the current end and
// records each report found there (by its fruition-reporter and
// fruition-report-id headers) that the index does not hold yet, so a client
// resending it is answered "duplicate". Then it raises the recorded offsets
// to the partitions' ends. The scan is bounded by what was written since the
// last acknowledgement, not by the topic's size; a brand-new store scans
// nothing.
#ifndef FRUITION_SERVICES_INTAKE_RECOVERY_H_
#define FRUITION_SERVICES_INTAKE_RECOVERY_H_

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/common/privacy/sealed_box.h"
#include "services/intake/idempotency_store.h"

namespace fruition::intake {

struct RecoveryStats {
  int64_t scanned = 0;  // records read
  int recorded = 0;     // of those, reports newly recorded in the index
};

// UNAVAILABLE if Kafka cannot be read within `timeout` (the store is then
// unchanged, and the caller retries before serving). `sealed` opens the
// sealed text of the reports found, so that their digest is that of the
// report as sent (a value it cannot open is digested as produced: a
// resubmission of that report is then a conflict, never a silent duplicate).
absl::Status Recover(IdempotencyStore* store, const std::string& bootstrap,
                     const std::map<std::string, std::string>& properties,
                     const std::vector<std::string>& topics,
                     const privacy::SealedBox* sealed,
                     std::chrono::milliseconds timeout, RecoveryStats* stats);

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_RECOVERY_H_
