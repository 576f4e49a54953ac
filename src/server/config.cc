#include "server/config.h"

#include <toml++/toml.h>

#include <limits>
#include <set>

#include "base/file.h"

namespace ragdb::server {

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kReadOnly:
      return "read-only";
    case Role::kReadWrite:
      return "read-write";
    case Role::kAdmin:
      return "admin";
  }
  return "read-only";
}

Result<Role> ParseRole(std::string_view name) {
  if (name == "read-only" || name == "read_only" || name == "readonly") return Role::kReadOnly;
  if (name == "read-write" || name == "read_write" || name == "readwrite") return Role::kReadWrite;
  if (name == "admin") return Role::kAdmin;
  return Status::InvalidArgument("unknown role '" + std::string(name) +
                                 "' (expected admin, read-write or read-only)");
}

namespace {

const std::set<std::string> kServerKeys = {"host",
                                           "port",
                                           "max_body_bytes",
                                           "max_header_bytes",
                                           "max_concurrent_requests",
                                           "header_timeout_ms",
                                           "body_timeout_ms",
                                           "idle_timeout_ms",
                                           "io_threads",
                                           "worker_threads",
                                           "access_log",
                                           "admin_key"};

Status CheckKeys(const toml::table& t, const std::string& where,
                 const std::set<std::string>& allowed) {
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    if (allowed.count(key)) continue;
    // A server setting written above the [server] header is the usual slip.
    std::string hint = where.empty() && kServerKeys.count(key)
                           ? " (it belongs under [server]: put it after the [server] line)"
                           : "";
    return Status::InvalidArgument("config: unknown key '" + where + key + "'" + hint);
  }
  return Status::Ok();
}

template <typename T>
Status ReadInt(const toml::table& t, const char* key, const std::string& where, T* out) {
  const toml::node* n = t.get(key);
  if (!n) return Status::Ok();
  auto v = n->value<int64_t>();
  if (!v || *v < 0 || static_cast<uint64_t>(*v) > std::numeric_limits<T>::max()) {
    return Status::InvalidArgument("config: " + where + key + " must be an integer in 0.." +
                                   std::to_string(std::numeric_limits<T>::max()));
  }
  *out = static_cast<T>(*v);
  return Status::Ok();
}

Status ReadString(const toml::table& t, const char* key, const std::string& where,
                  std::string* out) {
  const toml::node* n = t.get(key);
  if (!n) return Status::Ok();
  auto v = n->value<std::string>();
  if (!v) return Status::InvalidArgument("config: " + where + key + " must be a string");
  *out = *v;
  return Status::Ok();
}

