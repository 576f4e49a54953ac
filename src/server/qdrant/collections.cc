// Service and collection endpoints of the Qdrant REST API.
#include <algorithm>

#include "cluster/node.h"
#include "server/app.h"
#include "server/qdrant/convert.h"
#include "server/qdrant/fields.h"

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
  RAGDB_RETURN_IF_ERROR(CheckDistribution(body, ctx.app.cluster() != nullptr));
  RAGDB_ASSIGN_OR_RETURN(CollectionSchema schema, SchemaFromQdrant(body, &ctx.warnings));
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

// PATCH /collections/{c}: hnsw_config, quantization_config and optimizers_config
// (indexing_threshold), for every vector field or per field under `vectors`. Everything is
// checked before anything changes; the new index parameters are durable when this answers, and
// each sealed segment's index is rebuilt in the background while the old one keeps serving
// (Collection::UpdateVectorIndex; GET /collections/{c} says "yellow" until they are done).
Result<Json> UpdateCollection(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kUpdateCollectionFields, &ctx.warnings));
  if (auto p = body.find("params"); p != body.end() && !p->is_null()) {
    RAGDB_RETURN_IF_ERROR(CheckFields(*p, "params", kCollectionParamsFields, &ctx.warnings));
    RAGDB_RETURN_IF_ERROR(CheckDistribution(*p, ctx.app.cluster() != nullptr));
    if (auto d = p->find("on_disk_payload"); d != p->end() && d->is_boolean() && !d->get<bool>()) {
      ctx.warnings.push_back(
          "params.on_disk_payload = false is ignored: payloads of sealed segments are read "
          "from memory-mapped files");
    }
  }
  const CollectionSchema schema = col->schema();
  std::vector<IndexParams> next;
  for (const auto& f : schema.vectors) next.push_back(f.index);
  const Json none;
  const Json& hnsw = body.contains("hnsw_config") ? body["hnsw_config"] : none;
  const Json& quant = body.contains("quantization_config") ? body["quantization_config"] : none;
  for (size_t i = 0; i < next.size(); ++i) {
    RAGDB_RETURN_IF_ERROR(ApplyHnsw(hnsw, "hnsw_config", &next[i], &ctx.warnings));
    RAGDB_RETURN_IF_ERROR(ApplyQuantization(quant, "quantization_config", schema.vectors[i].dim,
                                            &next[i], &ctx.warnings));
  }
  RAGDB_ASSIGN_OR_RETURN(
      auto threshold,
      ParseIndexingThreshold(body.value("optimizers_config", Json()), &ctx.warnings));
  if (threshold) {
    for (IndexParams& p : next) p.indexing_threshold_kb = *threshold;
  }
  if (auto v = body.find("vectors"); v != body.end() && !v->is_null()) {
    if (!v->is_object()) return Status::InvalidArgument("vectors: expected an object");
    for (const auto& [name, diff] : v->items()) {
      const std::string where = "vectors." + name;
      size_t i = 0;
      while (i < schema.vectors.size() && schema.vectors[i].name != name) ++i;
      if (i == schema.vectors.size()) {
        return Status::InvalidArgument("Wrong input: Not existing vector name error: " +
                                       (name.empty() ? std::string("(default)") : name));
      }
      if (!diff.is_object()) return Status::InvalidArgument(where + ": expected an object");
      RAGDB_RETURN_IF_ERROR(CheckFields(diff, where, kVectorParamsDiffFields, &ctx.warnings));
      if (auto d = diff.find("on_disk"); d != diff.end() && !d->is_null()) {
        ctx.warnings.push_back(where +
                               ".on_disk is ignored: sealed segments are memory-mapped files, "
                               "kept in RAM by the OS page cache as memory allows");
      }
      RAGDB_RETURN_IF_ERROR(ApplyHnsw(diff.value("hnsw_config", Json()), where + ".hnsw_config",
                                      &next[i], &ctx.warnings));
      RAGDB_RETURN_IF_ERROR(ApplyQuantization(diff.value("quantization_config", Json()),
                                              where + ".quantization_config", schema.vectors[i].dim,
                                              &next[i], &ctx.warnings));
    }
  }
  ctx.LockForWrite(col->name());
  for (size_t i = 0; i < schema.vectors.size(); ++i) {
    // Compared through the schema's JSON form, so that every parameter counts.
    CollectionSchema before, after;
    before.vectors = {schema.vectors[i]};
    after.vectors = {schema.vectors[i]};
    after.vectors[0].index = next[i];
    if (after.ToJson() == before.ToJson()) continue;
    RAGDB_RETURN_IF_ERROR(col->UpdateVectorIndex(schema.vectors[i].name, next[i]));
  }
  return Json(true);
}

