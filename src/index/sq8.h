// SQ8 scalar quantization: one uint8 code per dimension, x[i] ~= vmin[i] + code[i] * scale[i],
// with per-dimension min/scale trained on the build rows (later rows are clamped to that range).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ragdb::index {

class Sq8Quantizer {
 public:
  Sq8Quantizer() = default;
  // Per-dimension min/max over rows 0..n-1.
  void Train(const float* x, size_t n, size_t d);
  void Load(const float* vmin, const float* scale, size_t d);
  void Encode(const float* x, uint8_t* code) const;
  void Decode(const uint8_t* code, float* x) const;

  // Query preparation for the kernels in kernels.h (see IndexKernels::sq8_l2 / sq8_dot).
  void PrepareL2(const float* q, float* qs) const;
  // Returns dot(q, vmin), to be added to sq8_dot(qs, code).
  float PrepareDot(const float* q, float* qs) const;

  size_t dim() const { return vmin_.size(); }
  const std::vector<float>& vmin() const { return vmin_; }
  const std::vector<float>& scale() const { return scale_; }

 private:
  std::vector<float> vmin_, scale_;
};

}  // namespace ragdb::index
