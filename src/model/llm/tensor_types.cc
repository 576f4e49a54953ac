#include "model/llm/tensor_types.h"

#include <bit>
#include <cstring>

#include "simd/half.h"

namespace ragdb::model::llm {
namespace {

float Half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return simd::HalfBitsToFloat(h);
}

void DequantQ8_0(const uint8_t* b, size_t blocks, float* y) {
  for (size_t i = 0; i < blocks; ++i, b += 34, y += 32) {
    const float d = Half(b);
    const int8_t* q = reinterpret_cast<const int8_t*>(b + 2);
    for (int l = 0; l < 32; ++l) y[l] = d * static_cast<float>(q[l]);
  }
}

void DequantQ4_0(const uint8_t* b, size_t blocks, float* y) {
  for (size_t i = 0; i < blocks; ++i, b += 18, y += 32) {
    const float d = Half(b);
    const uint8_t* qs = b + 2;
    for (int l = 0; l < 16; ++l) {
      y[l] = d * static_cast<float>((qs[l] & 0xF) - 8);
      y[l + 16] = d * static_cast<float>((qs[l] >> 4) - 8);
    }
  }
}

void DequantQ4_K(const uint8_t* b, size_t blocks, float* y) {
  for (size_t i = 0; i < blocks; ++i, b += 144) {
    const float d = Half(b), dmin = Half(b + 2);
    const uint8_t* scales = b + 4;
    const uint8_t* q = b + 16;
    for (int j = 0; j < 8; j += 2, q += 32) {
      uint8_t sc, m;
      KQuantScaleMin(j, scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      KQuantScaleMin(j + 1, scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
  }
}

void DequantQ5_K(const uint8_t* b, size_t blocks, float* y) {
  for (size_t i = 0; i < blocks; ++i, b += 176) {
    const float d = Half(b), dmin = Half(b + 2);
    const uint8_t* scales = b + 4;
    const uint8_t* qh = b + 16;
    const uint8_t* ql = b + 48;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0; j < 8; j += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
      uint8_t sc, m;
      KQuantScaleMin(j, scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      KQuantScaleMin(j + 1, scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) {
        *y++ = d1 * static_cast<float>((ql[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1;
      }
      for (int l = 0; l < 32; ++l) {
        *y++ = d2 * static_cast<float>((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
      }
    }
  }
}

void DequantQ6_K(const uint8_t* b, size_t blocks, float* y) {
  for (size_t i = 0; i < blocks; ++i, b += 210) {
    const uint8_t* ql = b;
    const uint8_t* qh = b + 128;
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
    const float d = Half(b + 208);
    for (int n = 0; n < 256; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * sc[is] * q1;
        y[l + 32] = d * sc[is + 2] * q2;
        y[l + 64] = d * sc[is + 4] * q3;
        y[l + 96] = d * sc[is + 6] * q4;
      }
    }
  }
}

}  // namespace

Result<TypeTraits> TraitsOf(uint32_t type_id) {
  switch (static_cast<GgmlType>(type_id)) {
    case GgmlType::kF32:
      return TypeTraits{"F32", 1, 4};
    case GgmlType::kF16:
      return TypeTraits{"F16", 1, 2};
    case GgmlType::kBF16:
      return TypeTraits{"BF16", 1, 2};
    case GgmlType::kQ8_0:
      return TypeTraits{"Q8_0", 32, 34};
    case GgmlType::kQ4_0:
      return TypeTraits{"Q4_0", 32, 18};
    case GgmlType::kQ4_K:
      return TypeTraits{"Q4_K", 256, 144};
    case GgmlType::kQ5_K:
      return TypeTraits{"Q5_K", 256, 176};
    case GgmlType::kQ6_K:
      return TypeTraits{"Q6_K", 256, 210};
  }
  return Status::Unimplemented("tensor type " + TypeName(type_id) +
                               " is not supported (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, "
                               "Q5_K, Q6_K)");
}

std::string TypeName(uint32_t type_id) {
  // ggml's names for the ids it has used, so an error says what the file holds.
  static const char* const kNames[] = {
      "F32",   "F16",        "Q4_0",       "Q4_1",       "Q4_2",     "Q4_3",     "Q5_0",
      "Q5_1",  "Q8_0",       "Q8_1",       "Q2_K",       "Q3_K",     "Q4_K",     "Q5_K",
      "Q6_K",  "Q8_K",       "IQ2_XXS",    "IQ2_XS",     "IQ3_XXS",  "IQ1_S",    "IQ4_NL",
      "IQ3_S", "IQ2_S",      "IQ4_XS",     "I8",         "I16",      "I32",      "I64",
      "F64",   "IQ1_M",      "BF16",       "Q4_0_4_4",   "Q4_0_4_8", "Q4_0_8_8", "TQ1_0",
      "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8", "MXFP4"};
  if (type_id < std::size(kNames))
    return std::string(kNames[type_id]) + " (id " + std::to_string(type_id) + ")";
  return "id " + std::to_string(type_id);
}

void DequantizeRow(GgmlType t, const uint8_t* row, size_t n, float* out) {
  switch (t) {
    case GgmlType::kF32:
      std::memcpy(out, row, n * 4);
      return;
    case GgmlType::kF16:
      for (size_t i = 0; i < n; ++i) out[i] = Half(row + 2 * i);
      return;
    case GgmlType::kBF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, row + 2 * i, 2);
        out[i] = std::bit_cast<float>(static_cast<uint32_t>(h) << 16);
      }
      return;
    case GgmlType::kQ8_0:
      return DequantQ8_0(row, n / 32, out);
    case GgmlType::kQ4_0:
      return DequantQ4_0(row, n / 32, out);
    case GgmlType::kQ4_K:
      return DequantQ4_K(row, n / 256, out);
    case GgmlType::kQ5_K:
      return DequantQ5_K(row, n / 256, out);
    case GgmlType::kQ6_K:
      return DequantQ6_K(row, n / 256, out);
  }
}

}  // namespace ragdb::model::llm
