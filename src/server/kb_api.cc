// Knowledge bases over HTTP (/ragdb/kb): create, list, describe and drop; upload documents
// (multipart files or JSON text), list and delete them; retrieve; ask, optionally streamed as
// server-sent events. Bodies use the same envelope as the Qdrant endpoints.

#include <map>

#include "base/json_text.h"
#include "model/model_cache.h"
#include "rag/kb_internal.h"
#include "server/app.h"
#include "server/kb_http.h"
#include "server/multipart.h"

namespace ragdb::server {
namespace {

Status RejectUnknown(const Json& body, const std::set<std::string>& known, std::string_view what) {
  for (const auto& [k, v] : body.items()) {
    if (!known.count(k)) {
      return Status::InvalidArgument(std::string(what) + ": unknown field `" + k + "`");
    }
  }
  return Status::Ok();
}

Result<size_t> UintField(const Json& body, const std::string& key, size_t def, size_t max) {
  if (!body.contains(key) || body[key].is_null()) return def;
  const Json& v = body[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<uint64_t>() > max) {
    return Status::InvalidArgument("`" + key + "` must be an integer in 0.." + std::to_string(max));
  }
  return static_cast<size_t>(v.get<uint64_t>());
}

Result<std::string> StringField(const Json& body, const std::string& key) {
  if (!body.contains(key) || !body[key].is_string() || body[key].get<std::string>().empty()) {
    return Status::InvalidArgument("missing field `" + key + "` (a non-empty string)");
  }
  return body[key].get<std::string>();
}

Result<Json> CreateKb(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(RejectUnknown(
      body, {"name", "chunk_size", "overlap", "mode", "parent_size", "embedder"}, "create"));
  RAGDB_ASSIGN_OR_RETURN(std::string name, StringField(body, "name"));
  rag::KbOptions o;
  RAGDB_ASSIGN_OR_RETURN(o.chunk_size, UintField(body, "chunk_size", o.chunk_size, 100000));
  RAGDB_ASSIGN_OR_RETURN(o.overlap, UintField(body, "overlap", o.overlap, 100000));
  RAGDB_ASSIGN_OR_RETURN(o.parent_size, UintField(body, "parent_size", o.parent_size, 1000000));
  if (body.contains("mode")) {
    RAGDB_ASSIGN_OR_RETURN(o.mode, StringField(body, "mode"));
  }
  if (body.contains("embedder")) {
    RAGDB_ASSIGN_OR_RETURN(std::string e, StringField(body, "embedder"));
    RAGDB_ASSIGN_OR_RETURN(o.embedder, ResolveServerModel(e));
  }
  RAGDB_ASSIGN_OR_RETURN(auto kbs, ctx.Kbs());
  RAGDB_ASSIGN_OR_RETURN(auto kb, kbs->Create(name, o));
  RAGDB_ASSIGN_OR_RETURN(rag::KbInfo info, kb->Describe());
  return info.ToJson();
}

Result<Json> ListKbs(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto kbs, ctx.Kbs());
  Json out = Json::array();
  for (const auto& name : kbs->List()) {
    auto kb = kbs->Open(name);
    if (!kb.ok()) {  // listed but unusable (e.g. interrupted creation): say why, keep going
      out.push_back({{"name", name}, {"error", kb.status().message()}});
      continue;
    }
    RAGDB_ASSIGN_OR_RETURN(rag::KbInfo info, (*kb)->Describe());
    out.push_back(info.ToJson());
  }
  return Json{{"knowledge_bases", out}};
}

Result<Json> GetKb(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto kb, OpenKb(ctx, ctx.Param("kb")));
  RAGDB_ASSIGN_OR_RETURN(rag::KbInfo info, kb->Describe());
  return info.ToJson();
}

Result<Json> DropKb(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto kbs, ctx.Kbs());
  RAGDB_RETURN_IF_ERROR(kbs->Drop(ctx.Param("kb")));
  return Json(true);
}

