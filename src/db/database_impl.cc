// Database: a folder holding collections under collections/<name>/, and a LOCK file that keeps a
// second process from opening the same folder for writing.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "base/file.h"
#include "db/catalog/aliases.h"
#include "db/collection_impl.h"
#include "ragdb/database.h"
#include "storage/manifest.h"
#include "storage/segment_file.h"
#include "storage/wal.h"

namespace ragdb {
namespace {

constexpr const char* kCollectionsDir = "collections";

class DatabaseImpl final : public Database {
 public:
  DatabaseImpl(std::string path, DatabaseOptions options, int lock_fd)
      : path_(std::move(path)), options_(options), lock_fd_(lock_fd) {}
  ~DatabaseImpl() override {
    collections_.clear();
    if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
  }

  Status Load() {
    const bool read_only = options_.read_only;
    std::string dir = JoinPath(path_, kCollectionsDir);
    if (!read_only) {
      RAGDB_RETURN_IF_ERROR(CreateDirs(dir));
      RAGDB_ASSIGN_OR_RETURN(auto top, ListDir(path_));
      for (const auto& name : top) {  // a crash during DropCollection
        if (name.rfind(".dropped-", 0) == 0) {
          RAGDB_RETURN_IF_ERROR(RemoveAll(JoinPath(path_, name)));
        }
      }
    }
    RAGDB_ASSIGN_OR_RETURN(auto names, ListDir(dir));
    for (const auto& name : names) {
      std::string cdir = JoinPath(dir, name);
      if (!FileExists(JoinPath(cdir, storage::kManifestName))) {
        if (read_only) {  // left as it is: not a collection
          notes_.push_back("skipped " + cdir + ": no manifest (an interrupted create)");
          continue;
        }
        RAGDB_RETURN_IF_ERROR(RemoveIncompleteCollection(cdir));
        continue;
      }
      auto c = db::CollectionImpl::Open(cdir, name, options_, &notes_);
      if (!c.ok()) return c.status();
      collections_.emplace(name, std::move(c).value());
    }
    RAGDB_ASSIGN_OR_RETURN(aliases_, db::AliasMap::Load(path_));
    // A crash inside DropCollection after its collection left the alias file cannot leave an
    // alias behind, but a collection folder removed by hand can: such aliases are dropped.
    for (const auto& a : aliases_.List()) {
      if (!collections_.count(a.collection)) {
        notes_.push_back("alias '" + a.alias + "' names missing collection '" + a.collection +
                         "'; removed");
        bool changed = false;
        aliases_ = aliases_.WithoutCollection(a.collection, &changed);
      }
    }
    return Status::Ok();
  }

  Status CheckWritable() const {
    if (!options_.read_only) return Status::Ok();
    return Status::FailedPrecondition("database " + path_ + " is open read-only");
  }

  // A folder without a manifest is a crash during CreateCollection (which writes the manifest
  // last), unless it holds segments: then the manifest was lost, and that is corruption.
  Status RemoveIncompleteCollection(const std::string& cdir) {
    RAGDB_ASSIGN_OR_RETURN(auto files, ListDir(cdir));
    for (const auto& f : files) {
      if (f.find(".rseg") != std::string::npos) {
        return Status::Corruption(JoinPath(cdir, storage::kManifestName) +
                                  ": missing, but the folder holds segment files");
      }
    }
    notes_.push_back("removed incomplete collection folder " + cdir);
    return RemoveAll(cdir);
  }

  Result<std::shared_ptr<Collection>> CreateCollection(const std::string& name,
                                                       const CollectionSchema& schema) override {
    RAGDB_RETURN_IF_ERROR(CheckWritable());
    RAGDB_RETURN_IF_ERROR(ValidateCollectionName(name));
    RAGDB_RETURN_IF_ERROR(schema.Validate());
    std::unique_lock lock(mu_);
    if (collections_.count(name)) {
      return Status::AlreadyExists("collection '" + name + "' already exists");
    }
    if (aliases_.Find(name) != nullptr) {
      return Status::AlreadyExists("cannot create collection '" + name +
                                   "': an alias with that name exists");
    }
    std::string dir = JoinPath(JoinPath(path_, kCollectionsDir), name);
    RAGDB_ASSIGN_OR_RETURN(auto c, db::CollectionImpl::Create(dir, name, schema, options_));
    collections_.emplace(name, c);
    return std::shared_ptr<Collection>(c);
  }

