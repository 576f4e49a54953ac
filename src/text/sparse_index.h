// Per-segment inverted index for sparse vectors (SPLADE, BGE-M3 lexical weights: dimension ->
// weight), with exact dot-product top-k by term-at-a-time accumulation.
//
// Serialized layout, version 1, little-endian, sections in this order with no gaps:
//   Header, 40 bytes
//     0  char[8] magic "RGDBSPV1"
//     8  u32 version = 1      12 u32 num_rows     16 u32 doc_count     20 u32 num_dims
//     24 u64 dims_offset = 40 32 u64 postings_offset = dims_offset + 24 * num_dims
//   Dimensions: num_dims x 24-byte entries sorted by dimension id (binary searched)
//     u32 dim  u32 count  u64 postings (relative to postings section)  f32 max |weight|  u32 0
//   Postings of one dimension (extends to the next dimension's start or the block end):
//     count x f32 weights, then count varint doc gaps (first doc, then doc - previous - 1).
// Open() checks header, bounds, order and extents; Search() checks doc ids while decoding.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/bitset.h"
#include "ragdb/record.h"
#include "ragdb/status.h"
#include "text/bm25.h"

namespace ragdb::text {

class SparseIndexBuilder {
 public:
  // Rows strictly increasing. InvalidArgument on mismatched sizes, duplicate indices or
  // non-finite weights. Zero weights are dropped.
  Status Add(uint32_t row, const SparseVector& v);
  std::string Finish(uint32_t num_rows = 0) const;

 private:
  struct Postings {
    std::vector<uint32_t> docs;
    std::vector<float> weights;
  };
  std::map<uint32_t, Postings> dims_;
  uint32_t doc_count_ = 0;
  int64_t last_row_ = -1;
};

class SparseIndexReader {
 public:
  SparseIndexReader() = default;
  static Result<SparseIndexReader> Open(std::string_view bytes);

  uint32_t num_rows() const { return num_rows_; }
  uint32_t doc_count() const { return doc_count_; }
  uint32_t num_dims() const { return num_dims_; }

  // Exact top-k rows by dot product with `query` (rows sharing no dimension are not returned),
  // best first, ties by lower row. InvalidArgument for a malformed query.
  Result<std::vector<ScoredRow>> Search(const SparseVector& query, size_t k,
                                        const Bitset* allowed = nullptr) const;

 private:
  const char* entry(uint32_t i) const { return dims_ + 24 * size_t{i}; }
  int64_t FindDim(uint32_t dim) const;
  std::string_view bytes_;
  const char* dims_ = nullptr;
  const char* postings_ = nullptr;
  uint64_t postings_size_ = 0;
  uint32_t num_rows_ = 0;
  uint32_t doc_count_ = 0;
  uint32_t num_dims_ = 0;
};

// Checks indices/values sizes, duplicates and finiteness; returns (index, value) sorted by index.
Result<std::vector<std::pair<uint32_t, float>>> NormalizeSparse(const SparseVector& v);

}  // namespace ragdb::text
