#include "services/domain/reports.h"

#include <google/protobuf/descriptor.h>

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace fruition::domain {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::OneofDescriptor;
using v1::AgencyReport;

const OneofDescriptor* BodyOneof() {
  return AgencyReport::descriptor()->FindOneofByName("body");
}

// A new body in reports.proto without an entry in the table fails here.
TEST(BodyTable, HasOneEntryPerBodyOfTheProtoInFieldOrder) {
  const OneofDescriptor* oneof = BodyOneof();
  ASSERT_NE(oneof, nullptr);
  ASSERT_EQ(AllBodies().size(), static_cast<size_t>(oneof->field_count()));
  for (int i = 0; i < oneof->field_count(); ++i) {
    const FieldDescriptor* field = oneof->field(i);
    const auto body = static_cast<BodyCase>(field->number());
    const BodySpec* spec = SpecOf(body);
    ASSERT_NE(spec, nullptr) << field->name() << " has no entry";
    EXPECT_EQ(spec, &AllBodies()[i]) << field->name();
    EXPECT_EQ(spec->name, field->name());
    EXPECT_EQ(BodyName(body), field->name());
  }
  EXPECT_EQ(SpecOf(AgencyReport::BODY_NOT_SET), nullptr);
  EXPECT_EQ(BodyName(AgencyReport::BODY_NOT_SET), "body");
}

// Every field name in the table is a singular string field of the body, and
// a body has a subject exactly when its message has subject_ref/subject_pid.
TEST(BodyTable, NamesFieldsTheBodyHas) {
  for (const BodySpec& spec : AllBodies()) {
    const Descriptor* body = AgencyReport::descriptor()
                                 ->FindFieldByNumber(spec.body)
                                 ->message_type();
    for (std::string_view name : {spec.org, spec.agency, spec.field_office,
                                  spec.district, spec.area, spec.key}) {
      if (name.empty()) continue;
      const FieldDescriptor* f = body->FindFieldByName(std::string(name));
      ASSERT_NE(f, nullptr) << spec.name << "." << name;
      EXPECT_EQ(f->cpp_type(), FieldDescriptor::CPPTYPE_STRING)
          << spec.name << "." << name;
      EXPECT_FALSE(f->is_repeated()) << spec.name << "." << name;
    }
    const bool subject = body->FindFieldByName("subject_ref") != nullptr &&
                         body->FindFieldByName("subject_pid") != nullptr;
    EXPECT_EQ(spec.has_subject(), subject) << spec.name;
    EXPECT_EQ(spec.subject.pid != nullptr, subject) << spec.name;
    EXPECT_EQ(spec.subject.mutable_ref != nullptr, subject) << spec.name;
    EXPECT_EQ(spec.subject.mutable_pid != nullptr, subject) << spec.name;
  }
}

// SPEC §7: reference bodies are keyed by their entity and need no case_id;
// the others are keyed by subject or case.
TEST(BodyTable, ReferenceBodiesHaveAKeyAndNoCase) {
  std::set<std::string_view> reference;
  for (const BodySpec& spec : AllBodies()) {
    const bool ref = spec.stream == Stream::kReference;
    if (ref) reference.insert(spec.name);
    EXPECT_EQ(IsReference(spec.body), ref) << spec.name;
    EXPECT_EQ(!spec.key.empty(), ref) << spec.name;
    EXPECT_EQ(CaseIdRequired(spec.body), !ref) << spec.name;
  }
  EXPECT_EQ(reference,
            (std::set<std::string_view>{
                "org_designated", "org_outcome", "performance_target",
                "community_indicator", "agency_response", "oversight_decision",
                "budget_line"}));
}

// A report whose body is `spec`'s, with every string field set to its
// own name, so a test can see which field an accessor reached.
AgencyReport Filled(const BodySpec& spec) {
  AgencyReport r;
  r.set_case_id("CASE");
  const FieldDescriptor* field =
      AgencyReport::descriptor()->FindFieldByNumber(spec.body);
  google::protobuf::Message* body =
      r.GetReflection()->MutableMessage(&r, field);
  const Descriptor* d = body->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING && !f->is_repeated()) {
      body->GetReflection()->SetString(body, f, f->name());
    }
  }
  return r;
}

