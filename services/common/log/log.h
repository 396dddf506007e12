// Structured JSON logging: one JSON object per line on stderr.
//
//   fruition::log::Info("report rejected", {{"reporter", "DEA"}, {"code",
//   "INVALID_ARGUMENT"}});
//   {"ts":"2026-11-29T05:40:01.123Z","level":"info","service":"intake","msg":"report
//   rejected","reporter":"DEA","code":"INVALID_ARGUMENT"}
//
// Thread-safe: each line is written whole under a mutex. Never pass raw subject
// identifiers, sealed evidence text or secrets (tokens, keys) as fields.
#ifndef FRUITION_SERVICES_COMMON_LOG_LOG_H_
#define FRUITION_SERVICES_COMMON_LOG_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fruition::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// One key/value pair of a log line. Numbers are written as JSON numbers.
class Field {
 public:
  Field(std::string_view key, std::string_view value);
  Field(std::string_view key, const char* value);
  Field(std::string_view key, const std::string& value);
  Field(std::string_view key, int64_t value);
  Field(std::string_view key, int value);
  Field(std::string_view key, uint64_t value);
  Field(std::string_view key, uint32_t value);
  Field(std::string_view key, double value);
  Field(std::string_view key, bool value);

  const std::string& key() const { return key_; }
  // The value already encoded as JSON.
  const std::string& json_value() const { return json_value_; }

 private:
  std::string key_;
  std::string json_value_;
};

using Fields = std::vector<Field>;

// Sets the `service` field of every line and the minimum level written.
// Call once at start-up; defaults: service "fruition", level info.
void Configure(std::string_view service, Level min_level);
// Parses "debug", "info", "warn" or "error".
bool ParseLevel(std::string_view text, Level* level);
// Sends lines to `out` instead of stderr (tests); nullptr restores stderr.
void SetSinkForTesting(std::ostream* out);

void Write(Level level, std::string_view msg, const Fields& fields = {});
inline void Debug(std::string_view msg, const Fields& fields = {}) {
  Write(Level::kDebug, msg, fields);
}
inline void Info(std::string_view msg, const Fields& fields = {}) {
  Write(Level::kInfo, msg, fields);
}
inline void Warn(std::string_view msg, const Fields& fields = {}) {
  Write(Level::kWarn, msg, fields);
}
inline void Error(std::string_view msg, const Fields& fields = {}) {
  Write(Level::kError, msg, fields);
}

}  // namespace fruition::log

#endif  // FRUITION_SERVICES_COMMON_LOG_LOG_H_
