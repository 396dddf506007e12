#include "services/evidence/worker.h"

#include <chrono>
#include <condition_variable>
#include <thread>

#include "services/common/log/log.h"
#include "services/common/strings.h"

namespace fruition::evidence {
namespace {

using std::chrono::milliseconds;

}  // namespace

Worker::Worker(WorkerOptions options, EvidenceStore* store,
               kafka::Producer* producer, const Processor* processor,
               prometheus::Registry* registry)
    : options_(std::move(options)),
      store_(store),
      producer_(producer),
      processor_(processor) {
  if (registry != nullptr) {
    auto& records = prometheus::BuildCounter()
                        .Name("fruition_evidence_records_total")
                        .Help(
                            "Records consumed, by outcome (applied: "
                            "changed the store; ignored: other bodies, "
                            "duplicates)")
                        .Register(*registry);
    records_applied_ = &records.Add({{"outcome", "applied"}});
    records_ignored_ = &records.Add({{"outcome", "ignored"}});
    assessments_ = &prometheus::BuildCounter()
                        .Name("fruition_evidence_assessments_total")
                        .Help("Link assessments produced, by result")
                        .Register(*registry);
    poison_ = &prometheus::BuildCounter()
                   .Name("fruition_evidence_poison_records_total")
                   .Help("Unreadable records that stopped consumption")
                   .Register(*registry)
                   .Add({});
  }
}

std::set<int32_t> Worker::Owned() const {
  std::lock_guard<std::mutex> lock(owned_mu_);
  return owned_;
}

std::vector<int32_t> Worker::OwnedPartitions() const {
  const auto owned = Owned();
  return {owned.begin(), owned.end()};
}

bool Worker::ProduceAll(const std::vector<v1::LinkAssessment>& emit,
                        const std::atomic<bool>& stop) {
  std::vector<const v1::LinkAssessment*> pending;
  pending.reserve(emit.size());
  for (const auto& a : emit) pending.push_back(&a);
  int attempt = 0;
  while (!pending.empty()) {
    if (attempt > 0) {
      if (stop.load()) return false;
      std::this_thread::sleep_for(milliseconds(std::min(5000, 200 * attempt)));
    }
    ++attempt;
    std::mutex mu;
    std::condition_variable cv;
    size_t outstanding = pending.size();
    std::vector<const v1::LinkAssessment*> failed;
    absl::Status last_error;
    for (const auto* a : pending) {
      producer_->Produce(options_.assessments_topic, a->subject_pid(),
                         a->SerializeAsString(),
                         {{"fruition-assessment-id", a->assessment_id()}},
                         [&, a](const kafka::DeliveryReport& report) {
                           std::lock_guard<std::mutex> lock(mu);
                           if (!report.status.ok()) {
                             failed.push_back(a);
                             last_error = report.status;
                           }
                           if (--outstanding == 0) cv.notify_all();
                         });
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return outstanding == 0; });
    if (!failed.empty()) {
      log::Warn("link assessments not acknowledged; retrying",
                {{"count", static_cast<int64_t>(failed.size())},
                 {"error", std::string(last_error.message())}});
    }
    pending.swap(failed);
  }
  return true;
}

bool Worker::Process(const std::vector<kafka::Record>& batch,
                     const std::atomic<bool>& stop) {
  if (batch.empty()) return true;
  Tx tx(store_);
  PoisonRecord poison;
  auto result = processor_->Apply(tx, batch, Owned(), options_.skip, &poison);
  if (!result.ok()) {
    healthy_ = false;
    if (poison_ != nullptr) poison_->Increment();
    log::Error(
        "unreadable record: consumption stopped; after inspecting it, "
        "restart with --skip-record to skip it",
        {{"topic", poison.tp.first},
         {"partition", static_cast<int64_t>(poison.tp.second)},
         {"offset", poison.offset},
         {"skip_record",
          StrCat(poison.tp.first, ":", poison.tp.second, ":", poison.offset)},
         {"error", std::string(result.status().message())}});
    return false;
  }
  if (!ProduceAll(result->emit, stop)) return false;
  if (absl::Status s = store_->Commit(tx); !s.ok()) {
    log::Error("evidence store commit failed",
               {{"error", std::string(s.message())}});
    healthy_ = false;
    return false;
  }
  applied_ += result->applied;
  if (records_applied_ != nullptr) {
    records_applied_->Increment(static_cast<double>(result->applied));
    records_ignored_->Increment(static_cast<double>(result->ignored));
    for (const auto& a : result->emit) {
      assessments_->Add({{"result", v1::AssessmentResult_Name(a.result())}})
          .Increment();
    }
  }
  return true;
}

