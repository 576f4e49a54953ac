// Embedding functions: vector fields that compute their vectors from the record's text.
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

Status CollectionImpl::EmbedMissingVectors(const CollectionSchema& schema,
                                           std::vector<Record>* records) const {
  for (size_t f = 0; f < schema.vectors.size(); ++f) {
    if (schema.vectors[f].embedder.empty()) continue;
    const std::string& name = schema.vectors[f].name;
    std::vector<size_t> which;
    std::vector<std::string> texts;
    for (size_t i = 0; i < records->size(); ++i) {
      const Record& r = (*records)[i];
      if (r.text && !r.vectors.count(name)) {
        which.push_back(i);
        texts.push_back(*r.text);
      }
    }
    if (which.empty()) continue;
    RAGDB_ASSIGN_OR_RETURN(const Embedder* embedder, FieldEmbedder(f));
    auto vectors = embedder->Embed(texts, /*is_query=*/false);
    if (!vectors.ok())
      return vectors.status().WithContext("embedding text for field '" + name + "'");
    for (size_t j = 0; j < which.size(); ++j) {
      (*records)[which[j]].vectors[name] = std::move((*vectors)[j]);
    }
  }
  return Status::Ok();
}

}  // namespace ragdb::db
