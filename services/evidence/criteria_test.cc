// Table-driven tests of the uniform link-sufficiency criteria (SPEC §3) as
// interpreted by the contract at the top of services/evidence/criteria.h:
// every boundary of C1–C6, the result rule, order independence, and the
// rulebook as versioned data (DefaultRulebook, ParseRulebook, LoadRulebook).
//
// Every verdict test starts from Good() (SUBSTANTIATED under v1) and changes
// one thing, so each case names exactly what moves the verdict.
#include "services/evidence/criteria.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fruition/v1/enums.pb.h"
#include "fruition/v1/reports.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/domain/tier_histories.h"

namespace fruition::evidence {
namespace {

using ::testing::HasSubstr;
using ::testing::ValuesIn;
using v1::AssessmentResult;
using v1::EvidenceKind;
using v1::Tier;

// The claim's occurred_at in every test: 2016-01-01T00:00:00Z.
constexpr int64_t kClaim = 1451606400;
constexpr int64_t kDay = 86400;
// SPEC §3 C6 window of the v1 rulebook.
constexpr int64_t kWindow = 730 * kDay;

constexpr AssessmentResult kSubstantiated = v1::ASSESSMENT_RESULT_SUBSTANTIATED;
constexpr AssessmentResult kPartial = v1::ASSESSMENT_RESULT_PARTIAL;
constexpr AssessmentResult kUnsubstantiated =
    v1::ASSESSMENT_RESULT_UNSUBSTANTIATED;

constexpr EvidenceKind kWiretap = v1::EVIDENCE_KIND_WIRETAP_INTERCEPT;
constexpr EvidenceKind kControlledBuy = v1::EVIDENCE_KIND_CONTROLLED_BUY;
constexpr EvidenceKind kSeizureTrace = v1::EVIDENCE_KIND_SEIZURE_TRACE;
constexpr EvidenceKind kFinancial = v1::EVIDENCE_KIND_FINANCIAL_RECORD;
constexpr EvidenceKind kComms = v1::EVIDENCE_KIND_COMMUNICATIONS_RECORD;
constexpr EvidenceKind kSurveillance = v1::EVIDENCE_KIND_SURVEILLANCE;
constexpr EvidenceKind kCooperator = v1::EVIDENCE_KIND_COOPERATOR_STATEMENT;
constexpr EvidenceKind kTip = v1::EVIDENCE_KIND_INFORMANT_TIP;

// SPEC §3 C3 and C4, spelled out independently of the implementation.
const std::set<EvidenceKind>& SpecDirectKinds() {
  static const auto* kinds = new std::set<EvidenceKind>{
      kWiretap, kControlledBuy, kSeizureTrace, kFinancial, kComms};
  return *kinds;
}
const std::set<EvidenceKind>& SpecTestimonyKinds() {
  static const auto* kinds = new std::set<EvidenceKind>{kCooperator, kTip};
  return *kinds;
}

// ---------------------------------------------------------------------------
// Fixture helpers.

Item MakeItem(const std::string& id, EvidenceKind kind,
              const std::string& source, int64_t observed_at,
              const std::vector<std::string>& corroborates = {}) {
  Item item;
  item.item.set_evidence_id(id);
  item.item.set_kind(kind);
  item.item.set_source_id(source);
  item.item.mutable_observed_at()->set_seconds(observed_at);
  for (const std::string& c : corroborates) item.item.add_corroborates(c);
  return item;
}

// The same item arriving by EvidenceAdded.
Item Added(Item item) {
  item.via_evidence_added = true;
  return item;
}

Designation Designate(int64_t at, Tier tier) {
  Designation d;
  d.occurred_at = at;
  d.tier = tier;
  return d;
}

Designation Revoke(int64_t at, Tier tier) {
  Designation d = Designate(at, tier);
  d.revoked = true;
  return d;
}

// SUBSTANTIATED under v1: the org was designated CPOT 100 days before the
// claim, hops 1 (limit 2), a wiretap from source A and a surveillance item
// from source B observed in the month before the claim, no testimony.
ClaimFacts Good() {
  ClaimFacts f;
  f.occurred_at = kClaim;
  f.hops = 1;
  f.designations = {Designate(kClaim - 100 * kDay, v1::TIER_CPOT)};
  f.items = {MakeItem("e1", kWiretap, "src-A", kClaim - 10 * kDay),
             MakeItem("e2", kSurveillance, "src-B", kClaim - 5 * kDay)};
  return f;
}

// Sets every item's observed_at.
void ObserveAllAt(ClaimFacts& f, int64_t at) {
  for (Item& i : f.items) i.item.mutable_observed_at()->set_seconds(at);
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) {
    if (!out.empty()) out += ",";
    out += s;
  }
  return out;
}

std::string Describe(const Assessment& a) {
  std::ostringstream out;
  out << "{result=" << v1::AssessmentResult_Name(a.result) << " failed=["
      << Join(a.failed) << "] tier=" << v1::Tier_Name(a.tier)
      << " evidence_ids=[" << Join(a.evidence_ids) << "]}";
  return out.str();
}

bool SameAssessment(const Assessment& a, const Assessment& b) {
  return a.result == b.result && a.failed == b.failed && a.tier == b.tier &&
         a.evidence_ids == b.evidence_ids;
}

// Every distinct evidence_id of the facts, ascending (the header's contract
// for Assessment.evidence_ids).
std::vector<std::string> DistinctIds(const ClaimFacts& f) {
  std::set<std::string> ids;
  for (const Item& i : f.items) ids.insert(i.item.evidence_id());
  return {ids.begin(), ids.end()};
}

// The result SPEC §3 derives from a failed list.
AssessmentResult ResultFor(const std::vector<std::string>& failed) {
  if (failed.empty()) return kSubstantiated;
  const bool c1 = std::find(failed.begin(), failed.end(), "C1") != failed.end();
  if (!c1 && failed.size() == 1) return kPartial;
  return kUnsubstantiated;
}

// Checks the invariants every assessment must meet: evidence_ids are the
// distinct ids ascending, failed is ascending and distinct, and the result
// follows from failed.
::testing::AssertionResult WellFormed(const ClaimFacts& f,
                                      const Assessment& a) {
  if (a.evidence_ids != DistinctIds(f)) {
    return ::testing::AssertionFailure()
           << "evidence_ids [" << Join(a.evidence_ids) << "], want ["
           << Join(DistinctIds(f)) << "]";
  }
  std::set<std::string> distinct(a.failed.begin(), a.failed.end());
  if (!std::is_sorted(a.failed.begin(), a.failed.end()) ||
      distinct.size() != a.failed.size()) {
    return ::testing::AssertionFailure()
           << "failed not ascending and distinct: [" << Join(a.failed) << "]";
  }
  for (const std::string& c : a.failed) {
    if (c.size() != 2 || c[0] != 'C' || c[1] < '1' || c[1] > '6') {
      return ::testing::AssertionFailure() << "bad criterion id " << c;
    }
  }
  if (a.result != ResultFor(a.failed)) {
    return ::testing::AssertionFailure()
           << "result " << v1::AssessmentResult_Name(a.result)
           << " does not follow from failed [" << Join(a.failed) << "]";
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------
// Verdict tables: each case mutates Good() and states the whole verdict.

struct Case {
  std::string name;
  std::function<void(ClaimFacts&)> mutate;
  AssessmentResult result;
  std::vector<std::string> failed;
  Tier tier = v1::TIER_CPOT;
};

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return info.param.name;
}

// Names a case in gtest's output instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class AssessTest : public ::testing::TestWithParam<Case> {};

TEST_P(AssessTest, Verdict) {
  const Case& c = GetParam();
  ClaimFacts f = Good();
  c.mutate(f);
  const Assessment a = Assess(DefaultRulebook(), f);
  EXPECT_EQ(a.result, c.result) << Describe(a);
  EXPECT_EQ(a.failed, c.failed) << Describe(a);
  EXPECT_EQ(a.tier, c.tier) << Describe(a);
  EXPECT_TRUE(WellFormed(f, a)) << Describe(a);
}

// The fixture itself.
std::vector<Case> BaseCases() {
  return {
      {"Good", [](ClaimFacts&) {}, kSubstantiated, {}},
  };
}
INSTANTIATE_TEST_SUITE_P(Base, AssessTest, ValuesIn(BaseCases()), CaseName);

// C1: the latest OrgDesignated at or before the claim decides; at equal
// times a revocation comes after a designation.
std::vector<Case> C1Cases() {
  const Tier cpot = v1::TIER_CPOT;
  return {
      {"DesignatedBeforeClaim",
       [](ClaimFacts& f) {
         f.designations = {Designate(kClaim - 1, v1::TIER_CPOT)};
       },
       kSubstantiated,
       {}},
      {"DesignatedAtClaimTime",
       [](ClaimFacts& f) {
         f.designations = {Designate(kClaim, v1::TIER_CPOT)};
       },
       kSubstantiated,
       {}},
      // The tier is still the org's latest designation (C5 passes).
      {"DesignatedOneSecondAfterClaim",
       [](ClaimFacts& f) {
         f.designations = {Designate(kClaim + 1, v1::TIER_CPOT)};
       },
       kUnsubstantiated,
       {"C1"}},
      {"DesignatedLongAfterClaim",
       [](ClaimFacts& f) {
         f.designations = {Designate(kClaim + 30 * kDay, v1::TIER_CPOT)};
       },
       kUnsubstantiated,
       {"C1"}},
      // C1 fails although C2–C6 all pass: UNSUBSTANTIATED, not PARTIAL.
      {"RevokedBeforeClaim",
       [](ClaimFacts& f) {
         f.designations.push_back(Revoke(kClaim - 1, v1::TIER_CPOT));
       },
       kUnsubstantiated,
       {"C1"}},
      {"RevokedAtClaimTime",
       [](ClaimFacts& f) {
         f.designations.push_back(Revoke(kClaim, v1::TIER_CPOT));
       },
       kUnsubstantiated,
       {"C1"}},
      {"RevokedOneSecondAfterClaim",
       [](ClaimFacts& f) {
         f.designations.push_back(Revoke(kClaim + 1, v1::TIER_CPOT));
       },
       kSubstantiated,
       {}},
      {"RedesignatedAfterRevocationBeforeClaim",
       [](ClaimFacts& f) {
         f.designations = {Designate(kClaim - 100 * kDay, v1::TIER_CPOT),
                           Revoke(kClaim - 50 * kDay, v1::TIER_CPOT),
                           Designate(kClaim - 1 * kDay, v1::TIER_CPOT)};
       },
       kSubstantiated,
       {}},
      {"RedesignatedAtClaimTimeAfterRevocation",
       [](ClaimFacts& f) {
         f.designations = {Designate(kClaim - 100 * kDay, v1::TIER_CPOT),
                           Revoke(kClaim - 50 * kDay, v1::TIER_CPOT),
                           Designate(kClaim, v1::TIER_CPOT)};
       },
       kSubstantiated,
       {}},
      {"RedesignatedOnlyAfterClaim",
       [](ClaimFacts& f) {
         f.designations = {Designate(kClaim - 100 * kDay, v1::TIER_CPOT),
                           Revoke(kClaim - 50 * kDay, v1::TIER_CPOT),
                           Designate(kClaim + 1, v1::TIER_CPOT)};
       },
       kUnsubstantiated,
       {"C1"}},
      {"DesignatedAndRevokedSameSecond",
       [](ClaimFacts& f) {
         f.designations = {Designate(kClaim - 10 * kDay, v1::TIER_CPOT),
                           Revoke(kClaim - 10 * kDay, v1::TIER_CPOT)};
       },
       kUnsubstantiated,
       {"C1"}},
      {"RevokedAndDesignatedSameSecondRevocationListedFirst",
       [](ClaimFacts& f) {
         f.designations = {Revoke(kClaim - 10 * kDay, v1::TIER_CPOT),
                           Designate(kClaim - 10 * kDay, v1::TIER_CPOT)};
       },
       kUnsubstantiated,
       {"C1"}},
      {"DesignatedAndRevokedSameSecondAsClaim",
       [](ClaimFacts& f) {
         f.designations = {Designate(kClaim, v1::TIER_CPOT),
                           Revoke(kClaim, v1::TIER_CPOT)};
       },
       kUnsubstantiated,
       {"C1"}},
      {"RedesignatedSameSecondAsRevocation",
       [](ClaimFacts& f) {
         f.designations = {Designate(kClaim - 100 * kDay, v1::TIER_CPOT),
                           Designate(kClaim - 10 * kDay, v1::TIER_CPOT),
                           Revoke(kClaim - 10 * kDay, v1::TIER_CPOT)};
       },
       kUnsubstantiated,
       {"C1"}},
      // No designation: C1 fails, and there is no hop limit to meet (C5).
      {"NeverDesignated",
       [](ClaimFacts& f) { f.designations.clear(); },
       kUnsubstantiated,
       {"C1", "C5"},
       v1::TIER_UNSPECIFIED},
      {"NeverDesignatedHopsZero",
       [](ClaimFacts& f) {
         f.designations.clear();
         f.hops = 0;
       },
       kUnsubstantiated,
       {"C1", "C5"},
       v1::TIER_UNSPECIFIED},
      {"DesignatedTwiceBeforeClaim",
       [cpot](ClaimFacts& f) {
         f.designations.push_back(Designate(kClaim - 1 * kDay, cpot));
       },
       kSubstantiated,
       {}},
  };
}
INSTANTIATE_TEST_SUITE_P(C1, AssessTest, ValuesIn(C1Cases()), CaseName);

// C1's receipt window (v1: 30 days): a designation counts only if received
// at most 30 days after the claim was received, whatever its occurred_at.
constexpr int64_t kReceived = kClaim + 3 * kDay;  // the claim's received_at

// The designation dated 100 days before the claim, received `after` seconds
// after the claim was.
void DesignationReceived(ClaimFacts& f, int64_t after) {
  f.received_at = kReceived;
  f.designations = {Designate(kClaim - 100 * kDay, v1::TIER_CPOT)};
  f.designations[0].received_at = kReceived + after;
}

std::vector<Case> C1WindowCases() {
  return {
      {"DesignationReceivedBeforeClaim",
       [](ClaimFacts& f) { DesignationReceived(f, -200 * kDay); },
       kSubstantiated,
       {}},
      {"DesignationReceivedExactly30DaysAfterClaim",
       [](ClaimFacts& f) { DesignationReceived(f, 30 * kDay); },
       kSubstantiated,
       {}},
      {"DesignationReceived30DaysAndASecondAfterClaim",
       [](ClaimFacts& f) { DesignationReceived(f, 30 * kDay + 1); },
       kUnsubstantiated,
       {"C1"}},
      // The backdating attack: sent 60 days after the claim, dated before it.
      // The tier still comes from it (SPEC §5): only C1 fails.
      {"BackdatedDesignationReceived60DaysAfterClaim",
       [](ClaimFacts& f) { DesignationReceived(f, 60 * kDay); },
       kUnsubstantiated,
       {"C1"}},
      // An earlier designation received in time still carries the claim.
      {"LateDesignationBesideOneInTime",
       [](ClaimFacts& f) {
         DesignationReceived(f, 60 * kDay);
         f.designations.push_back(
             Designate(kClaim - 200 * kDay, v1::TIER_CPOT));
         f.designations.back().received_at = kReceived - 190 * kDay;
       },
       kSubstantiated,
       {}},
      // A late re-designation cannot undo a revocation received in time.
      {"LateRedesignationAfterRevocation",
       [](ClaimFacts& f) {
         DesignationReceived(f, 0);
         f.designations.push_back(Revoke(kClaim - 50 * kDay, v1::TIER_CPOT));
         f.designations.back().received_at = kReceived;
         f.designations.push_back(Designate(kClaim - 10 * kDay, v1::TIER_CPOT));
         f.designations.back().received_at = kReceived + 60 * kDay;
       },
       kUnsubstantiated,
       {"C1"}},
      // Revocations count whenever received.
      {"RevocationReceivedLateStillCounts",
       [](ClaimFacts& f) {
         DesignationReceived(f, 0);
         f.designations.push_back(Revoke(kClaim - 50 * kDay, v1::TIER_CPOT));
         f.designations.back().received_at = kReceived + 90 * kDay;
       },
       kUnsubstantiated,
       {"C1"}},
  };
}
INSTANTIATE_TEST_SUITE_P(C1Window, AssessTest, ValuesIn(C1WindowCases()),
                         CaseName);

TEST(C1Window, ReasonSaysTheDesignationCameTooLate) {
  ClaimFacts f = Good();
  DesignationReceived(f, 60 * kDay);
  const Assessment late = Assess(DefaultRulebook(), f);
  ASSERT_EQ(late.reasons.size(), 1u);
  EXPECT_THAT(late.reasons[0], HasSubstr("received more than 30 days after"));
  f.designations.clear();
  const Assessment none = Assess(DefaultRulebook(), f);
  ASSERT_FALSE(none.reasons.empty());
  EXPECT_THAT(none.reasons[0], HasSubstr("not a designated priority target"));
}

// C2: at least 2 counted items from at least 2 distinct source_ids.
std::vector<Case> C2Cases() {
  return {
      {"TwoItemsTwoSources", [](ClaimFacts&) {}, kSubstantiated, {}},
      {"TwoItemsOneSource",
       [](ClaimFacts& f) { f.items[1].item.set_source_id("src-A"); },
       kPartial,
       {"C2"}},
      {"ThreeItemsOneSource",
       [](ClaimFacts& f) {
         f.items[1].item.set_source_id("src-A");
         f.items.push_back(
             MakeItem("e3", kControlledBuy, "src-A", kClaim - kDay));
       },
       kPartial,
       {"C2"}},
      {"ThreeItemsTwoSources",
       [](ClaimFacts& f) {
         f.items.push_back(
             MakeItem("e3", kControlledBuy, "src-A", kClaim - kDay));
       },
       kSubstantiated,
       {}},
      {"SingleItem",
       [](ClaimFacts& f) { f.items.resize(1); },
       kPartial,
       {"C2"}},
      // The second e1 (another source) is the same item as the first: one
      // item, so C2 fails.
      {"DuplicateEvidenceIdCountedOnce",
       [](ClaimFacts& f) { f.items[1].item.set_evidence_id("e1"); },
       kPartial,
       {"C2"}},
      {"DuplicateEvidenceIdViaEvidenceAddedCountedOnce",
       [](ClaimFacts& f) {
         f.items[1] =
             Added(MakeItem("e1", kSurveillance, "src-B", kClaim - 5 * kDay));
       },
       kPartial,
       {"C2"}},
      // Same id, first in the order given wins: the later uncorroborated
      // cooperator statement is not an item of the claim.
      {"DuplicateEvidenceIdFirstWins",
       [](ClaimFacts& f) {
         f.items.push_back(
             Added(MakeItem("e2", kCooperator, "src-C", kClaim - kDay)));
       },
       kSubstantiated,
       {}},
      {"DuplicateEvidenceIdFirstWinsTestimonyFirst",
       [](ClaimFacts& f) {
         f.items = {MakeItem("e1", kWiretap, "src-A", kClaim - 10 * kDay),
                    MakeItem("e2", kCooperator, "src-C", kClaim - kDay),
                    MakeItem("e2", kSurveillance, "src-B", kClaim - 5 * kDay)};
       },
       kPartial,
       {"C4"}},
      // A second source only after the claim (claim item) does not count.
      {"SecondSourceOnlyPostDated",
       [](ClaimFacts& f) {
         f.items[1].item.mutable_observed_at()->set_seconds(kClaim + 1);
       },
       kPartial,
       {"C2"}},
      {"SecondSourceViaEvidenceAdded",
       [](ClaimFacts& f) { f.items[1] = Added(f.items[1]); },
       kSubstantiated,
       {}},
  };
}
INSTANTIATE_TEST_SUITE_P(C2, AssessTest, ValuesIn(C2Cases()), CaseName);

// C3: one case per EvidenceKind value of enums.proto. A direct kind alone
// (next to a surveillance item) passes; two items of one non-direct kind
// from two sources (testimony corroborating each other, so only C3 is at
// stake) fail C3.
std::vector<Case> C3Cases() {
  std::vector<Case> cases;
  const auto* desc = v1::EvidenceKind_descriptor();
  for (int i = 0; i < desc->value_count(); ++i) {
    const auto kind = static_cast<EvidenceKind>(desc->value(i)->number());
    if (kind == v1::EVIDENCE_KIND_UNSPECIFIED) continue;
    const std::string name = desc->value(i)->name();
    if (SpecDirectKinds().count(kind) > 0) {
      cases.push_back(
          {"DirectAlone_" + name,
           [kind](ClaimFacts& f) {
             f.items = {
                 MakeItem("e1", kind, "src-A", kClaim - 10 * kDay),
                 MakeItem("e2", kSurveillance, "src-B", kClaim - 5 * kDay)};
           },
           kSubstantiated,
           {}});
    } else {
      cases.push_back(
          {"OnlyIndirect_" + name,
           [kind](ClaimFacts& f) {
             f.items = {
                 MakeItem("e1", kind, "src-A", kClaim - 10 * kDay, {"e2"}),
                 MakeItem("e2", kind, "src-B", kClaim - 5 * kDay, {"e1"})};
           },
           kPartial,
           {"C3"}});
    }
  }
  cases.push_back(
      {"AllIndirectKindsTogether",
       [](ClaimFacts& f) {
         f.items = {
             MakeItem("e1", kSurveillance, "src-A", kClaim - 10 * kDay),
             MakeItem("e2", kCooperator, "src-B", kClaim - 5 * kDay, {"e1"}),
             MakeItem("e3", kTip, "src-C", kClaim - 3 * kDay, {"e1"})};
       },
       kPartial,
       {"C3"}});
  // A direct item dated after the claim counts only via EvidenceAdded.
  cases.push_back({"DirectOnlyPostDatedClaimItem",
                   [](ClaimFacts& f) {
                     f.items[0].item.set_kind(kSurveillance);
                     f.items.push_back(
                         MakeItem("e3", kWiretap, "src-C", kClaim + 1));
                   },
                   kPartial,
                   {"C3"}});
  cases.push_back({"DirectOnlyPostDatedViaEvidenceAdded",
                   [](ClaimFacts& f) {
                     f.items[0].item.set_kind(kSurveillance);
                     f.items.push_back(
                         Added(MakeItem("e3", kWiretap, "src-C", kClaim + 1)));
                   },
                   kSubstantiated,
                   {}});
  return cases;
}
INSTANTIATE_TEST_SUITE_P(C3, AssessTest, ValuesIn(C3Cases()), CaseName);

// The C3 table above covers every kind of enums.proto; make sure the SPEC's
// direct kinds are all real values (a renamed value would silently shrink
// the table).
TEST(C3, SpecKindsAreEnumValues) {
  for (EvidenceKind k : SpecDirectKinds()) {
    EXPECT_TRUE(v1::EvidenceKind_IsValid(k)) << k;
  }
  for (EvidenceKind k : SpecTestimonyKinds()) {
    EXPECT_TRUE(v1::EvidenceKind_IsValid(k)) << k;
  }
  EXPECT_GE(v1::EvidenceKind_descriptor()->value_count(), 9);
}

// C4: every counted testimony item is linked by `corroborates`, either
// direction, to a counted item of another source.
std::vector<Case> C4Cases() {
  std::vector<Case> cases = {
      {"NoTestimony", [](ClaimFacts&) {}, kSubstantiated, {}},
      {"CorroboratedOnlyBySameSource",
       [](ClaimFacts& f) {
         f.items.push_back(
             MakeItem("e3", kTip, "src-C", kClaim - kDay, {"e4"}));
         f.items.push_back(
             MakeItem("e4", kWiretap, "src-C", kClaim - kDay, {"e3"}));
       },
       kPartial,
       {"C4"}},
      {"Uncorroborated",
       [](ClaimFacts& f) {
         f.items.push_back(MakeItem("e3", kCooperator, "src-C", kClaim - kDay));
       },
       kPartial,
       {"C4"}},
      {"CorroboratesItself",
       [](ClaimFacts& f) {
         f.items.push_back(
             MakeItem("e3", kCooperator, "src-C", kClaim - kDay, {"e3"}));
       },
       kPartial,
       {"C4"}},
      {"CorroboratesUnknownId",
       [](ClaimFacts& f) {
         f.items.push_back(
             MakeItem("e3", kCooperator, "src-C", kClaim - kDay, {"e99"}));
       },
       kPartial,
       {"C4"}},
      // Corroborated only by an item that is not counted (a claim item
      // dated after the claim): fails. The same item via EvidenceAdded
      // counts: passes.
      {"CorroboratedOnlyByPostDatedClaimItem",
       [](ClaimFacts& f) {
         f.items.push_back(
             MakeItem("e3", kCooperator, "src-C", kClaim - kDay, {"e4"}));
         f.items.push_back(MakeItem("e4", kFinancial, "src-D", kClaim + kDay));
       },
       kPartial,
       {"C4"}},
      {"CorroboratedByPostDatedItemViaEvidenceAdded",
       [](ClaimFacts& f) {
         f.items.push_back(
             MakeItem("e3", kCooperator, "src-C", kClaim - kDay, {"e4"}));
         f.items.push_back(
             Added(MakeItem("e4", kFinancial, "src-D", kClaim + kDay)));
       },
       kSubstantiated,
       {}},
      // Testimony that is itself not counted is not checked.
      {"UncorroboratedPostDatedTestimonyIgnored",
       [](ClaimFacts& f) {
         f.items.push_back(MakeItem("e3", kTip, "src-C", kClaim + 1));
       },
       kSubstantiated,
       {}},
      {"UncorroboratedTestimonyViaEvidenceAdded",
       [](ClaimFacts& f) {
         f.items.push_back(Added(MakeItem("e3", kTip, "src-C", kClaim + 1)));
       },
       kPartial,
       {"C4"}},
      {"TwoTestimoniesOfDifferentSourcesCorroborateEachOther",
       [](ClaimFacts& f) {
         f.items.push_back(
             MakeItem("e3", kCooperator, "src-C", kClaim - kDay, {"e4"}));
         f.items.push_back(MakeItem("e4", kTip, "src-D", kClaim - kDay));
       },
       kSubstantiated,
       {}},
      {"OneOfTwoTestimoniesUncorroborated",
       [](ClaimFacts& f) {
         f.items.push_back(
             MakeItem("e3", kCooperator, "src-C", kClaim - kDay, {"e1"}));
         f.items.push_back(MakeItem("e4", kTip, "src-D", kClaim - kDay));
       },
       kPartial,
       {"C4"}},
      // Links to several items: one of another source is enough.
      {"CorroboratesSameSourceAndOtherSource",
       [](ClaimFacts& f) {
         f.items.push_back(
             MakeItem("e3", kCooperator, "src-C", kClaim - kDay, {"e4", "e1"}));
         f.items.push_back(MakeItem("e4", kSurveillance, "src-C", kClaim));
       },
       kSubstantiated,
       {}},
  };
  // Both testimony kinds, both directions.
  for (EvidenceKind kind : SpecTestimonyKinds()) {
    const std::string name = v1::EvidenceKind_Name(kind);
    cases.push_back({"TestimonyCorroboratesOtherSource_" + name,
                     [kind](ClaimFacts& f) {
                       f.items.push_back(MakeItem("e3", kind, "src-C",
                                                  kClaim - kDay, {"e1"}));
                     },
                     kSubstantiated,
                     {}});
    cases.push_back({"TestimonyCorroboratedByOtherSource_" + name,
                     [kind](ClaimFacts& f) {
                       f.items[0].item.add_corroborates("e3");
                       f.items.push_back(
                           MakeItem("e3", kind, "src-C", kClaim - kDay));
                     },
                     kSubstantiated,
                     {}});
    cases.push_back({"TestimonyCorroboratedOnlyBySameSource_" + name,
                     [kind](ClaimFacts& f) {
                       f.items[0].item.add_corroborates("e3");
                       f.items.push_back(
                           MakeItem("e3", kind, "src-A", kClaim - kDay));
                     },
                     kPartial,
                     {"C4"}});
  }
  return cases;
}
INSTANTIATE_TEST_SUITE_P(C4, AssessTest, ValuesIn(C4Cases()), CaseName);

// C5: hops at most the tier's limit; the tier is the latest designation by
// occurred_at, kept after a revocation.
std::vector<Case> C5Cases() {
  const std::vector<std::pair<Tier, uint32_t>> limits = {
      {v1::TIER_CPOT, 2},
      {v1::TIER_RPOT, 2},
      {v1::TIER_PTO_NATIONAL, 2},
      {v1::TIER_PTO_REGIONAL, 1},
      {v1::TIER_PTO_LOCAL, 1}};
  std::vector<Case> cases;
  for (const auto& [tier, limit] : limits) {
    const std::string name = v1::Tier_Name(tier);
    auto set = [tier = tier](uint32_t hops) {
      return [tier, hops](ClaimFacts& f) {
        f.designations = {Designate(kClaim - 100 * kDay, tier)};
        f.hops = hops;
      };
    };
    cases.push_back({"HopsZero_" + name, set(0), kSubstantiated, {}, tier});
    cases.push_back(
        {"HopsAtLimit_" + name, set(limit), kSubstantiated, {}, tier});
    cases.push_back(
        {"HopsOverLimit_" + name, set(limit + 1), kPartial, {"C5"}, tier});
  }
  cases.push_back({"HopsFarOverLimit",
                   [](ClaimFacts& f) { f.hops = 1000; },
                   kPartial,
                   {"C5"}});
  cases.push_back({"LatestDesignationDecidesTierNarrower",
                   [](ClaimFacts& f) {
                     f.designations = {
                         Designate(kClaim - 100 * kDay, v1::TIER_CPOT),
                         Designate(kClaim - 10 * kDay, v1::TIER_PTO_LOCAL)};
                     f.hops = 2;
                   },
                   kPartial,
                   {"C5"},
                   v1::TIER_PTO_LOCAL});
  cases.push_back({"LatestDesignationDecidesTierWider",
                   [](ClaimFacts& f) {
                     f.designations = {
                         Designate(kClaim - 100 * kDay, v1::TIER_PTO_LOCAL),
                         Designate(kClaim - 10 * kDay, v1::TIER_CPOT)};
                     f.hops = 2;
                   },
                   kSubstantiated,
                   {},
                   v1::TIER_CPOT});
  // By occurred_at, not by the order given.
  cases.push_back({"LatestDesignationByTimeNotListOrder",
                   [](ClaimFacts& f) {
                     f.designations = {
                         Designate(kClaim - 10 * kDay, v1::TIER_CPOT),
                         Designate(kClaim - 100 * kDay, v1::TIER_PTO_LOCAL)};
                     f.hops = 2;
                   },
                   kSubstantiated,
                   {},
                   v1::TIER_CPOT});
  // "Latest designation by occurred_at" is not limited to the claim's time.
  cases.push_back({"LatestDesignationAfterClaimDecidesTier",
                   [](ClaimFacts& f) {
                     f.designations = {
                         Designate(kClaim - 100 * kDay, v1::TIER_CPOT),
                         Designate(kClaim + 10 * kDay, v1::TIER_PTO_LOCAL)};
                     f.hops = 2;
                   },
                   kPartial,
                   {"C5"},
                   v1::TIER_PTO_LOCAL});
  // A revoked org keeps its tier: C1 fails, C5 still judged on the tier.
  cases.push_back({"TierKeptAfterRevocationHopsWithinLimit",
                   [](ClaimFacts& f) {
                     f.designations = {
                         Designate(kClaim - 100 * kDay, v1::TIER_PTO_REGIONAL),
                         Revoke(kClaim - 10 * kDay, v1::TIER_PTO_REGIONAL)};
                     f.hops = 1;
                   },
                   kUnsubstantiated,
                   {"C1"},
                   v1::TIER_PTO_REGIONAL});
  cases.push_back({"TierKeptAfterRevocationHopsOverLimit",
                   [](ClaimFacts& f) {
                     f.designations = {
                         Designate(kClaim - 100 * kDay, v1::TIER_PTO_REGIONAL),
                         Revoke(kClaim - 10 * kDay, v1::TIER_PTO_REGIONAL)};
                     f.hops = 2;
                   },
                   kUnsubstantiated,
                   {"C1", "C5"},
                   v1::TIER_PTO_REGIONAL});
  cases.push_back({"TierKeptAfterRevocationFollowingClaim",
                   [](ClaimFacts& f) {
                     f.designations = {
                         Designate(kClaim - 100 * kDay, v1::TIER_PTO_LOCAL),
                         Revoke(kClaim + 10 * kDay, v1::TIER_PTO_LOCAL)};
                     f.hops = 1;
                   },
                   kSubstantiated,
                   {},
                   v1::TIER_PTO_LOCAL});
  return cases;
}
INSTANTIATE_TEST_SUITE_P(C5, AssessTest, ValuesIn(C5Cases()), CaseName);

// C5 judges every shared designation history (services/domain/
// tier_histories.h) by the tier domain::TierOf gives it, ties included:
// services/scoring/stages_test.cc holds scoring's CPOT targets to the same
// histories, so the two services cannot disagree on an org's tier.
TEST(C5, TierAgreesWithTheSharedHistories) {
  for (const auto& h : domain::testing::TierHistories()) {
    ClaimFacts f;
    f.occurred_at = domain::testing::kTierClaimAt;
    f.hops = 2;  // within the limit of CPOT, RPOT and PTO_NATIONAL only
    f.designations = h.history;
    const Assessment a = Assess(DefaultRulebook(), f);
    EXPECT_EQ(a.tier, h.tier) << h.name;
    const bool wide = h.tier == v1::TIER_CPOT || h.tier == v1::TIER_RPOT ||
                      h.tier == v1::TIER_PTO_NATIONAL;
    EXPECT_EQ(std::count(a.failed.begin(), a.failed.end(), "C5"), wide ? 0 : 1)
        << h.name;
  }
}

// C6: an item observed in [claim − 730 days, claim]; claim items dated after
// the claim do not count for C2–C4 (EvidenceAdded items do).
std::vector<Case> C6Cases() {
  return {
      {"ObservedAtClaimTime",
       [](ClaimFacts& f) { ObserveAllAt(f, kClaim); },
       kSubstantiated,
       {}},
      {"ObservedExactly730DaysBefore",
       [](ClaimFacts& f) { ObserveAllAt(f, kClaim - kWindow); },
       kSubstantiated,
       {}},
      {"Observed730DaysAndOneSecondBefore",
       [](ClaimFacts& f) { ObserveAllAt(f, kClaim - kWindow - 1); },
       kPartial,
       {"C6"}},
      {"Observed731DaysBefore",
       [](ClaimFacts& f) { ObserveAllAt(f, kClaim - 731 * kDay); },
       kPartial,
       {"C6"}},
      {"OneItemInWindowSuffices",
       [](ClaimFacts& f) {
         f.items[0].item.mutable_observed_at()->set_seconds(kClaim -
                                                            3000 * kDay);
         f.items[1].item.mutable_observed_at()->set_seconds(kClaim - kWindow);
       },
       kSubstantiated,
       {}},
      // Old items still count for C2–C4; only C6 fails.
      {"OldItemsStillCountForC2ToC4",
       [](ClaimFacts& f) {
         ObserveAllAt(f, kClaim - 3000 * kDay);
         f.items.push_back(MakeItem("e3", kCooperator, "src-C",
                                    kClaim - 3000 * kDay, {"e1"}));
       },
       kPartial,
       {"C6"}},
      // One good item + one post-dated claim item of another source: the
      // post-dated item is ignored for C2 (and does not by itself fail C6).
      {"PostDatedClaimItemNotCounted",
       [](ClaimFacts& f) {
         f.items[1].item.mutable_observed_at()->set_seconds(kClaim + kDay);
       },
       kPartial,
       {"C2"}},
      {"PostDatedOneSecondClaimItemNotCounted",
       [](ClaimFacts& f) {
         f.items[1].item.mutable_observed_at()->set_seconds(kClaim + 1);
       },
       kPartial,
       {"C2"}},
      {"PostDatedItemViaEvidenceAddedCounts",
       [](ClaimFacts& f) {
         f.items[1].item.mutable_observed_at()->set_seconds(kClaim + kDay);
         f.items[1].via_evidence_added = true;
       },
       kSubstantiated,
       {}},
      // EvidenceAdded items dated after the claim count for C2–C4 but are
      // not in the window: C6 fails alone.
      {"OnlyPostDatedItemsViaEvidenceAdded",
       [](ClaimFacts& f) {
         ObserveAllAt(f, kClaim + kDay);
         for (Item& i : f.items) i.via_evidence_added = true;
       },
       kPartial,
       {"C6"}},
      {"OnlyPostDatedClaimItems",
       [](ClaimFacts& f) { ObserveAllAt(f, kClaim + kDay); },
       kUnsubstantiated,
       {"C2", "C3", "C6"}},
      // An EvidenceAdded item observed in the window satisfies C6.
      {"InWindowItemViaEvidenceAdded",
       [](ClaimFacts& f) {
         ObserveAllAt(f, kClaim - 3000 * kDay);
         f.items.push_back(
             Added(MakeItem("e3", kSurveillance, "src-C", kClaim - kDay)));
       },
       kSubstantiated,
       {}},
  };
}
INSTANTIATE_TEST_SUITE_P(C6, AssessTest, ValuesIn(C6Cases()), CaseName);

// The result rule and the failed list.
std::vector<Case> ResultCases() {
  return {
      {"SubstantiatedHasEmptyFailedList",
       [](ClaimFacts&) {},
       kSubstantiated,
       {}},
      {"PartialWhenExactlyOneOfC2ToC6Fails",
       [](ClaimFacts& f) { f.hops = 3; },
       kPartial,
       {"C5"}},
      {"UnsubstantiatedWhenC1FailsAloneEvenIfAllElsePasses",
       [](ClaimFacts& f) {
         f.designations.push_back(Revoke(kClaim - kDay, v1::TIER_CPOT));
       },
       kUnsubstantiated,
       {"C1"}},
      {"UnsubstantiatedWhenTwoOfC2ToC6Fail",
       [](ClaimFacts& f) {
         f.items.resize(1);
         f.hops = 3;
       },
       kUnsubstantiated,
       {"C2", "C5"}},
      {"UnsubstantiatedWhenC1AndOneOtherFail",
       [](ClaimFacts& f) {
         f.designations.push_back(Revoke(kClaim - kDay, v1::TIER_CPOT));
         f.items.resize(1);
       },
       kUnsubstantiated,
       {"C1", "C2"}},
      {"FailedListAscending",
       [](ClaimFacts& f) {
         // C6 and C3 made to fail before C2 in the item list.
         f.items = {
             MakeItem("e9", kSurveillance, "src-A", kClaim - 3000 * kDay)};
         f.hops = 5;
       },
       kUnsubstantiated,
       {"C2", "C3", "C5", "C6"}},
      {"AllSixFail",
       [](ClaimFacts& f) {
         f.designations.clear();
         f.items = {MakeItem("e1", kCooperator, "src-A", kClaim - 3000 * kDay)};
       },
       kUnsubstantiated,
       {"C1", "C2", "C3", "C4", "C5", "C6"},
       v1::TIER_UNSPECIFIED},
      {"NoItems",
       [](ClaimFacts& f) { f.items.clear(); },
       kUnsubstantiated,
       {"C2", "C3", "C6"}},
  };
}
INSTANTIATE_TEST_SUITE_P(Result, AssessTest, ValuesIn(ResultCases()), CaseName);

TEST(Assess, EvidenceIdsDistinctAndAscending) {
  ClaimFacts f = Good();
  f.items = {MakeItem("z9", kWiretap, "src-A", kClaim - kDay),
             MakeItem("a1", kSurveillance, "src-B", kClaim - kDay),
             Added(MakeItem("m5", kFinancial, "src-C", kClaim + kDay)),
             MakeItem("a1", kCooperator, "src-D", kClaim - kDay),
             MakeItem("B2", kSurveillance, "src-E", kClaim + kDay),
             MakeItem("a10", kSurveillance, "src-E", kClaim - kDay)};
  const Assessment a = Assess(DefaultRulebook(), f);
  EXPECT_EQ(a.evidence_ids,
            (std::vector<std::string>{"B2", "a1", "a10", "m5", "z9"}))
      << Describe(a);
  // The duplicate a1 (uncorroborated testimony) is ignored: first wins.
  EXPECT_EQ(a.result, kSubstantiated) << Describe(a);
}

// ---------------------------------------------------------------------------
// The per-claim evidence limit (1,024 distinct items, SPEC §2).

// `n` stale surveillance items of one source: alone they fail C2 (one
// source), C3 (no direct kind) and C6 (nothing recent).
std::vector<Item> StaleSurveillance(int n) {
  std::vector<Item> items;
  items.reserve(n);
  for (int i = 0; i < n; ++i) {
    items.push_back(MakeItem("s" + std::to_string(i), kSurveillance, "src-A",
                             kClaim - 900 * kDay));
  }
  return items;
}

TEST(EvidenceLimit, ItemsBeyondItAreIgnoredByEveryCriterion) {
  // A recent wiretap of another source would pass C2, C3 and C6.
  const Item wiretap =
      Added(MakeItem("w", kWiretap, "src-B", kClaim + 10 * kDay));
  ClaimFacts within = Good();
  within.items = StaleSurveillance(1023);
  within.items.push_back(wiretap);
  ObserveAllAt(within, kClaim - 900 * kDay);
  within.items.back().item.mutable_observed_at()->set_seconds(kClaim - kDay);
  const Assessment counted = Assess(DefaultRulebook(), within);
  EXPECT_EQ(counted.result, kSubstantiated) << Describe(counted);
  EXPECT_EQ(counted.evidence_ignored, 0);
  EXPECT_EQ(counted.evidence_ids.size(), 1024u);

  // One more stale item first: the wiretap is the 1,025th and counts for
  // nothing.
  ClaimFacts beyond = within;
  beyond.items.insert(
      beyond.items.begin(),
      MakeItem("s-extra", kSurveillance, "src-A", kClaim - 900 * kDay));
  const Assessment ignored = Assess(DefaultRulebook(), beyond);
  EXPECT_EQ(ignored.failed, (std::vector<std::string>{"C2", "C3", "C6"}))
      << Describe(ignored);
  EXPECT_EQ(ignored.evidence_ignored, 1);
  EXPECT_EQ(ignored.evidence_ids.size(), 1024u);
  EXPECT_EQ(
      std::count(ignored.evidence_ids.begin(), ignored.evidence_ids.end(), "w"),
      0);
}

TEST(EvidenceLimit, RepeatsOfKeptItemsAreNotCountedIgnoredOnesAreEach) {
  std::vector<Item> items = StaleSurveillance(1024);
  items.push_back(MakeItem("s5", kWiretap, "src-B", kClaim));  // a repeat
  items.push_back(MakeItem("x", kWiretap, "src-B", kClaim));
  items.push_back(MakeItem("x", kWiretap, "src-B", kClaim));  // sent twice
  const LimitedItems limited = LimitItems(items, 1024);
  EXPECT_EQ(limited.kept.size(), 1024u);
  EXPECT_EQ(limited.ignored, 2);
  // The first of a repeated id is the one kept.
  EXPECT_EQ(limited.kept[5]->item.kind(), kSurveillance);
  // Items the store already dropped add to the count.
  ClaimFacts f = Good();
  f.items = items;
  f.ignored = 7;
  EXPECT_EQ(Assess(DefaultRulebook(), f).evidence_ignored, 9);
}

TEST(Assess, NoItemsHasNoEvidenceIds) {
  ClaimFacts f = Good();
  f.items.clear();
  EXPECT_TRUE(Assess(DefaultRulebook(), f).evidence_ids.empty());
}

// ---------------------------------------------------------------------------
// Order independence: any order of items and designations (distinct
// evidence_ids) gives the same assessment.

struct OrderCase {
  std::string name;
  ClaimFacts facts;
  AssessmentResult result;
  std::vector<std::string> failed;
  Tier tier;
};

void PrintTo(const OrderCase& c, std::ostream* os) { *os << c.name; }

std::vector<OrderCase> OrderCases() {
  // Designation history with a revocation, a same-second pair (of one tier)
  // and a revocation after the claim; items mixing testimony, corroboration
  // both ways, EvidenceAdded, post-dated and old items.
  ClaimFacts rich;
  rich.occurred_at = kClaim;
  rich.hops = 2;
  rich.designations = {Designate(kClaim - 300 * kDay, v1::TIER_PTO_REGIONAL),
                       Revoke(kClaim - 200 * kDay, v1::TIER_PTO_REGIONAL),
                       Designate(kClaim - 100 * kDay, v1::TIER_RPOT),
                       Revoke(kClaim - 50 * kDay, v1::TIER_RPOT),
                       Designate(kClaim - 50 * kDay, v1::TIER_RPOT),
                       Designate(kClaim - 20 * kDay, v1::TIER_CPOT),
                       Revoke(kClaim + 10 * kDay, v1::TIER_CPOT)};
  rich.items = {
      MakeItem("e1", kWiretap, "src-A", kClaim - 10 * kDay),
      MakeItem("e2", kCooperator, "src-B", kClaim - 5 * kDay, {"e1"}),
      MakeItem("e3", kTip, "src-C", kClaim - 3 * kDay),
      MakeItem("e5", kSurveillance, "src-E", kClaim + kDay),
      MakeItem("e6", kControlledBuy, "src-A", kClaim - 900 * kDay),
      Added(MakeItem("e4", kFinancial, "src-D", kClaim + 20 * kDay, {"e3"})),
      Added(MakeItem("e7", kSurveillance, "src-F", kClaim - 2 * kDay))};

  // e4 arrives with the claim instead: not counted, so e3 is uncorroborated;
  // and hops over the limit.
  ClaimFacts two_fail = rich;
  two_fail.items[5].via_evidence_added = false;
  two_fail.hops = 3;

  // Revoked and re-designated in the same second before the claim.
  ClaimFacts revoked = rich;
  revoked.designations = {Designate(kClaim - 100 * kDay, v1::TIER_PTO_LOCAL),
                          Designate(kClaim - 10 * kDay, v1::TIER_PTO_LOCAL),
                          Revoke(kClaim - 10 * kDay, v1::TIER_PTO_LOCAL)};
  revoked.hops = 1;

  // Only post-dated claim items besides one testimony: C2, C3, C4 fail.
  ClaimFacts thin = rich;
  thin.items = {
      MakeItem("e1", kWiretap, "src-A", kClaim + 1),
      MakeItem("e2", kCooperator, "src-B", kClaim - 5 * kDay, {"e1"}),
      MakeItem("e3", kSurveillance, "src-B", kClaim - 4 * kDay, {"e2"}),
      MakeItem("e4", kFinancial, "src-C", kClaim + kDay)};

  return {
      {"Substantiated", rich, kSubstantiated, {}, v1::TIER_CPOT},
      {"TwoFail", two_fail, kUnsubstantiated, {"C4", "C5"}, v1::TIER_CPOT},
      {"Revoked", revoked, kUnsubstantiated, {"C1"}, v1::TIER_PTO_LOCAL},
      {"Thin", thin, kUnsubstantiated, {"C2", "C3", "C4"}, v1::TIER_CPOT},
  };
}

class OrderTest : public ::testing::TestWithParam<OrderCase> {};

TEST_P(OrderTest, ShuffledFactsGiveSameAssessment) {
  const OrderCase& c = GetParam();
  const Assessment want = Assess(DefaultRulebook(), c.facts);
  EXPECT_EQ(want.result, c.result) << Describe(want);
  EXPECT_EQ(want.failed, c.failed) << Describe(want);
  EXPECT_EQ(want.tier, c.tier) << Describe(want);
  EXPECT_TRUE(WellFormed(c.facts, want)) << Describe(want);

  // Reversed, then many seeded shuffles.
  ClaimFacts reversed = c.facts;
  std::reverse(reversed.items.begin(), reversed.items.end());
  std::reverse(reversed.designations.begin(), reversed.designations.end());
  const Assessment got_reversed = Assess(DefaultRulebook(), reversed);
  EXPECT_TRUE(SameAssessment(got_reversed, want))
      << "reversed: " << Describe(got_reversed) << " want " << Describe(want);

  std::mt19937 rng(20160101);
  for (int round = 0; round < 200; ++round) {
    ClaimFacts shuffled = c.facts;
    std::shuffle(shuffled.items.begin(), shuffled.items.end(), rng);
    std::shuffle(shuffled.designations.begin(), shuffled.designations.end(),
                 rng);
    const Assessment got = Assess(DefaultRulebook(), shuffled);
    ASSERT_TRUE(SameAssessment(got, want))
        << "round " << round << ": " << Describe(got) << " want "
        << Describe(want);
  }
}

INSTANTIATE_TEST_SUITE_P(Order, OrderTest, ValuesIn(OrderCases()),
                         [](const ::testing::TestParamInfo<OrderCase>& info) {
                           return info.param.name;
                         });

TEST(Assess, Deterministic) {
  const ClaimFacts f = OrderCases()[0].facts;
  const Assessment a = Assess(DefaultRulebook(), f);
  const Assessment b = Assess(DefaultRulebook(), f);
  EXPECT_TRUE(SameAssessment(a, b)) << Describe(a) << " vs " << Describe(b);
}

// ---------------------------------------------------------------------------
// Rulebooks.

::testing::AssertionResult SameRulebook(const Rulebook& got,
                                        const Rulebook& want) {
  if (got.version != want.version) {
    return ::testing::AssertionFailure()
           << "version " << got.version << ", want " << want.version;
  }
  if (got.min_items != want.min_items) {
    return ::testing::AssertionFailure()
           << "min_items " << got.min_items << ", want " << want.min_items;
  }
  if (got.min_sources != want.min_sources) {
    return ::testing::AssertionFailure() << "min_sources " << got.min_sources
                                         << ", want " << want.min_sources;
  }
  if (got.direct_kinds != want.direct_kinds) {
    return ::testing::AssertionFailure() << "direct_kinds differ";
  }
  if (got.testimony_kinds != want.testimony_kinds) {
    return ::testing::AssertionFailure() << "testimony_kinds differ";
  }
  if (got.max_hops != want.max_hops) {
    return ::testing::AssertionFailure() << "max_hops differ";
  }
  if (got.recency_days != want.recency_days) {
    return ::testing::AssertionFailure() << "recency_days " << got.recency_days
                                         << ", want " << want.recency_days;
  }
  if (got.designation_received_within_days !=
      want.designation_received_within_days) {
    return ::testing::AssertionFailure()
           << "designation_received_within_days "
           << got.designation_received_within_days << ", want "
           << want.designation_received_within_days;
  }
  return ::testing::AssertionSuccess();
}

// Writes a rulebook in the format ParseRulebook reads (flow style).
std::string ToYaml(const Rulebook& r) {
  std::ostringstream out;
  out << "version: " << r.version << "\n";
  out << "min_items: " << r.min_items << "\n";
  out << "min_sources: " << r.min_sources << "\n";
  auto kinds = [&out](const std::set<EvidenceKind>& ks) {
    out << "[";
    bool first = true;
    for (EvidenceKind k : ks) {
      out << (first ? "" : ", ") << v1::EvidenceKind_Name(k);
      first = false;
    }
    out << "]\n";
  };
  out << "direct_kinds: ";
  kinds(r.direct_kinds);
  out << "testimony_kinds: ";
  kinds(r.testimony_kinds);
  out << "max_hops: {";
  bool first = true;
  for (const auto& [tier, hops] : r.max_hops) {
    out << (first ? "" : ", ") << v1::Tier_Name(tier) << ": " << hops;
    first = false;
  }
  out << "}\n";
  out << "recency_days: " << r.recency_days << "\n";
  out << "designation_received_within_days: "
      << r.designation_received_within_days << "\n";
  return out.str();
}

// The v1 rulebook as key/value lines, so a test can drop or change one key.
using YamlLines = std::vector<std::pair<std::string, std::string>>;

YamlLines V1Lines() {
  return {
      {"version", "v1"},
      {"min_items", "2"},
      {"min_sources", "2"},
      {"direct_kinds",
       "[EVIDENCE_KIND_WIRETAP_INTERCEPT, EVIDENCE_KIND_CONTROLLED_BUY, "
       "EVIDENCE_KIND_SEIZURE_TRACE, EVIDENCE_KIND_FINANCIAL_RECORD, "
       "EVIDENCE_KIND_COMMUNICATIONS_RECORD]"},
      {"testimony_kinds",
       "[EVIDENCE_KIND_COOPERATOR_STATEMENT, EVIDENCE_KIND_INFORMANT_TIP]"},
      {"max_hops",
       "{TIER_CPOT: 2, TIER_RPOT: 2, TIER_PTO_NATIONAL: 2, "
       "TIER_PTO_REGIONAL: 1, TIER_PTO_LOCAL: 1}"},
      {"recency_days", "730"},
      {"designation_received_within_days", "30"},
  };
}

std::string Yaml(const YamlLines& lines) {
  std::string out;
  for (const auto& [key, value] : lines) {
    out += key;
    out += ": ";
    out += value;
    out += "\n";
  }
  return out;
}

// The v1 YAML with `key` set to `value`.
std::string V1With(const std::string& key, const std::string& value) {
  YamlLines lines = V1Lines();
  for (auto& line : lines) {
    if (line.first == key) line.second = value;
  }
  return Yaml(lines);
}

// The v1 YAML without `key`.
std::string V1Without(const std::string& key) {
  YamlLines lines = V1Lines();
  lines.erase(std::remove_if(lines.begin(), lines.end(),
                             [&key](const auto& l) { return l.first == key; }),
              lines.end());
  return Yaml(lines);
}

absl::StatusOr<Rulebook> Parse(const std::string& yaml) {
  return ParseRulebook(yaml, "criteria.yaml");
}

TEST(Rulebook, DefaultIsSpecV1) {
  const Rulebook& r = DefaultRulebook();
  EXPECT_EQ(r.version, "v1");
  EXPECT_EQ(r.min_items, 2);
  EXPECT_EQ(r.min_sources, 2);
  EXPECT_EQ(r.direct_kinds, SpecDirectKinds());
  EXPECT_EQ(r.testimony_kinds, SpecTestimonyKinds());
  const std::map<Tier, uint32_t> hops = {{v1::TIER_CPOT, 2},
                                         {v1::TIER_RPOT, 2},
                                         {v1::TIER_PTO_NATIONAL, 2},
                                         {v1::TIER_PTO_REGIONAL, 1},
                                         {v1::TIER_PTO_LOCAL, 1}};
  EXPECT_EQ(r.max_hops, hops);
  EXPECT_EQ(r.recency_days, 730);
  EXPECT_EQ(r.designation_received_within_days, 30);
}

TEST(Rulebook, DefaultIsStable) {
  EXPECT_EQ(&DefaultRulebook(), &DefaultRulebook());
}

TEST(Rulebook, ParsesV1Yaml) {
  const absl::StatusOr<Rulebook> r = Parse(Yaml(V1Lines()));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(SameRulebook(*r, DefaultRulebook()));
}

TEST(Rulebook, ParsesBlockStyleYaml) {
  const std::string yaml =
      "# The v1 rulebook, block style.\n"
      "version: v1\n"
      "min_items: 2\n"
      "min_sources: 2\n"
      "direct_kinds:\n"
      "  - EVIDENCE_KIND_WIRETAP_INTERCEPT\n"
      "  - EVIDENCE_KIND_CONTROLLED_BUY\n"
      "  - EVIDENCE_KIND_SEIZURE_TRACE\n"
      "  - EVIDENCE_KIND_FINANCIAL_RECORD\n"
      "  - EVIDENCE_KIND_COMMUNICATIONS_RECORD\n"
      "testimony_kinds:\n"
      "  - EVIDENCE_KIND_COOPERATOR_STATEMENT\n"
      "  - EVIDENCE_KIND_INFORMANT_TIP\n"
      "max_hops:\n"
      "  TIER_CPOT: 2\n"
      "  TIER_RPOT: 2\n"
      "  TIER_PTO_NATIONAL: 2\n"
      "  TIER_PTO_REGIONAL: 1\n"
      "  TIER_PTO_LOCAL: 1\n"
      "recency_days: 730\n"
      "designation_received_within_days: 30\n";
  const absl::StatusOr<Rulebook> r = Parse(yaml);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(SameRulebook(*r, DefaultRulebook()));
}

TEST(Rulebook, DefaultRoundTrips) {
  const absl::StatusOr<Rulebook> r = Parse(ToYaml(DefaultRulebook()));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(SameRulebook(*r, DefaultRulebook()));
}

TEST(Rulebook, CustomRoundTrips) {
  Rulebook custom;
  custom.version = "v2";
  custom.min_items = 3;
  custom.min_sources = 1;
  custom.direct_kinds = {kWiretap, kSurveillance};
  custom.testimony_kinds = {kTip};
  custom.max_hops = {{v1::TIER_CPOT, 3},
                     {v1::TIER_RPOT, 0},
                     {v1::TIER_PTO_NATIONAL, 1},
                     {v1::TIER_PTO_REGIONAL, 0},
                     {v1::TIER_PTO_LOCAL, 4}};
  custom.recency_days = 365;
  custom.designation_received_within_days = 7;
  const absl::StatusOr<Rulebook> once = Parse(ToYaml(custom));
  ASSERT_TRUE(once.ok()) << once.status();
  EXPECT_TRUE(SameRulebook(*once, custom));
  const absl::StatusOr<Rulebook> twice = Parse(ToYaml(*once));
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_TRUE(SameRulebook(*twice, custom));
}

TEST(Rulebook, EmptyTestimonyKindsIsValid) {
  const absl::StatusOr<Rulebook> r = Parse(V1With("testimony_kinds", "[]"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->testimony_kinds.empty());
}

// The shipped rulebook file (the test's data dependency) is the built-in one.
TEST(Rulebook, ShippedV1FileMatchesDefault) {
  const absl::StatusOr<Rulebook> r =
      LoadRulebook("services/evidence/criteria/v1.yaml");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(SameRulebook(*r, DefaultRulebook()));
}

TEST(Rulebook, LoadMissingFileNamesPath) {
  const absl::StatusOr<Rulebook> r =
      LoadRulebook("services/evidence/criteria/no-such-rulebook.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("no-such-rulebook.yaml"));
}

struct BadYamlCase {
  std::string name;
  std::string yaml;
  std::string key;  // the message must name it
};

void PrintTo(const BadYamlCase& c, std::ostream* os) { *os << c.name; }

std::vector<BadYamlCase> BadYamlCases() {
  std::vector<BadYamlCase> cases;
  for (const auto& [key, value] : V1Lines()) {
    cases.push_back({"Missing_" + key, V1Without(key), key});
  }
  cases.push_back(
      {"BadDirectKindName",
       V1With("direct_kinds",
              "[EVIDENCE_KIND_WIRETAP_INTERCEPT, EVIDENCE_KIND_TELEPATHY]"),
       "direct_kinds"});
  cases.push_back({"BareDirectKindGarbage",
                   V1With("direct_kinds", "[NOT_A_KIND]"), "direct_kinds"});
  cases.push_back({"BadTestimonyKindName",
                   V1With("testimony_kinds", "[EVIDENCE_KIND_RUMOUR]"),
                   "testimony_kinds"});
  cases.push_back({"DirectKindsNotAList", V1With("direct_kinds", "{a: b}"),
                   "direct_kinds"});
  cases.push_back({"NegativeHopLimit",
                   V1With("max_hops",
                          "{TIER_CPOT: -1, TIER_RPOT: 2, TIER_PTO_NATIONAL: 2, "
                          "TIER_PTO_REGIONAL: 1, TIER_PTO_LOCAL: 1}"),
                   "max_hops.TIER_CPOT"});
  cases.push_back({"NonIntegerHopLimit",
                   V1With("max_hops",
                          "{TIER_CPOT: 2, TIER_RPOT: 2, TIER_PTO_NATIONAL: 2, "
                          "TIER_PTO_REGIONAL: 1, TIER_PTO_LOCAL: one}"),
                   "max_hops.TIER_PTO_LOCAL"});
  cases.push_back({"MissingTierRpot",
                   V1With("max_hops",
                          "{TIER_CPOT: 2, TIER_PTO_NATIONAL: 2, "
                          "TIER_PTO_REGIONAL: 1, TIER_PTO_LOCAL: 1}"),
                   "max_hops.TIER_RPOT"});
  cases.push_back({"MissingTierCpot",
                   V1With("max_hops",
                          "{TIER_RPOT: 2, TIER_PTO_NATIONAL: 2, "
                          "TIER_PTO_REGIONAL: 1, TIER_PTO_LOCAL: 1}"),
                   "max_hops.TIER_CPOT"});
  cases.push_back({"MissingTierPtoLocal",
                   V1With("max_hops",
                          "{TIER_CPOT: 2, TIER_RPOT: 2, TIER_PTO_NATIONAL: 2, "
                          "TIER_PTO_REGIONAL: 1}"),
                   "max_hops.TIER_PTO_LOCAL"});
  cases.push_back({"MaxHopsNotAMap", V1With("max_hops", "2"), "max_hops"});
  cases.push_back(
      {"NestedDirectKind",
       V1With("direct_kinds", "[[EVIDENCE_KIND_WIRETAP_INTERCEPT]]"),
       "direct_kinds"});
  cases.push_back({"UnknownTierName",
                   V1With("max_hops",
                          "{TIER_CPOT: 2, TIER_RPOT: 2, TIER_PTO_NATIONAL: 2, "
                          "TIER_PTO_REGIONAL: 1, TIER_PTO_LOCAL: 1, "
                          "TIER_GALACTIC: 9}"),
                   "max_hops"});
  // A key that is not a scalar must be an error, not an exception.
  cases.push_back({"NonScalarTierKey",
                   V1With("max_hops",
                          "{TIER_CPOT: 2, TIER_RPOT: 2, TIER_PTO_NATIONAL: 2, "
                          "TIER_PTO_REGIONAL: 1, TIER_PTO_LOCAL: 1, "
                          "[TIER_CPOT]: 2}"),
                   "max_hops"});
  cases.push_back(
      {"MinItemsNotAnInteger", V1With("min_items", "two"), "min_items"});
  cases.push_back(
      {"MinSourcesNotAnInteger", V1With("min_sources", "[2]"), "min_sources"});
  cases.push_back({"RecencyDaysNotAnInteger", V1With("recency_days", "soon"),
                   "recency_days"});
  cases.push_back({"DesignationWindowNegative",
                   V1With("designation_received_within_days", "-1"),
                   "designation_received_within_days"});
  cases.push_back({"DesignationWindowNotAnInteger",
                   V1With("designation_received_within_days", "a month"),
                   "designation_received_within_days"});
  return cases;
}

class BadYamlTest : public ::testing::TestWithParam<BadYamlCase> {};

TEST_P(BadYamlTest, InvalidArgumentNamingKey) {
  const BadYamlCase& c = GetParam();
  const absl::StatusOr<Rulebook> r = Parse(c.yaml);
  ASSERT_FALSE(r.ok()) << "accepted:\n" << c.yaml;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
      << r.status();
  const std::string message(r.status().message());
  EXPECT_THAT(message, HasSubstr(c.key));
  EXPECT_THAT(message, HasSubstr("criteria.yaml"));
}

INSTANTIATE_TEST_SUITE_P(Rulebook, BadYamlTest, ValuesIn(BadYamlCases()),
                         [](const ::testing::TestParamInfo<BadYamlCase>& info) {
                           return info.param.name;
                         });

TEST(Rulebook, MalformedYamlIsInvalidArgument) {
  const std::vector<std::string> malformed = {
      "version: [v1\n", "", "- just\n- a list\n", "plain scalar\n",
      // A top-level key that is not a scalar: an error, not an exception.
      Yaml(V1Lines()) + "[a, b]: 1\n"};
  for (const std::string& yaml : malformed) {
    const absl::StatusOr<Rulebook> r = Parse(yaml);
    ASSERT_FALSE(r.ok()) << "accepted: " << yaml;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
        << r.status();
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("criteria.yaml"));
  }
}

// ---------------------------------------------------------------------------
// A custom rulebook changes results accordingly.

Rulebook MustParse(const std::string& yaml) {
  absl::StatusOr<Rulebook> r = Parse(yaml);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : Rulebook();
}

TEST(CustomRulebook, RecencyDays365) {
  YamlLines lines = V1Lines();
  for (auto& [key, value] : lines) {
    if (key == "version") value = "v2";
    if (key == "recency_days") value = "365";
  }
  const Rulebook v2 = MustParse(Yaml(lines));
  EXPECT_EQ(v2.version, "v2");
  EXPECT_EQ(v2.recency_days, 365);

  // 400 days old: within v1's window, outside v2's.
  ClaimFacts f = Good();
  ObserveAllAt(f, kClaim - 400 * kDay);
  Assessment a = Assess(DefaultRulebook(), f);
  EXPECT_EQ(a.result, kSubstantiated) << Describe(a);
  a = Assess(v2, f);
  EXPECT_EQ(a.result, kPartial) << Describe(a);
  EXPECT_EQ(a.failed, std::vector<std::string>{"C6"}) << Describe(a);

  // v2's own boundary: exactly 365 days passes, a second more fails.
  ObserveAllAt(f, kClaim - 365 * kDay);
  a = Assess(v2, f);
  EXPECT_EQ(a.result, kSubstantiated) << Describe(a);
  ObserveAllAt(f, kClaim - 365 * kDay - 1);
  a = Assess(v2, f);
  EXPECT_EQ(a.failed, std::vector<std::string>{"C6"}) << Describe(a);
}

TEST(CustomRulebook, DesignationWindowIsData) {
  const Rulebook strict =
      MustParse(V1With("designation_received_within_days", "0"));
  EXPECT_EQ(strict.designation_received_within_days, 0);
  ClaimFacts f = Good();
  DesignationReceived(f, 10 * kDay);
  EXPECT_EQ(Assess(DefaultRulebook(), f).result, kSubstantiated);
  const Assessment a = Assess(strict, f);
  EXPECT_EQ(a.failed, std::vector<std::string>{"C1"}) << Describe(a);
  EXPECT_THAT(a.reasons[0], HasSubstr("more than 0 days"));
  DesignationReceived(f, 0);
  EXPECT_EQ(Assess(strict, f).result, kSubstantiated);
}

TEST(CustomRulebook, MaxHops) {
  const Rulebook strict =
      MustParse(V1With("max_hops",
                       "{TIER_CPOT: 0, TIER_RPOT: 2, TIER_PTO_NATIONAL: 2, "
                       "TIER_PTO_REGIONAL: 1, TIER_PTO_LOCAL: 3}"));
  ClaimFacts f = Good();  // CPOT, hops 1
  Assessment a = Assess(strict, f);
  EXPECT_EQ(a.failed, std::vector<std::string>{"C5"}) << Describe(a);
  f.hops = 0;
  EXPECT_EQ(Assess(strict, f).result, kSubstantiated);

  f.designations = {Designate(kClaim - kDay, v1::TIER_PTO_LOCAL)};
  f.hops = 3;
  a = Assess(strict, f);
  EXPECT_EQ(a.result, kSubstantiated) << Describe(a);
  EXPECT_EQ(Assess(DefaultRulebook(), f).failed,
            std::vector<std::string>{"C5"});
}

TEST(CustomRulebook, DirectKinds) {
  const Rulebook surveillance_direct =
      MustParse(V1With("direct_kinds", "[EVIDENCE_KIND_SURVEILLANCE]"));
  ClaimFacts f = Good();
  f.items[0].item.set_kind(kSurveillance);
  EXPECT_EQ(Assess(DefaultRulebook(), f).failed,
            std::vector<std::string>{"C3"});
  EXPECT_EQ(Assess(surveillance_direct, f).result, kSubstantiated);

  // A wiretap is no longer direct under it.
  f = Good();
  f.items[1].item.set_kind(kWiretap);
  f.items[0].item.set_kind(kWiretap);
  EXPECT_EQ(Assess(surveillance_direct, f).failed,
            std::vector<std::string>{"C3"});
}

TEST(CustomRulebook, TestimonyKinds) {
  ClaimFacts f = Good();
  f.items.push_back(MakeItem("e3", kCooperator, "src-C", kClaim - kDay));
  EXPECT_EQ(Assess(DefaultRulebook(), f).failed,
            std::vector<std::string>{"C4"});
  const Rulebook none = MustParse(V1With("testimony_kinds", "[]"));
  EXPECT_EQ(Assess(none, f).result, kSubstantiated);

  // Surveillance as testimony: Good()'s uncorroborated e2 fails C4.
  const Rulebook surveillance =
      MustParse(V1With("testimony_kinds", "[EVIDENCE_KIND_SURVEILLANCE]"));
  const Assessment a = Assess(surveillance, Good());
  EXPECT_EQ(a.failed, std::vector<std::string>{"C4"}) << Describe(a);
}

TEST(CustomRulebook, MinItemsAndSources) {
  const Rulebook three_items = MustParse(V1With("min_items", "3"));
  ClaimFacts f = Good();
  EXPECT_EQ(Assess(three_items, f).failed, std::vector<std::string>{"C2"});
  f.items.push_back(MakeItem("e3", kFinancial, "src-A", kClaim - kDay));
  EXPECT_EQ(Assess(three_items, f).result, kSubstantiated);

  const Rulebook three_sources = MustParse(V1With("min_sources", "3"));
  EXPECT_EQ(Assess(three_sources, f).failed, std::vector<std::string>{"C2"});
  f.items.back().item.set_source_id("src-C");
  EXPECT_EQ(Assess(three_sources, f).result, kSubstantiated);

  const Rulebook one_source = MustParse(V1With("min_sources", "1"));
  f = Good();
  f.items[1].item.set_source_id("src-A");
  EXPECT_EQ(Assess(DefaultRulebook(), f).failed,
            std::vector<std::string>{"C2"});
  EXPECT_EQ(Assess(one_source, f).result, kSubstantiated);
}

// A rulebook built in code (not parsed) is applied as given.
TEST(CustomRulebook, BuiltInCode) {
  Rulebook r = DefaultRulebook();
  r.version = "v3";
  r.max_hops[v1::TIER_CPOT] = 0;
  r.recency_days = 1;
  ClaimFacts f = Good();  // CPOT, hops 1, items 5 and 10 days old
  Assessment a = Assess(r, f);
  EXPECT_EQ(a.failed, (std::vector<std::string>{"C5", "C6"})) << Describe(a);
  EXPECT_EQ(a.result, kUnsubstantiated);
  EXPECT_EQ(a.tier, v1::TIER_CPOT);
  f.hops = 0;
  f.items[1].item.mutable_observed_at()->set_seconds(kClaim - kDay);
  a = Assess(r, f);
  EXPECT_EQ(a.result, kSubstantiated) << Describe(a);
}

}  // namespace
}  // namespace fruition::evidence
