#include "services/intake/route.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "services/common/proto.h"
#include "services/common/topics.h"
#include "services/domain/reports.h"

namespace fruition::intake {

std::string Pseudonymize(const privacy::Pseudonymizer& pseudonymizer,
                         v1::AgencyReport* report) {
  std::string* ref = domain::MutableSubjectRef(report);
  if (ref == nullptr) return "";
  std::string pid = pseudonymizer.Pid(*ref);
  *domain::MutableSubjectPid(report) = pid;
  // Overwrite before clearing so the raw value does not linger in the buffer.
  std::fill(ref->begin(), ref->end(), '\0');
  ref->clear();
  return pid;
}

Route RouteFor(const v1::AgencyReport& r) {
  return {domain::IsReference(r.body_case()) ? topics::kReference
                                             : topics::kReports,
          domain::RoutingKey(r)};
}

std::string CanonicalBytes(const v1::AgencyReport& report) {
  return SerializeDeterministic(report);
}

std::string SenderDigest(const v1::AgencyReport& report) {
  return privacy::Sha256Hex(domain::SenderBytes(report));
}

}  // namespace fruition::intake
