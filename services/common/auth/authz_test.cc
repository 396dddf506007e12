#include "services/common/auth/authz.h"

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
