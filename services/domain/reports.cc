#include "services/domain/reports.h"

#include <google/protobuf/descriptor.h>

#include <map>

#include "services/common/proto.h"

namespace fruition::domain {
namespace {

using v1::AgencyReport;

// The subject accessors of a body whose message has subject_ref and
// subject_pid, from its AgencyReport getter and mutable getter.
template <typename Body, const Body& (AgencyReport::*kGet)() const,
          Body* (AgencyReport::*kMutable)()>
SubjectAccess Subject() {
  SubjectAccess s;
  s.ref = [](const AgencyReport& r) -> const std::string& {
    return (r.*kGet)().subject_ref();
  };
  s.pid = [](const AgencyReport& r) -> const std::string& {
    return (r.*kGet)().subject_pid();
  };
  s.mutable_ref = [](AgencyReport* r) {
    return (r->*kMutable)()->mutable_subject_ref();
  };
  s.mutable_pid = [](AgencyReport* r) {
    return (r->*kMutable)()->mutable_subject_pid();
  };
  return s;
}

std::vector<BodySpec> MakeBodies() {
  constexpr Stream kRef = Stream::kReference;
  constexpr Stream kRep = Stream::kReports;
  // clang-format off
  return {
    // body, name, stream, case_id required, subject,
    //   org, agency, field_office, district, area, key
    {AgencyReport::kCaseOpened, "case_opened", kRep, true, {},
     "target_org_id", "agency", "field_office", "district", "", ""},
    {AgencyReport::kOrgDesignated, "org_designated", kRef, false, {},
     "org_id", "", "", "", "", "org_id"},
    {AgencyReport::kLinkClaim, "link_claim", kRep, true,
     Subject<v1::PtoLinkClaim, &AgencyReport::link_claim,
             &AgencyReport::mutable_link_claim>(),
     "org_id", "", "", "", "", ""},
    {AgencyReport::kEvidenceAdded, "evidence_added", kRep, true,
     Subject<v1::EvidenceAdded, &AgencyReport::evidence_added,
             &AgencyReport::mutable_evidence_added>(),
     "", "", "", "", "", ""},
    {AgencyReport::kArrest, "arrest", kRep, true,
     Subject<v1::Arrest, &AgencyReport::arrest,
             &AgencyReport::mutable_arrest>(),
     "", "agency", "field_office", "", "", ""},
    {AgencyReport::kSeizure, "seizure", kRep, true, {},
     "", "", "", "", "", ""},
    {AgencyReport::kChargeFiled, "charge_filed", kRep, true,
     Subject<v1::ChargeFiled, &AgencyReport::charge_filed,
             &AgencyReport::mutable_charge_filed>(),
     "", "", "", "district", "", ""},
    {AgencyReport::kDeclination, "declination", kRep, true,
     Subject<v1::Declination, &AgencyReport::declination,
             &AgencyReport::mutable_declination>(),
     "", "", "", "district", "", ""},
    {AgencyReport::kDisposition, "disposition", kRep, true,
     Subject<v1::Disposition, &AgencyReport::disposition,
             &AgencyReport::mutable_disposition>(),
     "", "", "", "", "", ""},
    {AgencyReport::kSentencing, "sentencing", kRep, true,
     Subject<v1::SentencingRecord, &AgencyReport::sentencing,
             &AgencyReport::mutable_sentencing>(),
     "", "", "", "district", "", ""},
    {AgencyReport::kOrgOutcome, "org_outcome", kRef, false, {},
     "org_id", "", "", "", "", "org_id"},
    {AgencyReport::kPerformanceTarget, "performance_target", kRef, false, {},
     "", "agency", "", "", "", "agency"},
    {AgencyReport::kCommunityIndicator, "community_indicator", kRef, false, {},
     "", "", "", "", "area_id", "area_id"},
    // SPEC §11: small, read whole by the services that show or judge them.
    // No unit fields: a response, decision or budget line counts in no
    // case-level tally.
    {AgencyReport::kAgencyResponse, "agency_response", kRef, false, {},
     "", "", "", "", "", "condition_key"},
    {AgencyReport::kOversightDecision, "oversight_decision", kRef, false, {},
     "", "", "", "", "", "condition_key"},
    {AgencyReport::kBudgetLine, "budget_line", kRef, false, {},
     "", "", "", "", "", "agency"},
  };
  // clang-format on
}

const std::map<BodyCase, const BodySpec*>& Index() {
  static const auto* const kIndex = [] {
    auto* index = new std::map<BodyCase, const BodySpec*>;
    for (const BodySpec& spec : AllBodies()) (*index)[spec.body] = &spec;
    return index;
  }();
  return *kIndex;
}

}  // namespace

const std::vector<BodySpec>& AllBodies() {
  static const auto* const kBodies = new std::vector<BodySpec>(MakeBodies());
  return *kBodies;
}

const BodySpec* SpecOf(BodyCase body) {
  const auto& index = Index();
  const auto it = index.find(body);
  return it == index.end() ? nullptr : it->second;
}

std::string_view BodyName(BodyCase body) {
  const BodySpec* spec = SpecOf(body);
  return spec == nullptr ? "body" : spec->name;
}

bool IsReference(BodyCase body) {
  const BodySpec* spec = SpecOf(body);
  return spec != nullptr && spec->stream == Stream::kReference;
}

bool CaseIdRequired(BodyCase body) {
  const BodySpec* spec = SpecOf(body);
  return spec == nullptr || spec->case_id_required;
}

bool HasSubject(BodyCase body) {
  const BodySpec* spec = SpecOf(body);
  return spec != nullptr && spec->has_subject();
}

const std::string* SubjectPid(const AgencyReport& report) {
  const BodySpec* spec = SpecOf(report.body_case());
  if (spec == nullptr || !spec->has_subject()) return nullptr;
  return &spec->subject.pid(report);
}

std::string* MutableSubjectRef(AgencyReport* report) {
  const BodySpec* spec = SpecOf(report->body_case());
  if (spec == nullptr || !spec->has_subject()) return nullptr;
  return spec->subject.mutable_ref(report);
}

std::string* MutableSubjectPid(AgencyReport* report) {
  const BodySpec* spec = SpecOf(report->body_case());
  if (spec == nullptr || !spec->has_subject()) return nullptr;
  return spec->subject.mutable_pid(report);
}

std::string BodyField(const AgencyReport& report, std::string_view field) {
  if (field.empty() || report.body_case() == AgencyReport::BODY_NOT_SET) {
    return "";
  }
  const google::protobuf::Reflection* reflection = report.GetReflection();
  static const google::protobuf::OneofDescriptor* const kBody =
      AgencyReport::descriptor()->FindOneofByName("body");
  const google::protobuf::FieldDescriptor* body_field =
      reflection->GetOneofFieldDescriptor(report, kBody);
  const google::protobuf::Message& body =
      reflection->GetMessage(report, body_field);
  const google::protobuf::FieldDescriptor* f =
      body.GetDescriptor()->FindFieldByName(std::string(field));
  if (f == nullptr ||
      f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_STRING ||
      f->is_repeated()) {
    return "";
  }
  return body.GetReflection()->GetString(body, f);
}

std::string RoutingKey(const AgencyReport& report) {
  const BodySpec* spec = SpecOf(report.body_case());
  if (spec != nullptr && spec->stream == Stream::kReference) {
    return BodyField(report, spec->key);
  }
  const std::string* pid = SubjectPid(report);
  if (pid != nullptr && !pid->empty()) return *pid;
  return report.case_id();
}

std::string SenderBytes(const v1::AgencyReport& report) {
  if (!report.has_received_at()) return SerializeDeterministic(report);
  v1::AgencyReport sent = report;
  sent.clear_received_at();
  return SerializeDeterministic(sent);
}

}  // namespace fruition::domain
