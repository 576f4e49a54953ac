#include "model/kernels.h"

#include <cblas.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <mutex>

#include "base/cpu.h"

namespace ragdb::model {
namespace {

float ActivateScalar(float v, Activation act) {
  switch (act) {
    case Activation::kGeluErf:
      return GeluErf(v);
    case Activation::kGeluTanh:
      return GeluTanh(v);
    case Activation::kRelu:
      return std::max(v, 0.0f);
    case Activation::kQuickGelu:
      return QuickGelu(v);
  }
  return v;
}

// ---- AVX2 ----------------------------------------------------------------------------------
// x86-64 only; other targets (aarch64) run the scalar loops below, which -O2 vectorizes.
#if defined(__x86_64__)
bool UseAvx2() {
  static const bool v = [] {
    const auto& f = GetCpuFeatures();
    return f.avx2 && f.fma && ActiveSimdLevel() != SimdLevel::kScalar;
  }();
  return v;
}

// e^x for |x| < 88: 2^n * p(r), r = x - n ln2, degree-6 polynomial (relative error ~2e-7).
__attribute__((target("avx2,fma"))) inline __m256 Exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  __m256i e =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

// 0.5 x (1 + erf(x / sqrt 2)); erf by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7).
__attribute__((target("avx2,fma"))) inline __m256 GeluErf8(__m256 x) {
  const __m256 sign_mask = _mm256_set1_ps(-0.0f);
  __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f));
  __m256 az = _mm256_andnot_ps(sign_mask, z);
  __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f),
                           _mm256_fmadd_ps(az, _mm256_set1_ps(0.3275911f), _mm256_set1_ps(1.0f)));
  __m256 p = _mm256_set1_ps(1.061405429f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
  p = _mm256_mul_ps(p, t);
  __m256 e = Exp8(_mm256_mul_ps(_mm256_xor_ps(az, sign_mask), az));
  __m256 erf_abs = _mm256_fnmadd_ps(p, e, _mm256_set1_ps(1.0f));
  __m256 erf = _mm256_or_ps(erf_abs, _mm256_and_ps(z, sign_mask));
  return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x),
                       _mm256_add_ps(_mm256_set1_ps(1.0f), erf));
}

// tanh(u) = 1 - 2 / (e^{2u} + 1).
__attribute__((target("avx2,fma"))) inline __m256 GeluTanh8(__m256 x) {
  __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
  __m256 u = _mm256_mul_ps(_mm256_set1_ps(0.7978845608028654f),
                           _mm256_fmadd_ps(x3, _mm256_set1_ps(0.044715f), x));
  __m256 e = Exp8(_mm256_mul_ps(u, _mm256_set1_ps(2.0f)));
  __m256 th =
      _mm256_sub_ps(_mm256_set1_ps(1.0f),
                    _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
  return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x),
                       _mm256_add_ps(_mm256_set1_ps(1.0f), th));
}

// x * sigmoid(1.702 x) = x / (1 + e^{-1.702 x}).
__attribute__((target("avx2,fma"))) inline __m256 QuickGelu8(__m256 x) {
  __m256 e = Exp8(_mm256_mul_ps(x, _mm256_set1_ps(-1.702f)));
  return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

__attribute__((target("avx2,fma"))) inline float HSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) void BiasActivationAvx2(float* y, size_t m, size_t n,
                                                            const float* bias, Activation act) {
  for (size_t i = 0; i < m; ++i) {
    float* row = y + i * n;
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
      __m256 v = _mm256_add_ps(_mm256_loadu_ps(row + j), _mm256_loadu_ps(bias + j));
      switch (act) {
        case Activation::kGeluErf:
          v = GeluErf8(v);
          break;
        case Activation::kGeluTanh:
          v = GeluTanh8(v);
          break;
        case Activation::kRelu:
          v = _mm256_max_ps(v, _mm256_setzero_ps());
          break;
        case Activation::kQuickGelu:
          v = QuickGelu8(v);
          break;
      }
      _mm256_storeu_ps(row + j, v);
    }
    for (; j < n; ++j) row[j] = ActivateScalar(row[j] + bias[j], act);
  }
}

