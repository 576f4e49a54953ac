// Int8 quantization for the encoder's linear layers: weights per output channel at load time,
// activations per row (token) at run time. The GEMM that consumes both is int8_gemm.h.
//
// Why these two schemes:
//  * Weights are symmetric (zero point 0) so the GEMM needs no weight-side correction, with one
//    scale per output channel because channel magnitudes differ by 10x and more in trained
//    models. They use 7 bits ([-63, 63]), not 8: the AVX2 kernel multiplies with
//    _mm256_maddubs_epi16, which adds two u8 x s8 products into a saturating int16, and
//    2 * 255 * 63 = 32130 fits while 2 * 255 * 127 would not. Giving up one weight bit keeps the
//    fast instruction exact. The exact alternatives: widening both operands to int16 for
//    _mm256_madd_epi16 needs as many multiply instructions per product but moves twice the
//    weight bytes and twice the accumulating adds; the s8 x s8 sign trick (abs / sign_epi8 into
//    maddubs) adds an instruction per multiply. Neither was measured against this one.
//  * Activations are asymmetric u8 with a zero point, one scale per row: every row gets its own
//    range (a token with an outlier does not cost the others precision), and post-GELU inputs
//    of the FFN output layer, which are almost all >= 0, still use all 256 levels. The zero
//    point is removed after the integer product with precomputed weight column sums.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ragdb::model {

// The AVX2 int8 kernels run when the CPU has AVX2 (__builtin_cpu_supports) and RAGDB_SIMD does
// not force the scalar path.
bool UseInt8Avx2();

// Largest weight magnitude after quantization (see above).
inline constexpr int kWeightQMax = 63;

// q[n x k] = round(w / scale[j]) per row j of w[n x k] (PyTorch Linear layout: one row per output
// channel), scale[j] = max |w[j, :]| / kWeightQMax (1 for an all-zero row).
void QuantizeWeightsPerChannel(const float* w, size_t n, size_t k, int8_t* q, float* scale);

// One activation row as u8: x ~= (q - zero_point) * scale.
struct RowQuant {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// Range [min(x, 0), max(x, 0)] mapped onto 0..255 (0 stays exactly representable), rounding to
// nearest even. AVX2 when available; both paths give identical bytes.
RowQuant QuantizeRowU8(const float* x, size_t k, uint8_t* q);
RowQuant QuantizeRowU8Scalar(const float* x, size_t k, uint8_t* q);

}  // namespace ragdb::model
