// Lloyd's k-means (L2) for IVF coarse quantizers and PQ codebooks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ragdb {
class ThreadPool;
}

namespace ragdb::index {

// Index of the nearest (L2) centroid of each of the n rows; optionally its squared distance.
void AssignNearest(const float* x, size_t n, size_t d, const float* centroids, size_t k,
                   uint32_t* assign, float* dist, ThreadPool* pool);

// k x d centroids trained on rows 0..n-1 (n >= k). Initialized from k distinct random rows;
// an empty cluster is re-seeded by splitting the largest one, so none stays empty.
std::vector<float> KMeans(const float* x, size_t n, size_t d, size_t k, int iters, uint64_t seed,
                          ThreadPool* pool);

// Row indices of a deterministic random sample of min(n, count) rows, sorted.
std::vector<uint32_t> SampleRows(size_t n, size_t count, uint64_t seed);

}  // namespace ragdb::index
