#include "services/common/stream/loop.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <thread>

#include "absl/strings/cord.h"
#include "services/common/log/log.h"
#include "services/common/status.h"
#include "services/common/strings.h"

namespace fruition::stream {
namespace {

using std::chrono::milliseconds;

// The Status payload naming an unreadable record: topic \0 partition \0
// offset \0 why.
constexpr char kUnreadablePayload[] = "type.fruition/stream.Unreadable";

// How long a batch may take after a group poll: librdkafka's
// max.poll.interval.ms (default 300 s) less a tenth for producing and
// committing.
milliseconds PollBudget(const kafka::ConsumerOptions& consumer) {
  int64_t interval_ms = 300000;
  if (auto it = consumer.properties.find("max.poll.interval.ms");
      it != consumer.properties.end()) {
    interval_ms = std::strtoll(it->second.c_str(), nullptr, 10);
  }
  return milliseconds(interval_ms - interval_ms / 10);
}

}  // namespace

absl::StatusOr<SkipSet> ParseSkipRecords(const std::string& value,
                                         const std::string& field) {
  SkipSet out;
  size_t start = 0;
  while (start < value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string::npos) end = value.size();
    const std::string item = value.substr(start, end - start);
    start = end + 1;
    const size_t a = item.find(':');
    const size_t b = item.rfind(':');
    char* e1 = nullptr;
    char* e2 = nullptr;
    int64_t partition = -1;
    int64_t offset = -1;
    if (a != std::string::npos && b != a) {
      partition = std::strtoll(item.c_str() + a + 1, &e1, 10);
      offset = std::strtoll(item.c_str() + b + 1, &e2, 10);
    }
    // Both numbers present ("t::5" and "t:1:" are not 0).
    if (a == std::string::npos || b == a || a == 0 || *e2 != '\0' ||
        e1 != item.c_str() + b || e1 == item.c_str() + a + 1 ||
        e2 == item.c_str() + b + 1 || partition < 0 || offset < 0) {
      return absl::InvalidArgumentError(
          StrCat("config field ", field, ": '", item,
                 "' is not TOPIC:PARTITION:OFFSET"));
    }
    out.insert({{item.substr(0, a), static_cast<int32_t>(partition)}, offset});
  }
  return out;
}

absl::Status Unreadable(const kafka::Record& r, std::string_view why,
                        PoisonRecord* poison) {
  if (poison != nullptr) {
    *poison = PoisonRecord{{r.topic, r.partition}, r.offset, std::string(why)};
  }
  absl::Status s =
      absl::DataLossError(StrCat("unreadable record ", r.topic, "/",
                                 r.partition, "@", r.offset, ": ", why));
  s.SetPayload(kUnreadablePayload,
               absl::Cord(store::JoinKey({r.topic, std::to_string(r.partition),
                                          std::to_string(r.offset), why})));
  return s;
}

std::optional<PoisonRecord> PoisonOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kUnreadablePayload);
  if (!payload) return std::nullopt;
  const std::vector<std::string> parts = store::SplitKey(std::string(*payload));
  if (parts.size() < 4) return std::nullopt;
  PoisonRecord p;
  p.tp = {parts[0],
          static_cast<int32_t>(std::strtol(parts[1].c_str(), nullptr, 10))};
  p.offset = std::strtoll(parts[2].c_str(), nullptr, 10);
  p.why = parts[3];
  return p;
}

absl::StatusOr<std::vector<Output>> ApplySkipping(
    Handler& handler, store::KvTx& tx, std::vector<kafka::Record> records,
    const std::set<int32_t>& owned, const SkipSet& skip,
    std::vector<PoisonRecord>* skipped) {
  // What the transaction held before (earlier batches the loop keeps in it)
  // survives a retry.
  tx.SetSavePoint();
  while (true) {
    auto outputs = handler.Apply(tx, records, owned);
    if (outputs.ok()) {
      tx.PopSavePoint();
      return outputs;
    }
    const std::optional<PoisonRecord> poison = PoisonOf(outputs.status());
    if (!poison || skip.count({poison->tp, poison->offset}) == 0) {
      tx.PopSavePoint();
      return outputs;
    }
    // Applied again from scratch without it: what the handler wrote before
    // it stopped is forgotten.
    tx.RollbackToSavePoint();
    tx.SetSavePoint();
    const size_t before = records.size();
    records.erase(std::remove_if(records.begin(), records.end(),
                                 [&](const kafka::Record& r) {
                                   return r.topic == poison->tp.first &&
                                          r.partition == poison->tp.second &&
                                          r.offset == poison->offset;
                                 }),
                  records.end());
    // A handler naming a record that is not in the batch would otherwise
    // be applied again and again.
    if (records.size() == before) {
      tx.PopSavePoint();
      return outputs;
    }
    if (skipped != nullptr) skipped->push_back(*poison);
  }
}

namespace {

// The records of `batch` past the stored offsets (re-deliveries dropped);
// `next` gets the next offset of each partition they move on.
absl::StatusOr<std::vector<kafka::Record>> Fresh(
    const store::KvTx& tx, const std::vector<kafka::Record>& batch,
    std::map<kafka::TopicPartition, int64_t>* next) {
  std::map<kafka::TopicPartition, int64_t> at;  // -1: nothing stored
  std::vector<kafka::Record> fresh;
  fresh.reserve(batch.size());
  for (const kafka::Record& r : batch) {
    const kafka::TopicPartition tp{r.topic, r.partition};
    auto it = at.find(tp);
    if (it == at.end()) {
      auto stored = tx.NextOffset(r.topic, r.partition);
      // Unknown is not "none": reading on would re-apply re-deliveries.
      if (!stored.ok()) return stored.status();
      it = at.emplace(tp, stored->value_or(-1)).first;
    }
    if (it->second >= 0 && r.offset < it->second) continue;
    it->second = r.offset + 1;
    (*next)[tp] = r.offset + 1;
    fresh.push_back(r);
  }
  return fresh;
}

}  // namespace

