// An HTTP/1.1 client with keep-alive connections for the cluster's calls to etcd's JSON gateway,
// to an S3 endpoint and to other ragdb nodes. Boost.Beast; http:// and https:// (the server's
// certificate verified against the system's CAs, or against `ca_file` for a private CA, and an
// optional client certificate for mutual TLS, as etcd's --client-cert-auth asks for). The
// project's other clients (model/http_get: GET to a file with redirects; rag/llm_client: one chat
// request, SSE) open a connection per call; the cluster makes thousands of small calls per second
// to a few hosts, so this one keeps connections open.
//
// Connections belong to the thread that opened them: each thread has its own event loop, so a
// thread sends several requests at once and waits for all of them with no other thread involved
// (RunConcurrently: a scatter-gather sends one request per node, searches its own shards, then
// collects the replies), and no lock is taken on the way. A call made while another is running on
// the same thread (a local write inside a scatter, which writes to the object store) uses its own
// event loop and connections, one level deeper.
//
// Thread-safe: any thread may call; the client must outlive its calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ragdb/status.h"

namespace ragdb::cluster {

struct HttpUrl {
  bool tls = false;  // https://
  std::string host;
  std::string port;    // "80" ("443" for https) when absent
  std::string target;  // path and query, "/" when absent
  std::string HostPort() const { return host + ":" + port; }
  std::string Origin() const { return (tls ? "https://" : "http://") + HostPort(); }
};
// Parses http[s]://HOST[:PORT][/PATH]; InvalidArgument naming what is wrong otherwise.
Result<HttpUrl> ParseHttpUrl(std::string_view url);

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// TLS settings for https:// URLs; plain http:// ignores them.
struct HttpTlsOptions {
  std::string ca_file;    // PEM CA bundle to trust; empty = the system's CAs
  std::string cert_file;  // PEM client certificate (chain), for mutual TLS; empty = none
  std::string key_file;   // its private key
};

class HttpClient {
 public:
  // Fails when a TLS file cannot be read.
  static Result<std::unique_ptr<HttpClient>> Create(const HttpTlsOptions& tls = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads the reply (any status). Errors: Unavailable when the host cannot
  // be reached, the TLS handshake fails or the connection breaks; DeadlineExceeded past
  // `timeout`. A request on a kept-alive connection that the peer had closed is sent again once
  // on a new connection (before any reply byte arrived).
  Result<HttpReply> Request(const HttpUrl& where, const std::string& method,
                            const std::string& target, std::string_view body,
                            const HttpHeaders& headers, std::chrono::milliseconds timeout);
  // The same, with a whole URL.
  Result<HttpReply> Request(const std::string& method, const std::string& url,
                            std::string_view body, const HttpHeaders& headers,
                            std::chrono::milliseconds timeout);

  // One request of RunConcurrently; `reply` is set when it returns.
  struct Call {
    HttpUrl where;
    std::string method = "POST";
    std::string target;
    std::string_view body;  // must stay valid until RunConcurrently returns
    HttpHeaders headers;
    Result<HttpReply> reply = Status::Unavailable("not sent");
  };
  // Sends every call at once, runs `meanwhile` (may be empty) on this thread while they travel,
  // then waits for every reply or for `timeout`.
  void RunConcurrently(std::span<Call> calls, std::chrono::milliseconds timeout,
                       const std::function<void()>& meanwhile = {});

  struct Impl;  // in http_client.cc

 private:
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ragdb::cluster
