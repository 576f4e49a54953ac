// Router, status table, config, auth store, fusion and metrics: no sockets, no engine.
#include <gtest/gtest.h>

#include "base/file.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/fusion.h"
#include "server/metrics.h"
#include "server/router.h"
#include "server/status_http.h"
#include "server/test_client.h"

namespace ragdb::server {
namespace {

TEST(RouterTest, TemplatesParamsAndMethods) {
  Router r;
  int get_point = r.Add("GET", "/collections/{collection_name}/points/{id}");
  int scroll = r.Add("POST", "/collections/{collection_name}/points/scroll");
  auto m = r.Match("GET", "/collections/my%20col/points/42");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route, get_point);
  EXPECT_EQ(m.Param("collection_name"), "my col");
  EXPECT_EQ(m.Param("id"), "42");
  EXPECT_EQ(r.Match("POST", "/collections/c/points/scroll").route, scroll);
  EXPECT_EQ(r.Match("DELETE", "/collections/c/points/scroll").kind,
            RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(r.Match("GET", "/nope").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(r.Match("GET", "/collections/c/points/%zz").kind, RouteMatch::Kind::kBadPath);
  // An encoded slash stays inside its segment.
  auto t = r.Match("GET", "/collections/c/points/..%2F..%2Fetc");
  EXPECT_EQ(t.Param("id"), "../../etc");
}

TEST(StatusHttpTest, OneTable) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 413);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted, true), 429);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDeadlineExceeded), 408);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kCorruption), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
}

TEST(ConfigTest, ParsesAndRejectsUnknownKeys) {
  ServerConfig c;
  ASSERT_TRUE(LoadConfigString(R"(
[server]
host = "0.0.0.0"
port = 7000
max_body_bytes = 1000
header_timeout_ms = 50
[tls]
cert = "c.pem"
key = "k.pem"
[[api_keys]]
key = "k1"
tenant = "acme"
role = "read-write"
)",
                               &c)
                  .ok());
  EXPECT_EQ(c.http.host, "0.0.0.0");
  EXPECT_EQ(c.http.port, 7000);
  EXPECT_EQ(c.http.max_body_bytes, 1000u);
  EXPECT_EQ(c.http.header_timeout.count(), 50);
  EXPECT_EQ(c.http.tls_cert_file, "c.pem");
  ASSERT_EQ(c.api_keys.size(), 1u);
  EXPECT_EQ(c.api_keys[0].role, Role::kReadWrite);
  ServerConfig bad;
  Status s = LoadConfigString("[server]\nmax_body_byte = 3\n", &bad);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("server.max_body_byte"), std::string::npos);
  EXPECT_FALSE(LoadConfigString("[[api_keys]]\nkey = \"x\"\nrole = \"root\"\n", &bad).ok());
  EXPECT_FALSE(LoadConfigString("[server\n", &bad).ok());
  // A server setting above the [server] header is pointed under it.
  s = LoadConfigString("admin_key = \"k\"\n[server]\nport = 1\n", &bad);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("unknown key 'admin_key' (it belongs under [server]"),
            std::string::npos)
      << s.message();
}

TEST(ConfigTest, LlmSection) {
  ServerConfig c;
  ASSERT_TRUE(LoadConfigString("[llm]\nmodel = \"local:qwen\"\ntemperature = 0.2\n"
                               "max_tokens = 64\n",
                               &c)
                  .ok());
  EXPECT_TRUE(c.llm.present);
  EXPECT_EQ(c.llm.model, "local:qwen");
  EXPECT_DOUBLE_EQ(c.llm.temperature, 0.2);
  EXPECT_EQ(c.llm.max_tokens, 64);
  EXPECT_EQ(c.llm.timeout_ms, -1);
  ServerConfig bad;
  Status s = LoadConfigString("[llm]\nmodle = \"x\"\n", &bad);
  EXPECT_NE(s.message().find("llm.modle"), std::string::npos) << s.message();
  EXPECT_FALSE(LoadConfigString("[llm]\nbase_url = \"http://x\"\n", &bad).ok());  // no model
  EXPECT_FALSE(LoadConfigString("[llm]\nmodel = \"m\"\ntemperature = 9\n", &bad).ok());
  EXPECT_FALSE(LoadConfigString("llm = 3\n", &bad).ok());
}

class AuthTest : public ::testing::Test {
 protected:
  testing::TestDir dir{"ragdb_auth"};
  const std::string& dir_ = dir.path();
};

TEST_F(AuthTest, LocalModeWithoutKeys) {
  auto a = AuthStore::Open(dir_, ServerConfig{});
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE((*a)->enabled());
  auto p = (*a)->Authenticate("");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role, Role::kAdmin);
  EXPECT_EQ(p->tenant, "default");
}

