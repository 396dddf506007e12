#include "services/common/ndjson.h"

#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <iostream>

#include "services/common/strings.h"

namespace fruition::ndjson {

absl::StatusOr<v1::AgencyReport> ParseReportJson(const std::string& json) {
  v1::AgencyReport report;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status =
      google::protobuf::util::JsonStringToMessage(json, &report, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        StrCat("not a valid AgencyReport JSON: ", status.message()));
  }
  return report;
}

absl::StatusOr<std::vector<Line>> ReadNdjson(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path);
    if (!file) return absl::NotFoundError(StrCat(path, ": cannot read"));
    in = &file;
  }
  std::vector<Line> lines;
  std::string text;
  int number = 0;
  while (std::getline(*in, text)) {
    ++number;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    Line line;
    line.file = path;
    line.number = number;
    auto report = ParseReportJson(text);
    if (report.ok()) {
      line.report = std::move(*report);
    } else {
      line.parse_error = std::string(report.status().message());
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace fruition::ndjson
