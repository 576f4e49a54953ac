// Embedder::Load and the transformer-backed embedder.
#include <charconv>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "model/clip/clip_config.h"
#include "model/clip/clip_embedder.h"
#include "model/decoder_embedder.h"
#include "model/default_models.h"
#include "model/encoder_model.h"
#include "model/model_cache.h"
#include "ragdb/model.h"

namespace ragdb {
namespace {

using model::EncoderModel;
using model::Encoding;

Result<nlohmann::json> ReadJsonIfExists(const std::string& path) {
  if (!FileExists(path)) return nlohmann::json();
  RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(path + ": not valid JSON: " + e.what());
  }
}

class TransformerEmbedder : public Embedder {
 public:
  static Result<std::unique_ptr<Embedder>> Load(const std::string& dir, EmbedderOptions opts) {
    auto e = std::unique_ptr<TransformerEmbedder>(new TransformerEmbedder());
    RAGDB_ASSIGN_OR_RETURN(
        e->model_, EncoderModel::Load(dir, opts.max_length, opts.threads, opts.quantization));
    if (e->model_->config().classifier) {
      return Status::InvalidArgument(dir +
                                     ": is a sequence-classification model; load it as a Reranker");
    }
    e->opts_ = opts;
    e->name_ = model::ModelFolderName(dir);
    if (opts.pooling == Pooling::kLast) {
      return Status::InvalidArgument(dir + ": last-token pooling is for decoder models");
    }
    if (opts.pooling == Pooling::kAuto) {
      e->opts_.pooling = Pooling::kMean;
      RAGDB_ASSIGN_OR_RETURN(nlohmann::json pool,
                             ReadJsonIfExists(JoinPath(dir, "1_Pooling/config.json")));
      if (pool.is_object()) {
        if (pool.value("pooling_mode_cls_token", false)) {
          e->opts_.pooling = Pooling::kCls;
        } else if (!pool.value("pooling_mode_mean_tokens", true)) {
          return Status::InvalidArgument(dir +
                                         "/1_Pooling/config.json: only CLS and mean pooling are "
                                         "supported");
        }
      }
    }
    RAGDB_ASSIGN_OR_RETURN(nlohmann::json st,
                           ReadJsonIfExists(JoinPath(dir, "config_sentence_transformers.json")));
    if (st.is_object() && st.contains("prompts") && st["prompts"].is_object()) {
      const auto& p = st["prompts"];
      if (p.contains("query") && p["query"].is_string()) e->query_prompt_ = p["query"];
      for (const char* k : {"document", "passage"}) {
        if (p.contains(k) && p[k].is_string()) e->doc_prompt_ = p[k];
      }
    }
    if (opts.query_prompt) e->query_prompt_ = *opts.query_prompt;
    if (opts.document_prompt) e->doc_prompt_ = *opts.document_prompt;
    return std::unique_ptr<Embedder>(std::move(e));
  }

  Result<std::vector<std::vector<float>>> Embed(std::span<const std::string> texts,
                                                bool is_query) const override {
    const std::string& prompt = is_query ? query_prompt_ : doc_prompt_;
    std::vector<Encoding> enc;
    enc.reserve(texts.size());
    for (const std::string& t : texts) {
      auto e = model_->tokenizer().Encode(prompt.empty() ? t : prompt + t, model_->max_length());
      if (!e.ok()) return e.status();
      enc.push_back(std::move(*e));
    }
    const size_t H = dim();
    std::vector<std::vector<float>> out(texts.size());
    RAGDB_RETURN_IF_ERROR(
        model_->Run(enc, opts_.batch_size,
                    [&](const std::vector<size_t>& idx, const std::vector<float>& hidden,
                        const std::vector<size_t>& offsets) {
                      for (size_t s = 0; s < idx.size(); ++s) {
                        std::vector<float> v(H, 0.0f);
                        const size_t b = offsets[s], e = offsets[s + 1];
                        if (opts_.pooling == Pooling::kCls) {
                          std::copy_n(&hidden[b * H], H, v.begin());
                        } else {
                          for (size_t r = b; r < e; ++r) {
                            for (size_t j = 0; j < H; ++j) v[j] += hidden[r * H + j];
                          }
                          const float inv = 1.0f / static_cast<float>(e - b);
                          for (float& x : v) x *= inv;
                        }
                        if (opts_.normalize) {
                          double n = 0;
                          for (float x : v) n += static_cast<double>(x) * x;
                          const float inv = static_cast<float>(1.0 / std::max(std::sqrt(n), 1e-12));
                          for (float& x : v) x *= inv;
                        }
                        out[idx[s]] = std::move(v);
                      }
                    }));
    return out;
  }

  size_t dim() const override { return static_cast<size_t>(model_->config().hidden_size); }
  size_t max_length() const override { return model_->max_length(); }
  std::string name() const override { return name_; }

 private:
  std::unique_ptr<EncoderModel> model_;
  EmbedderOptions opts_;
  std::string name_;
  std::string query_prompt_, doc_prompt_;
};

class TransformerReranker : public Reranker {
 public:
  static Result<std::unique_ptr<Reranker>> Load(const std::string& dir, RerankerOptions opts) {
    auto r = std::unique_ptr<TransformerReranker>(new TransformerReranker());
    RAGDB_ASSIGN_OR_RETURN(
        r->model_, EncoderModel::Load(dir, opts.max_length, opts.threads, opts.quantization));
    if (!r->model_->config().classifier) {
      return Status::InvalidArgument(dir +
                                     ": config.json architectures has no "
                                     "*ForSequenceClassification; not a cross-encoder");
    }
    r->opts_ = opts;
    return std::unique_ptr<Reranker>(std::move(r));
  }

