#include "tools/fruition/dev.h"

#include <openssl/rand.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "services/common/config/config.h"
#include "services/common/kafka/admin.h"
#include "services/common/kafka/mock_cluster.h"
#include "services/common/log/log.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/server/grpc_server.h"
#include "services/common/server/shutdown.h"
#include "services/common/strings.h"
#include "services/common/telemetry/admin_http.h"
#include "services/common/topics.h"
#include "services/evidence/run.h"
#include "services/gateway/run.h"
#include "services/intake/run.h"
#include "services/reconciler/run.h"
#include "services/scoring/run.h"
#include "tools/fruitctl/submit.h"
#include "tools/fruition/journal.h"
#include "tools/sim/live.h"
#include "tools/sim/sim.h"

namespace fruition::dev {
namespace {

const std::vector<config::Spec>& DevSpecs() {
  static const auto* specs = new std::vector<config::Spec>{
      {"principals", "", "principals YAML (default: generate dev principals)"},
      {"grpc-port", "50051", "gRPC port on 127.0.0.1 for every service"},
      {"http-port", "8080", "HTTP port on 127.0.0.1 for /metrics and health"},
      {"dashboard-port", "8088",
       "HTTP port on 127.0.0.1 for the dashboard and the HTTP API"},
      {"data-dir", "", "state directory (default: a new temporary directory)"},
      {"no-sample-data", "false", "do not submit the sample reports", true},
      {"sample-subjects", "3000",
       "people in the sample data (fruition-sim, three fiscal years)"},
      {"live-rate", "2",
       "reports per second of the live stream after the sample (0: none)"},
      {"seed", "20170601", "seed of the sample and the live stream"},
      {"log-level", "warn", "debug, info, warn or error"},
  };
  return *specs;
}

std::string RandomHex(int bytes) {
  std::vector<unsigned char> buf(bytes);
  RAND_bytes(buf.data(), bytes);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : buf) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

struct DevPrincipal {
  std::string code, kind, token;
};

// Every topic of the catalogue, so later services and kcat find them: one
// replica each on the mock cluster.
std::vector<kafka::TopicSpec> AllTopics() {
  kafka::TopicLayout layout;
  layout.replication_factor = 1;
  return kafka::CatalogueSpecs(layout);
}

}  // namespace

int RunDev(const std::vector<std::string>& args) {
  server::ShutdownSignal stop;
  server::NotifyOnTerminationSignals(&stop);
  auto settings = config::Settings::Load(args, DevSpecs());
  if (!settings.ok()) {
    std::cerr << "fruition dev: " << settings.status().message() << "\n";
    return 2;
  }
  if (settings->help_requested()) {
    std::cout << config::Settings::Usage("fruition dev", DevSpecs());
    return 0;
  }
  auto grpc_port = settings->GetInt("grpc-port", 0, 65535);
  auto http_port = settings->GetInt("http-port", 0, 65535);
  auto dashboard_port = settings->GetInt("dashboard-port", 0, 65535);
  auto subjects = settings->GetInt("sample-subjects", 1, 1000000);
  auto no_sample = settings->GetBool("no-sample-data");
  auto seed = settings->GetInt("seed", 0, INT64_MAX);
  auto live_rate = sim::ParseRate(settings->Get("live-rate"));
  for (const absl::Status& s :
       {grpc_port.status(), http_port.status(), dashboard_port.status(),
        subjects.status(), no_sample.status(), seed.status(),
        live_rate.status()}) {
    if (!s.ok()) {
      std::cerr << "fruition dev: " << s.message() << "\n";
      return 2;
    }
  }
  log::Level level = log::Level::kWarn;
  if (!log::ParseLevel(settings->Get("log-level"), &level)) {
    std::cerr << "fruition dev: config field log-level: not debug, info, "
                 "warn or error\n";
    return 2;
  }
  log::Configure("fruition-dev", level);

  std::string data_dir = settings->Get("data-dir");
  if (data_dir.empty()) {
    char tmpl[] = "/tmp/fruition-dev-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      std::cerr << "fruition dev: cannot create a temporary directory\n";
      return 1;
    }
    data_dir = tmpl;
  }
  std::filesystem::create_directories(data_dir);

