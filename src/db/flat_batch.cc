#include "db/flat_batch.h"

#include <cblas.h>

#include <mutex>

#include "simd/distance.h"

namespace ragdb::db {
namespace {

// A product covers kRowBlock rows x kQueryBlock queries (Faiss: 1,024 x 4,096). Smaller query
// blocks keep the product in L2 while it is scanned, but sgemm loses more than the scan gains:
// CPU time per query on sift5k x 1,000 queries was 10% higher with 128-query blocks and 4%
// higher with 256 (bench/db_bench.cc --mode batch, cpu_qps).
constexpr size_t kRowBlock = 1024;
constexpr size_t kQueryBlock = 1024;

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
  const simd::Kernels& k = simd::Active();
  const bool l2 = metric == Metric::kL2;
  // Per-thread scratch, grown on first use and reused by every later call on the thread.
  thread_local std::vector<float> products, norms(kRowBlock), dist(kRowBlock);
  thread_local std::vector<uint32_t> idx(kRowBlock);
  const size_t product_size = std::min(nq, kQueryBlock) * kRowBlock;
  if (products.size() < product_size) products.resize(product_size);
  for (size_t start = row_begin; start < row_end; start += kRowBlock) {
    const size_t n = std::min(kRowBlock, row_end - start);
    bool any = allowed == nullptr;
    for (size_t r = start; r < start + n && !any; ++r) any = allowed->Test(r);
    if (!any) continue;
    const float* block = column + start * dim;
    if (l2) {
      for (size_t r = 0; r < n; ++r) norms[r] = k.dot(block + r * dim, block + r * dim, dim);
    }
    for (size_t qb = 0; qb < nq; qb += kQueryBlock) {
      const size_t m = std::min(kQueryBlock, nq - qb);
      // products[q][r] = queries[qb + q] . block[r]
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), static_cast<int>(n),
                  static_cast<int>(dim), 1.0f, queries + qb * dim, static_cast<int>(dim), block,
                  static_cast<int>(dim), 0.0f, products.data(), static_cast<int>(n));
      for (size_t q = 0; q < m; ++q) {
        TopK& top = (*tops)[qb + q];
        float t = top.threshold();
        // For L2 the query's own norm is added back by the caller's score conversion.
        const size_t found = k.select_below(&products[q * n], l2 ? norms.data() : nullptr, n, t,
                                            idx.data(), dist.data());
        for (size_t j = 0; j < found; ++j) {
          const size_t r = start + idx[j];
          if (dist[j] < t && (allowed == nullptr || allowed->Test(r))) {
            top.Push(dist[j], segment, static_cast<uint32_t>(r));
            t = top.threshold();
          }
        }
      }
    }
  }
}

}  // namespace ragdb::db
