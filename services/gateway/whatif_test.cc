// The SPEC §11 what-if (services/gateway/whatif.h), pure: the largest-
// remainder split against exact rational arithmetic (Boost.Multiprecision)
// and against a brute force over every possible split, in thousands of
// random cases up to $1e12 with tiny and huge weights; the bases read from
// public scorecards; units left out; savings against their closed form;
// and every rule of a request.
#include "services/gateway/whatif.h"

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/common/strings.h"
#include "services/gateway/json.h"

namespace fruition::gateway {
namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

// The split as the definition gives it, in exact rationals: quota
// q = total × w / W; floor(q) each; the rest one each to the largest
// fractional parts, equal ones by key.
std::vector<int64_t> RationalReference(int64_t total,
                                       const std::vector<Weight>& parties) {
  cpp_int sum = 0;
  for (const auto& p : parties) sum += p.weight;
  std::vector<int64_t> out(parties.size());
  std::vector<cpp_rational> frac(parties.size());
  int64_t given = 0;
  for (size_t i = 0; i < parties.size(); ++i) {
    const cpp_rational q(cpp_int(total) * parties[i].weight, sum);
    const cpp_int floor = numerator(q) / denominator(q);
    out[i] = static_cast<int64_t>(floor);
    frac[i] = q - cpp_rational(floor);
    given += out[i];
  }
  std::vector<size_t> order(parties.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (frac[a] != frac[b]) return frac[a] > frac[b];
    return parties[a].key < parties[b].key;
  });
  for (int64_t k = 0; k < total - given; ++k) ++out[order[k]];
  return out;
}

// Every split of `total` among the parties; the one nearest the quotas
// (least Σ (a·W − total·w)², which Hamilton's method minimizes), among
// equally near ones the one that gives most to the lowest key first.
std::vector<int64_t> BruteForce(int64_t total,
                                const std::vector<Weight>& parties) {
  int64_t sum = 0;
  for (const auto& p : parties) sum += static_cast<int64_t>(p.weight);
  std::vector<size_t> by_key(parties.size());
  for (size_t i = 0; i < by_key.size(); ++i) by_key[i] = i;
  std::sort(by_key.begin(), by_key.end(), [&](size_t a, size_t b) {
    return parties[a].key < parties[b].key;
  });
  std::vector<int64_t> best, split(parties.size(), 0);
  int64_t best_distance = -1;
  std::function<void(size_t, int64_t)> walk = [&](size_t i, int64_t left) {
    if (i + 1 == parties.size()) {
      split[i] = left;
      int64_t d = 0;
      for (size_t j = 0; j < parties.size(); ++j) {
        const int64_t x =
            split[j] * sum - total * static_cast<int64_t>(parties[j].weight);
        d += x * x;
      }
      bool better = best_distance < 0 || d < best_distance;
      if (d == best_distance) {
        for (size_t j : by_key) {
          if (split[j] != best[j]) {
            better = split[j] > best[j];
            break;
          }
        }
      }
      if (better) {
        best = split;
        best_distance = d;
      }
      return;
    }
    for (int64_t a = 0; a <= left; ++a) {
      split[i] = a;
      walk(i + 1, left - a);
    }
  };
  walk(0, total);
  return best;
}

int64_t Sum(const std::vector<int64_t>& v) {
  int64_t s = 0;
  for (int64_t x : v) s += x;
  return s;
}

std::string Text(const std::vector<int64_t>& v) {
  std::string out;
  for (int64_t x : v) out += StrCat(out.empty() ? "" : ",", x);
  return out;
}

std::string Text(const std::vector<Weight>& v) {
  std::string out;
  for (const auto& w : v) {
    out += StrCat(out.empty() ? "" : ",", w.key, "=", w.weight);
  }
  return out;
}

