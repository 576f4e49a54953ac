// Collection snapshots: a ustar archive of the collection's folder, taken while the collection's
// write gate is held exclusively (see tenants.h), so it is one consistent state. Stored at
// <tenant>/snapshots/<collection>/<name>.snapshot with a <name>.snapshot.checksum (SHA-256).
//
// Recovery validates the archive by opening it as a database in a scratch folder first, then
// closes the tenant's database, swaps the collection folder in, and lets it reopen.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "base/file.h"
#include "model/http_get.h"
#include "server/app.h"
#include "server/auth.h"
#include "server/multipart.h"
#include "server/qdrant/fields.h"
#include "server/snapshot_util.h"
#include "server/tar.h"

namespace ragdb::server {
namespace {

constexpr const char* kSuffix = ".snapshot";

}  // namespace

// Snapshot names are ours: [A-Za-z0-9_.-], ending in .snapshot, no "..".
Status ValidateSnapshotName(const std::string& name) {
  bool ok = name.size() > strlen(kSuffix) && name.size() <= 255 &&
            name.compare(name.size() - strlen(kSuffix), std::string::npos, kSuffix) == 0 &&
            name.find("..") == std::string::npos && name[0] != '.';
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      ok = false;
    }
  }
  if (!ok) return Status::InvalidArgument("invalid snapshot name '" + name + "'");
  return Status::Ok();
}

