// Report bodies as one table (SPEC §2, §7): for every body of the `oneof` in
// protos/fruition/v1/reports.proto, which fields name its subject, its case,
// its org, its units (agency / field office / district / area) and the key it
// is routed by. Intake's validation and routing, scoring and the fuzzer read
// it instead of each switching over the body. Pure: no I/O.
//
// A new body: one entry in kBodies (reports.cc); reports_test fails until it
// has one.
#ifndef FRUITION_SERVICES_DOMAIN_REPORTS_H_
#define FRUITION_SERVICES_DOMAIN_REPORTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "fruition/v1/reports.pb.h"

namespace fruition::domain {

using BodyCase = v1::AgencyReport::BodyCase;

// The topic a body goes to (SPEC §7): case-level reports, or the small
// reference bodies every instance reads whole.
enum class Stream { kReports, kReference };

// A body's subject fields, reached through typed accessors so intake can
// overwrite the raw reference in place (route.h Pseudonymize).
struct SubjectAccess {
  const std::string& (*ref)(const v1::AgencyReport&) = nullptr;
  const std::string& (*pid)(const v1::AgencyReport&) = nullptr;
  std::string* (*mutable_ref)(v1::AgencyReport*) = nullptr;
  std::string* (*mutable_pid)(v1::AgencyReport*) = nullptr;
};

// What one body's fields mean. Field names are the body message's proto
// (snake_case) names of string fields; "" when the body has no such field.
struct BodySpec {
  BodyCase body = v1::AgencyReport::BODY_NOT_SET;
  std::string_view name;  // the oneof field, e.g. "link_claim"
  Stream stream = Stream::kReports;
  // AgencyReport.case_id required (SPEC §2: every body but the reference
  // ones).
  bool case_id_required = true;
  SubjectAccess subject;  // subject_ref / subject_pid, or all null
  std::string_view org;   // the org it is about, e.g. "org_id"
  std::string_view agency;
  std::string_view field_office;
  std::string_view district;
  std::string_view area;
  // Reference bodies: the field whose value is the Kafka key. Case-level
  // bodies are keyed by subject_pid, or case_id without a subject.
  std::string_view key;

  bool has_subject() const { return subject.ref != nullptr; }
};

// Every body, in proto field-number order.
const std::vector<BodySpec>& AllBodies();

// The entry of `body`, or nullptr for BODY_NOT_SET (or a body this build's
// table lacks, which reports_test forbids).
const BodySpec* SpecOf(BodyCase body);

// The body's field name, e.g. "link_claim"; "body" when unset.
std::string_view BodyName(BodyCase body);

bool IsReference(BodyCase body);
bool CaseIdRequired(BodyCase body);
bool HasSubject(BodyCase body);

// The body's subject_pid / subject_ref fields, or nullptr when the body has
// no subject (org_designated, seizure, ...).
const std::string* SubjectPid(const v1::AgencyReport& report);
std::string* MutableSubjectRef(v1::AgencyReport* report);
std::string* MutableSubjectPid(v1::AgencyReport* report);

// The value of the body field `field` (a name from the table), "" if the
// body is unset or the name empty.
std::string BodyField(const v1::AgencyReport& report, std::string_view field);

// The Kafka key of a validated, pseudonymized report (SPEC §7): a reference
// body's entity (org_id / agency / area_id); else its subject_pid, or its
// case_id without a subject.
std::string RoutingKey(const v1::AgencyReport& report);

// The report as its sender wrote it (after pseudonymization), in
// deterministic bytes: without intake's `received_at`. Two copies of one
// report that intake stamped at different times (a retry after UNAVAILABLE,
// two replicas) have the same sender bytes, so whoever compares reports for
// "the same one again" (intake's idempotency index, REPORT_CONFLICT) compares
// these, never the stamped bytes.
std::string SenderBytes(const v1::AgencyReport& report);

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_REPORTS_H_
