// One copy of one shard on this node: a local collection in the cache folder that equals the
// shard's log in object storage up to `applied_seq()`. The owner's copy also writes the log
// (group commit, fenced by its epoch), publishes snapshots and deletes the objects they make
// unnecessary; a replica's copy tails the log. docs/cluster.md describes the keys, objects, the
// fencing argument and the garbage-collection rule.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "cluster/etcd.h"
#include "cluster/store/object_store.h"
#include "cluster/wire/log_ops.h"
#include "ragdb/database.h"

namespace ragdb::cluster {

// Names of one shard's etcd keys and object keys.
struct ShardName {
  std::string collection;  // cluster-wide: "name", or "tenant/name" for other tenants
  uint32_t shard = 0;
  int64_t incarnation = 0;  // the create revision of the collection's catalog key

  std::string EtcdPrefix() const;  // /ragdb/[tenants/{t}/]shards/{name}/{shard}/ (keys.h)
  std::string OwnerKey() const { return EtcdPrefix() + "owner"; }
  std::string HeadKey() const { return EtcdPrefix() + "head"; }
  std::string ManifestKey() const { return EtcdPrefix() + "manifest"; }
  // [tenants/{t}/]collections/{name}-{incarnation}/{shard}/
  std::string ObjectPrefix() const;
  std::string ChunkKey(uint64_t seq, int64_t epoch) const;
  std::string Label() const { return collection + "/" + std::to_string(shard); }
};

// The shard's log head in etcd: the last committed chunk, and which epoch wrote which chunks
// (a run starts at `first` and lasts until the next run), since chunk keys carry their epoch.
struct LogHead {
  uint64_t seq = 0;
  std::vector<std::pair<uint64_t, int64_t>> runs;  // (first seq, epoch)
  int64_t mod_revision = 0;                        // of the etcd key; 0 = absent
  int64_t EpochOf(uint64_t seq) const;
  std::string Encode() const;
  static Result<LogHead> Decode(const KeyValue& kv);
};

// What the shard copies share on a node.
struct ShardEnv {
  EtcdClient* etcd = nullptr;
  ObjectStore* store = nullptr;
  std::string cache_dir;  // copies live in cache_dir/shards/
  size_t seal_threshold_rows = 65536;
  // Runs group commits that no waiting caller leads (writes forwarded by other nodes).
  ThreadPool* commit_pool = nullptr;
  // Bytes of vectors (estimated) that may wait for a shard's group commit; more are refused.
  uint64_t max_queued_bytes = uint64_t{256} << 20;
  // False once the node's lease may have expired (no renewal for a TTL): writes stop being
  // acknowledged even before etcd says so. A safety margin, not the fencing itself.
  std::function<bool()> lease_alive;
};

struct ShardCounters {
  std::atomic<uint64_t> chunks{0}, chunk_bytes{0}, rows_written{0}, writes_rejected{0};
  std::atomic<uint64_t> chunks_applied{0}, snapshots{0}, snapshot_bytes{0};
  std::atomic<uint64_t> fenced{0};      // head transactions refused because the epoch had moved on
  std::atomic<uint64_t> queue_full{0};  // writes refused: the commit queue was full
  std::atomic<uint64_t> objects_deleted{0}, object_bytes_deleted{0};  // garbage collection
  std::atomic<uint64_t> reads{0};  // reads of other nodes and of this one served by the copy
};

// What a committed write reports: the points it touched and the chunk that holds it.
struct WriteAck {
  uint64_t affected = 0;
  uint64_t seq = 0;
};

class ShardCopy : public std::enable_shared_from_this<ShardCopy> {
 public:
  // Builds the copy from the shard's last published snapshot (or empty, from `schema`), then
  // replays the log up to `head`. NotFound when an object it needs is gone (a snapshot newer
  // than the pointer it read was published, and garbage collected it): load again.
  static Result<std::shared_ptr<ShardCopy>> Load(const ShardEnv& env, ShardName name,
                                                 const CollectionSchema& schema,
                                                 const LogHead& head);
  ~ShardCopy();

