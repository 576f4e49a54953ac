// Cluster endpoints: Qdrant's GET /cluster and GET /collections/{c}/cluster, and the calls that
// nodes make to each other (POST /ragdb/cluster/read and /ragdb/cluster/write, admin key).
// Outside cluster mode /cluster answers {"status": "disabled"}, as Qdrant does.
#include <cstdio>

#include "base/json_text.h"
#include "cluster/node.h"
#include "server/app.h"
#include "server/status_http.h"

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
  RAGDB_RETURN_IF_ERROR(ValidateCollectionName(name));
  auto info = ctx.app.cluster()->CollectionClusterInfo(ClusterPrefix(ctx.principal.tenant) + name);
  if (!info.ok() && info.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("Collection `" + name + "` doesn't exist!");
  }
  return info;
}

constexpr const char* kAuthKey = "/ragdb/auth";

// The tenants and API-made keys as one etcd key, written by compare-and-swap on its revision.
class EtcdAuthDocument final : public AuthDocument {
 public:
  explicit EtcdAuthDocument(cluster::Node* node) : node_(node) {}
  Result<std::pair<std::string, int64_t>> Load() override {
    RAGDB_ASSIGN_OR_RETURN(cluster::KeyValue kv, node_->etcd().Get(kAuthKey));
    return std::pair<std::string, int64_t>{kv.value, kv.mod_revision};
  }
  Result<bool> Store(const std::string& text, int64_t version) override {
    using cluster::EtcdCompare;
    RAGDB_ASSIGN_OR_RETURN(cluster::EtcdTxnResult txn,
                           node_->etcd().Txn({{kAuthKey, EtcdCompare::Target::kMod,
                                               EtcdCompare::Op::kEqual, version, ""}},
                                             {{cluster::EtcdOp::Kind::kPut, kAuthKey, text, 0}}));
    return txn.succeeded;
  }

 private:
  cluster::Node* node_;
};

cluster::Node* Node(Ctx& ctx) { return ctx.app.cluster(); }

HttpResponse Binary(std::string body) {
  HttpResponse r;
  r.content_type = "application/octet-stream";
  r.body = std::move(body);
  return r;
}

// POST /ragdb/cluster/read: reads of this node's shard copies for another node (binary, wire.h).
// CPU only, so it runs on the I/O thread. A malformed request is a 400; what a shard could not
// answer travels inside the reply.
Result<Json> ShardRead(Ctx& ctx) {
  if (Node(ctx) == nullptr) return Status::FailedPrecondition("this server is not in cluster mode");
  RAGDB_ASSIGN_OR_RETURN(std::string reply, Node(ctx)->ServeRead(ctx.req.body));
  ctx.raw = Binary(std::move(reply));
  return Json();
}

// POST /ragdb/cluster/write: writes another node forwards to the shards this node owns. They
// join the shards' group commits; the answer comes from the commit thread once they are
// durable, so no server thread waits for them.
Result<Json> ShardWrite(Ctx& ctx) {
  cluster::Node* node = Node(ctx);
  if (node == nullptr) return Status::FailedPrecondition("this server is not in cluster mode");
  HttpResponse r;
  r.deferred = [node, body = ctx.req.body](HttpResponse::Respond respond) {
    node->ServeWrite(body, [respond](Result<std::string> reply) {
      if (!reply.ok()) {
        return respond(
            ErrorResponse(HttpStatusFor(reply.status().code()), reply.status().message()));
      }
      respond(Binary(std::move(reply).value()));
    });
  };
  ctx.raw = std::move(r);
  return Json();
}

}  // namespace

std::unique_ptr<AuthDocument> ClusterAuthDocument(cluster::Node* node) {
  return std::make_unique<EtcdAuthDocument>(node);
}

void WatchClusterAuth(cluster::Node* node, AuthStore* auth) {
  node->Watch(kAuthKey, [auth](const cluster::KeyValue& kv) {
    Status s = auth->Reload(kv.value);
    if (!s.ok()) fprintf(stderr, "ragdb cluster: %s: %s\n", kAuthKey, s.ToString().c_str());
  });
}

void RegisterClusterRoutes(App& app) {
  app.Route("GET", "/cluster", Access::kRead, ClusterStatus);
  app.Route("GET", "/collections/{collection_name}/cluster", Access::kRead, CollectionCluster);
  app.Route("POST", "/ragdb/cluster/read", Access::kAdmin, ShardRead, Runs::kInlineAlways);
  app.Route("POST", "/ragdb/cluster/write", Access::kAdmin, ShardWrite, Runs::kInlineAlways);
}

}  // namespace ragdb::server
