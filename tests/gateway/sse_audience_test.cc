// A public dashboard's audience against one gateway replica: 10,000 Server-
// Sent Events subscribers (FRUITION_TEST_SCALE scales it) held open by ONE
// client thread on non-blocking sockets (epoll), against fruition-gateway
// as a separate process on a real Kafka broker and RocksDB. Every
// subscriber must be served (200, text/event-stream), one new event must
// reach all of them, and /api/v1/scorecards must answer meanwhile; then a
// replica capped at 1,000 streams answers the extras 503 with Retry-After.
//
// It measures, and prints (no timing is asserted): the gateway's memory per
// idle subscriber (RSS after minus before, divided), the API's p50/p99
// unloaded and with the audience open, and how long the event took to
// reach everyone. Skipped, with the reason, where Java/Maven are missing or
// the open-file limit cannot hold the audience.
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fruition/v1/events.pb.h"
#include "fruition/v1/scores.pb.h"
#include "gtest/gtest.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/broker_suite.h"
#include "tests/harness/harness.h"

namespace fruition {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using testing::Outgoing;
using testing::Process;

// Many SSE connections on one epoll: each sends one GET, reads the answer's
// head, then watches its body for `marker`.
class Crowd {
 public:
  struct Conn {
    int fd = -1;
    bool sent = false;
    bool head = false;  // the answer's head arrived
    int status = 0;
    bool event_stream = false;
    std::string retry_after;
    bool saw_marker = false;
    bool closed = false;
    std::string in;  // the head; then the body's tail
  };

  Crowd(int port, std::string request)
      : port_(port), request_(std::move(request)), epoll_(epoll_create1(0)) {}
  ~Crowd() {
    for (auto& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    ::close(epoll_);
  }

  // Opens `n` more connections, `batch` at a time, each batch answered (or
  // closed) before the next starts; false if `timeout` passes.
  bool Open(int n, int batch, milliseconds timeout) {
    const auto deadline = steady_clock::now() + timeout;
    for (int opened = 0; opened < n;) {
      const size_t first = conns_.size();
      const int count = std::min(batch, n - opened);
      for (int i = 0; i < count; ++i) Connect();
      opened += count;
      const bool done = PumpUntil(
          [&] {
            for (size_t i = first; i < conns_.size(); ++i) {
              if (!conns_[i].head && !conns_[i].closed) return false;
            }
            return true;
          },
          deadline);
      if (!done) return false;
    }
    return true;
  }

  // Runs the loop until `done` or `deadline`.
  bool PumpUntil(const std::function<bool()>& done,
                 steady_clock::time_point deadline) {
    std::vector<epoll_event> events(1024);
    while (!done()) {
      const auto left = std::chrono::duration_cast<milliseconds>(
          deadline - steady_clock::now());
      if (left.count() <= 0) return false;
      const int n =
          epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                     static_cast<int>(std::min<int64_t>(left.count(), 100)));
      for (int i = 0; i < n; ++i) Handle(events[i]);
    }
    return true;
  }

  void Watch(const std::string& marker) { marker_ = marker; }

  const std::vector<Conn>& conns() const { return conns_; }
  int Count(const std::function<bool(const Conn&)>& f) const {
    return static_cast<int>(std::count_if(conns_.begin(), conns_.end(), f));
  }

