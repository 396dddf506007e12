#include "services/common/config/config.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "services/common/strings.h"
#include "yaml-cpp/yaml.h"

namespace fruition::config {
namespace {

const Spec* FindSpec(const std::vector<Spec>& specs, std::string_view name) {
  for (const Spec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string Kebab(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '_') c = '-';
  }
  return out;
}

bool ParseBoolText(std::string_view text, bool* out) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") {
    *out = true;
    return true;
  }
  if (text == "false" || text == "0" || text == "no" || text == "off") {
    *out = false;
    return true;
  }
  return false;
}

}  // namespace

std::string EnvName(std::string_view name) {
  std::string out = "FRUITION_";
  for (char c : name) {
    out.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
  }
  return out;
}

absl::Status ExactlyOneOf(const Settings& s, std::string_view file_field,
                          std::string_view value_field) {
  if (s.Get(std::string(file_field)).empty() !=
      s.Get(std::string(value_field)).empty()) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(StrCat(
      "config field ", file_field, " / ", value_field, ": set exactly one (",
      EnvName(file_field), " or ", EnvName(value_field), ")"));
}

namespace {

using FieldMap = std::map<std::string, std::string, std::less<>>;

// What the command line says: flags by spec name, --config, --help and the
// positional arguments.
struct CommandLine {
  FieldMap flags;
  std::string config_file;
  bool help = false;
  std::vector<std::string> positional;
};

// The value of flag --`name` (args[*i]; `*i` advances past a separate
// value), and whether it names a known spec. `value`/`has_value` are what
// followed '=' in the flag itself.
absl::Status ParseFlag(const std::vector<std::string>& args, size_t* i,
                       const std::vector<Spec>& specs, const std::string& name,
                       std::string value, bool has_value, CommandLine* out) {
  const Spec* spec = FindSpec(specs, name);
  if (spec == nullptr && name.rfind("no-", 0) == 0) {
    const Spec* negated = FindSpec(specs, name.substr(3));
    if (negated != nullptr && negated->is_bool && !has_value) {
      out->flags[negated->name] = "false";
      return absl::OkStatus();
    }
  }
  if (spec == nullptr) {
    return absl::InvalidArgumentError(
        StrCat("unknown flag --", name, " (see --help)"));
  }
  if (!has_value) {
    if (spec->is_bool) {
      value = "true";
    } else if (*i + 1 < args.size()) {
      value = args[++*i];
    } else {
      return absl::InvalidArgumentError(
          StrCat("flag --", name, " needs a value"));
    }
  }
  out->flags[spec->name] = value;
  return absl::OkStatus();
}

absl::StatusOr<CommandLine> ParseCommandLine(
    const std::vector<std::string>& args, const std::vector<Spec>& specs) {
  CommandLine out;
  bool positional_only = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (positional_only || arg.size() < 3 || arg.rfind("--", 0) != 0) {
      if (arg == "--") {
        positional_only = true;
        continue;
      }
      out.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "help") {
      out.help = true;
      continue;
    }
    if (name == "config") {
      if (!has_value) {
        if (i + 1 >= args.size()) {
          return absl::InvalidArgumentError("flag --config needs a file path");
        }
        value = args[++i];
      }
      out.config_file = value;
      continue;
    }
    if (absl::Status s =
            ParseFlag(args, &i, specs, name, value, has_value, &out);
        !s.ok()) {
      return s;
    }
  }
  return out;
}

// The fields of YAML file `config_file` (a mapping of scalars; every field
// a spec), by spec name.
absl::StatusOr<FieldMap> ReadConfigFile(const std::string& config_file,
                                        const std::vector<Spec>& specs) {
  FieldMap from_file;
  std::ifstream in(config_file);
  if (!in) {
    return absl::NotFoundError(
        StrCat("config file ", config_file, " cannot be read"));
  }
  YAML::Node root;
  try {
    root = YAML::Load(in);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        StrCat("config file ", config_file, ": ", e.what()));
  }
  if (!root || root.IsNull()) return from_file;
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        StrCat("config file ", config_file, ": top level must be a mapping"));
  }
  for (const auto& entry : root) {
    const std::string key = Kebab(entry.first.as<std::string>());
    if (FindSpec(specs, key) == nullptr) {
      return absl::InvalidArgumentError(StrCat("config file ", config_file,
                                               ": unknown field ",
                                               entry.first.as<std::string>()));
    }
    if (!entry.second.IsScalar()) {
      return absl::InvalidArgumentError(
          StrCat("config file ", config_file, ": field ",
                 entry.first.as<std::string>(), " must be a scalar"));
    }
    from_file[key] = entry.second.as<std::string>();
  }
  return from_file;
}

}  // namespace

