#include "tools/sim/output.h"

#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "services/common/json.h"
#include "services/common/strings.h"

namespace fruition::sim {
namespace {

using json::JsonString;

std::string Number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

std::string Rfc3339(int64_t seconds) {
  const auto t = static_cast<time_t>(seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The calibration table as measured: one object per row.
void WriteCalibration(const Measures& m, std::ostream& out) {
  bool first = true;
  for (const CalibrationRow& row : Calibration(m)) {
    out << (first ? "\n" : ",\n") << "    {\"id\": " << JsonString(row.id)
        << ", \"figure\": " << JsonString(row.figure)
        << ", \"source\": " << JsonString(row.source)
        << ", \"low\": " << Number(row.low)
        << ", \"high\": " << Number(row.high)
        << ", \"tolerance\": " << Number(row.tolerance)
        << ", \"produced\": " << Number(row.produced)
        << ", \"ok\": " << (row.ok() ? "true" : "false") << "}";
    first = false;
  }
}

// The prosecution stage's national figures, each beside its published
// figure (null where none is published).
void WriteNationalFigures(const Measures& m, std::ostream& out) {
  bool first = true;
  for (const NationalFigure& f : NationalFigures(m)) {
    out << (first ? "\n" : ",\n") << "    {\"id\": " << JsonString(f.id)
        << ", \"what\": " << JsonString(f.what)
        << ", \"sample\": " << Number(f.sample) << ", \"published\": "
        << (f.has_published ? Number(f.published) : "null")
        << ", \"source\": " << JsonString(f.source) << "}";
    first = false;
  }
}

}  // namespace

absl::StatusOr<std::string> ReportJson(const v1::AgencyReport& report) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  const auto status =
      google::protobuf::util::MessageToJsonString(report, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        StrCat("report ", report.report_id(),
               ": cannot print JSON: ", status.message()));
  }
  return json;
}

std::string FileFor(const std::string& reporter) {
  return reporter + ".ndjson";
}

std::string ManifestJson(const SimOptions& options,
                         const std::vector<v1::AgencyReport>& reports,
                         const Measures& m) {
  std::ostringstream out;
  out << "{\n  \"generator\": \"fruition-sim\",\n"
      << "  \"options\": {\"seed\": " << options.seed
      << ", \"subjects\": " << options.subjects
      << ", \"firstFiscalYear\": " << options.first_fiscal_year
      << ", \"years\": " << options.years
      << ", \"idPrefix\": " << JsonString(options.id_prefix) << "},\n"
      << "  \"reports\": " << reports.size() << ",\n";
  if (!reports.empty()) {
    out << "  \"firstOccurredAt\": "
        << JsonString(Rfc3339(reports.front().occurred_at().seconds()))
        << ",\n  \"lastOccurredAt\": "
        << JsonString(Rfc3339(reports.back().occurred_at().seconds())) << ",\n";
  }
  out << "  \"files\": [";
  bool first = true;
  for (const auto& [reporter, count] : m.by_reporter) {
    out << (first ? "\n" : ",\n")
        << "    {\"file\": " << JsonString(FileFor(reporter))
        << ", \"reporter\": " << JsonString(reporter)
        << ", \"kind\": " << JsonString(std::string(KindOf(reporter)))
        << ", \"reports\": " << count << "}";
    first = false;
  }
  out << "\n  ],\n  \"bodies\": {";
  first = true;
  for (const auto& [body, count] : m.by_body) {
    out << (first ? "" : ", ") << JsonString(body) << ": " << count;
    first = false;
  }
  out << "},\n  \"calibration\": [";
  WriteCalibration(m, out);
  out << "\n  ],\n  \"national\": {"
      << "\"sentenced\": " << m.sentenced
      << ", \"amendedJudgments\": " << m.amended_judgments
      << ", \"meanDesert\": " << Number(m.mean_desert)
      << ", \"highDesertShare\": " << Number(m.high_desert_share)
      << ", \"lnfShare\": " << Number(m.lnf_share)
      << ", \"claimedPriorityShare\": " << Number(m.claimed_priority_share)
      << ", \"fruitionGap\": " << Number(m.fruition_gap())
      << ", \"tierMismatchShareOfClaimedPriority\": "
      << Number(m.tier_mismatch_share) << ", \"arrests\": " << m.arrests
      << ", \"ptoLinkedArrestsClaimed\": " << m.arrests_claimed
      << ", \"ptoLinkedArrestsSubstantiated\": " << m.arrests_substantiated
      << ", \"claims\": " << m.claims
      << ", \"claimsSubstantiated\": " << m.substantiated
      << ", \"claimsPartial\": " << m.partial
      << ", \"claimsUnsubstantiated\": " << m.unsubstantiated
      << ", \"casesOpened\": " << m.cases_opened
      << ", \"declinedThenChargedElsewhere\": "
      << m.declined_then_charged_elsewhere
      << ", \"orgOutcomes\": " << m.org_outcomes
      << ", \"pendingCountedAsDismantled\": " << m.pending_dismantled
      << ", \"refiledCharges\": " << m.refiled
      << ", \"declinedThenChargedSameDistrict\": "
      << m.declined_then_charged_same_district
      << ", \"dispositionsWithoutCharge\": " << m.dispositions_without_charge
      << ", \"seizuresBeforeCaseOpened\": " << m.seizures_before_case_opened
      << "},\n  \"nationalFigures\": [";
  WriteNationalFigures(m, out);
  out << "\n  ],\n  \"targetRatios\": [";
  first = true;
  for (const TargetRatio& t : m.target_ratios) {
    out << (first ? "\n" : ",\n") << "    {\"agency\": " << JsonString(t.agency)
        << ", \"fiscalYear\": " << t.fiscal_year << ", \"measure\": "
        << JsonString(v1::PerformanceMeasure_Name(t.measure))
        << ", \"target\": " << t.target << ", \"reported\": " << t.reported
        << ", \"ratio\": " << Number(t.ratio()) << "}";
    first = false;
  }
  out << "\n  ]\n}\n";
  return out.str();
}

absl::StatusOr<std::vector<std::string>> WriteDirectory(
    const std::string& dir, const SimOptions& options,
    const std::vector<v1::AgencyReport>& reports, const Measures& measures) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::InvalidArgumentError(
        StrCat("--out: cannot create ", dir, ": ", error.message()));
  }
  std::map<std::string, std::ofstream> files;
  std::vector<std::string> written;
  for (const v1::AgencyReport& r : reports) {
    auto it = files.find(r.reporter());
    if (it == files.end()) {
      const std::string path =
          (std::filesystem::path(dir) / FileFor(r.reporter())).string();
      it = files.emplace(r.reporter(), std::ofstream(path, std::ios::trunc))
               .first;
      if (!it->second) {
        return absl::InvalidArgumentError(StrCat("--out: cannot write ", path));
      }
      written.push_back(path);
    }
    auto json = ReportJson(r);
    if (!json.ok()) return json.status();
    it->second << *json << '\n';
  }
  for (auto& [reporter, file] : files) {
    file.close();
    if (!file) {
      return absl::InternalError(
          StrCat("--out: writing ", FileFor(reporter), " in ", dir, " failed"));
    }
  }
  const std::string manifest =
      (std::filesystem::path(dir) / "manifest.json").string();
  std::ofstream out(manifest, std::ios::trunc);
  out << ManifestJson(options, reports, measures);
  out.close();
  if (!out) {
    return absl::InvalidArgumentError(StrCat("--out: cannot write ", manifest));
  }
  written.push_back(manifest);
  return written;
}

}  // namespace fruition::sim
