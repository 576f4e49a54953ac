// The transport against a trivial handler: keep-alive, limits, timeouts, TLS, shutdown.
#include "server/http_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "server/test_client.h"

namespace ragdb::server {
namespace {

using testing::Http;
using testing::TestConn;

HttpResponse Echo(const HttpRequest& r) {
  if (r.path == "/throw") throw std::runtime_error("boom");
  if (r.path == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(400));
  HttpResponse out;
  out.body = Json{{"method", r.method},
                  {"path", r.path},
                  {"q", std::string(r.Query("q"))},
                  {"len", r.body.size()}}
                 .dump();
  return out;
}

HttpServerOptions SmallOptions() {
  HttpServerOptions o;
  o.port = 0;
  o.io_threads = 2;
  o.worker_threads = 4;
  o.max_body_bytes = 1024;
  o.header_timeout = std::chrono::milliseconds(300);
  o.body_timeout = std::chrono::milliseconds(300);
  o.idle_timeout = std::chrono::milliseconds(2000);
  o.access_log = false;
  return o;
}

TEST(HttpServerTest, KeepAliveAndQuery) {
  auto s = HttpServer::Start(SmallOptions(), Echo);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  int port = (*s)->port();
  TestConn c(port);
  ASSERT_TRUE(c.ok());
  for (int i = 0; i < 3; ++i) {
    auto r = c.Request("GET", "/a/b?q=x%20y");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["path"], "/a/b");
    EXPECT_EQ(r.json()["q"], "x y");
  }
  auto r = c.Request("POST", "/p", "{\"a\":1}");
  EXPECT_EQ(r.json()["len"], 7);
}

TEST(HttpServerTest, HandlerExceptionIs500AndServerStaysUp) {
  auto s = HttpServer::Start(SmallOptions(), Echo);
  ASSERT_TRUE(s.ok());
  int port = (*s)->port();
  auto r = Http(port, "GET", "/throw");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.json()["status"]["error"].get<std::string>().find("boom"), std::string::npos);
  EXPECT_EQ(Http(port, "GET", "/ok").status, 200);
}