// Random parties: 1 to 12, weights from one of several regimes (small,
// huge, tiny beside huge, many zeros, all equal), keys unique, in random
// order.
std::vector<Weight> RandomParties(std::mt19937_64& rng) {
  const int n = std::uniform_int_distribution<int>(1, 12)(rng);
  const int regime = std::uniform_int_distribution<int>(0, 4)(rng);
  std::vector<Weight> out;
  const uint64_t same = std::uniform_int_distribution<uint64_t>(1, 1000)(rng);
  for (int i = 0; i < n; ++i) {
    uint64_t w = 0;
    switch (regime) {
      case 0:
        w = std::uniform_int_distribution<uint64_t>(0, 20)(rng);
        break;
      case 1:
        w = std::uniform_int_distribution<uint64_t>(0, uint64_t{1} << 62)(rng);
        break;
      case 2:  // one in three tiny, the rest near 2^62
        w = i % 3 == 0 ? std::uniform_int_distribution<uint64_t>(1, 3)(rng)
                       : (uint64_t{1} << 62) - (rng() % 1000);
        break;
      case 3:
        w = rng() % 2 == 0 ? 0 : rng() % 1000000007;
        break;
      default:
        w = same;
    }
    out.push_back({StrCat("agency:A", 1000 + i * 7 % 97), w});
  }
  if (std::all_of(out.begin(), out.end(),
                  [](const Weight& w) { return w.weight == 0; })) {
    out[0].weight = 1;
  }
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

int64_t RandomTotal(std::mt19937_64& rng) {
  const int64_t max = kMaxWhatIfUsd * 100;
  switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
    case 0:
      return std::uniform_int_distribution<int64_t>(1, 1000)(rng);
    case 1:  // near $1e12 in cents
      return max - std::uniform_int_distribution<int64_t>(0, 10000)(rng);
    case 2:
      return std::uniform_int_distribution<int64_t>(1, max)(rng);
    default:  // awkward: a prime number of cents, or $1e12 exactly
      return rng() % 2 == 0 ? 99999999999973 : max;
  }
}

TEST(LargestRemainderTest, SumsExactlyAndMatchesExactRationalsInRandomCases) {
  std::mt19937_64 rng(20160930);
  for (int c = 0; c < 5000; ++c) {
    const std::vector<Weight> parties = RandomParties(rng);
    const int64_t total = RandomTotal(rng);
    const std::vector<int64_t> got = LargestRemainder(total, parties);
    ASSERT_EQ(Sum(got), total) << "case " << c << ": " << Text(parties);
    ASSERT_EQ(Text(got), Text(RationalReference(total, parties)))
        << "case " << c << " total " << total << ": " << Text(parties);
  }
}

TEST(LargestRemainderTest, IsTheNearestSplitOfAllByBruteForce) {
  // Every weight vector of up to four parties with weights 0 to 3 (3 parties:
  // 0 to 4), every total up to 13: the split chosen is the nearest of all
  // possible splits to the exact quotas, ties to the lowest agency code.
  int cases = 0;
  for (int n = 1; n <= 4; ++n) {
    const int top = n == 4 ? 3 : 4;
    std::vector<Weight> parties(n);
    for (int i = 0; i < n; ++i) {
      parties[i].key = StrCat("agency:", static_cast<char>('D' - i));
    }
    int combos = 1;
    for (int i = 0; i < n; ++i) combos *= top + 1;
    for (int code = 0; code < combos; ++code) {
      int rest = code;
      uint64_t sum = 0;
      for (auto& p : parties) {
        p.weight = rest % (top + 1);
        rest /= top + 1;
        sum += p.weight;
      }
      if (sum == 0) continue;
      for (int64_t total = 1; total <= 13; ++total) {
        ++cases;
        ASSERT_EQ(Text(LargestRemainder(total, parties)),
                  Text(BruteForce(total, parties)))
            << "total " << total << ": " << Text(parties);
      }
    }
  }
  EXPECT_GT(cases, 4000);
}

