// The kernels of the decoder runtime's matrix-vector products: activations are quantized to
// 8 bits in blocks of 32 (Q8Block), and each weight type has a dot product of one weight row
// with up to four such activation rows (the rows of a batched prompt share one unpacking of
// the weights). Float weight types (F32, F16, BF16) take f32 activations instead.
//
// Every kernel exists twice: a scalar reference and an AVX2 version that computes the same
// integer sums per block (only the order of the f32 additions differs). ActiveLlmKernels()
// picks the AVX2 set when the CPU has it, unless RAGDB_SIMD=scalar (base/cpu.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/llm/tensor_types.h"

namespace ragdb::model::llm {

// 32 activations as d * q[i]; sum = q[0] + ... + q[31] (the offset terms of the weight
// formats need it).
struct Q8Block {
  float d;
  int32_t sum;
  int8_t q[32];
};
static_assert(sizeof(Q8Block) == 40);

inline constexpr int kMaxDotRows = 4;

// out[j] = dot(weight row w of n elements, activation row j), j < nx (1..4). Activation row j
// starts x_stride bytes after row j - 1; it is a Q8Block row for quantized types, f32 otherwise.
using DotFn = void (*)(const uint8_t* w, const void* x, size_t x_stride, int nx, size_t n,
                       float* out);

struct LlmKernels {
  const char* name;
  // x[0..n) -> n / 32 blocks; n a multiple of 32.
  void (*quantize_q8)(const float* x, size_t n, Q8Block* out);
  DotFn dot_f32, dot_f16, dot_bf16, dot_q8_0, dot_q4_0, dot_q4_k, dot_q5_k, dot_q6_k;
  // Plain f32 helpers of attention: dot(a, b) and y += alpha * x.
  float (*dot)(const float* a, const float* b, size_t n);
  void (*axpy)(float alpha, const float* x, float* y, size_t n);

  DotFn DotFor(GgmlType t) const;
};

const LlmKernels& ScalarLlmKernels();
// Null when the CPU lacks AVX2 / FMA / F16C (or on other architectures).
const LlmKernels* Avx2LlmKernels();
const LlmKernels& ActiveLlmKernels();

// Whether a weight type multiplies quantized (Q8Block) activations.
inline bool UsesQ8Activations(GgmlType t) {
  return t != GgmlType::kF32 && t != GgmlType::kF16 && t != GgmlType::kBF16;
}

}  // namespace ragdb::model::llm
