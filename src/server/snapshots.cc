// Collection snapshots: a ustar archive of the collection's folder, taken while the collection's
// write gate is held exclusively (see tenants.h), so it is one consistent state. Stored at
// <tenant>/snapshots/<collection>/<name>.snapshot with a <name>.snapshot.checksum (SHA-256).
//
// Recovery validates the archive by opening it as a database in a scratch folder first, then
// closes the tenant's database, swaps the collection folder in, and lets it reopen.
#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "base/file.h"
#include "server/app.h"
#include "server/auth.h"
#include "server/tar.h"

namespace ragdb::server {
namespace {

constexpr const char* kSuffix = ".snapshot";

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

Result<Json> Describe(const std::string& dir, const std::string& name) {
  std::string path = JoinPath(dir, name);
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Status::NotFound("Snapshot " + name + " not found");
  auto checksum = ReadFile(path + ".checksum");
  return Json{{"name", name},
              {"creation_time", IsoTime(st.st_mtime)},
              {"size", static_cast<uint64_t>(st.st_size)},
              {"checksum", checksum.ok() ? Json(*checksum) : Json()}};
}

Result<Json> CreateSnapshot(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  std::string dir = SnapshotDir(ctx, name);
  RAGDB_RETURN_IF_ERROR(CreateDirs(dir));
  RAGDB_ASSIGN_OR_RETURN(std::string rnd, RandomHex(4));
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  char stamp[32];
  strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H-%M-%S", &tm);
  std::string file = name + "-" + stamp + "-" + rnd + kSuffix;
  std::string path = JoinPath(dir, file);
  std::string src =
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
  return Describe(dir, file);
}

Result<Json> ListSnapshots(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(name));
  std::string dir = SnapshotDir(ctx, name);
  Json out = Json::array();
  if (!FileExists(dir)) return out;
  RAGDB_ASSIGN_OR_RETURN(auto names, ListDir(dir));
  for (const auto& n : names) {
    if (!ValidateSnapshotName(n).ok()) continue;
    auto d = Describe(dir, n);
    if (d.ok()) out.push_back(*d);
  }
  return out;
}

Result<Json> DownloadSnapshot(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  const std::string& snap = ctx.Param("snapshot_name");
  RAGDB_RETURN_IF_ERROR(ValidateSnapshotName(snap));
  RAGDB_RETURN_IF_ERROR(ValidateCollectionName(name));
  std::string path = JoinPath(SnapshotDir(ctx, name), snap);
  if (!FileExists(path)) return Status::NotFound("Snapshot " + snap + " not found");
  // Whole file in memory: fine for the collection sizes this targets; see the report.
  RAGDB_ASSIGN_OR_RETURN(std::string data, ReadFile(path));
  HttpResponse r;
  r.content_type = "application/octet-stream";
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + snap + "\"");
  r.body = std::move(data);
  ctx.raw = std::move(r);
  return Json();
}

Result<Json> DeleteSnapshot(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  const std::string& snap = ctx.Param("snapshot_name");
  RAGDB_RETURN_IF_ERROR(ValidateSnapshotName(snap));
  RAGDB_RETURN_IF_ERROR(ValidateCollectionName(name));
  std::string path = JoinPath(SnapshotDir(ctx, name), snap);
  if (!FileExists(path)) return Status::NotFound("Snapshot " + snap + " not found");
  RAGDB_RETURN_IF_ERROR(RemoveFile(path));
  if (FileExists(path + ".checksum")) RAGDB_RETURN_IF_ERROR(RemoveFile(path + ".checksum"));
  return Json(true);
}