TEST(LargestRemainderTest, EqualRemaindersGoToTheLowerAgencyCode) {
  const std::vector<Weight> three = {
      {"agency:FBI", 1}, {"agency:ATF", 1}, {"agency:DEA", 1}};
  // 100 cents in thirds: 33 each, the one left to ATF, the lowest code.
  EXPECT_EQ(Text(LargestRemainder(100, three)), "33,34,33");
  // Two left: ATF and DEA.
  EXPECT_EQ(Text(LargestRemainder(101, three)), "33,34,34");
  // $1e12 in thirds, whatever the order given.
  const int64_t max = kMaxWhatIfUsd * 100;
  EXPECT_EQ(Text(LargestRemainder(max, three)),
            "33333333333333,33333333333334,33333333333333");
  // A larger remainder beats a lower code: 5 cents 1:2 is 1.67 and 3.33.
  EXPECT_EQ(Text(LargestRemainder(5, {{"agency:ATF", 1}, {"agency:DEA", 2}})),
            "2,3");
}

TEST(LargestRemainderTest, TinyWeightsBesideHugeOnesAreExact) {
  // Weights past double precision (2^62 + 1 is not a double): a split done
  // in doubles would lose the tiny party's cents or the total's.
  const uint64_t huge = (uint64_t{1} << 62) + 1;
  const std::vector<Weight> parties = {
      {"agency:ATF", 1}, {"agency:DEA", huge}, {"agency:FBI", huge}};
  const int64_t total = kMaxWhatIfUsd * 100 - 1;
  const auto got = LargestRemainder(total, parties);
  EXPECT_EQ(Sum(got), total);
  EXPECT_EQ(Text(got), Text(RationalReference(total, parties)));
  // Every weight zero: nothing to split in proportion to.
  EXPECT_EQ(Text(LargestRemainder(100, {{"agency:ATF", 0}})), "0");
}

// ---- the answer from public scorecards

v1::Indicator* Add(v1::Scorecard* c, const std::string& name, double value,
                   int64_t n, bool defined = true) {
  auto* i = c->add_indicators();
  i->set_name(name);
  if (defined) i->set_value(value);
  i->set_n(n);
  i->set_defined(defined);
  return i;
}

void Withhold(v1::Scorecard* c, const std::string& name) {
  auto* i = c->add_indicators();
  i->set_name(name);
  i->set_suppressed(true);
}

v1::Scorecard Card(const std::string& unit) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period("FY2016");
  c.set_public_view(true);
  return c;
}

v1::WhatIfRequest Allocation(v1::WhatIfBasis basis, int64_t usd) {
  v1::WhatIfRequest r;
  r.set_period("FY2016");
  r.set_total_usd(usd);
  r.set_basis(basis);
  return r;
}

std::string Allocations(const v1::WhatIfResponse& a) {
  std::string out;
  for (const auto& x : a.allocations()) {
    out += StrCat(out.empty() ? "" : " ", x.unit(), "=", x.cents());
  }
  return out;
}

std::string LeftOut(const v1::WhatIfResponse& a) {
  std::string out;
  for (const auto& l : a.left_out()) {
    out += StrCat(out.empty() ? "" : " ", l.unit());
  }
  return out;
}

// Three agencies with every basis published, one with each withheld.
std::vector<v1::Scorecard> Agencies() {
  v1::Scorecard dea = Card("agency:DEA");
  Add(&dea, "sentenced", 300, 300);
  Add(&dea, "weighted_enforcement_value", 2585.0 / 800, 300);
  Add(&dea, "high_desert_share", 0.25, 400);  // k = 100
  Add(&dea, "budget_usd", 2500000000, 2);
  v1::Scorecard fbi = Card("agency:FBI");
  Add(&fbi, "sentenced", 100, 100);
  Add(&fbi, "weighted_enforcement_value", 1416.0 / 800, 100);
  Add(&fbi, "high_desert_share", 1.0 / 3, 300);  // k = 100
  v1::Scorecard atf = Card("agency:ATF");        // nothing usable
  Withhold(&atf, "sentenced");
  Add(&atf, "weighted_enforcement_value", 0, 0, /*defined=*/false);
  Withhold(&atf, "budget_usd");
  return {fbi, atf, dea};  // any order
}

