// Segments: the units a collection's rows live in. One growing segment (in memory, rebuilt from
// the WAL on open) takes new writes; it is sealed into an immutable, memory-mapped segment file.
// Rows are numbered 0..rows()-1 within a segment; deletes are tombstones (a bitset per segment).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/bitset.h"
#include "base/huge_pages.h"
#include "db/filter_cache.h"
#include "db/text_segment_index.h"
#include "db/vector_segment_index.h"
#include "index/typed_rows.h"
#include "query/filter_eval.h"
#include "query/payload/growing_index.h"
#include "query/payload/stored_index.h"
#include "ragdb/record.h"
#include "ragdb/schema.h"
#include "ragdb/status.h"
#include "storage/segment_file.h"

namespace ragdb::db {

class Segment {
 public:
  virtual ~Segment() = default;

  virtual size_t rows() const = 0;
  virtual bool sealed() const = 0;
  virtual const PointId& id(size_t row) const = 0;
  // The vectors of the field at `field_index` in the schema, in the field's element type: row r
  // at rows(field).row(r) (zeros where has_vector says the record had none).
  virtual index::TypedRows rows(size_t field_index) const = 0;
  // Rows that hold a vector for the field (a record may leave a field out).
  const Bitset& has_vector(size_t field_index) const { return present_[field_index]; }
  // The vectors of the multi-vector field at `field_index` in schema.multi_vectors: row r holds
  // count(r) vectors of `dim` floats from row(r) on (none when it has no value for the field).
  struct MultiRows {
    const float* data = nullptr;
    const uint64_t* offsets = nullptr;  // rows() + 1, in vectors
    uint32_t dim = 0;
    size_t count(size_t r) const { return offsets[r + 1] - offsets[r]; }
    const float* row(size_t r) const { return data + offsets[r] * dim; }
  };
  virtual MultiRows multi_rows(size_t field_index) const = 0;
  // The HNSW graph over the token vectors of the multi-vector field at `field_index` (its rows
  // are the field's vectors in multi_rows order), when this segment has one.
  virtual const index::VectorIndex* multi_index(size_t field_index) const { return nullptr; }
  // Payload, text and sparse vectors of a row into `out` (id and dense vectors untouched).
  virtual Status ReadDocument(size_t row, Record* out) const = 0;
  // The approximate index of the vector field at `field_index`, when this segment has one.
  virtual const index::VectorIndex* vector_index(size_t field_index) const { return nullptr; }
  // Payload index on `path`, when this segment has one.
  virtual const PayloadIndex* payload_index(std::string_view path) const { return nullptr; }
  // BM25 index over rows()' text (null when the schema has no text), and the index of the sparse
  // field at `field_index` in schema.sparse_vectors.
  virtual const text::InvertedIndexReader* text_index() const { return nullptr; }
  virtual const text::SparseIndexReader* sparse_index(size_t field_index) const { return nullptr; }

  // Tombstones. Changed only through MarkDeleted / SetTombstones, under the owning collection's
  // exclusive lock, so that the searchable rows below stay in step.
  const Bitset& deleted() const { return deleted_; }
  // Hides a row (it was deleted or overwritten). Returns false when it already was.
  bool MarkDeleted(size_t row);
  // Replaces every tombstone (when a segment is opened with its tombstone file).
  void SetTombstones(std::vector<uint64_t> words);
  // Rows that are live: not deleted.
  Bitset LiveRows() const {
    Bitset live = deleted_;
    live.Flip();
    return live;
  }

  // What a search over vector field `f` may return: the live rows that hold a vector. `rows` is
  // null when that is every row of the segment, so searches without a filter take the
  // index's unfiltered path and allocate nothing; `count` says how many there are. Kept up to
  // date by writes (O(1) per row), so a search reads it instead of building it.
  struct Searchable {
    const Bitset* rows;
    size_t count;
  };
  Searchable SearchableRows(size_t f) const {
    return {searchable_count_[f] == rows() ? nullptr : &searchable_[f], searchable_count_[f]};
  }

  // The full record of a row.
  Status ReadRecord(const CollectionSchema& schema, size_t row, bool with_vectors,
                    Record* out) const;

 protected:
  // Recomputes searchable_ from present_ and deleted_ (after opening or loading tombstones).
  void RecomputeSearchable();
  // Grows the per-row bitsets by one row, with or without a vector per field (growing segment).
  void AppendRowBits(const std::vector<bool>& has_vector);

  Bitset deleted_;
  std::vector<Bitset> present_;     // per vector field: rows holding a vector
  std::vector<Bitset> searchable_;  // per vector field: present_ and not deleted_
  std::vector<size_t> searchable_count_;
};

class GrowingSegment final : public Segment {
 public:
  explicit GrowingSegment(const CollectionSchema& schema);

  // Appends a validated record (vectors already normalized where the metric needs it, and valid
  // for their element type), storing each vector in its field's element type.
  size_t Append(const Record& r);

  size_t rows() const override { return ids_.size(); }
  bool sealed() const override { return false; }
  const PointId& id(size_t row) const override { return ids_[row]; }
  index::TypedRows rows(size_t f) const override;
  MultiRows multi_rows(size_t f) const override {
    return {multi_data_[f].data(), multi_offsets_[f].data(), multi_dims_[f]};
  }
  Status ReadDocument(size_t row, Record* out) const override;
  const Json& payload(size_t row) const { return docs_[row].payload; }
  // Brings the payload indexes up to the rows appended so far. Called once per applied write
  // batch (under the collection's exclusive lock), so an index covers every row a search sees.
  void UpdatePayloadIndexes();
  const PayloadIndex* payload_index(std::string_view path) const override;
  const text::InvertedIndexReader* text_index() const override {
    return text_.text(static_cast<uint32_t>(rows()));
  }
  const text::SparseIndexReader* sparse_index(size_t f) const override {
    return text_.sparse(f, static_cast<uint32_t>(rows()));
  }

