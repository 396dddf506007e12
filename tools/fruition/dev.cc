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
#include <type_traits>
#include <utility>

#include "fruition/v1/reports.pb.h"
#include "services/common/config/config.h"
#include "services/common/kafka/admin.h"
#include "services/common/kafka/mock_cluster.h"
#include "services/common/log/log.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/server/audit.h"
#include "services/common/server/grpc_server.h"
#include "services/common/server/shutdown.h"
#include "services/common/service/component.h"
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
      {"dashboard-tls-cert", "",
       "PEM certificate: serve the dashboard over HTTPS (with "
       "dashboard-tls-key)"},
      {"dashboard-tls-key", "", "PEM key of dashboard-tls-cert"},
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
  return HexLower(
      std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
}

struct DevPrincipal {
  std::string code, kind, token;
  std::vector<std::string> acts_for;  // the principals file's acts_for
  bool designates = false;
};

// Every topic of the catalogue, so later services and kcat find them: one
// replica each on the mock cluster.
std::vector<kafka::TopicSpec> AllTopics() {
  kafka::TopicLayout layout;
  layout.replication_factor = 1;
  return kafka::CatalogueSpecs(layout);
}

// The settings of `fruition dev`, validated.
struct DevOptions {
  int grpc_port = 0;
  int http_port = 0;
  int dashboard_port = 0;
  std::string dashboard_tls_cert;  // empty: plain HTTP
  std::string dashboard_tls_key;
  int subjects = 0;
  bool no_sample = false;
  uint64_t seed = 0;
  double live_rate = 0;
  std::string principals_file;  // empty: generate
  std::string data_dir;         // empty: a new temporary directory
};

absl::StatusOr<DevOptions> ParseDevOptions(const config::Settings& settings) {
  auto grpc_port = settings.GetInt("grpc-port", 0, 65535);
  auto http_port = settings.GetInt("http-port", 0, 65535);
  auto dashboard_port = settings.GetInt("dashboard-port", 0, 65535);
  auto subjects = settings.GetInt("sample-subjects", 1, 1000000);
  auto no_sample = settings.GetBool("no-sample-data");
  auto seed = settings.GetInt("seed", 0, INT64_MAX);
  auto live_rate = sim::ParseRate(settings.Get("live-rate"));
  for (const absl::Status& s :
       {grpc_port.status(), http_port.status(), dashboard_port.status(),
        subjects.status(), no_sample.status(), seed.status(),
        live_rate.status()}) {
    if (!s.ok()) return s;
  }
  log::Level level = log::Level::kWarn;
  if (!log::ParseLevel(settings.Get("log-level"), &level)) {
    return absl::InvalidArgumentError(
        "config field log-level: not debug, info, warn or error");
  }
  log::Configure("fruition-dev", level);
  DevOptions o;
  o.grpc_port = static_cast<int>(*grpc_port);
  o.http_port = static_cast<int>(*http_port);
  o.dashboard_port = static_cast<int>(*dashboard_port);
  o.dashboard_tls_cert = settings.Get("dashboard-tls-cert");
  o.dashboard_tls_key = settings.Get("dashboard-tls-key");
  o.subjects = static_cast<int>(*subjects);
  o.no_sample = *no_sample;
  o.seed = static_cast<uint64_t>(*seed);
  o.live_rate = *live_rate;
  o.principals_file = settings.Get("principals");
  o.data_dir = settings.Get("data-dir");
  return o;
}

// The data dir of --data-dir, or a new temporary one.
absl::StatusOr<std::string> MakeDataDir(const std::string& data_dir) {
  std::string dir = data_dir;
  if (dir.empty()) {
    char tmpl[] = "/tmp/fruition-dev-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      return absl::InternalError("cannot create a temporary directory");
    }
    dir = tmpl;
  }
  std::filesystem::create_directories(dir);
  return dir;
}

// The mock cluster with every topic, holding again what intake accepted in
// earlier runs with this data dir (the mock cluster starts empty), and the
// journal that keeps what intake accepts from now on.
struct DevKafka {
  std::unique_ptr<kafka::MockCluster> mock;
  std::string journal_file;
  size_t restored = 0;
  std::unique_ptr<JournalWriter> journal;
  std::string bootstrap() const { return mock->bootstrap_servers(); }
};

