// The reference kernels: per 32-element block an exact int32 sum, then one f32 multiply-add.
// The AVX2 kernels compute the same int32 sums.
#include <bit>
#include <cmath>
#include <cstring>

#include "model/llm/quant_kernels.h"
#include "simd/half.h"

namespace ragdb::model::llm {
namespace {

float Half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return simd::HalfBitsToFloat(h);
}

const Q8Block* Row(const void* x, size_t stride, int j) {
  return reinterpret_cast<const Q8Block*>(static_cast<const uint8_t*>(x) + j * stride);
}
const float* FRow(const void* x, size_t stride, int j) {
  return reinterpret_cast<const float*>(static_cast<const uint8_t*>(x) + j * stride);
}

void QuantizeQ8(const float* x, size_t n, Q8Block* out) {
  for (size_t b = 0; b < n / 32; ++b, x += 32) {
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[i]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    int32_t sum = 0;
    for (int i = 0; i < 32; ++i) {
      // nearbyint rounds half to even, as the vector conversion does.
      int v = static_cast<int>(std::nearbyint(x[i] * id));
      out[b].q[i] = static_cast<int8_t>(v);
      sum += v;
    }
    out[b].d = d;
    out[b].sum = sum;
  }
}

template <class Convert>
void DotFloat(const uint8_t* w, size_t elem_bytes, const void* x, size_t stride, int nx, size_t n,
              float* out, Convert convert) {
  for (int j = 0; j < nx; ++j) {
    const float* xr = FRow(x, stride, j);
    float acc = 0;
    for (size_t i = 0; i < n; ++i) acc += convert(w + i * elem_bytes) * xr[i];
    out[j] = acc;
  }
}

void DotF32(const uint8_t* w, const void* x, size_t stride, int nx, size_t n, float* out) {
  DotFloat(w, 4, x, stride, nx, n, out, [](const uint8_t* p) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  });
}
void DotF16(const uint8_t* w, const void* x, size_t stride, int nx, size_t n, float* out) {
  DotFloat(w, 2, x, stride, nx, n, out, Half);
}
void DotBF16(const uint8_t* w, const void* x, size_t stride, int nx, size_t n, float* out) {
  DotFloat(w, 2, x, stride, nx, n, out, [](const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return std::bit_cast<float>(static_cast<uint32_t>(h) << 16);
  });
}

int32_t Dot32(const int8_t* a, const int8_t* b) {
  int32_t s = 0;
  for (int i = 0; i < 32; ++i) s += a[i] * b[i];
  return s;
}

void DotQ8_0(const uint8_t* w, const void* x, size_t stride, int nx, size_t n, float* out) {
  for (int j = 0; j < nx; ++j) {
    const Q8Block* xb = Row(x, stride, j);
    const uint8_t* b = w;
    float acc = 0;
    for (size_t k = 0; k < n / 32; ++k, b += 34) {
      int32_t s = Dot32(reinterpret_cast<const int8_t*>(b + 2), xb[k].q);
      acc += Half(b) * xb[k].d * static_cast<float>(s);
    }
    out[j] = acc;
  }
}

void DotQ4_0(const uint8_t* w, const void* x, size_t stride, int nx, size_t n, float* out) {
  for (int j = 0; j < nx; ++j) {
    const Q8Block* xb = Row(x, stride, j);
    const uint8_t* b = w;
    float acc = 0;
    for (size_t k = 0; k < n / 32; ++k, b += 18) {
      int8_t q[32];
      for (int l = 0; l < 16; ++l) {
        q[l] = static_cast<int8_t>(b[2 + l] & 0xF);
        q[l + 16] = static_cast<int8_t>(b[2 + l] >> 4);
      }
      int32_t s = Dot32(q, xb[k].q) - 8 * xb[k].sum;
      acc += Half(b) * xb[k].d * static_cast<float>(s);
    }
    out[j] = acc;
  }
}

// Q4_K and Q5_K: sub-block j of a super-block has x = d * sc_j * q - dmin * m_j.
template <bool kFive>
void DotQ45K(const uint8_t* w, const void* x, size_t stride, int nx, size_t n, float* out) {
  const size_t block_bytes = kFive ? 176 : 144;
  for (int j = 0; j < nx; ++j) {
    const Q8Block* xb = Row(x, stride, j);
    const uint8_t* b = w;
    float acc = 0;
    for (size_t k = 0; k < n / 256; ++k, b += block_bytes, xb += 8) {
      const float d = Half(b), dmin = Half(b + 2);
      const uint8_t* scales = b + 4;
      const uint8_t* qh = b + 16;
      const uint8_t* qs = b + (kFive ? 48 : 16);
      float sum_q = 0, sum_m = 0;
      for (int c = 0; c < 4; ++c) {
        for (int half = 0; half < 2; ++half) {
          const int sb = 2 * c + half;
          int8_t q[32];
          for (int l = 0; l < 32; ++l) {
            int v = half ? qs[32 * c + l] >> 4 : qs[32 * c + l] & 0xF;
            if (kFive && (qh[l] >> sb & 1)) v += 16;
            q[l] = static_cast<int8_t>(v);
          }
          uint8_t sc, m;
          KQuantScaleMin(sb, scales, &sc, &m);
          sum_q += xb[sb].d * static_cast<float>(sc * Dot32(q, xb[sb].q));
          sum_m += xb[sb].d * static_cast<float>(m * xb[sb].sum);
        }
      }
      acc += d * sum_q - dmin * sum_m;
    }
    out[j] = acc;
  }
}

void DotQ6K(const uint8_t* w, const void* x, size_t stride, int nx, size_t n, float* out) {
  for (int j = 0; j < nx; ++j) {
    const Q8Block* xb = Row(x, stride, j);
    const uint8_t* b = w;
    float acc = 0;
    for (size_t k = 0; k < n / 256; ++k, b += 210) {
      const float d = Half(b + 208);
      float block = 0;
      for (int half = 0; half < 2; ++half) {
        const uint8_t* ql = b + 64 * half;
        const uint8_t* qh = b + 128 + 32 * half;
        const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192) + 8 * half;
        for (int g = 0; g < 4; ++g) {
          const Q8Block& a = xb[8 * k + 4 * half + g];
          int32_t s[2] = {0, 0};
          for (int l = 0; l < 32; ++l) {
            const uint8_t lo = g & 1 ? ql[l + 32] : ql[l];
            const int v = ((g < 2 ? lo & 0xF : lo >> 4) | (((qh[l] >> (2 * g)) & 3) << 4)) - 32;
            s[l / 16] += v * a.q[l];
          }
          block += a.d * static_cast<float>(sc[2 * g] * s[0] + sc[2 * g + 1] * s[1]);
        }
      }
      acc += d * block;
    }
    out[j] = acc;
  }
}

float Dot(const float* a, const float* b, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

void Axpy(float alpha, const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

}  // namespace

const LlmKernels& ScalarLlmKernels() {
  static const LlmKernels k = {"scalar", QuantizeQ8,     DotF32,        DotF16, DotBF16, DotQ8_0,
                               DotQ4_0,  DotQ45K<false>, DotQ45K<true>, DotQ6K, Dot,     Axpy};
  return k;
}

}  // namespace ragdb::model::llm
