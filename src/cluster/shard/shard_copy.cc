#include "cluster/shard/shard_copy.h"

#include <atomic>
#include <cstdio>
#include <future>

#include "base/file.h"
#include "base/json_text.h"
#include "cluster/keys.h"
#include "db/replication.h"

namespace ragdb::cluster {
namespace {

constexpr size_t kMaxBatchOps = 4096;
constexpr size_t kMaxBatchRows = 200000;

std::string Padded(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020llu", static_cast<unsigned long long>(n));
  return buf;
}

bool Resolving(const std::vector<LogOp>& ops) {
  for (const auto& op : ops) {
    if (op.kind == LogOp::Kind::kDeleteFilter || op.kind == LogOp::Kind::kSetPayload) return true;
  }
  return false;
}

std::atomic<uint64_t> g_copy_counter{0};

// The name of the one collection inside a copy's local database (cluster-wide names may hold a
// tenant's '/', which local names may not).
constexpr const char* kLocalName = "shard";

// A rough size of what a write holds in memory, for the bound on a shard's commit queue.
uint64_t EstimateBytes(const std::vector<LogOp>& ops) {
  uint64_t n = 0;
  for (const LogOp& op : ops) {
    for (const Record& r : op.records) {
      n += 64;
      for (const auto& [name, v] : r.vectors) n += v.size() * sizeof(float);
      for (const auto& [name, v] : r.sparse_vectors) n += v.indices.size() * 8;
      if (r.text) n += r.text->size();
    }
    n += op.ids.size() * 16;
  }
  return n;
}

// The seq and epoch of a chunk key's file name ("{seq:020}-{epoch}.chunk").
bool ParseChunkName(const std::string& name, uint64_t* seq, int64_t* epoch) {
  size_t dash = name.find('-');
  if (dash == std::string::npos || !name.ends_with(".chunk")) return false;
  char* end = nullptr;
  *seq = std::strtoull(name.substr(0, dash).c_str(), &end, 10);
  if (*end != '\0') return false;
  *epoch = std::strtoll(name.substr(dash + 1, name.size() - 6 - dash - 1).c_str(), &end, 10);
  return *end == '\0';
}

}  // namespace

std::string ShardName::EtcdPrefix() const {
  return ShardKeysPrefix(collection) + std::to_string(shard) + "/";
}

std::string ShardName::ObjectPrefix() const {
  return ObjectRoot(collection, incarnation) + std::to_string(shard) + "/";
}

std::string ShardName::ChunkKey(uint64_t seq, int64_t epoch) const {
  return ObjectPrefix() + "log/" + Padded(seq) + "-" + std::to_string(epoch) + ".chunk";
}

int64_t LogHead::EpochOf(uint64_t s) const {
  int64_t e = 0;
  for (const auto& [first, epoch] : runs) {
    if (first <= s) e = epoch;
  }
  return e;
}

std::string LogHead::Encode() const {
  Json r = Json::array();
  for (const auto& [first, epoch] : runs) r.push_back({first, epoch});
  return WriteJson(Json{{"seq", seq}, {"runs", r}});
}

Result<LogHead> LogHead::Decode(const KeyValue& kv) {
  LogHead h;
  h.mod_revision = kv.mod_revision;
  if (kv.create_revision == 0) return h;
  auto j = ReadJson(kv.value);
  if (!j.ok() || !j->is_object()) return Status::Corruption(kv.key + ": not a JSON object");
  try {
    h.seq = j->at("seq").get<uint64_t>();
    for (const auto& r : j->at("runs"))
      h.runs.emplace_back(r.at(0).get<uint64_t>(), r.at(1).get<int64_t>());
  } catch (const std::exception& e) {
    return Status::Corruption(kv.key + ": " + e.what());
  }
  return h;
}

ShardCopy::~ShardCopy() {
  collection_.reset();
  db_.reset();
  if (!dir_.empty()) (void)RemoveAll(dir_);
}

Result<std::shared_ptr<ShardCopy>> ShardCopy::Load(const ShardEnv& env, ShardName name,
                                                   const CollectionSchema& schema,
                                                   const LogHead& head) {
  std::shared_ptr<ShardCopy> copy(new ShardCopy(env, std::move(name)));
  std::string folder = copy->name_.collection;
  std::replace(folder.begin(), folder.end(), '/', '+');
  copy->dir_ = JoinPath(JoinPath(env.cache_dir, "shards"),
                        folder + "-" + std::to_string(copy->name_.incarnation) + "-" +
                            std::to_string(copy->name_.shard) + "-" + std::to_string(::getpid()) +
                            "-" + std::to_string(g_copy_counter++));
  RAGDB_RETURN_IF_ERROR(RemoveAll(copy->dir_));
  RAGDB_RETURN_IF_ERROR(copy->LoadSnapshot(schema).WithContext("shard " + copy->name_.Label()));
  RAGDB_RETURN_IF_ERROR(copy->CatchUp(head));
  return copy;
}

Status ShardCopy::LoadSnapshot(const CollectionSchema& schema) {
  DatabaseOptions options;
  options.sync_writes = false;  // a cache: the log in object storage is the durable copy
  options.seal_threshold_rows = env_.seal_threshold_rows;
  RAGDB_ASSIGN_OR_RETURN(KeyValue pointer, env_.etcd->Get(name_.ManifestKey()));
  if (pointer.create_revision == 0) {
    RAGDB_ASSIGN_OR_RETURN(db_, Database::Open(dir_, options));
    RAGDB_ASSIGN_OR_RETURN(collection_, db_->CreateCollection(kLocalName, schema));
    return Status::Ok();
  }
  manifest_mod_revision_ = pointer.mod_revision;
  RAGDB_ASSIGN_OR_RETURN(Json ptr, ReadJson(pointer.value));
  const std::string object = ptr.value("object", "");
  RAGDB_ASSIGN_OR_RETURN(std::string text, env_.store->Get(object));
  auto manifest = ReadJson(text);
  if (!manifest.ok()) return Status::Corruption(object + ": " + manifest.status().message());
  const std::string cdir = JoinPath(JoinPath(dir_, "collections"), kLocalName);
  RAGDB_RETURN_IF_ERROR(CreateDirs(cdir));
  try {
    for (const auto& f : manifest->at("files")) {
      const std::string file = f.at("name").get<std::string>();
      const std::string key = f.at("key").get<std::string>();
      if (file.find('/') != std::string::npos || file.empty() || file[0] == '.') {
        return Status::Corruption(object + ": bad file name '" + file + "'");
      }
      RAGDB_ASSIGN_OR_RETURN(std::string bytes, env_.store->Get(key));
      if (bytes.size() != f.at("size").get<uint64_t>()) {
        return Status::Corruption(key + ": has " + std::to_string(bytes.size()) +
                                  " bytes, the shard manifest says " +
                                  std::to_string(f.at("size").get<uint64_t>()));
      }
      // A cache file: the segment files carry their own checksums, which Open verifies.
      FILE* out = std::fopen(JoinPath(cdir, file).c_str(), "wb");
      if (out == nullptr) return Status::IOError("cannot write " + JoinPath(cdir, file));
      const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size();
      if (std::fclose(out) != 0 || !ok) return Status::IOError("writing " + JoinPath(cdir, file));
      uploaded_[file] = key;
    }
    applied_seq_ = manifest->at("seq").get<uint64_t>();
  } catch (const std::exception& e) {
    return Status::Corruption(object + ": " + e.what());
  }
  snapshot_seq_ = applied_seq_;
  RAGDB_ASSIGN_OR_RETURN(db_, Database::Open(dir_, options));
  RAGDB_ASSIGN_OR_RETURN(collection_, db_->GetCollection(kLocalName));
  return Status::Ok();
}

Status ShardCopy::CatchUp(const LogHead& head) {
  std::lock_guard lock(write_mu_);
  if (broken_) return Status::FailedPrecondition("shard copy " + name_.Label() + " is broken");
  while (applied_seq_ < head.seq) {
    const uint64_t seq = applied_seq_ + 1;
    const int64_t epoch = head.EpochOf(seq);
    const std::string key = name_.ChunkKey(seq, epoch);
    auto bytes = env_.store->Get(key);
    if (!bytes.ok()) {
      // Collected: a snapshot after it was published more than one snapshot ago, and this copy
      // is further behind than that (docs/cluster.md). Only a fresh load catches up now.
      if (bytes.status().code() == StatusCode::kNotFound) stale_ = true;
      return bytes.status().WithContext("shard " + name_.Label());
    }
    RAGDB_ASSIGN_OR_RETURN(std::vector<LogOp> ops, DecodeChunk(*bytes, seq, epoch, key));
    Status s = Apply(ops, nullptr);
    if (!s.ok()) {
      broken_ = true;
      return s.WithContext("applying " + key);
    }
    applied_seq_ = seq;
    rows_since_snapshot_ += OpRows(ops);
    counters_.chunks_applied++;
  }
  if (head.seq >= head_.seq) head_ = head;
  return Status::Ok();
}

Status ShardCopy::BecomeOwner(int64_t epoch, const LogHead& head) {
  RAGDB_RETURN_IF_ERROR(CatchUp(head));
  std::lock_guard lock(write_mu_);
  RAGDB_RETURN_IF_ERROR(ForgetUploadsNotInCurrentSnapshot());
  head_ = head;
  epoch_ = epoch;
  owner_ = true;
  return Status::Ok();
}

Status ShardCopy::ForgetUploadsNotInCurrentSnapshot() {
  // Only this node, now the owner, can move the pointer from here on: what it names stays.
  RAGDB_ASSIGN_OR_RETURN(KeyValue pointer, env_.etcd->Get(name_.ManifestKey()));
  manifest_mod_revision_ = pointer.mod_revision;
  std::set<std::string> named;
  if (pointer.create_revision != 0) {
    auto ptr = ReadJson(pointer.value);
    const std::string object = ptr.ok() ? ptr->value("object", "") : "";
    auto text = env_.store->Get(object);
    auto manifest = text.ok() ? ReadJson(*text) : Result<Json>(text.status());
    if (manifest.ok() && manifest->contains("files") && (*manifest)["files"].is_array()) {
      for (const auto& f : (*manifest)["files"]) {
        if (f.is_object()) named.insert(f.value("key", ""));
      }
    }
    // Unreadable: nothing is kept, and the next snapshot uploads every file again.
  }
  std::erase_if(uploaded_, [&](const auto& entry) { return !named.contains(entry.second); });
  return Status::Ok();
}

void ShardCopy::Demote() {
  std::lock_guard lock(write_mu_);
  owner_ = false;
}

Status ShardCopy::Apply(const std::vector<LogOp>& ops, std::vector<uint64_t>* affected) {
  for (const LogOp& op : ops) {
    uint64_t n = 0;
    switch (op.kind) {
      case LogOp::Kind::kUpsert:
        RAGDB_RETURN_IF_ERROR(db::UpsertPrepared(*collection_, op.records));
        n = op.records.size();
        break;
      case LogOp::Kind::kDelete: {
        RAGDB_ASSIGN_OR_RETURN(n, collection_->Delete(op.ids));
        break;
      }
      case LogOp::Kind::kPayloadIndex: {
        PayloadIndexField f;
        f.path = op.json.value("path", "");
        RAGDB_ASSIGN_OR_RETURN(f.type, ParsePayloadType(op.json.value("type", "")));
        Status s = collection_->CreatePayloadIndex(f);
        if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
        break;
      }
      case LogOp::Kind::kDropPayloadIndex: {
        Status s = collection_->DropPayloadIndex(op.json.value("path", ""));
        if (!s.ok() && s.code() != StatusCode::kNotFound) return s;  // replayed
        break;
      }
      case LogOp::Kind::kVectorIndex: {
        // Each copy rebuilds its segments' indexes in the background, as one node does.
        const std::string field = op.json.value("field", "");
        RAGDB_ASSIGN_OR_RETURN(CollectionSchema s,
                               CollectionSchema::FromJson(op.json.value("schema", Json())));
        const VectorField* f = s.FindVector(field);
        if (f == nullptr) return Status::Corruption("vector index op names no field");
        RAGDB_RETURN_IF_ERROR(collection_->UpdateVectorIndex(field, f->index));
        break;
      }
      case LogOp::Kind::kDeleteFilter:
      case LogOp::Kind::kSetPayload:
        return Status::Corruption("a log chunk holds an unresolved operation");
    }
    if (affected != nullptr) affected->push_back(n);
  }
  return Status::Ok();
}

Status ShardCopy::Resolve(const LogOp& op, std::vector<LogOp>* out) {
  switch (op.kind) {
    case LogOp::Kind::kDeleteFilter: {
      RAGDB_ASSIGN_OR_RETURN(Filter f, Filter::FromJson(op.json));
      LogOp del;
      del.kind = LogOp::Kind::kDelete;
      ScrollRequest req;
      req.filter = f;
      req.limit = 100000;
      req.with_payload = false;
      for (;;) {
        RAGDB_ASSIGN_OR_RETURN(ScrollPage page, collection_->Scroll(req));
        for (auto& r : page.records) del.ids.push_back(r.id);
        if (!page.next_offset) break;
        req.offset = page.next_offset;
      }
      out->push_back(std::move(del));
      return Status::Ok();
    }
    case LogOp::Kind::kSetPayload: {
      if (!op.json.is_object()) return Status::InvalidArgument("payload must be a JSON object");
      RAGDB_ASSIGN_OR_RETURN(std::vector<Record> records,
                             collection_->GetMany(op.ids, /*with_vectors=*/true));
      for (Record& r : records) {
        if (op.merge) {
          r.payload.update(op.json);
        } else {
          r.payload = op.json;
        }
      }
      LogOp up;
      up.kind = LogOp::Kind::kUpsert;
      // As Collection::SetPayload does: the merged records go through the upsert path again.
      RAGDB_ASSIGN_OR_RETURN(up.records, db::PrepareRecords(*collection_, records));
      out->push_back(std::move(up));
      return Status::Ok();
    }
    default:
      out->push_back(op);
      return Status::Ok();
  }
}

void ShardCopy::Submit(std::vector<LogOp> ops, WriteDone done) {
  Pending p;
  p.bytes = EstimateBytes(ops);
  p.ops = std::move(ops);
  p.done = std::move(done);
  bool start = false;
  {
    std::unique_lock lock(queue_mu_);
    // Bounded: a flood of writes waits here as 503s to its senders, not as memory.
    if (!queue_.empty() && queued_bytes_ + p.bytes > env_.max_queued_bytes) {
      lock.unlock();
      counters_.queue_full++;
      p.done(Status::ResourceExhausted("shard " + name_.Label() + ": its write queue is full (" +
                                       std::to_string(env_.max_queued_bytes >> 20) +
                                       " MiB waiting for the group commit); retry"));
      return;
    }
    queued_bytes_ += p.bytes;
    queue_.push_back(std::move(p));
    start = !committing_;
    committing_ = true;
  }
  if (!start) return;  // the running CommitLoop takes it
  if (env_.commit_pool != nullptr) {
    env_.commit_pool->Submit([self = shared_from_this()] { self->CommitLoop(); });
  } else {
    CommitLoop();
  }
}

Result<WriteAck> ShardCopy::Write(std::vector<LogOp> ops) {
  std::promise<Result<WriteAck>> promise;
  auto result = promise.get_future();
  Submit(std::move(ops), [&promise](Result<WriteAck> r) { promise.set_value(std::move(r)); });
  return result.get();
}

void ShardCopy::CommitLoop() {
  for (;;) {
    // Take the queued batches, but a batch that reads the current state (delete by filter, set
    // payload) only alone, so that it sees every earlier write applied.
    std::vector<Pending> batch;
    {
      std::lock_guard lock(queue_mu_);
      size_t rows = 0;
      while (!queue_.empty()) {
        Pending& p = queue_.front();
        if (!batch.empty() && (Resolving(p.ops) || Resolving(batch.front().ops))) break;
        if (!batch.empty() &&
            (batch.size() >= kMaxBatchOps || rows + OpRows(p.ops) > kMaxBatchRows)) {
          break;
        }
        rows += OpRows(p.ops);
        queued_bytes_ -= p.bytes;
        batch.push_back(std::move(p));
        queue_.pop_front();
      }
      if (batch.empty()) {
        committing_ = false;
        return;
      }
    }
    std::vector<Pending*> refs;
    for (Pending& p : batch) refs.push_back(&p);
    {
      std::lock_guard write(write_mu_);
      CommitBatch(refs);
    }
    for (Pending& p : batch) {
      if (p.status.ok()) {
        p.done(p.ack);
      } else {
        p.done(p.status);
      }
    }
  }
}

bool ShardCopy::AlreadyCommitted(uint64_t seq) {
  auto owner = env_.etcd->Get(name_.OwnerKey());
  auto kv = env_.etcd->Get(name_.HeadKey());
  if (!owner.ok() || !kv.ok() || owner->create_revision != epoch_) return false;
  auto head = LogHead::Decode(*kv);
  if (!head.ok() || head->seq != seq || head->EpochOf(seq) != epoch_) return false;
  head_ = *head;
  return true;
}

void ShardCopy::CommitBatch(const std::vector<Pending*>& batch) {
  auto fail_all = [&](const Status& s) {
    for (Pending* p : batch) {
      if (p->status.ok()) p->status = s;
    }
  };
  if (!owner_) {
    fail_all(Status::Unavailable("this node is not the owner of shard " + name_.Label()));
    return;
  }
  if (broken_) {
    fail_all(Status::Unavailable("the copy of shard " + name_.Label() + " is broken"));
    return;
  }
  // Resolve every batch into log ops; a batch that fails alone is left out of the chunk.
  std::vector<LogOp> log;
  std::vector<std::pair<Pending*, size_t>> spans;  // (batch, number of its log ops)
  for (Pending* p : batch) {
    std::vector<LogOp> mine;
    Status s;
    for (const LogOp& op : p->ops) {
      s = Resolve(op, &mine);
      if (!s.ok()) break;
    }
    if (!s.ok()) {
      p->status = s;
      counters_.writes_rejected++;
      continue;
    }
    spans.emplace_back(p, mine.size());
    for (auto& op : mine) log.push_back(std::move(op));
  }
  if (spans.empty()) return;

  const uint64_t seq = head_.seq + 1;
  const std::string key = name_.ChunkKey(seq, epoch_);
  const std::string chunk = EncodeChunk(seq, epoch_, log);
  // 1. The chunk, as an immutable object under a key only this epoch writes.
  Status s = env_.store->Put(key, chunk);
  if (!s.ok()) {
    fail_all(s.WithContext("writing log chunk " + key));
    return;
  }
  // 2. The head moves to it, in a transaction that holds only while our owner key (the epoch)
  //    does and the head is as we last wrote it.
  if (env_.lease_alive && !env_.lease_alive()) {
    fail_all(Status::Unavailable("shard " + name_.Label() +
                                 ": the node's lease may have expired; not acknowledging"));
    return;
  }
  LogHead next = head_;
  next.seq = seq;
  if (next.runs.empty() || next.runs.back().second != epoch_) next.runs.emplace_back(seq, epoch_);
  std::vector<EtcdCompare> cmp = {
      {name_.OwnerKey(), EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual, epoch_, ""},
      {name_.HeadKey(), EtcdCompare::Target::kMod, EtcdCompare::Op::kEqual, head_.mod_revision,
       ""}};
  auto txn = env_.etcd->Txn(cmp, {{EtcdOp::Kind::kPut, name_.HeadKey(), next.Encode(), 0}});
  bool committed = txn.ok() && txn->succeeded;
  if (committed) {
    next.mod_revision = txn->revision;
    head_ = next;
  } else if (AlreadyCommitted(seq)) {
    committed = true;
  }
  if (!committed) {
    counters_.fenced++;
    owner_ = false;  // the epoch is over (or etcd is unreachable): stop writing until reconciled
    fail_all(Status::Unavailable(
        "shard " + name_.Label() + ": the log head was not advanced (" +
        (txn.ok() ? std::string("epoch ") + std::to_string(epoch_) + " no longer holds the lease"
                  : txn.status().message()) +
        "); the write was not acknowledged"));
    return;
  }
  counters_.chunks++;
  counters_.chunk_bytes += chunk.size();
  // 3. Applied to this copy, then acknowledged.
  std::vector<uint64_t> affected;
  s = Apply(log, &affected);
  applied_seq_ = seq;
  rows_since_snapshot_ += OpRows(log);
  if (!s.ok()) {
    // The chunk is committed (durable in the log), so the write stands; this copy is not
    // trusted any more and is rebuilt from the log by the node.
    broken_ = true;
    fprintf(stderr, "ragdb cluster: shard %s: applying committed chunk %llu failed: %s\n",
            name_.Label().c_str(), static_cast<unsigned long long>(seq), s.ToString().c_str());
  }
  size_t at = 0;
  for (auto& [p, n] : spans) {
    uint64_t sum = 0;
    for (size_t i = 0; i < n && at + i < affected.size(); ++i) sum += affected[at + i];
    at += n;
    p->ack = {sum, seq};
    counters_.rows_written += sum;
  }
}

Status ShardCopy::PublishSnapshot() {
  std::lock_guard lock(write_mu_);
  if (!owner_) return Status::FailedPrecondition("not the owner of shard " + name_.Label());
  if (broken_) return Status::FailedPrecondition("shard copy " + name_.Label() + " is broken");
  // Overwrites and deletes leave dead rows in sealed segments; once they are the larger part,
  // the snapshot merges them away first, so that what is stored tracks the live data (with
  // garbage collection below) instead of everything ever written.
  RAGDB_ASSIGN_OR_RETURN(CollectionInfo info, collection_->Describe());
  uint64_t rows = 0, dead = 0;
  for (const SegmentInfo& seg : info.segments) {
    rows += seg.rows;
    dead += seg.deleted;
  }
  if (dead > 0 && 2 * dead > rows) RAGDB_RETURN_IF_ERROR(collection_->Optimize());
  RAGDB_ASSIGN_OR_RETURN(db::CheckpointFileList files, db::CheckpointFiles(*collection_));
  const std::string snap = name_.ObjectPrefix() + "snap/" + std::to_string(epoch_) + "/";
  Json list = Json::array();
  std::map<std::string, std::string> now_uploaded;
  std::set<std::string> keys;
  for (const auto& f : files.files) {
    const std::string path = JoinPath(files.dir, f);
    // Segment files never change under one name; the manifest does, so it gets the seq.
    const bool mutable_name = f == "MANIFEST";
    auto it = uploaded_.find(f);
    std::string key;
    RAGDB_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
    if (it != uploaded_.end() && !mutable_name) {
      key = it->second;
    } else {
      key = snap + (mutable_name ? f + "-" + Padded(applied_seq_) : f);
      RAGDB_RETURN_IF_ERROR(env_.store->Put(key, bytes));
      counters_.snapshot_bytes += bytes.size();
      if (!mutable_name) uploaded_[f] = key;
    }
    if (!mutable_name) now_uploaded[f] = key;
    keys.insert(key);
    list.push_back({{"name", f}, {"key", key}, {"size", bytes.size()}});
  }
  const std::string manifest_key = snap + "shard-" + Padded(applied_seq_) + ".json";
  const std::string manifest =
      WriteJson(Json{{"seq", applied_seq_}, {"epoch", epoch_}, {"files", list}});
  RAGDB_RETURN_IF_ERROR(env_.store->Put(manifest_key, manifest));
  std::vector<EtcdCompare> cmp = {
      {name_.OwnerKey(), EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual, epoch_, ""},
      {name_.ManifestKey(), EtcdCompare::Target::kMod, EtcdCompare::Op::kEqual,
       manifest_mod_revision_, ""}};
  const std::string pointer =
      WriteJson(Json{{"seq", applied_seq_}, {"object", manifest_key}, {"epoch", epoch_}});
  // The pointer's value before the move comes back with it: the previous snapshot, which
  // garbage collection keeps.
  RAGDB_ASSIGN_OR_RETURN(
      EtcdTxnResult txn,
      env_.etcd->Txn(cmp, {{EtcdOp::Kind::kGet, name_.ManifestKey(), "", 0},
                           {EtcdOp::Kind::kPut, name_.ManifestKey(), pointer, 0}}));
  if (!txn.succeeded) {
    // Either the epoch is over or another publisher moved the pointer: re-read it next time.
    auto kv = env_.etcd->Get(name_.ManifestKey());
    if (kv.ok()) manifest_mod_revision_ = kv->mod_revision;
    return Status::Unavailable("shard " + name_.Label() +
                               ": manifest pointer not moved (epoch or pointer changed)");
  }
  manifest_mod_revision_ = txn.revision;
  snapshot_seq_ = applied_seq_;
  rows_since_snapshot_ = 0;
  counters_.snapshots++;
  uploaded_ = std::move(now_uploaded);  // keys of files gone from the folder may be collected
  std::string previous;
  if (!txn.gets.empty() && !txn.gets[0].empty()) previous = txn.gets[0][0].value;
  CollectGarbage(manifest_key, keys, previous);
  return Status::Ok();
}

// Runs under write_mu_, after this owner moved the pointer, so none of its own uploads is in
// flight. What may go (docs/cluster.md, "Garbage collection"):
//   - chunks up to the previous snapshot's seq: every loader starts at a pointer at least that
//     new, and a replica tailing the log is at most a tick behind (one that fell a whole
//     snapshot behind finds a chunk gone, is marked stale and loads again);
//   - chunks after it that the head names under another epoch: written by a fenced owner,
//     never read (chunks past the head are left alone: they may be a commit under way);
//   - snapshot files under epochs up to ours that neither snapshot names: superseded, or
//     uploads of a publish that failed. Files under a later epoch belong to an owner newer than
//     us (this node may be stale without knowing it) and are never touched.
void ShardCopy::CollectGarbage(const std::string& current_manifest_key,
                               const std::set<std::string>& current_files,
                               const std::string& previous_pointer) {
  std::set<std::string> keep = current_files;
  keep.insert(current_manifest_key);
  uint64_t chunk_floor = 0;  // chunks up to this seq go
  if (!previous_pointer.empty()) {
    auto ptr = ReadJson(previous_pointer);
    if (!ptr.ok()) return;  // unreadable: collect nothing rather than guess
    const std::string object = ptr->value("object", "");
    auto text = env_.store->Get(object);
    auto manifest = text.ok() ? ReadJson(*text) : Result<Json>(text.status());
    if (!manifest.ok() || !manifest->contains("files")) return;
    keep.insert(object);
    for (const auto& f : (*manifest)["files"]) {
      if (f.is_object()) keep.insert(f.value("key", ""));
    }
    chunk_floor = ptr->value("seq", uint64_t{0});
  }
  auto objects = env_.store->List(name_.ObjectPrefix());
  if (!objects.ok()) return;
  const std::string log_prefix = name_.ObjectPrefix() + "log/";
  const std::string snap_prefix = name_.ObjectPrefix() + "snap/";
  for (const ObjectInfo& o : *objects) {
    bool collect = false;
    if (o.key.starts_with(log_prefix)) {
      uint64_t seq;
      int64_t epoch;
      if (!ParseChunkName(o.key.substr(log_prefix.size()), &seq, &epoch)) continue;
      collect = seq <= chunk_floor || (seq <= head_.seq && epoch != head_.EpochOf(seq));
    } else if (o.key.starts_with(snap_prefix)) {
      const std::string rest = o.key.substr(snap_prefix.size());
      char* end = nullptr;
      const int64_t epoch = std::strtoll(rest.c_str(), &end, 10);
      if (end == rest.c_str() || *end != '/') continue;
      collect = epoch <= epoch_ && !keep.contains(o.key);
    }
    if (!collect) continue;
    if (env_.store->Delete(o.key).ok()) {
      counters_.objects_deleted++;
      counters_.object_bytes_deleted += o.size;
    }
  }
}

Status ShardCopy::Optimize() {
  {
    std::lock_guard lock(write_mu_);
    if (!owner_) return Status::FailedPrecondition("not the owner of shard " + name_.Label());
    RAGDB_RETURN_IF_ERROR(collection_->Optimize());
  }
  return PublishSnapshot();
}

}  // namespace ragdb::cluster
