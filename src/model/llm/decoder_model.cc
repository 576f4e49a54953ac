#include "model/llm/decoder_model.h"

#include <cmath>
#include <cstring>

namespace ragdb::model::llm {
namespace {

struct ArchTraits {
  const char* name;
  RopeStyle rope;
  bool qkv_bias;  // q, k, v biases expected
  bool qk_norm;   // per-head RMSNorm of q and k expected
  bool gemma;     // GeGLU, scaled embeddings
};

const ArchTraits* FindArch(const std::string& arch) {
  static const ArchTraits kArchs[] = {
      {"llama", RopeStyle::kInterleaved, false, false, false},
      {"mistral", RopeStyle::kInterleaved, false, false, false},
      {"qwen2", RopeStyle::kNeox, true, false, false},
      {"qwen3", RopeStyle::kNeox, false, true, false},
      {"gemma", RopeStyle::kNeox, false, false, true},
  };
  for (const auto& a : kArchs) {
    if (arch == a.name) return &a;
  }
  return nullptr;
}

class TensorReader {
 public:
  explicit TensorReader(const GgufFile& f) : f_(f) {}

  Result<Weight> Matrix(const std::string& name, size_t rows, size_t cols) const {
    const GgufTensor* t = f_.FindTensor(name);
    if (!t) return Status::InvalidArgument(f_.path() + ": tensor " + name + " is missing");
    if (t->dims.size() != 2 || t->dims[0] != cols || t->dims[1] != rows) {
      return Status::InvalidArgument(f_.path() + ": tensor " + name + " has shape " + Shape(*t) +
                                     ", expected [" + std::to_string(cols) + ", " +
                                     std::to_string(rows) + "]");
    }
    Weight w;
    w.type = t->type;
    w.data = t->data;
    w.rows = rows;
    w.cols = cols;
    w.row_bytes = RowBytes(t->type, cols);
    return w;
  }

  // A vector of `n` values as f32; empty when `optional` and absent.
  Result<std::vector<float>> Vector(const std::string& name, size_t n,
                                    bool optional = false) const {
    const GgufTensor* t = f_.FindTensor(name);
    if (!t) {
      if (optional) return std::vector<float>();
      return Status::InvalidArgument(f_.path() + ": tensor " + name + " is missing");
    }
    if (t->elements() != n || t->dims[0] != n) {
      return Status::InvalidArgument(f_.path() + ": tensor " + name + " has shape " + Shape(*t) +
                                     ", expected [" + std::to_string(n) + "]");
    }
    std::vector<float> v(n);
    DequantizeRow(t->type, t->data, n, v.data());
    for (float x : v) {
      if (!std::isfinite(x)) {
        return Status::InvalidArgument(f_.path() + ": tensor " + name + " holds NaN or inf");
      }
    }
    return v;
  }

  static std::string Shape(const GgufTensor& t) {
    std::string s = "[";
    for (size_t i = 0; i < t.dims.size(); ++i) s += (i ? ", " : "") + std::to_string(t.dims[i]);
    return s + "]";
  }

