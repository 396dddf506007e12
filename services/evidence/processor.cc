#include "services/evidence/processor.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "services/common/log/log.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/privacy/sealed_report.h"
#include "services/common/proto.h"
#include "services/common/status.h"
#include "services/common/store/proto_table.h"
#include "services/common/strings.h"
#include "services/domain/orgs.h"
#include "services/domain/validate.h"

namespace fruition::evidence {
namespace {

google::protobuf::Timestamp FromMillis(int64_t ms) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(ms / 1000);
  ts.set_nanos(static_cast<int32_t>((ms % 1000) * 1000000));
  return ts;
}

// The message `rest` (a deterministic serialization of a LinkAssessment
// without its id) with `assessment_id` = `id`: field 1 comes first in a
// serialization (fields are written in number order), so the whole message
// is the id's field followed by `rest`, the same bytes
// SerializeDeterministic would give, without serializing again.
std::string WithAssessmentId(const std::string& id, const std::string& rest) {
  static_assert(v1::LinkAssessment::kAssessmentIdFieldNumber == 1,
                "assessment_id must be the message's first field");
  constexpr char kLengthDelimited = 2;
  std::string out;
  out.reserve(1 + 5 + id.size() + rest.size());
  out.push_back(static_cast<char>(
      (v1::LinkAssessment::kAssessmentIdFieldNumber << 3) | kLengthDelimited));
  for (uint64_t n = id.size();; n >>= 7) {  // the length, a varint
    if (n < 0x80) {
      out.push_back(static_cast<char>(n));
      break;
    }
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
  }
  out += id;
  out += rest;
  return out;
}

// Log order of a claim's evidence_added reports: the order Kafka
// timestamped them, ties by report_id. A fact of each record, so the same
// whatever order an instance happens to read them in.
bool LogOrder(const internal::StoredReport& a,
              const internal::StoredReport& b) {
  if (a.kafka_timestamp_ms() != b.kafka_timestamp_ms()) {
    return a.kafka_timestamp_ms() < b.kafka_timestamp_ms();
  }
  return a.report().report_id() < b.report().report_id();
}

}  // namespace

// What one Apply (or ReassessAll) learned, so that it is not read back from
// the store: the claims first stored by this batch (no assessment of them
// can exist yet: one is stored only for a stored claim), the evidence
// LimitStoredEvidence left for a claim, and the org histories read while
// assessing (nothing writes designations then, so each org's is read once
// per batch, not once per claim).
struct Processor::Batch {
  std::set<ClaimKey> affected;
  std::set<std::string> orgs_changed;
  std::map<ClaimKey, internal::StoredReport> new_claims;
  std::map<ClaimKey, std::vector<internal::StoredReport>> evidence;
  std::map<std::string, std::vector<internal::StoredReport>> histories;
};

int64_t ReceivedAt(const internal::StoredReport& stored) {
  if (stored.report().has_received_at()) {
    return stored.report().received_at().seconds();
  }
  // Accepted before intake stamped received_at: the record's Kafka
  // timestamp, which is in the log, so every replay reads the same value.
  return stored.kafka_timestamp_ms() / 1000;
}

std::vector<internal::StoredReport> InLogOrder(
    std::vector<internal::StoredReport> added) {
  std::sort(added.begin(), added.end(), LogOrder);
  return added;
}

absl::StatusOr<int64_t> LimitStoredEvidence(Tx& tx, const ClaimKey& key) {
  FRUITION_ASSIGN_OR_RETURN(const auto claim, tx.Claim(key));
  return LimitStoredEvidence(tx, key, claim ? &*claim : nullptr, nullptr);
}

