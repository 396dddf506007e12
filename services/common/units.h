// Units and periods as SPEC §5 writes them: `agency:DEA`,
// `field_office:DEA-PHILADELPHIA`, `district:EDPA`, `area:PHL-KENSINGTON`;
// `FY2016` (a federal fiscal year) and `FY2016Q1` (its quarters).
#ifndef FRUITION_SERVICES_COMMON_UNITS_H_
#define FRUITION_SERVICES_COMMON_UNITS_H_

#include <string>

namespace fruition::units {

// "FY" + four digits, optionally "Q1".."Q4".
inline bool ValidPeriod(const std::string& p) {
  if (p.size() != 6 && p.size() != 8) return false;
  if (p.rfind("FY", 0) != 0) return false;
  for (size_t i = 2; i < 6; ++i) {
    if (p[i] < '0' || p[i] > '9') return false;
  }
  return p.size() == 6 || (p[6] == 'Q' && p[7] >= '1' && p[7] <= '4');
}

inline bool ValidUnitKind(const std::string& k) {
  return k == "agency" || k == "field_office" || k == "district" || k == "area";
}

// kind:code with a valid kind and a code.
inline bool ValidUnit(const std::string& unit) {
  const size_t colon = unit.find(':');
  return colon != std::string::npos && ValidUnitKind(unit.substr(0, colon)) &&
         colon + 1 < unit.size();
}

// What to tell a caller who sent a bad unit or period.
inline constexpr char kUnitHelp[] =
    "must be kind:code, e.g. agency:DEA, field_office:DEA-PHILADELPHIA, "
    "district:EDPA or area:PHL-KENSINGTON";
inline constexpr char kPeriodHelp[] = "must be FY2016 or FY2016Q1";

}  // namespace fruition::units

#endif  // FRUITION_SERVICES_COMMON_UNITS_H_
