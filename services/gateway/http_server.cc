#include "services/gateway/http_server.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/common/log/log.h"
#include "services/common/strings.h"

namespace fruition::gateway {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

bool IEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded (a malformed escape is kept as it is); `+` is a space in a
// query, not in a path.
std::string UrlDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
        HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

void ParseQuery(std::string_view query,
                std::multimap<std::string, std::string>* out) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string key = UrlDecode(pair.substr(0, eq), true);
    if (key.empty()) continue;
    out->emplace(key, eq == std::string_view::npos
                          ? std::string()
                          : UrlDecode(pair.substr(eq + 1), true));
  }
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

// Every answer's headers (a handler may replace Cache-Control). The
// dashboard has no inline script or style, so 'self' is the whole policy
// (data: images for the favicon); no page may frame it.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'";
constexpr char kHsts[] = "max-age=31536000";

std::vector<std::pair<std::string, std::string>> SecurityHeaders(bool tls) {
  std::vector<std::pair<std::string, std::string>> h = {
      {"Cache-Control", "no-store"},
      {"X-Content-Type-Options", "nosniff"},
      {"Content-Security-Policy", kContentSecurityPolicy},
      {"Referrer-Policy", "no-referrer"},
  };
  if (tls) h.emplace_back("Strict-Transport-Security", kHsts);
  return h;
}

// The modification time and size of a file (zero when it cannot be read).
struct FileStamp {
  int64_t mtime_ns = 0;
  int64_t size = 0;
  bool operator==(const FileStamp& o) const {
    return mtime_ns == o.mtime_ns && size == o.size;
  }
};

FileStamp StampOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
      static_cast<int64_t>(st.st_size)};
}

absl::StatusOr<std::shared_ptr<ssl::context>> LoadTls(const std::string& cert,
                                                      const std::string& key) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  beast::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                   ec);
  ctx->use_certificate_chain_file(cert, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        StrCat("http-tls-cert: cannot load ", cert, ": ", ec.message()));
  }
  ctx->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        StrCat("http-tls-key: cannot load ", key, ": ", ec.message()));
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return absl::InvalidArgumentError(
        StrCat("http-tls-key: ", key, " is not the key of ", cert));
  }
  return ctx;
}

absl::StatusOr<tcp::endpoint> Endpoint(const std::string& host_port,
                                       const std::string& field) {
  const size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(StrCat(field, ": host:port"));
  }
  std::string host = host_port.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        StrCat(field, ": '", host, "' is not an IP address"));
  }
  int port = -1;
  try {
    port = std::stoi(host_port.substr(colon + 1));
  } catch (...) {
  }
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(StrCat(field, ": bad port"));
  }
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

// A whole answer as bytes: the status line, the security headers, the
// handler's (replacing those of the same name), then framing.
std::string Serialize(
    int status,
    const std::vector<std::pair<std::string, std::string>>& handler_headers,
    const std::string& content_type, const std::string& body, bool tls,
    bool head, bool keep_alive, bool chunked) {
  auto headers = SecurityHeaders(tls);
  for (const auto& [name, value] : handler_headers) {
    bool replaced = false;
    for (auto& h : headers) {
      if (IEquals(h.first, name)) {
        h.second = value;
        replaced = true;
      }
    }
    if (!replaced) headers.emplace_back(name, value);
  }
  std::string out = StrCat(
      "HTTP/1.1 ", status, " ",
      std::string(http::obsolete_reason(static_cast<http::status>(status))),
      "\r\n");
  for (const auto& [name, value] : headers) {
    out += StrCat(name, ": ", value, "\r\n");
  }
  if (!content_type.empty()) {
    out += StrCat("Content-Type: ", content_type, "\r\n");
  }
  if (chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else {
    out += StrCat("Content-Length: ", body.size(), "\r\n");
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (!head && !chunked) out += body;
  return out;
}

struct Metrics {
  prometheus::Gauge* streams = nullptr;
  prometheus::Gauge* connections = nullptr;
  prometheus::Family<prometheus::Counter>* refusals = nullptr;

  void Refused(const std::string& reason) const {
    if (refusals != nullptr) refusals->Add({{"reason", reason}}).Increment();
  }
};

Metrics MakeMetrics(prometheus::Registry* registry) {
  Metrics m;
  if (registry == nullptr) return m;
  m.streams = &prometheus::BuildGauge()
                   .Name("fruition_http_sse_subscribers")
                   .Help("Server-Sent Events streams open on this replica")
                   .Register(*registry)
                   .Add({});
  m.connections = &prometheus::BuildGauge()
                       .Name("fruition_http_connections")
                       .Help("HTTP connections open on this replica")
                       .Register(*registry)
                       .Add({});
  m.refusals = &prometheus::BuildCounter()
                    .Name("fruition_http_refusals_total")
                    .Help(
                        "HTTP requests or connections refused by a limit, "
                        "by reason")
                    .Register(*registry);
  return m;
}

class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  virtual void Close() = 0;
};

}  // namespace