absl::StatusOr<DevKafka> StartKafka(const std::string& data_dir) {
  DevKafka kafka;
  auto mock = kafka::MockCluster::Start(3);
  if (!mock.ok()) return mock.status();
  kafka.mock = std::move(*mock);
  if (absl::Status s = kafka.mock->CreateTopics(AllTopics()); !s.ok()) {
    return s;
  }
  // Produced back before any service starts, which then rebuild their
  // state by replay.
  kafka.journal_file = data_dir + "/journal.bin";
  auto journal = ReadJournal(kafka.journal_file);
  if (!journal.ok()) return journal.status();
  if (absl::Status s = ReplayJournal(kafka.bootstrap(), *journal); !s.ok()) {
    return absl::Status(
        s.code(), StrCat("restoring ", kafka.journal_file, ": ", s.message()));
  }
  kafka.restored = journal->size();
  auto writer = JournalWriter::Start(
      kafka.journal_file, kafka.bootstrap(),
      {std::string(topics::kReports), std::string(topics::kReference)});
  if (!writer.ok()) return writer.status();
  kafka.journal = std::move(*writer);
  return kafka;
}

// Every reporter of the simulated national stream, and an overseer, with
// tokens (those of an earlier run with this data dir stay valid); writes
// the principals file `*principals_file` and <data-dir>/dev-tokens.
std::vector<DevPrincipal> WriteDevPrincipals(const std::string& data_dir,
                                             std::string* principals_file) {
  std::vector<DevPrincipal> principals;
  for (const sim::Reporter& r : sim::Reporters()) {
    principals.push_back({r.code, r.kind, "", r.acts_for, r.designates});
  }
  principals.push_back({"OIG", "OVERSEER", ""});
  *principals_file = data_dir + "/principals.yaml";
  const std::string tokens_file = data_dir + "/dev-tokens";
  std::map<std::string, std::string> kept;
  {
    std::ifstream in(tokens_file);
    std::string code, token;
    while (in >> code >> token) kept[code] = token;
  }
  std::ofstream out(*principals_file);
  std::ofstream tokens(tokens_file);
  out << "# Generated by fruition dev: development principals only.\n"
         "principals:\n";
  for (DevPrincipal& p : principals) {
    auto it = kept.find(p.code);
    p.token = it != kept.end() ? it->second
                               : StrCat("dev-", p.code, "-", RandomHex(12));
    out << "  - code: " << p.code << "\n    kind: " << p.kind
        << "\n    token_sha256: " << privacy::Sha256Hex(p.token) << "\n";
    // The write authority the sample's reports need (docs/API.md, "Who may
    // write what").
    if (!p.acts_for.empty()) {
      out << "    acts_for:\n";
      for (const std::string& code : p.acts_for) {
        out << "      - " << code << "\n";
      }
    }
    if (p.designates) out << "    designates: true\n";
    tokens << p.code << " " << p.token << "\n";
  }
  return principals;
}

// What every component of dev shares.
struct DevEnv {
  std::string bootstrap;
  std::string principals_file;
  std::string pseudonym_key_file;
  // Sealed evidence text's key ring: given to intake and evidence only.
  std::string sealed_key_file;
  std::string data_dir;
  int dashboard_port = 0;
  std::string dashboard_tls_cert;
  std::string dashboard_tls_key;
};

using ComponentPtr = std::unique_ptr<service::Component>;

template <typename C, typename Config>
absl::StatusOr<ComponentPtr> Make(Config config, const DevEnv& env,
                                  prometheus::Registry& registry) {
  config.kafka_bootstrap = env.bootstrap;
  if constexpr (std::is_base_of_v<service::CommonConfig, Config>) {
    // One process on the mock cluster: nothing to fence (docs/DESIGN.md
    // "Fencing").
    config.transactional_outputs = false;
  }
  config.principals_file = env.principals_file;
  config.data_dir = env.data_dir;
  auto component = C::Create(config, registry);
  if (!component.ok()) return component.status();
  return ComponentPtr(std::move(*component));
}

// A service of dev: its name (and state dir under the data dir) and how it
// is created from its defaults and the shared settings.
struct DevComponent {
  std::string name;
  std::function<absl::StatusOr<ComponentPtr>(const DevEnv&,
                                             prometheus::Registry&)>
      create;
};

