// An HTTP/1.1 server with keep-alive, optional TLS, limits and graceful shutdown. The only file
// that knows Boost.Beast/Asio; everything else talks HttpRequest/HttpResponse (http.h).
//
// Threads: `io_threads` run the sockets, each its own event loop; a connection stays on the
// loop that accepted it (round robin). Handlers run on a separate pool of `worker_threads`,
// because a handler may block on an fsync and a blocked I/O thread would stall every connection
// it serves. Several writes in flight at once also let the engine group-commit them. Requests
// for which `runs_inline` says yes (CPU-only reads such as searches) are handled on the I/O
// thread that read them: the hand-off to a worker and back costs two thread wake-ups, which on
// a small VM is a large share of a search's CPU time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ragdb/status.h"
#include "server/http.h"

namespace ragdb::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 6333;                  // 0 = an ephemeral port (see HttpServer::port())
  size_t io_threads = 0;                 // 0 = one per CPU the process may use
  size_t worker_threads = 16;            // handler threads
  size_t max_body_bytes = 32u << 20;     // larger bodies get 413
  size_t max_header_bytes = 64u << 10;   // larger headers get 431
  size_t max_concurrent_requests = 512;  // more in flight at once get 429
  // A connection waiting for the first byte of a request is closed silently after idle_timeout;
  // once a request has started, its header must arrive within header_timeout and its body within
  // body_timeout, or it gets 408 (this is what stops slowloris clients holding connections).
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{60000};
  // Both set = HTTPS only.
  std::string tls_cert_file;
  std::string tls_key_file;
  // One line per request on stderr for the responses the transport makes itself (408, 413, 429..);
  // the handler logs the rest.
  bool access_log = true;
};

// Counters of what the transport answered by itself, for /metrics.
struct HttpServerStats {
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<int64_t> connections_open{0};
  std::atomic<int64_t> requests_in_flight{0};
  std::atomic<uint64_t> rejected_timeout{0};     // 408
  std::atomic<uint64_t> rejected_too_large{0};   // 413 / 431
  std::atomic<uint64_t> rejected_overloaded{0};  // 429
  std::atomic<uint64_t> rejected_malformed{0};   // 400 from the parser
  std::atomic<uint64_t> handler_exceptions{0};   // 500 from an escaped exception
};

class HttpServer {
 public:
  // Binds, listens and starts the threads. Fails on a bad address, a busy port or bad TLS files.
  static Result<std::unique_ptr<HttpServer>> Start(
      const HttpServerOptions& options, HttpHandler handler,
      std::function<bool(const HttpRequest&)> runs_inline = nullptr);
  ~HttpServer();  // Shutdown() with the default grace period if not done yet
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  bool tls() const;
  const HttpServerStats& stats() const;

  // Stops accepting, closes idle connections, waits up to `grace` for in-flight requests to be
  // answered, then stops the threads. Idempotent.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(30));

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ragdb::server