__attribute__((target("avx2,fma"))) void ResidualLayerNormAvx2(float* x, const float* y,
                                                               const float* bias,
                                                               const float* gamma,
                                                               const float* beta, size_t m,
                                                               size_t n, float eps) {
  for (size_t i = 0; i < m; ++i) {
    float* row = x + i * n;
    const float* yr = y + i * n;
    __m256 acc = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
      __m256 v = _mm256_add_ps(_mm256_loadu_ps(row + j),
                               _mm256_add_ps(_mm256_loadu_ps(yr + j), _mm256_loadu_ps(bias + j)));
      _mm256_storeu_ps(row + j, v);
      acc = _mm256_add_ps(acc, v);
    }
    float sum = HSum(acc);
    for (; j < n; ++j) {
      row[j] += yr[j] + bias[j];
      sum += row[j];
    }
    const float mean = sum / static_cast<float>(n);
    __m256 vm = _mm256_set1_ps(mean);
    acc = _mm256_setzero_ps();
    for (j = 0; j + 8 <= n; j += 8) {
      __m256 d = _mm256_sub_ps(_mm256_loadu_ps(row + j), vm);
      acc = _mm256_fmadd_ps(d, d, acc);
    }
    float var = HSum(acc);
    for (; j < n; ++j) var += (row[j] - mean) * (row[j] - mean);
    const float inv = 1.0f / std::sqrt(var / static_cast<float>(n) + eps);
    __m256 vi = _mm256_set1_ps(inv);
    for (j = 0; j + 8 <= n; j += 8) {
      __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(row + j), vm), vi);
      _mm256_storeu_ps(row + j,
                       _mm256_fmadd_ps(d, _mm256_loadu_ps(gamma + j), _mm256_loadu_ps(beta + j)));
    }
    for (; j < n; ++j) row[j] = (row[j] - mean) * inv * gamma[j] + beta[j];
  }
}

__attribute__((target("avx2,fma"))) void LayerNormAvx2(const float* x, float* out,
                                                       const float* gamma, const float* beta,
                                                       size_t m, size_t n, float eps) {
  for (size_t i = 0; i < m; ++i) {
    const float* row = x + i * n;
    float* o = out + i * n;
    __m256 acc = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= n; j += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(row + j));
    float sum = HSum(acc);
    for (; j < n; ++j) sum += row[j];
    const float mean = sum / static_cast<float>(n);
    __m256 vm = _mm256_set1_ps(mean);
    acc = _mm256_setzero_ps();
    for (j = 0; j + 8 <= n; j += 8) {
      __m256 d = _mm256_sub_ps(_mm256_loadu_ps(row + j), vm);
      acc = _mm256_fmadd_ps(d, d, acc);
    }
    float var = HSum(acc);
    for (; j < n; ++j) var += (row[j] - mean) * (row[j] - mean);
    const float inv = 1.0f / std::sqrt(var / static_cast<float>(n) + eps);
    __m256 vi = _mm256_set1_ps(inv);
    for (j = 0; j + 8 <= n; j += 8) {
      __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(row + j), vm), vi);
      _mm256_storeu_ps(o + j,
                       _mm256_fmadd_ps(d, _mm256_loadu_ps(gamma + j), _mm256_loadu_ps(beta + j)));
    }
    for (; j < n; ++j) o[j] = (row[j] - mean) * inv * gamma[j] + beta[j];
  }
}

__attribute__((target("avx2,fma"))) void SoftmaxAvx2(float* s, size_t n) {
  float mx = -INFINITY;
  for (size_t j = 0; j < n; ++j) mx = std::max(mx, s[j]);
  __m256 vm = _mm256_set1_ps(mx);
  __m256 acc = _mm256_setzero_ps();
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256 e = Exp8(_mm256_sub_ps(_mm256_loadu_ps(s + j), vm));
    _mm256_storeu_ps(s + j, e);
    acc = _mm256_add_ps(acc, e);
  }
  float sum = HSum(acc);
  for (; j < n; ++j) {
    s[j] = std::exp(s[j] - mx);
    sum += s[j];
  }
  const float inv = 1.0f / sum;
  __m256 vi = _mm256_set1_ps(inv);
  for (j = 0; j + 8 <= n; j += 8)
    _mm256_storeu_ps(s + j, _mm256_mul_ps(_mm256_loadu_ps(s + j), vi));
  for (; j < n; ++j) s[j] *= inv;
}

__attribute__((target("avx2,fma"))) float FastExpAvx2(float x) {
  return _mm256_cvtss_f32(Exp8(_mm256_set1_ps(x)));
}
__attribute__((target("avx2,fma"))) float FastGeluAvx2(float x) {
  return _mm256_cvtss_f32(GeluErf8(_mm256_set1_ps(x)));
}
#endif  // __x86_64__

}  // namespace

void InitBlas() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

