// The portable sgemm against a plain triple loop, for every transpose combination and both orders.
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

#include "cblas.h"

namespace {

float At(const std::vector<float>& x, bool row_major, int ld, int r, int c) {
  return row_major ? x[size_t(r) * ld + c] : x[size_t(c) * ld + r];
}

TEST(PortableSgemm, MatchesReference) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  const int m = 5, n = 7, k = 19;
  for (bool row_major : {true, false}) {
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        // Stored shapes: op(A) is m x k, op(B) is k x n; leading dimensions with padding.
        int a_rows = ta ? k : m, a_cols = ta ? m : k;
        int b_rows = tb ? n : k, b_cols = tb ? k : n;
        int lda = (row_major ? a_cols : a_rows) + 2;
        int ldb = (row_major ? b_cols : b_rows) + 3;
        int ldc = (row_major ? n : m) + 1;
        std::vector<float> a(size_t(lda) * (row_major ? a_rows : a_cols));
        std::vector<float> b(size_t(ldb) * (row_major ? b_rows : b_cols));
        std::vector<float> c(size_t(ldc) * (row_major ? m : n));
        for (float& x : a) x = u(rng);
        for (float& x : b) x = u(rng);
        for (float& x : c) x = u(rng);
        std::vector<float> want = c;
        const float alpha = 0.5f, beta = 2.0f;
        for (int i = 0; i < m; ++i) {
          for (int j = 0; j < n; ++j) {
            double s = 0;
            for (int p = 0; p < k; ++p) {
              float av = ta ? At(a, row_major, lda, p, i) : At(a, row_major, lda, i, p);
              float bv = tb ? At(b, row_major, ldb, j, p) : At(b, row_major, ldb, p, j);
              s += double(av) * bv;
            }
            size_t idx = row_major ? size_t(i) * ldc + j : size_t(j) * ldc + i;
            want[idx] = float(alpha * s + beta * c[idx]);
          }
        }
        cblas_sgemm(row_major ? CblasRowMajor : CblasColMajor, ta ? CblasTrans : CblasNoTrans,
                    tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a.data(), lda, b.data(), ldb,
                    beta, c.data(), ldc);
        for (size_t i = 0; i < c.size(); ++i) {
          ASSERT_NEAR(c[i], want[i], 1e-4)
              << "row_major " << row_major << " ta " << ta << " tb " << tb << " at " << i;
        }
      }
    }
  }
}

TEST(PortableSgemm, BetaZeroIgnoresNanInC) {
  std::vector<float> a = {1, 2}, b = {3, 4}, c = {std::numeric_limits<float>::quiet_NaN()};
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 1, 1, 2, 1.0f, a.data(), 2, b.data(), 2,
              0.0f, c.data(), 1);
  EXPECT_EQ(c[0], 11.0f);
}

}  // namespace