// Every service, in the order they start: intake first (its recovery
// completes before anything else starts), the gateway last, which it also
// sets `*gateway` to (for its dashboard's port).
std::vector<DevComponent> DevComponents(gateway::GatewayComponent** gateway) {
  return {
      {"intake",
       [](const DevEnv& env, prometheus::Registry& r) {
         intake::IntakeConfig config;
         config.pseudonym_key_file = env.pseudonym_key_file;
         config.sealed_key_file = env.sealed_key_file;
         return Make<intake::IntakeComponent>(config, env, r);
       }},
      {"evidence",
       [](const DevEnv& env, prometheus::Registry& r) {
         evidence::EvidenceConfig config;
         config.sealed_key_file = env.sealed_key_file;
         return Make<evidence::EvidenceComponent>(config, env, r);
       }},
      {"scoring",
       [](const DevEnv& env, prometheus::Registry& r) {
         return Make<scoring::ScoringComponent>(scoring::ScoringConfig(), env,
                                                r);
       }},
      {"reconciler",
       [](const DevEnv& env, prometheus::Registry& r) {
         return Make<reconciler::ReconcilerComponent>(
             reconciler::ReconcilerConfig(), env, r);
       }},
      {"gateway",
       [gateway](const DevEnv& env, prometheus::Registry& r) {
         gateway::GatewayConfig config;
         config.http.listen = StrCat("127.0.0.1:", env.dashboard_port);
         config.http.tls_cert = env.dashboard_tls_cert;
         config.http.tls_key = env.dashboard_tls_key;
         auto made = Make<gateway::GatewayComponent>(config, env, r);
         if (made.ok()) {
           *gateway = static_cast<gateway::GatewayComponent*>(made->get());
         }
         return made;
       }},
  };
}

// The components of DevComponents(), each created and started in turn.
// Their state dirs are emptied first: the mock cluster starts empty on every
// start, and the services rebuild their state by replay from the journal.
absl::StatusOr<std::vector<ComponentPtr>> StartComponents(
    const DevEnv& env, prometheus::Registry& registry,
    server::ShutdownSignal* stop, gateway::GatewayComponent** gateway) {
  const std::vector<DevComponent> all = DevComponents(gateway);
  for (const DevComponent& d : all) {
    std::filesystem::remove_all(env.data_dir + "/" + d.name);
  }
  std::vector<ComponentPtr> started;
  for (const DevComponent& d : all) {
    auto component = d.create(env, registry);
    if (!component.ok()) {
      return absl::Status(component.status().code(),
                          StrCat(d.name, ": ", component.status().message()));
    }
    if (absl::Status s = (*component)->Start(stop); !s.ok()) {
      return absl::Status(s.code(), StrCat(d.name, ": ", s.message()));
    }
    started.push_back(std::move(*component));
  }
  return started;
}

bool AllReady(const std::vector<ComponentPtr>& components) {
  for (const auto& c : components) {
    if (!c->Ready()) return false;
  }
  return true;
}

// One gRPC server for every component's services, and the admin HTTP
// server (/metrics, /healthz, /readyz).
struct DevServers {
  std::unique_ptr<server::GrpcServer> grpc;
  std::unique_ptr<telemetry::AdminHttpServer> admin;
  std::string grpc_address() const {
    return StrCat("127.0.0.1:", grpc->port());
  }
};