float GeluErf(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }
float GeluTanh(float x) {
  return 0.5f * x * (1.0f + std::tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
}
float QuickGelu(float x) { return x / (1.0f + std::exp(-1.702f * x)); }
#if defined(__x86_64__)
float FastExpForTest(float x) { return UseAvx2() ? FastExpAvx2(x) : std::exp(x); }
float FastGeluForTest(float x) { return UseAvx2() ? FastGeluAvx2(x) : GeluErf(x); }
#else
float FastExpForTest(float x) { return std::exp(x); }
float FastGeluForTest(float x) { return GeluErf(x); }
#endif

void MatMulTransB(const float* x, size_t m, size_t k, const float* w, size_t n, float* y,
                  ThreadPool* pool) {
  auto run = [&](size_t r0, size_t r1) {
    if (r1 <= r0) return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(r1 - r0),
                static_cast<int>(n), static_cast<int>(k), 1.0f, x + r0 * k, static_cast<int>(k), w,
                static_cast<int>(k), 0.0f, y + r0 * n, static_cast<int>(n));
  };
  const size_t threads = pool ? pool->size() + 1 : 1;
  if (threads == 1 || m * n * k < (1u << 18)) {
    run(0, m);
    return;
  }
  if (m >= 16 * threads) {
    // Row slices claimed dynamically, about four per thread: when another process takes a core
    // away from one of our threads, the others pick up its share instead of waiting at the end.
    // Slices are multiples of 16 rows so each keeps OpenBLAS's full-width kernels, and at least
    // 64 rows so re-packing the weights per slice stays cheap.
    size_t per = std::max<size_t>(64, (m + 4 * threads - 1) / (4 * threads));
    per = (per + 15) / 16 * 16;
    if (per * threads > m) per = ((m + threads - 1) / threads + 15) / 16 * 16;
    pool->ParallelFor(m, per, run);
    return;
  }
  // Few rows (batch 1, short text): split the output columns instead.
  size_t per = std::max<size_t>(64, (n + 4 * threads - 1) / (4 * threads));
  per = (per + 15) / 16 * 16;
  pool->ParallelFor(n, per, [&](size_t c0, size_t c1) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m),
                static_cast<int>(c1 - c0), static_cast<int>(k), 1.0f, x, static_cast<int>(k),
                w + c0 * k, static_cast<int>(k), 0.0f, y + c0, static_cast<int>(n));
  });
}

void BiasActivation(float* y, size_t m, size_t n, const float* bias, Activation act) {
#if defined(__x86_64__)
  if (UseAvx2()) return BiasActivationAvx2(y, m, n, bias, act);
#endif
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) y[i * n + j] = ActivateScalar(y[i * n + j] + bias[j], act);
  }
}

void ResidualLayerNorm(float* x, const float* y, const float* bias, const float* gamma,
                       const float* beta, size_t m, size_t n, float eps) {
#if defined(__x86_64__)
  if (UseAvx2()) return ResidualLayerNormAvx2(x, y, bias, gamma, beta, m, n, eps);
#endif
  for (size_t i = 0; i < m; ++i) {
    float* row = x + i * n;
    double sum = 0;
    for (size_t j = 0; j < n; ++j) {
      row[j] += y[i * n + j] + bias[j];
      sum += row[j];
    }
    const float mean = static_cast<float>(sum / n);
    double var = 0;
    for (size_t j = 0; j < n; ++j) var += (row[j] - mean) * (row[j] - mean);
    const float inv = 1.0f / std::sqrt(static_cast<float>(var / n) + eps);
    for (size_t j = 0; j < n; ++j) row[j] = (row[j] - mean) * inv * gamma[j] + beta[j];
  }
}

void LayerNorm(const float* x, float* out, const float* gamma, const float* beta, size_t m,
               size_t n, float eps) {
#if defined(__x86_64__)
  if (UseAvx2()) return LayerNormAvx2(x, out, gamma, beta, m, n, eps);
#endif
  for (size_t i = 0; i < m; ++i) {
    const float* row = x + i * n;
    double sum = 0;
    for (size_t j = 0; j < n; ++j) sum += row[j];
    const float mean = static_cast<float>(sum / n);
    double var = 0;
    for (size_t j = 0; j < n; ++j) var += (row[j] - mean) * (row[j] - mean);
    const float inv = 1.0f / std::sqrt(static_cast<float>(var / n) + eps);
    for (size_t j = 0; j < n; ++j) out[i * n + j] = (row[j] - mean) * inv * gamma[j] + beta[j];
  }
}

void Softmax(float* s, size_t n) {
#if defined(__x86_64__)
  if (UseAvx2()) return SoftmaxAvx2(s, n);
#endif
  float mx = -INFINITY;
  for (size_t j = 0; j < n; ++j) mx = std::max(mx, s[j]);
  float sum = 0;
  for (size_t j = 0; j < n; ++j) {
    s[j] = std::exp(s[j] - mx);
    sum += s[j];
  }
  for (size_t j = 0; j < n; ++j) s[j] /= sum;
}

}  // namespace ragdb::model
