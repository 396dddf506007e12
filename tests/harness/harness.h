// Test harness for integration tests that start real processes: a real
// Kafka broker (tools/kafka-local), service binaries, and Kafka readers.
//
// Hermetic: free ports, temporary directories, output under Bazel's
// TEST_UNDECLARED_OUTPUTS_DIR, and polling with deadlines instead of sleeps.
#ifndef FRUITION_TESTS_HARNESS_HARNESS_H_
#define FRUITION_TESTS_HARNESS_HARNESS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace fruition::testing {

// Path of a file of this workspace in the test's runfiles.
std::string Runfile(const std::string& workspace_path);
// Where a test may leave logs and artifacts for a person to read.
std::string OutputDir();
// A new empty directory under the test's temp dir.
std::string NewTempDir(const std::string& prefix);
// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();
// Random lowercase hex, to make ids unique per run.
std::string Nonce(int bytes = 6);
// Polls `condition` every `every` (default 50 ms) until it holds or
// `timeout` passes.
bool WaitUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout,
               std::chrono::milliseconds every = std::chrono::milliseconds(50));

// `n` scaled by FRUITION_TEST_SCALE (default 1; at least 1). tools/test sets
// 0.25 for the sanitizer pass: the same scenarios at a quarter of the size,
// since ASan makes every service several times slower.
int Scaled(int n);

// A real Kafka broker (KRaft, single node) started by tools/kafka-local.
class Broker {
 public:
  // Why integration tests cannot run here (no Java 17+, no Maven and no
  // cached jars), or "" when they can.
  static std::string UnavailableReason();

  // The broker shared by a whole `tools/test` run (its address is in
  // FRUITION_TEST_KAFKA_BOOTSTRAP), or one of this process's own.
  static absl::StatusOr<std::shared_ptr<Broker>> Shared();
  // A broker owned by the caller: it may be stopped and restarted.
  // `start_args` go to `kafka-local start` (e.g. {"--sasl"}: SASL/PLAIN,
  // ACLs enforced, the admin's client configs in dir()).
  static absl::StatusOr<std::unique_ptr<Broker>> StartOwn(
      const std::vector<std::string>& start_args = {});
  ~Broker();

  const std::string& bootstrap() const { return bootstrap_; }
  // kafka-local's directory of a broker of our own ("" for the shared one).
  const std::string& dir() const { return dir_; }
  // Stops the broker process (data kept).
  absl::Status Stop();
  // Starts it again on the same address with the same data.
  absl::Status Restart();

 private:
  Broker() = default;
  std::string dir_;
  std::string bootstrap_;
  bool owned_ = false;
};

// A real Kafka cluster of its own (tools/kafka-local start --brokers N): one
// controller quorum and N brokers (ids 1..N) that can be killed, paused and
// restarted; topics default to replication min(N,3), min.insync.replicas
// one less. Stopped and deleted when destroyed.
class Cluster {
 public:
  static absl::StatusOr<std::unique_ptr<Cluster>> Start(int brokers);
  ~Cluster();

  // host:port,host:port,...
  const std::string& bootstrap() const { return bootstrap_; }
  int brokers() const { return brokers_; }
  // kill -9 broker `id` (1..N).
  absl::Status Kill(int id);
  // SIGSTOP / SIGCONT broker `id`.
  absl::Status Pause(int id);
  absl::Status Resume(int id);
  // Starts broker `id` again (same port, same data); returns once it serves.
  absl::Status Restart(int id);
  // The leader of `topic`'s `partition` (-1: none), and its in-sync
  // replicas, from the cluster's metadata.
  absl::StatusOr<int> Leader(const std::string& topic, int partition) const;
  absl::StatusOr<std::vector<int>> InSync(const std::string& topic,
                                          int partition) const;

 private:
  Cluster() = default;
  absl::Status Node(const std::string& action, int id);
  std::string dir_;
  std::string bootstrap_;
  int brokers_ = 0;
};

// The topics intake writes, created if missing.
absl::Status EnsureIntakeTopics(const std::string& bootstrap);

// A child process with its stdout and stderr in a log file.
class Process {
 public:
  static absl::StatusOr<std::unique_ptr<Process>> Start(
      const std::string& binary, const std::vector<std::string>& args,
      const std::string& log_path);
  // SIGKILLs the process if it still runs.
  ~Process();

  pid_t pid() const { return pid_; }
  void Signal(int signal);
  // The exit code (128 + signal if killed), or nullopt if it still runs
  // after `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  bool running();
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
};

// One Kafka record as read back.
struct Record {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
};

// Every record of `topic`, from the beginning to the end as of the call.
absl::StatusOr<std::vector<Record>> ReadTopic(
    const std::string& bootstrap, const std::string& topic,
    std::chrono::milliseconds timeout);
