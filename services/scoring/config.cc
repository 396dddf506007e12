#include "services/scoring/config.h"

#include "services/common/status.h"

namespace fruition::scoring {

const std::vector<config::Spec>& ScoringSpecs() {
  static const auto* specs = [] {
    auto* s =
        new std::vector<config::Spec>(service::CommonSpecs(kScoringDefaults));
    s->push_back(
        {"criteria-version", "v1", "link assessments of this version count"});
    s->push_back({"cost-per-prison-year", "36299", "USD, for lnf_cost_usd"});
    s->push_back({"contribution-partitions", "12",
                  "partitions of fruition.scoring.contributions (must match "
                  "the topic)"});
    s->push_back({"topic-prefix", "",
                  "tests only: read and write PREFIX + each topic name (not "
                  "the audit trail's), so tests sharing a broker stay apart"});
    return s;
  }();
  return *specs;
}

absl::StatusOr<ScoringConfig> ScoringConfigFrom(const config::Settings& s) {
  ScoringConfig c;
  FRUITION_RETURN_IF_ERROR(service::ParseCommon(s, &c));
  c.criteria_version = s.Get("criteria-version");
  if (c.criteria_version.empty()) {
    return absl::InvalidArgumentError(
        "config field criteria-version: required (e.g. v1)");
  }
  FRUITION_ASSIGN_OR_RETURN(c.cost_per_prison_year,
                            s.GetDouble("cost-per-prison-year", 0, 1e9));
  FRUITION_ASSIGN_OR_RETURN(const int64_t cp,
                            s.GetInt("contribution-partitions", 1, 10000));
  c.contribution_partitions = static_cast<int>(cp);
  c.topic_prefix = s.Get("topic-prefix");
  return c;
}

}  // namespace fruition::scoring
