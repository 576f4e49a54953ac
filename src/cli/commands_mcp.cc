// `ragdb mcp`: the Model Context Protocol server over stdio (newline-delimited JSON-RPC).
// stdout carries protocol messages only; diagnostics go to stderr.
#include <iostream>

#include "base/file.h"
#include "cli/cli.h"
#include "rag/mcp.h"

namespace ragdb::cli {

int CmdMcp(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, {{"llm-config", "embedder", "k", "reranker"}, {"no-llm"}, {}});
  if (!a.ok()) return Fail(a.status(), true);
  if (!a->positional().empty()) {
    return Fail(Status::InvalidArgument(
                    "usage: ragdb mcp [--llm-config FILE] [--no-llm] [--embedder hash|DIR] "
                    "[--k 5] [--reranker DIR]"),
                true);
  }
  rag::McpOptions options;
  options.kb_defaults.embedder = a->GetOr("embedder", options.kb_defaults.embedder);
  auto k = a->GetUint("k", options.retrieve.k);
  if (!k.ok()) return Fail(k.status(), true);
  options.retrieve.k = *k;
  options.retrieve.reranker = a->GetOr("reranker", "");
  if (!a->Has("no-llm")) {
    auto llm =
        rag::LlmConfig::FromEnvAndFile(a->GetOr("llm-config", JoinPath(ctx.data_dir, "llm.json")));
    if (!llm.ok()) return Fail(llm.status(), true);
    options.llm = *llm;
  }
  auto db = OpenDatabase(ctx);
  if (!db.ok()) return Fail(db.status());
  rag::McpServer server(**db, options);
  Status st = rag::ServeStdio(server, std::cin, std::cout);
  if (!st.ok()) return Fail(st);
  return kExitOk;
}

}  // namespace ragdb::cli
