#include "db/flat_batch.h"

#include <cblas.h>

#include <mutex>

#include "simd/distance.h"

namespace ragdb::db {
namespace {

// A product covers up to kMaxRowBlock rows x kQueryBlock queries. The rows are split into equal
// blocks (no small tail block: sgemm is least efficient on thin products). Smaller query blocks
// would keep the product in L2 while it is scanned, but sgemm loses more than the scan gains:
// CPU time per query on sift5k x 1,000 queries was 10% higher with 128-query blocks and 4%
// higher with 256; row blocks of 1,536 beat 1,024 by 3% on 1,285 x 1,024-d rows and tie on
// sift5k (bench/db_bench.cc --mode batch, cpu_qps).
constexpr size_t kMaxRowBlock = 1536;
constexpr size_t kQueryBlock = 1024;
constexpr size_t kSelectChunk = 128;

}  // namespace

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

void FlatBatchScan(const float* queries, size_t nq, const Segment* segment, const float* column,
                   size_t row_begin, size_t row_end, uint32_t dim, Metric metric,
                   const Bitset* allowed, TopK* tops) {
  SingleThreadedBlas();
  const simd::Kernels& k = simd::Active();
  const bool l2 = metric == Metric::kL2;
  // Per-thread scratch, grown on first use and reused by every later call on the thread.
  const size_t blocks = (row_end - row_begin + kMaxRowBlock - 1) / kMaxRowBlock;
  const size_t row_block = (row_end - row_begin + blocks - 1) / std::max<size_t>(blocks, 1);
  thread_local std::vector<float> products, norms, dist;
  thread_local std::vector<uint32_t> idx;
  const size_t product_size = std::min(nq, kQueryBlock) * row_block;
  if (products.size() < product_size) products.resize(product_size);
  if (norms.size() < row_block) {
    norms.resize(row_block);
    dist.resize(row_block);
    idx.resize(row_block);
  }
  for (size_t start = row_begin; start < row_end; start += row_block) {
    const size_t n = std::min(row_block, row_end - start);
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
        TopK& top = tops[qb + q];
        const float* p = &products[q * n];
        // For L2 the query's own norm is added back by the caller's score conversion.
        auto distance = [&](size_t r) { return l2 ? norms[r] - (p[r] + p[r]) : -p[r]; };
        // Until the top-k is full every allowed row enters it; then the SIMD selection passes
        // on only the rows below its threshold (a few per block once it has settled).
        size_t r = 0;
        for (; r < n && !top.full(); ++r) {
          if (allowed == nullptr || allowed->Test(start + r)) {
            top.Push(distance(r), segment, static_cast<uint32_t>(start + r));
          }
        }
        // Chunks of kSelectChunk rows, so that a threshold that is still loose right after the
        // first rows is tightened before it lets many more through.
        for (; r < n; r += kSelectChunk) {
          const size_t len = std::min(kSelectChunk, n - r);
          float t = top.threshold();
          const size_t found = k.select_below(p + r, l2 ? norms.data() + r : nullptr, len, t,
                                              idx.data(), dist.data());
          for (size_t j = 0; j < found; ++j) {
            const size_t row = start + r + idx[j];
            if (dist[j] < t && (allowed == nullptr || allowed->Test(row))) {
              top.Push(dist[j], segment, static_cast<uint32_t>(row));
              t = top.threshold();
            }
          }
        }
      }
    }
  }
}

}  // namespace ragdb::db