TEST(ComputeWhatIfTest, EachBasisIsItsPublishedNumber) {
  const auto agencies = Agencies();
  // CASELOAD: 300 : 100 of $1000.
  auto a = ComputeWhatIf(Allocation(v1::WHAT_IF_BASIS_CASELOAD, 1000), agencies,
                         nullptr);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(Allocations(*a), "agency:DEA=75000 agency:FBI=25000");
  EXPECT_EQ(a->allocations(0).basis_value(), 300);
  EXPECT_DOUBLE_EQ(a->allocations(0).share(), 0.75);
  EXPECT_EQ(a->total_usd(), 1000);
  EXPECT_TRUE(a->public_view());
  // WEIGHTED_VALUE: the integers 2585 : 1416 of 100 cents: 64.61 and 35.39,
  // the cent left to the larger remainder.
  a = ComputeWhatIf(Allocation(v1::WHAT_IF_BASIS_WEIGHTED_VALUE, 1), agencies,
                    nullptr);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(Allocations(*a), "agency:DEA=65 agency:FBI=35");
  EXPECT_DOUBLE_EQ(a->allocations(0).basis_value(), 3.23125);
  EXPECT_DOUBLE_EQ(a->allocations(1).share(), 1416.0 / 4001);
  // HIGH_DESERT: k = 0.25 × 400 and ⅓ × 300, 100 each: equal, the odd
  // cent to DEA (the lower code).
  a = ComputeWhatIf(Allocation(v1::WHAT_IF_BASIS_HIGH_DESERT, 1), agencies,
                    nullptr);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(Allocations(*a), "agency:DEA=50 agency:FBI=50");
  EXPECT_EQ(a->allocations(1).basis_value(), 100);
  a = ComputeWhatIf(Allocation(v1::WHAT_IF_BASIS_HIGH_DESERT, 1),
                    {agencies[0], agencies[2], Card("agency:CBP")}, nullptr);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(Allocations(*a), "agency:DEA=50 agency:FBI=50");
}

TEST(ComputeWhatIfTest, WithheldUndefinedOrMissingBasesAreLeftOutSayingWhy) {
  const auto agencies = Agencies();
  auto a = ComputeWhatIf(Allocation(v1::WHAT_IF_BASIS_CASELOAD, 7), agencies,
                         nullptr);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(LeftOut(*a), "agency:ATF");
  EXPECT_NE(a->left_out(0).reason().find("sentenced is withheld"),
            std::string::npos)
      << a->left_out(0).reason();
  EXPECT_EQ(Sum({a->allocations(0).cents(), a->allocations(1).cents()}), 700);
  a = ComputeWhatIf(Allocation(v1::WHAT_IF_BASIS_WEIGHTED_VALUE, 7), agencies,
                    nullptr);
  ASSERT_TRUE(a.ok());
  EXPECT_NE(a->left_out(0).reason().find("undefined"), std::string::npos);
  a = ComputeWhatIf(Allocation(v1::WHAT_IF_BASIS_HIGH_DESERT, 7), agencies,
                    nullptr);
  ASSERT_TRUE(a.ok());
  EXPECT_NE(a->left_out(0).reason().find("not on its public scorecard"),
            std::string::npos);
  // The actual budget beside the allocation: only where it is published.
  ASSERT_EQ(a->allocations_size(), 2);
  EXPECT_TRUE(a->allocations(0).has_budget_usd());
  EXPECT_EQ(a->allocations(0).budget_usd(), 2500000000);
  EXPECT_FALSE(a->allocations(1).has_budget_usd());
}

