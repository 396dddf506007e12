// The consume–apply–produce–commit loop every stateful service runs
// (ARCHITECTURE principle 2), around a service-specific Handler:
//
//   - a member of a consumer group on `group_topics` (co-partitioned: the
//     same partition numbers belong together), plus a reader of the whole of
//     `global_topics` (small reference tables every instance needs); with no
//     group topics, only that reader: the global-table mode of a service
//     whose every replica holds every partition (the gateway's views);
//   - per batch: skip records below the stored next offsets (re-deliveries),
//     Handler::Apply into the open KvTx and produce its outputs at once,
//     without waiting: the loop polls and applies the next batches into the
//     same KvTx (reading the earlier batches' uncommitted writes through it)
//     while Kafka acknowledges. The KvTx is committed, with the next offsets
//     of all its batches, once it holds LoopOptions::commit_max_records
//     records or commit_interval has passed since its first batch, or at
//     once when a poll (which does not wait while a KvTx is open) finds no
//     more records, or before partitions are revoked or the loop stops;
//     only then does the loop wait until Kafka acknowledged every output of
//     its batches (retrying: outputs carry deterministic ids). kill -9 at any
//     point replays from the committed offsets and produces the same outputs
//     again (duplicates on the topic, never a loss);
//   - on assignment, Handler::OnAssigned first (catch up state that other
//     instances' partitions did not update here);
//   - an unreadable record stops consumption (health NOT_SERVING) until an
//     operator skips it (SPEC §8); every skip the operator asked for is
//     audited (a warning naming the record, and a metric);
//   - a store read that fails, or stored bytes that do not parse (DATA_LOSS),
//     stops consumption the same way, counted and logged, and nothing of the
//     batch is produced or committed: state is never reset to empty;
//   - an output Kafka refuses for good (too large, invalid, topic not
//     writable: kafka::Retriable false) is never retried: the batch is
//     applied again one record at a time to find the input record whose
//     outputs were refused, and that record is a poison record like an
//     unreadable one (NOT_SERVING, counted, logged with its coordinates,
//     passed only by --skip-record, audited). A refused output of Flush or
//     OnAssigned, which no input record caused, stops the loop the same way
//     with nothing to skip. With several batches in the KvTx, all of them
//     are applied again one record at a time;
//   - a batch that fails (an unreadable record, a store error) is forgotten
//     alone: the earlier batches of the KvTx are committed once their
//     outputs are acknowledged, then the loop stops;
//   - a revoked partition's uncommitted state is never committed after
//     another member may own it: the KvTx is committed before the revocation
//     returns, or dropped (a batch that outlived max.poll.interval.ms);
//   - a record whose handling kills the process (segfault, abort, OOM kill)
//     is found across restarts (inflight.h, with LoopOptions::inflight_path):
//     before each batch the loop notes the offsets its transaction spans; a
//     range a process died in crash_attempts times in a row is applied one
//     record at a time, and a record that died alone crash_attempts times is
//     a poison record (NOT_SERVING, counted with cause "crashed", logged
//     with its coordinates, passed only by --skip-record, audited, never
//     applied). A commit in between is progress and starts the count again.
// docs/runtime.md has the whole contract.
#ifndef FRUITION_SERVICES_COMMON_STREAM_LOOP_H_
#define FRUITION_SERVICES_COMMON_STREAM_LOOP_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/common/audit/trail.h"
#include "services/common/kafka/consumer.h"
#include "services/common/kafka/producer.h"
#include "services/common/store/kv.h"
#include "services/common/stream/inflight.h"
#include "services/common/stream/read_ranges.h"

