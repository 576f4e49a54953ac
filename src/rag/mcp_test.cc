// The MCP message handler, transport-free: lifecycle, tool listing, each tool, and JSON-RPC
// errors.
#include "rag/mcp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "rag/pipeline_test_util.h"

namespace ragdb::rag {
namespace {

using ::testing::HasSubstr;

Json Call(McpServer& s, int id, const std::string& tool, Json args) {
  auto r = s.HandleMessage({{"jsonrpc", "2.0"},
                            {"id", id},
                            {"method", "tools/call"},
                            {"params", {{"name", tool}, {"arguments", args}}}});
  EXPECT_TRUE(r.has_value());
  return r.value_or(Json());
}

TEST(McpTest, LifecycleToolsAndErrors) {
  TempDir dir;
  auto db = OpenTestDb(dir.path());
  McpServer s(*db, {});
  auto init = s.HandleMessage({{"jsonrpc", "2.0"},
                               {"id", 1},
                               {"method", "initialize"},
                               {"params",
                                {{"protocolVersion", "2025-06-18"},
                                 {"capabilities", Json::object()},
                                 {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}});
  ASSERT_TRUE(init);
  EXPECT_EQ((*init)["result"]["protocolVersion"], "2025-06-18");
  EXPECT_TRUE((*init)["result"]["capabilities"].contains("tools"));
  EXPECT_FALSE(s.HandleMessage({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}));
  auto ping = s.HandleMessage({{"jsonrpc", "2.0"}, {"id", "p"}, {"method", "ping"}});
  EXPECT_EQ((*ping)["result"], Json::object());
  EXPECT_EQ((*ping)["id"], "p");

  auto list = s.HandleMessage({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}});
  std::set<std::string> names;
  for (const auto& t : (*list)["result"]["tools"]) names.insert(t["name"]);
  EXPECT_EQ(names, (std::set<std::string>{"search", "ask", "ingest_text", "list_knowledge_bases"}));

  Json r = Call(s, 3, "ingest_text",
                {{"knowledge_base", "notes"},
                 {"text", "The moon orbits the earth every 27 days."},
                 {"source", "moon.txt"}});
  EXPECT_EQ(r["result"]["isError"], false) << r.dump();
  EXPECT_EQ(r["result"]["structuredContent"]["status"], "added");

  r = Call(s, 4, "list_knowledge_bases", Json::object());
  EXPECT_EQ(r["result"]["structuredContent"]["knowledge_bases"][0]["name"], "notes");
  EXPECT_EQ(r["result"]["structuredContent"]["knowledge_bases"][0]["documents"], 1);

  r = Call(s, 5, "search", {{"knowledge_base", "notes"}, {"query", "moon orbit"}, {"k", 3}});
  Json results = r["result"]["structuredContent"]["results"];
  ASSERT_EQ(results.size(), 1u) << r.dump();
  EXPECT_EQ(results[0]["source"], "moon.txt");
  std::string text = r["result"]["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("moon.txt"));

  r = Call(s, 6, "ask",
           {{"knowledge_base", "notes"}, {"question", "How often does the moon orbit?"}});
  Json answer = r["result"]["structuredContent"];
  EXPECT_EQ(answer["mode"], "extractive");
  EXPECT_THAT(answer["answer"].get<std::string>(), HasSubstr("[1]"));
  EXPECT_EQ(answer["citations"][0]["source"], "moon.txt");

  r = Call(s, 7, "search", {{"knowledge_base", "missing"}, {"query", "x"}});
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_THAT(r["result"]["content"][0]["text"].get<std::string>(), HasSubstr("does not exist"));
  r = Call(s, 8, "search", {{"knowledge_base", "notes"}});
  EXPECT_EQ(r["result"]["isError"], true);
  r = Call(s, 9, "no_such_tool", Json::object());
  EXPECT_EQ(r["error"]["code"], -32602);

  auto unknown = s.HandleMessage({{"jsonrpc", "2.0"}, {"id", 10}, {"method", "resources/list"}});
  EXPECT_EQ((*unknown)["error"]["code"], -32601);
  auto bad = s.HandleText("{not json");
  EXPECT_EQ((*bad)["error"]["code"], -32700);
}

TEST(McpTest, StdioLoop) {
  TempDir dir;
  auto db = OpenTestDb(dir.path());
  McpServer s(*db, {});
  std::istringstream in(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2099-01-01"}})"
      "\n"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
      "\n\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_knowledge_bases","arguments":{}}})"
      "\n");
  std::ostringstream out;
  ASSERT_TRUE(ServeStdio(s, in, out).ok());
  std::istringstream lines(out.str());
  std::string l1, l2, l3;
  ASSERT_TRUE(std::getline(lines, l1));
  ASSERT_TRUE(std::getline(lines, l2));
  EXPECT_FALSE(std::getline(lines, l3));
  EXPECT_EQ(Json::parse(l1)["result"]["protocolVersion"], McpServer::SupportedVersions().front());
  EXPECT_EQ(Json::parse(l2)["id"], 2);
}

}  // namespace
}  // namespace ragdb::rag
