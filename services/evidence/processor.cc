#include "services/evidence/processor.h"

#include <algorithm>
#include <map>

#include "services/common/log/log.h"
#include "services/common/privacy/pseudonymizer.h"
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

internal::StoredReport Stored(const kafka::Record& r,
                              const v1::AgencyReport& report) {
  internal::StoredReport s;
  *s.mutable_report() = report;
  s.set_kafka_timestamp_ms(r.timestamp_ms);
  s.set_partition(r.partition);
  s.set_offset(r.offset);
  return s;
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
  FRUITION_ASSIGN_OR_RETURN(auto stored, tx.EvidenceAdded(key));
  const std::vector<internal::StoredReport> added =
      InLogOrder(std::move(stored));
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
  for (const internal::StoredReport& row : added) {
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
  }
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
    std::vector<std::string>* reasons) {
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
  a.set_assessment_id(
      privacy::Sha256Hex(SerializeDeterministic(a)).substr(0, 32));
  return a;
}

Processor::Processor(const Rulebook* rules, std::string reports_topic,
                     std::string reference_topic)
    : rules_(rules),
      reports_topic_(std::move(reports_topic)),
      reference_topic_(std::move(reference_topic)) {}

absl::Status Processor::Reassess(Tx& tx, const ClaimKey& key, ApplyResult* out,
                                 bool always) const {
  FRUITION_ASSIGN_OR_RETURN(const auto claim, tx.Claim(key));
  // Evidence before its claim: assessed when the claim arrives.
  if (!claim) return absl::OkStatus();
  FRUITION_ASSIGN_OR_RETURN(const auto added, tx.EvidenceAdded(key));
  FRUITION_ASSIGN_OR_RETURN(
      const auto history, tx.OrgHistory(claim->report().link_claim().org_id()));
  const v1::LinkAssessment a = MakeAssessment(*rules_, *claim, added, history);
  FRUITION_ASSIGN_OR_RETURN(const auto previous,
                            tx.Assessment(key, rules_->version));
  if (!always && previous && previous->assessment_id() == a.assessment_id()) {
    return absl::OkStatus();
  }
  tx.Put(Table::kAssessments,
         JoinKey({key.reporter, key.claim_id, rules_->version}),
         SerializeDeterministic(a));
  out->emit.push_back(a);
  return absl::OkStatus();
}

absl::Status Processor::ApplyDesignation(
    Tx& tx, const kafka::Record& r, const v1::AgencyReport& report,
    ApplyResult* out, std::set<std::string>* orgs_changed) const {
  if (!report.has_org_designated()) {
    ++out->ignored;
    return absl::OkStatus();
  }
  const std::string& org = report.org_designated().org_id();
  const std::string key = JoinKey({org, report.reporter(), report.report_id()});
  FRUITION_ASSIGN_OR_RETURN(const auto stored, tx.Get(Table::kOrgs, key));
  if (stored) {
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
  tx.Put(Table::kOrgs, key, SerializeDeterministic(Stored(r, report)));
  orgs_changed->insert(org);
  ++out->applied;
  return absl::OkStatus();
}

absl::Status Processor::ApplyClaim(Tx& tx, const kafka::Record& r,
                                   const v1::AgencyReport& report,
                                   ApplyResult* out,
                                   std::set<ClaimKey>* affected) const {
  const std::string& reporter = report.reporter();
  const auto& c = report.link_claim();
  const ClaimKey key{reporter, c.claim_id()};
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
         SerializeDeterministic(Stored(r, report)));
  tx.Put(Table::kBySubject, JoinKey({c.subject_pid(), reporter, c.claim_id()}),
         "");
  tx.Put(Table::kByOrg, JoinKey({c.org_id(), reporter, c.claim_id()}), "");
  // Evidence that came before its claim: the claim's items come first.
  FRUITION_ASSIGN_OR_RETURN(const int64_t dropped,
                            LimitStoredEvidence(tx, key));
  out->evidence_ignored += dropped;
  affected->insert(key);
  ++out->applied;
  return absl::OkStatus();
}

