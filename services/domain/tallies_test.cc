#include "services/domain/tallies.h"

#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace fruition::domain {
namespace {

using internal::Components;
using Histogram = std::vector<std::pair<int64_t, int64_t>>;

TEST(TalliesTest, ByNameInTheirFamilyArrays) {
  Components c;
  EXPECT_TRUE(AddTally(&c, "function:OFFENSE_FUNCTION_COURIER", 2));
  EXPECT_TRUE(AddTally(&c, "criminal_history:6", 1));
  EXPECT_TRUE(AddTally(&c, "drug:DRUG_FENTANYL", 3));
  EXPECT_TRUE(AddTally(&c, "origin:CASE_ORIGIN_WIRETAP", 4));
  EXPECT_TRUE(AddTally(&c, "origin_lnf:CASE_ORIGIN_WIRETAP", 1));
  EXPECT_EQ(TallyOf(c, "function:OFFENSE_FUNCTION_COURIER"), 2);
  EXPECT_EQ(TallyOf(c, "function:OFFENSE_FUNCTION_USER"), 0);
  EXPECT_EQ(TallyOf(c, "criminal_history:6"), 1);
  EXPECT_EQ(TallyOf(c, "criminal_history:1"), 0);
  EXPECT_EQ(TallyOf(c, "drug:DRUG_FENTANYL"), 3);
  EXPECT_EQ(TallyOf(c, "origin:CASE_ORIGIN_WIRETAP"), 4);
  EXPECT_EQ(TallyOf(c, "origin_lnf:CASE_ORIGIN_WIRETAP"), 1);
  EXPECT_EQ(c.criminal_history_counts_size(), 7);
  // Unknown keys: nothing counted, nothing read.
  for (const char* bad : {"function:COURIER", "criminal_history:7",
                          "criminal_history:0", "weight:1", "function"}) {
    EXPECT_FALSE(AddTally(&c, bad, 1)) << bad;
    EXPECT_EQ(TallyOf(c, bad), 0) << bad;
    EXPECT_FALSE(IsTally(bad)) << bad;
  }
  EXPECT_TRUE(IsTally("drug:DRUG_OTHER"));
}

TEST(TalliesTest, SumsAreCanonical) {
  // Adding and removing the same person leaves what was there, byte for
  // byte: no trailing zeros, no zero counts in the histogram.
  Components person;
  AddTally(&person, "function:OFFENSE_FUNCTION_USER", 1);
  AddTally(&person, "criminal_history:3", 1);
  AddSentence(&person, 240, 1);
  Components total;
  AddTally(&total, "function:OFFENSE_FUNCTION_COURIER", 5);
  AddSentence(&total, 60, 5);
  AddSentence(&total, 300, 1);
  const std::string before = total.SerializeAsString();
  AddTallies(person, 1, &total);
  EXPECT_EQ(TallyOf(total, "function:OFFENSE_FUNCTION_USER"), 1);
  EXPECT_EQ(SentenceHistogram(total), (Histogram{{60, 5}, {240, 1}, {300, 1}}));
  AddTallies(person, -1, &total);
  EXPECT_EQ(total.SerializeAsString(), before);
  EXPECT_EQ(SentenceHistogram(total), (Histogram{{60, 5}, {300, 1}}));
  EXPECT_EQ(total.criminal_history_counts_size(), 0);
}

TEST(TalliesTest, HistogramMergesInOrder) {
  Components a, b;
  for (int64_t m : {12, 60, 120}) AddSentence(&a, m, 1);
  for (int64_t m : {6, 60, 130}) AddSentence(&b, m, 2);
  AddTallies(b, 1, &a);
  EXPECT_EQ(SentenceHistogram(a),
            (Histogram{{6, 2}, {12, 1}, {60, 3}, {120, 1}, {130, 2}}));
  AddSentence(&a, 60, -3);
  EXPECT_EQ(SentenceHistogram(a),
            (Histogram{{6, 2}, {12, 1}, {120, 1}, {130, 2}}));
}

}  // namespace
}  // namespace fruition::domain
