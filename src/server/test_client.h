// A tiny blocking HTTP/1.1 client for tests: raw sockets (and OpenSSL for TLS), so tests can
// also send partial or malformed requests that a real client library would refuse to send.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ragdb/json.h"

namespace ragdb::server::testing {

struct Reply {
  int status = 0;                              // 0 = no response (connection closed or error)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::vector<std::string> chunks;  // the pieces of a chunked body, as framed
  bool complete = false;            // the whole body arrived (for chunked: the last chunk too)
  Json json() const { return Json::parse(body, nullptr, false); }
};

class TestConn {
 public:
  // Connects to 127.0.0.1:port; with tls, does a TLS handshake without verifying the peer.
  explicit TestConn(int port, bool tls = false);
  ~TestConn();
  bool ok() const { return fd_ >= 0; }
  bool SendRaw(const std::string& bytes);
  // Reads one response (Content-Length or chunked framing); status 0 when the peer closed first.
  Reply ReadReply(int timeout_ms = 10000);
  Reply Request(const std::string& method, const std::string& target, const std::string& body = "",
                const std::vector<std::pair<std::string, std::string>>& headers = {});
  // True when the peer has closed the connection (read returns 0 within timeout_ms).
  bool PeerClosed(int timeout_ms = 2000);

 private:
  int Read(char* buf, int n, int timeout_ms);
  int fd_ = -1;
  void* ssl_ = nullptr;
  void* ctx_ = nullptr;
  std::string pending_;
};

// A fresh folder per test, TMP/<prefix>_<pid>_<test name>, emptied first and removed at the end.
class TestDir {
 public:
  explicit TestDir(const std::string& prefix);
  ~TestDir();
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One request on a fresh connection.
Reply Http(int port, const std::string& method, const std::string& target,
           const std::string& body = "",
           const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace ragdb::server::testing
