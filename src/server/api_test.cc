// The Qdrant API, auth and snapshots over real HTTP against a real database in a temp folder.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "server/test_client.h"
#include "server/test_server.h"

namespace ragdb::server {
namespace {

using testing::Reply;
using Headers = std::vector<std::pair<std::string, std::string>>;

class ApiTest : public ::testing::Test {
 protected:
  void TearDown() override { Stop(); }
  void Start(ServerConfig config = {}) {
    config.http.io_threads = 2;
    config.http.worker_threads = 4;
    config.http.max_body_bytes = 1 << 20;
    auto s = testing::TestServer::Start(dir_, config);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
  }
  void Stop() { server_.reset(); }
  Reply Call(const std::string& method, const std::string& target, const Json& body = nullptr,
             const Headers& headers = {}) {
    return testing::Http(server_->port(), method, target, body.is_null() ? "" : body.dump(),
                         headers);
  }
  Reply Raw(const std::string& method, const std::string& target, const std::string& body,
            const Headers& headers = {}) {
    return testing::Http(server_->port(), method, target, body, headers);
  }
  void CreateDocs(const Headers& h = {}) {
    auto r =
        Call("PUT", "/collections/docs", {{"vectors", {{"size", 3}, {"distance", "Cosine"}}}}, h);
    ASSERT_EQ(r.status, 200) << r.body;
    Json pts = Json::array();
    for (int i = 1; i <= 6; ++i) {
      // Point 1 points along x, point 2 mostly along y, the rest in between.
      Json v = i == 1 ? Json{1.0, 0.0, 0.0} : Json{0.1 * i, i == 2 ? 1.0 : 0.2, 0.1 * (7 - i)};
      pts.push_back({{"id", i},
                     {"vector", v},
                     {"payload", {{"city", i % 2 ? "Berlin" : "London"}, {"n", i}}}});
    }
    r = Call("PUT", "/collections/docs/points?wait=true", {{"points", pts}}, h);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  testing::TestDir dir{"ragdb_api"};
  const std::string& dir_ = dir.path();
  std::unique_ptr<testing::TestServer> server_;
};

TEST_F(ApiTest, ServiceEndpoints) {
  Start();
  auto r = Call("GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.json().contains("version"));
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
  auto nf = Call("GET", "/no/such/route");
  EXPECT_EQ(nf.status, 404);
  EXPECT_TRUE(nf.json()["status"].contains("error"));
  EXPECT_EQ(Call("DELETE", "/collections").status, 405);
}

TEST_F(ApiTest, CollectionLifecycle) {
  Start();
  CreateDocs();
  auto dup = Call("PUT", "/collections/docs", {{"vectors", {{"size", 3}, {"distance", "Dot"}}}});
  EXPECT_EQ(dup.status, 409);
  auto info = Call("GET", "/collections/docs");
  ASSERT_EQ(info.status, 200) << info.body;
  Json res = info.json()["result"];
  EXPECT_EQ(res["status"], "green");
  EXPECT_EQ(res["points_count"], 6);
  EXPECT_EQ(res["config"]["params"]["vectors"]["size"], 3);
  EXPECT_EQ(res["config"]["params"]["vectors"]["distance"], "Cosine");
  EXPECT_EQ(Call("GET", "/collections").json()["result"]["collections"][0]["name"], "docs");
  EXPECT_EQ(Call("GET", "/collections/docs/exists").json()["result"]["exists"], true);
  EXPECT_EQ(Call("GET", "/collections/nope/exists").json()["result"]["exists"], false);
  EXPECT_EQ(Call("GET", "/collections/nope").status, 404);
  // Named vectors, Euclid and Dot.
  auto named = Call("PUT", "/collections/multi",
                    {{"vectors",
                      {{"a", {{"size", 2}, {"distance", "Euclid"}}},
                       {"b", {{"size", 2}, {"distance", "Dot"}}}}}});
  ASSERT_EQ(named.status, 200) << named.body;
  auto minfo = Call("GET", "/collections/multi").json()["result"]["config"]["params"]["vectors"];
  EXPECT_EQ(minfo["a"]["distance"], "Euclid");
  EXPECT_EQ(minfo["b"]["distance"], "Dot");
  EXPECT_EQ(Call("DELETE", "/collections/multi").json()["result"], true);
  EXPECT_EQ(Call("GET", "/collections/multi").status, 404);
  // Bad inputs.
  EXPECT_EQ(
      Call("PUT", "/collections/x", {{"vectors", {{"size", "3"}, {"distance", "Dot"}}}}).status,
      400);
  EXPECT_EQ(
      Call("PUT", "/collections/x", {{"vectors", {{"size", 3}, {"distance", "Hamming"}}}}).status,
      400);
  EXPECT_EQ(
      Call("PUT", "/collections/x", {{"vectors", {{"size", 3}, {"distance", "Manhattan"}}}}).status,
      501);
  EXPECT_EQ(
      Call("PUT", "/collections/.bad", {{"vectors", {{"size", 3}, {"distance", "Dot"}}}}).status,
      400);
}

TEST_F(ApiTest, MalformedInput) {
  Start();
  CreateDocs();
  auto r = Raw("POST", "/collections/docs/points/scroll", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.json()["status"]["error"].get<std::string>().find("Format error"), std::string::npos);
  EXPECT_EQ(Raw("POST", "/collections/docs/points/scroll", "[1,2]").status, 400);
  r = Raw("POST", "/collections/docs/points/scroll", "{\"limit\":\n  10,,}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.json()["status"]["error"].get<std::string>().find("line 2, column 6"),
            std::string::npos);
  r = Raw("POST", "/collections/docs/points/scroll", std::string(1000, '['));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.json()["status"]["error"].get<std::string>().find("nested deeper than 128"),
            std::string::npos);
  EXPECT_EQ(Raw("POST", "/collections/docs/points/scroll", "{\"a\":\"\xff\"}").status, 400);
  EXPECT_EQ(Call("POST", "/collections/docs/points/scroll", {{"limit", "ten"}}).status, 400);
  EXPECT_EQ(Call("POST", "/collections/docs/points/scroll", {{"filter", {{"must", 3}}}}).status,
            400);
  EXPECT_EQ(Call("PUT", "/collections/docs/points",
                 {{"points", {{{"id", "not-a-uuid"}, {"vector", {1, 2, 3}}}}}})
                .status,
            400);
  EXPECT_EQ(
      Call("PUT", "/collections/docs/points", {{"points", {{{"id", -1}, {"vector", {1, 2, 3}}}}}})
          .status,
      400);
  EXPECT_EQ(Call("PUT", "/collections/docs/points", {{"points", {{{"id", 9}, {"vector", {1, 2}}}}}})
                .status,
            400);  // wrong dimension
  EXPECT_EQ(Call("POST", "/collections/docs/points/query", {{"query", {1, "x", 3}}}).status, 400);
  EXPECT_EQ(Call("GET", "/collections/docs/points/abc").status, 400);
  // Huge body: over the server's 1 MiB limit.
  EXPECT_EQ(Raw("PUT", "/collections/docs/points", std::string(2 << 20, ' ')).status, 413);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
}

TEST_F(ApiTest, PointsAndPayloads) {
  Start();
  CreateDocs();
  // Batch form with a UUID id (upper case: normalized).
  auto b = Call("PUT", "/collections/docs/points",
                {{"batch",
                  {{"ids", {7, "5C56C793-69F3-4FBF-87E6-C4BF54C28C26"}},
                   {"vectors", {{0.5, 0.5, 0.5}, {0.1, 0.9, 0.1}}},
                   {"payloads", {{{"city", "Paris"}}, {{"city", "Rome"}}}}}}});
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.json()["result"]["status"], "completed");
  auto one = Call("GET", "/collections/docs/points/5c56c793-69f3-4fbf-87e6-c4bf54c28c26");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json()["result"]["payload"]["city"], "Rome");
  EXPECT_EQ(one.json()["result"]["vector"].size(), 3u);
  EXPECT_EQ(Call("GET", "/collections/docs/points/999").status, 404);
  auto got = Call("POST", "/collections/docs/points",
                  {{"ids", {1, 2, 999}}, {"with_payload", {"n"}}, {"with_vector", true}});
  ASSERT_EQ(got.status, 200) << got.body;
  ASSERT_EQ(got.json()["result"].size(), 2u);
  EXPECT_FALSE(got.json()["result"][0]["payload"].contains("city"));
  EXPECT_EQ(got.json()["result"][0]["payload"]["n"], 1);