absl::Status ApplyBatch(Handler& handler, store::KvTx& tx,
                        const std::vector<kafka::Record>& batch,
                        const std::set<int32_t>& owned, const SkipSet& skip,
                        Applied* applied) {
  auto fresh = Fresh(tx, batch, &applied->next);
  if (!fresh.ok()) return fresh.status();
  const auto count = static_cast<int64_t>(fresh->size());
  // The handler sees the offsets as they were before this batch.
  auto outputs = ApplySkipping(handler, tx, *std::move(fresh), owned, skip,
                               &applied->skipped);
  if (!outputs.ok()) return outputs.status();
  applied->outputs = *std::move(outputs);
  applied->records = count - static_cast<int64_t>(applied->skipped.size());
  for (const auto& [tp, n] : applied->next) {
    tx.SetNextOffset(tp.first, tp.second, n);
  }
  return absl::OkStatus();
}

absl::Status ApplyAndCommit(Handler& handler, store::KvStore& store,
                            const std::vector<kafka::Record>& batch,
                            const std::set<int32_t>& owned, const SkipSet& skip,
                            Applied* applied) {
  if (batch.empty()) return absl::OkStatus();
  store::KvTx tx(&store);
  FRUITION_RETURN_IF_ERROR(
      ApplyBatch(handler, tx, batch, owned, skip, applied));
  FRUITION_RETURN_IF_ERROR(store.Commit(tx));
  handler.Committed();
  return absl::OkStatus();
}

Loop::Loop(LoopOptions options, store::KvStore* store,
           kafka::Producer* producer, Handler* handler,
           prometheus::Registry* registry)
    : options_(std::move(options)),
      store_(store),
      producer_(producer),
      handler_(handler),
      inflight_(options_.inflight_path, options_.name,
                options_.crash_attempts) {
  if (registry != nullptr) {
    const std::map<std::string, std::string> labels = {
        {"stage", options_.name}};
    records_counter_ = &prometheus::BuildCounter()
                            .Name("fruition_stream_records_total")
                            .Help("Records consumed and applied, by stage")
                            .Register(*registry)
                            .Add(labels);
    outputs_counter_ = &prometheus::BuildCounter()
                            .Name("fruition_stream_outputs_total")
                            .Help("Records produced, by stage")
                            .Register(*registry)
                            .Add(labels);
    // One family for every record that stops consumption, by cause.
    auto& poison = prometheus::BuildCounter()
                       .Name("fruition_stream_poison_records_total")
                       .Help(
                           "Records that stopped consumption, by stage and "
                           "cause: unreadable, output_refused (Kafka "
                           "refused an output for good), or crashed (the "
                           "process died applying it, again and again)")
                       .Register(*registry);
    poison_counter_ =
        &poison.Add({{"stage", options_.name}, {"cause", "unreadable"}});
    refused_counter_ =
        &poison.Add({{"stage", options_.name}, {"cause", "output_refused"}});
    crashed_counter_ =
        &poison.Add({{"stage", options_.name}, {"cause", "crashed"}});
    skipped_counter_ =
        &prometheus::BuildCounter()
             .Name("fruition_stream_skipped_records_total")
             .Help(
                 "Records an operator listed in --skip-record that were "
                 "reached, by stage")
             .Register(*registry)
             .Add(labels);
    aborted_counter_ =
        &prometheus::BuildCounter()
             .Name("fruition_stream_transactions_aborted_total")
             .Help(
                 "Kafka transactions of outputs aborted (fenced by the "
                 "group, or a failed record), after which the stage "
                 "rejoins from its stored offsets, by stage")
             .Register(*registry)
             .Add(labels);
    disk_full_gauge_ =
        &prometheus::BuildGauge()
             .Name("fruition_stream_disk_full")
             .Help(
                 "1 while a stage waits for space on its data disk to "
                 "commit (NOT_SERVING), by stage")
             .Register(*registry)
             .Add(labels);
    store_errors_counter_ =
        &prometheus::BuildCounter()
             .Name("fruition_stream_store_errors_total")
             .Help(
                 "Failed store reads or unparseable stored state that "
                 "stopped consumption, by stage")
             .Register(*registry)
             .Add(labels);
  }
}

std::set<int32_t> Loop::Owned() const {
  std::lock_guard<std::mutex> lock(owned_mu_);
  return owned_;
}

std::set<int32_t> Loop::CaughtUp() const {
  std::set<int32_t> out = Owned();
  for (const auto& [tp, end] : targets_) {
    auto it = positions_.find(tp);
    const int64_t at = it == positions_.end() ? 0 : it->second;
    if (at < end) out.erase(tp.second);
  }
  return out;
}

std::vector<int32_t> Loop::OwnedPartitions() const {
  const auto owned = Owned();
  return {owned.begin(), owned.end()};
}

bool Loop::ProduceAll(const std::vector<Output>& outputs,
                      const std::atomic<bool>& stop) {
  Refusal refused;
  switch (ProduceCommitted(outputs, stop, &refused)) {
    case Produced::kAcknowledged:
      return true;
    case Produced::kStopped:
    case Produced::kFailed:
      return false;
    case Produced::kRefused:
      OutputRefused(outputs[refused.index], refused, "produce");
      return false;
  }
  return false;
}

void Loop::Send(const std::vector<Output>& outputs,
                const std::vector<size_t>& indices,
                const std::shared_ptr<Acks>& acks) {
  {
    std::lock_guard<std::mutex> lock(acks->mu);
    acks->outstanding += indices.size();
  }
  for (size_t i : indices) {
    const Output& o = outputs[i];
    // Holds `acks`, not the loop: a dropped transaction's reports may
    // arrive after it is gone.
    auto done = [acks, i](const kafka::DeliveryReport& report) {
      std::lock_guard<std::mutex> lock(acks->mu);
      if (kafka::Retriable(report.status)) {
        acks->failed.push_back(i);
        acks->last_error = report.status;
      } else if (!report.status.ok() &&
                 (!acks->refusal || i < acks->refusal->index)) {
        // Retrying would retry forever: the first refused output (in the
        // handler's order) is the one to report.
        acks->refusal = Refusal{i, report.status};
      }
      if (--acks->outstanding == 0) acks->cv.notify_all();
    };
    if (o.partition >= 0) {
      producer_->ProduceTo(o.topic, o.partition, o.key, o.value, o.headers,
                           std::move(done));
    } else {
      producer_->Produce(o.topic, o.key, o.value, o.headers, std::move(done));
    }
  }
}

