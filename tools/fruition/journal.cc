#include "tools/fruition/journal.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "services/common/kafka/producer.h"
#include "services/common/log/log.h"
#include "services/common/strings.h"

namespace fruition::dev {
namespace {

void PutString(std::ofstream& out, const std::string& s) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
  out.write(len, 4);
  out.write(s.data(), static_cast<std::streamsize>(s.size()));
}

bool GetString(std::ifstream& in, std::string* s) {
  unsigned char len[4];
  if (!in.read(reinterpret_cast<char*>(len), 4)) return false;
  const uint32_t n = (uint32_t{len[0]} << 24) | (uint32_t{len[1]} << 16) |
                     (uint32_t{len[2]} << 8) | uint32_t{len[3]};
  if (n > (64u << 20)) return false;
  s->resize(n);
  return static_cast<bool>(in.read(s->data(), n));
}

}  // namespace

absl::StatusOr<std::vector<JournalRecord>> ReadJournal(
    const std::string& path) {
  std::vector<JournalRecord> out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  while (true) {
    JournalRecord r;
    if (!GetString(in, &r.topic) || !GetString(in, &r.key) ||
        !GetString(in, &r.value)) {
      break;  // the end, or a torn last record
    }
    out.push_back(std::move(r));
  }
  return out;
}

absl::Status ReplayJournal(const std::string& bootstrap,
                           const std::vector<JournalRecord>& records) {
  if (records.empty()) return absl::OkStatus();
  kafka::ProducerOptions options;
  options.bootstrap_servers = bootstrap;
  options.client_id = "fruition-dev-journal";
  auto producer = kafka::KafkaProducer::Create(options);
  if (!producer.ok()) return producer.status();
  std::mutex mu;
  std::condition_variable cv;
  size_t outstanding = records.size();
  absl::Status failed;
  for (const JournalRecord& r : records) {
    (*producer)->Produce(r.topic, r.key, r.value, {},
                         [&](const kafka::DeliveryReport& report) {
                           std::lock_guard<std::mutex> lock(mu);
                           if (!report.status.ok()) failed = report.status;
                           if (--outstanding == 0) cv.notify_all();
                         });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return outstanding == 0; });
  return failed;
}

absl::StatusOr<std::unique_ptr<JournalWriter>> JournalWriter::Start(
    const std::string& path, const std::string& bootstrap,
    const std::vector<std::string>& topics) {
  std::unique_ptr<JournalWriter> w(new JournalWriter());
  kafka::ConsumerOptions options;
  options.bootstrap_servers = bootstrap;
  options.client_id = "fruition-dev-journal";
  auto ends =
      kafka::EndOffsets(options, topics, std::chrono::milliseconds(10000));
  if (!ends.ok()) return ends.status();
  kafka::StartOffsets start(ends->begin(), ends->end());
  auto reader = kafka::TopicReader::Create(options, topics, start,
                                           std::chrono::milliseconds(10000));
  if (!reader.ok()) return reader.status();
  w->reader_ = std::move(*reader);
  w->out_.open(path, std::ios::binary | std::ios::app);
  if (!w->out_) {
    return absl::InvalidArgumentError(
        StrCat("data-dir: cannot write the dev journal ", path));
  }
  w->thread_ = std::thread([p = w.get()] { p->Run(); });
  return w;
}

void JournalWriter::Run() {
  while (!stop_.load()) {
    auto batch = reader_->Poll(1000, std::chrono::milliseconds(200));
    if (!batch.ok()) {
      log::Warn("dev journal: read failed",
                {{"error", std::string(batch.status().message())}});
      continue;
    }
    for (const auto& r : *batch) {
      PutString(out_, r.topic);
      PutString(out_, r.key);
      PutString(out_, r.value);
    }
    if (!batch->empty()) out_.flush();
  }
}

JournalWriter::~JournalWriter() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  out_.flush();
}

}  // namespace fruition::dev
