// The per-category counts and the sentence histogram of a unit-period's
// components (internal.Components), by name: what scoring's facts write and
// the indicator registry reads (`function:OFFENSE_FUNCTION_COURIER`,
// `criminal_history:3`, `drug:DRUG_FENTANYL`, `origin:CASE_ORIGIN_WIRETAP`,
// `origin_lnf:CASE_ORIGIN_WIRETAP`). Stored as arrays (see scoring.proto);
// these functions keep them canonical (trailing zeros trimmed, the
// histogram sorted without zero counts), so equal counts serialize equally.
//
// Pure; thread-compatible.
#ifndef FRUITION_SERVICES_DOMAIN_TALLIES_H_
#define FRUITION_SERVICES_DOMAIN_TALLIES_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "fruition/internal/scoring.pb.h"

namespace fruition::domain {

// The count of `key` (0 for an unknown key or category).
int64_t TallyOf(const internal::Components& c, std::string_view key);

// Whether `key` names a tally (a known family and member).
bool IsTally(std::string_view key);

// Adds `delta` to the count of `key`; false (and nothing changed) for an
// unknown key.
bool AddTally(internal::Components* c, std::string_view key, int64_t delta);

// The families, for writers that hold the member's number (an enum value,
// or a criminal history category) rather than its name.
enum class TallyFamily {
  kFunction,
  kCriminalHistory,
  kDrug,
  kOrigin,
  kOriginLnf
};

// Adds `delta` to member `index` of `family` (0 <= index < 64; others are
// ignored).
void AddTally(internal::Components* c, TallyFamily family, int index,
              int64_t delta);

// Adds `delta` people with a sentence of `months` to the histogram.
void AddSentence(internal::Components* c, int64_t months, int64_t delta);

// The histogram: (months, people) ascending.
std::vector<std::pair<int64_t, int64_t>> SentenceHistogram(
    const internal::Components& c);

// a += sign × b for every tally and the histogram.
void AddTallies(const internal::Components& b, int64_t sign,
                internal::Components* a);

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_TALLIES_H_
