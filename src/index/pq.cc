#include "index/pq.h"

#include <algorithm>
#include <cstring>

#include "base/thread_pool.h"
#include "index/kmeans.h"

namespace ragdb::index {

size_t ProductQuantizer::Subspaces(size_t d, size_t requested) {
  size_t want = requested ? requested : std::max<size_t>(1, d / 4);
  want = std::min(want, d);
  while (want > 1 && d % want != 0) --want;
  return std::max<size_t>(want, 1);
}

void ProductQuantizer::Train(const float* x, size_t n, size_t d, size_t m, uint64_t seed,
                             ThreadPool* pool) {
  if (n == 0) return;  // untrained: the rows of the next Add train it
  d_ = d;
  m_ = m;
  dsub_ = d / m;
  codebooks_.assign(m * kCentroids * dsub_, 0.0f);
  const std::vector<uint32_t> rows = SampleRows(n, kCentroids * 40, seed);
  auto train = [&](size_t lo, size_t hi) {
    std::vector<float> sub;
    for (size_t s = lo; s < hi; ++s) {
      // k-means needs at least 256 rows: a small sample is repeated (centroids then coincide
      // with rows, which codes them exactly).
      const size_t count = std::max(rows.size(), kCentroids);
      sub.resize(count * dsub_);
      for (size_t i = 0; i < count; ++i) {
        const float* r = x + size_t{rows[i % rows.size()]} * d + s * dsub_;
        std::memcpy(&sub[i * dsub_], r, dsub_ * sizeof(float));
      }
      std::vector<float> cb = KMeans(sub.data(), count, dsub_, kCentroids, 10, seed + s, nullptr);
      std::memcpy(&codebooks_[s * kCentroids * dsub_], cb.data(), cb.size() * sizeof(float));
    }
  };
  if (pool != nullptr) {
    pool->ParallelFor(m, 1, train);
  } else {
    train(0, m);
  }
  Transpose();
}

void ProductQuantizer::Transpose() {
  by_component_.assign(codebooks_.size(), 0.0f);
  norms_.assign(m_ * kCentroids, 0.0f);
  for (size_t s = 0; s < m_; ++s) {
    for (size_t j = 0; j < kCentroids; ++j) {
      const float* c = &codebooks_[(s * kCentroids + j) * dsub_];
      for (size_t k = 0; k < dsub_; ++k) {
        by_component_[(s * dsub_ + k) * kCentroids + j] = c[k];
        norms_[s * kCentroids + j] += c[k] * c[k];
      }
    }
  }
}

void ProductQuantizer::Load(const float* codebooks, size_t d, size_t m) {
  d_ = d;
  m_ = m;
  dsub_ = d / m;
  codebooks_.assign(codebooks, codebooks + m * kCentroids * dsub_);
  Transpose();
}

void ProductQuantizer::Encode(const float* x, uint8_t* code) const {
  for (size_t s = 0; s < m_; ++s) {
    uint32_t nearest = 0;
    AssignNearest(x + s * dsub_, 1, dsub_, &codebooks_[s * kCentroids * dsub_], kCentroids,
                  &nearest, nullptr, nullptr);
    code[s] = static_cast<uint8_t>(nearest);
  }
}

void ProductQuantizer::PrepareTable(const float* q, bool l2, float* table) const {
  // |q - c|^2 = |q|^2 - 2 q.c + |c|^2, and -q.c for inner products: one multiply-add per
  // component over the 256 contiguous centroids of the component.
  for (size_t s = 0; s < m_; ++s) {
    const float* qs = q + s * dsub_;
    float* t = table + s * kCentroids;
    float qn = 0;
    if (l2) {
      for (size_t k = 0; k < dsub_; ++k) qn += qs[k] * qs[k];
      for (size_t j = 0; j < kCentroids; ++j) t[j] = qn + norms_[s * kCentroids + j];
    } else {
      std::fill(t, t + kCentroids, 0.0f);
    }
    for (size_t k = 0; k < dsub_; ++k) {
      const float a = (l2 ? -2.0f : -1.0f) * qs[k];
      const float* c = &by_component_[(s * dsub_ + k) * kCentroids];
      for (size_t j = 0; j < kCentroids; ++j) t[j] += a * c[j];
    }
  }
}

}  // namespace ragdb::index
