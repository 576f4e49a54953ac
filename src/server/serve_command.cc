#include "server/serve_command.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "base/file.h"
#include "base/log.h"
#include "cluster/node.h"
#include "model/local_llm.h"
#include "server/app.h"
#include "server/http_server.h"

namespace ragdb::server {
namespace {

const char* kUsage =
    "usage: ragdb --data DIR serve [--host 127.0.0.1] [--port 6333] [--config FILE]\n"
    "                              [--admin-key KEY] [--llm-config FILE] [--llm local:NAME]\n"
    "                              [--check]\n"
    "  RAGDB_ADMIN_KEY in the environment works like --admin-key.\n"
    "  Knowledge-base answers (/ragdb/kb/*/ask, /v1/chat/completions, /mcp) use the\n"
    "  OpenAI-compatible LLM of --llm-config (default DIR/llm.json) or RAGDB_LLM_BASE_URL /\n"
    "  RAGDB_LLM_MODEL / RAGDB_LLM_API_KEY, or the [llm] section of --config; --llm local:NAME\n"
    "  (or [llm] model = \"local:NAME\") answers with a local model. Without one they are\n"
    "  extractive. /v1/chat/completions and /v1/completions also serve installed local models\n"
    "  by name.\n"
    "  Without any API key the server runs in local single-user mode, on loopback only.\n"
    "  --check checks the settings, prints them and exits.\n"
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

// One line on stderr, as every command's errors are; usage errors point at the help.
int Fail(const Status& s, int code) {
  fprintf(stderr, "ragdb: %s%s\n", s.message().c_str(),
          code == 2 && s.message().find("`ragdb ") == std::string::npos
              ? " (see `ragdb serve --help`)"
              : "");
  return code;
}

// The settings `serve --check` prints: what the server would run with.
std::string DescribeConfig(const ServerConfig& c, const std::string& data_dir) {
  const auto& h = c.http;
  std::string keys;
  for (const auto& k : c.api_keys) {
    keys += (keys.empty() ? "" : ", ") + std::string("{tenant: ") + k.tenant +
            ", role: " + std::string(RoleName(k.role)) + "}";
  }
  char buf[1024];
  snprintf(buf, sizeof(buf),
           "data = %s\nhost = %s\nport = %u\nio_threads = %zu\nworker_threads = %zu\n"
           "max_body_bytes = %zu\nmax_header_bytes = %zu\nmax_concurrent_requests = %zu\n"
           "header_timeout_ms = %lld\nbody_timeout_ms = %lld\nidle_timeout_ms = %lld\n"
           "access_log = %s\ntls = %s\nadmin_key = %s\napi_keys = [%s]\n",
           data_dir.c_str(), h.host.c_str(), h.port, static_cast<size_t>(h.io_threads),
           static_cast<size_t>(h.worker_threads), static_cast<size_t>(h.max_body_bytes),
           static_cast<size_t>(h.max_header_bytes), static_cast<size_t>(h.max_concurrent_requests),
           static_cast<long long>(h.header_timeout.count()),
           static_cast<long long>(h.body_timeout.count()),
           static_cast<long long>(h.idle_timeout.count()), h.access_log ? "true" : "false",
           h.tls_cert_file.empty() ? "off" : (h.tls_cert_file + " + " + h.tls_key_file).c_str(),
           c.admin_key.empty() ? "(none)" : "(set)", keys.c_str());
  std::string out = buf;
  const ClusterSettings& cl = c.cluster;
  if (cl.enabled) {
    std::string etcd;
    for (const auto& e : cl.etcd) etcd += (etcd.empty() ? "" : ",") + e;
    out += "cluster = {node_id: " + cl.node_id + ", advertise: " + cl.advertise +
           ", etcd: " + etcd + ", object_store: " + cl.object_store +
           ", lease_ttl_seconds: " + std::to_string(cl.lease_ttl_seconds) + "}\n";
  } else {
    out += "cluster = off\n";
  }
  return out;
}

}  // namespace

int RunServeCommand(const std::string& data_dir_arg, const std::vector<std::string>& args) {
  ServerConfig config;
  std::string data_dir = data_dir_arg;
  std::string config_file, host, admin_key, llm_config;
  std::string llm_model;
  int port = -1;
  // Cluster flags; set ones override the config file's [cluster].
  bool cluster_flag = false, check = false;
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
    if (a == "--check") {
      check = true;
      continue;
    }
    if (a == "--etcd" && value(&etcd)) continue;
    if (a == "--object-store" && value(&object_store)) continue;
    if (a == "--node-id" && value(&node_id)) continue;
    if (a == "--advertise" && value(&advertise)) continue;
    if (a == "--lease-ttl" && value(&lease_ttl)) continue;
    if (a == "--llm" && value(&llm_model)) continue;
    if (a == "--cluster-ca-file" && value(&ca_file)) continue;
    if (a == "--cluster-cert-file" && value(&cert_file)) continue;
    if (a == "--cluster-key-file" && value(&key_file)) continue;
    if (a == "--port" && value(&v)) {
      char* end = nullptr;
      long p = strtol(v.c_str(), &end, 10);
      if (v.empty() || *end || p < 0 || p > 65535) {
        return Fail(Status::InvalidArgument("--port expects 0..65535, got '" + v + "'"), 2);
      }
      port = static_cast<int>(p);
      continue;
    }
    if (a == "--help" || a == "-h") {  // main answers --help; this serves the test stand-in
      fputs(kUsage, stdout);
      return 0;
    }
    const bool takes_value =
        a == "--host" || a == "--config" || a == "--admin-key" || a == "--llm-config" ||
        a == "--data" || a == "--etcd" || a == "--object-store" || a == "--node-id" ||
        a == "--advertise" || a == "--lease-ttl" || a == "--port" || a == "--llm" ||
        a == "--cluster-ca-file" || a == "--cluster-cert-file" || a == "--cluster-key-file";
    return Fail(Status::InvalidArgument(takes_value ? a + " needs a value" : "unknown option " + a),
                2);
  }
  if (!config_file.empty()) {
    Status s = LoadConfigFile(config_file, &config);
    if (!s.ok()) return Fail(s, 2);
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
      return Fail(
          Status::InvalidArgument("--lease-ttl must be 1..3600 seconds, got '" + lease_ttl + "'"),
          2);
    }
    cl.lease_ttl_seconds = static_cast<int>(ttl);
  }
  if (cl.enabled &&
      (cl.etcd.empty() || cl.object_store.empty() || cl.node_id.empty() || cl.advertise.empty())) {
    return Fail(Status::InvalidArgument(
                    "--cluster needs --etcd, --object-store, --node-id and --advertise"),
                2);
  }
  if (!cl.enabled && (!etcd.empty() || !object_store.empty() || !node_id.empty() ||
                      !advertise.empty() || !lease_ttl.empty())) {
    // Cluster settings without cluster mode would be ignored.
    return Fail(Status::InvalidArgument("--etcd, --object-store, --node-id, --advertise and "
                                        "--lease-ttl apply to --cluster"),
                2);
  }
  if (!host.empty()) config.http.host = host;
  if (port >= 0) config.http.port = static_cast<uint16_t>(port);
  if (const char* env = getenv("RAGDB_ADMIN_KEY"); env && *env && admin_key.empty()) {
    admin_key = env;
  }
  if (!admin_key.empty()) config.admin_key = admin_key;
  for (const std::string* f : {&config.http.tls_cert_file, &config.http.tls_key_file}) {
    if (!f->empty() && !FileExists(*f)) {
      return Fail(Status::NotFound("TLS file " + *f + " does not exist"), 2);
    }
  }
  auto llm = rag::LlmConfig::FromEnvAndFile(llm_config);
  if (!llm.ok()) return Fail(llm.status(), 2);
  if (config.llm.present) {
    // The config file's [llm] section: a whole LLM setting of its own.
    const LlmSection& l = config.llm;
    *llm = rag::LlmConfig();
    llm->model = l.model;
    llm->base_url = l.base_url;
    llm->api_key = l.api_key;
    if (l.timeout_ms > 0) llm->timeout_ms = static_cast<int>(l.timeout_ms);
    if (l.temperature >= 0) llm->temperature = l.temperature;
    if (l.max_tokens > 0) llm->max_tokens = static_cast<size_t>(l.max_tokens);
  }
  if (!llm_model.empty()) llm->model = llm_model;
  if (!llm->model.empty() && !llm->enabled()) {
    return Fail(Status::InvalidArgument("LLM model '" + llm->model +
                                        "' needs a base_url, or use local:NAME"),
                2);
  }
  if (check) {
    fputs(DescribeConfig(config, data_dir).c_str(), stdout);
    return 0;
  }

  Status s = CreateDirs(data_dir);
  if (!s.ok()) return Fail(s, 1);
  RaiseFdLimit();

  // Block the signals in every thread; this one waits for them with sigwait below.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (llm->local()) {
    // Load it now: a missing or broken model fails the start, not the first question.
    std::string name;
    model::ParseLocalModel(llm->model, &name);
    auto m = model::LoadLanguageModel(name);
    if (!m.ok()) return Fail(m.status(), 2);
    log::Info("serve.llm", "local LLM " + name + ": " + (*m)->decoder->Describe(),
              {{"model", name}});
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
    if (!started.ok()) return Fail(started.status().WithContext("cluster"), 1);
    node = std::move(started).value();
  }
  // In cluster mode the tenants and API-made keys live in etcd, shared by every node.
  auto auth = AuthStore::Open(data_dir, config, node ? ClusterAuthDocument(node.get()) : nullptr);
  if (!auth.ok()) return Fail(auth.status(), 1);
  bool auth_on = (*auth)->enabled();
  if (!auth_on && !IsLoopback(config.http.host)) {
    return Fail(
        Status::InvalidArgument("refusing to listen on " + config.http.host +
                                " without authentication; configure an API key (--admin-key, "
                                "RAGDB_ADMIN_KEY or [[api_keys]] in --config) or use 127.0.0.1"),
        2);
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
    if (!lease.ok()) return Fail(lease.status(), 1);
  }
  App* raw = app.get();
  auto server = HttpServer::Start(
      config.http, [raw](const HttpRequest& r) { return raw->Handle(r); },
      [raw](const HttpRequest& r) { return raw->RunsInline(r); });
  if (!server.ok()) return Fail(server.status(), 1);
  app->set_http_server(server->get());
  const std::string url = std::string((*server)->tls() ? "https" : "http") + "://" +
                          config.http.host + ":" + std::to_string((*server)->port());
  log::Info("serve.listening", "listening on " + url + ", data " + data_dir,
            {{"url", url}, {"data", data_dir}});
  if (node) {
    log::Info("serve.cluster",
              "cluster node " + cl.node_id + " (advertised as " + cl.advertise + "), lease TTL " +
                  std::to_string(cl.lease_ttl_seconds) + " s",
              {{"node_id", cl.node_id}, {"advertise", cl.advertise}});
  }
  if (llm->local()) {
    log::Info("serve.llm", "knowledge-base answers by local LLM " + llm->model,
              {{"model", llm->model}});
  } else if (llm->enabled()) {
    log::Info("serve.llm", "knowledge-base answers by LLM " + llm->model + " at " + llm->base_url,
              {{"model", llm->model}, {"base_url", llm->base_url}});
  } else {
    log::Info("serve.llm", "no LLM configured: knowledge-base answers are extractive");
  }
  if (!auth_on) {
    log::Info("serve.auth",
              "no API key configured: local single-user mode (loopback only, no authentication)");
  } else {
    log::Info("serve.auth", "API key authentication is on");
  }

  int sig = 0;
  sigwait(&set, &sig);
  log::Info("serve.stopping",
            std::string(sig == SIGTERM ? "SIGTERM" : "SIGINT") + " received, draining requests");
  app->set_ready(false);
  (*server)->Shutdown(std::chrono::seconds(30));
  // The node first: its reconcile thread calls into the app's key store until it stops.
  if (node) node->Stop();  // snapshots of owned shards, then the leases are released
  app.reset();             // closes every database (each fsyncs what it holds)
  node.reset();
  log::Info("serve.stopped", "stopped");
  return 0;
}

}  // namespace ragdb::server
