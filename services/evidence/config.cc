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
    s->push_back({"sealed-key-file", "",
                  "file holding the AES-256 key ring that opens sealed "
                  "evidence text (the one intake seals with; ID:HEX lines)"});
    s->push_back({"sealed-key", "",
                  "the sealed-text key ring itself (prefer "
                  "FRUITION_SEALED_KEY or the file)"});
    return s;
  }();
  return *specs;
}

absl::StatusOr<EvidenceConfig> EvidenceConfigFrom(const config::Settings& s) {
  EvidenceConfig c;
  FRUITION_RETURN_IF_ERROR(service::ParseCommon(s, &c));
  c.criteria_file = s.Get("criteria");
  FRUITION_RETURN_IF_ERROR(
      config::ExactlyOneOf(s, "sealed-key-file", "sealed-key"));
  c.sealed_key_file = s.Get("sealed-key-file");
  c.sealed_key = s.Get("sealed-key");
  return c;
}

absl::StatusOr<privacy::SealedBox> SealedBoxFrom(const EvidenceConfig& c) {
  return c.sealed_key_file.empty()
             ? privacy::SealedBox::FromText(c.sealed_key, "sealed-key")
             : privacy::SealedBox::FromFile(c.sealed_key_file);
}

}  // namespace fruition::evidence
