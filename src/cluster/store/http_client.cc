#include "cluster/store/http_client.h"

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

namespace ragdb::cluster {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxIdlePerHost = 16;
constexpr uint64_t kMaxReplyBytes = uint64_t{4} << 30;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One connection: plain TCP or TLS over TCP, on the event loop of the thread that opened it.
struct Conn {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool reused = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  template <class F>
  void With(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*plain);
    }
  }
};

// The event loop and idle connections of one thread at one nesting depth.
struct Loop {
  asio::io_context ioc{1};
  struct Pool {
    std::weak_ptr<const int> client_alive;  // expired once its client is gone
    std::vector<std::unique_ptr<Conn>> conns;
  };
  std::map<std::string, Pool> idle;  // "client-id origin" -> connections
  size_t gives = 0;
};

struct ThreadLoops {
  std::vector<std::unique_ptr<Loop>> by_depth;
  size_t depth = 0;
};
thread_local ThreadLoops t_loops;

std::atomic<uint64_t> g_next_client_id{1};

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  HttpUrl u;
  std::string_view rest;
  if (url.starts_with("https://")) {
    u.tls = true;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return Status::InvalidArgument("expected an http:// or https:// URL, got '" + std::string(url) +
                                   "'");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    u.host = std::string(authority.substr(0, colon));
    u.port = std::string(authority.substr(colon + 1));
  } else {
    u.host = std::string(authority);
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.empty()) return Status::InvalidArgument("URL without a host: " + std::string(url));
  if (u.port.empty()) return Status::InvalidArgument("bad port in URL: " + std::string(url));
  for (char c : u.port) {
    if (c < '0' || c > '9') return Status::InvalidArgument("bad port in URL: " + std::string(url));
  }
  return u;
}

struct HttpClient::Impl {
  uint64_t id = g_next_client_id++;
  std::shared_ptr<const int> alive = std::make_shared<const int>(0);
  ssl::context tls{ssl::context::tls_client};

  std::string PoolKey(const HttpUrl& u) const { return std::to_string(id) + " " + u.Origin(); }

  std::unique_ptr<Conn> Take(Loop& loop, const std::string& key) {
    auto it = loop.idle.find(key);
    if (it == loop.idle.end() || it->second.conns.empty()) return nullptr;
    auto c = std::move(it->second.conns.back());
    it->second.conns.pop_back();
    c->reused = true;
    return c;
  }

  void Give(Loop& loop, const std::string& key, std::unique_ptr<Conn> c) {
    // Now and then, drop the connections of clients that are gone.
    if (++loop.gives % 1024 == 0) {
      for (auto it = loop.idle.begin(); it != loop.idle.end();) {
        it = it->second.client_alive.expired() ? loop.idle.erase(it) : std::next(it);
      }
    }
    auto& pool = loop.idle[key];
    pool.client_alive = alive;
    if (pool.conns.size() < kMaxIdlePerHost) pool.conns.push_back(std::move(c));
  }
};

namespace {

// One request on the thread's event loop: connect (or reuse), TLS handshake, write, read.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(HttpClient::Impl* client, Loop* loop, HttpClient::Call* call, Clock::time_point deadline)
      : client_(client), loop_(loop), call_(call), deadline_(deadline) {
    key_ = client_->PoolKey(call_->where);
  }

  void Start() {
    conn_ = attempt_ == 0 ? client_->Take(*loop_, key_) : nullptr;
    if (conn_) return Send();
    Connect();
  }

 private:
  std::string Where() const { return call_->where.Origin(); }

  void Fail(Status s) { call_->reply = std::move(s); }

  void Connect() {
    const HttpUrl& u = call_->where;
    tcp::resolver resolver(loop_->ioc);
    ErrorCode ec;
    auto endpoints = resolver.resolve(u.host, u.port, ec);
    if (ec) return Fail(Status::Unavailable("cannot resolve " + u.host + ": " + ec.message()));
    conn_ = std::make_unique<Conn>();
    if (u.tls) {
      conn_->tls.emplace(loop_->ioc, client_->tls);
      // SNI, and the certificate must name the host (or carry its IP address).
      SSL_set_tlsext_host_name(conn_->tls->native_handle(), u.host.c_str());
      conn_->tls->set_verify_mode(ssl::verify_peer);
      conn_->tls->set_verify_callback(ssl::host_name_verification(u.host));
    } else {
      conn_->plain.emplace(loop_->ioc);
    }
    conn_->lowest().expires_at(deadline_);
    conn_->lowest().async_connect(
        endpoints,
        [self = shared_from_this()](ErrorCode e, const tcp::endpoint&) { self->OnConnect(e); });
  }

  void OnConnect(ErrorCode ec) {
    if (ec == beast::error::timeout) {
      return Fail(Status::DeadlineExceeded("connecting to " + Where() + " timed out"));
    }
    if (ec) return Fail(Status::Unavailable("cannot reach " + Where() + ": " + ec.message()));
    ErrorCode ignored;
    conn_->lowest().socket().set_option(tcp::no_delay(true), ignored);
    if (!conn_->tls) return Send();
    conn_->tls->async_handshake(ssl::stream_base::client, [self = shared_from_this()](ErrorCode e) {
      if (e) {
        return self->Fail(
            Status::Unavailable("TLS handshake with " + self->Where() + " failed: " + e.message()));
      }
      self->Send();
    });
  }

