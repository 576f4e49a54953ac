#include "server/http_server.h"

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdio>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "base/event_loop_thread.h"
#include "base/log.h"
#include "base/thread_pool.h"

namespace ragdb::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// The access log line of a request refused before it reached the handler (same event as
// App::Handle's).
void LogEarly(const HttpServerOptions& o, std::string_view method, std::string_view target,
              int code, std::string_view remote) {
  if (!o.access_log || !log::Enabled(log::Level::kInfo)) return;
  std::string m(method.empty() ? "-" : method), t(target.empty() ? "-" : target);
  log::Info("http.request", m + " " + t + " " + std::to_string(code),
            {{"method", m},
             {"path", t},
             {"status", code},
             {"ms", 0.0},
             {"tenant", "-"},
             {"remote", remote}});
}

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Called on shutdown: a connection between requests is closed now; one inside a request is
  // closed after its response.
  virtual void CloseIfIdle() = 0;
  // Sends the response that Write() prepared.
  virtual void SendPrepared() = 0;
};

// Responses made while an I/O thread works through the requests that were ready together go
// out together, from a flush posted behind them (as Redis writes its replies before its event
// loop sleeps). Why: a send to a client thread that is asleep wakes it, and on a VM waking a
// thread on another core is a hypercall: ~40 us of the server's CPU per response on loopback,
// a sixth of a 128-d search request. Sends that follow each other closely find the client
// awake and cost no wake-up. The price: a response waits for the rest of its batch, which is
// bounded by the requests that were ready at the same time (Asio takes at most 128 events from
// one epoll_wait; at light load the batch is the one request).
struct PendingSends {
  std::vector<std::shared_ptr<SessionBase>> sessions;
  bool flush_posted = false;
};
thread_local PendingSends t_pending_sends;  // each io_context is run by one thread

void FlushPendingSends() {
  std::vector<std::shared_ptr<SessionBase>> batch;
  batch.swap(t_pending_sends.sessions);
  t_pending_sends.flush_posted = false;
  for (auto& s : batch) s->SendPrepared();
}

}  // namespace

struct HttpServer::Impl {
  // Declared before the io_context: destroying it destroys queued handlers, which destroy
  // sessions, which unregister here and update the stats.
  HttpServerOptions opts;
  HttpHandler handler;
  std::function<bool(const HttpRequest&)> runs_inline;
  HttpServerStats stats;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> active_handlers{0};
  bool shut_down = false;
  std::mutex shutdown_mu;
  uint16_t port = 0;
  std::mutex sessions_mu;
  uint64_t next_session = 0;
  std::unordered_map<uint64_t, std::weak_ptr<SessionBase>> sessions;

  // One io_context per I/O thread, each run by that thread alone: a connection lives on one of
  // them from accept to close, so its handlers never race and need no strand, and a thread
  // never takes a lock or wakes another to hand over a completion (a shared io_context cost
  // ~0.4 futex calls per request under load).
  std::vector<std::unique_ptr<net::io_context>> iocs;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  std::atomic<size_t> next_ioc{0};
  std::atomic<bool> io_stopped{false};
  std::optional<ssl::context> ssl_ctx;
  // Accepting runs on a thread of its own: the I/O threads may be busy running inline handlers,
  // and an accept queued behind them would leave new connections waiting for seconds under load.
  net::io_context accept_ioc{1};
  tcp::acceptor acceptor{accept_ioc};
  net::steady_timer accept_retry{accept_ioc};
  std::thread accept_thread;
  std::unique_ptr<net::thread_pool> workers;
  std::vector<std::thread> threads;

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  uint64_t Register(std::weak_ptr<SessionBase> s) {
    std::lock_guard<std::mutex> lock(sessions_mu);
    sessions.emplace(next_session, std::move(s));
    return next_session++;
  }
  void Unregister(uint64_t id) {
    std::lock_guard<std::mutex> lock(sessions_mu);
    sessions.erase(id);
  }

