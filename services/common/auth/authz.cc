#include "services/common/auth/authz.h"

namespace fruition::auth {

using v1::AgencyReport;

bool MaySend(PrincipalKind kind, AgencyReport::BodyCase body) {
  if (body == AgencyReport::BODY_NOT_SET) return false;
  switch (kind) {
    case PrincipalKind::kAgency:
      return body != AgencyReport::kSentencing &&
             body != AgencyReport::kCommunityIndicator &&
             body != AgencyReport::kOversightDecision &&
             body != AgencyReport::kBudgetLine;
    case PrincipalKind::kJudiciary:
      return body == AgencyReport::kSentencing ||
             body == AgencyReport::kDisposition;
    case PrincipalKind::kCommunity:
      return body == AgencyReport::kCommunityIndicator;
    // SPEC §11: overseers decide on answers and set budget lines.
    case PrincipalKind::kOverseer:
      return body == AgencyReport::kOversightDecision ||
             body == AgencyReport::kBudgetLine;
    case PrincipalKind::kPublic:
      return false;
  }
  return false;
}

bool MayReadOwned(const Principal& caller, std::string_view owner) {
  if (caller.is_public()) return false;
  return caller.kind == PrincipalKind::kOverseer || caller.code == owner;
}

bool MayReadRestricted(const Principal& caller) {
  return caller.kind == PrincipalKind::kOverseer;
}

namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

bool AgencyOwnsUnit(std::string_view agency, std::string_view unit) {
  if (agency.empty()) return false;
  constexpr std::string_view kAgency = "agency:";
  constexpr std::string_view kOffice = "field_office:";
  constexpr std::string_view kDistrict = "district:";
  if (StartsWith(unit, kAgency)) return unit.substr(kAgency.size()) == agency;
  if (StartsWith(unit, kOffice)) {
    const std::string_view office = unit.substr(kOffice.size());
    return office.size() > agency.size() + 1 && StartsWith(office, agency) &&
           office[agency.size()] == '-';
  }
  if (StartsWith(unit, kDistrict)) {
    constexpr std::string_view kUsao = "USAO-";
    const std::string_view district = unit.substr(kDistrict.size());
    return !district.empty() && StartsWith(agency, kUsao) &&
           agency.substr(kUsao.size()) == district;
  }
  return false;
}

bool EventConcerns(const v1::OversightEvent& e, std::string_view agency) {
  if (agency.empty()) return false;
  if (AgencyOwnsUnit(agency, e.unit())) return true;
  // `<TYPE>/report/<reporter>/<report_id>`: the condition is about the
  // reporter's report. The reporter is what precedes the next '/' (a
  // report id may hold '/'), as intake reads the key.
  const std::string_view key = e.condition_key();
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view scope = key.substr(slash + 1);
  constexpr std::string_view kReport = "report/";
  if (!StartsWith(scope, kReport)) return false;
  const std::string_view rest = scope.substr(kReport.size());
  const size_t cut = rest.find('/');
  return cut != std::string_view::npos && cut + 1 < rest.size() &&
         rest.substr(0, cut) == agency;
}

bool MayReadEvent(const Principal& caller, const v1::OversightEvent& e) {
  if (e.visibility() == v1::VISIBILITY_PUBLIC) return true;
  switch (caller.kind) {
    case PrincipalKind::kOverseer:
      return true;
    case PrincipalKind::kAgency:
      return EventConcerns(e, caller.code);
    case PrincipalKind::kJudiciary:
    case PrincipalKind::kCommunity:
    case PrincipalKind::kPublic:
      return false;
  }
  return false;
}

bool ReadsRestrictedEvents(const Principal& caller) {
  return caller.kind == PrincipalKind::kOverseer ||
         caller.kind == PrincipalKind::kAgency;
}

absl::Status RequireAuthenticated(const Principal& caller) {
  if (!caller.is_public()) return absl::OkStatus();
  return absl::UnauthenticatedError(
      "credentials required: send 'authorization: Bearer <token>' or a "
      "client certificate");
}

}  // namespace fruition::auth
