// Model Context Protocol (JSON-RPC 2.0) server for knowledge bases, independent of transport:
// `ragdb mcp` feeds it lines from stdin (ServeStdio); the HTTP server can feed it the bodies
// posted to /mcp (Streamable HTTP) the same way.
//
// Methods: initialize, ping, tools/list, tools/call, notifications/* (ignored).
// Tools: search {knowledge_base, query, k?, filter?}, ask {knowledge_base, question, k?},
//        ingest_text {knowledge_base, text, source, metadata?}, list_knowledge_bases {}.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "rag/kb_catalog.h"
#include "ragdb/database.h"
#include "ragdb/json.h"
#include "ragdb/rag.h"

namespace ragdb::rag {

struct McpOptions {
  KbOptions kb_defaults;     // for knowledge bases created by ingest_text
  LlmConfig llm;             // disabled = extractive answers
  RetrieveOptions retrieve;  // defaults of search and ask (k is overridable per call)
  bool read_only = false;    // true: ingest_text is neither listed nor callable
};

class McpServer {
 public:
  // `db` must outlive the server.
  McpServer(Database& db, McpOptions options);
  // Shares open knowledge bases with the rest of the process (the HTTP server).
  McpServer(std::shared_ptr<KbCatalog> catalog, McpOptions options);
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
  // `sample_text`: the first text of a knowledge base created here (for embedder "auto").
  Result<std::shared_ptr<KnowledgeBase>> GetKb(const std::string& name, bool create,
                                               std::string_view sample_text = {});

  std::shared_ptr<KbCatalog> catalog_;
  McpOptions options_;
};

// Reads newline-delimited JSON-RPC messages from `in` until EOF and writes each response on its
// own line to `out` (flushed), as MCP's stdio transport specifies.
Status ServeStdio(McpServer& server, std::istream& in, std::ostream& out);

}  // namespace ragdb::rag
