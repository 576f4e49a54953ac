// `ragdb model pull`: downloads a Hugging Face model repo's files into the model cache
// (model_cache.h). Each file is fetched from ENDPOINT/NAME/resolve/main/FILE, checked (size
// against Content-Length, sha256 against the hub's X-Linked-Etag/ETag when it is one, JSON files
// parse, safetensors header parses) and written under a temporary name; the model folder appears
// in the cache only once every file is in place, so a failed pull leaves nothing behind.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/http_get.h"
#include "model/model_add.h"
#include "ragdb/status.h"

namespace ragdb::model {

// The files a model folder may use (model.h). Optional ones that answer 404 are skipped.
const std::vector<std::string>& ModelRepoFiles();

struct PullOptions {
  std::string endpoint;    // "" = $RAGDB_HF_ENDPOINT, else https://huggingface.co
  std::string cache_root;  // "" = ModelCacheRoot()
  // A progress bar on stderr when it is a terminal, and a summary log line (base/progress.h).
  bool progress = false;
  // Only these files of the repo (`model pull REPO --file NAME.gguf`), all required; empty =
  // the files of ModelRepoFiles(). A .gguf file is checked to parse as GGUF.
  std::vector<std::string> files;
  HttpGetOptions http;
};

using PullResult = ModelInstall;

std::string HubEndpoint();

// `name` is OWNER/NAME on the hub, or a default model's short name ("bge-small-en-v1.5", which
// installs BAAI/bge-small-en-v1.5). Replaces an earlier install of the same name only once the
// new one is complete.
Result<PullResult> PullModel(const std::string& name, const PullOptions& options = {});

}  // namespace ragdb::model
