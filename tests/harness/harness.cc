#include "tests/harness/harness.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_join.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/kafka/admin.h"
#include "services/common/kafka/consumer.h"
#include "services/common/kafka/producer.h"
#include "services/common/strings.h"

namespace fruition::testing {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

// Runs a shell command; returns its exit code and fills stdout.
int RunCommand(const std::string& command, std::string* out) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    if (out != nullptr) out->append(buf.data(), n);
  }
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string KafkaLocal() { return Runfile("tools/kafka-local"); }

}  // namespace

std::string Runfile(const std::string& path) {
  const std::string srcdir = Env("TEST_SRCDIR");
  if (!srcdir.empty()) {
    const std::string workspace =
        Env("TEST_WORKSPACE").empty() ? "fruition" : Env("TEST_WORKSPACE");
    return srcdir + "/" + workspace + "/" + path;
  }
  return path;
}

std::string OutputDir() {
  std::string dir = Env("TEST_UNDECLARED_OUTPUTS_DIR");
  if (dir.empty()) dir = NewTempDir("out");
  return dir;
}

std::string NewTempDir(const std::string& prefix) {
  std::string base = Env("TEST_TMPDIR");
  if (base.empty()) base = "/tmp";
  std::string tmpl = base + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) return base;
  return buf.data();
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return 0;  // what getsockname reports for the unbound socket
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::string Nonce(int bytes) {
  static std::mt19937_64 rng(std::random_device{}());
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < bytes * 2; ++i) out.push_back(kDigits[rng() % 16]);
  return out;
}

bool WaitUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout,
               std::chrono::milliseconds every) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(every);
  }
  return condition();
}

int Scaled(int n) {
  const char* scale = std::getenv("FRUITION_TEST_SCALE");
  if (scale == nullptr || *scale == '\0') return n;
  const double f = std::atof(scale);
  if (f <= 0) return n;
  return std::max(1, static_cast<int>(n * f));
}

std::string Broker::UnavailableReason() {
  std::string out;
  const int code = RunCommand(KafkaLocal() + " check 2>&1", &out);
  return code == 0 ? "" : Trim(out);
}

absl::StatusOr<std::shared_ptr<Broker>> Broker::Shared() {
  const std::string bootstrap = Env("FRUITION_TEST_KAFKA_BOOTSTRAP");
  if (!bootstrap.empty()) {
    std::shared_ptr<Broker> broker(new Broker());
    broker->bootstrap_ = bootstrap;
    return broker;
  }
  auto own = StartOwn();
  if (!own.ok()) return own.status();
  return std::shared_ptr<Broker>(std::move(*own));
}

absl::StatusOr<std::unique_ptr<Broker>> Broker::StartOwn(
    const std::vector<std::string>& start_args) {
  std::unique_ptr<Broker> broker(new Broker());
  broker->dir_ = NewTempDir("kafka");
  broker->owned_ = true;
  std::string out;
  const std::string log = broker->dir_ + "/kafka-local.err";
  const int code =
      RunCommand(StrCat(KafkaLocal(), " start --dir ", broker->dir_, " ",
                        absl::StrJoin(start_args, " "), " 2>", log),
                 &out);
  if (code != 0) {
    std::ifstream in(log);
    std::string err((std::istreambuf_iterator<char>(in)), {});
    return absl::UnavailableError(StrCat("kafka-local start failed: ", err));
  }
  broker->bootstrap_ = Trim(out);
  return broker;
}

Broker::~Broker() {
  if (owned_) {
    RunCommand(
        StrCat(KafkaLocal(), " stop --dir ", dir_, " --clean 2>/dev/null"),
        nullptr);
  }
}

absl::Status Broker::Stop() {
  if (!owned_) return absl::FailedPreconditionError("shared broker");
  if (RunCommand(StrCat(KafkaLocal(), " stop --dir ", dir_, " 2>/dev/null"),
                 nullptr) != 0) {
    return absl::InternalError("kafka-local stop failed");
  }
  return absl::OkStatus();
}

