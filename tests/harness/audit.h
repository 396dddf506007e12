// Reading the audit trail back in integration tests.
#ifndef FRUITION_TESTS_HARNESS_AUDIT_H_
#define FRUITION_TESTS_HARNESS_AUDIT_H_

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/v1/audit.pb.h"

namespace fruition::testing {

// The records `writer` appended to the audit topic, in its order. Tests give
// each service instance its own --audit-writer, so other instances' and
// other tests' records on a shared broker are left out.
absl::StatusOr<std::vector<v1::AuditRecord>> AuditRecordsOf(
    const std::string& bootstrap, const std::string& writer,
    std::chrono::milliseconds timeout = std::chrono::seconds(60));

// One expected audit record: `action` the full gRPC method (or
// "skip-record", ...), `resources` in the record's order.
struct AuditWant {
  std::string principal;
  std::string action;
  std::string outcome;
  std::vector<std::string> resources;
};

// Expects the records of `trail` from index `from` on to be exactly `want`,
// one each, in order (gtest failures naming the index).
void ExpectAuditRecords(const std::vector<v1::AuditRecord>& trail, size_t from,
                        const std::vector<AuditWant>& want);

}  // namespace fruition::testing

#endif  // FRUITION_TESTS_HARNESS_AUDIT_H_
