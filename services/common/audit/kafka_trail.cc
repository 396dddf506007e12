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
  {
    std::lock_guard<std::mutex> lock(broken_mu_);
    stopping_ = true;
  }
  broken_cv_.notify_all();
  if (resyncer_.joinable()) resyncer_.join();
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
  auto resume = trail->ReadResume();
  if (!resume.ok()) {
    return absl::UnavailableError(
        StrCat("audit trail on ", trail->options_.topic,
               " cannot resume: ", resume.status().message()));
  }
  trail->partition_ = resume->partition;
  trail->next_seq_ = resume->next_seq;
  trail->prev_sha256_ = resume->prev_sha256;
  trail->resyncer_ = std::thread([t = trail.get()] { t->ResyncLoop(); });
  return trail;
}

absl::StatusOr<KafkaTrail::Resume> KafkaTrail::ReadResume() {
  // Whatever is in flight lands (or fails) first: the topic then shows the
  // chain as it is.
  const auto wait =
      std::chrono::milliseconds(options_.producer.delivery_timeout_ms + 1000);
  if (absl::Status s = producer_->Flush(wait); !s.ok()) return s;
  kafka::ConsumerOptions consumer;
  consumer.bootstrap_servers = options_.producer.bootstrap_servers;
  // The service's own client id ("fruition-gateway-audit"): its reader's
  // group is then one the service's Kafka ACLs allow (kafka/consumer.cc).
  consumer.client_id = options_.producer.client_id;
  consumer.properties = options_.producer.properties;
  auto marks = Watermarks(consumer, options_.topic, options_.read_timeout);
  if (!marks.ok()) return marks.status();
  Resume resume;
  resume.partition =
      PartitionFor(options_.writer, static_cast<int32_t>(marks->size()));
  auto range = marks->find({options_.topic, resume.partition});
  if (range == marks->end()) {
    return absl::UnavailableError(StrCat("partition ", resume.partition, " of ",
                                         options_.topic, " missing"));
  }
  auto head =
      FindHead(consumer, options_.topic, resume.partition, range->second.first,
               range->second.second, options_.writer, options_.read_timeout);
  if (!head.ok()) return head.status();
  resume.next_seq = head->next_seq;
  resume.prev_sha256 = head->prev_sha256;
  return resume;
}

void KafkaTrail::ResyncLoop() {
  std::unique_lock<std::mutex> lock(broken_mu_);
  while (!stopping_) {
    broken_cv_.wait(lock, [this] { return stopping_ || broken_; });
    // The first attempt waits too: the broker was just lost.
    if (broken_cv_.wait_for(lock, options_.resync_interval,
                            [this] { return stopping_; })) {
      return;
    }
    lock.unlock();
    uint64_t produced;
    {
      std::lock_guard<std::mutex> chain(mu_);
      produced = produced_;
    }
    auto resume = ReadResume();
    std::lock_guard<std::mutex> chain(mu_);
    lock.lock();
    // A record produced meanwhile (an append that passed the broken check
    // just before the break) may not be in what was read: try again.
    if (!resume.ok() || produced != produced_) continue;
    partition_ = resume->partition;
    next_seq_ = resume->next_seq;
    prev_sha256_ = resume->prev_sha256;
    broken_ = false;
    broken_why_ = absl::OkStatus();
  }
}

void KafkaTrail::Break(const absl::Status& why) {
  {
    std::lock_guard<std::mutex> lock(broken_mu_);
    if (broken_) return;
    broken_ = true;
    broken_why_ = why;
  }
  broken_cv_.notify_all();
}

absl::Status KafkaTrail::Append(const Entry& entry) {
  auto done = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> delivered = done->get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    {
      std::lock_guard<std::mutex> state(broken_mu_);
      if (broken_) {
        return absl::UnavailableError(
            StrCat("audit trail broken (resyncing): ", broken_why_.message()));
      }
    }
    ++produced_;
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

int32_t KafkaTrail::partition() const {
  std::lock_guard<std::mutex> lock(mu_);
  return partition_;
}

uint64_t KafkaTrail::next_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_seq_;
}

}  // namespace fruition::audit
