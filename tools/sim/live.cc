#include "tools/sim/live.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "services/common/strings.h"
#include "tools/sim/output.h"

namespace fruition::sim {
namespace {

std::string Trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const size_t last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

std::string Unquote(const std::string& s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') &&
      s.back() == s.front()) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

// Strips a comment: '#' at the start or after whitespace, outside quotes.
std::string StripComment(const std::string& line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quote != 0) {
      if (ch == quote) quote = 0;
    } else if (ch == '"' || ch == '\'') {
      quote = ch;
    } else if (ch == '#' &&
               (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return line.substr(0, i);
    }
  }
  return line;
}

}  // namespace

absl::StatusOr<Tokens> ParseTokens(const std::string& text,
                                   const std::string& source) {
  Tokens tokens;
  std::istringstream in(text);
  std::string raw;
  int number = 0;
  while (std::getline(in, raw)) {
    ++number;
    const std::string line = Trim(StripComment(raw));
    if (line.empty() || line == "---") continue;
    const std::string where = StrCat(source, ":", number, ": ");
    if (line == "tokens:") {
      if (raw.find_first_not_of(" \t") != 0) {
        return absl::InvalidArgumentError(
            StrCat(where, "'tokens:' must start at the beginning of a line"));
      }
      continue;
    }
    // First field, then the rest.
    const size_t gap = line.find_first_of(" \t");
    std::string first = line.substr(0, gap);
    std::string rest = gap == std::string::npos ? "" : Trim(line.substr(gap));
    std::string code;
    if (first.size() > 1 && first.back() == ':') {
      code = Unquote(first.substr(0, first.size() - 1));  // YAML "CODE: TOKEN"
    } else if (first.find(':') != std::string::npos) {
      return absl::InvalidArgumentError(StrCat(
          where, "expected 'CODE TOKEN' or 'CODE: TOKEN' (a space after ':')"));
    } else {
      code = first;
    }
    const std::string token = Unquote(rest);
    if (code.empty() || token.empty()) {
      return absl::InvalidArgumentError(
          StrCat(where, "expected 'CODE TOKEN' or 'CODE: TOKEN'"));
    }
    if (token.find_first_of(" \t") != std::string::npos) {
      return absl::InvalidArgumentError(
          StrCat(where, "the token for ", code, " contains whitespace"));
    }
    if (!tokens.emplace(code, token).second) {
      return absl::InvalidArgumentError(StrCat(where, code, " is given twice"));
    }
  }
  return tokens;
}

absl::StatusOr<Tokens> LoadTokens(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(StrCat("--tokens: cannot read ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto tokens = ParseTokens(buffer.str(), path);
  if (!tokens.ok()) {
    return absl::InvalidArgumentError(
        StrCat("--tokens: ", tokens.status().message()));
  }
  if (tokens->empty()) {
    return absl::InvalidArgumentError(
        StrCat("--tokens: ", path, " has no tokens"));
  }
  return tokens;
}

absl::StatusOr<double> ParseRate(const std::string& text) {
  std::string number = Trim(text);
  double per = 1;
  const size_t slash = number.find('/');
  if (slash != std::string::npos) {
    const std::string unit = number.substr(slash + 1);
    if (unit == "s" || unit == "sec") {
      per = 1;
    } else if (unit == "min" || unit == "m") {
      per = 60;
    } else {
      return absl::InvalidArgumentError(
          StrCat("--rate: '", text, "': the unit after '/' must be s or min"));
    }
    number = number.substr(0, slash);
  }
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (number.empty() || end == nullptr || *end != '\0' ||
      !std::isfinite(value) || value < 0) {
    return absl::InvalidArgumentError(
        StrCat("--rate: '", text,
               "' is not a rate (e.g. 50, 50/s, 600/min; 0 = unpaced)"));
  }
  return value / per;
}

std::vector<std::string> MissingTokens(
    const std::vector<v1::AgencyReport>& reports, const Tokens& tokens) {
  std::set<std::string> missing;
  for (const v1::AgencyReport& r : reports) {
    if (tokens.count(r.reporter()) == 0) missing.insert(r.reporter());
  }
  return {missing.begin(), missing.end()};
}

fruitctl::SubmitSummary StreamToIntake(
    const std::shared_ptr<grpc::Channel>& channel,
    const std::vector<v1::AgencyReport>& reports, const StreamOptions& options,
    std::ostream& errors) {
  using Clock = std::chrono::steady_clock;
  constexpr size_t kMaxBatch = 500;
  fruitctl::SubmitSummary total;
  std::map<std::string, int> line_of;  // reporter -> lines so far
  const Clock::time_point start = Clock::now();
  size_t next = 0;
  while (next < reports.size()) {
    if (options.stop != nullptr && options.stop->notified()) break;
    size_t due = std::min(reports.size(), next + kMaxBatch);
    if (options.rate > 0) {
      const double elapsed =
          std::chrono::duration<double>(Clock::now() - start).count();
      // Report i is due at start + i / rate.
      const auto by_now = static_cast<size_t>(elapsed * options.rate) + 1;
      due = std::min(due, by_now);
      if (due <= next) {
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::duration<double>(
                static_cast<double>(next) / options.rate - elapsed));
        const auto sleep = std::max(std::chrono::milliseconds(1), wait);
        if (options.stop != nullptr) {
          if (options.stop->WaitFor(sleep)) break;
        } else {
          std::this_thread::sleep_for(sleep);
        }
        continue;
      }
    }
    // Runs of one reporter, in order.
    size_t i = next;
    while (i < due) {
      const std::string& reporter = reports[i].reporter();
      std::vector<fruitctl::Line> run;
      while (i < due && reports[i].reporter() == reporter) {
        fruitctl::Line line;
        line.file = FileFor(reporter);
        line.number = ++line_of[reporter];
        line.report = reports[i];
        run.push_back(std::move(line));
        ++i;
      }
      fruitctl::SubmitOptions submit;
      auto token = options.tokens.find(reporter);
      if (token != options.tokens.end()) submit.token = token->second;
      submit.max_attempts = options.max_attempts;
      const auto summary = fruitctl::Submit(channel, run, submit, errors);
      total.accepted += summary.accepted;
      total.duplicates += summary.duplicates;
      total.rejected += summary.rejected;
    }
    next = due;
    if (options.progress) options.progress(next, total);
  }
  return total;
}

}  // namespace fruition::sim