Json ResultJson(const rag::IngestResult& r) {
  Json j = {{"source", r.source}, {"status", r.status}};
  if (!r.doc_id.empty()) j["doc_id"] = r.doc_id;
  if (r.status == "skipped") {
    j["reason"] = r.reason;
  } else {
    j["chunks"] = r.chunks;
    j["bytes"] = r.bytes;
    if (r.pages > 0) j["pages"] = r.pages;
  }
  return j;
}

// One document to ingest, however it arrived.
struct Upload {
  std::string source;
  std::string file_name;  // multipart: picks the parser; JSON text: empty
  std::string_view bytes;
  Json metadata = Json::object();
};

Result<Json> ParseMetadata(std::string_view text) {
  Json m = Json::parse(text, nullptr, false);
  if (m.is_discarded() || !m.is_object()) {
    return Status::InvalidArgument("`metadata` must be a JSON object");
  }
  return m;
}

// multipart/form-data: one or more "file" parts; optional "source" (only with one file) and
// "metadata" (a JSON object, applied to every file) fields.
Result<std::vector<Upload>> UploadsFromMultipart(const HttpRequest& req) {
  RAGDB_ASSIGN_OR_RETURN(auto parts, ParseMultipart(req.Header("content-type"), req.body));
  std::vector<Upload> files;
  std::string source;
  Json metadata = Json::object();
  for (const auto& p : parts) {
    if (p.name == "file" || p.name == "files" || p.name == "files[]") {
      if (p.filename.empty()) {
        return Status::InvalidArgument("multipart part `" + p.name + "` needs a filename");
      }
      files.push_back({p.filename, p.filename, p.data, Json::object()});
    } else if (p.name == "source") {
      source = std::string(p.data);
    } else if (p.name == "metadata") {
      RAGDB_ASSIGN_OR_RETURN(metadata, ParseMetadata(p.data));
    } else {
      return Status::InvalidArgument("multipart: unknown field `" + p.name +
                                     "` (expected file, source, metadata)");
    }
  }
  if (files.empty()) return Status::InvalidArgument("multipart: no `file` part");
  if (!source.empty()) {
    if (files.size() > 1) {
      return Status::InvalidArgument("multipart: `source` names one file; send one file");
    }
    files[0].source = source;
  }
  for (auto& f : files) f.metadata = metadata;
  return files;
}

Result<Upload> UploadFromJson(const Json& d) {
  if (!d.is_object()) return Status::InvalidArgument("a document must be a JSON object");
  RAGDB_RETURN_IF_ERROR(RejectUnknown(d, {"source", "text", "metadata"}, "document"));
  Upload u;
  RAGDB_ASSIGN_OR_RETURN(u.source, StringField(d, "source"));
  if (!d.contains("text") || !d["text"].is_string()) {
    return Status::InvalidArgument("missing field `text` (a string)");
  }
  u.bytes = d["text"].get_ref<const std::string&>();
  if (d.contains("metadata") && !d["metadata"].is_null()) {
    if (!d["metadata"].is_object()) {
      return Status::InvalidArgument("`metadata` must be a JSON object");
    }
    u.metadata = d["metadata"];
  }
  return u;
}

