#include "db/flat_batch.h"

#include <cblas.h>

#include <mutex>

namespace ragdb::db {
namespace {

constexpr size_t kRowBlock = 1024;  // rows per sgemm: the block's vectors stay in cache

void SingleThreadedBlas() {
  // Our threads split the work; OpenBLAS's own would oversubscribe the cores.
  static std::once_flag once;
  std::call_once(once, [] {
    openblas_set_num_threads(1);
    // OpenBLAS allocates its work buffers on the first product; do that here, once, rather than
    // inside the first batch's timing.
    float a = 1, b = 1, c = 0;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 1, 1, 1, 1.0f, &a, 1, &b, 1, 0.0f, &c, 1);
  });
}

}  // namespace

void FlatBatchScan(const float* queries, size_t nq, const Segment* segment, const float* column,
                   size_t row_begin, size_t row_end, uint32_t dim, Metric metric,
                   const Bitset* allowed, std::vector<TopK>* tops) {
  SingleThreadedBlas();
  const bool l2 = metric == Metric::kL2;
  std::vector<float> products(nq * kRowBlock);
  std::vector<float> norms(kRowBlock);
  for (size_t start = row_begin; start < row_end; start += kRowBlock) {
    const size_t n = std::min(kRowBlock, row_end - start);
    bool any = allowed == nullptr;
    for (size_t r = start; r < start + n && !any; ++r) any = allowed->Test(r);
    if (!any) continue;
    const float* block = column + start * dim;
    // products[q][r] = queries[q] . block[r]
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(nq), static_cast<int>(n),
                static_cast<int>(dim), 1.0f, queries, static_cast<int>(dim), block,
                static_cast<int>(dim), 0.0f, products.data(), static_cast<int>(n));
    if (l2) {
      for (size_t r = 0; r < n; ++r) {
        const float* v = block + r * dim;
        float s = 0;
        for (uint32_t d = 0; d < dim; ++d) s += v[d] * v[d];
        norms[r] = s;
      }
    }
    for (size_t q = 0; q < nq; ++q) {
      const float* p = &products[q * n];
      TopK& top = (*tops)[q];
      float t = top.threshold();
      for (size_t r = 0; r < n; ++r) {
        // For L2 the query's own norm is added back by the caller's score conversion.
        float d = l2 ? norms[r] - 2 * p[r] : -p[r];
        if (d < t && (allowed == nullptr || allowed->Test(start + r))) {
          top.Push(d, segment, static_cast<uint32_t>(start + r));
          t = top.threshold();
        }
      }
    }
  }
}

}  // namespace ragdb::db