TEST(BodyTable, SubjectAccessorsReachTheBodysSubjectFields) {
  for (const BodySpec& spec : AllBodies()) {
    AgencyReport r = Filled(spec);
    if (!spec.has_subject()) {
      EXPECT_EQ(SubjectPid(r), nullptr) << spec.name;
      EXPECT_EQ(MutableSubjectRef(&r), nullptr) << spec.name;
      EXPECT_EQ(MutableSubjectPid(&r), nullptr) << spec.name;
      continue;
    }
    ASSERT_NE(SubjectPid(r), nullptr) << spec.name;
    EXPECT_EQ(*SubjectPid(r), "subject_pid") << spec.name;
    EXPECT_EQ(spec.subject.ref(r), "subject_ref") << spec.name;
    *MutableSubjectRef(&r) = "ref-2";
    *MutableSubjectPid(&r) = "pid-2";
    EXPECT_EQ(BodyField(r, "subject_ref"), "ref-2") << spec.name;
    EXPECT_EQ(BodyField(r, "subject_pid"), "pid-2") << spec.name;
  }
}

TEST(BodyTable, RoutingKeyIsTheEntitySubjectOrCase) {
  for (const BodySpec& spec : AllBodies()) {
    AgencyReport r = Filled(spec);
    if (spec.stream == Stream::kReference) {
      EXPECT_EQ(RoutingKey(r), spec.key) << spec.name;
    } else if (spec.has_subject()) {
      EXPECT_EQ(RoutingKey(r), "subject_pid") << spec.name;
      MutableSubjectPid(&r)->clear();
      EXPECT_EQ(RoutingKey(r), "CASE") << spec.name;
    } else {
      EXPECT_EQ(RoutingKey(r), "CASE") << spec.name;
    }
  }
  EXPECT_EQ(RoutingKey(AgencyReport()), "");
}

TEST(SenderBytes, LeaveOutIntakesStampAndNothingElse) {
  AgencyReport r;
  r.set_report_id("R1");
  r.set_reporter("DEA");
  r.mutable_arrest()->set_agency("DEA");
  const std::string sent = SenderBytes(r);
  AgencyReport stamped = r;
  stamped.mutable_received_at()->set_seconds(1767225600);
  EXPECT_EQ(SenderBytes(stamped), sent);
  stamped.mutable_received_at()->set_seconds(1767229200);
  EXPECT_EQ(SenderBytes(stamped), sent);
  // Any other difference is a different report.
  stamped.mutable_arrest()->set_agency("FBI");
  EXPECT_NE(SenderBytes(stamped), sent);
  AgencyReport parsed;
  ASSERT_TRUE(parsed.ParseFromString(sent));
  EXPECT_FALSE(parsed.has_received_at());
}

TEST(BodyTable, UnitFieldsAsSpecNamesThem) {
  const BodySpec& arrest = *SpecOf(AgencyReport::kArrest);
  EXPECT_EQ(arrest.agency, "agency");
  EXPECT_EQ(arrest.field_office, "field_office");
  EXPECT_EQ(SpecOf(AgencyReport::kSentencing)->district, "district");
  EXPECT_EQ(SpecOf(AgencyReport::kCommunityIndicator)->area, "area_id");
  AgencyReport r;
  r.mutable_arrest()->set_agency("DEA");
  EXPECT_EQ(BodyField(r, arrest.agency), "DEA");
  EXPECT_EQ(BodyField(r, ""), "");
  EXPECT_EQ(BodyField(r, "no_such_field"), "");
}

}  // namespace
}  // namespace fruition::domain
