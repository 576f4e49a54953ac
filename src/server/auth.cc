#include "server/auth.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>

#include "base/file.h"
#include "ragdb/json.h"

namespace ragdb::server {

Status ValidateTenantName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return Status::InvalidArgument("tenant name must have 1 to 64 characters");
  }
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
      return Status::InvalidArgument("tenant name '" + std::string(name) +
                                     "' may only contain letters, digits, '_' and '-'");
    }
  }
  return Status::Ok();
}

namespace {
std::string Hex(const unsigned char* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}
}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return Hex(md, len);
}

Result<std::string> RandomHex(size_t bytes) {
  std::string buf(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()), static_cast<int>(bytes)) != 1) {
    return Status::Internal("RAND_bytes failed");
  }
  return Hex(reinterpret_cast<const unsigned char*>(buf.data()), bytes);
}

Result<std::unique_ptr<AuthStore>> AuthStore::Open(const std::string& data_dir,
                                                   const ServerConfig& config) {
  auto store = std::unique_ptr<AuthStore>(new AuthStore());
  store->path_ = JoinPath(data_dir, "auth.json");
  if (FileExists(store->path_)) {
    RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(store->path_));
    Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return Status::Corruption(store->path_ + ": not a JSON object");
    }
    try {
      for (const auto& t : j.value("tenants", Json::array())) {
        store->tenants_.push_back(t.get<std::string>());
      }
      for (const auto& k : j.value("keys", Json::array())) {
        Entry e;
        e.hash = k.at("sha256").get<std::string>();
        e.info.id = k.at("id").get<std::string>();
        e.info.tenant = k.at("tenant").get<std::string>();
        RAGDB_ASSIGN_OR_RETURN(e.info.role, ParseRole(k.at("role").get<std::string>()));
        e.info.source = "api";
        e.info.created = k.value("created", int64_t{0});
        store->by_hash_[e.hash] = std::move(e);
      }
    } catch (const std::exception& e) {
      return Status::Corruption(store->path_ + ": " + e.what());
    }
  }
  int i = 0;
  for (const auto& k : config.api_keys) {
    RAGDB_RETURN_IF_ERROR(ValidateTenantName(k.tenant));
    Entry e;
    e.hash = Sha256Hex(k.key);
    e.info = {"config-" + std::to_string(i++), k.tenant, k.role, "config", 0};
    store->by_hash_[e.hash] = std::move(e);
    if (k.tenant != kDefaultTenant && std::find(store->tenants_.begin(), store->tenants_.end(),
                                                k.tenant) == store->tenants_.end()) {
      store->tenants_.push_back(k.tenant);  // a tenant named in the config exists
    }
  }
  if (!config.admin_key.empty()) {
    Entry e;
    e.hash = Sha256Hex(config.admin_key);
    e.info = {"admin-key", kDefaultTenant, Role::kAdmin, "admin-key", 0};
    store->by_hash_[e.hash] = std::move(e);
  }
  std::sort(store->tenants_.begin(), store->tenants_.end());
  return store;
}

bool AuthStore::enabled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !by_hash_.empty();
}

Result<Principal> AuthStore::Authenticate(std::string_view key) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (by_hash_.empty()) return Principal{kDefaultTenant, Role::kAdmin, "local"};
  if (key.empty()) {
    return Status::Unauthenticated(
        "missing API key: send it as the 'api-key' header or as "
        "'Authorization: Bearer <key>'");
  }
  auto it = by_hash_.find(Sha256Hex(key));
  if (it == by_hash_.end()) return Status::Unauthenticated("invalid API key");
  return Principal{it->second.info.tenant, it->second.info.role, it->second.info.id};
}

