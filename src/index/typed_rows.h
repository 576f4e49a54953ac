// Rows of one vector field in the element type it stores (float32, float16, int8, uint8, binary;
// layouts in simd/elements.h), and the distance from a float query to one of them. FLAT scans in
// the db layer and HNSW graphs over compact rows share this, so every path ranks alike.
//
// Distances are "smaller is better", as everywhere in the index layer:
//   l2 -> squared L2 to the decoded row; ip -> -dot; cosine -> -dot / |row| (float rows are unit
//   length already; float16 rows are unit length up to rounding; integer rows keep their values,
//   so they carry 1/|row|); hamming -> differing bits against the packed query.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "index/kernels.h"
#include "ragdb/schema.h"

namespace ragdb::index {

struct TypedRows {
  ElementType type = ElementType::kFloat32;
  Metric metric = Metric::kL2;
  uint32_t dim = 0;
  size_t row_bytes = 0;
  const uint8_t* data = nullptr;
  // Integer rows under cosine: 1 / |row| per row (0 for a zero row). Null otherwise.
  const float* inv_norms = nullptr;

  const uint8_t* row(size_t r) const { return data + r * row_bytes; }
};

// Integer rows under cosine need per-row inverse norms (TypedRows::inv_norms).
bool NeedsInverseNorms(ElementType type, Metric metric);
// Appends 1/|row| for rows [from, n) of `rows` to *out (resized to n).
void ComputeInverseNorms(const TypedRows& rows, size_t from, size_t n, std::vector<float>* out);

// A query prepared for TypedDistance: floats normalized for cosine, bits packed for binary.
struct TypedQuery {
  const float* q = nullptr;
  const uint8_t* bits = nullptr;
  std::vector<float> buf;
  std::vector<uint8_t> packed;
};
// `query` must outlive `out` when no copy is needed (float32 l2/ip).
void PrepareTypedQuery(const TypedRows& rows, const float* query, TypedQuery* out);
// Decodes row r into *out as a prepared query (for distances between two stored rows).
void RowAsQuery(const TypedRows& rows, size_t r, TypedQuery* out);

inline float TypedDistance(const IndexKernels& k, const TypedRows& rows, const TypedQuery& q,
                           size_t r) {
  const uint8_t* x = rows.row(r);
  const size_t d = rows.dim;
  const bool l2 = rows.metric == Metric::kL2;
  switch (rows.type) {
    case ElementType::kFloat32: {
      auto f = reinterpret_cast<const float*>(x);
      return l2 ? k.l2(q.q, f, d) : -k.dot(q.q, f, d);
    }
    case ElementType::kFloat16: {
      auto h = reinterpret_cast<const uint16_t*>(x);
      return l2 ? k.f16_l2(q.q, h, d) : -k.f16_dot(q.q, h, d);
    }
    case ElementType::kInt8: {
      auto i = reinterpret_cast<const int8_t*>(x);
      if (l2) return k.i8_l2(q.q, i, d);
      float dot = k.i8_dot(q.q, i, d);
      return rows.inv_norms ? -dot * rows.inv_norms[r] : -dot;
    }
    case ElementType::kUint8: {
      if (l2) return k.u8_l2(q.q, x, d);
      float dot = k.u8_dot(q.q, x, d);
      return rows.inv_norms ? -dot * rows.inv_norms[r] : -dot;
    }
    case ElementType::kBinary:
      return static_cast<float>(k.hamming(q.bits, x, rows.row_bytes));
  }
  return 0;
}

}  // namespace ragdb::index