Status Apply(const toml::table& root, ServerConfig* c) {
  RAGDB_RETURN_IF_ERROR(CheckKeys(root, "", {"server", "tls", "api_keys", "cluster", "llm"}));
  if (const toml::node* n = root.get("cluster")) {
    const toml::table* t = n->as_table();
    if (!t) return Status::InvalidArgument("config: [cluster] must be a table");
    const std::string w = "cluster.";
    RAGDB_RETURN_IF_ERROR(
        CheckKeys(*t, w,
                  {"enabled", "etcd", "object_store", "node_id", "advertise", "lease_ttl",
                   "snapshot_rows", "seal_threshold_rows", "max_forwarded_writes", "ca_file",
                   "client_cert_file", "client_key_file"}));
    ClusterSettings& cl = c->cluster;
    if (const toml::node* e = t->get("enabled")) {
      auto v = e->value<bool>();
      if (!v) return Status::InvalidArgument("config: cluster.enabled must be a boolean");
      cl.enabled = *v;
    }
    if (const toml::node* e = t->get("etcd")) {
      cl.etcd.clear();
      if (auto v = e->value<std::string>()) {
        cl.etcd.push_back(*v);
      } else if (const toml::array* arr = e->as_array()) {
        for (const auto& item : *arr) {
          auto u = item.value<std::string>();
          if (!u) return Status::InvalidArgument("config: cluster.etcd must list strings");
          cl.etcd.push_back(*u);
        }
      } else {
        return Status::InvalidArgument("config: cluster.etcd must be a string or an array");
      }
    }
    RAGDB_RETURN_IF_ERROR(ReadString(*t, "object_store", w, &cl.object_store));
    RAGDB_RETURN_IF_ERROR(ReadString(*t, "node_id", w, &cl.node_id));
    RAGDB_RETURN_IF_ERROR(ReadString(*t, "advertise", w, &cl.advertise));
    RAGDB_RETURN_IF_ERROR(ReadInt(*t, "lease_ttl", w, &cl.lease_ttl_seconds));
    RAGDB_RETURN_IF_ERROR(ReadInt(*t, "snapshot_rows", w, &cl.snapshot_rows));
    RAGDB_RETURN_IF_ERROR(ReadInt(*t, "seal_threshold_rows", w, &cl.seal_threshold_rows));
    RAGDB_RETURN_IF_ERROR(ReadInt(*t, "max_forwarded_writes", w, &cl.max_forwarded_writes));
    if (cl.max_forwarded_writes == 0) {
      return Status::InvalidArgument("config: cluster.max_forwarded_writes must be at least 1");
    }
    RAGDB_RETURN_IF_ERROR(ReadString(*t, "ca_file", w, &cl.ca_file));
    RAGDB_RETURN_IF_ERROR(ReadString(*t, "client_cert_file", w, &cl.client_cert_file));
    RAGDB_RETURN_IF_ERROR(ReadString(*t, "client_key_file", w, &cl.client_key_file));
  }
  if (const toml::node* n = root.get("server")) {
    const toml::table* s = n->as_table();
    if (!s) return Status::InvalidArgument("config: [server] must be a table");
    const std::string w = "server.";
    RAGDB_RETURN_IF_ERROR(CheckKeys(*s, w, kServerKeys));
    auto& h = c->http;
    RAGDB_RETURN_IF_ERROR(ReadString(*s, "host", w, &h.host));
    RAGDB_RETURN_IF_ERROR(ReadInt(*s, "port", w, &h.port));
    RAGDB_RETURN_IF_ERROR(ReadInt(*s, "max_body_bytes", w, &h.max_body_bytes));
    RAGDB_RETURN_IF_ERROR(ReadInt(*s, "max_header_bytes", w, &h.max_header_bytes));
    RAGDB_RETURN_IF_ERROR(ReadInt(*s, "max_concurrent_requests", w, &h.max_concurrent_requests));
    RAGDB_RETURN_IF_ERROR(ReadInt(*s, "io_threads", w, &h.io_threads));
    RAGDB_RETURN_IF_ERROR(ReadInt(*s, "worker_threads", w, &h.worker_threads));
    int64_t ms = -1;
    RAGDB_RETURN_IF_ERROR(ReadInt(*s, "header_timeout_ms", w, &ms));
    if (ms >= 0) h.header_timeout = std::chrono::milliseconds(ms);
    ms = -1;
    RAGDB_RETURN_IF_ERROR(ReadInt(*s, "body_timeout_ms", w, &ms));
    if (ms >= 0) h.body_timeout = std::chrono::milliseconds(ms);
    ms = -1;
    RAGDB_RETURN_IF_ERROR(ReadInt(*s, "idle_timeout_ms", w, &ms));
    if (ms >= 0) h.idle_timeout = std::chrono::milliseconds(ms);
    if (const toml::node* a = s->get("access_log")) {
      auto v = a->value<bool>();
      if (!v) return Status::InvalidArgument("config: server.access_log must be a boolean");
      h.access_log = *v;
    }
    RAGDB_RETURN_IF_ERROR(ReadString(*s, "admin_key", w, &c->admin_key));
  }
  if (const toml::node* n = root.get("tls")) {
    const toml::table* t = n->as_table();
    if (!t) return Status::InvalidArgument("config: [tls] must be a table");
    RAGDB_RETURN_IF_ERROR(CheckKeys(*t, "tls.", {"cert", "key"}));
    RAGDB_RETURN_IF_ERROR(ReadString(*t, "cert", "tls.", &c->http.tls_cert_file));
    RAGDB_RETURN_IF_ERROR(ReadString(*t, "key", "tls.", &c->http.tls_key_file));
  }
  if (const toml::node* n = root.get("llm")) {
    const toml::table* t = n->as_table();
    if (!t) return Status::InvalidArgument("config: [llm] must be a table");
    const std::string w = "llm.";
    RAGDB_RETURN_IF_ERROR(CheckKeys(
        *t, w, {"model", "base_url", "api_key", "timeout_ms", "temperature", "max_tokens"}));
    LlmSection& l = c->llm;
    l.present = true;
    RAGDB_RETURN_IF_ERROR(ReadString(*t, "model", w, &l.model));
    RAGDB_RETURN_IF_ERROR(ReadString(*t, "base_url", w, &l.base_url));
    RAGDB_RETURN_IF_ERROR(ReadString(*t, "api_key", w, &l.api_key));
    RAGDB_RETURN_IF_ERROR(ReadInt(*t, "timeout_ms", w, &l.timeout_ms));
    RAGDB_RETURN_IF_ERROR(ReadInt(*t, "max_tokens", w, &l.max_tokens));
    if (const toml::node* x = t->get("temperature")) {
      auto v = x->value<double>();
      if (!v || *v < 0 || *v > 2) {
        return Status::InvalidArgument("config: llm.temperature must be a number in [0, 2]");
      }
      l.temperature = *v;
    }
    if (l.model.empty()) return Status::InvalidArgument("config: llm.model is required");
  }
  if (const toml::node* n = root.get("api_keys")) {
    const toml::array* arr = n->as_array();
    if (!arr) return Status::InvalidArgument("config: api_keys must be an array of tables");
    for (size_t i = 0; i < arr->size(); ++i) {
      const toml::table* t = (*arr)[i].as_table();
      std::string w = "api_keys[" + std::to_string(i) + "].";
      if (!t) return Status::InvalidArgument("config: " + w + " must be a table");
      RAGDB_RETURN_IF_ERROR(CheckKeys(*t, w, {"key", "tenant", "role"}));
      ConfiguredKey k;
      std::string role = "read-only";
      RAGDB_RETURN_IF_ERROR(ReadString(*t, "key", w, &k.key));
      RAGDB_RETURN_IF_ERROR(ReadString(*t, "tenant", w, &k.tenant));
      RAGDB_RETURN_IF_ERROR(ReadString(*t, "role", w, &role));
      if (k.key.empty()) return Status::InvalidArgument("config: " + w + "key is required");
      auto r = ParseRole(role);
      if (!r.ok()) return r.status().WithContext("config: " + w + "role");
      k.role = *r;
      c->api_keys.push_back(std::move(k));
    }
  }
  return Status::Ok();
}

}  // namespace

Status LoadConfigString(std::string_view text, ServerConfig* config) {
  try {
    toml::table root = toml::parse(text);
    return Apply(root, config);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return Status::InvalidArgument("config: line " + std::to_string(b.line) + ", column " +
                                   std::to_string(b.column) + ": " + std::string(e.description()));
  }
}

Status LoadConfigFile(const std::string& path, ServerConfig* config) {
  RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return LoadConfigString(text, config).WithContext(path);
}

}  // namespace ragdb::server
