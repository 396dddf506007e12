// Sample reports for intake's unit tests: one valid report of every body
// kind, with the principal that may send it (SPEC §1, §2).
#ifndef FRUITION_SERVICES_INTAKE_TEST_REPORTS_H_
#define FRUITION_SERVICES_INTAKE_TEST_REPORTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "fruition/v1/reports.pb.h"
#include "services/common/auth/principals.h"

namespace fruition::intake::testing {

using BodyCase = v1::AgencyReport::BodyCase;

// Every body kind, in reports.proto order.
const std::vector<BodyCase>& AllBodies();

// The bodies that carry a subject (subject_ref / subject_pid).
const std::vector<BodyCase>& SubjectBodies();

// Reference bodies: case_id optional (SPEC §2).
bool IsReferenceBody(BodyCase body);

// A principal whose kind may send `body`, with the authority its
// sample needs: DEA designates org_designated (and names only itself).
auth::Principal CallerFor(BodyCase body);

google::protobuf::Timestamp Ts(int64_t seconds, int32_t nanos = 0);

// Appends an evidence item to `items` and returns it.
v1::EvidenceItem* AddEvidence(
    google::protobuf::RepeatedPtrField<v1::EvidenceItem>* items,
    const std::string& id, v1::EvidenceKind kind, const std::string& source,
    int64_t observed_at);

// A report of `body` that Validate accepts from CallerFor(body) at `now`
// (seconds since the epoch): timestamps lie 30-60 days before it.
v1::AgencyReport ValidReport(BodyCase body, int64_t now);

}  // namespace fruition::intake::testing

#endif  // FRUITION_SERVICES_INTAKE_TEST_REPORTS_H_