absl::Status Broker::Restart() {
  if (!owned_) return absl::FailedPreconditionError("shared broker");
  const std::string port = bootstrap_.substr(bootstrap_.rfind(':') + 1);
  std::string out;
  if (RunCommand(StrCat(KafkaLocal(), " start --dir ", dir_, " --port ", port,
                        " 2>>", dir_, "/kafka-local.err"),
                 &out) != 0) {
    return absl::InternalError("kafka-local restart failed");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Cluster>> Cluster::Start(int brokers) {
  std::unique_ptr<Cluster> cluster(new Cluster());
  cluster->dir_ = NewTempDir("kafka-cluster");
  cluster->brokers_ = brokers;
  std::string out;
  const std::string log = cluster->dir_ + "/kafka-local.err";
  if (RunCommand(StrCat(KafkaLocal(), " start --brokers ", brokers, " --dir ",
                        cluster->dir_, " 2>", log),
                 &out) != 0) {
    std::ifstream in(log);
    std::string err((std::istreambuf_iterator<char>(in)), {});
    return absl::UnavailableError(
        StrCat("kafka-local start --brokers ", brokers, " failed: ", err));
  }
  cluster->bootstrap_ = Trim(out);
  return cluster;
}

Cluster::~Cluster() {
  RunCommand(StrCat(KafkaLocal(), " stop --dir ", dir_, " --clean 2>/dev/null"),
             nullptr);
}

absl::Status Cluster::Node(const std::string& action, int id) {
  std::string out;
  if (RunCommand(StrCat(KafkaLocal(), " ", action, " --dir ", dir_,
                        " --broker ", id, " 2>>", dir_, "/kafka-local.err"),
                 &out) != 0) {
    return absl::InternalError(StrCat("kafka-local ", action, " --broker ", id,
                                      " failed (", dir_, "/kafka-local.err)"));
  }
  return absl::OkStatus();
}

absl::Status Cluster::Kill(int id) { return Node("kill", id); }
absl::Status Cluster::Pause(int id) { return Node("pause", id); }
absl::Status Cluster::Resume(int id) { return Node("resume", id); }
absl::Status Cluster::Restart(int id) { return Node("restart", id); }

namespace {

struct PartitionInfo {
  int leader = -1;
  std::vector<int> isr;
};

// Partition `partition` of `topic` in the cluster's metadata.
absl::StatusOr<PartitionInfo> PartitionMetadata(const std::string& bootstrap,
                                                const std::string& topic,
                                                int partition) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err,
                    sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) return absl::InternalError(err);
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, &md, 5000);
  absl::StatusOr<PartitionInfo> out =
      absl::NotFoundError(StrCat(topic, "/", partition, ": no metadata"));
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    out = absl::UnavailableError(rd_kafka_err2str(e));
  } else if (md->topic_cnt == 1) {
    for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
      const rd_kafka_metadata_partition_t& p = md->topics[0].partitions[i];
      if (p.id == partition) {
        out = PartitionInfo{p.leader,
                            std::vector<int>(p.isrs, p.isrs + p.isr_cnt)};
      }
    }
  }
  if (md != nullptr) rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(t);
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace

absl::StatusOr<int> Cluster::Leader(const std::string& topic,
                                    int partition) const {
  auto p = PartitionMetadata(bootstrap_, topic, partition);
  if (!p.ok()) return p.status();
  return p->leader;
}

absl::StatusOr<std::vector<int>> Cluster::InSync(const std::string& topic,
                                                 int partition) const {
  auto p = PartitionMetadata(bootstrap_, topic, partition);
  if (!p.ok()) return p.status();
  return p->isr;
}

absl::Status EnsureIntakeTopics(const std::string& bootstrap) {
  return kafka::EnsureTopics(bootstrap, {}, kafka::IntakeTopics(12, 1),
                             std::chrono::seconds(30));
}

absl::StatusOr<std::unique_ptr<Process>> Process::Start(
    const std::string& binary, const std::vector<std::string>& args,
    const std::string& log_path) {
  std::unique_ptr<Process> process(new Process());
  process->log_path_ = log_path;
  std::vector<std::string> argv_storage = {binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_storage.size() + 1);
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    // Unblock signals a test runner may have blocked.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  process->pid_ = pid;
  return process;
}

Process::~Process() {
  if (running()) {
    kill(pid_, SIGKILL);
    Wait(std::chrono::seconds(10));
  }
}

void Process::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

bool Process::running() {
  if (exit_code_.has_value() || pid_ <= 0) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ =
        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  WaitUntil([this] { return !running(); }, timeout);
  return exit_code_;
}

absl::Status Produce(const std::string& bootstrap,
                     const std::vector<Outgoing>& records) {
  kafka::ProducerOptions options;
  options.bootstrap_servers = bootstrap;
  options.client_id = "fruition-test";
  auto producer = kafka::KafkaProducer::Create(options);
  if (!producer.ok()) return producer.status();
  std::atomic<int> failed{0};
  std::string error;
  std::mutex mu;
  for (const Outgoing& r : records) {
    std::vector<kafka::Header> headers(r.headers.begin(), r.headers.end());
    (*producer)->Produce(r.topic, r.key, r.value, headers,
                         [&](const kafka::DeliveryReport& d) {
                           if (d.status.ok()) return;
                           ++failed;
                           std::lock_guard<std::mutex> lock(mu);
                           error = std::string(d.status.message());
                         });
  }
  if (absl::Status s = (*producer)->Flush(std::chrono::seconds(60)); !s.ok()) {
    return s;
  }
  if (failed.load() > 0) {
    return absl::UnavailableError(
        StrCat(failed.load(), " records not acknowledged: ", error));
  }
  return absl::OkStatus();
}

