// A ragdb cluster node: its membership lease in etcd, the catalog of sharded collections, the
// shard copies it holds (as owner or replica), and the routing of requests to the other nodes.
// The server (src/server/) starts one Node in cluster mode and serves a Database per tenant.
//
// Threads: a keep-alive thread renews the node's lease every TTL/3; a reconcile thread reads the
// cluster's keys every tick (TTL/8, at least 100 ms) and acts: takes the owner lease of shards
// placed here, hands back shards placed elsewhere, loads and tails replicas, drops copies it no
// longer needs, publishes snapshots. A commit pool runs the group commits of writes other nodes
// forward here. Requests run on the caller's thread: reads of this node's copies in process,
// calls to other nodes sent together and awaited on that thread (http_client.h).
// docs/cluster.md describes the design.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/thread_pool.h"
#include "cluster/etcd.h"
#include "cluster/shard/shard_copy.h"
#include "cluster/shard/shard_reads.h"
#include "cluster/store/http_client.h"
#include "cluster/store/object_store.h"
#include "ragdb/database.h"

namespace ragdb::cluster {

struct NodeOptions {
  std::vector<std::string> etcd;   // http[s]://HOST:PORT of etcd members
  std::string object_store;        // file:///path or s3://BUCKET/PREFIX?endpoint=..&region=..
  std::string node_id;             // unique among the nodes: [A-Za-z0-9_.-]{1,64}
  std::string advertise;           // http[s]://HOST:PORT other nodes reach this one at
  std::string cache_dir;           // local copies of shards; emptied on start
  int lease_ttl_seconds = 10;      // owner leases: a dead node's shards move after this
  uint64_t snapshot_rows = 65536;  // a shard publishes a snapshot after this many rows written
  size_t seal_threshold_rows = 65536;
  std::string api_key;  // sent to other nodes when they check keys (the admin key)
  HttpTlsOptions tls;   // for https:// etcd, S3 and node URLs
  // Requests that may wait at once for writes forwarded to other nodes; more are refused with
  // Unavailable (HTTP 503), so that a flood of them cannot take every server worker.
  size_t max_forwarded_writes = 8;
  size_t commit_threads = 8;  // group commits of writes that other nodes forward here
};

// A sharded collection as the catalog in etcd holds it (/ragdb/collections/{name}).
struct CollectionMeta {
  std::string name;  // cluster-wide: "name", or "tenant/name" for a tenant other than the default
  CollectionSchema schema;
  uint32_t shards = 1;
  uint32_t replication = 1;
  int64_t incarnation = 0;  // create revision of the catalog key
  int64_t mod_revision = 0;
};

// The value of a collection's catalog key.
std::string EncodeMeta(const CollectionMeta& m);

// Where one shard is served, as this node last read it from etcd.
struct ShardRoute {
  std::string owner;  // node id; empty while no node holds the lease
  std::string owner_url;
  int64_t epoch = 0;
  std::vector<std::string> placement;  // owner first, then replicas (from placement.h)
  LogHead head;
  uint64_t manifest_seq = 0;
  // The head this node's copies were caught up to at the end of its last reconcile tick: what
  // a replica read must reflect at least (with the writes acknowledged through this node).
  uint64_t read_seq = 0;
};

// Which copies may answer a read (the `consistency` query parameter of the read endpoints).
enum class ReadConsistency {
  kOwner,    // the shard's owner: every acknowledged write (the default)
  kReplica,  // any copy that applied the log up to the head this node last saw (ShardRoute)
};
// "" / owner / all / majority / quorum / an integer >= 2 -> kOwner; replica / 1 -> kReplica.
Result<ReadConsistency> ParseReadConsistency(std::string_view value);

class Node {
 public:
  static Result<std::unique_ptr<Node>> Start(NodeOptions options);
  ~Node();  // Stop()
  // Graceful stop: publishes a snapshot of each owned shard, releases the leases.
  void Stop();

  const NodeOptions& options() const { return options_; }
  // The cluster as a Database: the collections whose cluster-wide names start with `prefix`
  // ("" for the default tenant, "tenant/" for another), shown without it.
  std::unique_ptr<Database> OpenDatabase(const std::string& prefix = "");
  EtcdClient& etcd() { return *etcd_; }
  // Called from the reconcile thread with the value of `key` whenever its mod revision changed
  // (and once at start); the server keeps API keys and tenants in /ragdb/auth this way.
  void Watch(const std::string& key, std::function<void(const KeyValue&)> fn);

  // ---- catalog ----
  Status CreateCollection(const std::string& name, const CollectionSchema& schema, uint32_t shards,
                          uint32_t replication);
  Status DropCollection(const std::string& name);
  Result<CollectionMeta> GetMeta(const std::string& name);
  std::vector<std::string> ListCollections();
  // Schema changes (node_schema.cc): payload indexes made and dropped, a vector field's index
  // parameters changed; in every shard's log, then in the catalog. `display_name` names the
  // collection in errors.
  Status AddPayloadIndex(const std::string& name, const PayloadIndexField& field);
  Status DropPayloadIndex(const std::string& name, const std::string& display_name,
                          const std::string& path);
  Status UpdateVectorIndex(const std::string& name, const std::string& display_name,
                           const std::string& field, const IndexParams& params);

