// An event-driven HTTP/1.1 server (Boost.Beast over Asio) for the gateway's
// API and dashboard: a few I/O threads hold every connection, idle or not,
// so an audience of thousands of Server-Sent Events subscribers costs memory
// (a socket and a few KiB each), not a thread each (docs/DESIGN.md, "The
// gateway's HTTP layer").
//
// A request is read on an I/O thread and handed to a small worker pool,
// where the Handler may block (store reads, audit records); its answer is
// written back on the connection's strand. Keep-alive for ordinary requests;
// a connection idle for `idle_timeout` (or slower than that to send its
// headers) is closed.
//
// A Handler answers a stream (Server-Sent Events) by setting
// HttpResponse::stream: the server checks the stream caps (`max_sse` per
// replica, `max_sse_per_address` per client address; beyond them 503 with
// Retry-After), sends the headers with chunked transfer encoding and hands
// the callback a StreamSink that any thread may feed. A stream whose client
// falls more than `max_stream_backlog` bytes behind is closed (the client
// resumes with Last-Event-ID).
//
// Limits, each answered with the gateway's JSON error body: more than
// `max_connections` open connections: 503 with Retry-After, then closed; a
// body over `max_body_bytes`: 413 naming the limit; headers over
// `max_header_bytes`: 431; a method other than GET, HEAD or POST: 405 (the
// Handler answers 405 for a method one of its paths does not take).
//
// TLS: with `tls_cert` and `tls_key` (PEM) the port serves HTTPS, and a
// plain HTTP request reaching it is redirected (301) to the same URL over
// https; `redirect_listen` adds a plain port that only redirects. The
// certificate and key are read again when either file changes (checked at
// most every `tls_reload_check`, on a new connection); a pair that does not
// load keeps the previous one and logs an error. Every answer carries the
// security headers (http_server.cc, SecurityHeaders), HSTS when on TLS.
//
// Thread-safety: Start, Stop and the accessors may be called from any
// thread; Stop closes every connection (streams included). Sinks must be
// dropped before the server is destroyed.
#ifndef FRUITION_SERVICES_GATEWAY_HTTP_SERVER_H_
#define FRUITION_SERVICES_GATEWAY_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace prometheus {
class Registry;
}

namespace fruition::gateway {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";
  // host:port answering plain HTTP with a 301 to https ("" none; needs TLS).
  std::string redirect_listen;
  int io_threads = 2;           // threads running the event loop
  int workers = 8;              // threads running handlers (they may block)
  int max_connections = 12000;  // open connections, streams included
  int max_sse = 10000;          // open streams per replica
  int max_sse_per_address = 0;  // open streams per client address; 0 = no cap
  size_t max_body_bytes = 65536;
  size_t max_header_bytes = 16384;
  std::chrono::seconds idle_timeout{30};
  std::chrono::seconds retry_after{5};  // the Retry-After of a 503
  std::string tls_cert;                 // PEM; "" plain HTTP
  std::string tls_key;                  // PEM
  std::chrono::milliseconds tls_reload_check{2000};
  size_t max_stream_backlog = 4 << 20;  // bytes queued for one stream
};

// A request as the handler sees it: the path and query decoded (a `+` in
// the query is a space), header names case-insensitive.
class HttpRequest {
 public:
  std::string method;
  std::string path;
  std::string remote_address;
  std::multimap<std::string, std::string> params;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  bool has_param(const std::string& key) const;
  // The i-th value of `key` ("" when there is none).
  std::string get_param_value(const std::string& key, size_t i = 0) const;
  size_t get_param_value_count(const std::string& key) const;
  bool has_header(const std::string& name) const;
  std::string get_header_value(const std::string& name) const;
};

// Fed by any thread once a stream's headers were sent.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues `data` to send. False: the stream is closed (client gone, too
  // far behind, or the server stopping); nothing more will be sent.
  virtual bool Send(std::string data) = 0;
  // Sends what is queued, ends the body and closes the connection.
  virtual void End() = 0;
  virtual bool open() const = 0;
};

class HttpResponse {
 public:
  int status = 200;
  std::string body;
  std::string content_type;
  // Replaces a header of the same name (the server's defaults included).
  void set_header(const std::string& name, const std::string& value);
  void set_content(std::string content, const std::string& type) {
    body = std::move(content);
    content_type = type;
  }
  const std::vector<std::pair<std::string, std::string>>& headers() const {
    return headers_;
  }
  // Set: the answer is a stream of `content_type`, fed through the sink
  // given to this callback (on a worker thread) once the headers went out.
  std::function<void(std::shared_ptr<StreamSink>)> stream;

 private:
  std::vector<std::pair<std::string, std::string>> headers_;
};

// The gateway's JSON error body: {"error":{"code":CODE,"message":...}}.
std::string ErrorJson(const std::string& code, const std::string& message);

class HttpServer {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;

  // Listens (port 0: any free port) and serves. INVALID_ARGUMENT naming the
  // setting for an address that cannot be bound or TLS files that do not
  // load. `registry` (may be null) gets the fruition_http_* metrics.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpServerOptions& options, Handler handler,
      prometheus::Registry* registry);
  ~HttpServer();  // Stop()s

  int port() const;
  int redirect_port() const;  // 0 without one
  int open_streams() const;
  int open_connections() const;
  void Stop();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_HTTP_SERVER_H_