Loop::Produced Loop::Await(const std::vector<Output>& outputs,
                           const std::shared_ptr<Acks>& acks,
                           const std::atomic<bool>& stop, Refusal* refused,
                           bool in_txn) {
  for (int attempt = 1;; ++attempt) {
    std::vector<size_t> failed;
    {
      std::unique_lock<std::mutex> lock(acks->mu);
      acks->cv.wait(lock, [&] { return acks->outstanding == 0; });
      if (acks->refusal) {
        *refused = *acks->refusal;
        return Produced::kRefused;
      }
      failed.swap(acks->failed);
      if (!failed.empty() && in_txn) {
        // A transaction with a failed record can only be aborted: its
        // batches are applied again from the stored offsets.
        *refused = Refusal{failed.front(), acks->last_error};
        return Produced::kFailed;
      }
      if (!failed.empty()) {
        log::Warn("outputs not acknowledged; retrying",
                  {{"stage", options_.name},
                   {"count", static_cast<int64_t>(failed.size())},
                   {"error", std::string(acks->last_error.message())}});
      }
    }
    if (failed.empty()) break;
    if (stop.load()) return Produced::kStopped;
    std::this_thread::sleep_for(milliseconds(std::min(5000, 200 * attempt)));
    std::sort(failed.begin(), failed.end());
    Send(outputs, failed, acks);
  }
  if (outputs_counter_ != nullptr) {
    outputs_counter_->Increment(static_cast<double>(outputs.size()));
  }
  return Produced::kAcknowledged;
}

