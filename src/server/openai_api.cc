// OpenAI-compatible embeddings: POST /v1/embeddings and GET /v1/models (embedders, and each
// knowledge base as the chat model kb:NAME), so OpenAI client libraries (and tools built on them)
// can use ragdb's built-in embedders. Bodies and errors use
// OpenAI's shapes, not the Qdrant envelope, because those clients parse OpenAI's.
#include <bit>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

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
  // Inputs: strings, or objects {"text": ..}, {"image": base64 | data URL} and OpenAI's content
  // parts {"type": "image_url", "image_url": {"url": data URL}} (images for CLIP models).
  std::vector<std::string> texts;
  std::vector<std::string> images;
  std::vector<std::pair<bool, size_t>> order;  // (is image, index in texts / images)
  const Json& in = b["input"];
  auto add = [&](const Json& t) -> std::optional<std::string> {
    if (t.is_string()) {
      order.emplace_back(false, texts.size());
      texts.push_back(t.get<std::string>());
      return std::nullopt;
    }
    if (t.is_object() && t.contains("text") && t["text"].is_string()) {
      order.emplace_back(false, texts.size());
      texts.push_back(t["text"].get<std::string>());
      return std::nullopt;
    }
    const Json* url = nullptr;
    if (t.is_object() && t.contains("image")) url = &t["image"];
    if (t.is_object() && t.value("type", "") == "image_url" && t.contains("image_url") &&
        t["image_url"].is_object() && t["image_url"].contains("url")) {
      url = &t["image_url"]["url"];
    }
    if (url == nullptr) {
      return "input must be a string, an array of strings, or objects with `text` or `image` "
             "(token arrays are not supported)";
    }
    if (!url->is_string()) return "an image must be a base64 string or a data URL";
    const std::string& v = url->get_ref<const std::string&>();
    if (v.starts_with("http://") || v.starts_with("https://")) {
      return "image URLs are not fetched; send the image as base64 or a data URL";
    }
    auto bytes = Base64Decode(v);
    if (!bytes.ok()) return "image: " + bytes.status().message();
    order.emplace_back(true, images.size());
    images.push_back(std::move(bytes).value());
    return std::nullopt;
  };
  if (in.is_array()) {
    for (const Json& t : in) {
      if (auto err = add(t)) return OpenAiError(ctx, 400, *err);
    }
  } else if (auto err = add(in)) {
    return OpenAiError(ctx, 400, *err);
  }
  if (order.empty()) return OpenAiError(ctx, 400, "input must not be empty");
  if (order.size() > kMaxInputs) {
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
  if (!images.empty() && !(*embedder)->embeds_images()) {
    return OpenAiError(ctx, 400, "model `" + model + "` does not embed images (use a CLIP model)");
  }
  std::vector<std::vector<float>> text_vecs, image_vecs;
  if (!texts.empty()) {
    auto v = (*embedder)->Embed(texts);
    if (!v.ok()) return OpenAiError(ctx, 400, v.status().message());
    text_vecs = std::move(v).value();
  }
  if (!images.empty()) {
    auto v = (*embedder)->EmbedImages(images);
    if (!v.ok()) return OpenAiError(ctx, 400, v.status().message());
    image_vecs = std::move(v).value();
  }

  Json data = Json::array();
  size_t tokens = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    const auto [is_image, k] = order[i];
    if (!is_image) tokens += CountWords(texts[k]);
    const std::vector<float>& vec = is_image ? image_vecs[k] : text_vecs[k];
    Json e = {{"object", "embedding"}, {"index", i}};
    if (format == "base64") {
      e["embedding"] = FloatsBase64(vec);
    } else {
      e["embedding"] = vec;
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
