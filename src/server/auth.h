// API keys and tenants. Keys come from the config file (plain text there), from --admin-key /
// RAGDB_ADMIN_KEY, and from the admin API; the last are stored only as SHA-256 hashes, with the
// tenants made through the API, in one JSON document: DATA/auth.json (written atomically), or in
// cluster mode an etcd key that every node shares (changes made on one node reach the others
// within a reconcile tick). With no key anywhere, authentication is off: local single-user mode,
// which the serve command allows on loopback addresses only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ragdb/status.h"
#include "server/config.h"

namespace ragdb::server {

inline constexpr const char* kDefaultTenant = "default";

struct Principal {
  std::string tenant = kDefaultTenant;
  Role role = Role::kAdmin;
  std::string key_id;  // "local" when authentication is off
};

// Tenant names: 1..64 characters of [A-Za-z0-9_-] (they become folder names).
Status ValidateTenantName(std::string_view name);
std::string Sha256Hex(std::string_view data);
// `bytes` random bytes from OpenSSL's CSPRNG, hex-encoded.
Result<std::string> RandomHex(size_t bytes);

// Where the document of API-made tenants and keys is kept.
class AuthDocument {
 public:
  virtual ~AuthDocument() = default;
  // The stored text ("" when there is none yet) and its version, to write against.
  virtual Result<std::pair<std::string, int64_t>> Load() = 0;
  // Stores `text` if the document is still at `version`; false when another writer came first.
  virtual Result<bool> Store(const std::string& text, int64_t version) = 0;
};

class AuthStore {
 public:
  // `document` null = DATA/auth.json.
  static Result<std::unique_ptr<AuthStore>> Open(const std::string& data_dir,
                                                 const ServerConfig& config,
                                                 std::unique_ptr<AuthDocument> document = nullptr);
  // Takes the tenants and keys of a document another process stored (cluster mode: another
  // node changed them). Corruption for text that is not one.
  Status Reload(const std::string& text);

  // True once any key exists (config, admin key or created through the API).
  bool enabled() const;
  // The principal of a key; Unauthenticated for a missing or unknown key when enabled, the
  // local admin of the default tenant when not.
  Result<Principal> Authenticate(std::string_view key) const;

  Status CreateTenant(const std::string& name);
  // Removes the tenant's keys from auth.json; the caller removes its data.
  Status DeleteTenant(const std::string& name);
  std::vector<std::string> ListTenants() const;  // "default" first
  bool TenantExists(const std::string& name) const;

  struct NewKey {
    std::string id;
    std::string key;  // shown once, never stored
  };
  Result<NewKey> CreateKey(const std::string& tenant, Role role);
  struct KeyInfo {
    std::string id;
    std::string tenant;
    Role role;
    std::string source;   // "config", "admin-key" or "api"
    int64_t created = 0;  // Unix seconds; 0 for keys from the config
  };
  std::vector<KeyInfo> ListKeys(const std::string& tenant) const;
  Status DeleteKey(const std::string& tenant, const std::string& id);

 private:
  struct Entry {
    KeyInfo info;
    std::string hash;
  };
  // What the document holds.
  struct Stored {
    std::vector<std::string> tenants;
    std::vector<Entry> keys;
  };
  static Result<Stored> Parse(const std::string& text);
  static std::string Serialize(const Stored& stored);
  // Loads the document, applies `change`, stores it (again from a fresh load when another
  // writer came first), then serves the result.
  Status Mutate(const std::function<Status(Stored*)>& change);
  void Install(Stored stored);
  bool TenantExistsLocked(const std::string& name) const;

  std::unique_ptr<AuthDocument> document_;
  std::mutex mutate_mu_;  // one change at a time from this process
  mutable std::mutex mu_;
  std::vector<Entry> configured_;  // from the config file and the admin key
  std::vector<std::string> configured_tenants_;
  std::vector<std::string> tenants_;                // besides "default"
  std::unordered_map<std::string, Entry> by_hash_;  // SHA-256 hex -> key
};

}  // namespace ragdb::server
