// The numeric kernels of the encoder: matrix products (OpenBLAS, one thread per call, split over
// the pool), bias + activation, residual + bias + LayerNorm, softmax. AVX2/FMA versions are
// chosen at run time; the scalar ones are the reference.
#pragma once

#include <cstddef>

#include "base/thread_pool.h"
#include "model/model_config.h"

namespace ragdb::model {

// Sets OpenBLAS to one thread (once per process): parallelism comes from our own pool.
void InitBlas();

// y[m x n] = x[m x k] * w[n x k]^T (w in PyTorch Linear layout), rows of x split over `pool`
// (null = calling thread only).
void MatMulTransB(const float* x, size_t m, size_t k, const float* w, size_t n, float* y,
                  ThreadPool* pool);

// y[i, :] = act(y[i, :] + bias), rows [0, m).
void BiasActivation(float* y, size_t m, size_t n, const float* bias, Activation act);
// x[i, :] = LayerNorm(x[i, :] + y[i, :] + bias) * gamma + beta.
void ResidualLayerNorm(float* x, const float* y, const float* bias, const float* gamma,
                       const float* beta, size_t m, size_t n, float eps);
// out[i, :] = LayerNorm(x[i, :]) * gamma + beta (pre-norm blocks, where x is kept).
void LayerNorm(const float* x, float* out, const float* gamma, const float* beta, size_t m,
               size_t n, float eps);
// In place over one row.
void Softmax(float* s, size_t n);

// Scalar references, exposed for tests.
float GeluErf(float x);
float GeluTanh(float x);
float QuickGelu(float x);
float FastExpForTest(float x);   // the vector exp, one lane
float FastGeluForTest(float x);  // the vector erf-GELU, one lane

}  // namespace ragdb::model