  // The mock cluster starts empty on every start: the services' state is
  // rebuilt by replay from the journal of earlier runs (below).
  std::filesystem::remove_all(data_dir + "/intake");
  std::filesystem::remove_all(data_dir + "/evidence");
  std::filesystem::remove_all(data_dir + "/scoring");
  std::filesystem::remove_all(data_dir + "/reconciler");
  std::filesystem::remove_all(data_dir + "/gateway");

  auto mock = kafka::MockCluster::Start(3);
  if (!mock.ok()) {
    std::cerr << "fruition dev: " << mock.status().message() << "\n";
    return 1;
  }
  if (absl::Status s = (*mock)->CreateTopics(AllTopics()); !s.ok()) {
    std::cerr << "fruition dev: " << s.message() << "\n";
    return 1;
  }
  // What intake accepted in earlier runs with this data dir (the mock
  // cluster starts empty): produced back before any service starts, which
  // then rebuild their state by replay.
  const std::string journal_file = data_dir + "/journal.bin";
  auto journal = ReadJournal(journal_file);
  if (!journal.ok()) {
    std::cerr << "fruition dev: " << journal.status().message() << "\n";
    return 1;
  }
  if (absl::Status s = ReplayJournal((*mock)->bootstrap_servers(), *journal);
      !s.ok()) {
    std::cerr << "fruition dev: restoring " << journal_file << ": "
              << s.message() << "\n";
    return 1;
  }
  auto journal_writer = JournalWriter::Start(
      journal_file, (*mock)->bootstrap_servers(),
      {std::string(topics::kReports), std::string(topics::kReference)});
  if (!journal_writer.ok()) {
    std::cerr << "fruition dev: " << journal_writer.status().message() << "\n";
    return 1;
  }

  std::vector<DevPrincipal> dev_principals;
  std::string principals_file = settings->Get("principals");
  if (principals_file.empty()) {
    // Every reporter of the simulated national stream, and an overseer.
    for (const sim::Reporter& r : sim::Reporters()) {
      dev_principals.push_back({r.code, r.kind, ""});
    }
    dev_principals.push_back({"OIG", "OVERSEER", ""});
    principals_file = data_dir + "/principals.yaml";
    // The tokens of an earlier run with this data dir stay valid.
    const std::string tokens_file = data_dir + "/dev-tokens";
    std::map<std::string, std::string> kept;
    {
      std::ifstream in(tokens_file);
      std::string code, token;
      while (in >> code >> token) kept[code] = token;
    }
    std::ofstream out(principals_file);
    std::ofstream tokens(tokens_file);
    out << "# Generated by fruition dev: development principals only.\n"
           "principals:\n";
    for (DevPrincipal& p : dev_principals) {
      auto it = kept.find(p.code);
      p.token = it != kept.end() ? it->second
                                 : StrCat("dev-", p.code, "-", RandomHex(12));
      out << "  - code: " << p.code << "\n    kind: " << p.kind
          << "\n    token_sha256: " << privacy::Sha256Hex(p.token) << "\n";
      tokens << p.code << " " << p.token << "\n";
    }
  }
  const std::string key_file = data_dir + "/pseudonym.key";
  if (!std::filesystem::exists(key_file)) {
    std::ofstream(key_file) << RandomHex(32) << "\n";
  }

  intake::IntakeConfig intake_config;
  intake_config.kafka_bootstrap = (*mock)->bootstrap_servers();
  intake_config.principals_file = principals_file;
  intake_config.pseudonym_key_file = key_file;
  intake_config.data_dir = data_dir;
  auto registry = std::make_shared<prometheus::Registry>();
  auto intake = intake::IntakeComponent::Create(intake_config, *registry);
  if (!intake.ok()) {
    std::cerr << "fruition dev: intake: " << intake.status().message() << "\n";
    return 1;
  }
  if (absl::Status s = (*intake)->RecoverUntilDone(&stop); !s.ok()) {
    return 1;
  }

  evidence::EvidenceConfig evidence_config;
  evidence_config.kafka_bootstrap = (*mock)->bootstrap_servers();
  evidence_config.principals_file = principals_file;
  evidence_config.data_dir = data_dir;
  auto evidence =
      evidence::EvidenceComponent::Create(evidence_config, *registry);
  if (!evidence.ok()) {
    std::cerr << "fruition dev: evidence: " << evidence.status().message()
              << "\n";
    return 1;
  }
  (*evidence)->Start();

