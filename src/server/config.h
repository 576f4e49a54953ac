// The server's settings: defaults, then the TOML file (--config), then command-line flags and
// RAGDB_ADMIN_KEY. Example file:
//
//   [server]
//   host = "0.0.0.0"
//   port = 6333
//   max_body_bytes = 33554432
//   max_concurrent_requests = 512
//   header_timeout_ms = 10000
//   body_timeout_ms = 60000
//   idle_timeout_ms = 60000
//   io_threads = 0            # 0 = one per CPU the process may use (affinity mask)
//   worker_threads = 16
//   access_log = true
//   admin_key = "..."         # optional; same as --admin-key
//
//   [tls]
//   cert = "/etc/ragdb/cert.pem"
//   key = "/etc/ragdb/key.pem"
//
//   [cluster]                 # cluster mode (docs/cluster.md); flags of `ragdb serve` override
//   enabled = true            # --cluster
//   etcd = ["http://etcd-0:2379", "http://etcd-1:2379"]   # --etcd URL[,URL..]
//   object_store = "s3://bucket/prefix?endpoint=http://minio:9000&region=us-east-1"
//   node_id = "ragdb-0"       # --node-id
//   advertise = "http://ragdb-0.ragdb:6333"                # --advertise
//   lease_ttl = 10            # --lease-ttl SECONDS
//   snapshot_rows = 65536     # a shard publishes a snapshot after this many rows
//   seal_threshold_rows = 65536
//   max_forwarded_writes = 8  # requests that may wait on writes forwarded to other nodes
//   ca_file = "/etc/ragdb/ca.pem"          # --cluster-ca-file: CA of https:// etcd / S3 / nodes
//   client_cert_file = "/etc/ragdb/client.pem"  # --cluster-cert-file (mutual TLS, optional)
//   client_key_file = "/etc/ragdb/client.key"   # --cluster-key-file
//
//   [llm]                     # answers of ask / chat (default: DIR/llm.json, RAGDB_LLM_*)
//   model = "local:NAME"      # a local model (ragdb model add / pull), or a remote model name
//   base_url = "https://..."  # an OpenAI-compatible endpoint (not with local:)
//   api_key = "..."
//   timeout_ms = 60000
//   temperature = 0.1
//   max_tokens = 512
//
//   [[api_keys]]
//   key = "secret-1"
//   tenant = "acme"           # default: "default" (the database folder itself)
//   role = "read-write"       # admin | read-write | read-only
#pragma once

#include <string>
#include <vector>

#include "ragdb/status.h"
#include "server/http_server.h"

namespace ragdb::server {

enum class Role { kReadOnly = 0, kReadWrite = 1, kAdmin = 2 };
std::string_view RoleName(Role r);  // "read-only", "read-write", "admin"
Result<Role> ParseRole(std::string_view name);

struct ConfiguredKey {
  std::string key;  // plain text, as written in the config file
  std::string tenant = "default";
  Role role = Role::kReadOnly;
};

struct ClusterSettings {
  bool enabled = false;
  std::vector<std::string> etcd;
  std::string object_store;
  std::string node_id;
  std::string advertise;
  int lease_ttl_seconds = 10;
  uint64_t snapshot_rows = 65536;
  uint64_t seal_threshold_rows = 65536;
  uint64_t max_forwarded_writes = 8;
  std::string ca_file, client_cert_file, client_key_file;
};

// The [llm] section as written (serve_command turns it into a rag::LlmConfig over llm.json).
struct LlmSection {
  bool present = false;
  std::string model, base_url, api_key;
  int64_t timeout_ms = -1;  // -1 = not set
  double temperature = -1;  // < 0 = not set
  int64_t max_tokens = -1;  // -1 = not set
};

struct ServerConfig {
  HttpServerOptions http;
  ClusterSettings cluster;
  std::string admin_key;
  std::vector<ConfiguredKey> api_keys;
  LlmSection llm;
};

// Reads a TOML file over `config`. Unknown keys are errors naming the key, so a typo in a limit
// does not silently keep the default.
Status LoadConfigFile(const std::string& path, ServerConfig* config);
Status LoadConfigString(std::string_view toml, ServerConfig* config);

}  // namespace ragdb::server
