#ifndef FRUITION_SERVICES_COMMON_JSON_H_
#define FRUITION_SERVICES_COMMON_JSON_H_

#include <string>
#include <string_view>
#include <vector>

// The one JSON string writer (logs, catalogues, benches): quotes, escapes
// control characters, and replaces invalid UTF-8 with U+FFFD so that every
// line it writes parses.
namespace fruition::json {

// Appends `text` as a JSON string literal (quotes included) to `out`.
void AppendJsonString(std::string_view text, std::string* out);

// `text` as a JSON string literal (quotes included).
std::string JsonString(std::string_view text);

// `items` as a JSON array of strings, appended to `out`.
void AppendJsonList(const std::vector<std::string>& items, std::string* out);

// `v` as a JSON number that reads back as the same double ("null" when it
// is not finite: JSON has no NaN or infinity).
std::string Number(double v);

}  // namespace fruition::json

#endif  // FRUITION_SERVICES_COMMON_JSON_H_
