// What the node shows of the cluster: GET /cluster, GET /collections/{c}/cluster and the
// per-shard lines of GET /metrics.
#include "cluster/node.h"

namespace ragdb::cluster {

Json Node::ClusterInfo() {
  (void)ReadClusterState();
  std::shared_lock lock(mu_);
  Json peers = Json::object();
  for (const auto& [id, url] : nodes_) peers[id] = {{"uri", url}};
  Json etcd = Json::array();
  for (const auto& ep : etcd_->endpoints()) etcd.push_back(ep.Origin());
  // Qdrant's shape (status, peer_id, peers), with ragdb's own fields beside it: there is no
  // Raft among the nodes; etcd holds the consensus.
  return {{"status", "enabled"},
          {"peer_id", options_.node_id},
          {"peers", peers},
          {"raft_info", nullptr},
          {"consensus_thread_status", {{"consensus_thread_status", "working"}}},
          {"message_send_failures", Json::object()},
          {"ragdb",
           {{"etcd", etcd},
            {"object_store", store_->Describe()},
            {"lease_ttl_seconds", options_.lease_ttl_seconds},
            {"lease_alive", LeaseAlive()},
            {"collections", catalog_.size()}}}};
}

Result<Json> Node::CollectionClusterInfo(const std::string& name) {
  // Fresh from etcd: the routes this node keeps are as old as its last reconcile tick, and a
  // shard that just got its owner must not show as Dead.
  (void)ReadClusterState();
  RAGDB_ASSIGN_OR_RETURN(CollectionMeta meta, GetMeta(name));
  Json local = Json::array(), remote = Json::array();
  for (uint32_t s = 0; s < meta.shards; ++s) {
    auto route = Route(name, s, false);
    if (!route.ok()) continue;
    auto copy = Copy(name, s);
    const char* state = route->owner.empty() ? "Dead" : "Active";
    Json replicas = Json::array();
    for (size_t i = 1; i < route->placement.size(); ++i) replicas.push_back(route->placement[i]);
    Json shard = {{"shard_id", s},
                  {"state", state},
                  {"owner", route->owner.empty() ? Json() : Json(route->owner)},
                  {"epoch", route->epoch},
                  {"log_head", route->head.seq},
                  {"snapshot_seq", route->manifest_seq},
                  {"placement", route->placement},
                  {"replicas", replicas}};
    if (copy) {
      auto count = copy->collection().Count(nullptr);
      Json mine = shard;
      mine["role"] = copy->is_owner() ? "owner" : "replica";
      mine["applied_seq"] = copy->applied_seq();
      mine["points_count"] = count.ok() ? *count : 0;
      local.push_back(mine);
    }
    if (!copy || !copy->is_owner()) {
      Json other = shard;
      other["peer_id"] = route->owner.empty() ? Json() : Json(route->owner);
      remote.push_back(other);
    }
  }
  return Json{{"peer_id", options_.node_id},
              {"shard_count", meta.shards},
              {"replication_factor", meta.replication},
              {"local_shards", local},
              {"remote_shards", remote},
              {"shard_transfers", Json::array()}};
}

std::string Node::MetricsText() {
  std::string out;
  auto line = [&](const std::string& name, const std::string& labels, uint64_t v) {
    out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + std::to_string(v) + "\n";
  };
  out += "# HELP ragdb_cluster_shard_applied_seq Last log chunk applied to this node's copy.\n";
  out += "# TYPE ragdb_cluster_shard_applied_seq gauge\n";
  std::vector<std::shared_ptr<ShardCopy>> copies;
  {
    std::shared_lock lock(mu_);
    for (auto& [k, c] : copies_) copies.push_back(c);
  }
  for (const auto& c : copies) {
    const std::string l = "collection=\"" + c->name().collection + "\",shard=\"" +
                          std::to_string(c->name().shard) + "\",role=\"" +
                          (c->is_owner() ? "owner" : "replica") + "\"";
    const auto& k = c->counters();
    line("ragdb_cluster_shard_applied_seq", l, c->applied_seq());
    line("ragdb_cluster_shard_epoch", l, static_cast<uint64_t>(c->epoch()));
    line("ragdb_cluster_shard_snapshot_seq", l, c->snapshot_seq());
    line("ragdb_cluster_shard_rows_since_snapshot", l, c->rows_since_snapshot());
    line("ragdb_cluster_shard_chunks_written_total", l, k.chunks);
    line("ragdb_cluster_shard_chunk_bytes_total", l, k.chunk_bytes);
    line("ragdb_cluster_shard_rows_written_total", l, k.rows_written);
    line("ragdb_cluster_shard_chunks_applied_total", l, k.chunks_applied);
    line("ragdb_cluster_shard_snapshots_total", l, k.snapshots);
    line("ragdb_cluster_shard_snapshot_bytes_total", l, k.snapshot_bytes);
    line("ragdb_cluster_shard_fenced_total", l, k.fenced);
    line("ragdb_cluster_shard_queue_full_total", l, k.queue_full);
    line("ragdb_cluster_shard_reads_total", l, k.reads);
    line("ragdb_cluster_shard_objects_deleted_total", l, k.objects_deleted);
    line("ragdb_cluster_shard_object_bytes_deleted_total", l, k.object_bytes_deleted);
    auto count = c->collection().Count(nullptr);
    line("ragdb_cluster_shard_points", l, count.ok() ? *count : 0);
  }
  const auto& o = store_->counters();
  line("ragdb_cluster_object_puts_total", "", o.puts);
  line("ragdb_cluster_object_put_bytes_total", "", o.put_bytes);
  line("ragdb_cluster_object_gets_total", "", o.gets);
  line("ragdb_cluster_object_get_bytes_total", "", o.get_bytes);
  line("ragdb_cluster_etcd_calls_total", "", etcd_->calls());
  line("ragdb_cluster_etcd_failovers_total", "", etcd_->failovers());
  line("ragdb_cluster_object_deletes_total", "", o.deletes);
  line("ragdb_cluster_forwarded_writes_total", "", forwarded_writes_);
  line("ragdb_cluster_forwarded_writes_refused_total", "", forwards_refused_);
  line("ragdb_cluster_forwarded_writes_waiting", "", forwarding_);
  line("ragdb_cluster_stale_replica_reloads_total", "", stale_reloads_);
  line("ragdb_cluster_remote_reads_total", "", remote_reads_);
  line("ragdb_cluster_takeovers_total", "", takeovers_);
  line("ragdb_cluster_handovers_total", "", handovers_);
  line("ragdb_cluster_lease_losses_total", "", lease_losses_);
  line("ragdb_cluster_lease_alive", "", LeaseAlive() ? 1 : 0);
  return out;
}

}  // namespace ragdb::cluster