 private:
  void Connect() {
    Conn c;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port_));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int r = ::connect(c.fd, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    if (c.fd < 0 || (r != 0 && errno != EINPROGRESS)) {
      c.closed = true;
      conns_.push_back(std::move(c));
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = conns_.size();
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
    conns_.push_back(std::move(c));
  }

  void Handle(const epoll_event& ev) {
    Conn& c = conns_[ev.data.u64];
    if (c.closed) return;
    if ((ev.events & EPOLLOUT) && !c.sent) {
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 ||
          ::send(c.fd, request_.data(), request_.size(), MSG_NOSIGNAL) !=
              static_cast<ssize_t>(request_.size())) {
        return Close(c);
      }
      c.sent = true;
      epoll_event mod{};
      mod.events = EPOLLIN | EPOLLRDHUP;
      mod.data.u64 = ev.data.u64;
      epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &mod);
    }
    if (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) Read(c);
  }

  void Read(Conn& c) {
    char buf[16384];
    while (true) {
      const ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
      if (n == 0) return Close(c);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        return Close(c);
      }
      c.in.append(buf, static_cast<size_t>(n));
      if (!c.head) {
        const size_t end = c.in.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        const std::string head = c.in.substr(0, end);
        c.in.erase(0, end + 4);
        c.head = true;
        c.status = head.size() >= 12 ? std::atoi(head.c_str() + 9) : 0;
        c.event_stream = head.find("\r\nContent-Type: text/event-stream") !=
                         std::string::npos;
        const size_t ra = head.find("\r\nRetry-After: ");
        if (ra != std::string::npos) {
          c.retry_after =
              head.substr(ra + 15, head.find("\r\n", ra + 15) - (ra + 15));
        }
      }
      if (!marker_.empty() && c.in.find(marker_) != std::string::npos) {
        c.saw_marker = true;
      }
      // Keep only what could hold the start of a marker cut in two.
      if (c.in.size() > 4096) c.in.erase(0, c.in.size() - 256);
    }
  }

  void Close(Conn& c) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    c.fd = -1;
    c.closed = true;
  }

  const int port_;
  const std::string request_;
  const int epoll_;
  std::vector<Conn> conns_;
  std::string marker_;
};

int64_t RssKib(pid_t pid) {
  std::ifstream in(StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

struct Latency {
  double p50_ms = 0;
  double p99_ms = 0;
  int failed = 0;
};

// `n` sequential GETs of `path` on one keep-alive connection.
Latency Measure(int port, const std::string& path, int n) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_read_timeout(seconds(60));
  std::vector<double> ms;
  Latency out;
  for (int i = 0; i < n; ++i) {
    const auto start = steady_clock::now();
    auto res = client.Get(path);
    ms.push_back(
        std::chrono::duration<double, std::milli>(steady_clock::now() - start)
            .count());
    if (!res || res->status != 200) ++out.failed;
  }
  std::sort(ms.begin(), ms.end());
  out.p50_ms = ms[ms.size() / 2];
  out.p99_ms = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  return out;
}

v1::Scorecard Card(const std::string& unit, bool public_view) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period("FY2016");
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  c.set_revision(1);
  c.set_public_view(public_view);
  c.set_scorecard_id(StrCat(public_view ? "public/" : "", unit, "/FY2016"));
  auto* i = c.add_indicators();
  i->set_name("arrests");
  i->set_value(120);
  i->set_n(120);
  i->set_defined(true);
  return c;
}

class SseAudienceTest : public testing::BrokerSuite<SseAudienceTest> {
 protected:
  static void SetUpTestSuite() {
    SetUpBroker(testing::TopicSpecs({topics::kOversightPublic,
                                     topics::kOversightRestricted,
                                     topics::kScores, topics::kScoresPublic,
                                     topics::kAudit, topics::kReference}));
  }

  void SetUp() override {
    BrokerSuite::SetUp();
    if (IsSkipped()) return;
    nonce_ = testing::Nonce();
    dir_ = testing::NewTempDir("audience");
    std::ofstream principals(dir_ + "/principals.yaml");
    principals << "principals:\n  - code: OIG\n    kind: OVERSEER\n"
               << "    token_sha256: " << privacy::Sha256Hex("oig-token")
               << "\n";
  }

  struct Gateway {
    int grpc_port = 0;
    int http_port = 0;
    int metrics_port = 0;
    std::unique_ptr<Process> process;
  };

  Gateway StartGateway(const std::string& name,
                       const std::vector<std::string>& extra) {
    Gateway g;
    g.grpc_port = testing::FreePort();
    g.http_port = testing::FreePort();
    g.metrics_port = testing::FreePort();
    std::vector<std::string> args = {
        "--kafka-bootstrap=" + bootstrap(),
        "--principals-file=" + dir_ + "/principals.yaml",
        "--data-dir=" + dir_ + "/" + name,
        StrCat("--grpc-listen=127.0.0.1:", g.grpc_port),
        StrCat("--metrics-listen=127.0.0.1:", g.metrics_port),
        StrCat("--http-listen=127.0.0.1:", g.http_port),
        "--sse-keepalive-seconds=60"};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string log =
        StrCat(testing::OutputDir(), "/gateway-", nonce_, "-", name, ".log");
    auto process = Process::Start(
        testing::Runfile("services/gateway/fruition-gateway"), args, log);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return g;
    g.process = std::move(*process);
    EXPECT_TRUE(testing::WaitUntil(
        [&] {
          return testing::HealthStatus(StrCat("127.0.0.1:", g.grpc_port)) ==
                 "SERVING";
        },
        seconds(90)))
        << "gateway did not become SERVING; log: " << log;
    return g;
  }

