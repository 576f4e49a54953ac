#include "model/decoder_embedder.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "model/llm/decoder_state.h"
#include "model/llm/language_model.h"
#include "model/model_cache.h"
#include "model/safetensors.h"

namespace ragdb::model {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kDecoderTypes[] = {"qwen3", "qwen2", "llama", "mistral"};

Result<json> ReadJson(const std::string& path) {
  RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument(path + ": not valid JSON");
  return j;
}

// tokenizer.json of a byte-level BPE model as a BpeVocab.
Result<llm::BpeVocab> BpeFromTokenizerJson(const std::string& path) {
  RAGDB_ASSIGN_OR_RETURN(json j, ReadJson(path));
  llm::BpeVocab v;
  v.source = path;
  try {
    const json& model = j.at("model");
    if (model.value("type", "") != "BPE" || !model.contains("vocab")) {
      return Status::Unimplemented(path +
                                   ": only byte-level BPE tokenizers are supported for "
                                   "decoder models");
    }
    size_t n = 0;
    for (const auto& [tok, id] : model["vocab"].items())
      n = std::max<size_t>(n, id.get<size_t>() + 1);
    for (const json& a : j.value("added_tokens", json::array())) {
      n = std::max<size_t>(n, a.at("id").get<size_t>() + 1);
    }
    if (n > (1u << 22)) return Status::InvalidArgument(path + ": vocabulary too large");
    v.tokens.assign(n, "");
    v.types.assign(n, llm::TokenType::kUnused);
    for (const auto& [tok, id] : model["vocab"].items()) {
      v.tokens[id.get<size_t>()] = tok;
      v.types[id.get<size_t>()] = llm::TokenType::kNormal;
    }
    for (const json& a : j.value("added_tokens", json::array())) {
      const size_t id = a.at("id").get<size_t>();
      v.tokens[id] = a.at("content").get<std::string>();
      v.types[id] =
          a.value("special", false) ? llm::TokenType::kControl : llm::TokenType::kUserDefined;
    }
    for (const json& m : model.at("merges")) {
      if (m.is_string()) {
        v.merges.push_back(m.get<std::string>());
      } else if (m.is_array() && m.size() == 2) {
        v.merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
      } else {
        return Status::InvalidArgument(path + ": a merge is neither 'a b' nor [a, b]");
      }
    }
    // The pre-tokenizer's split pattern names the family.
    const std::string pre = j.value("pre_tokenizer", json()).dump();
    if (pre.find("\\\\p{N}{1,3}") != std::string::npos) {
      v.pre = "llama-bpe";
    } else if (pre.find("[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+") != std::string::npos) {
      v.pre = "qwen2";
    } else {
      v.pre = "gpt2";
    }
    // A post-processor that appends a special token after the text (Qwen3-Embedding: EOS).
    const json post = j.value("post_processor", json());
    if (post.is_object() && post.contains("single") && post["single"].is_array() &&
        !post["single"].empty() && post["single"].back().contains("SpecialToken")) {
      const std::string last = post["single"].back()["SpecialToken"].value("id", "");
      for (size_t i = 0; i < v.tokens.size(); ++i) {
        if (v.tokens[i] == last) v.eos = static_cast<int32_t>(i);
      }
      v.add_eos = v.eos >= 0;
    }
  } catch (const json::exception& e) {
    return Status::InvalidArgument(path + ": " + e.what());
  }
  if (v.eos < 0) {
    for (const char* t : {"<|endoftext|>", "</s>", "<|end_of_text|>"}) {
      for (size_t i = 0; i < v.tokens.size() && v.eos < 0; ++i) {
        if (v.tokens[i] == t) v.eos = static_cast<int32_t>(i);
      }
    }
  }
  return v;
}

Result<llm::Weight> StWeight(const SafeTensors& st, const std::string& name, size_t rows,
                             size_t cols) {
  const TensorInfo* t = st.Find(name);
  if (!t) return Status::InvalidArgument(st.path() + ": tensor " + name + " is missing");
  if (t->shape != std::vector<int64_t>{static_cast<int64_t>(rows), static_cast<int64_t>(cols)}) {
    return Status::InvalidArgument(st.path() + ": tensor " + name + " has shape " +
                                   ShapeString(t->shape));
  }
  llm::Weight w;
  switch (t->dtype) {
    case DType::kF32:
      w.type = llm::GgmlType::kF32;
      break;
    case DType::kF16:
      w.type = llm::GgmlType::kF16;
      break;
    case DType::kBF16:
      w.type = llm::GgmlType::kBF16;
      break;
    default:
      return Status::Unimplemented(st.path() + ": tensor " + name + " is " + t->dtype_name);
  }
  w.data = t->data;
  w.rows = rows;
  w.cols = cols;
  w.row_bytes = llm::RowBytes(w.type, cols);
  return w;
}

Result<std::vector<float>> StVector(const SafeTensors& st, const std::string& name, size_t n,
                                    bool optional = false) {
  if (optional && !st.Has(name)) return std::vector<float>();
  return st.ReadF32(name, {static_cast<int64_t>(n)});
}

// A Hugging Face decoder folder (safetensors weights, tokenizer.json).
Result<std::shared_ptr<const llm::LanguageModel>> LoadHfDecoder(const std::string& dir) {
  RAGDB_ASSIGN_OR_RETURN(json cfg, ReadJson(dir + "/config.json"));
  llm::DecoderConfig c;
  bool bias = false;
  try {
    c.arch = cfg.at("model_type").get<std::string>();
    c.dim = cfg.at("hidden_size");
    c.layers = cfg.at("num_hidden_layers");
    c.heads = cfg.at("num_attention_heads");
    c.kv_heads = cfg.value("num_key_value_heads", c.heads);
    c.ffn_dim = cfg.at("intermediate_size");
    c.vocab = cfg.at("vocab_size");
    c.head_dim = cfg.contains("head_dim") && cfg["head_dim"].is_number()
                     ? cfg["head_dim"].get<size_t>()
                     : c.dim / std::max<size_t>(1, c.heads);
    c.context = cfg.value("max_position_embeddings", 2048);
    c.norm_eps = cfg.value("rms_norm_eps", 1e-6f);
    c.rope_theta = cfg.value("rope_theta", 10000.0f);
    bias = cfg.value("attention_bias", c.arch == "qwen2");
    if (cfg.contains("rope_scaling") && cfg["rope_scaling"].is_object()) {
      const json& rs = cfg["rope_scaling"];
      const std::string type = rs.value("rope_type", rs.value("type", ""));
      if (type != "linear") {
        return Status::Unimplemented(dir + ": rope_scaling '" + type + "' is not supported");
      }
      c.rope_freq_scale = 1.0f / rs.value("factor", 1.0f);
    }
  } catch (const json::exception& e) {
    return Status::InvalidArgument(dir + "/config.json: " + e.what());
  }
  c.rope_dims = c.head_dim;
  // Hugging Face stores q and k for rotate_half, which is the NeoX pairing.
  c.rope_style = llm::RopeStyle::kNeox;
  RAGDB_ASSIGN_OR_RETURN(auto st_unique, SafeTensors::Open(dir + "/model.safetensors"));
  std::shared_ptr<const SafeTensors> st(std::move(st_unique));
  const std::string p = st->Has("model.embed_tokens.weight") ? "model." : "";
  std::vector<llm::DecoderLayer> layers(c.layers);
  for (size_t l = 0; l < c.layers; ++l) {
    llm::DecoderLayer& L = layers[l];
    const std::string b = p + "layers." + std::to_string(l) + ".";
    RAGDB_ASSIGN_OR_RETURN(L.attn_norm, StVector(*st, b + "input_layernorm.weight", c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.ffn_norm, StVector(*st, b + "post_attention_layernorm.weight", c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.wq, StWeight(*st, b + "self_attn.q_proj.weight", c.q_dim(), c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.wk, StWeight(*st, b + "self_attn.k_proj.weight", c.kv_dim(), c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.wv, StWeight(*st, b + "self_attn.v_proj.weight", c.kv_dim(), c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.wo, StWeight(*st, b + "self_attn.o_proj.weight", c.dim, c.q_dim()));
    RAGDB_ASSIGN_OR_RETURN(L.bq, StVector(*st, b + "self_attn.q_proj.bias", c.q_dim(), !bias));
    RAGDB_ASSIGN_OR_RETURN(L.bk, StVector(*st, b + "self_attn.k_proj.bias", c.kv_dim(), !bias));
    RAGDB_ASSIGN_OR_RETURN(L.bv, StVector(*st, b + "self_attn.v_proj.bias", c.kv_dim(), !bias));
    RAGDB_ASSIGN_OR_RETURN(L.q_norm,
                           StVector(*st, b + "self_attn.q_norm.weight", c.head_dim, true));
    RAGDB_ASSIGN_OR_RETURN(L.k_norm,
                           StVector(*st, b + "self_attn.k_norm.weight", c.head_dim, true));
    RAGDB_ASSIGN_OR_RETURN(L.w_gate, StWeight(*st, b + "mlp.gate_proj.weight", c.ffn_dim, c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.w_up, StWeight(*st, b + "mlp.up_proj.weight", c.ffn_dim, c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.w_down, StWeight(*st, b + "mlp.down_proj.weight", c.dim, c.ffn_dim));
  }
  RAGDB_ASSIGN_OR_RETURN(llm::Weight embd,
                         StWeight(*st, p + "embed_tokens.weight", c.vocab, c.dim));
  llm::Weight output = embd;
  if (st->Has("lm_head.weight")) {
    RAGDB_ASSIGN_OR_RETURN(output, StWeight(*st, "lm_head.weight", c.vocab, c.dim));
  }
  RAGDB_ASSIGN_OR_RETURN(auto norm, StVector(*st, p + "norm.weight", c.dim));
  auto m = std::make_shared<llm::LanguageModel>();
  m->name = dir;
  m->path = dir;
  RAGDB_ASSIGN_OR_RETURN(m->decoder, llm::DecoderModel::Assemble(c, std::move(layers), embd, output,
                                                                 std::move(norm), st));
  RAGDB_ASSIGN_OR_RETURN(llm::BpeVocab vocab, BpeFromTokenizerJson(dir + "/tokenizer.json"));
  RAGDB_ASSIGN_OR_RETURN(m->tokenizer, llm::MakeBpeTokenizer(std::move(vocab)));
  return std::shared_ptr<const llm::LanguageModel>(std::move(m));
}

class DecoderEmbedder : public Embedder {
 public:
  DecoderEmbedder(std::shared_ptr<const llm::LanguageModel> m, std::string name, EmbedderOptions o)
      : m_(std::move(m)), name_(std::move(name)), o_(o) {
    max_ = std::min<size_t>(m_->decoder->config().context, 8192);
    if (o_.max_length > 0) max_ = std::min(max_, o_.max_length);
  }

  Result<std::vector<std::vector<float>>> Embed(std::span<const std::string> texts,
                                                bool is_query) const override {
    const size_t dim = m_->decoder->config().dim;
    std::vector<std::vector<float>> out;
    out.reserve(texts.size());
    llm::DecoderState state(*m_->decoder, max_);
    std::vector<float> hidden;
    for (const std::string& text : texts) {
      std::vector<int32_t> ids =
          m_->tokenizer->Encode(text, m_->tokenizer->adds_bos(), /*parse_special=*/false);
      const bool eos = m_->tokenizer->adds_eos() || o_.pooling != Pooling::kMean;
      if (ids.size() + (eos ? 1 : 0) > max_) ids.resize(max_ - (eos ? 1 : 0));
      // Last-token pooling reads the state after EOS, as Qwen3-Embedding's tokenizer appends it.
      if (eos && m_->tokenizer->eos() >= 0) ids.push_back(m_->tokenizer->eos());
      if (ids.empty()) {
        out.emplace_back(dim, 0.0f);
        continue;
      }
      state.Truncate(0);
      RAGDB_RETURN_IF_ERROR(state.Forward(ids, llm::ForwardOutput::kHidden, &hidden));
      std::vector<float> v(dim, 0.0f);
      if (o_.pooling == Pooling::kMean) {
        for (size_t t = 0; t < ids.size(); ++t) {
          for (size_t i = 0; i < dim; ++i) v[i] += hidden[t * dim + i];
        }
        for (float& x : v) x /= static_cast<float>(ids.size());
      } else {
        const size_t t = o_.pooling == Pooling::kCls ? 0 : ids.size() - 1;
        std::copy(hidden.begin() + t * dim, hidden.begin() + (t + 1) * dim, v.begin());
      }
      if (o_.normalize) {
        double ss = 0;
        for (float x : v) ss += static_cast<double>(x) * x;
        if (ss > 0) {
          const float inv = static_cast<float>(1.0 / std::sqrt(ss));
          for (float& x : v) x *= inv;
        }
      }
      out.push_back(std::move(v));
    }
    (void)is_query;
    return out;
  }
  size_t dim() const override { return m_->decoder->config().dim; }
  size_t max_length() const override { return max_; }
  std::string name() const override { return name_; }

 private:
  std::shared_ptr<const llm::LanguageModel> m_;
  std::string name_;
  EmbedderOptions o_;
  size_t max_ = 0;
};

bool IsHfDecoderFolder(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(dir + "/config.json", ec)) return false;
  auto cfg = ReadJson(dir + "/config.json");
  if (!cfg.ok() || !cfg->is_object()) return false;
  const std::string type = cfg->value("model_type", "");
  for (const char* t : kDecoderTypes) {
    if (type == t) return true;
  }
  return false;
}

}  // namespace

bool IsDecoderModelPath(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return path.ends_with(".gguf");
  const std::string kind = ModelFolderKind(path);
  return kind == "gguf" || kind == "llama2c" || (kind == "hf" && IsHfDecoderFolder(path));
}

Result<std::unique_ptr<Embedder>> LoadDecoderEmbedder(const std::string& path,
                                                      const std::string& name,
                                                      const EmbedderOptions& options) {
  std::shared_ptr<const llm::LanguageModel> m;
  if (ModelFolderKind(path) == "hf") {
    RAGDB_ASSIGN_OR_RETURN(m, LoadHfDecoder(path));
  } else {
    RAGDB_ASSIGN_OR_RETURN(m, llm::LanguageModel::Load(path, name));
  }
  EmbedderOptions o = options;
  if (o.pooling == Pooling::kAuto) {
    // llama.cpp's {arch}.pooling_type is not kept by the loader; decoders default to last.
    o.pooling = Pooling::kLast;
  }
  return std::unique_ptr<Embedder>(new DecoderEmbedder(std::move(m), name, o));
}

}  // namespace ragdb::model
