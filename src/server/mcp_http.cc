// MCP over Streamable HTTP at /mcp (protocol revisions 2025-03-26 and later): each POST carries
// one JSON-RPC message (or a batch) and gets its response as application/json; notifications
// and responses get 202 with no body. The server keeps no sessions and opens no server-to-client
// stream, so GET and DELETE answer 405, as the transport allows. Tools and their arguments are
// those of `ragdb mcp` (rag/mcp.h), on the caller's tenant; read-only keys do not see
// ingest_text.
#include <algorithm>

#include "base/json_text.h"
#include "rag/mcp.h"
#include "server/app.h"

namespace ragdb::server {
namespace {

HttpResponse JsonRpcReply(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.body = WriteJson(body);
  return r;
}

// Browsers send Origin; a web page must not drive a local server (DNS rebinding), so without
// API keys only pages served from this machine may call /mcp.
bool LocalOrigin(std::string_view origin) {
  for (std::string_view host : {"localhost", "127.0.0.1", "[::1]"}) {
    for (std::string_view scheme : {"http://", "https://"}) {
      std::string base = std::string(scheme) + std::string(host);
      if (origin == base ||
          (origin.starts_with(base) && origin.size() > base.size() && origin[base.size()] == ':')) {
        return true;
      }
    }
  }
  return false;
}

Result<Json> McpPost(Ctx& ctx) {
  std::string_view origin = ctx.req.Header("origin");
  if (!origin.empty() && !ctx.app.auth().enabled() && !LocalOrigin(origin)) {
    ctx.raw = ErrorResponse(403, "origin '" + std::string(origin) + "' may not use /mcp");
    return Json(nullptr);
  }
  std::string_view version = ctx.req.Header("mcp-protocol-version");
  if (!version.empty()) {
    const auto& known = rag::McpServer::SupportedVersions();
    if (std::find(known.begin(), known.end(), version) == known.end()) {
      ctx.raw = JsonRpcReply(
          400, Json{{"jsonrpc", "2.0"},
                    {"id", nullptr},
                    {"error",
                     {{"code", -32600},
                      {"message", "unsupported MCP-Protocol-Version: " + std::string(version)}}}});
      return Json(nullptr);
    }
  }
  RAGDB_ASSIGN_OR_RETURN(auto kbs, ctx.Kbs());
  rag::McpOptions options;
  options.llm = ctx.app.llm();
  options.read_only = ctx.principal.role == Role::kReadOnly;
  rag::McpServer server(kbs, options);
  Json message = Json::parse(ctx.req.body, nullptr, false);
  if (message.is_discarded()) {
    ctx.raw = JsonRpcReply(400, *server.HandleText(ctx.req.body));
    return Json(nullptr);
  }
  auto response = server.HandleMessage(message);
  if (!response) {
    HttpResponse accepted;
    accepted.status = 202;
    ctx.raw = std::move(accepted);
    return Json(nullptr);
  }
  ctx.raw = JsonRpcReply(200, *response);
  return Json(nullptr);
}

Result<Json> McpNoStream(Ctx& ctx) {
  HttpResponse r = ErrorResponse(405, "this MCP server keeps no sessions and opens no SSE stream");
  r.headers.emplace_back("Allow", "POST");
  ctx.raw = std::move(r);
  return Json(nullptr);
}

}  // namespace

void RegisterMcpRoutes(App& app) {
  app.Route("POST", "/mcp", Access::kRead, McpPost);
  app.Route("GET", "/mcp", Access::kRead, McpNoStream);
  app.Route("DELETE", "/mcp", Access::kRead, McpNoStream);
}

}  // namespace ragdb::server
