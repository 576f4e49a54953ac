#include "server/test_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace ragdb::server::testing {

TestConn::TestConn(int port, bool tls) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (tls) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd_);
    if (SSL_connect(ssl) != 1) {
      SSL_free(ssl);
      SSL_CTX_free(ctx);
      close(fd_);
      fd_ = -1;
      return;
    }
    ssl_ = ssl;
    ctx_ = ctx;
  }
}

TestConn::~TestConn() {
  if (ssl_) {
    SSL_free(static_cast<SSL*>(ssl_));
    SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  }
  if (fd_ >= 0) close(fd_);
}

bool TestConn::SendRaw(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    int n = ssl_
                ? SSL_write(static_cast<SSL*>(ssl_), bytes.data() + off,
                            static_cast<int>(bytes.size() - off))
                : static_cast<int>(send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL));
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

int TestConn::Read(char* buf, int n, int timeout_ms) {
  if (ssl_ && SSL_pending(static_cast<SSL*>(ssl_)) > 0) {
    return SSL_read(static_cast<SSL*>(ssl_), buf, n);
  }
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return -2;  // timeout
  if (ssl_) return SSL_read(static_cast<SSL*>(ssl_), buf, n);
  return static_cast<int>(recv(fd_, buf, static_cast<size_t>(n), 0));
}

bool TestConn::PeerClosed(int timeout_ms) {
  char buf[256];
  int n = Read(buf, sizeof(buf), timeout_ms);
  return n == 0 || n == -1;
}

Reply TestConn::ReadReply(int timeout_ms) {
  Reply r;
  std::string& data = pending_;
  char buf[65536];
  size_t header_end;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    int n = Read(buf, sizeof(buf), timeout_ms);
    if (n <= 0) return r;
    data.append(buf, static_cast<size_t>(n));
  }
  std::string head = data.substr(0, header_end);
  data.erase(0, header_end + 4);
  size_t sp = head.find(' ');
  r.status = std::atoi(head.c_str() + sp + 1);
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos) {
    size_t next = head.find("\r\n", pos + 2);
    std::string line =
        head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string k = line.substr(0, colon);
      for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t v = line.find_first_not_of(' ', colon + 1);
      r.headers[k] = v == std::string::npos ? "" : line.substr(v);
    }
    pos = next;
  }
  auto fill = [&](size_t want) {
    while (data.size() < want) {
      int n = Read(buf, sizeof(buf), timeout_ms);
      if (n <= 0) return false;
      data.append(buf, static_cast<size_t>(n));
    }
    return true;
  };
  if (r.headers["transfer-encoding"] == "chunked") {
    // size CRLF data CRLF ... 0 CRLF CRLF; r.chunks keeps the pieces as they were framed.
    for (;;) {
      size_t eol;
      while ((eol = data.find("\r\n")) == std::string::npos) {
        if (!fill(data.size() + 1)) return r;
      }
      size_t size = std::stoul(data.substr(0, eol), nullptr, 16);
      if (!fill(eol + 2 + size + 2)) return r;
      if (size == 0) {
        data.erase(0, eol + 4);
        r.complete = true;
        return r;
      }
      r.chunks.push_back(data.substr(eol + 2, size));
      r.body += r.chunks.back();
      data.erase(0, eol + 2 + size + 2);
    }
  }
  r.complete = true;
  size_t len = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
  while (data.size() < len) {
    int n = Read(buf, sizeof(buf), timeout_ms);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  r.body = data.substr(0, len);
  data.erase(0, std::min(len, data.size()));
  return r;
}

Reply TestConn::Request(const std::string& method, const std::string& target,
                        const std::string& body,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  bool typed = false;
  for (const auto& [k, v] : headers) typed = typed || strcasecmp(k.c_str(), "content-type") == 0;
  if (!body.empty() || method == "POST" || method == "PUT") {
    if (!typed) req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  if (!SendRaw(req)) return {};
  return ReadReply();
}

TestDir::TestDir(const std::string& prefix) {
  path_ = (std::filesystem::temp_directory_path() /
           (prefix + "_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name()))
              .string();
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TestDir::~TestDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Reply Http(int port, const std::string& method, const std::string& target, const std::string& body,
           const std::vector<std::pair<std::string, std::string>>& headers) {
  TestConn c(port);
  if (!c.ok()) return {};
  return c.Request(method, target, body, headers);
}

}  // namespace ragdb::server::testing
