// A small, deterministic sample of reports for `fruition dev`: three
// agencies' cases, link claims with evidence of varied strength, arrests,
// charges, declinations, dispositions, the judiciary's sentencing records,
// org designations, outcome claims, performance targets and a community
// indicator. The calibrated national stream is fruition-sim's job; this is
// enough to see every topic fill.
#ifndef FRUITION_TOOLS_FRUITION_SAMPLE_DATA_H_
#define FRUITION_TOOLS_FRUITION_SAMPLE_DATA_H_

#include <cstdint>
#include <vector>

#include "fruition/v1/reports.pb.h"

namespace fruition::dev {

// `subjects` people, reproducible from `seed`. Timestamps fall in FY2016 and
// FY2017; every report's reporter is one of DEA, FBI, HSI, USSC, PPD.
std::vector<v1::AgencyReport> SampleReports(int subjects, uint64_t seed);

}  // namespace fruition::dev

#endif  // FRUITION_TOOLS_FRUITION_SAMPLE_DATA_H_
