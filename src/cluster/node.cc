#include "cluster/node.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "base/file.h"
#include "base/json_text.h"
#include "cluster/keys.h"
#include "cluster/shard/placement.h"

namespace ragdb::cluster {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

void Log(const std::string& line) {
  fprintf(stderr, "ragdb cluster: %s\n", line.c_str());
  fflush(stderr);
}

Result<CollectionMeta> DecodeMeta(const KeyValue& kv, const std::string& name) {
  auto j = ReadJson(kv.value);
  if (!j.ok() || !j->is_object()) return Status::Corruption(kv.key + ": not a JSON object");
  CollectionMeta m;
  m.name = name;
  m.incarnation = kv.create_revision;
  m.mod_revision = kv.mod_revision;
  auto schema = CollectionSchema::FromJson(j->value("schema", Json()));
  if (!schema.ok()) return schema.status().WithContext(kv.key);
  m.schema = std::move(schema).value();
  m.shards = j->value("shard_number", 1u);
  m.replication = j->value("replication_factor", 1u);
  return m;
}

}  // namespace

std::string EncodeMeta(const CollectionMeta& m) {
  return WriteJson(Json{{"schema", m.schema.ToJson()},
                        {"shard_number", m.shards},
                        {"replication_factor", m.replication}});
}

Status ValidateNodeId(const std::string& id) {
  if (id.empty() || id.size() > 64)
    return Status::InvalidArgument("--node-id must have 1..64 characters");
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) {
      return Status::InvalidArgument("--node-id '" + id +
                                     "' has a character outside [A-Za-z0-9_.-]");
    }
  }
  return Status::Ok();
}

Node::Node(NodeOptions options) : options_(std::move(options)) {}

Node::~Node() { Stop(); }

std::chrono::milliseconds Node::MoveTimeout() const {
  return std::chrono::milliseconds(2000 * options_.lease_ttl_seconds + 10000);
}

bool Node::LeaseAlive() const { return NowMs() < lease_deadline_ms_.load(); }

Result<std::unique_ptr<Node>> Node::Start(NodeOptions options) {
  std::unique_ptr<Node> node(new Node(std::move(options)));
  RAGDB_RETURN_IF_ERROR(node->Init());
  return node;
}

Status Node::Init() {
  RAGDB_RETURN_IF_ERROR(ValidateNodeId(options_.node_id));
  if (options_.lease_ttl_seconds < 1)
    return Status::InvalidArgument("--lease-ttl must be at least 1 second");
  RAGDB_RETURN_IF_ERROR(ParseHttpUrl(options_.advertise).status().WithContext("--advertise"));
  if (options_.cache_dir.empty())
    return Status::InvalidArgument("cluster mode needs --data CACHE_DIR");
  RAGDB_ASSIGN_OR_RETURN(etcd_,
                         EtcdClient::Create(options_.etcd, std::chrono::seconds(5), options_.tls));
  RAGDB_ASSIGN_OR_RETURN(store_, OpenObjectStore(options_.object_store, options_.tls));
  RAGDB_ASSIGN_OR_RETURN(peers_, HttpClient::Create(options_.tls));
  commit_pool_ = std::make_unique<ThreadPool>(std::max<size_t>(1, options_.commit_threads));
  // The cache holds nothing that is not in etcd and the object store: start it empty.
  RAGDB_RETURN_IF_ERROR(RemoveAll(JoinPath(options_.cache_dir, "shards")));
  RAGDB_RETURN_IF_ERROR(RemoveAll(JoinPath(options_.cache_dir, "validators")));
  RAGDB_RETURN_IF_ERROR(CreateDirs(JoinPath(options_.cache_dir, "shards")));
  RAGDB_ASSIGN_OR_RETURN(validator_db_, Database::Open(JoinPath(options_.cache_dir, "validators")));
  env_.etcd = etcd_.get();
  env_.store = store_.get();
  env_.cache_dir = options_.cache_dir;
  env_.seal_threshold_rows = options_.seal_threshold_rows;
  env_.commit_pool = commit_pool_.get();
  env_.lease_alive = [this] { return LeaseAlive(); };
  RAGDB_RETURN_IF_ERROR(RegisterSelf());
  // Renewed from now on: loading the shards below may take longer than the lease lives.
  keepalive_thread_ = std::thread([this] { KeepAliveLoop(); });
  RAGDB_RETURN_IF_ERROR(ReconcileOnce());
  reconcile_thread_ = std::thread([this] { ReconcileLoop(); });
  return Status::Ok();
}