  Result<std::shared_ptr<Collection>> GetCollection(const std::string& name) const override {
    std::shared_lock lock(mu_);
    auto it = collections_.find(name);
    if (it == collections_.end()) {
      if (const std::string* target = aliases_.Find(name)) it = collections_.find(*target);
    }
    if (it == collections_.end()) return Status::NotFound("collection '" + name + "' not found");
    return std::shared_ptr<Collection>(it->second);
  }

  std::vector<std::string> ListCollections() const override {
    std::shared_lock lock(mu_);
    std::vector<std::string> names;
    for (const auto& [name, c] : collections_) names.push_back(name);
    return names;
  }

  Status DropCollection(const std::string& name) override {
    RAGDB_RETURN_IF_ERROR(CheckWritable());
    std::unique_lock lock(mu_);
    auto it = collections_.find(name);
    if (it == collections_.end()) return Status::NotFound("collection '" + name + "' not found");
    // Its aliases go first: a crash after this leaves the collection without aliases, never an
    // alias naming a missing collection.
    bool changed = false;
    db::AliasMap without = aliases_.WithoutCollection(name, &changed);
    if (changed) {
      RAGDB_RETURN_IF_ERROR(without.Save(path_));
      aliases_ = std::move(without);
    }
    it->second->MarkDropped();
    collections_.erase(it);
    std::string dir = JoinPath(JoinPath(path_, kCollectionsDir), name);
    // Rename first so a crash never leaves a half-removed collection that looks valid.
    std::string trash = JoinPath(path_, ".dropped-" + name);
    RAGDB_RETURN_IF_ERROR(RemoveAll(trash));
    RAGDB_RETURN_IF_ERROR(RenameFile(dir, trash));
    RAGDB_RETURN_IF_ERROR(SyncDir(JoinPath(path_, kCollectionsDir)));
    return RemoveAll(trash);
  }

  Status UpdateAliases(std::span<const AliasChange> changes) override {
    RAGDB_RETURN_IF_ERROR(CheckWritable());
    // Exclusive: lookups wait for the switch instead of seeing a half-applied list.
    std::unique_lock lock(mu_);
    RAGDB_ASSIGN_OR_RETURN(db::AliasMap next,
                           aliases_.Apply(changes, [this](const std::string& name) {
                             return collections_.count(name) > 0;
                           }));
    RAGDB_RETURN_IF_ERROR(next.Save(path_));
    aliases_ = std::move(next);
    return Status::Ok();
  }

  std::vector<AliasInfo> ListAliases() const override {
    std::shared_lock lock(mu_);
    return aliases_.List();
  }

  std::vector<std::string> RecoveryNotes() const override { return notes_; }
  const std::string& path() const override { return path_; }

