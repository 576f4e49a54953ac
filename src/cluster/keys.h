// Where a collection's keys (etcd) and objects (object storage) live, by its cluster-wide name:
// "name" for the default tenant, "tenant/name" for another. The default tenant's are
//   /ragdb/collections/{name}   /ragdb/shards/{name}/{shard}/{owner|head|manifest}
//   collections/{name}-{incarnation}/{shard}/...
// and another tenant's the same under /ragdb/tenants/{tenant}/ and tenants/{tenant}/, so that no
// collection's keys lie under another's prefix (dropping one deletes its shard keys by prefix).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ragdb/status.h"

namespace ragdb::cluster {

inline constexpr std::string_view kNodesPrefix = "/ragdb/nodes/";

// A collection name (ValidateCollectionName), after a tenant name and '/' for another tenant.
Status ValidateClusterName(const std::string& collection);

std::string CatalogKey(const std::string& collection);
std::string ShardKeysPrefix(const std::string& collection);  // ends in '/'
// The objects of one incarnation of the collection: ".../{name}-{incarnation}/".
std::string ObjectRoot(const std::string& collection, int64_t incarnation);

// A key under /ragdb/ that belongs to a collection: its catalog key (`kind` empty) or one of its
// shards' keys (`kind` = owner, head or manifest).
struct CollectionKey {
  std::string collection;  // cluster-wide name
  uint32_t shard = 0;
  std::string kind;
};
// False for any other key.
bool ParseCollectionKey(std::string_view key, CollectionKey* out);

}  // namespace ragdb::cluster