  static std::string StreamRequest(const std::string& unit) {
    return StrCat("GET /api/v1/events/stream?unit=", unit,
                  " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: "
                  "text/event-stream\r\n\r\n");
  }

  // Raises this process's open-file limit to `n`; "" or why it cannot.
  static std::string RaiseFileLimit(rlim_t n) {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur >= n) return "";
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < n) {
      return StrCat("the open-file hard limit (", rl.rlim_max,
                    ") is below the ", n, " this test needs");
    }
    rl.rlim_cur = n;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return std::strerror(errno);
    return "";
  }

  std::string nonce_;
  std::string dir_;
};

TEST_F(SseAudienceTest, TenThousandSubscribersServedFedAndTheApiAnswers) {
  const int audience = testing::Scaled(10000);
  if (std::string why = RaiseFileLimit(audience + 512); !why.empty()) {
    GTEST_SKIP() << why;
  }
  // The default caps (10,000 streams, 12,000 connections) hold it.
  Gateway g = StartGateway("a", {});
  ASSERT_NE(g.process, nullptr);
  const std::string unit = StrCat("agency:AUD-", nonce_);
  ASSERT_TRUE(testing::Produce(bootstrap(),
                               {Outgoing{std::string(topics::kScores),
                                         unit,
                                         Card(unit, false).SerializeAsString(),
                                         {}},
                                Outgoing{std::string(topics::kScoresPublic),
                                         unit,
                                         Card(unit, true).SerializeAsString(),
                                         {}}})
                  .ok());
  const std::string api =
      StrCat("/api/v1/scorecards?unit=", unit, "&period=FY2016");
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        httplib::Client c("127.0.0.1", g.http_port);
        auto res = c.Get(api);
        return res && res->status == 200;
      },
      seconds(60)));

  const int samples = testing::Scaled(400);
  const Latency unloaded = Measure(g.http_port, api, samples);
  EXPECT_EQ(unloaded.failed, 0);
  const int64_t rss_before = RssKib(g.process->pid());

  Crowd crowd(g.http_port, StreamRequest(unit));
  const auto open_start = steady_clock::now();
  ASSERT_TRUE(crowd.Open(audience, 500, seconds(300)))
      << crowd.Count([](const Crowd::Conn& c) { return c.head; }) << " of "
      << audience << " answered";
  const double open_s =
      std::chrono::duration<double>(steady_clock::now() - open_start).count();
  EXPECT_EQ(crowd.Count([](const Crowd::Conn& c) {
    return c.status == 200 && c.event_stream && !c.closed;
  }),
            audience)
      << "every subscriber is served";
  EXPECT_EQ(testing::MetricSum(g.metrics_port, "fruition_http_sse_subscribers")
                .value_or(-1),
            audience);
  std::this_thread::sleep_for(seconds(2));  // settle before measuring
  const int64_t rss_loaded = RssKib(g.process->pid());
  const Latency loaded = Measure(g.http_port, api, samples);
  EXPECT_EQ(loaded.failed, 0) << "the API answers with the audience open";

  // A new event reaches every subscriber; the API answers meanwhile.
  const std::string marker = StrCat("aud-", nonce_, "-live");
  crowd.Watch(marker);
  v1::OversightEvent e;
  e.set_event_id(marker);
  e.set_type(v1::EVENT_TYPE_FRUITION_GAP);
  e.set_condition_key(StrCat("EVENT_TYPE_FRUITION_GAP/", unit, "/FY2016"));
  e.set_severity(v1::SEVERITY_WARNING);
  e.set_visibility(v1::VISIBILITY_PUBLIC);
  e.set_unit(unit);
  e.set_period("FY2016");
  e.mutable_emitted_at()->set_seconds(1700000000);
  const auto produced = steady_clock::now();
  ASSERT_TRUE(testing::Produce(bootstrap(),
                               {Outgoing{std::string(topics::kOversightPublic),
                                         unit,
                                         e.SerializeAsString(),
                                         {}}})
                  .ok());
  Latency during;
  const int during_samples = testing::Scaled(100);
  std::thread api_meanwhile(
      [&] { during = Measure(g.http_port, api, during_samples); });
  const bool all = crowd.PumpUntil(
      [&] {
        return crowd.Count([](const Crowd::Conn& c) { return c.saw_marker; }) ==
               audience;
      },
      steady_clock::now() + seconds(300));
  const double fanout_s =
      std::chrono::duration<double>(steady_clock::now() - produced).count();
  api_meanwhile.join();
  EXPECT_TRUE(all) << crowd.Count(
                          [](const Crowd::Conn& c) { return c.saw_marker; })
                   << " of " << audience << " subscribers got the new event";
  EXPECT_EQ(during.failed, 0) << "the API answers while the event fans out";

  const double per_subscriber_kib =
      static_cast<double>(rss_loaded - rss_before) / audience;
  std::cout << "AUDIENCE: " << audience << " SSE subscribers opened in "
            << open_s << " s; gateway RSS " << rss_before << " KiB -> "
            << rss_loaded << " KiB = " << per_subscriber_kib
            << " KiB per idle subscriber\n"
            << "AUDIENCE: /api/v1/scorecards p50/p99 unloaded "
            << unloaded.p50_ms << "/" << unloaded.p99_ms
            << " ms; with the audience " << loaded.p50_ms << "/"
            << loaded.p99_ms << " ms; during the fan-out " << during.p50_ms
            << "/" << during.p99_ms << " ms (" << samples << ", " << samples
            << " and " << during_samples << " requests)\n"
            << "AUDIENCE: the new event reached "
            << crowd.Count([](const Crowd::Conn& c) { return c.saw_marker; })
            << " of " << audience << " subscribers " << fanout_s
            << " s after it was produced\n";
  RecordProperty("kib_per_idle_subscriber", std::to_string(per_subscriber_kib));
  RecordProperty("api_p99_ms_unloaded", std::to_string(unloaded.p99_ms));
  RecordProperty("api_p99_ms_loaded", std::to_string(loaded.p99_ms));
  RecordProperty("fanout_seconds", std::to_string(fanout_s));
  g.process->Signal(SIGTERM);
  EXPECT_TRUE(g.process->Wait(seconds(60)).has_value())
      << "the gateway did not exit on SIGTERM with its audience connected";
}

