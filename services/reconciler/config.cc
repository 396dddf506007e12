#include "services/reconciler/config.h"

#include "services/common/status.h"

namespace fruition::reconciler {

const std::vector<config::Spec>& ReconcilerSpecs() {
  static const auto* specs = [] {
    auto* s = new std::vector<config::Spec>(
        service::CommonSpecs(kReconcilerDefaults));
    s->push_back(
        {"criteria-version", "v1", "link assessments of this version count"});
    s->push_back({"fruition-gap-threshold", "0.25",
                  "FRUITION_GAP when fruition_gap >= this"});
    s->push_back({"lnf-share-threshold", "0.30",
                  "LNF_SHARE_HIGH when lnf_share >= this"});
    s->push_back({"min-sentenced", "11",
                  "FRUITION_GAP and LNF_SHARE_HIGH only in unit-periods with "
                  "at least this many sentenced"});
    s->push_back({"target-ratio-threshold", "1.25",
                  "TARGET_OVERSHOOT when target_ratio >= this"});
    s->push_back({"min-public-n", "11",
                  "ignored (accepted for older configurations): public events "
                  "show the public view as scoring publishes it, disclosure "
                  "control applied (SPEC §5)"});
    s->push_back({"publish-interval-seconds", "60",
                  "SCORECARD_PUBLISHED at most once per unit-period per this "
                  "many seconds"});
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
  Thresholds& t = c.thresholds;
  FRUITION_ASSIGN_OR_RETURN(t.fruition_gap,
                            s.GetDouble("fruition-gap-threshold", -1, 1));
  FRUITION_ASSIGN_OR_RETURN(t.lnf_share,
                            s.GetDouble("lnf-share-threshold", 0, 1));
  FRUITION_ASSIGN_OR_RETURN(t.min_sentenced,
                            s.GetInt("min-sentenced", 0, 1000000));
  FRUITION_ASSIGN_OR_RETURN(t.target_ratio,
                            s.GetDouble("target-ratio-threshold", 0, 1e6));
  // Still validated, so that a typo in an older configuration is caught.
  FRUITION_RETURN_IF_ERROR(s.GetInt("min-public-n", 1, 1000000).status());
  FRUITION_ASSIGN_OR_RETURN(t.publish_interval_s,
                            s.GetInt("publish-interval-seconds", 0, 86400));
  return c;
}

}  // namespace fruition::reconciler
