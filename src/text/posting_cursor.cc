#include "text/posting_cursor.h"

#include <cstring>
#include <string>

namespace ragdb::text {

PostingCursor::PostingCursor(const char* post, const char* post_end, const char* pos,
                             const char* pos_end, uint32_t df, uint32_t num_rows)
    : post_end_(post_end), pos_(pos), pos_end_(pos_end), df_(df), num_rows_(num_rows) {
  num_blocks_ = static_cast<uint32_t>((uint64_t{df} + kBlockSize - 1) / kBlockSize);
  dir_ = post;
  data_ = post + 20 * size_t{num_blocks_};  // the reader checked this is <= post_end
  LoadBlock(0);
}

void PostingCursor::Fail(const char* what) {
  if (status_.ok()) status_ = Status::Corruption(std::string("text index postings: ") + what);
  doc_ = kEnd;
  n_ = 0;
  i_ = 0;
  block_ = num_blocks_;
}

void PostingCursor::LoadBlock(uint32_t b) {
  block_ = b;
  i_ = 0;
  if (b >= num_blocks_) {
    doc_ = kEnd;
    n_ = 0;
    return;
  }
  n_ = b + 1 < num_blocks_ ? static_cast<uint32_t>(kBlockSize)
                           : df_ - static_cast<uint32_t>(kBlockSize) * b;
  const uint32_t off = GetU32(dir_ + 20 * size_t{b} + 4);
  const size_t avail = static_cast<size_t>(post_end_ - data_);
  if (off > avail || avail - off < 2) return Fail("block offset out of range");
  const char* p = data_ + off;
  const int doc_bits = static_cast<unsigned char>(p[0]);
  const int tf_bits = static_cast<unsigned char>(p[1]);
  if (doc_bits > 32 || tf_bits > 32) return Fail("bad bit width");
  const size_t db = PackedBytes(n_, doc_bits);
  const size_t tb = PackedBytes(n_, tf_bits);
  if (avail - off - 2 < db + tb) return Fail("block truncated");
  // UnpackBits reads 8 bytes past the packed data; copy into a padded buffer so a block at the
  // very end of a mapped file never reads past it.
  char buf[2 * 4 * kBlockSize + 16];
  std::memcpy(buf, p + 2, db + tb);
  std::memset(buf + db + tb, 0, 8);
  UnpackBits(buf, n_, doc_bits, docs_);
  UnpackBits(buf + db, n_, tf_bits, tfs_);
  uint64_t next = b == 0 ? 0 : uint64_t{BlockLastDoc(b - 1)} + 1;
  const uint32_t max_tf = BlockMaxTf(b);
  for (uint32_t i = 0; i < n_; ++i) {
    const uint64_t d = next + docs_[i];
    if (d >= num_rows_) return Fail("doc id out of range");
    docs_[i] = static_cast<uint32_t>(d);
    next = d + 1;
    if (tfs_[i] >= max_tf) return Fail("tf above the block maximum");
    tfs_[i] += 1;
  }
  if (docs_[n_ - 1] != BlockLastDoc(b)) return Fail("block last doc mismatch");
  doc_ = docs_[0];
}

void PostingCursor::Advance(uint32_t target) {
  if (doc_ >= target) return;
  if (target == kEnd) {
    LoadBlock(num_blocks_);
    return;
  }
  if (docs_[n_ - 1] < target) {
    uint32_t b = block_ + 1;
    while (b < num_blocks_ && BlockLastDoc(b) < target) ++b;
    LoadBlock(b);
    if (doc_ >= target) return;  // also covers kEnd and failures
  }
  // The target is inside the decoded block: its last doc is >= target.
  while (docs_[i_] < target) ++i_;
  doc_ = docs_[i_];
}

void PostingCursor::ShallowAdvance(uint32_t target) {
  // Usually targets only grow, so continue from the last shallow block; fall back to the decoded
  // block when the target lies before it.
  uint32_t b = shallow_ < block_ ? block_ : shallow_;
  if (b > block_ && BlockLastDoc(b - 1) >= target) b = block_;
  while (b < num_blocks_ && BlockLastDoc(b) < target) ++b;
  shallow_ = b;
}

uint32_t PostingCursor::ShallowLastDoc() const {
  return shallow_ < num_blocks_ ? BlockLastDoc(shallow_) : kEnd - 1;
}
uint32_t PostingCursor::ShallowMaxTf() const {
  return shallow_ < num_blocks_ ? BlockMaxTf(shallow_) : 0;
}
uint32_t PostingCursor::ShallowMinDocLength() const {
  return shallow_ < num_blocks_ ? BlockMinDocLength(shallow_) : 0;
}

Status PostingCursor::Positions(std::vector<uint32_t>* out) const {
  out->clear();
  if (doc_ == kEnd) return Status::FailedPrecondition("cursor is exhausted");
  const uint32_t off = GetU32(dir_ + 20 * size_t{block_} + 8);
  if (off > static_cast<size_t>(pos_end_ - pos_)) {
    return Status::Corruption("text index positions: offset out of range");
  }
  const char* p = pos_ + off;
  uint32_t v;
  // Skip the positions of the earlier postings of this block.
  for (uint32_t j = 0; j < i_; ++j) {
    for (uint32_t t = 0; t < tfs_[j]; ++t) {
      if (!GetVarint(&p, pos_end_, &v)) return Status::Corruption("text index positions truncated");
    }
  }
  uint64_t pos = 0;
  out->reserve(tfs_[i_]);
  for (uint32_t t = 0; t < tfs_[i_]; ++t) {
    if (!GetVarint(&p, pos_end_, &v)) return Status::Corruption("text index positions truncated");
    pos += v;
    if (pos > UINT32_MAX) return Status::Corruption("text index position overflow");
    out->push_back(static_cast<uint32_t>(pos));
  }
  return Status::Ok();
}

}  // namespace ragdb::text
