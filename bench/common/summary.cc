#include "bench/common/summary.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>

namespace fruition::bench {
namespace {

std::string Field(std::string s) {
  for (char& c : s) {
    if (c == '|') c = '/';
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s.empty() ? "—" : s;
}

}  // namespace

std::string SummaryLine(const Summary& s) {
  std::string out = "SUMMARY";
  for (const std::string* f :
       {&s.bench, &s.what, &s.ours, &s.yardstick, &s.ratio, &s.aim, &s.met}) {
    out += "|" + Field(*f);
  }
  return out;
}

void EmitSummary(const Summary& s, const std::string& file) {
  const std::string line = SummaryLine(s);
  std::cout << line << std::endl;
  if (!file.empty()) std::ofstream(file, std::ios::app) << line << "\n";
}

int64_t Quantile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least q of the values at or
  // below it.
  const double rank = std::ceil(q * static_cast<double>(sorted.size()));
  const size_t i = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace fruition::bench
