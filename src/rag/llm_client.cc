#include "rag/llm_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>

#include "base/json_text.h"
#include "ragdb/json.h"

namespace ragdb::rag {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

Status NetError(const beast::error_code& ec, const std::string& where, const LlmConfig& cfg,
                const char* step) {
  if (ec == beast::error::timeout) {
    return Status::DeadlineExceeded("llm: no answer from " + where + " within " +
                                    std::to_string(cfg.timeout_ms) + " ms (" + step + ")");
  }
  return Status::Unavailable("llm: " + std::string(step) + " " + where + ": " + ec.message());
}

// The server's own words for a failed request: OpenAI's {"error": {"message": ..}}, a plain
// {"error": ".."}, {"message": ..}, or the start of the body.
std::string ErrorMessageFromBody(const std::string& body) {
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    if (j.contains("error")) {
      const Json& e = j["error"];
      if (e.is_string()) return e.get<std::string>();
      if (e.is_object() && e.contains("message") && e["message"].is_string()) {
        return e["message"].get<std::string>();
      }
    }
    if (j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
  }
  std::string s = body.substr(0, 300);
  return s.empty() ? "(empty body)" : s;
}

// Consumes complete lines of an SSE body from `pos`; returns true once "[DONE]" was seen.
Result<bool> ConsumeSse(const std::string& body, size_t& pos, std::string& answer,
                        const std::function<void(const std::string&)>& on_token) {
  while (true) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string::npos) return false;
    std::string line = body.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("data:", 0) != 0) continue;  // comments, event names, blank separators
    std::string data = line.substr(5);
    if (!data.empty() && data[0] == ' ') data.erase(0, 1);
    if (data == "[DONE]") return true;
    Json j = Json::parse(data, nullptr, false);
    if (j.is_discarded())
      return Status::Internal("llm: malformed stream event: " + data.substr(0, 200));
    if (j.contains("error"))
      return Status::Unavailable("llm: stream error: " + ErrorMessageFromBody(data));
    if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty()) continue;
    const Json& choice = j["choices"][0];
    if (choice.contains("delta") && choice["delta"].is_object() &&
        choice["delta"].contains("content") && choice["delta"]["content"].is_string()) {
      std::string piece = choice["delta"]["content"].get<std::string>();
      if (!piece.empty()) {
        answer += piece;
        if (on_token) on_token(piece);
      }
    }
  }
}

// Runs one asynchronous operation to completion. Beast's stream timeouts (expires_after) only
// apply to asynchronous operations, so every step is async and driven here, one at a time.
template <class Start>
beast::error_code RunOp(net::io_context& ioc, Start&& start) {
  beast::error_code result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

template <class Stream>
Result<std::string> Exchange(net::io_context& ioc, Stream& stream, beast::tcp_stream& lowest,
                             const http::request<http::string_body>& req, const LlmConfig& cfg,
                             const std::string& where,
                             const std::function<void(const std::string&)>& on_token) {
  const auto timeout = std::chrono::milliseconds(cfg.timeout_ms);
  lowest.expires_after(timeout);
  beast::error_code ec = RunOp(ioc, [&](auto h) { http::async_write(stream, req, h); });
  if (ec) return NetError(ec, where, cfg, "sending the request to");
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  lowest.expires_after(timeout);
  ec = RunOp(ioc, [&](auto h) { http::async_read_header(stream, buffer, parser, h); });
  if (ec) return NetError(ec, where, cfg, "reading the reply of");
  const unsigned status = parser.get().result_int();
  const bool streaming = static_cast<bool>(on_token);
  auto read_some = [&]() {
    lowest.expires_after(timeout);  // per read: a slow but live stream is fine
    return RunOp(ioc, [&](auto h) { http::async_read_some(stream, buffer, parser, h); });
  };
  if (status != 200 || !streaming) {
    while (!parser.is_done()) {
      if ((ec = read_some())) return NetError(ec, where, cfg, "reading the reply of");
    }
    const std::string& body = parser.get().body();
    if (status != 200) {
      return Status::Unavailable("llm: HTTP " + std::to_string(status) + " from " + where + ": " +
                                 ErrorMessageFromBody(body));
    }
    Json j = Json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.contains("choices") || !j["choices"].is_array() ||
        j["choices"].empty() || !j["choices"][0].contains("message")) {
      return Status::Internal("llm: unexpected reply from " + where + ": " + body.substr(0, 300));
    }
    const Json& msg = j["choices"][0]["message"];
    return msg.contains("content") && msg["content"].is_string() ? msg["content"].get<std::string>()
                                                                 : std::string();
  }
  std::string answer;
  size_t pos = 0;
  while (true) {
    RAGDB_ASSIGN_OR_RETURN(bool done, ConsumeSse(parser.get().body(), pos, answer, on_token));
    if (done) return answer;
    if (parser.is_done()) break;
    if ((ec = read_some())) return NetError(ec, where, cfg, "reading the stream of");
  }
  // Some servers end the stream without [DONE]; a trailing event without its newline still counts.
  std::string rest = parser.get().body() + "\n";
  RAGDB_RETURN_IF_ERROR(ConsumeSse(rest, pos, answer, on_token).status());
  return answer;
}

}  // namespace