  Result<std::vector<float>> Score(const std::string& query,
                                   std::span<const std::string> docs) const override {
    std::vector<Encoding> enc;
    enc.reserve(docs.size());
    for (const std::string& d : docs) {
      auto e = model_->tokenizer().EncodePair(query, d, model_->max_length());
      if (!e.ok()) return e.status();
      enc.push_back(std::move(*e));
    }
    const size_t labels = static_cast<size_t>(model_->config().num_labels);
    std::vector<float> out(docs.size());
    RAGDB_RETURN_IF_ERROR(
        model_->Run(enc, opts_.batch_size,
                    [&](const std::vector<size_t>& idx, const std::vector<float>& hidden,
                        const std::vector<size_t>& offsets) {
                      std::vector<float> logits = model_->transformer().Classify(hidden, offsets);
                      for (size_t s = 0; s < idx.size(); ++s) {
                        float x = logits[s * labels + labels - 1];
                        out[idx[s]] = opts_.sigmoid ? 1.0f / (1.0f + std::exp(-x)) : x;
                      }
                    }));
    return out;
  }

  size_t max_length() const override { return model_->max_length(); }

 private:
  std::unique_ptr<EncoderModel> model_;
  RerankerOptions opts_;
};

}  // namespace

Result<WeightQuantization> ParseWeightQuantization(const std::string& name) {
  if (name == "none" || name == "f32" || name == "float32") return WeightQuantization::kNone;
  if (name == "int8") return WeightQuantization::kInt8;
  return Status::InvalidArgument("quantization must be none or int8, not '" + name + "'");
}

bool StripInt8Suffix(std::string* spec) {
  constexpr std::string_view kSuffix = "@int8";
  if (spec->size() <= kSuffix.size() || !spec->ends_with(kSuffix)) return false;
  spec->resize(spec->size() - kSuffix.size());
  return true;
}

Result<std::unique_ptr<Embedder>> Embedder::Load(const std::string& spec, EmbedderOptions options) {
  if (spec == "hash") return std::unique_ptr<Embedder>(new HashEmbedder());
  if (spec.starts_with("hash:")) {
    size_t dim = 0;
    const char* b = spec.data() + 5;
    const char* e = spec.data() + spec.size();
    auto [p, ec] = std::from_chars(b, e, dim);
    if (ec != std::errc() || p != e || dim == 0 || dim > 65536) {
      return Status::InvalidArgument("hash embedder: dimension in '" + spec +
                                     "' must be an integer in 1..65536");
    }
    return std::unique_ptr<Embedder>(new HashEmbedder(dim));
  }
  if (spec == kAutoEmbedder) {
    return Status::InvalidArgument(
        "embedder 'auto' is chosen when a collection or knowledge base is created; load the "
        "model it chose (ResolveAutoEmbedder)");
  }
  std::string base = spec;
  if (StripInt8Suffix(&base)) options.quantization = WeightQuantization::kInt8;
  // "clip:MODEL" names an image-text model explicitly; a CLIP folder is recognized anyway.
  const bool clip = base.starts_with("clip:");
  if (clip) base = base.substr(5);
  std::error_code ec;
  if (const model::DefaultModel* d = model::FindDefaultModel(base);
      !clip && d != nullptr && !std::filesystem::exists(base, ec)) {
    // A default model: pulled on first use, with the prompts and pooling it was trained with.
    RAGDB_ASSIGN_OR_RETURN(std::string dir, model::EnsureInstalled(*d));
    if (!options.query_prompt) options.query_prompt = d->query_prompt;
    if (!options.document_prompt) options.document_prompt = d->document_prompt;
    if (options.pooling == Pooling::kAuto) options.pooling = d->pooling;
    return TransformerEmbedder::Load(dir, options);
  }
  // An installed model's name ("BAAI/bge-small-en-v1.5") opens its folder in the model cache.
  RAGDB_ASSIGN_OR_RETURN(std::string path, model::ResolveModelSpec(base));
  if (clip || model::clip::IsClipModelDir(path))
    return model::clip::LoadClipEmbedder(path, options);
  if (model::IsDecoderModelPath(path)) return model::LoadDecoderEmbedder(path, spec, options);
  return TransformerEmbedder::Load(path, options);
}

Result<std::unique_ptr<Reranker>> Reranker::Load(const std::string& dir, RerankerOptions options) {
  std::string base = dir;
  if (StripInt8Suffix(&base)) options.quantization = WeightQuantization::kInt8;
  if (base == "hash" || base.starts_with("hash:") || model::FindDefaultModel(base) != nullptr) {
    return Status::InvalidArgument(
        "'" + base +
        "' is an embedder and cannot rerank; a reranker is a cross-encoder such as "
        "BAAI/bge-reranker-v2-m3 (run `ragdb model pull BAAI/bge-reranker-v2-m3`)");
  }
  RAGDB_ASSIGN_OR_RETURN(std::string folder, model::ResolveModelSpec(base));
  return TransformerReranker::Load(folder, options);
}

}  // namespace ragdb
