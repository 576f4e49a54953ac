// `model pull` against a tiny hub on loopback: redirects, optional 404s, truncated bodies, and a
// refused connection; then Embedder::Load by installed name.
#include "model/model_pull.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "base/file.h"
#include "model/model_cache.h"
#include "model/test_util.h"
#include "ragdb/model.h"

namespace ragdb::model {
namespace {
namespace fs = std::filesystem;

// Serves FIXTURE files as /NAME/resolve/main/FILE. model.safetensors answers 302 to /cdn/...
// (like the hub), files missing from the fixture 404, and under the repo "test/truncated" the
// weights claim more bytes than they send.
class FakeHub {
 public:
  explicit FakeHub(std::string fixture) : fixture_(std::move(fixture)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    listen(fd_, 16);
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~FakeHub() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  int requests() const { return requests_; }

 private:
  void Loop() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = read(c, buf, sizeof(buf));
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      ++requests_;
      std::string path = req.substr(4, req.find(' ', 4) - 4);  // "GET /x HTTP/1.1"
      Send(c, Answer(path));
      close(c);
    }
  }
  static void Send(int c, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = write(c, s.data() + off, s.size() - off);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  std::string Answer(const std::string& path) {
    const std::string kResolve = "/resolve/main/";
    size_t at = path.find(kResolve);
    std::string file, repo;
    if (path.starts_with("/cdn/")) {
      size_t slash = path.find('/', 5);
      repo = path.substr(5, slash - 5);
      file = path.substr(slash + 1);
    } else if (at != std::string::npos) {
      repo = path.substr(1, at - 1);
      file = path.substr(at + kResolve.size());
      if (file == "model.safetensors") {
        std::string flat = repo == "test/truncated" ? "truncated" : "ok";
        return "HTTP/1.1 302 Found\r\nLocation: /cdn/" + flat + "/" + file +
               "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      }
    }
    auto body = ReadFile(fixture_ + "/" + file);
    if (file.empty() || !body.ok()) {
      return "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found";
    }
    size_t claimed = body->size();
    if (repo == "truncated") body->resize(body->size() / 2);
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(claimed) +
           "\r\nConnection: close\r\n\r\n" + *body;
  }

  std::string fixture_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

class ModelPullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = (fs::temp_directory_path() / ("ragdb_pull_" + std::to_string(getpid()))).string();
    fs::remove_all(cache_);
    setenv("RAGDB_MODEL_CACHE", cache_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("RAGDB_MODEL_CACHE");
    unsetenv("RAGDB_HF_ENDPOINT");
    fs::remove_all(cache_);
  }
  std::string cache_;
};

TEST_F(ModelPullTest, PullsVerifiesAndLoadsByName) {
  const std::string fixture = testing::FixtureDir("bert_tiny");
  FakeHub hub(fixture);
  setenv("RAGDB_HF_ENDPOINT", ("http://127.0.0.1:" + std::to_string(hub.port())).c_str(), 1);
  auto r = PullModel("test/bert-tiny");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->dir, cache_ + "/test/bert-tiny");
  for (const char* f : {"config.json", "model.safetensors", "vocab.txt", "tokenizer.json",
                        "1_Pooling/config.json"}) {
    EXPECT_TRUE(fs::exists(r->dir + "/" + f)) << f;
  }
  // Optional files the fixture lacks answered 404 and were skipped.
  EXPECT_FALSE(fs::exists(r->dir + "/special_tokens_map.json"));
  EXPECT_FALSE(fs::exists(cache_ + "/.partial"));

  auto listed = ListInstalledModels();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name, "test/bert-tiny");
  EXPECT_EQ(listed[0].files.size(), r->files.size());
  EXPECT_EQ(listed[0].bytes, r->bytes);

  const std::vector<std::string> texts = {"hello world", "a tiny model"};
  auto by_name = Embedder::Load("test/bert-tiny");
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  auto direct = Embedder::Load(fixture);
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  auto a = (*by_name)->Embed(texts);
  auto b = (*direct)->Embed(texts);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST_F(ModelPullTest, TruncatedBodyFailsAndLeavesNothing) {
  FakeHub hub(testing::FixtureDir("bert_tiny"));
  setenv("RAGDB_HF_ENDPOINT", ("http://127.0.0.1:" + std::to_string(hub.port())).c_str(), 1);
  auto r = PullModel("test/truncated");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("model.safetensors"), std::string::npos);
  EXPECT_FALSE(fs::exists(cache_ + "/test/truncated"));
  EXPECT_FALSE(fs::exists(cache_ + "/.partial"));
  EXPECT_TRUE(ListInstalledModels().empty());
}

TEST_F(ModelPullTest, MissingRepoIsNotFound) {
  FakeHub hub(testing::FixtureDir("bert_tiny") + "/no-such-dir");
  setenv("RAGDB_HF_ENDPOINT", ("http://127.0.0.1:" + std::to_string(hub.port())).c_str(), 1);
  auto r = PullModel("test/missing");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
  EXPECT_FALSE(PullModel("../etc").ok());
}

TEST_F(ModelPullTest, ConnectionRefusedFailsFast) {
  // A port that was just free: nothing listens there.
  int port;
  {
    FakeHub hub(".");
    port = hub.port();
  }
  setenv("RAGDB_HF_ENDPOINT", ("http://127.0.0.1:" + std::to_string(port)).c_str(), 1);
  auto start = std::chrono::steady_clock::now();
  auto r = PullModel("test/bert-tiny");
  ASSERT_FALSE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(r.status().message().find("cannot reach 127.0.0.1"), std::string::npos)
      << r.status().ToString();
  EXPECT_FALSE(fs::exists(cache_ + "/test"));
}

}  // namespace
}  // namespace ragdb::model