namespace fruition::stream {

// A record to produce.
struct Output {
  std::string topic;
  std::string key;
  std::string value;
  std::vector<kafka::Header> headers;
  // -1: the key's partition (murmur2). Otherwise this partition of `topic`,
  // for a record that packs the outputs of several keys of one partition.
  int32_t partition = -1;
};

// An unreadable record.
struct PoisonRecord {
  kafka::TopicPartition tp;
  int64_t offset = -1;
  std::string why;
};

using SkipSet = std::set<std::pair<kafka::TopicPartition, int64_t>>;

// For a handler: `r` cannot be read (`why`, e.g. "not a
// fruition.v1.AgencyReport"). The DATA_LOSS the handler returns from Apply;
// it names the record (PoisonOf), so the loop can stop at it or, if the
// operator listed it, skip it. Fills `poison` too if not null.
absl::Status Unreadable(const kafka::Record& r, std::string_view why,
                        PoisonRecord* poison = nullptr);

// The record an Unreadable() status names; nullopt for any other status (a
// store error, say).
std::optional<PoisonRecord> PoisonOf(const absl::Status& status);

class Handler;

// Handler::Apply of `records` into `tx`, as the loop runs it: when the
// handler reports an unreadable record that `skip` lists, `tx` is cleared
// and the batch applied again without it (appended to `skipped`). Any other
// error is returned.
absl::StatusOr<std::vector<Output>> ApplySkipping(
    Handler& handler, store::KvTx& tx, std::vector<kafka::Record> records,
    const std::set<int32_t>& owned, const SkipSet& skip,
    std::vector<PoisonRecord>* skipped);

// What ApplyBatch did with a batch.
struct Applied {
  std::vector<Output> outputs;        // Handler::Apply's
  std::vector<PoisonRecord> skipped;  // operator skips reached: to audit
  int64_t records = 0;                // records the handler applied
  // The next offset of each partition the batch moved on (put in the tx).
  std::map<kafka::TopicPartition, int64_t> next;
};

// One batch as every mode of the loop applies it, in `tx`, without Kafka:
// records below the stored next offsets are dropped (re-deliveries), the
// rest go to the handler (ApplySkipping), and the next offset of every
// partition with new records is put in `tx`. On error `tx` must not be
// committed; `applied->skipped` still lists what was skipped.
absl::Status ApplyBatch(Handler& handler, store::KvTx& tx,
                        const std::vector<kafka::Record>& batch,
                        const std::set<int32_t>& owned, const SkipSet& skip,
                        Applied* applied);

// ApplyBatch in a transaction of its own, committed, then
// Handler::Committed: a batch of a replay, or of a test feeding a handler
// without Kafka. An empty batch commits nothing.
absl::Status ApplyAndCommit(Handler& handler, store::KvStore& store,
                            const std::vector<kafka::Record>& batch,
                            const std::set<int32_t>& owned, const SkipSet& skip,
                            Applied* applied);

// Parses the --skip-record setting: "TOPIC:PARTITION:OFFSET[,...]".
// INVALID_ARGUMENT naming config field `field` otherwise.
absl::StatusOr<SkipSet> ParseSkipRecords(const std::string& value,
                                         const std::string& field);

class Handler {
 public:
  virtual ~Handler() = default;
  // Applies new records (in order per partition) to `tx`; returns what to
  // produce. For a record it cannot read: Unreadable(record, why) (the loop
  // stops there, or skips it if the operator said so). Any other error (a
  // store read that failed, stored bytes that do not parse) stops
  // consumption too. Records below the stored next offsets never arrive.
  virtual absl::StatusOr<std::vector<Output>> Apply(
      store::KvTx& tx, const std::vector<kafka::Record>& records,
      const std::set<int32_t>& owned) = 0;
  // Partitions `added` were just assigned (`owned` includes them). An
  // error (a failed store read) stops consumption.
  virtual absl::StatusOr<std::vector<Output>> OnAssigned(
      store::KvTx& tx, const std::set<int32_t>& added,
      const std::set<int32_t>& owned) {
    (void)tx;
    (void)added;
    (void)owned;
    return std::vector<Output>{};
  }
  // Called at the end of every batch (in its transaction, before its outputs
  // are produced) and, while no records come, about once a second in a
  // transaction of its own. `caught_up`: the owned partitions whose every
  // group topic has been read up to where it ended when the partition was
  // assigned, i.e. whose history is replayed and whose records are now live.
  // For handlers that hold back conclusions while they replay, or that act
  // on the passing of time. An error (a failed store read) stops
  // consumption.
  virtual absl::StatusOr<std::vector<Output>> Flush(
      store::KvTx& tx, const std::set<int32_t>& owned,
      const std::set<int32_t>& caught_up) {
    (void)tx;
    (void)owned;
    (void)caught_up;
    return std::vector<Output>{};
  }
  // Called after every transaction the loop committed: what was applied is
  // now in the store, e.g. for readers waiting on a change.
  virtual void Committed() {}
};

struct LoopOptions {
  std::string name;  // for logs and metrics, e.g. "evidence"
  kafka::ConsumerOptions consumer;
  // The first one's partitions = owned. Empty: global-table mode (only
  // `global_topics`, no consumer group, nothing owned).
  std::vector<std::string> group_topics;
  std::vector<std::string> global_topics;  // read whole
  int batch_max = 1000;
  SkipSet skip;
  // Group commit: the open KvTx is committed (after waiting for its
  // outputs' acknowledgements) once this long has passed since its first
  // batch was applied...
  std::chrono::milliseconds commit_interval{50};
  // ... or once it holds this many records (0: batch_max, so a full poll
  // is committed as today and the wait for acknowledgements is shared by
  // the small batches of a live stream).
  int commit_max_records = 0;
  // Where each skip of `skip` is recorded (SPEC §1: an operator action),
  // before it is committed. A skip that cannot be recorded (no trail, or
  // Append failed) is not taken: the loop stops NOT_SERVING.
  audit::Trail* trail = nullptr;
  // Crash-record detection (inflight.h): the file in which the loop notes
  // what it is applying, e.g. <data dir>/<name>.inflight; "" turns it off.
  // Run and the group and global reads only (Replay does not note).
  std::string inflight_path;
  // Processes in a row that die applying the same range before its records
  // are applied one at a time, and that die applying one record alone
  // before it is the crash record (at least 1).
  int crash_attempts = 3;
};

class Loop {
 public:
  // `producer` may be null for a handler that never produces (outputs then
  // stop the loop with an error).
  Loop(LoopOptions options, store::KvStore* store, kafka::Producer* producer,
       Handler* handler, prometheus::Registry* registry);

