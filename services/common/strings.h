// String helpers. Debian's Abseil is built with its own absl::string_view
// (ABSL_OPTION_USE_STD_STRING_VIEW 0), so absl::StrCat does not take
// std::string_view; this variadic concatenation takes anything streamable.
#ifndef FRUITION_SERVICES_COMMON_STRINGS_H_
#define FRUITION_SERVICES_COMMON_STRINGS_H_

#include <sstream>
#include <string>
#include <string_view>

namespace fruition {

// Concatenates the streamed forms of `parts`.
template <typename... Parts>
std::string StrCat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

// `bytes` as lowercase hexadecimal, two digits per byte.
inline std::string HexLower(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

}  // namespace fruition

#endif  // FRUITION_SERVICES_COMMON_STRINGS_H_
