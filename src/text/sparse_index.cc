#include "text/sparse_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "text/codec.h"

namespace ragdb::text {
namespace {

constexpr char kMagic[8] = {'R', 'G', 'D', 'B', 'S', 'P', 'V', '1'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderSize = 40;
constexpr size_t kEntrySize = 24;

bool Better(const ScoredRow& a, const ScoredRow& b) {
  return a.score > b.score || (a.score == b.score && a.row < b.row);
}

}  // namespace

Result<std::vector<std::pair<uint32_t, float>>> NormalizeSparse(const SparseVector& v) {
  if (v.indices.size() != v.values.size()) {
    return Status::InvalidArgument("sparse vector has " + std::to_string(v.indices.size()) +
                                   " indices but " + std::to_string(v.values.size()) + " values");
  }
  std::vector<std::pair<uint32_t, float>> out;
  out.reserve(v.indices.size());
  for (size_t i = 0; i < v.indices.size(); ++i) {
    if (!std::isfinite(v.values[i])) {
      return Status::InvalidArgument("sparse vector value is not finite");
    }
    out.emplace_back(v.indices[i], v.values[i]);
  }
  std::sort(out.begin(), out.end());
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].first == out[i - 1].first) {
      return Status::InvalidArgument("sparse vector has duplicate index " +
                                     std::to_string(out[i].first));
    }
  }
  return out;
}

Status SparseIndexBuilder::Add(uint32_t row, const SparseVector& v) {
  if (static_cast<int64_t>(row) <= last_row_) {
    return Status::InvalidArgument("sparse index rows must be added in increasing order");
  }
  if (row == UINT32_MAX) return Status::InvalidArgument("row id too large");
  RAGDB_ASSIGN_OR_RETURN(auto entries, NormalizeSparse(v));
  last_row_ = row;
  ++doc_count_;
  for (const auto& [dim, w] : entries) {
    if (w == 0) continue;
    Postings& p = dims_[dim];
    p.docs.push_back(row);
    p.weights.push_back(w);
  }
  return Status::Ok();
}

std::string SparseIndexBuilder::Finish(uint32_t num_rows) const {
  const uint32_t rows = std::max<uint32_t>(num_rows, static_cast<uint32_t>(last_row_ + 1));
  std::string dir, post;
  for (const auto& [dim, p] : dims_) {
    float max_abs = 0;
    for (float w : p.weights) max_abs = std::max(max_abs, std::fabs(w));
    PutU32(&dir, dim);
    PutU32(&dir, static_cast<uint32_t>(p.docs.size()));
    PutU64(&dir, post.size());
    PutF32(&dir, max_abs);
    PutU32(&dir, 0);
    for (float w : p.weights) PutF32(&post, w);
    uint32_t next = 0;
    for (uint32_t d : p.docs) {
      PutVarint(&post, d - next);
      next = d + 1;
    }
  }
  std::string out;
  out.append(kMagic, 8);
  PutU32(&out, kVersion);
  PutU32(&out, rows);
  PutU32(&out, doc_count_);
  PutU32(&out, static_cast<uint32_t>(dims_.size()));
  PutU64(&out, kHeaderSize);
  PutU64(&out, kHeaderSize + dir.size());
  out += dir;
  out += post;
  return out;
}

