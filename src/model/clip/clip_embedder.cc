#include "model/clip/clip_embedder.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "model/clip/clip_model.h"
#include "model/clip/clip_preprocess.h"
#include "model/vision/image.h"

namespace ragdb::model::clip {
namespace {

void Normalize(float* v, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(v[i]) * v[i];
  const float inv = static_cast<float>(1.0 / std::max(std::sqrt(s), 1e-12));
  for (size_t i = 0; i < n; ++i) v[i] *= inv;
}

std::string BaseName(std::string d) {
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  size_t slash = d.rfind('/');
  return slash == std::string::npos ? d : d.substr(slash + 1);
}

class ClipEmbedder : public Embedder {
 public:
  ClipEmbedder(std::unique_ptr<ClipModel> model, EmbedderOptions options, std::string name)
      : model_(std::move(model)), opts_(options), name_(std::move(name)) {
    if (opts_.batch_size == 0) opts_.batch_size = 1;
  }

  Result<std::vector<std::vector<float>>> Embed(std::span<const std::string> texts,
                                                bool is_query) const override {
    size_t max_len = model_->max_text_length();
    if (opts_.max_length > 0) max_len = std::min(max_len, std::max<size_t>(2, opts_.max_length));
    std::vector<std::vector<int32_t>> ids;
    ids.reserve(texts.size());
    for (const std::string& t : texts) {
      RAGDB_ASSIGN_OR_RETURN(auto e, model_->tokenizer().Encode(t, max_len));
      ids.push_back(std::move(e));
    }
    std::vector<std::vector<float>> out;
    out.reserve(texts.size());
    const size_t D = dim();
    for (size_t start = 0; start < ids.size(); start += opts_.batch_size) {
      const size_t end = std::min(ids.size(), start + opts_.batch_size);
      std::vector<std::vector<int32_t>> batch(ids.begin() + start, ids.begin() + end);
      RAGDB_ASSIGN_OR_RETURN(std::vector<float> f, model_->TextFeatures(batch));
      for (size_t i = 0; i < batch.size(); ++i) {
        std::vector<float> v(f.begin() + i * D, f.begin() + (i + 1) * D);
        if (opts_.normalize) Normalize(v.data(), D);
        out.push_back(std::move(v));
      }
    }
    return out;
  }

  bool embeds_images() const override { return true; }

  Result<std::vector<std::vector<float>>> EmbedImages(
      std::span<const std::string> images) const override {
    const size_t S = static_cast<size_t>(model_->config().image_size);
    const size_t per = 3 * S * S, D = dim();
    std::vector<std::vector<float>> out;
    out.reserve(images.size());
    for (size_t start = 0; start < images.size(); start += opts_.batch_size) {
      const size_t count = std::min(images.size(), start + opts_.batch_size) - start;
      std::vector<float> pixels(count * per);
      // Decoding and resizing run in parallel; only one decoded image per thread is alive.
      std::mutex mu;
      Status failed;
      auto prepare = [&](size_t b0, size_t b1) {
        for (size_t b = b0; b < b1; ++b) {
          auto img = vision::DecodeImage(images[start + b]);
          if (!img.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            if (failed.ok()) {
              failed = img.status().WithContext("image " + std::to_string(start + b));
            }
            continue;
          }
          std::vector<float> p = PreprocessImage(*img, model_->preprocess());
          std::copy(p.begin(), p.end(), pixels.begin() + b * per);
        }
      };
      if (model_->pool() != nullptr && count > 1) {
        model_->pool()->ParallelFor(count, 1, prepare);
      } else {
        prepare(0, count);
      }
      RAGDB_RETURN_IF_ERROR(failed);
      RAGDB_ASSIGN_OR_RETURN(std::vector<float> f, model_->ImageFeatures(pixels, count));
      for (size_t i = 0; i < count; ++i) {
        std::vector<float> v(f.begin() + i * D, f.begin() + (i + 1) * D);
        if (opts_.normalize) Normalize(v.data(), D);
        out.push_back(std::move(v));
      }
    }
    return out;
  }

  size_t dim() const override { return static_cast<size_t>(model_->config().projection_dim); }
  size_t max_length() const override { return model_->max_text_length(); }
  std::string name() const override { return name_; }

 private:
  std::unique_ptr<ClipModel> model_;
  EmbedderOptions opts_;
  std::string name_;
};

}  // namespace

Result<std::unique_ptr<Embedder>> LoadClipEmbedder(const std::string& dir,
                                                   const EmbedderOptions& options) {
  if (options.quantization != WeightQuantization::kNone) {
    return Status::Unimplemented("clip: int8 weights are not supported for CLIP models");
  }
  auto model = ClipModel::Load(dir, options.threads);
  if (!model.ok()) return model.status();
  return std::unique_ptr<Embedder>(
      new ClipEmbedder(std::move(model).value(), options, "clip:" + BaseName(dir)));
}

}  // namespace ragdb::model::clip