std::string ErrorJson(const std::string& code, const std::string& message) {
  return StrCat("{\"error\":{\"code\":\"", JsonEscape(code),
                "\",\"message\":\"", JsonEscape(message), "\"}}");
}

// ---------------------------------------------------------------------------
// HttpRequest, HttpResponse.

bool HttpRequest::has_param(const std::string& key) const {
  return params.count(key) > 0;
}

std::string HttpRequest::get_param_value(const std::string& key,
                                         size_t i) const {
  auto range = params.equal_range(key);
  for (auto it = range.first; it != range.second; ++it, --i) {
    if (i == 0) return it->second;
  }
  return "";
}

size_t HttpRequest::get_param_value_count(const std::string& key) const {
  return params.count(key);
}

bool HttpRequest::has_header(const std::string& name) const {
  for (const auto& h : headers) {
    if (IEquals(h.first, name)) return true;
  }
  return false;
}

std::string HttpRequest::get_header_value(const std::string& name) const {
  for (const auto& h : headers) {
    if (IEquals(h.first, name)) return h.second;
  }
  return "";
}

void HttpResponse::set_header(const std::string& name,
                              const std::string& value) {
  for (auto& h : headers_) {
    if (IEquals(h.first, name)) {
      h.second = value;
      return;
    }
  }
  headers_.emplace_back(name, value);
}

// ---------------------------------------------------------------------------
// The server.

class HttpServer::Impl {
 public:
  Impl(const HttpServerOptions& o, Handler h, prometheus::Registry* registry)
      : options(o), handler(std::move(h)), metrics(MakeMetrics(registry)) {}

  bool tls_on() const { return !options.tls_cert.empty(); }

  // The TLS context for a new connection: reloaded first when the files
  // changed (checked at most every tls_reload_check).
  std::shared_ptr<ssl::context> Tls() {
    std::lock_guard<std::mutex> lock(tls_mu);
    const auto now = std::chrono::steady_clock::now();
    if (now < next_tls_check) return tls;
    next_tls_check = now + options.tls_reload_check;
    const FileStamp cert = StampOf(options.tls_cert);
    const FileStamp key = StampOf(options.tls_key);
    if (cert == tls_cert_stamp && key == tls_key_stamp) return tls;
    tls_cert_stamp = cert;  // a bad pair is tried again only once changed
    tls_key_stamp = key;
    auto loaded = LoadTls(options.tls_cert, options.tls_key);
    if (!loaded.ok()) {
      log::Error("gateway TLS certificate not reloaded; serving the previous",
                 {{"error", std::string(loaded.status().message())}});
      return tls;
    }
    tls = *std::move(loaded);
    log::Info("gateway TLS certificate reloaded", {{"cert", options.tls_cert}});
    return tls;
  }