namespace {

std::string SnapshotDir(Ctx& ctx, const std::string& collection) {
  return JoinPath(JoinPath(ctx.app.tenants().TenantPath(ctx.principal.tenant), "snapshots"),
                  collection);
}

std::string IsoTime(time_t t) {
  char buf[32];
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

}  // namespace

Result<Json> DescribeSnapshot(const std::string& dir, const std::string& name) {
  std::string path = JoinPath(dir, name);
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Status::NotFound("Snapshot " + name + " not found");
  auto checksum = ReadFile(path + ".checksum");
  return Json{{"name", name},
              {"creation_time", IsoTime(st.st_mtime)},
              {"size", static_cast<uint64_t>(st.st_size)},
              {"checksum", checksum.ok() ? Json(*checksum) : Json()}};
}

Result<Json> ListSnapshotsIn(const std::string& dir) {
  Json out = Json::array();
  if (!FileExists(dir)) return out;
  RAGDB_ASSIGN_OR_RETURN(auto names, ListDir(dir));
  for (const auto& n : names) {
    if (!ValidateSnapshotName(n).ok()) continue;
    if (auto d = DescribeSnapshot(dir, n); d.ok()) out.push_back(*d);
  }
  return out;
}

Result<std::string> SnapshotFileIn(const std::string& dir, const std::string& name) {
  RAGDB_RETURN_IF_ERROR(ValidateSnapshotName(name));
  std::string path = JoinPath(dir, name);
  if (!FileExists(path)) return Status::NotFound("Snapshot " + name + " not found");
  return path;
}

Status RemoveSnapshotFile(const std::string& path) {
  RAGDB_RETURN_IF_ERROR(RemoveFile(path));
  if (FileExists(path + ".checksum")) RAGDB_RETURN_IF_ERROR(RemoveFile(path + ".checksum"));
  return Status::Ok();
}

Result<std::string> NewSnapshotName(const std::string& prefix) {
  RAGDB_ASSIGN_OR_RETURN(std::string rnd, RandomHex(4));
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  char stamp[32];
  strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H-%M-%S", &tm);
  return prefix + "-" + stamp + "-" + rnd + kSuffix;
}

Result<Json> TakeCollectionSnapshot(Ctx& ctx, const std::string& name, const std::string& dir,
                                    const std::string& file) {
  const std::string path = JoinPath(dir, file);
  const std::string src =
      JoinPath(JoinPath(ctx.app.tenants().TenantPath(ctx.principal.tenant), "collections"), name);
  std::string checksum;
  {
    // Exclusive: no write to this collection runs while its files are copied.
    auto gate = ctx.app.tenants().WriteGate(ctx.principal.tenant, name);
    std::unique_lock<std::shared_mutex> lock(*gate);
    RAGDB_ASSIGN_OR_RETURN(checksum, WriteTarOfDir(src, path + ".tmp"));
  }
  RAGDB_RETURN_IF_ERROR(WriteFileAtomic(path + ".checksum", checksum));
  RAGDB_RETURN_IF_ERROR(RenameFile(path + ".tmp", path));
  RAGDB_RETURN_IF_ERROR(SyncDir(dir));
  return DescribeSnapshot(dir, file);
}

namespace {

Result<Json> CreateSnapshot(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  std::string dir = SnapshotDir(ctx, name);
  RAGDB_RETURN_IF_ERROR(CreateDirs(dir));
  RAGDB_ASSIGN_OR_RETURN(std::string file, NewSnapshotName(col->name()));
  return TakeCollectionSnapshot(ctx, col->name(), dir, file);
}

Result<Json> ListSnapshots(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  return ListSnapshotsIn(SnapshotDir(ctx, col->name()));  // the collection's own name, not an alias
}

// The file of the snapshot the path names (collection_name, snapshot_name): names validated
// (no path traversal), NotFound when there is no such snapshot.
Result<std::string> SnapshotPath(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_RETURN_IF_ERROR(ValidateSnapshotName(ctx.Param("snapshot_name")));
  RAGDB_RETURN_IF_ERROR(ValidateCollectionName(name));
  return SnapshotFileIn(SnapshotDir(ctx, name), ctx.Param("snapshot_name"));
}

Result<Json> DownloadSnapshot(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(std::string path, SnapshotPath(ctx));
  RAGDB_RETURN_IF_ERROR(StreamSnapshotFile(ctx, path, ctx.Param("snapshot_name")));
  return Json();
}

Result<Json> DeleteSnapshot(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(std::string path, SnapshotPath(ctx));
  RAGDB_RETURN_IF_ERROR(RemoveSnapshotFile(path));
  return Json(true);
}

}  // namespace

Status StreamSnapshotFile(Ctx& ctx, const std::string& path, const std::string& snap) {
  // Streamed from the file in 1 MiB pieces, so a large snapshot never sits in memory. The file
  // is opened now: a concurrent delete unlinks it but this download still reads it whole.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::NotFound("Snapshot " + snap + " not found");
  auto file = std::shared_ptr<int>(new int(fd), [](int* f) {
    close(*f);
    delete f;
  });
  HttpResponse r;
  r.content_type = "application/octet-stream";
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + snap + "\"");
  r.stream = [file, path](const StreamWriter& write) {
    std::string buf(1 << 20, '\0');
    for (;;) {
      ssize_t n = read(*file, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      // A failed read must not look like the end of the file: throwing makes the transport end
      // the connection without the last chunk, so the client sees a truncated download.
      if (n < 0) throw std::runtime_error("reading snapshot " + path + ": " + strerror(errno));
      if (n == 0 || !write(std::string_view(buf.data(), static_cast<size_t>(n)))) return;
    }
  };
  ctx.raw = std::move(r);
  return Status::Ok();
}

Status RecoverCollection(Ctx& ctx, const std::string& name, const std::string& tar_path,
                         const std::string& expected_checksum) {
  RAGDB_RETURN_IF_ERROR(ValidateCollectionName(name));
  if (!expected_checksum.empty()) {
    RAGDB_ASSIGN_OR_RETURN(std::string sum, Sha256File(tar_path));
    if (sum != expected_checksum) {
      return Status::InvalidArgument("Snapshot checksum mismatch: expected " + expected_checksum +
                                     ", got " + sum);
    }
  }
  TenantDbs& tenants = ctx.app.tenants();
  std::string root = tenants.TenantPath(ctx.principal.tenant);
  RAGDB_RETURN_IF_ERROR(CreateDirs(root));
  RAGDB_ASSIGN_OR_RETURN(std::string rnd, RandomHex(6));
  std::string scratch = JoinPath(root, ".recover-" + rnd);  // not a collection folder
  std::string staged = JoinPath(JoinPath(scratch, "collections"), name);
  auto cleanup = [&] { (void)RemoveAll(scratch); };
  Status s = ExtractTar(tar_path, staged);
  if (s.ok()) {
    // Opening it as a database checks every checksum and replays its WAL before we swap it in.
    auto probe = Database::Open(scratch);
    if (!probe.ok()) {
      s = probe.status().WithContext("snapshot does not open");
    } else if (!(*probe)->GetCollection(name).ok()) {
      s = Status::InvalidArgument("snapshot holds no collection");
    }
  }
  if (!s.ok()) {
    cleanup();
    return s;
  }
  // Every request holds its tenant's lease while it runs, so closing the database here waits for
  // them all and keeps new ones out until the folder is swapped.
  s = tenants.WithClosed(ctx.principal.tenant, [&](const std::string& path) -> Status {
    std::string cols = JoinPath(path, "collections");
    RAGDB_RETURN_IF_ERROR(CreateDirs(cols));
    std::string live = JoinPath(cols, name);
    if (FileExists(live)) {
      // The database removes ".dropped-*" folders when it opens, should we crash here.
      RAGDB_RETURN_IF_ERROR(RenameFile(live, JoinPath(path, ".dropped-" + name + "-" + rnd)));
    }
    RAGDB_RETURN_IF_ERROR(RenameFile(staged, live));
    RAGDB_RETURN_IF_ERROR(SyncDir(cols));
    (void)RemoveAll(JoinPath(path, ".dropped-" + name + "-" + rnd));
    return Status::Ok();
  });
  cleanup();
  return s;
}

Result<SnapshotSource> OpenSnapshotLocation(Ctx& ctx, const Json& body) {
  if (!body.contains("location") || !body["location"].is_string()) {
    return Status::InvalidArgument("missing field `location`");
  }
  const std::string location = body["location"].get<std::string>();
  const std::string tenant_dir = ctx.app.tenants().TenantPath(ctx.principal.tenant);
  SnapshotSource out;
  if (body.contains("checksum") && !body["checksum"].is_null()) {
    if (!body["checksum"].is_string())
      return Status::InvalidArgument("checksum: expected a string");
    out.checksum = body["checksum"].get<std::string>();
  }
  if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) {
    // The server fetches what the URL names: only admin keys may point it at other hosts.
    if (ctx.principal.role != Role::kAdmin) {
      return Status::PermissionDenied("only admin keys may recover from a URL");
    }
    const std::string dir = JoinPath(tenant_dir, "snapshots");
    RAGDB_RETURN_IF_ERROR(CreateDirs(dir));
    RAGDB_ASSIGN_OR_RETURN(std::string rnd, RandomHex(6));
    out.path = JoinPath(dir, ".download-" + rnd);
    out.temporary = true;
    auto got = model::HttpGetToFile(location, out.path);
    if (!got.ok()) {
      (void)RemoveFile(out.path);
      return got.status().WithContext("downloading " + location);
    }
    if (got->status < 200 || got->status > 299) {
      (void)RemoveFile(out.path);
      return Status::InvalidArgument("downloading " + location + ": HTTP " +
                                     std::to_string(got->status));
    }
    return out;
  }
  const std::string prefix = "file://";
  if (location.rfind(prefix, 0) != 0) {
    return Status::InvalidArgument("location must be a file://, http:// or https:// URI");
  }
  std::string path = location.substr(prefix.size());
  if (path.empty() || path[0] != '/') return Status::InvalidArgument("location must be absolute");
  std::error_code ec;
  out.path = std::filesystem::weakly_canonical(path, ec).string();
  const std::string allowed =
      std::filesystem::weakly_canonical(JoinPath(tenant_dir, "snapshots"), ec).string() + "/";
  const std::string allowed_full =
      std::filesystem::weakly_canonical(JoinPath(tenant_dir, "full-snapshots"), ec).string() + "/";
  // A tenant may recover only its own snapshots; an admin may name any file on the server.
  if (ctx.principal.role != Role::kAdmin && out.path.rfind(allowed, 0) != 0 &&
      out.path.rfind(allowed_full, 0) != 0) {
    return Status::PermissionDenied(
        "only admin keys may recover from files outside the tenant's snapshots folders");
  }
  if (!FileExists(out.path)) return Status::NotFound("no snapshot file " + out.path);
  return out;
}

