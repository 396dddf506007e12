// fruitctl: the command line for agencies' data teams, analysts and
// operators.
//
//   fruitctl submit --server HOST:PORT --token TOKEN [--tls-ca F
//                   [--tls-cert F --tls-key F]] FILE...
//   fruitctl token-hash TOKEN      (the token_sha256 for a principals file)
//   fruitctl topics ensure --bootstrap HOST:PORT [--partitions N]
//                   [--replication-factor R] [--min-insync-replicas M]
//                   [--kafka-properties k=v,...]
//   fruitctl topics helm           (the chart's topic list, from the catalogue)
//   fruitctl kafka-acls [--service S] [--format F]
//                   (each service's Kafka user and ACLs, from the catalogue)
//   fruitctl audit list | verify   (the audit trail: tools/fruitctl/audit.h)
//   fruitctl scorecard | scorecards | events | claims | explain | assess
//                   (analysts: tools/fruitctl/analyst.h)
//   fruitctl release [verify DIR]  (releases: tools/fruitctl/release.h)
//   fruitctl respond | decide | budget set
//                   (the accountability loop: tools/fruitctl/loop.h)
#include <iostream>

#include "absl/strings/str_split.h"
#include "services/common/config/config.h"
#include "services/common/kafka/producer.h"
#include "services/common/ndjson.h"
#include "services/common/privacy/pseudonymizer.h"
#include "tools/fruitctl/analyst.h"
#include "tools/fruitctl/audit.h"
#include "tools/fruitctl/kafka_acls.h"
#include "tools/fruitctl/loop.h"
#include "tools/fruitctl/release.h"
#include "tools/fruitctl/submit.h"
#include "tools/fruitctl/topics.h"

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
    "  fruitctl topics ensure --bootstrap HOST:PORT [--partitions N]\n"
    "                  [--replication-factor R] [--min-insync-replicas M]\n"
    "                  [--kafka-properties k=v,...] [--timeout-ms T]\n"
    "      Creates the missing topics of SPEC 7 (same partition count for\n"
    "      all, default 12; replication default 3, min.insync.replicas\n"
    "      default 2; unlimited retention) and checks the existing ones.\n"
    "      Prints topic / partitions / replication / retention /\n"
    "      min.insync.replicas / status (created, ok, or MISMATCH: what\n"
    "      differs). Never changes an existing topic. Exit 0 only if every\n"
    "      topic is correct. --topic-prefix P (tests only) prefixes names.\n"
    "  fruitctl topics helm\n"
    "      Prints the Helm chart's topic list generated from the catalogue\n"
    "      (helm/fruition/templates/topics/_catalogue.tpl).\n";

constexpr char kFooter[] =
    "\nFlags may also come from FRUITION_<NAME> (e.g. FRUITION_TOKEN).\n";

std::string Usage() {
  return std::string(kUsage) + fruition::fruitctl::AuditUsage() +
         fruition::fruitctl::AnalystUsage() +
         fruition::fruitctl::ReleaseUsage() + fruition::fruitctl::LoopUsage() +
         kFooter;
}

const std::vector<fruition::config::Spec>& Specs() {
  static const auto* specs = [] {
    auto* all = new std::vector<fruition::config::Spec>{
        {"server", "127.0.0.1:50051",
         "service address host:port (intake; for the analyst commands every "
         "service, as in fruition dev)"},
        {"token", "", "bearer token"},
        {"tls-ca", "", "CA PEM: use TLS"},
        {"tls-cert", "", "client certificate PEM"},
        {"tls-key", "", "client key PEM"},
        {"max-attempts", "8", "sends per report before giving up"},
        {"bootstrap", "",
         "topics, audit: Kafka bootstrap servers host:port,..."},
        {"kafka-properties", "",
         "topics, audit: extra librdkafka properties k=v,..."},
        {"partitions", "12", "topics: partitions of every topic"},
        {"replication-factor", "3", "topics: replication factor"},
        {"min-insync-replicas", "2", "topics: min.insync.replicas"},
        {"topic-prefix", "",
         "topics, kafka-acls: prefix for every name (tests only)"},
        {"service", "", "kafka-acls: principals, comma-separated (all)"},
        {"format", "kafka-acls",
         "kafka-acls: kafka-acls, json, strimzi or helm"},
        {"user-prefix", "fruition-", "kafka-acls: Kafka user name prefix"},
        {"strimzi-cluster", "kafka",
         "kafka-acls: the Strimzi Kafka cluster's name"},
        {"timeout-ms", "30000",
         "topics: time limit of each Kafka request; audit: of the read"},
    };
    for (auto& spec : fruition::fruitctl::AuditSpecs()) {
      all->push_back(std::move(spec));
    }
    for (auto& spec : fruition::fruitctl::AnalystSpecs()) {
      all->push_back(std::move(spec));
    }
    for (auto& spec : fruition::fruitctl::ReleaseSpecs()) {
      all->push_back(std::move(spec));
    }
    for (auto& spec : fruition::fruitctl::LoopSpecs()) {
      all->push_back(std::move(spec));
    }
    return all;
  }();
  return *specs;
}

