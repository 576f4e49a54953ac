// ragdb's own admin endpoints: tenants and their API keys under /ragdb/tenants, and /metrics.
#include "base/file.h"
#include "cluster/node.h"
#include "server/app.h"

namespace ragdb::server {
namespace {

Result<Json> CreateTenant(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  if (!body.contains("name") || !body["name"].is_string()) {
    return Status::InvalidArgument("missing field `name`");
  }
  std::string name = body["name"].get<std::string>();
  RAGDB_RETURN_IF_ERROR(ctx.app.auth().CreateTenant(name));
  RAGDB_RETURN_IF_ERROR(CreateDirs(ctx.app.tenants().TenantPath(name)));
  return Json{{"name", name}};
}

Result<Json> ListTenants(Ctx& ctx) {
  Json out = Json::array();
  for (const auto& t : ctx.app.auth().ListTenants()) out.push_back({{"name", t}});
  return Json{{"tenants", out}};
}

Result<Json> DeleteTenant(Ctx& ctx) {
  const std::string& name = ctx.Param("tenant");
  RAGDB_RETURN_IF_ERROR(ctx.app.auth().DeleteTenant(name));
  if (ctx.app.cluster() != nullptr) {
    // Its collections are the cluster's, under its prefix: each is dropped there.
    auto db = ctx.app.cluster()->OpenDatabase(ClusterPrefix(name));
    for (const auto& c : db->ListCollections()) {
      Status s = db->DropCollection(c);
      if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
    }
  }
  RAGDB_RETURN_IF_ERROR(
      ctx.app.tenants().WithClosed(name, [](const std::string& path) { return RemoveAll(path); }));
  return Json(true);
}

Result<Json> CreateKey(Ctx& ctx) {
  const std::string& tenant = ctx.Param("tenant");
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  std::string role_name = body.value("role", Json("read-only")).is_string()
                              ? body.value("role", std::string("read-only"))
                              : std::string();
  RAGDB_ASSIGN_OR_RETURN(Role role, ParseRole(role_name));
  RAGDB_ASSIGN_OR_RETURN(auto key, ctx.app.auth().CreateKey(tenant, role));
  return Json{{"key", key.key}, {"id", key.id}, {"tenant", tenant}, {"role", RoleName(role)}};
}

Result<Json> ListKeys(Ctx& ctx) {
  const std::string& tenant = ctx.Param("tenant");
  if (!ctx.app.auth().TenantExists(tenant)) {
    return Status::NotFound("tenant '" + tenant + "' does not exist");
  }
  Json out = Json::array();
  for (const auto& k : ctx.app.auth().ListKeys(tenant)) {
    out.push_back(
        {{"id", k.id}, {"role", RoleName(k.role)}, {"source", k.source}, {"created", k.created}});
  }
  return Json{{"keys", out}};
}

Result<Json> DeleteKey(Ctx& ctx) {
  RAGDB_RETURN_IF_ERROR(ctx.app.auth().DeleteKey(ctx.Param("tenant"), ctx.Param("key_id")));
  return Json(true);
}

std::string Label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

Result<Json> MetricsText(Ctx& ctx) {
  std::string out = ctx.app.metrics().Render();
  if (const HttpServer* s = ctx.app.http_server()) {
    const auto& st = s->stats();
    out += "# TYPE ragdb_http_connections_open gauge\nragdb_http_connections_open " +
           std::to_string(st.connections_open.load()) + "\n";
    out +=
        "# TYPE ragdb_http_connections_accepted_total counter\n"
        "ragdb_http_connections_accepted_total " +
        std::to_string(st.connections_accepted.load()) + "\n";
    out += "# TYPE ragdb_http_requests_in_flight gauge\nragdb_http_requests_in_flight " +
           std::to_string(st.requests_in_flight.load()) + "\n";
    out += "# HELP ragdb_http_rejected_total Requests the transport answered itself.\n";
    out += "# TYPE ragdb_http_rejected_total counter\n";
    out += "ragdb_http_rejected_total{reason=\"timeout\"} " +
           std::to_string(st.rejected_timeout.load()) + "\n";
    out += "ragdb_http_rejected_total{reason=\"too_large\"} " +
           std::to_string(st.rejected_too_large.load()) + "\n";
    out += "ragdb_http_rejected_total{reason=\"overloaded\"} " +
           std::to_string(st.rejected_overloaded.load()) + "\n";
    out += "ragdb_http_rejected_total{reason=\"malformed\"} " +
           std::to_string(st.rejected_malformed.load()) + "\n";
  }
  if (ctx.app.cluster() != nullptr) out += ctx.app.cluster()->MetricsText();
  std::string points, wal, seg_bytes, segs;
  // In cluster mode a collection's figures would be a read of every shard on other nodes, for
  // every scrape of every node: each node reports its own shard copies above instead.
  if (ctx.app.cluster() == nullptr)
    ctx.app.tenants().ForEachOpen([&](const std::string& tenant, Database& db) {
      for (const auto& name : db.ListCollections()) {
        auto col = db.GetCollection(name);
        if (!col.ok()) continue;
        auto info = (*col)->Describe();
        if (!info.ok()) continue;
        std::string l = "{tenant=\"" + Label(tenant) + "\",collection=\"" + Label(name) + "\"} ";
        uint64_t bytes = 0;
        for (const auto& s : info->segments) bytes += s.bytes;
        points += "ragdb_collection_points" + l + std::to_string(info->points) + "\n";
        wal += "ragdb_collection_wal_bytes" + l + std::to_string(info->wal_bytes) + "\n";
        seg_bytes += "ragdb_collection_segment_bytes" + l + std::to_string(bytes) + "\n";
        segs += "ragdb_collection_segments" + l + std::to_string(info->segments.size()) + "\n";
      }
    });
  out += "# TYPE ragdb_collection_points gauge\n" + points;
  out += "# TYPE ragdb_collection_wal_bytes gauge\n" + wal;
  out += "# TYPE ragdb_collection_segment_bytes gauge\n" + seg_bytes;
  out += "# TYPE ragdb_collection_segments gauge\n" + segs;
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = std::move(out);
  ctx.raw = std::move(r);
  return Json();
}

}  // namespace

void RegisterAdminRoutes(App& app) {
  app.Route("POST", "/ragdb/tenants", Access::kAdmin, CreateTenant);
  app.Route("GET", "/ragdb/tenants", Access::kAdmin, ListTenants);
  app.Route("DELETE", "/ragdb/tenants/{tenant}", Access::kAdmin, DeleteTenant);
  app.Route("POST", "/ragdb/tenants/{tenant}/keys", Access::kAdmin, CreateKey);
  app.Route("GET", "/ragdb/tenants/{tenant}/keys", Access::kAdmin, ListKeys);
  app.Route("DELETE", "/ragdb/tenants/{tenant}/keys/{key_id}", Access::kAdmin, DeleteKey);
  app.Route("GET", "/metrics", Access::kAdmin, MetricsText);
}

}  // namespace ragdb::server
