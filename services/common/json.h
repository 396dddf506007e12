#ifndef FRUITION_SERVICES_COMMON_JSON_H_
#define FRUITION_SERVICES_COMMON_JSON_H_

#include <string>
#include <string_view>

// The one JSON string writer (logs, catalogues, benches): quotes, escapes
// control characters, and replaces invalid UTF-8 with U+FFFD so that every
// line it writes parses.
namespace fruition::json {

// Appends `text` as a JSON string literal (quotes included) to `out`.
void AppendJsonString(std::string_view text, std::string* out);

// `text` as a JSON string literal (quotes included).
std::string JsonString(std::string_view text);

}  // namespace fruition::json

#endif  // FRUITION_SERVICES_COMMON_JSON_H_
