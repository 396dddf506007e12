// The audit trail a service appends to (SPEC §1), as the product opens it:
// a KafkaTrail on `fruition.audit.v1` whose writer is `<service>@<instance>`
// (services/common/audit/kafka_trail.h). Never a no-op: a service whose trail
// cannot be opened at start (the broker down) still starts, public reads
// answer, and every restricted read fails UNAVAILABLE until a later attempt
// opens it (ReopeningTrail).
#ifndef FRUITION_SERVICES_COMMON_SERVICE_TRAIL_H_
#define FRUITION_SERVICES_COMMON_SERVICE_TRAIL_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/common/audit/trail.h"

namespace fruition::service {

// A trail opened on first need: while `open` fails, Append answers
// UNAVAILABLE naming why, and tries `open` again at most once per `retry`.
// Thread-safe.
class ReopeningTrail : public audit::Trail {
 public:
  using Opener = std::function<absl::StatusOr<std::unique_ptr<audit::Trail>>()>;

  // Tries `open` at once.
  explicit ReopeningTrail(
      Opener open, std::chrono::milliseconds retry = std::chrono::seconds(5));

  absl::Status Append(const audit::Entry& entry) override;
  // Whether the trail is open (for tests and start-up logs).
  bool open() const;

 private:
  // Opens the trail if it is not and an attempt is due; needs mu_.
  void TryOpen();

  Opener open_;
  std::chrono::milliseconds retry_;
  mutable std::mutex mu_;
  std::unique_ptr<audit::Trail> trail_;
  absl::Status why_;
  std::chrono::steady_clock::time_point next_try_;
};

// The product's trail of `service` ("gateway", ...): a KafkaTrail on
// fruition.audit.v1 through `bootstrap` and `properties`, its writer
// `writer` or, when empty, audit::DefaultWriter(service). Logs an error if it
// cannot be opened yet.
std::unique_ptr<audit::Trail> OpenTrail(
    std::string_view service, const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    const std::string& writer = "");

}  // namespace fruition::service

#endif  // FRUITION_SERVICES_COMMON_SERVICE_TRAIL_H_
