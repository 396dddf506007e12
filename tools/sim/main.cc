// fruition-sim: a deterministic, calibrated national report stream (SPEC §2)
// for demos, tests and benchmarks. See --help and docs/simulation.md.
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "services/common/config/config.h"
#include "services/common/server/shutdown.h"
#include "services/common/strings.h"
#include "tools/fruitctl/submit.h"
#include "tools/sim/live.h"
#include "tools/sim/measure.h"
#include "tools/sim/output.h"
#include "tools/sim/principals.h"
#include "tools/sim/sim.h"

namespace {

using fruition::StrCat;
namespace sim = fruition::sim;

constexpr char kUsage[] =
    "usage:\n"
    "  fruition-sim --seed N --subjects N [--years N] [--first-fiscal-year Y]\n"
    "               [--id-prefix P] --out DIR\n"
    "  fruition-sim --seed N --subjects N [--years N] [--first-fiscal-year Y]\n"
    "               [--id-prefix P] --server HOST:PORT --tokens FILE\n"
    "               [--rate N/s] [--tls-ca F [--tls-cert F --tls-key F]]\n"
    "  fruition-sim --write-principals DIR\n"
    "\n"
    "Generates a national stream of reports (SPEC §2) from every kind of\n"
    "reporter: agencies' cases, PTO link claims, arrests and seizures; U.S.\n"
    "Attorneys' charges and declinations; the judiciary's dispositions and\n"
    "sentencing records (with amended judgments); org designations and\n"
    "outcome claims; performance targets; community indicators. Calibrated\n"
    "to the study's figures (docs/simulation.md). The same options always\n"
    "give the same reports. Cases open during fiscal years Y .. Y+N-1; their\n"
    "later events may follow for a few years. Reports dated after now are\n"
    "left out (intake refuses the future).\n"
    "\n"
    "--out DIR      writes DIR/<REPORTER>.ndjson (proto3 JSON, one report a\n"
    "               line, time order: what `fruitctl submit` reads) and\n"
    "               DIR/manifest.json (counts, the calibration table and the\n"
    "               national indicators as measured from the reports).\n"
    "--server H:P   streams the reports into intake in time order, each under\n"
    "               its reporter's token, at --rate (default 50/s; 0 = as\n"
    "               fast as intake answers). Ctrl-C stops after the batch in\n"
    "               flight. Rejections print as REPORTER.ndjson:LINE: CODE:\n"
    "               message, LINE being the line the report has in --out.\n"
    "--tokens FILE  reporter code -> bearer token, one per line, either\n"
    "                   DEA dev-DEA-1f2e3d\n"
    "               or YAML\n"
    "                   tokens:\n"
    "                     DEA: dev-DEA-1f2e3d\n"
    "               It must cover every reporter in the stream (agencies DEA,\n"
    "               FBI, HSI, TF-PHL, USAO-<district>; judiciary USSC,\n"
    "               PROBATION-<district>; community PPD, PPR, SDP, CPD, HPD);\n"
    "               `fruition-sim --reporters` lists them with their kinds.\n"
    "--id-prefix P  prefix for every generated id (reports, cases, claims,\n"
    "               subjects, orgs), to send several streams to one intake.\n"
    "--write-principals DIR\n"
    "               writes DIR/principals.yaml (every reporter with its kind,\n"
    "               a quota of 1,000,000 reports/s and 64 streams so that\n"
    "               admission control never throttles a bench or soak, and\n"
    "               an overseer OIG; tokens as SHA-256) for the services'\n"
    "               --principals-file, and DIR/tokens for --tokens, with\n"
    "               fresh random tokens; then exits.\n"
    "\n"
    "Exit status: 0 done (every report accepted), 1 some reports rejected or\n"
    "not acknowledged, 2 bad flags or unreadable files.\n"
    "\n"
    "examples:\n"
    "  fruition-sim --seed 1 --subjects 20000 --out /tmp/national\n"
    "  bin/fruitctl submit --server 127.0.0.1:50051 --token \"$DEA_TOKEN\" \\\n"
    "      /tmp/national/DEA.ndjson\n"
    "  fruition-sim --seed 7 --subjects 2000 --years 2 --first-fiscal-year 2016"
    " \\\n"
    "      --server 127.0.0.1:50051 --tokens tokens.txt --rate 20/s\n"
    "  fruition-sim --reporters\n";

const std::vector<fruition::config::Spec>& Specs() {
  static const auto* specs = new std::vector<fruition::config::Spec>{
      {"seed", "", "random seed (required)"},
      {"subjects", "", "people investigated (required), 1..10000000"},
      {"years", "3", "fiscal years in which cases open, 1..20"},
      {"first-fiscal-year", "2014", "first fiscal year (FY2014 = Oct 2013-)"},
      {"id-prefix", "", "prefix for every generated id"},
      {"out", "", "directory to write NDJSON files and manifest.json to"},
      {"server", "", "intake address HOST:PORT to stream to"},
      {"tokens", "", "tokens file for --server (reporter code -> token)"},
      {"rate", "50/s", "reports per second for --server; 0 = unpaced"},
      {"tls-ca", "", "CA PEM: use TLS"},
      {"tls-cert", "", "client certificate PEM"},
      {"tls-key", "", "client key PEM"},
      {"max-attempts", "8", "sends per report before giving up"},
      {"reporters", "false", "list the reporter codes and kinds, then exit",
       true},
      {"write-principals", "",
       "write DIR/principals.yaml and DIR/tokens for every reporter (and an "
       "overseer, OIG) with fresh tokens, then exit"},
  };
  return *specs;
}

int Fail(const std::string& message) {
  std::cerr << "fruition-sim: " << message << "\n";
  return 2;
}

// The prosecution stage's national figures beside the published ones.
void PrintNationalFigures(const fruition::sim::Measures& measures) {
  std::printf("  %-40s %12s %12s\n", "national figure", "sample", "published");
  for (const sim::NationalFigure& f : sim::NationalFigures(measures)) {
    const std::string published =
        f.has_published ? StrCat(f.published) : std::string("-");
    const bool whole = f.sample == std::floor(f.sample) && f.sample < 1e15;
    const std::string sample =
        whole ? StrCat(static_cast<int64_t>(f.sample)) : StrCat(f.sample);
    std::printf("  %-40s %12s %12s  %s\n", f.id.c_str(), sample.c_str(),
                published.c_str(), f.source.c_str());
  }
}

// The generator's options from the flags; an error message naming the
// flag, or "".
std::string OptionsFrom(const fruition::config::Settings& settings,
                        fruition::sim::SimOptions* options) {
  if (settings.Get("seed").empty()) {
    return "--seed: required (see --help)";
  }
  if (settings.Get("subjects").empty()) {
    return "--subjects: required (see --help)";
  }
  auto seed = settings.GetInt("seed", 0, INT64_MAX);
  if (!seed.ok()) return std::string(seed.status().message());
  auto subjects = settings.GetInt("subjects", 1, 10000000);
  if (!subjects.ok()) return std::string(subjects.status().message());
  auto years = settings.GetInt("years", 1, 20);
  if (!years.ok()) return std::string(years.status().message());
  auto first = settings.GetInt("first-fiscal-year", 1995, 2090);
  if (!first.ok()) return std::string(first.status().message());
  options->seed = static_cast<uint64_t>(*seed);
  options->subjects = static_cast<int>(*subjects);
  options->years = static_cast<int>(*years);
  options->first_fiscal_year = static_cast<int>(*first);
  options->id_prefix = settings.Get("id-prefix");
  if (auto s = sim::CheckOptions(*options); !s.ok()) {
    // "id_prefix: ..." names the flag --id-prefix.
    std::string message(s.message());
    for (size_t i = 0; i < message.size() && message[i] != ':'; ++i) {
      if (message[i] == '_') message[i] = '-';
    }
    return "--" + message;
  }
  return "";
}

// --out: the files, then the calibration table and the national figures.
int WriteFiles(const std::string& out, const fruition::sim::SimOptions& options,
               const std::vector<fruition::v1::AgencyReport>& reports,
               const fruition::sim::Measures& measures, size_t future) {
  auto written = sim::WriteDirectory(out, options, reports, measures);
  if (!written.ok()) return Fail(std::string(written.status().message()));
  std::cout << "fruition-sim: " << reports.size() << " reports from "
            << measures.by_reporter.size() << " reporters in " << out << " ("
            << written->size() - 1 << " .ndjson files, manifest.json)";
  if (future > 0) std::cout << "; " << future << " dated after now left out";
  std::cout << "\n  sentenced " << measures.sentenced << ", claimed priority "
            << measures.claimed_priority_share << ", high desert "
            << measures.high_desert_share << ", LNF " << measures.lnf_share
            << "\n";
  for (const sim::CalibrationRow& row : sim::Calibration(measures)) {
    const std::string used =
        row.high != row.low ? StrCat(row.low, "..", row.high) : StrCat(row.low);
    std::printf("  %-30s produced %.4f  used %s +/- %.3f  %s\n", row.id.c_str(),
                row.produced, used.c_str(), row.tolerance,
                row.ok() ? "ok" : "OUTSIDE TOLERANCE");
  }
  PrintNationalFigures(measures);
  return 0;
}

// --server: the reports into intake, paced, each under its reporter's token.
int Stream(const fruition::config::Settings& settings,
           const std::string& server, const fruition::sim::Tokens& tokens,
           double rate, const std::vector<fruition::v1::AgencyReport>& reports,
           size_t future, fruition::server::ShutdownSignal* stop) {
  const std::vector<std::string> missing = sim::MissingTokens(reports, tokens);
  if (!missing.empty()) {
    std::string list;
    for (const std::string& code : missing) {
      list += (list.empty() ? "" : ", ") + code;
    }
    return Fail(StrCat("--tokens: no token for ", list,
                       " (every reporter in the stream needs one; "
                       "fruition-sim --reporters lists them)"));
  }
  auto max_attempts = settings.GetInt("max-attempts", 1, 100);
  if (!max_attempts.ok()) {
    return Fail(std::string(max_attempts.status().message()));
  }
  auto channel = fruition::fruitctl::MakeChannel(server, settings.Get("tls-ca"),
                                                 settings.Get("tls-cert"),
                                                 settings.Get("tls-key"));
  if (!channel.ok()) return Fail(std::string(channel.status().message()));

  sim::StreamOptions stream;
  stream.rate = rate;
  stream.tokens = tokens;
  stream.max_attempts = static_cast<int>(*max_attempts);
  stream.stop = stop;
  size_t last_note = 0;
  stream.progress = [&](size_t done,
                        const fruition::fruitctl::SubmitSummary& s) {
    if (done - last_note >= 1000 || done == reports.size()) {
      std::cout << "fruition-sim: " << done << "/" << reports.size()
                << " sent, " << s.accepted << " accepted, " << s.rejected
                << " rejected\n"
                << std::flush;
      last_note = done;
    }
  };
  std::cout << "fruition-sim: streaming " << reports.size() << " reports to "
            << server << " at "
            << (rate > 0 ? StrCat(rate, "/s") : std::string("full speed"))
            << (future > 0 ? StrCat(" (", future, " dated after now left out)")
                           : "")
            << "\n"
            << std::flush;
  const auto summary =
      sim::StreamToIntake(*channel, reports, stream, std::cerr);
  const int handled = summary.accepted + summary.rejected;
  std::cout << summary.accepted << " accepted, " << summary.rejected
            << " rejected";
  if (summary.duplicates > 0) {
    std::cout << " (" << summary.duplicates << " already accepted earlier)";
  }
  if (static_cast<size_t>(handled) < reports.size()) {
    std::cout << "; stopped (" << stop->reason() << ") with "
              << reports.size() - handled << " not sent";
  }
  std::cout << "\n";
  return summary.rejected == 0 && static_cast<size_t>(handled) == reports.size()
             ? 0
             : 1;
}

}  // namespace