  // Takes a stream slot for `address`; false (and why) when a cap is met.
  bool ReserveStream(const std::string& address, std::string* why) {
    std::lock_guard<std::mutex> lock(mu);
    if (streams >= options.max_sse) {
      *why = "sse_cap";
      return false;
    }
    if (options.max_sse_per_address > 0 &&
        per_address[address] >= options.max_sse_per_address) {
      *why = "sse_address_cap";
      return false;
    }
    ++streams;
    ++per_address[address];
    if (metrics.streams != nullptr) metrics.streams->Increment();
    return true;
  }

  void ReleaseStream(const std::string& address) {
    std::lock_guard<std::mutex> lock(mu);
    --streams;
    if (--per_address[address] <= 0) per_address.erase(address);
    if (metrics.streams != nullptr) metrics.streams->Decrement();
  }

  void Register(ConnectionBase* c, std::weak_ptr<ConnectionBase> w) {
    std::lock_guard<std::mutex> lock(mu);
    live.emplace(c, std::move(w));
  }
  void Unregister(ConnectionBase* c) {
    std::lock_guard<std::mutex> lock(mu);
    live.erase(c);
  }

  void Accept(tcp::acceptor* acceptor, bool redirect_only);
  void OnAccept(tcp::socket socket, bool redirect_only);

  const HttpServerOptions options;
  const Handler handler;
  const Metrics metrics;
  std::atomic<int> connections{0};
  std::atomic<bool> stopping{false};

  std::mutex mu;
  int streams = 0;
  std::unordered_map<std::string, int> per_address;
  std::unordered_map<ConnectionBase*, std::weak_ptr<ConnectionBase>> live;

  std::mutex tls_mu;
  std::shared_ptr<ssl::context> tls;
  FileStamp tls_cert_stamp, tls_key_stamp;
  std::chrono::steady_clock::time_point next_tls_check;

  int port = 0;
  int redirect_port = 0;
  // Destroyed first (declared last): the connections they own touch the
  // members above on the way out.
  std::unique_ptr<net::io_context> ioc;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<tcp::acceptor> redirect_acceptor;
  std::unique_ptr<net::thread_pool> workers;
  std::vector<std::thread> io_threads;
};

namespace {

// One client connection over `Stream` (plain TCP or TLS over TCP), on its
// own strand: reads a request, has a worker answer it, writes the answer;
// or, for a stream, sends chunks fed by any thread until the end.
template <class Stream>
class Connection : public ConnectionBase,
                   public StreamSink,
                   public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  // `redirect_only`: every request gets a 301 to https; `refuse`: over the
  // connection cap, the first request gets a 503.
  Connection(HttpServer::Impl* server, Stream stream, beast::flat_buffer buffer,
             std::string address, bool redirect_only, bool refuse,
             std::shared_ptr<ssl::context> tls)
      : server_(server),
        stream_(std::move(stream)),
        buffer_(std::move(buffer)),
        address_(std::move(address)),
        redirect_only_(redirect_only),
        refuse_(refuse),
        tls_(std::move(tls)) {
    ++server_->connections;
    if (server_->metrics.connections != nullptr) {
      server_->metrics.connections->Increment();
    }
  }
  ~Connection() override {
    server_->Unregister(this);
    --server_->connections;
    if (server_->metrics.connections != nullptr) {
      server_->metrics.connections->Decrement();
    }
  }