Status Node::RegisterSelf() {
  const int64_t sent = NowMs();
  RAGDB_ASSIGN_OR_RETURN(int64_t lease, etcd_->GrantLease(options_.lease_ttl_seconds));
  lease_ = lease;
  lease_deadline_ms_ = sent + 1000LL * options_.lease_ttl_seconds;
  const std::string value =
      WriteJson(Json{{"advertise", options_.advertise}, {"lease", std::to_string(lease)}});
  return etcd_->Put(std::string(kNodesPrefix) + options_.node_id, value, lease).status();
}

void Node::KeepAliveLoop() {
  const auto period =
      std::chrono::milliseconds(std::max(100, options_.lease_ttl_seconds * 1000 / 3));
  while (!stopping_) {
    {
      std::unique_lock lock(stop_mu_);
      stop_cv_.wait_for(lock, period, [this] { return stopping_.load(); });
    }
    if (stopping_) break;
    const int64_t sent = NowMs();
    auto ttl = etcd_->KeepAlive(lease_);
    if (ttl.ok() && *ttl > 0) {
      lease_deadline_ms_ = sent + 1000LL * *ttl;
      continue;
    }
    if (!ttl.ok()) continue;  // etcd unreachable: LeaseAlive() turns false at the deadline
    // The lease expired (the process was paused, or etcd lost touch for a TTL): every owner key
    // attached to it is gone, and so is every epoch this node held. Start over.
    lease_losses_++;
    Log("node " + options_.node_id + ": lease expired; giving up every shard it owned");
    {
      std::shared_lock lock(mu_);
      for (auto& [k, copy] : copies_) copy->Demote();
    }
    Status s = RegisterSelf();
    if (!s.ok()) Log("re-registering failed: " + s.ToString());
  }
}

void Node::ReconcileLoop() {
  const auto tick = std::chrono::milliseconds(std::max(100, options_.lease_ttl_seconds * 1000 / 8));
  while (!stopping_) {
    {
      std::unique_lock lock(stop_mu_);
      stop_cv_.wait_for(lock, tick, [this] { return stopping_.load(); });
    }
    if (stopping_) break;
    Status s = ReconcileOnce();
    if (!s.ok()) Log("reconcile: " + s.ToString());
  }
}