absl::Status Worker::Run(const std::atomic<bool>& stop) {
  // Where the reference topic was read up to.
  kafka::StartOffsets ref_start;
  {
    Tx tx(store_);
    for (const auto& [k, v] :
         tx.Scan(Table::kOffsets, JoinKey({options_.reference_topic, ""}))) {
      const auto parts = SplitKey(k);
      if (parts.size() != 2 || parts[1].size() != 4) continue;
      int32_t p = 0;
      for (unsigned char c : parts[1]) p = (p << 8) | c;
      if (auto next = tx.NextOffset({options_.reference_topic, p})) {
        ref_start[{options_.reference_topic, p}] = *next;
      }
    }
  }
  auto reader =
      kafka::TopicReader::Create(options_.consumer, {options_.reference_topic},
                                 ref_start, milliseconds(10000));
  if (!reader.ok()) return reader.status();

  bool stuck = false;
  auto on_assign = [this,
                    &stop](const std::vector<kafka::TopicPartition>& tps) {
    kafka::StartOffsets start;
    std::set<int32_t> added;
    {
      Tx tx(store_);
      std::lock_guard<std::mutex> lock(owned_mu_);
      for (const auto& tp : tps) {
        if (auto next = tx.NextOffset(tp)) start[tp] = *next;
        if (tp.first == options_.reports_topic) {
          owned_.insert(tp.second);
          added.insert(tp.second);
        }
      }
    }
    // Designations read while these partitions were not ours re-assessed
    // none of their claims: catch up now (only changed verdicts are
    // produced).
    Tx tx(store_);
    const ApplyResult result = processor_->ReassessAll(tx, added);
    if (!result.emit.empty()) {
      log::Info("assigned partitions re-assessed",
                {{"partitions", static_cast<int64_t>(added.size())},
                 {"assessments", static_cast<int64_t>(result.emit.size())}});
    }
    if (ProduceAll(result.emit, stop)) {
      if (absl::Status st = store_->Commit(tx); !st.ok()) {
        log::Error("evidence store commit failed",
                   {{"error", std::string(st.message())}});
      }
    }
    return start;
  };
  auto on_revoke = [this, &stop, &stuck](
                       const std::vector<kafka::TopicPartition>& tps,
                       const std::vector<kafka::Record>& unreturned) {
    // Finish what was polled from the partitions being taken away.
    if (!stuck && !Process(unreturned, stop)) stuck = true;
    std::lock_guard<std::mutex> lock(owned_mu_);
    for (const auto& tp : tps) {
      if (tp.first == options_.reports_topic) owned_.erase(tp.second);
    }
  };
  auto group = kafka::GroupConsumer::Create(
      options_.consumer, {options_.reports_topic}, on_assign, on_revoke);
  if (!group.ok()) return group.status();

  healthy_ = true;
  log::Info("evidence consuming",
            {{"group", options_.consumer.group_id},
             {"reports_topic", options_.reports_topic},
             {"reference_topic", options_.reference_topic}});
  absl::Status status;
  while (!stop.load() && !stuck) {
    std::vector<kafka::Record> batch;
    auto refs = (*reader)->Poll(options_.batch_max, milliseconds(0));
    if (!refs.ok()) {
      status = refs.status();
      break;
    }
    batch = *std::move(refs);
    auto recs = (*group)->Poll(options_.batch_max,
                               milliseconds(batch.empty() ? 100 : 0));
    if (!recs.ok()) {
      status = recs.status();
      break;
    }
    for (auto& r : *recs) batch.push_back(std::move(r));
    if (!Process(batch, stop)) stuck = !stop.load();
  }
  if (stuck) {
    // Hold the partitions without consuming, NOT_SERVING, until stopped:
    // the operator decides (SPEC §8).
    while (!stop.load()) std::this_thread::sleep_for(milliseconds(200));
  }
  (*group)->Close();
  healthy_ = false;
  return status;
}

}  // namespace fruition::evidence
