#include "model/local_llm.h"

#include <filesystem>
#include <map>
#include <mutex>

#include "model/model_cache.h"

namespace ragdb::model {

Result<std::string> ResolveLanguageModelPath(const std::string& spec) {
  std::error_code ec;
  if (!spec.empty() && std::filesystem::exists(spec, ec)) return spec;
  std::string dir = FindInstalledModel(spec);
  if (!dir.empty()) return dir;
  return Status::NotFound("model '" + spec +
                          "' is neither a file, a folder nor an installed model (ragdb model "
                          "list)");
}

Result<std::shared_ptr<const llm::LanguageModel>> LoadLanguageModel(const std::string& spec) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const llm::LanguageModel>> cache;
  RAGDB_ASSIGN_OR_RETURN(std::string path, ResolveLanguageModelPath(spec));
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  RAGDB_ASSIGN_OR_RETURN(auto m, llm::LanguageModel::Load(path, spec));
  cache[path] = m;
  return m;
}

bool ParseLocalModel(const std::string& model, std::string* name) {
  if (!model.starts_with("local:") || model.size() == 6) return false;
  *name = model.substr(6);
  return true;
}

}  // namespace ragdb::model