namespace {

// A consumed message of `topic` with its key, value and headers.
Record ToRecord(const std::string& topic, const rd_kafka_message_t* msg) {
  kafka::Record k = kafka::ToRecord(msg);
  Record r{topic, k.partition, k.offset, std::move(k.key), std::move(k.value),
           {}};
  for (auto& [name, value] : k.headers) r.headers[name] = std::move(value);
  return r;
}

}  // namespace

absl::StatusOr<std::vector<Record>> ReadTopic(
    const std::string& bootstrap, const std::string& topic,
    std::chrono::milliseconds timeout) {
  return ReadTopics(bootstrap, {topic}, timeout);
}

absl::StatusOr<std::vector<Record>> ReadTopics(
    const std::string& bootstrap, const std::vector<std::string>& topics,
    std::chrono::milliseconds timeout) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err,
                    sizeof(err));
  rd_kafka_conf_set(conf, "group.id", "fruition-test-reader", err, sizeof(err));
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (rk == nullptr) return absl::InternalError(err);
  auto cleanup = [rk] {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  };
  const int ms = static_cast<int>(timeout.count());
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(12);
  // Where each partition (topic, partition) with records ends.
  std::map<std::pair<std::string, int32_t>, int64_t> ends;
  for (const std::string& topic : topics) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, ms);
    rd_kafka_topic_destroy(rkt);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1) {
      if (md != nullptr) rd_kafka_metadata_destroy(md);
      rd_kafka_topic_partition_list_destroy(list);
      cleanup();
      return absl::UnavailableError(
          StrCat("metadata of ", topic, ": ", rd_kafka_err2str(e)));
    }
    const int partitions = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    for (int p = 0; p < partitions; ++p) {
      int64_t low = 0, high = 0;
      rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, ms);
      if (high > low) {
        rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = low;
        ends[{topic, p}] = high - 1;
      }
    }
  }
  std::vector<Record> records;
  if (!ends.empty()) rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::set<std::pair<std::string, int32_t>> done;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (done.size() < ends.size()) {
    if (std::chrono::steady_clock::now() > deadline) {
      cleanup();
      return absl::DeadlineExceededError(StrCat(
          "reading ", topics.size() == 1 ? topics[0] : "topics", " timed out"));
    }
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk, 200);
    if (msg == nullptr) continue;
    std::pair<std::string, int32_t> tp{rd_kafka_topic_name(msg->rkt),
                                       msg->partition};
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (msg->offset >= ends[tp]) done.insert(tp);
      records.push_back(ToRecord(tp.first, msg));
    } else if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      done.insert(tp);
    }
    rd_kafka_message_destroy(msg);
  }
  cleanup();
  return records;
}

int RunShell(const std::string& command, std::string* output) {
  return RunCommand(command + " 2>&1", output);
}

std::string HealthStatus(const std::string& address, const std::string& tls_ca,
                         const std::string& tls_cert,
                         const std::string& tls_key) {
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (!tls_ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFile(tls_ca);
    if (!tls_cert.empty()) {
      ssl.pem_cert_chain = ReadFile(tls_cert);
      ssl.pem_private_key = ReadFile(tls_key);
    }
    credentials = grpc::SslCredentials(ssl);
  }
  auto channel = grpc::CreateChannel(address, credentials);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return StrCat("error ", status.error_code());
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
      response.status());
}

std::pair<std::string, std::string> FiscalPeriods(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  const int month = tm.tm_mon + 1;
  const int fy = tm.tm_year + 1900 + (month >= 10 ? 1 : 0);
  const int q = month >= 10 ? 1 : month <= 3 ? 2 : month <= 6 ? 3 : 4;
  return {StrCat("FY", fy), StrCat("FY", fy, "Q", q)};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string SealedKeyFlag(const std::string& dir) {
  const std::string path = dir + "/sealed.key";
  std::ofstream(path) << kSealedKeyRing << "\n";
  return "--sealed-key-file=" + path;
}

std::string AfterMarker(const std::string& text, const std::string& marker) {
  const size_t at = text.find(marker);
  if (at == std::string::npos) return "";
  const size_t from = at + marker.size();
  const size_t end = text.find('\n', from);
  if (end == std::string::npos) return "";  // not yet a whole line
  return text.substr(from, end - from);
}

bool AnyFileContains(const std::string& dir, const std::string& needle) {
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), {});
    if (content.find(needle) != std::string::npos) return true;
  }
  return false;
}