absl::StatusOr<DevServers> StartServers(
    const DevOptions& options, const std::vector<ComponentPtr>& components,
    const std::shared_ptr<prometheus::Registry>& registry) {
  std::vector<grpc::Service*> services;
  for (const auto& c : components) {
    for (grpc::Service* s : c->services()) services.push_back(s);
  }
  DevServers servers;
  server::GrpcServerOptions grpc_options;
  grpc_options.listen_address = StrCat("127.0.0.1:", options.grpc_port);
  // One server for every component: refused calls are recorded by the first
  // component's writer (all load the same principals file).
  grpc_options.interceptors = [&components] {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        all;
    all.push_back(server::RefusalAuditor(components.front()->registry(),
                                         components.front()->trail()));
    return all;
  };
  auto grpc_server = server::GrpcServer::Start(grpc_options, services);
  if (!grpc_server.ok()) return grpc_server.status();
  servers.grpc = std::move(*grpc_server);
  auto admin = telemetry::AdminHttpServer::Start(
      "127.0.0.1", options.http_port, registry,
      [&components] { return AllReady(components); });
  if (!admin.ok()) return admin.status();
  servers.admin = std::move(*admin);
  // Wait (briefly) for the producers' first health probes.
  for (int i = 0; i < 100 && !AllReady(components); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  servers.grpc->SetServing(AllReady(components));
  return servers;
}

void PrintBanner(const DevServers& servers, const DevKafka& kafka,
                 int dashboard_port, bool dashboard_tls,
                 const std::string& data_dir,
                 const std::string& principals_file,
                 const std::vector<DevPrincipal>& principals) {
  const std::string bootstrap = kafka.bootstrap();
  std::cout
      << "\nFruition dev is running (one process, librdkafka mock Kafka)\n"
      << "  Dashboard: " << (dashboard_tls ? "https" : "http")
      << "://127.0.0.1:" << dashboard_port << "/\n"
      << "  gRPC (every service): " << servers.grpc_address() << "\n"
      << "  HTTP: http://127.0.0.1:" << servers.admin->port()
      << "/metrics  (/healthz, /readyz)\n"
      << "  Kafka (mock): " << bootstrap << "   e.g. kcat -C -b " << bootstrap
      << " -t fruition.reports.v1 -e\n"
      << "  data dir: " << data_dir << "\n";
  if (!principals.empty()) {
    std::cout << "  principals (" << principals_file << "), e.g.:\n";
    for (const DevPrincipal& p : principals) {
      if (p.code != "DEA" && p.code != "FBI" && p.code != "USSC" &&
          p.code != "OIG") {
        continue;
      }
      std::cout << "    " << p.code << " (" << p.kind << ")  token " << p.token
                << "\n";
    }
    std::cout << "    every token (" << principals.size()
              << " principals): " << data_dir << "/dev-tokens\n";
  }
  if (kafka.restored > 0) {
    std::cout << "  restored " << kafka.restored
              << " records of earlier runs from " << kafka.journal_file << "\n";
  }
}

// The simulated sample of three fiscal years from 2014.
sim::SimOptions SampleOptions(const DevOptions& options) {
  sim::SimOptions sample;
  sample.seed = options.seed;
  sample.subjects = options.subjects;
  sample.first_fiscal_year = 2014;
  sample.years = 3;
  sample.not_after_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  return sample;
}

// Submits the sample in bulk, one stream per reporter (the order across
// reporters does not matter: every service accepts facts in any order).
absl::Status SubmitSample(const sim::SimOptions& sample,
                          const std::shared_ptr<grpc::Channel>& channel,
                          const sim::Tokens& tokens,
                          server::ShutdownSignal* stop) {
  auto reports = sim::Generate(sample);
  if (!reports.ok()) return reports.status();
  for (v1::AgencyReport& line :
       sim::SampleBudgetLines(sample.first_fiscal_year + sample.years - 1)) {
    reports->push_back(std::move(line));
  }
  std::cout << "  sample data: submitting " << reports->size() << " reports of "
            << sample.subjects << " people (fruition-sim, seed " << sample.seed
            << ")...\n"
            << std::flush;
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
    auto token = tokens.find(code);
    if (token != tokens.end()) options.token = token->second;
    const auto one = fruitctl::Submit(channel, lines, options, std::cerr);
    summary.accepted += one.accepted;
    summary.rejected += one.rejected;
    if (stop->WaitFor(std::chrono::milliseconds(0))) break;
  }
  std::cout << "  sample data: " << summary.accepted << " accepted, "
            << summary.rejected << " rejected\n";
  return absl::OkStatus();
}

// A slow live stream keeps the dashboard moving: batch after batch of new
// people, each in a fiscal year of its own (resumes after a restart).
std::thread StartLiveStream(const sim::SimOptions& sample, double rate,
                            const std::string& data_dir,
                            const std::shared_ptr<grpc::Channel>& channel,
                            const sim::Tokens& tokens,
                            server::ShutdownSignal* stop) {
  return std::thread([=] {
    const std::string k_file = data_dir + "/dev-live-batch";
    int k = 0;
    std::ifstream(k_file) >> k;
    while (!stop->WaitFor(std::chrono::milliseconds(10))) {
      ++k;
      std::ofstream(k_file) << k << "\n";
      auto batch = sim::Generate(sim::LiveBatch(sample, k, 40));
      if (!batch.ok()) break;
      sim::StreamOptions options;
      options.rate = rate;
      options.tokens = tokens;
      options.stop = stop;
      std::ostringstream ignored;  // rejections are the simulator's to fix
      sim::StreamToIntake(channel, *batch, options, ignored);
    }
  });
}

// Health follows every component until `stop`, then the drain: streams end,
// the gRPC server drains, the components stop in reverse order.
void ServeUntilStopped(DevServers& servers,
                       std::vector<ComponentPtr>& components, std::thread& live,
                       server::ShutdownSignal* stop) {
  while (!stop->WaitFor(std::chrono::milliseconds(500))) {
    servers.grpc->SetServing(AllReady(components));
  }
  std::cout << "fruition dev: " << stop->reason() << ", draining\n";
  if (live.joinable()) live.join();
  for (auto& c : components) c->Drain();
  servers.grpc->Shutdown(std::chrono::seconds(5));
  for (auto it = components.rbegin(); it != components.rend(); ++it) {
    (void)(*it)->Stop();
  }
  servers.admin->Stop();
}

