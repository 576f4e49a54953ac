// The transformer stack shared by CLIP's two towers: pre-norm layers (LayerNorm -> multi-head
// attention -> residual, LayerNorm -> MLP with quick-GELU -> residual) over sequences packed back
// to back, as the BERT runtime packs them (transformer.h). The text tower attends causally.
// Matrix products, LayerNorm, activation and softmax are the BERT runtime's kernels.
#pragma once

#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "model/clip/clip_config.h"
#include "model/safetensors.h"
#include "model/transformer.h"

namespace ragdb::model::clip {

// Reads a tensor as f32 after checking its shape, then drops its mapped pages.
Result<std::vector<float>> ReadTensor(const SafeTensors& st, const std::string& name,
                                      const std::vector<int64_t>& shape);
// name.weight [out x in] and, with `bias`, name.bias [out].
Result<Matrix> ReadLinear(const SafeTensors& st, const std::string& name, int64_t out, int64_t in,
                          bool bias = true);

class ClipEncoder {
 public:
  // `prefix` is e.g. "vision_model.encoder." (layers are prefix + "layers.N.").
  static Result<ClipEncoder> Load(const SafeTensors& st, const std::string& prefix,
                                  const TowerConfig& config);

  // x: [offsets.back() x hidden] rows, sequence i in rows offsets[i] .. offsets[i+1]-1.
  void Forward(std::vector<float>* x, const std::vector<size_t>& offsets, bool causal,
               ThreadPool* pool) const;

 private:
  struct Layer {
    Matrix qkv;  // q, k, v stacked: [3H x H]
    Matrix out;
    std::vector<float> ln1_g, ln1_b, ln2_g, ln2_b;
    Matrix fc1, fc2;
  };
  TowerConfig cfg_;
  std::vector<Layer> layers_;
};

}  // namespace ragdb::model::clip