 private:
  const GgufFile& f_;
};

// Hyperparameters bounded far above any real model, so a corrupt value fails here and not as
// an allocation of terabytes.
Status CheckRange(const std::string& path, const char* what, uint64_t v, uint64_t max) {
  if (v == 0 || v > max) {
    return Status::InvalidArgument(path + ": " + what + " = " + std::to_string(v) +
                                   " is out of range");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<DecoderModel>> DecoderModel::LoadGguf(const std::string& path) {
  RAGDB_ASSIGN_OR_RETURN(auto file, GgufFile::Open(path));
  return FromGguf(std::shared_ptr<const GgufFile>(std::move(file)));
}

Result<std::unique_ptr<DecoderModel>> DecoderModel::FromGguf(std::shared_ptr<const GgufFile> file) {
  const GgufFile& f = *file;
  auto m = std::unique_ptr<DecoderModel>(new DecoderModel());
  DecoderConfig& c = m->config_;
  RAGDB_ASSIGN_OR_RETURN(c.arch, f.GetString("general.architecture"));
  const ArchTraits* arch = FindArch(c.arch);
  if (!arch) {
    return Status::Unimplemented(f.path() + ": architecture '" + c.arch +
                                 "' is not supported (llama, mistral, qwen2, qwen3, gemma are)");
  }
  const std::string p = c.arch + ".";
  RAGDB_ASSIGN_OR_RETURN(c.dim, f.GetUInt(p + "embedding_length"));
  RAGDB_ASSIGN_OR_RETURN(c.layers, f.GetUInt(p + "block_count"));
  RAGDB_ASSIGN_OR_RETURN(c.heads, f.GetUInt(p + "attention.head_count"));
  RAGDB_ASSIGN_OR_RETURN(c.ffn_dim, f.GetUInt(p + "feed_forward_length"));
  c.kv_heads = f.UIntOr(p + "attention.head_count_kv", c.heads);
  c.context = f.UIntOr(p + "context_length", 2048);
  RAGDB_RETURN_IF_ERROR(CheckRange(f.path(), "embedding_length", c.dim, 1 << 16));
  RAGDB_RETURN_IF_ERROR(CheckRange(f.path(), "block_count", c.layers, 1024));
  RAGDB_RETURN_IF_ERROR(CheckRange(f.path(), "head_count", c.heads, 1024));
  RAGDB_RETURN_IF_ERROR(CheckRange(f.path(), "head_count_kv", c.kv_heads, c.heads));
  RAGDB_RETURN_IF_ERROR(CheckRange(f.path(), "feed_forward_length", c.ffn_dim, 1 << 20));
  RAGDB_RETURN_IF_ERROR(CheckRange(f.path(), "context_length", c.context, 1 << 24));
  if (c.heads % c.kv_heads != 0) {
    return Status::InvalidArgument(f.path() + ": head_count " + std::to_string(c.heads) +
                                   " is not a multiple of head_count_kv " +
                                   std::to_string(c.kv_heads));
  }
  c.head_dim = f.UIntOr(p + "attention.key_length", c.dim / c.heads);
  RAGDB_RETURN_IF_ERROR(CheckRange(f.path(), "key_length", c.head_dim, 4096));
  if (f.UIntOr(p + "attention.value_length", c.head_dim) != c.head_dim) {
    return Status::Unimplemented(f.path() + ": value_length != key_length is not supported");
  }
  c.rope_dims = f.UIntOr(p + "rope.dimension_count", c.head_dim);
  if (c.rope_dims > c.head_dim || c.rope_dims % 2 != 0) {
    return Status::InvalidArgument(f.path() + ": rope.dimension_count " +
                                   std::to_string(c.rope_dims) + " does not fit the head");
  }
  c.norm_eps = static_cast<float>(f.FloatOr(p + "attention.layer_norm_rms_epsilon", 1e-5));
  c.rope_theta = static_cast<float>(f.FloatOr(p + "rope.freq_base", 10000.0));
  c.rope_style = arch->rope;
  const std::string scaling = f.StringOr(p + "rope.scaling.type", "none");
  if (scaling == "linear") {
    double factor = f.FloatOr(p + "rope.scaling.factor", 1.0);
    if (!(factor > 0)) return Status::InvalidArgument(f.path() + ": bad rope.scaling.factor");
    c.rope_freq_scale = static_cast<float>(1.0 / factor);
  } else if (scaling != "none" && !scaling.empty()) {
    return Status::Unimplemented(f.path() + ": RoPE scaling '" + scaling +
                                 "' is not supported (linear and Llama 3 frequency factors are)");
  }
  if (arch->gemma) {
    c.gelu_ffn = true;
    c.embed_scale = std::sqrt(static_cast<float>(c.dim));
  }

  TensorReader r(f);
  const GgufTensor* emb = f.FindTensor("token_embd.weight");
  if (!emb || emb->dims.size() != 2 || emb->dims[0] != c.dim) {
    return Status::InvalidArgument(f.path() + ": token_embd.weight is missing or not [" +
                                   std::to_string(c.dim) + ", vocab]");
  }
  c.vocab = emb->dims[1];
  RAGDB_ASSIGN_OR_RETURN(m->token_embd_, r.Matrix("token_embd.weight", c.vocab, c.dim));
  if (f.FindTensor("output.weight")) {
    RAGDB_ASSIGN_OR_RETURN(m->output_, r.Matrix("output.weight", c.vocab, c.dim));
  } else {
    m->output_ = m->token_embd_;  // tied embeddings
  }
  RAGDB_ASSIGN_OR_RETURN(m->output_norm_, r.Vector("output_norm.weight", c.dim));
  RAGDB_ASSIGN_OR_RETURN(m->rope_freqs_, r.Vector("rope_freqs.weight", c.rope_dims / 2, true));
  m->layers_.resize(c.layers);
  for (size_t l = 0; l < c.layers; ++l) {
    DecoderLayer& L = m->layers_[l];
    const std::string b = "blk." + std::to_string(l) + ".";
    RAGDB_ASSIGN_OR_RETURN(L.attn_norm, r.Vector(b + "attn_norm.weight", c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.ffn_norm, r.Vector(b + "ffn_norm.weight", c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.wq, r.Matrix(b + "attn_q.weight", c.q_dim(), c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.wk, r.Matrix(b + "attn_k.weight", c.kv_dim(), c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.wv, r.Matrix(b + "attn_v.weight", c.kv_dim(), c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.wo, r.Matrix(b + "attn_output.weight", c.dim, c.q_dim()));
    RAGDB_ASSIGN_OR_RETURN(L.bq, r.Vector(b + "attn_q.bias", c.q_dim(), !arch->qkv_bias));
    RAGDB_ASSIGN_OR_RETURN(L.bk, r.Vector(b + "attn_k.bias", c.kv_dim(), !arch->qkv_bias));
    RAGDB_ASSIGN_OR_RETURN(L.bv, r.Vector(b + "attn_v.bias", c.kv_dim(), !arch->qkv_bias));
    RAGDB_ASSIGN_OR_RETURN(L.q_norm,
                           r.Vector(b + "attn_q_norm.weight", c.head_dim, !arch->qk_norm));
    RAGDB_ASSIGN_OR_RETURN(L.k_norm,
                           r.Vector(b + "attn_k_norm.weight", c.head_dim, !arch->qk_norm));
    RAGDB_ASSIGN_OR_RETURN(L.w_gate, r.Matrix(b + "ffn_gate.weight", c.ffn_dim, c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.w_up, r.Matrix(b + "ffn_up.weight", c.ffn_dim, c.dim));
    RAGDB_ASSIGN_OR_RETURN(L.w_down, r.Matrix(b + "ffn_down.weight", c.dim, c.ffn_dim));
  }
  m->gguf_ = std::move(file);
  m->Prefault();
  return m;
}

void DecoderModel::Prefault() const {
  // Touch every page of every matrix once at load, so that page faults (tens of thousands for a
  // 500 MB model, even from the page cache) are paid here and not in the first prompt.
  auto touch = [](const Weight& w) {
    volatile uint8_t sink = 0;
    const size_t bytes = w.rows * w.row_bytes;
    for (size_t off = 0; off < bytes; off += 4096) sink = sink + w.data[off];
  };
  touch(token_embd_);
  if (output_.data != token_embd_.data) touch(output_);
  for (const auto& L : layers_) {
    for (const Weight* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) touch(*w);
  }
}

Result<std::unique_ptr<DecoderModel>> DecoderModel::Assemble(
    DecoderConfig c, std::vector<DecoderLayer> layers, Weight token_embd, Weight output,
    std::vector<float> output_norm, std::shared_ptr<const void> keep_alive) {
  auto shape = [](const Weight& w, size_t rows, size_t cols, const std::string& what) {
    if (w.data == nullptr || w.rows != rows || w.cols != cols) {
      return Status::InvalidArgument(what + " has shape [" + std::to_string(w.rows) + ", " +
                                     std::to_string(w.cols) + "], expected [" +
                                     std::to_string(rows) + ", " + std::to_string(cols) + "]");
    }
    return Status::Ok();
  };
  if (c.heads == 0 || c.kv_heads == 0 || c.heads % c.kv_heads != 0 || c.head_dim == 0 ||
      c.rope_dims > c.head_dim || layers.size() != c.layers) {
    return Status::InvalidArgument("inconsistent decoder configuration");
  }
  RAGDB_RETURN_IF_ERROR(shape(token_embd, c.vocab, c.dim, "token embedding"));
  RAGDB_RETURN_IF_ERROR(shape(output, c.vocab, c.dim, "output"));
  if (output_norm.size() != c.dim) return Status::InvalidArgument("output norm size");
  for (size_t l = 0; l < layers.size(); ++l) {
    const DecoderLayer& L = layers[l];
    const std::string b = "layer " + std::to_string(l) + " ";
    RAGDB_RETURN_IF_ERROR(shape(L.wq, c.q_dim(), c.dim, b + "q"));
    RAGDB_RETURN_IF_ERROR(shape(L.wk, c.kv_dim(), c.dim, b + "k"));
    RAGDB_RETURN_IF_ERROR(shape(L.wv, c.kv_dim(), c.dim, b + "v"));
    RAGDB_RETURN_IF_ERROR(shape(L.wo, c.dim, c.q_dim(), b + "o"));
    RAGDB_RETURN_IF_ERROR(shape(L.w_gate, c.ffn_dim, c.dim, b + "gate"));
    RAGDB_RETURN_IF_ERROR(shape(L.w_up, c.ffn_dim, c.dim, b + "up"));
    RAGDB_RETURN_IF_ERROR(shape(L.w_down, c.dim, c.ffn_dim, b + "down"));
    if (L.attn_norm.size() != c.dim || L.ffn_norm.size() != c.dim ||
        (!L.q_norm.empty() && L.q_norm.size() != c.head_dim) ||
        (!L.k_norm.empty() && L.k_norm.size() != c.head_dim) ||
        (!L.bq.empty() && L.bq.size() != c.q_dim()) ||
        (!L.bk.empty() && L.bk.size() != c.kv_dim()) ||
        (!L.bv.empty() && L.bv.size() != c.kv_dim())) {
      return Status::InvalidArgument(b + "has a vector of the wrong size");
    }
  }
  auto m = std::unique_ptr<DecoderModel>(new DecoderModel());
  m->config_ = std::move(c);
  m->layers_ = std::move(layers);
  m->token_embd_ = token_embd;
  m->output_ = output;
  m->output_norm_ = std::move(output_norm);
  m->keep_alive_ = std::move(keep_alive);
  return m;
}

void DecoderModel::Embed(int32_t id, float* out) const {
  DequantizeRow(token_embd_.type, token_embd_.row(static_cast<size_t>(id)), config_.dim, out);
  if (config_.embed_scale != 1.0f) {
    for (size_t i = 0; i < config_.dim; ++i) out[i] *= config_.embed_scale;
  }
}

std::string DecoderModel::Describe() const {
  const DecoderConfig& c = config_;
  uint64_t params = c.vocab * c.dim * (output_.data == token_embd_.data ? 1 : 2);
  for (const auto& L : layers_) {
    params += L.wq.rows * L.wq.cols + L.wk.rows * L.wk.cols + L.wv.rows * L.wv.cols +
              L.wo.rows * L.wo.cols + 3 * L.w_up.rows * L.w_up.cols;
  }
  std::string types = Traits(layers_.empty() ? token_embd_.type : layers_[0].w_up.type).name;
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "%s, %.1fM parameters, %zu layers, dim %zu, %zu/%zu heads, vocab %zu, ffn "
                "weights %s",
                c.arch.c_str(), static_cast<double>(params) / 1e6, c.layers, c.dim, c.heads,
                c.kv_heads, c.vocab, types.c_str());
  return buf;
}

}  // namespace ragdb::model::llm
