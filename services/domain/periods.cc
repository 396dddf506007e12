#include "services/domain/periods.h"

#include <ctime>

namespace fruition::domain {
namespace {

// Civil (year, month) of a UTC time.
std::pair<int, int> YearMonth(int64_t seconds) {
  const auto t = static_cast<time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return {tm.tm_year + 1900, tm.tm_mon + 1};
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string FiscalYear(int64_t seconds) {
  const auto [year, month] = YearMonth(seconds);
  return FiscalYearName(month >= 10 ? year + 1 : year);
}

std::string FiscalQuarter(int64_t seconds) {
  const auto [year, month] = YearMonth(seconds);
  const int quarter = month >= 10 ? 1 : (month + 2) / 3 + 1;
  return FiscalYearName(month >= 10 ? year + 1 : year) + "Q" +
         std::to_string(quarter);
}

std::string FiscalYearName(int year) { return "FY" + std::to_string(year); }

std::string FiscalYearOfPeriod(const std::string& period) {
  return period.substr(0, 6);
}

int YearOf(const std::string& period) {
  int year = 0;
  for (size_t i = 2; i < 6 && i < period.size() && IsDigit(period[i]); ++i) {
    year = year * 10 + (period[i] - '0');
  }
  return year;
}

bool IsFiscalYear(const std::string& period) { return period.size() == 6; }

std::pair<int64_t, int64_t> FiscalYearBounds(int year) {
  std::tm tm{};
  tm.tm_year = year - 1 - 1900;
  tm.tm_mon = 9;
  tm.tm_mday = 1;
  const int64_t start = timegm(&tm);
  tm.tm_year = year - 1900;
  return {start, static_cast<int64_t>(timegm(&tm))};
}

bool ValidPeriod(const std::string& p) {
  if (p.size() != 6 && p.size() != 8) return false;
  if (p.rfind("FY", 0) != 0) return false;
  for (size_t i = 2; i < 6; ++i) {
    if (!IsDigit(p[i])) return false;
  }
  return p.size() == 6 || (p[6] == 'Q' && p[7] >= '1' && p[7] <= '4');
}

bool ValidUnitKind(const std::string& k) {
  return k == "agency" || k == "field_office" || k == "district" ||
         k == "area" || k == "national";
}

bool ValidUnit(const std::string& unit) {
  const size_t colon = unit.find(':');
  return colon != std::string::npos && ValidUnitKind(unit.substr(0, colon)) &&
         colon + 1 < unit.size();
}

}  // namespace fruition::domain