// ReadTopic of several topics with one reader (each topic's records in
// partition order; topics interleaved).
absl::StatusOr<std::vector<Record>> ReadTopics(
    const std::string& bootstrap, const std::vector<std::string>& topics,
    std::chrono::milliseconds timeout);

// A record to produce.
struct Outgoing {
  std::string topic;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
};

// Produces `records` in order with an idempotent, acks=all producer and
// waits for every acknowledgement.
absl::Status Produce(const std::string& bootstrap,
                     const std::vector<Outgoing>& records);

// grpc.health.v1 status of the server at `address`: "SERVING",
// "NOT_SERVING", or the error. With `tls_ca` (a PEM file) over TLS,
// presenting the client certificate `tls_cert` and `tls_key` if given.
std::string HealthStatus(const std::string& address,
                         const std::string& tls_ca = "",
                         const std::string& tls_cert = "",
                         const std::string& tls_key = "");

// Runs a command line through the shell; returns its exit code and, in
// `output`, what it printed on stdout and stderr.
int RunShell(const std::string& command, std::string* output);

// The federal fiscal year and quarter of a Unix time, computed by the tests
// themselves (not the services' arithmetic): fiscal years start on Oct 1
// (UTC), so 2015-10-01 is {"FY2016", "FY2016Q1"}.
std::pair<std::string, std::string> FiscalPeriods(int64_t unix_seconds);

// The whole content of the file at `path` ("" if it cannot be read).
std::string ReadFile(const std::string& path);

// The sealed-text key ring tests give intake and evidence (and only them):
// one AES-256 key, id "test-1" (privacy::SealedBox key text).
inline constexpr char kSealedKeyRing[] =
    "test-1:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// Writes kSealedKeyRing to `dir`/sealed.key and returns the flag naming it
// ("--sealed-key-file=<dir>/sealed.key").
std::string SealedKeyFlag(const std::string& dir);

// The rest of the line after the first `marker` in `text`, or "" (also
// while that line is not whole yet): what a process printed after a label
// ("Dashboard: http://").
std::string AfterMarker(const std::string& text, const std::string& marker);

// True if any file under `dir` contains `needle` (raw bytes).
bool AnyFileContains(const std::string& dir, const std::string& needle);

// How many times `needle` occurs in the file at `path` (0 if unreadable):
// lines a process logged so far.
int Occurrences(const std::string& path, const std::string& needle);

// Polls `count` (every `every`) until its value has not changed for
// `quiet`: that value, or nullopt if `timeout` passed first. For "nothing
// more is being written" before a test looks for a write that must not come.
std::optional<int64_t> WaitQuiet(
    const std::function<int64_t()>& count, std::chrono::milliseconds quiet,
    std::chrono::milliseconds timeout,
    std::chrono::milliseconds every = std::chrono::milliseconds(500));

// The sum of metric `name` (every label set) as the process serving
// Prometheus /metrics on 127.0.0.1:`port` shows it now; nullopt when it
// cannot be read or has no such metric.
// With `label` (e.g. `stage="scoring-stage1"`), only the series that carry it.
std::optional<double> MetricSum(int port, const std::string& name,
                                const std::string& label = "");

// Waits until the stage serving /metrics on 127.0.0.1:`port` applies
// another batch (fruition_stream_records_total moves, read every 20 ms):
// what a pause test waits for before SIGSTOP, so the pause lands while the
// batch's outputs wait in an open transaction. With `stage`, that stage's
// records only (a stage whose batch wrote nothing opens no transaction).
// False after `timeout`.
bool WaitUntilApplied(int port, std::chrono::milliseconds timeout,
                      const std::string& stage = "");

// fruition_stream_transactions_aborted_total of the process serving
// /metrics on 127.0.0.1:`port`; -1 when it cannot be read.
double AbortedTransactions(int port);

// The offsets consumer group `group` has committed in Kafka for `topic`
// (the services commit them in their output transactions), summed over the
// partitions, and the topic's end offsets summed: how far the group's work
// on `topic` is done.
struct GroupProgress {
  int64_t committed = 0;
  int64_t end = 0;
};
absl::StatusOr<GroupProgress> ProgressOf(const std::string& bootstrap,
                                         const std::string& group,
                                         const std::string& topic);

// How many members consumer group `group` has once a rebalance is done (the
// group Stable: each member holds its assignment); 0 while it rebalances or
// has none. For a test that waits until the group dropped a paused member
// and the others took its partitions over.
absl::StatusOr<int> StableMembers(const std::string& bootstrap,
                                  const std::string& group);

}  // namespace fruition::testing

#endif  // FRUITION_TESTS_HARNESS_HARNESS_H_
