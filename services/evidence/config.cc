#include "services/evidence/config.h"

#include "services/common/status.h"

namespace fruition::evidence {

const std::vector<config::Spec>& EvidenceSpecs() {
  static const auto* specs = [] {
    auto* s =
        new std::vector<config::Spec>(service::CommonSpecs(kEvidenceDefaults));
    s->push_back({"criteria", "",
                  "rulebook YAML (services/evidence/criteria/v1.yaml); "
                  "default: built-in v1"});
    return s;
  }();
  return *specs;
}

absl::StatusOr<EvidenceConfig> EvidenceConfigFrom(const config::Settings& s) {
  EvidenceConfig c;
  FRUITION_RETURN_IF_ERROR(service::ParseCommon(s, &c));
  c.criteria_file = s.Get("criteria");
  return c;
}

}  // namespace fruition::evidence
