// Where data lives: which shard a point belongs to (a hash of its id), and which nodes hold each
// shard (its owner first, then its read replicas). Every node computes the same answer from the
// same inputs, so no coordinator hands out assignments; etcd's owner leases settle any moment of
// disagreement (docs/cluster.md, "Placement").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ragdb/point_id.h"

namespace ragdb::cluster {

// The shard of a point: FNV-1a (64-bit) of the id's type tag and bytes, modulo `shards`. Fixed
// forever: changing it would move every stored point.
uint32_t ShardOf(const PointId& id, uint32_t shards);

// Rendezvous (highest random weight) ranking of `nodes` for each shard, with loads capped so that
// owners spread evenly: a node takes a shard while it holds fewer than floor(shards / nodes),
// then while fewer than the ceiling (replicas likewise). Returns, per shard, min(replication,
// nodes) distinct node names, owner first. `nodes` must be sorted and distinct.
std::vector<std::vector<std::string>> AssignShards(const std::string& collection, uint32_t shards,
                                                   uint32_t replication,
                                                   const std::vector<std::string>& nodes);

}  // namespace ragdb::cluster
