// Crash-record detection for stream::Loop (SPEC §8, issue 17): a record
// whose handling kills the process (a segfault, an abort, the OOM killer)
// would otherwise make the service crash-loop forever, replaying from the
// committed offsets into the same record, with nobody told which one.
//
// Before it applies a batch, the loop notes in a small file in the data dir
// (<data dir>/<stage>.inflight) the offsets its open transaction spans per
// partition, the batch included (Mark); once the transaction is committed
// or dropped the note is taken back (Committed, Settle). A note left at
// start-up means the previous process died while applying inside it:
//
//   - a range noted again by the next process, with no commit of its
//     partition in between, counts one more attempt; a commit of any of its
//     records is progress and forgets the count, so kill -9 at random
//     moments never adds up;
//   - a range that has died `limit` times in a row is applied one record at
//     a time, each alone in its transaction and noted alone first
//     (Classify: kAlone);
//   - a record that died alone `limit` times in a row is the crash record
//     (kCrashed): the loop stops at it like at an unreadable record, until
//     the operator skips it (--skip-record) or deletes the file.
//
// What is still suspect stays in the file until it is passed, also across
// clean restarts; a clean stop with nothing suspect removes the file. Not
// thread-safe: the loop's thread only.
#ifndef FRUITION_SERVICES_COMMON_STREAM_INFLIGHT_H_
#define FRUITION_SERVICES_COMMON_STREAM_INFLIGHT_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/kafka/record.h"

namespace fruition::stream {

// The first and last offset of each partition in a set of records.
using OffsetSpan = std::map<kafka::TopicPartition, std::pair<int64_t, int64_t>>;

// Adds the offsets of `records` to `span`.
void Extend(const std::vector<kafka::Record>& records, OffsetSpan* span);

// A range of one partition a process died applying.
struct InflightRange {
  kafka::TopicPartition tp;
  int64_t first = 0;
  int64_t last = 0;
  // Processes in a row that died applying it (while it is being applied:
  // the present one included).
  int attempts = 0;
  // Applied alone (first == last).
  bool alone = false;

  bool operator==(const InflightRange& o) const {
    return tp == o.tp && first == o.first && last == o.last &&
           attempts == o.attempts && alone == o.alone;
  }
};

class Inflight {
 public:
  // How a record is to be applied.
  enum class Kind {
    kBatch,    // with its batch
    kAlone,    // in a transaction of its own, noted alone first
    kCrashed,  // not at all: the process died applying it alone `limit` times
  };

  // `path` empty: off (nothing written, every record kBatch). `limit`: the
  // attempts after which a range is applied one record at a time, and a
  // record applied alone is the crash record (at least 1).
  Inflight(std::string path, std::string stage, int limit);
  // Removes the file when it was loaded and nothing is suspect any more.
  ~Inflight();
  Inflight(const Inflight&) = delete;
  Inflight& operator=(const Inflight&) = delete;

  bool enabled() const { return !path_.empty(); }
  int limit() const { return limit_; }

  // Reads what the previous process left (nothing if there is no file).
  // An error when the file cannot be read or parsed; it is then ignored
  // (and overwritten by the next Mark).
  absl::Status Load();

  // Whether anything is suspect: when not, every record is kBatch.
  bool any() const { return !suspects_.empty(); }
  Kind Classify(const kafka::Record& r) const;
  // The attempts of the suspect range holding `r` alone (0 if none).
  int AloneAttempts(const kafka::Record& r) const;

  // Before applying records: `span` is what the open transaction will hold
  // with them; `alone`: one record in a transaction of its own.
  void Mark(const OffsetSpan& span, bool alone);
  // The open transaction committed `span` (each partition's next offset is
  // its last + 1): progress; then Settle.
  void Committed(const OffsetSpan& span);
  // No transaction is open: the file holds only what is still suspect
  // (removed when nothing is). Does nothing when it already does.
  void Settle();

  const std::vector<InflightRange>& suspects() const { return suspects_; }

  // The ranges of a file Mark wrote (empty if there is none).
  static absl::StatusOr<std::vector<InflightRange>> Read(
      const std::string& path);

 private:
  // Rewrites the file with `ranges` (none: an empty note). A failure is
  // logged once until a write succeeds again: detection is lost for that
  // while, consumption goes on.
  void Write(const std::vector<InflightRange>& ranges);

  std::string path_;
  std::string stage_;
  int limit_;
  // The ranges the previous processes died in, less what was committed
  // since (at start-up: the file's ranges).
  std::vector<InflightRange> suspects_;
  // The file may differ from suspects_ (a Mark, or progress, since the
  // last Settle).
  bool dirty_ = false;
  bool write_failed_ = false;
  bool loaded_ = false;
  int fd_ = -1;         // the file, open once written
  size_t written_ = 0;  // bytes of the last note written
};

}  // namespace fruition::stream

#endif  // FRUITION_SERVICES_COMMON_STREAM_INFLIGHT_H_