  // Payload: merge, overwrite, delete keys, clear.
  ASSERT_EQ(Call("POST", "/collections/docs/points/payload",
                 {{"payload", {{"tag", "x"}}}, {"points", {1}}})
                .status,
            200);
  auto p1 = Call("GET", "/collections/docs/points/1").json()["result"]["payload"];
  EXPECT_EQ(p1["tag"], "x");
  EXPECT_EQ(p1["city"], "Berlin");
  ASSERT_EQ(Call("PUT", "/collections/docs/points/payload",
                 {{"payload", {{"only", 1}}},
                  {"filter", {{"must", {{{"key", "n"}, {"match", {{"value", 2}}}}}}}}})
                .status,
            200);
  EXPECT_EQ(Call("GET", "/collections/docs/points/2").json()["result"]["payload"],
            Json({{"only", 1}}));
  ASSERT_EQ(Call("POST", "/collections/docs/points/payload/delete",
                 {{"keys", {"tag", "n"}}, {"points", {1}}})
                .status,
            200);
  EXPECT_EQ(Call("GET", "/collections/docs/points/1").json()["result"]["payload"],
            Json({{"city", "Berlin"}}));
  ASSERT_EQ(Call("POST", "/collections/docs/points/payload/clear", {{"points", {1}}}).status, 200);
  EXPECT_EQ(Call("GET", "/collections/docs/points/1").json()["result"]["payload"], Json::object());