absl::StatusOr<Settings> Settings::Load(const std::vector<std::string>& args,
                                        const std::vector<Spec>& specs,
                                        const EnvLookup& env_lookup) {
  const EnvLookup env =
      env_lookup ? env_lookup : [](const char* n) { return std::getenv(n); };
  auto command_line = ParseCommandLine(args, specs);
  if (!command_line.ok()) return command_line.status();
  Settings settings;
  settings.positional_ = command_line->positional;
  settings.help_requested_ = command_line->help;
  std::string config_file = command_line->config_file;
  if (config_file.empty()) {
    if (const char* from_env = env("FRUITION_CONFIG"); from_env != nullptr) {
      config_file = from_env;
    }
  }
  FieldMap from_file;
  if (!config_file.empty()) {
    auto read = ReadConfigFile(config_file, specs);
    if (!read.ok()) return read.status();
    from_file = std::move(*read);
  }
  // Flags > FRUITION_* environment > file > default.
  for (const Spec& spec : specs) {
    Value value{spec.default_value, "default"};
    if (auto it = from_file.find(spec.name); it != from_file.end()) {
      value = {it->second, StrCat("file ", config_file)};
    }
    const std::string env_name = EnvName(spec.name);
    if (const char* from_env = env(env_name.c_str()); from_env != nullptr) {
      value = {from_env, StrCat("env ", env_name)};
    }
    if (auto it = command_line->flags.find(spec.name);
        it != command_line->flags.end()) {
      value = {it->second, "flag"};
    }
    settings.values_[spec.name] = std::move(value);
  }
  return settings;
}

const std::string& Settings::Get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    std::fprintf(stderr, "config: setting %.*s was never declared\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return it->second.text;
}

std::string Settings::Source(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? "" : it->second.source;
}

absl::Status Settings::Invalid(std::string_view name,
                               std::string_view why) const {
  return absl::InvalidArgumentError(
      StrCat("config field ", name, " (", Source(name), "): ", why));
}

absl::StatusOr<int64_t> Settings::GetInt(std::string_view name, int64_t min,
                                         int64_t max) const {
  const std::string& text = Get(name);
  errno = 0;
  char* end = nullptr;
  const int64_t value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE) {
    return Invalid(name, StrCat("not an integer: '", text, "'"));
  }
  if (value < min || value > max) {
    return Invalid(name, StrCat(value, " is outside [", min, ", ", max, "]"));
  }
  return static_cast<int64_t>(value);
}

absl::StatusOr<double> Settings::GetDouble(std::string_view name, double min,
                                           double max) const {
  const std::string& text = Get(name);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value)) {
    return Invalid(name, StrCat("not a number: '", text, "'"));
  }
  if (value < min || value > max) {
    return Invalid(name, StrCat(value, " is outside [", min, ", ", max, "]"));
  }
  return value;
}

absl::StatusOr<bool> Settings::GetBool(std::string_view name) const {
  bool value = false;
  if (!ParseBoolText(Get(name), &value)) {
    return Invalid(name,
                   StrCat("not a boolean (true/false): '", Get(name), "'"));
  }
  return value;
}

absl::StatusOr<std::string> Settings::GetRequired(std::string_view name) const {
  const std::string& text = Get(name);
  if (text.empty()) {
    return Invalid(name,
                   StrCat("required; set --", name, " or ", EnvName(name)));
  }
  return text;
}

std::string Settings::Usage(std::string_view program,
                            const std::vector<Spec>& specs) {
  std::ostringstream out;
  out << "usage: " << program << " [flags]\n\n"
      << "Each flag may also be set as FRUITION_<NAME> in the environment or\n"
      << "as name: value in the YAML file given by --config FILE.\n\n";
  out << "  --config FILE\n      YAML file with settings (env "
         "FRUITION_CONFIG)\n";
  for (const Spec& spec : specs) {
    out << "  --" << spec.name << (spec.is_bool ? "" : " VALUE") << "\n      "
        << spec.help;
    if (!spec.default_value.empty()) {
      out << " (default: " << spec.default_value << ")";
    }
    out << "\n";
  }
  return out.str();
}

absl::Status CheckHostPort(const std::string& value, const std::string& field) {
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == value.size()) {
    return absl::InvalidArgumentError(
        StrCat("config field ", field, ": '", value, "' is not host:port"));
  }
  char* end = nullptr;
  const int64_t port = std::strtoll(value.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(StrCat(
        "config field ", field, ": port of '", value, "' is not 0..65535"));
  }
  return absl::OkStatus();
}

}  // namespace fruition::config
