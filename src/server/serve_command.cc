#include "server/serve_command.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "base/file.h"
#include "cluster/node.h"
#include "server/app.h"
#include "server/http_server.h"

namespace ragdb::server {
namespace {

const char* kUsage =
    "usage: ragdb --data DIR serve [--host 127.0.0.1] [--port 6333] [--config FILE]\n"
    "                              [--admin-key KEY] [--llm-config FILE]\n"
    "  RAGDB_ADMIN_KEY in the environment works like --admin-key.\n"
    "  Knowledge-base answers (/ragdb/kb/*/ask, /v1/chat/completions, /mcp) use the\n"
    "  OpenAI-compatible LLM of --llm-config (default DIR/llm.json) or RAGDB_LLM_BASE_URL /\n"
    "  RAGDB_LLM_MODEL / RAGDB_LLM_API_KEY; without one they are extractive.\n"
    "  Without any API key the server runs in local single-user mode, on loopback only.\n"
    "cluster mode (docs/cluster.md):\n"
    "  ragdb serve --cluster --etcd URL[,URL..] --object-store URL --node-id NAME\n"
    "              --advertise http://HOST:PORT --port P --data CACHE_DIR [--lease-ttl 10]\n"
    "              [--cluster-ca-file PEM] [--cluster-cert-file PEM --cluster-key-file PEM]\n"
    "  object store URLs: file:///path, s3://BUCKET/PREFIX?endpoint=http[s]://HOST:PORT&region=R\n"
    "  (keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY); also [cluster] in --config.\n"
    "  https:// etcd, S3 and node URLs are verified against --cluster-ca-file (default: the\n"
    "  system's CAs); the client certificate is for etcd's --client-cert-auth.\n";

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    std::string part = s.substr(start, comma == std::string::npos ? comma : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// 1000+ concurrent connections need more descriptors than the usual soft limit of 1024.
void RaiseFdLimit() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

int RunServeCommand(const std::string& data_dir_arg, const std::vector<std::string>& args) {
  ServerConfig config;
  std::string data_dir = data_dir_arg;
  std::string config_file, host, admin_key, llm_config;
  int port = -1;
  // Cluster flags; set ones override the config file's [cluster].
  bool cluster_flag = false;
  std::string etcd, object_store, node_id, advertise, lease_ttl, ca_file, cert_file, key_file;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--host" && value(&host)) continue;
    if (a == "--config" && value(&config_file)) continue;
    if (a == "--admin-key" && value(&admin_key)) continue;
    if (a == "--llm-config" && value(&llm_config)) continue;
    if (a == "--data" && value(&data_dir)) continue;
    if (a == "--cluster") {
      cluster_flag = true;
      continue;
    }
    if (a == "--etcd" && value(&etcd)) continue;
    if (a == "--object-store" && value(&object_store)) continue;
    if (a == "--node-id" && value(&node_id)) continue;
    if (a == "--advertise" && value(&advertise)) continue;
    if (a == "--lease-ttl" && value(&lease_ttl)) continue;
    if (a == "--cluster-ca-file" && value(&ca_file)) continue;
    if (a == "--cluster-cert-file" && value(&cert_file)) continue;
    if (a == "--cluster-key-file" && value(&key_file)) continue;
    if (a == "--port" && value(&v)) {
      char* end = nullptr;
      long p = strtol(v.c_str(), &end, 10);
      if (*end || p < 0 || p > 65535) {
        fprintf(stderr, "ragdb serve: bad port '%s'\n%s", v.c_str(), kUsage);
        return 2;
      }
      port = static_cast<int>(p);
      continue;
    }
    if (a == "--help" || a == "-h") {
      fputs(kUsage, stdout);
      return 0;
    }
    fprintf(stderr, "ragdb serve: unknown or incomplete argument '%s'\n%s", a.c_str(), kUsage);
    return 2;
  }
  if (!config_file.empty()) {
    Status s = LoadConfigFile(config_file, &config);
    if (!s.ok()) {
      fprintf(stderr, "ragdb serve: %s\n", s.ToString().c_str());
      return 2;
    }
  }
  if (llm_config.empty()) llm_config = JoinPath(data_dir, "llm.json");
  ClusterSettings& cl = config.cluster;
  cl.enabled |= cluster_flag;
  if (!etcd.empty()) cl.etcd = SplitCommas(etcd);
  if (!object_store.empty()) cl.object_store = object_store;
  if (!node_id.empty()) cl.node_id = node_id;
  if (!advertise.empty()) cl.advertise = advertise;
  if (!ca_file.empty()) cl.ca_file = ca_file;
  if (!cert_file.empty()) cl.client_cert_file = cert_file;
  if (!key_file.empty()) cl.client_key_file = key_file;
  if (!lease_ttl.empty()) {
    char* end = nullptr;
    long ttl = strtol(lease_ttl.c_str(), &end, 10);
    if (*end || ttl < 1 || ttl > 3600) {
      fprintf(stderr, "ragdb serve: --lease-ttl must be 1..3600 seconds, got '%s'\n",
              lease_ttl.c_str());
      return 2;
    }
    cl.lease_ttl_seconds = static_cast<int>(ttl);
  }
  if (cl.enabled &&
      (cl.etcd.empty() || cl.object_store.empty() || cl.node_id.empty() || cl.advertise.empty())) {
    fprintf(stderr,
            "ragdb serve: --cluster needs --etcd, --object-store, --node-id and --advertise\n%s",
            kUsage);
    return 2;
  }
  if (!host.empty()) config.http.host = host;
  if (port >= 0) config.http.port = static_cast<uint16_t>(port);
  if (const char* env = getenv("RAGDB_ADMIN_KEY"); env && *env && admin_key.empty()) {
    admin_key = env;
  }
  if (!admin_key.empty()) config.admin_key = admin_key;

  Status s = CreateDirs(data_dir);
  if (!s.ok()) {
    fprintf(stderr, "ragdb serve: %s\n", s.ToString().c_str());
    return 1;
  }
  RaiseFdLimit();

  // Block the signals in every thread; this one waits for them with sigwait below.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto llm = rag::LlmConfig::FromEnvAndFile(llm_config);
  if (!llm.ok()) {
    fprintf(stderr, "ragdb serve: %s\n", llm.status().ToString().c_str());
    return 2;
  }
  std::unique_ptr<cluster::Node> node;
  if (cl.enabled) {
    cluster::NodeOptions o;
    o.etcd = cl.etcd;
    o.object_store = cl.object_store;
    o.node_id = cl.node_id;
    o.advertise = cl.advertise;
    o.cache_dir = data_dir;
    o.lease_ttl_seconds = cl.lease_ttl_seconds;
    o.snapshot_rows = cl.snapshot_rows;
    o.seal_threshold_rows = cl.seal_threshold_rows;
    o.api_key = config.admin_key;
    o.tls = {cl.ca_file, cl.client_cert_file, cl.client_key_file};
    // At most half the workers may wait on other nodes: the rest serve everything else.
    o.max_forwarded_writes = std::min<uint64_t>(
        cl.max_forwarded_writes, std::max<size_t>(1, config.http.worker_threads / 2));
    auto started = cluster::Node::Start(std::move(o));
    if (!started.ok()) {
      fprintf(stderr, "ragdb serve: cluster: %s\n", started.status().ToString().c_str());
      return 1;
    }
    node = std::move(started).value();
  }
  // In cluster mode the tenants and API-made keys live in etcd, shared by every node.
  auto auth = AuthStore::Open(data_dir, config, node ? ClusterAuthDocument(node.get()) : nullptr);
  if (!auth.ok()) {
    fprintf(stderr, "ragdb serve: %s\n", auth.status().ToString().c_str());
    return 1;
  }
  bool auth_on = (*auth)->enabled();
  if (!auth_on && !IsLoopback(config.http.host)) {
    fprintf(stderr,
            "ragdb serve: refusing to listen on %s without authentication; configure an API "
            "key (--admin-key, RAGDB_ADMIN_KEY or [[api_keys]] in --config) or use 127.0.0.1\n",
            config.http.host.c_str());
    return 2;
  }
  AuthStore* auth_store = auth->get();
  auto app = std::make_unique<App>(data_dir, config, std::move(auth).value());
  app->set_llm(*llm);
  if (node) {
    cluster::Node* n = node.get();
    app->set_cluster(n);
    WatchClusterAuth(n, auth_store);
    // Every tenant is served: its collections are the cluster's under its prefix.
    app->tenants().set_opener(
        [n](const std::string& tenant, const std::string&) -> Result<std::unique_ptr<Database>> {
          return n->OpenDatabase(ClusterPrefix(tenant));
        });
  }
  // Open the default tenant now so that a damaged database fails the start, not a request.
  {
    auto lease = app->tenants().Acquire(kDefaultTenant);
    if (!lease.ok()) {
      fprintf(stderr, "ragdb serve: %s\n", lease.status().ToString().c_str());
      return 1;
    }
  }
  App* raw = app.get();
  auto server = HttpServer::Start(
      config.http, [raw](const HttpRequest& r) { return raw->Handle(r); },
      [raw](const HttpRequest& r) { return raw->RunsInline(r); });
  if (!server.ok()) {
    fprintf(stderr, "ragdb serve: %s\n", server.status().ToString().c_str());
    return 1;
  }
  app->set_http_server(server->get());
  fprintf(stderr, "ragdb serve: listening on %s://%s:%u, data %s\n",
          (*server)->tls() ? "https" : "http", config.http.host.c_str(), (*server)->port(),
          data_dir.c_str());
  if (node) {
    fprintf(stderr, "ragdb serve: cluster node %s (advertised as %s), lease TTL %d s\n",
            cl.node_id.c_str(), cl.advertise.c_str(), cl.lease_ttl_seconds);
  }
  if (llm->enabled()) {
    fprintf(stderr, "ragdb serve: knowledge-base answers by LLM %s at %s\n", llm->model.c_str(),
            llm->base_url.c_str());
  } else {
    fprintf(stderr, "ragdb serve: no LLM configured: knowledge-base answers are extractive\n");
  }
  if (!auth_on) {
    fprintf(stderr,
            "ragdb serve: no API key configured: local single-user mode (loopback only, no "
            "authentication)\n");
  } else {
    fprintf(stderr, "ragdb serve: API key authentication is on\n");
  }
  fflush(stderr);

  int sig = 0;
  sigwait(&set, &sig);
  fprintf(stderr, "ragdb serve: %s received, draining requests\n",
          sig == SIGTERM ? "SIGTERM" : "SIGINT");
  app->set_ready(false);
  (*server)->Shutdown(std::chrono::seconds(30));
  // The node first: its reconcile thread calls into the app's key store until it stops.
  if (node) node->Stop();  // snapshots of owned shards, then the leases are released
  app.reset();             // closes every database (each fsyncs what it holds)
  node.reset();
  fprintf(stderr, "ragdb serve: stopped\n");
  return 0;
}

}  // namespace ragdb::server
