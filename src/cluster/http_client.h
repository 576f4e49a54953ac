// A blocking HTTP/1.1 client with keep-alive connections, for the cluster's calls to etcd's JSON
// gateway, to an S3 endpoint and to other ragdb nodes. Boost.Beast, plain http:// only (etcd,
// object store and peers are reached over the cluster's network; TLS there is left to a
// service mesh for now). The project's other clients (model/http_get: GET to a file with
// redirects; rag/llm_client: one chat request, SSE) open a connection per call; the cluster
// makes thousands of small calls per second to a few hosts, so this one keeps connections open.
//
// Thread-safe: many threads may call Request at once; each call uses its own connection.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ragdb/status.h"

namespace ragdb::cluster {

struct HttpUrl {
  std::string host;
  std::string port;    // "80" when absent
  std::string target;  // path and query, "/" when absent
  std::string HostPort() const { return host + ":" + port; }
};
// Parses http://HOST[:PORT][/PATH]; InvalidArgument for anything else (https included, naming
// why).
Result<HttpUrl> ParseHttpUrl(std::string_view url);

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request to host:port and reads the reply (any status). Errors: Unavailable when
  // the host cannot be reached or the connection breaks, DeadlineExceeded past `timeout`. A
  // request on a kept-alive connection that the peer had closed is sent again once on a new
  // connection (before any reply byte arrived).
  Result<HttpReply> Request(const HttpUrl& where, const std::string& method,
                            const std::string& target, std::string_view body,
                            const HttpHeaders& headers, std::chrono::milliseconds timeout);
  // The same, with a whole URL.
  Result<HttpReply> Request(const std::string& method, const std::string& url,
                            std::string_view body, const HttpHeaders& headers,
                            std::chrono::milliseconds timeout);

  // Closes every idle connection (a node that lost its lease drops its sessions).
  void CloseIdle();

 private:
  struct Conn;
  std::unique_ptr<Conn> Take(const std::string& host_port);
  void Give(const std::string& host_port, std::unique_ptr<Conn> c);

  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<Conn>>> idle_;
};

}  // namespace ragdb::cluster
