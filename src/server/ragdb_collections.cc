// ragdb's own collection endpoints, for what Qdrant's API cannot say: the schema in ragdb's JSON
// form (embedders, text analyzers, IVF indexes, element types), ragdb's description of a
// collection, and optimize. The Python client (python/ragdb/http.py) uses them beside the Qdrant
// endpoints.
//   PUT    /ragdb/collections/{c}           CollectionSchema JSON -> true (409 when it exists)
//   GET    /ragdb/collections/{c}           -> CollectionInfo JSON {name, points, schema, ...}
//   DELETE /ragdb/collections/{c}           -> true (404 when unknown)
//   POST   /ragdb/collections/{c}/optimize  -> CollectionInfo JSON after the optimize
#include "server/app.h"
#include "server/kb_http.h"

namespace ragdb::server {
namespace {

Result<Json> CreateRagdbCollection(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_RETURN_IF_ERROR(ValidateCollectionName(name));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_ASSIGN_OR_RETURN(CollectionSchema schema, CollectionSchema::FromJson(body));
  // Embedders are names the server resolves, never folders a client picks (as for /ragdb/kb).
  for (auto& f : schema.vectors) {
    if (f.embedder.empty()) continue;
    auto path = ResolveServerModel(f.embedder);
    if (!path.ok()) return path.status().WithContext("schema: vector '" + f.name + "'");
    f.embedder = *path;
  }
  RAGDB_ASSIGN_OR_RETURN(Database * db, ctx.Db());
  RAGDB_RETURN_IF_ERROR(db->CreateCollection(name, schema).status());
  return Json(true);
}

Result<Json> DescribeRagdbCollection(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(CollectionInfo info, col->Describe());
  return info.ToJson();
}

Result<Json> DropRagdbCollection(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(Database * db, ctx.Db());
  ctx.LockForWrite(name);
  RAGDB_RETURN_IF_ERROR(db->DropCollection(name));
  return Json(true);
}

Result<Json> OptimizeRagdbCollection(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  ctx.LockForWrite(name);  // optimize rewrites the collection's files (snapshots copy them)
  RAGDB_RETURN_IF_ERROR(col->Optimize());
  RAGDB_ASSIGN_OR_RETURN(CollectionInfo info, col->Describe());
  return info.ToJson();
}

}  // namespace

void RegisterRagdbCollectionRoutes(App& app) {
  const std::string c = "/ragdb/collections/{collection_name}";
  app.Route("PUT", c, Access::kWrite, CreateRagdbCollection);
  app.Route("GET", c, Access::kRead, DescribeRagdbCollection, Runs::kInline);
  app.Route("DELETE", c, Access::kWrite, DropRagdbCollection);
  app.Route("POST", c + "/optimize", Access::kWrite, OptimizeRagdbCollection);
}

}  // namespace ragdb::server
