#include "services/common/log/log.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>

#include "services/common/json.h"

namespace fruition::log {
namespace {

struct State {
  std::mutex mu;
  std::string service = "fruition";
  Level min_level = Level::kInfo;
  std::ostream* sink = nullptr;
};

State& GetState() {
  static State* state = new State();
  return *state;
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::string NowRfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                          now.time_since_epoch())
                          .count() %
                      1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];  // room for any int year, so never truncated
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  return buf;
}

}  // namespace

Field::Field(std::string_view key, std::string_view value) : key_(key) {
  json::AppendJsonString(value, &json_value_);
}
Field::Field(std::string_view key, const char* value)
    : Field(key, std::string_view(value)) {}
Field::Field(std::string_view key, const std::string& value)
    : Field(key, std::string_view(value)) {}
Field::Field(std::string_view key, int64_t value)
    : key_(key), json_value_(std::to_string(value)) {}
Field::Field(std::string_view key, int value)
    : key_(key), json_value_(std::to_string(value)) {}
Field::Field(std::string_view key, uint64_t value)
    : key_(key), json_value_(std::to_string(value)) {}
Field::Field(std::string_view key, uint32_t value)
    : key_(key), json_value_(std::to_string(value)) {}
Field::Field(std::string_view key, double value)
    : key_(key), json_value_(json::Number(value)) {}
Field::Field(std::string_view key, bool value)
    : key_(key), json_value_(value ? "true" : "false") {}

void Configure(std::string_view service, Level min_level) {
  State& state = GetState();
  std::lock_guard<std::mutex> lock(state.mu);
  state.service = std::string(service);
  state.min_level = min_level;
}

bool ParseLevel(std::string_view text, Level* level) {
  if (text == "debug") {
    *level = Level::kDebug;
  } else if (text == "info") {
    *level = Level::kInfo;
  } else if (text == "warn") {
    *level = Level::kWarn;
  } else if (text == "error") {
    *level = Level::kError;
  } else {
    return false;
  }
  return true;
}

void SetSinkForTesting(std::ostream* out) {
  State& state = GetState();
  std::lock_guard<std::mutex> lock(state.mu);
  state.sink = out;
}

void Write(Level level, std::string_view msg, const Fields& fields) {
  State& state = GetState();
  std::string line;
  line.reserve(128);
  line.append("{\"ts\":\"").append(NowRfc3339()).append("\",\"level\":\"");
  line.append(LevelName(level)).append("\",\"service\":");
  std::lock_guard<std::mutex> lock(state.mu);
  if (level < state.min_level) return;
  json::AppendJsonString(state.service, &line);
  line.append(",\"msg\":");
  json::AppendJsonString(msg, &line);
  for (const Field& field : fields) {
    line.push_back(',');
    json::AppendJsonString(field.key(), &line);
    line.push_back(':');
    line.append(field.json_value());
  }
  line.append("}\n");
  std::ostream& out = state.sink != nullptr ? *state.sink : std::cerr;
  out << line;
  out.flush();
}

}  // namespace fruition::log
