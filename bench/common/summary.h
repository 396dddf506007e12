// What bench/run-all collects from every bench: one machine-readable line
// per headline number, and the percentiles the latency benches report.
#ifndef FRUITION_BENCH_COMMON_SUMMARY_H_
#define FRUITION_BENCH_COMMON_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace fruition::bench {

// One row of bench/run-all's table. `ratio` and `met` may be "—" where the
// bench has no yardstick or no aim.
struct Summary {
  std::string bench;      // "e2e", "reconciler", ...
  std::string what;       // what `ours` counts, with its unit
  std::string ours;       // our number
  std::string yardstick;  // what it is compared with ("" when nothing)
  std::string ratio;      // ours ÷ yardstick
  std::string aim;        // the aim, in words
  std::string met;        // "yes", "no" or "—"
};

// "SUMMARY|bench|what|ours|yardstick|ratio|aim|met": fields never hold '|'
// or a newline (they are replaced by '/' and ' '), so run-all splits the
// line at '|' (bench/run-all).
std::string SummaryLine(const Summary& s);

// Prints SummaryLine(s) on stdout and, unless `file` is empty, appends it
// there (a bench's --summary FILE).
void EmitSummary(const Summary& s, const std::string& file);

// The value at quantile `q` (0..1) of `sorted` (ascending, nearest rank);
// 0 for an empty vector.
int64_t Quantile(const std::vector<int64_t>& sorted, double q);

}  // namespace fruition::bench

#endif  // FRUITION_BENCH_COMMON_SUMMARY_H_
