#include "rag/mcp.h"

#include <algorithm>
#include <istream>
#include <ostream>

#include "base/json_text.h"

namespace ragdb::rag {
namespace {

constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;

Json ErrorResponse(const Json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

Json ToolText(const Json& value, bool is_error = false) {
  Json text = value.is_string() ? value.get<std::string>() : WriteJson(value);
  Json result = {{"content", Json::array({{{"type", "text"}, {"text", text}}})},
                 {"isError", is_error}};
  if (value.is_object() && !is_error) result["structuredContent"] = value;
  return result;
}

Json Schema(Json properties, std::vector<std::string> required) {
  return {{"type", "object"}, {"properties", std::move(properties)}, {"required", required}};
}

Json ToolList() {
  Json kb = {{"type", "string"}, {"description", "Name of the knowledge base"}};
  return Json::array({
      {{"name", "search"},
       {"description",
        "Hybrid (BM25 + vector) search of a knowledge base; returns the most relevant chunks "
        "with their source, page and heading path."},
       {"inputSchema",
        Schema({{"knowledge_base", kb},
                {"query", {{"type", "string"}, {"description", "What to look for"}}},
                {"k",
                 {{"type", "integer"},
                  {"minimum", 1},
                  {"maximum", 100},
                  {"description", "How many chunks (default 5)"}}},
                {"filter",
                 {{"type", "string"},
                  {"description", "Filter expression on chunk payloads, e.g. page >= 2"}}}},
               {"knowledge_base", "query"})}},
      {{"name", "ask"},
       {"description",
        "Answers a question from a knowledge base with numbered citations [n] to its sources."},
       {"inputSchema", Schema({{"knowledge_base", kb},
                               {"question", {{"type", "string"}}},
                               {"k", {{"type", "integer"}, {"minimum", 1}, {"maximum", 50}}}},
                              {"knowledge_base", "question"})}},
      {{"name", "ingest_text"},
       {"description",
        "Adds (or replaces, by source) a text document in a knowledge base, creating the "
        "knowledge base when needed."},
       {"inputSchema",
        Schema({{"knowledge_base", kb},
                {"text", {{"type", "string"}}},
                {"source",
                 {{"type", "string"},
                  {"description", "Identifier of the document, e.g. notes/meeting.md"}}},
                {"metadata", {{"type", "object"}}}},
               {"knowledge_base", "text", "source"})}},
      {{"name", "list_knowledge_bases"},
       {"description", "Lists the knowledge bases with their document and chunk counts."},
       {"inputSchema", Schema(Json::object(), {})}},
  });
}

Result<std::string> StringArg(const Json& args, const std::string& key) {
  if (!args.contains(key) || !args[key].is_string() || args[key].get<std::string>().empty()) {
    return Status::InvalidArgument("argument '" + key + "' (a non-empty string) is required");
  }
  return args[key].get<std::string>();
}

Result<size_t> KArg(const Json& args, size_t def, size_t max) {
  if (!args.contains("k") || args["k"].is_null()) return def;
  if (!args["k"].is_number_integer() || args["k"].get<int64_t>() < 1 ||
      args["k"].get<int64_t>() > static_cast<int64_t>(max)) {
    return Status::InvalidArgument("argument 'k' must be an integer in 1.." + std::to_string(max));
  }
  return static_cast<size_t>(args["k"].get<int64_t>());
}

}  // namespace

McpServer::McpServer(Database& db, McpOptions options)
    : McpServer(std::make_shared<KbCatalog>(db), std::move(options)) {}
McpServer::McpServer(std::shared_ptr<KbCatalog> catalog, McpOptions options)
    : catalog_(std::move(catalog)), options_(std::move(options)) {}
McpServer::~McpServer() = default;

const std::vector<std::string>& McpServer::SupportedVersions() {
  static const std::vector<std::string> kVersions = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                     "2024-11-05"};
  return kVersions;
}

Result<std::shared_ptr<KnowledgeBase>> McpServer::GetKb(const std::string& name, bool create,
                                                        std::string_view sample_text) {
  return create ? catalog_->OpenOrCreate(name, options_.kb_defaults, sample_text)
                : catalog_->Open(name);
}

Result<Json> McpServer::CallTool(const std::string& name, const Json& args) {
  if (name == "list_knowledge_bases") {
    Json list = Json::array();
    for (const auto& kb_name : catalog_->List()) {
      auto kb = GetKb(kb_name, false);
      if (!kb.ok()) continue;
      auto info = (*kb)->Describe();
      if (!info.ok()) continue;
      list.push_back({{"name", kb_name}, {"documents", info->documents}, {"chunks", info->chunks}});
    }
    return Json{{"knowledge_bases", list}};
  }
  if (name != "search" && name != "ask" && name != "ingest_text") {
    return Status::NotFound("unknown tool '" + name + "'");
  }
  RAGDB_ASSIGN_OR_RETURN(std::string kb_name, StringArg(args, "knowledge_base"));
  if (name == "search") {
    RAGDB_ASSIGN_OR_RETURN(std::string query, StringArg(args, "query"));
    RetrieveOptions ro = options_.retrieve;
    RAGDB_ASSIGN_OR_RETURN(ro.k, KArg(args, ro.k, 100));
    if (args.contains("filter") && args["filter"].is_string() &&
        !args["filter"].get<std::string>().empty()) {
      RAGDB_ASSIGN_OR_RETURN(ro.filter, Filter::Parse(args["filter"].get<std::string>()));
    }
    RAGDB_ASSIGN_OR_RETURN(std::shared_ptr<KnowledgeBase> kb, GetKb(kb_name, false));
    RAGDB_ASSIGN_OR_RETURN(auto items, kb->Retrieve(query, ro));
    Json results = Json::array();
    for (const auto& it : items) {
      results.push_back({{"chunk_id", it.chunk_id},
                         {"source", it.source},
                         {"page", it.page},
                         {"heading_path", it.heading_path},
                         {"score", it.score},
                         {"text", it.text}});
    }
    return Json{{"results", results}};
  }
  if (name == "ask") {
    RAGDB_ASSIGN_OR_RETURN(std::string question, StringArg(args, "question"));
    AskOptions ao;
    ao.retrieve = options_.retrieve;
    ao.llm = options_.llm;
    RAGDB_ASSIGN_OR_RETURN(ao.retrieve.k, KArg(args, ao.retrieve.k, 50));
    RAGDB_ASSIGN_OR_RETURN(std::shared_ptr<KnowledgeBase> kb, GetKb(kb_name, false));
    RAGDB_ASSIGN_OR_RETURN(Answer a, Ask(*kb, question, ao));
    return a.ToJson();
  }
  if (name == "ingest_text") {
    RAGDB_ASSIGN_OR_RETURN(std::string text, StringArg(args, "text"));
    RAGDB_ASSIGN_OR_RETURN(std::string source, StringArg(args, "source"));
    Json meta = args.contains("metadata") && args["metadata"].is_object() ? args["metadata"]
                                                                          : Json::object();
    if (options_.read_only) {
      return Status::PermissionDenied("ingest_text needs a read-write API key");
    }
    RAGDB_ASSIGN_OR_RETURN(std::shared_ptr<KnowledgeBase> kb, GetKb(kb_name, true, text));
    RAGDB_ASSIGN_OR_RETURN(IngestResult r, kb->IngestText(source, text, meta));
    if (r.status == "skipped") return Status::InvalidArgument("not ingested: " + r.reason);
    return Json{{"status", r.status},
                {"source", r.source},
                {"doc_id", r.doc_id},
                {"chunks", r.chunks},
                {"knowledge_base", kb_name}};
  }
  return Status::NotFound("unknown tool '" + name + "'");
}

std::optional<Json> McpServer::HandleOne(const Json& msg) {
  if (!msg.is_object() || msg.value("jsonrpc", "") != "2.0") {
    return ErrorResponse(msg.is_object() && msg.contains("id") ? msg["id"] : Json(nullptr),
                         kInvalidRequest, "not a JSON-RPC 2.0 message");
  }
  const bool has_id = msg.contains("id");
  if (!msg.contains("method")) return std::nullopt;  // a response to us: nothing to do
  if (!msg["method"].is_string()) {
    return ErrorResponse(has_id ? msg["id"] : Json(nullptr), kInvalidRequest,
                         "method must be a string");
  }
  const std::string method = msg["method"].get<std::string>();
  if (!has_id) return std::nullopt;  // notifications/initialized, notifications/cancelled, ...
  const Json& id = msg["id"];
  const Json params =
      msg.contains("params") && msg["params"].is_object() ? msg["params"] : Json::object();
  auto ok = [&](Json result) {
    return Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
  };
  if (method == "initialize") {
    std::string requested = params.value("protocolVersion", "");
    const auto& versions = SupportedVersions();
    std::string version = versions.front();
    for (const auto& v : versions) {
      if (v == requested) version = v;
    }
    return ok({{"protocolVersion", version},
               {"capabilities", {{"tools", {{"listChanged", false}}}}},
               {"serverInfo", {{"name", "ragdb"}, {"version", "0.1.0"}}},
               {"instructions",
                "Knowledge bases of a ragdb database: list_knowledge_bases, search, ask (answers "
                "with [n] citations) and ingest_text."}});
  }
  if (method == "ping") return ok(Json::object());
  if (method == "tools/list") {
    Json tools = ToolList();
    if (options_.read_only) {
      tools.erase(std::remove_if(tools.begin(), tools.end(),
                                 [](const Json& t) { return t["name"] == "ingest_text"; }),
                  tools.end());
    }
    return ok({{"tools", std::move(tools)}});
  }
  if (method == "tools/call") {
    if (!params.contains("name") || !params["name"].is_string()) {
      return ErrorResponse(id, kInvalidParams, "tools/call needs params.name");
    }
    const std::string tool = params["name"].get<std::string>();
    const Json args = params.contains("arguments") && params["arguments"].is_object()
                          ? params["arguments"]
                          : Json::object();
    auto result = CallTool(tool, args);
    if (!result.ok()) {
      if (result.status().code() == StatusCode::kNotFound &&
          result.status().message().rfind("unknown tool", 0) == 0) {
        return ErrorResponse(id, kInvalidParams, result.status().message());
      }
      // Tool failures are results the model can read and act on, not protocol errors.
      return ok(ToolText(result.status().message(), /*is_error=*/true));
    }
    return ok(ToolText(*result));
  }
  return ErrorResponse(id, kMethodNotFound, "method not found: " + method);
}

std::optional<Json> McpServer::HandleMessage(const Json& message) {
  if (!message.is_array()) return HandleOne(message);
  if (message.empty()) return ErrorResponse(nullptr, kInvalidRequest, "empty batch");
  Json out = Json::array();
  for (const auto& m : message) {
    if (auto r = HandleOne(m)) out.push_back(std::move(*r));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<Json> McpServer::HandleText(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return ErrorResponse(nullptr, kParseError, "parse error: malformed JSON");
  return HandleMessage(j);
}

Status ServeStdio(McpServer& server, std::istream& in, std::ostream& out) {
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto response = server.HandleText(line);
    if (!response) continue;
    out << WriteJson(*response) << "\n";
    out.flush();
    if (!out) return Status::IOError("mcp: cannot write to stdout");
  }
  return Status::Ok();
}

}  // namespace ragdb::rag
