// FlatIndex: exact search over caller-owned rows of any stored element type.
//   float32: the metric as everywhere (cosine needs unit rows).
//   float16 / int8 / uint8: the float32 query against the stored values (integer rows are read as
//   plain
//     integers; for cosine the index keeps each row's norm, n floats, so rows need not be unit).
//   binary: `dim` bits per row packed little-endian into ceil(dim / 8) bytes; the distance is the
//     Hamming count whatever the metric. Float queries are binarized by sign (bit = q[i] > 0), or
//     pass packed bits to SearchBinary.
// Serialized form: metadata and (float16/int8/uint8 cosine) the row norms; never the rows.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "index/vector_index.h"

namespace ragdb::index {

class FlatIndex final : public VectorIndex {
 public:
  // `rows` holds n rows of `type` (see above); it stays owned by the caller.
  static Result<std::unique_ptr<FlatIndex>> Create(Metric metric, ElementType type, uint32_t dim,
                                                   const void* rows, size_t n);
  static Result<std::unique_ptr<FlatIndex>> Open(std::string_view bytes, const void* rows, size_t n,
                                                 const OpenOptions& options = {});

  IndexKind kind() const override { return IndexKind::kFlat; }
  Metric metric() const override { return metric_; }
  uint32_t dim() const override { return d_; }
  size_t size() const override { return n_; }
  ElementType element_type() const override { return type_; }
  size_t row_bytes() const;

  std::vector<Neighbor> Search(const float* query, size_t k, const SearchParams& params,
                               const Bitset* allowed) const override;
  // Binary rows only: `packed` is ceil(dim / 8) bytes.
  std::vector<Neighbor> SearchBinary(const uint8_t* packed, size_t k,
                                     const Bitset* allowed = nullptr) const;
  // float32 rows only via the interface; other types use AddRows.
  Status Add(const float* vectors, size_t n_total, ThreadPool* pool) override;
  Status AddRows(const void* rows, size_t n_total);
  Status Serialize(std::string* out) const override;
  size_t MemoryUsage() const override { return norms_.size() * sizeof(float); }

 private:
  FlatIndex() = default;
  void ComputeNorms(size_t from);
  float Distance(const float* q, size_t row) const;

  Metric metric_ = Metric::kL2;
  ElementType type_ = ElementType::kFloat32;
  uint32_t d_ = 0;
  size_t n_ = 0;
  const void* rows_ = nullptr;
  std::vector<float> norms_;  // float16/int8/uint8 cosine only
};

}  // namespace ragdb::index
