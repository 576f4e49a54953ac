// A BERT / XLM-RoBERTa encoder (and its sequence-classification head) over a batch of
// variable-length sequences. Sequences are packed back to back ([total tokens x hidden]) rather
// than padded to the longest, so dense layers do no work on padding, and attention runs per
// (sequence, head) over exactly that sequence's tokens, which is the padding mask made implicit.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "model/int8_gemm.h"
#include "model/model_config.h"
#include "model/safetensors.h"
#include "model/tokenizer.h"
#include "ragdb/model.h"

namespace ragdb::model {

// A weight matrix in PyTorch Linear layout [out x in], f32, and its bias. Quantized layers hold
// the packed int8 weights in `q8` and an empty `w`.
struct Matrix {
  std::vector<float> w;
  std::vector<float> b;
  size_t out = 0, in = 0;
  std::optional<PackedInt8Weights> q8;
};

struct LayerWeights {
  Matrix qkv;  // query, key and value stacked: [3H x H]
  Matrix attn_out;
  std::vector<float> ln1_g, ln1_b;
  Matrix inter;
  Matrix out;
  std::vector<float> ln2_g, ln2_b;
};

class Transformer {
 public:
  // Reads the tensors (with or without the "bert." / "roberta." prefix) and checks every shape.
  // kInt8 quantizes the encoder layers' four linear maps (not embeddings, LayerNorm or heads).
  static Result<std::unique_ptr<Transformer>> Load(
      const SafeTensors& st, const ModelConfig& cfg,
      WeightQuantization quantization = WeightQuantization::kNone);

  // Last hidden states of all tokens of all sequences, packed: row offsets[i] .. offsets[i+1]-1
  // belong to sequence i. Ids must be < vocab size (checked).
  Status Forward(std::span<const Encoding* const> batch, std::vector<float>* hidden,
                 std::vector<size_t>* offsets, ThreadPool* pool) const;
  // Classifier logits [batch x num_labels] from the first-token rows of `hidden`.
  std::vector<float> Classify(const std::vector<float>& hidden,
                              const std::vector<size_t>& offsets) const;
  // SPLADE weights of each sequence of `hidden` through the masked-LM head (config().masked_lm):
  // w[v] = max over the sequence's tokens of log(1 + relu(logit[v])), one vocab_size vector per
  // sequence (Formal et al., SPLADE v2: max pooling).
  bool has_mlm_head() const { return !mlm_bias_.empty(); }
  std::vector<std::vector<float>> SpladeWeights(const std::vector<float>& hidden,
                                                const std::vector<size_t>& offsets,
                                                ThreadPool* pool) const;

  const ModelConfig& config() const { return cfg_; }

 private:
  explicit Transformer(ModelConfig cfg) : cfg_(std::move(cfg)) {}

  // y[rows x m.out] = x * m^T (no bias), through the int8 or the f32 product.
  static void Linear(const Matrix& m, const float* x, size_t rows, float* y, ThreadPool* pool);

  ModelConfig cfg_;
  std::vector<float> word_emb_, pos_emb_, type_emb_, emb_ln_g_, emb_ln_b_;
  std::vector<LayerWeights> layers_;
  Matrix pooler_;     // BERT classification: pooler dense + tanh
  Matrix cls_dense_;  // XLM-R classification: classifier.dense + tanh
  Matrix cls_out_;    // classifier (BERT) / classifier.out_proj (XLM-R)
  // Masked-LM head: transform (dense + activation + LayerNorm), then the vocabulary projection,
  // whose weights are the word embeddings unless the checkpoint has its own decoder.
  Matrix mlm_dense_;
  std::vector<float> mlm_ln_g_, mlm_ln_b_, mlm_decoder_, mlm_bias_;
};

}  // namespace ragdb::model
