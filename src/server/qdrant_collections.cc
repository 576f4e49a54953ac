// Service and collection endpoints of the Qdrant REST API.
#include <algorithm>

#include "cluster/node.h"
#include "server/app.h"
#include "server/qdrant_convert.h"

namespace ragdb::server {

// The Qdrant API version whose shapes this server follows; clients compare it with their own.
inline constexpr const char* kQdrantApiVersion = "1.18.0";

void RegisterServiceRoutes(App& app) {
  // Qdrant answers "/" with a bare VersionInfo object, not the envelope.
  app.Route("GET", "/", Access::kPublic, [](Ctx& ctx) -> Result<Json> {
    HttpResponse r;
    r.body = Json{{"title", "ragdb - Qdrant-compatible vector database"},
                  {"version", kQdrantApiVersion},
                  {"ragdb_version", "0.1.0"}}
                 .dump();
    ctx.raw = std::move(r);
    return Json();
  });
  auto text = [](const char* body) {
    return [body](Ctx& ctx) -> Result<Json> {
      HttpResponse r;
      r.content_type = "text/plain; charset=utf-8";
      r.body = body;
      ctx.raw = std::move(r);
      return Json();
    };
  };
  app.Route("GET", "/healthz", Access::kPublic, text("healthz check passed"), Runs::kInline);
  app.Route("GET", "/livez", Access::kPublic, text("livez check passed"), Runs::kInline);
  app.Route("GET", "/readyz", Access::kPublic, [](Ctx& ctx) -> Result<Json> {
    if (!ctx.app.ready()) return Status::Unavailable("shutting down");
    HttpResponse r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "all shards are ready";
    ctx.raw = std::move(r);
    return Json();
  });
}

namespace {

Result<Json> ListCollections(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(Database * db, ctx.Db());
  Json list = Json::array();
  for (const auto& n : db->ListCollections()) list.push_back({{"name", n}});
  return Json{{"collections", list}};
}

Result<Json> CreateCollection(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_RETURN_IF_ERROR(ValidateCollectionName(name));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_ASSIGN_OR_RETURN(CollectionSchema schema, SchemaFromQdrant(body));
  Result<std::shared_ptr<Collection>> c = Status::Internal("unset");
  if (ctx.app.cluster() != nullptr) {
    // Cluster mode honours shard_number and replication_factor (docs/cluster.md).
    RAGDB_ASSIGN_OR_RETURN(auto shards, OptUint(body, "shard_number"));
    RAGDB_ASSIGN_OR_RETURN(auto replication, OptUint(body, "replication_factor"));
    Status s =
        ctx.app.cluster()->CreateCollection(ClusterPrefix(ctx.principal.tenant) + name, schema,
                                            shards.value_or(1), replication.value_or(1));
    c = s.ok() ? ctx.GetCollection(name) : Result<std::shared_ptr<Collection>>(s);
  } else {
    RAGDB_ASSIGN_OR_RETURN(Database * db, ctx.Db());
    c = db->CreateCollection(name, schema);
  }
  if (!c.ok()) {
    if (c.status().code() == StatusCode::kAlreadyExists) {
      // Qdrant's wording, with our table's code (409).
      return Status::AlreadyExists("Wrong input: Collection `" + name + "` already exists!");
    }
    return c.status();
  }
  return Json(true);
}

Result<Json> GetCollectionInfo(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  RAGDB_ASSIGN_OR_RETURN(CollectionInfo info, col->Describe());
  std::vector<std::pair<std::string, uint64_t>> counts;
  for (const auto& p : info.schema.payload_indexes) {
    Filter f;
    Condition c;
    c.kind = Condition::Kind::kIsEmpty;
    c.key = p.path;
    f.must_not.push_back(c);
    auto n = col->Count(&f);
    counts.emplace_back(p.path, n.ok() ? *n : 0);
  }
  Json out = QdrantCollectionInfo(info, counts);
  if (ctx.app.cluster() != nullptr) {
    auto meta = ctx.app.cluster()->GetMeta(ClusterPrefix(ctx.principal.tenant) + name);
    if (meta.ok() && out.contains("config")) {
      out["config"]["params"]["shard_number"] = meta->shards;
      out["config"]["params"]["replication_factor"] = meta->replication;
    }
  }
  return out;
}

Result<Json> CollectionExists(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(Database * db, ctx.Db());
  auto names = db->ListCollections();
  bool exists = std::find(names.begin(), names.end(), ctx.Param("collection_name")) != names.end();
  return Json{{"exists", exists}};
}

Result<Json> DeleteCollection(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(Database * db, ctx.Db());
  ctx.LockForWrite(name);
  Status s = db->DropCollection(name);
  if (s.code() == StatusCode::kNotFound) return Json(false);  // as Qdrant: false, not 404
  RAGDB_RETURN_IF_ERROR(s);
  return Json(true);
}

Result<Json> UpdateCollection(Ctx& ctx) {
  // PATCH: parameters ragdb cannot change after creation.
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  for (const auto& [k, v] : body.items()) {
    if (k == "optimizers_config" || k == "params" || k == "metadata") continue;  // no-ops here
    return Status::Unimplemented("updating `" + k + "` of a collection is not supported yet");
  }
  return Json(true);
}

Result<Json> CreateIndex(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_ASSIGN_OR_RETURN(auto field, OptString(body, "field_name"));
  if (!field || field->empty()) return Status::InvalidArgument("missing field `field_name`");
  PayloadIndexField f;
  f.path = *field;
  const Json* schema = body.contains("field_schema") ? &body["field_schema"] : nullptr;
  std::string type;
  if (!schema || schema->is_null()) {
    return Status::InvalidArgument("missing field `field_schema`");
  } else if (schema->is_string()) {
    type = schema->get<std::string>();
  } else if (schema->is_object() && (*schema)["type"].is_string()) {
    type = (*schema)["type"].get<std::string>();
  } else {
    return Status::InvalidArgument("field_schema: expected a type name or {\"type\": ...}");
  }
  if (type == "geo" || type == "datetime" || type == "uuid") {
    return Status::Unimplemented("payload index type `" + type + "` is not supported yet");
  }
  RAGDB_ASSIGN_OR_RETURN(f.type, ParsePayloadType(type));
  ctx.LockForWrite(name);
  Status s = col->CreatePayloadIndex(f);
  if (s.code() != StatusCode::kAlreadyExists) RAGDB_RETURN_IF_ERROR(s);
  return Json{{"operation_id", ctx.app.NextOperationId()}, {"status", "completed"}};
}

Result<Json> DeleteIndex(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  return Status::Unimplemented("deleting a payload index is not supported yet");
}

}  // namespace

void RegisterCollectionRoutes(App& app) {
  app.Route("GET", "/collections", Access::kRead, ListCollections, Runs::kInline);
  app.Route("PUT", "/collections/{collection_name}", Access::kWrite, CreateCollection);
  app.Route("GET", "/collections/{collection_name}", Access::kRead, GetCollectionInfo,
            Runs::kInline);
  app.Route("PATCH", "/collections/{collection_name}", Access::kWrite, UpdateCollection);
  app.Route("DELETE", "/collections/{collection_name}", Access::kWrite, DeleteCollection);
  app.Route("GET", "/collections/{collection_name}/exists", Access::kRead, CollectionExists,
            Runs::kInline);
  app.Route("PUT", "/collections/{collection_name}/index", Access::kWrite, CreateIndex);
  app.Route("DELETE", "/collections/{collection_name}/index/{field_name}", Access::kWrite,
            DeleteIndex);
}

}  // namespace ragdb::server