 private:
  const std::string path_;
  const DatabaseOptions options_;
  int lock_fd_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<db::CollectionImpl>> collections_;
  db::AliasMap aliases_;  // guarded by mu_, like collections_
  std::vector<std::string> notes_;
};

void CheckCollection(const std::string& dir, CheckReport* report) {
  auto manifest = storage::ReadManifest(dir);
  report->files_checked++;
  if (!manifest.ok()) {
    report->problems.push_back(manifest.status().message());
    return;
  }
  auto schema = CollectionSchema::FromJson(manifest->schema);
  if (!schema.ok()) {
    report->problems.push_back(JoinPath(dir, storage::kManifestName) +
                               ": bad schema: " + schema.status().message());
    return;
  }
  for (const auto& entry : manifest->segments) {
    std::string path = JoinPath(dir, entry.file);
    report->files_checked++;
    auto seg = db::SealedSegment::Open(path, *schema);  // verifies every section checksum
    if (!seg.ok()) {
      report->problems.push_back(seg.status().message());
      continue;
    }
    if ((*seg)->rows() != entry.rows) {
      report->problems.push_back(path + ": row count differs from the manifest");
    }
    Record doc;
    for (size_t r = 0; r < (*seg)->rows(); ++r) {
      Status s = (*seg)->ReadDocument(r, &doc);
      if (!s.ok()) {
        report->problems.push_back(s.message());
        break;
      }
    }
    if (!entry.del_file.empty()) {
      report->files_checked++;
      auto del = storage::ReadTombstones(JoinPath(dir, entry.del_file), entry.rows);
      if (!del.ok()) report->problems.push_back(del.status().message());
    }
  }
  for (const auto& wal : manifest->wal_files) {
    std::string path = JoinPath(dir, wal);
    report->files_checked++;
    storage::WalReadStats stats;
    Status s = storage::ReadWal(
        path, [](uint64_t, storage::WalRecordType, std::string_view) { return Status::Ok(); },
        &stats);
    if (!s.ok()) report->problems.push_back(s.message());
  }
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, DatabaseOptions options) {
  std::string lock_path = JoinPath(path, "LOCK");
  int fd = -1;
  if (options.read_only) {
    if (!FileExists(JoinPath(path, kCollectionsDir))) {
      return Status::NotFound("no database at " + path + " (opened read-only: nothing is created)");
    }
    // A shared lock keeps a writer out while we read; a folder without LOCK (copied into an app
    // bundle) is read without one.
    fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && ::flock(fd, LOCK_SH | LOCK_NB) != 0) {
      ::close(fd);
      return Status::FailedPrecondition("database " + path +
                                        " is being written by another process (LOCK is held)");
    }
    auto db = std::make_unique<DatabaseImpl>(path, options, fd);
    RAGDB_RETURN_IF_ERROR(db->Load());
    return std::unique_ptr<Database>(std::move(db));
  }
  if (!FileExists(path)) {
    if (!options.create_if_missing) return Status::NotFound("no database at " + path);
    RAGDB_RETURN_IF_ERROR(CreateDirs(path));
  }
  fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    return Status::IOError("open " + lock_path + ": " + std::strerror(err) +
                           (err == EROFS || err == EACCES
                                ? " (a folder that cannot be written can be opened read-only: "
                                  "--read-only, DatabaseOptions::read_only)"
                                : ""));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::FailedPrecondition("database " + path +
                                      " is in use by another process (LOCK is held)");
  }
  auto db = std::make_unique<DatabaseImpl>(path, options, fd);
  RAGDB_RETURN_IF_ERROR(db->Load());
  return std::unique_ptr<Database>(std::move(db));
}

Result<CheckReport> Database::Check(const std::string& path) {
  std::string dir = JoinPath(path, kCollectionsDir);
  if (!FileExists(dir)) return Status::NotFound("no database at " + path);
  RAGDB_ASSIGN_OR_RETURN(auto names, ListDir(dir));
  CheckReport report;
  for (const auto& name : names) CheckCollection(JoinPath(dir, name), &report);
  if (FileExists(JoinPath(path, db::kAliasesFile))) {
    report.files_checked++;
    auto aliases = db::AliasMap::Load(path);
    if (!aliases.ok()) report.problems.push_back(aliases.status().message());
  }
  return report;
}

Status Database::UpdateAliases(std::span<const AliasChange>) {
  return Status::Unimplemented("aliases are not supported by this database");
}

Json CollectionInfo::ToJson() const {
  Json segs = Json::array();
  for (const auto& s : segments) {
    segs.push_back({{"id", s.id},
                    {"rows", s.rows},
                    {"deleted", s.deleted},
                    {"bytes", s.bytes},
                    {"sealed", s.sealed},
                    {"indexes", s.indexes}});
  }
  return {{"name", name},
          {"points", points},
          {"schema", schema.ToJson()},
          {"wal_bytes", wal_bytes},
          {"segments", segs}};
}

}  // namespace ragdb
