// The dev journal: how `fruition dev` keeps its data across restarts.
//
// librdkafka's mock cluster lives in memory, so a restarted `fruition dev`
// starts with empty topics. The journal appends every record intake accepted
// (fruition.reports.v1 and fruition.reference.v1: the system of record,
// SPEC §8) to a file in the data dir; on the next start the records are
// produced back, in order and with the same keys, before anything else, and
// every service rebuilds its state from them by replay, as after the loss of
// a disk in production. Dev only: durability in production is Kafka's.
#ifndef FRUITION_TOOLS_FRUITION_JOURNAL_H_
#define FRUITION_TOOLS_FRUITION_JOURNAL_H_

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/kafka/consumer.h"

namespace fruition::dev {

struct JournalRecord {
  std::string topic;
  std::string key;
  std::string value;
};

// Reads a journal file; a missing file is empty. A torn last record (the
// process died while appending) is dropped.
absl::StatusOr<std::vector<JournalRecord>> ReadJournal(const std::string& path);

// Produces `records` to `bootstrap` in order; waits for every ack.
absl::Status ReplayJournal(const std::string& bootstrap,
                           const std::vector<JournalRecord>& records);

// Appends every new record of `topics` (from their current end) to `path`.
class JournalWriter {
 public:
  static absl::StatusOr<std::unique_ptr<JournalWriter>> Start(
      const std::string& path, const std::string& bootstrap,
      const std::vector<std::string>& topics);
  ~JournalWriter();  // stops, after appending what it read

 private:
  JournalWriter() = default;
  void Run();

  std::unique_ptr<kafka::TopicReader> reader_;
  std::ofstream out_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace fruition::dev

#endif  // FRUITION_TOOLS_FRUITION_JOURNAL_H_
