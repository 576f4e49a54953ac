// Cluster endpoints: Qdrant's GET /cluster and GET /collections/{c}/cluster, and the calls that
// nodes make to each other (POST /ragdb/cluster/shards/{collection}/{shard}/{op}, admin key).
// Outside cluster mode /cluster answers {"status": "disabled"}, as Qdrant does.
#include "base/json_text.h"
#include "cluster/node.h"
#include "server/app.h"

namespace ragdb::server {
namespace {

Result<Json> ClusterStatus(Ctx& ctx) {
  if (ctx.app.cluster() == nullptr) return Json{{"status", "disabled"}};
  return ctx.app.cluster()->ClusterInfo();
}

Result<Json> CollectionCluster(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  if (ctx.app.cluster() == nullptr) {
    // One node: every shard (there is one) is local.
    RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
    RAGDB_ASSIGN_OR_RETURN(size_t n, col->Count(nullptr));
    return Json{{"peer_id", 0},
                {"shard_count", 1},
                {"local_shards", {{{"shard_id", 0}, {"points_count", n}, {"state", "Active"}}}},
                {"remote_shards", Json::array()},
                {"shard_transfers", Json::array()}};
  }
  auto info = ctx.app.cluster()->CollectionClusterInfo(name);
  if (!info.ok() && info.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("Collection `" + name + "` doesn't exist!");
  }
  return info;
}

// The reply carries the Status code itself, so that the calling node sees the same error (and
// knows which ones to retry elsewhere).
Result<Json> ShardCall(Ctx& ctx) {
  cluster::Node* node = ctx.app.cluster();
  if (node == nullptr) return Status::FailedPrecondition("this server is not in cluster mode");
  const std::string& shard_text = ctx.Param("shard");
  char* end = nullptr;
  unsigned long shard = std::strtoul(shard_text.c_str(), &end, 10);
  if (shard_text.empty() || *end != '\0') return Status::InvalidArgument("bad shard number");
  auto r = node->HandleShardRpc(ctx.Param("collection"), static_cast<uint32_t>(shard),
                                ctx.Param("op"), ctx.req.body);
  HttpResponse resp;
  if (r.ok()) {
    resp.body = "{\"code\":0,\"result\":" + WriteJson(*r) + "}";
  } else {
    resp.body = WriteJson(
        Json{{"code", static_cast<int>(r.status().code())}, {"message", r.status().message()}});
  }
  ctx.raw = std::move(resp);
  return Json();
}

}  // namespace

void RegisterClusterRoutes(App& app) {
  app.Route("GET", "/cluster", Access::kRead, ClusterStatus);
  app.Route("GET", "/collections/{collection_name}/cluster", Access::kRead, CollectionCluster);
  app.Route("POST", "/ragdb/cluster/shards/{collection}/{shard}/{op}", Access::kAdmin, ShardCall);
}

}  // namespace ragdb::server
