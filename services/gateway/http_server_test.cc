// The gateway's event-driven HTTP server (http_server.h) on free ports, with
// a handler made up here: its caps (streams per replica and per address,
// connections), body and header limits, the security headers on every kind
// of answer, keep-alive, and HTTPS with certificates made at test time by
// the openssl command: HSTS, plain HTTP redirected, the certificate reloaded
// when its files change (a bad new pair keeps the old one).
#include "services/gateway/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/strings.h"
#include "tests/harness/fixtures.h"

namespace fruition::gateway {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A plain TCP client on blocking sockets (reads time out after 30 s).
class RawClient {
 public:
  // From `source` (any address of 127/8: they are all this host).
  explicit RawClient(int port, const std::string& source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof(from)) == 0;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    connected_ = bound_ && ::connect(fd_, reinterpret_cast<sockaddr*>(&to),
                                     sizeof(to)) == 0;
  }
  ~RawClient() { ::close(fd_); }

  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  bool Get(const std::string& path, const std::string& extra = "") {
    return Send(
        StrCat("GET ", path, " HTTP/1.1\r\nHost: test\r\n", extra, "\r\n"));
  }
  // The head of the next answer (status line and headers); "" on close.
  std::string ReadHead() {
    while (true) {
      const size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string head = buffer_.substr(0, end + 4);
        buffer_.erase(0, end + 4);
        return head;
      }
      if (!Fill()) return "";
    }
  }
  // The head and a Content-Length body.
  std::string ReadAnswer(std::string* body = nullptr) {
    std::string head = ReadHead();
    const size_t at = head.find("Content-Length: ");
    size_t length =
        at == std::string::npos ? 0 : std::stoul(head.substr(at + 16));
    while (buffer_.size() < length && Fill()) {
    }
    if (body != nullptr) *body = buffer_.substr(0, length);
    buffer_.erase(0, std::min(length, buffer_.size()));
    return head;
  }
  // Reads until `text` arrived; false on close or time-out.
  bool ReadUntil(const std::string& text) {
    while (buffer_.find(text) == std::string::npos) {
      if (!Fill()) return false;
    }
    return true;
  }
  // True once the server closed the connection (within the read time-out).
  bool Closed() {
    while (true) {
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n == 0) return true;
      if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  bool Fill() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool bound_ = false;
  bool connected_ = false;
  std::string buffer_;
};

std::string Status(const std::string& head) {
  return head.size() >= 12 ? head.substr(9, 3) : "";
}

std::string Header(const std::string& head, const std::string& name) {
  const std::string key = "\r\n" + name + ": ";
  const size_t at = head.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return head.substr(start, head.find("\r\n", start) - start);
}

// The streams the handler was given, to feed and end.
struct Streams {
  std::mutex mu;
  std::vector<std::shared_ptr<StreamSink>> sinks;
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return sinks.size();
  }
};

// /json: a JSON answer; /missing: a 404; /stream: an event stream; /slow:
// holds a worker until `release`.
HttpServer::Handler TestHandler(Streams* streams) {
  return [streams](const HttpRequest& req, HttpResponse& res) {
    if (req.path == "/json") {
      res.set_content(StrCat("{\"q\":\"", req.get_param_value("q"), "\"}"),
                      "application/json");
    } else if (req.path == "/stream") {
      res.content_type = "text/event-stream";
      res.stream = [streams](std::shared_ptr<StreamSink> sink) {
        sink->Send(": hello\n\n");
        std::lock_guard<std::mutex> lock(streams->mu);
        streams->sinks.push_back(std::move(sink));
      };
    } else if (req.path == "/cached") {
      res.set_header("Cache-Control", "public, max-age=300");
      res.set_content("x", "text/plain");
    } else {
      res.status = 404;
      res.set_content(ErrorJson("NOT_FOUND", "no such page"),
                      "application/json");
    }
  };
}

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options) {
    options.listen = "127.0.0.1:0";
    auto server = HttpServer::Start(options, TestHandler(&streams_), nullptr);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  int port() const { return server_->port(); }
  void TearDown() override {
    if (server_ != nullptr) server_->Stop();
    streams_.sinks.clear();
    server_.reset();
  }

  Streams streams_;
  std::unique_ptr<HttpServer> server_;
};