TEST_F(AuthTest, KeysAreHashedAndPersisted) {
  ServerConfig c;
  c.admin_key = "admin-secret";
  c.api_keys.push_back({"ro", "default", Role::kReadOnly});
  std::string key, id;
  {
    auto a = AuthStore::Open(dir_, c);
    ASSERT_TRUE(a.ok());
    EXPECT_TRUE((*a)->enabled());
    EXPECT_EQ((*a)->Authenticate("").status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ((*a)->Authenticate("wrong").status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ((*a)->Authenticate("admin-secret")->role, Role::kAdmin);
    EXPECT_EQ((*a)->Authenticate("ro")->role, Role::kReadOnly);
    ASSERT_TRUE((*a)->CreateTenant("acme").ok());
    EXPECT_EQ((*a)->CreateTenant("acme").code(), StatusCode::kAlreadyExists);
    EXPECT_EQ((*a)->CreateTenant("../x").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ((*a)->CreateKey("nope", Role::kReadWrite).status().code(), StatusCode::kNotFound);
    auto k = (*a)->CreateKey("acme", Role::kReadWrite);
    ASSERT_TRUE(k.ok());
    key = k->key;
    id = k->id;
    EXPECT_EQ(key.size(), 4u + 64u);
  }
  auto text = ReadFile(dir_ + "/auth.json");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find(key), std::string::npos) << "a key must never be stored in clear";
  EXPECT_NE(text->find(Sha256Hex(key)), std::string::npos);
  EXPECT_EQ(text->find("admin-secret"), std::string::npos);

  auto a = AuthStore::Open(dir_, c);
  ASSERT_TRUE(a.ok());
  auto p = (*a)->Authenticate(key);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->tenant, "acme");
  EXPECT_EQ(p->role, Role::kReadWrite);
  EXPECT_EQ((*a)->ListTenants(), (std::vector<std::string>{"default", "acme"}));
  ASSERT_EQ((*a)->ListKeys("acme").size(), 1u);
  EXPECT_EQ((*a)->DeleteKey("acme", "config-0").code(), StatusCode::kNotFound);
  EXPECT_EQ((*a)->DeleteKey("default", "config-0").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*a)->DeleteKey("acme", id).ok());
  EXPECT_FALSE((*a)->Authenticate(key).ok());
  ASSERT_TRUE((*a)->DeleteTenant("acme").ok());
  EXPECT_FALSE((*a)->TenantExists("acme"));
  EXPECT_FALSE((*a)->DeleteTenant("default").ok());
}

std::vector<ScoredPoint> List(std::initializer_list<std::pair<uint64_t, float>> xs) {
  std::vector<ScoredPoint> out;
  for (auto [id, s] : xs) {
    ScoredPoint p;
    p.id = id;
    p.score = s;
    out.push_back(p);
  }
  return out;
}

TEST(FusionTest, RrfMatchesQdrantFormula) {
  // Default k = 2: positions 0, 1, 2 score 1/2, 1/3, 1/4.
  auto r = FuseRrf({List({{1, 0.9f}, {2, 0.8f}, {3, 0.1f}}), List({{3, 5}, {1, 4}})});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].id, PointId(uint64_t{1}));  // 1/2 + 1/3
  EXPECT_FLOAT_EQ((*r)[0].score, 1.0f / 2 + 1.0f / 3);
  EXPECT_EQ((*r)[1].id, PointId(uint64_t{3}));  // 1/4 + 1/2 = 0.75
  EXPECT_FLOAT_EQ((*r)[1].score, 0.75f);
  EXPECT_FLOAT_EQ((*r)[2].score, 1.0f / 3);
  std::vector<float> w = {1};
  EXPECT_FALSE(FuseRrf({List({{1, 1}}), List({{2, 1}})}, 2, &w).ok());
  // k = 60, weight 2 on the second list: position 0 scores 1 / (1/2 + 59).
  w = {1, 2};
  auto k60 = FuseRrf({List({{1, 1}}), List({{2, 1}})}, 60, &w);
  EXPECT_EQ((*k60)[0].id, PointId(uint64_t{2}));
  EXPECT_FLOAT_EQ((*k60)[0].score, 1.0f / 59.5f);
}

TEST(FusionTest, DbsfNormalizesByThreeSigma) {
  // Scores 1, 2, 3: mean 2, sample sd 1 -> [-1, 5]; 3 -> 4/6.
  auto r = FuseDbsf({List({{1, 3}, {2, 2}, {3, 1}}), List({{9, 100}})});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].id, PointId(uint64_t{1}));
  EXPECT_NEAR(r[0].score, 4.0f / 6, 1e-6);
  EXPECT_EQ(r[1].id, PointId(uint64_t{2}));  // 3/6 = 0.5 ties with the single point (0.5)...
  EXPECT_NEAR(r[1].score, 0.5f, 1e-6);
  EXPECT_EQ(r[2].id, PointId(uint64_t{9}));  // ...and the tie goes to the smaller id
  auto sum = FuseDbsf({List({{1, 3}, {2, 1}}), List({{1, 10}, {2, 0}})});
  EXPECT_EQ(sum[0].id, PointId(uint64_t{1}));
  EXPECT_GT(sum[0].score, 1.0f);
}

TEST(MetricsTest, PrometheusText) {
  Metrics m;
  m.Observe("GET", "/collections/{collection_name}", 200, 0.002);
  m.Observe("GET", "/collections/{collection_name}", 404, 0.02);
  std::string t = m.Render();
  EXPECT_NE(t.find("ragdb_http_requests_total{method=\"GET\",route=\"/collections/"
                   "{collection_name}\",code=\"404\"} 1"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("le=\"0.0025\"} 1"), std::string::npos) << t;
  EXPECT_NE(t.find("le=\"+Inf\"} 2"), std::string::npos) << t;
  EXPECT_NE(t.find("_count{method=\"GET\",route=\"/collections/{collection_name}\"} 2"),
            std::string::npos);
}

}  // namespace
}  // namespace ragdb::server
