// config.json and preprocessor_config.json of a Hugging Face CLIP model folder (CLIPModel, as
// openai/clip-vit-base-patch32 ships it). Missing fields take transformers' CLIPTextConfig /
// CLIPVisionConfig defaults, which are the ViT-B/32 sizes.
#pragma once

#include <array>
#include <string>

#include "model/model_config.h"
#include "ragdb/status.h"

namespace ragdb::model::clip {

struct TowerConfig {
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  float layer_norm_eps = 1e-5f;
  Activation activation = Activation::kQuickGelu;
  int head_dim() const { return hidden_size / num_heads; }
};

struct ClipConfig {
  TowerConfig text;
  int vocab_size = 49408;
  int max_position_embeddings = 77;
  // The text tower's pooled output is the hidden state at the end-of-text token. Checkpoints
  // whose config says eos_token_id 2 (all of OpenAI's) predate a fix in transformers and pool
  // at the largest token id instead, which is the same position for CLIP's vocabulary.
  int eos_token_id = 2;

  TowerConfig vision;
  int image_size = 224;
  int patch_size = 32;
  int num_channels = 3;

  int projection_dim = 512;

  int num_patches() const { return (image_size / patch_size) * (image_size / patch_size); }
};

// How images are turned into the vision tower's input (CLIPImageProcessor).
struct PreprocessConfig {
  bool do_resize = true;
  int shortest_edge = 224;  // the shorter side is resized to this, keeping the aspect ratio
  bool do_center_crop = true;
  int crop_height = 224, crop_width = 224;
  bool bicubic = true;  // resample 3 (BICUBIC); 2 (BILINEAR) is the only other one supported
  bool do_rescale = true;
  double rescale_factor = 1.0 / 255.0;
  bool do_normalize = true;
  std::array<float, 3> mean = {0.48145466f, 0.4578275f, 0.40821073f};
  std::array<float, 3> std = {0.26862954f, 0.26130258f, 0.27577711f};
};

// Errors name the file and field ("config.json: vision_config.patch_size ...").
Result<ClipConfig> ParseClipConfig(const std::string& json_text);
Result<PreprocessConfig> ParsePreprocessConfig(const std::string& json_text);

// True when `dir`/config.json says model_type "clip".
bool IsClipModelDir(const std::string& dir);

// Both files of a folder; preprocessor_config.json may be absent (the CLIP defaults then).
Result<ClipConfig> LoadClipConfig(const std::string& dir);
Result<PreprocessConfig> LoadPreprocessConfig(const std::string& dir);

}  // namespace ragdb::model::clip