absl::StatusOr<int64_t> LimitStoredEvidence(
    Tx& tx, const ClaimKey& key, const internal::StoredReport* claim,
    std::vector<internal::StoredReport>* rows) {
  FRUITION_ASSIGN_OR_RETURN(auto stored, tx.EvidenceAdded(key));
  std::vector<internal::StoredReport> added = InLogOrder(std::move(stored));
  const auto limit = static_cast<size_t>(domain::kMaxEvidencePerClaim);
  // The claim's own items come first and are never dropped (intake holds
  // a report to 256).
  std::set<std::string> kept;
  if (claim) {
    for (const auto& item : claim->report().link_claim().evidence()) {
      kept.insert(item.evidence_id());
    }
  }
  int64_t dropped = 0;
  for (internal::StoredReport& row : added) {
    const auto& items = row.report().evidence_added().evidence();
    internal::StoredReport limited = row;
    auto* keep = limited.mutable_report()->mutable_evidence_added();
    keep->clear_evidence();
    uint32_t ignored = 0;
    for (const auto& item : items) {
      // A repeat of a kept item is that item: nothing to store or count.
      if (kept.count(item.evidence_id()) > 0) continue;
      if (kept.size() < limit) {
        kept.insert(item.evidence_id());
        *keep->add_evidence() = item;
      } else {
        ++ignored;
      }
    }
    if (keep->evidence_size() == items.size()) continue;  // unchanged
    limited.set_evidence_ignored(row.evidence_ignored() + ignored);
    dropped += ignored;
    tx.Put(Table::kEvidence,
           JoinKey({key.reporter, key.claim_id, row.report().report_id()}),
           SerializeDeterministic(limited));
    row = std::move(limited);  // as stored now
  }
  if (rows != nullptr) *rows = std::move(added);
  return dropped;
}

ClaimFacts FactsOf(const internal::StoredReport& claim,
                   const std::vector<v1::EvidenceItem>& added,
                   const std::vector<internal::StoredReport>& designations) {
  ClaimFacts f;
  const v1::AgencyReport& report = claim.report();
  f.occurred_at = report.occurred_at().seconds();
  f.received_at = ReceivedAt(claim);
  f.hops = report.link_claim().hops();
  for (const auto& item : report.link_claim().evidence()) {
    f.items.push_back(Item{item, false});
  }
  for (const auto& item : added) f.items.push_back(Item{item, true});
  for (const auto& d : designations) {
    Designation entry = domain::DesignationOf(d.report());
    entry.received_at = ReceivedAt(d);
    f.designations.push_back(entry);
  }
  return f;
}

v1::LinkAssessment MakeAssessment(
    const Rulebook& rules, const internal::StoredReport& claim,
    const std::vector<internal::StoredReport>& added,
    const std::vector<internal::StoredReport>& org,
    std::vector<std::string>* reasons, std::string* serialized) {
  std::vector<v1::EvidenceItem> items;
  int64_t latest_ms = claim.kafka_timestamp_ms();
  int64_t ignored = 0;  // dropped from the store beyond the limit
  for (const auto& a : InLogOrder(added)) {
    for (const auto& item : a.report().evidence_added().evidence()) {
      items.push_back(item);
    }
    ignored += a.evidence_ignored();
    latest_ms = std::max(latest_ms, a.kafka_timestamp_ms());
  }
  // assessed_at counts the designation records that can matter to the
  // verdict: those dated at or before the claim (C1) and the one that sets
  // the tier (C5). A revocation long after the claim changes nothing.
  const int64_t claim_at = claim.report().occurred_at().seconds();
  std::vector<domain::Designation> history;
  for (const auto& d : org) {
    history.push_back(domain::DesignationOf(d.report()));
    if (d.report().occurred_at().seconds() <= claim_at) {
      latest_ms = std::max(latest_ms, d.kafka_timestamp_ms());
    }
  }
  // Records equal to the tier-setting entry are interchangeable: the latest
  // of them counts, whatever order they are stored in.
  if (const domain::Designation* sets = domain::TierDesignation(history)) {
    for (size_t i = 0; i < org.size(); ++i) {
      if (!history[i].revoked && history[i].occurred_at == sets->occurred_at &&
          history[i].tier == sets->tier) {
        latest_ms = std::max(latest_ms, org[i].kafka_timestamp_ms());
      }
    }
  }
  const v1::AgencyReport& report = claim.report();
  ClaimFacts facts = FactsOf(claim, items, org);
  facts.ignored = ignored;
  const Assessment verdict = Assess(rules, facts);
  if (reasons != nullptr) *reasons = verdict.reasons;

  v1::LinkAssessment a;
  a.set_claim_id(report.link_claim().claim_id());
  a.set_subject_pid(report.link_claim().subject_pid());
  a.set_org_id(report.link_claim().org_id());
  a.set_tier(verdict.tier);
  a.set_result(verdict.result);
  for (const auto& f : verdict.failed) a.add_failed_criteria(f);
  a.set_criteria_version(rules.version);
  for (const auto& id : verdict.evidence_ids) a.add_evidence_ids(id);
  a.set_evidence_ignored(static_cast<uint32_t>(verdict.evidence_ignored));
  a.set_reporter(report.reporter());
  if (latest_ms >= 0) *a.mutable_assessed_at() = FromMillis(latest_ms);
  *a.mutable_claim_occurred_at() = report.occurred_at();
  const std::string body = SerializeDeterministic(a);
  a.set_assessment_id(privacy::Sha256Hex(body).substr(0, 32));
  if (serialized != nullptr) {
    *serialized = WithAssessmentId(a.assessment_id(), body);
  }
  return a;
}

