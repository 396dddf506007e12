// Command-line flags and fatal errors for the bench drivers. A benchmark
// has no error path worth recovering from: a bad flag or a failed set-up
// step ends the run with a message naming the driver.
#ifndef FRUITION_BENCH_COMMON_FLAGS_H_
#define FRUITION_BENCH_COMMON_FLAGS_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace fruition::bench {

// The name Die() puts before its message ("intake_bench").
void SetProgram(const std::string& name);
const std::string& Program();

// Prints "<program>: <message>" on stderr and exits with status 1.
[[noreturn]] void Die(const std::string& message);

// `text` split at `sep`, without empty items.
std::vector<std::string> Split(const std::string& text, char sep);

// `n` random lowercase hex digits (ids unique per run).
std::string RandomHex(int n);

// `value` with `decimals` digits after the point ("%.*f").
std::string Fixed(double value, int decimals);

// A flag table: each driver names its flags and where their values go, and
// Parse() fills them in from argv. Values come as `--name value` or
// `--name=value`; switches take none. `--help` prints the usage and exits;
// anything unknown dies with the usage.
class Flags {
 public:
  explicit Flags(std::string usage) : usage_(std::move(usage)) {}

  void String(const std::string& name, std::string* out);
  // A whole number >= `min`.
  void Int(const std::string& name, int* out, int64_t min);
  void Uint32(const std::string& name, uint32_t* out);
  void Uint64(const std::string& name, uint64_t* out);
  void Pid(const std::string& name, pid_t* out);
  // A switch: present means true.
  void Switch(const std::string& name, bool* out);
  // Any other value shape.
  void Custom(const std::string& name,
              std::function<void(const std::string&)> set);

  // With `rest`, everything after a lone `--` goes there (a command line);
  // without, `--` is an unknown flag.
  void Parse(int argc, char** argv, std::vector<std::string>* rest = nullptr);

  const std::string& usage() const { return usage_; }

 private:
  std::string usage_;
  std::map<std::string, std::function<void(const std::string&)>> values_;
  std::map<std::string, bool*> switches_;
};

// The number in `value`, or Die() naming `flag` if it is not one >= `min`.
int64_t ParseNumber(const std::string& flag, const std::string& value,
                    int64_t min);

}  // namespace fruition::bench

#endif  // FRUITION_BENCH_COMMON_FLAGS_H_
