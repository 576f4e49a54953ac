// The file:// backend: one file per object under a root folder, written like every durable file
// of ragdb (temporary name, fsync, rename, fsync of the folder).
#include <algorithm>
#include <filesystem>
#include <system_error>

#include "base/file.h"
#include "cluster/store/object_store.h"
#include "cluster/store/object_store_backends.h"

namespace ragdb::cluster {
namespace {

class FileStore final : public ObjectStore {
 public:
  explicit FileStore(std::string root) : root_(std::move(root)) {}

  Status Put(const std::string& key, std::string_view bytes) override {
    RAGDB_RETURN_IF_ERROR(ValidateObjectKey(key));
    const std::string path = JoinPath(root_, key);
    RAGDB_RETURN_IF_ERROR(CreateDirs(DirName(path)));
    RAGDB_RETURN_IF_ERROR(WriteFileAtomic(path, bytes));
    counters_.puts++;
    counters_.put_bytes += bytes.size();
    return Status::Ok();
  }

  Result<std::string> Get(const std::string& key) override {
    RAGDB_RETURN_IF_ERROR(ValidateObjectKey(key));
    const std::string path = JoinPath(root_, key);
    if (!FileExists(path)) return Status::NotFound("object " + key + " not found in " + Describe());
    RAGDB_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
    counters_.gets++;
    counters_.get_bytes += bytes.size();
    return bytes;
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    counters_.lists++;
    namespace fs = std::filesystem;
    // Walk the deepest folder the prefix names, then keep the keys that start with it.
    const std::string dir = JoinPath(root_, prefix.substr(0, prefix.rfind('/') + 1));
    std::vector<ObjectInfo> out;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return out;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      std::string key = fs::relative(it->path(), root_, ec).string();
      if (key.ends_with(".tmp") || !key.starts_with(prefix)) continue;  // a Put under way
      out.push_back({key, static_cast<uint64_t>(it->file_size(ec))});
    }
    if (ec) return Status::IOError("listing " + dir + ": " + ec.message());
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  Status Delete(const std::string& key) override {
    RAGDB_RETURN_IF_ERROR(ValidateObjectKey(key));
    counters_.deletes++;
    const std::string path = JoinPath(root_, key);
    if (!FileExists(path)) return Status::Ok();
    return RemoveFile(path);
  }

  std::string Describe() const override { return "file://" + root_; }

 private:
  std::string root_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenFileStore(const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return Status::InvalidArgument("file:// object store needs an absolute path (file:///dir)");
  }
  RAGDB_RETURN_IF_ERROR(CreateDirs(path));
  return std::unique_ptr<ObjectStore>(new FileStore(path));
}

}  // namespace ragdb::cluster
