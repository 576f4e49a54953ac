#include "text/inverted_index.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "text/codec.h"

namespace ragdb::text {
namespace {

constexpr char kMagic[8] = {'R', 'G', 'D', 'B', 'T', 'X', 'T', '1'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderSize = 80;
constexpr size_t kEntrySize = 32;
constexpr size_t kDirEntrySize = 20;

// Encodes one term's postings (directory + blocks) and positions.
void EncodeTerm(const std::vector<uint32_t>& docs, const std::vector<uint32_t>& tfs,
                const std::vector<uint32_t>& positions, const std::vector<uint32_t>& doc_lengths,
                std::string* post, std::string* pos) {
  const size_t df = docs.size();
  const size_t num_blocks = (df + kBlockSize - 1) / kBlockSize;
  const size_t pos_base = pos->size();
  const size_t dir_at = post->size();
  post->resize(dir_at + kDirEntrySize * num_blocks);
  const size_t data_base = post->size();
  uint32_t gaps[kBlockSize];
  uint32_t tfm1[kBlockSize];
  size_t pi = 0;  // index into positions
  for (size_t b = 0; b < num_blocks; ++b) {
    const size_t begin = b * kBlockSize;
    const size_t n = std::min(kBlockSize, df - begin);
    uint32_t max_tf = 0;
    uint32_t min_dl = UINT32_MAX;
    const uint32_t block_pos = static_cast<uint32_t>(pos->size() - pos_base);
    uint32_t next = b == 0 ? 0 : docs[begin - 1] + 1;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t d = docs[begin + i];
      gaps[i] = d - next;
      next = d + 1;
      tfm1[i] = tfs[begin + i] - 1;
      max_tf = std::max(max_tf, tfs[begin + i]);
      min_dl = std::min(min_dl, doc_lengths[d]);
      uint32_t prev = 0;
      for (uint32_t t = 0; t < tfs[begin + i]; ++t, ++pi) {
        PutVarint(pos, positions[pi] - prev);
        prev = positions[pi];
      }
    }
    const size_t at = dir_at + kDirEntrySize * b;
    SetU32(post, at, docs[begin + n - 1]);
    SetU32(post, at + 4, static_cast<uint32_t>(post->size() - data_base));
    SetU32(post, at + 8, block_pos);
    SetU32(post, at + 12, max_tf);
    SetU32(post, at + 16, min_dl);
    const int db = MaxBits(gaps, n);
    const int tb = MaxBits(tfm1, n);
    post->push_back(static_cast<char>(db));
    post->push_back(static_cast<char>(tb));
    PackBits(gaps, n, db, post);
    PackBits(tfm1, n, tb, post);
  }
}

}  // namespace

Status InvertedIndexBuilder::Add(uint32_t row, std::span<const Token> tokens) {
  if (static_cast<int64_t>(row) <= last_row_) {
    return Status::InvalidArgument("text index rows must be added in increasing order");
  }
  if (row == UINT32_MAX) return Status::InvalidArgument("row id too large");
  for (size_t i = 1; i < tokens.size(); ++i) {
    if (tokens[i].position < tokens[i - 1].position) {
      return Status::InvalidArgument("token positions must not decrease");
    }
  }
  for (const Token& t : tokens) {
    if (t.term.empty()) return Status::InvalidArgument("empty term");
  }
  last_row_ = row;
  doc_lengths_.resize(size_t{row} + 1, 0);
  doc_lengths_[row] = static_cast<uint32_t>(tokens.size());
  ++doc_count_;
  total_tokens_ += tokens.size();
  for (const Token& t : tokens) {
    auto [it, inserted] = term_ids_.try_emplace(t.term, static_cast<uint32_t>(terms_.size()));
    if (inserted) {
      terms_.push_back(t.term);
      postings_.emplace_back();
    }
    TermPostings& p = postings_[it->second];
    if (p.docs.empty() || p.docs.back() != row) {
      p.docs.push_back(row);
      p.tfs.push_back(1);
    } else {
      ++p.tfs.back();
    }
    p.positions.push_back(t.position);
  }
  return Status::Ok();
}

std::string InvertedIndexBuilder::Finish(uint32_t num_rows) const {
  std::vector<uint32_t> lengths = doc_lengths_;
  if (lengths.size() < num_rows) lengths.resize(num_rows, 0);
  std::vector<uint32_t> order(terms_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return terms_[a] < terms_[b]; });

