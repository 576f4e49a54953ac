#include "model/model_cache.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "ragdb/model.h"

namespace ragdb::model {
namespace fs = std::filesystem;

std::string ModelCacheRoot() {
  const char* env = std::getenv("RAGDB_MODEL_CACHE");
  if (env && *env) return env;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.cache/ragdb/models";
}

Status ValidateModelName(const std::string& name) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid model name '" + name + "': " + why);
  };
  if (name.empty()) return bad("empty");
  size_t slash = name.find('/');
  if (slash != std::string::npos && name.find('/', slash + 1) != std::string::npos) {
    return bad("expected OWNER/NAME");
  }
  std::vector<std::string> parts;
  if (slash == std::string::npos) {
    parts = {name};
  } else {
    parts = {name.substr(0, slash), name.substr(slash + 1)};
  }
  for (const std::string& p : parts) {
    if (p.empty() || p.front() == '.') return bad("empty part or part starting with '.'");
    for (char c : p) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
        return bad("only letters, digits, '.', '_' and '-' are allowed");
      }
    }
  }
  return Status::Ok();
}

std::string FindInstalledSpec(const std::string& name) {
  std::string base = name;
  const bool int8 = StripInt8Suffix(&base);
  std::string dir = FindInstalledModel(base);
  return dir.empty() || !int8 ? dir : dir + "@int8";
}

std::string ModelFolderName(const std::string& dir) {
  std::string d = dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  const size_t slash = d.rfind('/');
  return slash == std::string::npos ? d : d.substr(slash + 1);
}

std::string ModelFolderKind(const std::string& dir) {
  std::error_code ec;
  bool has_bin = false, has_tokenizer_bin = false;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (!e.is_regular_file(ec) || f.starts_with(".")) continue;
    if (f.ends_with(".gguf")) return "gguf";
    if (f.ends_with(".bin")) (f.starts_with("tok") ? has_tokenizer_bin : has_bin) = true;
  }
  if (has_bin && has_tokenizer_bin) return "llama2c";
  if (fs::is_regular_file(dir + "/config.json", ec)) return "hf";
  return "";
}

std::string FindInstalledModel(const std::string& name) {
  if (!ValidateModelName(name).ok()) return "";
  std::string dir = ModelCacheRoot() + "/" + name;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return "";
  return ModelFolderKind(dir).empty() ? "" : dir;
}

Result<std::string> ResolveModelSpec(const std::string& spec) {
  std::error_code ec;
  if (fs::exists(spec, ec)) return spec;
  std::string dir = FindInstalledModel(spec);
  if (!dir.empty()) return dir;
  if (ValidateModelName(spec).ok()) {
    return Status::NotFound("model '" + spec + "' is not installed; run `ragdb model pull " + spec +
                            "` (or give a model folder, hash or hash:DIM)");
  }
  return Status::NotFound("no model folder '" + spec + "'");
}

std::vector<InstalledModel> ListInstalledModels() {
  std::vector<InstalledModel> out;
  const fs::path root = ModelCacheRoot();
  std::error_code ec;
  // Names are one or two levels deep (NAME or OWNER/NAME).
  std::vector<std::pair<std::string, fs::path>> candidates;
  for (const auto& a : fs::directory_iterator(root, ec)) {
    std::string an = a.path().filename().string();
    if (an.starts_with(".") || !a.is_directory(ec)) continue;
    candidates.push_back({an, a.path()});
    for (const auto& b : fs::directory_iterator(a.path(), ec)) {
      std::string bn = b.path().filename().string();
      if (!bn.starts_with(".") && b.is_directory(ec))
        candidates.push_back({an + "/" + bn, b.path()});
    }
  }
  for (const auto& [name, dir] : candidates) {
    std::string kind = ModelFolderKind(dir.string());
    if (kind.empty()) continue;
    InstalledModel m{name, dir.string(), 0, {}, kind};
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
      if (!e.is_regular_file(ec)) continue;
      m.bytes += e.file_size(ec);
      m.files.push_back(fs::relative(e.path(), dir, ec).string());
    }
    std::sort(m.files.begin(), m.files.end());
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const InstalledModel& a, const InstalledModel& b) { return a.name < b.name; });
  return out;
}

}  // namespace ragdb::model
