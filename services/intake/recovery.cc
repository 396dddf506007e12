#include "services/intake/recovery.h"

#include <algorithm>
#include <memory>

#include "services/common/kafka/consumer.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/privacy/sealed_report.h"
#include "services/common/stream/read_ranges.h"
#include "services/common/strings.h"
#include "services/intake/route.h"

namespace fruition::intake {
namespace {

// Where to read each partition: from just after the recorded offset (or
// its beginning, for a partition added after the first start) to its end.
// `ends` gets every partition's last offset.
stream::Ranges ScanRanges(
    const std::map<kafka::TopicPartition, std::pair<int64_t, int64_t>>& marks,
    const OffsetMap& acked, OffsetMap* ends) {
  stream::Ranges out;
  // A store that never recorded an offset is new: nothing it produced can
  // be unrecorded, so it only notes where the partitions end.
  const bool first_start = acked.empty();
  for (const auto& [tp, mark] : marks) {
    const auto [low, high] = mark;
    (*ends)[tp] = high - 1;
    if (first_start) continue;
    auto it = acked.find(tp);
    const int64_t start =
        std::max(low, it == acked.end() ? low : it->second + 1);
    if (start < high) out[tp] = {start, high};
  }
  return out;
}

// Records in `found` the reports among `records` (by their
// fruition-reporter and fruition-report-id headers) that the index does not
// hold yet; the first copy in log order is the one that counts (SPEC §2).
absl::Status Collect(IdempotencyStore* store, const privacy::SealedBox* sealed,
                     const std::vector<kafka::Record>& records,
                     std::vector<IndexEntry>* found, RecoveryStats* stats) {
  for (const kafka::Record& r : records) {
    ++stats->scanned;
    IndexEntry entry;
    entry.reporter = r.HeaderValue("fruition-reporter").value_or("");
    entry.report_id = r.HeaderValue("fruition-report-id").value_or("");
    if (entry.reporter.empty() || entry.report_id.empty()) continue;
    auto existing = store->Get(entry.reporter, entry.report_id);
    // Unknown is not "absent": recording over it could hide a duplicate.
    if (!existing.ok()) return existing.status();
    const bool seen =
        existing->has_value() ||
        std::any_of(found->begin(), found->end(), [&](const IndexEntry& e) {
          return e.reporter == entry.reporter && e.report_id == entry.report_id;
        });
    if (seen) continue;
    // The index holds the digest of the report as sent: the produced copy
    // carries intake's received_at, which the digest leaves out, and its
    // sealed text encrypted, which is opened again.
    v1::AgencyReport report;
    const bool parsed = report.ParseFromString(r.value);
    entry.digest = parsed && privacy::UnsealReport(sealed, &report).ok()
                       ? SenderDigest(report)
                       : privacy::Sha256Hex(r.value);
    // Who made a claim (SPEC §11: only it answers the claim's conditions).
    if (parsed && report.has_link_claim()) {
      entry.claim_id = report.link_claim().claim_id();
    }
    entry.topic = r.topic;
    entry.partition = r.partition;
    entry.offset = r.offset;
    found->push_back(std::move(entry));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Recover(IdempotencyStore* store, const std::string& bootstrap,
                     const std::map<std::string, std::string>& properties,
                     const std::vector<std::string>& topics,
                     const privacy::SealedBox* sealed,
                     std::chrono::milliseconds timeout, RecoveryStats* stats) {
  stream::ReadOptions read;
  read.deadline = std::chrono::steady_clock::now() + timeout;
  auto acked = store->AckedOffsets();
  if (!acked.ok()) return acked.status();
  kafka::ConsumerOptions consumer;
  consumer.bootstrap_servers = bootstrap;
  consumer.group_id = "fruition-intake-recovery";
  consumer.properties = properties;
  auto marks = kafka::Watermarks(consumer, topics, timeout);
  if (!marks.ok()) {
    return absl::UnavailableError(
        StrCat("recovery: ", marks.status().message()));
  }
  OffsetMap ends;  // (topic, partition) -> high watermark - 1
  const stream::Ranges ranges = ScanRanges(*marks, *acked, &ends);
  std::vector<IndexEntry> found;
  auto flush = [&]() -> absl::Status {
    absl::Status s = store->RecordWritten(found);
    stats->recorded += static_cast<int>(found.size());
    found.clear();
    return s;
  };
  absl::Status s = stream::ReadRanges(
      consumer, ranges, read,
      [&](const std::vector<kafka::Record>& records) -> absl::Status {
        if (absl::Status c = Collect(store, sealed, records, &found, stats);
            !c.ok()) {
          return c;
        }
        return found.size() >= 1000 ? flush() : absl::OkStatus();
      });
  if (!s.ok()) {
    return s.code() == absl::StatusCode::kUnavailable
               ? absl::UnavailableError(StrCat("recovery: ", s.message()))
               : s;
  }
  if (absl::Status f = flush(); !f.ok()) return f;
  return store->RaiseAckedOffsets(ends);
}

}  // namespace fruition::intake
