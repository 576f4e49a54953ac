// A CLIP model folder loaded for inference (Hugging Face CLIPModel layout): config, image
// preprocessing, tokenizer, the two towers and their projections.
//   vision: patches (a convolution with stride = kernel, done as one matrix product) + class
//           token + positions -> pre-LayerNorm -> encoder -> post-LayerNorm of the class token
//           -> visual_projection;
//   text:   tokens + positions -> causal encoder -> final LayerNorm of the end-of-text token ->
//           text_projection.
// Outputs are the projected features (get_image_features / get_text_features), not normalized.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "model/clip/clip_config.h"
#include "model/clip/clip_encoder.h"
#include "model/clip/clip_tokenizer.h"
#include "model/vision/image.h"

namespace ragdb::model::clip {

class ClipModel {
 public:
  // `threads` 0 = hardware cores.
  static Result<std::unique_ptr<ClipModel>> Load(const std::string& dir, size_t threads);

  // Token id sequences (with specials) -> [n x projection_dim].
  Result<std::vector<float>> TextFeatures(const std::vector<std::vector<int32_t>>& ids) const;
  // `pixels` holds `count` preprocessed images [3 x image_size x image_size] back to back.
  Result<std::vector<float>> ImageFeatures(const std::vector<float>& pixels, size_t count) const;

  const ClipConfig& config() const { return cfg_; }
  const PreprocessConfig& preprocess() const { return pre_; }
  const ClipTokenizer& tokenizer() const { return *tokenizer_; }
  ThreadPool* pool() const { return pool_.get(); }
  // Text inputs are cut to this many tokens (specials included).
  size_t max_text_length() const { return max_text_length_; }

 private:
  ClipConfig cfg_;
  PreprocessConfig pre_;
  std::unique_ptr<ClipTokenizer> tokenizer_;
  // Text tower.
  std::vector<float> token_emb_, text_pos_emb_, final_ln_g_, final_ln_b_;
  ClipEncoder text_encoder_;
  Matrix text_projection_;
  // Vision tower.
  std::vector<float> class_emb_, vision_pos_emb_, pre_ln_g_, pre_ln_b_, post_ln_g_, post_ln_b_;
  Matrix patch_embedding_;  // [hidden x 3 * patch * patch], no bias
  ClipEncoder vision_encoder_;
  Matrix visual_projection_;
  std::unique_ptr<ThreadPool> pool_;  // threads - 1 workers; the caller is the last thread
  size_t max_text_length_ = 77;
};

}  // namespace ragdb::model::clip