  // Calls the handler, turning any escaped exception into a 500.
  HttpResponse SafeCall(const HttpRequest& req) {
    try {
      return handler(req);
    } catch (const std::exception& e) {
      stats.handler_exceptions++;
      return ErrorResponse(500, std::string("internal error: ") + e.what());
    } catch (...) {
      stats.handler_exceptions++;
      return ErrorResponse(500, "internal error");
    }
  }
};

namespace {

template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(HttpServer::Impl* server, Stream stream, std::string remote)
      : server_(server),
        stream_(std::move(stream)),
        timer_(stream_.get_executor()),
        remote_(std::move(remote)) {
    server_->stats.connections_accepted++;
    server_->stats.connections_open++;
  }
  ~Session() override {
    server_->stats.connections_open--;
    server_->Unregister(id_);
  }

  // Called on the accept thread: everything else happens on the session's I/O thread.
  void Start() {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->Begin(); });
  }

  void CloseIfIdle() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) self->CancelSocket();
    });
  }

 private:
  void Begin() {
    id_ = server_->Register(this->weak_from_this());
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      ReadFirstByte();
    } else {
      ArmTimer(server_->opts.header_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                self->DisarmTimer();
                                if (ec) return self->Close();
                                self->ReadFirstByte();
                              });
    }
  }

  void CancelSocket() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).cancel(ec);
  }

  // The timer cancels the socket's pending operation when it fires; the generation guards
  // against a firing that was already queued when the operation completed on its own.
  void ArmTimer(std::chrono::milliseconds d) {
    timed_out_ = false;
    uint64_t gen = ++timer_gen_;
    timer_.expires_after(d);
    timer_.async_wait([self = this->shared_from_this(), gen](beast::error_code ec) {
      if (ec || gen != self->timer_gen_) return;
      self->timed_out_ = true;
      self->CancelSocket();
    });
  }
  void DisarmTimer() {
    ++timer_gen_;
    timer_.cancel();
  }

  void ReadFirstByte() {
    if (server_->stopping) return Close();
    parser_.emplace();
    parser_->body_limit(server_->opts.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_->opts.max_header_bytes));
    if (buffer_.size() > 0) return ReadHeader();  // pipelined bytes already here
    idle_ = true;
    ArmTimer(server_->opts.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(4096), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
          self->idle_ = false;
          self->buffer_.commit(n);
          if (ec) return self->Close();  // idle timeout, shutdown or the peer left: no answer due
          self->ReadHeader();
        });
  }

  void ReadHeader() {
    started_ = Clock::now();
    ArmTimer(server_->opts.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec, "request header");
    const auto& h = parser_->get();
    method_ = std::string(h.method_string());
    target_ = std::string(h.target());
    if (auto len = parser_->content_length(); len && *len > server_->opts.max_body_bytes) {
      // Refuse before reading it; the connection closes since the body is left unread.
      server_->stats.rejected_too_large++;
      return RespondEarly(413, "request body of " + std::to_string(*len) +
                                   " bytes is over the limit of " +
                                   std::to_string(server_->opts.max_body_bytes));
    }
    ArmTimer(server_->opts.body_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnReadError(beast::error_code ec, std::string_view what) {
    if (timed_out_) {
      server_->stats.rejected_timeout++;
      return RespondEarly(408, std::string(what) + " not received in time");
    }
    if (ec == http::error::body_limit) {
      server_->stats.rejected_too_large++;
      return RespondEarly(413, "request body over the limit of " +
                                   std::to_string(server_->opts.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      server_->stats.rejected_too_large++;
      return RespondEarly(431, "request header over the limit");
    }
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted ||
        ec == http::error::partial_message || ec == ssl::error::stream_truncated) {
      return Close();  // the peer left (or we are shutting down): nobody to answer
    }
    server_->stats.rejected_malformed++;
    RespondEarly(400, "malformed HTTP request: " + ec.message());
  }

  void OnBody(beast::error_code ec) {
    if (ec) return OnReadError(ec, "request body");
    DisarmTimer();
    auto req = parser_->release();
    keep_alive_ = req.keep_alive();

    auto& stats = server_->stats;
    // The limit counts handlers at work (not responses still being written), so a client that
    // got its answer can send the next request at once.
    if (server_->active_handlers.fetch_add(1) >= server_->opts.max_concurrent_requests) {
      server_->active_handlers--;
      stats.rejected_overloaded++;
      LogEarly(server_->opts, method_, target_, 429, remote_);
      HttpResponse r = ErrorResponse(429, "too many concurrent requests; retry later");
      r.headers.emplace_back("Retry-After", "1");
      stats.requests_in_flight++;  // Write() decrements
      return Write(std::move(r));
    }
    stats.requests_in_flight++;

    auto hreq = std::make_shared<HttpRequest>();
    hreq->method = std::string(req.method_string());
    hreq->target = std::string(req.target());
    std::string_view t = hreq->target;
    size_t q = t.find('?');
    hreq->path = std::string(t.substr(0, q));
    if (q != std::string_view::npos) hreq->query = ParseQueryString(t.substr(q + 1));
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      hreq->headers.emplace_back(std::move(name), std::string(f.value()));
    }
    hreq->body = std::move(req.body());
    hreq->remote = remote_;

    if (server_->runs_inline && server_->runs_inline(*hreq)) {
      HttpResponse res = server_->SafeCall(*hreq);
      if (res.deferred) return StartDeferred(std::move(res));
      server_->active_handlers--;
      if (!res.stream) return Write(std::move(res));
      // A producer blocks while each chunk is written, which needs this I/O thread free.
      auto r = std::make_shared<HttpResponse>(std::move(res));
      net::post(*server_->workers,
                [self = this->shared_from_this(), r] { self->StreamFromWorker(std::move(*r)); });
      return;
    }
    net::post(*server_->workers, [self = this->shared_from_this(), hreq] {
      auto res = std::make_shared<HttpResponse>(self->server_->SafeCall(*hreq));
      if (res->deferred) return self->StartDeferred(std::move(*res));
      if (res->stream) {
        // The producer runs here, on the worker, and blocks it while each chunk is written.
        self->StreamFromWorker(std::move(*res));
        self->server_->active_handlers--;
        return;
      }
      self->server_->active_handlers--;
      net::post(self->stream_.get_executor(), [self, res] { self->Write(std::move(*res)); });
    });
  }

  // Hands `respond` to the handler's deferred answer; what it is given is written on this
  // session's I/O thread. Called on the thread that ran the handler.
  void StartDeferred(HttpResponse res) {
    // Answers once: the first respond wins; a reply dropped unanswered becomes a 500.
    struct Reply {
      std::shared_ptr<Session> session;
      std::atomic<bool> sent{false};
      void Send(HttpResponse r) {
        if (sent.exchange(true)) return;
        session->server_->active_handlers--;
        auto shared = std::make_shared<HttpResponse>(std::move(r));
        net::post(session->stream_.get_executor(),
                  [s = session, shared] { s->Write(std::move(*shared)); });
      }
      ~Reply() { Send(ErrorResponse(500, "internal error: the request was never answered")); }
    };
    auto reply = std::make_shared<Reply>();
    reply->session = this->shared_from_this();
    auto deferred = std::move(res.deferred);
    try {
      deferred([reply](HttpResponse r) { reply->Send(std::move(r)); });
    } catch (const std::exception& e) {
      server_->stats.handler_exceptions++;
      reply->Send(ErrorResponse(500, std::string("internal error: ") + e.what()));
    }
  }

  // Runs op(done) on the session's I/O thread and blocks the calling worker until done(ec) runs.
  // Gives up (as if the write failed) when the I/O threads have stopped, so that a worker never
  // waits for a handler that will not run.
  template <class Op>
  beast::error_code RunOnIoThread(Op op) {
    auto promise = std::make_shared<std::promise<beast::error_code>>();
    auto done = promise->get_future();
    net::post(stream_.get_executor(), [self = this->shared_from_this(), promise, op]() mutable {
      op([promise](beast::error_code ec) { promise->set_value(ec); });
    });
    while (done.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      if (server_->io_stopped) return net::error::operation_aborted;
    }
    return done.get();
  }

  // A streamed response: header, one chunk per write, the last chunk, then the connection goes
  // on (keep-alive) as after any response. Called on a worker thread.
  void StreamFromWorker(HttpResponse r) {
    auto head = std::make_shared<http::response<http::empty_body>>();
    head->version(11);
    head->result(static_cast<unsigned>(r.status));
    head->set(http::field::server, "ragdb");
    head->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) head->set(k, v);
    head->chunked(true);
    const bool keep = keep_alive_ && !server_->stopping;
    head->keep_alive(keep);
    auto ser = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    beast::error_code ec = RunOnIoThread([this, head, ser](auto done) {
      ArmTimer(server_->opts.body_timeout);
      http::async_write_header(stream_, *ser, [done](beast::error_code e, size_t) { done(e); });
    });
    bool ok = !ec;
    if (ok) {
      StreamWriter write = [this, &ok](std::string_view piece) {
        if (!ok) return false;
        if (piece.empty()) return true;  // an empty chunk would end the body
        auto data = std::make_shared<std::string>(piece);
        auto chunk = std::make_shared<decltype(http::make_chunk(net::const_buffer()))>(
            http::make_chunk(net::const_buffer(data->data(), data->size())));
        ok = !RunOnIoThread([this, data, chunk](auto done) {
          ArmTimer(server_->opts.body_timeout);
          net::async_write(stream_, *chunk, [done](beast::error_code e, size_t) { done(e); });
        });
        return ok;
      };
      try {
        r.stream(write);
      } catch (const std::exception& e) {
        server_->stats.handler_exceptions++;
        log::Error("http.stream_exception", std::string("streamed response stopped: ") + e.what());
        ok = false;  // the body is incomplete: end the connection without the last chunk
      } catch (...) {
        server_->stats.handler_exceptions++;
        ok = false;
      }
    }
    if (ok) {
      auto last = std::make_shared<decltype(http::make_chunk_last())>(http::make_chunk_last());
      ok = !RunOnIoThread([this, last](auto done) {
        ArmTimer(server_->opts.body_timeout);
        net::async_write(stream_, *last, [done](beast::error_code e, size_t) { done(e); });
      });
    }
    net::post(stream_.get_executor(), [self = this->shared_from_this(), ok, keep] {
      self->DisarmTimer();
      self->server_->stats.requests_in_flight--;
      if (!ok || !keep) return self->Close();
      self->ReadFirstByte();
    });
  }

  // An answer made by the transport itself; the connection closes after it because the rest of
  // the request is unread or unreadable.
  void RespondEarly(int code, std::string message) {
    LogEarly(server_->opts, method_, target_, code, remote_);
    keep_alive_ = false;
    linger_ = true;
    server_->stats.requests_in_flight++;
    Write(ErrorResponse(code, message));
  }

  // Prepares the response and queues it for this thread's next flush (PendingSends). The head
  // is written by hand rather than through Beast's message and serializer, which allocate each
  // header field: ~2% of a search request's CPU for the same bytes. CR and LF are dropped from
  // handler-supplied header text so that it cannot split the response. Runs on the session's
  // I/O thread.
  void Write(HttpResponse r) {
    const bool keep = keep_alive_ && !server_->stopping;
    auto append_clean = [this](std::string_view text) {
      for (char c : text) {
        if (c != '\r' && c != '\n') head_ += c;
      }
    };
    head_.clear();
    head_ += "HTTP/1.1 ";
    head_ += std::to_string(r.status);
    head_ += ' ';
    auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
    head_.append(reason.data(), reason.size());
    head_ += "\r\nServer: ragdb\r\nContent-Type: ";
    append_clean(r.content_type);
    for (const auto& [name, value] : r.headers) {
      head_ += "\r\n";
      append_clean(name);
      head_ += ": ";
      append_clean(value);
    }
    head_ += "\r\nContent-Length: ";
    head_ += std::to_string(r.body.size());
    if (!keep) head_ += "\r\nConnection: close";
    head_ += "\r\n\r\n";
    body_ = std::move(r.body);
    send_keep_alive_ = keep;
    t_pending_sends.sessions.push_back(this->shared_from_this());
    if (!t_pending_sends.flush_posted) {
      t_pending_sends.flush_posted = true;
      net::post(stream_.get_executor(), FlushPendingSends);
    }
  }

  void SendPrepared() override {
    ArmTimer(server_->opts.body_timeout);
    std::array<net::const_buffer, 2> bufs{net::buffer(head_), net::buffer(body_)};
    net::async_write(stream_, bufs,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       self->DisarmTimer();
                       self->body_ = std::string();  // an idle connection holds no old answer
                       self->server_->stats.requests_in_flight--;
                       if (!ec && self->linger_) return self->LingerClose();
                       if (ec || !self->send_keep_alive_) return self->Close();
                       self->ReadFirstByte();
                     });
  }

  // After an early answer the client may still be sending the body we refused; closing at once
  // would make the kernel reset the connection and the client could lose our answer. So: stop
  // sending, read and drop what still comes for a short while, then close.
  void LingerClose() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).shutdown(tcp::socket::shutdown_send, ec);
    linger_deadline_ = Clock::now() + std::chrono::seconds(2);
    ArmTimer(std::chrono::seconds(2));
    Drain();
  }
  void Drain() {
    auto& sock = beast::get_lowest_layer(stream_);
    drain_buf_.resize(64 * 1024);
    sock.async_read_some(net::buffer(drain_buf_),
                         [self = this->shared_from_this()](beast::error_code ec, size_t) {
                           if (ec || Clock::now() > self->linger_deadline_) return self->Close();
                           self->Drain();
                         });
  }

  void Close() {
    DisarmTimer();
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(stream_);
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }

  HttpServer::Impl* server_;
  Stream stream_;
  net::steady_timer timer_;
  uint64_t timer_gen_ = 0;
  bool timed_out_ = false;
  bool idle_ = false;
  bool keep_alive_ = true;
  bool linger_ = false;
  Clock::time_point linger_deadline_;
  std::vector<char> drain_buf_;
  uint64_t id_ = 0;
  std::string remote_;
  std::string method_, target_;
  Clock::time_point started_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string head_, body_;  // the response being written
  bool send_keep_alive_ = true;
};

}  // namespace

