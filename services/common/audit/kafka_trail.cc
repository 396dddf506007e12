#include "services/common/audit/kafka_trail.h"

#include <unistd.h>

#include <cstdlib>
#include <future>
#include <utility>

#include "services/common/audit/chain.h"
#include "services/common/audit/read.h"
#include "services/common/strings.h"

namespace fruition::audit {

std::string DefaultWriter(std::string_view service) {
  std::string instance;
  for (const char* name : {"FRUITION_INSTANCE", "HOSTNAME"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') {
      instance = value;
      break;
    }
  }
  if (instance.empty()) {
    char host[256] = {0};
    if (gethostname(host, sizeof(host) - 1) == 0) instance = host;
  }
  if (instance.empty()) instance = "unknown";
  return StrCat(service, "@", instance);
}

KafkaTrail::KafkaTrail(KafkaTrailOptions options)
    : options_(std::move(options)) {}

KafkaTrail::~KafkaTrail() {
  // Delivery callbacks touch the broken state: let the producer report
  // everything before the members it reports into go.
  producer_.reset();
}

absl::StatusOr<std::unique_ptr<KafkaTrail>> KafkaTrail::Open(
    KafkaTrailOptions options) {
  if (options.writer.empty()) {
    return absl::InvalidArgumentError("audit writer: required");
  }
  if (options.topic.empty()) {
    return absl::InvalidArgumentError("audit topic: required");
  }
  std::unique_ptr<KafkaTrail> trail(new KafkaTrail(std::move(options)));
  kafka::ProducerOptions producer = trail->options_.producer;
  if (producer.client_id == "fruition") producer.client_id = "fruition-audit";
  auto created = kafka::KafkaProducer::Create(std::move(producer));
  if (!created.ok()) return created.status();
  trail->producer_ = std::move(*created);
  std::lock_guard<std::mutex> lock(trail->mu_);
  if (absl::Status s = trail->Resync(); !s.ok()) {
    return absl::UnavailableError(StrCat("audit trail on ",
                                         trail->options_.topic,
                                         " cannot resume: ", s.message()));
  }
  return trail;
}

absl::Status KafkaTrail::Resync() {
  // Whatever is in flight lands (or fails) first: the topic then shows the
  // chain as it is.
  const auto wait =
      std::chrono::milliseconds(options_.producer.delivery_timeout_ms + 1000);
  if (absl::Status s = producer_->Flush(wait); !s.ok()) return s;
  kafka::ConsumerOptions consumer;
  consumer.bootstrap_servers = options_.producer.bootstrap_servers;
  consumer.client_id = "fruition-audit";
  consumer.properties = options_.producer.properties;
  auto marks = Watermarks(consumer, options_.topic, options_.read_timeout);
  if (!marks.ok()) return marks.status();
  const int32_t partition =
      PartitionFor(options_.writer, static_cast<int32_t>(marks->size()));
  auto range = marks->find({options_.topic, partition});
  if (range == marks->end()) {
    return absl::UnavailableError(
        StrCat("partition ", partition, " of ", options_.topic, " missing"));
  }
  auto head =
      FindHead(consumer, options_.topic, partition, range->second.first,
               range->second.second, options_.writer, options_.read_timeout);
  if (!head.ok()) return head.status();
  partition_ = partition;
  next_seq_ = head->next_seq;
  prev_sha256_ = head->prev_sha256;
  return absl::OkStatus();
}

void KafkaTrail::Break(const absl::Status& why) {
  std::lock_guard<std::mutex> lock(broken_mu_);
  if (broken_) return;
  broken_ = true;
  broken_why_ = why;
}

absl::Status KafkaTrail::EnsureWhole() {
  absl::Status why;
  {
    std::lock_guard<std::mutex> lock(broken_mu_);
    if (!broken_) return absl::OkStatus();
    why = broken_why_;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now < next_resync_) {
    return absl::UnavailableError(
        StrCat("audit trail broken: ", why.message()));
  }
  next_resync_ = now + options_.resync_interval;
  if (absl::Status s = Resync(); !s.ok()) {
    return absl::UnavailableError(StrCat("audit trail broken: ", why.message(),
                                         "; resync failed: ", s.message()));
  }
  std::lock_guard<std::mutex> lock(broken_mu_);
  broken_ = false;
  broken_why_ = absl::OkStatus();
  return absl::OkStatus();
}

absl::Status KafkaTrail::Append(const Entry& entry) {
  auto done = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> delivered = done->get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = EnsureWhole(); !s.ok()) return s;
    const std::string value = Serialize(MakeRecord(
        entry, options_.writer, next_seq_, prev_sha256_, options_.clock()));
    prev_sha256_ = Digest(value);
    ++next_seq_;
    // May run at once (not enqueued) or later on the producer's thread;
    // either way it must not take mu_.
    producer_->ProduceTo(options_.topic, partition_, entry.principal, value, {},
                         [this, done](const kafka::DeliveryReport& r) {
                           if (!r.status.ok()) Break(r.status);
                           done->set_value(r.status);
                         });
  }
  const absl::Status status = delivered.get();
  if (!status.ok()) {
    return absl::UnavailableError(
        StrCat("audit record not written: ", status.message()));
  }
  return absl::OkStatus();
}

uint64_t KafkaTrail::next_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_seq_;
}

}  // namespace fruition::audit
