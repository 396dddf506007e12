// Layered configuration: command-line flags, then FRUITION_* environment
// variables, then an optional YAML file, then built-in defaults.
//
// Each binary declares the settings it accepts as a list of `Spec`s and turns
// the loaded `Settings` into its own typed config struct once, at start-up,
// returning an error that names the field (and where its value came from) for
// anything invalid. Unknown flags and unknown YAML keys are errors too, so a
// typo never silently falls back to a default.
//
// Names are kebab-case (`grpc-port`). The same setting is:
//   flag     --grpc-port=50051  or  --grpc-port 50051  (booleans: --dev,
//   --no-dev) env      FRUITION_GRPC_PORT=50051 YAML     grpc_port: 50051   (or
//   grpc-port: 50051)
// The YAML file is named by --config FILE or FRUITION_CONFIG.
//
// Thread-compatible: a loaded Settings is immutable.
#ifndef FRUITION_SERVICES_COMMON_CONFIG_CONFIG_H_
#define FRUITION_SERVICES_COMMON_CONFIG_CONFIG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace fruition::config {

// One setting a binary accepts.
struct Spec {
  std::string name;           // kebab-case, e.g. "grpc-port"
  std::string default_value;  // as text; "" = unset
  std::string help;           // one line, shown by --help
  bool is_bool = false;       // a flag that takes no value
};

// Reads an environment variable; returns nullptr when unset.
using EnvLookup = std::function<const char*(const char*)>;

class Settings {
 public:
  // Loads `args` (argv without the program name), the environment and the
  // YAML file. Arguments that do not start with "--" (and everything after
  // a bare "--") are positional. Errors: INVALID_ARGUMENT naming the flag,
  // variable or YAML key; NOT_FOUND for a missing YAML file.
  static absl::StatusOr<Settings> Load(const std::vector<std::string>& args,
                                       const std::vector<Spec>& specs,
                                       const EnvLookup& env = nullptr);

  // The raw text of a declared setting ("" when unset). Dies on an
  // undeclared name: that is a programming error, not a user's.
  const std::string& Get(std::string_view name) const;
  // Where the value came from: "flag", "env FRUITION_X", "file PATH",
  // "default".
  std::string Source(std::string_view name) const;
  // Typed getters; errors name the field, its source and the allowed range.
  absl::StatusOr<int64_t> GetInt(std::string_view name, int64_t min,
                                 int64_t max) const;
  absl::StatusOr<double> GetDouble(std::string_view name, double min,
                                   double max) const;
  absl::StatusOr<bool> GetBool(std::string_view name) const;
  // A required non-empty value.
  absl::StatusOr<std::string> GetRequired(std::string_view name) const;

  bool help_requested() const { return help_requested_; }
  const std::vector<std::string>& positional() const { return positional_; }

  // The --help text for `specs`.
  static std::string Usage(std::string_view program,
                           const std::vector<Spec>& specs);

 private:
  struct Value {
    std::string text;
    std::string source;
  };
  absl::Status Invalid(std::string_view name, std::string_view why) const;

  std::map<std::string, Value, std::less<>> values_;
  std::vector<std::string> positional_;
  bool help_requested_ = false;
};

// "grpc-port" -> "FRUITION_GRPC_PORT".
std::string EnvName(std::string_view name);

// OK if `value` is "host:port" with a port 0..65535; otherwise
// INVALID_ARGUMENT naming config field `field`.
absl::Status CheckHostPort(const std::string& value, const std::string& field);

// OK if exactly one of two settings is set (a secret from a file or as a
// value: "pseudonym-key-file" / "pseudonym-key"); otherwise
// INVALID_ARGUMENT naming both fields and their environment variables.
absl::Status ExactlyOneOf(const Settings& s, std::string_view file_field,
                          std::string_view value_field);

}  // namespace fruition::config

#endif  // FRUITION_SERVICES_COMMON_CONFIG_CONFIG_H_