Processor::Processor(const Rulebook* rules, std::string reports_topic,
                     std::string reference_topic,
                     const privacy::SealedBox* sealed)
    : rules_(rules),
      reports_topic_(std::move(reports_topic)),
      reference_topic_(std::move(reference_topic)),
      sealed_(sealed) {}

absl::Status Processor::Reassess(Tx& tx, const ClaimKey& key,
                                 const internal::StoredReport* claim,
                                 ApplyResult* out, Batch* batch,
                                 bool always) const {
  const auto fresh = batch->new_claims.find(key);
  const bool is_new = fresh != batch->new_claims.end();
  std::optional<internal::StoredReport> read;
  if (claim == nullptr && is_new) claim = &fresh->second;
  if (claim == nullptr) {
    FRUITION_ASSIGN_OR_RETURN(read, tx.Claim(key));
    // Evidence before its claim: assessed when the claim arrives.
    if (!read) return absl::OkStatus();
    claim = &*read;
  }
  std::vector<internal::StoredReport> read_added;
  const std::vector<internal::StoredReport>* added = &read_added;
  if (const auto it = batch->evidence.find(key); it != batch->evidence.end()) {
    added = &it->second;
  } else {
    FRUITION_ASSIGN_OR_RETURN(read_added, tx.EvidenceAdded(key));
  }
  const std::string& org = claim->report().link_claim().org_id();
  auto history = batch->histories.find(org);
  if (history == batch->histories.end()) {
    FRUITION_ASSIGN_OR_RETURN(auto h, tx.OrgHistory(org));
    history = batch->histories.emplace(org, std::move(h)).first;
  }
  std::string bytes;
  v1::LinkAssessment a =
      MakeAssessment(*rules_, *claim, *added, history->second, nullptr, &bytes);
  if (!always && !is_new) {
    FRUITION_ASSIGN_OR_RETURN(const auto previous,
                              tx.Assessment(key, rules_->version));
    if (previous && previous->assessment_id() == a.assessment_id()) {
      return absl::OkStatus();
    }
  }
  tx.Put(Table::kAssessments,
         JoinKey({key.reporter, key.claim_id, rules_->version}), bytes);
  out->emit.push_back(std::move(a));
  out->emit_bytes.push_back(std::move(bytes));
  return absl::OkStatus();
}

absl::Status Processor::ApplyDesignation(Tx& tx, const kafka::Record& r,
                                         internal::StoredReport& stored,
                                         ApplyResult* out, Batch* batch) const {
  const v1::AgencyReport& report = stored.report();
  if (!report.has_org_designated()) {
    ++out->ignored;
    return absl::OkStatus();
  }
  const std::string& org = report.org_designated().org_id();
  const std::string key = JoinKey({org, report.reporter(), report.report_id()});
  FRUITION_ASSIGN_OR_RETURN(const auto existing, tx.Get(Table::kOrgs, key));
  if (existing) {
    ++out->ignored;  // the same report again
    return absl::OkStatus();
  }
  // Only the org's owner may designate or revoke it (SPEC §1). Every
  // designation of one org has the same key, so the same partition: each
  // instance reads them in the same order and agrees on the owner, whatever
  // other partitions do.
  FRUITION_ASSIGN_OR_RETURN(const auto history, tx.OrgHistory(org));
  if (!history.empty() &&
      history.front().report().reporter() != report.reporter()) {
    ++out->designations_ignored;
    log::Warn("org_designated by a reporter other than the org's owner ignored",
              {{"org_id", org},
               {"reporter", report.reporter()},
               {"owner", history.front().report().reporter()},
               {"report_id", report.report_id()},
               {"partition", static_cast<int64_t>(r.partition)},
               {"offset", r.offset}});
    return absl::OkStatus();
  }
  tx.Put(Table::kOrgs, key, SerializeDeterministic(stored));
  batch->orgs_changed.insert(org);
  ++out->applied;
  return absl::OkStatus();
}