  void Start() {
    server_->Register(this, this->shared_from_this());
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(
          server_->options.idle_timeout);
      stream_.async_handshake(
          ssl::stream_base::server, buffer_.data(),
          [self = this->shared_from_this()](beast::error_code ec, size_t used) {
            if (ec) return self->DoClose();
            self->buffer_.consume(used);
            self->DoRead();
          });
    } else {
      DoRead();
    }
  }

  bool Send(std::string data) override {
    if (!open_) return false;
    net::post(stream_.get_executor(),
              [self = this->shared_from_this(), d = std::move(data)]() mutable {
                self->QueueChunk(std::move(d));
              });
    return open_;
  }
  void End() override {
    net::post(stream_.get_executor(),
              [self = this->shared_from_this()] { self->EndStream(); });
  }
  bool open() const override { return open_; }
  void Close() override {
    net::post(stream_.get_executor(),
              [self = this->shared_from_this()] { self->DoClose(); });
  }

 private:
  enum class After { kRead, kClose, kNothing };

  void DoRead() {
    if (closed_) return;
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(
        static_cast<std::uint32_t>(server_->options.max_header_bytes));
    beast::get_lowest_layer(stream_).expires_after(
        refuse_ ? std::chrono::seconds(5) : server_->options.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](
                         beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      server_->metrics.Refused("body_too_large");
      return Answer(413, "INVALID_ARGUMENT",
                    StrCat("the request body is over http-max-body-bytes (",
                           server_->options.max_body_bytes, " bytes)"),
                    {}, After::kClose);
    }
    if (ec == http::error::header_limit) {
      server_->metrics.Refused("headers_too_large");
      return Answer(431, "INVALID_ARGUMENT",
                    StrCat("the request headers are over ",
                           server_->options.max_header_bytes, " bytes"),
                    {}, After::kClose);
    }
    if (ec) return DoClose();  // closed, timed out, or not HTTP
    auto& message = parser_->get();
    if (refuse_) {
      server_->metrics.Refused("connection_cap");
      return Answer(503, "UNAVAILABLE",
                    "too many open connections on this replica; retry later",
                    {{"Retry-After", RetryAfter()}}, After::kClose);
    }
    if (redirect_only_) return Redirect(message);
    keep_alive_ = message.keep_alive();
    head_ = message.method() == http::verb::head;
    if (message.method() != http::verb::get &&
        message.method() != http::verb::post && !head_) {
      return Answer(405, "UNIMPLEMENTED",
                    StrCat(std::string(message.method_string()),
                           ": only GET, HEAD and POST are served"),
                    {{"Allow", "GET, HEAD, POST"}},
                    keep_alive_ ? After::kRead : After::kClose);
    }
    HttpRequest req;
    req.method = std::string(message.method_string());
    const std::string target(message.target());
    const size_t q = target.find('?');
    req.path = UrlDecode(std::string_view(target).substr(0, q), false);
    if (q != std::string::npos) {
      ParseQuery(std::string_view(target).substr(q + 1), &req.params);
    }
    for (const auto& field : message) {
      req.headers.emplace_back(std::string(field.name_string()),
                               std::string(field.value()));
    }
    req.body = std::move(message.body());
    req.remote_address = address_;
    net::post(*server_->workers, [self = this->shared_from_this(),
                                  req = std::move(req)]() mutable {
      HttpResponse res;
      try {
        self->server_->handler(req, res);
      } catch (const std::exception& e) {  // a bug: answer it, keep serving
        log::Error("gateway HTTP handler failed",
                   {{"path", req.path}, {"error", e.what()}});
        res = HttpResponse();
        res.status = 500;
        res.set_content(ErrorJson("INTERNAL", "internal error"),
                        "application/json");
      }
      net::post(self->stream_.get_executor(),
                [self, res = std::move(res)]() mutable {
                  self->Respond(std::move(res));
                });
    });
  }

  std::string RetryAfter() const {
    return std::to_string(server_->options.retry_after.count());
  }

  void Redirect(const http::request<http::string_body>& message) {
    const std::string host(message[http::field::host]);
    if (host.empty()) {
      return Answer(400, "INVALID_ARGUMENT",
                    "this port serves HTTPS; plain HTTP needs a Host header "
                    "to be redirected",
                    {}, After::kClose);
    }
    std::string target(message.target());
    if (target.empty() || target[0] != '/') target = "/";
    const std::string location = StrCat("https://", host, target);
    Answer(301, "", "", {{"Location", location}}, After::kClose);
  }

  // A whole answer with the JSON error body (none when `code` is empty).
  void Answer(int status, const std::string& code, const std::string& message,
              const std::vector<std::pair<std::string, std::string>>& headers,
              After after) {
    const bool keep = after == After::kRead;
    Queue(Serialize(status, headers, code.empty() ? "" : "application/json",
                    code.empty() ? "" : ErrorJson(code, message), kTls, head_,
                    keep, false),
          after);
  }

  void Respond(HttpResponse res) {
    if (closed_) return;
    if (!res.stream || res.status != 200 || head_) {
      return Queue(Serialize(res.status, res.headers(), res.content_type,
                             res.body, kTls, head_, keep_alive_, false),
                   keep_alive_ ? After::kRead : After::kClose);
    }
    std::string why;
    if (!server_->ReserveStream(address_, &why)) {
      server_->metrics.Refused(why);
      return Answer(503, "UNAVAILABLE",
                    why == "sse_cap"
                        ? StrCat("this replica serves its maximum of ",
                                 server_->options.max_sse,
                                 " event streams (http-max-sse); retry later")
                        : StrCat("this address has its maximum of ",
                                 server_->options.max_sse_per_address,
                                 " event streams (http-max-sse-per-address)"),
                    {{"Retry-After", RetryAfter()}},
                    keep_alive_ ? After::kRead : After::kClose);
    }
    reserved_ = true;
    streaming_ = true;
    beast::get_lowest_layer(stream_).expires_never();
    Queue(Serialize(200, res.headers(), res.content_type, "", kTls, false, true,
                    true),
          After::kNothing);
    WatchClose();
    net::post(*server_->workers,
              [self = this->shared_from_this(), start = std::move(res.stream)] {
                start(self);
              });
  }

  // A stream's client sends nothing more; a read ends when it goes away.
  void WatchClose() {
    stream_.async_read_some(
        buffer_.prepare(512),
        [self = this->shared_from_this()](beast::error_code ec, size_t n) {
          if (ec) return self->DoClose();
          self->buffer_.commit(n);
          self->buffer_.consume(self->buffer_.size());
          self->WatchClose();
        });
  }

  void QueueChunk(const std::string& data) {
    if (closed_ || ended_ || data.empty()) return;
    if (queued_bytes_ + data.size() > server_->options.max_stream_backlog) {
      server_->metrics.Refused("slow_stream");
      log::Warn("gateway event stream closed: the client is too far behind",
                {{"address", address_}});
      return DoClose();
    }
    char size[20];
    std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
    Queue(StrCat(size, data, "\r\n"), After::kNothing);
  }

  void EndStream() {
    if (closed_ || ended_) return;
    ended_ = true;
    Queue("0\r\n\r\n", After::kClose);
  }

  void Queue(std::string bytes, After after) {
    if (closed_) return;
    queued_bytes_ += bytes.size();
    queue_.push_back(std::move(bytes));
    if (after != After::kNothing) after_ = after;
    if (!writing_) WriteNext();
  }

  void WriteNext() {
    if (queue_.empty()) {
      writing_ = false;
      const After after = after_;
      after_ = After::kNothing;
      if (after == After::kClose) return DoClose();
      if (after == After::kRead) return DoRead();
      return;
    }
    writing_ = true;
    if (!streaming_) {
      beast::get_lowest_layer(stream_).expires_after(
          server_->options.idle_timeout);
    }
    net::async_write(
        stream_, net::buffer(queue_.front()),
        [self = this->shared_from_this()](beast::error_code ec, size_t) {
          self->queued_bytes_ -= self->queue_.front().size();
          self->queue_.pop_front();
          if (ec) return self->DoClose();
          self->WriteNext();
        });
  }

  void DoClose() {
    if (closed_) return;
    closed_ = true;
    open_ = false;
    if (reserved_) server_->ReleaseStream(address_);
    reserved_ = false;
    beast::error_code ec;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  HttpServer::Impl* const server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  const std::string address_;
  const bool redirect_only_;
  const bool refuse_;
  const std::shared_ptr<ssl::context> tls_;  // outlives stream_'s SSL
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  bool head_ = false;
  bool streaming_ = false;
  bool reserved_ = false;
  bool ended_ = false;
  bool closed_ = false;
  std::atomic<bool> open_{true};
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  After after_ = After::kNothing;
};

}  // namespace