  // Scroll pages.
  auto s1 = Call("POST", "/collections/docs/points/scroll", {{"limit", 3}});
  ASSERT_EQ(s1.status, 200) << s1.body;
  EXPECT_EQ(s1.json()["result"]["points"].size(), 3u);
  EXPECT_EQ(s1.json()["result"]["next_page_offset"], 4);
  auto s2 = Call("POST", "/collections/docs/points/scroll",
                 {{"limit", 100}, {"offset", 4}, {"with_payload", false}});
  EXPECT_EQ(s2.json()["result"]["points"].size(), 5u);  // 4..7 and the UUID
  EXPECT_TRUE(s2.json()["result"]["next_page_offset"].is_null());
  EXPECT_TRUE(s2.json()["result"]["points"][0]["payload"].is_null());

  // Count and delete by filter.
  Json london = {{"must", {{{"key", "city"}, {"match", {{"value", "London"}}}}}}};
  EXPECT_EQ(Call("POST", "/collections/docs/points/count", {{"filter", london}})
                .json()["result"]["count"],
            2);  // 4 and 6 (2's payload was overwritten)
  ASSERT_EQ(Call("POST", "/collections/docs/points/delete", {{"filter", london}}).status, 200);
  EXPECT_EQ(
      Call("POST", "/collections/docs/points/count", Json::object()).json()["result"]["count"], 6);
  ASSERT_EQ(Call("POST", "/collections/docs/points/delete", {{"points", {7}}}).status, 200);
  EXPECT_EQ(
      Call("POST", "/collections/docs/points/count", Json::object()).json()["result"]["count"], 5);
}

TEST_F(ApiTest, SearchAndQuery) {
  Start();
  CreateDocs();
  ASSERT_EQ(
      Call("PUT", "/collections/docs/index", {{"field_name", "city"}, {"field_schema", "keyword"}})
          .status,
      200);
  auto info = Call("GET", "/collections/docs").json()["result"];
  EXPECT_EQ(info["payload_schema"]["city"]["data_type"], "keyword");
  EXPECT_EQ(info["payload_schema"]["city"]["points"], 6);

  auto s = Call("POST", "/collections/docs/points/search", {{"vector", {1, 0, 0}}, {"limit", 2}});
  ASSERT_EQ(s.status, 200) << s.body;
  ASSERT_EQ(s.json()["result"].size(), 2u);
  EXPECT_EQ(s.json()["result"][0]["id"], 1);
  EXPECT_TRUE(s.json()["result"][0]["payload"].is_null());  // search default: no payload

  Json berlin = {{"must", {{{"key", "city"}, {"match", {{"value", "Berlin"}}}}}}};
  auto q = Call("POST", "/collections/docs/points/query",
                {{"query", {0, 1, 0}}, {"filter", berlin}, {"with_payload", true}});
  ASSERT_EQ(q.status, 200) << q.body;
  auto pts = q.json()["result"]["points"];
  ASSERT_EQ(pts.size(), 3u);
  for (const auto& p : pts) EXPECT_EQ(p["payload"]["city"], "Berlin");

  // nearest + offset + limit.
  auto q2 = Call("POST", "/collections/docs/points/query",
                 {{"query", {{"nearest", {1, 0, 0}}}}, {"limit", 2}, {"offset", 1}});
  ASSERT_EQ(q2.status, 200) << q2.body;
  EXPECT_EQ(q2.json()["result"]["points"].size(), 2u);
  EXPECT_NE(q2.json()["result"]["points"][0]["id"], 1);

  // By point id: uses point 2's vector, excludes point 2.
  auto q3 = Call("POST", "/collections/docs/points/query", {{"query", 2}, {"limit", 3}});
  ASSERT_EQ(q3.status, 200) << q3.body;
  Json q3_points = q3.json()["result"]["points"];  // a named copy: the loop must not dangle
  for (const auto& p : q3_points) EXPECT_NE(p["id"], 2);
  EXPECT_EQ(Call("POST", "/collections/docs/points/query", {{"query", 999}}).status, 404);

  // Prefetch + RRF: point 1 is first in both lists.
  auto rrf = Call("POST", "/collections/docs/points/query",
                  {{"prefetch",
                    {{{"query", {1, 0, 0}}, {"limit", 4}},
                     {{"query", {1, 0.1, 0}}, {"limit", 4}, {"filter", berlin}}}},
                   {"query", {{"fusion", "rrf"}}},
                   {"limit", 3},
                   {"with_payload", true}});
  ASSERT_EQ(rrf.status, 200) << rrf.body;
  auto rp = rrf.json()["result"]["points"];
  ASSERT_EQ(rp.size(), 3u);
  EXPECT_EQ(rp[0]["id"], 1);
  EXPECT_FLOAT_EQ(rp[0]["score"].get<float>(), 1.0f);  // 1/2 + 1/2
  EXPECT_EQ(rp[0]["payload"]["city"], "Berlin");
  auto dbsf = Call("POST", "/collections/docs/points/query",
                   {{"prefetch", {{{"query", {1, 0, 0}}}, {{"query", {0, 1, 0}}}}},
                    {"query", {{"fusion", "dbsf"}}}});
  ASSERT_EQ(dbsf.status, 200) << dbsf.body;
  EXPECT_GE(dbsf.json()["result"]["points"].size(), 1u);
  // Prefetch + vector re-scoring stays within the prefetched ids.
  auto rescore = Call("POST", "/collections/docs/points/query",
                      {{"prefetch", {{"query", {1, 0, 0}}, {"filter", berlin}, {"limit", 2}}},
                       {"query", {0, 1, 0}}});
  ASSERT_EQ(rescore.status, 200) << rescore.body;
  EXPECT_EQ(rescore.json()["result"]["points"].size(), 2u);
  Json rescored = rescore.json()["result"]["points"];
  ASSERT_FALSE(rescored.empty());
  for (const auto& p : rescored) EXPECT_EQ(p["id"].get<int>() % 2, 1);

  // This collection has no BM25 text field and no sparse vectors.
  EXPECT_EQ(Call("POST", "/collections/docs/points/query",
                 {{"query", {{"text", "hello"}, {"model", "qdrant/bm25"}}}})
                .status,
            400);
  EXPECT_EQ(Call("POST", "/collections/docs/points/query",
                 {{"query", {{"indices", {1}}, {"values", {0.5}}}}})
                .status,
            400);
  // Not supported yet -> 501.
  EXPECT_EQ(
      Call("POST", "/collections/docs/points/query", {{"query", {{"formula", {{"sum", {1}}}}}}})
          .status,
      501);
  // Groups.
  auto g = Call("POST", "/collections/docs/points/query/groups",
                {{"query", {1, 0, 0}}, {"group_by", "city"}, {"group_size", 2}, {"limit", 2}});
  ASSERT_EQ(g.status, 200) << g.body;
  auto groups = g.json()["result"]["groups"];
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0]["id"], "Berlin");
  EXPECT_EQ(groups[0]["hits"].size(), 2u);
  // Batch forms.
  auto qb = Call(
      "POST", "/collections/docs/points/query/batch",
      {{"searches", {{{"query", {1, 0, 0}}, {"limit", 1}}, {{"query", {0, 1, 0}}, {"limit", 2}}}}});
  ASSERT_EQ(qb.status, 200) << qb.body;
  EXPECT_EQ(qb.json()["result"][1]["points"].size(), 2u);
  auto sb = Call("POST", "/collections/docs/points/search/batch",
                 {{"searches", {{{"vector", {1, 0, 0}}, {"limit", 1}}}}});
  ASSERT_EQ(sb.status, 200) << sb.body;
  EXPECT_EQ(sb.json()["result"][0][0]["id"], 1);
  // Metrics know the route templates.
  auto m = Call("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("route=\"/collections/{collection_name}/points/query\""),
            std::string::npos);
  EXPECT_NE(m.body.find("ragdb_collection_points{tenant=\"default\",collection=\"docs\"} 6"),
            std::string::npos)
      << m.body;
}

