// Applies consumed reports to the evidence store and decides which link
// assessments to produce. No Kafka, no clock: the same records give the same
// store and the same assessments, whatever order claims, evidence and
// designations arrive in (the final assessment of a claim depends only on
// the facts).
//
// Consumed bodies: link_claim, evidence_added and arrest from
// fruition.reports.v1; org_designated (designations and revocations) from
// fruition.reference.v1. Everything else is skipped (its offset still
// advances).
#ifndef FRUITION_SERVICES_EVIDENCE_PROCESSOR_H_
#define FRUITION_SERVICES_EVIDENCE_PROCESSOR_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/v1/assessments.pb.h"
#include "services/common/kafka/consumer.h"
#include "services/common/privacy/sealed_box.h"
#include "services/common/stream/loop.h"
#include "services/evidence/criteria.h"
#include "services/evidence/store.h"

namespace fruition::evidence {

struct ApplyResult {
  std::vector<v1::LinkAssessment> emit;  // new or changed assessments
  // emit[i] serialized once, deterministically: the bytes stored and
  // produced (EvidenceHandler::Outputs).
  std::vector<std::string> emit_bytes;
  int64_t applied = 0;    // records that changed the store
  int64_t ignored = 0;    // other bodies, exact duplicates
  int64_t conflicts = 0;  // a second, different link_claim for a claim id
  // org_designated by a reporter other than the org's owner (SPEC §1: the
  // reporter of its first designation in log order): not stored, no effect.
  int64_t designations_ignored = 0;
  // Evidence items dropped beyond a claim's limit (not stored, counted).
  int64_t evidence_ignored = 0;
};

class Processor {
 public:
  // `sealed` opens the sealed text of evidence items (intake sealed it,
  // privacy::SealReport); the store holds it opened. Without it, a record
  // with sealed text is unreadable.
  Processor(const Rulebook* rules, std::string reports_topic,
            std::string reference_topic,
            const privacy::SealedBox* sealed = nullptr);

  // Applies new `records` to `tx`: the stream loop (stream::ApplyBatch)
  // has dropped re-deliveries and the operator's skips, and stores the
  // offsets. Claims are (re)assessed when they arrive, when evidence is
  // added, and when their org's designation history changes (only claims in
  // `owned` partitions of the reports topic: other instances own the rest).
  // Assessments that differ from the stored latest one are put in `tx` and
  // returned to produce. A record that cannot be parsed, or whose sealed
  // text does not open (tampered, moved, unknown key id), stops the batch:
  // stream::Unreadable naming it (stream::PoisonOf), nothing of the batch
  // to be committed.
  absl::StatusOr<ApplyResult> Apply(Tx& tx,
                                    const std::vector<kafka::Record>& records,
                                    const std::set<int32_t>& owned) const;

  // Assesses every stored claim in `owned` partitions (a new criteria
  // version, newly assigned partitions), putting and returning the
  // assessments that changed, or with `all` every one.
  absl::StatusOr<ApplyResult> ReassessAll(Tx& tx,
                                          const std::set<int32_t>& owned,
                                          bool all = false) const;

  const Rulebook& rules() const { return *rules_; }

 private:
  // What one Apply or ReassessAll already knows, so that it is not read
  // back from the store (processor.cc).
  struct Batch;

  // Stores one report (`stored`: parsed from `r`, with its Kafka
  // timestamp and position; a claim's is moved into `batch`); counts it in
  // `out`; adds the claims it touches and a designation's org to `batch`.
  absl::Status ApplyReport(Tx& tx, const kafka::Record& r,
                           internal::StoredReport& stored, ApplyResult* out,
                           Batch* batch) const;
  // ApplyReport's parts: an org_designated report of the reference topic
  // (anything else there is ignored; so is a designation or revocation by a
  // reporter other than the org's owner), a link_claim (the first for a claim
  // id wins; a different second one is a conflict), an evidence_added.
  absl::Status ApplyDesignation(Tx& tx, const kafka::Record& r,
                                internal::StoredReport& stored,
                                ApplyResult* out, Batch* batch) const;
  absl::Status ApplyClaim(Tx& tx, internal::StoredReport& stored,
                          ApplyResult* out, Batch* batch) const;
  absl::Status ApplyEvidenceAdded(Tx& tx, const internal::StoredReport& stored,
                                  ApplyResult* out, Batch* batch) const;
  // Adds to the batch's affected claims those, in `owned` partitions,
  // naming an org whose designations changed.
  absl::Status AddClaimsOfOrgs(Tx& tx, const std::set<int32_t>& owned,
                               Batch* batch) const;
  // Assesses the claim `key` (`claim`: its stored report when the caller
  // has it, else read) and puts and emits the assessment unless it equals
  // the stored one (`always`: emitted anyway).
  absl::Status Reassess(Tx& tx, const ClaimKey& key,
                        const internal::StoredReport* claim, ApplyResult* out,
                        Batch* batch, bool always = false) const;

  const Rulebook* rules_;
  std::string reports_topic_;
  std::string reference_topic_;
  const privacy::SealedBox* sealed_;
};

// When a stored report was received, for C1: its `received_at` (stamped by
// intake), or for a report accepted before intake stamped it, its Kafka
// record timestamp (seconds).
int64_t ReceivedAt(const internal::StoredReport& stored);
// A claim's evidence_added reports in log order: the order Kafka
// timestamped them, ties by report_id (facts of the records, whatever order
// they were read in). The evidence limit and "the first item with an id
// wins" follow it.
std::vector<internal::StoredReport> InLogOrder(
    std::vector<internal::StoredReport> added);

// Keeps the claim's stored evidence within domain::kMaxEvidencePerClaim
// (SPEC §2): walking the claim's own items, then its evidence_added reports
// in log order, each report keeps the items that are within the limit and
// not repeats of a kept id; the others are dropped from it (their sealed
// text is not stored) and counted in its `evidence_ignored` (repeats are
// not counted). Returns the number newly counted.
absl::StatusOr<int64_t> LimitStoredEvidence(Tx& tx, const ClaimKey& key);
// The same, given the claim's stored report (`claim`, null when it has
// none) instead of reading it; `rows`, when not null, receives the claim's
// evidence_added reports as stored afterwards (what Tx::EvidenceAdded would
// read back), in log order.
absl::StatusOr<int64_t> LimitStoredEvidence(
    Tx& tx, const ClaimKey& key, const internal::StoredReport* claim,
    std::vector<internal::StoredReport>* rows);

// The facts of a claim from its stored reports, and the assessment message
// (with its deterministic `assessment_id`) under `rules`. `serialized`,
// when not null, receives the message's deterministic serialization, built
// from the bytes the id is a hash of (no second serialization).
ClaimFacts FactsOf(const internal::StoredReport& claim,
                   const std::vector<v1::EvidenceItem>& added,
                   const std::vector<internal::StoredReport>& designations);
v1::LinkAssessment MakeAssessment(
    const Rulebook& rules, const internal::StoredReport& claim,
    const std::vector<internal::StoredReport>& added,
    const std::vector<internal::StoredReport>& org,
    std::vector<std::string>* reasons = nullptr,
    std::string* serialized = nullptr);

}  // namespace fruition::evidence

#endif  // FRUITION_SERVICES_EVIDENCE_PROCESSOR_H_
