// Kafka topic names of SPEC §7.
#ifndef FRUITION_SERVICES_COMMON_TOPICS_H_
#define FRUITION_SERVICES_COMMON_TOPICS_H_

#include <string_view>

namespace fruition::topics {

inline constexpr std::string_view kReports = "fruition.reports.v1";
inline constexpr std::string_view kReference = "fruition.reference.v1";
inline constexpr std::string_view kLinkAssessments =
    "fruition.link-assessments.v1";
inline constexpr std::string_view kScores = "fruition.scores.v1";
// Internal: scoring stage 1 -> stage 2, key = unit (ARCHITECTURE principle 3).
inline constexpr std::string_view kScoringContributions =
    "fruition.scoring.contributions";
// The public view of every scorecard (SPEC §5 D1–D4), key = unit, written
// by scoring's public-view stage; what the gateway and the reconciler show
// to the public.
inline constexpr std::string_view kScoresPublic = "fruition.scores.public.v1";
// Internal: scoring stage 2 -> the public-view stage, key = fiscal year
// (every unit-period a disclosure rule links lies in one fiscal year).
inline constexpr std::string_view kScoringPublicBase =
    "fruition.scoring.public-base";
inline constexpr std::string_view kOversightPublic =
    "fruition.oversight.public.v1";
inline constexpr std::string_view kOversightRestricted =
    "fruition.oversight.restricted.v1";

}  // namespace fruition::topics

#endif  // FRUITION_SERVICES_COMMON_TOPICS_H_