int main(int argc, char** argv) {
  fruition::server::ShutdownSignal stop;
  fruition::server::NotifyOnTerminationSignals(&stop);

  const std::vector<std::string> args(argv + 1, argv + argc);
  auto settings = fruition::config::Settings::Load(args, Specs());
  if (!settings.ok()) {
    return Fail(StrCat(settings.status().message(), "\n\n", kUsage));
  }
  if (settings->help_requested()) {
    std::cout << kUsage << "\nflags:\n"
              << fruition::config::Settings::Usage("fruition-sim", Specs());
    return 0;
  }
  if (!settings->positional().empty()) {
    return Fail(StrCat("unexpected argument '", settings->positional()[0],
                       "' (see --help)"));
  }
  if (auto list = settings->GetBool("reporters"); list.ok() && *list) {
    for (const sim::Reporter& r : sim::Reporters()) {
      std::printf("%-16s %-10s %s\n", r.code.c_str(), r.kind.c_str(),
                  r.what.c_str());
    }
    return 0;
  }
  if (const std::string dir = settings->Get("write-principals"); !dir.empty()) {
    if (auto s = sim::WritePrincipals(dir, "sim"); !s.ok()) {
      return Fail(StrCat("--write-principals: ", s.message()));
    }
    return 0;
  }

  sim::SimOptions options;
  if (std::string e = OptionsFrom(*settings, &options); !e.empty()) {
    return Fail(e);
  }

  const std::string out = settings->Get("out");
  const std::string server = settings->Get("server");
  if (out.empty() == server.empty()) {
    return Fail(out.empty()
                    ? "give --out DIR or --server HOST:PORT (see --help)"
                    : StrCat("--out and --server: give one, not both (--server "
                             "from ",
                             settings->Source("server"), ")"));
  }
  sim::Tokens tokens;
  double rate = 0;
  if (!server.empty()) {
    if (auto s = fruition::config::CheckHostPort(server, "--server"); !s.ok()) {
      return Fail(std::string(s.message()));
    }
    if (settings->Get("tokens").empty()) {
      return Fail("--tokens: required with --server (see --help)");
    }
    auto loaded = sim::LoadTokens(settings->Get("tokens"));
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    tokens = std::move(*loaded);
    auto parsed = sim::ParseRate(settings->Get("rate"));
    if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
    rate = *parsed;
  }

  auto generated = sim::Generate(options);
  if (!generated.ok()) return Fail(std::string(generated.status().message()));
  std::vector<fruition::v1::AgencyReport> reports = std::move(*generated);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  size_t future = 0;
  while (!reports.empty() && reports.back().occurred_at().seconds() > now) {
    reports.pop_back();  // time-ordered: the future is at the end
    ++future;
  }
  const sim::Measures measures = sim::Measure(reports);

  if (!out.empty()) {
    return WriteFiles(out, options, reports, measures, future);
  }

  return Stream(*settings, server, tokens, rate, reports, future, &stop);
}
