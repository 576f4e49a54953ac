#include "model/llm/llama2c.h"

#include <cstring>

namespace ragdb::model::llm {

Result<std::unique_ptr<DecoderModel>> DecoderModel::LoadLlama2c(const std::string& path) {
  return Llama2cLoader::Load(path);
}

Result<std::unique_ptr<DecoderModel>> Llama2cLoader::Load(const std::string& path) {
  RAGDB_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  if (file->size() < 28) return Status::Corruption(path + ": too short for a llama2.c header");
  int32_t h[7];
  std::memcpy(h, file->data(), sizeof(h));
  for (int i = 0; i < 7; ++i) {
    if (i != 5 && (h[i] <= 0 || h[i] > (1 << 20))) {
      return Status::Corruption(path + ": not a llama2.c checkpoint (header value " +
                                std::to_string(h[i]) + ")");
    }
  }
  auto m = std::unique_ptr<DecoderModel>(new DecoderModel());
  DecoderConfig& c = m->config_;
  c.arch = "llama";
  c.dim = h[0];
  c.ffn_dim = h[1];
  c.layers = h[2];
  c.heads = h[3];
  c.kv_heads = h[4];
  const bool shared = h[5] > 0;
  c.vocab = static_cast<size_t>(shared ? h[5] : -static_cast<int64_t>(h[5]));
  c.context = h[6];
  if (c.vocab == 0 || c.dim % c.heads != 0 || c.heads % c.kv_heads != 0 ||
      (c.dim / c.heads) % 2 != 0) {
    return Status::Corruption(path + ": inconsistent llama2.c header");
  }
  c.head_dim = c.dim / c.heads;
  c.rope_dims = c.head_dim;
  c.norm_eps = 1e-5f;
  c.rope_theta = 10000.0f;
  c.rope_style = RopeStyle::kInterleaved;
  const size_t L = c.layers, dim = c.dim, kv = c.kv_dim(), hid = c.ffn_dim;
  uint64_t floats = c.vocab * dim + L * dim + L * dim * dim + 2 * L * kv * dim + L * dim * dim +
                    L * dim + 3 * L * hid * dim + dim + c.context * c.head_dim;
  if (!shared) floats += c.vocab * dim;
  if (file->size() < 28 + floats * 4) {
    return Status::Corruption(path + ": " + std::to_string(file->size()) +
                              " bytes, but the header needs " + std::to_string(28 + floats * 4) +
                              " (truncated?)");
  }
  const uint8_t* p = file->data() + 28;
  auto matrix = [&](size_t rows, size_t cols) {
    Weight w;
    w.type = GgmlType::kF32;
    w.data = p;
    w.rows = rows;
    w.cols = cols;
    w.row_bytes = cols * 4;
    p += rows * cols * 4;
    return w;
  };
  auto vec = [&](size_t n) {
    std::vector<float> v(n);
    std::memcpy(v.data(), p, n * 4);
    p += n * 4;
    return v;
  };
  m->token_embd_ = matrix(c.vocab, dim);
  m->layers_.resize(L);
  for (auto& l : m->layers_) l.attn_norm = vec(dim);
  for (auto& l : m->layers_) l.wq = matrix(dim, dim);
  for (auto& l : m->layers_) l.wk = matrix(kv, dim);
  for (auto& l : m->layers_) l.wv = matrix(kv, dim);
  for (auto& l : m->layers_) l.wo = matrix(dim, dim);
  for (auto& l : m->layers_) l.ffn_norm = vec(dim);
  for (auto& l : m->layers_) l.w_gate = matrix(hid, dim);
  for (auto& l : m->layers_) l.w_down = matrix(dim, hid);
  for (auto& l : m->layers_) l.w_up = matrix(hid, dim);
  m->output_norm_ = vec(dim);
  p += c.context * c.head_dim * 4;  // the RoPE tables: recomputed, not read
  m->output_ = shared ? m->token_embd_ : matrix(c.vocab, dim);
  m->mapping_ = std::move(file);
  m->Prefault();
  return m;
}

}  // namespace ragdb::model::llm
