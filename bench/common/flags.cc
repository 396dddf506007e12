#include "bench/common/flags.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <sstream>

#include "services/common/strings.h"

namespace fruition::bench {

namespace {
std::string& ProgramName() {
  static auto* name = new std::string("bench");
  return *name;
}
}  // namespace

void SetProgram(const std::string& name) { ProgramName() = name; }
const std::string& Program() { return ProgramName(); }

void Die(const std::string& message) {
  std::cerr << Program() << ": " << message << "\n";
  std::exit(1);
}

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, sep)) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string RandomHex(int n) {
  std::random_device rd;
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < n; ++i) out.push_back(kDigits[rd() % 16]);
  return out;
}

std::string Fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  return buf;
}

int64_t ParseNumber(const std::string& flag, const std::string& value,
                    int64_t min) {
  char* end = nullptr;
  const int64_t n = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || n < min) {
    Die(StrCat(flag, ": '", value, "' is not a number >= ", min));
  }
  return n;
}

void Flags::String(const std::string& name, std::string* out) {
  values_[name] = [out](const std::string& v) { *out = v; };
}

void Flags::Int(const std::string& name, int* out, int64_t min) {
  values_[name] = [name, out, min](const std::string& v) {
    *out = static_cast<int>(ParseNumber(name, v, min));
  };
}

void Flags::Uint32(const std::string& name, uint32_t* out) {
  values_[name] = [name, out](const std::string& v) {
    *out = static_cast<uint32_t>(ParseNumber(name, v, 0));
  };
}

void Flags::Uint64(const std::string& name, uint64_t* out) {
  values_[name] = [name, out](const std::string& v) {
    *out = static_cast<uint64_t>(ParseNumber(name, v, 0));
  };
}

void Flags::Pid(const std::string& name, pid_t* out) {
  values_[name] = [name, out](const std::string& v) {
    *out = static_cast<pid_t>(ParseNumber(name, v, 0));
  };
}

void Flags::Switch(const std::string& name, bool* out) {
  switches_[name] = out;
}

void Flags::Custom(const std::string& name,
                   std::function<void(const std::string&)> set) {
  values_[name] = std::move(set);
}

void Flags::Parse(int argc, char** argv, std::vector<std::string>* rest) {
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    if (name == "--" && rest != nullptr) {
      for (++i; i < argc; ++i) rest->push_back(argv[i]);
      return;
    }
    if (name == "--help" || name == "-h") {
      std::cout << usage_;
      std::exit(0);
    }
    if (auto s = switches_.find(name); s != switches_.end()) {
      *s->second = true;
      continue;
    }
    std::string value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (values_.count(name) == 0) {
      Die("unknown flag " + name + "\n" + usage_);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      Die(name + ": needs a value\n" + usage_);
    }
    auto setter = values_.find(name);
    if (setter == values_.end()) Die("unknown flag " + name + "\n" + usage_);
    setter->second(value);
  }
}

}  // namespace fruition::bench