  // ---- reads and writes over the shards ----
  // Runs the read on every shard (kGet: those with ids) and merges the results: this node's
  // copies in process, the others with one call per node, sent together. A shard whose copy
  // cannot answer is read from the next one (docs/cluster.md, "Reads").
  Status Read(const CollectionMeta& meta, const ReadArgs& args, ReadConsistency consistency,
              ReadResult* out);
  // True when every shard of the collection can be read here now without another node: the
  // server then runs the request on its I/O thread.
  bool ReadsLocally(const std::string& collection, ReadConsistency consistency);
  // Writes each shard's ops (by shard number; empty = none) at its owner: this node's shards
  // through their group commit, the others forwarded, one call per owner. Returns the points
  // touched. Waits (retrying) while a shard moves; Unavailable at once when max_forwarded_writes
  // requests wait on other nodes already.
  Result<uint64_t> Write(const CollectionMeta& meta, std::vector<std::vector<LogOp>> ops);
  // Optimize() on every shard's owner (then a snapshot).
  Status Optimize(const CollectionMeta& meta);
  // A validator: an empty local collection with the schema, for Validate / PrepareRecords.
  Result<std::shared_ptr<Collection>> Validator(const CollectionMeta& meta);

  // ---- served to other nodes ----
  // POST /ragdb/cluster/read: reads this node's copies (CPU only; never waits on a node).
  Result<std::string> ServeRead(std::string_view body);
  // POST /ragdb/cluster/write: queues the writes on the shards' group commits and returns;
  // `done` gets the reply when all are committed, on a commit thread.
  void ServeWrite(std::string_view body, std::function<void(Result<std::string>)> done);

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
  // `op` on every shard (the log), then `updated` as the catalog's schema.
  Status ChangeSchema(const CollectionMeta& meta, const LogOp& op, CollectionSchema updated);
  // ReadClusterState, then takes, hands over, loads, tails and drops shard copies (serialized).
  Status ReconcileOnce();
  std::mutex reconcile_mu_;
  Status RegisterSelf();
  bool LeaseAlive() const;
  // The copy of a shard on this node, or null.
  std::shared_ptr<ShardCopy> Copy(const std::string& collection, uint32_t shard);
  Result<ShardRoute> Route(const std::string& collection, uint32_t shard, bool refresh);
  std::chrono::milliseconds MoveTimeout() const;
  HttpHeaders PeerHeaders() const;
  // Where a read of one shard goes next (mu_ held shared); see Read.
  struct ReadTarget {
    std::shared_ptr<ShardCopy> local;  // this node's copy, or
    std::string node, url;             // another node
    bool replica_ok = false;
    uint64_t min_seq = 0;
  };
  // What a read learned of the copies so far: nodes that could not be reached at all, and
  // copies that answered that they cannot serve the shard (not its owner, behind, none).
  struct ReadFailures {
    std::set<std::string> unreachable;
    std::set<std::pair<uint32_t, std::string>> refused;
    // The routes were read from etcd during this read: their log heads are at least the last
    // acknowledged write's, so a replica caught up to them hides nothing acknowledged.
    bool routes_fresh = false;
  };
  bool PickReadTarget(const CollectionMeta& meta, uint32_t shard, ReadConsistency consistency,
                      const ReadFailures& failures, bool local_only, ReadTarget* target);
  uint64_t MinReadSeq(const std::string& collection, uint32_t shard, const ShardRoute& route);
  void NoteAcked(const std::string& collection, uint32_t shard, uint64_t seq);
  // Write / Optimize: rounds of WriteRound until every shard in `pending` is done, the routes
  // read again between rounds, until the move timeout.
  Result<uint64_t> WriteRounds(const CollectionMeta& meta, bool optimize,
                               std::vector<std::vector<LogOp>>* ops, std::vector<uint32_t> pending);
  // One round of Write / Optimize: the shards in `pending` to their owners (this node's in
  // process, the others one call per owner, sent together); the shards still to do come back.
  Result<std::vector<uint32_t>> WriteRound(const CollectionMeta& meta, bool optimize,
                                           std::vector<std::vector<LogOp>>* ops,
                                           const std::vector<uint32_t>& pending, bool refresh,
                                           uint64_t* affected, Status* last);

  NodeOptions options_;
  std::unique_ptr<EtcdClient> etcd_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<HttpClient> peers_;
  std::unique_ptr<ThreadPool> commit_pool_;
  ShardEnv env_;

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
  uint64_t validator_counter_ = 0;

  std::mutex acked_mu_;  // the last chunk acknowledged through this node, by shard
  std::map<std::pair<std::string, uint32_t>, uint64_t> acked_;

  struct Watcher {
    std::string key;
    int64_t mod_revision = -1;
    std::function<void(const KeyValue&)> fn;
  };
  std::mutex watch_mu_;
  std::vector<Watcher> watchers_;

  std::atomic<uint64_t> read_rotation_{0};  // spreads replica reads over the copies
  std::atomic<size_t> forwarding_{0};       // requests waiting on forwarded writes
  std::atomic<uint64_t> forwarded_writes_{0}, forwards_refused_{0}, remote_reads_{0};
  std::atomic<uint64_t> reconciles_{0}, lease_losses_{0}, takeovers_{0}, handovers_{0};
  std::atomic<uint64_t> stale_reloads_{0};
};

// A collection of a Database that OpenDatabase returned, reading with `consistency`; any other
// collection as it is.
std::shared_ptr<Collection> WithReadConsistency(std::shared_ptr<Collection> c,
                                                ReadConsistency consistency);

// Node names: 1..64 characters of [A-Za-z0-9_.-].
Status ValidateNodeId(const std::string& id);

}  // namespace ragdb::cluster