void HttpServer::Impl::Accept() {
  // Round robin over the I/O threads' contexts.
  auto& ioc = *iocs[next_ioc++ % iocs.size()];
  acceptor.async_accept(
      ioc, [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void HttpServer::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping) return;
  if (ec) {
    // Out of descriptors (EMFILE) and similar: wait a little instead of spinning on accept.
    accept_retry.expires_after(std::chrono::milliseconds(50));
    accept_retry.async_wait([this](beast::error_code) {
      if (!stopping) Accept();
    });
    return;
  }
  try {
    beast::error_code ep_ec;
    auto ep = socket.remote_endpoint(ep_ec);
    std::string remote = ep_ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
    socket.set_option(tcp::no_delay(true), ep_ec);
    if (ssl_ctx) {
      auto s = std::make_shared<Session<ssl::stream<tcp::socket>>>(
          this, ssl::stream<tcp::socket>(std::move(socket), *ssl_ctx), std::move(remote));
      s->Start();
    } else {
      auto s = std::make_shared<Session<tcp::socket>>(this, std::move(socket), std::move(remote));
      s->Start();
    }
  } catch (const std::exception& e) {
    log::Error("http.accept_failed", std::string("accept failed: ") + e.what());
  }
  Accept();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Shutdown(); }

uint16_t HttpServer::port() const { return impl_->port; }
bool HttpServer::tls() const { return impl_->ssl_ctx.has_value(); }
const HttpServerStats& HttpServer::stats() const { return impl_->stats; }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpServerOptions& options, HttpHandler handler,
    std::function<bool(const HttpRequest&)> runs_inline) {
  auto impl = std::make_unique<Impl>();
  impl->opts = options;
  impl->handler = std::move(handler);
  impl->runs_inline = std::move(runs_inline);
  try {
    if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
      if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
        return Status::InvalidArgument("TLS needs both a certificate and a key file");
      }
      impl->ssl_ctx.emplace(ssl::context::tls_server);
      impl->ssl_ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                 ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                 ssl::context::no_tlsv1_1);
      beast::error_code ec;
      impl->ssl_ctx->use_certificate_chain_file(options.tls_cert_file, ec);
      if (ec) {
        return Status::InvalidArgument("TLS certificate " + options.tls_cert_file + ": " +
                                       ec.message());
      }
      impl->ssl_ctx->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
      if (ec) {
        return Status::InvalidArgument("TLS key " + options.tls_key_file + ": " + ec.message());
      }
    }
    beast::error_code ec;
    auto addr = net::ip::make_address(options.host == "localhost" ? "127.0.0.1" : options.host, ec);
    if (ec) return Status::InvalidArgument("bad listen address '" + options.host + "'");
    tcp::endpoint ep(addr, options.port);
    impl->acceptor.open(ep.protocol(), ec);
    if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) impl->acceptor.bind(ep, ec);
    if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Unavailable("cannot listen on " + options.host + ":" +
                                 std::to_string(options.port) + ": " + ec.message());
    }
    impl->port = impl->acceptor.local_endpoint().port();
    size_t io = options.io_threads ? options.io_threads : ThreadPool::HardwareThreads();
    impl->workers = std::make_unique<net::thread_pool>(std::max<size_t>(1, options.worker_threads));
    Impl* raw = impl.get();
    for (size_t i = 0; i < io; ++i) {
      impl->iocs.push_back(std::make_unique<net::io_context>(1));
      impl->work.push_back(net::make_work_guard(*impl->iocs.back()));
    }
    for (size_t i = 0; i < io; ++i) {
      impl->threads.emplace_back([raw, ioc = impl->iocs[i].get()] {
        MarkEventLoopThread();
        // A handler that throws must not end the I/O thread: log it and keep serving.
        for (;;) {
          try {
            ioc->run();
            return;
          } catch (const std::exception& e) {
            log::Error("http.io_exception", std::string("I/O thread caught: ") + e.what());
          } catch (...) {
            log::Error("http.io_exception", "I/O thread caught an unknown exception");
          }
        }
      });
    }
    impl->Accept();
    impl->accept_thread = std::thread([raw] {
      for (;;) {
        try {
          raw->accept_ioc.run();  // returns once the acceptor is closed
          return;
        } catch (const std::exception& e) {
          log::Error("http.accept_exception", std::string("accept thread caught: ") + e.what());
        }
      }
    });
  } catch (const std::exception& e) {
    return Status::Internal(std::string("server start: ") + e.what());
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Shutdown(std::chrono::milliseconds grace) {
  std::lock_guard<std::mutex> lock(impl_->shutdown_mu);
  if (impl_->shut_down) return;
  impl_->shut_down = true;
  impl_->stopping = true;
  net::post(impl_->accept_ioc, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
    impl->accept_retry.cancel();
  });
  auto deadline = Clock::now() + grace;
  // Sessions may be between requests right now or become so after their response: repeat.
  do {
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard<std::mutex> l(impl_->sessions_mu);
      for (auto& [id, w] : impl_->sessions) {
        if (auto s = w.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->CloseIfIdle();
    if (impl_->stats.requests_in_flight.load() == 0 && live.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (Clock::now() < deadline &&
           (impl_->stats.requests_in_flight.load() > 0 || impl_->stats.connections_open > 0));
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  impl_->work.clear();
  impl_->io_stopped = true;
  for (auto& ioc : impl_->iocs) ioc->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->workers->join();
}

}  // namespace ragdb::server
