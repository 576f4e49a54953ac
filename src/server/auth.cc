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

namespace {

// DATA/auth.json: one process writes it, under AuthStore's own lock.
class FileDocument final : public AuthDocument {
 public:
  explicit FileDocument(std::string path) : path_(std::move(path)) {}
  Result<std::pair<std::string, int64_t>> Load() override {
    if (!FileExists(path_)) return std::pair<std::string, int64_t>{"", 0};
    RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(path_));
    return std::pair<std::string, int64_t>{std::move(text), 0};
  }
  Result<bool> Store(const std::string& text, int64_t) override {
    RAGDB_RETURN_IF_ERROR(WriteFileAtomic(path_, text));
    return true;
  }

 private:
  std::string path_;
};

}  // namespace

Result<AuthStore::Stored> AuthStore::Parse(const std::string& text) {
  Stored out;
  if (text.empty()) return out;
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("auth: not a JSON object");
  try {
    for (const auto& t : j.value("tenants", Json::array())) {
      out.tenants.push_back(t.get<std::string>());
    }
    for (const auto& k : j.value("keys", Json::array())) {
      Entry e;
      e.hash = k.at("sha256").get<std::string>();
      e.info.id = k.at("id").get<std::string>();
      e.info.tenant = k.at("tenant").get<std::string>();
      RAGDB_ASSIGN_OR_RETURN(e.info.role, ParseRole(k.at("role").get<std::string>()));
      e.info.source = "api";
      e.info.created = k.value("created", int64_t{0});
      out.keys.push_back(std::move(e));
    }
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("auth: ") + e.what());
  }
  return out;
}

std::string AuthStore::Serialize(const Stored& stored) {
  Json j = {{"version", 1}, {"tenants", stored.tenants}, {"keys", Json::array()}};
  std::vector<const Entry*> keys;
  for (const Entry& e : stored.keys) keys.push_back(&e);
  std::sort(keys.begin(), keys.end(), [](auto* a, auto* b) { return a->info.id < b->info.id; });
  for (const Entry* e : keys) {
    j["keys"].push_back({{"id", e->info.id},
                         {"sha256", e->hash},
                         {"tenant", e->info.tenant},
                         {"role", RoleName(e->info.role)},
                         {"created", e->info.created}});
  }
  return j.dump(2) + "\n";
}

Result<std::unique_ptr<AuthStore>> AuthStore::Open(const std::string& data_dir,
                                                   const ServerConfig& config,
                                                   std::unique_ptr<AuthDocument> document) {
  auto store = std::unique_ptr<AuthStore>(new AuthStore());
  const std::string path = JoinPath(data_dir, "auth.json");
  store->document_ = document ? std::move(document) : std::make_unique<FileDocument>(path);
  int i = 0;
  for (const auto& k : config.api_keys) {
    RAGDB_RETURN_IF_ERROR(ValidateTenantName(k.tenant));
    Entry e;
    e.hash = Sha256Hex(k.key);
    e.info = {"config-" + std::to_string(i++), k.tenant, k.role, "config", 0};
    store->configured_.push_back(std::move(e));
    if (k.tenant != kDefaultTenant) store->configured_tenants_.push_back(k.tenant);  // it exists
  }
  if (!config.admin_key.empty()) {
    Entry e;
    e.hash = Sha256Hex(config.admin_key);
    e.info = {"admin-key", kDefaultTenant, Role::kAdmin, "admin-key", 0};
    store->configured_.push_back(std::move(e));
  }
  RAGDB_ASSIGN_OR_RETURN(auto loaded, store->document_->Load());
  auto stored = Parse(loaded.first);
  if (!stored.ok()) return Status::Corruption(path + ": " + stored.status().message());
  store->Install(std::move(stored).value());
  return store;
}

Status AuthStore::Reload(const std::string& text) {
  RAGDB_ASSIGN_OR_RETURN(Stored stored, Parse(text));
  Install(std::move(stored));
  return Status::Ok();
}

