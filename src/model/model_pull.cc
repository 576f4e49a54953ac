#include "model/model_pull.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/file.h"
#include "base/progress.h"
#include "model/default_models.h"
#include "model/llm/gguf.h"
#include "model/model_add.h"
#include "model/model_cache.h"
#include "model/safetensors.h"
#include "model/torch_checkpoint.h"

namespace ragdb::model {
namespace {
namespace fs = std::filesystem;

bool IsSha256Hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// ETag values come quoted and possibly weak: W/"abc".
std::string Unquote(std::string s) {
  if (s.starts_with("W/")) s = s.substr(2);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<std::string> Sha256File(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::IOError("cannot read " + path);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 16);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) EVP_DigestUpdate(ctx, buf.data(), n);
  std::fclose(f);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 15];
  }
  return hex;
}

Status Verify(const std::string& file, const std::string& path, const HttpGetResult& r) {
  if (r.content_length >= 0 && r.bytes != static_cast<uint64_t>(r.content_length)) {
    return Status::IOError(file + ": got " + std::to_string(r.bytes) + " bytes, Content-Length " +
                           std::to_string(r.content_length));
  }
  auto size = r.headers.find("x-linked-size");
  if (size != r.headers.end() && size->second != std::to_string(r.bytes)) {
    return Status::IOError(file + ": got " + std::to_string(r.bytes) + " bytes, the hub says " +
                           size->second);
  }
  // LFS files carry their sha256 in X-Linked-Etag; plain git files have a sha1 ETag (skipped).
  std::string want;
  for (const char* k : {"x-linked-etag", "etag"}) {
    auto it = r.headers.find(k);
    if (it != r.headers.end() && IsSha256Hex(Unquote(it->second))) {
      want = Unquote(it->second);
      break;
    }
  }
  if (!want.empty()) {
    RAGDB_ASSIGN_OR_RETURN(std::string got, Sha256File(path));
    if (got != want) {
      return Status::Corruption(file + ": sha256 " + got + " does not match the hub's " + want);
    }
  }
  if (file.ends_with(".json")) {
    RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    if (!nlohmann::json::accept(text)) return Status::Corruption(file + ": not valid JSON");
  }
  if (file.ends_with(".safetensors")) {
    auto st = SafeTensors::Open(path);
    if (!st.ok()) return Status::Corruption(file + ": " + st.status().message());
  }
  if (file.ends_with(".pt")) {
    auto c = TorchCheckpoint::Open(path);
    if (!c.ok()) return Status::Corruption(file + ": " + c.status().message());
  }
  if (file.ends_with(".gguf")) {
    auto g = llm::GgufFile::Open(path);
    if (!g.ok()) return Status::Corruption(file + ": " + g.status().message());
  }
  return Status::Ok();
}

std::string Mb(uint64_t b) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f MB", static_cast<double>(b) / 1e6);
  return buf;
}

}  // namespace

const std::vector<std::string>& ModelRepoFiles() {
  static const std::vector<std::string> kFiles = {"config.json",
                                                  "tokenizer.json",
                                                  "vocab.txt",
                                                  "sentencepiece.bpe.model",
                                                  "tokenizer_config.json",
                                                  "special_tokens_map.json",
                                                  "1_Pooling/config.json",
                                                  "config_sentence_transformers.json",
                                                  "sentence_bert_config.json",
                                                  "artifact.metadata",  // ColBERT's settings
                                                  "sparse_linear.pt",   // BGE-M3's sparse head
                                                  "model.safetensors"};
  return kFiles;
}

std::string HubEndpoint() {
  const char* env = std::getenv("RAGDB_HF_ENDPOINT");
  std::string e = env && *env ? env : "https://huggingface.co";
  while (e.ends_with("/")) e.pop_back();
  return e;
}

