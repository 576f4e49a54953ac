// Per-segment inverted index for BM25 full-text search: an in-memory builder that serializes to
// one immutable byte block, and a reader that works in place on those bytes (the storage layer
// memory-maps them and checksums the whole block; the reader only checks structure).
//
// Serialized layout, version 1. All integers little-endian; offsets are from the block start
// unless noted; sections appear in this order with no gaps:
//
//   Header, 80 bytes
//     0  char[8] magic "RGDBTXT1"
//     8  u32 version = 1
//     12 u32 flags   (bit 0: positions present; always set in version 1)
//     16 u32 num_rows      rows 0..num_rows-1 have a length entry (segment-local row ids)
//     20 u32 doc_count     rows that were added (their sum over segments is BM25's N)
//     24 u32 num_terms
//     28 u32 reserved = 0
//     32 u64 total_tokens  sum of document lengths (for the average document length)
//     40 u64 doclen_offset    = 80
//     48 u64 terms_offset     = doclen_offset + 4 * num_rows
//     56 u64 dict_offset
//     64 u64 postings_offset  = dict_offset + 32 * num_terms
//     72 u64 positions_offset (<= block size)
//   Doc lengths: num_rows x u32 (tokens per row after analysis; 0 for rows without text)
//   Term bytes: the terms, concatenated in dictionary order
//   Dictionary: num_terms x 32-byte entries sorted by term bytes (memcmp order), binary searched
//     u32 term_offset (relative to terms section)  u32 term_length  u32 df  u32 reserved = 0
//     u64 postings (relative to postings section)  u64 positions (relative to positions section)
//     A term's postings / positions extend to the next term's start (or the section end).
//   Postings of one term: ceil(df/128) blocks of up to 128 docs.
//     Block directory, 20 bytes per block:
//       u32 last_doc  u32 data_offset (relative to the end of the directory)
//       u32 positions_offset (relative to the term's positions)  u32 max_tf  u32 min_doc_length
//     (max_tf and min_doc_length bound any BM25 score in the block, for block-max WAND.)
//     Block data: u8 doc_bits, u8 tf_bits, then the doc gaps bit-packed (first doc of a block minus
//       previous block's last_doc + 1, or the doc itself for block 0; then doc - previous doc - 1)
//       and then tf - 1 bit-packed, ceil(n * bits / 8) bytes each.
//   Positions of one term: for each posting in doc order, tf varints (position deltas within
//     the document, the first from 0).
//
// Validation: Open() checks the header, section bounds, dictionary order and every term's
// extents (O(terms)); each block is checked when it is decoded (bounds, doc ids < num_rows and
// increasing, last_doc matches, tf <= max_tf), and cursors report Corruption through status().
// Verify() decodes everything up front.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ragdb/status.h"
#include "text/analyzer.h"
#include "text/posting_cursor.h"

namespace ragdb::text {

class InvertedIndexBuilder {
 public:
  // Adds one row's tokens. Rows must be strictly increasing; positions non-decreasing.
  Status Add(uint32_t row, std::span<const Token> tokens);
  // Serializes. `num_rows` may exceed the last added row + 1 (rows without text); 0 = minimum.
  std::string Finish(uint32_t num_rows = 0) const;

  uint32_t doc_count() const { return doc_count_; }

 private:
  struct TermPostings {
    std::vector<uint32_t> docs;
    std::vector<uint32_t> tfs;
    std::vector<uint32_t> positions;  // all docs' positions, in doc order
  };
  std::unordered_map<std::string, uint32_t> term_ids_;
  std::vector<std::string> terms_;
  std::vector<TermPostings> postings_;
  std::vector<uint32_t> doc_lengths_;  // indexed by row
  uint32_t doc_count_ = 0;
  uint64_t total_tokens_ = 0;
  int64_t last_row_ = -1;
};

class InvertedIndexReader {
 public:
  InvertedIndexReader() = default;
  // `bytes` must outlive the reader and every cursor made from it.
  static Result<InvertedIndexReader> Open(std::string_view bytes);

  uint32_t num_rows() const { return num_rows_; }
  uint32_t doc_count() const { return doc_count_; }
  uint32_t num_terms() const { return num_terms_; }
  uint64_t total_tokens() const { return total_tokens_; }
  // Precondition: row < num_rows().
  uint32_t doc_length(uint32_t row) const { return GetU32(doc_lengths_ + 4 * size_t{row}); }

  // Index of `term` in the dictionary, or -1.
  int64_t FindTerm(std::string_view term) const;
  std::string_view term(uint32_t index) const;
  uint32_t doc_freq(uint32_t index) const;
  // 0 when the term is absent.
  uint32_t DocFreq(std::string_view term) const;
  // Cursor over term `index` (< num_terms()), positioned on its first posting.
  PostingCursor Cursor(uint32_t index) const;

  // Decodes every posting and position list: Corruption on any inconsistency.
  Status Verify() const;

 private:
  const char* entry(uint32_t i) const { return dict_ + 32 * size_t{i}; }
  std::string_view bytes_;
  const char* doc_lengths_ = nullptr;
  const char* terms_ = nullptr;
  const char* dict_ = nullptr;
  const char* postings_ = nullptr;
  const char* positions_ = nullptr;
  uint64_t postings_size_ = 0;
  uint64_t positions_size_ = 0;
  uint32_t num_rows_ = 0;
  uint32_t doc_count_ = 0;
  uint32_t num_terms_ = 0;
  uint64_t total_tokens_ = 0;
};

}  // namespace ragdb::text
