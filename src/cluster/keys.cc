#include "cluster/keys.h"

#include <charconv>

#include "ragdb/database.h"

namespace ragdb::cluster {
namespace {

// ("", name) for the default tenant's collections, (tenant, name) for another's.
std::pair<std::string_view, std::string_view> Split(std::string_view collection) {
  size_t slash = collection.find('/');
  if (slash == std::string_view::npos) return {{}, collection};
  return {collection.substr(0, slash), collection.substr(slash + 1)};
}

std::string Root(std::string_view tenant) {
  return tenant.empty() ? "/ragdb/" : "/ragdb/tenants/" + std::string(tenant) + "/";
}

}  // namespace

Status ValidateClusterName(const std::string& collection) {
  auto [tenant, name] = Split(collection);
  for (char c : tenant) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
      return Status::InvalidArgument("tenant name '" + std::string(tenant) +
                                     "' may only contain letters, digits, '_' and '-'");
    }
  }
  if (collection.find('/') != std::string::npos && tenant.empty()) {
    return Status::InvalidArgument("empty tenant name in '" + collection + "'");
  }
  return ValidateCollectionName(std::string(name));
}

std::string CatalogKey(const std::string& collection) {
  auto [tenant, name] = Split(collection);
  return Root(tenant) + "collections/" + std::string(name);
}

std::string ShardKeysPrefix(const std::string& collection) {
  auto [tenant, name] = Split(collection);
  return Root(tenant) + "shards/" + std::string(name) + "/";
}

std::string ObjectRoot(const std::string& collection, int64_t incarnation) {
  auto [tenant, name] = Split(collection);
  const std::string root = tenant.empty() ? "" : "tenants/" + std::string(tenant) + "/";
  return root + "collections/" + std::string(name) + "-" + std::to_string(incarnation) + "/";
}

bool ParseCollectionKey(std::string_view key, CollectionKey* out) {
  if (!key.starts_with("/ragdb/")) return false;
  key.remove_prefix(7);
  std::string tenant;
  if (key.starts_with("tenants/")) {
    key.remove_prefix(8);
    size_t slash = key.find('/');
    if (slash == std::string_view::npos || slash == 0) return false;
    tenant = std::string(key.substr(0, slash)) + "/";
    key.remove_prefix(slash + 1);
  }
  if (key.starts_with("collections/")) {
    key.remove_prefix(12);
    if (key.empty() || key.find('/') != std::string_view::npos) return false;
    *out = {tenant + std::string(key), 0, ""};
    return true;
  }
  if (!key.starts_with("shards/")) return false;
  key.remove_prefix(7);
  // {name}/{shard}/{kind}: names hold no '/'.
  size_t a = key.find('/');
  size_t b = a == std::string_view::npos ? a : key.find('/', a + 1);
  if (a == std::string_view::npos || a == 0 || b == std::string_view::npos) return false;
  std::string_view shard = key.substr(a + 1, b - a - 1);
  uint32_t n = 0;
  auto [end, ec] = std::from_chars(shard.data(), shard.data() + shard.size(), n);
  if (ec != std::errc() || end != shard.data() + shard.size()) return false;
  std::string_view kind = key.substr(b + 1);
  if (kind.empty() || kind.find('/') != std::string_view::npos) return false;
  *out = {tenant + std::string(key.substr(0, a)), n, std::string(kind)};
  return true;
}

}  // namespace ragdb::cluster
