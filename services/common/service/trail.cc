#include "services/common/service/trail.h"

#include "services/common/audit/kafka_trail.h"
#include "services/common/log/log.h"
#include "services/common/strings.h"

namespace fruition::service {

ReopeningTrail::ReopeningTrail(Opener open, std::chrono::milliseconds retry)
    : open_(std::move(open)), retry_(retry) {
  std::lock_guard<std::mutex> lock(mu_);
  TryOpen();
}

void ReopeningTrail::TryOpen() {
  if (trail_ != nullptr) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_try_) return;
  next_try_ = now + retry_;
  auto opened = open_();
  if (opened.ok()) {
    trail_ = std::move(*opened);
    why_ = absl::OkStatus();
    return;
  }
  why_ = opened.status();
}

absl::Status ReopeningTrail::Append(const audit::Entry& entry) {
  audit::Trail* trail = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    TryOpen();
    if (trail_ == nullptr) {
      return absl::UnavailableError(
          StrCat("audit trail not open: ", why_.message()));
    }
    trail = trail_.get();
  }
  // Once open the trail is never replaced: appends run concurrently (the
  // trail itself is thread-safe and batches them).
  return trail->Append(entry);
}

bool ReopeningTrail::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return trail_ != nullptr;
}

std::unique_ptr<audit::Trail> OpenTrail(
    std::string_view service, const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    const std::string& writer) {
  audit::KafkaTrailOptions options;
  options.producer.bootstrap_servers = bootstrap;
  options.producer.client_id = StrCat("fruition-", service, "-audit");
  options.producer.properties = properties;
  // A restricted read waits for its record: lingering for company only adds
  // latency (~5 ms), and concurrent appends still share the batches in
  // flight. The trail has a producer of its own, so this changes nothing
  // else the service produces.
  options.producer.linger_ms = 0;
  options.writer = writer.empty() ? audit::DefaultWriter(service) : writer;
  const std::string name = options.writer;
  auto trail = std::make_unique<ReopeningTrail>(
      [options]() -> absl::StatusOr<std::unique_ptr<audit::Trail>> {
        auto opened = audit::KafkaTrail::Open(options);
        if (!opened.ok()) return opened.status();
        return std::unique_ptr<audit::Trail>(std::move(*opened));
      });
  if (!trail->open()) {
    log::Error(
        "audit trail not open: restricted reads fail UNAVAILABLE until it "
        "opens (retried every 5 s); public reads answer",
        {{"writer", name}});
  }
  return trail;
}

}  // namespace fruition::service