Result<SparseIndexReader> SparseIndexReader::Open(std::string_view bytes) {
  auto bad = [](const std::string& what) { return Status::Corruption("sparse index: " + what); };
  if (bytes.size() < kHeaderSize) return bad("block shorter than its header");
  const char* b = bytes.data();
  if (std::memcmp(b, kMagic, 8) != 0) return bad("bad magic");
  if (GetU32(b + 8) != kVersion) return bad("unsupported version");
  SparseIndexReader r;
  r.bytes_ = bytes;
  r.num_rows_ = GetU32(b + 12);
  r.doc_count_ = GetU32(b + 16);
  r.num_dims_ = GetU32(b + 20);
  const uint64_t dims_off = GetU64(b + 24), post_off = GetU64(b + 32);
  if (dims_off != kHeaderSize || post_off != dims_off + kEntrySize * uint64_t{r.num_dims_} ||
      post_off > bytes.size()) {
    return bad("section offsets inconsistent with the block size");
  }
  if (r.doc_count_ > r.num_rows_) return bad("doc_count > num_rows");
  r.dims_ = b + dims_off;
  r.postings_ = b + post_off;
  r.postings_size_ = bytes.size() - post_off;
  for (uint32_t i = 0; i < r.num_dims_; ++i) {
    const char* e = r.entry(i);
    if (i > 0 && GetU32(e) <= GetU32(r.entry(i - 1))) return bad("dimensions not sorted");
    const uint64_t count = GetU32(e + 4);
    const uint64_t p0 = GetU64(e + 8);
    const uint64_t p1 = i + 1 < r.num_dims_ ? GetU64(r.entry(i + 1) + 8) : r.postings_size_;
    if (count == 0 || count > r.doc_count_) return bad("bad posting count");
    if (p0 > p1 || p1 > r.postings_size_ || p1 - p0 < 5 * count) {
      return bad("posting extents out of range");  // 4 weight bytes + >= 1 gap byte each
    }
  }
  if (r.num_dims_ > 0 && GetU64(r.entry(0) + 8) != 0) return bad("first dimension misplaced");
  return r;
}

int64_t SparseIndexReader::FindDim(uint32_t dim) const {
  uint32_t lo = 0, hi = num_dims_;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    const uint32_t m = GetU32(entry(mid));
    if (m < dim) {
      lo = mid + 1;
    } else if (dim < m) {
      hi = mid;
    } else {
      return mid;
    }
  }
  return -1;
}

Result<std::vector<ScoredRow>> SparseIndexReader::Search(const SparseVector& query, size_t k,
                                                         const Bitset* allowed) const {
  RAGDB_ASSIGN_OR_RETURN(auto q, NormalizeSparse(query));
  std::vector<ScoredRow> out;
  if (k == 0 || num_rows_ == 0) return out;
  // Term-at-a-time accumulation in increasing dimension order (so sums match a brute-force dot
  // product over sorted indices bit for bit).
  std::vector<float> acc(num_rows_, 0.0f);
  std::vector<uint8_t> seen(num_rows_, 0);
  std::vector<uint32_t> touched;
  for (const auto& [dim, qw] : q) {
    if (qw == 0) continue;
    const int64_t idx = FindDim(dim);
    if (idx < 0) continue;
    const char* e = entry(static_cast<uint32_t>(idx));
    const uint32_t count = GetU32(e + 4);
    const uint64_t p0 = GetU64(e + 8);
    const uint64_t p1 = static_cast<uint32_t>(idx) + 1 < num_dims_
                            ? GetU64(entry(static_cast<uint32_t>(idx) + 1) + 8)
                            : postings_size_;
    const char* w = postings_ + p0;
    const char* g = w + 4 * size_t{count};
    const char* end = postings_ + p1;
    uint64_t next = 0;
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t gap;
      if (!GetVarint(&g, end, &gap)) return Status::Corruption("sparse index: postings truncated");
      const uint64_t d = next + gap;
      if (d >= num_rows_) return Status::Corruption("sparse index: doc id out of range");
      next = d + 1;
      if (allowed && (d >= allowed->size() || !allowed->Test(d))) continue;
      if (!seen[d]) {
        seen[d] = 1;
        touched.push_back(static_cast<uint32_t>(d));
      }
      acc[d] += qw * GetF32(w + 4 * size_t{i});
    }
  }
  out.reserve(touched.size());
  for (uint32_t d : touched) out.push_back(ScoredRow{d, acc[d]});
  if (out.size() > k) {
    std::nth_element(out.begin(), out.begin() + static_cast<ptrdiff_t>(k), out.end(), Better);
    out.resize(k);
  }
  std::sort(out.begin(), out.end(), Better);
  return out;
}

}  // namespace ragdb::text