  // Consumes until `stop`; commits what it finished before returning.
  // Healthy once the global tables are read up to where they ended when Run
  // began (in global-table mode: ready to serve them) and while nothing
  // stopped it.
  absl::Status Run(const std::atomic<bool>& stop);
  // Run(), started again 2 s after a failure, until `stop`.
  void RunUntilStopped(const std::atomic<bool>& stop);

  // Replay mode (e.g. re-assessment into a scratch store): reads `ranges`
  // outside any group and applies them as Run does (offset dedupe, audited
  // skips, poison and store errors stop it) with no partition owned, and
  // commits each batch without producing: what to produce is the caller's
  // to decide once the state is rebuilt.
  absl::Status Replay(const Ranges& ranges, const std::atomic<bool>& stop);

  bool Healthy() const { return healthy_.load(); }
  std::vector<int32_t> OwnedPartitions() const;
  int64_t records() const { return records_.load(); }

  // Produces `outputs`, waiting until every one is acknowledged, retrying
  // what may succeed later; false if `stop` fired first or Kafka refused an
  // output for good (then the loop is NOT_SERVING: counted and logged).
  bool ProduceAll(const std::vector<Output>& outputs,
                  const std::atomic<bool>& stop);

 private:
  // How Produce ended.
  // kFailed: a transaction's record failed or its commit did (aborted;
  // TxnFailed logged it and set rejoin_).
  enum class Produced { kAcknowledged, kStopped, kRefused, kFailed };
  // An output Kafka refused for good.
  struct Refusal {
    size_t index = 0;  // in the outputs given to Produce
    absl::Status status;
  };
  // Delivery reports of outputs in flight; shared with their callbacks,
  // which may outlive a dropped transaction.
  struct Acks {
    std::mutex mu;
    std::condition_variable cv;
    size_t outstanding = 0;
    std::vector<size_t> failed;  // retriable: to produce again
    absl::Status last_error;
    std::optional<Refusal> refusal;  // the first (by index) refused for good
  };
  // The transaction being filled: batches applied, outputs in flight.
  struct Pending {
    explicit Pending(store::KvStore* store) : tx(store) {}
    store::KvTx tx;
    std::vector<kafka::Record> records;  // every batch's, as polled
    std::vector<Output> outputs;
    std::vector<bool> from_flush;  // per output: no input record caused it
    std::vector<PoisonRecord> skipped;
    OffsetSpan span;  // the offsets of `records` per partition
    std::chrono::steady_clock::time_point opened;
    std::shared_ptr<Acks> acks = std::make_shared<Acks>();
    // A Kafka transaction is open for its outputs (Transactional()).
    bool txn = false;
  };
  // Produces outputs[i] for every i of `indices`, without waiting.
  void Send(const std::vector<Output>& outputs,
            const std::vector<size_t>& indices,
            const std::shared_ptr<Acks>& acks);
  // Waits until every output sent with `acks` is acknowledged (producing
  // retriable failures again), `stop` fires, or Kafka refuses one for good
  // (`refused` names the first of them).
  // `in_txn`: a retriable failure is not retried (a transaction with a
  // failed record can only be aborted): kFailed, `refused` naming it.
  Produced Await(const std::vector<Output>& outputs,
                 const std::shared_ptr<Acks>& acks,
                 const std::atomic<bool>& stop, Refusal* refused,
                 bool in_txn = false);
  // Send and Await (`in_txn`: as Await's).
  Produced Produce(const std::vector<Output>& outputs,
                   const std::atomic<bool>& stop, Refusal* refused,
                   bool in_txn = false);
  // Outputs go in Kafka transactions (fencing, docs/DESIGN.md "Fencing"):
  // a transactional producer and a consumer group.
  bool Transactional() const;
  // Opens a Kafka transaction unless `*open` (or not Transactional());
  // false (TxnFailed) if it could not.
  bool BeginTxn(bool* open);
  // Commits the open Kafka transaction with the owned partitions' next
  // offsets for the group's current generation; false (TxnFailed) if the
  // broker refused it (a member the group dropped) or it failed.
  bool CommitTxn();
  // Counts and logs an aborted transaction; sets rejoin_.
  void TxnFailed(const absl::Status& error, std::string_view what);
  // pending_.reset(), aborting its Kafka transaction if one is open.
  void DropPending();
  // Produce in a Kafka transaction of its own when Transactional()
  // (Flush's, OnAssigned's and ProduceAll's outputs).
  Produced ProduceCommitted(const std::vector<Output>& outputs,
                            const std::atomic<bool>& stop, Refusal* refused);
  // Commits the open transaction once its outputs are acknowledged (none:
  // true). On a refused output its batches are applied again one record at
  // a time; `one_by_one`: it holds one record, the culprit. False when the
  // loop stopped. The crash marker is settled after (inflight_).
  bool CommitPending(const std::atomic<bool>& stop, bool one_by_one = false);
  // CommitPending without settling the crash marker.
  bool CommitOpen(const std::atomic<bool>& stop, bool one_by_one);
  // Whether the open transaction is due for its commit.
  bool Due() const;
  // Marks the loop NOT_SERVING for a refused output that no input record
  // caused (from `what`: "flush", "assignment", ...).
  void OutputRefused(const Output& output, const Refusal& refused,
                     std::string_view what);
  // The outputs from Apply of the batches `batch` holds were refused:
  // applies them again one record at a time, committing each, until the
  // record whose outputs are refused; that one is skipped if the operator
  // listed it, else it stops the loop (a poison record). False when the
  // loop stopped.
  bool ProcessOneByOne(const std::vector<kafka::Record>& batch,
                       const std::atomic<bool>& stop);
  // The single fresh record `r`'s outputs were refused: skips it (audited)
  // if the operator listed it, else marks the loop NOT_SERVING.
  bool RefusedRecord(const kafka::Record& r, const Output& output,
                     const Refusal& refused);
  // Passes `poison`, the record `r`, without applying it: only its offset
  // moves on, with the skip audited (the operator listed it). False when it
  // could not be (the loop stopped).
  bool SkipUnapplied(const kafka::Record& r, const PoisonRecord& poison);
  // Reads the crash marker the previous process left (once per Loop), and
  // logs what it says.
  void LoadInflight();
  // `batch` holds records to apply alone (Inflight::Classify): applies it
  // in order, the runs of other records as batches, each record to apply
  // alone in a transaction of its own (the open one committed first), and
  // stops at a crash record. False when the loop stopped.
  bool ProcessAlone(const std::vector<kafka::Record>& batch,
                    const std::atomic<bool>& stop);
  // `r` is the crash record: skips it (audited) if the operator listed it,
  // else marks the loop NOT_SERVING (counted, logged). False if stopped.
  bool CrashedRecord(const kafka::Record& r);
  // Moves the open transaction's outputs of `applied` and of `flushed` into
  // it and sends them (opening its Kafka transaction). False when that
  // could not be opened (dropped: Run rejoins).
  bool SendOutputs(Applied& applied, std::vector<Output>& flushed);
  // Applies `batch` into the open transaction (opening one) and sends its
  // outputs; commits when due (`one_by_one`: at once). False when the loop
  // stopped.
  bool Process(const std::vector<kafka::Record>& batch,
               const std::atomic<bool>& stop, bool one_by_one = false);
  // `error` stopped the batch being applied: forgets it, commits the
  // batches before it, and stops the loop (Stopped).
  bool BatchFailed(const absl::Status& error, const PoisonRecord& poison,
                   std::string_view what, const std::atomic<bool>& stop);
  // Records an unreadable record the operator skipped on the audit trail
  // (principal `operator`, action `skip-record`, resource
  // `record:<topic>:<partition>:<offset>`), logs and counts it. An error
  // when it could not be recorded (the loop is then NOT_SERVING).
  absl::Status AuditSkip(const PoisonRecord& skipped);
  // Marks the loop NOT_SERVING for `error` from `what` ("apply", "flush",
  // ...): a poison record when `poison` names one, else a store error.
  void Stopped(const absl::Status& error, const PoisonRecord& poison,
               std::string_view what);
  // Commits `tx`; on a full disk waits for space (WaitForDiskSpace). False
  // (logged, NOT_SERVING) when it failed otherwise or the loop stopped.
  bool CommitOrLog(store::KvTx& tx);
  // The store said its disk is full (`status`): NOT_SERVING
  // (fruition_stream_disk_full 1), the commit retried every second until it
  // goes through (serving again), the loop stops, or the wait outlived
  // max.poll.interval.ms (rejoin_: dropped). The last commit's status.
  absl::Status WaitForDiskSpace(store::KvTx& tx, absl::Status status);
  // Reads the whole of the global tables before the group's partitions;
  // sets `reader` to go on reading them. False if stuck (NOT_SERVING).
  absl::StatusOr<bool> ReadGlobalTables(
      const std::atomic<bool>& stop,
      std::unique_ptr<kafka::TopicReader>* reader);
  // The rebalance callbacks of the group consumer.
  kafka::StartOffsets OnAssign(const std::vector<kafka::TopicPartition>& tps,
                               const std::atomic<bool>& stop);
  void OnRevoke(const std::vector<kafka::TopicPartition>& tps,
                const std::vector<kafka::Record>& unreturned,
                const std::atomic<bool>& stop);
  // Polls the global tables and the group (null in global-table mode) once;
  // consumes what came.
  absl::Status PollOnce(kafka::TopicReader* reader, kafka::GroupConsumer* group,
                        const std::atomic<bool>& stop,
                        std::chrono::steady_clock::time_point* last_tick);
  std::set<int32_t> Owned() const;
  // Owned partitions read up to their end offsets at assignment.
  std::set<int32_t> CaughtUp() const;
  // Flush() in a transaction of its own; false if stuck.
  bool Tick(const std::atomic<bool>& stop);
  // Whether the group may have taken the partitions away while this batch
  // was applied: longer than max.poll.interval.ms (less a margin) since the
  // group was last polled. Then the batch is dropped, neither produced nor
  // committed, and Run rejoins from the stored offsets (`rejoin_`).
  bool OutlivedPollInterval();