  std::string term_bytes, dict, post, pos;
  for (uint32_t id : order) {
    const TermPostings& p = postings_[id];
    PutU32(&dict, static_cast<uint32_t>(term_bytes.size()));
    PutU32(&dict, static_cast<uint32_t>(terms_[id].size()));
    PutU32(&dict, static_cast<uint32_t>(p.docs.size()));
    PutU32(&dict, 0);
    PutU64(&dict, post.size());
    PutU64(&dict, pos.size());
    term_bytes += terms_[id];
    EncodeTerm(p.docs, p.tfs, p.positions, lengths, &post, &pos);
  }

  std::string out;
  out.append(kMagic, 8);
  PutU32(&out, kVersion);
  PutU32(&out, 1);  // positions present
  PutU32(&out, static_cast<uint32_t>(lengths.size()));
  PutU32(&out, doc_count_);
  PutU32(&out, static_cast<uint32_t>(terms_.size()));
  PutU32(&out, 0);
  PutU64(&out, total_tokens_);
  const uint64_t doclen_off = kHeaderSize;
  const uint64_t terms_off = doclen_off + 4 * uint64_t{lengths.size()};
  const uint64_t dict_off = terms_off + term_bytes.size();
  const uint64_t post_off = dict_off + dict.size();
  const uint64_t pos_off = post_off + post.size();
  PutU64(&out, doclen_off);
  PutU64(&out, terms_off);
  PutU64(&out, dict_off);
  PutU64(&out, post_off);
  PutU64(&out, pos_off);
  out.reserve(pos_off + pos.size());
  for (uint32_t l : lengths) PutU32(&out, l);
  out += term_bytes;
  out += dict;
  out += post;
  out += pos;
  return out;
}

