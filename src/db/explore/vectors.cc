// Changing some vectors of stored records (Collection::UpdateVectors / DeleteVectors): each record
// is read, changed and written back as one upsert, like SetPayload (not atomic against a
// concurrent write to the same record, which one of the two then overwrites).
#include <algorithm>

#include "db/collection_impl.h"

namespace ragdb::db {

Status CollectionImpl::UpdateVectors(std::span<const Record> records) {
  std::vector<PointId> ids;
  ids.reserve(records.size());
  for (const Record& r : records) ids.push_back(r.id);
  RAGDB_ASSIGN_OR_RETURN(std::vector<Record> stored, GetMany(ids, /*with_vectors=*/true));
  std::map<PointId, Record*> by_id;
  for (Record& r : stored) by_id[r.id] = &r;
  for (const Record& change : records) {
    auto it = by_id.find(change.id);
    if (it == by_id.end()) {
      return Status::NotFound("No point with id " + change.id.ToString() + " found");
    }
    if (change.vectors.empty() && change.sparse_vectors.empty() && change.multi_vectors.empty()) {
      return Status::InvalidArgument("point " + change.id.ToString() + ": no vectors to update");
    }
    for (const auto& [name, v] : change.vectors) it->second->vectors[name] = v;
    for (const auto& [name, v] : change.sparse_vectors) it->second->sparse_vectors[name] = v;
    for (const auto& [name, m] : change.multi_vectors) it->second->multi_vectors[name] = m;
  }
  // A record named twice takes its changes in order: the map above merged them into one.
  std::vector<Record> merged;
  for (auto& [id, r] : by_id) merged.push_back(std::move(*r));
  return Upsert(merged);
}

Result<size_t> CollectionImpl::DeleteVectors(std::span<const PointId> ids,
                                             std::span<const std::string> fields) {
  if (fields.empty()) return Status::InvalidArgument("delete vectors: no vector names given");
  {
    CollectionSchema s = schema();
    for (const std::string& name : fields) {
      const VectorField* dense = s.FindVector(name);
      bool sparse = std::any_of(s.sparse_vectors.begin(), s.sparse_vectors.end(),
                                [&](const SparseVectorField& f) { return f.name == name; });
      if (dense == nullptr && !sparse && s.FindMultiVector(name) == nullptr) {
        return Status::InvalidArgument("collection '" + name_ + "' has no vector field '" + name +
                                       "'");
      }
      if (dense != nullptr && !dense->embedder.empty()) {
        return Status::InvalidArgument("vector '" + name +
                                       "' is embedded from the record's text; deleting it would "
                                       "embed it again");
      }
    }
  }
  RAGDB_ASSIGN_OR_RETURN(std::vector<Record> stored, GetMany(ids, /*with_vectors=*/true));
  for (Record& r : stored) {
    for (const std::string& name : fields) {
      r.vectors.erase(name);
      r.sparse_vectors.erase(name);
      r.multi_vectors.erase(name);
    }
  }
  RAGDB_RETURN_IF_ERROR(Upsert(stored));
  return stored.size();
}

}  // namespace ragdb::db