  LoopOptions options_;
  store::KvStore* store_;
  kafka::Producer* producer_;
  Handler* handler_;
  std::atomic<bool> healthy_{false};
  std::atomic<int64_t> records_{0};
  mutable std::mutex owned_mu_;
  std::set<int32_t> owned_;
  // Group topic partitions: end offset when assigned, next offset to read.
  std::map<kafka::TopicPartition, int64_t> targets_;
  std::map<kafka::TopicPartition, int64_t> positions_;
  // Set when a batch, a flush or an assignment failed: Run holds, NOT_SERVING.
  bool stuck_ = false;
  // When the group consumer last returned from a poll (unset while no group
  // is polled), and how long a batch may take before the group may have
  // moved its partitions on.
  std::optional<std::chrono::steady_clock::time_point> polled_at_;
  std::chrono::milliseconds poll_budget_{0};
  bool rejoin_ = false;
  std::unique_ptr<Pending> pending_;  // the open transaction, if any
  // What the loop is applying, and the ranges earlier processes died in.
  Inflight inflight_;
  bool inflight_loaded_ = false;
  prometheus::Counter* records_counter_ = nullptr;
  prometheus::Counter* skipped_counter_ = nullptr;
  prometheus::Counter* store_errors_counter_ = nullptr;
  prometheus::Gauge* disk_full_gauge_ = nullptr;
  prometheus::Counter* aborted_counter_ = nullptr;
  // Run's group consumer while it runs (CommitTxn's group metadata).
  kafka::GroupConsumer* group_ = nullptr;
  // Run's or Replay's stop signal (waits that are not given one use it).
  const std::atomic<bool>* stop_ = nullptr;
  prometheus::Counter* outputs_counter_ = nullptr;
  prometheus::Counter* poison_counter_ = nullptr;  // cause="unreadable"
  // cause="output_refused": an output Kafka refused for good.
  prometheus::Counter* refused_counter_ = nullptr;
  // cause="crashed": the process died applying it alone crash_attempts times.
  prometheus::Counter* crashed_counter_ = nullptr;
};

}  // namespace fruition::stream

#endif  // FRUITION_SERVICES_COMMON_STREAM_LOOP_H_
