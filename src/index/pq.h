// Product quantization (Jégou et al., 2011) for HNSW walks: the d components are cut into m
// sub-spaces of d / m components, each with its own 256 k-means centroids, and a row is stored as
// m one-byte centroid numbers. A query first computes its distance to every centroid of every
// sub-space (a table of m x 256), after which the distance to a coded row is m table lookups
// summed (asymmetric distance: the query stays exact). The walk ranks rows by that estimate and
// the final beam is re-scored with the float rows, as for SQ8 and binary codes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ragdb {
class ThreadPool;
}

namespace ragdb::index {

class ProductQuantizer {
 public:
  static constexpr size_t kCentroids = 256;

  // The sub-space count used for `requested` (0 = d / 4): the largest divisor of d not above it.
  static size_t Subspaces(size_t d, size_t requested);
  // Codebooks trained by k-means on up to 40 x 256 sampled rows of 0..n-1 (fewer rows than 256:
  // centroids repeat rows, so codes are still valid). `m` must divide `d`. n = 0 leaves it
  // untrained (dim() 0).
  void Train(const float* x, size_t n, size_t d, size_t m, uint64_t seed, ThreadPool* pool);
  // Codebooks as Train made them: m x 256 x (d / m) floats.
  void Load(const float* codebooks, size_t d, size_t m);

  size_t dim() const { return d_; }
  size_t subspaces() const { return m_; }  // also the bytes of one code
  const std::vector<float>& codebooks() const { return codebooks_; }

  void Encode(const float* x, uint8_t* code) const;
  // table[s * 256 + j]: squared L2 distance (l2) or negated dot product (otherwise) between the
  // query's sub-vector s and centroid j of sub-space s. Summed over a code's entries, that is
  // the L2 distance squared, or the negated inner product, to the coded row.
  void PrepareTable(const float* q, bool l2, float* table) const;
  static float Distance(const float* table, const uint8_t* code, size_t m) {
    float sum = 0;
    for (size_t s = 0; s < m; ++s) sum += table[s * kCentroids + code[s]];
    return sum;
  }

 private:
  // The table's layout: per sub-space, component-major (dsub x 256), so that building a table
  // runs over 256 contiguous centroids per query component (vectorized); and the centroids'
  // squared norms (m x 256) for L2.
  void Transpose();

  size_t d_ = 0, m_ = 0, dsub_ = 0;
  std::vector<float> codebooks_;
  std::vector<float> by_component_, norms_;
};

}  // namespace ragdb::index
