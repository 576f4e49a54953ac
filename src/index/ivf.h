// IVF indexes: a k-means coarse quantizer splits rows into `nlist` lists; a query scans the
// `nprobe` lists whose centroids are nearest (by L2, for every metric: with the unit rows cosine
// requires, L2 and cosine order centroids alike).
//   IVF-FLAT: lists hold row ids only; distances read the caller's float rows (no copy).
//   IVF-PQ:   lists also hold PQ codes of the residual (row - centroid): pq_m sub-quantizers of
//             8 bits. Queries use per-list asymmetric distance tables (L2) or one table
//             (ip/cosine), then optionally re-rank the best `rerank` candidates with the float
//             rows.
// Rows cannot be added in place (Add returns Unimplemented): the segment rebuilds on compaction.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/format.h"
#include "index/vector_index.h"

namespace ragdb::index {

class TopK;

class IvfIndex final : public VectorIndex {
 public:
  static Result<std::unique_ptr<IvfIndex>> Build(const IndexConfig& config, const float* vectors,
                                                 size_t n, ThreadPool* pool);
  static Result<std::unique_ptr<IvfIndex>> Open(std::string_view bytes, IndexKind kind,
                                                const float* vectors, size_t n,
                                                const OpenOptions& options);

  IndexKind kind() const override { return kind_; }
  Metric metric() const override { return metric_; }
  uint32_t dim() const override { return d_; }
  size_t size() const override { return n_; }
  std::vector<Neighbor> Search(const float* query, size_t k, const SearchParams& params,
                               const Bitset* allowed) const override;
  Status Serialize(std::string* out) const override;
  size_t MemoryUsage() const override;

  uint32_t nlist() const { return nlist_; }
  uint32_t pq_m() const { return pq_m_; }

 private:
  IvfIndex() = default;
  bool pq() const { return kind_ == IndexKind::kIvfPq; }
  // Scans the given lists into `top` (internal distances; PQ distances are approximate).
  void ScanLists(const float* q, const uint32_t* lists, size_t nlists, const Bitset* allowed,
                 TopK* top, size_t* ndist) const;

  IndexKind kind_ = IndexKind::kIvfFlat;
  Metric metric_ = Metric::kL2;
  bool l2_ = true;
  uint32_t d_ = 0, nlist_ = 0, pq_m_ = 0, dsub_ = 0;
  size_t n_ = 0;
  const float* vectors_ = nullptr;
  // Owned after Build, pointing into the blob after Open.
  const float* centroids_ = nullptr;   // nlist x d
  const uint32_t* offsets_ = nullptr;  // nlist + 1; list l is [offsets[l], offsets[l+1])
  const uint32_t* ids_ = nullptr;      // n row ids, grouped by list
  const float* codebooks_ = nullptr;   // pq_m x 256 x dsub
  const uint8_t* codes_ = nullptr;     // n x pq_m, same order as ids_
  std::vector<float> centroids_owned_, codebooks_owned_;
  std::vector<uint32_t> offsets_owned_, ids_owned_;
  std::vector<uint8_t> codes_owned_;
  std::unique_ptr<BlobReader> blob_;
};

}  // namespace ragdb::index
