// The CPU cost of the public view (SPEC §5 D1–D4) per scorecard, against
// the cost of computing the restricted scorecard itself (the raw
// component: domain::ComputeIndicators, as scoring runs it) in the same run.
//
//   bazel run -c opt //bench:disclosure_bench -- [units_per_kind] [repeats]
//
// A synthetic fiscal year like a national one: 12 agencies with 5 field
// offices each, 94 districts, national:US, each in the fiscal year and its
// four quarters; counts drawn from a fixed seed so that every rule has work
// (small cells, complementary partners, shares near both edges).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "fruition/internal/scoring.pb.h"
#include "services/domain/disclosure.h"
#include "services/domain/indicators.h"

namespace fruition {
namespace {

using Clock = std::chrono::steady_clock;

internal::Components RandomComponents(std::mt19937_64& rng, int64_t scale) {
  std::uniform_int_distribution<int64_t> people(0, scale);
  internal::Components c;
  const int64_t sentenced = people(rng);
  auto part = [&](int64_t of) {
    return of == 0 ? 0 : std::uniform_int_distribution<int64_t>(0, of)(rng);
  };
  c.set_arrests(sentenced + part(scale / 2 + 1));
  c.set_claimed(part(c.arrests()));
  c.set_substantiated(part(c.claimed()));
  c.set_sentenced(sentenced);
  c.set_desert_sum(sentenced * 23);
  c.set_high_desert(part(sentenced));
  c.set_lnf(part(sentenced));
  c.set_ch1(part(sentenced));
  c.set_weapon(part(sentenced));
  c.set_aggravating(part(sentenced));
  c.set_claimed_priority(part(sentenced));
  c.set_wev_x800(sentenced * 1234);
  c.set_lnf_months(c.lnf() * 40);
  return c;
}

int Main(int argc, char** argv) {
  const int agencies = argc > 1 ? std::atoi(argv[1]) : 12;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 20;
  std::mt19937_64 rng(20170601);
  std::vector<std::pair<std::string, int64_t>> units;  // unit, scale
  for (int a = 0; a < agencies; ++a) {
    units.push_back({"agency:A" + std::to_string(a), 400});
    for (int f = 0; f < 5; ++f) {
      units.push_back(
          {"field_office:A" + std::to_string(a) + "-F" + std::to_string(f),
           (f == 4) ? 12 : 80});
    }
  }
  for (int d = 0; d < 94; ++d) {
    units.push_back({"district:D" + std::to_string(d), d % 7 == 0 ? 9 : 60});
  }
  units.push_back({"national:US", 4000});
  const std::vector<std::string> periods = {"FY2016", "FY2016Q1", "FY2016Q2",
                                            "FY2016Q3", "FY2016Q4"};
  std::vector<internal::Components> components;
  for (size_t i = 0; i < units.size() * periods.size(); ++i) {
    components.push_back(RandomComponents(
        rng, units[i / periods.size()].second / (i % 5 == 0 ? 1 : 4) + 1));
  }

  // The raw component: the restricted scorecards themselves.
  std::map<domain::UnitPeriod, domain::PublicInput> in;
  const auto raw_start = Clock::now();
  for (int r = 0; r < repeats; ++r) {
    size_t i = 0;
    for (const auto& [unit, scale] : units) {
      for (const std::string& period : periods) {
        v1::Scorecard card;
        card.set_unit(unit);
        card.set_period(period);
        for (auto& cell : domain::ComputeIndicators({components[i++]})) {
          *card.add_indicators() = std::move(cell);
        }
        domain::PublicInput& input = in[{unit, period}];
        input.base = std::move(card);
        input.has_base = true;
        if (unit.rfind("field_office:", 0) == 0) {
          input.parents = {"agency:" + unit.substr(13, unit.find('-') - 13)};
        }
      }
    }
  }
  const double raw_s =
      std::chrono::duration<double>(Clock::now() - raw_start).count();

  size_t suppressed = 0, cells = 0;
  const auto pub_start = Clock::now();
  for (int r = 0; r < repeats; ++r) {
    auto out = domain::ComputePublicViews(in);
    if (r == 0) {
      for (const auto& [up, o] : out) {
        for (const auto& c : o.card.indicators()) {
          ++cells;
          suppressed += c.suppressed() ? 1 : 0;
        }
      }
    }
  }
  const double pub_s =
      std::chrono::duration<double>(Clock::now() - pub_start).count();
  const double n = static_cast<double>(in.size()) * repeats;
  std::printf("unit-periods per fiscal year: %zu (repeats %d)\n", in.size(),
              repeats);
  std::printf("restricted scorecard (ComputeIndicators): %8.2f us/scorecard\n",
              raw_s / n * 1e6);
  std::printf("public view (D1-D3 + versions, whole FY): %8.2f us/scorecard\n",
              pub_s / n * 1e6);
  std::printf("ratio public/restricted: %.2f\n", pub_s / raw_s);
  std::printf("cells suppressed: %zu of %zu\n", suppressed, cells);
  return 0;
}

}  // namespace
}  // namespace fruition

int main(int argc, char** argv) { return fruition::Main(argc, argv); }