// Every answer's security headers (no HSTS over plain HTTP).
void ExpectSecurityHeaders(const std::string& head, bool tls) {
  EXPECT_NE(Header(head, "Content-Security-Policy").find("default-src 'self'"),
            std::string::npos)
      << head;
  EXPECT_NE(
      Header(head, "Content-Security-Policy").find("frame-ancestors 'none'"),
      std::string::npos)
      << head;
  EXPECT_EQ(Header(head, "Content-Security-Policy").find("unsafe-inline"),
            std::string::npos)
      << head;
  EXPECT_EQ(Header(head, "X-Content-Type-Options"), "nosniff") << head;
  EXPECT_EQ(Header(head, "Referrer-Policy"), "no-referrer") << head;
  EXPECT_EQ(Header(head, "Strict-Transport-Security").empty(), !tls) << head;
}

TEST_F(HttpServerTest, StreamsBeyondTheReplicaCapGet503WithRetryAfter) {
  HttpServerOptions o;
  o.max_sse = 3;
  Start(o);
  std::vector<std::unique_ptr<RawClient>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<RawClient>(port()));
    ASSERT_TRUE(open.back()->Get("/stream"));
    const std::string head = open.back()->ReadHead();
    EXPECT_EQ(Status(head), "200") << head;
    EXPECT_EQ(Header(head, "Content-Type"), "text/event-stream");
    EXPECT_TRUE(open.back()->ReadUntil(": hello"));
  }
  RawClient extra(port());
  ASSERT_TRUE(extra.Get("/stream"));
  std::string body;
  const std::string head = extra.ReadAnswer(&body);
  EXPECT_EQ(Status(head), "503") << head;
  EXPECT_EQ(Header(head, "Retry-After"), "5") << head;
  EXPECT_NE(body.find("\"code\":\"UNAVAILABLE\""), std::string::npos) << body;
  EXPECT_NE(body.find("http-max-sse"), std::string::npos) << body;
  ExpectSecurityHeaders(head, false);
  // The same connection still answers ordinary requests.
  ASSERT_TRUE(extra.Get("/json?q=a+b%21"));
  EXPECT_EQ(Status(extra.ReadAnswer(&body)), "200");
  EXPECT_EQ(body, "{\"q\":\"a b!\"}");
  // A closed stream frees its slot.
  open.pop_back();
  bool served = false;
  for (int attempt = 0; attempt < 100 && !served; ++attempt) {
    RawClient c(port());
    ASSERT_TRUE(c.Get("/stream"));
    served = Status(c.ReadHead()) == "200";
    if (!served) std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(served) << "a closed stream's slot was not freed";
}

TEST_F(HttpServerTest, StreamsBeyondTheAddressCapGet503OthersAreServed) {
  HttpServerOptions o;
  o.max_sse = 100;
  o.max_sse_per_address = 2;
  Start(o);
  std::vector<std::unique_ptr<RawClient>> open;
  for (int i = 0; i < 2; ++i) {
    open.push_back(std::make_unique<RawClient>(port(), "127.0.0.2"));
    ASSERT_TRUE(open.back()->connected());
    ASSERT_TRUE(open.back()->Get("/stream"));
    EXPECT_EQ(Status(open.back()->ReadHead()), "200");
  }
  RawClient extra(port(), "127.0.0.2");
  ASSERT_TRUE(extra.Get("/stream"));
  std::string body;
  const std::string head = extra.ReadAnswer(&body);
  EXPECT_EQ(Status(head), "503") << head;
  EXPECT_EQ(Header(head, "Retry-After"), "5") << head;
  EXPECT_NE(body.find("http-max-sse-per-address"), std::string::npos) << body;
  // Another address is not held to the first one's cap.
  RawClient other(port(), "127.0.0.3");
  ASSERT_TRUE(other.Get("/stream"));
  EXPECT_EQ(Status(other.ReadHead()), "200");
}