Result<ParsedUrl> ParseBaseUrl(const std::string& url) {
  ParsedUrl out;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    out.https = true;
    rest = url.substr(8);
  } else {
    return Status::InvalidArgument("llm: base URL must start with http:// or https://: '" + url +
                                   "'");
  }
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  out.path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  size_t colon = hostport.rfind(':');
  if (colon != std::string::npos && hostport.find(']') == std::string::npos) {
    out.host = hostport.substr(0, colon);
    out.port = hostport.substr(colon + 1);
  } else {
    out.host = hostport;
    out.port = out.https ? "443" : "80";
  }
  if (out.host.empty()) return Status::InvalidArgument("llm: base URL has no host: '" + url + "'");
  return out;
}

Result<std::string> ChatComplete(const LlmConfig& cfg, const std::vector<ChatMessage>& messages,
                                 const std::function<void(const std::string&)>& on_token) {
  if (cfg.local()) return LocalChatComplete(cfg, messages, on_token);
  RAGDB_ASSIGN_OR_RETURN(ParsedUrl url, ParseBaseUrl(cfg.base_url));
  const std::string where = url.host + ":" + url.port;
  std::string target = url.path;
  const std::string suffix = "/chat/completions";
  if (target.size() < suffix.size() ||
      target.compare(target.size() - suffix.size(), suffix.size(), suffix) != 0) {
    target += suffix;
  }
  Json body = {{"model", cfg.model},
               {"messages", Json::array()},
               {"temperature", cfg.temperature},
               {"max_tokens", cfg.max_tokens},
               {"stream", static_cast<bool>(on_token)}};
  for (const auto& m : messages)
    body["messages"].push_back({{"role", m.role}, {"content", m.content}});

  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, "ragdb/0.1");
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, on_token ? "text/event-stream" : "application/json");
  if (!cfg.api_key.empty()) req.set(http::field::authorization, "Bearer " + cfg.api_key);
  req.body() = WriteJson(body);
  req.prepare_payload();

  net::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return Status::Unavailable("llm: cannot resolve " + url.host + ": " + ec.message());
  const auto timeout = std::chrono::milliseconds(cfg.timeout_ms);
  if (!url.https) {
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    ec = RunOp(ioc, [&](auto h) { stream.async_connect(endpoints, h); });
    if (ec) return NetError(ec, where, cfg, "cannot connect to");
    auto r = Exchange(ioc, stream, stream, req, cfg, where, on_token);
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return r;
  }
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_default_verify_paths(ec);
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {
    return Status::Unavailable("llm: cannot set TLS server name for " + url.host);
  }
  stream.set_verify_callback(ssl::host_name_verification(url.host));
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(timeout);
  ec = RunOp(ioc, [&](auto h) { lowest.async_connect(endpoints, h); });
  if (ec) return NetError(ec, where, cfg, "cannot connect to");
  lowest.expires_after(timeout);
  ec = RunOp(ioc, [&](auto h) { stream.async_handshake(ssl::stream_base::client, h); });
  if (ec) return NetError(ec, where, cfg, "TLS handshake with");
  auto r = Exchange(ioc, stream, lowest, req, cfg, where, on_token);
  // A peer that skips close_notify is common and harmless here; do not wait long for it.
  lowest.expires_after(std::chrono::milliseconds(std::min(cfg.timeout_ms, 2000)));
  (void)RunOp(ioc, [&](auto h) { stream.async_shutdown(h); });
  return r;
}

}  // namespace ragdb::rag
