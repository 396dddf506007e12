#include "tools/fruitctl/loop.h"

#include <google/protobuf/util/time_util.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <random>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "services/common/strings.h"
#include "tools/fruitctl/submit.h"

namespace fruition::fruitctl {
namespace {

absl::Status FlagError(std::string_view flag, const std::string& why) {
  return absl::InvalidArgumentError(StrCat("--", flag, ": ", why));
}

absl::StatusOr<std::string> Required(const config::Settings& s,
                                     std::string_view flag) {
  const std::string& value = s.Get(flag);
  if (value.empty()) return FlagError(flag, "required");
  return value;
}

// The envelope: reporter, report_id, occurred_at.
absl::StatusOr<v1::AgencyReport> Envelope(const config::Settings& s,
                                          int64_t now_seconds,
                                          const std::string& report_id) {
  v1::AgencyReport r;
  auto reporter = Required(s, "reporter");
  if (!reporter.ok()) {
    return FlagError("reporter",
                     "required: the principal code of your --token (e.g. "
                     "DEA); or set FRUITION_REPORTER");
  }
  r.set_reporter(*reporter);
  r.set_report_id(s.Get("report-id").empty() ? report_id : s.Get("report-id"));
  const std::string& at = s.Get("occurred-at");
  if (at.empty()) {
    r.mutable_occurred_at()->set_seconds(now_seconds);
  } else if (!google::protobuf::util::TimeUtil::FromString(
                 at, r.mutable_occurred_at())) {
    return FlagError("occurred-at", StrCat("'", at,
                                           "' is not an RFC 3339 time (e.g. "
                                           "2016-10-04T12:00:00Z)"));
  }
  return r;
}

absl::StatusOr<v1::Decision> ParseDecision(std::string text) {
  text = absl::AsciiStrToLower(text);
  for (char& c : text) {
    if (c == '_') c = '-';
  }
  if (text.rfind("decision-", 0) == 0) text = text.substr(9);
  if (text == "accepted" || text == "accept") return v1::DECISION_ACCEPTED;
  if (text == "rejected" || text == "reject") return v1::DECISION_REJECTED;
  if (text == "needs-more") return v1::DECISION_NEEDS_MORE;
  return FlagError("decision",
                   StrCat("'", text,
                          "' is not a decision: accepted, rejected or "
                          "needs-more"));
}

absl::StatusOr<v1::AgencyReport> BuildRespond(const config::Settings& s,
                                              v1::AgencyReport r) {
  auto condition = Required(s, "condition");
  if (!condition.ok()) return condition.status();
  auto explanation = Required(s, "explanation");
  if (!explanation.ok()) return explanation.status();
  auto* b = r.mutable_agency_response();
  b->set_condition_key(*condition);
  b->set_explanation(*explanation);
  b->set_corrective_action(s.Get("corrective-action"));
  return r;
}

absl::StatusOr<v1::AgencyReport> BuildDecide(const config::Settings& s,
                                             v1::AgencyReport r) {
  auto condition = Required(s, "condition");
  if (!condition.ok()) return condition.status();
  auto text = Required(s, "decision");
  if (!text.ok()) return text.status();
  auto decision = ParseDecision(*text);
  if (!decision.ok()) return decision.status();
  auto* b = r.mutable_oversight_decision();
  b->set_condition_key(*condition);
  b->set_decision(*decision);
  b->set_note(s.Get("note"));
  return r;
}

absl::StatusOr<v1::AgencyReport> BuildBudgetLine(
    const config::Settings& s, const std::vector<std::string>& criteria,
    v1::AgencyReport r) {
  auto* b = r.mutable_budget_line();
  for (const char* flag : {"line-id", "agency", "purpose"}) {
    auto value = Required(s, flag);
    if (!value.ok()) return value.status();
  }
  b->set_line_id(s.Get("line-id"));
  b->set_agency(s.Get("agency"));
  b->set_purpose(s.Get("purpose"));
  auto year = Required(s, "fiscal-year");
  if (!year.ok()) return year.status();
  auto fiscal_year = ParseFiscalYear(*year);
  if (!fiscal_year.ok()) return fiscal_year.status();
  b->set_fiscal_year(*fiscal_year);
  auto amount_text = Required(s, "amount-usd");
  if (!amount_text.ok()) return amount_text.status();
  const std::string& text = *amount_text;
  char* end = nullptr;
  errno = 0;
  const int64_t amount = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0' || errno == ERANGE ||
      !std::isdigit(static_cast<unsigned char>(text[0]))) {
    return FlagError("amount-usd",
                     StrCat("'", text,
                            "' is not a whole, non-negative number of US "
                            "dollars (e.g. 2400000000)"));
  }
  b->set_amount_usd(amount);
  for (const std::string& c : criteria) {
    auto criterion = ParseCriterion(c);
    if (!criterion.ok()) return criterion.status();
    *b->add_criteria() = *criterion;
  }
  return r;
}

// The result line of a refusal, without Submit's "FILE:LINE: " prefix.
std::string Refusal(const std::string& errors, const std::string& source) {
  std::string text = errors;
  const std::string prefix = source + ":1: ";
  if (text.rfind(prefix, 0) == 0) text = text.substr(prefix.size());
  return text;
}

}  // namespace

