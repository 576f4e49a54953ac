// Reads gathered over the shards: which copy answers for each shard, this node's copies read in
// process, the other nodes asked with one call each (sent together, awaited on this thread), and
// the serving side of those calls (POST /ragdb/cluster/read).
#include <algorithm>
#include <charconv>
#include <thread>

#include "base/event_loop_thread.h"
#include "cluster/node.h"

namespace ragdb::cluster {
namespace {

using Clock = std::chrono::steady_clock;

// Errors after which another copy (after the routes are read again) may answer: the shard is
// moving, its node is gone, the copy is behind, or etcd is electing a leader.
bool Retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kDeadlineExceeded;
}

}  // namespace

Result<ReadConsistency> ParseReadConsistency(std::string_view v) {
  if (v.empty() || v == "owner" || v == "all" || v == "majority" || v == "quorum") {
    return ReadConsistency::kOwner;
  }
  if (v == "replica") return ReadConsistency::kReplica;
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec == std::errc() && end == v.data() + v.size() && n >= 1) {
    // Qdrant's integer: how many copies must agree. One is any copy; more ask for the owner,
    // which holds every acknowledged write.
    return n == 1 ? ReadConsistency::kReplica : ReadConsistency::kOwner;
  }
  return Status::InvalidArgument(
      "consistency must be owner, replica, all, majority, quorum or "
      "a positive integer, got '" +
      std::string(v) + "'");
}

uint64_t Node::MinReadSeq(const std::string& collection, uint32_t shard, const ShardRoute& route) {
  std::lock_guard lock(acked_mu_);
  auto it = acked_.find({collection, shard});
  return std::max(route.read_seq, it == acked_.end() ? 0 : it->second);
}

void Node::NoteAcked(const std::string& collection, uint32_t shard, uint64_t seq) {
  std::lock_guard lock(acked_mu_);
  uint64_t& v = acked_[{collection, shard}];
  v = std::max(v, seq);
}

bool Node::PickReadTarget(const CollectionMeta& meta, uint32_t shard, ReadConsistency consistency,
                          const ReadFailures& failures, bool local_only, ReadTarget* t) {
  auto rit = routes_.find({meta.name, shard});
  auto cit = copies_.find({meta.name, shard});
  const std::string& self = options_.node_id;
  std::shared_ptr<ShardCopy> local;
  if (cit != copies_.end() && !cit->second->broken() && !cit->second->stale() &&
      cit->second->name().incarnation == meta.incarnation &&
      !failures.refused.contains({shard, self})) {
    local = cit->second;
  }
  if (local_only) {
    // The request runs on an event loop because ReadsLocally said every shard is here: read
    // this node's copy as it is now, and never wait on another node.
    if (!local) return false;
    *t = {local, "", "", true, 0};
    return true;
  }
  if (rit == routes_.end()) return false;
  const ShardRoute& route = rit->second;
  const uint64_t min_seq =
      consistency == ReadConsistency::kReplica ? MinReadSeq(meta.name, shard, route) : 0;
  // Another node's copy, unless it failed this read already.
  auto remote = [&](const std::string& node, bool replica_ok, uint64_t seq) {
    if (node == self || failures.unreachable.contains(node) ||
        (replica_ok && failures.refused.contains({shard, node}))) {
      return false;
    }
    std::string url = node == route.owner ? route.owner_url : "";
    if (url.empty()) {
      auto n = nodes_.find(node);
      if (n == nodes_.end()) return false;
      url = n->second;
    }
    *t = {nullptr, node, url, replica_ok, seq};
    return true;
  };
  if (consistency == ReadConsistency::kReplica) {
    // This node's copy, when it has applied far enough; then the other copies in turn (spread
    // over them); the owner last.
    if (local && ((local->is_owner() && LeaseAlive()) || local->applied_seq() >= min_seq)) {
      *t = {local, "", "", true, min_seq};
      return true;
    }
    std::vector<std::string> others;
    for (const auto& n : route.placement) {
      if (n != route.owner && n != self) others.push_back(n);
    }
    if (!others.empty()) {
      const size_t start = read_rotation_++ % others.size();
      for (size_t i = 0; i < others.size(); ++i) {
        if (remote(others[(start + i) % others.size()], true, min_seq)) return true;
      }
    }
  }
  // The owner: every acknowledged write. One that refused (the routes were stale, it is taking
  // over, or its lease may have lapsed) is asked again after the routes are read again.
  if (route.owner == self) {
    // Unrenewed for a TTL (paused, or cut off from etcd), this node may have been replaced
    // already and its copy miss the successor's writes.
    if (!local || !local->is_owner() || !LeaseAlive()) return false;
    *t = {local, "", "", false, 0};
    return true;
  }
  if (route.owner.empty() || !failures.unreachable.contains(route.owner)) {
    return !route.owner.empty() && remote(route.owner, false, 0);
  }
  // The owner's node cannot be reached (it died; its lease has not expired yet): a replica
  // answers, so that reads survive the owner's loss without waiting for replay, but only one
  // that has applied the log up to the head etcd holds now. A replica further behind would hide
  // writes the client was told are durable; the read then waits for the next owner.
  if (!failures.routes_fresh) return false;
  const uint64_t head = route.head.seq;
  if (local && local->applied_seq() >= head) {
    *t = {local, "", "", true, head};
    return true;
  }
  for (const auto& n : route.placement) {
    if (remote(n, true, head)) return true;
  }
  return false;
}