Result<Node::ClusterState> Node::ReadClusterState() {
  int64_t revision = 0;
  RAGDB_ASSIGN_OR_RETURN(std::vector<KeyValue> kvs, etcd_->GetPrefix("/ragdb/", &revision));
  std::map<std::string, std::string> nodes;
  std::map<std::string, CollectionMeta> catalog;
  std::map<std::pair<std::string, uint32_t>, std::map<std::string, KeyValue>> shard_keys;
  for (const KeyValue& kv : kvs) {
    CollectionKey ck;
    if (kv.key.starts_with(kNodesPrefix)) {
      auto j = ReadJson(kv.value);
      if (j.ok()) nodes[kv.key.substr(kNodesPrefix.size())] = j->value("advertise", "");
    } else if (ParseCollectionKey(kv.key, &ck)) {
      if (!ck.kind.empty()) {
        shard_keys[std::make_pair(ck.collection, ck.shard)][ck.kind] = kv;
        continue;
      }
      auto meta = DecodeMeta(kv, ck.collection);
      if (meta.ok()) {
        catalog[ck.collection] = std::move(meta).value();
      } else {
        Log(meta.status().ToString());
      }
    }
  }
  std::vector<std::string> live;
  for (const auto& [id, url] : nodes) live.push_back(id);

  std::map<std::pair<std::string, uint32_t>, ShardRoute> routes;
  for (const auto& [name, meta] : catalog) {
    auto placement = AssignShards(name, meta.shards, meta.replication, live);
    for (uint32_t s = 0; s < meta.shards; ++s) {
      ShardRoute r;
      r.placement = placement[s];
      auto& keys = shard_keys[{name, s}];
      if (auto it = keys.find("owner"); it != keys.end()) {
        auto j = ReadJson(it->second.value);
        if (j.ok()) {
          r.owner = j->value("node", "");
          r.owner_url = j->value("url", "");
        }
        r.epoch = it->second.create_revision;
      }
      if (auto it = keys.find("head"); it != keys.end()) {
        auto h = LogHead::Decode(it->second);
        if (h.ok()) r.head = *h;
      }
      if (auto it = keys.find("manifest"); it != keys.end()) {
        auto j = ReadJson(it->second.value);
        if (j.ok()) r.manifest_seq = j->value("seq", uint64_t{0});
      }
      routes[{name, s}] = std::move(r);
    }
  }
  {
    std::unique_lock lock(mu_);
    // What copies were caught up to stays until this node's reconcile moves it on.
    for (auto& [key, r] : routes) {
      auto old = routes_.find(key);
      if (old != routes_.end()) r.read_seq = std::min(old->second.read_seq, r.head.seq);
    }
    nodes_ = nodes;
    catalog_ = catalog;
    routes_ = routes;
  }
  {
    std::lock_guard lock(watch_mu_);
    for (Watcher& w : watchers_) {
      // etcd returns the keys in order.
      auto it =
          std::lower_bound(kvs.begin(), kvs.end(), w.key,
                           [](const KeyValue& kv, const std::string& k) { return kv.key < k; });
      KeyValue absent;
      absent.key = w.key;
      const KeyValue& kv = it != kvs.end() && it->key == w.key ? *it : absent;
      if (kv.mod_revision == w.mod_revision) continue;
      w.mod_revision = kv.mod_revision;
      w.fn(kv);
    }
  }
  return ClusterState{std::move(catalog), std::move(routes)};
}