int Occurrences(const std::string& path, const std::string& needle) {
  const std::string text = ReadFile(path);
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

std::optional<int64_t> WaitQuiet(const std::function<int64_t()>& count,
                                 std::chrono::milliseconds quiet,
                                 std::chrono::milliseconds timeout,
                                 std::chrono::milliseconds every) {
  std::optional<int64_t> last;
  auto since = std::chrono::steady_clock::now();
  const bool settled = WaitUntil(
      [&] {
        const int64_t now = count();
        if (last != now) {
          last = now;
          since = std::chrono::steady_clock::now();
          return false;
        }
        return std::chrono::steady_clock::now() - since >= quiet;
      },
      timeout, every);
  if (!settled) return std::nullopt;
  return last;
}

std::optional<double> MetricSum(int port, const std::string& name,
                                const std::string& label) {
  httplib::Client http("127.0.0.1", port);
  http.set_connection_timeout(2);
  auto res = http.Get("/metrics");
  if (!res || res->status != 200) return std::nullopt;
  std::istringstream in(res->body);
  std::string line;
  double total = 0;
  bool found = false;
  while (std::getline(in, line)) {
    // `name` itself, with or without labels: not a longer metric name.
    if (line.rfind(name, 0) != 0 || line.size() <= name.size() ||
        (line[name.size()] != '{' && line[name.size()] != ' ') ||
        (!label.empty() && line.find(label) == std::string::npos)) {
      continue;
    }
    const size_t space = line.rfind(' ');
    total += std::atof(line.c_str() + space + 1);
    found = true;
  }
  if (!found) return std::nullopt;
  return total;
}

bool WaitUntilApplied(int port, std::chrono::milliseconds timeout,
                      const std::string& stage) {
  const std::string label = stage.empty() ? "" : "stage=\"" + stage + "\"";
  double applied = -1;
  return WaitUntil(
      [&] {
        const double now =
            MetricSum(port, "fruition_stream_records_total", label).value_or(0);
        const bool moved = applied >= 0 && now > applied;
        applied = now;
        return moved;
      },
      timeout, std::chrono::milliseconds(20));
}

double AbortedTransactions(int port) {
  return MetricSum(port, "fruition_stream_transactions_aborted_total")
      .value_or(-1);
}

absl::StatusOr<GroupProgress> ProgressOf(const std::string& bootstrap,
                                         const std::string& group,
                                         const std::string& topic) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err,
                    sizeof(err));
  // Never joins: only reads what the group committed. read_uncommitted: an
  // offset fetch does not wait for a transaction a killed member left open
  // (its offsets are not committed, and not counted).
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "isolation.level", "read_uncommitted", err,
                    sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (rk == nullptr) return absl::InternalError(err);
  GroupProgress out;
  absl::Status status;
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, &md, 10000);
  rd_kafka_topic_destroy(t);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1) {
    status = absl::UnavailableError(StrCat("metadata of ", topic));
  } else {
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
    for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
      const int32_t p = md->topics[0].partitions[i].id;
      rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
      int64_t low = 0, high = 0;
      rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high,
                                       10000);
      out.end += high;
    }
    e = rd_kafka_committed(rk, list, 10000);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = absl::UnavailableError(rd_kafka_err2str(e));
    }
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].offset >= 0) out.committed += list->elems[i].offset;
    }
    rd_kafka_topic_partition_list_destroy(list);
  }
  if (md != nullptr) rd_kafka_metadata_destroy(md);
  rd_kafka_destroy(rk);
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<int> StableMembers(const std::string& bootstrap,
                                  const std::string& group) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err,
                    sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) return absl::InternalError(err);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options =
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
  rd_kafka_AdminOptions_set_request_timeout(options, 10000, err, sizeof(err));
  const char* groups[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(rk, groups, 1, options, queue);
  absl::StatusOr<int> out =
      absl::DeadlineExceededError(StrCat("describing group ", group));
  if (rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 15000)) {
    size_t n = 0;
    const rd_kafka_ConsumerGroupDescription_t** described =
        rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR
            ? nullptr
            : rd_kafka_DescribeConsumerGroups_result_groups(
                  rd_kafka_event_DescribeConsumerGroups_result(event), &n);
    const rd_kafka_error_t* error =
        n == 1 ? rd_kafka_ConsumerGroupDescription_error(described[0])
               : nullptr;
    if (n != 1 || error != nullptr) {
      out = absl::UnavailableError(
          StrCat("describing group ", group, ": ",
                 error != nullptr ? rd_kafka_error_string(error)
                                  : rd_kafka_event_error_string(event)));
    } else if (rd_kafka_ConsumerGroupDescription_state(described[0]) ==
               RD_KAFKA_CONSUMER_GROUP_STATE_STABLE) {
      out = static_cast<int>(
          rd_kafka_ConsumerGroupDescription_member_count(described[0]));
    } else {
      out = 0;
    }
    rd_kafka_event_destroy(event);
  }
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_queue_destroy(queue);
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace fruition::testing
