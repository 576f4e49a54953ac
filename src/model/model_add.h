// `ragdb model add`: installs a local model file or folder into the model cache
// (model_cache.h). Built in every configuration, also without the network parts (model_pull.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ragdb/status.h"

namespace ragdb::model {

// A model folder written into the cache by `model add` or `model pull`.
struct ModelInstall {
  std::string dir;
  std::vector<std::string> files;
  uint64_t bytes = 0;
};

// Removes a staging folder (CACHE/.partial/...) and .partial itself when empty, at scope exit:
// an install that fails leaves nothing behind. After the folder was renamed into place there is
// nothing left to remove.
struct StagingGuard {
  std::string dir;
  ~StagingGuard();
};

// `ragdb model add NAME PATH`: copies a local .gguf file, or a model folder (Hugging Face files,
// a .gguf, or a llama2.c checkpoint with its tokenizer), into the model cache under NAME. The
// copy is made under CACHE/.partial, fsynced, checked (a GGUF must parse; a folder must hold a
// model) and only then renamed into place, replacing an earlier install of NAME.
Result<ModelInstall> AddLocalModel(const std::string& name, const std::string& path,
                                   const std::string& cache_root = "");

}  // namespace ragdb::model
