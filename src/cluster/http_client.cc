#include "cluster/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ragdb::cluster {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr size_t kMaxIdlePerHost = 16;
constexpr uint64_t kMaxReplyBytes = uint64_t{4} << 30;

// Runs one asynchronous operation to completion: only async operations honour the stream's
// expiry, and a blocking read could hang forever on a silent peer.
template <class Start>
ErrorCode RunOp(asio::io_context& ioc, Start&& start) {
  ErrorCode out = asio::error::would_block;
  start([&out](ErrorCode ec, auto&&...) { out = ec; });
  ioc.restart();
  ioc.run();
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  if (url.starts_with("https://")) {
    return Status::InvalidArgument("https URLs are not supported for cluster endpoints: " +
                                   std::string(url));
  }
  if (!url.starts_with("http://")) {
    return Status::InvalidArgument("expected an http:// URL, got '" + std::string(url) + "'");
  }
  std::string_view rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HttpUrl u;
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    u.host = std::string(authority.substr(0, colon));
    u.port = std::string(authority.substr(colon + 1));
  } else {
    u.host = std::string(authority);
    u.port = "80";
  }
  if (u.host.empty()) return Status::InvalidArgument("URL without a host: " + std::string(url));
  for (char c : u.port) {
    if (c < '0' || c > '9') return Status::InvalidArgument("bad port in URL: " + std::string(url));
  }
  return u;
}

struct HttpClient::Conn {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool reused = false;
};

HttpClient::HttpClient() = default;
HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Conn> HttpClient::Take(const std::string& host_port) {
  std::lock_guard lock(mu_);
  auto it = idle_.find(host_port);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  auto c = std::move(it->second.back());
  it->second.pop_back();
  c->reused = true;
  return c;
}

void HttpClient::Give(const std::string& host_port, std::unique_ptr<Conn> c) {
  std::lock_guard lock(mu_);
  auto& list = idle_[host_port];
  if (list.size() < kMaxIdlePerHost) list.push_back(std::move(c));
}

void HttpClient::CloseIdle() {
  std::lock_guard lock(mu_);
  idle_.clear();
}

Result<HttpReply> HttpClient::Request(const std::string& method, const std::string& url,
                                      std::string_view body, const HttpHeaders& headers,
                                      std::chrono::milliseconds timeout) {
  RAGDB_ASSIGN_OR_RETURN(HttpUrl u, ParseHttpUrl(url));
  return Request(u, method, u.target, body, headers, timeout);
}

Result<HttpReply> HttpClient::Request(const HttpUrl& where, const std::string& method,
                                      const std::string& target, std::string_view body,
                                      const HttpHeaders& headers,
                                      std::chrono::milliseconds timeout) {
  const std::string host_port = where.HostPort();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Conn> c = attempt == 0 ? Take(host_port) : nullptr;
    if (!c) {
      c = std::make_unique<Conn>();
      tcp::resolver resolver(c->ioc);
      ErrorCode ec;
      auto endpoints = resolver.resolve(where.host, where.port, ec);
      if (ec) return Status::Unavailable("cannot resolve " + where.host + ": " + ec.message());
      c->stream.expires_at(deadline);
      ec = RunOp(c->ioc, [&](auto h) {
        c->stream.async_connect(
            endpoints, [h = std::move(h)](ErrorCode e, const tcp::endpoint&) mutable { h(e); });
      });
      if (ec == beast::error::timeout) {
        return Status::DeadlineExceeded("connecting to " + host_port + " timed out");
      }
      if (ec) return Status::Unavailable("cannot reach " + host_port + ": " + ec.message());
      c->stream.socket().set_option(tcp::no_delay(true), ec);
    }
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host_port);
    req.set(http::field::user_agent, "ragdb-cluster");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = std::string(body);
    req.prepare_payload();
    c->stream.expires_at(deadline);
    ErrorCode ec = RunOp(c->ioc, [&](auto h) { http::async_write(c->stream, req, std::move(h)); });
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxReplyBytes);
    if (!ec) {
      ec = RunOp(c->ioc,
                 [&](auto h) { http::async_read(c->stream, c->buffer, parser, std::move(h)); });
    }
    if (ec) {
      // A kept-alive connection the peer closed meanwhile: try once more on a fresh one.
      const bool stale = c->reused && !parser.got_some() && ec != beast::error::timeout;
      if (stale && attempt == 0) continue;
      if (ec == beast::error::timeout) {
        return Status::DeadlineExceeded(method + " " + host_port + target + " timed out");
      }
      return Status::Unavailable(method + " " + host_port + target + ": " + ec.message());
    }
    HttpReply reply;
    auto& res = parser.get();
    reply.status = static_cast<int>(res.result_int());
    for (const auto& f : res.base()) {
      reply.headers[Lower(std::string(f.name_string()))] = std::string(f.value());
    }
    const bool keep = res.keep_alive();
    reply.body = std::move(res.body());
    if (keep) Give(host_port, std::move(c));
    return reply;
  }
}

}  // namespace ragdb::cluster
