#include "model/model_add.h"

#include <unistd.h>

#include <filesystem>
#include <utility>

#include "base/file.h"
#include "model/llm/gguf.h"
#include "model/model_cache.h"

namespace ragdb::model {
namespace fs = std::filesystem;
namespace {

// Copies `from` to `to` and fsyncs the copy.
Status CopyDurably(const std::string& from, const std::string& to) {
  std::error_code ec;
  if (!fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec)) {
    return Status::IOError("cannot copy " + from + " to " + to + ": " + ec.message());
  }
  RAGDB_ASSIGN_OR_RETURN(auto f, AppendableFile::Open(to));
  return f->Sync();
}

}  // namespace

StagingGuard::~StagingGuard() {
  if (dir.empty()) return;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::remove(fs::path(dir).parent_path(), ec);  // .partial, when now empty
}

Result<ModelInstall> AddLocalModel(const std::string& name, const std::string& path,
                                   const std::string& cache_root) {
  RAGDB_RETURN_IF_ERROR(ValidateModelName(name));
  std::error_code ec;
  const bool is_dir = fs::is_directory(path, ec);
  if (!is_dir && !fs::is_regular_file(path, ec)) {
    return Status::NotFound(path + ": no such file or folder");
  }
  if (!is_dir && !path.ends_with(".gguf")) {
    return Status::InvalidArgument(path + ": a model file must be a .gguf (or give a folder)");
  }
  const std::string root = cache_root.empty() ? ModelCacheRoot() : cache_root;
  std::string flat = name;
  for (char& c : flat) c = c == '/' ? '_' : c;
  StagingGuard staging{root + "/.partial/" + flat + "." + std::to_string(getpid())};
  fs::remove_all(staging.dir, ec);
  RAGDB_RETURN_IF_ERROR(CreateDirs(staging.dir));
  ModelInstall out;
  std::vector<std::pair<fs::path, std::string>> files;  // source, relative name
  if (is_dir) {
    for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
      if (e.is_regular_file(ec)) files.push_back({e.path(), fs::relative(e.path(), path).string()});
    }
  } else {
    files.push_back({path, fs::path(path).filename().string()});
  }
  for (const auto& [src, rel] : files) {
    const std::string dest = staging.dir + "/" + rel;
    RAGDB_RETURN_IF_ERROR(CreateDirs(fs::path(dest).parent_path().string()));
    RAGDB_RETURN_IF_ERROR(CopyDurably(src.string(), dest));
    if (rel.ends_with(".gguf")) {
      auto g = llm::GgufFile::Open(dest);
      if (!g.ok()) return Status::InvalidArgument(g.status().message());
    }
    out.files.push_back(rel);
    out.bytes += fs::file_size(dest, ec);
  }
  if (ModelFolderKind(staging.dir).empty()) {
    return Status::InvalidArgument(path +
                                   " holds no model (a .gguf file, a llama2.c checkpoint "
                                   "with its tok*.bin, or a Hugging Face config.json)");
  }
  RAGDB_RETURN_IF_ERROR(SyncDir(staging.dir));
  const std::string final_dir = root + "/" + name;
  RAGDB_RETURN_IF_ERROR(CreateDirs(fs::path(final_dir).parent_path().string()));
  fs::remove_all(final_dir, ec);
  RAGDB_RETURN_IF_ERROR(RenameFile(staging.dir, final_dir));
  RAGDB_RETURN_IF_ERROR(SyncDir(fs::path(final_dir).parent_path().string()));
  out.dir = final_dir;
  return out;
}

}  // namespace ragdb::model
