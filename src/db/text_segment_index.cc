#include "db/text_segment_index.h"

#include <cmath>

namespace ragdb::db {

text::AnalyzerConfig AnalyzerConfigFor(const TextField& field) {
  text::AnalyzerConfig c;
  c.name = field.analyzer;
  c.stemmer = field.stemmer;
  c.stopwords = field.stopwords ? "lucene" : "none";
  c.min_gram = static_cast<int>(field.min_gram);
  c.max_gram = static_cast<int>(field.max_gram);
  return c;
}

Status ValidateTextField(const TextField& field) {
  if (field.min_gram > 64 || field.max_gram > 64) {
    return Status::InvalidArgument("schema.text: n-gram lengths must be at most 64");
  }
  auto analyzer = text::MakeAnalyzer(AnalyzerConfigFor(field));
  if (!analyzer.ok()) return analyzer.status().WithContext("schema.text");
  if (!std::isfinite(field.bm25.k1) || field.bm25.k1 < 0) {
    return Status::InvalidArgument("schema.text.bm25.k1 must be a finite number >= 0");
  }
  if (!(field.bm25.b >= 0 && field.bm25.b <= 1)) {
    return Status::InvalidArgument("schema.text.bm25.b must be in 0..1");
  }
  return Status::Ok();
}

text::Bm25Params Bm25For(const TextField& field) { return {field.bm25.k1, field.bm25.b}; }

std::string TextSectionName() { return "text/bm25"; }
std::string SparseSectionName(const std::string& field) { return "sparse/" + field; }

// ---- writing ----

Result<std::unique_ptr<SegmentTextWriter>> SegmentTextWriter::Make(const CollectionSchema& schema) {
  auto w = std::make_unique<SegmentTextWriter>();
  w->schema_ = &schema;
  if (schema.text) {
    RAGDB_ASSIGN_OR_RETURN(w->analyzer_, text::MakeAnalyzer(AnalyzerConfigFor(*schema.text)));
    w->text_.emplace();
  }
  w->sparse_.resize(schema.sparse_vectors.size());
  return w;
}

Status SegmentTextWriter::Add(uint32_t row, const Record& doc) {
  if (text_ && doc.text && !doc.text->empty()) {
    auto tokens = analyzer_->Analyze(*doc.text);
    if (!tokens.ok()) return tokens.status().WithContext("text of id " + doc.id.ToString());
    RAGDB_RETURN_IF_ERROR(text_->Add(row, *tokens));
  }
  for (size_t f = 0; f < sparse_.size(); ++f) {
    auto it = doc.sparse_vectors.find(schema_->sparse_vectors[f].name);
    if (it == doc.sparse_vectors.end()) continue;
    RAGDB_RETURN_IF_ERROR(sparse_[f].Add(row, it->second));
  }
  return Status::Ok();
}

Status SegmentTextWriter::Finish(uint32_t rows, storage::SegmentFileWriter* out) const {
  if (text_) RAGDB_RETURN_IF_ERROR(out->AddSection(TextSectionName(), text_->Finish(rows)));
  for (size_t f = 0; f < sparse_.size(); ++f) {
    RAGDB_RETURN_IF_ERROR(out->AddSection(SparseSectionName(schema_->sparse_vectors[f].name),
                                          sparse_[f].Finish(rows)));
  }
  return Status::Ok();
}

// ---- sealed ----

Result<SegmentTextIndex> SegmentTextIndex::Open(const storage::SegmentFileReader& file,
                                                const CollectionSchema& schema) {
  SegmentTextIndex index;
  auto check_rows = [&](uint32_t rows, const std::string& name) -> Status {
    if (rows != file.rows()) {
      return Status::Corruption(file.path() + ": section '" + name + "' covers " +
                                std::to_string(rows) + " rows, the segment has " +
                                std::to_string(file.rows()));
    }
    return Status::Ok();
  };
  if (schema.text) {
    RAGDB_ASSIGN_OR_RETURN(std::string_view bytes, file.Section(TextSectionName()));
    auto reader = text::InvertedIndexReader::Open(bytes);
    if (!reader.ok()) return reader.status().WithContext(file.path() + ": text index");
    RAGDB_RETURN_IF_ERROR(check_rows(reader->num_rows(), TextSectionName()));
    index.text_ = std::move(reader).value();
  }
  for (const auto& field : schema.sparse_vectors) {
    const std::string name = SparseSectionName(field.name);
    RAGDB_ASSIGN_OR_RETURN(std::string_view bytes, file.Section(name));
    auto reader = text::SparseIndexReader::Open(bytes);
    if (!reader.ok()) return reader.status().WithContext(file.path() + ": " + name);
    RAGDB_RETURN_IF_ERROR(check_rows(reader->num_rows(), name));
    index.sparse_.push_back(std::move(reader).value());
  }
  return index;
}

// ---- growing ----

GrowingTextIndex::GrowingTextIndex(const CollectionSchema& schema)
    : sparse_builders_(schema.sparse_vectors.size()), sparse_built_(schema.sparse_vectors.size()) {
  for (const auto& f : schema.sparse_vectors) sparse_names_.push_back(f.name);
  if (schema.text) {
    auto a = text::MakeAnalyzer(AnalyzerConfigFor(*schema.text));
    if (a.ok()) analyzer_ = std::move(a).value();  // the schema was validated
  }
}

void GrowingTextIndex::Append(uint32_t row, const Record& r) {
  if (analyzer_ && r.text && !r.text->empty()) {
    auto tokens = analyzer_->Analyze(*r.text);
    if (tokens.ok()) (void)text_builder_.Add(row, *tokens);
  }
  for (size_t f = 0; f < sparse_names_.size(); ++f) {
    auto it = r.sparse_vectors.find(sparse_names_[f]);
    if (it != r.sparse_vectors.end()) (void)sparse_builders_[f].Add(row, it->second);
  }
}

const text::InvertedIndexReader* GrowingTextIndex::text(uint32_t rows) const {
  if (!analyzer_) return nullptr;
  std::lock_guard lock(mu_);
  if (text_built_.rows != rows) {
    text_built_.bytes = text_builder_.Finish(rows);
    auto reader = text::InvertedIndexReader::Open(text_built_.bytes);
    if (!reader.ok()) return nullptr;  // our own fresh bytes: cannot happen
    text_built_.text = std::move(reader).value();
    text_built_.rows = rows;
  }
  return &text_built_.text;
}

const text::SparseIndexReader* GrowingTextIndex::sparse(size_t field, uint32_t rows) const {
  if (field >= sparse_builders_.size()) return nullptr;
  std::lock_guard lock(mu_);
  Built& b = sparse_built_[field];
  if (b.rows != rows) {
    b.bytes = sparse_builders_[field].Finish(rows);
    auto reader = text::SparseIndexReader::Open(b.bytes);
    if (!reader.ok()) return nullptr;
    b.sparse = std::move(reader).value();
    b.rows = rows;
  }
  return &b.sparse;
}

}  // namespace ragdb::db