Result<InvertedIndexReader> InvertedIndexReader::Open(std::string_view bytes) {
  auto bad = [](const std::string& what) { return Status::Corruption("text index: " + what); };
  if (bytes.size() < kHeaderSize) return bad("block shorter than its header");
  const char* b = bytes.data();
  if (std::memcmp(b, kMagic, 8) != 0) return bad("bad magic");
  if (GetU32(b + 8) != kVersion) return bad("unsupported version " + std::to_string(GetU32(b + 8)));
  InvertedIndexReader r;
  r.bytes_ = bytes;
  r.num_rows_ = GetU32(b + 16);
  r.doc_count_ = GetU32(b + 20);
  r.num_terms_ = GetU32(b + 24);
  r.total_tokens_ = GetU64(b + 32);
  const uint64_t doclen_off = GetU64(b + 40), terms_off = GetU64(b + 48), dict_off = GetU64(b + 56),
                 post_off = GetU64(b + 64), pos_off = GetU64(b + 72);
  const uint64_t size = bytes.size();
  if (doclen_off != kHeaderSize || terms_off != doclen_off + 4 * uint64_t{r.num_rows_} ||
      dict_off < terms_off || post_off != dict_off + kEntrySize * uint64_t{r.num_terms_} ||
      pos_off < post_off || pos_off > size) {
    return bad("section offsets inconsistent with the block size");
  }
  if (r.doc_count_ > r.num_rows_) return bad("doc_count > num_rows");
  r.doc_lengths_ = b + doclen_off;
  r.terms_ = b + terms_off;
  r.dict_ = b + dict_off;
  r.postings_ = b + post_off;
  r.positions_ = b + pos_off;
  r.postings_size_ = pos_off - post_off;
  r.positions_size_ = size - pos_off;
  uint64_t sum_lengths = 0;
  for (uint32_t i = 0; i < r.num_rows_; ++i) sum_lengths += r.doc_length(i);
  if (sum_lengths != r.total_tokens_) return bad("document lengths do not sum to total_tokens");
  const uint64_t terms_size = dict_off - terms_off;
  std::string_view prev;
  for (uint32_t i = 0; i < r.num_terms_; ++i) {
    const char* e = r.entry(i);
    const uint64_t toff = GetU32(e), tlen = GetU32(e + 4), df = GetU32(e + 8);
    if (tlen == 0 || toff + tlen > terms_size) return bad("term bytes out of range");
    const std::string_view t(r.terms_ + toff, tlen);
    if (i > 0 && !(prev < t)) return bad("dictionary not sorted");
    prev = t;
    if (df == 0 || df > r.doc_count_) return bad("bad document frequency");
    const uint64_t p0 = GetU64(e + 16), q0 = GetU64(e + 24);
    const uint64_t p1 = i + 1 < r.num_terms_ ? GetU64(r.entry(i + 1) + 16) : r.postings_size_;
    const uint64_t q1 = i + 1 < r.num_terms_ ? GetU64(r.entry(i + 1) + 24) : r.positions_size_;
    if (p0 > p1 || p1 > r.postings_size_ || q0 > q1 || q1 > r.positions_size_) {
      return bad("term extents out of order");
    }
    const uint64_t blocks = (df + kBlockSize - 1) / kBlockSize;
    if (blocks * kDirEntrySize > p1 - p0) return bad("block directory truncated");
  }
  if (r.num_terms_ > 0 && (GetU64(r.entry(0) + 16) != 0 || GetU64(r.entry(0) + 24) != 0)) {
    return bad("first term does not start its sections");
  }
  return r;
}

int64_t InvertedIndexReader::FindTerm(std::string_view t) const {
  uint32_t lo = 0, hi = num_terms_;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    const std::string_view m = term(mid);
    if (m < t) {
      lo = mid + 1;
    } else if (t < m) {
      hi = mid;
    } else {
      return mid;
    }
  }
  return -1;
}

std::string_view InvertedIndexReader::term(uint32_t i) const {
  const char* e = entry(i);
  return {terms_ + GetU32(e), GetU32(e + 4)};
}

uint32_t InvertedIndexReader::doc_freq(uint32_t i) const { return GetU32(entry(i) + 8); }

uint32_t InvertedIndexReader::DocFreq(std::string_view t) const {
  const int64_t i = FindTerm(t);
  return i < 0 ? 0 : doc_freq(static_cast<uint32_t>(i));
}

PostingCursor InvertedIndexReader::Cursor(uint32_t i) const {
  const char* e = entry(i);
  const uint64_t p0 = GetU64(e + 16), q0 = GetU64(e + 24);
  const uint64_t p1 = i + 1 < num_terms_ ? GetU64(entry(i + 1) + 16) : postings_size_;
  const uint64_t q1 = i + 1 < num_terms_ ? GetU64(entry(i + 1) + 24) : positions_size_;
  return PostingCursor(postings_ + p0, postings_ + p1, positions_ + q0, positions_ + q1,
                       doc_freq(i), num_rows_);
}

Status InvertedIndexReader::Verify() const {
  std::vector<uint32_t> pos;
  for (uint32_t i = 0; i < num_terms_; ++i) {
    PostingCursor c = Cursor(i);
    uint32_t count = 0;
    for (; c.doc() != PostingCursor::kEnd; c.Next()) {
      ++count;
      if (c.tf() > doc_length(c.doc())) return Status::Corruption("text index: tf > doc length");
      RAGDB_RETURN_IF_ERROR(c.Positions(&pos));
    }
    RAGDB_RETURN_IF_ERROR(c.status());
    if (count != doc_freq(i)) return Status::Corruption("text index: df mismatch");
  }
  return Status::Ok();
}

}  // namespace ragdb::text
