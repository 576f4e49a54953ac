// Where installed models live: $RAGDB_MODEL_CACHE, else ~/.cache/ragdb/models, one folder per
// Hugging Face repo name ("BAAI/bge-small-en-v1.5" -> ROOT/BAAI/bge-small-en-v1.5). A folder
// counts as an installed model once it holds config.json (a Hugging Face model), a .gguf file or
// a llama2.c checkpoint (*.bin beside its tok*.bin tokenizer); downloads in progress live under
// ROOT/.partial and are never listed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ragdb/status.h"

namespace ragdb::model {

std::string ModelCacheRoot();

// "owner/name" or "name": letters, digits, '.', '_', '-' per part; no part starting with '.'.
Status ValidateModelName(const std::string& name);

// The folder of an installed model, or "" when `name` is not a valid, installed model name.
std::string FindInstalledModel(const std::string& name);
// The same for a name that may end in "@int8" (see StripInt8Suffix in ragdb/model.h): the folder
// with the suffix kept, so that loading it picks int8 weights.
std::string FindInstalledSpec(const std::string& name);

// What Embedder::Load / Reranker::Load should open: `spec` itself when it is an existing path,
// else the installed model's folder. Otherwise NotFound saying what to do: a valid model name
// that is not installed gets "run `ragdb model pull NAME`".
Result<std::string> ResolveModelSpec(const std::string& spec);

struct InstalledModel {
  std::string name;
  std::string dir;
  uint64_t bytes = 0;
  std::vector<std::string> files;  // relative to dir, sorted
  std::string kind;                // as ModelFolderKind
};

// A model folder's last path component (trailing slashes ignored): the name embedders report.
std::string ModelFolderName(const std::string& dir);

// What a model folder holds: "gguf" (a .gguf file), "llama2c" (a llama2.c checkpoint and its
// tokenizer), "hf" (config.json), or "" (not a model).
std::string ModelFolderKind(const std::string& dir);

// Every installed model under the cache root, sorted by name.
std::vector<InstalledModel> ListInstalledModels();

}  // namespace ragdb::model
