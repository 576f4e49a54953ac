#include "index/hnsw.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <queue>
#include <random>

#include "base/thread_pool.h"
#include "index/common.h"
#include "index/filter.h"
#include "index/kernels.h"
#include "simd/elements.h"

namespace ragdb::index {
namespace {

constexpr uint32_t kMeta = SectionTag("HMET");
constexpr uint32_t kLevel0 = SectionTag("HL0_");        // 4-byte slots
constexpr uint32_t kLevel0Packed = SectionTag("HL03");  // 3-byte slots, then 4 bytes of padding
constexpr uint32_t kLevels = SectionTag("HLVL");
constexpr uint32_t kUpper = SectionTag("HUPR");
constexpr uint32_t kSq8Params = SectionTag("SQ8P");
constexpr uint32_t kSq8Codes = SectionTag("SQ8C");
constexpr uint32_t kBinaryMean = SectionTag("BQMN");
constexpr uint32_t kBinaryCodes = SectionTag("BQCD");
constexpr uint32_t kPqParams = SectionTag("PQPM");  // u32 sub-space count
constexpr uint32_t kPqCodebooks = SectionTag("PQCB");
constexpr uint32_t kPqCodes = SectionTag("PQCD");
constexpr int kMaxLevel = 30;

struct HnswMeta {
  uint32_t dim, metric, m, ef_construction;
  // element_type: 0 (float32) in files written before compact rows existed.
  uint32_t quantization, max_level, entry, element_type;
  uint64_t n, upper_words, seed;
};

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The level of row x: deterministic in (seed, x), so rebuilding gives the same graph shape.
// Rows [begin, end) in a random order fixed by `seed`.
std::vector<uint32_t> InsertionOrder(size_t begin, size_t end, uint64_t seed) {
  std::vector<uint32_t> order(end - begin);
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(begin + i);
  std::mt19937_64 rng(seed ^ 0x5eedf00dULL);
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

int RandomLevel(uint64_t seed, uint32_t x, double mult) {
  double u = (double((SplitMix(seed ^ (uint64_t{x} * 0x632be59bd9b4e019ull)) >> 11)) + 0.5) *
             (1.0 / 9007199254740992.0);
  int level = static_cast<int>(-std::log(u) * mult);
  return std::min(level, kMaxLevel);
}

}  // namespace

struct HnswIndex::Query {
  const float* q;           // prepared float query (normalized for cosine)
  const TypedQuery* typed;  // the same, for compact rows
  const float* qs;          // SQ8-prepared query
  float bias;               // SQ8 dot: dot(q, vmin)
  const float* scale;
  const uint8_t* bits;  // binary quantization: the query's code
  const float* table;   // product quantization: the query's distance table
  // The kernels, looked up once per search (Kernels() is a guarded static: called per distance
  // it cost about 2% of a search's instructions).
  const IndexKernels* kern;
};

HnswIndex::HnswIndex(const IndexConfig& c)
    : metric_(c.metric),
      l2_(UsesL2(c.metric)),
      d_(c.dim),
      m_(std::max<uint32_t>(2, c.m)),
      max0_(2 * std::max<uint32_t>(2, c.m)),
      ef_construction_(std::max<uint32_t>(c.ef_construction, std::max<uint32_t>(2, c.m))),
      level_mult_(1.0 / std::log(double(std::max<uint32_t>(2, c.m)))),
      seed_(c.seed),
      quant_(c.quantization),
      code_bytes_(c.quantization == Quantization::kSq8      ? c.dim
                  : c.quantization == Quantization::kBinary ? BinaryQuantizer::CodeBytes(c.dim)
                  : c.quantization == Quantization::kPq ? ProductQuantizer::Subspaces(c.dim, c.pq_m)
                                                        : 0) {
  rows_.type = c.element_type;
  rows_.metric = c.metric;
  rows_.dim = c.dim;
  rows_.row_bytes = simd::ElementRowBytes(c.element_type, c.dim);
  SetLinkBytes(3);
}

void HnswIndex::TrainCodes(const float* rows, size_t n) {
  if (quant_ == Quantization::kSq8) quantizer_.Train(rows, n, d_);
  if (quant_ == Quantization::kBinary) binary_.Train(rows, n, d_);
  if (quant_ == Quantization::kPq) pq_.Train(rows, n, d_, code_bytes_, seed_, nullptr);
}

void HnswIndex::SetLinkBytes(uint32_t width) {
  link_bytes_ = width;
  link_mask_ = LinkBlock::MaskFor(width);
  block_bytes_ = size_t{1 + max0_} * width;
}

Result<std::unique_ptr<HnswIndex>> HnswIndex::Build(const IndexConfig& config, const void* vectors,
                                                    size_t n, ThreadPool* pool) {
  if (config.dim == 0) return Status::InvalidArgument("hnsw: dim must be > 0");
  if (config.m < 2 || config.m > 256) return Status::InvalidArgument("hnsw: m must be in [2, 256]");
  if (n >= 0x7fffffffu) return Status::InvalidArgument("hnsw: too many rows for one segment");
  const bool f32 = config.element_type == ElementType::kFloat32;
  if (!f32 && config.quantization != Quantization::kNone) {
    return Status::InvalidArgument("hnsw: quantization applies to float32 rows only");
  }
  if ((config.element_type == ElementType::kBinary) != (config.metric == Metric::kHamming)) {
    return Status::InvalidArgument("hnsw: the hamming metric goes with binary rows, and only it");
  }
  if (f32 && config.metric == Metric::kCosine)
    RAGDB_RETURN_IF_ERROR(CheckUnitRows(static_cast<const float*>(vectors), n, config.dim));
  auto index = std::unique_ptr<HnswIndex>(new HnswIndex(config));
  index->TrainCodes(static_cast<const float*>(vectors), n);
  RAGDB_RETURN_IF_ERROR(index->Add(static_cast<const float*>(vectors), n, pool));
  return index;
}

void HnswIndex::SetRows(const void* vectors, size_t n) {
  vectors_ = static_cast<const float*>(vectors);
  rows_.data = static_cast<const uint8_t*>(vectors);
  rows_n_ = n;
  if (NeedsInverseNorms(rows_.type, rows_.metric)) {
    size_t from = std::min(inv_norms_.size(), n);
    ComputeInverseNorms(rows_, from, n, &inv_norms_);
    rows_.inv_norms = inv_norms_.data();
  }
}

void HnswIndex::RowQuery(uint32_t x, TypedQuery* out) const {
  if (!typed()) {
    out->q = Row(x);  // unit rows for cosine already
    return;
  }
  RowAsQuery(rows_, x, out);
}

float HnswIndex::BuildDistance(const TypedQuery& q, uint32_t v) const {
  if (!typed()) return FloatDistance(Kernels(), l2_, q.q, Row(v), d_);
  return TypedDistance(Kernels(), rows_, q, v);
}

void HnswIndex::Reserve(size_t capacity) {
  if (capacity <= capacity_ && !mapped_) return;
  capacity = std::max(capacity, capacity_);
  size_t n = n_.load();
  // The slot width follows the capacity; blocks written at another width are re-packed.
  const size_t old_block_bytes = block_bytes_;
  const uint32_t width = LinkBytesFor(capacity);
  const size_t block_bytes = size_t{1 + max0_} * width;
  HugeVector<uint8_t> l0(capacity * block_bytes + sizeof(uint32_t), 0);  // + padding
  if (n && width == link_bytes_) {
    std::memcpy(l0.data(), l0_, n * block_bytes);
  } else {
    for (size_t x = 0; x < n; ++x) {
      const LinkBlock from(l0_ + x * old_block_bytes, link_bytes_);
      const LinkBlock to(l0.data() + x * block_bytes, width);
      uint32_t cnt = from.Count(max0_);
      for (uint32_t j = 0; j < cnt; ++j) to.SetLink(j, from.Link(j));
      to.SetCount(cnt);
    }
  }
  l0_owned_ = std::move(l0);
  l0_ = l0_owned_.data();
  SetLinkBytes(width);
  if (code_bytes_ > 0) {
    HugeVector<uint8_t> codes(capacity * code_bytes_, 0);
    if (n) std::memcpy(codes.data(), codes_, n * code_bytes_);
    codes_owned_ = std::move(codes);
    codes_ = codes_owned_.data();
  }
  levels_.resize(capacity, 0);
  upper_.resize(capacity);
  auto locks = std::make_unique<std::atomic<uint8_t>[]>(capacity);
  for (size_t i = 0; i < capacity; ++i) locks[i].store(0, std::memory_order_relaxed);
  locks_ = std::move(locks);
  capacity_ = capacity;
  mapped_ = false;
}

void HnswIndex::LockNode(uint32_t x) const {
  std::atomic<uint8_t>& l = locks_[x];
  while (l.exchange(1, std::memory_order_acquire)) {
    while (l.load(std::memory_order_relaxed)) {
#if defined(__x86_64__)
      _mm_pause();
#elif defined(__aarch64__)
      asm volatile("yield");
#endif
    }
  }
}
void HnswIndex::UnlockNode(uint32_t x) const { locks_[x].store(0, std::memory_order_release); }

float HnswIndex::RowDistance(uint32_t a, uint32_t b) const {
  if (!typed()) return FloatDistance(Kernels(), l2_, Row(a), Row(b), d_);
  TypedQuery q;
  RowQuery(a, &q);
  return BuildDistance(q, b);
}

Status HnswIndex::Add(const float* vectors, size_t n_total, ThreadPool* pool) {
  std::lock_guard<std::mutex> add_lock(add_mu_);
  size_t old = n_.load();
  if (n_total < old) return Status::InvalidArgument("hnsw: Add cannot shrink the index");
  if (n_total >= 0x7fffffffu) return Status::InvalidArgument("hnsw: too many rows");
  if (vectors == nullptr && n_total > 0) return Status::InvalidArgument("hnsw: null vectors");
  {
    std::unique_lock<std::shared_mutex> grow(grow_mu_);
    if (n_total > capacity_ || mapped_) Reserve(std::max(n_total, capacity_ + capacity_ / 2));
    SetRows(vectors, n_total);
    if (!CodesTrained()) TrainCodes(vectors, n_total);
    for (size_t x = old; x < n_total; ++x) {
      int level = RandomLevel(seed_, static_cast<uint32_t>(x), level_mult_);
      levels_[x] = static_cast<uint8_t>(level);
      if (level > 0) {
        size_t words = size_t(level) * (1 + m_);
        upper_[x].reset(new uint32_t[words]());
      }
      uint8_t* code = codes_owned_.data() + x * code_bytes_;
      if (quant_ == Quantization::kSq8) quantizer_.Encode(Row(static_cast<uint32_t>(x)), code);
      if (quant_ == Quantization::kBinary) binary_.Encode(Row(static_cast<uint32_t>(x)), code);
      if (quant_ == Quantization::kPq) pq_.Encode(Row(static_cast<uint32_t>(x)), code);
    }
  }
  if (n_total == old) return Status::Ok();
  std::shared_lock<std::shared_mutex> shared(grow_mu_);
  size_t begin = old;
  if ((entry_.load() >> 32) == kNone) {
    entry_.store(uint64_t{static_cast<uint32_t>(begin)} << 32 | levels_[begin]);
    ++begin;
  }
  // A first build inserts the rows in a shuffled order (fixed by the seed). Rows stored in a
  // locality order (index/locality_order.h), or simply ingested in clusters, inserted as they lie
  // make a poor graph: the early clusters get no long links to the later ones (recall 0.71
  // instead of 0.96 at ef 64 on 1M clustered rows). Rows added to an existing graph go in order.
  std::vector<uint32_t> order;
  if (old == 0) order = InsertionOrder(begin, n_total, seed_);
  auto run = [&](size_t lo, size_t hi) {
    auto scratch = scratch_.Acquire();
    for (size_t x = lo; x < hi; ++x) {
      Insert(order.empty() ? static_cast<uint32_t>(x) : order[x - begin], &*scratch);
    }
  };
  // Small grains keep both threads busy to the end; the first rows go in serially so early
  // inserts are not all racing on a graph with a handful of nodes.
  size_t serial_end = std::min(n_total, begin + 64);
  run(begin, serial_end);
  if (pool != nullptr && n_total - serial_end > 256) {
    pool->ParallelFor(n_total - serial_end, 64,
                      [&](size_t lo, size_t hi) { run(serial_end + lo, serial_end + hi); });
  } else {
    run(serial_end, n_total);
  }
  n_.store(n_total, std::memory_order_release);
  return Status::Ok();
}

void HnswIndex::SearchLayerBuild(const TypedQuery& q, uint32_t ep, float ep_dist, int level,
                                 size_t ef, SearchScratch* s) const {
  s->visited.Prepare(capacity_);
  s->pool.Reset(ef);
  s->visited.Set(ep);
  s->pool.Insert(ep, ep_dist);
  uint32_t maxl = MaxLinks(level);
  std::vector<uint32_t>& ids = s->ids;
  while (s->pool.HasNext()) {
    uint32_t u = s->pool.Pop();
    ids.clear();
    LockNode(u);
    const LinkBlock blk = Links(u, level);
    uint32_t cnt = blk.Count(maxl);
    for (uint32_t j = 0; j < cnt; ++j) {
      uint32_t v = blk.Link(j);
      if (!s->visited.TestAndSet(v)) {
        ids.push_back(v);
        PrefetchRow(rows_.row(v), rows_.row_bytes);
      }
    }
    UnlockNode(u);
    for (uint32_t v : ids) {
      float dv = BuildDistance(q, v);
      s->pool.Insert(v, dv);
    }
  }
}

// The HNSW heuristic (relative neighbourhood rule): keep a candidate only if it is closer to the
// base node than to every neighbour kept so far; this spreads links across directions.
// `cand` is sorted ascending on entry and holds the result on return.
void HnswIndex::SelectNeighbors(std::vector<std::pair<float, uint32_t>>* cand, size_t m) const {
  if (cand->size() <= m) return;
  std::vector<std::pair<float, uint32_t>> kept;
  kept.reserve(m);
  TypedQuery cq;
  for (const auto& c : *cand) {
    if (kept.size() >= m) break;
    bool good = true;
    if (!kept.empty()) RowQuery(c.second, &cq);  // decoded once per candidate
    for (const auto& k : kept) {
      if (BuildDistance(cq, k.second) < c.first) {
        good = false;
        break;
      }
    }
    if (good) kept.push_back(c);
  }
  *cand = std::move(kept);
}

void HnswIndex::Connect(uint32_t x, int level,
                        const std::vector<std::pair<float, uint32_t>>& selected) {
  uint32_t maxl = MaxLinks(level);
  std::vector<std::pair<float, uint32_t>> cand;
  LockNode(x);
  {
    // In a parallel build another insert can reach x (through a level above, where x is already
    // linked) and link itself to x before x's own links at this level are written. Those links
    // must be kept: overwriting them leaves the other node reachable from nowhere.
    const LinkBlock blk = Links(x, level);
    uint32_t existing = blk.Count(maxl);
    cand.assign(selected.begin(), selected.end());
    for (uint32_t j = 0; j < existing; ++j) {
      uint32_t v = blk.Link(j);
      bool dup = false;
      for (const auto& s : selected) dup |= s.second == v;
      if (!dup) cand.emplace_back(RowDistance(x, v), v);
    }
    if (existing > 0) {
      std::sort(cand.begin(), cand.end());
      SelectNeighbors(&cand, maxl);
    }
    uint32_t c = 0;
    for (const auto& s : cand) {
      if (c >= maxl) break;
      blk.SetLink(c++, s.second);
    }
    blk.SetCount(c);
  }
  UnlockNode(x);
  for (const auto& s : selected) {
    uint32_t e = s.second;
    if (e == x) continue;
    LockNode(e);
    const LinkBlock blk = Links(e, level);
    uint32_t cnt = blk.Count(maxl);
    bool present = false;
    for (uint32_t j = 0; j < cnt; ++j) present |= blk.Link(j) == x;
    if (!present) {
      if (cnt < maxl) {
        blk.SetLink(cnt, x);
        blk.SetCount(cnt + 1);
      } else {
        cand.clear();
        cand.emplace_back(s.first, x);
        TypedQuery eq;
        RowQuery(e, &eq);
        for (uint32_t j = 0; j < cnt; ++j) {
          uint32_t v = blk.Link(j);
          cand.emplace_back(BuildDistance(eq, v), v);
        }
        std::sort(cand.begin(), cand.end());
        SelectNeighbors(&cand, maxl);
        uint32_t c = 0;
        for (const auto& p : cand) blk.SetLink(c++, p.second);
        blk.SetCount(c);
      }
    }
    UnlockNode(e);
  }
}

void HnswIndex::Insert(uint32_t x, SearchScratch* s) {
  int level = levels_[x];
  std::unique_lock<std::mutex> top_lock(entry_mu_, std::defer_lock);
  uint64_t e = entry_.load(std::memory_order_acquire);
  if (level > int(e & 0xffffffff)) {
    top_lock.lock();  // serializes inserts that may raise the top level
    e = entry_.load(std::memory_order_acquire);
  }
  uint32_t ep = static_cast<uint32_t>(e >> 32);
  int max_level = static_cast<int>(e & 0xffffffff);
  TypedQuery q;
  RowQuery(x, &q);
  float ep_dist = BuildDistance(q, ep);
  // Greedy descent through the levels above the new node's.
  for (int lc = max_level; lc > level; --lc) {
    bool changed = true;
    while (changed) {
      changed = false;
      LockNode(ep);
      const LinkBlock blk = BlockUpper(ep, lc);
      uint32_t cnt = blk.Count(m_);
      uint32_t local[257];
      for (uint32_t j = 0; j < cnt; ++j) local[j] = blk.Link(j);
      UnlockNode(ep);
      for (uint32_t j = 0; j < cnt; ++j) {
        float dv = BuildDistance(q, local[j]);
        if (dv < ep_dist) {
          ep_dist = dv;
          ep = local[j];
          changed = true;
        }
      }
    }
  }
  std::vector<std::pair<float, uint32_t>> cand;
  for (int lc = std::min(level, max_level); lc >= 0; --lc) {
    SearchLayerBuild(q, ep, ep_dist, lc, ef_construction_, s);
    cand.clear();
    for (size_t i = 0; i < s->pool.size(); ++i) {
      if (s->pool.id(i) != x) cand.emplace_back(s->pool.dist(i), s->pool.id(i));
    }
    if (!cand.empty()) {
      ep = cand[0].second;
      ep_dist = cand[0].first;
    }
    SelectNeighbors(&cand, m_);
    Connect(x, lc, cand);
  }
  if (level > max_level) entry_.store(uint64_t{x} << 32 | uint32_t(level));
}

size_t HnswIndex::UnreachableRows() const {
  std::shared_lock<std::shared_mutex> shared(grow_mu_);
  const size_t n = size();
  const uint32_t entry = static_cast<uint32_t>(entry_.load() >> 32);
  if (n == 0 || entry == kNone) return 0;
  std::vector<char> seen(n, 0);
  std::vector<uint32_t> stack = {entry};
  seen[entry] = 1;
  size_t reached = 1;
  while (!stack.empty()) {
    uint32_t u = stack.back();
    stack.pop_back();
    const LinkBlock blk = Block0(u);
    for (uint32_t j = 0, c = blk.Count(max0_); j < c; ++j) {
      uint32_t v = blk.Link(j);
      if (v < n && !seen[v]) {
        seen[v] = 1;
        ++reached;
        stack.push_back(v);
      }
    }
  }
  return n - reached;
}

// ---------------- search ----------------

template <HnswIndex::Walk kW>
inline float HnswIndex::Dist(const Query& q, uint32_t x) const {
  const IndexKernels& kern = *q.kern;
  if constexpr (kW == Walk::kSq8) {
    const uint8_t* c = codes_ + size_t{x} * d_;
    return l2_ ? kern.sq8_l2(q.qs, c, q.scale, d_) : -(kern.sq8_dot(q.qs, c, d_) + q.bias);
  } else if constexpr (kW == Walk::kBits) {
    return static_cast<float>(kern.hamming(q.bits, codes_ + size_t{x} * code_bytes_, code_bytes_));
  } else if constexpr (kW == Walk::kPq) {
    return ProductQuantizer::Distance(q.table, codes_ + size_t{x} * code_bytes_, code_bytes_);
  } else {
    if (typed()) return TypedDistance(kern, rows_, *q.typed, x);
    return FloatDistance(kern, l2_, q.q, Row(x), d_);
  }
}

template <HnswIndex::Walk kW>
uint32_t HnswIndex::GreedyUpper(const Query& q, uint32_t ep, float* ep_dist, int top) const {
  for (int lc = top; lc > 0; --lc) {
    bool changed = true;
    while (changed) {
      changed = false;
      const LinkBlock blk = BlockUpper(ep, lc);
      uint32_t cnt = blk.Count(m_);
      for (uint32_t j = 0; j < cnt; ++j) {
        uint32_t v = blk.Link(j);
        if (v >= rows_n_) continue;
        float dv = Dist<kW>(q, v);
        if (dv < *ep_dist) {
          *ep_dist = dv;
          ep = v;
          changed = true;
        }
      }
    }
  }
  return ep;
}

template <HnswIndex::Walk kW, typename Visit>
void HnswIndex::SearchBase(const Query& q, uint32_t ep, float ep_dist, size_t ef, SearchScratch* s,
                           size_t* ndist, Visit&& visit) const {
  s->visited.Prepare(capacity_);
  s->pool.Reset(ef);
  s->visited.Set(ep);
  s->pool.Insert(ep, ep_dist);
  visit(ep, ep_dist);
  const size_t row_bytes = kW == Walk::kRows ? rows_.row_bytes : code_bytes_;
  uint32_t* ids = s->ids.data();
  size_t count = 0;
  while (s->pool.HasNext()) {
    uint32_t u = s->pool.Pop();
    const LinkBlock blk = Block0(u);
    uint32_t cnt = blk.Count(max0_);
    // Gather the unvisited neighbours first and prefetch their rows, then compute: the loads for
    // later rows overlap the arithmetic on earlier ones.
    size_t m = 0;
    for (uint32_t j = 0; j < cnt; ++j) {
      uint32_t v = blk.Link(j);
      if (v < rows_n_ && !s->visited.TestAndSet(v)) {
        ids[m++] = v;
        if constexpr (kW != Walk::kRows)
          PrefetchRow(codes_ + size_t{v} * code_bytes_, row_bytes);
        else
          PrefetchRow(rows_.row(v), row_bytes);
      }
    }
    for (size_t j = 0; j < m; ++j) {
      float dv = Dist<kW>(q, ids[j]);
      visit(ids[j], dv);
      // A node that enters the beam is likely to be expanded later: fetch its links now, so
      // that expanding it does not wait for a second cache miss after the one for its row.
      if (s->pool.Insert(ids[j], dv)) Prefetch(Block0(ids[j]).p);
    }
    count += m;
    // Prefetch the next node's link block while this one's results settle.
    if (s->pool.HasNext()) PrefetchRow(Block0(s->pool.next_id()).p, block_bytes_);
  }
  *ndist += count;
}

template <HnswIndex::Walk kW>
bool HnswIndex::SearchFiltered(const Query& q, uint32_t ep, float ep_dist, size_t ef, bool two_hop,
                               const Bitset* allowed, size_t budget, SearchScratch* s,
                               std::vector<std::pair<float, uint32_t>>* out, size_t* ndist) const {
  using P = std::pair<float, uint32_t>;
  std::priority_queue<P, std::vector<P>, std::greater<P>> cand;  // closest first
  std::priority_queue<P> res;                                    // worst allowed on top
  s->visited.Prepare(capacity_);
  s->visited.Set(ep);
  cand.emplace(ep_dist, ep);
  if (IsAllowed(allowed, ep)) res.emplace(ep_dist, ep);
  size_t count = 0;
  std::vector<uint32_t>& ids = s->ids;
  const uint32_t max_gather = 2 * max0_;
  auto consider = [&](uint32_t v) {
    float dv = Dist<kW>(q, v);
    ++count;
    if (res.size() < ef || dv < res.top().first) {
      cand.emplace(dv, v);
      if (IsAllowed(allowed, v)) {
        res.emplace(dv, v);
        if (res.size() > ef) res.pop();
      }
    }
  };
  while (!cand.empty()) {
    auto [du, u] = cand.top();
    if (res.size() >= ef && du > res.top().first) break;
    cand.pop();
    const LinkBlock blk = Block0(u);
    uint32_t cnt = blk.Count(max0_);
    if (!two_hop) {
      for (uint32_t j = 0; j < cnt; ++j) {
        uint32_t v = blk.Link(j);
        if (v < rows_n_ && !s->visited.TestAndSet(v)) consider(v);
      }
    } else {
      // Only allowed nodes are expanded; a disallowed neighbour is a bridge to its own
      // neighbours. Gathering stops at 2 * max0 nodes so dense regions stay cheap.
      ids.clear();
      for (uint32_t j = 0; j < cnt && ids.size() < max_gather; ++j) {
        uint32_t v = blk.Link(j);
        if (v >= rows_n_ || s->visited.TestAndSet(v)) continue;
        if (IsAllowed(allowed, v)) {
          ids.push_back(v);
          continue;
        }
        const LinkBlock vb = Block0(v);
        uint32_t vc = vb.Count(max0_);
        for (uint32_t t = 0; t < vc && ids.size() < max_gather; ++t) {
          uint32_t w = vb.Link(t);
          if (w < rows_n_ && IsAllowed(allowed, w) && !s->visited.TestAndSet(w)) ids.push_back(w);
        }
      }
      for (uint32_t v : ids) consider(v);
    }
    if (count > budget) {
      *ndist += count;
      return false;
    }
  }
  *ndist += count;
  // The walk ran out of candidates before its result set filled: the allowed nodes it could reach
  // are fewer than ef, so allowed nodes elsewhere in the graph may be closer. Let the caller scan.
  if (cand.empty() && res.size() < ef) return false;
  out->clear();
  while (!res.empty()) {
    out->push_back(res.top());
    res.pop();
  }
  std::reverse(out->begin(), out->end());
  return true;
}

template <HnswIndex::Walk kW>
void HnswIndex::SearchImpl(const Query& q, size_t k, const SearchParams& params,
                           const Bitset* allowed, SearchScratch* s,
                           std::vector<Neighbor>* out) const {
  out->clear();
  size_t n = n_.load(std::memory_order_acquire);
  uint64_t e = entry_.load(std::memory_order_acquire);
  uint32_t ep = static_cast<uint32_t>(e >> 32);
  size_t ef = std::max<size_t>(params.ef ? params.ef : 64, k);
  SearchStats local;
  SearchStats* stats = params.stats ? params.stats : &local;
  *stats = SearchStats();
  if (n == 0 || ep == kNone || k == 0) return;

  FilterStrategy strategy = FilterStrategy::kGraph;
  size_t allowed_count = n;
  if (allowed != nullptr) {
    allowed_count = CountAllowed(allowed, n, params);
    strategy = params.filter == FilterStrategy::kAuto ? PlanFilteredSearch(n, allowed_count, k)
                                                      : params.filter;
    if (allowed_count == 0) return;
  }
  auto exact = [&] {
    stats->strategy = FilterStrategy::kExact;
    if (!typed()) {
      *out = ExactSearch(vectors_, n, d_, l2_, q.q, k, allowed, &stats->distance_computations);
      return;
    }
    TopK top(k, std::move(*out));
    const IndexKernels& kern = Kernels();
    auto visit = [&](size_t i) {
      top.Push(static_cast<uint32_t>(i), TypedDistance(kern, rows_, *q.typed, i));
      ++stats->distance_computations;
    };
    if (allowed == nullptr) {
      for (size_t i = 0; i < n; ++i) visit(i);
    } else {
      allowed->ForEach([&](size_t i) {
        if (i < n) visit(i);
      });
    }
    *out = top.Take();
  };
  // Whatever the strategy, a walk scores a few times ef rows: with no more allowed rows than
  // 4 x ef, scoring them all costs no more and is exact (a two-hop walk over 200 allowed rows of
  // 20,000 at ef 64 could end in an island of them with recall 0.93).
  if (strategy == FilterStrategy::kExact || allowed_count <= 4 * ef) return exact();

  float ep_dist = Dist<kW>(q, ep);
  ep = GreedyUpper<kW>(q, ep, &ep_dist, static_cast<int>(e & 0xffffffff));

  std::vector<std::pair<float, uint32_t>>& found = s->found;
  found.clear();
  if (allowed == nullptr) {
    stats->strategy = FilterStrategy::kGraph;
    SearchBase<kW>(q, ep, ep_dist, ef, s, &stats->distance_computations, [](uint32_t, float) {});
    found.reserve(s->pool.size());
    for (size_t i = 0; i < s->pool.size(); ++i) found.emplace_back(s->pool.dist(i), s->pool.id(i));
  } else {
    stats->strategy = strategy;
    // Most rows allowed: first the unfiltered walk (sorted beam, prefetching) with its beam
    // widened by 1 / selectivity (at most 4x), every allowed node it scores kept in a top-ef
    // heap. When the filter is correlated with the neighbourhood (the query's region mostly
    // disallowed) that beam holds too few allowed nodes: then the walk that is bounded by the
    // allowed results instead (SearchFiltered, as hnswlib's filtered search) runs.
    bool done = false;
    if (strategy == FilterStrategy::kGraph) {
      const size_t beam = std::min(4 * ef, std::max(ef, ef * n / allowed_count));
      auto keep = [&](uint32_t v, float dv) {
        if (!IsAllowed(allowed, v)) return;
        if (found.size() < ef) {
          found.emplace_back(dv, v);
          std::push_heap(found.begin(), found.end());
        } else if (dv < found.front().first) {
          std::pop_heap(found.begin(), found.end());
          found.back() = {dv, v};
          std::push_heap(found.begin(), found.end());
        }
      };
      SearchBase<kW>(q, ep, ep_dist, beam, s, &stats->distance_computations, keep);
      std::sort(found.begin(), found.end());
      done = found.size() >= std::min(ef, allowed_count);
    }
    if (!done) {
      bool ok =
          SearchFiltered<kW>(q, ep, ep_dist, ef, strategy == FilterStrategy::kGraphTwoHop, allowed,
                             allowed_count, s, &found, &stats->distance_computations);
      if (!ok || found.size() < std::min(k, allowed_count)) {
        stats->fell_back_to_exact = true;
        return exact();
      }
    }
  }
  TopK top(k, std::move(*out));
  if (kW != Walk::kRows && vectors_ != nullptr) {
    size_t rerank = params.rerank ? params.rerank : found.size();
    rerank = std::min(std::max(rerank, k), found.size());
    const IndexKernels& kern = Kernels();
    for (size_t i = 0; i < rerank; ++i) PrefetchRow(Row(found[i].second), d_ * sizeof(float));
    for (size_t i = 0; i < rerank; ++i) {
      uint32_t id = found[i].second;
      top.Push(id, FloatDistance(kern, l2_, q.q, Row(id), d_));
    }
    stats->distance_computations += rerank;
  } else {
    for (size_t i = 0; i < found.size() && i < k; ++i) top.Push(found[i].second, found[i].first);
  }
  *out = top.Take();
}

std::vector<Neighbor> HnswIndex::Search(const float* query, size_t k, const SearchParams& params,
                                        const Bitset* allowed) const {
  std::vector<Neighbor> out;
  SearchInto(query, k, params, allowed, &out);
  return out;
}

void HnswIndex::SearchInto(const float* query, size_t k, const SearchParams& params,
                           const Bitset* allowed, std::vector<Neighbor>* out) const {
  std::shared_lock<std::shared_mutex> shared(grow_mu_);
  auto s = scratch_.Acquire();
  if (s->ids.size() < 4 * size_t{max0_}) s->ids.resize(4 * size_t{max0_});
  Query q;
  q.kern = &Kernels();
  TypedQuery tq;
  if (typed()) {
    PrepareTypedQuery(rows_, query, &tq);
    q.q = tq.q;
  } else {
    q.q = PrepareQuery(metric_, query, d_, &s->query_buf);
  }
  q.typed = &tq;
  q.qs = nullptr;
  q.bias = 0;
  q.scale = nullptr;
  q.bits = nullptr;
  q.table = nullptr;
  if (quant_ == Quantization::kPq) {
    s->qs.resize(code_bytes_ * ProductQuantizer::kCentroids);
    pq_.PrepareTable(q.q, l2_, s->qs.data());
    q.table = s->qs.data();
    SearchImpl<Walk::kPq>(q, k, params, allowed, &*s, out);
  } else if (quant_ == Quantization::kBinary) {
    s->bits.resize(code_bytes_);
    binary_.Encode(q.q, s->bits.data());
    q.bits = s->bits.data();
    SearchImpl<Walk::kBits>(q, k, params, allowed, &*s, out);
  } else if (quant_ == Quantization::kSq8) {
    s->qs.resize(d_);
    if (l2_) {
      quantizer_.PrepareL2(q.q, s->qs.data());
    } else {
      q.bias = quantizer_.PrepareDot(q.q, s->qs.data());
    }
    q.qs = s->qs.data();
    q.scale = quantizer_.scale().data();
    SearchImpl<Walk::kSq8>(q, k, params, allowed, &*s, out);
  } else {
    SearchImpl<Walk::kRows>(q, k, params, allowed, &*s, out);
  }
  FinishResults(metric_, out);
}

// ---------------- persistence ----------------

size_t HnswIndex::GraphBytes() const {
  size_t n = n_.load();
  size_t upper = 0;
  for (size_t x = 0; x < n; ++x) upper += levels_[x] * (1 + m_) * sizeof(uint32_t);
  return n * block_bytes_ + n + upper;
}
size_t HnswIndex::CodeBytes() const {
  if (quant_ == Quantization::kNone) return 0;
  const size_t params = quant_ == Quantization::kPq
                            ? pq_.codebooks().size() * sizeof(float)
                            : (quant_ == Quantization::kSq8 ? 2 : 1) * d_ * sizeof(float);
  return n_.load() * code_bytes_ + params;
}

size_t HnswIndex::MemoryUsage() const {
  return GraphBytes() + CodeBytes() + capacity_ * (sizeof(void*) + 1);  // + upper ptrs, locks
}

Status HnswIndex::Serialize(std::string* out) const {
  std::shared_lock<std::shared_mutex> shared(grow_mu_);
  std::lock_guard<std::mutex> add_lock(const_cast<std::mutex&>(add_mu_));  // no concurrent Add
  size_t n = n_.load();
  uint64_t e = entry_.load();
  std::vector<uint32_t> upper;
  for (size_t x = 0; x < n; ++x) {
    if (levels_[x])
      upper.insert(upper.end(), upper_[x].get(), upper_[x].get() + levels_[x] * (1 + m_));
  }
  HnswMeta meta{};
  meta.dim = d_;
  meta.metric = static_cast<uint32_t>(metric_);
  meta.m = m_;
  meta.ef_construction = ef_construction_;
  meta.quantization = static_cast<uint32_t>(quant_);  // 0 none, 1 SQ8, 2 binary, 3 PQ
  meta.element_type = static_cast<uint32_t>(rows_.type);
  meta.entry = static_cast<uint32_t>(e >> 32);
  meta.max_level = meta.entry == kNone ? 0 : static_cast<uint32_t>(e & 0xffffffff);
  meta.n = n;
  meta.upper_words = upper.size();
  meta.seed = seed_;
  BlobWriter w(IndexKind::kHnsw);
  w.Add(kMeta, &meta, sizeof(meta));
  if (link_bytes_ == 4) {
    w.Add(kLevel0, l0_, n * block_bytes_);
  } else {
    // Owned and mapped 3-byte arrays both end with 4 bytes of zero padding; an empty index
    // has no array at all.
    static const uint8_t kEmpty[sizeof(uint32_t)] = {};
    w.Add(kLevel0Packed, l0_ != nullptr ? l0_ : kEmpty, n * block_bytes_ + sizeof(uint32_t));
  }
  w.Add(kLevels, levels_.data(), n);
  w.AddVector(kUpper, upper);
  std::vector<float> params;
  if (quant_ == Quantization::kSq8) {
    params = quantizer_.vmin();
    params.insert(params.end(), quantizer_.scale().begin(), quantizer_.scale().end());
    w.AddVector(kSq8Params, params);
    w.Add(kSq8Codes, codes_, n * d_);
  } else if (quant_ == Quantization::kBinary) {
    w.AddVector(kBinaryMean, binary_.mean());
    w.Add(kBinaryCodes, codes_, n * code_bytes_);
  } else if (quant_ == Quantization::kPq && pq_.dim() != 0) {  // untrained: an empty index
    const uint32_t m = static_cast<uint32_t>(code_bytes_);
    w.Add(kPqParams, &m, sizeof(m));
    w.AddVector(kPqCodebooks, pq_.codebooks());
    w.Add(kPqCodes, codes_, n * code_bytes_);
  }
  w.Finish(out);
  return Status::Ok();
}

Result<std::unique_ptr<HnswIndex>> HnswIndex::Open(std::string_view bytes, const void* vectors,
                                                   size_t n, const OpenOptions& options) {
  RAGDB_ASSIGN_OR_RETURN(auto blob,
                         BlobReader::Open(bytes, IndexKind::kHnsw, options.verify_checksums));
  HnswMeta meta;
  RAGDB_RETURN_IF_ERROR(blob->Pod(kMeta, &meta));
  if (meta.dim == 0 || meta.dim > VectorField::kMaxDim || meta.metric > 3 || meta.m < 2 ||
      meta.m > 256 || meta.quantization > 3 || meta.n >= 0x7fffffffu || meta.element_type > 4 ||
      (meta.element_type != 0 && meta.quantization != 0) ||
      ((meta.element_type == static_cast<uint32_t>(ElementType::kBinary)) !=
       (meta.metric == static_cast<uint32_t>(Metric::kHamming)))) {
    return Status::Corruption("hnsw: bad metadata");
  }
  if (meta.n != n) {
    return Status::InvalidArgument("hnsw: index has " + std::to_string(meta.n) +
                                   " rows, caller passed " + std::to_string(n));
  }
  IndexConfig c;
  c.kind = IndexKind::kHnsw;
  c.metric = static_cast<Metric>(meta.metric);
  c.dim = meta.dim;
  c.m = meta.m;
  c.ef_construction = meta.ef_construction;
  c.quantization = static_cast<Quantization>(meta.quantization);
  c.seed = meta.seed;
  c.element_type = static_cast<ElementType>(meta.element_type);
  auto index = std::unique_ptr<HnswIndex>(new HnswIndex(c));
  HnswIndex& h = *index;
  // Files written before 3-byte slots hold 4-byte ones (HL0_); they open as they are.
  const bool packed = blob->Bytes(kLevel0Packed).ok();
  h.SetLinkBytes(packed ? 3 : 4);
  if (packed && n >= (size_t{1} << 24))
    return Status::Corruption("hnsw: 3-byte links, too many rows");
  RAGDB_ASSIGN_OR_RETURN(
      const uint8_t* l0,
      blob->Array<uint8_t>(packed ? kLevel0Packed : kLevel0,
                           n * h.block_bytes_ + (packed ? sizeof(uint32_t) : 0)));
  RAGDB_ASSIGN_OR_RETURN(const uint8_t* levels, blob->Array<uint8_t>(kLevels, n));
  if (meta.upper_words > bytes.size()) return Status::Corruption("hnsw: upper size");
  RAGDB_ASSIGN_OR_RETURN(const uint32_t* upper, blob->Array<uint32_t>(kUpper, meta.upper_words));
  if (h.quant_ == Quantization::kBinary) {
    RAGDB_ASSIGN_OR_RETURN(const float* mean, blob->Array<float>(kBinaryMean, size_t{c.dim}));
    for (size_t j = 0; j < c.dim; ++j) {
      if (!std::isfinite(mean[j])) return Status::Corruption("hnsw: bad binary quantization mean");
    }
    h.binary_.Load(mean, c.dim);
    RAGDB_ASSIGN_OR_RETURN(const uint8_t* codes,
                           blob->Array<uint8_t>(kBinaryCodes, n * h.code_bytes_));
    h.codes_ = codes;
  }
  if (h.quant_ == Quantization::kPq && (n > 0 || blob->Bytes(kPqParams).ok())) {
    uint32_t m = 0;
    RAGDB_RETURN_IF_ERROR(blob->Pod(kPqParams, &m));
    if (m == 0 || m > c.dim || c.dim % m != 0) return Status::Corruption("hnsw: bad PQ sub-spaces");
    const size_t cb_floats = size_t{m} * ProductQuantizer::kCentroids * (c.dim / m);
    RAGDB_ASSIGN_OR_RETURN(const float* codebooks, blob->Array<float>(kPqCodebooks, cb_floats));
    for (size_t j = 0; j < cb_floats; ++j) {
      if (!std::isfinite(codebooks[j])) return Status::Corruption("hnsw: bad PQ codebooks");
    }
    h.pq_.Load(codebooks, c.dim, m);
    h.code_bytes_ = m;
    RAGDB_ASSIGN_OR_RETURN(const uint8_t* codes, blob->Array<uint8_t>(kPqCodes, n * m));
    h.codes_ = codes;
  }
  if (h.quant_ == Quantization::kSq8) {
    RAGDB_ASSIGN_OR_RETURN(const float* params, blob->Array<float>(kSq8Params, 2 * size_t{c.dim}));
    for (size_t j = 0; j < c.dim; ++j) {
      if (!std::isfinite(params[j]) || !(params[c.dim + j] > 0) ||
          !std::isfinite(params[c.dim + j])) {
        return Status::Corruption("hnsw: bad SQ8 parameters");
      }
    }
    h.quantizer_.Load(params, params + c.dim, c.dim);
    RAGDB_ASSIGN_OR_RETURN(const uint8_t* codes, blob->Array<uint8_t>(kSq8Codes, n * c.dim));
    h.codes_ = codes;
  }
  h.SetRows(vectors, n);
  h.capacity_ = n;
  h.mapped_ = true;
  h.l0_ = const_cast<uint8_t*>(l0);  // never written while mapped_ (Add copies first)
  h.levels_.assign(levels, levels + n);
  h.upper_.resize(n);
  size_t pos = 0;
  for (size_t x = 0; x < n; ++x) {
    if (h.levels_[x] > kMaxLevel) return Status::Corruption("hnsw: node level out of range");
    if (h.levels_[x] == 0) continue;
    size_t words = size_t{h.levels_[x]} * (1 + h.m_);
    if (pos + words > meta.upper_words) return Status::Corruption("hnsw: upper links truncated");
    h.upper_[x].reset(new uint32_t[words]);
    std::memcpy(h.upper_[x].get(), upper + pos, words * sizeof(uint32_t));
    pos += words;
  }
  if (pos != meta.upper_words) return Status::Corruption("hnsw: upper links size mismatch");
  h.locks_ = std::make_unique<std::atomic<uint8_t>[]>(n);
  for (size_t i = 0; i < n; ++i) h.locks_[i].store(0, std::memory_order_relaxed);
  if (n == 0) {
    if (meta.entry != kNone) return Status::Corruption("hnsw: entry in empty index");
  } else {
    if (meta.entry >= n || meta.max_level != h.levels_[meta.entry]) {
      return Status::Corruption("hnsw: bad entry point");
    }
    for (size_t x = 0; x < n; ++x) {
      if (h.levels_[x] > meta.max_level) return Status::Corruption("hnsw: level above top");
    }
    h.entry_.store(uint64_t{meta.entry} << 32 | meta.max_level);
  }
  h.n_.store(n);
  h.blob_ = std::move(blob);
  RAGDB_RETURN_IF_ERROR(h.Validate());
  return index;
}

// Every link must name an existing row and every count fit its block: searches rely on both.
Status HnswIndex::Validate() const {
  size_t n = n_.load();
  for (size_t x = 0; x < n; ++x) {
    for (int lc = 0; lc <= levels_[x]; ++lc) {
      const LinkBlock blk = Links(static_cast<uint32_t>(x), lc);
      uint32_t cnt = blk.Slot(0);
      if (cnt > MaxLinks(lc)) return Status::Corruption("hnsw: link count out of range");
      for (uint32_t j = 0; j < cnt; ++j) {
        if (blk.Link(j) >= n) return Status::Corruption("hnsw: link to a missing row");
      }
    }
  }
  return Status::Ok();
}

}  // namespace ragdb::index
