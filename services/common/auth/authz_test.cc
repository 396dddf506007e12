#include "services/common/auth/authz.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fruition::auth {
namespace {

using v1::AgencyReport;

TEST(AuthzTest, ReadOwnedByOwnerAndOverseersOnly) {
  const Principal dea{"DEA", PrincipalKind::kAgency};
  const Principal fbi{"FBI", PrincipalKind::kAgency};
  const Principal oig{"OIG", PrincipalKind::kOverseer};
  EXPECT_TRUE(MayReadOwned(dea, "DEA"));
  EXPECT_FALSE(MayReadOwned(fbi, "DEA"));
  EXPECT_TRUE(MayReadOwned(oig, "DEA"));
  EXPECT_FALSE(MayReadOwned(PublicPrincipal(), "DEA"));
  EXPECT_FALSE(MayReadOwned(PublicPrincipal(), "PUBLIC"));
}

TEST(AuthzTest, RestrictedOutputsForOverseersOnly) {
  EXPECT_TRUE(MayReadRestricted({"OIG", PrincipalKind::kOverseer}));
  EXPECT_FALSE(MayReadRestricted({"DEA", PrincipalKind::kAgency}));
  EXPECT_FALSE(MayReadRestricted({"USSC", PrincipalKind::kJudiciary}));
  EXPECT_FALSE(MayReadRestricted(PublicPrincipal()));
}

v1::OversightEvent Restricted(const std::string& key, const std::string& unit) {
  v1::OversightEvent e;
  e.set_event_id("e");
  e.set_condition_key(key);
  e.set_unit(unit);
  e.set_visibility(v1::VISIBILITY_RESTRICTED);
  return e;
}

TEST(AuthzTest, AnAgencyOwnsItsUnitsAndFieldOfficesOnly) {
  EXPECT_TRUE(AgencyOwnsUnit("DEA", "agency:DEA"));
  EXPECT_FALSE(AgencyOwnsUnit("DEA", "agency:DEAX"));
  EXPECT_FALSE(AgencyOwnsUnit("DE", "agency:DEA"));
  EXPECT_TRUE(AgencyOwnsUnit("DEA", "field_office:DEA-NEW-YORK"));
  EXPECT_FALSE(AgencyOwnsUnit("DE", "field_office:DEA-NEW-YORK"));
  EXPECT_FALSE(AgencyOwnsUnit("DEA", "field_office:DEANEW-YORK"));
  EXPECT_FALSE(AgencyOwnsUnit("DEA", "field_office:DEA-"));
  EXPECT_FALSE(AgencyOwnsUnit("FBI", "field_office:DEA-NEW-YORK"));
  EXPECT_TRUE(AgencyOwnsUnit("USAO-SDNY", "district:SDNY"));
  EXPECT_FALSE(AgencyOwnsUnit("USAO-EDPA", "district:SDNY"));
  EXPECT_FALSE(AgencyOwnsUnit("DEA", "district:SDNY"));
  EXPECT_FALSE(AgencyOwnsUnit("DEA", "national:US"));
  EXPECT_FALSE(AgencyOwnsUnit("PHL-KENSINGTON", "area:PHL-KENSINGTON"));
  EXPECT_FALSE(AgencyOwnsUnit("", "agency:"));
  EXPECT_FALSE(AgencyOwnsUnit("DEA", ""));
}

// SPEC §1 v1.1 / §11: an agency reads the restricted events about its own
// units and claims, never another agency's; overseers read all; nobody else
// reads any.
TEST(AuthzTest, RestrictedEventsForOverseersAndTheAgencyConcerned) {
  const Principal dea{"DEA", PrincipalKind::kAgency};
  const Principal fbi{"FBI", PrincipalKind::kAgency};
  const Principal tf{"TF-PHL", PrincipalKind::kAgency, {"DEA"}};
  const Principal oig{"OIG", PrincipalKind::kOverseer};
  const Principal ussc{"USSC", PrincipalKind::kJudiciary};
  const Principal ppd{"PPD", PrincipalKind::kCommunity};
  struct Case {
    v1::OversightEvent e;
    bool dea, fbi, tf;
  };
  const std::vector<Case> cases = {
      {Restricted("FRUITION_GAP/agency:DEA/FY2016/restricted", "agency:DEA"),
       true, false, false},
      {Restricted("LNF_SHARE_HIGH/field_office:DEA-NEW-YORK/FY2016",
                  "field_office:DEA-NEW-YORK"),
       true, false, false},
      {Restricted("LINK_UNSUBSTANTIATED/claim/CL-1", "agency:FBI"), false, true,
       false},
      {Restricted("LINK_UNSUBSTANTIATED/claim/CL-2", "agency:TF-PHL"), false,
       false, true},
      {Restricted("TIER_MISMATCH/subject/p/case/C-1", "agency:DEA"), true,
       false, false},
      // No unit: the condition key names the report's reporter.
      {Restricted("REPORT_CONFLICT/report/DEA/R-1", ""), true, false, false},
      {Restricted("REPORT_CONFLICT/report/FBI/DEA/R-1", ""), false, true,
       false},
      {Restricted("REPORT_CONFLICT/report/DEA", ""), false, false, false},
      {Restricted("SCORECARD_PUBLISHED/national:US/FY2016", "national:US"),
       false, false, false},
      {Restricted("DECLINED_THEN_CHARGED_ELSEWHERE/subject/p", "district:SDNY"),
       false, false, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.e.condition_key());
    EXPECT_EQ(MayReadEvent(dea, c.e), c.dea);
    EXPECT_EQ(MayReadEvent(fbi, c.e), c.fbi);
    EXPECT_EQ(MayReadEvent(tf, c.e), c.tf);
    EXPECT_TRUE(MayReadEvent(oig, c.e));
    EXPECT_FALSE(MayReadEvent(ussc, c.e));
    EXPECT_FALSE(MayReadEvent(ppd, c.e));
    EXPECT_FALSE(MayReadEvent(PublicPrincipal(), c.e));
    // The same event made public is everybody's.
    v1::OversightEvent pub = c.e;
    pub.set_visibility(v1::VISIBILITY_PUBLIC);
    EXPECT_TRUE(MayReadEvent(fbi, pub));
    EXPECT_TRUE(MayReadEvent(PublicPrincipal(), pub));
  }
  // A judiciary principal named as a report's reporter reads nothing
  // restricted (SPEC §1: its own reports and public outputs only).
  EXPECT_FALSE(
      MayReadEvent(ussc, Restricted("REPORT_CONFLICT/report/USSC/S-1", "")));
  EXPECT_TRUE(ReadsRestrictedEvents(dea));
  EXPECT_TRUE(ReadsRestrictedEvents(oig));
  EXPECT_FALSE(ReadsRestrictedEvents(ussc));
  EXPECT_FALSE(ReadsRestrictedEvents(ppd));
  EXPECT_FALSE(ReadsRestrictedEvents(PublicPrincipal()));
}

TEST(AuthzTest, PublicCallersMustAuthenticate) {
  EXPECT_EQ(RequireAuthenticated(PublicPrincipal()).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(RequireAuthenticated({"DEA", PrincipalKind::kAgency}).ok());
}

TEST(AuthzTest, NoBodyIsNeverAllowed) {
  for (PrincipalKind kind :
       {PrincipalKind::kAgency, PrincipalKind::kJudiciary,
        PrincipalKind::kCommunity, PrincipalKind::kOverseer,
        PrincipalKind::kPublic}) {
    EXPECT_FALSE(MaySend(kind, AgencyReport::BODY_NOT_SET));
  }
}

}  // namespace
}  // namespace fruition::auth