// /points/search/batch and /points/query/batch run plain vector searches together (one matrix
// product for exact searches): every answer equals the same search sent alone, with offsets,
// filters, payload selection and score thresholds, and a batch that mixes in other query kinds
// still answers each on its own.
TEST_F(ApiTest, BatchedSearchesEqualSingleSearches) {
  Start();
  ASSERT_EQ(
      Call("PUT", "/collections/b", {{"vectors", {{"size", 4}, {"distance", "Euclid"}}}}).status,
      200);
  Json pts = Json::array();
  for (int i = 0; i < 300; ++i) {
    pts.push_back({{"id", i},
                   {"vector", {std::sin(i * 0.7), std::cos(i * 1.3), (i % 17) * 0.1, i * 0.01}},
                   {"payload", {{"m", i % 5}}}});
  }
  ASSERT_EQ(Call("PUT", "/collections/b/points?wait=true", {{"points", pts}}).status, 200);
  Json searches = Json::array();
  for (int i = 0; i < 12; ++i) {
    Json s = {{"vector", {std::cos(i * 0.3), std::sin(i * 0.9), 0.5, i * 0.2}},
              {"limit", 3 + i % 4},
              {"params", {{"exact", true}}}};
    if (i % 3 == 1) s["offset"] = 2;
    if (i % 4 == 2) s["filter"] = {{"must", {{{"key", "m"}, {"match", {{"value", 3}}}}}}};
    if (i % 5 == 3) s["with_payload"] = true;
    if (i % 6 == 4) s["score_threshold"] = 1.0;
    searches.push_back(s);
  }
  auto batch = Call("POST", "/collections/b/points/search/batch", {{"searches", searches}});
  ASSERT_EQ(batch.status, 200) << batch.body;
  Json queries = Json::array();
  for (const auto& s : searches) {
    Json q = s;
    q["query"] = q["vector"];
    q.erase("vector");
    queries.push_back(q);
  }
  queries.push_back({{"prefetch", {{{"query", {0, 1, 0, 0}}, {"limit", 20}}}},
                     {"query", {{"fusion", "rrf"}}},
                     {"limit", 3}});
  auto qbatch = Call("POST", "/collections/b/points/query/batch", {{"searches", queries}});
  ASSERT_EQ(qbatch.status, 200) << qbatch.body;
  for (size_t i = 0; i < searches.size(); ++i) {
    auto one = Call("POST", "/collections/b/points/search", searches[i]);
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(batch.json()["result"][i], one.json()["result"]) << "search " << i;
    EXPECT_EQ(qbatch.json()["result"][i]["points"], one.json()["result"]) << "query " << i;
  }
  auto fused = Call("POST", "/collections/b/points/query", queries.back());
  ASSERT_EQ(fused.status, 200) << fused.body;
  EXPECT_EQ(qbatch.json()["result"][searches.size()], fused.json()["result"]);
  // Searches that share limit and filter take the one-matrix-product path.
  Json uniform = Json::array();
  for (size_t i = 0; i < searches.size(); ++i) {
    Json u = searches[i];
    u["limit"] = 5;
    u["offset"] = 1;
    u.erase("score_threshold");
    u["filter"] = {{"must_not", {{{"key", "m"}, {"match", {{"value", 0}}}}}}};
    uniform.push_back(u);
  }
  auto ub = Call("POST", "/collections/b/points/search/batch", {{"searches", uniform}});
  ASSERT_EQ(ub.status, 200) << ub.body;
  for (size_t i = 0; i < uniform.size(); ++i) {
    auto one = Call("POST", "/collections/b/points/search", uniform[i]);
    ASSERT_EQ(one.status, 200) << one.body;
    ASSERT_EQ(ub.json()["result"][i].size(), one.json()["result"].size());
    for (size_t j = 0; j < one.json()["result"].size(); ++j) {
      EXPECT_EQ(ub.json()["result"][i][j]["id"], one.json()["result"][j]["id"]);
      EXPECT_NEAR(ub.json()["result"][i][j]["score"].get<double>(),
                  one.json()["result"][j]["score"].get<double>(), 1e-4);
    }
  }
  // A bad member fails the whole batch with a message.
  auto bad = Call("POST", "/collections/b/points/search/batch",
                  {{"searches", {searches[0], {{"vector", {1, 2}}, {"limit", 1}}}}});
  EXPECT_EQ(bad.status, 400) << bad.body;
}