absl::Status Processor::ApplyClaim(Tx& tx, internal::StoredReport& stored,
                                   ApplyResult* out, Batch* batch) const {
  const v1::AgencyReport& report = stored.report();
  const std::string& reporter = report.reporter();
  const auto& c = report.link_claim();
  ClaimKey key{reporter, c.claim_id()};
  FRUITION_ASSIGN_OR_RETURN(const auto existing, tx.Claim(key));
  if (existing) {
    if (existing->report().report_id() != report.report_id()) {
      ++out->conflicts;
      log::Warn("second link_claim for a claim id ignored",
                {{"reporter", reporter},
                 {"claim_id", c.claim_id()},
                 {"kept_report_id", existing->report().report_id()},
                 {"ignored_report_id", report.report_id()}});
    }
    ++out->ignored;
    return absl::OkStatus();
  }
  tx.Put(Table::kClaims, JoinKey({reporter, c.claim_id()}),
         SerializeDeterministic(stored));
  tx.Put(Table::kBySubject, JoinKey({c.subject_pid(), reporter, c.claim_id()}),
         "");
  tx.Put(Table::kByOrg, JoinKey({c.org_id(), reporter, c.claim_id()}), "");
  // Evidence that came before its claim: the claim's items come first.
  std::vector<internal::StoredReport> rows;
  FRUITION_ASSIGN_OR_RETURN(const int64_t dropped,
                            LimitStoredEvidence(tx, key, &stored, &rows));
  out->evidence_ignored += dropped;
  batch->evidence[key] = std::move(rows);
  batch->affected.insert(key);
  batch->new_claims.emplace(std::move(key), std::move(stored));
  ++out->applied;
  return absl::OkStatus();
}

absl::Status Processor::ApplyEvidenceAdded(Tx& tx,
                                           const internal::StoredReport& stored,
                                           ApplyResult* out,
                                           Batch* batch) const {
  const v1::AgencyReport& report = stored.report();
  const std::string& reporter = report.reporter();
  const auto& e = report.evidence_added();
  const std::string key = JoinKey({reporter, e.claim_id(), report.report_id()});
  FRUITION_ASSIGN_OR_RETURN(const auto existing, tx.Get(Table::kEvidence, key));
  if (existing) {
    ++out->ignored;
    return absl::OkStatus();
  }
  tx.Put(Table::kEvidence, key, SerializeDeterministic(stored));
  const ClaimKey claim_key{reporter, e.claim_id()};
  // Stored state stays bounded: the items beyond the claim's limit are
  // dropped again at once, only counted.
  std::optional<internal::StoredReport> read;
  const internal::StoredReport* claim = nullptr;
  if (const auto it = batch->new_claims.find(claim_key);
      it != batch->new_claims.end()) {
    claim = &it->second;
  } else {
    FRUITION_ASSIGN_OR_RETURN(read, tx.Claim(claim_key));
    if (read) claim = &*read;
  }
  std::vector<internal::StoredReport> rows;
  FRUITION_ASSIGN_OR_RETURN(const int64_t dropped,
                            LimitStoredEvidence(tx, claim_key, claim, &rows));
  out->evidence_ignored += dropped;
  batch->evidence[claim_key] = std::move(rows);
  batch->affected.insert(claim_key);
  ++out->applied;
  return absl::OkStatus();
}

