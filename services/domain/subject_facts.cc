#include "services/domain/subject_facts.h"

#include <tuple>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/domain/reports.h"

namespace fruition::domain {
namespace {

using internal::SubjectState;

}  // namespace

std::string PairKey(const std::string& a, const std::string& b) {
  std::string out = a;
  out.push_back('\0');
  return out + b;
}

std::string SubjectOf(const v1::AgencyReport& r) {
  // The bodies ApplyReport uses; the field naming their subject is the body
  // table's (reports.h). Claims reach scoring as assessments.
  switch (r.body_case()) {
    case v1::AgencyReport::kArrest:
    case v1::AgencyReport::kSentencing:
    case v1::AgencyReport::kDeclination:
    case v1::AgencyReport::kChargeFiled:
    case v1::AgencyReport::kDisposition:
      return *SubjectPid(r);
    default:
      return "";
  }
}

namespace {

// A prosecution-stage record's common fields (the body's are the caller's).
SubjectState::Event* NewEvent(const v1::AgencyReport& r,
                              SubjectState::Event* e) {
  e->set_occurred_at(r.occurred_at().seconds());
  e->set_case_id(r.case_id());
  e->set_reporter(r.reporter());
  e->set_report_id(r.report_id());
  e->set_received_at(r.received_at().seconds());
  return e;
}

// The first 16 bytes of the SHA-256 of the report as sent (without
// intake's received_at): enough to tell two bodies of one report id apart,
// at a quarter of the hex digest's size in every subject's state.
std::string BodyDigest(const v1::AgencyReport& r) {
  return absl::HexStringToBytes(privacy::Sha256Hex(SenderBytes(r)))
      .substr(0, 16);
}

// A report whose id (`id`) was applied before: the same report again, or a
// conflicting one (kept once); whether the state changed.
bool ApplyAgain(const v1::AgencyReport& r, const std::string& id,
                SubjectState* s, ReportEffect* effect) {
  // The first body in log order counts. Compared as sent: intake stamps
  // received_at on every attempt, so a retry that landed twice is the
  // same report (as the reconciler's REPORT_CONFLICT judges it).
  auto first = s->report_sha256().find(id);
  if (first == s->report_sha256().end() || first->second == BodyDigest(r)) {
    *effect = ReportEffect::kDuplicate;
    return false;
  }
  *effect = ReportEffect::kConflict;
  if (s->conflicting().count(id) > 0) return false;  // known already
  (*s->mutable_conflicting())[id] = true;
  return true;
}

}  // namespace

bool ApplyReport(const v1::AgencyReport& r, SubjectState* s,
                 ReportEffect* effect) {
  ReportEffect ignored;
  if (effect == nullptr) effect = &ignored;
  const std::string id = PairKey(r.reporter(), r.report_id());
  if (s->reports().count(id) > 0) return ApplyAgain(r, id, s, effect);
  *effect = ReportEffect::kApplied;
  const int64_t at = r.occurred_at().seconds();
  const int64_t received = r.received_at().seconds();
  switch (r.body_case()) {
    case v1::AgencyReport::kArrest: {
      const auto& a = r.arrest();
      SubjectState::Arrest& out =
          (*s->mutable_arrests())[PairKey(r.reporter(), a.arrest_id())];
      out.set_reporter(r.reporter());
      out.set_arrest_id(a.arrest_id());
      out.set_agency(a.agency());
      out.set_field_office(a.field_office());
      out.set_case_id(r.case_id());
      out.set_claim_id(a.claim_id());
      out.set_occurred_at(at);
      out.set_report_id(r.report_id());
      out.set_received_at(received);
      *s->add_arrest_history() = out;
      break;
    }
    case v1::AgencyReport::kSentencing: {
      auto* seen = s->add_sentencing_history();
      seen->set_district(r.sentencing().district());
      seen->set_occurred_at(at);
      seen->set_case_id(r.case_id());
      auto& map = *s->mutable_sentencings();
      auto it = map.find(r.case_id());
      // The latest judgment counts; ties by report_id, so any order agrees.
      // Ties: report ids are unique per reporter only, so the reporter too.
      if (it != map.end() &&
          std::make_tuple(it->second.occurred_at(), it->second.reporter(),
                          it->second.report_id()) >=
              std::make_tuple(at, r.reporter(), r.report_id())) {
        break;
      }
      SubjectState::Sentencing& out = map[r.case_id()];
      *out.mutable_record() = r.sentencing();
      out.set_case_id(r.case_id());
      out.set_occurred_at(at);
      out.set_report_id(r.report_id());
      out.set_reporter(r.reporter());
      out.set_received_at(received);
      break;
    }
    case v1::AgencyReport::kDeclination: {
      auto* e = NewEvent(r, s->add_declinations());
      e->set_district(r.declination().district());
      e->set_referred_to_state(r.declination().referred_to_state());
      break;
    }
    case v1::AgencyReport::kChargeFiled: {
      auto* e = NewEvent(r, s->add_charges());
      e->set_district(r.charge_filed().district());
      e->set_mandatory_minimum_months(
          r.charge_filed().mandatory_minimum_months());
      break;
    }
    case v1::AgencyReport::kDisposition: {
      auto* e = NewEvent(r, s->add_dispositions());
      e->set_outcome(r.disposition().outcome());
      break;
    }
    default:
      *effect = ReportEffect::kUnused;
      return false;
  }
  (*s->mutable_reports())[id] = true;
  (*s->mutable_report_sha256())[id] = BodyDigest(r);
  return true;
}

bool ApplyAssessment(const v1::LinkAssessment& a,
                     const std::string& criteria_version, SubjectState* s) {
  if (a.criteria_version() != criteria_version) return false;
  SubjectState::Assessment& out =
      (*s->mutable_assessments())[PairKey(a.reporter(), a.claim_id())];
  if (out.result() == a.result() && out.tier() == a.tier()) return false;
  out.set_result(a.result());
  out.set_tier(a.tier());
  return true;
}

}  // namespace fruition::domain