// Replaces (or creates) collection `name` of the caller's tenant with the archive's contents.
Status Recover(Ctx& ctx, const std::string& name, const std::string& tar_path,
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

Result<std::string> LocalPathFromUri(const std::string& location) {
  const std::string prefix = "file://";
  if (location.rfind(prefix, 0) != 0) {
    if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) {
      return Status::Unimplemented(
          "recovering from a URL is not supported yet; upload the file to "
          "/collections/{name}/snapshots/upload or use a file:// location");
    }
    return Status::InvalidArgument("location must be a file:// URI");
  }
  std::string path = location.substr(prefix.size());
  if (path.empty() || path[0] != '/') return Status::InvalidArgument("location must be absolute");
  return path;
}

Result<Json> RecoverFromLocation(Ctx& ctx) {
  const std::string& name = ctx.Param("collection_name");
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  if (!body.contains("location") || !body["location"].is_string()) {
    return Status::InvalidArgument("missing field `location`");
  }
  RAGDB_ASSIGN_OR_RETURN(std::string path, LocalPathFromUri(body["location"].get<std::string>()));
  std::error_code ec;
  std::string real = std::filesystem::weakly_canonical(path, ec).string();
  std::string allowed =
      std::filesystem::weakly_canonical(
          JoinPath(ctx.app.tenants().TenantPath(ctx.principal.tenant), "snapshots"), ec)
          .string() +
      "/";
  // A tenant may recover only its own snapshots; an admin may name any file on the server.
  if (ctx.principal.role != Role::kAdmin && real.rfind(allowed, 0) != 0) {
    return Status::PermissionDenied(
        "only admin keys may recover from files outside the "
        "tenant's snapshots folder");
  }
  std::string checksum = body.value("checksum", Json("")).is_string()
                             ? body.value("checksum", std::string())
                             : std::string();
  RAGDB_RETURN_IF_ERROR(Recover(ctx, name, real, checksum));
  return Json(true);
}

// The part named "snapshot" of a multipart/form-data body.
Result<std::string_view> SnapshotPart(const HttpRequest& req) {
  std::string_view ct = req.Header("content-type");
  size_t b = ct.find("boundary=");
  if (ct.find("multipart/form-data") == std::string_view::npos || b == std::string_view::npos) {
    return Status::InvalidArgument("expected a multipart/form-data body with a `snapshot` part");
  }
  std::string boundary(ct.substr(b + 9));
  if (!boundary.empty() && boundary.front() == '"')
    boundary = boundary.substr(1, boundary.find('"', 1) - 1);
  size_t semi = boundary.find(';');
  if (semi != std::string::npos) boundary.resize(semi);
  std::string delim = "--" + boundary;
  std::string_view body = req.body;
  size_t pos = body.find(delim);
  while (pos != std::string_view::npos) {
    size_t head_start = pos + delim.size();
    if (body.substr(head_start, 2) == "--") break;
    size_t head_end = body.find("\r\n\r\n", head_start);
    if (head_end == std::string_view::npos) break;
    std::string_view head = body.substr(head_start, head_end - head_start);
    size_t next = body.find("\r\n" + delim, head_end + 4);
    if (next == std::string_view::npos) break;
    if (head.find("name=\"snapshot\"") != std::string_view::npos) {
      return body.substr(head_end + 4, next - head_end - 4);
    }
    pos = next + 2;
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
  Status s = Recover(ctx, name, tmp, std::string(ctx.req.Query("checksum")));
  (void)RemoveFile(tmp);
  RAGDB_RETURN_IF_ERROR(s);
  return Json(true);
}

}  // namespace

void RegisterSnapshotRoutes(App& app) {
  const std::string c = "/collections/{collection_name}/snapshots";
  app.Route("POST", c, Access::kWrite, CreateSnapshot);
  app.Route("GET", c, Access::kRead, ListSnapshots);
  app.Route("GET", c + "/{snapshot_name}", Access::kRead, DownloadSnapshot);
  app.Route("DELETE", c + "/{snapshot_name}", Access::kWrite, DeleteSnapshot);
  app.Route("PUT", c + "/recover", Access::kWrite, RecoverFromLocation);
  app.Route("POST", c + "/upload", Access::kWrite, RecoverFromUpload);
}

}  // namespace ragdb::server
