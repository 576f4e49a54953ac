// Knowledge bases over HTTP (/ragdb/kb): create, list, describe and drop; upload documents
// (multipart files or JSON text), list and delete them; retrieve; ask, optionally streamed as
// server-sent events. Bodies use the same envelope as the Qdrant endpoints.

#include <map>

#include "base/base64.h"
#include "base/json_text.h"
#include "model/default_models.h"
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
  RAGDB_RETURN_IF_ERROR(RejectUnknown(body,
                                      {"name", "chunk_size", "overlap", "mode", "parent_size",
                                       "embedder", "image_embedder", "sparse_embedder"},
                                      "create"));
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
  if (body.contains("image_embedder") && !body["image_embedder"].is_null()) {
    RAGDB_ASSIGN_OR_RETURN(std::string e, StringField(body, "image_embedder"));
    RAGDB_ASSIGN_OR_RETURN(o.image_embedder, ResolveServerModel(e));
  }
  if (body.contains("sparse_embedder") && !body["sparse_embedder"].is_null()) {
    RAGDB_ASSIGN_OR_RETURN(std::string e, StringField(body, "sparse_embedder"));
    if (SparseEmbedderKind(e).empty()) {
      return Status::InvalidArgument(
          "sparse_embedder: expected \"splade:MODEL\" or \"bge-m3-sparse:MODEL\"");
    }
    RAGDB_ASSIGN_OR_RETURN(o.sparse_embedder, ResolveServerModel(e));
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
  ctx.app.uploads().Forget(ctx.principal.tenant, ctx.Param("kb"));
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
  std::string file_name;  // multipart, or JSON with `data`: picks the parser; JSON text: empty
  std::string bytes;      // owned: streamed uploads are ingested after the request is gone
  Json metadata = Json::object();
  std::string decoded;  // JSON `data` (base64) decoded; used instead of `bytes` then
};

// How uploads are read: OCR mode and languages ("ocr", "ocr_lang" fields).
Result<rag::ReadOptions> ReadOptionsFrom(std::string_view ocr, std::string_view languages) {
  rag::ReadOptions r;
  if (!ocr.empty()) r.ocr = std::string(ocr);
  if (!languages.empty()) r.ocr_languages = std::string(languages);
  if (r.ocr != "auto" && r.ocr != "always" && r.ocr != "never") {
    return Status::InvalidArgument("`ocr` must be auto, always or never");
  }
  return r;
}

Result<Json> ParseMetadata(std::string_view text) {
  Json m = Json::parse(text, nullptr, false);
  if (m.is_discarded() || !m.is_object()) {
    return Status::InvalidArgument("`metadata` must be a JSON object");
  }
  return m;
}