int Fail(const absl::Status& status, int code) {
  std::cerr << "fruition dev: " << status.message() << "\n";
  return code;
}

}  // namespace

// The steps of `fruition dev` in order, each a named function; what remains
// is the hand-over of their results and one exit code per failure.
int RunDev(const std::vector<std::string>& args) {
  server::ShutdownSignal stop;
  server::NotifyOnTerminationSignals(&stop);
  auto settings = config::Settings::Load(args, DevSpecs());
  if (!settings.ok()) return Fail(settings.status(), 2);
  if (settings->help_requested()) {
    std::cout << config::Settings::Usage("fruition dev", DevSpecs());
    return 0;
  }
  auto options = ParseDevOptions(*settings);
  if (!options.ok()) return Fail(options.status(), 2);
  auto data_dir = MakeDataDir(options->data_dir);
  if (!data_dir.ok()) return Fail(data_dir.status(), 1);
  auto kafka = StartKafka(*data_dir);
  if (!kafka.ok()) return Fail(kafka.status(), 1);

  DevEnv env;
  env.bootstrap = kafka->bootstrap();
  env.principals_file = options->principals_file;
  env.data_dir = *data_dir;
  env.dashboard_port = options->dashboard_port;
  env.dashboard_tls_cert = options->dashboard_tls_cert;
  env.dashboard_tls_key = options->dashboard_tls_key;
  std::vector<DevPrincipal> principals;
  if (env.principals_file.empty()) {
    principals = WriteDevPrincipals(*data_dir, &env.principals_file);
  }
  env.pseudonym_key_file = *data_dir + "/pseudonym.key";
  if (!std::filesystem::exists(env.pseudonym_key_file)) {
    std::ofstream(env.pseudonym_key_file) << RandomHex(32) << "\n";
  }
  env.sealed_key_file = *data_dir + "/sealed.key";
  if (!std::filesystem::exists(env.sealed_key_file)) {
    std::ofstream(env.sealed_key_file) << "dev-1:" << RandomHex(32) << "\n";
    std::filesystem::permissions(env.sealed_key_file,
                                 std::filesystem::perms::owner_read |
                                     std::filesystem::perms::owner_write);
  }

  auto registry = std::make_shared<prometheus::Registry>();
  gateway::GatewayComponent* gateway = nullptr;
  auto components = StartComponents(env, *registry, &stop, &gateway);
  if (!components.ok()) return Fail(components.status(), 1);
  auto servers = StartServers(*options, *components, registry);
  if (!servers.ok()) return Fail(servers.status(), 1);
  // The dashboard's answers and decisions go to this process's intake.
  absl::Status intake = gateway->ConnectIntake(servers->grpc_address());
  if (!intake.ok()) return Fail(intake, 1);
  PrintBanner(*servers, *kafka, gateway->http_port(),
              !options->dashboard_tls_cert.empty(), *data_dir,
              env.principals_file, principals);

  sim::Tokens tokens;
  for (const DevPrincipal& p : principals) tokens[p.code] = p.token;
  auto channel = grpc::CreateChannel(servers->grpc_address(),
                                     grpc::InsecureChannelCredentials());
  const sim::SimOptions sample = SampleOptions(*options);
  const bool simulate = !options->no_sample && !principals.empty();
  if (simulate && kafka->restored == 0) {
    if (absl::Status s = SubmitSample(sample, channel, tokens, &stop);
        !s.ok()) {
      return Fail(absl::Status(s.code(), StrCat("sample: ", s.message())), 2);
    }
  }
  std::thread live;
  if (simulate && options->live_rate > 0) {
    live = StartLiveStream(sample, options->live_rate, *data_dir, channel,
                           tokens, &stop);
    std::cout << "  live stream: " << options->live_rate
              << " reports/s of new simulated cases (--live-rate 0: none)\n";
  }
  std::cout << "\nSubmit your own: bin/fruitctl submit --server "
            << servers->grpc_address() << " --token <token> FILE.ndjson\n"
            << "Stop with Ctrl-C.\n"
            << std::flush;
  ServeUntilStopped(*servers, *components, live, &stop);
  return 0;
}

}  // namespace fruition::dev
