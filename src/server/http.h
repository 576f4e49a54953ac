// The HTTP interface that the rest of the server sees. The HTTP library (Boost.Beast) stays inside
// http_server.cc: handlers see only these plain structs, so routing, auth and the Qdrant API are
// testable without sockets and the library could be swapped.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ragdb::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: "/collections/a%20b/points?wait=true"
  std::string path;    // target without the query string, still percent-encoded
  std::vector<std::pair<std::string, std::string>> query;    // decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote;  // peer address, for the access log

  // The first header with this (lower-case) name; empty when absent.
  std::string_view Header(std::string_view lower_name) const;
  // The decoded query parameter; `fallback` when absent.
  std::string_view Query(std::string_view name, std::string_view fallback = {}) const;
};

// Writes one piece of a streamed body; returns false once the client is gone (or too slow), so
// the producer can stop early.
using StreamWriter = std::function<bool(std::string_view)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // Set for a body produced while it is sent (server-sent events): the transport sends the
  // headers with chunked transfer encoding, then calls `stream` on the handler's thread; each
  // write is one chunk on the wire, sent before write returns. `body` is ignored.
  std::function<void(const StreamWriter& write)> stream;
  // Set for an answer made later on another thread (a write another cluster node forwarded
  // here waits for its shard's group commit, which runs on the commit threads): once the
  // handler returns, the transport calls `deferred` with a `respond` function, and sends what
  // respond is given, from whichever thread calls it. Calls after the first are ignored; if
  // every copy of respond is dropped without a call, the client gets a 500. The request counts
  // as in flight until then. `body` and `stream` are ignored.
  using Respond = std::function<void(HttpResponse)>;
  std::function<void(Respond respond)> deferred;
};

// The one entry point the transport calls. It must not throw; the transport still catches
// everything and answers 500, so a bug costs one request, never the process.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Qdrant's error body: {"status": {"error": message}, "time": seconds}.
HttpResponse ErrorResponse(int status, std::string_view message, double seconds = 0);

// Percent-decoding ('+' is kept: it is literal in paths). Returns false on a malformed escape.
bool PercentDecode(std::string_view in, std::string* out);
// Splits "a=1&b=x%20y" into decoded pairs; malformed escapes are kept as they are.
std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view qs);

}  // namespace ragdb::server
