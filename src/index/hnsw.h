// HNSW graph index (Malkov & Yashunin) over caller-owned rows: float32, or the compact float16 /
// int8 / uint8 / binary rows of a field that stores them (IndexConfig::element_type). Compact rows
// are searched in place: distances go from the float query straight to the codes (typed_rows.h),
// so the graph adds no float copy of the rows; building decodes one row at a time.
//
// Layout: level 0 is one flat array of fixed-size blocks, block(x) = [count, 2m links], so a
// search touches one contiguous block per expanded node; upper levels (about 1/m of the nodes)
// hold m links per level and only serve to find the level-0 entry point. Level-0 slots are 3
// bytes while row ids fit in 24 bits (16.7M rows; 4 bytes beyond): at m = 16 that is 99 bytes
// per row instead of 132, which is what brings SQ8 codes + graph under 40% of float32 rows +
// graph at 128 dimensions. With SQ8 the walk
// computes distances on 8-bit codes (d bytes per row instead of 4d), with binary quantization on
// 1-bit codes (d / 8 bytes per row, Hamming distances; index/bq.h), and the final beam is
// re-ranked with the exact float rows.
//
// Concurrency: searches take a shared lock; Add() inserts under the shared lock with per-node
// spinlocks and takes the exclusive lock only to grow capacity. Searches read link blocks without
// node locks (a block being rewritten holds only valid ids; counts are clamped), as hnswlib does.
#pragma once

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/huge_pages.h"
#include "index/bq.h"
#include "index/format.h"
#include "index/pq.h"
#include "index/search_scratch.h"
#include "index/sq8.h"
#include "index/typed_rows.h"
#include "index/vector_index.h"

namespace ragdb::index {

class HnswIndex final : public VectorIndex {
 public:
  // `vectors`: n rows of config.element_type (float32 unless the config says otherwise).
  static Result<std::unique_ptr<HnswIndex>> Build(const IndexConfig& config, const void* vectors,
                                                  size_t n, ThreadPool* pool);
  static Result<std::unique_ptr<HnswIndex>> Open(std::string_view bytes, const void* vectors,
                                                 size_t n, const OpenOptions& options);

  IndexKind kind() const override { return IndexKind::kHnsw; }
  Metric metric() const override { return metric_; }
  uint32_t dim() const override { return d_; }
  size_t size() const override { return n_.load(std::memory_order_acquire); }
  std::vector<Neighbor> Search(const float* query, size_t k, const SearchParams& params,
                               const Bitset* allowed) const override;
  void SearchInto(const float* query, size_t k, const SearchParams& params, const Bitset* allowed,
                  std::vector<Neighbor>* out) const override;
  Status Add(const float* vectors, size_t n_total, ThreadPool* pool) override;
  Status Serialize(std::string* out) const override;
  size_t MemoryUsage() const override;

  // Rows that no walk from the entry point can reach at level 0 (a diagnostic of graph quality:
  // a search never returns them, whatever ef).
  size_t UnreachableRows() const;

  // Bytes of the graph alone (level 0 + upper levels + levels), and of the SQ8 / binary codes.
  size_t GraphBytes() const;
  size_t CodeBytes() const;
  bool quantized() const { return quant_ != Quantization::kNone; }
  ElementType element_type() const override { return rows_.type; }

 private:
  struct Query;
  static constexpr uint32_t kNone = 0xffffffffu;
  // What a search walks on: the rows, SQ8 codes or binary codes.
  enum class Walk { kRows, kSq8, kBits, kPq };

  HnswIndex(const IndexConfig& config);
  void Reserve(size_t capacity);  // exclusive lock held
  void Insert(uint32_t x, SearchScratch* scratch);

  // A node's links at one level: slot 0 holds the count, slots 1.. the neighbour ids; a slot is
  // `width` bytes, little-endian (level 0: link_bytes_; upper levels: 4). Reading a slot loads 4
  // bytes, so every link array ends with 4 bytes of padding.
  struct LinkBlock {
    static constexpr uint32_t MaskFor(uint32_t width) {
      return width == 4 ? 0xffffffffu : 0xffffffu;
    }
    LinkBlock(uint8_t* block, uint32_t slot_bytes, uint32_t slot_mask)
        : p(block), width(slot_bytes), mask(slot_mask) {}
    LinkBlock(uint8_t* block, uint32_t slot_bytes)
        : LinkBlock(block, slot_bytes, MaskFor(slot_bytes)) {}
    uint8_t* p;
    uint32_t width, mask;
    uint32_t Slot(uint32_t i) const {
      uint32_t v;
      std::memcpy(&v, p + size_t{i} * width, sizeof(v));
      return v & mask;
    }
    // Searches read blocks that an insert may be rewriting (without node locks, as hnswlib
    // does): links are written before the count that publishes them, and readers bound every
    // id they load (see rows_n_).
    uint32_t Count(uint32_t max) const {
      uint32_t c = Slot(0);
      std::atomic_thread_fence(std::memory_order_acquire);
      return c < max ? c : max;
    }
    uint32_t Link(uint32_t j) const { return Slot(1 + j); }
    void SetLink(uint32_t j, uint32_t v) const {
      std::memcpy(p + size_t{1 + j} * width, &v, width);
    }
    void SetCount(uint32_t c) const {
      std::atomic_thread_fence(std::memory_order_release);
      std::memcpy(p, &c, width);
    }
  };
  // The search's hot path: the mask comes from a member, not from the width (measured ~4% faster
  // at 1M rows than deriving it per block).
  LinkBlock Block0(uint32_t x) const {
    return {l0_ + size_t{x} * block_bytes_, link_bytes_, link_mask_};
  }
  LinkBlock BlockUpper(uint32_t x, int level) const {
    return {reinterpret_cast<uint8_t*>(upper_[x].get() + size_t(level - 1) * (1 + m_)), 4};
  }
  LinkBlock Links(uint32_t x, int level) const {
    return level == 0 ? Block0(x) : BlockUpper(x, level);
  }
  // Level-0 slot width for an index of `capacity` rows.
  static uint32_t LinkBytesFor(size_t capacity) { return capacity < (size_t{1} << 24) ? 3 : 4; }
  void SetLinkBytes(uint32_t width);
  // Trains the quantizer (SQ8 ranges, binary means) on the first rows the index gets.
  void TrainCodes(const float* rows, size_t n);
  // The quantizer has its parameters (trained, or loaded with the index).
  bool CodesTrained() const {
    return quant_ == Quantization::kSq8      ? quantizer_.dim() != 0
           : quant_ == Quantization::kBinary ? binary_.dim() != 0
           : quant_ == Quantization::kPq     ? pq_.dim() != 0
                                             : true;
  }
  uint32_t MaxLinks(int level) const { return level == 0 ? max0_ : m_; }
  // float32 rows only.
  const float* Row(uint32_t x) const { return vectors_ + size_t{x} * d_; }
  bool typed() const { return rows_.type != ElementType::kFloat32; }
  // Row x as a query for build-time distances (decoded and prepared when rows are compact).
  void RowQuery(uint32_t x, TypedQuery* out) const;
  // Distance from a build-time query to row v.
  float BuildDistance(const TypedQuery& q, uint32_t v) const;
  float RowDistance(uint32_t a, uint32_t b) const;
  // Points rows_ at `vectors` and extends the integer-cosine norms to n rows.
  void SetRows(const void* vectors, size_t n);

