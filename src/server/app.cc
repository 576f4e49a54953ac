#include "server/app.h"

#include <cstdio>

#include "base/json_text.h"
#include "base/log.h"
#include "cluster/node.h"
#include "server/status_http.h"

namespace ragdb::server {

namespace {

using Clock = std::chrono::steady_clock;

std::string_view BearerToken(std::string_view auth) {
  if (auth.size() > 7) {
    std::string prefix(auth.substr(0, 7));
    for (char& c : prefix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (prefix == "bearer ") {
      auth.remove_prefix(7);
      while (!auth.empty() && auth.front() == ' ') auth.remove_prefix(1);
      return auth;
    }
  }
  return {};
}

}  // namespace

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Result<Json> Ctx::Body() const {
  if (req.body.empty()) return Json::object();
  // ReadJson also refuses nesting deeper than 128 levels, which would exhaust the stack in the
  // recursive code that later walks the value (dump, filter parsing).
  auto j = ReadJson(req.body);
  if (!j.ok()) return Status::InvalidArgument("Format error in JSON body: " + j.status().message());
  if (!j->is_object()) {
    return Status::InvalidArgument("Format error in JSON body: expected an object, got " +
                                   std::string(j->type_name()));
  }
  return std::move(j).value();
}

Result<Database*> Ctx::Db() {
  if (!lease_) {
    RAGDB_ASSIGN_OR_RETURN(auto l, app.tenants().Acquire(principal.tenant));
    lease_.emplace(std::move(l));
  }
  return lease_->db();
}

std::string ClusterPrefix(const std::string& tenant) {
  return tenant == kDefaultTenant ? "" : tenant + "/";
}

Result<std::shared_ptr<Collection>> Ctx::GetCollection(const std::string& name) {
  // Qdrant's read consistency; one node is its every shard's owner, so it only checks the value.
  RAGDB_ASSIGN_OR_RETURN(auto consistency, cluster::ParseReadConsistency(req.Query("consistency")));
  RAGDB_ASSIGN_OR_RETURN(Database * db, Db());
  auto c = db->GetCollection(name);
  if (!c.ok() && c.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("Collection `" + name + "` doesn't exist!");
  }
  if (!c.ok() || app.cluster() == nullptr) return c;
  return cluster::WithReadConsistency(std::move(c).value(), consistency);
}

void Ctx::LockForWrite(const std::string& collection) {
  auto gate = app.tenants().WriteGate(principal.tenant, collection);
  write_locks_.emplace_back(*gate);
  gates_.push_back(std::move(gate));
}

Result<std::shared_ptr<rag::KbCatalog>> Ctx::Kbs() {
  RAGDB_RETURN_IF_ERROR(Db().status());
  return lease_->kbs();
}

std::shared_ptr<void> Ctx::KeepForStream() {
  struct Kept {
    // Members go in reverse order: write locks first, then the lease.
    std::optional<TenantDbs::Lease> lease;
    std::vector<std::shared_ptr<std::shared_mutex>> gates;
    std::vector<std::shared_lock<std::shared_mutex>> write_locks;
  };
  auto kept = std::make_shared<Kept>();
  kept->lease = std::move(lease_);
  lease_.reset();
  kept->write_locks = std::move(write_locks_);
  kept->gates = std::move(gates_);
  return kept;
}

App::App(std::string data_dir, ServerConfig config, std::unique_ptr<AuthStore> auth,
         DatabaseOptions db_options)
    : data_dir_(std::move(data_dir)),
      config_(std::move(config)),
      auth_(std::move(auth)),
      tenants_(data_dir_, db_options) {
  RegisterServiceRoutes(*this);
  RegisterAliasRoutes(*this);  // before {collection_name} routes: "aliases" is not a name
  RegisterCollectionRoutes(*this);
  RegisterPointRoutes(*this);
  RegisterQueryRoutes(*this);
  RegisterExploreRoutes(*this);
  RegisterSnapshotRoutes(*this);
  RegisterFullSnapshotRoutes(*this);
  RegisterAdminRoutes(*this);
  RegisterOpenAiRoutes(*this);
  RegisterKbRoutes(*this);
  RegisterChatRoutes(*this);
  RegisterCompletionRoutes(*this);
  RegisterMcpRoutes(*this);
  RegisterClusterRoutes(*this);
  RegisterKbBrowseRoutes(*this);
  RegisterConsoleRoutes(*this);
  RegisterRagdbCollectionRoutes(*this);
}

App::~App() { tenants_.CloseAll(); }

void App::Route(std::string method, std::string pattern, Access access, Handler h, Runs runs) {
  int id = router_.Add(std::move(method), std::move(pattern));
  if (static_cast<size_t>(id) >= routes_.size()) routes_.resize(id + 1);
  routes_[id] = {access, std::move(h), runs};
}

bool App::RunsInline(const HttpRequest& req) const {
  RouteMatch m = router_.Match(req.method, req.path);
  if (m.kind != RouteMatch::Kind::kFound) return true;
  const RouteEntry& e = routes_[m.route];
  if (e.runs == Runs::kOnWorker) return false;
  if (cluster_ == nullptr || e.runs == Runs::kInlineAlways) return true;
  // Cluster mode: inline only a read of a collection whose every shard this node holds.
  const std::string& name = m.Param("collection_name");
  if (name.empty()) return false;
  auto principal = Authorize(req, e.access);
  auto consistency = cluster::ParseReadConsistency(req.Query("consistency"));
  if (!principal.ok() || !consistency.ok()) return true;  // answered at once with the error
  return cluster_->ReadsLocally(ClusterPrefix(principal->tenant) + name, *consistency);
}

Result<Principal> App::Authorize(const HttpRequest& req, Access access) const {
  if (access == Access::kPublic) return Principal{};
  std::string_view key = req.Header("api-key");
  if (key.empty()) key = BearerToken(req.Header("authorization"));
  RAGDB_ASSIGN_OR_RETURN(Principal principal, auth_->Authenticate(key));
  if (access == Access::kWrite && principal.role == Role::kReadOnly) {
    return Status::PermissionDenied("this API key is read-only");
  }
  if (access == Access::kAdmin && principal.role != Role::kAdmin) {
    return Status::PermissionDenied("this endpoint needs an admin API key");
  }
  // An admin may act inside another tenant by naming it.
  std::string_view as = req.Header("ragdb-tenant");
  if (!as.empty()) {
    if (principal.role != Role::kAdmin) {
      return Status::PermissionDenied("only admin keys may use the ragdb-tenant header");
    }
    if (!auth_->TenantExists(std::string(as))) {
      return Status::NotFound("tenant '" + std::string(as) + "' does not exist");
    }
    principal.tenant = std::string(as);
  }
  return principal;
}

HttpResponse App::Handle(const HttpRequest& req) {
  auto start = Clock::now();
  std::string route = "unmatched", tenant = "-";
  HttpResponse r;
  try {
    r = Dispatch(req, &route, &tenant);
  } catch (const std::exception& e) {
    r = ErrorResponse(500, std::string("internal error: ") + e.what(), SecondsSince(start));
  } catch (...) {
    r = ErrorResponse(500, "internal error", SecondsSince(start));
  }
  double secs = SecondsSince(start);
  metrics_.Observe(req.method, route, r.status, secs);
  if (config_.http.access_log && log::Enabled(log::Level::kInfo)) {
    std::string path = req.path.size() > 300 ? req.path.substr(0, 300) + "..." : req.path;
    log::Info("http.request", req.method + " " + path + " " + std::to_string(r.status),
              {{"method", req.method},
               {"path", path},
               {"status", r.status},
               {"ms", secs * 1000},
               {"tenant", tenant},
               {"remote", req.remote}});
  }
  return r;
}

HttpResponse App::Dispatch(const HttpRequest& req, std::string* route_label, std::string* tenant) {
  auto start = Clock::now();
  RouteMatch m = router_.Match(req.method, req.path);
  switch (m.kind) {
    case RouteMatch::Kind::kNotFound:
      return ErrorResponse(404, "Not found: no endpoint " + req.method + " " + req.path);
    case RouteMatch::Kind::kMethodNotAllowed:
      return ErrorResponse(405, "method " + req.method + " is not allowed on " + req.path);
    case RouteMatch::Kind::kBadPath:
      return ErrorResponse(400, "malformed percent-encoding in path");
    case RouteMatch::Kind::kFound:
      break;
  }
  *route_label = router_.pattern(m.route);
  const RouteEntry& entry = routes_[m.route];

  auto authorized = Authorize(req, entry.access);
  if (!authorized.ok()) {
    return ErrorResponse(HttpStatusFor(authorized.status().code()), authorized.status().message(),
                         SecondsSince(start));
  }
  Principal principal = std::move(authorized).value();
  *tenant = principal.tenant;

  Ctx ctx{*this, req, m, principal};
  Result<Json> result = entry.handler(ctx);
  if (!result.ok()) {
    HttpResponse r = ErrorResponse(HttpStatusFor(result.status().code()), result.status().message(),
                                   SecondsSince(start));
    // Overload and moving shards are worth another try (cluster mode's backpressure).
    if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (ctx.raw) return std::move(*ctx.raw);
  HttpResponse r;
  r.status = ctx.success_status;
  for (const std::string& w : ctx.warnings) {
    log::Warn("qdrant.ignored_field", w, {{"route", *route_label}, {"tenant", *tenant}});
    std::string quoted;  // quoted-string of RFC 9110: backslash before '"' and '\'
    for (char c : w) {
      if (c == '"' || c == '\\') quoted.push_back('\\');
      quoted.push_back(c);
    }
    r.headers.emplace_back("Warning", "299 ragdb \"" + quoted + "\"");
  }
  if (ctx.result_text) {
    r.body.reserve(ctx.result_text->size() + 48);
    r.body += "{\"result\":";
    r.body += *ctx.result_text;
    r.body += ",\"status\":\"ok\",\"time\":";
    AppendJsonNumber(SecondsSince(start), &r.body);
    r.body += '}';
    return r;
  }
  Json env = {
      {"result", std::move(result).value()}, {"status", "ok"}, {"time", SecondsSince(start)}};
  r.body = WriteJson(env);
  return r;
}

}  // namespace ragdb::server
