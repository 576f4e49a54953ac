// Requests to one shard: routed to the node that serves it (a local call when that is this
// node), and the serving side of those requests (POST /ragdb/cluster/shards/{c}/{s}/{op}).
#include <thread>

#include "base/json_text.h"
#include "cluster/node.h"
#include "cluster/wire.h"
#include "db/replication.h"

namespace ragdb::cluster {
namespace {

using Clock = std::chrono::steady_clock;

// Errors after which another try (after the routes are read again) may succeed: the shard is
// moving, its node is gone or etcd is electing a leader.
bool Retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kDeadlineExceeded;
}

std::string ShardPath(const std::string& collection, uint32_t shard, const std::string& op) {
  return "/ragdb/cluster/shards/" + collection + "/" + std::to_string(shard) + "/" + op;
}

}  // namespace

Result<std::string> Node::CallPeer(const std::string& url, const std::string& path,
                                   const std::string& body, std::chrono::milliseconds timeout) {
  HttpHeaders headers = {{"content-type", "application/octet-stream"}};
  if (!options_.api_key.empty()) headers.emplace_back("api-key", options_.api_key);
  RAGDB_ASSIGN_OR_RETURN(HttpReply reply,
                         peers_.Request("POST", url + path, body, headers, timeout));
  if (reply.status != 200) {
    return Status::Unavailable("node " + url + " answered HTTP " + std::to_string(reply.status) +
                               ": " + reply.body.substr(0, 200));
  }
  // {"code": 0, "result": ...} or {"code": N, "message": "..."}.
  RAGDB_ASSIGN_OR_RETURN(Json j, ReadJson(reply.body));
  const int code = j.value("code", -1);
  if (code != 0) {
    if (code < 0 || code > static_cast<int>(StatusCode::kDeadlineExceeded)) {
      return Status::Internal("node " + url + ": malformed reply");
    }
    return Status(static_cast<StatusCode>(code), j.value("message", ""));
  }
  return WriteJson(j.value("result", Json()));
}

Result<uint64_t> Node::WriteShard(const CollectionMeta& meta, uint32_t shard,
                                  std::vector<LogOp> ops) {
  const auto deadline = Clock::now() + MoveTimeout();
  std::string body;
  Status last =
      Status::Unavailable("shard " + meta.name + "/" + std::to_string(shard) + " has no owner");
  for (int attempt = 0; Clock::now() < deadline && !stopping_; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto route = Route(meta.name, shard, /*refresh=*/attempt > 0);
    if (!route.ok()) {
      if (Retryable(route.status())) continue;
      return route.status();
    }
    if (route->owner.empty()) continue;
    if (route->owner == options_.node_id) {
      auto copy = Copy(meta.name, shard);
      if (!copy || !copy->is_owner()) continue;  // taking over is under way
      auto r = copy->Write(ops);
      if (r.ok() || !Retryable(r.status())) return r;
      last = r.status();
      continue;
    }
    if (body.empty()) EncodeOps(ops, &body);
    forwarded_writes_++;
    auto r = CallPeer(route->owner_url, ShardPath(meta.name, shard, "write"), body, MoveTimeout());
    if (r.ok()) {
      auto j = ReadJson(*r);
      if (!j.ok()) return j.status();
      return j->value("affected", uint64_t{0});
    }
    if (!Retryable(r.status())) return r.status();
    last = r.status();
  }
  return Status::Unavailable("write to shard " + meta.name + "/" + std::to_string(shard) +
                             " not acknowledged: " + last.message());
}

Result<Json> Node::ReadShard(const CollectionMeta& meta, uint32_t shard, const std::string& op,
                             const Json& args) {
  const auto deadline = Clock::now() + MoveTimeout();
  Status last =
      Status::Unavailable("no node serves shard " + meta.name + "/" + std::to_string(shard));
  for (int attempt = 0; Clock::now() < deadline && !stopping_; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto route = Route(meta.name, shard, /*refresh=*/attempt > 0);
    if (!route.ok()) {
      if (Retryable(route.status())) continue;
      return route.status();
    }
    // Only the owner answers: it has every acknowledged write. A replica may lag the log by a
    // reconcile tick, and one that answered after the owner refused (routes being stale during
    // a hand-over) would hide writes the client was already told are durable. While a shard
    // has no owner (failover), the read waits for the next one, as writes do.
    if (route->owner.empty()) continue;
    Json a = args;
    a["replica_ok"] = false;
    Result<Json> r = Status::Unavailable("");
    if (route->owner == options_.node_id) {
      r = HandleShardRpc(meta.name, shard, op, WriteJson(a));
    } else {
      remote_reads_++;
      auto text =
          CallPeer(route->owner_url, ShardPath(meta.name, shard, op), WriteJson(a), MoveTimeout());
      if (text.ok()) {
        r = ReadJson(*text);
      } else {
        r = text.status();
      }
    }
    if (r.ok() || !Retryable(r.status())) return r;
    last = r.status();
  }
  return Status::Unavailable("read of shard " + meta.name + "/" + std::to_string(shard) +
                             " failed: " + last.message());
}

