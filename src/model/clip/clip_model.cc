#include "model/clip/clip_model.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "model/kernels.h"
#include "model/safetensors.h"

namespace ragdb::model::clip {

Result<std::unique_ptr<ClipModel>> ClipModel::Load(const std::string& dir, size_t threads) {
  InitBlas();
  auto m = std::make_unique<ClipModel>();
  RAGDB_ASSIGN_OR_RETURN(m->cfg_, LoadClipConfig(dir));
  RAGDB_ASSIGN_OR_RETURN(m->pre_, LoadPreprocessConfig(dir));
  RAGDB_ASSIGN_OR_RETURN(m->tokenizer_, ClipTokenizer::Load(dir));
  const ClipConfig& c = m->cfg_;
  if (m->pre_.crop_height != c.image_size || m->pre_.crop_width != c.image_size ||
      !m->pre_.do_center_crop) {
    return Status::InvalidArgument(dir + ": preprocessor_config.json crops to " +
                                   std::to_string(m->pre_.crop_width) + " x " +
                                   std::to_string(m->pre_.crop_height) +
                                   " but the vision tower takes " + std::to_string(c.image_size));
  }
  const std::string weights = JoinPath(dir, "model.safetensors");
  if (!FileExists(weights)) {
    return Status::NotFound(weights + " not found (only safetensors weights are supported)");
  }
  RAGDB_ASSIGN_OR_RETURN(auto st, SafeTensors::Open(weights));
  const int64_t th = c.text.hidden_size, vh = c.vision.hidden_size, p = c.patch_size;
  RAGDB_ASSIGN_OR_RETURN(
      m->token_emb_,
      ReadTensor(*st, "text_model.embeddings.token_embedding.weight", {c.vocab_size, th}));
  RAGDB_ASSIGN_OR_RETURN(m->text_pos_emb_,
                         ReadTensor(*st, "text_model.embeddings.position_embedding.weight",
                                    {c.max_position_embeddings, th}));
  RAGDB_ASSIGN_OR_RETURN(m->text_encoder_, ClipEncoder::Load(*st, "text_model.encoder.", c.text));
  RAGDB_ASSIGN_OR_RETURN(m->final_ln_g_,
                         ReadTensor(*st, "text_model.final_layer_norm.weight", {th}));
  RAGDB_ASSIGN_OR_RETURN(m->final_ln_b_, ReadTensor(*st, "text_model.final_layer_norm.bias", {th}));
  RAGDB_ASSIGN_OR_RETURN(m->text_projection_,
                         ReadLinear(*st, "text_projection", c.projection_dim, th, false));

  RAGDB_ASSIGN_OR_RETURN(m->class_emb_,
                         ReadTensor(*st, "vision_model.embeddings.class_embedding", {vh}));
  RAGDB_ASSIGN_OR_RETURN(
      auto patch, ReadTensor(*st, "vision_model.embeddings.patch_embedding.weight", {vh, 3, p, p}));
  m->patch_embedding_.w = std::move(patch);  // [vh x 3 x p x p] is already [vh x 3pp]
  m->patch_embedding_.out = static_cast<size_t>(vh);
  m->patch_embedding_.in = static_cast<size_t>(3 * p * p);
  RAGDB_ASSIGN_OR_RETURN(m->vision_pos_emb_,
                         ReadTensor(*st, "vision_model.embeddings.position_embedding.weight",
                                    {c.num_patches() + 1, vh}));
  // transformers spells it "pre_layrnorm".
  RAGDB_ASSIGN_OR_RETURN(m->pre_ln_g_, ReadTensor(*st, "vision_model.pre_layrnorm.weight", {vh}));
  RAGDB_ASSIGN_OR_RETURN(m->pre_ln_b_, ReadTensor(*st, "vision_model.pre_layrnorm.bias", {vh}));
  RAGDB_ASSIGN_OR_RETURN(m->vision_encoder_,
                         ClipEncoder::Load(*st, "vision_model.encoder.", c.vision));
  RAGDB_ASSIGN_OR_RETURN(m->post_ln_g_,
                         ReadTensor(*st, "vision_model.post_layernorm.weight", {vh}));
  RAGDB_ASSIGN_OR_RETURN(m->post_ln_b_, ReadTensor(*st, "vision_model.post_layernorm.bias", {vh}));
  RAGDB_ASSIGN_OR_RETURN(m->visual_projection_,
                         ReadLinear(*st, "visual_projection", c.projection_dim, vh, false));

  m->max_text_length_ = static_cast<size_t>(c.max_position_embeddings);
  if (std::string tc = JoinPath(dir, "tokenizer_config.json"); FileExists(tc)) {
    RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(tc));
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_object()) {
      if (auto it = j.find("model_max_length");
          it != j.end() && it->is_number_integer() && it->get<int64_t>() >= 2) {
        m->max_text_length_ = std::min(m->max_text_length_, it->get<size_t>());
      }
    }
  }
  if (threads == 0) threads = ThreadPool::HardwareThreads();
  if (threads > 1) m->pool_ = std::make_unique<ThreadPool>(threads - 1);
  return m;
}

