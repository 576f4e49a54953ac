// Embedding functions: vector fields that compute their vectors from the record's text or image
// (issue #16 added images: Record::image and SearchRequest::query_image, for fields whose
// embedder embeds images, i.e. CLIP). The image bytes are consumed here and never stored.
#include "db/collection_impl.h"

namespace ragdb::db {

Result<const Embedder*> CollectionImpl::FieldEmbedder(size_t field_index) const {
  const VectorField& field = schema_.vectors[field_index];
  if (field.embedder.empty()) return static_cast<const Embedder*>(nullptr);
  std::lock_guard<std::mutex> lock(embedders_mu_);
  auto it = embedders_.find(field_index);
  if (it != embedders_.end()) return static_cast<const Embedder*>(it->second.get());
  auto loaded = Embedder::Load(field.embedder);
  if (!loaded.ok()) {
    return loaded.status().WithContext("embedder '" + field.embedder + "' of vector field '" +
                                       field.name + "'");
  }
  if ((*loaded)->dim() != field.dim) {
    return Status::InvalidArgument("embedder '" + field.embedder + "' makes " +
                                   std::to_string((*loaded)->dim()) + "-d vectors but field '" +
                                   field.name + "' has dimension " + std::to_string(field.dim));
  }
  const Embedder* e = loaded->get();
  embedders_.emplace(field_index, std::move(loaded).value());
  return e;
}

namespace {

// For every field of `fields` that has an embedder: the records that have text but no value in
// `values` (a Record member: name -> value) for the field get one, embedded from their text by
// `embed(field index, texts)`. `kind` names the fields in errors ("sparse", "multi-vector").
template <typename Field, typename Values, typename Embed>
Status FillFromText(const std::vector<Field>& fields, Values Record::*values, const char* kind,
                    std::vector<Record>* records, Embed&& embed) {
  for (size_t f = 0; f < fields.size(); ++f) {
    const Field& field = fields[f];
    if (field.embedder.empty()) continue;
    std::vector<size_t> rows;
    std::vector<std::string> texts;
    for (size_t i = 0; i < records->size(); ++i) {
      const Record& r = (*records)[i];
      if (r.text && (r.*values).count(field.name) == 0) {
        rows.push_back(i);
        texts.push_back(*r.text);
      }
    }
    if (texts.empty()) continue;
    auto embedded = embed(f, texts);
    if (!embedded.ok()) {
      return embedded.status().WithContext(std::string("embedding text for ") + kind + " field '" +
                                           field.name + "'");
    }
    for (size_t j = 0; j < rows.size(); ++j) {
      ((*records)[rows[j]].*values)[field.name] = std::move((*embedded)[j]);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<const SparseEmbedder*> CollectionImpl::FieldSparseEmbedder(size_t field_index) const {
  const SparseVectorField& field = schema_.sparse_vectors[field_index];
  if (field.embedder.empty()) return static_cast<const SparseEmbedder*>(nullptr);
  std::lock_guard<std::mutex> lock(embedders_mu_);
  auto it = sparse_embedders_.find(field_index);
  if (it != sparse_embedders_.end()) return static_cast<const SparseEmbedder*>(it->second.get());
  auto loaded = SparseEmbedder::Load(field.embedder);
  if (!loaded.ok()) {
    return loaded.status().WithContext("embedder '" + field.embedder +
                                       "' of sparse vector field '" + field.name + "'");
  }
  const SparseEmbedder* e = loaded->get();
  sparse_embedders_.emplace(field_index, std::move(loaded).value());
  return e;
}

Status CollectionImpl::EmbedMissingSparse(const CollectionSchema& schema,
                                          std::vector<Record>* records) const {
  return FillFromText(
      schema.sparse_vectors, &Record::sparse_vectors, "sparse", records,
      [&](size_t f, const std::vector<std::string>& texts) -> Result<std::vector<SparseVector>> {
        RAGDB_ASSIGN_OR_RETURN(const SparseEmbedder* e, FieldSparseEmbedder(f));
        return e->Embed(texts);
      });
}

Result<const MultiVectorEmbedder*> CollectionImpl::FieldMultiEmbedder(size_t field_index) const {
  const MultiVectorField& field = schema_.multi_vectors[field_index];
  if (field.embedder.empty()) return static_cast<const MultiVectorEmbedder*>(nullptr);
  std::lock_guard<std::mutex> lock(embedders_mu_);
  auto it = multi_embedders_.find(field_index);
  if (it != multi_embedders_.end()) {
    return static_cast<const MultiVectorEmbedder*>(it->second.get());
  }
  auto loaded = MultiVectorEmbedder::Load(field.embedder);
  if (!loaded.ok()) {
    return loaded.status().WithContext("embedder '" + field.embedder + "' of multi-vector field '" +
                                       field.name + "'");
  }
  if ((*loaded)->dim() != field.dim) {
    return Status::InvalidArgument("embedder '" + field.embedder + "' makes vectors of " +
                                   std::to_string((*loaded)->dim()) + " dimensions, but " +
                                   "multi-vector field '" + field.name + "' has " +
                                   std::to_string(field.dim));
  }
  const MultiVectorEmbedder* e = loaded->get();
  multi_embedders_.emplace(field_index, std::move(loaded).value());
  return e;
}

Status CollectionImpl::EmbedMissingMulti(const CollectionSchema& schema,
                                         std::vector<Record>* records) const {
  return FillFromText(
      schema.multi_vectors, &Record::multi_vectors, "multi-vector", records,
      [&](size_t f, const std::vector<std::string>& texts) -> Result<std::vector<MultiVector>> {
        RAGDB_ASSIGN_OR_RETURN(const MultiVectorEmbedder* e, FieldMultiEmbedder(f));
        return e->EmbedDocuments(texts);
      });
}

Status CollectionImpl::EmbedMissingVectors(const CollectionSchema& schema,
                                           std::vector<Record>* records) const {
  RAGDB_RETURN_IF_ERROR(EmbedMissingSparse(schema, records));
  RAGDB_RETURN_IF_ERROR(EmbedMissingMulti(schema, records));
  bool any_image_field = false;
  for (size_t f = 0; f < schema.vectors.size(); ++f) {
    if (schema.vectors[f].embedder.empty()) continue;
    const std::string& name = schema.vectors[f].name;
    bool has_work = false;
    for (const Record& r : *records) {
      has_work = has_work || ((r.text || r.image) && !r.vectors.count(name));
    }
    if (!has_work) continue;
    RAGDB_ASSIGN_OR_RETURN(const Embedder* embedder, FieldEmbedder(f));
    const bool images = embedder->embeds_images();
    any_image_field = any_image_field || images;
    // An image field embeds the record's image when it has one, else its text (CLIP's towers
    // share one space); a text field embeds the text.
    std::vector<size_t> text_rows, image_rows;
    std::vector<std::string> texts, pictures;
    for (size_t i = 0; i < records->size(); ++i) {
      const Record& r = (*records)[i];
      if (r.vectors.count(name)) continue;
      if (images && r.image) {
        image_rows.push_back(i);
        pictures.push_back(*r.image);
      } else if (r.text) {
        text_rows.push_back(i);
        texts.push_back(*r.text);
      }
    }
    if (!texts.empty()) {
      auto vectors = embedder->Embed(texts, /*is_query=*/false);
      if (!vectors.ok()) {
        return vectors.status().WithContext("embedding text for field '" + name + "'");
      }
      for (size_t j = 0; j < text_rows.size(); ++j) {
        (*records)[text_rows[j]].vectors[name] = std::move((*vectors)[j]);
      }
    }
    if (!pictures.empty()) {
      auto vectors = embedder->EmbedImages(pictures);
      if (!vectors.ok()) {
        // The embedder names the failing image by its index among `pictures`; name the record.
        Status st = vectors.status();
        for (size_t j = 0; j < image_rows.size(); ++j) {
          auto one = embedder->EmbedImages(std::span<const std::string>(&pictures[j], 1));
          if (!one.ok()) {
            const Record& r = (*records)[image_rows[j]];
            return Status(one.status().code(), "record " + std::to_string(image_rows[j]) + " (id " +
                                                   r.id.ToString() + "): image for field '" + name +
                                                   "': " + one.status().message());
          }
        }
        return st;
      }
      for (size_t j = 0; j < image_rows.size(); ++j) {
        (*records)[image_rows[j]].vectors[name] = std::move((*vectors)[j]);
      }
    }
  }
  for (size_t i = 0; i < records->size(); ++i) {
    Record& r = (*records)[i];
    if (!r.image) continue;
    // An image that no field embeds would be dropped silently: refuse it instead.
    if (!any_image_field) {
      for (size_t f = 0; f < schema.vectors.size() && !any_image_field; ++f) {
        if (schema.vectors[f].embedder.empty()) continue;
        RAGDB_ASSIGN_OR_RETURN(const Embedder* e, FieldEmbedder(f));
        any_image_field = e->embeds_images();
      }
    }
    if (!any_image_field) {
      return Status::InvalidArgument("record " + std::to_string(i) + " (id " + r.id.ToString() +
                                     ") has an image but no vector field of collection '" + name_ +
                                     "' embeds images (create one with --embedder " +
                                     "clip:MODEL)");
    }
    r.image.reset();  // consumed: never stored, and not kept in memory with the record
  }
  return Status::Ok();
}

Result<std::vector<float>> CollectionImpl::EmbedQuery(const SearchRequest& request,
                                                      size_t field_index) const {
  const VectorField& field = schema_.vectors[field_index];
  RAGDB_ASSIGN_OR_RETURN(const Embedder* embedder, FieldEmbedder(field_index));
  if (embedder == nullptr) {
    return Status::InvalidArgument("vector field '" + field.name + "' has no embedder, so a " +
                                   (request.query_image ? "query image" : "text query") +
                                   " needs a vector");
  }
  if (request.query_image) {
    if (!embedder->embeds_images()) {
      return Status::InvalidArgument("the embedder '" + field.embedder + "' of vector field '" +
                                     field.name + "' does not embed images (use clip:MODEL)");
    }
    RAGDB_ASSIGN_OR_RETURN(
        auto v, embedder->EmbedImages(std::span<const std::string>(&*request.query_image, 1)));
    return std::move(v[0]);
  }
  RAGDB_ASSIGN_OR_RETURN(
      auto v,
      embedder->Embed(std::span<const std::string>(&*request.query_text, 1), /*is_query=*/true));
  return std::move(v[0]);
}

}  // namespace ragdb::db
