// The application behind the transport: routing, authentication, per-tenant databases, the
// Qdrant envelope ({"result", "status", "time"}), metrics and the access log. Endpoints live in
// qdrant_*.cc, snapshots.cc and admin_api.cc, each registering its routes here.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "rag/kb_catalog.h"
#include "ragdb/rag.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/http.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/router.h"
#include "server/tenants.h"
#include "server/upload_log.h"

namespace ragdb::cluster {
class Node;
}  // namespace ragdb::cluster

namespace ragdb::server {

// What a route needs from the caller's key.
enum class Access { kPublic, kRead, kWrite, kAdmin };

// Where a route's handler runs. kInline: on the I/O thread that read the request, which saves
// the hand-off to a worker and back (two thread wake-ups per request, a fifth of the CPU of a
// search on a 2-core VM). Only for handlers that never wait on anything but the CPU: no fsync, no
// network, no long file reads. In cluster mode a kInline route of a collection runs inline only
// while this node holds every shard it reads (cluster::Node::ReadsLocally): a wait on another
// node there could stall two nodes whose I/O threads wait on each other. kInlineAlways: inline
// in every mode (the calls between cluster nodes, which never wait). Everything else runs on
// the worker pool.
enum class Runs { kOnWorker, kInline, kInlineAlways };

class App;

// One request as a handler sees it.
struct Ctx {
  Ctx(App& a, const HttpRequest& r, const RouteMatch& m, Principal p)
      : app(a), req(r), match(m), principal(std::move(p)) {}

  App& app;
  const HttpRequest& req;
  const RouteMatch& match;
  Principal principal;
  // Set by handlers that answer something other than the JSON envelope (downloads, /metrics).
  std::optional<HttpResponse> raw;
  // Set by handlers that write their result as JSON text themselves (the hot search routes):
  // the envelope's "result", in place of the Json the handler returns.
  std::optional<std::string> result_text;
  // Set by handlers that must answer with a different status than 200 on success.
  int success_status = 200;
  // Fields of the request that were accepted but have no effect here (qdrant/fields.h): each
  // becomes a `Warning: 299 ragdb "..."` header of the response and a warn log line.
  std::vector<std::string> warnings;

  const std::string& Param(std::string_view name) const { return match.Param(name); }
  // The body as JSON: {} when empty; InvalidArgument on malformed JSON or a non-object.
  Result<Json> Body() const;
  // The caller's tenant database (held for the whole request).
  Result<Database*> Db();
  // The collection, or NotFound in Qdrant's words. In cluster mode it reads with the request's
  // `consistency` query parameter (InvalidArgument for a value that is not one).
  Result<std::shared_ptr<Collection>> GetCollection(const std::string& name);
  // Holds the collection's write gate shared until the request ends.
  void LockForWrite(const std::string& collection);
  // The caller's tenant's knowledge bases.
  Result<std::shared_ptr<rag::KbCatalog>> Kbs();
  // The tenant lease (and write gates), moved out for a streamed response: its producer runs
  // after the handler has returned and must keep the database open until it is done.
  std::shared_ptr<void> KeepForStream();

 private:
  std::optional<TenantDbs::Lease> lease_;
  std::vector<std::shared_lock<std::shared_mutex>> write_locks_;
  std::vector<std::shared_ptr<std::shared_mutex>> gates_;
};

using Handler = std::function<Result<Json>(Ctx&)>;

class App {
 public:
  App(std::string data_dir, ServerConfig config, std::unique_ptr<AuthStore> auth,
      DatabaseOptions db_options = {});
  ~App();

  // The transport's entry point. Never throws.
  HttpResponse Handle(const HttpRequest& req);

  void Route(std::string method, std::string pattern, Access access, Handler h,
             Runs runs = Runs::kOnWorker);
  // Whether the transport may run this request's handler on its I/O thread (see Runs).
  bool RunsInline(const HttpRequest& req) const;