TEST_F(HttpServerTest, ConnectionsBeyondTheCapGet503) {
  HttpServerOptions o;
  o.max_connections = 3;
  o.max_sse = 3;
  Start(o);
  std::vector<std::unique_ptr<RawClient>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<RawClient>(port()));
    ASSERT_TRUE(open.back()->Get("/json"));
    EXPECT_EQ(Status(open.back()->ReadAnswer()), "200");  // kept alive
  }
  RawClient extra(port());
  ASSERT_TRUE(extra.Get("/json"));
  const std::string head = extra.ReadAnswer();
  EXPECT_EQ(Status(head), "503") << head;
  EXPECT_EQ(Header(head, "Retry-After"), "5") << head;
  EXPECT_TRUE(extra.Closed());
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413HeadersOverTheirsAre431) {
  HttpServerOptions o;
  o.max_body_bytes = 1000;
  o.max_header_bytes = 2048;
  Start(o);
  {
    RawClient c(port());
    ASSERT_TRUE(
        c.Send(StrCat("GET /json HTTP/1.1\r\nHost: t\r\n"
                      "Content-Length: 1000\r\n\r\n",
                      std::string(1000, 'x'))));
    EXPECT_EQ(Status(c.ReadAnswer()), "200") << "a body at the limit";
  }
  {
    RawClient c(port());
    ASSERT_TRUE(
        c.Send(StrCat("POST /json HTTP/1.1\r\nHost: t\r\n"
                      "Content-Length: 1001\r\n\r\n",
                      std::string(1001, 'x'))));
    std::string body;
    const std::string head = c.ReadAnswer(&body);
    EXPECT_EQ(Status(head), "413") << head;
    EXPECT_NE(body.find("http-max-body-bytes (1000 bytes)"), std::string::npos)
        << body;
    ExpectSecurityHeaders(head, false);
  }
  {
    RawClient c(port());
    ASSERT_TRUE(
        c.Get("/json", StrCat("X-Big: ", std::string(3000, 'y'), "\r\n")));
    EXPECT_EQ(Status(c.ReadAnswer()), "431");
  }
  {
    RawClient c(port());
    ASSERT_TRUE(c.Send("DELETE /json HTTP/1.1\r\nHost: t\r\n\r\n"));
    const std::string head = c.ReadAnswer();
    EXPECT_EQ(Status(head), "405") << head;
    EXPECT_EQ(Header(head, "Allow"), "GET, HEAD, POST");
  }
}

TEST_F(HttpServerTest, SecurityHeadersOnEveryAnswerKeepAliveAndIdleTimeout) {
  HttpServerOptions o;
  o.idle_timeout = seconds(1);
  Start(o);
  RawClient c(port());
  for (const std::string path : {"/json", "/missing", "/cached"}) {
    ASSERT_TRUE(c.Get(path)) << path;  // one connection: kept alive
    const std::string head = c.ReadAnswer();
    ASSERT_FALSE(head.empty()) << path;
    ExpectSecurityHeaders(head, false);
    EXPECT_EQ(Header(head, "Cache-Control"),
              path == "/cached" ? "public, max-age=300" : "no-store");
  }
  RawClient s(port());
  ASSERT_TRUE(s.Get("/stream"));
  ExpectSecurityHeaders(s.ReadHead(), false);
  // An idle ordinary connection is closed; the idle stream is not.
  EXPECT_TRUE(c.Closed());
  ASSERT_EQ(streams_.size(), 1u);
  EXPECT_TRUE(streams_.sinks[0]->open());
  streams_.sinks[0]->Send("data: x\n\n");
  EXPECT_TRUE(s.ReadUntil("data: x"));
  // Stop ends it.
  server_->Stop();
  EXPECT_TRUE(s.Closed());
}

// ---------------------------------------------------------------------------
// HTTPS.

// A self-signed certificate for 127.0.0.1 with common name `cn`.
void MakeCertificate(const std::string& dir, const std::string& cn,
                     const std::string& cert, const std::string& key) {
  const std::string cmd =
      StrCat("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=", cn,
             " -addext subjectAltName=IP:127.0.0.1 -keyout ", dir, "/", key,
             " -out ", dir, "/", cert, " 2>/dev/null");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

struct TlsAnswer {
  std::string error;  // "" when answered
  int status = 0;
  std::string hsts;
  std::string csp;
  std::string body;
  std::string peer_cn;
};

// GET `path` over TLS, not checking the certificate (it is self-signed);
// reports the common name the server presented.
TlsAnswer TlsGet(int port, const std::string& path) {
  TlsAnswer out;
  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_after(seconds(30));
  beast::get_lowest_layer(stream).connect(
      net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"),
                             static_cast<uint16_t>(port)),
      ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  if (ec) {
    out.error = ec.message();
    return out;
  }
  if (X509* cert = SSL_get_peer_certificate(stream.native_handle())) {
    char cn[256] = {0};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
                              sizeof(cn));
    out.peer_cn = cn;
    X509_free(cert);
  }
  http::request<http::empty_body> req(http::verb::get, path, 11);
  req.set(http::field::host, StrCat("127.0.0.1:", port));
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(stream, buffer, res, ec);
  if (ec) {
    out.error = ec.message();
    return out;
  }
  out.status = res.result_int();
  out.hsts = std::string(res["Strict-Transport-Security"]);
  out.csp = std::string(res["Content-Security-Policy"]);
  out.body = res.body();
  return out;
}

