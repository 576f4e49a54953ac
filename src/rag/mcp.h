// Model Context Protocol (JSON-RPC 2.0) server for knowledge bases, independent of transport:
// `ragdb mcp` feeds it lines from stdin (ServeStdio); the HTTP server can feed it the bodies
// posted to /mcp (Streamable HTTP) the same way.
//
// Methods: initialize, ping, tools/list, tools/call, notifications/* (ignored).
// Tools: search {knowledge_base, query, k?, filter?}, ask {knowledge_base, question, k?},
//        ingest_text {knowledge_base, text, source, metadata?}, list_knowledge_bases {}.
#pragma once

#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "ragdb/database.h"
#include "ragdb/json.h"
#include "ragdb/rag.h"

namespace ragdb::rag {

struct McpOptions {
  KbOptions kb_defaults;     // for knowledge bases created by ingest_text
  LlmConfig llm;             // disabled = extractive answers
  RetrieveOptions retrieve;  // defaults of search and ask (k is overridable per call)
};

class McpServer {
 public:
  // `db` must outlive the server.
  McpServer(Database& db, McpOptions options);
  ~McpServer();

  // One JSON-RPC message, or a batch (array). Returns the response (an array for a batch), or
  // nullopt when there is nothing to answer (notifications, responses). Thread-safe.
  std::optional<Json> HandleMessage(const Json& message);
  // The same for raw text; malformed JSON gets the -32700 parse-error response.
  std::optional<Json> HandleText(std::string_view text);

  // Protocol versions this server speaks, newest first.
  static const std::vector<std::string>& SupportedVersions();

 private:
  std::optional<Json> HandleOne(const Json& message);
  Result<Json> CallTool(const std::string& name, const Json& args);
  Result<KnowledgeBase*> GetKb(const std::string& name, bool create);

  Database& db_;
  McpOptions options_;
  std::mutex mu_;  // guards kbs_
  std::map<std::string, std::unique_ptr<KnowledgeBase>> kbs_;
};

// Reads newline-delimited JSON-RPC messages from `in` until EOF and writes each response on its
// own line to `out` (flushed), as MCP's stdio transport specifies.
Status ServeStdio(McpServer& server, std::istream& in, std::ostream& out);

}  // namespace ragdb::rag