Result<PullResult> PullModel(const std::string& requested, const PullOptions& options) {
  // A default model's short name ("bge-small-en-v1.5") pulls its hub repo.
  const DefaultModel* short_name = FindDefaultModel(requested);
  const std::string name = short_name != nullptr ? short_name->repo : requested;
  RAGDB_RETURN_IF_ERROR(ValidateModelName(name));
  std::string endpoint = options.endpoint.empty() ? HubEndpoint() : options.endpoint;
  while (endpoint.ends_with("/")) endpoint.pop_back();
  const std::string root = options.cache_root.empty() ? ModelCacheRoot() : options.cache_root;
  std::string flat = name;
  for (char& c : flat) c = c == '/' ? '_' : c;
  StagingGuard staging{root + "/.partial/" + flat + "." + std::to_string(getpid())};
  std::error_code ec;
  fs::remove_all(staging.dir, ec);
  RAGDB_RETURN_IF_ERROR(CreateDirs(staging.dir));

  PullResult out;
  bool have_tokenizer = false;
  // One bar for the whole pull: bytes so far, with a total once the weights (the last and by far
  // the largest file) start, so the rate and time left describe them.
  std::optional<Progress> progress;
  if (options.progress) progress.emplace("model.pull", Progress::Unit::kBytes, 0);
  const bool chosen = !options.files.empty();
  for (const std::string& file : chosen ? options.files : ModelRepoFiles()) {
    if (file.empty() || file.starts_with("/") || file.find("..") != std::string::npos) {
      return Status::InvalidArgument("bad file name '" + file + "'");
    }
    const std::string dest = staging.dir + "/" + file;
    RAGDB_RETURN_IF_ERROR(CreateDirs(fs::path(dest).parent_path().string()));
    const std::string part = dest + ".part";
    HttpGetOptions http = options.http;
    if (progress) {
      progress->SetDetail(file);
      const uint64_t before = out.bytes;
      http.progress = [&progress, &file, before, sized = false](uint64_t got,
                                                                int64_t total) mutable {
        if (!sized && total > 0 && (file == "model.safetensors" || file.ends_with(".gguf"))) {
          progress->SetTotal(before + static_cast<uint64_t>(total));
          sized = true;
        }
        progress->Set(before + got);
      };
    }
    const std::string url = endpoint + "/" + name + "/resolve/main/" + file;
    auto r = HttpGetToFile(url, part, http);
    if (!r.ok()) {
      return Status(r.status().code(), name + "/" + file + ": " + r.status().message());
    }
    if (r->status == 404 && chosen) {
      return Status::NotFound("model '" + name + "' has no file " + file + " at " + endpoint +
                              " (HTTP 404)");
    }
    if (r->status == 404) {
      if (file == "config.json") {
        return Status::NotFound("model '" + name + "' not found at " + endpoint +
                                " (config.json: HTTP 404)");
      }
      if (file == "model.safetensors") {
        return Status::NotFound("model '" + name +
                                "' has no model.safetensors (only safetensors weights are "
                                "supported)");
      }
      continue;
    }
    if (r->status == 401 || r->status == 403) {
      return Status::PermissionDenied(url + ": HTTP " + std::to_string(r->status) +
                                      " (private or gated model?)");
    }
    if (r->status / 100 != 2) {
      return Status::IOError(url + ": HTTP " + std::to_string(r->status));
    }
    RAGDB_RETURN_IF_ERROR(Verify(file, part, *r));
    RAGDB_RETURN_IF_ERROR(RenameFile(part, dest));
    if (file == "tokenizer.json" || file == "vocab.txt" || file == "sentencepiece.bpe.model") {
      have_tokenizer = true;
    }
    out.files.push_back(file);
    out.bytes += r->bytes;
  }
  if (!have_tokenizer && !chosen) {
    return Status::NotFound("model '" + name +
                            "' has none of tokenizer.json, vocab.txt, sentencepiece.bpe.model");
  }
  // Swap the complete folder in: the old install (if any) goes only now.
  const std::string final_dir = root + "/" + name;
  RAGDB_RETURN_IF_ERROR(CreateDirs(fs::path(final_dir).parent_path().string()));
  fs::remove_all(final_dir, ec);
  RAGDB_RETURN_IF_ERROR(RenameFile(staging.dir, final_dir));
  RAGDB_RETURN_IF_ERROR(SyncDir(fs::path(final_dir).parent_path().string()));
  out.dir = final_dir;
  if (progress) {
    progress->Finish("pulled " + name + ": " + std::to_string(out.files.size()) + " files, " +
                     Mb(out.bytes));
  }
  return out;
}

}  // namespace ragdb::model
