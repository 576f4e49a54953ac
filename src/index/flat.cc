#include "index/flat.h"

#include <cmath>
#include <cstring>

#include "index/common.h"
#include "index/format.h"
#include "index/kernels.h"
#include "simd/elements.h"

namespace ragdb::index {
namespace {

constexpr uint32_t kMeta = SectionTag("FMET");
constexpr uint32_t kNorms = SectionTag("FNRM");

// float16 and integer rows under cosine keep their norms (rows need not be unit length).
bool WantsNorms(Metric metric, ElementType type) {
  return metric == Metric::kCosine && type != ElementType::kFloat32 && type != ElementType::kBinary;
}

struct FlatMeta {
  uint32_t dim, metric, type, reserved;
  uint64_t n;
};

}  // namespace

size_t FlatIndex::row_bytes() const { return simd::ElementRowBytes(type_, d_); }

Result<std::unique_ptr<FlatIndex>> FlatIndex::Create(Metric metric, ElementType type, uint32_t dim,
                                                     const void* rows, size_t n) {
  if (dim == 0 || dim > VectorField::kMaxDim) return Status::InvalidArgument("flat: bad dim");
  if (n > 0 && rows == nullptr) return Status::InvalidArgument("flat: null rows");
  if (type == ElementType::kFloat32 && metric == Metric::kCosine) {
    RAGDB_RETURN_IF_ERROR(CheckUnitRows(static_cast<const float*>(rows), n, dim));
  }
  auto f = std::unique_ptr<FlatIndex>(new FlatIndex());
  f->metric_ = metric;
  f->type_ = type;
  f->d_ = dim;
  f->rows_ = rows;
  f->n_ = n;
  f->ComputeNorms(0);
  return f;
}

void FlatIndex::ComputeNorms(size_t from) {
  if (!WantsNorms(metric_, type_)) return;
  norms_.resize(n_);
  std::vector<float> buf(d_);
  for (size_t i = from; i < n_; ++i) {
    const uint8_t* r = static_cast<const uint8_t*>(rows_) + i * row_bytes();
    simd::DecodeElements(type_, r, d_, buf.data());
    norms_[i] = std::sqrt(Kernels().dot(buf.data(), buf.data(), d_));
  }
}

float FlatIndex::Distance(const float* q, size_t row) const {
  const IndexKernels& k = Kernels();
  const char* r = static_cast<const char*>(rows_) + row * row_bytes();
  bool l2 = UsesL2(metric_);
  switch (type_) {
    case ElementType::kFloat32:
      return FloatDistance(k, l2, q, reinterpret_cast<const float*>(r), d_);
    case ElementType::kFloat16: {
      auto x = reinterpret_cast<const uint16_t*>(r);
      if (l2) return k.f16_l2(q, x, d_);
      float dot = k.f16_dot(q, x, d_);
      if (metric_ == Metric::kCosine) dot = norms_[row] > 0 ? dot / norms_[row] : 0;
      return -dot;
    }
    case ElementType::kInt8: {
      auto x = reinterpret_cast<const int8_t*>(r);
      if (l2) return k.i8_l2(q, x, d_);
      float dot = k.i8_dot(q, x, d_);
      if (metric_ == Metric::kCosine) dot = norms_[row] > 0 ? dot / norms_[row] : 0;
      return -dot;
    }
    case ElementType::kUint8: {
      auto x = reinterpret_cast<const uint8_t*>(r);
      if (l2) return k.u8_l2(q, x, d_);
      float dot = k.u8_dot(q, x, d_);
      if (metric_ == Metric::kCosine) dot = norms_[row] > 0 ? dot / norms_[row] : 0;
      return -dot;
    }
    case ElementType::kBinary:
      break;
  }
  return 0;
}

std::vector<Neighbor> FlatIndex::Search(const float* query, size_t k, const SearchParams& params,
                                        const Bitset* allowed) const {
  if (params.stats) {
    *params.stats = SearchStats();
    params.stats->strategy = FilterStrategy::kExact;
  }
  if (type_ == ElementType::kBinary) {
    std::vector<uint8_t> packed(row_bytes(), 0);
    for (size_t j = 0; j < d_; ++j)
      if (query[j] > 0) packed[j / 8] |= uint8_t(1u << (j % 8));
    return SearchBinary(packed.data(), k, allowed);
  }
  std::vector<float> buf;
  const float* q = PrepareQuery(metric_, query, d_, &buf);
  TopK top(k);
  size_t count = 0;
  auto visit = [&](size_t i) {
    top.Push(static_cast<uint32_t>(i), Distance(q, i));
    ++count;
  };
  if (allowed == nullptr) {
    for (size_t i = 0; i < n_; ++i) visit(i);
  } else {
    allowed->ForEach([&](size_t i) {
      if (i < n_) visit(i);
    });
  }
  if (params.stats) params.stats->distance_computations = count;
  auto r = top.Take();
  FinishResults(metric_, &r);
  return r;
}

std::vector<Neighbor> FlatIndex::SearchBinary(const uint8_t* packed, size_t k,
                                              const Bitset* allowed) const {
  if (type_ != ElementType::kBinary) return {};
  const IndexKernels& kern = Kernels();
  size_t rb = row_bytes();
  TopK top(k);
  auto visit = [&](size_t i) {
    const uint8_t* r = static_cast<const uint8_t*>(rows_) + i * rb;
    top.Push(static_cast<uint32_t>(i), static_cast<float>(kern.hamming(packed, r, rb)));
  };
  if (allowed == nullptr) {
    for (size_t i = 0; i < n_; ++i) visit(i);
  } else {
    allowed->ForEach([&](size_t i) {
      if (i < n_) visit(i);
    });
  }
  return top.Take();
}

Status FlatIndex::Add(const float* vectors, size_t n_total, ThreadPool* pool) {
  if (type_ != ElementType::kFloat32) {
    return Status::InvalidArgument("flat: use AddRows for non-float32 rows");
  }
  return AddRows(vectors, n_total);
}

Status FlatIndex::AddRows(const void* rows, size_t n_total) {
  if (n_total < n_) return Status::InvalidArgument("flat: Add cannot shrink");
  size_t old = n_;
  rows_ = rows;
  n_ = n_total;
  ComputeNorms(old);
  return Status::Ok();
}

Status FlatIndex::Serialize(std::string* out) const {
  FlatMeta meta{d_, static_cast<uint32_t>(metric_), static_cast<uint32_t>(type_), 0, n_};
  BlobWriter w(IndexKind::kFlat);
  w.Add(kMeta, &meta, sizeof(meta));
  w.AddVector(kNorms, norms_);
  w.Finish(out);
  return Status::Ok();
}

Result<std::unique_ptr<FlatIndex>> FlatIndex::Open(std::string_view bytes, const void* rows,
                                                   size_t n, const OpenOptions& options) {
  RAGDB_ASSIGN_OR_RETURN(auto blob,
                         BlobReader::Open(bytes, IndexKind::kFlat, options.verify_checksums));
  FlatMeta meta;
  RAGDB_RETURN_IF_ERROR(blob->Pod(kMeta, &meta));
  if (meta.dim == 0 || meta.dim > VectorField::kMaxDim || meta.metric > 3 || meta.type > 4) {
    return Status::Corruption("flat: bad metadata");
  }
  if (meta.n != n) return Status::InvalidArgument("flat: row count mismatch");
  auto f = std::unique_ptr<FlatIndex>(new FlatIndex());
  f->metric_ = static_cast<Metric>(meta.metric);
  f->type_ = static_cast<ElementType>(meta.type);
  f->d_ = meta.dim;
  f->rows_ = rows;
  f->n_ = n;
  RAGDB_ASSIGN_OR_RETURN(std::string_view norms, blob->Bytes(kNorms));
  bool want_norms = WantsNorms(f->metric_, f->type_);
  if (norms.size() != (want_norms ? n * sizeof(float) : 0)) {
    return Status::Corruption("flat: norms size");
  }
  f->norms_.resize(want_norms ? n : 0);
  if (want_norms) std::memcpy(f->norms_.data(), norms.data(), norms.size());
  return f;
}

}  // namespace ragdb::index
