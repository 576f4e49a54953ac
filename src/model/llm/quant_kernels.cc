#include "model/llm/quant_kernels.h"

#include "base/cpu.h"

namespace ragdb::model::llm {

DotFn LlmKernels::DotFor(GgmlType t) const {
  switch (t) {
    case GgmlType::kF32:
      return dot_f32;
    case GgmlType::kF16:
      return dot_f16;
    case GgmlType::kBF16:
      return dot_bf16;
    case GgmlType::kQ8_0:
      return dot_q8_0;
    case GgmlType::kQ4_0:
      return dot_q4_0;
    case GgmlType::kQ4_K:
      return dot_q4_k;
    case GgmlType::kQ5_K:
      return dot_q5_k;
    case GgmlType::kQ6_K:
      return dot_q6_k;
  }
  return nullptr;
}

const LlmKernels& ActiveLlmKernels() {
  static const LlmKernels* k = [] {
    const LlmKernels* avx2 = Avx2LlmKernels();
    return ActiveSimdLevel() == SimdLevel::kAvx2 && avx2 ? avx2 : &ScalarLlmKernels();
  }();
  return *k;
}

}  // namespace ragdb::model::llm
