#include "services/reconciler/config.h"

#include <cstdio>

#include "services/common/status.h"
#include "services/domain/events.h"

namespace fruition::reconciler {
namespace {

// A threshold's default as a setting's text (0.25, 11).
std::string DefaultText(const domain::ThresholdDef& t) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), t.integer ? "%.0f" : "%g", t.default_value);
  return buf;
}

}  // namespace

const std::vector<config::Spec>& ReconcilerSpecs() {
  static const auto* specs = [] {
    auto* s = new std::vector<config::Spec>(
        service::CommonSpecs(kReconcilerDefaults));
    s->push_back(
        {"criteria-version", "v1", "link assessments of this version count"});
    // The event rules' thresholds (services/domain/events.h).
    for (const domain::ThresholdDef& t : domain::EventThresholds()) {
      s->push_back({t.name, DefaultText(t), t.help});
    }
    s->push_back({"min-public-n", "11",
                  "ignored (accepted for older configurations): public events "
                  "show the public view as scoring publishes it, disclosure "
                  "control applied (SPEC §5)"});
    return s;
  }();
  return *specs;
}

absl::StatusOr<ReconcilerConfig> ReconcilerConfigFrom(
    const config::Settings& s) {
  ReconcilerConfig c;
  FRUITION_RETURN_IF_ERROR(service::ParseCommon(s, &c));
  c.criteria_version = s.Get("criteria-version");
  if (c.criteria_version.empty()) {
    return absl::InvalidArgumentError(
        "config field criteria-version: required (e.g. v1)");
  }
  for (const domain::ThresholdDef& t : domain::EventThresholds()) {
    double value = 0;
    if (t.integer) {
      FRUITION_ASSIGN_OR_RETURN(int64_t v,
                                s.GetInt(t.name, static_cast<int64_t>(t.min),
                                         static_cast<int64_t>(t.max)));
      value = static_cast<double>(v);
    } else {
      FRUITION_ASSIGN_OR_RETURN(value, s.GetDouble(t.name, t.min, t.max));
    }
    c.thresholds.Set(t.name, value);
  }
  // Still validated, so that a typo in an older configuration is caught.
  FRUITION_RETURN_IF_ERROR(s.GetInt("min-public-n", 1, 1000000).status());
  return c;
}

}  // namespace fruition::reconciler