TEST(HttpServerTest, BodyOverLimitIs413) {
  auto s = HttpServer::Start(SmallOptions(), Echo);
  ASSERT_TRUE(s.ok());
  int port = (*s)->port();
  EXPECT_EQ(Http(port, "POST", "/p", std::string(2000, 'x')).status, 413);
  // Chunked: no Content-Length up front, the parser's body limit catches it.
  TestConn c(port);
  std::string chunk(1500, 'y');
  char hex[16];
  snprintf(hex, sizeof(hex), "%zx", chunk.size());
  c.SendRaw("POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(hex) +
            "\r\n" + chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(c.ReadReply().status, 413);
  EXPECT_EQ(Http(port, "GET", "/ok").status, 200);
}

TEST(HttpServerTest, SlowlorisGets408AndServerStaysUp) {
  auto s = HttpServer::Start(SmallOptions(), Echo);
  ASSERT_TRUE(s.ok());
  int port = (*s)->port();
  TestConn slow_header(port);
  slow_header.SendRaw("GET /x HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  TestConn slow_body(port);
  slow_body.SendRaw("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":");
  // Meanwhile the server answers others.
  EXPECT_EQ(Http(port, "GET", "/ok").status, 200);
  auto r1 = slow_header.ReadReply(3000);
  EXPECT_EQ(r1.status, 408);
  EXPECT_TRUE(slow_header.PeerClosed());
  auto r2 = slow_body.ReadReply(3000);
  EXPECT_EQ(r2.status, 408);
  EXPECT_EQ(Http(port, "GET", "/ok").status, 200);
  EXPECT_GE((*s)->stats().rejected_timeout.load(), 2u);
}

TEST(HttpServerTest, MalformedRequestIs400) {
  auto s = HttpServer::Start(SmallOptions(), Echo);
  ASSERT_TRUE(s.ok());
  TestConn c((*s)->port());
  c.SendRaw("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(c.ReadReply().status, 400);
}

TEST(HttpServerTest, TooManyConcurrentRequestsIs429) {
  auto o = SmallOptions();
  o.max_concurrent_requests = 1;
  auto s = HttpServer::Start(o, Echo);
  ASSERT_TRUE(s.ok());
  int port = (*s)->port();
  TestConn a(port), b(port);
  a.SendRaw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto rb = b.Request("GET", "/ok");
  EXPECT_EQ(rb.status, 429);
  EXPECT_EQ(rb.headers["retry-after"], "1");
  EXPECT_EQ(a.ReadReply().status, 200);
  EXPECT_EQ(b.Request("GET", "/ok").status, 200);  // the same connection is still usable
}

TEST(HttpServerTest, GracefulShutdownFinishesInFlight) {
  auto s = HttpServer::Start(SmallOptions(), Echo);
  ASSERT_TRUE(s.ok());
  int port = (*s)->port();
  TestConn idle(port);
  ASSERT_TRUE(idle.ok());
  TestConn busy(port);
  busy.SendRaw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::thread stopper([&] { (*s)->Shutdown(std::chrono::seconds(5)); });
  auto r = busy.ReadReply(3000);
  stopper.join();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(idle.PeerClosed());
  EXPECT_FALSE(TestConn(port).ok());  // no longer accepting
}

HttpResponse Streamer(const HttpRequest& r) {
  HttpResponse out;
  out.content_type = "text/event-stream";
  if (r.path == "/stream-throw") {
    out.stream = [](const StreamWriter& write) {
      write("data: 1\n\n");
      throw std::runtime_error("producer failed");
    };
    return out;
  }
  const bool slow = r.path == "/stream-slow";
  out.stream = [slow](const StreamWriter& write) {
    for (int i = 0; i < (slow ? 100000 : 3); ++i) {
      write("");  // empty pieces must not end the body
      if (!write("data: " + std::to_string(i) + "\n\n")) return;
    }
  };
  return out;
}

TEST(HttpServerTest, StreamedBodyArrivesAsChunksAndConnectionIsReused) {
  auto s = HttpServer::Start(SmallOptions(), Streamer);
  ASSERT_TRUE(s.ok());
  TestConn c((*s)->port());
  for (int round = 0; round < 2; ++round) {
    auto r = c.Request("GET", "/stream");
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(r.headers["content-type"], "text/event-stream");
    EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
    ASSERT_EQ(r.chunks.size(), 3u);
    EXPECT_EQ(r.chunks[1], "data: 1\n\n");
    EXPECT_EQ(r.body, "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  }
}

TEST(HttpServerTest, StreamThatThrowsClosesTheConnectionWithoutTheLastChunk) {
  auto s = HttpServer::Start(SmallOptions(), Streamer);
  ASSERT_TRUE(s.ok());
  TestConn c((*s)->port());
  auto r = c.Request("GET", "/stream-throw");
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.complete);  // a client can tell the body was cut short
  EXPECT_EQ((*s)->stats().handler_exceptions.load(), 1u);
  EXPECT_EQ(Http((*s)->port(), "GET", "/stream").status, 200);  // the server stays up
}

TEST(HttpServerTest, ClientLeavingStopsTheProducer) {
  auto s = HttpServer::Start(SmallOptions(), Streamer);
  ASSERT_TRUE(s.ok());
  {
    TestConn c((*s)->port());
    c.SendRaw("GET /stream-slow HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }  // closed with the body unread: writes fail, the producer returns
  for (int i = 0; i < 100 && (*s)->stats().requests_in_flight.load() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ((*s)->stats().requests_in_flight.load(), 0);
  (*s)->Shutdown(std::chrono::seconds(2));
}

TEST(HttpServerTest, Tls) {
  auto dir = std::filesystem::temp_directory_path() / ("ragdb_tls_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto o = SmallOptions();
  o.tls_cert_file = cert;
  o.tls_key_file = key;
  auto s = HttpServer::Start(o, Echo);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE((*s)->tls());
  TestConn c((*s)->port(), /*tls=*/true);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.Request("GET", "/secure").status, 200);
  EXPECT_EQ(c.Request("GET", "/again").json()["path"], "/again");
  // Plain HTTP to a TLS port gets no HTTP answer.
  EXPECT_EQ(Http((*s)->port(), "GET", "/plain").status, 0);
  o.tls_key_file = (dir / "missing.pem").string();
  EXPECT_FALSE(HttpServer::Start(o, Echo).ok());
  std::filesystem::remove_all(dir);
}

TEST(HttpServerTest, BadAddressFails) {
  auto o = SmallOptions();
  o.host = "not-an-ip";
  EXPECT_FALSE(HttpServer::Start(o, Echo).ok());
}

}  // namespace
}  // namespace ragdb::server
