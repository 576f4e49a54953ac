// Point endpoints of the Qdrant REST API: upsert, retrieve, delete, payload updates, scroll,
// count. Every write is durable when it is answered (ragdb's Upsert returns after the WAL fsync),
// so `wait=false` is accepted and behaves like `wait=true`.
#include "server/app.h"
#include "server/qdrant_convert.h"
#include "server/qdrant_fields.h"

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

Result<Json> Upsert(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kUpsertFields, &ctx.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(body, ctx.app.cluster() != nullptr));
  RAGDB_ASSIGN_OR_RETURN(auto records, ParseUpsert(body, &ctx.warnings));
  ctx.LockForWrite(name);
  RAGDB_RETURN_IF_ERROR(col->Upsert(records));
  return UpdateResult(ctx);
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

Result<Json> DeletePoints(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kDeletePointsFields, &ctx.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(body, ctx.app.cluster() != nullptr));
  ctx.LockForWrite(name);
  if (body.contains("points") && !body["points"].is_null()) {
    RAGDB_ASSIGN_OR_RETURN(auto ids, ParseQdrantIds(body["points"], "points"));
    RAGDB_RETURN_IF_ERROR(col->Delete(ids).status());
  } else if (body.contains("filter") && !body["filter"].is_null()) {
    RAGDB_ASSIGN_OR_RETURN(auto filter, ParseQdrantFilter(&body["filter"]));
    if (filter) {
      RAGDB_RETURN_IF_ERROR(col->DeleteByFilter(*filter).status());
    } else {
      RAGDB_RETURN_IF_ERROR(col->DeleteByFilter(Filter()).status());  // empty filter: all
    }
  } else {
    return Status::InvalidArgument("expected `points` or `filter`");
  }
  return UpdateResult(ctx);
}

// POST (merge) and PUT (overwrite) /points/payload.
Result<Json> SetPayload(Ctx& ctx, bool merge) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kSetPayloadFields, &ctx.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(body, ctx.app.cluster() != nullptr));
  if (!body.contains("payload") || !body["payload"].is_object()) {
    return Status::InvalidArgument("missing field `payload` (an object)");
  }
  ctx.LockForWrite(name);
  RAGDB_ASSIGN_OR_RETURN(auto ids, SelectIds(*col, body));
  RAGDB_RETURN_IF_ERROR(col->SetPayload(ids, body["payload"], merge).status());
  return UpdateResult(ctx);
}

// Rewrites each selected payload without the given keys (or empty, for clear). Not atomic
// across points, but each point's rewrite is, and writes to the collection are held meanwhile.
Result<Json> RemovePayloadKeys(Ctx& ctx, bool clear) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(
      CheckFields(body, "", clear ? kClearPayloadFields : kDeletePayloadFields, &ctx.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(body, ctx.app.cluster() != nullptr));
  std::vector<std::string> keys;
  if (!clear) {
    if (!body.contains("keys") || !body["keys"].is_array()) {
      return Status::InvalidArgument("missing field `keys` (an array of strings)");
    }
    for (const auto& k : body["keys"]) {
      if (!k.is_string()) return Status::InvalidArgument("keys: expected strings");
      keys.push_back(k.get<std::string>());
    }
  }
  ctx.LockForWrite(name);
  RAGDB_ASSIGN_OR_RETURN(auto ids, SelectIds(*col, body));
  if (clear) {
    RAGDB_RETURN_IF_ERROR(col->SetPayload(ids, Json::object(), false).status());
    return UpdateResult(ctx);
  }
  RAGDB_ASSIGN_OR_RETURN(auto recs, col->GetMany(ids, false));
  PayloadSelector drop;
  drop.enabled = true;
  drop.exclude = keys;
  for (const auto& r : recs) {
    Json p = SelectPayload(r.payload, drop);
    if (p == r.payload) continue;
    std::vector<PointId> one{r.id};
    RAGDB_RETURN_IF_ERROR(col->SetPayload(one, p, false).status());
  }
  return UpdateResult(ctx);
}

