// ragdb's additions to the HTTP API (used by the Python client): /ragdb/collections (create from
// a ragdb schema, describe, drop, optimize), filters as expression strings, "with_text",
// params.nprobe, inference documents naming the field's embedder, and `history` in /ask.
// Real server on loopback, malformed input included.
#include <gtest/gtest.h>

#include <set>

#include "server/test_client.h"
#include "server/test_server.h"

namespace ragdb::server {
namespace {

using testing::Reply;

class ExtensionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerConfig config;
    config.http.io_threads = 1;
    config.http.worker_threads = 2;
    auto s = testing::TestServer::Start(dir.path(), config);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
  }
  Reply Call(const std::string& method, const std::string& target, const Json& body = nullptr) {
    return testing::Http(server_->port(), method, target, body.is_null() ? "" : body.dump());
  }
  // Collection "t": 64-d cosine vectors embedded from text by "hash:64", BM25 text, 3 points.
  void CreateTexts() {
    Json schema = {{"vectors", {{{"dim", 64}, {"embedder", "hash:64"}}}}, {"text", Json::object()}};
    auto r = Call("PUT", "/ragdb/collections/t", schema);
    ASSERT_EQ(r.status, 200) << r.body;
    Json pts = Json::array();
    const char* texts[] = {"red apples", "fast cars", "green apples"};
    for (int i = 0; i < 3; ++i) {
      pts.push_back({{"id", i + 1},
                     {"vector", {{"text", {{"text", texts[i]}, {"model", "qdrant/bm25"}}}}},
                     {"payload", {{"n", i + 1}}}});
    }
    r = Call("PUT", "/collections/t/points?wait=true", {{"points", pts}});
    ASSERT_EQ(r.status, 200) << r.body;
  }

  testing::TestDir dir{"ragdb_ext"};
  std::unique_ptr<testing::TestServer> server_;
};

TEST_F(ExtensionsTest, RagdbCollectionLifecycle) {
  Json schema = {{"vectors",
                  {{{"dim", 8},
                    {"metric", "l2"},
                    {"element_type", "float16"},
                    {"index", {{"type", "hnsw"}, {"m", 8}}}}}},
                 {"text", {{"analyzer", "whitespace"}}},
                 {"payload_indexes", {{{"path", "cat"}, {"type", "keyword"}}}}};
  auto r = Call("PUT", "/ragdb/collections/c", schema);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call("PUT", "/ragdb/collections/c", schema).status, 409);
  auto info = Call("GET", "/ragdb/collections/c");
  ASSERT_EQ(info.status, 200) << info.body;
  Json got = info.json()["result"];
  EXPECT_EQ(got["points"], 0);
  EXPECT_EQ(got["schema"]["vectors"][0]["element_type"], "float16");
  EXPECT_EQ(got["schema"]["vectors"][0]["index"]["m"], 8);
  EXPECT_EQ(got["schema"]["text"]["analyzer"], "whitespace");
  // The Qdrant view of the same collection.
  EXPECT_EQ(Call("GET", "/collections/c").json()["result"]["config"]["params"]["vectors"]["size"],
            8);
  auto opt = Call("POST", "/ragdb/collections/c/optimize");
  ASSERT_EQ(opt.status, 200) << opt.body;
  EXPECT_EQ(opt.json()["result"]["name"], "c");
  EXPECT_EQ(Call("DELETE", "/ragdb/collections/c").status, 200);
  EXPECT_EQ(Call("DELETE", "/ragdb/collections/c").status, 404);
  EXPECT_EQ(Call("GET", "/ragdb/collections/c").status, 404);
  EXPECT_EQ(Call("POST", "/ragdb/collections/c/optimize").status, 404);
}

