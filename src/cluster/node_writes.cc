// Writes routed to the shards' owners: this node's shards through their group commit, the
// others forwarded (one call per owner, sent together), retried while a shard moves; and the
// serving side of forwarded writes (POST /ragdb/cluster/write), answered from the commit pool
// so that no server thread waits for a group commit it does not lead.
#include <condition_variable>
#include <thread>

#include "cluster/node.h"

namespace ragdb::cluster {
namespace {

using Clock = std::chrono::steady_clock;

bool Retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kDeadlineExceeded;
}

// A full commit queue is backpressure: the caller should retry later, not wait here.
Status Backpressure(const Status& s) {
  return s.code() == StatusCode::kResourceExhausted ? Status::Unavailable(s.message()) : s;
}

}  // namespace

Result<uint64_t> Node::Write(const CollectionMeta& meta, std::vector<std::vector<LogOp>> ops) {
  std::vector<uint32_t> pending;
  for (uint32_t s = 0; s < ops.size(); ++s) {
    if (!ops[s].empty()) pending.push_back(s);
  }
  return WriteRounds(meta, false, &ops, std::move(pending));
}

Status Node::Optimize(const CollectionMeta& meta) {
  std::vector<uint32_t> pending;
  for (uint32_t s = 0; s < meta.shards; ++s) pending.push_back(s);
  return WriteRounds(meta, true, nullptr, std::move(pending)).status();
}

