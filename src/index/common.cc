#include "index/common.h"

#include <cmath>
#include <string>

namespace ragdb::index {

const float* PrepareQuery(Metric m, const float* q, size_t d, std::vector<float>* buf) {
  if (m != Metric::kCosine) return q;
  buf->assign(q, q + d);
  float norm = std::sqrt(Kernels().dot(buf->data(), buf->data(), d));
  if (norm > 0) {
    float inv = 1.0f / norm;
    for (float& v : *buf) v *= inv;
  }
  return buf->data();
}

Status CheckUnitRows(const float* vectors, size_t n, size_t d) {
  size_t step = std::max<size_t>(1, n / 256);
  for (size_t i = 0; i < n; i += step) {
    const float* x = vectors + i * d;
    float nn = Kernels().dot(x, x, d);
    // Zero rows are allowed (an empty embedding has cosine 0 with everything).
    if (nn != 0 && std::fabs(nn - 1.0f) > 1e-2f) {
      return Status::InvalidArgument("cosine index needs unit-length rows; row " +
                                     std::to_string(i) + " has squared norm " + std::to_string(nn));
    }
  }
  return Status::Ok();
}

size_t CountAllowed(const Bitset* allowed, size_t n) {
  if (allowed == nullptr) return n;
  if (allowed->size() <= n) return allowed->Count();
  size_t c = 0;
  allowed->ForEach([&](size_t i) { c += i < n; });
  return c;
}

std::vector<Neighbor> ExactSearch(const float* vectors, size_t n, size_t d, bool l2, const float* q,
                                  size_t k, const Bitset* allowed, size_t* distance_computations) {
  const IndexKernels& kern = Kernels();
  TopK top(k);
  size_t count = 0;
  auto visit = [&](size_t i) {
    const float* x = vectors + i * d;
    top.Push(static_cast<uint32_t>(i), FloatDistance(kern, l2, q, x, d));
    ++count;
  };
  if (allowed == nullptr) {
    for (size_t i = 0; i < n; ++i) visit(i);
  } else {
    allowed->ForEach([&](size_t i) {
      if (i < n) visit(i);
    });
  }
  if (distance_computations) *distance_computations += count;
  return top.Take();
}

void FinishResults(Metric m, std::vector<Neighbor>* results) {
  if (m != Metric::kCosine) return;
  for (Neighbor& r : *results) r.distance = ToReported(m, r.distance);
}

}  // namespace ragdb::index
