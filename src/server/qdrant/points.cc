// Point endpoints of the Qdrant REST API: upsert, retrieve, delete, payload and vector updates,
// batches of updates, scroll, count. Every write is durable when it is answered (ragdb's Upsert
// returns after the WAL fsync), so `wait=false` is accepted and behaves like `wait=true`.
#include "server/app.h"
#include "server/qdrant/convert.h"
#include "server/qdrant/examples.h"
#include "server/qdrant/fields.h"

namespace ragdb::server {
namespace {

Json UpdateResult(Ctx& ctx) {
  return {{"operation_id", ctx.app.NextOperationId()}, {"status", "completed"}};
}

Result<std::vector<Record>> ParseUpsert(const Json& body, std::vector<std::string>* warnings) {
  std::vector<Record> records;
  if (body.contains("points")) {
    const Json& pts = body["points"];
    if (!pts.is_array()) return Status::InvalidArgument("points: expected an array");
    records.reserve(pts.size());
    for (size_t i = 0; i < pts.size(); ++i) {
      const Json& p = pts[i];
      std::string where = "points[" + std::to_string(i) + "]";
      if (!p.is_object()) return Status::InvalidArgument(where + ": expected an object");
      RAGDB_RETURN_IF_ERROR(CheckFields(p, where, kPointFields, warnings));
      Record r;
      if (!p.contains("id")) return Status::InvalidArgument(where + ": missing field `id`");
      auto id = ParseQdrantId(p["id"]);
      if (!id.ok()) return id.status().WithContext(where + ".id");
      r.id = std::move(id).value();
      if (p.contains("vector")) {
        Status s = ParsePointVectors(p["vector"], &r);
        if (!s.ok()) return s.WithContext(where);
      } else if (p.contains("vectors")) {
        Status s = ParsePointVectors(p["vectors"], &r);
        if (!s.ok()) return s.WithContext(where);
      } else {
        return Status::InvalidArgument(where + ": missing field `vector`");
      }
      if (auto pl = p.find("payload"); pl != p.end() && !pl->is_null()) {
        if (!pl->is_object())
          return Status::InvalidArgument(where + ".payload: expected an object");
        r.payload = *pl;
      }
      records.push_back(std::move(r));
    }
    return records;
  }
  if (body.contains("batch")) {
    const Json& b = body["batch"];
    if (!b.is_object()) return Status::InvalidArgument("batch: expected an object");
    RAGDB_RETURN_IF_ERROR(CheckFields(b, "batch", kBatchFields, warnings));
    if (!b.contains("ids")) return Status::InvalidArgument("batch: missing field `ids`");
    RAGDB_ASSIGN_OR_RETURN(auto ids, ParseQdrantIds(b["ids"], "batch.ids"));
    records.resize(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) records[i].id = ids[i];
    const Json& v = b.value("vectors", Json());
    auto fill = [&](const std::string& name, const Json& arr) -> Status {
      if (!arr.is_array() || arr.size() != ids.size()) {
        return Status::InvalidArgument("batch.vectors" + (name.empty() ? "" : "." + name) +
                                       ": expected one vector per id");
      }
      for (size_t i = 0; i < ids.size(); ++i) {
        Json one = name.empty() ? arr[i] : Json{{name, arr[i]}};
        RAGDB_RETURN_IF_ERROR(ParsePointVectors(one, &records[i]));
      }
      return Status::Ok();
    };
    if (v.is_array()) {
      RAGDB_RETURN_IF_ERROR(fill("", v));
    } else if (v.is_object()) {
      for (const auto& [name, arr] : v.items()) RAGDB_RETURN_IF_ERROR(fill(name, arr));
    } else {
      return Status::InvalidArgument("batch: missing field `vectors`");
    }
    if (auto pl = b.find("payloads"); pl != b.end() && !pl->is_null()) {
      if (!pl->is_array() || pl->size() != ids.size()) {
        return Status::InvalidArgument("batch.payloads: expected one payload per id");
      }
      for (size_t i = 0; i < ids.size(); ++i) {
        if ((*pl)[i].is_null()) continue;
        if (!(*pl)[i].is_object()) {
          return Status::InvalidArgument("batch.payloads: payloads must be objects");
        }
        records[i].payload = (*pl)[i];
      }
    }
    return records;
  }
  return Status::InvalidArgument("expected `points` or `batch`");
}

// A write request's body, applied to a collection: the endpoints below and each operation of
// /points/batch. The caller holds the collection's write lock.
struct Write {
  Collection& col;
  const Json& body;
  bool cluster_mode;
  std::vector<std::string>* warnings;
};

Status ApplyUpsert(const Write& w) {
  RAGDB_RETURN_IF_ERROR(CheckFields(w.body, "", kUpsertFields, w.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(w.body, w.cluster_mode));
  RAGDB_ASSIGN_OR_RETURN(auto records, ParseUpsert(w.body, w.warnings));
  if (w.body.contains("points")) {
    RAGDB_RETURN_IF_ERROR(CheckFieldModelDocuments(w.body["points"], w.col.schema()));
  }
  return w.col.Upsert(records);
}

Result<Json> Retrieve(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kRetrieveFields, &ctx.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(body, ctx.app.cluster() != nullptr));
  if (!body.contains("ids")) return Status::InvalidArgument("missing field `ids`");
  RAGDB_ASSIGN_OR_RETURN(auto ids, ParseQdrantIds(body["ids"], "ids"));
  RAGDB_ASSIGN_OR_RETURN(
      auto ps,
      ParseWithPayload(body.contains("with_payload") ? &body["with_payload"] : nullptr, true));
  RAGDB_ASSIGN_OR_RETURN(
      auto vs,
      ParseWithVector(body.contains("with_vector") ? &body["with_vector"] : nullptr, false));
  RAGDB_ASSIGN_OR_RETURN(auto with_text, OptBool(body, "with_text"));
  RAGDB_ASSIGN_OR_RETURN(auto recs, col->GetMany(ids, vs.enabled));
  Json out = Json::array();
  for (const auto& r : recs) out.push_back(RecordJson(r, ps, vs, with_text.value_or(false)));
  return out;
}

Result<Json> GetPoint(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(PointId id, ParseQdrantIdText(ctx.Param("id")));
  auto r = col->Get(id, true);
  if (!r.ok() && r.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("No point with id " + id.ToString() + " found");
  }
  if (!r.ok()) return r.status();
  PayloadSelector ps;
  ps.enabled = true;
  VectorSelector vs;
  vs.enabled = true;
  return RecordJson(*r, ps, vs);
}

// The ids a write applies to: `points` (ids) or `filter`.
Result<std::vector<PointId>> SelectIds(Collection& col, const Json& body) {
  if (body.contains("points") && !body["points"].is_null()) {
    return ParseQdrantIds(body["points"], "points");
  }
  if (body.contains("filter") && !body["filter"].is_null()) {
    RAGDB_ASSIGN_OR_RETURN(auto filter, ParseQdrantFilter(&body["filter"]));
    std::vector<PointId> ids;
    ScrollRequest req;
    req.filter = filter;
    req.limit = 10000;
    req.with_payload = false;
    for (;;) {
      RAGDB_ASSIGN_OR_RETURN(ScrollPage page, col.Scroll(req));
      for (auto& r : page.records) ids.push_back(std::move(r.id));
      if (!page.next_offset) break;
      req.offset = page.next_offset;
    }
    return ids;
  }
  return Status::InvalidArgument("expected `points` or `filter`");
}

Status ApplyDelete(const Write& w) {
  RAGDB_RETURN_IF_ERROR(CheckFields(w.body, "", kDeletePointsFields, w.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(w.body, w.cluster_mode));
  if (w.body.contains("points") && !w.body["points"].is_null()) {
    RAGDB_ASSIGN_OR_RETURN(auto ids, ParseQdrantIds(w.body["points"], "points"));
    return w.col.Delete(ids).status();
  }
  if (w.body.contains("filter") && !w.body["filter"].is_null()) {
    RAGDB_ASSIGN_OR_RETURN(auto filter, ParseQdrantFilter(&w.body["filter"]));
    return w.col.DeleteByFilter(filter ? *filter : Filter()).status();  // empty filter: all
  }
  return Status::InvalidArgument("expected `points` or `filter`");
}

// POST (merge) and PUT (overwrite) /points/payload.
Status ApplySetPayload(const Write& w, bool merge) {
  RAGDB_RETURN_IF_ERROR(CheckFields(w.body, "", kSetPayloadFields, w.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(w.body, w.cluster_mode));
  if (!w.body.contains("payload") || !w.body["payload"].is_object()) {
    return Status::InvalidArgument("missing field `payload` (an object)");
  }
  RAGDB_ASSIGN_OR_RETURN(auto ids, SelectIds(w.col, w.body));
  return w.col.SetPayload(ids, w.body["payload"], merge).status();
}

// Rewrites each selected payload without the given keys (or empty, for clear). Not atomic
// across points, but each point's rewrite is, and writes to the collection are held meanwhile.
Status ApplyRemovePayloadKeys(const Write& w, bool clear) {
  RAGDB_RETURN_IF_ERROR(
      CheckFields(w.body, "", clear ? kClearPayloadFields : kDeletePayloadFields, w.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(w.body, w.cluster_mode));
  std::vector<std::string> keys;
  if (!clear) {
    if (!w.body.contains("keys") || !w.body["keys"].is_array()) {
      return Status::InvalidArgument("missing field `keys` (an array of strings)");
    }
    for (const auto& k : w.body["keys"]) {
      if (!k.is_string()) return Status::InvalidArgument("keys: expected strings");
      keys.push_back(k.get<std::string>());
    }
  }
  RAGDB_ASSIGN_OR_RETURN(auto ids, SelectIds(w.col, w.body));
  if (clear) return w.col.SetPayload(ids, Json::object(), false).status();
  RAGDB_ASSIGN_OR_RETURN(auto recs, w.col.GetMany(ids, false));
  PayloadSelector drop;
  drop.enabled = true;
  drop.exclude = keys;
  for (const auto& r : recs) {
    Json p = SelectPayload(r.payload, drop);
    if (p == r.payload) continue;
    std::vector<PointId> one{r.id};
    RAGDB_RETURN_IF_ERROR(w.col.SetPayload(one, p, false).status());
  }
  return Status::Ok();
}

// PUT /points/vectors: {"points": [{"id", "vector": [..] | {"name": [..]}}]}. Each point keeps
// its other vectors, payload and text; all or nothing (Collection::UpdateVectors).
Status ApplyUpdateVectors(const Write& w) {
  RAGDB_RETURN_IF_ERROR(CheckFields(w.body, "", kUpdateVectorsFields, w.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(w.body, w.cluster_mode));
  if (!w.body.contains("points") || !w.body["points"].is_array()) {
    return Status::InvalidArgument("missing field `points` (an array of {id, vector})");
  }
  const Json& pts = w.body["points"];
  std::vector<Record> records(pts.size());
  for (size_t i = 0; i < pts.size(); ++i) {
    const std::string where = "points[" + std::to_string(i) + "]";
    const Json& p = pts[i];
    if (!p.is_object()) return Status::InvalidArgument(where + ": expected an object");
    RAGDB_RETURN_IF_ERROR(CheckFields(p, where, kPointVectorsFields, w.warnings));
    if (!p.contains("id")) return Status::InvalidArgument(where + ": missing field `id`");
    if (!p.contains("vector")) return Status::InvalidArgument(where + ": missing field `vector`");
    auto id = ParseQdrantId(p["id"]);
    if (!id.ok()) return id.status().WithContext(where + ".id");
    records[i].id = std::move(id).value();
    Status s = ParsePointVectors(p["vector"], &records[i]);
    if (!s.ok()) return s.WithContext(where);
  }
  return w.col.UpdateVectors(records);
}

// POST /points/vectors/delete: {"points": ids | "filter", "vector": [names]}; the points stay.
Status ApplyDeleteVectors(const Write& w) {
  RAGDB_RETURN_IF_ERROR(CheckFields(w.body, "", kDeleteVectorsFields, w.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(w.body, w.cluster_mode));
  if (!w.body.contains("vector") || !w.body["vector"].is_array()) {
    return Status::InvalidArgument("missing field `vector` (an array of vector names)");
  }
  std::vector<std::string> fields;
  for (const auto& v : w.body["vector"]) {
    if (!v.is_string()) return Status::InvalidArgument("vector: expected vector names");
    fields.push_back(v.get<std::string>());
  }
  RAGDB_ASSIGN_OR_RETURN(auto ids, SelectIds(w.col, w.body));
  return w.col.DeleteVectors(ids, fields).status();
}

// One write endpoint: the collection's write lock held, the body applied.
template <typename Apply>
Result<Json> WriteEndpoint(Ctx& ctx, Apply apply) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  ctx.LockForWrite(name);
  RAGDB_RETURN_IF_ERROR(apply(Write{*col, body, ctx.app.cluster() != nullptr, &ctx.warnings}));
  return UpdateResult(ctx);
}

// POST /points/batch: {"operations": [{"upsert": {...}}, {"delete": {...}}, ...]}, applied in
// order under one write lock; each operation is durable when it completes. An operation that
// fails stops the batch there (the ones before it stay applied, as in Qdrant) and the error
// names its position.
Result<Json> Batch(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kUpdateOperationsFields, &ctx.warnings));
  if (!body.contains("operations") || !body["operations"].is_array()) {
    return Status::InvalidArgument("missing field `operations` (an array)");
  }
  const Json& ops = body["operations"];
  // Every operation's shape is checked before the first is applied.
  for (size_t i = 0; i < ops.size(); ++i) {
    const std::string where = "operations[" + std::to_string(i) + "]";
    if (!ops[i].is_object() || ops[i].size() != 1 || !ops[i].begin()->is_object()) {
      return Status::InvalidArgument(where + ": expected one operation, as {\"upsert\": {...}}");
    }
    Status s = CheckFields(ops[i], where, kUpdateOperationFields, &ctx.warnings);
    if (!s.ok()) return s;
  }
  ctx.LockForWrite(name);
  Json results = Json::array();
  for (size_t i = 0; i < ops.size(); ++i) {
    const auto first = ops[i].begin();  // checked above: exactly one member
    const std::string kind = first.key();
    const Json& op = first.value();
    const Write w{*col, op, ctx.app.cluster() != nullptr, &ctx.warnings};
    Status s;
    if (kind == "upsert") {
      s = ApplyUpsert(w);
    } else if (kind == "delete") {
      s = ApplyDelete(w);
    } else if (kind == "set_payload" || kind == "overwrite_payload") {
      s = ApplySetPayload(w, /*merge=*/kind == "set_payload");
    } else if (kind == "delete_payload" || kind == "clear_payload") {
      s = ApplyRemovePayloadKeys(w, /*clear=*/kind == "clear_payload");
    } else if (kind == "update_vectors") {
      s = ApplyUpdateVectors(w);
    } else {
      s = ApplyDeleteVectors(w);
    }
    if (!s.ok()) return s.WithContext("operations[" + std::to_string(i) + "]." + kind);
    results.push_back(UpdateResult(ctx));
  }
  return results;
}

Result<Json> Scroll(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kScrollFields, &ctx.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(body, ctx.app.cluster() != nullptr));
  ScrollRequest req;
  RAGDB_ASSIGN_OR_RETURN(req.filter,
                         ParseQdrantFilter(body.contains("filter") ? &body["filter"] : nullptr));
  RAGDB_ASSIGN_OR_RETURN(auto limit, OptUint(body, "limit"));
  req.limit = limit ? *limit : 10;
  if (req.limit == 0) return Status::InvalidArgument("limit: must be at least 1");
  if (body.contains("offset") && !body["offset"].is_null()) {
    RAGDB_ASSIGN_OR_RETURN(req.offset, ParseQdrantId(body["offset"]));
  }
  RAGDB_ASSIGN_OR_RETURN(
      auto ps,
      ParseWithPayload(body.contains("with_payload") ? &body["with_payload"] : nullptr, true));
  RAGDB_ASSIGN_OR_RETURN(
      auto vs,
      ParseWithVector(body.contains("with_vector") ? &body["with_vector"] : nullptr, false));
  RAGDB_ASSIGN_OR_RETURN(auto with_text, OptBool(body, "with_text"));
  req.with_payload = ps.enabled;
  req.with_vectors = vs.enabled;
  if (body.contains("order_by") && !body["order_by"].is_null()) {
    if (req.offset) {
      return Status::InvalidArgument(
          "order_by: cannot be combined with `offset`; page with order_by.start_from");
    }
    RAGDB_ASSIGN_OR_RETURN(req.order_by, ParseOrderBy(body["order_by"], "order_by", &ctx.warnings));
  }
  RAGDB_ASSIGN_OR_RETURN(ScrollPage page, col->Scroll(req));
  Json pts = Json::array();
  for (size_t i = 0; i < page.records.size(); ++i) {
    Json p = RecordJson(page.records[i], ps, vs, with_text.value_or(false));
    if (req.order_by && i < page.order_values.size()) p["order_value"] = page.order_values[i];
    pts.push_back(std::move(p));
  }
  return Json{{"points", pts},
              {"next_page_offset", page.next_offset ? page.next_offset->ToJson() : Json()}};
}

Result<Json> CountPoints(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kCountFields, &ctx.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(body, ctx.app.cluster() != nullptr));
  RAGDB_ASSIGN_OR_RETURN(auto filter,
                         ParseQdrantFilter(body.contains("filter") ? &body["filter"] : nullptr));
  RAGDB_ASSIGN_OR_RETURN(auto exact, OptBool(body, "exact"));
  (void)exact;  // counts are always exact here
  RAGDB_ASSIGN_OR_RETURN(size_t n, col->Count(filter ? &*filter : nullptr));
  return Json{{"count", n}};
}

}  // namespace

void RegisterPointRoutes(App& app) {
  const std::string c = "/collections/{collection_name}";
  app.Route("PUT", c + "/points", Access::kWrite,
            [](Ctx& ctx) { return WriteEndpoint(ctx, ApplyUpsert); });
  app.Route("POST", c + "/points", Access::kRead, Retrieve, Runs::kInline);
  app.Route("GET", c + "/points/{id}", Access::kRead, GetPoint, Runs::kInline);
  app.Route("POST", c + "/points/delete", Access::kWrite,
            [](Ctx& ctx) { return WriteEndpoint(ctx, ApplyDelete); });
  app.Route("POST", c + "/points/payload", Access::kWrite, [](Ctx& ctx) {
    return WriteEndpoint(ctx, [](const Write& w) { return ApplySetPayload(w, /*merge=*/true); });
  });
  app.Route("PUT", c + "/points/payload", Access::kWrite, [](Ctx& ctx) {
    return WriteEndpoint(ctx, [](const Write& w) { return ApplySetPayload(w, /*merge=*/false); });
  });
  app.Route("POST", c + "/points/payload/delete", Access::kWrite, [](Ctx& ctx) {
    return WriteEndpoint(ctx,
                         [](const Write& w) { return ApplyRemovePayloadKeys(w, /*clear=*/false); });
  });
  app.Route("POST", c + "/points/payload/clear", Access::kWrite, [](Ctx& ctx) {
    return WriteEndpoint(ctx,
                         [](const Write& w) { return ApplyRemovePayloadKeys(w, /*clear=*/true); });
  });
  app.Route("PUT", c + "/points/vectors", Access::kWrite,
            [](Ctx& ctx) { return WriteEndpoint(ctx, ApplyUpdateVectors); });
  app.Route("POST", c + "/points/vectors/delete", Access::kWrite,
            [](Ctx& ctx) { return WriteEndpoint(ctx, ApplyDeleteVectors); });
  app.Route("POST", c + "/points/batch", Access::kWrite, Batch);
  app.Route("POST", c + "/points/scroll", Access::kRead, Scroll, Runs::kInline);
  app.Route("POST", c + "/points/count", Access::kRead, CountPoints, Runs::kInline);
}

}  // namespace ragdb::server