Status Node::ReconcileOnce() {
  std::lock_guard serial(reconcile_mu_);
  reconciles_++;
  RAGDB_ASSIGN_OR_RETURN(ClusterState state, ReadClusterState());
  auto& catalog = state.catalog;
  const auto& routes = state.routes;

  // Copies of collections that no longer exist (or were re-created) go.
  std::vector<std::shared_ptr<ShardCopy>> dropped;
  {
    std::unique_lock lock(mu_);
    for (auto it = copies_.begin(); it != copies_.end();) {
      auto c = catalog.find(it->first.first);
      if (c == catalog.end() || c->second.incarnation != it->second->name().incarnation ||
          it->first.second >= c->second.shards) {
        dropped.push_back(it->second);
        it = copies_.erase(it);
      } else {
        ++it;
      }
    }
  }
  dropped.clear();  // each copy's folder goes with its last user

  for (const auto& [key, route] : routes) {
    if (stopping_) break;
    const CollectionMeta& meta = catalog[key.first];
    ShardName name{key.first, key.second, meta.incarnation};
    std::shared_ptr<ShardCopy> copy = Copy(key.first, key.second);
    if (copy && copy->broken()) {
      Log("shard " + name.Label() + ": dropping a broken copy");
      if (copy->is_owner()) {
        (void)etcd_->Txn({{name.OwnerKey(), EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual,
                           copy->epoch(), ""}},
                         {{EtcdOp::Kind::kDelete, name.OwnerKey(), "", 0}});
      }
      std::unique_lock lock(mu_);
      copies_.erase(key);
      copy.reset();
    }
    if (copy && copy->stale() && !copy->is_owner()) {
      // A replica that fell more than a snapshot behind: load it again from the latest one.
      stale_reloads_++;
      Log("shard " + name.Label() + ": replica fell behind the collected log; loading it again");
      std::unique_lock lock(mu_);
      copies_.erase(key);
      copy.reset();
    }
    const auto& p = route.placement;
    const bool desired_owner = !p.empty() && p[0] == options_.node_id;
    const bool in_set = std::find(p.begin(), p.end(), options_.node_id) != p.end();
    // An owner whose epoch is over steps down at once.
    if (copy && copy->is_owner() && route.epoch != copy->epoch()) copy->Demote();

    auto load = [&](const LogHead& head) -> Status {
      if (copy) return copy->CatchUp(head);
      RAGDB_ASSIGN_OR_RETURN(copy, ShardCopy::Load(env_, name, meta.schema, head));
      std::unique_lock lock(mu_);
      copies_[key] = copy;
      return Status::Ok();
    };

    if (desired_owner && route.owner.empty() && LeaseAlive()) {
      // Take the owner lease: the key must not exist; its create revision is our epoch.
      const std::string value =
          WriteJson(Json{{"node", options_.node_id}, {"url", options_.advertise}});
      auto txn = etcd_->Txn(
          {{name.OwnerKey(), EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual, 0, ""}},
          {{EtcdOp::Kind::kPut, name.OwnerKey(), value, lease_}});
      if (!txn.ok() || !txn->succeeded) continue;
      const int64_t epoch = txn->revision;
      Status s = [&]() -> Status {
        RAGDB_ASSIGN_OR_RETURN(KeyValue hkv, etcd_->Get(name.HeadKey()));
        RAGDB_ASSIGN_OR_RETURN(LogHead head, LogHead::Decode(hkv));
        RAGDB_RETURN_IF_ERROR(load(head));
        return copy->BecomeOwner(epoch, head);
      }();
      if (!s.ok()) {
        Log("shard " + name.Label() + ": taking ownership failed: " + s.ToString());
        (void)etcd_->Txn(
            {{name.OwnerKey(), EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual, epoch, ""}},
            {{EtcdOp::Kind::kDelete, name.OwnerKey(), "", 0}});
        continue;
      }
      takeovers_++;
      Log("shard " + name.Label() + ": owner now, epoch " + std::to_string(epoch) + ", log at " +
          std::to_string(copy->applied_seq()));
      {
        std::unique_lock lock(mu_);
        routes_[key].owner = options_.node_id;
        routes_[key].owner_url = options_.advertise;
        routes_[key].epoch = epoch;
      }
      continue;
    }
    if (route.owner == options_.node_id && copy && !copy->is_owner() && route.epoch != 0) {
      // Our key still stands, but the copy stopped writing: a head transaction's outcome was
      // unknown (etcd unreachable). Resuming under the same epoch could reuse the chunk key
      // that transaction named, should etcd apply it late; giving the key up and taking the
      // shard again gives a new epoch, which that transaction's compare can no longer match.
      (void)etcd_->Txn({{name.OwnerKey(), EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual,
                         route.epoch, ""}},
                       {{EtcdOp::Kind::kDelete, name.OwnerKey(), "", 0}});
      Log("shard " + name.Label() + ": epoch " + std::to_string(route.epoch) +
          " stopped writing; taking the shard again with a new epoch");
      continue;
    }
    if (copy && copy->is_owner() && !desired_owner && !route.placement.empty()) {
      // The shard is placed on another node now (one joined): publish, step down, release.
      (void)copy->PublishSnapshot();
      copy->Demote();
      (void)etcd_->Txn({{name.OwnerKey(), EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual,
                         copy->epoch(), ""}},
                       {{EtcdOp::Kind::kDelete, name.OwnerKey(), "", 0}});
      handovers_++;
      Log("shard " + name.Label() + ": handed over to " + route.placement[0]);
      continue;
    }
    if (in_set && !desired_owner && (!copy || !copy->is_owner())) {
      Status s = load(route.head);  // a replica: load once, then tail the log
      if (!s.ok()) Log("shard " + name.Label() + ": replica: " + s.ToString());
      continue;
    }
    if (!in_set && copy && !copy->is_owner()) {
      std::unique_lock lock(mu_);
      copies_.erase(key);
      continue;
    }
    if (copy && copy->is_owner() && copy->rows_since_snapshot() >= options_.snapshot_rows) {
      Status s = copy->PublishSnapshot();
      if (!s.ok()) Log("shard " + name.Label() + ": snapshot: " + s.ToString());
    }
  }
  // Replica reads through this node reflect at least the heads of this tick from now on: its
  // own copies have applied them (or failed, and are not read).
  {
    std::unique_lock lock(mu_);
    for (const auto& [key, route] : routes) {
      auto it = routes_.find(key);
      if (it != routes_.end()) it->second.read_seq = std::max(it->second.read_seq, route.head.seq);
    }
  }
  return Status::Ok();
}

