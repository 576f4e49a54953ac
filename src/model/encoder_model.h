// A model folder loaded for inference: config, tokenizer, weights, and the batched forward pass
// (texts sorted by length, cut into batches, run, results put back in input order).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "model/model_config.h"
#include "model/tokenizer.h"
#include "model/transformer.h"

namespace ragdb::model {

class EncoderModel {
 public:
  // `max_length` 0 = the model's own limit; `threads` 0 = hardware cores.
  static Result<std::unique_ptr<EncoderModel>> Load(
      const std::string& dir, size_t max_length, size_t threads,
      WeightQuantization quantization = WeightQuantization::kNone);

  // Calls `consume(indices, hidden, offsets)` for each batch of at most `batch_size` encodings,
  // where indices[i] is the position in `encodings` of the batch's sequence i.
  using BatchFn =
      std::function<void(const std::vector<size_t>& indices, const std::vector<float>& hidden,
                         const std::vector<size_t>& offsets)>;
  Status Run(const std::vector<Encoding>& encodings, size_t batch_size,
             const BatchFn& consume) const;

  const ModelConfig& config() const { return cfg_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const Transformer& transformer() const { return *transformer_; }
  size_t max_length() const { return max_length_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  ModelConfig cfg_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Transformer> transformer_;
  std::unique_ptr<ThreadPool> pool_;  // threads - 1 workers; the caller is the last thread
  size_t max_length_ = 0;
};

}  // namespace ragdb::model