// Qdrant's OrderBy: a payload key, or {"key", "direction": "asc" | "desc", "start_from": number}.
Result<OrderBy> ParseOrderBy(const Json& j, std::vector<std::string>* warnings) {
  OrderBy o;
  if (j.is_string()) {
    o.key = j.get<std::string>();
  } else if (j.is_object()) {
    RAGDB_RETURN_IF_ERROR(CheckFields(j, "order_by", kOrderByFields, warnings));
    RAGDB_ASSIGN_OR_RETURN(auto key, OptString(j, "key"));
    if (key) o.key = *key;
    RAGDB_ASSIGN_OR_RETURN(auto direction, OptString(j, "direction"));
    if (direction && *direction != "asc" && *direction != "desc") {
      return Status::InvalidArgument("order_by.direction: expected \"asc\" or \"desc\", got \"" +
                                     *direction + "\"");
    }
    o.descending = direction && *direction == "desc";
    if (j.contains("start_from") && !j["start_from"].is_null()) {
      const Json& from = j["start_from"];
      if (from.is_string()) {
        return Status::Unimplemented(
            "order_by.start_from: datetime values are not supported; give a number");
      }
      if (!from.is_number()) {
        return Status::InvalidArgument("order_by.start_from: expected a number");
      }
      o.start_from = from.get<double>();
    }
  } else {
    return Status::InvalidArgument("order_by: expected a payload key or {\"key\", \"direction\"}");
  }
  if (o.key.empty()) return Status::InvalidArgument("order_by: missing field `key`");
  return o;
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
    if (ctx.app.cluster() != nullptr) {
      return Status::Unimplemented("order_by: not in cluster mode yet (scroll by id instead)");
    }
    if (req.offset) {
      return Status::InvalidArgument(
          "order_by: cannot be combined with `offset`; page with order_by.start_from");
    }
    RAGDB_ASSIGN_OR_RETURN(req.order_by, ParseOrderBy(body["order_by"], &ctx.warnings));
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
  app.Route("PUT", c + "/points", Access::kWrite, Upsert);
  app.Route("POST", c + "/points", Access::kRead, Retrieve, Runs::kInline);
  app.Route("GET", c + "/points/{id}", Access::kRead, GetPoint, Runs::kInline);
  app.Route("POST", c + "/points/delete", Access::kWrite, DeletePoints);
  app.Route("POST", c + "/points/payload", Access::kWrite,
            [](Ctx& ctx) { return SetPayload(ctx, /*merge=*/true); });
  app.Route("PUT", c + "/points/payload", Access::kWrite,
            [](Ctx& ctx) { return SetPayload(ctx, /*merge=*/false); });
  app.Route("POST", c + "/points/payload/delete", Access::kWrite,
            [](Ctx& ctx) { return RemovePayloadKeys(ctx, /*clear=*/false); });
  app.Route("POST", c + "/points/payload/clear", Access::kWrite,
            [](Ctx& ctx) { return RemovePayloadKeys(ctx, /*clear=*/true); });
  app.Route("POST", c + "/points/scroll", Access::kRead, Scroll, Runs::kInline);
  app.Route("POST", c + "/points/count", Access::kRead, CountPoints, Runs::kInline);
  auto unsupported = [](const char* what) {
    return [what](Ctx& ctx) -> Result<Json> {
      RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
      return Status::Unimplemented(std::string(what) + " is not supported yet");
    };
  };
  app.Route("POST", c + "/points/batch", Access::kWrite, unsupported("points/batch"));
  app.Route("PUT", c + "/points/vectors", Access::kWrite, unsupported("update vectors"));
  app.Route("POST", c + "/points/vectors/delete", Access::kWrite, unsupported("delete vectors"));
  app.Route("POST", c + "/facet", Access::kRead, unsupported("facet"));
  app.Route("POST", c + "/points/recommend", Access::kRead,
            unsupported("recommend (use /points/query with a point id)"));
  app.Route("POST", c + "/points/discover", Access::kRead, unsupported("discover"));
}

}  // namespace ragdb::server