void Node::Stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard lock(stop_mu_);
    stop_cv_.notify_all();
  }
  if (reconcile_thread_.joinable()) reconcile_thread_.join();
  if (keepalive_thread_.joinable()) keepalive_thread_.join();
  std::vector<std::shared_ptr<ShardCopy>> owned;
  {
    std::shared_lock lock(mu_);
    for (auto& [k, copy] : copies_) {
      if (copy->is_owner()) owned.push_back(copy);
    }
  }
  // A snapshot makes the next owner's replay short; then the leases go at once, instead of
  // after the TTL.
  for (auto& copy : owned) {
    Status s = copy->PublishSnapshot();
    if (!s.ok()) Log("shard " + copy->name().Label() + ": snapshot on stop: " + s.ToString());
    copy->Demote();
  }
  if (lease_ != 0 && etcd_) (void)etcd_->RevokeLease(lease_);
  std::unique_lock lock(mu_);
  copies_.clear();
  validators_.clear();
}

void Node::Watch(const std::string& key, std::function<void(const KeyValue&)> fn) {
  std::lock_guard lock(watch_mu_);
  watchers_.push_back({key, -1, std::move(fn)});
}

HttpHeaders Node::PeerHeaders() const {
  HttpHeaders headers = {{"content-type", "application/octet-stream"}};
  if (!options_.api_key.empty()) headers.emplace_back("api-key", options_.api_key);
  return headers;
}

std::shared_ptr<ShardCopy> Node::Copy(const std::string& collection, uint32_t shard) {
  std::shared_lock lock(mu_);
  auto it = copies_.find({collection, shard});
  return it == copies_.end() ? nullptr : it->second;
}

Result<ShardRoute> Node::Route(const std::string& collection, uint32_t shard, bool refresh) {
  if (refresh) RAGDB_RETURN_IF_ERROR(ReadClusterState().status());
  std::shared_lock lock(mu_);
  auto it = routes_.find({collection, shard});
  if (it == routes_.end()) {
    return Status::NotFound("Collection `" + collection + "` doesn't exist!");
  }
  return it->second;
}

// ---- catalog ----

