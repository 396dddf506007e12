// Start-up recovery of the idempotency index after a crash (kill -9).
//
// PENDING entries are reports whose delivery outcome intake never learned.
// Recover() reads every partition of intake's topics from just after the
// offset this instance last saw acknowledged up to the current end, marks
// each PENDING report found there WRITTEN (its record carries the reporter
// and report_id headers and the same body digest), forgets the rest (they
// never reached Kafka, so a resend must be produced), and raises the
// acknowledged offsets to the partitions' ends. The scan is bounded by what
// was written since the last acknowledgement, not by the topic's size.
#ifndef FRUITION_SERVICES_INTAKE_RECOVERY_H_
#define FRUITION_SERVICES_INTAKE_RECOVERY_H_

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/intake/idempotency_store.h"

namespace fruition::intake {

struct RecoveryStats {
  int pending = 0;      // PENDING entries found
  int found = 0;        // of those, in Kafka (now WRITTEN)
  int forgotten = 0;    // of those, not in Kafka (dropped)
  int64_t scanned = 0;  // records read
};

// UNAVAILABLE if Kafka cannot be read within `timeout` (the store is then
// unchanged, and the caller retries before serving).
absl::Status Recover(IdempotencyStore* store, const std::string& bootstrap,
                     const std::map<std::string, std::string>& properties,
                     const std::vector<std::string>& topics,
                     std::chrono::milliseconds timeout, RecoveryStats* stats);

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_RECOVERY_H_