// Qdrant's payload index params (PayloadSchemaParams): each type's options, checked so that an
// option ragdb would not honour is refused (400) instead of being accepted and ignored.
Status CheckIndexParams(const std::string& type, const Json& params) {
  auto refuse = [&](const std::string& key, const std::string& why) {
    return Status::InvalidArgument("field_schema." + key + ": " + why);
  };
  auto only = [&](const std::string& key, const Json& v, bool allowed) -> Status {
    if (!v.is_boolean()) return refuse(key, "expected a boolean");
    if (v.get<bool>() != allowed) {
      return refuse(key, std::string(allowed ? "false" : "true") +
                             " is not supported for ragdb payload indexes (they are kept in memory "
                             "and support lookups and ranges)");
    }
    return Status::Ok();
  };
  for (const auto& [k, v] : params.items()) {
    if (k == "type") continue;
    if (v.is_null()) continue;
    if (k == "on_disk") {
      RAGDB_RETURN_IF_ERROR(only(k, v, false));
    } else if (k == "enable_hnsw") {
      // Payload-aware HNSW links need payload_m, which ragdb does not build: either value
      // leaves the graph as it is, as in Qdrant without payload_m.
      if (!v.is_boolean()) return refuse(k, "expected a boolean");
    } else if ((k == "is_tenant" && (type == "keyword" || type == "uuid")) ||
               (k == "is_principal" &&
                (type == "integer" || type == "float" || type == "datetime"))) {
      RAGDB_RETURN_IF_ERROR(only(k, v, false));
    } else if ((k == "lookup" || k == "range") && type == "integer") {
      RAGDB_RETURN_IF_ERROR(only(k, v, true));
    } else if (type == "text" && k == "tokenizer") {
      if (!v.is_string() || v.get<std::string>() != "word") {
        return refuse(k, "only \"word\" is supported (words are runs of letters and digits)");
      }
    } else if (type == "text" && k == "lowercase") {
      RAGDB_RETURN_IF_ERROR(only(k, v, true));
    } else if (type == "text" && k == "ascii_folding") {
      RAGDB_RETURN_IF_ERROR(only(k, v, false));
    } else if (type == "text" && k == "phrase_matching") {
      if (!v.is_boolean()) return refuse(k, "expected a boolean");  // phrases always match
    } else if (type == "text" && (k == "min_token_len" || k == "max_token_len" ||
                                  k == "stopwords" || k == "stemmer")) {
      return refuse(k, "is not supported for text payload indexes");
    } else {
      return refuse(k, "unknown option for a " + type + " index");
    }
  }
  return Status::Ok();
}

Result<Json> CreateIndex(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kCreateIndexFields, &ctx.warnings));
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
  } else if (schema->is_object() && schema->contains("type") && (*schema)["type"].is_string()) {
    type = (*schema)["type"].get<std::string>();
    RAGDB_RETURN_IF_ERROR(CheckIndexParams(type, *schema));
  } else {
    return Status::InvalidArgument("field_schema: expected a type name or {\"type\": ...}");
  }
  RAGDB_ASSIGN_OR_RETURN(f.type, ParsePayloadType(type));
  ctx.LockForWrite(name);
  Status s = col->CreatePayloadIndex(f);
  if (s.code() != StatusCode::kAlreadyExists) RAGDB_RETURN_IF_ERROR(s);
  return Json{{"operation_id", ctx.app.NextOperationId()}, {"status", "completed"}};
}

// Drops the payload index on a field: filters on it then scan payloads (NotFound: no index).
Result<Json> DeleteIndex(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  ctx.LockForWrite(col->name());
  RAGDB_RETURN_IF_ERROR(col->DropPayloadIndex(ctx.Param("field_name")));
  return Json{{"operation_id", ctx.app.NextOperationId()}, {"status", "completed"}};
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
