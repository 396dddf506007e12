#include "services/common/log/log.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>

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
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  return buf;
}

// Length of the valid UTF-8 sequence starting at `s[i]`, or 0 if invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t len;
  uint32_t min;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  uint32_t cp = c & (0xFF >> (len + 1));
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t len = Utf8SequenceLength(text, i);
      if (len == 0) {
        out->append("\xEF\xBF\xBD");
        ++i;
      } else {
        out->append(text.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out->push_back('"');
}

Field::Field(std::string_view key, std::string_view value) : key_(key) {
  AppendJsonString(value, &json_value_);
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
Field::Field(std::string_view key, double value) : key_(key) {
  if (std::isfinite(value)) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.17g", value);
    json_value_ = buf;
  } else {
    json_value_ = "null";
  }
}
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
  AppendJsonString(state.service, &line);
  line.append(",\"msg\":");
  AppendJsonString(msg, &line);
  for (const Field& field : fields) {
    line.push_back(',');
    AppendJsonString(field.key(), &line);
    line.push_back(':');
    line.append(field.json_value());
  }
  line.append("}\n");
  std::ostream& out = state.sink != nullptr ? *state.sink : std::cerr;
  out << line;
  out.flush();
}

}  // namespace fruition::log
