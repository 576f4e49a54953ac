// Int8 matrix products for the encoder's linear layers: u8 activations (one scale and zero point
// per row) times s8 weights (7-bit, one scale per output channel; quantize.h says why), int32
// accumulation, then dequantization to float. Weights are packed once at load time into the
// panel layout the AVX2 kernel reads; a scalar kernel reads the same layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/thread_pool.h"
#include "ragdb/status.h"

namespace ragdb::model {

// Weights [n x k] packed in panels of kPanel output channels. Within a panel, k runs in groups of
// 4; each group is 2 x 32 bytes: channels 0-7 then 8-15 of the panel, 4 consecutive k values
// each, which is what one _mm256_maddubs_epi16 + _mm256_madd_epi16 pair reduces into 8 int32
// lanes. n is padded to a whole panel and k to a multiple of 4 with zero weights.
struct PackedInt8Weights {
  static constexpr size_t kPanel = 16;
  size_t n = 0, k = 0;
  size_t k_pad = 0;              // k rounded up to 4: activation rows must have this many bytes
  std::vector<int8_t> data;      // panels() * (k_pad / 4) * 64 bytes
  std::vector<float> scale;      // per channel, padded with zeros to panels() * kPanel
  std::vector<int32_t> col_sum;  // sum over k of each channel's weights (zero-point correction)

  size_t panels() const { return (n + kPanel - 1) / kPanel; }
  size_t bytes() const { return data.size() + 8 * scale.size(); }
};

// Packs quantized weights q[n x k] (values in [-kWeightQMax, kWeightQMax], checked) with their
// per-channel scales.
Result<PackedInt8Weights> PackInt8Weights(const int8_t* q, const float* scale, size_t n, size_t k);
// Quantizes float weights w[n x k] (PyTorch Linear layout) per channel and packs them.
Result<PackedInt8Weights> QuantizeAndPackWeights(const float* w, size_t n, size_t k);

enum class Int8Kernel { kAuto, kScalar, kAvx2 };

// c[m x n] = a[m x k] * q^T exactly, in int32. Rows of `a` are u8 with stride `lda` >= k_pad (the
// bytes past k are read but multiply zero weights). kAvx2 on a CPU without AVX2 falls back to
// scalar. For tests and for callers that dequantize themselves.
void GemmU8S8(const uint8_t* a, size_t m, size_t lda, const PackedInt8Weights& w, int32_t* c,
              Int8Kernel kernel = Int8Kernel::kAuto);

// y[m x n] ~= x[m x k] * w^T, the int8 counterpart of MatMulTransB (no bias): rows quantized per
// token, integer product, dequantized. Split over `pool` like MatMulTransB (row slices claimed
// dynamically, or column panels when there are few rows).
void MatMulInt8(const float* x, size_t m, size_t k, const PackedInt8Weights& w, float* y,
                ThreadPool* pool);

}  // namespace ragdb::model