TEST_F(ApiTest, Bm25AndSparseHybrid) {
  Start();
  // Qdrant's BM25 recipe: a sparse vector with the IDF modifier fed by qdrant/bm25 documents.
  auto c =
      Call("PUT", "/collections/hy",
           {{"vectors", {{"dense", {{"size", 2}, {"distance", "Cosine"}}}}},
            {"sparse_vectors", {{"bm25", {{"modifier", "idf"}}}, {"splade", Json::object()}}}});
  ASSERT_EQ(c.status, 200) << c.body;
  const char* texts[] = {"the quick brown fox", "lazy dogs sleep all day", "a fox and a dog",
                         "quantum physics lecture notes"};
  Json pts = Json::array();
  for (int i = 0; i < 4; ++i) {
    pts.push_back({{"id", i + 1},
                   {"vector",
                    {{"dense", {1.0, 0.1 * i}},
                     {"bm25", {{"text", texts[i]}, {"model", "Qdrant/bm25"}}},
                     {"splade", {{"indices", {i, 10}}, {"values", {1.0, 0.5}}}}}},
                   {"payload", {{"i", i + 1}}}});
  }
  auto up = Call("PUT", "/collections/hy/points", {{"points", pts}});
  ASSERT_EQ(up.status, 200) << up.body;
  auto t = Call("POST", "/collections/hy/points/query",
                {{"query", {{"text", "fox"}, {"model", "qdrant/bm25"}}}, {"using", "bm25"}});
  ASSERT_EQ(t.status, 200) << t.body;
  auto tp = t.json()["result"]["points"];
  ASSERT_EQ(tp.size(), 2u);
  EXPECT_TRUE((tp[0]["id"] == 1 && tp[1]["id"] == 3) || (tp[0]["id"] == 3 && tp[1]["id"] == 1));
  auto sp = Call("POST", "/collections/hy/points/query",
                 {{"query", {{"indices", {2}}, {"values", {1.0}}}}, {"using", "splade"}});
  ASSERT_EQ(sp.status, 200) << sp.body;
  EXPECT_EQ(sp.json()["result"]["points"][0]["id"], 3);
  auto h =
      Call("POST", "/collections/hy/points/query",
           {{"prefetch",
             {{{"query", {1.0, 0.3}}, {"using", "dense"}, {"limit", 4}},
              {{"query", {{"text", "dog fox"}, {"model", "qdrant/bm25"}}}, {"using", "bm25"}}}},
            {"query", {{"fusion", "rrf"}}},
            {"limit", 2},
            {"with_payload", true}});
  ASSERT_EQ(h.status, 200) << h.body;
  EXPECT_EQ(h.json()["result"]["points"][0]["id"], 3);  // 1st by dense and 1st/2nd by text
  EXPECT_EQ(Call("POST", "/collections/hy/points/query",
                 {{"query", {{"text", "fox"}, {"model", "openai/text-embedding-3"}}}})
                .status,
            501);
}