 private:
  std::vector<std::string> names_;
  std::vector<index::TypedRows> layouts_;  // type, metric, dim, row bytes (no data)
  std::vector<PointId> ids_;
  std::vector<HugeVector<uint8_t>> columns_;   // huge pages: every exact search scans them
  std::vector<std::vector<float>> inv_norms_;  // integer rows under cosine
  std::vector<Record> docs_;                   // payload, text, sparse only
  // Per multi-vector field: the vectors of every row, one after the other, and where each row's
  // begin (rows() + 1 offsets, in vectors).
  std::vector<std::vector<float>> multi_data_;
  std::vector<std::vector<uint64_t>> multi_offsets_;
  std::vector<uint32_t> multi_dims_;
  std::vector<std::string> multi_names_;
  GrowingTextIndex text_;
  std::vector<GrowingPayloadIndex> payload_indexes_;  // one per schema payload index
};

class SealedSegment final : public Segment {
 public:
  // Opens a segment file (checksums verified) for the given schema. `frugal`: memory-limited
  // (DatabaseOptions::memory_limit_bytes): verification releases its pages as it goes.
  static Result<std::unique_ptr<SealedSegment>> Open(const std::string& path,
                                                     const CollectionSchema& schema,
                                                     bool frugal = false);
  // Frugal mode: hands the pages read row by row (vector columns, documents) back to the page
  // cache; with `everything`, every page of the file (indexes too).
  void ReleasePages(bool everything) const;

  size_t rows() const override { return ids_.size(); }
  bool sealed() const override { return true; }
  const PointId& id(size_t row) const override { return ids_[row]; }
  index::TypedRows rows(size_t f) const override { return columns_[f]; }
  MultiRows multi_rows(size_t f) const override { return multi_[f]; }
  const index::VectorIndex* multi_index(size_t f) const override { return multi_indexes_[f].get(); }
  Status ReadDocument(size_t row, Record* out) const override;
  const PayloadIndex* payload_index(std::string_view path) const override;
  const index::VectorIndex* vector_index(size_t f) const override {
    return vector_indexes_[f].get();
  }
  const std::string& path() const { return file_->path(); }
  size_t file_size() const { return file_->file_size(); }
  std::vector<std::string> section_names() const { return file_->SectionNames(); }
  const text::InvertedIndexReader* text_index() const override { return text_.text(); }
  const text::SparseIndexReader* sparse_index(size_t f) const override { return text_.sparse(f); }

  // Forgets the payload index on `path` (the collection dropped it). Under the owning
  // collection's exclusive lock.
  void DropPayloadIndex(std::string_view path) {
    std::erase_if(payload_indexes_, [&](const auto& p) { return p.first == path; });
  }

  // Set when tombstones changed since the last checkpoint (they must be written out).
  bool tombstones_dirty = false;

  // Recent filter results (its payloads never change). Safe to use from concurrent searches.
  FilterCache& filter_cache() const { return filter_cache_; }

 private:
  std::unique_ptr<storage::SegmentFileReader> file_;
  std::vector<PointId> ids_;
  std::vector<index::TypedRows> columns_;                           // pointing into the mapped file
  std::vector<MultiRows> multi_;                                    // pointing into the mapped file
  std::vector<std::unique_ptr<index::VectorIndex>> multi_indexes_;  // per multi field, or null
  std::vector<std::vector<float>> inv_norms_;  // integer rows under cosine, computed at open
  const uint64_t* doc_offsets_ = nullptr;
  std::string_view doc_blob_;
  std::vector<std::pair<std::string, StoredPayloadIndex>> payload_indexes_;
  std::vector<std::unique_ptr<index::VectorIndex>> vector_indexes_;  // per vector field, or null
  SegmentTextIndex text_;
  mutable FilterCache filter_cache_;
};

// Progress of WriteSegment: (stage, rows done in the stage, rows): "documents" as rows are
// copied, then each vector index when it starts and when it ends.
using SegmentWriteProgress =
    std::function<void(std::string_view stage, uint64_t done, uint64_t total)>;

// Writes the live rows of `sources` into a new segment file at `path`, with payload indexes for
// the schema's indexed fields. Rows keep their order, unless there are at least
// `locality_order_min_rows` (> 0) of them: then they are stored in a locality order of the first
// HNSW-indexed float32 field (index/locality_order.h). Returns the number of rows written.
Result<size_t> WriteSegment(const std::string& path, const CollectionSchema& schema,
                            const std::vector<const Segment*>& sources,
                            size_t locality_order_min_rows = 0,
                            const SegmentWriteProgress& progress = nullptr);

// Adapts a segment to the filter evaluator. Decodes payloads of sealed segments into its own
// buffer, so use one per thread.
class SegmentFilterSource final : public FilterSource {
 public:
  explicit SegmentFilterSource(const Segment& s) : segment_(s) {}
  size_t rows() const override { return segment_.rows(); }
  const PayloadIndex* index(std::string_view path) const override {
    return segment_.payload_index(path);
  }
  const Json& payload(size_t row) const override;
  PointId id(size_t row) const override { return segment_.id(row); }

 private:
  const Segment& segment_;
  mutable Record buffer_;
};

}  // namespace ragdb::db