  AuthStore& auth() { return *auth_; }
  TenantDbs& tenants() { return tenants_; }
  Metrics& metrics() { return metrics_; }
  const std::string& data_dir() const { return data_dir_; }
  const ServerConfig& config() const { return config_; }
  // Set once the transport runs, for /metrics.
  void set_http_server(const HttpServer* s) { http_server_ = s; }
  const HttpServer* http_server() const { return http_server_; }
  uint64_t NextOperationId() { return next_operation_id_++; }
  bool ready() const { return ready_; }
  void set_ready(bool r) { ready_ = r; }
  // The OpenAI-compatible LLM that answers /ragdb/kb/*/ask and /v1/chat/completions; disabled =
  // extractive answers. Set before the server starts.
  const rag::LlmConfig& llm() const { return llm_; }
  void set_llm(rag::LlmConfig llm) { llm_ = std::move(llm); }
  // The cluster node in cluster mode (docs/cluster.md), else null. Set before the server starts.
  cluster::Node* cluster() const { return cluster_; }
  void set_cluster(cluster::Node* node) { cluster_ = node; }
  // Outcomes of recent knowledge-base uploads (for the web console).
  UploadLog& uploads() { return uploads_; }

 private:
  struct RouteEntry {
    Access access;
    Handler handler;
    Runs runs = Runs::kOnWorker;
  };
  HttpResponse Dispatch(const HttpRequest& req, std::string* route_label, std::string* tenant);
  // The caller of a route: its key's tenant and role (an admin may name another tenant with the
  // ragdb-tenant header); an error response when it may not call the route.
  Result<Principal> Authorize(const HttpRequest& req, Access access) const;

  std::string data_dir_;
  ServerConfig config_;
  std::unique_ptr<AuthStore> auth_;
  TenantDbs tenants_;
  Metrics metrics_;
  Router router_;
  std::vector<RouteEntry> routes_;
  const HttpServer* http_server_ = nullptr;
  std::atomic<uint64_t> next_operation_id_{0};
  std::atomic<bool> ready_{true};
  rag::LlmConfig llm_;
  cluster::Node* cluster_ = nullptr;
  UploadLog uploads_;
};

// Route registration, one function per file.
void RegisterServiceRoutes(App& app);       // qdrant/collections.cc: /, /healthz, /readyz
void RegisterCollectionRoutes(App& app);    // qdrant/collections.cc
void RegisterAliasRoutes(App& app);         // qdrant/aliases.cc
void RegisterPointRoutes(App& app);         // qdrant/points.cc
void RegisterQueryRoutes(App& app);         // qdrant/query.cc
void RegisterExploreRoutes(App& app);       // qdrant/explore.cc: recommend, discover, facet, matrix
void RegisterSnapshotRoutes(App& app);      // snapshots.cc
void RegisterFullSnapshotRoutes(App& app);  // full_snapshots.cc: /snapshots
void RegisterAdminRoutes(App& app);         // admin_api.cc: /ragdb/tenants, /metrics
void RegisterOpenAiRoutes(App& app);        // openai_api.cc: /v1/embeddings, /v1/models
void RegisterKbRoutes(App& app);            // kb_api.cc: /ragdb/kb
void RegisterChatRoutes(App& app);          // chat_api.cc: /v1/chat/completions
void RegisterCompletionRoutes(App& app);    // completions_api.cc: /v1/completions
void RegisterMcpRoutes(App& app);           // mcp_http.cc: /mcp
void RegisterClusterRoutes(App& app);       // cluster_api.cc: /cluster, shard calls between nodes
void RegisterKbBrowseRoutes(App& app);      // kb_browse_api.cc: documents, chunks, uploads
void RegisterConsoleRoutes(App& app);       // console.cc: the web console at /console
// ragdb_collections.cc: /ragdb/collections (ragdb schemas, describe, drop, optimize)
void RegisterRagdbCollectionRoutes(App& app);

// A tenant's prefix of cluster-wide collection names: "" for the default tenant, "T/" for T.
std::string ClusterPrefix(const std::string& tenant);
// Cluster mode keeps the tenants and API-made keys in one etcd key that every node shares
// (cluster_api.cc): the document, and the watch that reloads `auth` when another node changes it.
std::unique_ptr<AuthDocument> ClusterAuthDocument(cluster::Node* node);
void WatchClusterAuth(cluster::Node* node, AuthStore* auth);

// Seconds since `start`, for the envelope's "time".
double SecondsSince(std::chrono::steady_clock::time_point start);

}  // namespace ragdb::server