int SubmitCommand(const fruition::config::Settings& s,
                  const std::vector<std::string>& files) {
  if (files.empty()) {
    std::cerr << "fruitctl submit: no FILE given\n" << Usage();
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
  std::vector<fruition::ndjson::Line> lines;
  for (const std::string& file : files) {
    auto read = fruition::ndjson::ReadNdjson(file);
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

int TopicsEnsureCommand(const fruition::config::Settings& s) {
  auto fail = [](const absl::Status& status, int code) {
    std::cerr << "fruitctl topics ensure: " << status.message() << "\n";
    return code;
  };
  const std::string& bootstrap = s.Get("bootstrap");
  if (bootstrap.empty()) {
    return fail(absl::InvalidArgumentError("--bootstrap HOST:PORT is required"),
                2);
  }
  auto properties = fruition::kafka::ParseProperties(s.Get("kafka-properties"));
  if (!properties.ok()) return fail(properties.status(), 2);
  fruition::fruitctl::TopicsOptions options;
  auto partitions = s.GetInt("partitions", 1, 10000);
  auto replication = s.GetInt("replication-factor", 1, 100);
  auto min_insync = s.GetInt("min-insync-replicas", 1, 100);
  auto timeout = s.GetInt("timeout-ms", 1000, 600000);
  for (const auto* v : {&partitions, &replication, &min_insync, &timeout}) {
    if (!v->ok()) return fail(v->status(), 2);
  }
  options.partitions = static_cast<int>(*partitions);
  options.replication_factor = static_cast<int>(*replication);
  options.min_insync_replicas = static_cast<int>(*min_insync);
  options.topic_prefix = s.Get("topic-prefix");
  absl::Status valid = fruition::fruitctl::Validate(options);
  if (!valid.ok()) return fail(valid, 2);

  const std::chrono::milliseconds request_timeout(*timeout);
  auto admin = fruition::fruitctl::NewKafkaTopicAdmin(bootstrap, *properties,
                                                      request_timeout);
  const auto wanted = fruition::fruitctl::WantedTopics(options);
  auto rows =
      fruition::fruitctl::EnsureTopics(admin.get(), wanted, request_timeout);
  if (!rows.ok()) return fail(rows.status(), 1);
  std::cout << fruition::fruitctl::FormatTable(*rows);
  int created = 0;
  int wrong = 0;
  for (const auto& row : *rows) {
    if (row.status == fruition::fruitctl::TopicStatus::kCreated) ++created;
    if (row.status == fruition::fruitctl::TopicStatus::kMismatch ||
        row.status == fruition::fruitctl::TopicStatus::kMissing) {
      ++wrong;
    }
  }
  if (wrong > 0) {
    std::cerr << "fruitctl topics ensure: " << wrong << " of " << rows->size()
              << " topics do not have the settings Fruition needs (see "
                 "STATUS); they were left unchanged: fix them by hand "
                 "(docs/deploy.md, \"Kafka topics\") and run again\n";
    return 1;
  }
  std::cout << "all " << rows->size() << " topics correct (" << created
            << " created, " << rows->size() - created << " already correct)\n";
  return 0;
}

int KafkaAclsCommand(const fruition::config::Settings& s) {
  fruition::fruitctl::KafkaAclsOptions options;
  options.format = s.Get("format");
  options.principals = absl::StrSplit(s.Get("service"), ',', absl::SkipEmpty());
  options.names.topic_prefix = s.Get("topic-prefix");
  options.names.user_prefix = s.Get("user-prefix");
  options.strimzi_cluster = s.Get("strimzi-cluster");
  if (absl::Status valid = fruition::fruitctl::Validate(options); !valid.ok()) {
    std::cerr << "fruitctl kafka-acls: " << valid.message() << "\n";
    return 2;
  }
  std::cout << fruition::fruitctl::FormatKafkaAcls(options);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // Repeatable (budget set): settings keep one value per flag.
  const std::vector<std::string> criteria =
      fruition::fruitctl::TakeRepeated(&args, "criterion");
  auto settings = fruition::config::Settings::Load(args, Specs());
  if (!settings.ok()) {
    std::cerr << "fruitctl: " << settings.status().message() << "\n";
    return 2;
  }
  const auto& positional = settings->positional();
  if (settings->help_requested() || positional.empty()) {
    std::cout << Usage();
    return positional.empty() && !settings->help_requested() ? 2 : 0;
  }
  const std::string& command = positional[0];
  const std::vector<std::string> rest(positional.begin() + 1, positional.end());
  if (command == "submit") return SubmitCommand(*settings, rest);
  if (command == "topics" && rest.size() == 1 && rest[0] == "ensure") {
    return TopicsEnsureCommand(*settings);
  }
  if (command == "topics" && rest.size() == 1 && rest[0] == "helm") {
    std::cout << fruition::fruitctl::HelmTopicCatalogue();
    return 0;
  }
  if (command == "kafka-acls" && rest.empty()) {
    return KafkaAclsCommand(*settings);
  }
  if (command == "token-hash" && rest.size() == 1) {
    std::cout << fruition::privacy::Sha256Hex(rest[0]) << "\n";
    return 0;
  }
  if (command == "audit") {
    if (auto code = fruition::fruitctl::RunAuditCommand(rest, *settings,
                                                        std::cout, std::cerr)) {
      return *code;
    }
  }
  if (auto code = fruition::fruitctl::RunReleaseCommand(
          command, *settings, rest, std::cout, std::cerr)) {
    return *code;
  }
  if (auto code = fruition::fruitctl::RunAnalystCommand(
          command, *settings, rest, std::cout, std::cerr)) {
    return *code;
  }
  if (auto code = fruition::fruitctl::RunLoopCommand(
          command, *settings, rest, criteria, std::cout, std::cerr)) {
    return *code;
  }
  std::cerr << "fruitctl: unknown command '" << command << "'\n" << Usage();
  return 2;
}