bool Node::ReadsLocally(const std::string& collection, ReadConsistency consistency) {
  std::shared_lock lock(mu_);
  auto m = catalog_.find(collection);
  if (m == catalog_.end()) return false;
  for (uint32_t s = 0; s < m->second.shards; ++s) {
    auto c = copies_.find({collection, s});
    auto r = routes_.find({collection, s});
    if (c == copies_.end() || r == routes_.end()) return false;
    const ShardCopy& copy = *c->second;
    if (copy.broken() || copy.stale() || copy.name().incarnation != m->second.incarnation) {
      return false;
    }
    if (copy.is_owner() && r->second.owner == options_.node_id && LeaseAlive()) continue;
    if (consistency == ReadConsistency::kOwner) return false;
    if (copy.applied_seq() < MinReadSeq(collection, s, r->second)) return false;
  }
  return true;
}

Status Node::Read(const CollectionMeta& meta, const ReadArgs& args, ReadConsistency consistency,
                  ReadResult* out) {
  const bool local_only = OnEventLoopThread();
  std::vector<uint32_t> pending;
  for (uint32_t s = 0; s < meta.shards; ++s) {
    if (args.kind == ReadKind::kGet && (s >= args.ids.size() || args.ids[s].empty())) continue;
    pending.push_back(s);
  }
  std::string encoded_args;
  ReadFailures failures;
  Status last = Status::Unavailable("no node serves it");
  const auto deadline = Clock::now() + MoveTimeout();
  for (int attempt = 0; !pending.empty(); ++attempt) {
    if (attempt > 0) {
      if (local_only || stopping_ || Clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(attempt == 1 ? 10 : 100));
      failures.routes_fresh = ReadClusterState().ok();
    }
    // Plan: each pending shard to this node's copy or to another node.
    std::vector<std::pair<uint32_t, std::shared_ptr<ShardCopy>>> local;
    std::map<std::string, std::pair<std::string, ShardReadRequest>> remote;  // node -> url, req
    std::vector<uint32_t> next;
    {
      std::shared_lock lock(mu_);
      for (uint32_t s : pending) {
        ReadTarget t;
        if (!PickReadTarget(meta, s, consistency, failures, local_only, &t)) {
          next.push_back(s);
          continue;
        }
        if (t.local) {
          local.emplace_back(s, std::move(t.local));
          continue;
        }
        auto& [url, req] = remote[t.node];
        url = t.url;
        ShardReadRequest::Shard entry{s, t.replica_ok, t.min_seq, {}};
        if (args.kind == ReadKind::kGet) PutIds(args.ids[s], &entry.args);
        req.shards.push_back(std::move(entry));
      }
    }
    if (local_only && !next.empty()) {
      return Status::Unavailable("collection '" + meta.name + "': shard " +
                                 std::to_string(next[0]) + " moved away from node " +
                                 options_.node_id + "; retry");
    }
    // Send the calls, read this node's copies meanwhile, then take the replies.
    std::vector<std::string> nodes, bodies;
    std::vector<HttpClient::Call> calls;
    if (!remote.empty() && encoded_args.empty()) EncodeReadArgs(args, &encoded_args);
    for (auto& [node, entry] : remote) {
      auto& [url, req] = entry;
      req.collection = meta.name;
      req.incarnation = meta.incarnation;
      req.kind = args.kind;
      req.args = encoded_args;
      nodes.push_back(node);
      EncodeShardReadRequest(req, &bodies.emplace_back());
    }
    for (size_t i = 0; i < nodes.size(); ++i) {
      auto url = ParseHttpUrl(remote[nodes[i]].first);
      if (!url.ok()) return url.status().WithContext("node " + nodes[i]);
      calls.push_back({*url, "POST", "/ragdb/cluster/read", bodies[i], PeerHeaders()});
    }
    Status fatal;
    auto read_local = [&] {
      for (auto& [s, copy] : local) {
        LocalShard one{s, &copy->collection()};
        Status st = ReadLocal(args, std::span<const LocalShard>(&one, 1), out);
        copy->mutable_counters().reads++;
        if (st.ok()) continue;
        if (!Retryable(st)) {
          fatal = st.WithContext("shard " + std::to_string(s));
          return;
        }
        last = st;
        failures.refused.insert({s, options_.node_id});
        next.push_back(s);
      }
    };
    if (calls.empty()) {
      read_local();
    } else {
      remote_reads_ += calls.size();
      peers_->RunConcurrently(calls, MoveTimeout(), read_local);
    }
    if (!fatal.ok()) return fatal;
    for (size_t i = 0; i < calls.size(); ++i) {
      const ShardReadRequest& req = remote[nodes[i]].second;
      auto unreachable = [&](const Status& st) {
        last = st;
        failures.unreachable.insert(nodes[i]);
        for (const auto& e : req.shards) next.push_back(e.shard);
      };
      const auto& reply = calls[i].reply;
      if (!reply.ok()) {
        unreachable(reply.status());
        continue;
      }
      if (reply->status >= 400 && reply->status < 500 && reply->status != 408 &&
          reply->status != 429) {
        // The request itself was refused (malformed, or a key that is not the admin key): no
        // other copy would take it either.
        return Status::Internal("node " + nodes[i] + " refused the read: HTTP " +
                                std::to_string(reply->status) + ": " + reply->body.substr(0, 200));
      }
      if (reply->status != 200) {
        unreachable(Status::Unavailable("node " + nodes[i] + " answered HTTP " +
                                        std::to_string(reply->status) + ": " +
                                        reply->body.substr(0, 200)));
        continue;
      }
      auto decoded = DecodeShardReadReply(reply->body);
      if (!decoded.ok()) return decoded.status().WithContext("node " + nodes[i]);
      for (auto& [s, st] : decoded->failed) {
        if (!Retryable(st))
          return st.WithContext("node " + nodes[i] + ", shard " + std::to_string(s));
        last = st;
        failures.refused.insert({s, nodes[i]});
        next.push_back(s);
      }
      RAGDB_RETURN_IF_ERROR(MergeEncoded(args, decoded->result, out));
    }
    pending = std::move(next);
  }
  if (!pending.empty()) {
    return Status::Unavailable("read of shard " + meta.name + "/" + std::to_string(pending[0]) +
                               " failed: " + last.message());
  }
  Finish(args, out);
  return Status::Ok();
}