Status AuthStore::SaveLocked() const {
  Json j = {{"version", 1}, {"tenants", tenants_}, {"keys", Json::array()}};
  std::vector<const Entry*> api;
  for (const auto& [h, e] : by_hash_) {
    if (e.info.source == "api") api.push_back(&e);
  }
  std::sort(api.begin(), api.end(), [](auto* a, auto* b) { return a->info.id < b->info.id; });
  for (const Entry* e : api) {
    j["keys"].push_back({{"id", e->info.id},
                         {"sha256", e->hash},
                         {"tenant", e->info.tenant},
                         {"role", RoleName(e->info.role)},
                         {"created", e->info.created}});
  }
  return WriteFileAtomic(path_, j.dump(2) + "\n");
}

Status AuthStore::CreateTenant(const std::string& name) {
  RAGDB_RETURN_IF_ERROR(ValidateTenantName(name));
  std::lock_guard<std::mutex> lock(mu_);
  if (name == kDefaultTenant ||
      std::find(tenants_.begin(), tenants_.end(), name) != tenants_.end()) {
    return Status::AlreadyExists("tenant '" + name + "' already exists");
  }
  tenants_.push_back(name);
  std::sort(tenants_.begin(), tenants_.end());
  Status s = SaveLocked();
  if (!s.ok()) tenants_.erase(std::find(tenants_.begin(), tenants_.end(), name));
  return s;
}

Status AuthStore::DeleteTenant(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (name == kDefaultTenant)
    return Status::InvalidArgument("the default tenant cannot be deleted");
  auto it = std::find(tenants_.begin(), tenants_.end(), name);
  if (it == tenants_.end()) return Status::NotFound("tenant '" + name + "' does not exist");
  for (const auto& [h, e] : by_hash_) {
    if (e.info.tenant == name && e.info.source != "api") {
      return Status::FailedPrecondition("tenant '" + name +
                                        "' has keys in the config file; remove them there first");
    }
  }
  tenants_.erase(it);
  for (auto k = by_hash_.begin(); k != by_hash_.end();) {
    k = k->second.info.tenant == name ? by_hash_.erase(k) : std::next(k);
  }
  return SaveLocked();
}

std::vector<std::string> AuthStore::ListTenants() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out{kDefaultTenant};
  out.insert(out.end(), tenants_.begin(), tenants_.end());
  return out;
}

bool AuthStore::TenantExists(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return name == kDefaultTenant ||
         std::find(tenants_.begin(), tenants_.end(), name) != tenants_.end();
}

Result<AuthStore::NewKey> AuthStore::CreateKey(const std::string& tenant, Role role) {
  if (!TenantExists(tenant)) return Status::NotFound("tenant '" + tenant + "' does not exist");
  RAGDB_ASSIGN_OR_RETURN(std::string secret, RandomHex(32));
  RAGDB_ASSIGN_OR_RETURN(std::string id, RandomHex(8));
  NewKey out{"key-" + id, "rdb_" + secret};
  Entry e;
  e.hash = Sha256Hex(out.key);
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  e.info = {out.id, tenant, role, "api", now};
  std::lock_guard<std::mutex> lock(mu_);
  by_hash_[e.hash] = e;
  Status s = SaveLocked();
  if (!s.ok()) {
    by_hash_.erase(e.hash);
    return s;
  }
  return out;
}

std::vector<AuthStore::KeyInfo> AuthStore::ListKeys(const std::string& tenant) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<KeyInfo> out;
  for (const auto& [h, e] : by_hash_) {
    if (e.info.tenant == tenant) out.push_back(e.info);
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return out;
}

Status AuthStore::DeleteKey(const std::string& tenant, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = by_hash_.begin(); it != by_hash_.end(); ++it) {
    if (it->second.info.tenant != tenant || it->second.info.id != id) continue;
    if (it->second.info.source != "api") {
      return Status::FailedPrecondition("key '" + id + "' comes from the " +
                                        it->second.info.source + "; remove it there");
    }
    Entry saved = it->second;
    by_hash_.erase(it);
    Status s = SaveLocked();
    if (!s.ok()) by_hash_[saved.hash] = saved;
    return s;
  }
  return Status::NotFound("key '" + id + "' not found in tenant '" + tenant + "'");
}

}  // namespace ragdb::server