  scoring::ScoringConfig scoring_config;
  scoring_config.kafka_bootstrap = (*mock)->bootstrap_servers();
  scoring_config.principals_file = principals_file;
  scoring_config.data_dir = data_dir;
  auto scoring = scoring::ScoringComponent::Create(scoring_config, *registry);
  if (!scoring.ok()) {
    std::cerr << "fruition dev: scoring: " << scoring.status().message()
              << "\n";
    return 1;
  }
  (*scoring)->Start();

  reconciler::ReconcilerConfig reconciler_config;
  reconciler_config.kafka_bootstrap = (*mock)->bootstrap_servers();
  reconciler_config.principals_file = principals_file;
  reconciler_config.data_dir = data_dir;
  auto reconciler =
      reconciler::ReconcilerComponent::Create(reconciler_config, *registry);
  if (!reconciler.ok()) {
    std::cerr << "fruition dev: reconciler: " << reconciler.status().message()
              << "\n";
    return 1;
  }
  (*reconciler)->Start();

  gateway::GatewayConfig gateway_config;
  gateway_config.kafka_bootstrap = (*mock)->bootstrap_servers();
  gateway_config.principals_file = principals_file;
  gateway_config.data_dir = data_dir;
  gateway_config.http.listen = StrCat("127.0.0.1:", *dashboard_port);
  auto gateway = gateway::GatewayComponent::Create(gateway_config, *registry);
  if (!gateway.ok()) {
    std::cerr << "fruition dev: gateway: " << gateway.status().message()
              << "\n";
    return 1;
  }
  if (absl::Status s = (*gateway)->Start(); !s.ok()) {
    std::cerr << "fruition dev: gateway: " << s.message() << "\n";
    return 1;
  }