void AuthStore::Install(Stored stored) {
  std::lock_guard<std::mutex> lock(mu_);
  by_hash_.clear();
  for (Entry& e : stored.keys) by_hash_[e.hash] = std::move(e);
  for (const Entry& e : configured_) by_hash_[e.hash] = e;  // the config wins
  tenants_ = stored.tenants;
  for (const auto& t : configured_tenants_) {
    if (std::find(tenants_.begin(), tenants_.end(), t) == tenants_.end()) tenants_.push_back(t);
  }
  std::sort(tenants_.begin(), tenants_.end());
}

Status AuthStore::Mutate(const std::function<Status(Stored*)>& change) {
  std::lock_guard<std::mutex> serial(mutate_mu_);
  for (int attempt = 0; attempt < 16; ++attempt) {
    RAGDB_ASSIGN_OR_RETURN(auto loaded, document_->Load());
    RAGDB_ASSIGN_OR_RETURN(Stored stored, Parse(loaded.first));
    RAGDB_RETURN_IF_ERROR(change(&stored));
    RAGDB_ASSIGN_OR_RETURN(bool stored_ok, document_->Store(Serialize(stored), loaded.second));
    if (!stored_ok) continue;  // another node changed it meanwhile: apply to its version
    Install(std::move(stored));
    return Status::Ok();
  }
  return Status::Unavailable("the tenants and keys kept changing; retry");
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

Status AuthStore::CreateTenant(const std::string& name) {
  RAGDB_RETURN_IF_ERROR(ValidateTenantName(name));
  return Mutate([&](Stored* s) -> Status {
    if (name == kDefaultTenant ||
        std::find(s->tenants.begin(), s->tenants.end(), name) != s->tenants.end() ||
        std::find(configured_tenants_.begin(), configured_tenants_.end(), name) !=
            configured_tenants_.end()) {
      return Status::AlreadyExists("tenant '" + name + "' already exists");
    }
    s->tenants.push_back(name);
    std::sort(s->tenants.begin(), s->tenants.end());
    return Status::Ok();
  });
}

Status AuthStore::DeleteTenant(const std::string& name) {
  if (name == kDefaultTenant)
    return Status::InvalidArgument("the default tenant cannot be deleted");
  for (const Entry& e : configured_) {
    if (e.info.tenant == name) {
      return Status::FailedPrecondition("tenant '" + name +
                                        "' has keys in the config file; remove them there first");
    }
  }
  return Mutate([&](Stored* s) -> Status {
    auto it = std::find(s->tenants.begin(), s->tenants.end(), name);
    if (it == s->tenants.end()) return Status::NotFound("tenant '" + name + "' does not exist");
    s->tenants.erase(it);
    std::erase_if(s->keys, [&](const Entry& e) { return e.info.tenant == name; });
    return Status::Ok();
  });
}

std::vector<std::string> AuthStore::ListTenants() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out{kDefaultTenant};
  out.insert(out.end(), tenants_.begin(), tenants_.end());
  return out;
}

bool AuthStore::TenantExistsLocked(const std::string& name) const {
  return name == kDefaultTenant ||
         std::find(tenants_.begin(), tenants_.end(), name) != tenants_.end();
}

bool AuthStore::TenantExists(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return TenantExistsLocked(name);
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
  RAGDB_RETURN_IF_ERROR(Mutate([&](Stored* s) -> Status {
    s->keys.push_back(e);
    return Status::Ok();
  }));
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
  for (const Entry& e : configured_) {
    if (e.info.tenant == tenant && e.info.id == id) {
      return Status::FailedPrecondition("key '" + id + "' comes from the " + e.info.source +
                                        "; remove it there");
    }
  }
  return Mutate([&](Stored* s) -> Status {
    const size_t before = s->keys.size();
    std::erase_if(s->keys,
                  [&](const Entry& e) { return e.info.tenant == tenant && e.info.id == id; });
    if (s->keys.size() == before) {
      return Status::NotFound("key '" + id + "' not found in tenant '" + tenant + "'");
    }
    return Status::Ok();
  });
}

}  // namespace ragdb::server
