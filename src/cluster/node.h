// A ragdb cluster node: its membership lease in etcd, the catalog of sharded collections, the
// shard copies it holds (as owner or replica), and the routing of requests to the other nodes.
// The server (src/server/) starts one Node in cluster mode and serves its Database.
//
// Threads: a keep-alive thread renews the node's lease every TTL/3; a reconcile thread reads the
// cluster's keys every tick (TTL/8, at least 100 ms) and acts: takes the owner lease of shards
// placed here, hands back shards placed elsewhere, loads and tails replicas, drops copies it no
// longer needs, publishes snapshots. docs/cluster.md describes the design.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/thread_pool.h"
#include "cluster/etcd.h"
#include "cluster/http_client.h"
#include "cluster/object_store.h"
#include "cluster/shard_copy.h"
#include "ragdb/database.h"

namespace ragdb::cluster {

struct NodeOptions {
  std::vector<std::string> etcd;   // http://HOST:PORT of etcd members
  std::string object_store;        // file:///path or s3://BUCKET/PREFIX?endpoint=..&region=..
  std::string node_id;             // unique among the nodes: [A-Za-z0-9_.-]{1,64}
  std::string advertise;           // http://HOST:PORT other nodes reach this one at
  std::string cache_dir;           // local copies of shards; emptied on start
  int lease_ttl_seconds = 10;      // owner leases: a dead node's shards move after this
  uint64_t snapshot_rows = 65536;  // a shard publishes a snapshot after this many rows written
  size_t seal_threshold_rows = 65536;
  std::string api_key;  // sent to other nodes when they check keys (the admin key)
};

// A sharded collection as the catalog in etcd holds it (/ragdb/collections/{name}).
struct CollectionMeta {
  std::string name;
  CollectionSchema schema;
  uint32_t shards = 1;
  uint32_t replication = 1;
  int64_t incarnation = 0;  // create revision of the catalog key
  int64_t mod_revision = 0;
};

// Where one shard is served, as this node last read it from etcd.
struct ShardRoute {
  std::string owner;  // node id; empty while no node holds the lease
  std::string owner_url;
  int64_t epoch = 0;
  std::vector<std::string> placement;  // owner first, then replicas (from placement.h)
  LogHead head;
  uint64_t manifest_seq = 0;
};

class Node {
 public:
  static Result<std::unique_ptr<Node>> Start(NodeOptions options);
  ~Node();  // Stop()
  // Graceful stop: publishes a snapshot of each owned shard, releases the leases.
  void Stop();

  const NodeOptions& options() const { return options_; }
  // The cluster as a Database (the server serves it as its default tenant).
  std::unique_ptr<Database> OpenDatabase();

  // ---- catalog ----
  Status CreateCollection(const std::string& name, const CollectionSchema& schema, uint32_t shards,
                          uint32_t replication);
  Status DropCollection(const std::string& name);
  Result<CollectionMeta> GetMeta(const std::string& name);
  std::vector<std::string> ListCollections();
  // Adds a payload index to the catalog schema and to every shard's log.
  Status AddPayloadIndex(const std::string& name, const PayloadIndexField& field);

  // ---- requests to one shard (local call or HTTP to the node serving it) ----
  // Writes go to the owner (retried while the shard moves); reads to the owner, or to a replica
  // when the owner cannot be reached.
  Result<uint64_t> WriteShard(const CollectionMeta& meta, uint32_t shard, std::vector<LogOp> ops);
  Result<Json> ReadShard(const CollectionMeta& meta, uint32_t shard, const std::string& op,
                         const Json& args);
  // Runs fn(shard) for every shard of the collection in parallel; the first error wins.
  Status ForEachShard(const CollectionMeta& meta, const std::function<Status(uint32_t)>& fn);
  // A validator: an empty local collection with the schema, for Validate / PrepareRecords.
  Result<std::shared_ptr<Collection>> Validator(const CollectionMeta& meta);

  // ---- served to other nodes (POST /ragdb/cluster/shards/{c}/{s}/{op}) ----
  Result<Json> HandleShardRpc(const std::string& collection, uint32_t shard, const std::string& op,
                              const std::string& body);

  // ---- visibility ----
  Json ClusterInfo();                                           // GET /cluster
  Result<Json> CollectionClusterInfo(const std::string& name);  // GET /collections/{c}/cluster
  std::string MetricsText();                                    // appended to GET /metrics

 private:
  explicit Node(NodeOptions options);
  Status Init();
  void KeepAliveLoop();
  void ReconcileLoop();
  struct ClusterState {
    std::map<std::string, CollectionMeta> catalog;
    std::map<std::pair<std::string, uint32_t>, ShardRoute> routes;
  };
  // Reads the cluster's keys and updates the catalog and routes (no action).
  Result<ClusterState> ReadClusterState();
  // ReadClusterState, then takes, hands over, loads, tails and drops shard copies (serialized).
  Status ReconcileOnce();
  std::mutex reconcile_mu_;
  Status RegisterSelf();
  bool LeaseAlive() const;
  // The copy of a shard on this node, or null.
  std::shared_ptr<ShardCopy> Copy(const std::string& collection, uint32_t shard);
  Result<ShardRoute> Route(const std::string& collection, uint32_t shard, bool refresh);
  Result<std::string> CallPeer(const std::string& url, const std::string& path,
                               const std::string& body, std::chrono::milliseconds timeout);
  std::chrono::milliseconds MoveTimeout() const;

  NodeOptions options_;
  std::unique_ptr<EtcdClient> etcd_;
  std::unique_ptr<ObjectStore> store_;
  HttpClient peers_;
  ShardEnv env_;
  ThreadPool pool_{8};

  std::atomic<int64_t> lease_{0};
  std::atomic<int64_t> lease_deadline_ms_{0};  // steady-clock ms until which the lease holds
  std::atomic<bool> stopping_{false};
  std::thread keepalive_thread_, reconcile_thread_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;

  mutable std::shared_mutex mu_;  // guards the maps below
  std::map<std::string, CollectionMeta> catalog_;
  std::map<std::string, std::string> nodes_;  // live node id -> advertise URL
  std::map<std::pair<std::string, uint32_t>, ShardRoute> routes_;
  std::map<std::pair<std::string, uint32_t>, std::shared_ptr<ShardCopy>> copies_;
  std::map<std::string, std::pair<int64_t, std::shared_ptr<Collection>>> validators_;
  std::unique_ptr<Database> validator_db_;
  std::mutex validator_mu_;

  std::atomic<uint64_t> forwarded_writes_{0}, remote_reads_{0}, reconciles_{0}, lease_losses_{0};
  std::atomic<uint64_t> takeovers_{0}, handovers_{0};
};

// Node names: 1..64 characters of [A-Za-z0-9_.-].
Status ValidateNodeId(const std::string& id);

}  // namespace ragdb::cluster