  server::GrpcServerOptions grpc_options;
  grpc_options.listen_address = StrCat("127.0.0.1:", *grpc_port);
  auto grpc_server = server::GrpcServer::Start(
      grpc_options,
      {(*intake)->service(), (*evidence)->service(), (*scoring)->service(),
       (*reconciler)->service(), (*gateway)->service()});
  if (!grpc_server.ok()) {
    std::cerr << "fruition dev: " << grpc_server.status().message() << "\n";
    return 1;
  }
  intake::IntakeComponent* comp = intake->get();
  auto admin = telemetry::AdminHttpServer::Start(
      "127.0.0.1", static_cast<int>(*http_port), registry,
      [comp] { return comp->Ready(); });
  if (!admin.ok()) {
    std::cerr << "fruition dev: " << admin.status().message() << "\n";
    return 1;
  }
  // Wait (briefly) for the producer's first health probe.
  for (int i = 0; i < 100 && !comp->Ready(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  (*grpc_server)->SetServing(comp->Ready());
  const std::string grpc_address = StrCat("127.0.0.1:", (*grpc_server)->port());

  std::cout
      << "\nFruition dev is running (one process, librdkafka mock Kafka)\n"
      << "  Dashboard: http://127.0.0.1:" << (*gateway)->http_port() << "/\n"
      << "  gRPC (every service): " << grpc_address << "\n"
      << "  HTTP: http://127.0.0.1:" << (*admin)->port()
      << "/metrics  (/healthz, /readyz)\n"
      << "  Kafka (mock): " << (*mock)->bootstrap_servers()
      << "   e.g. kcat -C -b " << (*mock)->bootstrap_servers()
      << " -t fruition.reports.v1 -e\n"
      << "  data dir: " << data_dir << "\n";
  if (!dev_principals.empty()) {
    std::cout << "  principals (" << principals_file << "), e.g.:\n";
    for (const DevPrincipal& p : dev_principals) {
      if (p.code != "DEA" && p.code != "FBI" && p.code != "USSC" &&
          p.code != "OIG") {
        continue;
      }
      std::cout << "    " << p.code << " (" << p.kind << ")  token " << p.token
                << "\n";
    }
    std::cout << "    every token (" << dev_principals.size()
              << " principals): " << data_dir << "/dev-tokens\n";
  }

  if (!journal->empty()) {
    std::cout << "  restored " << journal->size()
              << " records of earlier runs from " << journal_file << "\n";
  }
  sim::Tokens tokens;
  for (const DevPrincipal& p : dev_principals) tokens[p.code] = p.token;
  auto channel =
      grpc::CreateChannel(grpc_address, grpc::InsecureChannelCredentials());
  sim::SimOptions sample;
  sample.seed = static_cast<uint64_t>(*seed);
  sample.subjects = static_cast<int>(*subjects);
  sample.first_fiscal_year = 2014;
  sample.years = 3;
  sample.not_after_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  const bool simulate = !*no_sample && !dev_principals.empty();
  if (simulate && journal->empty()) {
    auto reports = sim::Generate(sample);
    if (!reports.ok()) {
      std::cerr << "fruition dev: sample: " << reports.status().message()
                << "\n";
      return 2;
    }
    std::cout << "  sample data: submitting " << reports->size()
              << " reports of " << sample.subjects
              << " people (fruition-sim, seed " << sample.seed << ")...\n"
              << std::flush;
    // In bulk, one stream per reporter (the order across reporters does not
    // matter: every service accepts facts in any order).
    std::map<std::string, std::vector<fruitctl::Line>> by_reporter;
    for (size_t i = 0; i < reports->size(); ++i) {
      fruitctl::Line line;
      line.file = "sample";
      line.number = static_cast<int>(i + 1);
      line.report = (*reports)[i];
      by_reporter[line.report.reporter()].push_back(std::move(line));
    }
    fruitctl::SubmitSummary summary;
    for (const auto& [code, lines] : by_reporter) {
      fruitctl::SubmitOptions options;
      options.token = tokens[code];
      const auto one = fruitctl::Submit(channel, lines, options, std::cerr);
      summary.accepted += one.accepted;
      summary.rejected += one.rejected;
      if (stop.WaitFor(std::chrono::milliseconds(0))) break;
    }
    std::cout << "  sample data: " << summary.accepted << " accepted, "
              << summary.rejected << " rejected\n";
  }
  // A slow live stream keeps the dashboard moving: batch after batch of new
  // people, each in a fiscal year of its own (resumes after a restart).
  std::thread live;
  if (simulate && live_rate.value() > 0) {
    live = std::thread([&, rate = *live_rate] {
      const std::string k_file = data_dir + "/dev-live-batch";
      int k = 0;
      std::ifstream(k_file) >> k;
      while (!stop.WaitFor(std::chrono::milliseconds(10))) {
        ++k;
        std::ofstream(k_file) << k << "\n";
        auto batch = sim::Generate(sim::LiveBatch(sample, k, 40));
        if (!batch.ok()) break;
        sim::StreamOptions options;
        options.rate = rate;
        options.tokens = tokens;
        options.stop = &stop;
        std::ostringstream ignored;  // rejections are the simulator's to fix
        sim::StreamToIntake(channel, *batch, options, ignored);
      }
    });
    std::cout << "  live stream: " << *live_rate
              << " reports/s of new simulated cases (--live-rate 0: none)\n";
  }
  std::cout << "\nSubmit your own: bin/fruitctl submit --server "
            << grpc_address << " --token <token> FILE.ndjson\n"
            << "Stop with Ctrl-C.\n"
            << std::flush;

  while (!stop.WaitFor(std::chrono::milliseconds(500))) {
    (*grpc_server)
        ->SetServing(comp->Ready() && (*evidence)->Ready() &&
                     (*scoring)->Ready() && (*reconciler)->Ready() &&
                     (*gateway)->Ready());
  }
  std::cout << "fruition dev: " << stop.reason() << ", draining\n";
  if (live.joinable()) live.join();
  (*grpc_server)->Shutdown(std::chrono::seconds(5));
  (*gateway)->Drain();
  (*gateway)->Stop();
  (*reconciler)->Stop();
  (*scoring)->Stop();
  (*evidence)->Stop();
  (void)comp->Flush(std::chrono::seconds(5));
  (*admin)->Stop();
  return 0;
}

}  // namespace fruition::dev