// multipart/form-data: one or more "file" parts; optional "source" (only with one file),
// "metadata" (a JSON object, applied to every file), "ocr" (auto | always | never) and
// "ocr_lang" (Tesseract languages, "eng+chi_sim") fields.
Result<std::vector<Upload>> UploadsFromMultipart(const HttpRequest& req, rag::ReadOptions* read) {
  RAGDB_ASSIGN_OR_RETURN(auto parts, ParseMultipart(req.Header("content-type"), req.body));
  std::vector<Upload> files;
  std::string source;
  std::string ocr, ocr_lang;
  Json metadata = Json::object();
  for (const auto& p : parts) {
    if (p.name == "file" || p.name == "files" || p.name == "files[]") {
      if (p.filename.empty()) {
        return Status::InvalidArgument("multipart part `" + p.name + "` needs a filename");
      }
      files.push_back({p.filename, p.filename, std::string(p.data), Json::object()});
    } else if (p.name == "source") {
      source = std::string(p.data);
    } else if (p.name == "metadata") {
      RAGDB_ASSIGN_OR_RETURN(metadata, ParseMetadata(p.data));
    } else if (p.name == "ocr") {
      ocr = std::string(p.data);
    } else if (p.name == "ocr_lang") {
      ocr_lang = std::string(p.data);
    } else {
      return Status::InvalidArgument("multipart: unknown field `" + p.name +
                                     "` (expected file, source, metadata, ocr, ocr_lang)");
    }
  }
  RAGDB_ASSIGN_OR_RETURN(*read, ReadOptionsFrom(ocr, ocr_lang));
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

// {"source", "text"} or {"source", "file_name", "data": base64 of the file's bytes}.
Result<Upload> UploadFromJson(const Json& d) {
  if (!d.is_object()) return Status::InvalidArgument("a document must be a JSON object");
  RAGDB_RETURN_IF_ERROR(
      RejectUnknown(d, {"source", "text", "metadata", "file_name", "data"}, "document"));
  Upload u;
  RAGDB_ASSIGN_OR_RETURN(u.source, StringField(d, "source"));
  if (d.contains("data")) {
    if (!d["data"].is_string()) return Status::InvalidArgument("`data` must be a base64 string");
    RAGDB_ASSIGN_OR_RETURN(u.file_name, StringField(d, "file_name"));
    auto bytes = Base64Decode(d["data"].get<std::string>());
    if (!bytes.ok()) return Status::InvalidArgument("`data`: " + bytes.status().message());
    u.decoded = std::move(bytes).value();
  } else if (!d.contains("text") || !d["text"].is_string()) {
    return Status::InvalidArgument("missing field `text` (a string) or `data` (base64)");
  } else {
    u.bytes = d["text"].get_ref<const std::string&>();
  }
  if (d.contains("metadata") && !d["metadata"].is_null()) {
    if (!d["metadata"].is_object()) {
      return Status::InvalidArgument("`metadata` must be a JSON object");
    }
    u.metadata = d["metadata"];
  }
  return u;
}

// Ingests one upload, reporting its stages to `on_stage`, and records the outcome (with the
// time of each stage) in the server's upload log for the console.
Result<rag::IngestResult> IngestAndLog(App& app, const std::string& tenant,
                                       const std::string& kb_name, rag::KnowledgeBase& kb,
                                       const Upload& u, const rag::ReadOptions& read,
                                       const rag::IngestStageCallback& on_stage) {
  Json timings = Json::object();
  auto stages = [&](const rag::IngestStage& s) {
    if (s.done) timings[std::string(s.stage)] = s.ms;
    if (on_stage) on_stage(s);
  };
  const std::string& bytes = u.decoded.empty() ? u.bytes : u.decoded;
  auto r = u.file_name.empty()
               ? kb.IngestText(u.source, bytes, u.metadata, stages)
               : kb.IngestUpload(u.source, u.file_name, bytes, u.metadata, read, stages);
  Json entry;
  if (r.ok()) {
    entry = ResultJson(*r);
  } else {
    entry = {{"source", u.source}, {"status", "error"}, {"reason", r.status().message()}};
  }
  if (!u.file_name.empty()) entry["file_name"] = u.file_name;
  entry["timings_ms"] = std::move(timings);
  app.uploads().Add(tenant, kb_name, std::move(entry));
  return r;
}

// The upload endpoint's answer: each document's result and the counts by status.
Json UploadSummary(const Json& results) {
  std::map<std::string, size_t> counts;
  for (const Json& r : results) counts[r["status"].get<std::string>()]++;
  Json out = {{"documents", results}};
  for (const char* s : {"added", "updated", "unchanged", "skipped"}) out[s] = counts[s];
  return out;
}

std::string SseEvent(std::string_view event, const Json& data) {
  return "event: " + std::string(event) + "\ndata: " + WriteJson(data) + "\n\n";
}

Result<Json> UploadDocuments(Ctx& ctx) {
  const std::string& name = ctx.Param("kb");
  std::vector<Upload> uploads;
  rag::ReadOptions read;
  if (IsMultipartFormData(ctx.req.Header("content-type"))) {
    RAGDB_ASSIGN_OR_RETURN(uploads, UploadsFromMultipart(ctx.req, &read));
  } else {
    RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
    if (body.contains("ocr") || body.contains("ocr_lang")) {
      for (const char* k : {"ocr", "ocr_lang"}) {
        if (body.contains(k) && !body[k].is_string()) {
          return Status::InvalidArgument(std::string("`") + k + "` must be a string");
        }
      }
      RAGDB_ASSIGN_OR_RETURN(read,
                             ReadOptionsFrom(body.value("ocr", ""), body.value("ocr_lang", "")));
    }
    if (body.contains("documents")) {
      RAGDB_RETURN_IF_ERROR(RejectUnknown(body, {"documents", "ocr", "ocr_lang"}, "upload"));
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
  // Like `ragdb ingest`, the first upload creates the knowledge base with default options; the
  // "auto" embedder is chosen from the uploaded text (binary uploads such as PDFs do not count).
  RAGDB_ASSIGN_OR_RETURN(auto kbs, ctx.Kbs());
  RAGDB_RETURN_IF_ERROR(rag::KnowledgeBase::ValidateName(name));
  std::string sample;
  for (const Upload& u : uploads) {
    const bool binary = u.file_name.ends_with(".pdf") || u.file_name.ends_with(".docx");
    if (!binary && sample.size() < 16384) sample += u.bytes.substr(0, 16384 - sample.size());
  }
  RAGDB_ASSIGN_OR_RETURN(auto kb, kbs->OpenOrCreate(name, rag::KbOptions{}, sample));
  ctx.LockForWrite(rag::ChunksCollectionName(name));
  ctx.LockForWrite(rag::DocsCollectionName(name));

  if (ctx.req.Header("accept").find("text/event-stream") == std::string_view::npos) {
    Json results = Json::array();
    size_t skipped = 0;
    for (const Upload& u : uploads) {
      RAGDB_ASSIGN_OR_RETURN(rag::IngestResult r,
                             IngestAndLog(ctx.app, ctx.principal.tenant, name, *kb, u, read, {}));
      if (r.status == "skipped") ++skipped;
      results.push_back(ResultJson(r));
    }
    if (skipped == uploads.size()) {
      // Nothing was ingested: an error the client cannot miss, naming the first reason.
      return Status::InvalidArgument("not ingested: " + results[0]["source"].get<std::string>() +
                                     ": " + results[0]["reason"].get<std::string>());
    }
    return UploadSummary(results);
  }
  // Progress as server-sent events (the console's upload view): for each file, "stage" events
  // as parse, chunk, embed and write start and end, then a "document" event with its result;
  // finally "done" with the summary, or "error" when the database failed. The upload was read
  // and checked before the first event, so a malformed request still gets its 400.
  HttpResponse r;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.stream = [kept = ctx.KeepForStream(), kb, uploads = std::move(uploads), app = &ctx.app,
              tenant = ctx.principal.tenant, name, read](const StreamWriter& write) {
    // A client that goes away does not stop the ingestion: its files are still written.
    bool gone = false;
    auto send = [&](std::string_view event, const Json& data) {
      if (!gone && !write(SseEvent(event, data))) gone = true;
    };
    Json results = Json::array();
    for (size_t i = 0; i < uploads.size(); ++i) {
      const Upload& u = uploads[i];
      auto on_stage = [&](const rag::IngestStage& s) {
        Json e = {{"file", i},
                  {"source", u.source},
                  {"stage", std::string(s.stage)},
                  {"state", s.done ? "done" : "running"}};
        if (s.done) e["ms"] = s.ms;
        send("stage", e);
      };
      auto result = IngestAndLog(*app, tenant, name, *kb, u, read, on_stage);
      if (!result.ok()) {
        send("error", {{"error", result.status().message()}, {"file", i}, {"source", u.source}});
        return;
      }
      Json doc = ResultJson(*result);
      results.push_back(doc);
      doc["file"] = i;
      send("document", doc);
    }
    send("done", UploadSummary(results));
  };
  ctx.raw = std::move(r);
  return Json(nullptr);
}

// GET /ragdb/kb/{kb}/documents: every document, or one page with ?limit=N[&offset=DOC_ID]
// (then "next_offset" names the next page's first document, null on the last page).
Result<Json> ListDocuments(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto kb, OpenKb(ctx, ctx.Param("kb")));
  Json out = Json::array();
  if (ctx.req.Query("limit").empty()) {
    if (!ctx.req.Query("offset").empty()) {
      return Status::InvalidArgument("query parameter `offset` needs `limit`");
    }
    RAGDB_ASSIGN_OR_RETURN(auto docs, kb->ListDocuments());
    for (Json& d : docs) out.push_back(DocumentJson(std::move(d)));
    return Json{{"documents", out}};
  }
  RAGDB_ASSIGN_OR_RETURN(size_t limit, QueryUint(ctx.req, "limit", 0, kMaxPageSize));
  if (limit == 0) return Status::InvalidArgument("query parameter `limit` must be at least 1");
  RAGDB_ASSIGN_OR_RETURN(rag::DocumentPage page,
                         kb->ListDocuments(std::string(ctx.req.Query("offset")), limit));
  for (Json& d : page.documents) out.push_back(DocumentJson(std::move(d)));
  return Json{{"documents", out},
              {"next_offset", page.next_offset.empty() ? Json() : Json(page.next_offset)}};
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
  return Json{
      {"chunks", out},
      {"timings_ms",
       {{"embed", stats.embed_ms},
        {"search", stats.search_ms},
        {"rerank", stats.rerank_ms},
        {"assemble", stats.assemble_ms},
        {"total", stats.embed_ms + stats.search_ms + stats.rerank_ms + stats.assemble_ms}}}};
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
  // "auto" and the default models' names: pulled into the model cache on first use.
  if (name == kAutoEmbedder || model::FindDefaultModel(name) != nullptr) return name;
  // "clip:NAME" (an image-text model), "colbert:NAME", "splade:NAME", "bge-m3-sparse:NAME": an
  // installed model under its kind's prefix, named as the CLI names them.
  const std::string kind = name.starts_with("clip:")      ? "clip:"
                           : name.starts_with("colbert:") ? "colbert:"
                                                          : std::string(SparseEmbedderKind(name));
  if (!kind.empty()) {
    RAGDB_ASSIGN_OR_RETURN(std::string path, ResolveServerModel(name.substr(kind.size())));
    if (path.starts_with("hash") || path == kAutoEmbedder) {
      return Status::InvalidArgument(kind + " needs an installed model");
    }
    return kind + path;
  }
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

Json DocumentJson(Json row) {
  row.erase("kind");
  row.erase("input_metadata");
  return row;
}

Result<size_t> QueryUint(const HttpRequest& req, std::string_view name, size_t def, size_t max) {
  std::string_view v = req.Query(name);
  if (v.empty()) return def;
  size_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9' || n > max) {
      return Status::InvalidArgument("query parameter `" + std::string(name) +
                                     "` must be an integer in 0.." + std::to_string(max));
    }
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  if (n > max) {
    return Status::InvalidArgument("query parameter `" + std::string(name) +
                                   "` must be an integer in 0.." + std::to_string(max));
  }
  return n;
}

std::set<std::string> RetrieveFieldNames(std::set<std::string> extra) {
  extra.insert({"k", "filter", "candidates", "max_per_document", "token_budget", "merge_neighbors",
                "reranker", "mode", "fusion", "weights", "images", "thumbnails"});
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
  if (body.contains("mode") && !body["mode"].is_null()) {
    const Json& m = body["mode"];
    if (m == "hybrid") {
      o.mode = rag::RetrieveMode::kHybrid;
    } else if (m == "dense") {
      o.mode = rag::RetrieveMode::kDense;
    } else if (m == "bm25") {
      o.mode = rag::RetrieveMode::kBm25;
    } else if (m == "sparse") {
      o.mode = rag::RetrieveMode::kSparse;
    } else {
      return Status::InvalidArgument(
          "`mode` must be \"hybrid\", \"dense\", \"bm25\" or \"sparse\"");
    }
  }
  if (body.contains("fusion") && !body["fusion"].is_null()) {
    const Json& f = body["fusion"];
    if (f == "rrf") {
      o.fusion = rag::RetrieveFusion::kRrf;
    } else if (f == "weighted") {
      o.fusion = rag::RetrieveFusion::kWeighted;
    } else {
      return Status::InvalidArgument("`fusion` must be \"rrf\" or \"weighted\"");
    }
  }
  if (body.contains("weights") && !body["weights"].is_null()) {
    const Json& w = body["weights"];
    if (!w.is_object()) {
      return Status::InvalidArgument(
          "`weights` must be an object {\"dense\": w, \"bm25\": w, \"sparse\": w}");
    }
    for (const auto& [key, value] : w.items()) {
      double* slot = key == "dense"    ? &o.dense_weight
                     : key == "bm25"   ? &o.bm25_weight
                     : key == "sparse" ? &o.sparse_weight
                                       : nullptr;
      if (slot == nullptr) {
        return Status::InvalidArgument("weights: unknown field `" + key +
                                       "` (expected dense, bm25, sparse)");
      }
      if (!value.is_number() || !(value.get<double>() >= 0) || value.get<double>() > 1e6) {
        return Status::InvalidArgument("weights." + key + " must be a number in 0..1e6");
      }
      *slot = value.get<double>();
    }
    if (o.dense_weight + o.bm25_weight + o.sparse_weight <= 0) {
      return Status::InvalidArgument("weights: dense, bm25 and sparse must not all be 0");
    }
  }
  for (auto [key, field] : {std::pair{"images", &o.images}, {"thumbnails", &o.with_thumbnails}}) {
    if (!body.contains(key)) continue;
    if (!body[key].is_boolean()) {
      return Status::InvalidArgument(std::string("`") + key + "` must be a boolean");
    }
    *field = body[key].get<bool>();
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
