#include "db/segment.h"

#include <cstring>

#include "base/bytes.h"
#include "base/thread_pool.h"
#include "index/locality_order.h"
#include "simd/elements.h"
#include "storage/record_codec.h"

namespace ragdb::db {
namespace {

// Section names inside a segment file (docs/format-segment.md).
constexpr const char* kIdsSection = "ids";
constexpr const char* kDocOffsetsSection = "docs.offsets";
constexpr const char* kDocsSection = "docs";
std::string PayloadIndexSection(const std::string& path) { return "pidx/" + path; }
std::string MultiSection(const std::string& field) { return "multi/" + field; }
std::string MultiOffsetsSection(const std::string& field) { return "multi.offsets/" + field; }
std::string MultiIndexSection(const std::string& field) { return "multi.index/" + field; }

// Whether a segment with `tokens` token vectors of the field gets a token index: the field asks
// for one and the segment has enough vectors for it to pay.
bool WillBuildTokenIndex(const MultiVectorField& field, size_t tokens) {
  return field.index.type == IndexType::kHnsw && tokens >= kMinRowsForVectorIndex;
}

// The token-vector HNSW of a multi-vector field (MultiVectorField::index), as a section.
Status AddMultiIndexSection(const MultiVectorField& field, const std::vector<float>& data,
                            storage::SegmentFileWriter* writer) {
  const size_t tokens = data.size() / field.dim;
  if (!WillBuildTokenIndex(field, tokens)) return Status::Ok();
  index::IndexConfig config;
  config.kind = index::IndexKind::kHnsw;
  config.metric = Metric::kIp;  // cosine fields store unit vectors
  config.dim = field.dim;
  config.m = field.index.m;
  config.ef_construction = field.index.ef_construction;
  ThreadPool pool;
  auto built = index::BuildIndex(config, data.data(), tokens, &pool);
  if (!built.ok()) {
    return built.status().WithContext("building the token index of multi-vector field '" +
                                      field.name + "'");
  }
  std::string bytes;
  RAGDB_RETURN_IF_ERROR((*built)->Serialize(&bytes));
  return writer->AddSection(MultiIndexSection(field.name), bytes);
}

std::string_view AsBytes(const void* p, size_t n) { return {static_cast<const char*>(p), n}; }

// A field's row layout, without data.
index::TypedRows Layout(const VectorField& v) {
  index::TypedRows t;
  t.type = v.element_type;
  t.metric = v.metric;
  t.dim = v.dim;
  t.row_bytes = simd::ElementRowBytes(v.element_type, v.dim);
  return t;
}

}  // namespace

Status Segment::ReadRecord(const CollectionSchema& schema, size_t row, bool with_vectors,
                           Record* out) const {
  out->id = id(row);
  out->vectors.clear();
  out->sparse_vectors.clear();
  out->multi_vectors.clear();
  RAGDB_RETURN_IF_ERROR(ReadDocument(row, out));
  if (with_vectors) {
    for (size_t f = 0; f < schema.multi_vectors.size(); ++f) {
      const MultiRows m = multi_rows(f);
      if (m.count(row) == 0) continue;
      MultiVector& out_m = out->multi_vectors[schema.multi_vectors[f].name];
      for (size_t t = 0; t < m.count(row); ++t) {
        const float* v = m.row(row) + t * m.dim;
        out_m.emplace_back(v, v + m.dim);
      }
    }
    for (size_t f = 0; f < schema.vectors.size(); ++f) {
      if (!has_vector(f).Test(row)) continue;
      const index::TypedRows col = rows(f);
      std::vector<float> v(col.dim);
      simd::DecodeElements(col.type, col.row(row), col.dim, v.data());
      out->vectors[schema.vectors[f].name] = std::move(v);
    }
  } else {
    out->sparse_vectors.clear();
  }
  return Status::Ok();
}

bool Segment::MarkDeleted(size_t row) {
  if (deleted_.Test(row)) return false;
  deleted_.Set(row);
  for (size_t f = 0; f < searchable_.size(); ++f) {
    if (searchable_[f].Test(row)) {
      searchable_[f].Reset(row);
      --searchable_count_[f];
    }
  }
  return true;
}

void Segment::SetTombstones(std::vector<uint64_t> words) {
  deleted_.mutable_words() = std::move(words);
  RecomputeSearchable();
}

void Segment::RecomputeSearchable() {
  searchable_.assign(present_.begin(), present_.end());
  searchable_count_.resize(present_.size());
  for (size_t f = 0; f < present_.size(); ++f) {
    searchable_[f].AndNot(deleted_);
    searchable_count_[f] = searchable_[f].Count();
  }
}

void Segment::AppendRowBits(const std::vector<bool>& has_vector) {
  const size_t row = deleted_.size();
  deleted_.Resize(row + 1);
  searchable_.resize(present_.size());
  searchable_count_.resize(present_.size());
  for (size_t f = 0; f < present_.size(); ++f) {
    present_[f].Resize(row + 1);
    searchable_[f].Resize(row + 1);
    if (has_vector[f]) {
      present_[f].Set(row);
      searchable_[f].Set(row);
      ++searchable_count_[f];
    }
  }
}

GrowingSegment::GrowingSegment(const CollectionSchema& schema) : text_(schema) {
  for (const auto& p : schema.payload_indexes) payload_indexes_.emplace_back(p);
  for (const auto& v : schema.vectors) {
    names_.push_back(v.name);
    layouts_.push_back(Layout(v));
  }
  for (const auto& m : schema.multi_vectors) {
    multi_names_.push_back(m.name);
    multi_dims_.push_back(m.dim);
    multi_offsets_.push_back({0});
  }
  multi_data_.resize(multi_dims_.size());
  columns_.resize(layouts_.size());
  inv_norms_.resize(layouts_.size());
  present_.resize(layouts_.size());
  RecomputeSearchable();
}

index::TypedRows GrowingSegment::rows(size_t f) const {
  index::TypedRows t = layouts_[f];
  t.data = columns_[f].data();
  if (!inv_norms_[f].empty()) t.inv_norms = inv_norms_[f].data();
  return t;
}

size_t GrowingSegment::Append(const Record& r) {
  size_t row = ids_.size();
  ids_.push_back(r.id);
  std::vector<bool> has(layouts_.size());
  for (size_t f = 0; f < layouts_.size(); ++f) has[f] = r.vectors.count(names_[f]) > 0;
  AppendRowBits(has);
  for (size_t f = 0; f < layouts_.size(); ++f) {
    const index::TypedRows& layout = layouts_[f];
    columns_[f].resize((row + 1) * layout.row_bytes, 0);
    auto it = r.vectors.find(names_[f]);
    if (it != r.vectors.end()) {
      simd::EncodeElements(layout.type, it->second.data(), layout.dim,
                           &columns_[f][row * layout.row_bytes]);
    }
    if (index::NeedsInverseNorms(layout.type, layout.metric)) {
      index::ComputeInverseNorms(rows(f), row, row + 1, &inv_norms_[f]);
    }
  }
  for (size_t f = 0; f < multi_names_.size(); ++f) {
    auto it = r.multi_vectors.find(multi_names_[f]);
    if (it != r.multi_vectors.end()) {
      for (const auto& v : it->second) {
        multi_data_[f].insert(multi_data_[f].end(), v.begin(), v.end());
      }
    }
    multi_offsets_[f].push_back(multi_data_[f].size() / multi_dims_[f]);
  }
  Record doc;
  doc.payload = r.payload;
  doc.text = r.text;
  doc.sparse_vectors = r.sparse_vectors;
  docs_.push_back(std::move(doc));
  text_.Append(static_cast<uint32_t>(row), r);
  return row;
}

void GrowingSegment::UpdatePayloadIndexes() {
  for (size_t i = 0; i < payload_indexes_.size(); ++i) {
    Status s = payload_indexes_[i].Extend(rows(), [this](size_t r) { return &docs_[r].payload; });
    // Only a path the schema would have refused fails; filters then read the payloads.
    if (!s.ok()) payload_indexes_.erase(payload_indexes_.begin() + static_cast<ptrdiff_t>(i--));
  }
}

const PayloadIndex* GrowingSegment::payload_index(std::string_view path) const {
  for (const GrowingPayloadIndex& index : payload_indexes_) {
    if (index.path() == path && index.rows() == rows()) return &index;
  }
  return nullptr;
}

Status GrowingSegment::ReadDocument(size_t row, Record* out) const {
  const Record& d = docs_[row];
  out->payload = d.payload;
  out->text = d.text;
  out->sparse_vectors = d.sparse_vectors;
  return Status::Ok();
}

Result<std::unique_ptr<SealedSegment>> SealedSegment::Open(const std::string& path,
                                                           const CollectionSchema& schema,
                                                           bool frugal) {
  std::unique_ptr<SealedSegment> s(new SealedSegment());
  RAGDB_ASSIGN_OR_RETURN(s->file_, storage::SegmentFileReader::Open(path, /*verify=*/true, frugal));
  const size_t rows = s->file_->rows();
  auto corrupt = [&](const std::string& what) { return Status::Corruption(path + ": " + what); };

  RAGDB_ASSIGN_OR_RETURN(std::string_view ids, s->file_->Section(kIdsSection));
  ByteReader in(ids);
  s->ids_.resize(rows);
  for (size_t r = 0; r < rows; ++r) {
    if (!storage::DecodeId(&in, &s->ids_[r])) return corrupt("bad id at row " + std::to_string(r));
  }
  if (!in.empty()) return corrupt("trailing bytes after ids");

  RAGDB_ASSIGN_OR_RETURN(std::string_view offsets, s->file_->Section(kDocOffsetsSection));
  RAGDB_ASSIGN_OR_RETURN(s->doc_blob_, s->file_->Section(kDocsSection));
  if (offsets.size() != (rows + 1) * 8) return corrupt("document offsets have the wrong size");
  s->doc_offsets_ = reinterpret_cast<const uint64_t*>(offsets.data());
  for (size_t r = 0; r < rows; ++r) {
    if (s->doc_offsets_[r] > s->doc_offsets_[r + 1]) return corrupt("document offsets decrease");
  }
  if (s->doc_offsets_[0] != 0 || s->doc_offsets_[rows] != s->doc_blob_.size()) {
    return corrupt("document offsets do not cover the documents");
  }

  for (const auto& field : schema.vectors) {
    RAGDB_ASSIGN_OR_RETURN(std::string_view vec, s->file_->Section(VectorSection(field.name)));
    index::TypedRows col = Layout(field);
    // The element type comes from the schema: a column written for another type has another size.
    if (vec.size() != rows * col.row_bytes) {
      return corrupt("vector column '" + field.name + "' has the wrong size for " +
                     std::to_string(rows) + " rows of " + std::to_string(field.dim) + " " +
                     std::string(ElementTypeName(field.element_type)) + " components");
    }
    col.data = reinterpret_cast<const uint8_t*>(vec.data());
    s->inv_norms_.emplace_back();
    if (index::NeedsInverseNorms(col.type, col.metric)) {
      index::ComputeInverseNorms(col, 0, rows, &s->inv_norms_.back());
      col.inv_norms = s->inv_norms_.back().data();
    }
    s->columns_.push_back(col);
    RAGDB_ASSIGN_OR_RETURN(std::string_view has, s->file_->Section(PresenceSection(field.name)));
    Bitset present(rows);
    if (has.size() != present.words().size() * 8) {
      return corrupt("vector presence of '" + field.name + "' has the wrong size");
    }
    std::memcpy(present.mutable_words().data(), has.data(), has.size());
    s->present_.push_back(std::move(present));
  }
  for (const auto& field : schema.multi_vectors) {
    RAGDB_ASSIGN_OR_RETURN(std::string_view data, s->file_->Section(MultiSection(field.name)));
    RAGDB_ASSIGN_OR_RETURN(std::string_view offsets,
                           s->file_->Section(MultiOffsetsSection(field.name)));
    const std::string what = "multi-vector '" + field.name + "'";
    if (offsets.size() != (rows + 1) * 8) return corrupt(what + ": offsets have the wrong size");
    MultiRows m;
    m.offsets = reinterpret_cast<const uint64_t*>(offsets.data());
    m.data = reinterpret_cast<const float*>(data.data());
    m.dim = field.dim;
    for (size_t r = 0; r < rows; ++r) {
      if (m.offsets[r] > m.offsets[r + 1]) return corrupt(what + ": offsets decrease");
    }
    if (m.offsets[0] != 0 || m.offsets[rows] * field.dim * sizeof(float) != data.size()) {
      return corrupt(what + ": offsets do not cover the vectors");
    }
    s->multi_.push_back(m);
    std::unique_ptr<index::VectorIndex> token_index;
    if (const std::string section = MultiIndexSection(field.name); s->file_->Has(section)) {
      RAGDB_ASSIGN_OR_RETURN(std::string_view bytes, s->file_->Section(section));
      index::OpenOptions options;
      options.verify_checksums = false;  // the segment file verified the section
      auto opened = index::OpenIndex(bytes, m.data, m.offsets[rows], options);
      if (!opened.ok()) return opened.status().WithContext(path + ": section '" + section + "'");
      if ((*opened)->dim() != field.dim || (*opened)->kind() != index::IndexKind::kHnsw ||
          (*opened)->metric() != Metric::kIp) {
        return corrupt(what + ": the token index does not match the field");
      }
      token_index = std::move(opened).value();
    }
    s->multi_indexes_.push_back(std::move(token_index));
  }
  RAGDB_ASSIGN_OR_RETURN(s->vector_indexes_,
                         OpenVectorIndexes(*s->file_, schema, s->columns_, rows));
  for (const auto& pi : schema.payload_indexes) {
    std::string name = PayloadIndexSection(pi.path);
    if (!s->file_->Has(name)) continue;  // declared after this segment was written
    RAGDB_ASSIGN_OR_RETURN(std::string_view bytes, s->file_->Section(name));
    auto index = StoredPayloadIndex::Load(bytes);
    if (!index.ok()) return index.status().WithContext(path + ": payload index '" + pi.path + "'");
    s->payload_indexes_.emplace_back(pi.path, std::move(index).value());
  }
  RAGDB_ASSIGN_OR_RETURN(s->text_, SegmentTextIndex::Open(*s->file_, schema));
  s->deleted_ = Bitset(rows);
  s->RecomputeSearchable();
  if (frugal) s->ReleasePages(/*everything=*/true);  // what opening read (ids, norms, indexes)
  return s;
}

void SealedSegment::ReleasePages(bool everything) const {
  if (everything) {
    file_->ReleasePages();
    return;
  }
  for (const index::TypedRows& col : columns_) {
    file_->ReleasePages(
        std::string_view(reinterpret_cast<const char*>(col.data), col.row_bytes * rows()));
  }
  file_->ReleasePages(doc_blob_);
}

Status SealedSegment::ReadDocument(size_t row, Record* out) const {
  std::string_view bytes =
      doc_blob_.substr(doc_offsets_[row], doc_offsets_[row + 1] - doc_offsets_[row]);
  // DecodeDocument adds sparse vectors without clearing (std::map::emplace keeps old entries), so
  // a reused Record would carry the previous row's vectors into this one.
  out->sparse_vectors.clear();
  Status s = storage::DecodeDocument(bytes, out);
  if (!s.ok()) return s.WithContext(path() + ": row " + std::to_string(row));
  return s;
}

const PayloadIndex* SealedSegment::payload_index(std::string_view path) const {
  for (const auto& [p, index] : payload_indexes_) {
    if (p == path && index.rows() == rows()) return &index;
  }
  return nullptr;
}

const Json& SegmentFilterSource::payload(size_t row) const {
  static const Json kNull;
  // A growing segment holds its payloads as Json: read them in place. Copying the whole
  // document (payload, text, sparse vectors) per row made every filter scan of a growing
  // segment allocation-bound.
  if (!segment_.sealed()) return static_cast<const GrowingSegment&>(segment_).payload(row);
  if (!segment_.ReadDocument(row, &buffer_).ok()) return kNull;  // checksummed at open
  return buffer_.payload;
}

namespace {

using SourceRows = std::vector<std::pair<const Segment*, size_t>>;

// Puts `rows` in a locality order of the first HNSW-indexed float32 field; rows without that
// vector go last, in their order.
void OrderForLocality(const CollectionSchema& schema, size_t min_rows, SourceRows* rows) {
  if (min_rows == 0 || rows->size() < min_rows) return;
  size_t f = 0;
  while (f < schema.vectors.size() && !(schema.vectors[f].index.type == IndexType::kHnsw &&
                                        schema.vectors[f].element_type == ElementType::kFloat32)) {
    ++f;
  }
  if (f == schema.vectors.size()) return;
  std::vector<size_t> with, without;
  for (size_t i = 0; i < rows->size(); ++i) {
    const auto& [s, r] = (*rows)[i];
    (s->has_vector(f).Test(r) ? with : without).push_back(i);
  }
  if (with.size() < min_rows) return;
  auto row = [&](size_t i) {
    const auto& [s, r] = (*rows)[with[i]];
    return reinterpret_cast<const float*>(s->rows(f).row(r));
  };
  ThreadPool pool;
  std::vector<uint32_t> order =
      index::LocalityOrder(with.size(), schema.vectors[f].dim, row, /*seed=*/42, &pool);
  SourceRows out;
  out.reserve(rows->size());
  for (uint32_t i : order) out.push_back((*rows)[with[i]]);
  for (size_t i : without) out.push_back((*rows)[i]);
  *rows = std::move(out);
}

}  // namespace

Result<size_t> WriteSegment(const std::string& path, const CollectionSchema& schema,
                            const std::vector<const Segment*>& sources,
                            size_t locality_order_min_rows, const SegmentWriteProgress& progress) {
  // Gather the live rows.
  SourceRows rows;
  for (const Segment* s : sources) {
    s->LiveRows().ForEach([&](size_t r) { rows.emplace_back(s, r); });
  }
  OrderForLocality(schema, locality_order_min_rows, &rows);
  const size_t n = rows.size();
  auto report = [&](std::string_view stage, size_t done) {
    if (progress) progress(stage, done, n);
  };
  report("documents", 0);
  RAGDB_ASSIGN_OR_RETURN(auto w, storage::SegmentFileWriter::Create(path, n));

  std::string ids;
  for (const auto& [s, r] : rows) storage::EncodeId(s->id(r), &ids);
  RAGDB_RETURN_IF_ERROR(w->AddSection(kIdsSection, ids));
  ids.clear();
  ids.shrink_to_fit();

  std::vector<uint64_t> offsets{0};
  std::string docs;
  std::vector<Json> payloads;
  payloads.reserve(schema.payload_indexes.empty() ? 0 : n);
  Record doc;
  RAGDB_ASSIGN_OR_RETURN(auto text_writer, SegmentTextWriter::Make(schema));
  for (const auto& [s, r] : rows) {
    RAGDB_RETURN_IF_ERROR(s->ReadDocument(r, &doc));
    doc.id = s->id(r);
    RAGDB_RETURN_IF_ERROR(text_writer->Add(static_cast<uint32_t>(offsets.size() - 1), doc));
    storage::EncodeDocument(doc, &docs);
    offsets.push_back(docs.size());
    if (!schema.payload_indexes.empty()) payloads.push_back(std::move(doc.payload));
    if (offsets.size() % 4096 == 1) report("documents", offsets.size() - 1);
  }
  RAGDB_RETURN_IF_ERROR(
      w->AddSection(kDocOffsetsSection, AsBytes(offsets.data(), offsets.size() * 8)));
  RAGDB_RETURN_IF_ERROR(w->AddSection(kDocsSection, docs));
  docs.clear();
  docs.shrink_to_fit();
  RAGDB_RETURN_IF_ERROR(text_writer->Finish(static_cast<uint32_t>(n), w.get()));

  for (size_t f = 0; f < schema.vectors.size(); ++f) {
    const size_t row_bytes = Layout(schema.vectors[f]).row_bytes;
    // Stored in the field's element type; float32 rows stay 4-byte aligned for the index.
    std::vector<float> buffer((n * row_bytes + 3) / 4, 0.0f);
    auto* column = reinterpret_cast<uint8_t*>(buffer.data());
    Bitset present(n);
    for (size_t i = 0; i < n; ++i) {
      const auto& [s, r] = rows[i];
      if (!s->has_vector(f).Test(r)) continue;
      present.Set(i);
      std::memcpy(column + i * row_bytes, s->rows(f).row(r), row_bytes);
    }
    const std::string& name = schema.vectors[f].name;
    RAGDB_RETURN_IF_ERROR(w->AddSection(VectorSection(name), AsBytes(column, n * row_bytes)));
    RAGDB_RETURN_IF_ERROR(w->AddSection(
        PresenceSection(name), AsBytes(present.words().data(), present.words().size() * 8)));
    const bool indexed = WillBuildVectorIndex(schema.vectors[f], n);
    const std::string stage = std::string(IndexTypeName(schema.vectors[f].index.type)) + " index" +
                              (name.empty() ? "" : " '" + name + "'");
    if (indexed) report(stage, 0);
    RAGDB_RETURN_IF_ERROR(AddVectorIndexSection(schema.vectors[f], column, n, present, w.get()));
    if (indexed) report(stage, n);
  }

  for (size_t f = 0; f < schema.multi_vectors.size(); ++f) {
    const uint32_t dim = schema.multi_vectors[f].dim;
    std::vector<float> data;
    std::vector<uint64_t> offsets{0};
    offsets.reserve(n + 1);
    for (const auto& [s, r] : rows) {
      const Segment::MultiRows m = s->multi_rows(f);
      data.insert(data.end(), m.row(r), m.row(r) + m.count(r) * dim);
      offsets.push_back(data.size() / dim);
    }
    const std::string& name = schema.multi_vectors[f].name;
    RAGDB_RETURN_IF_ERROR(
        w->AddSection(MultiSection(name), AsBytes(data.data(), data.size() * sizeof(float))));
    RAGDB_RETURN_IF_ERROR(
        w->AddSection(MultiOffsetsSection(name), AsBytes(offsets.data(), offsets.size() * 8)));
    const bool indexed = WillBuildTokenIndex(schema.multi_vectors[f], data.size() / dim);
    const std::string stage = "token index '" + name + "'";
    if (indexed) report(stage, 0);
    RAGDB_RETURN_IF_ERROR(AddMultiIndexSection(schema.multi_vectors[f], data, w.get()));
    if (indexed) report(stage, n);
  }

  if (!schema.payload_indexes.empty()) {
    std::vector<const Json*> ptrs;
    ptrs.reserve(n);
    for (const Json& p : payloads) ptrs.push_back(&p);
    for (const auto& field : schema.payload_indexes) {
      RAGDB_ASSIGN_OR_RETURN(StoredPayloadIndex index, StoredPayloadIndex::Build(field, ptrs));
      std::string bytes;
      index.AppendTo(&bytes);
      RAGDB_RETURN_IF_ERROR(w->AddSection(PayloadIndexSection(field.path), bytes));
    }
  }
  RAGDB_RETURN_IF_ERROR(w->Finish());
  return n;
}

}  // namespace ragdb::db