Result<Json> UploadDocuments(Ctx& ctx) {
  const std::string& name = ctx.Param("kb");
  std::vector<Upload> uploads;
  Json body;  // owns the texts that JSON uploads point into
  if (IsMultipartFormData(ctx.req.Header("content-type"))) {
    RAGDB_ASSIGN_OR_RETURN(uploads, UploadsFromMultipart(ctx.req));
  } else {
    RAGDB_ASSIGN_OR_RETURN(body, ctx.Body());
    if (body.contains("documents")) {
      RAGDB_RETURN_IF_ERROR(RejectUnknown(body, {"documents"}, "upload"));
      if (!body["documents"].is_array() || body["documents"].empty()) {
        return Status::InvalidArgument("`documents` must be a non-empty array");
      }
      for (const Json& d : body["documents"]) {
        RAGDB_ASSIGN_OR_RETURN(Upload u, UploadFromJson(d));
        uploads.push_back(std::move(u));
      }
    } else {
      RAGDB_ASSIGN_OR_RETURN(Upload u, UploadFromJson(body));
      uploads.push_back(std::move(u));
    }
  }
  // Like `ragdb ingest`, the first upload creates the knowledge base with default options.
  RAGDB_ASSIGN_OR_RETURN(auto kbs, ctx.Kbs());
  RAGDB_RETURN_IF_ERROR(rag::KnowledgeBase::ValidateName(name));
  RAGDB_ASSIGN_OR_RETURN(auto kb, kbs->OpenOrCreate(name, rag::KbOptions{}));
  ctx.LockForWrite(rag::ChunksCollectionName(name));
  ctx.LockForWrite(rag::DocsCollectionName(name));

  Json results = Json::array();
  size_t skipped = 0;
  std::map<std::string, size_t> counts;
  for (const Upload& u : uploads) {
    std::string bytes(u.bytes);
    rag::IngestResult r;
    if (u.file_name.empty()) {
      RAGDB_ASSIGN_OR_RETURN(r, kb->IngestText(u.source, bytes, u.metadata));
    } else {
      RAGDB_ASSIGN_OR_RETURN(r, kb->IngestUpload(u.source, u.file_name, bytes, u.metadata));
    }
    counts[r.status]++;
    if (r.status == "skipped") ++skipped;
    results.push_back(ResultJson(r));
  }
  if (skipped == uploads.size()) {
    // Nothing was ingested: an error the client cannot miss, naming the first reason.
    return Status::InvalidArgument("not ingested: " + results[0]["source"].get<std::string>() +
                                   ": " + results[0]["reason"].get<std::string>());
  }
  Json out = {{"documents", results}};
  for (const char* s : {"added", "updated", "unchanged", "skipped"}) out[s] = counts[s];
  return out;
}

Result<Json> ListDocuments(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto kb, OpenKb(ctx, ctx.Param("kb")));
  RAGDB_ASSIGN_OR_RETURN(auto docs, kb->ListDocuments());
  Json out = Json::array();
  for (Json& d : docs) {
    d.erase("kind");
    d.erase("input_metadata");
    out.push_back(std::move(d));
  }
  return Json{{"documents", out}};
}

Result<Json> DeleteDocument(Ctx& ctx) {
  const std::string& name = ctx.Param("kb");
  RAGDB_ASSIGN_OR_RETURN(auto kb, OpenKb(ctx, name));
  ctx.LockForWrite(rag::ChunksCollectionName(name));
  ctx.LockForWrite(rag::DocsCollectionName(name));
  RAGDB_RETURN_IF_ERROR(kb->RemoveDocumentById(ctx.Param("doc_id")));
  return Json(true);
}

// DELETE /ragdb/kb/{kb}/documents?source=...: sources are paths or URIs, awkward in a path.
Result<Json> DeleteDocumentBySource(Ctx& ctx) {
  const std::string& name = ctx.Param("kb");
  std::string source(ctx.req.Query("source"));
  if (source.empty()) return Status::InvalidArgument("query parameter `source` is required");
  RAGDB_ASSIGN_OR_RETURN(auto kb, OpenKb(ctx, name));
  ctx.LockForWrite(rag::ChunksCollectionName(name));
  ctx.LockForWrite(rag::DocsCollectionName(name));
  RAGDB_RETURN_IF_ERROR(kb->RemoveDocument(source));
  return Json(true);
}