Loop::Produced Loop::Produce(const std::vector<Output>& outputs,
                             const std::atomic<bool>& stop, Refusal* refused,
                             bool in_txn) {
  if (producer_ == nullptr && !outputs.empty()) {
    // A handler of a loop without a producer produced: a wiring error, not
    // something to drop silently.
    log::Error("outputs but no producer: consumption stopped",
               {{"stage", options_.name},
                {"count", static_cast<int64_t>(outputs.size())}});
    healthy_ = false;
    return Produced::kStopped;
  }
  std::vector<size_t> all(outputs.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  auto acks = std::make_shared<Acks>();
  Send(outputs, all, acks);
  return Await(outputs, acks, stop, refused, in_txn);
}

bool Loop::Transactional() const {
  return producer_ != nullptr && producer_->transactional() &&
         !options_.group_topics.empty();
}

bool Loop::BeginTxn(bool* open) {
  if (!Transactional() || *open) return true;
  if (absl::Status s = producer_->BeginTransaction(); !s.ok()) {
    TxnFailed(s, "begin");
    return false;
  }
  *open = true;
  return true;
}

bool Loop::CommitTxn() {
  // Every owned partition's next offset (those the transaction did not move
  // too): the broker checks the member's generation on them, which is what
  // fences a member the group has dropped.
  const auto group = group_ != nullptr ? group_->GroupMetadata() : nullptr;
  if (absl::Status s = producer_->CommitTransaction(positions_, group.get());
      !s.ok()) {
    TxnFailed(s, "commit");
    return false;
  }
  return true;
}

void Loop::TxnFailed(const absl::Status& error, std::string_view what) {
  if (aborted_counter_ != nullptr) aborted_counter_->Increment();
  log::Warn(
      "kafka transaction aborted: nothing of it is read or committed; "
      "rejoining the group from the stored offsets (a member the group "
      "dropped, e.g. paused past its session, is fenced here)",
      {{"stage", options_.name},
       {"during", std::string(what)},
       {"error", std::string(error.message())}});
  rejoin_ = true;
}

void Loop::DropPending() {
  if (pending_ != nullptr && pending_->txn) producer_->AbortTransaction();
  pending_.reset();
  // Not applying anything any more: no process died in it.
  inflight_.Settle();
}

Loop::Produced Loop::ProduceCommitted(const std::vector<Output>& outputs,
                                      const std::atomic<bool>& stop,
                                      Refusal* refused) {
  if (!Transactional() || outputs.empty()) {
    return Produce(outputs, stop, refused);
  }
  bool open = false;
  if (!BeginTxn(&open)) return Produced::kFailed;
  const Produced produced = Produce(outputs, stop, refused, /*in_txn=*/true);
  if (produced != Produced::kAcknowledged) {
    producer_->AbortTransaction();
    if (produced == Produced::kFailed) TxnFailed(refused->status, "produce");
    return produced;
  }
  if (!CommitTxn()) return Produced::kFailed;
  return Produced::kAcknowledged;
}

void Loop::OutputRefused(const Output& output, const Refusal& refused,
                         std::string_view what) {
  healthy_ = false;
  if (refused_counter_ != nullptr) refused_counter_->Increment();
  // No input record to skip: the cause (a topic's max.message.bytes, its
  // ACLs) must be fixed before a restart.
  log::Error(
      "output refused by Kafka: consumption stopped; fix the cause (topic "
      "configuration, ACLs) and restart",
      {{"stage", options_.name},
       {"during", std::string(what)},
       {"output_topic", output.topic},
       {"output_key", output.key},
       {"output_bytes", static_cast<int64_t>(output.value.size())},
       {"error", std::string(refused.status.message())}});
}

bool Loop::RefusedRecord(const kafka::Record& r, const Output& output,
                         const Refusal& refused) {
  const PoisonRecord poison{
      {r.topic, r.partition},
      r.offset,
      StrCat("its output to ", output.topic, " (", output.value.size(),
             " bytes) was refused: ", refused.status.message())};
  if (options_.skip.count({poison.tp, poison.offset}) > 0) {
    return SkipUnapplied(r, poison);
  }
  healthy_ = false;
  if (refused_counter_ != nullptr) refused_counter_->Increment();
  log::Error(
      "output refused by Kafka: consumption stopped at its input record; "
      "fix the cause or, after inspecting the record, restart with "
      "--skip-record to skip it",
      {{"stage", options_.name},
       {"topic", r.topic},
       {"partition", static_cast<int64_t>(r.partition)},
       {"offset", r.offset},
       {"skip_record", StrCat(r.topic, ":", r.partition, ":", r.offset)},
       {"output_topic", output.topic},
       {"output_key", output.key},
       {"output_bytes", static_cast<int64_t>(output.value.size())},
       {"error", std::string(refused.status.message())}});
  return false;
}

bool Loop::SkipUnapplied(const kafka::Record& r, const PoisonRecord& poison) {
  // The operator's skip, as for an unreadable record: the handler never
  // applies it; only the offset moves on.
  store::KvTx tx(store_);
  tx.SetNextOffset(r.topic, r.partition, r.offset + 1);
  if (!AuditSkip(poison).ok()) return false;
  if (!CommitOrLog(tx)) return false;
  if (auto it = positions_.find(poison.tp); it != positions_.end()) {
    it->second = std::max(it->second, r.offset + 1);
  }
  // Passed: no longer suspect.
  inflight_.Committed({{poison.tp, {r.offset, r.offset}}});
  return true;
}

void Loop::LoadInflight() {
  if (inflight_loaded_) return;
  inflight_loaded_ = true;
  if (absl::Status s = inflight_.Load(); !s.ok()) {
    log::Warn("crash marker unreadable: ignored, and overwritten",
              {{"stage", options_.name}, {"error", std::string(s.message())}});
    return;
  }
  for (const InflightRange& r : inflight_.suspects()) {
    // What the previous processes died applying, and what is done about it.
    const char* next =
        r.attempts < inflight_.limit()
            ? (r.alone ? "applying it alone again" : "applying it again")
        : r.alone ? "the crash record: consumption stops at it"
                  : "applying its records one at a time";
    log::Warn("the process died applying records of this range before",
              {{"stage", options_.name},
               {"topic", r.tp.first},
               {"partition", static_cast<int64_t>(r.tp.second)},
               {"first_offset", r.first},
               {"last_offset", r.last},
               {"alone", r.alone},
               {"attempts", r.attempts},
               {"crash_attempts", inflight_.limit()},
               {"next", next}});
  }
}

bool Loop::ProcessAlone(const std::vector<kafka::Record>& batch,
                        const std::atomic<bool>& stop) {
  std::vector<kafka::Record> run;
  for (const kafka::Record& r : batch) {
    const Inflight::Kind kind = inflight_.Classify(r);
    if (kind == Inflight::Kind::kBatch) {
      run.push_back(r);
      continue;
    }
    // What came before it is committed first: it goes alone.
    if (!Process(run, stop) || !CommitPending(stop)) return false;
    run.clear();
    if (rejoin_) return true;
    if (kind == Inflight::Kind::kCrashed) {
      if (!CrashedRecord(r)) return false;
      continue;
    }
    if (!Process({r}, stop, /*one_by_one=*/true)) return false;
    if (rejoin_) return true;
  }
  return Process(run, stop);
}

bool Loop::CrashedRecord(const kafka::Record& r) {
  const int attempts = inflight_.AloneAttempts(r);
  const PoisonRecord poison{
      {r.topic, r.partition},
      r.offset,
      StrCat("the process died applying it alone ", attempts,
             " times in a row (crash-record-attempts ", inflight_.limit(),
             ")")};
  if (options_.skip.count({poison.tp, poison.offset}) > 0) {
    return SkipUnapplied(r, poison);
  }
  healthy_ = false;
  if (crashed_counter_ != nullptr) crashed_counter_->Increment();
  log::Error(
      "crash record: the process died applying this record again and again; "
      "consumption stopped before it. Fix the handler, or after inspecting "
      "the record restart with --skip-record to skip it",
      {{"stage", options_.name},
       {"topic", r.topic},
       {"partition", static_cast<int64_t>(r.partition)},
       {"offset", r.offset},
       {"skip_record", StrCat(r.topic, ":", r.partition, ":", r.offset)},
       {"attempts", attempts},
       {"marker", options_.inflight_path}});
  return false;
}

bool Loop::ProcessOneByOne(const std::vector<kafka::Record>& batch,
                           const std::atomic<bool>& stop) {
  // Nothing of the batches was committed: each record is applied, produced
  // and committed on its own (re-producing what the batches already wrote,
  // with the same ids), so the records before the culprit are kept and it
  // is named exactly.
  log::Warn(
      "an output was refused by Kafka; applying the batch one record "
      "at a time to find its input record",
      {{"stage", options_.name},
       {"records", static_cast<int64_t>(batch.size())}});
  for (const kafka::Record& r : batch) {
    if (!Process({r}, stop, /*one_by_one=*/true)) return false;
    if (rejoin_) return true;
  }
  return true;
}

bool Loop::CommitOrLog(store::KvTx& tx) {
  absl::Status s = store_->Commit(tx);
  if (s.code() == absl::StatusCode::kResourceExhausted) {
    s = WaitForDiskSpace(tx, s);
    // The partitions may have moved while it waited: dropped, not
    // committed; Run rejoins from the stored offsets.
    if (rejoin_) return true;
  }
  if (!s.ok()) {
    log::Error("store commit failed",
               {{"stage", options_.name}, {"error", std::string(s.message())}});
    healthy_ = false;
    return false;
  }
  handler_->Committed();
  return true;
}

absl::Status Loop::WaitForDiskSpace(store::KvTx& tx, absl::Status status) {
  // SPEC §8: a full disk stops, then recovers, losing nothing. The
  // transaction (state and offsets) waits in memory; its outputs are already
  // acknowledged, so a stop or a crash meanwhile replays it from the stored
  // offsets, producing them again under the same ids.
  const bool was_healthy = healthy_.exchange(false);
  if (disk_full_gauge_ != nullptr) disk_full_gauge_->Set(1);
  log::Error(
      "data disk full: NOT_SERVING; the commit is retried every second until "
      "space returns",
      {{"stage", options_.name}, {"error", std::string(status.message())}});
  const auto since = std::chrono::steady_clock::now();
  while (status.code() == absl::StatusCode::kResourceExhausted) {
    for (int i = 0; i < 10 && !(stop_ != nullptr && stop_->load()); ++i) {
      std::this_thread::sleep_for(milliseconds(100));
    }
    if (stop_ != nullptr && stop_->load()) break;
    if (OutlivedPollInterval()) break;
    status = store_->Commit(tx);
  }
  if (disk_full_gauge_ != nullptr) disk_full_gauge_->Set(0);
  if (status.ok()) {
    healthy_ = was_healthy;
    log::Info("data disk has space again: committed, serving",
              {{"stage", options_.name},
               {"waited_ms", static_cast<int64_t>(
                                 std::chrono::duration_cast<milliseconds>(
                                     std::chrono::steady_clock::now() - since)
                                     .count())}});
  }
  return status;
}

void Loop::Stopped(const absl::Status& error, const PoisonRecord& poison,
                   std::string_view what) {
  healthy_ = false;
  if (poison.offset >= 0) {
    if (poison_counter_ != nullptr) poison_counter_->Increment();
    log::Error(
        "unreadable record: consumption stopped; after inspecting it, "
        "restart with --skip-record to skip it",
        {{"stage", options_.name},
         {"topic", poison.tp.first},
         {"partition", static_cast<int64_t>(poison.tp.second)},
         {"offset", poison.offset},
         {"skip_record",
          StrCat(poison.tp.first, ":", poison.tp.second, ":", poison.offset)},
         {"error", std::string(error.message())}});
    return;
  }
  // Not a record's fault: the store (DATA_LOSS names table and key). Nothing
  // of the batch is committed; a restart retries it.
  if (store_errors_counter_ != nullptr) store_errors_counter_->Increment();
  log::Error("store read failed: consumption stopped, nothing committed",
             {{"stage", options_.name},
              {"during", std::string(what)},
              {"code", absl::StatusCodeToString(error.code())},
              {"error", std::string(error.message())}});
}

absl::Status Loop::AuditSkip(const PoisonRecord& p) {
  const std::string record =
      StrCat(p.tp.first, ":", p.tp.second, ":", p.offset);
  absl::Status appended =
      options_.trail == nullptr
          ? absl::FailedPreconditionError(
                "this loop has no audit trail to record the skip on")
          : options_.trail->Append(audit::Entry{
                "operator", "skip-record", {StrCat("record:", record)}, "OK"});
  if (!appended.ok()) {
    // No unaudited operator action: the skip is not committed, and the loop
    // stops until a restart finds the trail writable.
    healthy_ = false;
    log::Error(
        "operator skip not taken: its audit record could not be written; "
        "consumption stopped, restart once the audit trail is reachable",
        {{"stage", options_.name},
         {"skip_record", record},
         {"error", std::string(appended.message())}});
    return appended;
  }
  if (skipped_counter_ != nullptr) skipped_counter_->Increment();
  log::Warn("poison record skipped by operator (--skip-record)",
            {{"stage", options_.name},
             {"topic", p.tp.first},
             {"partition", static_cast<int64_t>(p.tp.second)},
             {"offset", p.offset},
             {"skip_record", record},
             {"error", p.why}});
  return absl::OkStatus();
}

bool Loop::Process(const std::vector<kafka::Record>& batch,
                   const std::atomic<bool>& stop, bool one_by_one) {
  if (batch.empty()) return true;
  if (!one_by_one && inflight_.any() &&
      std::any_of(batch.begin(), batch.end(), [&](const kafka::Record& r) {
        return inflight_.Classify(r) != Inflight::Kind::kBatch;
      })) {
    return ProcessAlone(batch, stop);
  }
  if (pending_ == nullptr) {
    pending_ = std::make_unique<Pending>(store_);
    pending_->opened = std::chrono::steady_clock::now();
  }
  Pending& p = *pending_;
  // Noted before the handler sees it: a process that dies in there leaves
  // the note behind for the next one (inflight.h).
  OffsetSpan span;
  if (inflight_.enabled()) {
    span = p.span;
    Extend(batch, &span);
    inflight_.Mark(span, one_by_one);
  }
  // Where this batch's writes begin: a failure forgets them alone.
  p.tx.SetSavePoint();
  Applied applied;
  const absl::Status s =
      ApplyBatch(*handler_, p.tx, batch, Owned(), options_.skip, &applied);
  if (!s.ok()) {
    // Nothing of the batch is committed, so no skip in it was taken: each is
    // audited when a later attempt commits it.
    return BatchFailed(s, PoisonOf(s).value_or(PoisonRecord{}), "apply", stop);
  }
  for (const auto& [tp, n] : applied.next) {
    if (auto it = positions_.find(tp); it != positions_.end()) {
      it->second = std::max(it->second, n);
    }
  }
  auto flushed = handler_->Flush(p.tx, Owned(), CaughtUp());
  if (!flushed.ok()) {
    return BatchFailed(flushed.status(), PoisonRecord{}, "flush", stop);
  }
  p.tx.PopSavePoint();
  if (OutlivedPollInterval()) {
    // Its earlier batches too: the partitions may have moved.
    DropPending();
    return true;
  }
  if (producer_ == nullptr && (!applied.outputs.empty() || !flushed->empty())) {
    // Produce logs the wiring error and stops the loop.
    DropPending();
    Refusal unused;
    Produce(applied.outputs.empty() ? *flushed : applied.outputs, stop,
            &unused);
    return false;
  }
  // Dropped with the batches before it: Run rejoins (rejoin_).
  if (!SendOutputs(applied, *flushed)) return true;
  p.records.insert(p.records.end(), batch.begin(), batch.end());
  p.span = std::move(span);
  for (PoisonRecord& skipped : applied.skipped) {
    p.skipped.push_back(std::move(skipped));
  }
  // Counted as applied, not as committed: what readers of the metric
  // watch is the handler's progress, which commits now follow by up to
  // commit_interval. A batch applied again after a failure counts again.
  records_ += applied.records;
  if (records_counter_ != nullptr) {
    records_counter_->Increment(static_cast<double>(applied.records));
  }
  if (one_by_one || Due()) return CommitPending(stop, one_by_one);
  return true;
}

bool Loop::SendOutputs(Applied& applied, std::vector<Output>& flushed) {
  Pending& p = *pending_;
  const size_t first = p.outputs.size();
  for (auto& o : applied.outputs) {
    p.outputs.push_back(std::move(o));
    p.from_flush.push_back(false);
  }
  for (auto& o : flushed) {
    p.outputs.push_back(std::move(o));
    p.from_flush.push_back(true);
  }
  std::vector<size_t> fresh(p.outputs.size() - first);
  for (size_t i = 0; i < fresh.size(); ++i) fresh[i] = first + i;
  if (!fresh.empty() && !BeginTxn(&p.txn)) {
    DropPending();
    return false;
  }
  Send(p.outputs, fresh, p.acks);
  return true;
}

bool Loop::BatchFailed(const absl::Status& error, const PoisonRecord& poison,
                       std::string_view what, const std::atomic<bool>& stop) {
  pending_->tx.RollbackToSavePoint();
  // The batches before it keep their guarantee: committed once their
  // outputs are acknowledged. The loop stops either way.
  if (pending_->records.empty()) {
    DropPending();
  } else {
    CommitPending(stop);
    DropPending();
  }
  Stopped(error, poison, what);
  return false;
}

bool Loop::Due() const {
  const int64_t max_records = options_.commit_max_records > 0
                                  ? options_.commit_max_records
                                  : options_.batch_max;
  return static_cast<int64_t>(pending_->records.size()) >= max_records ||
         std::chrono::steady_clock::now() - pending_->opened >=
             options_.commit_interval;
}

bool Loop::CommitPending(const std::atomic<bool>& stop, bool one_by_one) {
  if (pending_ == nullptr) return true;
  const bool ok = CommitOpen(stop, one_by_one);
  // Committed (the marker then moved on already) or dropped: either way
  // nothing is being applied now.
  inflight_.Settle();
  return ok;
}

bool Loop::CommitOpen(const std::atomic<bool>& stop, bool one_by_one) {
  // Out of pending_ first: the one-record-at-a-time search below opens
  // transactions of its own.
  const std::unique_ptr<Pending> p = std::move(pending_);
  Refusal refused;
  const Produced produced =
      Await(p->outputs, p->acks, stop, &refused, /*in_txn=*/p->txn);
  // Whatever is not committed below is aborted: its outputs are never read.
  if (produced != Produced::kAcknowledged && p->txn) {
    producer_->AbortTransaction();
  }
  switch (produced) {
    case Produced::kAcknowledged:
      break;
    case Produced::kStopped:
      return false;
    case Produced::kFailed:
      TxnFailed(refused.status, "produce");
      return true;
    case Produced::kRefused: {
      const Output& output = p->outputs[refused.index];
      if (p->from_flush[refused.index]) {
        OutputRefused(output, refused, "flush");
        return false;
      }
      // One record in the transaction: the fresh one is the culprit.
      if (one_by_one) return RefusedRecord(p->records.front(), output, refused);
      return ProcessOneByOne(p->records, stop);
    }
  }
  if (OutlivedPollInterval()) {
    if (p->txn) producer_->AbortTransaction();
    return true;
  }
  // Audited here, not when applied: batches applied again one record at a
  // time (ProcessOneByOne) reach their skips again. A skip that cannot be
  // audited is not taken (nothing committed; AuditSkip stopped the loop).
  for (const PoisonRecord& skipped : p->skipped) {
    if (!AuditSkip(skipped).ok()) {
      if (p->txn) producer_->AbortTransaction();
      return false;
    }
  }
  // Kafka's transaction first: a member the group has dropped learns it
  // here, before its state moves on (TxnFailed: dropped, rejoin_).
  if (p->txn && !CommitTxn()) return true;
  if (!CommitOrLog(p->tx)) return false;
  // Unless dropped while waiting for disk space: progress past the ranges
  // earlier processes died in.
  if (!rejoin_) inflight_.Committed(p->span);
  return true;
}

void Loop::RunUntilStopped(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    absl::Status s = Run(stop);
    if (s.ok() || stop.load()) break;
    log::Error("consumer failed; restarting in 2 s",
               {{"stage", options_.name}, {"error", std::string(s.message())}});
    for (int i = 0; i < 20 && !stop.load(); ++i) {
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
}

absl::Status Loop::Replay(const Ranges& ranges, const std::atomic<bool>& stop) {
  stop_ = &stop;
  ReadOptions read;
  read.batch_max = options_.batch_max;
  read.stop = &stop;
  return ReadRanges(
      options_.consumer, ranges, read,
      [&](const std::vector<kafka::Record>& batch) -> absl::Status {
        Applied applied;
        absl::Status s = ApplyAndCommit(*handler_, *store_, batch, {},
                                        options_.skip, &applied);
        // Replay commits each batch itself (a scratch store): its skips are
        // recorded after, and a skip that cannot be recorded fails it.
        for (const PoisonRecord& p : applied.skipped) {
          if (absl::Status a = AuditSkip(p); !a.ok() && s.ok()) s = a;
        }
        if (!s.ok()) {
          Stopped(s, PoisonOf(s).value_or(PoisonRecord{}), "replay");
        }
        return s;
      });
}

bool Loop::OutlivedPollInterval() {
  if (!polled_at_ ||
      std::chrono::steady_clock::now() - *polled_at_ < poll_budget_) {
    return false;
  }
  // The member has left the group (librdkafka leaves once the interval is
  // exceeded) and another may own these partitions now: committing would
  // write state and offsets behind the new owner's back.
  log::Warn(
      "batch outlived max.poll.interval.ms: dropped, rejoining from the "
      "stored offsets",
      {{"stage", options_.name}});
  rejoin_ = true;
  return true;
}

bool Loop::Tick(const std::atomic<bool>& stop) {
  store::KvTx tx(store_);
  auto outputs = handler_->Flush(tx, Owned(), CaughtUp());
  if (!outputs.ok()) {
    Stopped(outputs.status(), PoisonRecord{}, "flush");
    return false;
  }
  if (outputs->empty() && tx.empty()) return true;
  Refusal refused;
  switch (ProduceCommitted(*outputs, stop, &refused)) {
    case Produced::kAcknowledged:
      return CommitOrLog(tx);
    case Produced::kFailed:
      return true;  // aborted; Run rejoins (rejoin_)
    case Produced::kStopped:
      return false;
    case Produced::kRefused:
      OutputRefused((*outputs)[refused.index], refused, "flush");
      return false;
  }
  return false;
}

absl::StatusOr<bool> Loop::ReadGlobalTables(
    const std::atomic<bool>& stop,
    std::unique_ptr<kafka::TopicReader>* reader) {
  kafka::StartOffsets start;
  {
    store::KvTx tx(store_);
    for (const auto& topic : options_.global_topics) {
      auto offsets = tx.Offsets(topic);
      if (!offsets.ok()) {
        Stopped(offsets.status(), PoisonRecord{}, "offsets");
        return false;
      }
      for (const auto& [p, n] : *offsets) start[{topic, p}] = n;
    }
  }
  auto r = kafka::TopicReader::Create(options_.consumer, options_.global_topics,
                                      start, milliseconds(10000));
  if (!r.ok()) return r.status();
  *reader = std::move(*r);
  // Catch up with the global tables before taking partitions (or, with no
  // group, before serving), so the first records are judged with the
  // reference data as it stands (not, say, a claim against an org whose
  // designation is not read yet).
  auto marks = kafka::Watermarks(options_.consumer, options_.global_topics,
                                 milliseconds(10000));
  if (!marks.ok()) return marks.status();
  std::map<kafka::TopicPartition, int64_t> at = start;
  auto behind = [&] {
    for (const auto& [tp, mark] : *marks) {
      // At the end of the log: what is left before the mark is transaction
      // markers, never returned as records.
      if ((*reader)->at_end().count(tp) > 0) continue;
      // Records before the low watermark are gone (retention): they cannot
      // be waited for.
      auto it = at.find(tp);
      const int64_t pos = std::max(it == at.end() ? 0 : it->second, mark.first);
      if (pos < mark.second) return true;
    }
    return false;
  };
  while (behind() && !stop.load()) {
    auto refs = (*reader)->Poll(options_.batch_max, milliseconds(200));
    if (!refs.ok()) return refs.status();
    for (const auto& rec : *refs) {
      at[{rec.topic, rec.partition}] = rec.offset + 1;
    }
    if (!Process(*refs, stop)) return false;
  }
  // Read means committed: the group's partitions start from a store that
  // holds the reference data.
  if (!CommitPending(stop)) return false;
  log::Info("global tables read", {{"stage", options_.name}});
  return true;
}

kafka::StartOffsets Loop::OnAssign(
    const std::vector<kafka::TopicPartition>& tps,
    const std::atomic<bool>& stop) {
  const std::string& owned_topic = options_.group_topics.front();
  // The stored offsets below must include every batch applied so far.
  if (!stuck_ && !rejoin_ && !CommitPending(stop)) stuck_ = !stop.load();
  DropPending();
  kafka::StartOffsets start;
  std::set<int32_t> added;
  std::set<int32_t> owned;
  // Where each assigned partition ends now: up to there it is history.
  auto ends = kafka::Watermarks(options_.consumer, options_.group_topics,
                                milliseconds(10000));
  if (!ends.ok()) {
    log::Warn("end offsets unknown; assigned partitions count as caught up",
              {{"stage", options_.name},
               {"error", std::string(ends.status().message())}});
  }
  {
    store::KvTx tx(store_);
    std::lock_guard<std::mutex> lock(owned_mu_);
    for (const auto& tp : tps) {
      const auto n = tx.NextOffset(tp.first, tp.second);
      if (!n.ok()) {
        // Where to start is unknown: hold rather than re-apply history.
        Stopped(n.status(), PoisonRecord{}, "assignment");
        stuck_ = true;
        continue;
      }
      if (*n) start[tp] = **n;
      positions_[tp] = n->value_or(0);
      if (ends.ok()) {
        // Records before the low watermark are gone (retention): they
        // cannot be waited for.
        auto e = ends->find(tp);
        targets_[tp] = e == ends->end() ? 0 : e->second.second;
        if (e != ends->end()) {
          positions_[tp] = std::max(positions_[tp], e->second.first);
        }
      }
      if (tp.first == owned_topic) {
        owned_.insert(tp.second);
        added.insert(tp.second);
      }
    }
    owned = owned_;
  }
  if (stuck_) return start;
  store::KvTx tx(store_);
  auto outputs = handler_->OnAssigned(tx, added, owned);
  if (!outputs.ok()) {
    Stopped(outputs.status(), PoisonRecord{}, "assignment");
    stuck_ = true;
    return start;
  }
  if (!outputs->empty()) {
    log::Info("assigned partitions caught up",
              {{"stage", options_.name},
               {"partitions", static_cast<int64_t>(added.size())},
               {"outputs", static_cast<int64_t>(outputs->size())}});
  }
  // What OnAssigned wrote must be kept or the partitions not consumed: a
  // failure here stops the loop like one in a batch.
  Refusal refused;
  const Produced produced = ProduceCommitted(*outputs, stop, &refused);
  if (produced == Produced::kRefused) {
    OutputRefused((*outputs)[refused.index], refused, "assignment");
  }
  if (produced == Produced::kFailed) return start;  // Run rejoins
  if (produced != Produced::kAcknowledged || !CommitOrLog(tx)) {
    stuck_ = !stop.load();
  }
  return start;
}

void Loop::OnRevoke(const std::vector<kafka::TopicPartition>& tps,
                    const std::vector<kafka::Record>& unreturned,
                    const std::atomic<bool>& stop) {
  const std::string& owned_topic = options_.group_topics.front();
  // Inside the group's poll: the member is alive.
  polled_at_ = std::chrono::steady_clock::now();
  // The open transaction (with the unreturned records) is committed before
  // the partitions go, or not at all.
  if (!stuck_ && !rejoin_ &&
      (!Process(unreturned, stop) || !CommitPending(stop))) {
    stuck_ = true;
  }
  DropPending();
  std::lock_guard<std::mutex> lock(owned_mu_);
  for (const auto& tp : tps) {
    if (tp.first == owned_topic) owned_.erase(tp.second);
    targets_.erase(tp);
    positions_.erase(tp);
  }
}

absl::Status Loop::PollOnce(kafka::TopicReader* reader,
                            kafka::GroupConsumer* group,
                            const std::atomic<bool>& stop,
                            std::chrono::steady_clock::time_point* last_tick) {
  if (rejoin_) {
    // A commit found that the partitions may have moved (see
    // OutlivedPollInterval): nothing after it may be committed either.
    return absl::UnavailableError(
        "the group may have moved the partitions; rejoining");
  }
  std::vector<kafka::Record> batch;
  // With a transaction open, polls do not wait: when nothing more is there
  // to read, it is committed at once (below), so a reader who saw its
  // outputs finds the state they came from without waiting commit_interval.
  const milliseconds wait(pending_ == nullptr ? 100 : 0);
  if (reader != nullptr) {
    // Without a group, the reader's poll is the one that waits.
    auto refs = reader->Poll(options_.batch_max,
                             group == nullptr ? wait : milliseconds(0));
    if (!refs.ok()) return refs.status();
    batch = *std::move(refs);
  }
  if (group != nullptr) {
    auto recs =
        group->Poll(options_.batch_max, batch.empty() ? wait : milliseconds(0));
    if (!recs.ok()) return recs.status();
    polled_at_ = std::chrono::steady_clock::now();
    // Read to the end: caught up even where the log ends in transaction
    // markers (CaughtUp compares positions_ with the end at assignment).
    for (const auto& [tp, end] : group->TakeEnds()) {
      if (auto it = positions_.find(tp); it != positions_.end()) {
        it->second = std::max(it->second, end);
      }
    }
    // An assignment during the poll may have failed to read the store.
    if (stuck_) return absl::OkStatus();
    if (rejoin_) {
      return absl::UnavailableError(
          "a transaction was aborted during the rebalance; rejoining");
    }
    for (auto& r : *recs) batch.push_back(std::move(r));
  }
  if (batch.empty()) {
    const auto now = std::chrono::steady_clock::now();
    const bool tick = now - *last_tick >= std::chrono::seconds(1);
    // Caught up: the open transaction is committed now. Group commit pays
    // off only under a backlog, where polls return records; caught up, a
    // commit deferred is a reader kept waiting (and a tick's Flush reads
    // the committed store).
    if (pending_ != nullptr && !CommitPending(stop)) {
      stuck_ = !stop.load();
      return absl::OkStatus();
    }
    if (tick) {
      *last_tick = now;
      if (!Tick(stop)) stuck_ = !stop.load();
    }
    return absl::OkStatus();
  }
  *last_tick = std::chrono::steady_clock::now();
  if (!Process(batch, stop)) stuck_ = !stop.load();
  if (rejoin_) {
    return absl::UnavailableError(
        "a batch outlived max.poll.interval.ms; rejoining the group");
  }
  return absl::OkStatus();
}

absl::Status Loop::Run(const std::atomic<bool>& stop) {
  if (options_.group_topics.empty() && options_.global_topics.empty()) {
    return absl::InvalidArgumentError(
        StrCat("stream loop ", options_.name, ": no topics to read"));
  }
  stuck_ = false;
  rejoin_ = false;
  stop_ = &stop;
  DropPending();
  LoadInflight();
  polled_at_.reset();
  poll_budget_ = PollBudget(options_.consumer);
  std::unique_ptr<kafka::TopicReader> reader;
  if (!options_.global_topics.empty()) {
    auto read = ReadGlobalTables(stop, &reader);
    if (!read.ok()) return read.status();
    if (!*read) {
      // Unreadable: hold, NOT_SERVING, until stopped (SPEC §8).
      while (!stop.load()) std::this_thread::sleep_for(milliseconds(200));
      return absl::OkStatus();
    }
  }
  // Global-table mode: no group, only the reader.
  std::unique_ptr<kafka::GroupConsumer> group;
  if (!options_.group_topics.empty()) {
    auto created = kafka::GroupConsumer::Create(
        options_.consumer, options_.group_topics,
        [&](const std::vector<kafka::TopicPartition>& tps) {
          return OnAssign(tps, stop);
        },
        [&](const std::vector<kafka::TopicPartition>& tps,
            const std::vector<kafka::Record>& unreturned) {
          OnRevoke(tps, unreturned, stop);
        });
    if (!created.ok()) return created.status();
    group = *std::move(created);
    group_ = group.get();
  }

  healthy_ = true;
  log::Info("consuming", {{"stage", options_.name},
                          {"group", options_.consumer.group_id},
                          {"topics", StrCat(options_.group_topics.size(), "+",
                                            options_.global_topics.size())}});
  absl::Status status;
  auto last_tick = std::chrono::steady_clock::now();
  while (!stop.load() && !stuck_ && status.ok()) {
    status = PollOnce(reader.get(), group.get(), stop, &last_tick);
  }
  // What was applied before the stop is committed once acknowledged; after
  // a failure it is dropped (replayed from the stored offsets).
  if (!stuck_ && status.ok() && !rejoin_ && !CommitPending(stop)) {
    stuck_ = !stop.load();
  }
  DropPending();
  if (stuck_) {
    // Hold on, NOT_SERVING, until stopped: the operator decides (SPEC §8).
    healthy_ = false;
    while (!stop.load()) std::this_thread::sleep_for(milliseconds(200));
  }
  if (group != nullptr) group->Close();
  group_ = nullptr;
  healthy_ = false;
  return status;
}

}  // namespace fruition::stream