absl::Status Processor::ApplyEvidenceAdded(Tx& tx, const kafka::Record& r,
                                           const v1::AgencyReport& report,
                                           ApplyResult* out,
                                           std::set<ClaimKey>* affected) const {
  const std::string& reporter = report.reporter();
  const auto& e = report.evidence_added();
  const std::string key = JoinKey({reporter, e.claim_id(), report.report_id()});
  FRUITION_ASSIGN_OR_RETURN(const auto stored, tx.Get(Table::kEvidence, key));
  if (stored) {
    ++out->ignored;
    return absl::OkStatus();
  }
  tx.Put(Table::kEvidence, key, SerializeDeterministic(Stored(r, report)));
  const ClaimKey claim{reporter, e.claim_id()};
  // Stored state stays bounded: the items beyond the claim's limit are
  // dropped again at once, only counted.
  FRUITION_ASSIGN_OR_RETURN(const int64_t dropped,
                            LimitStoredEvidence(tx, claim));
  out->evidence_ignored += dropped;
  affected->insert(claim);
  ++out->applied;
  return absl::OkStatus();
}

absl::Status Processor::ApplyReport(Tx& tx, const kafka::Record& r,
                                    const v1::AgencyReport& report,
                                    ApplyResult* out,
                                    std::set<ClaimKey>* affected,
                                    std::set<std::string>* orgs_changed) const {
  if (r.topic == reference_topic_) {
    return ApplyDesignation(tx, r, report, out, orgs_changed);
  }
  switch (report.body_case()) {
    case v1::AgencyReport::kLinkClaim:
      return ApplyClaim(tx, r, report, out, affected);
    case v1::AgencyReport::kEvidenceAdded:
      return ApplyEvidenceAdded(tx, r, report, out, affected);
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

absl::Status Processor::AddClaimsOfOrgs(Tx& tx,
                                        const std::set<std::string>& orgs,
                                        const std::set<int32_t>& owned,
                                        std::set<ClaimKey>* affected) const {
  // Claims naming an org whose designation history changed, in owned
  // partitions.
  for (const std::string& org : orgs) {
    FRUITION_ASSIGN_OR_RETURN(const auto claims,
                              tx.Scan(Table::kByOrg, JoinKey({org, ""})));
    for (const auto& [k, v] : claims) {
      const auto parts = SplitKey(k);
      if (parts.size() != 3) continue;
      const ClaimKey key{parts[1], parts[2]};
      FRUITION_ASSIGN_OR_RETURN(const auto claim, tx.Claim(key));
      if (claim && owned.count(claim->partition()) > 0) affected->insert(key);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ApplyResult> Processor::Apply(
    Tx& tx, const std::vector<kafka::Record>& records,
    const std::set<int32_t>& owned) const {
  ApplyResult out;
  std::set<ClaimKey> affected;
  std::set<std::string> orgs_changed;
  // Only new records arrive: the stream loop drops re-deliveries, skips
  // what the operator listed and stores the offsets (every path here is a
  // stream::Loop batch, including Reassess's Loop::Replay).
  for (const kafka::Record& r : records) {
    v1::AgencyReport report;
    if (!report.ParseFromString(r.value)) {
      return stream::Unreadable(r, "not a fruition.v1.AgencyReport");
    }
    FRUITION_RETURN_IF_ERROR(
        ApplyReport(tx, r, report, &out, &affected, &orgs_changed));
  }
  FRUITION_RETURN_IF_ERROR(AddClaimsOfOrgs(tx, orgs_changed, owned, &affected));
  for (const ClaimKey& key : affected) {
    FRUITION_RETURN_IF_ERROR(Reassess(tx, key, &out));
  }
  return out;
}

absl::StatusOr<ApplyResult> Processor::ReassessAll(
    Tx& tx, const std::set<int32_t>& owned, bool all) const {
  ApplyResult out;
  FRUITION_ASSIGN_OR_RETURN(const auto claims,
                            store::ScanProto<internal::StoredReport>(
                                tx.kv(), static_cast<int>(Table::kClaims), ""));
  for (const auto& [k, claim] : claims) {
    if (owned.count(claim.partition()) == 0) continue;
    const auto parts = SplitKey(k);
    if (parts.size() != 2) continue;
    FRUITION_RETURN_IF_ERROR(
        Reassess(tx, ClaimKey{parts[0], parts[1]}, &out, all));
  }
  return out;
}

}  // namespace fruition::evidence
