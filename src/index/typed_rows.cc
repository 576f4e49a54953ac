#include "index/typed_rows.h"

#include <cmath>

#include "simd/elements.h"

namespace ragdb::index {

bool NeedsInverseNorms(ElementType type, Metric metric) {
  return metric == Metric::kCosine && (type == ElementType::kInt8 || type == ElementType::kUint8);
}

void ComputeInverseNorms(const TypedRows& rows, size_t from, size_t n, std::vector<float>* out) {
  out->resize(n);
  std::vector<float> buf(rows.dim);
  const IndexKernels& k = Kernels();
  for (size_t r = from; r < n; ++r) {
    simd::DecodeElements(rows.type, rows.row(r), rows.dim, buf.data());
    const float norm = std::sqrt(k.dot(buf.data(), buf.data(), rows.dim));
    (*out)[r] = norm > 0 ? 1.0f / norm : 0.0f;
  }
}

namespace {

void Prepare(const TypedRows& rows, TypedQuery* out) {
  if (rows.type == ElementType::kBinary) {
    out->packed.resize(rows.row_bytes);
    simd::EncodeElements(ElementType::kBinary, out->q, rows.dim, out->packed.data());
    out->bits = out->packed.data();
    return;
  }
  if (rows.metric != Metric::kCosine) return;
  if (out->q != out->buf.data()) out->buf.assign(out->q, out->q + rows.dim);
  float norm = std::sqrt(Kernels().dot(out->buf.data(), out->buf.data(), rows.dim));
  if (norm > 0) {
    for (float& v : out->buf) v /= norm;
  }
  out->q = out->buf.data();
}

}  // namespace

void PrepareTypedQuery(const TypedRows& rows, const float* query, TypedQuery* out) {
  out->q = query;
  out->bits = nullptr;
  Prepare(rows, out);
}

void RowAsQuery(const TypedRows& rows, size_t r, TypedQuery* out) {
  out->buf.resize(rows.dim);
  simd::DecodeElements(rows.type, rows.row(r), rows.dim, out->buf.data());
  out->q = out->buf.data();
  out->bits = nullptr;
  Prepare(rows, out);
}

}  // namespace ragdb::index
