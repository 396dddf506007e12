// Units and periods as SPEC §5 writes them: units `agency:DEA`,
// `field_office:DEA-PHILADELPHIA`, `district:EDPA`, `area:PHL-KENSINGTON`;
// periods `FY2016` (a federal fiscal year: Oct 1 2015 – Sep 30 2016, UTC) and
// `FY2016Q1` (its quarters, Q1 = Oct–Dec). One place for every service and
// tool that names, parses or checks them. Pure: no I/O, no clock.
#ifndef FRUITION_SERVICES_DOMAIN_PERIODS_H_
#define FRUITION_SERVICES_DOMAIN_PERIODS_H_

#include <cstdint>
#include <string>
#include <utility>

namespace fruition::domain {

// ---- periods

// "FY2016" for a time in Oct 1 2015 – Sep 30 2016 (UTC), and its quarter
// "FY2016Q1" (Oct–Dec) … "FY2016Q4" (Jul–Sep).
std::string FiscalYear(int64_t seconds);
std::string FiscalQuarter(int64_t seconds);

// "FY2016" for 2016 (OrgOutcomeClaim.fiscal_year and the like).
std::string FiscalYearName(int year);

// The fiscal year ("FY2016") of a period ("FY2016" or "FY2016Q3").
std::string FiscalYearOfPeriod(const std::string& period);

// The fiscal year of a valid period as a number: 2016 for "FY2016Q3".
int YearOf(const std::string& period);

// Whether a valid period is a whole fiscal year (not a quarter).
bool IsFiscalYear(const std::string& period);

// [start, end) of fiscal year `year` in Unix seconds: Oct 1 of year − 1 to
// Oct 1 of year, UTC.
std::pair<int64_t, int64_t> FiscalYearBounds(int year);

// "FY" + four digits, optionally "Q1".."Q4".
bool ValidPeriod(const std::string& period);

// ---- units

// The unit kinds of SPEC §5 that a caller may name (`national`: the one
// unit `national:US`).
bool ValidUnitKind(const std::string& kind);

// kind:code with a valid kind and a code.
bool ValidUnit(const std::string& unit);

// What to tell a caller who sent a bad unit or period.
inline constexpr char kUnitHelp[] =
    "must be kind:code, e.g. agency:DEA, field_office:DEA-PHILADELPHIA, "
    "district:EDPA or area:PHL-KENSINGTON";
inline constexpr char kPeriodHelp[] = "must be FY2016 or FY2016Q1";

}  // namespace fruition::domain

#endif  // FRUITION_SERVICES_DOMAIN_PERIODS_H_