TEST_F(ExtensionsTest, RagdbCollectionMalformedInput) {
  auto unknown = Call("PUT", "/ragdb/collections/c", {{"vectors", {{{"dim", 4}, {"dims", 4}}}}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("dims"), std::string::npos) << unknown.body;
  EXPECT_EQ(Call("PUT", "/ragdb/collections/c", Json::array()).status, 400);
  EXPECT_EQ(testing::Http(server_->port(), "PUT", "/ragdb/collections/c", "{\"vectors\": [").status,
            400);
  EXPECT_EQ(Call("PUT", "/ragdb/collections/c", {{"vectors", {{{"dim", 0}}}}}).status, 400);
  EXPECT_EQ(Call("PUT", "/ragdb/collections/.hidden", {{"vectors", {{{"dim", 4}}}}}).status, 400);
  // Embedders are installed names or hash, never a folder of the server's.
  auto folder =
      Call("PUT", "/ragdb/collections/c", {{"vectors", {{{"dim", 4}, {"embedder", "/etc"}}}}});
  EXPECT_EQ(folder.status, 400);
  EXPECT_NE(folder.body.find("not installed"), std::string::npos) << folder.body;
  EXPECT_EQ(Call("GET", "/collections/c").status, 404);  // nothing was created
}

TEST_F(ExtensionsTest, ExpressionFiltersAndWithText) {
  CreateTexts();
  auto count = Call("POST", "/collections/t/points/count", {{"filter", "n >= 2"}});
  ASSERT_EQ(count.status, 200) << count.body;
  EXPECT_EQ(count.json()["result"]["count"], 2);
  auto bad = Call("POST", "/collections/t/points/count", {{"filter", "n >="}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("column"), std::string::npos) << bad.body;
  EXPECT_EQ(Call("POST", "/collections/t/points/count", {{"filter", 7}}).status, 400);

  // "text" comes back only when asked, so Qdrant's shapes are unchanged otherwise.
  auto plain = Call("POST", "/collections/t/points", {{"ids", {1}}});
  EXPECT_FALSE(plain.json()["result"][0].contains("text"));
  auto with = Call("POST", "/collections/t/points", {{"ids", {1}}, {"with_text", true}});
  EXPECT_EQ(with.json()["result"][0]["text"], "red apples");
  auto scroll = Call("POST", "/collections/t/points/scroll", {{"with_text", true}});
  EXPECT_EQ(scroll.json()["result"]["points"][2]["text"], "green apples");
  auto q = Call("POST", "/collections/t/points/query",
                {{"query", {{"text", "apples"}, {"model", "qdrant/bm25"}}},
                 {"filter", "n == 3"},
                 {"with_text", true}});
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(q.json()["result"]["points"][0]["text"], "green apples");
  auto fused = Call(
      "POST", "/collections/t/points/query",
      {{"prefetch", {{{"query", {{"text", "apples"}, {"model", "qdrant/bm25"}}}}, {{"query", 2}}}},
       {"query", {{"fusion", "rrf"}}},
       {"with_text", true}});
  ASSERT_EQ(fused.status, 200) << fused.body;
  Json fused_points = fused.json()["result"]["points"];
  EXPECT_EQ(fused_points.size(), 2u);  // 1 and 3: the example point itself is left out
  for (const auto& p : fused_points) EXPECT_TRUE(p["text"].is_string());
  EXPECT_EQ(Call("POST", "/collections/t/points", {{"ids", {1}}, {"with_text", "yes"}}).status,
            400);
}

TEST_F(ExtensionsTest, InferenceByTheFieldsEmbedder) {
  CreateTexts();
  auto r = Call("POST", "/collections/t/points/query",
                {{"query", {{"text", "apples"}, {"model", "hash:64"}}}, {"limit", 2}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::set<int> ids;
  Json points = r.json()["result"]["points"];
  for (const auto& p : points) ids.insert(p["id"].get<int>());
  EXPECT_EQ(ids, (std::set<int>{1, 3})) << r.body;
  auto other = Call("POST", "/collections/t/points/query",
                    {{"query", {{"text", "apples"}, {"model", "sentence-transformers/x"}}}});
  EXPECT_EQ(other.status, 501);
  EXPECT_NE(other.body.find("not the embedder"), std::string::npos) << other.body;
  EXPECT_EQ(
      Call("POST", "/collections/t/points/query", {{"query", {{"text", 5}, {"model", "hash:64"}}}})
          .status,
      400);
}

TEST_F(ExtensionsTest, Nprobe) {
  Json schema = {{"vectors", {{{"dim", 2}, {"metric", "l2"}, {"index", {{"type", "ivf_flat"}}}}}}};
  ASSERT_EQ(Call("PUT", "/ragdb/collections/v", schema).status, 200);
  Json pts = Json::array();
  for (int i = 0; i < 1100; ++i) pts.push_back({{"id", i}, {"vector", {i % 33, i / 33}}});
  ASSERT_EQ(Call("PUT", "/collections/v/points?wait=true", {{"points", pts}}).status, 200);
  ASSERT_EQ(Call("POST", "/ragdb/collections/v/optimize").status, 200);
  auto r = Call("POST", "/collections/v/points/query",
                {{"query", {5, 7}}, {"limit", 1}, {"params", {{"nprobe", 64}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["result"]["points"][0]["id"], 7 * 33 + 5);
  EXPECT_EQ(
      Call("POST", "/collections/v/points/query", {{"query", {5, 7}}, {"params", {{"nprobe", -1}}}})
          .status,
      400);
}

TEST_F(ExtensionsTest, AskWithHistory) {
  ASSERT_EQ(Call("POST", "/ragdb/kb/kb/documents",
                 {{"source", "tents.md"}, {"text", "# Tents\n\nThe tent weighs 900 grams."}})
                .status,
            200);
  Json history = {{{"role", "user"}, {"content", "how heavy is the tent?"}},
                  {{"role", "assistant"}, {"content", "900 grams."}}};
  auto r = Call("POST", "/ragdb/kb/kb/ask", {{"question", "tell me more"}, {"history", history}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["result"]["citations"][0]["source"], "tents.md");
  auto role = Call("POST", "/ragdb/kb/kb/ask",
                   {{"question", "q"}, {"history", {{{"role", "system"}, {"content", "x"}}}}});
  EXPECT_EQ(role.status, 400);
  EXPECT_EQ(Call("POST", "/ragdb/kb/kb/ask", {{"question", "q"}, {"history", "x"}}).status, 400);
  EXPECT_EQ(Call("POST", "/ragdb/kb/kb/ask",
                 {{"question", "q"}, {"history", {{{"role", "user"}, {"text", "x"}}}}})
                .status,
            400);
}

}  // namespace
}  // namespace ragdb::server
