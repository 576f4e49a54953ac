// One sequence being decoded: the key/value cache of a DecoderModel and the forward pass that
// appends tokens to it. The model is shared and read-only; each sequence (a request, the draft
// of speculative decoding) has its own state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "model/llm/compute_team.h"
#include "model/llm/decoder_model.h"
#include "model/llm/quant_kernels.h"
#include "ragdb/status.h"

namespace ragdb::model::llm {

// What a forward pass returns for its tokens.
enum class ForwardOutput {
  kLastLogits,  // vocab logits of the last token
  kAllLogits,   // vocab logits of every token (speculative verification, tests)
  kHidden,      // the final normalized hidden state of every token (embedders)
};

// The team every decoder uses (one thread per CPU this process may use, unless
// SetDecoderThreads chose another count before its first use). Forward passes of different
// states take turns on it.
ComputeTeam& DecoderTeam();
void SetDecoderThreads(size_t threads);

class DecoderState {
 public:
  // `context` = the most tokens this sequence may hold; 0 = the model's training context,
  // capped at 4096.
  DecoderState(const DecoderModel& model, size_t context = 0);

  const DecoderModel& model() const { return model_; }
  size_t position() const { return position_; }
  size_t context() const { return context_; }
  // Forgets cached positions from `n` on (n <= position()): the next tokens go to position n.
  void Truncate(size_t n);
  // Reference mode (tests, accuracy checks): quantized weights are multiplied with f32
  // activations (each row dequantized) instead of 8-bit ones. Several times slower.
  void set_float_activations(bool on) { float_activations_ = on; }
  // Whether batches of 16+ tokens may run as f32 GEMM (on by default: faster prompts). Off, a
  // batch computes exactly what the same tokens one at a time would (speculative verification).
  void set_gemm_batches(bool on) { gemm_batches_ = on; }

  // Runs `tokens` at positions position().. and appends them to the cache. `out` receives
  // vocab logits (ForwardOutput::kLastLogits: one row; kAllLogits: one per token) or hidden
  // states (dim per token). Fails (nothing cached) when the tokens would overflow the context
  // or an id is outside the vocabulary.
  Status Forward(std::span<const int32_t> tokens, ForwardOutput what, std::vector<float>* out);

 private:
  struct MatJob;
  void ForwardChunk(const int32_t* tokens, size_t n, ForwardOutput what, float* out);
  void MatMul(const float* x, size_t n, const MatJob* jobs, size_t n_jobs);
  void MatMulGemm(const float* x, size_t n, const MatJob* jobs, size_t n_jobs);
  void Attention(size_t layer, size_t n);
  void Rope(float* v, size_t heads, size_t pos) const;

  const DecoderModel& model_;
  const LlmKernels& k_;
  size_t context_;
  size_t position_ = 0;
  bool float_activations_ = false;
  bool gemm_batches_ = true;
  std::vector<std::vector<float>> k_cache_, v_cache_;  // per layer: context x kv_dim
  std::vector<float> inv_freq_;
  // Scratch for up to kChunk tokens.
  std::vector<float> x_, xn_, q_, kk_, vv_, att_, ffn_;
  std::vector<Q8Block> xq_;
  std::vector<std::vector<float>> scores_;  // per thread: one row of attention weights
};

}  // namespace ragdb::model::llm
