// fruition-sim's generator as pure code: a deterministic, time-ordered stream
// of reports (SPEC §2) from every kind of reporter, calibrated to the figures
// of Ouziel, Ambition and Fruition in Federal Criminal Law (docs/simulation.md
// has the table, the model and what the generator produces).
//
// The same options always give the same reports, byte for byte: the
// generator draws from its own 64-bit generator and distributions (not
// <random>'s, whose algorithms differ between standard libraries) and never
// reads a clock. (Only a libm that rounds exp/log differently could move a
// value in its last digit.)
#ifndef FRUITION_TOOLS_SIM_SIM_H_
#define FRUITION_TOOLS_SIM_SIM_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fruition/v1/reports.pb.h"
#include "services/common/auth/principals.h"

namespace fruition::sim {

struct SimOptions {
  uint64_t seed = 1;
  // People investigated (defendants of the cases opened). Each case has 1 to
  // 5 of them; about 7 in 10 end up sentenced.
  int subjects = 1000;
  // Cases are opened during fiscal years first_fiscal_year ..
  // first_fiscal_year + years - 1 (FY2014 = Oct 1 2013 - Sep 30 2014, UTC).
  // Their later events (charges, sentencing, amended judgments) may fall up
  // to a few years after the last one.
  int first_fiscal_year = 2014;
  int years = 3;
  // Prepended to every identifier the generator makes up (report, case,
  // claim, arrest, seizure, evidence, org and subject ids), so several
  // generated streams can go into one intake without colliding, e.g. a
  // sample and a live stream ("LIVE-"). At most 24 characters of
  // [A-Za-z0-9-_.].
  std::string id_prefix;
  // When > 0, reports whose occurred_at is later than this (Unix seconds)
  // are left out: they have not happened yet (intake refuses reports more
  // than 24 h in the future). 0 keeps everything.
  int64_t not_after_seconds = 0;
};

// INVALID_ARGUMENT naming the field (e.g. "subjects: must be 1..10000000")
// for options Generate refuses.
absl::Status CheckOptions(const SimOptions& options);

// The reports, sorted by occurred_at (ties in generation order). Every one
// passes intake's validation when sent by its reporter (services/intake/
// validate.h); report_ids are unique per reporter.
absl::StatusOr<std::vector<v1::AgencyReport>> Generate(
    const SimOptions& options);

// Options for batch `k` (1, 2, ...) of a slow live stream that follows a
// sample generated with `sample` (what `fruition dev` needs to keep its
// dashboard moving): `subjects` people whose cases open in one fiscal year
// after the sample's, seed sample.seed + k, ids prefixed with
// sample.id_prefix + "LIVE<k>-", the same not_after_seconds. Batch k opens
// its cases in fiscal year (last sample year + k), so batches' performance
// targets and outcome claims do not add up in one year; when that year
// would not be over by not_after_seconds, the years cycle over those that
// are (then over the sample's own years if none is).
SimOptions LiveBatch(const SimOptions& sample, int k, int subjects);

// The overseer OIG's budget lines (SPEC §11) that `fruition dev` sends with
// its sample for the sample's last fiscal year, so that the dashboard's
// "Budgets" section and BUDGET_CRITERIA_UNMET have something to show: DEA's
// pegged to a low LNF share (the study's finding: most people sentenced
// are LNF, so the sample fails it), FBI's to a mean desert score its
// sample meets. Report ids `sample-budget-<line_id>`, occurred_at the start
// of the year; each passes intake's validation sent by OIG.
std::vector<v1::AgencyReport> SampleBudgetLines(int fiscal_year);

// A principal the generator sends as, with its kind as the principals file
// spells it (SPEC §1): "AGENCY", "JUDICIARY" or "COMMUNITY", and the write
// authority its reports need (the principals file's acts_for, designates).
struct Reporter {
  std::string code;
  std::string kind;
  std::string what;  // one line for people
  // Agencies it may name besides itself: a task force its parent agency.
  std::vector<std::string> acts_for;
  bool designates = false;  // sends org_designated
};

// Every reporter the generator may use, agencies first. A principals file
// (or a tokens file for fruition-sim --server) must cover those that appear
// in a stream; with enough subjects, that is all of them.
const std::vector<Reporter>& Reporters();

// The kind of a reporter code of Reporters(); "" for an unknown code.
std::string_view KindOf(std::string_view code);

// The principal a reporter of Reporters() authenticates as when its
// principals file entry is made from Reporters() (kind, acts_for,
// designates); a PUBLIC principal of that code for an unknown code.
auth::Principal PrincipalOf(std::string_view code);

// The parameters the generator draws from (docs/simulation.md explains each
// and cites its source). Exposed for the calibration table and its test.
namespace model {
// Offense function of sentenced drug offenders (notes 60-61).
inline constexpr double kHighLevelSupplierShare = 0.11;
inline constexpr double kCourierShare = 0.23;
inline constexpr double kStreetDealerShare = 0.17;
inline constexpr double kWholesalerShare = 0.21;
// Criminal history category I ("minimal or no"), sentenced 2016 (note 59).
inline constexpr double kCategoryOneShare = 0.48;
// Weapon involvement and aggravating role, sentenced 2016 (note 59).
inline constexpr double kWeaponShare = 0.18;
inline constexpr double kAggravatingRoleShare = 0.08;
// Convictions by guilty plea, 2016 (note 66: Sourcebook table 38, which
// counts the convicted and sentenced by mode of conviction).
inline constexpr double kPleaShare = 0.98;
// Primary drug of drug-trafficking offenders sentenced in FY2016 (USSC,
// Quick Facts: Drug Trafficking Offenses, FY2016).
inline constexpr double kMethamphetamineShare = 0.336;
inline constexpr double kCocaineShare = 0.198;
inline constexpr double kHeroinShare = 0.144;
inline constexpr double kCrackShare = 0.081;
// USSC, Mandatory Minimum Penalties for Drug Offenses in the Federal
// Criminal Justice System (Oct. 2017), FY2016: drug offenders convicted of
// an offense carrying a mandatory minimum, and of them those relieved by the
// safety valve (alone 21.8% or with substantial assistance 8.2%), by
// substantial assistance alone, and by either.
inline constexpr double kMandatoryMinimumShare = 0.447;
inline constexpr double kSafetyValveOfMandatoryMinimum = 0.218 + 0.082;
inline constexpr double kAssistanceOnlyOfMandatoryMinimum = 0.215;
inline constexpr double kAssistanceWithSafetyValve = 0.082;
inline constexpr double kRelievedOfMandatoryMinimum = 0.516;
// Their mean sentence when no relief applied ("remained subject").
inline constexpr double kUnrelievedMeanMonths = 126;
// DEA referrals acted upon by U.S. Attorneys in 2001 whose prosecution was
// declined (TRAC, DEA Criminal Referrals Acted Upon, 2001: 3,440 of 19,661).
inline constexpr double kDeclinedShare = 0.175;
// Of DEA referrals not prosecuted in 2003, the share declined because the
// suspect was to be prosecuted by other authorities (TRAC, DEA Referrals
// Not Prosecuted by Disposition Reason, 2003: 691 of 4,083).
inline constexpr double kReferredToStateShare = 0.169;
// Opened cases never referred for prosecution, DEA 2000-2015 (note 80).
inline constexpr double kNotReferredShare = 0.147;
// DEA's reported PTO/CPOT disruptions and dismantlements over target,
// FY2013-14 (note 153): each (fiscal year, measure) lands in this range.
inline constexpr double kDeaOvershootMin = 0.16;
inline constexpr double kDeaOvershootMax = 0.44;
}  // namespace model

}  // namespace fruition::sim

#endif  // FRUITION_TOOLS_SIM_SIM_H_
