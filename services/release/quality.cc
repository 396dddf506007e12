// quality.csv / quality.json: data-quality flags per unit (SPEC §10) from
// the quality indicators of the cards. A flag whose indicator no card of the
// unit carries is "not available"; a suppressed cell stays suppressed.
#include <algorithm>
#include <ctime>
#include <optional>

#include "services/common/json.h"
#include "services/domain/periods.h"
#include "services/release/model.h"

namespace fruition::release {
namespace {

constexpr int64_t kSilentSeconds = int64_t{90} * 86400;

// The per-unit counts of the fiscal year.
const char* const kCountFlags[] = {"arrests_unsentenced",
                                   "sentenced_without_arrest",
                                   "reports_conflicting", "reports_received"};

struct Flag {
  std::string unit, flag, value, n, status;
};

std::string Date(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

Flag CellFlag(const std::string& unit, const std::string& name,
              const v1::Indicator* i) {
  if (i == nullptr) return {unit, name, "", "", "not available"};
  if (i->suppressed()) {
    return {unit, name, kSuppressed, kSuppressed, "suppressed"};
  }
  return {unit, name, i->defined() ? Num(i->value()) : "",
          std::to_string(i->n()), "reported"};
}

// An agency's latest last_received_at: the fiscal year's own cell (the
// latest over every record of the year, so of its quarters too) when the
// year's card has it; otherwise the latest over its quarters' cells.
// nullopt when no card has the indicator; -1 when the cell that decides is
// suppressed. A suppressed quarter does not hide a year published whole (a
// quarter may be withheld to protect another member of its linked set).
std::optional<int64_t> LatestReceived(const Model& m, const std::string& unit) {
  std::optional<int64_t> latest;
  for (const Row* r : m.UnitRows(unit)) {
    const v1::Indicator* i = r->Cell("last_received_at");
    if (i == nullptr) continue;
    const bool year = r->card->period() == m.in->period;
    if (i->suppressed()) {
      if (year) return -1;
      latest = latest.value_or(-1);
      continue;
    }
    const int64_t at = i->defined() ? static_cast<int64_t>(i->value()) : 0;
    if (year) return at;
    latest = std::max(latest.value_or(0), at);
  }
  return latest;
}

// The silent flag of every agency (SPEC §10: a reporter silent for 90 days).
void SilentFlags(const Model& m, std::vector<Flag>* out) {
  const auto [start, end] =
      domain::FiscalYearBounds(domain::YearOf(m.in->period));
  (void)start;
  std::map<std::string, std::optional<int64_t>> latest;
  int64_t newest = 0;
  for (const Row* r : m.YearRows("agency")) {
    const std::string& unit = r->card->unit();
    latest[unit] = LatestReceived(m, unit);
    if (latest[unit].has_value()) newest = std::max(newest, *latest[unit]);
  }
  const int64_t reference = std::min(end, newest);
  for (const auto& [unit, at] : latest) {
    if (!at.has_value()) {
      out->push_back({unit, "silent_90_days", "", "", "not available"});
    } else if (*at < 0) {
      out->push_back({unit, "silent_90_days", kSuppressed, "", "suppressed"});
    } else if (*at == 0 || reference - *at >= kSilentSeconds) {
      out->push_back(
          {unit, "silent_90_days", *at == 0 ? "" : Date(*at), "", "silent"});
    } else {
      out->push_back({unit, "silent_90_days", Date(*at), "", "active"});
    }
  }
}

std::vector<Flag> Flags(const Model& m) {
  std::vector<Flag> out;
  for (const std::string& kind : Kinds()) {
    for (const Row* r : m.YearRows(kind)) {
      const std::string& unit = r->card->unit();
      for (const char* name : kCountFlags) {
        // Reports (received, conflicting) are counted per agency only.
        const std::string flag = name;
        if ((flag == "reports_received" || flag == "reports_conflicting") &&
            kind != "agency") {
          continue;
        }
        out.push_back(CellFlag(unit, name, r->Cell(name)));
      }
      bool coverage = false;
      for (const auto& [name, cell] : r->cells) {
        if (name.rfind("coverage:", 0) != 0) continue;
        coverage = true;
        out.push_back(CellFlag(unit, name, cell));
      }
      if (!coverage) out.push_back(CellFlag(unit, "coverage", nullptr));
    }
  }
  SilentFlags(m, &out);
  std::stable_sort(out.begin(), out.end(), [](const Flag& a, const Flag& b) {
    return a.unit < b.unit;
  });
  return out;
}

}  // namespace

void WriteQuality(const Model& m, std::vector<File>* out) {
  const std::vector<Flag> flags = Flags(m);
  std::string csv = CsvLine({"unit", "flag", "value", "n", "status"});
  std::string js = "{\"period\":" + json::JsonString(m.in->period) +
                   ",\"silentAfterDays\":90,\"flags\":[\n";
  for (size_t i = 0; i < flags.size(); ++i) {
    const Flag& f = flags[i];
    csv += CsvLine({f.unit, f.flag, f.value, f.n, f.status});
    js += "{\"unit\":" + json::JsonString(f.unit) +
          ",\"flag\":" + json::JsonString(f.flag) +
          ",\"status\":" + json::JsonString(f.status);
    if (f.status == "suppressed") {
      js += ",\"suppressed\":true";
    } else {
      if (!f.value.empty()) js += ",\"value\":" + json::JsonString(f.value);
      if (!f.n.empty()) js += ",\"n\":" + f.n;
    }
    js += i + 1 < flags.size() ? "},\n" : "}\n";
  }
  out->push_back({"quality.csv", std::move(csv)});
  out->push_back({"quality.json", js + "]}\n"});
}

}  // namespace fruition::release
