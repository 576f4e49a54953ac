#include "index/ivf.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/thread_pool.h"
#include "index/common.h"
#include "index/filter.h"
#include "index/kernels.h"
#include "index/kmeans.h"

namespace ragdb::index {
namespace {

constexpr uint32_t kMeta = SectionTag("IMET");
constexpr uint32_t kCentroids = SectionTag("ICEN");
constexpr uint32_t kOffsets = SectionTag("IOFF");
constexpr uint32_t kIds = SectionTag("IIDS");
constexpr uint32_t kCodebooks = SectionTag("PQCB");
constexpr uint32_t kCodes = SectionTag("PQCD");
constexpr size_t kPqCentroids = 256;

struct IvfMeta {
  uint32_t dim, metric, nlist, pq_m;
  uint64_t n;
};

}  // namespace

Result<std::unique_ptr<IvfIndex>> IvfIndex::Build(const IndexConfig& c, const float* vectors,
                                                  size_t n, ThreadPool* pool) {
  if (c.dim == 0) return Status::InvalidArgument("ivf: dim must be > 0");
  if (n >= 0xffffffffu) return Status::InvalidArgument("ivf: too many rows");
  if (c.metric == Metric::kCosine) RAGDB_RETURN_IF_ERROR(CheckUnitRows(vectors, n, c.dim));
  auto idx = std::unique_ptr<IvfIndex>(new IvfIndex());
  IvfIndex& ix = *idx;
  ix.kind_ = c.kind;
  ix.metric_ = c.metric;
  ix.l2_ = UsesL2(c.metric);
  ix.d_ = c.dim;
  ix.n_ = n;
  ix.vectors_ = vectors;
  size_t d = c.dim;
  size_t nlist = c.nlist ? c.nlist : std::max<size_t>(1, size_t(std::sqrt(double(n))));
  nlist = std::max<size_t>(1, std::min(nlist, std::max<size_t>(n, 1)));
  ix.nlist_ = static_cast<uint32_t>(nlist);
  if (ix.pq()) {
    size_t want = c.pq_m ? c.pq_m : std::max<size_t>(1, d / 4);
    want = std::min(want, d);
    while (d % want != 0) --want;  // largest divisor of d not above the request
    ix.pq_m_ = static_cast<uint32_t>(want);
    ix.dsub_ = static_cast<uint32_t>(d / want);
  }

  // Coarse quantizer on a sample.
  size_t sample_n = std::min(n, std::max<size_t>(c.train_sample, 0));
  sample_n = std::max(sample_n, std::min(n, nlist));
  std::vector<uint32_t> rows = SampleRows(n, sample_n, c.seed);
  std::vector<float> sample(rows.size() * d);
  for (size_t i = 0; i < rows.size(); ++i)
    std::memcpy(&sample[i * d], vectors + size_t{rows[i]} * d, d * sizeof(float));
  ix.centroids_owned_ =
      KMeans(sample.data(), rows.size(), d, nlist, static_cast<int>(c.kmeans_iters), c.seed, pool);
  ix.centroids_ = ix.centroids_owned_.data();

  // Assign every row, group ids by list (counting sort keeps row order inside a list).
  std::vector<uint32_t> assign(n);
  AssignNearest(vectors, n, d, ix.centroids_, nlist, assign.data(), nullptr, pool);
  ix.offsets_owned_.assign(nlist + 1, 0);
  for (uint32_t a : assign) ++ix.offsets_owned_[a + 1];
  for (size_t l = 0; l < nlist; ++l) ix.offsets_owned_[l + 1] += ix.offsets_owned_[l];
  ix.ids_owned_.resize(n);
  {
    std::vector<uint32_t> pos(ix.offsets_owned_.begin(), ix.offsets_owned_.end() - 1);
    for (size_t i = 0; i < n; ++i) ix.ids_owned_[pos[assign[i]]++] = static_cast<uint32_t>(i);
  }
  ix.offsets_ = ix.offsets_owned_.data();
  ix.ids_ = ix.ids_owned_.data();

  if (ix.pq()) {
    size_t m = ix.pq_m_, dsub = ix.dsub_;
    // Codebooks: k-means per sub-space on residuals of a sample.
    size_t pq_n = std::min(n, std::max<size_t>(kPqCentroids * 40, 0));
    std::vector<uint32_t> prow = SampleRows(n, pq_n, c.seed + 7);
    std::vector<float> resid(prow.size() * d);
    for (size_t i = 0; i < prow.size(); ++i) {
      const float* x = vectors + size_t{prow[i]} * d;
      const float* cen = ix.centroids_ + size_t{assign[prow[i]]} * d;
      for (size_t j = 0; j < d; ++j) resid[i * d + j] = x[j] - cen[j];
    }
    ix.codebooks_owned_.assign(m * kPqCentroids * dsub, 0);
    auto train_sub = [&](size_t lo, size_t hi) {
      std::vector<float> sub(prow.size() * dsub);
      for (size_t s = lo; s < hi; ++s) {
        for (size_t i = 0; i < prow.size(); ++i)
          std::memcpy(&sub[i * dsub], &resid[i * d + s * dsub], dsub * sizeof(float));
        std::vector<float> cb = KMeans(sub.data(), prow.size(), dsub, kPqCentroids,
                                       static_cast<int>(c.kmeans_iters), c.seed + s, nullptr);
        std::memcpy(&ix.codebooks_owned_[s * kPqCentroids * dsub], cb.data(), cb.size() * 4);
      }
    };
    if (pool)
      pool->ParallelFor(m, 1, train_sub);
    else
      train_sub(0, m);
    ix.codebooks_ = ix.codebooks_owned_.data();
    // Encode every row (in list order, so a list's codes are contiguous).
    ix.codes_owned_.resize(n * m);
    auto encode = [&](size_t lo, size_t hi) {
      std::vector<float> r(d);
      for (size_t p = lo; p < hi; ++p) {
        uint32_t row = ix.ids_[p];
        const float* x = vectors + size_t{row} * d;
        const float* cen = ix.centroids_ + size_t{assign[row]} * d;
        for (size_t j = 0; j < d; ++j) r[j] = x[j] - cen[j];
        for (size_t s = 0; s < m; ++s) {
          uint32_t code;
          AssignNearest(&r[s * dsub], 1, dsub, ix.codebooks_ + s * kPqCentroids * dsub,
                        kPqCentroids, &code, nullptr, nullptr);
          ix.codes_owned_[p * m + s] = static_cast<uint8_t>(code);
        }
      }
    };
    if (pool)
      pool->ParallelFor(n, 1024, encode);
    else
      encode(0, n);
    ix.codes_ = ix.codes_owned_.data();
  }
  return idx;
}

void IvfIndex::ScanLists(const float* q, const uint32_t* lists, size_t nlists,
                         const Bitset* allowed, TopK* top, size_t* ndist) const {
  const IndexKernels& kern = Kernels();
  size_t d = d_;
  if (!pq()) {
    for (size_t li = 0; li < nlists; ++li) {
      uint32_t l = lists[li];
      for (uint32_t p = offsets_[l]; p < offsets_[l + 1]; ++p) {
        uint32_t row = ids_[p];
        if (!IsAllowed(allowed, row)) continue;
        if (p + 2 < offsets_[l + 1]) PrefetchRow(vectors_ + size_t{ids_[p + 2]} * d, d * 4);
        top->Push(row, FloatDistance(kern, l2_, q, vectors_ + size_t{row} * d, d));
        ++*ndist;
      }
    }
    return;
  }
  size_t m = pq_m_, dsub = dsub_;
  std::vector<float> table(m * kPqCentroids);
  std::vector<float> qr(d);
  auto fill_table = [&](const float* qq) {
    for (size_t s = 0; s < m; ++s) {
      const float* cb = codebooks_ + s * kPqCentroids * dsub;
      for (size_t j = 0; j < kPqCentroids; ++j) {
        table[s * kPqCentroids + j] = l2_ ? kern.l2(qq + s * dsub, cb + j * dsub, dsub)
                                          : -kern.dot(qq + s * dsub, cb + j * dsub, dsub);
      }
    }
  };
  // ip/cosine: dot(q, c + r) = dot(q, c) + sum_s dot(q_s, cb_s): one table for every list.
  if (!l2_) fill_table(q);
  for (size_t li = 0; li < nlists; ++li) {
    uint32_t l = lists[li];
    if (offsets_[l] == offsets_[l + 1]) continue;
    const float* cen = centroids_ + size_t{l} * d;
    float base = 0;
    if (l2_) {
      for (size_t j = 0; j < d; ++j) qr[j] = q[j] - cen[j];
      fill_table(qr.data());
    } else {
      base = -kern.dot(q, cen, d);
    }
    for (uint32_t p = offsets_[l]; p < offsets_[l + 1]; ++p) {
      uint32_t row = ids_[p];
      if (!IsAllowed(allowed, row)) continue;
      const uint8_t* code = codes_ + size_t{p} * m;
      float dist = base;
      for (size_t s = 0; s < m; ++s) dist += table[s * kPqCentroids + code[s]];
      top->Push(row, dist);
      ++*ndist;
    }
  }
}

std::vector<Neighbor> IvfIndex::Search(const float* query, size_t k, const SearchParams& params,
                                       const Bitset* allowed) const {
  SearchStats local;
  SearchStats* stats = params.stats ? params.stats : &local;
  *stats = SearchStats();
  if (n_ == 0 || k == 0) return {};
  std::vector<float> buf;
  const float* q = PrepareQuery(metric_, query, d_, &buf);
  size_t allowed_count = n_;
  if (allowed != nullptr) {
    allowed_count = CountAllowed(allowed, n_, params);
    if (allowed_count == 0) return {};
    FilterStrategy s = params.filter == FilterStrategy::kAuto
                           ? PlanFilteredSearch(n_, allowed_count, k)
                           : params.filter;
    if (s == FilterStrategy::kExact && vectors_ != nullptr) {
      stats->strategy = FilterStrategy::kExact;
      auto r = ExactSearch(vectors_, n_, d_, l2_, q, k, allowed, &stats->distance_computations);
      FinishResults(metric_, &r);
      return r;
    }
  }
  stats->strategy = FilterStrategy::kGraph;
  const IndexKernels& kern = Kernels();
  size_t nprobe = params.nprobe ? params.nprobe : std::max<size_t>(1, nlist_ / 16);
  nprobe = std::min<size_t>(nprobe, nlist_);
  std::vector<std::pair<float, uint32_t>> order(nlist_);
  for (uint32_t l = 0; l < nlist_; ++l) order[l] = {kern.l2(q, centroids_ + size_t{l} * d_, d_), l};
  std::vector<uint32_t> lists(nlist_);
  size_t rerank = 0;
  if (pq() && vectors_ != nullptr) rerank = params.rerank ? params.rerank : 8 * k;
  size_t want = std::max(k, rerank);
  std::vector<Neighbor> cand;
  // With a filter, keep widening nprobe until k allowed rows were seen (or all lists scanned).
  size_t done = 0;
  TopK top(want);
  std::sort(order.begin(), order.end());
  for (size_t i = 0; i < nlist_; ++i) lists[i] = order[i].second;
  while (true) {
    ScanLists(q, lists.data() + done, nprobe - done, allowed, &top, &stats->distance_computations);
    done = nprobe;
    if (top.full() || nprobe == nlist_ || allowed == nullptr) break;
    nprobe = std::min<size_t>(nlist_, nprobe * 2);
  }
  cand = top.Take();
  if (rerank > 0) {
    TopK exact(k);
    for (const Neighbor& c : cand) {
      exact.Push(c.row, FloatDistance(kern, l2_, q, vectors_ + size_t{c.row} * d_, d_));
    }
    stats->distance_computations += cand.size();
    cand = exact.Take();
  } else if (cand.size() > k) {
    cand.resize(k);
  }
  FinishResults(metric_, &cand);
  return cand;
}

size_t IvfIndex::MemoryUsage() const {
  size_t b = size_t{nlist_} * d_ * 4 + (size_t{nlist_} + 1) * 4 + n_ * 4;
  if (pq()) b += size_t{pq_m_} * kPqCentroids * dsub_ * 4 + n_ * pq_m_;
  return b;
}

Status IvfIndex::Serialize(std::string* out) const {
  IvfMeta meta{d_, static_cast<uint32_t>(metric_), nlist_, pq_m_, n_};
  BlobWriter w(kind_);
  w.Add(kMeta, &meta, sizeof(meta));
  w.Add(kCentroids, centroids_, size_t{nlist_} * d_ * 4);
  w.Add(kOffsets, offsets_, (size_t{nlist_} + 1) * 4);
  w.Add(kIds, ids_, n_ * 4);
  if (pq()) {
    w.Add(kCodebooks, codebooks_, size_t{pq_m_} * kPqCentroids * dsub_ * 4);
    w.Add(kCodes, codes_, n_ * pq_m_);
  }
  w.Finish(out);
  return Status::Ok();
}

Result<std::unique_ptr<IvfIndex>> IvfIndex::Open(std::string_view bytes, IndexKind kind,
                                                 const float* vectors, size_t n,
                                                 const OpenOptions& options) {
  RAGDB_ASSIGN_OR_RETURN(auto blob, BlobReader::Open(bytes, kind, options.verify_checksums));
  IvfMeta meta;
  RAGDB_RETURN_IF_ERROR(blob->Pod(kMeta, &meta));
  bool is_pq = kind == IndexKind::kIvfPq;
  if (meta.dim == 0 || meta.dim > VectorField::kMaxDim || meta.metric > 2 || meta.nlist == 0 ||
      meta.n >= 0xffffffffu || meta.nlist > std::max<uint64_t>(meta.n, 1) ||
      (is_pq && (meta.pq_m == 0 || meta.pq_m > meta.dim || meta.dim % meta.pq_m != 0))) {
    return Status::Corruption("ivf: bad metadata");
  }
  if (meta.n != n) return Status::InvalidArgument("ivf: row count mismatch");
  auto idx = std::unique_ptr<IvfIndex>(new IvfIndex());
  IvfIndex& ix = *idx;
  ix.kind_ = kind;
  ix.metric_ = static_cast<Metric>(meta.metric);
  ix.l2_ = UsesL2(ix.metric_);
  ix.d_ = meta.dim;
  ix.nlist_ = meta.nlist;
  ix.n_ = n;
  ix.vectors_ = vectors;
  RAGDB_ASSIGN_OR_RETURN(ix.centroids_,
                         blob->Array<float>(kCentroids, size_t{meta.nlist} * meta.dim));
  RAGDB_ASSIGN_OR_RETURN(ix.offsets_, blob->Array<uint32_t>(kOffsets, size_t{meta.nlist} + 1));
  RAGDB_ASSIGN_OR_RETURN(ix.ids_, blob->Array<uint32_t>(kIds, n));
  if (ix.offsets_[0] != 0 || ix.offsets_[meta.nlist] != n)
    return Status::Corruption("ivf: offsets");
  for (size_t l = 0; l < meta.nlist; ++l)
    if (ix.offsets_[l] > ix.offsets_[l + 1]) return Status::Corruption("ivf: offsets not sorted");
  for (size_t i = 0; i < n; ++i)
    if (ix.ids_[i] >= n) return Status::Corruption("ivf: row id out of range");
  if (is_pq) {
    ix.pq_m_ = meta.pq_m;
    ix.dsub_ = meta.dim / meta.pq_m;
    RAGDB_ASSIGN_OR_RETURN(
        ix.codebooks_, blob->Array<float>(kCodebooks, size_t{meta.pq_m} * kPqCentroids * ix.dsub_));
    RAGDB_ASSIGN_OR_RETURN(ix.codes_, blob->Array<uint8_t>(kCodes, n * meta.pq_m));
  }
  ix.blob_ = std::move(blob);
  return idx;
}

}  // namespace ragdb::index
