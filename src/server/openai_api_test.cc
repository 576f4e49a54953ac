// The OpenAI-compatible endpoints over real HTTP on loopback.
#include <gtest/gtest.h>

#include <cstring>

#include "ragdb/model.h"
#include "server/test_client.h"
#include "server/test_server.h"

namespace ragdb::server {
namespace {

using testing::Reply;

std::vector<float> DecodeBase64Floats(const std::string& s) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  std::string bytes;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = val(c);
    if (v < 0) break;  // '=' padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  std::vector<float> out(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
  return out;
}

class OpenAiApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // An empty model cache, so /v1/models lists only the built-in hash embedder.
    setenv("RAGDB_MODEL_CACHE", (dir_.path() + "/models").c_str(), 1);
    ServerConfig config;
    config.http.io_threads = 1;
    config.http.worker_threads = 2;
    auto s = testing::TestServer::Start(dir_.path(), config);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
  }
  void TearDown() override {
    server_.reset();
    unsetenv("RAGDB_MODEL_CACHE");
  }
  Reply Post(const Json& body) {
    return testing::Http(server_->port(), "POST", "/v1/embeddings", body.dump(),
                         {{"content-type", "application/json"}});
  }

  testing::TestDir dir_{"ragdb_openai"};
  std::unique_ptr<testing::TestServer> server_;
};

TEST_F(OpenAiApiTest, FloatAndBase64MatchTheEmbedder) {
  const std::vector<std::string> texts = {"hello world", "vector databases"};
  auto embedder = Embedder::Load("hash:64");
  ASSERT_TRUE(embedder.ok());
  auto want = (*embedder)->Embed(texts);
  ASSERT_TRUE(want.ok());

  Reply f = Post({{"model", "hash:64"}, {"input", texts}});
  ASSERT_EQ(f.status, 200) << f.body;
  Json jf = f.json();
  EXPECT_EQ(jf["object"], "list");
  EXPECT_EQ(jf["model"], "hash:64");
  ASSERT_EQ(jf["data"].size(), 2u);
  EXPECT_GT(jf["usage"]["prompt_tokens"].get<int>(), 0);
  EXPECT_EQ(jf["usage"]["total_tokens"], jf["usage"]["prompt_tokens"]);

  Reply b = Post({{"model", "hash:64"}, {"input", texts}, {"encoding_format", "base64"}});
  ASSERT_EQ(b.status, 200) << b.body;
  Json jb = b.json();
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(jf["data"][i]["object"], "embedding");
    EXPECT_EQ(jf["data"][i]["index"], i);
    EXPECT_EQ(jf["data"][i]["embedding"].get<std::vector<float>>(), (*want)[i]);
    EXPECT_EQ(DecodeBase64Floats(jb["data"][i]["embedding"].get<std::string>()), (*want)[i]);
  }

  // A single string is one input.
  Reply one = Post({{"model", "hash:64"}, {"input", "hello world"}});
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json()["data"][0]["embedding"].get<std::vector<float>>(), (*want)[0]);
}

TEST_F(OpenAiApiTest, ErrorsUseOpenAiShape) {
  Reply missing = Post({{"model", "no-such/model"}, {"input", "x"}});
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(missing.json()["error"]["type"], "invalid_request_error");
  EXPECT_NE(missing.json()["error"]["message"].get<std::string>().find("no-such/model"),
            std::string::npos);

  Reply bad_input = Post({{"model", "hash:64"}, {"input", {{"audio", "x"}}}});
  EXPECT_EQ(bad_input.status, 400) << bad_input.body;
  EXPECT_EQ(bad_input.json()["error"]["type"], "invalid_request_error");

  Reply tokens = Post({{"model", "hash:64"}, {"input", {1, 2, 3}}});
  EXPECT_EQ(tokens.status, 400) << tokens.body;

  Reply fmt = Post({{"model", "hash:64"}, {"input", "x"}, {"encoding_format", "int8"}});
  EXPECT_EQ(fmt.status, 400) << fmt.body;
}

TEST_F(OpenAiApiTest, ListsModels) {
  Reply r = testing::Http(server_->port(), "GET", "/v1/models");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = r.json();
  EXPECT_EQ(j["object"], "list");
  ASSERT_GE(j["data"].size(), 1u);
  EXPECT_EQ(j["data"][0]["id"], "hash");
  EXPECT_EQ(j["data"][0]["object"], "model");
  EXPECT_EQ(j["data"][0]["owned_by"], "ragdb");
}

}  // namespace
}  // namespace ragdb::server