Result<std::string> Node::ServeRead(std::string_view body) {
  RAGDB_ASSIGN_OR_RETURN(ShardReadRequest req, DecodeShardReadRequest(body));
  ReadArgs args;
  RAGDB_RETURN_IF_ERROR(DecodeReadArgs(req.kind, req.args, &args));
  ShardReadReply reply;
  std::vector<LocalShard> shards;
  std::vector<std::shared_ptr<ShardCopy>> held;
  for (const auto& e : req.shards) {
    auto copy = Copy(req.collection, e.shard);
    const std::string label = req.collection + "/" + std::to_string(e.shard);
    Status why;
    if (!copy || copy->name().incarnation != req.incarnation || copy->broken() || copy->stale()) {
      why = Status::Unavailable("node " + options_.node_id + " holds no copy of shard " + label);
    } else if (!e.replica_ok && !copy->is_owner()) {
      why = Status::Unavailable("node " + options_.node_id + " is not the owner of shard " + label);
    } else if (!e.replica_ok && !LeaseAlive()) {
      // Unrenewed for a TTL, this owner may have been replaced: its copy could miss the
      // successor's writes.
      why = Status::Unavailable("node " + options_.node_id + " cannot vouch for shard " + label +
                                ": its lease may have expired");
    } else if (copy->applied_seq() < e.min_seq && !(copy->is_owner() && LeaseAlive())) {
      why = Status::Unavailable("the copy of shard " + label + " on node " + options_.node_id +
                                " has applied the log to " + std::to_string(copy->applied_seq()) +
                                ", the read needs " + std::to_string(e.min_seq));
    }
    if (!why.ok()) {
      reply.failed.emplace_back(e.shard, why);
      continue;
    }
    if (req.kind == ReadKind::kGet) {
      if (args.ids.size() <= e.shard) args.ids.resize(e.shard + 1);
      ByteReader in(e.args);
      RAGDB_RETURN_IF_ERROR(GetIds(&in, &args.ids[e.shard]));
      RAGDB_RETURN_IF_ERROR(ExpectEnd(in, "the ids"));
    }
    copy->mutable_counters().reads++;
    shards.push_back({e.shard, &copy->collection()});
    held.push_back(std::move(copy));
  }
  ReadResult result;
  for (const LocalShard& s : shards) {
    // A bad request fails here as it would on any copy: the caller sees that it is not
    // retryable and returns it.
    Status st = ReadLocal(args, std::span<const LocalShard>(&s, 1), &result);
    if (!st.ok()) reply.failed.emplace_back(s.shard, st);
  }
  Finish(args, &result);
  EncodeResult(args, result, &reply.result);
  std::string out;
  EncodeShardReadReply(reply, &out);
  return out;
}

}  // namespace ragdb::cluster