absl::Status Processor::ApplyReport(Tx& tx, const kafka::Record& r,
                                    internal::StoredReport& stored,
                                    ApplyResult* out, Batch* batch) const {
  if (r.topic == reference_topic_) {
    return ApplyDesignation(tx, r, stored, out, batch);
  }
  const v1::AgencyReport& report = stored.report();
  switch (report.body_case()) {
    case v1::AgencyReport::kLinkClaim:
      return ApplyClaim(tx, stored, out, batch);
    case v1::AgencyReport::kEvidenceAdded:
      return ApplyEvidenceAdded(tx, stored, out, batch);
    case v1::AgencyReport::kArrest: {
      const auto& a = report.arrest();
      if (a.claim_id().empty()) {
        ++out->ignored;
        return absl::OkStatus();
      }
      tx.Put(Table::kArrests,
             JoinKey({report.reporter(), a.claim_id(), a.arrest_id()}), "");
      ++out->applied;
      return absl::OkStatus();
    }
    default:
      ++out->ignored;
      return absl::OkStatus();
  }
}

absl::Status Processor::AddClaimsOfOrgs(Tx& tx, const std::set<int32_t>& owned,
                                        Batch* batch) const {
  // Claims naming an org whose designation history changed, in owned
  // partitions.
  for (const std::string& org : batch->orgs_changed) {
    FRUITION_ASSIGN_OR_RETURN(const auto claims,
                              tx.Scan(Table::kByOrg, JoinKey({org, ""})));
    for (const auto& [k, v] : claims) {
      const auto parts = SplitKey(k);
      if (parts.size() != 3) continue;
      const ClaimKey key{parts[1], parts[2]};
      FRUITION_ASSIGN_OR_RETURN(const auto claim, tx.Claim(key));
      if (claim && owned.count(claim->partition()) > 0) {
        batch->affected.insert(key);
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ApplyResult> Processor::Apply(
    Tx& tx, const std::vector<kafka::Record>& records,
    const std::set<int32_t>& owned) const {
  ApplyResult out;
  Batch batch;
  // Only new records arrive: the stream loop drops re-deliveries, skips
  // what the operator listed and stores the offsets (every path here is a
  // stream::Loop batch, including Reassess's Loop::Replay).
  for (const kafka::Record& r : records) {
    // Parsed straight into the row it is stored as (no copy of the report).
    internal::StoredReport stored;
    if (!stored.mutable_report()->ParseFromString(r.value)) {
      return stream::Unreadable(r, "not a fruition.v1.AgencyReport");
    }
    // Stored opened: the store is as restricted as the key, and GetClaim
    // reads it as before. Reports from before sealing carry plaintext.
    if (absl::Status s =
            privacy::UnsealReport(sealed_, stored.mutable_report());
        !s.ok()) {
      return stream::Unreadable(r, StrCat("sealed text: ", s.message()));
    }
    stored.set_kafka_timestamp_ms(r.timestamp_ms);
    stored.set_partition(r.partition);
    stored.set_offset(r.offset);
    FRUITION_RETURN_IF_ERROR(ApplyReport(tx, r, stored, &out, &batch));
  }
  FRUITION_RETURN_IF_ERROR(AddClaimsOfOrgs(tx, owned, &batch));
  for (const ClaimKey& key : batch.affected) {
    FRUITION_RETURN_IF_ERROR(Reassess(tx, key, nullptr, &out, &batch));
  }
  return out;
}

absl::StatusOr<ApplyResult> Processor::ReassessAll(
    Tx& tx, const std::set<int32_t>& owned, bool all) const {
  ApplyResult out;
  Batch batch;
  FRUITION_ASSIGN_OR_RETURN(const auto claims,
                            store::ScanProto<internal::StoredReport>(
                                tx.kv(), static_cast<int>(Table::kClaims), ""));
  for (const auto& [k, claim] : claims) {
    if (owned.count(claim.partition()) == 0) continue;
    const auto parts = SplitKey(k);
    if (parts.size() != 2) continue;
    FRUITION_RETURN_IF_ERROR(
        Reassess(tx, ClaimKey{parts[0], parts[1]}, &claim, &out, &batch, all));
  }
  return out;
}

}  // namespace fruition::evidence
