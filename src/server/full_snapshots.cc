// Full snapshots (Qdrant's /snapshots): every collection of the caller's tenant and its aliases in
// one archive, stored at <tenant>/full-snapshots/<name>.snapshot with a .checksum (SHA-256).
//
// The archive holds one collection snapshot per collection (`<collection>.snapshot`, each taken
// under that collection's exclusive write gate, so each is consistent on its own; collections
// are taken one after another, not at one instant) and `manifest.json`: {"format":
// "ragdb-full-snapshot", "version": 1, "collections": {name: sha256}, "aliases": [{"alias",
// "collection"}]}.
//
// PUT /snapshots/recover (ragdb's; Qdrant recovers full snapshots at start-up only) takes
// {"location": file:// or http(s)://, "checksum"}: every collection archive is checked against
// the manifest before the first collection is replaced, then each is recovered as a collection
// snapshot is, and the aliases are set as the snapshot had them (same-named aliases moved).
#include <ctime>

#include "base/file.h"
#include "base/json_text.h"
#include "server/app.h"
#include "server/qdrant/fields.h"
#include "server/snapshot_util.h"
#include "server/tar.h"

namespace ragdb::server {
namespace {

constexpr const char* kFormat = "ragdb-full-snapshot";
constexpr const char* kManifest = "manifest.json";

std::string FullSnapshotDir(Ctx& ctx) {
  return JoinPath(ctx.app.tenants().TenantPath(ctx.principal.tenant), "full-snapshots");
}

Result<Json> CreateFullSnapshot(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(Database * db, ctx.Db());
  const std::string dir = FullSnapshotDir(ctx);
  RAGDB_RETURN_IF_ERROR(CreateDirs(dir));
  RAGDB_ASSIGN_OR_RETURN(std::string rnd, RandomHex(6));
  const std::string staging = JoinPath(dir, ".staging-" + rnd);
  auto cleanup = [&] { (void)RemoveAll(staging); };
  Status s = CreateDirs(staging);
  Json collections = Json::object();
  for (const std::string& name : db->ListCollections()) {
    if (!s.ok()) break;
    auto d = TakeCollectionSnapshot(ctx, name, staging, name + ".snapshot");
    if (!d.ok()) {
      s = d.status().WithContext("collection " + name);
      break;
    }
    collections[name] = (*d)["checksum"];
  }
  Json aliases = Json::array();
  for (const AliasInfo& a : db->ListAliases()) {
    aliases.push_back({{"alias", a.alias}, {"collection", a.collection}});
  }
  const Json manifest = {
      {"format", kFormat}, {"version", 1}, {"collections", collections}, {"aliases", aliases}};
  if (s.ok()) s = WriteFileAtomic(JoinPath(staging, kManifest), WriteJson(manifest));
  std::string file;
  if (s.ok()) {
    auto f = NewSnapshotName("full");
    s = f.status();
    if (f.ok()) file = *f;
  }
  const std::string path = JoinPath(dir, file);
  if (s.ok()) {
    auto checksum = WriteTarOfDir(staging, path + ".tmp");
    s = checksum.status();
    if (s.ok()) s = WriteFileAtomic(path + ".checksum", *checksum);
    if (s.ok()) s = RenameFile(path + ".tmp", path);
    if (s.ok()) s = SyncDir(dir);
    if (!s.ok()) (void)RemoveFile(path + ".tmp");
  }
  cleanup();
  RAGDB_RETURN_IF_ERROR(s);
  return DescribeSnapshot(dir, file);
}

Result<Json> ListFullSnapshots(Ctx& ctx) { return ListSnapshotsIn(FullSnapshotDir(ctx)); }

Result<std::string> FullSnapshotPath(Ctx& ctx) {
  return SnapshotFileIn(FullSnapshotDir(ctx), ctx.Param("snapshot_name"));
}

Result<Json> DownloadFullSnapshot(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(std::string path, FullSnapshotPath(ctx));
  RAGDB_RETURN_IF_ERROR(StreamSnapshotFile(ctx, path, ctx.Param("snapshot_name")));
  return Json();
}

Result<Json> DeleteFullSnapshot(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(std::string path, FullSnapshotPath(ctx));
  RAGDB_RETURN_IF_ERROR(RemoveSnapshotFile(path));
  return Json(true);
}

// The manifest of an extracted full snapshot, with every collection archive checked against it.
Result<Json> ReadManifest(const std::string& dir) {
  auto text = ReadFile(JoinPath(dir, kManifest));
  if (!text.ok())
    return Status::InvalidArgument("not a full snapshot: it has no " + std::string(kManifest));
  auto manifest = ReadJson(*text);
  if (!manifest.ok() || !manifest->is_object() || manifest->value("format", "") != kFormat ||
      manifest->value("version", 0) != 1 || !(*manifest)["collections"].is_object() ||
      !(*manifest)["aliases"].is_array()) {
    return Status::InvalidArgument("not a full snapshot: " + std::string(kManifest) +
                                   " is not a ragdb full-snapshot manifest of version 1");
  }
  for (const auto& [name, sum] : (*manifest)["collections"].items()) {
    RAGDB_RETURN_IF_ERROR(ValidateCollectionName(name));
    const std::string inner = JoinPath(dir, name + ".snapshot");
    if (!FileExists(inner)) {
      return Status::InvalidArgument("full snapshot lacks the archive of collection " + name);
    }
    RAGDB_ASSIGN_OR_RETURN(std::string actual, Sha256File(inner));
    if (!sum.is_string() || actual != sum.get<std::string>()) {
      return Status::InvalidArgument("full snapshot: the archive of collection " + name +
                                     " does not match its checksum (damaged)");
    }
  }
  return std::move(manifest).value();
}

Result<Json> RecoverFullSnapshot(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kRecoverFields, &ctx.warnings));
  RAGDB_ASSIGN_OR_RETURN(SnapshotSource src, OpenSnapshotLocation(ctx, body));
  const std::string dir = FullSnapshotDir(ctx);
  RAGDB_RETURN_IF_ERROR(CreateDirs(dir));
  RAGDB_ASSIGN_OR_RETURN(std::string rnd, RandomHex(6));
  const std::string scratch = JoinPath(dir, ".recover-" + rnd);
  auto run = [&]() -> Status {
    if (!src.checksum.empty()) {
      RAGDB_ASSIGN_OR_RETURN(std::string sum, Sha256File(src.path));
      if (sum != src.checksum) {
        return Status::InvalidArgument("Snapshot checksum mismatch: expected " + src.checksum +
                                       ", got " + sum);
      }
    }
    RAGDB_RETURN_IF_ERROR(ExtractTar(src.path, scratch));
    RAGDB_ASSIGN_OR_RETURN(Json manifest, ReadManifest(scratch));
    for (const auto& [name, sum] : manifest["collections"].items()) {
      Status s = RecoverCollection(ctx, name, JoinPath(scratch, name + ".snapshot"), "");
      if (!s.ok()) return s.WithContext("collection " + name);
    }
    RAGDB_ASSIGN_OR_RETURN(Database * db, ctx.Db());
    std::vector<std::string> existing;
    for (const AliasInfo& a : db->ListAliases()) existing.push_back(a.alias);
    std::vector<AliasChange> changes;
    for (const Json& a : manifest["aliases"]) {
      if (!a.is_object() || !a["alias"].is_string() || !a["collection"].is_string()) {
        return Status::InvalidArgument("full snapshot: malformed alias in the manifest");
      }
      const std::string alias = a["alias"].get<std::string>();
      if (std::find(existing.begin(), existing.end(), alias) != existing.end()) {
        changes.push_back(AliasChange::Delete(alias));
      }
      changes.push_back(AliasChange::Create(alias, a["collection"].get<std::string>()));
    }
    if (!changes.empty()) RAGDB_RETURN_IF_ERROR(db->UpdateAliases(changes).WithContext("aliases"));
    return Status::Ok();
  };
  Status s = run();
  (void)RemoveAll(scratch);
  if (src.temporary) (void)RemoveFile(src.path);
  RAGDB_RETURN_IF_ERROR(s);
  return Json(true);
}

}  // namespace

void RegisterFullSnapshotRoutes(App& app) {
  app.Route("POST", "/snapshots", Access::kWrite, CreateFullSnapshot);
  app.Route("GET", "/snapshots", Access::kRead, ListFullSnapshots);
  app.Route("PUT", "/snapshots/recover", Access::kWrite, RecoverFullSnapshot);
  app.Route("GET", "/snapshots/{snapshot_name}", Access::kRead, DownloadFullSnapshot);
  app.Route("DELETE", "/snapshots/{snapshot_name}", Access::kWrite, DeleteFullSnapshot);
}

}  // namespace ragdb::server
