#include <cstddef>
#include <vector>

#include "cblas.h"
#include "simd/distance.h"

namespace {

// Row-major C = alpha * op(A) * op(B) + beta * C.
void RowMajorSgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a,
                   int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  // Rows of op(A) and columns of op(B) as contiguous vectors, so that every entry of C is one
  // SIMD dot product. Transposed operands are copied once.
  std::vector<float> a_rows, b_cols;
  const float* ar = a;
  size_t ar_stride = lda;
  if (trans_a) {
    a_rows.resize(size_t(m) * k);
    for (int i = 0; i < m; ++i)
      for (int p = 0; p < k; ++p) a_rows[size_t(i) * k + p] = a[size_t(p) * lda + i];
    ar = a_rows.data();
    ar_stride = k;
  }
  const float* bc = b;
  size_t bc_stride = ldb;
  if (!trans_b) {
    b_cols.resize(size_t(n) * k);
    for (int p = 0; p < k; ++p)
      for (int j = 0; j < n; ++j) b_cols[size_t(j) * k + p] = b[size_t(p) * ldb + j];
    bc = b_cols.data();
    bc_stride = k;
  }
  for (int i = 0; i < m; ++i) {
    const float* row = ar + size_t(i) * ar_stride;
    float* out = c + size_t(i) * ldc;
    for (int j = 0; j < n; ++j) {
      float dot = ragdb::simd::Dot(row, bc + size_t(j) * bc_stride, size_t(k));
      out[j] = beta == 0.0f ? alpha * dot : alpha * dot + beta * out[j];
    }
  }
}

}  // namespace

void cblas_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE trans_a, CBLAS_TRANSPOSE trans_b, int m, int n,
                 int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta,
                 float* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  bool ta = trans_a != CblasNoTrans;
  bool tb = trans_b != CblasNoTrans;
  if (order == CblasRowMajor) {
    RowMajorSgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    // Column-major C is row-major C^T = op(B)^T op(A)^T.
    RowMajorSgemm(tb, ta, n, m, k, alpha, b, ldb, a, lda, beta, c, ldc);
  }
}