Status Node::ForEachShard(const CollectionMeta& meta, const std::function<Status(uint32_t)>& fn) {
  std::vector<Status> results(meta.shards);
  pool_.ParallelFor(meta.shards, 1, [&](size_t begin, size_t end) {
    for (size_t s = begin; s < end; ++s) results[s] = fn(static_cast<uint32_t>(s));
  });
  for (auto& s : results) RAGDB_RETURN_IF_ERROR(s);
  return Status::Ok();
}

Result<Json> Node::HandleShardRpc(const std::string& collection, uint32_t shard,
                                  const std::string& op, const std::string& body) {
  auto copy = Copy(collection, shard);
  const std::string label = collection + "/" + std::to_string(shard);
  if (op == "write") {
    if (!copy || !copy->is_owner()) {
      return Status::Unavailable("node " + options_.node_id + " is not the owner of shard " +
                                 label);
    }
    RAGDB_ASSIGN_OR_RETURN(std::vector<LogOp> ops, DecodeOps(body));
    RAGDB_ASSIGN_OR_RETURN(uint64_t affected, copy->Write(std::move(ops)));
    return Json{{"affected", affected}};
  }
  RAGDB_ASSIGN_OR_RETURN(Json args, ReadJson(body));
  if (!args.is_object()) return Status::InvalidArgument("cluster rpc: body must be an object");
  const bool replica_ok = args.value("replica_ok", false);
  if (!copy || (!replica_ok && !copy->is_owner())) {
    return Status::Unavailable("node " + options_.node_id + " does not serve shard " + label +
                               (copy ? " as its owner" : ""));
  }
  // An owner that has not renewed its lease for a TTL (it was paused, or cut off from etcd)
  // may have been replaced already: its copy could miss the successor's writes.
  if (!replica_ok && !LeaseAlive()) {
    return Status::Unavailable("node " + options_.node_id + " cannot vouch for shard " + label +
                               ": its lease may have expired");
  }
  Collection& c = copy->collection();
  if (op == "search") {
    RAGDB_ASSIGN_OR_RETURN(SearchRequest r, SearchRequestFromJson(args.value("request", Json())));
    RAGDB_ASSIGN_OR_RETURN(auto hits, c.Search(r));
    return ToJson(hits);
  }
  if (op == "text_stats") {
    RAGDB_ASSIGN_OR_RETURN(TextSearchRequest r,
                           TextSearchRequestFromJson(args.value("request", Json())));
    RAGDB_ASSIGN_OR_RETURN(text::CollectionStats stats, db::TextStatistics(c, r));
    return ToJson(stats);
  }
  if (op == "search_text") {
    RAGDB_ASSIGN_OR_RETURN(TextSearchRequest r,
                           TextSearchRequestFromJson(args.value("request", Json())));
    RAGDB_ASSIGN_OR_RETURN(text::CollectionStats stats, StatsFromJson(args.value("stats", Json())));
    RAGDB_ASSIGN_OR_RETURN(auto hits, db::SearchTextWithStats(c, r, stats));
    return ToJson(hits);
  }
  if (op == "search_sparse") {
    RAGDB_ASSIGN_OR_RETURN(SparseSearchRequest r,
                           SparseSearchRequestFromJson(args.value("request", Json())));
    RAGDB_ASSIGN_OR_RETURN(auto hits, c.SearchSparse(r));
    return ToJson(hits);
  }
  if (op == "count") {
    RAGDB_ASSIGN_OR_RETURN(auto filter, FilterFromJson(args.value("filter", Json())));
    RAGDB_ASSIGN_OR_RETURN(size_t n, c.Count(filter ? &*filter : nullptr));
    return Json{{"count", n}};
  }
  if (op == "scroll") {
    RAGDB_ASSIGN_OR_RETURN(ScrollRequest r, ScrollRequestFromJson(args.value("request", Json())));
    RAGDB_ASSIGN_OR_RETURN(ScrollPage page, c.Scroll(r));
    return ToJson(page);
  }
  if (op == "get") {
    std::vector<PointId> ids;
    for (const auto& j : args.value("ids", Json::array())) {
      RAGDB_ASSIGN_OR_RETURN(PointId id, PointId::FromJson(j));
      ids.push_back(std::move(id));
    }
    RAGDB_ASSIGN_OR_RETURN(auto records, c.GetMany(ids, args.value("with_vectors", true)));
    Json out = Json::array();
    for (const auto& r : records) out.push_back(RecordToJson(r, true));
    return out;
  }
  if (op == "describe") {
    RAGDB_ASSIGN_OR_RETURN(CollectionInfo info, c.Describe());
    return info.ToJson();
  }
  if (op == "optimize") {
    if (!copy->is_owner()) return Status::Unavailable("not the owner of shard " + label);
    RAGDB_RETURN_IF_ERROR(copy->Optimize());
    return Json(true);
  }
  return Status::NotFound("cluster rpc: unknown operation '" + op + "'");
}

}  // namespace ragdb::cluster