void HttpServer::Impl::Accept(tcp::acceptor* a, bool redirect_only) {
  a->async_accept(
      net::make_strand(*ioc),
      [this, a, redirect_only](beast::error_code ec, tcp::socket socket) {
        if (stopping || ec == net::error::operation_aborted) return;
        if (ec) {
          // Out of descriptors, most likely: wait rather than spin.
          log::Warn("gateway HTTP accept failed", {{"error", ec.message()}});
          auto timer = std::make_shared<net::steady_timer>(
              *ioc, std::chrono::milliseconds(100));
          timer->async_wait([this, a, redirect_only, timer](beast::error_code) {
            if (!stopping) Accept(a, redirect_only);
          });
          return;
        }
        OnAccept(std::move(socket), redirect_only);
        Accept(a, redirect_only);
      });
}

void HttpServer::Impl::OnAccept(tcp::socket socket, bool redirect_only) {
  beast::error_code ec;
  // Small answers and events go out at once (no Nagle delay).
  socket.set_option(tcp::no_delay(true), ec);
  const auto remote = socket.remote_endpoint(ec);
  const std::string address = ec ? "" : remote.address().to_string();
  const bool refuse = connections.load() >= options.max_connections;
  if (!tls_on() || redirect_only) {
    std::make_shared<Connection<beast::tcp_stream>>(
        this, beast::tcp_stream(std::move(socket)), beast::flat_buffer(),
        address, redirect_only, refuse, nullptr)
        ->Start();
    return;
  }
  // The TLS port: a plain HTTP request on it is redirected to https.
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  auto buffer = std::make_shared<beast::flat_buffer>();
  stream->expires_after(options.idle_timeout);
  beast::async_detect_ssl(
      *stream, *buffer,
      [this, stream, buffer, address, refuse](beast::error_code ec, bool tls) {
        if (ec) return;
        if (!tls) {
          std::make_shared<Connection<beast::tcp_stream>>(
              this, std::move(*stream), std::move(*buffer), address,
              /*redirect_only=*/true, refuse, nullptr)
              ->Start();
          return;
        }
        std::shared_ptr<ssl::context> ctx = Tls();
        using TlsStream = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<Connection<TlsStream>>(
            this, TlsStream(std::move(*stream), *ctx), std::move(*buffer),
            address, false, refuse, ctx)
            ->Start();
      });
}