TEST_F(SseAudienceTest, BeyondTheCapSubscribersGet503WithRetryAfter) {
  const int cap = testing::Scaled(1000);
  const int extra = 100;
  if (std::string why = RaiseFileLimit(cap + extra + 512); !why.empty()) {
    GTEST_SKIP() << why;
  }
  Gateway g = StartGateway("capped", {StrCat("--http-max-sse=", cap)});
  ASSERT_NE(g.process, nullptr);
  Crowd crowd(g.http_port, StreamRequest(StrCat("agency:CAP-", nonce_)));
  ASSERT_TRUE(crowd.Open(cap + extra, 250, seconds(300)));
  EXPECT_EQ(crowd.Count([](const Crowd::Conn& c) {
    return c.status == 200 && c.event_stream;
  }),
            cap);
  EXPECT_EQ(crowd.Count([](const Crowd::Conn& c) {
    return c.status == 503 && !c.retry_after.empty();
  }),
            extra);
  EXPECT_GE(testing::MetricSum(g.metrics_port, "fruition_http_refusals_total",
                               "reason=\"sse_cap\"")
                .value_or(0),
            extra);
  // The API still answers.
  httplib::Client c("127.0.0.1", g.http_port);
  auto res = c.Get("/api/v1/units");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  g.process->Signal(SIGTERM);
  EXPECT_TRUE(g.process->Wait(seconds(60)).has_value())
      << "the gateway did not exit on SIGTERM with its audience connected";
}

}  // namespace
}  // namespace fruition