std::vector<config::Spec> LoopSpecs() {
  return {
      {"condition", "", "respond, decide: the condition key of the event"},
      {"explanation", "", "respond: the agency's explanation (<= 4,000 chars)"},
      {"corrective-action", "",
       "respond: what the agency will do (<= 1,000 chars)"},
      {"decision", "", "decide: accepted, rejected or needs-more"},
      {"note", "", "decide: the overseer's reasons (<= 4,000 chars)"},
      {"line-id", "", "budget set: the line's identifier"},
      {"agency", "",
       "budget set: the agency funded; budget list: only its lines "
       "(principal code)"},
      {"fiscal-year", "", "budget set: FY2016 or 2016"},
      {"amount-usd", "", "budget set: whole US dollars"},
      {"purpose", "", "budget set: what the money is for (<= 1,000 chars)"},
      {"criterion", "",
       "budget set: 'INDICATOR AT_MOST|AT_LEAST VALUE', repeatable"},
      {"report-id", "",
       "respond, decide, budget set: report_id (default: a new one)"},
      {"occurred-at", "",
       "respond, decide, budget set: RFC 3339 time (default: now)"},
  };
}

const char* LoopUsage() {
  return "  fruitctl respond --reporter CODE --condition KEY --explanation "
         "TEXT\n"
         "                  [--corrective-action TEXT]\n"
         "      An agency answers a condition flagged about itself (its\n"
         "      units, field offices, claims or reports).\n"
         "  fruitctl decide --reporter CODE --condition KEY\n"
         "                  --decision accepted|rejected|needs-more "
         "[--note TEXT]\n"
         "      An overseer decides on a condition's answers.\n"
         "  fruitctl budget set --reporter CODE --line-id ID --agency CODE\n"
         "                  --fiscal-year FY2016 --amount-usd N --purpose "
         "TEXT\n"
         "                  [--criterion 'lnf_share AT_MOST 0.30']...\n"
         "      An overseer sets (or amends) a budget line pegged to\n"
         "      indicators of the agency's scorecard for the year.\n"
         "      Each sends one report to intake (--server, --token) as\n"
         "      --reporter, the token's principal; --report-id and\n"
         "      --occurred-at are optional. Exit 0 accepted, 1 refused as\n"
         "      invalid, 2 bad flags, 3 not allowed, 4 intake unreachable.\n"
         "      e.g. fruitctl respond --token $DEA_TOKEN --reporter DEA \\\n"
         "             --condition FRUITION_GAP/agency:DEA/FY2016 \\\n"
         "             --explanation 'Couriers were charged first.'\n";
}

std::vector<std::string> TakeRepeated(std::vector<std::string>* args,
                                      std::string_view flag) {
  std::vector<std::string> values;
  std::vector<std::string> kept;
  const std::string bare = StrCat("--", flag);
  const std::string with_value = bare + "=";
  bool positional_only = false;
  for (size_t i = 0; i < args->size(); ++i) {
    const std::string& arg = (*args)[i];
    if (positional_only || arg == "--") {
      positional_only = true;
      kept.push_back(arg);
    } else if (arg.rfind(with_value, 0) == 0) {
      values.push_back(arg.substr(with_value.size()));
    } else if (arg == bare && i + 1 < args->size()) {
      values.push_back((*args)[++i]);
    } else {
      kept.push_back(arg);
    }
  }
  *args = std::move(kept);
  return values;
}

absl::StatusOr<v1::BudgetCriterion> ParseCriterion(std::string_view text) {
  const std::vector<std::string> parts = absl::StrSplit(
      std::string(text), absl::ByAnyChar(" \t"), absl::SkipEmpty());
  auto bad = [&](const std::string& why) {
    return FlagError("criterion", StrCat("'", text, "': ", why));
  };
  if (parts.size() != 3) {
    return bad(
        "expected INDICATOR AT_MOST|AT_LEAST VALUE, e.g. 'lnf_share "
        "AT_MOST 0.30'");
  }
  v1::BudgetCriterion c;
  c.set_indicator(parts[0]);
  std::string op = absl::AsciiStrToUpper(parts[1]);
  if (op.rfind("CRITERION_OP_", 0) == 0) op = op.substr(13);
  if (op == "AT_MOST" || op == "<=") {
    c.set_op(v1::CRITERION_OP_AT_MOST);
  } else if (op == "AT_LEAST" || op == ">=") {
    c.set_op(v1::CRITERION_OP_AT_LEAST);
  } else {
    return bad(StrCat("'", parts[1], "' is not AT_MOST or AT_LEAST"));
  }
  char* end = nullptr;
  const double value = std::strtod(parts[2].c_str(), &end);
  if (end == parts[2].c_str() || *end != '\0' || !std::isfinite(value)) {
    return bad(StrCat("'", parts[2], "' is not a finite number"));
  }
  c.set_value(value);
  return c;
}

