// The text (BM25) and sparse-vector indexes of one segment, built on src/text.
//
// A sealed segment stores one section "text/bm25" (an InvertedIndexBuilder block) when the schema
// has text, and one section "sparse/<name>" (a SparseIndexBuilder block) per sparse field; the
// segment file layer checksums them, the readers here work in place on the mapped bytes.
// The growing segment indexes rows as they are appended and serializes lazily, on the first search
// after a write, so searches see every row without re-analyzing text.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ragdb/record.h"
#include "ragdb/schema.h"
#include "ragdb/status.h"
#include "storage/segment_file.h"
#include "text/analyzer.h"
#include "text/bm25.h"
#include "text/inverted_index.h"
#include "text/sparse_index.h"

namespace ragdb::db {

// The analyzer configuration a text field asks for.
text::AnalyzerConfig AnalyzerConfigFor(const TextField& field);
// OK when the analyzer can be made and the BM25 parameters are in range.
Status ValidateTextField(const TextField& field);
text::Bm25Params Bm25For(const TextField& field);

std::string TextSectionName();
std::string SparseSectionName(const std::string& field);

// Collects the text/sparse sections of a segment being written (rows in increasing order).
class SegmentTextWriter {
 public:
  static Result<std::unique_ptr<SegmentTextWriter>> Make(const CollectionSchema& schema);
  // Indexes the text and sparse vectors of `doc` as row `row`.
  Status Add(uint32_t row, const Record& doc);
  Status Finish(uint32_t rows, storage::SegmentFileWriter* out) const;

 private:
  const CollectionSchema* schema_ = nullptr;
  std::unique_ptr<text::Analyzer> analyzer_;
  std::optional<text::InvertedIndexBuilder> text_;
  std::vector<text::SparseIndexBuilder> sparse_;
};

// Readers over a sealed segment's sections (the bytes belong to the segment file).
class SegmentTextIndex {
 public:
  static Result<SegmentTextIndex> Open(const storage::SegmentFileReader& file,
                                       const CollectionSchema& schema);
  const text::InvertedIndexReader* text() const { return text_ ? &*text_ : nullptr; }
  const text::SparseIndexReader* sparse(size_t field) const {
    return field < sparse_.size() ? &sparse_[field] : nullptr;
  }

 private:
  std::optional<text::InvertedIndexReader> text_;
  std::vector<text::SparseIndexReader> sparse_;
};

// The growing segment's indexes. Append runs under the collection's exclusive lock; the readers
// are rebuilt under an internal mutex because searches run concurrently under a shared lock. A
// returned pointer stays valid until the next Append (which needs the exclusive lock).
class GrowingTextIndex {
 public:
  explicit GrowingTextIndex(const CollectionSchema& schema);
  // Text that fails analysis (rejected by Prepare, so only possible for a damaged log) is indexed
  // as empty.
  void Append(uint32_t row, const Record& r);
  const text::InvertedIndexReader* text(uint32_t rows) const;
  const text::SparseIndexReader* sparse(size_t field, uint32_t rows) const;

 private:
  struct Built {
    std::string bytes;
    text::InvertedIndexReader text;
    text::SparseIndexReader sparse;
    int64_t rows = -1;
  };
  std::vector<std::string> sparse_names_;
  std::unique_ptr<text::Analyzer> analyzer_;  // null when the schema has no text
  text::InvertedIndexBuilder text_builder_;
  std::vector<text::SparseIndexBuilder> sparse_builders_;
  mutable std::mutex mu_;
  mutable Built text_built_;
  mutable std::vector<Built> sparse_built_;
};

}  // namespace ragdb::db