Status Node::CreateCollection(const std::string& name, const CollectionSchema& schema,
                              uint32_t shards, uint32_t replication) {
  RAGDB_RETURN_IF_ERROR(ValidateClusterName(name));
  RAGDB_RETURN_IF_ERROR(schema.Validate());
  if (shards < 1 || shards > 1024)
    return Status::InvalidArgument("shard_number must be in 1..1024");
  if (replication < 1 || replication > 16) {
    return Status::InvalidArgument("replication_factor must be in 1..16");
  }
  CollectionMeta m;
  m.name = name;
  m.schema = schema;
  m.shards = shards;
  m.replication = replication;
  const std::string key = CatalogKey(name);
  RAGDB_ASSIGN_OR_RETURN(
      EtcdTxnResult txn,
      etcd_->Txn({{key, EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual, 0, ""}},
                 {{EtcdOp::Kind::kPut, key, EncodeMeta(m), 0}}));
  if (!txn.succeeded) return Status::AlreadyExists("collection '" + name + "' already exists");
  // Wait until every shard has an owner, so that the first write does not have to.
  const auto deadline = Clock::now() + MoveTimeout();
  while (Clock::now() < deadline) {
    RAGDB_RETURN_IF_ERROR(ReconcileOnce());  // this node may be the owner of some
    bool all = true;
    {
      std::shared_lock lock(mu_);
      for (uint32_t s = 0; s < shards; ++s) {
        auto it = routes_.find({name, s});
        all &= it != routes_.end() && !it->second.owner.empty();
      }
    }
    if (all) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::DeadlineExceeded("collection '" + name +
                                  "' was created, but not every shard has an owner yet");
}

Status Node::DropCollection(const std::string& name) {
  RAGDB_ASSIGN_OR_RETURN(CollectionMeta meta, GetMeta(name));
  const std::string key = CatalogKey(name);
  RAGDB_ASSIGN_OR_RETURN(EtcdTxnResult txn,
                         etcd_->Txn({{key, EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual,
                                      meta.incarnation, ""}},
                                    {{EtcdOp::Kind::kDelete, key, "", 0},
                                     {EtcdOp::Kind::kDeletePrefix, ShardKeysPrefix(name), "", 0}}));
  if (!txn.succeeded) return Status::NotFound("collection '" + name + "' not found");
  (void)ReconcileOnce();
  // Its objects: nothing names them any more (a stale owner's late chunk may still appear;
  // nothing will ever read it).
  const std::string prefix = ObjectRoot(name, meta.incarnation);
  auto objects = store_->List(prefix);
  if (objects.ok()) {
    for (const auto& o : *objects) (void)store_->Delete(o.key);
  }
  return Status::Ok();
}

Result<CollectionMeta> Node::GetMeta(const std::string& name) {
  {
    std::shared_lock lock(mu_);
    auto it = catalog_.find(name);
    if (it != catalog_.end()) return it->second;
  }
  RAGDB_ASSIGN_OR_RETURN(KeyValue kv, etcd_->Get(CatalogKey(name)));
  if (kv.create_revision == 0) return Status::NotFound("collection '" + name + "' not found");
  RAGDB_RETURN_IF_ERROR(ReadClusterState().status());
  std::shared_lock lock(mu_);
  auto it = catalog_.find(name);
  if (it == catalog_.end()) return Status::NotFound("collection '" + name + "' not found");
  return it->second;
}

std::vector<std::string> Node::ListCollections() {
  (void)ReadClusterState();
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, m] : catalog_) out.push_back(name);
  return out;
}

Result<std::shared_ptr<Collection>> Node::Validator(const CollectionMeta& meta) {
  std::lock_guard lock(validator_mu_);
  auto it = validators_.find(meta.name);
  if (it != validators_.end() && it->second.first == meta.incarnation) return it->second.second;
  if (it != validators_.end()) {
    (void)validator_db_->DropCollection(it->second.second->name());
    validators_.erase(it);
  }
  // A local name of its own: cluster-wide names may hold a tenant's '/'.
  auto c = validator_db_->CreateCollection("v" + std::to_string(validator_counter_++), meta.schema);
  if (!c.ok()) return c.status();
  validators_[meta.name] = {meta.incarnation, *c};
  return *c;
}

}  // namespace ragdb::cluster
