// OpenAI-compatible embeddings: POST /v1/embeddings and GET /v1/models (embedders, and each
// knowledge base as the chat model kb:NAME), so OpenAI client libraries (and tools built on them)
// can use ragdb's built-in embedders. Bodies and errors use
// OpenAI's shapes, not the Qdrant envelope, because those clients parse OpenAI's.
#include <bit>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include "base/base64.h"
#include "base/json_text.h"
#include "model/model_cache.h"
#include "ragdb/model.h"
#include "server/app.h"
#include "server/kb_http.h"
#include "server/openai_reply.h"

namespace ragdb::server {
namespace {

constexpr size_t kMaxInputs = 2048;  // OpenAI's own limit per request

// Loaded embedders by model string, shared by every request and tenant: a model's weights are
// read-only and Embed is thread-safe, so loading one once per process is enough.
std::mutex embedders_mu;
std::map<std::string, std::shared_ptr<Embedder>> embedders;

Result<std::shared_ptr<Embedder>> GetEmbedder(const std::string& model) {
  std::lock_guard<std::mutex> lock(embedders_mu);
  auto it = embedders.find(model);
  if (it != embedders.end()) return it->second;
  RAGDB_ASSIGN_OR_RETURN(std::string spec, ResolveServerModel(model));
  RAGDB_ASSIGN_OR_RETURN(std::unique_ptr<Embedder> e, Embedder::Load(spec));
  std::shared_ptr<Embedder> shared = std::move(e);
  embedders.emplace(model, shared);
  return shared;
}

// Clients name "hash[:DIM]" or an installed model (`ragdb model pull`), never a folder.
bool ModelExists(const std::string& model) { return ResolveServerModel(model).ok(); }

// OpenAI's base64 format is the raw little-endian float32 array.
std::string FloatsBase64(const std::vector<float>& v) {
  static_assert(std::endian::native == std::endian::little, "base64 embeddings assume LE");
  std::string bytes(v.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), v.data(), bytes.size());
  return Base64Encode(bytes);
}

Result<Json> CreateEmbeddings(Ctx& ctx) {
  auto body = ctx.Body();
  if (!body.ok()) return OpenAiError(ctx, 400, body.status().message());
  const Json& b = *body;
  if (!b.contains("model") || !b["model"].is_string() || b["model"].get<std::string>().empty()) {
    return OpenAiError(ctx, 400, "you must provide a model parameter");
  }
  const std::string model = b["model"];
  if (!b.contains("input")) return OpenAiError(ctx, 400, "you must provide an input parameter");
  std::vector<std::string> texts;
  const Json& in = b["input"];
  if (in.is_string()) {
    texts.push_back(in.get<std::string>());
  } else if (in.is_array()) {
    for (const Json& t : in) {
      if (!t.is_string()) {
        return OpenAiError(ctx, 400,
                           "input must be a string or an array of strings (token arrays are "
                           "not supported)");
      }
      texts.push_back(t.get<std::string>());
    }
  } else {
    return OpenAiError(ctx, 400, "input must be a string or an array of strings");
  }
  if (texts.empty()) return OpenAiError(ctx, 400, "input must not be empty");
  if (texts.size() > kMaxInputs) {
    return OpenAiError(ctx, 400, "at most " + std::to_string(kMaxInputs) + " inputs per request");
  }
  std::string format = "float";
  if (b.contains("encoding_format") && !b["encoding_format"].is_null()) {
    if (!b["encoding_format"].is_string())
      return OpenAiError(ctx, 400, "encoding_format must be a string");
    format = b["encoding_format"];
    if (format != "float" && format != "base64") {
      return OpenAiError(ctx, 400, "encoding_format must be 'float' or 'base64'");
    }
  }
  if (!ModelExists(model)) {
    return OpenAiError(ctx, 404, "The model `" + model + "` does not exist", "model_not_found");
  }
  auto embedder = GetEmbedder(model);
  if (!embedder.ok()) return OpenAiError(ctx, 400, embedder.status().message());
  auto vecs = (*embedder)->Embed(texts);
  if (!vecs.ok()) return OpenAiError(ctx, 400, vecs.status().message());

  Json data = Json::array();
  size_t tokens = 0;
  for (size_t i = 0; i < vecs->size(); ++i) {
    tokens += CountWords(texts[i]);
    Json e = {{"object", "embedding"}, {"index", i}};
    if (format == "base64") {
      e["embedding"] = FloatsBase64((*vecs)[i]);
    } else {
      e["embedding"] = (*vecs)[i];
    }
    data.push_back(std::move(e));
  }
  OpenAiReply(ctx, 200,
              Json{{"object", "list"},
                   {"data", std::move(data)},
                   {"model", model},
                   {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
  return Json(nullptr);
}

Result<Json> ListModels(Ctx& ctx) {
  Json data = Json::array();
  data.push_back({{"id", "hash"}, {"object", "model"}, {"created", 0}, {"owned_by", "ragdb"}});
  for (const auto& m : model::ListInstalledModels()) {
    data.push_back({{"id", m.name}, {"object", "model"}, {"created", 0}, {"owned_by", "ragdb"}});
  }
  // Chat models: each knowledge base of the caller's tenant answers as kb:NAME.
  RAGDB_ASSIGN_OR_RETURN(auto kbs, ctx.Kbs());
  for (const auto& name : kbs->List()) {
    data.push_back(
        {{"id", "kb:" + name}, {"object", "model"}, {"created", 0}, {"owned_by", "ragdb"}});
  }
  OpenAiReply(ctx, 200, Json{{"object", "list"}, {"data", std::move(data)}});
  return Json(nullptr);
}

}  // namespace

void OpenAiReply(Ctx& ctx, int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.body = WriteJson(body);
  ctx.raw = std::move(r);
}

Result<Json> OpenAiError(Ctx& ctx, int status, const std::string& message,
                         const std::string& code) {
  Json err = {{"message", message},
              {"type", "invalid_request_error"},
              {"param", nullptr},
              {"code", code.empty() ? Json(nullptr) : Json(code)}};
  OpenAiReply(ctx, status, Json{{"error", err}});
  return Json(nullptr);
}

size_t CountWords(std::string_view s) {
  size_t n = 0;
  bool in_word = false;
  for (char c : s) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

void RegisterOpenAiRoutes(App& app) {
  app.Route("POST", "/v1/embeddings", Access::kRead, CreateEmbeddings);
  app.Route("GET", "/v1/models", Access::kRead, ListModels);
}

}  // namespace ragdb::server
