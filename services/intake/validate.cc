#include "services/intake/validate.h"

#include <string>

namespace fruition::intake {

std::optional<Rejection> Validate(const v1::AgencyReport& report,
                                  const auth::Principal& caller,
                                  int64_t now_seconds) {
  const domain::Sender sender{caller.code,
                              std::string(auth::KindName(caller.kind)),
                              MaySend(caller.kind, report.body_case()),
                              caller.acts_for, caller.designates};
  return domain::Validate(report, sender, now_seconds);
}

}  // namespace fruition::intake