namespace {

Result<Json> RecoverFromLocation(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kRecoverFields, &ctx.warnings));
  RAGDB_ASSIGN_OR_RETURN(SnapshotSource src, OpenSnapshotLocation(ctx, body));
  Status s = RecoverCollection(ctx, name, src.path, src.checksum);
  if (src.temporary) (void)RemoveFile(src.path);
  RAGDB_RETURN_IF_ERROR(s);
  return Json(true);
}

// The part named "snapshot" of a multipart/form-data body (Qdrant's upload form).
Result<std::string_view> SnapshotPart(const HttpRequest& req) {
  RAGDB_ASSIGN_OR_RETURN(auto parts, ParseMultipart(req.Header("content-type"), req.body));
  for (const auto& p : parts) {
    if (p.name == "snapshot") return p.data;
  }
  return Status::InvalidArgument("multipart body has no `snapshot` part");
}

Result<Json> RecoverFromUpload(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_RETURN_IF_ERROR(ValidateCollectionName(name));
  RAGDB_ASSIGN_OR_RETURN(std::string_view data, SnapshotPart(ctx.req));
  std::string dir = JoinPath(ctx.app.tenants().TenantPath(ctx.principal.tenant), "snapshots");
  RAGDB_RETURN_IF_ERROR(CreateDirs(dir));
  RAGDB_ASSIGN_OR_RETURN(std::string rnd, RandomHex(6));
  std::string tmp = JoinPath(dir, ".upload-" + rnd);
  RAGDB_RETURN_IF_ERROR(WriteFileAtomic(tmp, data));
  Status s = RecoverCollection(ctx, name, tmp, std::string(ctx.req.Query("checksum")));
  (void)RemoveFile(tmp);
  RAGDB_RETURN_IF_ERROR(s);
  return Json(true);
}

