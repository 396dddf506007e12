// fruitctl: the command line for agencies' data teams and analysts.
//
//   fruitctl submit --server HOST:PORT --token TOKEN [--tls-ca F
//                   [--tls-cert F --tls-key F]] FILE...
//   fruitctl token-hash TOKEN      (the token_sha256 for a principals file)
#include <iostream>

#include "services/common/config/config.h"
#include "services/common/privacy/pseudonymizer.h"
#include "tools/fruitctl/ndjson.h"
#include "tools/fruitctl/submit.h"

namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  fruitctl submit --server HOST:PORT --token TOKEN [--tls-ca FILE\n"
    "                  [--tls-cert FILE --tls-key FILE]] FILE...\n"
    "      Streams NDJSON reports (proto3 JSON, one per line; '-' = stdin)\n"
    "      to intake. Prints FILE:LINE: CODE: message for each rejected\n"
    "      report, then 'N accepted, N rejected'. Reports not acknowledged\n"
    "      are resent with the same report_id. Exit 0 only if all accepted.\n"
    "  fruitctl token-hash TOKEN\n"
    "      Prints the token_sha256 to put in a principals file.\n"
    "\nFlags may also come from FRUITION_<NAME> (e.g. FRUITION_TOKEN).\n";

const std::vector<fruition::config::Spec>& Specs() {
  static const auto* specs = new std::vector<fruition::config::Spec>{
      {"server", "127.0.0.1:50051", "intake address host:port"},
      {"token", "", "bearer token"},
      {"tls-ca", "", "CA PEM: use TLS"},
      {"tls-cert", "", "client certificate PEM"},
      {"tls-key", "", "client key PEM"},
      {"max-attempts", "8", "sends per report before giving up"},
  };
  return *specs;
}

int SubmitCommand(const fruition::config::Settings& s,
                  const std::vector<std::string>& files) {
  if (files.empty()) {
    std::cerr << "fruitctl submit: no FILE given\n" << kUsage;
    return 2;
  }
  auto attempts = s.GetInt("max-attempts", 1, 100);
  if (!attempts.ok()) {
    std::cerr << "fruitctl: " << attempts.status().message() << "\n";
    return 2;
  }
  auto channel = fruition::fruitctl::MakeChannel(
      s.Get("server"), s.Get("tls-ca"), s.Get("tls-cert"), s.Get("tls-key"));
  if (!channel.ok()) {
    std::cerr << "fruitctl: " << channel.status().message() << "\n";
    return 2;
  }
  std::vector<fruition::fruitctl::Line> lines;
  for (const std::string& file : files) {
    auto read = fruition::fruitctl::ReadNdjson(file);
    if (!read.ok()) {
      std::cerr << "fruitctl: " << read.status().message() << "\n";
      return 2;
    }
    for (auto& line : *read) lines.push_back(std::move(line));
  }
  fruition::fruitctl::SubmitOptions options;
  options.token = s.Get("token");
  options.max_attempts = static_cast<int>(*attempts);
  const auto summary =
      fruition::fruitctl::Submit(*channel, lines, options, std::cout);
  std::cout << summary.accepted << " accepted, " << summary.rejected
            << " rejected";
  if (summary.duplicates > 0) {
    std::cout << " (" << summary.duplicates << " already accepted earlier)";
  }
  std::cout << "\n";
  return summary.rejected == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto settings = fruition::config::Settings::Load(args, Specs());
  if (!settings.ok()) {
    std::cerr << "fruitctl: " << settings.status().message() << "\n";
    return 2;
  }
  const auto& positional = settings->positional();
  if (settings->help_requested() || positional.empty()) {
    std::cout << kUsage;
    return positional.empty() && !settings->help_requested() ? 2 : 0;
  }
  const std::string& command = positional[0];
  const std::vector<std::string> rest(positional.begin() + 1, positional.end());
  if (command == "submit") return SubmitCommand(*settings, rest);
  if (command == "token-hash" && rest.size() == 1) {
    std::cout << fruition::privacy::Sha256Hex(rest[0]) << "\n";
    return 0;
  }
  std::cerr << "fruitctl: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