TEST_F(ApiTest, Snapshots) {
  Start();
  CreateDocs();
  auto c = Call("POST", "/collections/docs/snapshots");
  ASSERT_EQ(c.status, 200) << c.body;
  std::string name = c.json()["result"]["name"];
  EXPECT_EQ(c.json()["result"]["checksum"].get<std::string>().size(), 64u);
  auto list = Call("GET", "/collections/docs/snapshots");
  ASSERT_EQ(list.json()["result"].size(), 1u);
  auto dl = Call("GET", "/collections/docs/snapshots/" + name);
  ASSERT_EQ(dl.status, 200);
  EXPECT_EQ(dl.body.size(), c.json()["result"]["size"].get<size_t>());
  EXPECT_EQ(dl.headers["transfer-encoding"], "chunked");  // streamed from the file
  EXPECT_TRUE(dl.complete);
  // Path traversal in names.
  EXPECT_EQ(Call("GET", "/collections/docs/snapshots/..%2F..%2Fauth.json").status, 400);
  EXPECT_EQ(Call("GET", "/collections/docs/snapshots/..%2Fdocs.snapshot").status, 400);
  EXPECT_EQ(Call("DELETE", "/collections/docs/snapshots/%2Fetc%2Fpasswd").status, 400);
  EXPECT_EQ(Call("GET", "/collections/docs/snapshots/missing.snapshot").status, 404);

  // Change the collection, then recover: the snapshot's state comes back.
  ASSERT_EQ(Call("POST", "/collections/docs/points/delete", {{"points", {1, 2, 3}}}).status, 200);
  std::string loc = "file://" + dir_ + "/snapshots/docs/" + name;
  auto rec = Call("PUT", "/collections/docs/snapshots/recover", {{"location", loc}});
  ASSERT_EQ(rec.status, 200) << rec.body;
  EXPECT_EQ(
      Call("POST", "/collections/docs/points/count", Json::object()).json()["result"]["count"], 6);
  // Recover into a new name, with a wrong checksum, and from an upload.
  EXPECT_EQ(Call("PUT", "/collections/copy/snapshots/recover",
                 {{"location", loc}, {"checksum", std::string(64, '0')}})
                .status,
            400);
  std::string boundary = "XyZ";
  std::string mp = "--" + boundary +
                   "\r\nContent-Disposition: form-data; name=\"snapshot\"; filename=\"s\"\r\n"
                   "Content-Type: application/octet-stream\r\n\r\n" +
                   dl.body + "\r\n--" + boundary + "--\r\n";
  auto up = Raw("POST", "/collections/copy/snapshots/upload", mp,
                {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(
      Call("POST", "/collections/copy/points/count", Json::object()).json()["result"]["count"], 6);
  // A corrupt archive is refused and changes nothing.
  std::string bad = mp;
  bad[bad.find("\r\n\r\n") + 4 + 150] ^= 1;
  EXPECT_EQ(Raw("POST", "/collections/copy/snapshots/upload", bad,
                {{"Content-Type", "multipart/form-data; boundary=" + boundary}})
                .status,
            400);
  EXPECT_EQ(
      Call("POST", "/collections/copy/points/count", Json::object()).json()["result"]["count"], 6);
  EXPECT_EQ(Call("DELETE", "/collections/docs/snapshots/" + name).status, 200);
  EXPECT_EQ(Call("GET", "/collections/docs/snapshots").json()["result"].size(), 0u);
}

TEST_F(ApiTest, AuthAndTenants) {
  ServerConfig config;
  config.admin_key = "root-key";
  config.api_keys.push_back({"ro-key", "default", Role::kReadOnly});
  Start(config);
  Headers admin = {{"api-key", "root-key"}};
  EXPECT_EQ(Call("GET", "/collections").status, 401);
  EXPECT_EQ(Call("GET", "/collections", nullptr, {{"api-key", "wrong"}}).status, 401);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);  // public
  EXPECT_EQ(Call("GET", "/collections", nullptr, {{"Authorization", "Bearer root-key"}}).status,
            200);
  CreateDocs(admin);
  // Read-only: reads yes, writes 403, admin 403.
  Headers ro = {{"api-key", "ro-key"}};
  EXPECT_EQ(Call("POST", "/collections/docs/points/count", Json::object(), ro).status, 200);
  EXPECT_EQ(Call("POST", "/collections/docs/points/delete", {{"points", {1}}}, ro).status, 403);
  EXPECT_EQ(Call("POST", "/ragdb/tenants", {{"name", "acme"}}, ro).status, 403);
  EXPECT_EQ(Call("GET", "/metrics", nullptr, ro).status, 403);

  // Tenants and their keys.
  ASSERT_EQ(Call("POST", "/ragdb/tenants", {{"name", "acme"}}, admin).status, 200);
  EXPECT_EQ(Call("POST", "/ragdb/tenants", {{"name", "acme"}}, admin).status, 409);
  EXPECT_EQ(Call("POST", "/ragdb/tenants", {{"name", "../evil"}}, admin).status, 400);
  auto k = Call("POST", "/ragdb/tenants/acme/keys", {{"role", "read-write"}}, admin);
  ASSERT_EQ(k.status, 200) << k.body;
  EXPECT_EQ(k.json()["status"], "ok");
  std::string acme_key = k.json()["result"]["key"];
  Headers acme = {{"api-key", acme_key}};
  // Tenant acme does not see the default tenant's collection.
  EXPECT_EQ(Call("GET", "/collections/docs", nullptr, acme).status, 404);
  EXPECT_EQ(Call("GET", "/collections", nullptr, acme).json()["result"]["collections"].size(), 0u);
  ASSERT_EQ(
      Call("PUT", "/collections/docs", {{"vectors", {{"size", 2}, {"distance", "Dot"}}}}, acme)
          .status,
      200);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/tenants/acme/collections/docs"));
  EXPECT_EQ(Call("GET", "/collections/docs", nullptr, acme).json()["result"]["points_count"], 0);
  EXPECT_EQ(Call("GET", "/collections/docs", nullptr, admin).json()["result"]["points_count"], 6);
  EXPECT_EQ(Call("GET", "/ragdb/tenants", nullptr, acme).status, 403);
  // Admin can act in a tenant by naming it.
  Headers admin_as_acme = {{"api-key", "root-key"}, {"ragdb-tenant", "acme"}};
  EXPECT_EQ(Call("GET", "/collections/docs", nullptr, admin_as_acme)
                .json()["result"]["config"]["params"]["vectors"]["size"],
            2);
  EXPECT_EQ(
      Call("GET", "/collections", nullptr, {{"api-key", acme_key}, {"ragdb-tenant", "default"}})
          .status,
      403);
  auto keys = Call("GET", "/ragdb/tenants/acme/keys", nullptr, admin);
  ASSERT_EQ(keys.json()["result"]["keys"].size(), 1u);
  EXPECT_EQ(keys.body.find(acme_key), std::string::npos);
  std::string key_id = keys.json()["result"]["keys"][0]["id"];
  // Keys survive a restart (hashed in auth.json).
  Stop();
  Start(config);
  EXPECT_EQ(Call("GET", "/collections/docs", nullptr, acme).status, 200);
  ASSERT_EQ(Call("DELETE", "/ragdb/tenants/acme/keys/" + key_id, nullptr, admin).status, 200);
  EXPECT_EQ(Call("GET", "/collections", nullptr, acme).status, 401);
  ASSERT_EQ(Call("DELETE", "/ragdb/tenants/acme", nullptr, admin).status, 200);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/tenants/acme"));
  EXPECT_EQ(Call("DELETE", "/ragdb/tenants/default", nullptr, admin).status, 400);
}

}  // namespace
}  // namespace ragdb::server