// ---------------------------------------------------------------------------
// HttpServer.

namespace {

// Room for every connection the caps allow (and the process's other
// descriptors): raises the soft limit on open files up to the hard one.
void RaiseOpenFileLimit(int wanted) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  const rlim_t want = static_cast<rlim_t>(wanted);
  if (rl.rlim_cur >= want) return;
  const rlim_t was = rl.rlim_cur;
  rl.rlim_cur =
      rl.rlim_max == RLIM_INFINITY ? want : std::min(want, rl.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want) {
    log::Warn(
        "gateway: the open-file limit is below what the HTTP caps "
        "allow; connections beyond it wait to be accepted",
        {{"limit", static_cast<int64_t>(rl.rlim_cur)},
         {"wanted", static_cast<int64_t>(want)},
         {"was", static_cast<int64_t>(was)}});
  }
}

absl::StatusOr<std::unique_ptr<tcp::acceptor>> Listen(
    net::io_context& ioc, const std::string& host_port,
    const std::string& field, int* port) {
  auto endpoint = Endpoint(host_port, field);
  if (!endpoint.ok()) return endpoint.status();
  auto acceptor = std::make_unique<tcp::acceptor>(ioc);
  beast::error_code ec;
  acceptor->open(endpoint->protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(*endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        StrCat(field, ": cannot listen on ", host_port, ": ", ec.message()));
  }
  *port = acceptor->local_endpoint().port();
  return acceptor;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpServerOptions& options, Handler handler,
    prometheus::Registry* registry) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError(
        options.tls_cert.empty()
            ? "http-tls-cert: set it too (http-tls-key is set), or neither"
            : "http-tls-key: set it too (http-tls-cert is set), or neither");
  }
  if (!options.redirect_listen.empty() && options.tls_cert.empty()) {
    return absl::InvalidArgumentError(
        "http-redirect-listen: redirects to https need http-tls-cert and "
        "http-tls-key");
  }
  auto impl = std::make_unique<Impl>(options, std::move(handler), registry);
  if (impl->tls_on()) {
    auto tls = LoadTls(options.tls_cert, options.tls_key);
    if (!tls.ok()) return tls.status();
    impl->tls = *std::move(tls);
    impl->tls_cert_stamp = StampOf(options.tls_cert);
    impl->tls_key_stamp = StampOf(options.tls_key);
    impl->next_tls_check =
        std::chrono::steady_clock::now() + options.tls_reload_check;
  }
  RaiseOpenFileLimit(options.max_connections + 1024);
  impl->ioc = std::make_unique<net::io_context>(options.io_threads);
  auto acceptor =
      Listen(*impl->ioc, options.listen, "http-listen", &impl->port);
  if (!acceptor.ok()) return acceptor.status();
  impl->acceptor = *std::move(acceptor);
  if (!options.redirect_listen.empty()) {
    auto redirect = Listen(*impl->ioc, options.redirect_listen,
                           "http-redirect-listen", &impl->redirect_port);
    if (!redirect.ok()) return redirect.status();
    impl->redirect_acceptor = *std::move(redirect);
  }
  impl->workers = std::make_unique<net::thread_pool>(options.workers);
  impl->Accept(impl->acceptor.get(), false);
  if (impl->redirect_acceptor != nullptr) {
    impl->Accept(impl->redirect_acceptor.get(), true);
  }
  for (int i = 0; i < options.io_threads; ++i) {
    Impl* p = impl.get();
    impl->io_threads.emplace_back([p] { p->ioc->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

int HttpServer::port() const { return impl_->port; }
int HttpServer::redirect_port() const { return impl_->redirect_port; }
int HttpServer::open_connections() const { return impl_->connections.load(); }
int HttpServer::open_streams() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->streams;
}

void HttpServer::Stop() {
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) return;
  net::post(*s.ioc, [&s] {
    beast::error_code ec;
    s.acceptor->close(ec);
    if (s.redirect_acceptor != nullptr) s.redirect_acceptor->close(ec);
  });
  // Handlers running now finish (they use the gateway's service); queued
  // ones are dropped.
  s.workers->stop();
  s.workers->join();
  // Closed outside the lock: dropping the last reference to a connection
  // destroys it, and its destructor takes the lock.
  std::vector<std::shared_ptr<ConnectionBase>> open;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    for (auto& [c, weak] : s.live) {
      if (auto strong = weak.lock()) open.push_back(std::move(strong));
    }
  }
  for (auto& c : open) c->Close();
  open.clear();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (s.connections.load() > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  s.ioc->stop();
  for (auto& t : s.io_threads) t.join();
  s.io_threads.clear();
  // The loop itself goes with Impl: a connection still referenced (a sink
  // held by its feeder) owns a socket of it. Its socket is closed already.
  s.workers.reset();
}

}  // namespace fruition::gateway
