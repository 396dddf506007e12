#include "services/intake/route.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "services/common/proto.h"
#include "services/common/topics.h"
#include "services/intake/validate.h"

namespace fruition::intake {

std::string Pseudonymize(const privacy::Pseudonymizer& pseudonymizer,
                         v1::AgencyReport* report) {
  std::string* ref = MutableSubjectRef(report);
  if (ref == nullptr) return "";
  std::string pid = pseudonymizer.Pid(*ref);
  *MutableSubjectPid(report) = pid;
  // Overwrite before clearing so the raw value does not linger in the buffer.
  std::fill(ref->begin(), ref->end(), '\0');
  ref->clear();
  return pid;
}

Route RouteFor(const v1::AgencyReport& r) {
  switch (r.body_case()) {
    case v1::AgencyReport::kOrgDesignated:
      return {topics::kReference, r.org_designated().org_id()};
    case v1::AgencyReport::kOrgOutcome:
      return {topics::kReference, r.org_outcome().org_id()};
    case v1::AgencyReport::kPerformanceTarget:
      return {topics::kReference, r.performance_target().agency()};
    case v1::AgencyReport::kCommunityIndicator:
      return {topics::kReference, r.community_indicator().area_id()};
    default:
      break;
  }
  const std::string* pid = SubjectPid(r);
  if (pid != nullptr && !pid->empty()) return {topics::kReports, *pid};
  return {topics::kReports, r.case_id()};
}

std::string CanonicalBytes(const v1::AgencyReport& report) {
  return SerializeDeterministic(report);
}

}  // namespace fruition::intake
