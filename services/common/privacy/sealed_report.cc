#include "services/common/privacy/sealed_report.h"

#include <algorithm>

#include "services/common/strings.h"

namespace fruition::privacy {
namespace {

using Items = google::protobuf::RepeatedPtrField<v1::EvidenceItem>;

// The evidence of `report` with its claim id and path, or null items.
struct Evidence {
  Items* items = nullptr;
  const std::string* claim_id = nullptr;
  const char* path = "";
};

Evidence EvidenceOf(v1::AgencyReport* report) {
  if (report->has_link_claim()) {
    auto* c = report->mutable_link_claim();
    return {c->mutable_evidence(), &c->claim_id(), "link_claim.evidence"};
  }
  if (report->has_evidence_added()) {
    auto* e = report->mutable_evidence_added();
    return {e->mutable_evidence(), &e->claim_id(), "evidence_added.evidence"};
  }
  return {};
}

}  // namespace

std::string SealedAad(std::string_view reporter, std::string_view claim_id,
                      std::string_view evidence_id) {
  // Length-prefixed, so that no two identities give the same bytes.
  return StrCat("fruition.v1.EvidenceItem.sealed_summary|", reporter.size(),
                ":", reporter, "|", claim_id.size(), ":", claim_id, "|",
                evidence_id.size(), ":", evidence_id);
}

absl::Status SealReport(const SealedBox& box, v1::AgencyReport* report,
                        std::string* field) {
  const Evidence ev = EvidenceOf(report);
  if (ev.items == nullptr) return absl::OkStatus();
  for (int i = 0; i < ev.items->size(); ++i) {
    v1::EvidenceItem& item = (*ev.items)[i];
    if (!item.sealed_ciphertext().empty()) {
      *field = StrCat(ev.path, "[", i, "].sealed_ciphertext");
      return absl::InvalidArgumentError(
          StrCat(*field, ": set by intake; senders leave it empty"));
    }
    if (item.sealed_summary().empty()) continue;
    auto sealed = box.Seal(
        item.sealed_summary(),
        SealedAad(report->reporter(), *ev.claim_id, item.evidence_id()));
    if (!sealed.ok()) {
      *field = StrCat(ev.path, "[", i, "].sealed_summary");
      return sealed.status();
    }
    item.set_sealed_ciphertext(std::move(*sealed));
    // Overwrite before clearing so the text does not linger in the buffer.
    std::string* text = item.mutable_sealed_summary();
    std::fill(text->begin(), text->end(), '\0');
    item.clear_sealed_summary();
  }
  return absl::OkStatus();
}

absl::Status UnsealReport(const SealedBox* box, v1::AgencyReport* report) {
  const Evidence ev = EvidenceOf(report);
  if (ev.items == nullptr) return absl::OkStatus();
  for (int i = 0; i < ev.items->size(); ++i) {
    v1::EvidenceItem& item = (*ev.items)[i];
    if (item.sealed_ciphertext().empty()) continue;
    const std::string at = StrCat(ev.path, "[", i, "].sealed_ciphertext");
    if (!item.sealed_summary().empty()) {
      return absl::DataLossError(
          StrCat(at, ": set together with sealed_summary"));
    }
    if (box == nullptr) {
      return absl::FailedPreconditionError(
          StrCat(at, ": sealed, and no sealed key is configured"));
    }
    auto text = box->Open(
        item.sealed_ciphertext(),
        SealedAad(report->reporter(), *ev.claim_id, item.evidence_id()));
    if (!text.ok()) {
      return absl::Status(text.status().code(),
                          StrCat(at, ": ", text.status().message()));
    }
    item.set_sealed_summary(std::move(*text));
    item.clear_sealed_ciphertext();
  }
  return absl::OkStatus();
}

}  // namespace fruition::privacy
