// The CBLAS routines ragdb calls (sgemm, and OpenBLAS's thread setting), for builds without
// OpenBLAS (the `edge` preset, RAGDB_WITH_OPENBLAS=OFF). Its folder goes on the include path in
// place of the system cblas.h, so the callers (model/kernels.cc, model/transformer.cc,
// db/flat_batch.cc) compile unchanged. The products run on ragdb's own SIMD dot kernels (AVX2 or
// NEON when the CPU has them).
#pragma once

enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113 };

// C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T; M x K times K x N, as in CBLAS
// (beta == 0 overwrites C without reading it).
void cblas_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE trans_a, CBLAS_TRANSPOSE trans_b, int m, int n,
                 int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta,
                 float* c, int ldc);

// The portable sgemm always runs on the calling thread, which is what callers set OpenBLAS to.
inline void openblas_set_num_threads(int) {}