Result<std::vector<float>> ClipModel::TextFeatures(
    const std::vector<std::vector<int32_t>>& ids) const {
  const size_t H = static_cast<size_t>(cfg_.text.hidden_size);
  std::vector<size_t> offsets = {0};
  std::vector<size_t> pooled_rows;
  for (const auto& seq : ids) {
    if (seq.empty() || seq.size() > static_cast<size_t>(cfg_.max_position_embeddings)) {
      return Status::InvalidArgument("clip: a text of " + std::to_string(seq.size()) +
                                     " tokens is outside 1.." +
                                     std::to_string(cfg_.max_position_embeddings));
    }
    size_t pool_at = 0;
    bool found_eos = false;
    for (size_t i = 0; i < seq.size(); ++i) {
      if (seq[i] < 0 || seq[i] >= cfg_.vocab_size) {
        return Status::InvalidArgument("clip: token id " + std::to_string(seq[i]) +
                                       " is outside the vocabulary");
      }
      // eos_token_id 2: the first largest id (torch.argmax); else the first end-of-text id.
      if (cfg_.eos_token_id == 2) {
        if (seq[i] > seq[pool_at]) pool_at = i;
      } else if (!found_eos && seq[i] == cfg_.eos_token_id) {
        pool_at = i;
        found_eos = true;
      }
    }
    pooled_rows.push_back(offsets.back() + pool_at);
    offsets.push_back(offsets.back() + seq.size());
  }
  std::vector<float> x(offsets.back() * H);
  for (size_t s = 0; s < ids.size(); ++s) {
    for (size_t i = 0; i < ids[s].size(); ++i) {
      const float* te = &token_emb_[static_cast<size_t>(ids[s][i]) * H];
      const float* pe = &text_pos_emb_[i * H];
      float* row = &x[(offsets[s] + i) * H];
      for (size_t j = 0; j < H; ++j) row[j] = te[j] + pe[j];
    }
  }
  text_encoder_.Forward(&x, offsets, /*causal=*/true, pool_.get());
  std::vector<float> pooled(ids.size() * H);
  for (size_t s = 0; s < ids.size(); ++s) {
    LayerNorm(&x[pooled_rows[s] * H], &pooled[s * H], final_ln_g_.data(), final_ln_b_.data(), 1, H,
              cfg_.text.layer_norm_eps);
  }
  std::vector<float> out(ids.size() * cfg_.projection_dim);
  MatMulTransB(pooled.data(), ids.size(), H, text_projection_.w.data(), cfg_.projection_dim,
               out.data(), nullptr);
  return out;
}

Result<std::vector<float>> ClipModel::ImageFeatures(const std::vector<float>& pixels,
                                                    size_t count) const {
  const size_t S = static_cast<size_t>(cfg_.image_size), P = static_cast<size_t>(cfg_.patch_size);
  const size_t grid = S / P, np = grid * grid, K = 3 * P * P;
  const size_t H = static_cast<size_t>(cfg_.vision.hidden_size);
  if (pixels.size() != count * 3 * S * S) {
    return Status::InvalidArgument("clip: pixel buffer does not hold " + std::to_string(count) +
                                   " images of 3 x " + std::to_string(S) + " x " +
                                   std::to_string(S));
  }
  // Patches as rows [count * np x 3PP], in the convolution weight's (channel, y, x) order.
  std::vector<float> patches(count * np * K);
  for (size_t b = 0; b < count; ++b) {
    const float* img = &pixels[b * 3 * S * S];
    for (size_t py = 0; py < grid; ++py) {
      for (size_t px = 0; px < grid; ++px) {
        float* row = &patches[((b * np) + py * grid + px) * K];
        for (size_t c = 0; c < 3; ++c) {
          for (size_t ky = 0; ky < P; ++ky) {
            const float* src = &img[(c * S + py * P + ky) * S + px * P];
            std::copy_n(src, P, &row[(c * P + ky) * P]);
          }
        }
      }
    }
  }
  std::vector<float> embedded(count * np * H);
  MatMulTransB(patches.data(), count * np, K, patch_embedding_.w.data(), H, embedded.data(),
               pool_.get());
  std::vector<float>().swap(patches);
  const size_t len = np + 1;
  std::vector<size_t> offsets(count + 1);
  for (size_t b = 0; b <= count; ++b) offsets[b] = b * len;
  std::vector<float> x(count * len * H);
  for (size_t b = 0; b < count; ++b) {
    for (size_t t = 0; t < len; ++t) {
      const float* src = t == 0 ? class_emb_.data() : &embedded[(b * np + t - 1) * H];
      const float* pe = &vision_pos_emb_[t * H];
      float* row = &x[(b * len + t) * H];
      for (size_t j = 0; j < H; ++j) row[j] = src[j] + pe[j];
    }
  }
  std::vector<float>().swap(embedded);
  LayerNorm(x.data(), x.data(), pre_ln_g_.data(), pre_ln_b_.data(), count * len, H,
            cfg_.vision.layer_norm_eps);
  vision_encoder_.Forward(&x, offsets, /*causal=*/false, pool_.get());
  std::vector<float> pooled(count * H);
  for (size_t b = 0; b < count; ++b) {
    LayerNorm(&x[b * len * H], &pooled[b * H], post_ln_g_.data(), post_ln_b_.data(), 1, H,
              cfg_.vision.layer_norm_eps);
  }
  std::vector<float> out(count * cfg_.projection_dim);
  MatMulTransB(pooled.data(), count, H, visual_projection_.w.data(), cfg_.projection_dim,
               out.data(), nullptr);
  return out;
}

}  // namespace ragdb::model::clip