  const ShardName& name() const { return name_; }
  Collection& collection() { return *collection_; }
  uint64_t applied_seq() const { return applied_seq_; }
  bool is_owner() const { return owner_; }
  int64_t epoch() const { return epoch_; }
  bool broken() const { return broken_; }
  // True once a chunk this replica needs has been collected (it fell more than a snapshot
  // behind): the node loads it again from the latest snapshot.
  bool stale() const { return stale_; }
  uint64_t rows_since_snapshot() const { return rows_since_snapshot_; }
  uint64_t snapshot_seq() const { return snapshot_seq_; }
  const ShardCounters& counters() const { return counters_; }
  ShardCounters& mutable_counters() { return counters_; }

  // Applies the chunks after applied_seq() up to head.seq (a replica's tail, an owner's
  // catch-up after taking the lease).
  Status CatchUp(const LogHead& head);

  // Takes the writer role for `epoch` (the create revision of the owner key this node now
  // holds); `head` must have been read after the key was created.
  Status BecomeOwner(int64_t epoch, const LogHead& head);
  // Gives up the writer role (lease lost, or the shard moves): waits for the write under way.
  void Demote();

  // Owner only: queues the ops for the next group commit (fenced by the epoch) and returns at
  // once. `done` runs when the chunk holding them is committed and applied (or they failed), on
  // the commit pool's thread, or on the caller's thread when refused at once (ResourceExhausted
  // when the queue holds max_queued_bytes already).
  using WriteDone = std::function<void(Result<WriteAck>)>;
  void Submit(std::vector<LogOp> ops, WriteDone done);
  // Submit, then wait for it.
  Result<WriteAck> Write(std::vector<LogOp> ops);

  // Owner only: checkpoints the local collection, uploads the files that are new, then moves
  // the shard's manifest pointer in etcd (guarded by the epoch); then deletes the objects that
  // neither this snapshot nor the one before it needs (docs/cluster.md, "Garbage collection").
  Status PublishSnapshot();
  // Owner only: Optimize() on the local collection, then a snapshot.
  Status Optimize();

 private:
  struct Pending {
    std::vector<LogOp> ops;
    uint64_t bytes = 0;
    WriteDone done;
    Status status;
    WriteAck ack;
  };

  ShardCopy(const ShardEnv& env, ShardName name) : env_(env), name_(std::move(name)) {}
  Status LoadSnapshot(const CollectionSchema& schema);
  // The log ops a forwarded op stands for, against the current state (owner, write lock held).
  Status Resolve(const LogOp& op, std::vector<LogOp>* out);
  Status Apply(const std::vector<LogOp>& ops, std::vector<uint64_t>* affected);
  // Takes queued batches and commits them until the queue is empty.
  void CommitLoop();
  // Writes `batch` as one chunk (write lock held).
  void CommitBatch(const std::vector<Pending*>& batch);
  // After a refused head transaction: true when the head already holds our chunk (an earlier
  // attempt of the same transaction went through before its reply was lost).
  bool AlreadyCommitted(uint64_t seq);
  // On taking the writer role: keeps of uploaded_ only the keys the current snapshot names.
  // Others may be gone: an owner that published twice while this node was not the owner
  // collected them, and a snapshot naming them would not load.
  Status ForgetUploadsNotInCurrentSnapshot();
  // Deletes what neither the snapshot just published (`current`: its manifest object and files)
  // nor the previous one (named by `previous_pointer`, the pointer's value before) needs.
  void CollectGarbage(const std::string& current_manifest_key,
                      const std::set<std::string>& current_files,
                      const std::string& previous_pointer);

  const ShardEnv env_;
  const ShardName name_;
  std::string dir_;
  std::unique_ptr<Database> db_;
  std::shared_ptr<Collection> collection_;
  // Local file name -> object key holding the same bytes (this copy uploaded it, or loaded the
  // file from it); a snapshot names the key instead of uploading the file again.
  std::map<std::string, std::string> uploaded_;

  std::mutex write_mu_;  // held while a chunk is written and applied, and by snapshots
  uint64_t applied_seq_ = 0;
  LogHead head_;  // as this copy last saw (owner: as it wrote) it
  bool owner_ = false;
  int64_t epoch_ = 0;
  bool broken_ = false;
  bool stale_ = false;
  uint64_t rows_since_snapshot_ = 0;
  uint64_t snapshot_seq_ = 0;
  int64_t manifest_mod_revision_ = 0;

  std::mutex queue_mu_;
  std::deque<Pending> queue_;
  uint64_t queued_bytes_ = 0;
  bool committing_ = false;  // a CommitLoop runs
  ShardCounters counters_;
};

}  // namespace ragdb::cluster
