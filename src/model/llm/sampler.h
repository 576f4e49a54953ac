// Choosing the next token from logits: repetition penalty over the recent tokens, then greedy
// (temperature 0) or sampling after temperature, top-k, top-p (nucleus) and min-p filtering,
// from a seeded generator (the same seed and inputs give the same tokens).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace ragdb::model::llm {

struct SamplingOptions {
  float temperature = 0.8f;     // 0 = greedy
  size_t top_k = 40;            // 0 = all tokens
  float top_p = 0.95f;          // 1 = off
  float min_p = 0.05f;          // 0 = off; relative to the most likely token's probability
  float repeat_penalty = 1.0f;  // 1 = off; > 1 discourages tokens among the last repeat_last_n
  size_t repeat_last_n = 64;
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(const SamplingOptions& options);

  // Applies the repetition penalty to `logits` (in place) for the tokens of `history`.
  void Penalize(float* logits, size_t n, const std::vector<int32_t>& history) const;
  // The next token; `logits` is modified (penalty applied).
  int32_t Sample(float* logits, size_t n, const std::vector<int32_t>& history);
  bool greedy() const { return options_.temperature <= 0; }

  static int32_t Argmax(const float* logits, size_t n);

 private:
  SamplingOptions options_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> candidates_;
};

}  // namespace ragdb::model::llm
