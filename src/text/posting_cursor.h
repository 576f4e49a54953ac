// Iterates one term's compressed posting list (see inverted_index.h for the layout): doc-at-a-time
// navigation with skipping, block metadata for block-max WAND, and positions for phrases.
#pragma once

#include <cstdint>
#include <vector>

#include "ragdb/status.h"
#include "text/codec.h"

namespace ragdb::text {

class PostingCursor {
 public:
  static constexpr uint32_t kEnd = UINT32_MAX;

  PostingCursor() = default;
  // Used by InvertedIndexReader: the term's postings [post, post_end), positions
  // [pos, pos_end). Starts on the first posting.
  PostingCursor(const char* post, const char* post_end, const char* pos, const char* pos_end,
                uint32_t df, uint32_t num_rows);

  uint32_t doc() const { return doc_; }  // kEnd when exhausted (or on corruption)
  uint32_t tf() const { return tfs_[i_]; }
  uint32_t df() const { return df_; }
  // Moves to the next posting.
  void Next() {
    if (++i_ < n_) {
      doc_ = docs_[i_];
    } else {
      LoadBlock(block_ + 1);
    }
  }
  // Moves to the first posting with doc >= target (no-op when already there).
  void Advance(uint32_t target);

  // Block-max support. ShallowAdvance moves only the *metadata* pointer to the block that would
  // hold the first doc >= target, without decoding it.
  void ShallowAdvance(uint32_t target);
  // Of the shallow block: last doc (kEnd - 1 past the end), max tf and min doc length.
  uint32_t ShallowLastDoc() const;
  uint32_t ShallowMaxTf() const;
  uint32_t ShallowMinDocLength() const;
  uint32_t num_blocks() const { return num_blocks_; }
  uint32_t BlockMaxTf(uint32_t b) const { return GetU32(dir_ + 20 * size_t{b} + 12); }
  uint32_t BlockMinDocLength(uint32_t b) const { return GetU32(dir_ + 20 * size_t{b} + 16); }

  // Positions of the current posting, increasing. Corruption on bad bytes.
  Status Positions(std::vector<uint32_t>* out) const;

  // Not OK once a block failed to decode; doc() is then kEnd.
  const Status& status() const { return status_; }

 private:
  uint32_t BlockLastDoc(uint32_t b) const { return GetU32(dir_ + 20 * size_t{b}); }
  void LoadBlock(uint32_t b);
  void Fail(const char* what);

  const char* dir_ = nullptr;
  const char* data_ = nullptr;  // after the directory
  const char* post_end_ = nullptr;
  const char* pos_ = nullptr;
  const char* pos_end_ = nullptr;
  uint32_t df_ = 0;
  uint32_t num_rows_ = 0;
  uint32_t num_blocks_ = 0;
  uint32_t block_ = 0;    // decoded block
  uint32_t shallow_ = 0;  // block of the last ShallowAdvance
  uint32_t n_ = 0;        // postings in the decoded block
  uint32_t i_ = 0;        // index in the decoded block
  uint32_t doc_ = kEnd;
  Status status_;
  uint32_t docs_[kBlockSize];
  uint32_t tfs_[kBlockSize] = {};
};

}  // namespace ragdb::text
