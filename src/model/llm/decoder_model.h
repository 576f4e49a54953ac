// A decoder-only transformer language model (Llama 2 / 3, Mistral, Qwen2 / 2.5, Qwen3, Gemma)
// as loaded from a GGUF file or a llama2.c checkpoint: hyperparameters, and weights that point
// into the file's mapping in their stored type (nothing is converted but the small vectors).
//
// The forward pass (decoder_state.h) is pre-norm: x += Attn(RMSNorm(x)); x += FFN(RMSNorm(x)),
// grouped-query attention with rotary positions, SwiGLU (GeGLU for Gemma) feed-forward.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/file.h"
#include "model/llm/gguf.h"
#include "model/llm/tensor_types.h"
#include "ragdb/status.h"

namespace ragdb::model::llm {

// Which pairs of a head's dimensions RoPE rotates together: (2i, 2i+1) as in Meta's Llama
// (and llama.cpp's LLaMA conversion), or (i, i + d/2) as in GPT-NeoX and Qwen.
enum class RopeStyle { kInterleaved, kNeox };

struct DecoderConfig {
  std::string arch;  // GGUF general.architecture ("llama", "qwen2", "qwen3", "gemma", ...)
  size_t vocab = 0;
  size_t dim = 0;
  size_t layers = 0;
  size_t heads = 0;
  size_t kv_heads = 0;
  size_t head_dim = 0;
  size_t ffn_dim = 0;
  size_t context = 0;  // training context length
  float norm_eps = 1e-5f;
  float rope_theta = 10000.0f;
  size_t rope_dims = 0;  // leading dimensions of each head that are rotated (= head_dim usually)
  float rope_freq_scale = 1.0f;  // linear RoPE scaling: positions multiplied by this
  RopeStyle rope_style = RopeStyle::kInterleaved;
  bool gelu_ffn = false;     // Gemma: GELU(tanh) gate instead of SiLU
  float embed_scale = 1.0f;  // Gemma: embeddings times sqrt(dim)
  size_t q_dim() const { return heads * head_dim; }
  size_t kv_dim() const { return kv_heads * head_dim; }
};

// A matrix of `rows` rows of `cols` elements, stored as rows of its type back to back.
struct Weight {
  GgmlType type = GgmlType::kF32;
  const uint8_t* data = nullptr;
  size_t rows = 0, cols = 0;
  size_t row_bytes = 0;
  const uint8_t* row(size_t r) const { return data + r * row_bytes; }
};

struct DecoderLayer {
  std::vector<float> attn_norm, ffn_norm;
  Weight wq, wk, wv, wo;
  std::vector<float> bq, bk, bv;      // Qwen2: biases of q, k, v (empty = none)
  std::vector<float> q_norm, k_norm;  // Qwen3: RMSNorm over each head of q and k
  Weight w_gate, w_up, w_down;
};

class DecoderModel {
 public:
  // A GGUF file of a supported architecture.
  static Result<std::unique_ptr<DecoderModel>> LoadGguf(const std::string& path);
  // The GGUF already opened (the tokenizer is read from the same file).
  static Result<std::unique_ptr<DecoderModel>> FromGguf(std::shared_ptr<const GgufFile> file);
  // A llama2.c checkpoint ("version 0": 7 x int32 header, then f32 weights; llama2c.h).
  static Result<std::unique_ptr<DecoderModel>> LoadLlama2c(const std::string& path);
  // From parts read elsewhere (Hugging Face safetensors, model/decoder_embedder.cc); the weights
  // point into memory that `keep_alive` owns. Shapes are checked.
  static Result<std::unique_ptr<DecoderModel>> Assemble(DecoderConfig config,
                                                        std::vector<DecoderLayer> layers,
                                                        Weight token_embd, Weight output,
                                                        std::vector<float> output_norm,
                                                        std::shared_ptr<const void> keep_alive);

  const DecoderConfig& config() const { return config_; }
  const std::vector<DecoderLayer>& layers() const { return layers_; }
  const Weight& token_embedding() const { return token_embd_; }
  const Weight& output() const { return output_; }
  const std::vector<float>& output_norm() const { return output_norm_; }
  // Llama 3.1 style per-frequency divisors of RoPE (empty = none).
  const std::vector<float>& rope_freq_factors() const { return rope_freqs_; }
  // The row of token `id` of the embedding, as f32 (times embed_scale).
  void Embed(int32_t id, float* out) const;
  // A one-line description: architecture, size, weight types.
  std::string Describe() const;
  // Reads one byte of every page of the weights (done at load).
  void Prefault() const;

 private:
  friend class Llama2cLoader;
  DecoderConfig config_;
  std::vector<DecoderLayer> layers_;
  Weight token_embd_, output_;
  std::vector<float> output_norm_;
  std::vector<float> rope_freqs_;
  std::shared_ptr<const GgufFile> gguf_;
  std::unique_ptr<MappedFile> mapping_;     // llama2.c checkpoints
  std::shared_ptr<const void> keep_alive_;  // Assemble
};

}  // namespace ragdb::model::llm
