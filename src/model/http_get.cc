#include "model/http_get.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <limits>

namespace ragdb::model {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

struct Url {
  bool tls = false;
  std::string host, port, target;
};

Result<Url> ParseUrl(const std::string& url) {
  Url u;
  std::string rest;
  if (url.starts_with("https://")) {
    u.tls = true;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return Status::InvalidArgument("unsupported URL (need http:// or https://): " + url);
  }
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.empty()) return Status::InvalidArgument("URL without a host: " + url);
  return u;
}

// A Location header may be absolute, scheme-relative or path-absolute.
std::string Resolve(const Url& base, const std::string& location) {
  if (location.starts_with("http://") || location.starts_with("https://")) return location;
  std::string origin = std::string(base.tls ? "https://" : "http://") + base.host + ":" + base.port;
  if (location.starts_with("//")) return std::string(base.tls ? "https:" : "http:") + location;
  if (location.starts_with("/")) return origin + location;
  std::string dir = base.target.substr(0, base.target.rfind('/') + 1);
  return origin + dir + location;
}

// Runs one asynchronous operation to completion on `ioc`. Async operations are used only because
// they are what honours beast::tcp_stream's expiry: a blocking read could hang forever on a
// silent peer.
template <class Start>
ErrorCode RunOp(asio::io_context& ioc, Start&& start) {
  ErrorCode out = asio::error::would_block;
  start([&out](ErrorCode ec, auto&&...) { out = ec; });
  ioc.restart();
  ioc.run();
  return out;
}

struct Hop {
  int status = 0;
  std::map<std::string, std::string> headers;
  int64_t content_length = -1;
  uint64_t bytes = 0;
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Status ReadError(const ErrorCode& ec, const Url& u, uint64_t got, int64_t want) {
  if (ec == beast::error::timeout) {
    return Status::DeadlineExceeded("timed out reading from " + u.host);
  }
  if (ec == http::error::partial_message || ec == http::error::end_of_stream ||
      ec == asio::error::eof) {
    return Status::IOError("connection to " + u.host + " closed after " + std::to_string(got) +
                           (want >= 0 ? " of " + std::to_string(want) : std::string()) +
                           " bytes (truncated download)");
  }
  return Status::IOError("reading from " + u.host + ": " + ec.message());
}

// Sends the GET and reads the response; a 2xx body goes to `dest`.
template <class Stream>
Result<Hop> Exchange(asio::io_context& ioc, Stream& stream, beast::tcp_stream& tcp, const Url& u,
                     const std::string& dest, const HttpGetOptions& o) {
  http::request<http::empty_body> req{http::verb::get, u.target, 11};
  bool default_port = u.port == (u.tls ? "443" : "80");
  req.set(http::field::host, default_port ? u.host : u.host + ":" + u.port);
  req.set(http::field::user_agent, "ragdb");
  req.set(http::field::connection, "close");
  tcp.expires_after(o.read_timeout);
  ErrorCode ec = RunOp(ioc, [&](auto h) { http::async_write(stream, req, std::move(h)); });
  if (ec) return Status::IOError("sending request to " + u.host + ": " + ec.message());

  beast::flat_buffer buf;
  http::response_parser<http::buffer_body> p;
  p.body_limit(std::numeric_limits<uint64_t>::max());
  tcp.expires_after(o.read_timeout);
  ec = RunOp(ioc, [&](auto h) { http::async_read_header(stream, buf, p, std::move(h)); });
  if (ec) return ReadError(ec, u, 0, -1);

  Hop hop;
  hop.status = static_cast<int>(p.get().result_int());
  for (const auto& f : p.get().base()) {
    hop.headers[Lower(std::string(f.name_string()))] = std::string(f.value());
  }
  if (p.content_length()) hop.content_length = static_cast<int64_t>(*p.content_length());
  const bool keep = hop.status >= 200 && hop.status < 300;
  std::FILE* f = nullptr;
  if (keep) {
    f = std::fopen(dest.c_str(), "wb");
    if (!f) return Status::IOError("cannot create " + dest);
  }
  std::vector<char> chunk(1 << 16);
  Status st;
  while (!p.is_done()) {
    p.get().body().data = chunk.data();
    p.get().body().size = chunk.size();
    tcp.expires_after(o.read_timeout);
    ec = RunOp(ioc, [&](auto h) { http::async_read(stream, buf, p, std::move(h)); });
    if (ec == http::error::need_buffer) ec = {};
    size_t n = chunk.size() - p.get().body().size;
    if (keep && n > 0) {
      if (std::fwrite(chunk.data(), 1, n, f) != n) {
        st = Status::IOError("writing " + dest + " failed (disk full?)");
        break;
      }
      hop.bytes += n;
      if (o.progress) o.progress(hop.bytes, hop.content_length);
    }
    if (ec) {
      st = ReadError(ec, u, hop.bytes, hop.content_length);
      break;
    }
  }
  if (f && std::fclose(f) != 0 && st.ok()) st = Status::IOError("writing " + dest + " failed");
  if (!st.ok()) {
    if (keep) std::remove(dest.c_str());
    return st;
  }
  return hop;
}

Result<Hop> GetOnce(const Url& u, const std::string& dest, const HttpGetOptions& o) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  tcp::resolver::results_type endpoints;
  ErrorCode ec = asio::error::would_block;
  resolver.async_resolve(u.host, u.port, [&](ErrorCode e, tcp::resolver::results_type r) {
    ec = e;
    endpoints = std::move(r);
  });
  ioc.run_for(o.connect_timeout);
  if (ec == asio::error::would_block) {
    resolver.cancel();
    ioc.restart();
    ioc.run();
    return Status::Unavailable("cannot reach " + u.host + ": name lookup timed out");
  }
  if (ec) return Status::Unavailable("cannot reach " + u.host + ": " + ec.message());