Result<Json> RetrieveChunks(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(RejectUnknown(body, RetrieveFieldNames({"query"}), "retrieve"));
  RAGDB_ASSIGN_OR_RETURN(std::string query, StringField(body, "query"));
  RAGDB_ASSIGN_OR_RETURN(rag::RetrieveOptions ro, RetrieveOptionsFromJson(body));
  RAGDB_ASSIGN_OR_RETURN(auto kb, OpenKb(ctx, ctx.Param("kb")));
  rag::RetrieveStats stats;
  RAGDB_ASSIGN_OR_RETURN(auto items, kb->Retrieve(query, ro, &stats));
  Json out = Json::array();
  for (const auto& it : items) out.push_back(it.ToJson());
  return Json{{"chunks", out},
              {"timings_ms",
               {{"embed", stats.embed_ms},
                {"search", stats.search_ms},
                {"rerank", stats.rerank_ms},
                {"assemble", stats.assemble_ms}}}};
}

std::string SseEvent(std::string_view event, const Json& data) {
  return "event: " + std::string(event) + "\ndata: " + WriteJson(data) + "\n\n";
}

// "history": earlier turns [{"role": "user" | "assistant", "content"}], oldest first.
Result<std::vector<rag::ConversationTurn>> HistoryFromJson(const Json& body) {
  std::vector<rag::ConversationTurn> turns;
  if (!body.contains("history") || body["history"].is_null()) return turns;
  const Json& h = body["history"];
  if (!h.is_array()) return Status::InvalidArgument("`history` must be an array of turns");
  for (const Json& t : h) {
    if (!t.is_object()) return Status::InvalidArgument("history: a turn must be an object");
    RAGDB_RETURN_IF_ERROR(RejectUnknown(t, {"role", "content"}, "history"));
    RAGDB_ASSIGN_OR_RETURN(std::string role, StringField(t, "role"));
    if (role != "user" && role != "assistant") {
      return Status::InvalidArgument("history: role must be \"user\" or \"assistant\"");
    }
    if (!t.contains("content") || !t["content"].is_string()) {
      return Status::InvalidArgument("history: missing field `content` (a string)");
    }
    turns.push_back({role, t["content"].get<std::string>()});
  }
  return turns;
}

Result<Json> AskKb(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(
      RejectUnknown(body, RetrieveFieldNames({"question", "stream", "timings", "history"}), "ask"));
  RAGDB_ASSIGN_OR_RETURN(std::string question, StringField(body, "question"));
  rag::AskOptions ao;
  RAGDB_ASSIGN_OR_RETURN(ao.retrieve, RetrieveOptionsFromJson(body));
  RAGDB_ASSIGN_OR_RETURN(ao.history, HistoryFromJson(body));
  ao.llm = ctx.app.llm();
  const bool timings = body.value("timings", false);
  RAGDB_ASSIGN_OR_RETURN(auto kb, OpenKb(ctx, ctx.Param("kb")));
  if (!body.value("stream", false)) {
    RAGDB_ASSIGN_OR_RETURN(rag::Answer a, rag::Ask(*kb, question, ao));
    return a.ToJson(timings);
  }
  // Server-sent events: "delta" events with generated text as it arrives (LLM mode), then one
  // "answer" event with the final answer and its citations, or one "error" event.
  HttpResponse r;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.stream = [kept = ctx.KeepForStream(), kb, question, ao, timings](const StreamWriter& write) {
    rag::AskOptions o = ao;
    bool client_gone = false;
    o.on_token = [&](const std::string& piece) {
      if (!client_gone && !write(SseEvent("delta", {{"text", piece}}))) client_gone = true;
    };
    auto a = rag::Ask(*kb, question, o);
    if (client_gone) return;
    if (!a.ok()) {
      write(SseEvent("error", {{"error", a.status().message()}}));
      return;
    }
    write(SseEvent("answer", a->ToJson(timings)));
  };
  ctx.raw = std::move(r);
  return Json(nullptr);
}

}  // namespace