TEST(ComputeWhatIfTest, NothingUsableIsFailedPreconditionNamingTheBasis) {
  const auto agencies = Agencies();
  auto a = ComputeWhatIf(Allocation(v1::WHAT_IF_BASIS_CASELOAD, 7),
                         {agencies[1]}, nullptr);
  EXPECT_EQ(a.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(a.status().message().rfind("basis: ", 0), 0u) << a.status();
  v1::Scorecard none = Card("agency:DEA");
  Add(&none, "sentenced", 0, 0);
  a = ComputeWhatIf(Allocation(v1::WHAT_IF_BASIS_CASELOAD, 7), {none}, nullptr);
  EXPECT_EQ(a.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ComputeWhatIfTest, LagsCurrentWhenACardUsedDoes) {
  auto agencies = Agencies();
  auto a = ComputeWhatIf(Allocation(v1::WHAT_IF_BASIS_CASELOAD, 7), agencies,
                         nullptr);
  EXPECT_FALSE(a->lags_current());
  agencies[0].set_lags_current(true);
  a = ComputeWhatIf(Allocation(v1::WHAT_IF_BASIS_CASELOAD, 7), agencies,
                    nullptr);
  EXPECT_TRUE(a->lags_current());
}

v1::WhatIfRequest CutRequest(bool admissions, double pct) {
  v1::WhatIfRequest r;
  r.set_period("FY2016");
  if (admissions) {
    r.set_lnf_admissions_cut_pct(pct);
  } else {
    r.set_lnf_sentence_cut_pct(pct);
  }
  return r;
}

// A card with the LNF prison time `months` imposed, as scoring publishes
// it (years = months / 12, cost = years × 36299).
v1::Scorecard LnfCard(const std::string& unit, int64_t months, int64_t n) {
  v1::Scorecard c = Card(unit);
  Add(&c, "lnf_prison_years", static_cast<double>(months) / 12.0, n);
  Add(&c, "lnf_cost_usd", static_cast<double>(months) / 12.0 * 36299, n);
  return c;
}

TEST(ComputeWhatIfTest, SavingsArePctOfTheLnfPrisonYearsAndTheirCost) {
  std::mt19937_64 rng(1077);
  for (int c = 0; c < 2000; ++c) {
    const int64_t dea = std::uniform_int_distribution<int64_t>(0, 5000000)(rng);
    const int64_t nat = dea + static_cast<int64_t>(rng() % 9000000);
    const double pct =
        c % 10 == 0 ? static_cast<double>(c % 101)
                    : std::uniform_real_distribution<double>(0, 100)(rng);
    const bool admissions = c % 2 == 0;
    const v1::Scorecard national = LnfCard("national:US", nat, 500);
    auto a = ComputeWhatIf(CutRequest(admissions, pct),
                           {LnfCard("agency:DEA", dea, 40)}, &national);
    ASSERT_TRUE(a.ok()) << a.status();
    ASSERT_EQ(a->units_size(), 1);
    // Closed form: p% of each sentence's months, or of the people (and so
    // of their months): p × months / 1200 years, × 36299 dollars a year.
    const double years = static_cast<double>(dea) * pct / 1200.0;
    EXPECT_NEAR(a->units(0).prison_years_saved(), years, 1e-9 * (1 + years));
    EXPECT_NEAR(a->units(0).usd_saved(), years * 36299,
                1e-9 * (1 + years * 36299));
    const double whole = static_cast<double>(nat) * pct / 1200.0;
    EXPECT_NEAR(a->national().prison_years_saved(), whole, 1e-9 * (1 + whole));
    EXPECT_EQ(a->national().unit(), "national:US");
    EXPECT_EQ(a->has_lnf_admissions_cut_pct(), admissions);
    EXPECT_EQ(a->has_lnf_sentence_cut_pct(), !admissions);
  }
}

TEST(ComputeWhatIfTest, SavingsLeaveOutWithheldUnitsAndNationalToo) {
  v1::Scorecard withheld = Card("agency:ATF");
  Withhold(&withheld, "lnf_prison_years");
  Withhold(&withheld, "lnf_cost_usd");
  v1::Scorecard national = Card("national:US");
  Withhold(&national, "lnf_prison_years");
  auto a =
      ComputeWhatIf(CutRequest(true, 50),
                    {LnfCard("agency:DEA", 1200, 40), withheld}, &national);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->units_size(), 1);
  EXPECT_EQ(a->units(0).prison_years_saved(), 50);
  EXPECT_FALSE(a->has_national());
  EXPECT_EQ(LeftOut(*a), "agency:ATF national:US");
  a = ComputeWhatIf(CutRequest(false, 50), {LnfCard("agency:DEA", 1200, 40)},
                    nullptr);
  EXPECT_EQ(LeftOut(*a), "national:US");
  EXPECT_NE(a->left_out(0).reason().find("no public scorecard"),
            std::string::npos);
  a = ComputeWhatIf(CutRequest(true, 50), {withheld}, &national);
  EXPECT_EQ(a.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(a.status().message().rfind("period: ", 0), 0u) << a.status();
}

// ---- requests

// The message of the error for `body`, or "ok".
std::string BodyError(const std::string& body) {
  auto r = WhatIfRequestFromJson(body);
  if (r.ok()) return "ok";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

TEST(WhatIfRequestTest, EveryBadBodyNamesItsField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"period":"FY2016","totalUsd":1000000000,"basis":"CASELOAD"})", "ok"},
      {R"({"period":"FY2016","totalUsd":1e12,"basis":"WHAT_IF_BASIS_HIGH_DESERT"})",
       "ok"},
      {R"({"period":"FY2016","lnfAdmissionsCutPct":50})", "ok"},
      {R"({"period":"FY2016","lnfSentenceCutPct":0})", "ok"},
      {R"({"period":"FY2016","lnfSentenceCutPct":100})", "ok"},
      {"", "body: "},
      {"[1,2]", "body: "},
      {"{not json", "body: "},
      {R"({"totalUsd":5,"basis":"CASELOAD"})", "period: required"},
      {R"({"period":"FY2016Q1","totalUsd":5,"basis":"CASELOAD"})", "period: "},
      {R"({"period":"2016","totalUsd":5,"basis":"CASELOAD"})", "period: "},
      {R"({"period":7,"totalUsd":5,"basis":"CASELOAD"})", "period: "},
      {R"({"period":"FY2016","totalUsd":0,"basis":"CASELOAD"})", "totalUsd: "},
      {R"({"period":"FY2016","totalUsd":-5,"basis":"CASELOAD"})", "totalUsd: "},
      {R"({"period":"FY2016","totalUsd":10.5,"basis":"CASELOAD"})",
       "totalUsd: "},
      {R"({"period":"FY2016","totalUsd":1000000000001,"basis":"CASELOAD"})",
       "totalUsd: "},
      {R"({"period":"FY2016","totalUsd":"100","basis":"CASELOAD"})",
       "totalUsd: "},
      {R"({"period":"FY2016","totalUsd":100})", "basis: required"},
      {R"({"period":"FY2016","basis":"CASELOAD"})", "totalUsd: required"},
      {R"({"period":"FY2016","totalUsd":100,"basis":"VOLUME"})", "basis: "},
      {R"({"period":"FY2016","totalUsd":100,"basis":"caseload"})", "basis: "},
      {R"({"period":"FY2016","totalUsd":100,"basis":"WHAT_IF_BASIS_UNSPECIFIED"})",
       "basis: "},
      {R"({"period":"FY2016","lnfAdmissionsCutPct":-1})",
       "lnfAdmissionsCutPct: "},
      {R"({"period":"FY2016","lnfSentenceCutPct":100.5})",
       "lnfSentenceCutPct: "},
      {R"({"period":"FY2016","lnfSentenceCutPct":"50"})",
       "lnfSentenceCutPct: "},
      {R"({"period":"FY2016","lnfAdmissionsCutPct":5,"lnfSentenceCutPct":5})",
       "lnfSentenceCutPct: "},
      {R"({"period":"FY2016"})", "totalUsd: required"},
      {R"({"period":"FY2016","basis":"CASELOAD","lnfSentenceCutPct":5})",
       "basis: not with a cut"},
      {R"({"period":"FY2016","totalUsd":5,"basis":"CASELOAD","lnfAdmissionsCutPct":5})",
       "totalUsd: not with a cut"},
      {R"({"period":"FY2016","totalUsd":5,"basis":"CASELOAD","unit":"agency:DEA"})",
       "unit: not a field"},
      {R"({"period":"FY2016","total_usd":5,"basis":"CASELOAD"})",
       "total_usd: not a field"},
  };
  for (const auto& [body, want] : cases) {
    const std::string got = BodyError(body);
    if (want == "ok") {
      EXPECT_EQ(got, "ok") << body;
    } else {
      EXPECT_EQ(got.rfind(want, 0), 0u) << body << " -> " << got;
    }
  }
  auto r = WhatIfRequestFromJson(
      R"({"period":"FY2016","totalUsd":1e12,"basis":"HIGH_DESERT"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total_usd(), kMaxWhatIfUsd);
  EXPECT_EQ(r->basis(), v1::WHAT_IF_BASIS_HIGH_DESERT);
}

TEST(WhatIfRequestTest, GrpcRequestsFollowTheSameRules) {
  v1::WhatIfRequest r = Allocation(v1::WHAT_IF_BASIS_CASELOAD, 1);
  EXPECT_TRUE(CheckWhatIf(r).ok());
  r.set_total_usd(kMaxWhatIfUsd + 1);
  EXPECT_EQ(CheckWhatIf(r).message().rfind("totalUsd: ", 0), 0u);
  r.set_total_usd(5);
  r.set_basis(static_cast<v1::WhatIfBasis>(42));
  EXPECT_EQ(CheckWhatIf(r).message().rfind("basis: ", 0), 0u);
  r = CutRequest(true, std::nan(""));
  EXPECT_EQ(CheckWhatIf(r).message().rfind("lnfAdmissionsCutPct: ", 0), 0u);
}

// ---- the JSON answer

google::protobuf::Struct Parse(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok())
      << json;
  return s;
}

