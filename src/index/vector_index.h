// VectorIndex: the approximate (or exact) nearest-neighbour index over one segment's vectors.
//
// Contract with the segment/db layer
//  - Rows are 0..n-1 of a contiguous row-major float32 `n x dim` array that the CALLER owns (the
//    segment keeps it mmapped). Indexes keep only the pointer and never copy it; quantized
//    indexes (SQ8, PQ) keep their own codes and use the float rows only for exact re-ranking.
//    The array must stay valid and unchanged for the index's lifetime (or until the next Add()
//    that passes a new pointer).
//  - Metrics. Every distance returned is "smaller is better":
//      kL2     -> squared Euclidean distance
//      kIp     -> -dot(q, x)
//      kCosine -> 1 - dot(q, x). The CALLER must store unit-length rows (the db layer normalizes at
//                 ingest); Build rejects rows whose norm is far from 1. The index normalizes the
//                 query itself, so callers pass raw queries.
//  - Filters and deletes: `allowed` (nullable) is a bitset over rows; only set rows are returned.
//    Tombstones are expressed the same way (allowed = filter AND NOT deleted). Graph walks still
//    pass through disallowed rows, so deleting never disconnects the graph. A bitset shorter than
//    the index treats the missing rows as disallowed.
//  - Serialization: Serialize() appends a self-describing blob (see format.h: magic, version,
//    per-section CRC32C). OpenIndex() works on those bytes in place (mmap them; keep the mapping
//    alive as long as the index), validates every structural invariant and returns Corruption on
//    any mismatch. The float rows are not part of the blob.
//  - Thread safety: Search/SearchBatch are safe to call concurrently with each other and with Add()
//    on indexes that support it (HNSW).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/bitset.h"
#include "ragdb/schema.h"
#include "ragdb/status.h"

namespace ragdb {
class ThreadPool;
}

namespace ragdb::index {

struct Neighbor {
  uint32_t row;
  float distance;
  friend bool operator==(const Neighbor&, const Neighbor&) = default;
};

// How a filtered search runs (see filter.h). kAuto lets the planner decide.
enum class FilterStrategy : uint8_t { kAuto, kExact, kGraph, kGraphTwoHop };

// Filled in by Search when SearchParams::stats is set: for tests and benchmarks.
struct SearchStats {
  FilterStrategy strategy = FilterStrategy::kAuto;  // what actually ran
  size_t distance_computations = 0;
  bool fell_back_to_exact = false;
};

struct SearchParams {
  uint32_t ef = 0;      // HNSW beam width; 0 = max(k, 64). Always raised to at least k.
  uint32_t nprobe = 0;  // IVF lists probed; 0 = max(1, nlist / 16)
  // Candidates re-ranked exactly from the float rows when the index ranks by codes (SQ8 HNSW,
  // IVF-PQ). 0 = the index's default (HNSW+SQ8: the whole beam; IVF-PQ: 8 * k). Values above the
  // candidate count re-rank them all. Ignored by float indexes.
  uint32_t rerank = 0;
  FilterStrategy filter = FilterStrategy::kAuto;
  // How many rows `allowed` lets through, when the caller already knows (the db layer keeps the
  // count of searchable rows per segment): saves counting the bitset on every query. 0 = count.
  size_t allowed_count = 0;
  SearchStats* stats = nullptr;
};

enum class IndexKind : uint32_t { kFlat = 1, kHnsw = 2, kIvfFlat = 3, kIvfPq = 4 };

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  virtual IndexKind kind() const = 0;
  virtual Metric metric() const = 0;
  virtual uint32_t dim() const = 0;
  // Rows indexed (searchable).
  virtual size_t size() const = 0;
  // How the caller's rows are stored (IndexConfig::element_type).
  virtual ElementType element_type() const { return ElementType::kFloat32; }

  // The k nearest allowed rows to `query` (dim floats), best first; fewer if fewer are allowed.
  virtual std::vector<Neighbor> Search(const float* query, size_t k, const SearchParams& params,
                                       const Bitset* allowed = nullptr) const = 0;
  // Search into *out (its contents replaced). Indexes that override it reuse out's storage, so a
  // caller that keeps `out` between queries allocates nothing for the results.
  virtual void SearchInto(const float* query, size_t k, const SearchParams& params,
                          const Bitset* allowed, std::vector<Neighbor>* out) const {
    *out = Search(query, k, params, allowed);
  }

  // Runs Search for nq queries (row-major nq x dim) in parallel on `pool` (nullptr = serial).
  void SearchBatch(const float* queries, size_t nq, size_t k, const SearchParams& params,
                   const Bitset* allowed, ThreadPool* pool,
                   std::vector<std::vector<Neighbor>>* out) const;

  // Makes rows [size(), n_total) searchable. `vectors` is the (possibly relocated) base of all
  // n_total rows. Unimplemented for indexes that cannot grow in place.
  virtual Status Add(const float* vectors, size_t n_total, ThreadPool* pool = nullptr);

  // Appends the index (not the float rows) to *out.
  virtual Status Serialize(std::string* out) const = 0;

  // Bytes the index structures take (graph, codes, lists, centroids), owned or mapped; excludes
  // the caller's float rows.
  virtual size_t MemoryUsage() const = 0;
};

// Build-time configuration (mirrors ragdb::IndexParams plus a few knobs).
struct IndexConfig {
  IndexKind kind = IndexKind::kHnsw;
  Metric metric = Metric::kL2;
  uint32_t dim = 0;
  // How the rows are stored (simd/elements.h). FLAT and HNSW take any type; IVF float32 only.
  ElementType element_type = ElementType::kFloat32;
  // HNSW
  uint32_t m = 16;
  uint32_t ef_construction = 200;
  Quantization quantization = Quantization::kNone;  // kSq8: HNSW traverses 8-bit codes
  // IVF
  uint32_t nlist = 0;  // 0 = about sqrt(n), at least 1
  uint32_t pq_m = 0;   // 0 = dim / 4 (largest divisor of dim not above the request)
  uint32_t kmeans_iters = 10;
  uint32_t train_sample = 65536;  // rows sampled for k-means
  uint64_t seed = 42;

  static IndexConfig FromSchema(const VectorField& field);
};

// Builds the index described by `config` over rows 0..n-1 of `vectors` (n rows of
// config.element_type, config.dim components each). `pool` (nullable) parallelizes the build.
Result<std::unique_ptr<VectorIndex>> BuildIndex(const IndexConfig& config, const void* vectors,
                                                size_t n, ThreadPool* pool = nullptr);

struct OpenOptions {
  bool verify_checksums = true;  // CRC32C of every section (touches every page of the blob)
};

// Opens a blob written by VectorIndex::Serialize without copying its large arrays (graph level 0,
// codes, lists). `bytes` must stay valid for the index's lifetime. `vectors`/`n` are the rows, in
// the element type the index was built for (n must equal the indexed row count). Corruption for
// anything malformed.
Result<std::unique_ptr<VectorIndex>> OpenIndex(std::string_view bytes, const void* vectors,
                                               size_t n, const OpenOptions& options = {});

}  // namespace ragdb::index