// Snapshots are archives of one node's collection folder; in cluster mode a collection is
// spread over shards whose data lives in object storage, and a node's folder is a cache. So the
// endpoints answer 501 there, naming why, instead of archiving a cache.
Handler SingleNodeOnly(Handler h) {
  return [h = std::move(h)](Ctx& ctx) -> Result<Json> {
    if (ctx.app.cluster() != nullptr) {
      return Status::Unimplemented(
          "collection snapshots are not available in cluster mode: the data lives in etcd and "
          "object storage (back up both; docs/cluster.md, \"Backups\")");
    }
    return h(ctx);
  };
}

}  // namespace

void RegisterSnapshotRoutes(App& app) {
  const std::string c = "/collections/{collection_name}/snapshots";
  app.Route("POST", c, Access::kWrite, SingleNodeOnly(CreateSnapshot));
  app.Route("GET", c, Access::kRead, SingleNodeOnly(ListSnapshots));
  app.Route("GET", c + "/{snapshot_name}", Access::kRead, SingleNodeOnly(DownloadSnapshot));
  app.Route("DELETE", c + "/{snapshot_name}", Access::kWrite, SingleNodeOnly(DeleteSnapshot));
  app.Route("PUT", c + "/recover", Access::kWrite, SingleNodeOnly(RecoverFromLocation));
  app.Route("POST", c + "/upload", Access::kWrite, SingleNodeOnly(RecoverFromUpload));
}

}  // namespace ragdb::server