class HttpsTest : public HttpServerTest {
 protected:
  void SetUp() override {
    dir_ = fixtures::FreshDir("https");
    MakeCertificate(dir_, "first", "cert.pem", "key.pem");
    MakeCertificate(dir_, "second", "cert2.pem", "key2.pem");
  }
  HttpServerOptions TlsOptions() {
    HttpServerOptions o;
    o.tls_cert = dir_ + "/cert.pem";
    o.tls_key = dir_ + "/key.pem";
    o.tls_reload_check = milliseconds(0);
    o.redirect_listen = "127.0.0.1:0";
    return o;
  }
  std::string dir_;
};

TEST_F(HttpsTest, ServesHttpsWithHstsAndRedirectsPlainHttp) {
  Start(TlsOptions());
  const TlsAnswer a = TlsGet(port(), "/json?q=tls");
  ASSERT_EQ(a.error, "");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "{\"q\":\"tls\"}");
  EXPECT_EQ(a.hsts, "max-age=31536000");
  EXPECT_NE(a.csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(a.peer_cn, "first");
  // Plain HTTP on the TLS port, and on the redirect port: a 301 to https,
  // never the answer.
  for (const int p : {port(), server_->redirect_port()}) {
    ASSERT_GT(p, 0);
    RawClient c(p);
    ASSERT_TRUE(
        c.Send("GET /json?q=clear HTTP/1.1\r\nHost: example.org\r\n\r\n"));
    std::string body;
    const std::string head = c.ReadAnswer(&body);
    EXPECT_EQ(Status(head), "301") << head;
    EXPECT_EQ(Header(head, "Location"), "https://example.org/json?q=clear");
    EXPECT_EQ(body.find("clear"), std::string::npos);
    EXPECT_TRUE(c.Closed());
  }
}

TEST_F(HttpsTest, CertificateReloadedWhenItsFilesChangeABadPairKeepsTheOld) {
  Start(TlsOptions());
  ASSERT_EQ(TlsGet(port(), "/json").peer_cn, "first");
  // A certificate that does not match the key: refused, the old one serves.
  ASSERT_EQ(
      std::rename((dir_ + "/cert2.pem").c_str(), (dir_ + "/cert.pem").c_str()),
      0);
  TlsAnswer a = TlsGet(port(), "/json");
  ASSERT_EQ(a.error, "");
  EXPECT_EQ(a.peer_cn, "first");
  // Its key too: the new pair serves new connections.
  ASSERT_EQ(
      std::rename((dir_ + "/key2.pem").c_str(), (dir_ + "/key.pem").c_str()),
      0);
  a = TlsGet(port(), "/json");
  ASSERT_EQ(a.error, "");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.peer_cn, "second");
}

TEST(HttpServerConfig, TlsNeedsBothFilesThatLoad) {
  HttpServerOptions o;
  o.listen = "127.0.0.1:0";
  o.tls_cert = "/nonexistent/cert.pem";
  auto s = HttpServer::Start(o, nullptr, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("http-tls-key"), std::string::npos);
  o.tls_key = "/nonexistent/key.pem";
  s = HttpServer::Start(o, nullptr, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("http-tls-cert"), std::string::npos)
      << s.status();
  o = HttpServerOptions();
  o.listen = "127.0.0.1:0";
  o.redirect_listen = "127.0.0.1:0";
  s = HttpServer::Start(o, nullptr, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("http-redirect-listen"),
            std::string::npos);
}

}  // namespace
}  // namespace fruition::gateway
