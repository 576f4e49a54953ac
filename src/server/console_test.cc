// The web console's files as `ragdb serve` serves them: content types, security headers,
// conditional requests, unknown and traversing names, no key needed for the pages themselves
// while the API still wants one, and every file a page refers to is compiled in.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "server/console_assets.h"
#include "server/test_client.h"
#include "server/test_server.h"

namespace ragdb::server {
namespace {

using testing::Reply;

class ConsoleTest : public ::testing::Test {
 protected:
  void Start(ServerConfig config = {}) {
    config.http.io_threads = 1;
    config.http.worker_threads = 2;
    auto s = testing::TestServer::Start(dir_.path(), config);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
  }
  Reply Get(const std::string& target,
            const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return testing::Http(server_->port(), "GET", target, "", headers);
  }
  testing::TestDir dir_{"ragdb_console"};
  std::unique_ptr<testing::TestServer> server_;
};

std::set<std::string> AssetNames() {
  std::set<std::string> names;
  for (const auto& a : ConsoleAssets()) names.insert(std::string(a.name));
  return names;
}

TEST_F(ConsoleTest, ServesThePagesWithTheirTypesAndHeaders) {
  Start();
  for (const char* path : {"/console", "/console/", "/console/index.html"}) {
    Reply r = Get(path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("<title>ragdb console</title>"), std::string::npos);
    EXPECT_NE(r.headers["content-security-policy"].find("default-src 'self'"), std::string::npos);
    EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
  }
  Reply js = Get("/console/app.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(Get("/console/console.css").headers["content-type"], "text/css; charset=utf-8");
  EXPECT_EQ(Get("/console/favicon.svg").headers["content-type"], "image/svg+xml");

  // Conditional requests: the same ETag gets 304 and no body.
  std::string etag = js.headers["etag"];
  ASSERT_FALSE(etag.empty());
  Reply again = Get("/console/app.js", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Get("/console/app.js", {{"If-None-Match", "\"other\""}}).status, 200);
}

TEST_F(ConsoleTest, UnknownAndTraversingNamesAre404) {
  Start();
  for (const char* path : {"/console/nope.js", "/console/..%2Fapp.js", "/console/%2e%2e",
                           "/console/app.js%00", "/console/APP.JS", "/console/README.md"}) {
    Reply r = Get(path);
    EXPECT_EQ(r.status, 404) << path << ": " << r.body;
  }
  EXPECT_EQ(Get("/console/a/b").status, 404);
  EXPECT_EQ(Get("/console/%zz").status, 400);  // malformed escape
  EXPECT_EQ(testing::Http(server_->port(), "POST", "/console", "").status, 405);
}

TEST_F(ConsoleTest, PagesNeedNoKeyButTheApiDoes) {
  ServerConfig config;
  config.admin_key = "secret-admin-key";
  Start(config);
  EXPECT_EQ(Get("/console").status, 200);
  EXPECT_EQ(Get("/console/api.js").status, 200);
  EXPECT_EQ(Get("/collections").status, 401);
  EXPECT_EQ(Get("/collections", {{"api-key", "secret-admin-key"}}).status, 200);
}

// Every /console/... file named by index.html and every module imported by a script exists.
TEST(ConsoleAssets, EveryReferencedFileIsCompiledIn) {
  const std::set<std::string> names = AssetNames();
  ASSERT_TRUE(names.count("index.html"));
  std::regex html_ref("(?:src|href)=\"/console/([^\"]+)\"");
  std::regex js_import("from '\\./([^']+)'");
  size_t refs = 0;
  for (const auto& a : ConsoleAssets()) {
    std::string text(a.bytes);
    const std::regex& re = a.name.ends_with(".html") ? html_ref : js_import;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
         ++it) {
      EXPECT_TRUE(names.count((*it)[1].str())) << a.name << " refers to " << (*it)[1].str();
      ++refs;
    }
  }
  EXPECT_GT(refs, 10u);
}

}  // namespace
}  // namespace ragdb::server
