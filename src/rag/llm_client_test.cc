// The LLM path against a local OpenAI-protocol server on loopback: plain and streamed replies,
// an HTTP 500, a server that never answers (timeout) and a refused connection. Each failure is a
// clear error and no answer at all (never a partial one).
#include "rag/llm_client.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "rag/pipeline_test_util.h"
#include "ragdb/rag.h"

namespace ragdb::rag {
namespace {

using ::testing::HasSubstr;

// One request per connection; the path picks the behaviour.
class FakeLlmServer {
 public:
  FakeLlmServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 16);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~FakeLlmServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    acceptor_.join();
    for (auto& t : workers_) t.join();
  }
  std::string Url(const std::string& mode) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + mode + "/v1";
  }
  std::string last_body() {
    std::lock_guard<std::mutex> l(mu_);
    return last_body_;
  }
  std::string reply = "The lighthouse guides ships [1]. Invented claim [7]. Bees [2].";

 private:
  void AcceptLoop() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      workers_.emplace_back([this, c] { Serve(c); });
    }
  }
  static void Send(int c, const std::string& s) { (void)!write(c, s.data(), s.size()); }
  void Serve(int c) {
    std::string req;
    char buf[4096];
    size_t need = std::string::npos;
    while (true) {
      ssize_t n = read(c, buf, sizeof(buf));
      if (n <= 0) break;
      req.append(buf, n);
      size_t hdr = req.find("\r\n\r\n");
      if (hdr != std::string::npos && need == std::string::npos) {
        std::smatch m;
        std::regex cl("[Cc]ontent-[Ll]ength: *(\\d+)");
        std::string head = req.substr(0, hdr);
        need = hdr + 4 + (std::regex_search(head, m, cl) ? std::stoul(m[1].str()) : 0);
      }
      if (need != std::string::npos && req.size() >= need) break;
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      size_t hdr = req.find("\r\n\r\n");
      last_body_ = hdr == std::string::npos ? "" : req.substr(hdr + 4);
    }
    std::string path = req.substr(req.find(' ') + 1);
    path = path.substr(0, path.find(' '));
    if (path.rfind("/ok/", 0) == 0) {
      Json body = {{"choices", {{{"message", {{"role", "assistant"}, {"content", reply}}}}}}};
      std::string b = body.dump();
      Send(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(b.size()) + "\r\nConnection: close\r\n\r\n" + b);
    } else if (path.rfind("/stream/", 0) == 0) {
      Send(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
      for (const char* piece : {"The lighthouse ", "guides ships ", "[1]."}) {
        Json ev = {{"choices", {{{"delta", {{"content", piece}}}}}}};
        Send(c, "data: " + ev.dump() + "\n\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      Send(c, "data: [DONE]\n\n");
    } else if (path.rfind("/fail/", 0) == 0) {
      std::string b = R"({"error": {"message": "model overloaded", "type": "server_error"}})";
      Send(c,
           "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
               std::to_string(b.size()) + "\r\nConnection: close\r\n\r\n" + b);
    } else if (path.rfind("/hang/", 0) == 0) {
      // Never answers; the client must give up on its own.
      for (int i = 0; i < 30 && !stop_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    close(c);
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::string last_body_;
};

class LlmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = OpenTestDb(data_.path());
    kb_ = std::move(KnowledgeBase::Create(*db_, "kb", {})).value();
    ASSERT_TRUE(kb_->IngestText("ships.md",
                                "# Lighthouses\n\nA lighthouse guides ships at night "
                                "with a bright light.")
                    .ok());
    ASSERT_TRUE(kb_->IngestText("bees.txt",
                                "Honey bees guide each other to flowers with a dance. "
                                "Ships do not.")
                    .ok());
  }
  AskOptions Options(const std::string& mode) {
    AskOptions o;
    o.llm.base_url = server_.Url(mode);
    o.llm.model = "test-model";
    o.llm.api_key = "secret";
    o.llm.timeout_ms = 400;
    return o;
  }
  TempDir data_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<KnowledgeBase> kb_;
  FakeLlmServer server_;
};

TEST_F(LlmTest, GeneratesFromNumberedSourcesAndDropsUnknownCitations) {
  auto a = Ask(*kb_, "How do lighthouses guide ships?", Options("ok"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->mode, "llm");
  EXPECT_THAT(a->answer, HasSubstr("[1]"));
  EXPECT_THAT(a->answer, ::testing::Not(HasSubstr("[7]")));
  std::set<int> ns;
  for (const auto& c : a->citations) ns.insert(c.n);
  EXPECT_EQ(ns, (std::set<int>{1, 2}));
  Json sent = Json::parse(server_.last_body());
  EXPECT_EQ(sent["model"], "test-model");
  EXPECT_EQ(sent["stream"], false);
  std::string prompt = sent["messages"][1]["content"];
  EXPECT_THAT(prompt, HasSubstr("[1] "));
  EXPECT_THAT(prompt, HasSubstr("Question: How do lighthouses guide ships?"));
}

TEST_F(LlmTest, StreamsTokens) {
  AskOptions o = Options("stream");
  std::vector<std::string> pieces;
  o.on_token = [&](const std::string& p) { pieces.push_back(p); };
  auto a = Ask(*kb_, "How do lighthouses guide ships?", o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(pieces.size(), 3u);
  EXPECT_EQ(a->answer, "The lighthouse guides ships [1].");
  ASSERT_EQ(a->citations.size(), 1u);
  EXPECT_EQ(a->citations[0].n, 1);
  EXPECT_EQ(Json::parse(server_.last_body())["stream"], true);
}

TEST_F(LlmTest, ServerErrorIsReportedWithItsMessage) {
  auto a = Ask(*kb_, "How do lighthouses guide ships?", Options("fail"));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(a.status().message(), HasSubstr("HTTP 500"));
  EXPECT_THAT(a.status().message(), HasSubstr("model overloaded"));
}

TEST_F(LlmTest, SilentServerTimesOut) {
  auto start = std::chrono::steady_clock::now();
  for (bool stream : {false, true}) {
    AskOptions o = Options("hang");
    if (stream) o.on_token = [](const std::string&) {};
    auto a = Ask(*kb_, "How do lighthouses guide ships?", o);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.status().code(), StatusCode::kDeadlineExceeded) << a.status().ToString();
    EXPECT_THAT(a.status().message(), HasSubstr("400 ms"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(LlmTest, RefusedConnection) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  close(s);  // nothing listens on this port now
  AskOptions o = Options("ok");
  o.llm.base_url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/v1";
  auto a = Ask(*kb_, "How do lighthouses guide ships?", o);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(a.status().message(), HasSubstr("cannot connect"));
  EXPECT_THAT(a.status().message(), HasSubstr("refused"));
}

TEST(LlmUrlTest, ParsesBaseUrls) {
  auto u = ParseBaseUrl("https://api.example.com/v1/");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->https);
  EXPECT_EQ(u->host, "api.example.com");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->path, "/v1");
  u = ParseBaseUrl("http://localhost:11434/v1");
  EXPECT_EQ(u->port, "11434");
  EXPECT_FALSE(ParseBaseUrl("ftp://x").ok());
}

}  // namespace
}  // namespace ragdb::rag
