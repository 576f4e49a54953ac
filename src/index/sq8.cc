#include "index/sq8.h"

#include <algorithm>
#include <cmath>

namespace ragdb::index {

void Sq8Quantizer::Train(const float* x, size_t n, size_t d) {
  std::vector<float> lo(d, 3.4e38f), hi(d, -3.4e38f);
  for (size_t i = 0; i < n; ++i) {
    const float* r = x + i * d;
    for (size_t j = 0; j < d; ++j) {
      lo[j] = std::min(lo[j], r[j]);
      hi[j] = std::max(hi[j], r[j]);
    }
  }
  vmin_.assign(d, 0);
  scale_.assign(d, 1);
  for (size_t j = 0; j < d; ++j) {
    if (n == 0) break;
    vmin_[j] = lo[j];
    float range = hi[j] - lo[j];
    // A constant dimension still needs a non-zero scale so Encode never divides by zero.
    scale_[j] = range > 0 ? range / 255.0f : 1.0f;
  }
}

void Sq8Quantizer::Load(const float* vmin, const float* scale, size_t d) {
  vmin_.assign(vmin, vmin + d);
  scale_.assign(scale, scale + d);
}

void Sq8Quantizer::Encode(const float* x, uint8_t* code) const {
  for (size_t j = 0; j < vmin_.size(); ++j) {
    float c = std::nearbyint((x[j] - vmin_[j]) / scale_[j]);
    code[j] = static_cast<uint8_t>(std::clamp(c, 0.0f, 255.0f));
  }
}

void Sq8Quantizer::Decode(const uint8_t* code, float* x) const {
  for (size_t j = 0; j < vmin_.size(); ++j) x[j] = vmin_[j] + code[j] * scale_[j];
}

void Sq8Quantizer::PrepareL2(const float* q, float* qs) const {
  for (size_t j = 0; j < vmin_.size(); ++j) qs[j] = q[j] - vmin_[j];
}

float Sq8Quantizer::PrepareDot(const float* q, float* qs) const {
  float bias = 0;
  for (size_t j = 0; j < vmin_.size(); ++j) {
    qs[j] = q[j] * scale_[j];
    bias += q[j] * vmin_[j];
  }
  return bias;
}

}  // namespace ragdb::index