Result<std::string> ResolveServerModel(const std::string& name) {
  if (name == "hash" || name.starts_with("hash:")) return name;
  // Installed names only: a remote client must not load (or probe for) server folders.
  std::string path = model::FindInstalledSpec(name);
  if (path.empty()) {
    return Status::InvalidArgument("model '" + name +
                                   "' is not installed (use `hash`, `hash:DIM` or a model "
                                   "installed with `ragdb model pull`)");
  }
  return path;
}

Result<std::shared_ptr<rag::KnowledgeBase>> OpenKb(Ctx& ctx, const std::string& name) {
  RAGDB_ASSIGN_OR_RETURN(auto kbs, ctx.Kbs());
  return kbs->Open(name);
}

std::set<std::string> RetrieveFieldNames(std::set<std::string> extra) {
  extra.insert({"k", "filter", "candidates", "max_per_document", "token_budget", "merge_neighbors",
                "reranker"});
  return extra;
}

Result<rag::RetrieveOptions> RetrieveOptionsFromJson(const Json& body) {
  rag::RetrieveOptions o;
  RAGDB_ASSIGN_OR_RETURN(o.k, UintField(body, "k", o.k, 100));
  if (o.k == 0) return Status::InvalidArgument("`k` must be at least 1");
  RAGDB_ASSIGN_OR_RETURN(o.candidates, UintField(body, "candidates", 0, 1000));
  RAGDB_ASSIGN_OR_RETURN(o.max_per_document,
                         UintField(body, "max_per_document", o.max_per_document, 100));
  RAGDB_ASSIGN_OR_RETURN(o.token_budget, UintField(body, "token_budget", o.token_budget, 1000000));
  if (body.contains("merge_neighbors")) {
    if (!body["merge_neighbors"].is_boolean()) {
      return Status::InvalidArgument("`merge_neighbors` must be a boolean");
    }
    o.merge_neighbors = body["merge_neighbors"].get<bool>();
  }
  if (body.contains("filter") && !body["filter"].is_null()) {
    const Json& f = body["filter"];
    if (f.is_string()) {
      RAGDB_ASSIGN_OR_RETURN(o.filter, Filter::Parse(f.get<std::string>()));
    } else if (f.is_object()) {
      RAGDB_ASSIGN_OR_RETURN(o.filter, Filter::FromJson(f));
    } else {
      return Status::InvalidArgument(
          "`filter` must be an expression string or a Qdrant-style filter object");
    }
  }
  if (body.contains("reranker") && !body["reranker"].is_null()) {
    if (!body["reranker"].is_string())
      return Status::InvalidArgument("`reranker` must be a string");
    RAGDB_ASSIGN_OR_RETURN(std::string path,
                           ResolveServerModel(body["reranker"].get<std::string>()));
    if (path.starts_with("hash")) {
      return Status::InvalidArgument("`reranker` must name an installed cross-encoder model");
    }
    o.reranker = path;
  }
  return o;
}

void RegisterKbRoutes(App& app) {
  app.Route("GET", "/ragdb/kb", Access::kRead, ListKbs);
  app.Route("POST", "/ragdb/kb", Access::kWrite, CreateKb);
  app.Route("GET", "/ragdb/kb/{kb}", Access::kRead, GetKb);
  app.Route("DELETE", "/ragdb/kb/{kb}", Access::kWrite, DropKb);
  app.Route("GET", "/ragdb/kb/{kb}/documents", Access::kRead, ListDocuments);
  app.Route("POST", "/ragdb/kb/{kb}/documents", Access::kWrite, UploadDocuments);
  app.Route("DELETE", "/ragdb/kb/{kb}/documents", Access::kWrite, DeleteDocumentBySource);
  app.Route("DELETE", "/ragdb/kb/{kb}/documents/{doc_id}", Access::kWrite, DeleteDocument);
  app.Route("POST", "/ragdb/kb/{kb}/retrieve", Access::kRead, RetrieveChunks);
  app.Route("POST", "/ragdb/kb/{kb}/ask", Access::kRead, AskKb);
}

}  // namespace ragdb::server