  void Send() {
    req_ = {http::string_to_verb(call_->method), call_->target, 11};
    req_.set(http::field::host, call_->where.HostPort());
    req_.set(http::field::user_agent, "ragdb-cluster");
    for (const auto& [k, v] : call_->headers) req_.set(k, v);
    req_.body() = std::string(call_->body);
    req_.prepare_payload();
    parser_.emplace();
    parser_->body_limit(kMaxReplyBytes);
    conn_->lowest().expires_at(deadline_);
    conn_->With([&](auto& stream) {
      http::async_write(stream, req_, [self = shared_from_this()](ErrorCode ec, size_t) {
        if (ec) return self->OnError(ec);
        self->conn_->lowest().expires_at(self->deadline_);
        self->conn_->With([&](auto& s) {
          http::async_read(s, self->conn_->buffer, *self->parser_, [self](ErrorCode e, size_t) {
            if (e) return self->OnError(e);
            self->Done();
          });
        });
      });
    });
  }

  void OnError(ErrorCode ec) {
    // A kept-alive connection the peer closed meanwhile: try once more on a fresh one.
    const bool stale = conn_->reused && !parser_->got_some() && ec != beast::error::timeout;
    const std::string what = call_->method + " " + Where() + call_->target;
    conn_.reset();
    if (stale && attempt_ == 0) {
      attempt_ = 1;
      return Start();
    }
    if (ec == beast::error::timeout) return Fail(Status::DeadlineExceeded(what + " timed out"));
    Fail(Status::Unavailable(what + ": " + ec.message()));
  }

  void Done() {
    HttpReply reply;
    auto& res = parser_->get();
    reply.status = static_cast<int>(res.result_int());
    for (const auto& f : res.base()) {
      reply.headers[Lower(std::string(f.name_string()))] = std::string(f.value());
    }
    const bool keep = res.keep_alive();
    reply.body = std::move(res.body());
    if (keep) client_->Give(*loop_, key_, std::move(conn_));
    call_->reply = std::move(reply);
  }

  HttpClient::Impl* client_;
  Loop* loop_;
  HttpClient::Call* call_;
  Clock::time_point deadline_;
  std::string key_;
  int attempt_ = 0;
  std::unique_ptr<Conn> conn_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::string_body>> parser_;
};

}  // namespace

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::Create(const HttpTlsOptions& tls) {
  auto impl = std::make_unique<Impl>();
  ErrorCode ec;
  impl->tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (tls.ca_file.empty()) {
    impl->tls.set_default_verify_paths(ec);
  } else {
    impl->tls.load_verify_file(tls.ca_file, ec);
    if (ec) return Status::InvalidArgument("TLS CA file " + tls.ca_file + ": " + ec.message());
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return Status::InvalidArgument("a TLS client certificate needs both a cert and a key file");
  }
  if (!tls.cert_file.empty()) {
    impl->tls.use_certificate_chain_file(tls.cert_file, ec);
    if (ec) {
      return Status::InvalidArgument("TLS client certificate " + tls.cert_file + ": " +
                                     ec.message());
    }
    impl->tls.use_private_key_file(tls.key_file, ssl::context::pem, ec);
    if (ec) return Status::InvalidArgument("TLS client key " + tls.key_file + ": " + ec.message());
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

void HttpClient::RunConcurrently(std::span<Call> calls, std::chrono::milliseconds timeout,
                                 const std::function<void()>& meanwhile) {
  ThreadLoops& t = t_loops;
  const size_t depth = t.depth++;
  if (t.by_depth.size() <= depth) t.by_depth.push_back(std::make_unique<Loop>());
  Loop& loop = *t.by_depth[depth];
  const auto deadline = Clock::now() + timeout;
  for (Call& c : calls) {
    c.reply = Status::Unavailable("not sent");
    std::make_shared<Exchange>(impl_.get(), &loop, &c, deadline)->Start();
  }
  // Kept-alive connections sent their request when it started; new ones connect now.
  loop.ioc.restart();
  loop.ioc.poll();
  if (meanwhile) meanwhile();
  loop.ioc.restart();
  loop.ioc.run();  // returns once every exchange has finished (each has the deadline)
  t.depth--;
}

Result<HttpReply> HttpClient::Request(const HttpUrl& where, const std::string& method,
                                      const std::string& target, std::string_view body,
                                      const HttpHeaders& headers,
                                      std::chrono::milliseconds timeout) {
  Call call{where, method, target, body, headers};
  RunConcurrently(std::span<Call>(&call, 1), timeout);
  return std::move(call.reply);
}

Result<HttpReply> HttpClient::Request(const std::string& method, const std::string& url,
                                      std::string_view body, const HttpHeaders& headers,
                                      std::chrono::milliseconds timeout) {
  RAGDB_ASSIGN_OR_RETURN(HttpUrl u, ParseHttpUrl(url));
  return Request(u, method, u.target, body, headers, timeout);
}

}  // namespace ragdb::cluster
