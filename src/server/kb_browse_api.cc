// Browsing knowledge bases over HTTP, for the web console: one document, its chunks one page
// at a time, one chunk with its neighbours, and the outcomes of recent uploads. Pages are read
// by chunk index (server-side paging), so a page costs the same in a KB of any size.
#include "server/app.h"
#include "server/kb_http.h"

namespace ragdb::server {
namespace {

// GET /ragdb/kb/{kb}/documents/{doc_id}
Result<Json> GetDocument(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto kb, OpenKb(ctx, ctx.Param("kb")));
  RAGDB_ASSIGN_OR_RETURN(Json row, kb->GetDocument(ctx.Param("doc_id")));
  return DocumentJson(std::move(row));
}

// GET /ragdb/kb/{kb}/documents/{doc_id}/chunks?offset=N&limit=M: chunks N..N+M-1 of the
// document's current version in reading order, with the document's chunk count ("total") and
// the offset of the next page (null on the last).
Result<Json> ListChunks(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(size_t offset, QueryUint(ctx.req, "offset", 0, size_t{1} << 40));
  RAGDB_ASSIGN_OR_RETURN(size_t limit, QueryUint(ctx.req, "limit", 50, kMaxPageSize));
  if (limit == 0) return Status::InvalidArgument("query parameter `limit` must be at least 1");
  RAGDB_ASSIGN_OR_RETURN(auto kb, OpenKb(ctx, ctx.Param("kb")));
  const std::string& doc_id = ctx.Param("doc_id");
  RAGDB_ASSIGN_OR_RETURN(Json row, kb->GetDocument(doc_id));
  const size_t total = row.value("chunks", size_t{0});
  RAGDB_ASSIGN_OR_RETURN(auto chunks, kb->DocumentChunks(doc_id, offset, limit));
  Json out = Json::array();
  for (const auto& c : chunks) out.push_back(c.ToJson());
  const size_t next = offset + limit;
  return Json{{"chunks", out},
              {"total", total},
              {"offset", offset},
              {"next_offset", next < total ? Json(next) : Json()}};
}

// GET /ragdb/kb/{kb}/chunks/{chunk_id}: the chunk, its document's row, and the chunks before
// and after it in the document (null at either end).
Result<Json> GetChunk(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto kb, OpenKb(ctx, ctx.Param("kb")));
  RAGDB_ASSIGN_OR_RETURN(rag::StoredChunk chunk, kb->GetChunk(ctx.Param("chunk_id")));
  RAGDB_ASSIGN_OR_RETURN(Json row, kb->GetDocument(chunk.doc_id));
  const size_t first = chunk.index == 0 ? 0 : chunk.index - 1;
  RAGDB_ASSIGN_OR_RETURN(auto around, kb->DocumentChunks(chunk.doc_id, first, 3));
  Json previous, next;
  for (const auto& c : around) {
    if (c.index + 1 == chunk.index) previous = c.ToJson();
    if (c.index == chunk.index + 1) next = c.ToJson();
  }
  Json out = chunk.ToJson();
  out["document"] = DocumentJson(std::move(row));
  out["previous"] = std::move(previous);
  out["next"] = std::move(next);
  return out;
}

// GET /ragdb/kb/{kb}/uploads: the outcomes of recent uploads, newest first, including files
// that could not be ingested and why (kept in memory while the server runs).
Result<Json> ListUploads(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto kb, OpenKb(ctx, ctx.Param("kb")));
  Json out = Json::array();
  for (Json& e : ctx.app.uploads().Recent(ctx.principal.tenant, kb->name())) {
    out.push_back(std::move(e));
  }
  return Json{{"uploads", out}};
}

}  // namespace

void RegisterKbBrowseRoutes(App& app) {
  app.Route("GET", "/ragdb/kb/{kb}/documents/{doc_id}", Access::kRead, GetDocument);
  app.Route("GET", "/ragdb/kb/{kb}/documents/{doc_id}/chunks", Access::kRead, ListChunks);
  app.Route("GET", "/ragdb/kb/{kb}/chunks/{chunk_id}", Access::kRead, GetChunk);
  app.Route("GET", "/ragdb/kb/{kb}/uploads", Access::kRead, ListUploads);
}

}  // namespace ragdb::server