TEST(WhatIfJsonTest, AllocationAndCutShapes) {
  auto a = ComputeWhatIf(Allocation(v1::WHAT_IF_BASIS_CASELOAD, 1000),
                         Agencies(), nullptr);
  ASSERT_TRUE(a.ok());
  const std::string json = WhatIfJson(*a);
  const auto body = Parse(json);
  EXPECT_EQ(body.fields().at("basis").string_value(), "CASELOAD");
  EXPECT_EQ(body.fields().at("view").string_value(), "public");
  EXPECT_EQ(body.fields().at("totalCents").number_value(), 100000);
  const auto& list = body.fields().at("allocations").list_value();
  ASSERT_EQ(list.values_size(), 2);
  const auto& dea = list.values(0).struct_value().fields();
  EXPECT_EQ(dea.at("unit").string_value(), "agency:DEA");
  EXPECT_EQ(dea.at("cents").number_value(), 75000);
  EXPECT_EQ(dea.at("budgetUsd").number_value(), 2500000000);
  const auto& fbi = list.values(1).struct_value().fields();
  EXPECT_EQ(fbi.at("budgetUsd").kind_case(),
            google::protobuf::Value::kNullValue);
  EXPECT_NE(json.find("\"cents\":75000"), std::string::npos) << json;
  const auto& left = body.fields().at("leftOut").list_value();
  ASSERT_EQ(left.values_size(), 1);
  EXPECT_EQ(left.values(0).struct_value().fields().at("unit").string_value(),
            "agency:ATF");

  auto c = ComputeWhatIf(CutRequest(false, 25),
                         {LnfCard("agency:DEA", 1200, 40)}, nullptr);
  ASSERT_TRUE(c.ok());
  const auto cut = Parse(WhatIfJson(*c));
  EXPECT_EQ(cut.fields().at("lnfSentenceCutPct").number_value(), 25);
  EXPECT_EQ(cut.fields().count("lnfAdmissionsCutPct"), 0u);
  EXPECT_EQ(cut.fields().count("basis"), 0u);
  EXPECT_EQ(cut.fields().at("national").kind_case(),
            google::protobuf::Value::kNullValue);
  const auto& unit =
      cut.fields().at("units").list_value().values(0).struct_value().fields();
  EXPECT_EQ(unit.at("prisonYearsSaved").number_value(), 25);
  EXPECT_EQ(unit.at("lnfPrisonYears").number_value(), 100);
}

}  // namespace
}  // namespace fruition::gateway
