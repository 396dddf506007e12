// The audit trail (SPEC §1), as every service sees it: append one record per
// read of restricted data, per refused call and per operator action, whatever
// the log level. The Kafka implementation (kafka_trail.h) hash-chains the
// records of one writer on `fruition.audit.v1`; MemoryTrail keeps them in
// memory for unit tests.
//
// The rule every caller follows: a restricted read whose record cannot be
// appended fails with UNAVAILABLE, before any restricted data is sent. There
// are no unaudited restricted reads.
//
// Thread-safe.
#ifndef FRUITION_SERVICES_COMMON_AUDIT_TRAIL_H_
#define FRUITION_SERVICES_COMMON_AUDIT_TRAIL_H_

#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace fruition::audit {

// What happened; the trail adds `seq`, `writer`, `at` and `prev_sha256`.
struct Entry {
  std::string principal;  // caller's code, "PUBLIC", or "operator"
  std::string action;     // gRPC method, "GET /api/v1/events", "skip-record"
  // Kind-prefixed ids: "event:<id>", "claim:<id>", "subject:<pid>",
  // "unit-period:<unit>/<period>", "org:<id>",
  // "record:<topic>:<partition>:<offset>". Never sealed text or raw subject
  // identifiers.
  std::vector<std::string> resources;
  std::string outcome = "OK";  // or the status code name of a refusal
};

class Trail {
 public:
  virtual ~Trail() = default;
  // Appends one record and returns once it is durable (acks=all).
  // UNAVAILABLE when it could not be written: the caller then refuses the
  // read it was about to serve with UNAVAILABLE.
  virtual absl::Status Append(const Entry& entry) = 0;
};

// Keeps entries in memory; for unit tests. `Fail` makes every later Append
// answer the given status (UNAVAILABLE to simulate a lost broker).
class MemoryTrail : public Trail {
 public:
  absl::Status Append(const Entry& entry) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fail_.ok()) return fail_;
    entries_.push_back(entry);
    return absl::OkStatus();
  }
  void Fail(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = std::move(status);
  }
  std::vector<Entry> entries() const {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_;
  }

 private:
  mutable std::mutex mu_;
  absl::Status fail_;
  std::vector<Entry> entries_;
};

}  // namespace fruition::audit

#endif  // FRUITION_SERVICES_COMMON_AUDIT_TRAIL_H_