absl::StatusOr<uint32_t> ParseFiscalYear(std::string_view text) {
  std::string_view digits = text;
  if (digits.size() > 2 &&
      (digits.substr(0, 2) == "FY" || digits.substr(0, 2) == "fy")) {
    digits = digits.substr(2);
  }
  if (digits.size() != 4) {
    return FlagError("fiscal-year", StrCat("'", text,
                                           "' is not a fiscal year (FY2016 or "
                                           "2016)"));
  }
  uint32_t year = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return FlagError("fiscal-year",
                       StrCat("'", text,
                              "' is not a fiscal year (FY2016 or "
                              "2016)"));
    }
    year = year * 10 + static_cast<uint32_t>(c - '0');
  }
  return year;
}

std::string NewReportId(const std::string& command, int64_t now_seconds) {
  const auto t = static_cast<std::time_t>(now_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "%08x",
                static_cast<unsigned>(random()));
  return StrCat(command, "-", stamp, "-", suffix);
}

absl::StatusOr<v1::AgencyReport> BuildLoopReport(
    const std::string& command, const std::vector<std::string>& args,
    const config::Settings& s, const std::vector<std::string>& criteria,
    int64_t now_seconds, const std::string& report_id) {
  const bool budget_set =
      command == "budget" && args.size() == 1 && args[0] == "set";
  if (command == "budget" && !budget_set) {
    return absl::InvalidArgumentError(
        "fruitctl budget: the subcommand is 'set' (fruitctl budget set ...)");
  }
  if (!budget_set && !args.empty()) {
    return absl::InvalidArgumentError(
        StrCat("fruitctl ", command, ": unexpected argument '", args[0],
               "' (text goes in --explanation / --note, quoted)"));
  }
  if (!criteria.empty() && !budget_set) {
    return FlagError("criterion", "only for fruitctl budget set");
  }
  auto envelope = Envelope(s, now_seconds, report_id);
  if (!envelope.ok()) return envelope.status();
  if (command == "respond") return BuildRespond(s, *std::move(envelope));
  if (command == "decide") return BuildDecide(s, *std::move(envelope));
  return BuildBudgetLine(s, criteria, *std::move(envelope));
}

std::optional<int> RunLoopCommand(const std::string& command,
                                  const config::Settings& s,
                                  const std::vector<std::string>& args,
                                  const std::vector<std::string>& criteria,
                                  std::ostream& out, std::ostream& err) {
  if (command != "respond" && command != "decide" && command != "budget") {
    return std::nullopt;
  }
  const std::string name =
      command == "budget" ? "fruitctl budget set" : "fruitctl " + command;
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto report = BuildLoopReport(command, args, s, criteria, now,
                                NewReportId(command, now));
  if (!report.ok()) {
    err << name << ": " << report.status().message() << "\n";
    return 2;
  }
  auto attempts = s.GetInt("max-attempts", 1, 100);
  if (!attempts.ok()) {
    err << name << ": " << attempts.status().message() << "\n";
    return 2;
  }
  auto channel = MakeChannel(s.Get("server"), s.Get("tls-ca"),
                             s.Get("tls-cert"), s.Get("tls-key"));
  if (!channel.ok()) {
    err << name << ": " << channel.status().message() << "\n";
    return 2;
  }
  std::vector<Line> lines(1);
  lines[0].file = name;
  lines[0].number = 1;
  lines[0].report = *report;
  SubmitOptions options;
  options.token = s.Get("token");
  options.max_attempts = static_cast<int>(*attempts);
  std::ostringstream errors;
  const SubmitSummary summary = Submit(*channel, lines, options, errors);
  if (summary.accepted == 1) {
    out << (summary.duplicates > 0 ? "already accepted" : "accepted")
        << ": report_id " << report->report_id() << "\n";
    return 0;
  }
  const std::string refusal = Refusal(errors.str(), name);
  err << name << ": " << refusal;
  if (refusal.find("PERMISSION_DENIED") != std::string::npos ||
      refusal.find("UNAUTHENTICATED") != std::string::npos) {
    return 3;
  }
  if (refusal.find("UNAVAILABLE") != std::string::npos ||
      refusal.find("DEADLINE_EXCEEDED") != std::string::npos ||
      refusal.find("RESOURCE_EXHAUSTED") != std::string::npos) {
    return 4;
  }
  return 1;
}

}  // namespace fruition::fruitctl