  beast::tcp_stream tcp(ioc);
  tcp.expires_after(o.connect_timeout);
  ec = RunOp(ioc, [&](auto h) {
    tcp.async_connect(endpoints,
                      [h = std::move(h)](ErrorCode e, const tcp::endpoint&) mutable { h(e); });
  });
  if (ec == beast::error::timeout) {
    return Status::Unavailable("cannot reach " + u.host + ": connection timed out");
  }
  if (ec) return Status::Unavailable("cannot reach " + u.host + ": " + ec.message());
  if (!u.tls) return Exchange(ioc, tcp, tcp, u, dest, o);

  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_default_verify_paths();
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), ctx);
  tls.set_verify_callback(asio::ssl::host_name_verification(u.host));
  // SNI: CDNs serve many names from one address and pick the certificate by it.
  SSL_set_tlsext_host_name(tls.native_handle(), u.host.c_str());
  beast::tcp_stream& lower = beast::get_lowest_layer(tls);
  lower.expires_after(o.connect_timeout);
  ec = RunOp(ioc,
             [&](auto h) { tls.async_handshake(asio::ssl::stream_base::client, std::move(h)); });
  if (ec) return Status::Unavailable("TLS handshake with " + u.host + " failed: " + ec.message());
  return Exchange(ioc, tls, lower, u, dest, o);
}

}  // namespace

Result<HttpGetResult> HttpGetToFile(const std::string& url, const std::string& dest,
                                    const HttpGetOptions& options) {
  HttpGetResult out;
  std::string current = url;
  for (int hops = 0;; ++hops) {
    RAGDB_ASSIGN_OR_RETURN(Url u, ParseUrl(current));
    RAGDB_ASSIGN_OR_RETURN(Hop hop, GetOnce(u, dest, options));
    for (const char* k : {"x-linked-etag", "x-linked-size"}) {
      auto it = hop.headers.find(k);
      if (it != hop.headers.end()) out.headers[k] = it->second;
    }
    const bool redirect = hop.status == 301 || hop.status == 302 || hop.status == 303 ||
                          hop.status == 307 || hop.status == 308;
    auto loc = hop.headers.find("location");
    if (redirect && loc != hop.headers.end()) {
      if (hops >= options.max_redirects) {
        return Status::IOError("too many redirects fetching " + url);
      }
      current = Resolve(u, loc->second);
      continue;
    }
    for (auto& [k, v] : hop.headers) out.headers.emplace(k, v);  // keeps the hub's linked tags
    out.status = hop.status;
    out.content_length = hop.content_length;
    out.bytes = hop.bytes;
    out.final_url = current;
    return out;
  }
}

}  // namespace ragdb::model