  void LockNode(uint32_t x) const;
  void UnlockNode(uint32_t x) const;

  // Build-time beam search on one level (links copied under node locks), float distances.
  void SearchLayerBuild(const TypedQuery& q, uint32_t ep, float ep_dist, int level, size_t ef,
                        SearchScratch* s) const;
  void SelectNeighbors(std::vector<std::pair<float, uint32_t>>* cand, size_t m) const;
  void Connect(uint32_t x, int level, const std::vector<std::pair<float, uint32_t>>& selected);

  template <Walk kW>
  float Dist(const Query& q, uint32_t x) const;
  template <Walk kW>
  uint32_t GreedyUpper(const Query& q, uint32_t ep, float* ep_dist, int top) const;
  // The level-0 beam search; visit(v, distance) sees every node it scores, the entry included.
  template <Walk kW, typename Visit>
  void SearchBase(const Query& q, uint32_t ep, float ep_dist, size_t ef, SearchScratch* s,
                  size_t* ndist, Visit&& visit) const;
  // The walk bounded by the allowed results (the ef best allowed so far): with `two_hop` it
  // expands allowed nodes only, reaching them through disallowed neighbours two hops out (for
  // low selectivity). False when it gave up (budget exceeded, or it ran out of candidates
  // before finding ef allowed nodes).
  template <Walk kW>
  bool SearchFiltered(const Query& q, uint32_t ep, float ep_dist, size_t ef, bool two_hop,
                      const Bitset* allowed, size_t budget, SearchScratch* s,
                      std::vector<std::pair<float, uint32_t>>* out, size_t* ndist) const;
  template <Walk kW>
  void SearchImpl(const Query& q, size_t k, const SearchParams& params, const Bitset* allowed,
                  SearchScratch* s, std::vector<Neighbor>* out) const;

  Status Validate() const;

  // Configuration.
  Metric metric_;
  bool l2_;
  uint32_t d_, m_, max0_, ef_construction_;
  double level_mult_;
  uint64_t seed_;
  Quantization quant_;
  Sq8Quantizer quantizer_;        // kSq8
  BinaryQuantizer binary_;        // kBinary
  ProductQuantizer pq_;           // kPq
  size_t code_bytes_ = 0;         // bytes of one row's code (0 without quantization)
  TypedRows rows_;                // the caller's rows, in their element type
  std::vector<float> inv_norms_;  // integer rows under cosine (typed_rows.h)

  // Storage. l0_ / codes_ point either into the owned vectors or into the mapped blob.
  const float* vectors_ = nullptr;
  size_t capacity_ = 0;
  std::atomic<size_t> n_{0};
  size_t rows_n_ = 0;  // rows the caller's array holds: a link at or above it is torn, skipped
  bool mapped_ = false;
  uint8_t* l0_ = nullptr;
  HugeVector<uint8_t> l0_owned_;  // huge pages: the walk jumps across the whole array
  // Set together by SetLinkBytes: the slot width and what follows from it, cached for Block0.
  uint32_t link_bytes_ = 3, link_mask_ = LinkBlock::MaskFor(3);
  size_t block_bytes_ = 0;  // (1 + max0_) * link_bytes_
  const uint8_t* codes_ = nullptr;
  HugeVector<uint8_t> codes_owned_;
  std::vector<uint8_t> levels_;
  std::vector<std::unique_ptr<uint32_t[]>> upper_;
  std::unique_ptr<std::atomic<uint8_t>[]> locks_;

  // (entry << 32) | max_level, or kNone << 32 when empty.
  std::atomic<uint64_t> entry_{uint64_t{kNone} << 32};
  std::mutex entry_mu_;  // held by an insert that raises the top level
  std::mutex add_mu_;    // one Add at a time
  mutable std::shared_mutex grow_mu_;
  std::unique_ptr<BlobReader> blob_;
  mutable ScratchPool scratch_;
};

}  // namespace ragdb::index