Result<uint64_t> Node::WriteRounds(const CollectionMeta& meta, bool optimize,
                                   std::vector<std::vector<LogOp>>* ops,
                                   std::vector<uint32_t> pending) {
  uint64_t affected = 0;
  Status last = Status::Unavailable("it has no owner");
  const auto deadline = Clock::now() + MoveTimeout();
  for (int attempt = 0; !pending.empty(); ++attempt) {
    if (attempt > 0) {
      if (stopping_ || Clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    RAGDB_ASSIGN_OR_RETURN(pending,
                           WriteRound(meta, optimize, ops, pending, attempt > 0, &affected, &last));
  }
  if (!pending.empty()) {
    const std::string shard = meta.name + "/" + std::to_string(pending[0]);
    return Status::Unavailable(
        optimize ? "optimize of shard " + shard + " failed: " + last.message()
                 : "write to shard " + shard + " not acknowledged: " + last.message());
  }
  return affected;
}

Result<std::vector<uint32_t>> Node::WriteRound(const CollectionMeta& meta, bool optimize,
                                               std::vector<std::vector<LogOp>>* ops,
                                               const std::vector<uint32_t>& pending, bool refresh,
                                               uint64_t* affected, Status* last) {
  if (refresh) (void)ReadClusterState();
  std::vector<std::pair<uint32_t, std::shared_ptr<ShardCopy>>> local;
  std::map<std::string, std::pair<std::string, ShardWriteRequest>> remote;  // owner -> url, req
  std::vector<uint32_t> next;
  {
    std::shared_lock lock(mu_);
    if (!catalog_.contains(meta.name)) {
      return Status::NotFound("collection '" + meta.name + "' not found");
    }
    for (uint32_t s : pending) {
      auto r = routes_.find({meta.name, s});
      if (r == routes_.end() || r->second.owner.empty()) {
        next.push_back(s);  // no owner yet: the lease moves after the TTL
        continue;
      }
      if (r->second.owner == options_.node_id) {
        auto c = copies_.find({meta.name, s});
        if (c != copies_.end() && c->second->is_owner() &&
            c->second->name().incarnation == meta.incarnation) {
          local.emplace_back(s, c->second);
        } else {
          next.push_back(s);  // taking over is under way
        }
        continue;
      }
      auto& [url, req] = remote[r->second.owner];
      url = r->second.owner_url;
      ShardWriteRequest::Shard entry{s, {}};
      if (!optimize) EncodeOps((*ops)[s], &entry.ops);
      req.shards.push_back(std::move(entry));
    }
  }
  // A request waiting on other nodes holds a server worker; only so many may, so that a flood
  // of forwarded writes leaves workers for everything else (the refused ones get 503).
  struct Slot {
    std::atomic<size_t>* count = nullptr;
    ~Slot() {
      if (count) (*count)--;
    }
  } slot;
  if (!remote.empty()) {
    if (forwarding_.fetch_add(1) >= options_.max_forwarded_writes) {
      forwarding_--;
      forwards_refused_++;
      return Status::Unavailable("node " + options_.node_id + " has " +
                                 std::to_string(options_.max_forwarded_writes) +
                                 " requests waiting on writes forwarded to other nodes already "
                                 "([cluster] max_forwarded_writes); retry");
    }
    slot.count = &forwarding_;
  }
  std::vector<std::string> owners, bodies;
  std::vector<HttpClient::Call> calls;
  for (auto& [owner, entry] : remote) {
    auto& [url, req] = entry;
    req.collection = meta.name;
    req.incarnation = meta.incarnation;
    req.optimize = optimize;
    owners.push_back(owner);
    EncodeShardWriteRequest(req, &bodies.emplace_back());
  }
  for (size_t i = 0; i < owners.size(); ++i) {
    auto url = ParseHttpUrl(remote[owners[i]].first);
    if (!url.ok()) return url.status().WithContext("node " + owners[i]);
    calls.push_back({*url, "POST", "/ragdb/cluster/write", bodies[i], PeerHeaders()});
  }
  // This node's shards commit while the forwarded writes travel: all submitted at once, so the
  // shards' group commits run side by side on the commit pool.
  std::vector<Result<WriteAck>> local_results(local.size(), Status::Unavailable("not run"));
  auto commit_local = [&] {
    if (optimize) {
      for (size_t i = 0; i < local.size(); ++i) {
        Status s = local[i].second->Optimize();
        local_results[i] = s.ok() ? Result<WriteAck>(WriteAck{}) : Result<WriteAck>(s);
      }
      return;
    }
    std::mutex mu;
    std::condition_variable cv;
    size_t left = local.size();
    for (size_t i = 0; i < local.size(); ++i) {
      // A copy: the ops are sent again should this attempt fail.
      local[i].second->Submit((*ops)[local[i].first], [&, i](Result<WriteAck> r) {
        std::lock_guard lock(mu);
        local_results[i] = std::move(r);
        if (--left == 0) cv.notify_one();
      });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return left == 0; });
  };
  if (calls.empty()) {
    commit_local();
  } else {
    forwarded_writes_ += calls.size();
    peers_->RunConcurrently(calls, MoveTimeout(), commit_local);
  }
  for (size_t i = 0; i < local.size(); ++i) {
    const uint32_t s = local[i].first;
    if (local_results[i].ok()) {
      *affected += local_results[i]->affected;
      NoteAcked(meta.name, s, local_results[i]->seq);
      continue;
    }
    const Status& st = local_results[i].status();
    if (!Retryable(st)) return Backpressure(st).WithContext("shard " + std::to_string(s));
    *last = st;
    next.push_back(s);
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    const ShardWriteRequest& req = remote[owners[i]].second;
    auto retry_all = [&](const Status& st) {
      *last = st;
      for (const auto& e : req.shards) next.push_back(e.shard);
    };
    const auto& reply = calls[i].reply;
    if (!reply.ok()) {
      retry_all(reply.status());
      continue;
    }
    if (reply->status >= 400 && reply->status < 500 && reply->status != 408 &&
        reply->status != 429) {
      return Status::Internal("node " + owners[i] + " refused the write: HTTP " +
                              std::to_string(reply->status) + ": " + reply->body.substr(0, 200));
    }
    if (reply->status != 200) {
      retry_all(Status::Unavailable("node " + owners[i] + " answered HTTP " +
                                    std::to_string(reply->status) + ": " +
                                    reply->body.substr(0, 200)));
      continue;
    }
    RAGDB_ASSIGN_OR_RETURN(ShardWriteReply decoded, DecodeShardWriteReply(reply->body));
    for (const auto& e : decoded.shards) {
      if (e.status.ok()) {
        *affected += e.affected;
        NoteAcked(meta.name, e.shard, e.seq);
        continue;
      }
      if (!Retryable(e.status)) {
        return Backpressure(e.status).WithContext("node " + owners[i] + ", shard " +
                                                  std::to_string(e.shard));
      }
      *last = e.status;
      next.push_back(e.shard);
    }
  }
  return next;
}

void Node::ServeWrite(std::string_view body, std::function<void(Result<std::string>)> done) {
  auto req = DecodeShardWriteRequest(body);
  if (!req.ok()) return done(req.status());
  // Answered once every shard's write is committed, by whichever thread finishes last.
  struct Waiting {
    std::mutex mu;
    ShardWriteReply reply;
    size_t left = 0;
    std::function<void(Result<std::string>)> done;
  };
  auto w = std::make_shared<Waiting>();
  w->reply.shards.resize(req->shards.size());
  w->left = req->shards.size();
  w->done = std::move(done);
  auto finish = [w](size_t i, Status status, WriteAck ack) {
    std::unique_lock lock(w->mu);
    w->reply.shards[i].status = std::move(status);
    w->reply.shards[i].affected = ack.affected;
    w->reply.shards[i].seq = ack.seq;
    if (--w->left > 0) return;
    lock.unlock();
    std::string out;
    EncodeShardWriteReply(w->reply, &out);
    w->done(std::move(out));
  };
  if (req->shards.empty()) {
    std::string out;
    EncodeShardWriteReply(w->reply, &out);
    return w->done(std::move(out));
  }
  for (size_t i = 0; i < req->shards.size(); ++i) {
    const auto& e = req->shards[i];
    w->reply.shards[i].shard = e.shard;
    auto copy = Copy(req->collection, e.shard);
    const std::string label = req->collection + "/" + std::to_string(e.shard);
    if (!copy || !copy->is_owner() || copy->name().incarnation != req->incarnation) {
      finish(
          i,
          Status::Unavailable("node " + options_.node_id + " is not the owner of shard " + label),
          {});
      continue;
    }
    if (req->optimize) {
      commit_pool_->Submit([copy, finish, i] { finish(i, copy->Optimize(), {}); });
      continue;
    }
    auto ops = DecodeOps(e.ops);
    if (!ops.ok()) {
      finish(i, Status::InvalidArgument(ops.status().message()), {});
      continue;
    }
    copy->Submit(std::move(ops).value(), [finish, i](Result<WriteAck> r) {
      if (r.ok()) return finish(i, Status::Ok(), *r);
      finish(i, r.status(), {});
    });
  }
}

}  // namespace ragdb::cluster
