// What a Collection answers for the optional calls it does not implement (the cluster layer's
// collections, for now): Unimplemented, naming the call. Changing some vectors of stored records
// works for every collection through its public calls: each record is read, changed and written
// back as one upsert, like SetPayload (not atomic against a concurrent write to the same record,
// which one of the two then overwrites).
#include <algorithm>
#include <map>

#include "ragdb/database.h"

namespace ragdb {
namespace {

Status NotHere(const Collection& c, const char* what) {
  return Status::Unimplemented(std::string(what) + " is not supported by collection '" + c.name() +
                               "' (not available in cluster mode yet)");
}

}  // namespace

Result<std::vector<ScoredPoint>> Collection::Recommend(const RecommendRequest&) const {
  return NotHere(*this, "recommend");
}
Result<std::vector<ScoredPoint>> Collection::Discover(const DiscoverRequest&) const {
  return NotHere(*this, "discover");
}
Result<std::vector<FacetHit>> Collection::Facet(const FacetRequest&) const {
  return NotHere(*this, "facet");
}
Result<std::vector<Record>> Collection::Sample(const SampleRequest&) const {
  return NotHere(*this, "random sampling");
}
Result<DistanceMatrix> Collection::SearchMatrix(const DistanceMatrixRequest&) const {
  return NotHere(*this, "search matrix");
}
Status Collection::DropPayloadIndex(const std::string&) {
  return NotHere(*this, "deleting a payload index");
}
Status Collection::UpdateVectorIndex(const std::string&, const IndexParams&) {
  return NotHere(*this, "changing index parameters");
}

Status Collection::UpdateVectors(std::span<const Record> records) {
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

Result<size_t> Collection::DeleteVectors(std::span<const PointId> ids,
                                         std::span<const std::string> fields) {
  if (fields.empty()) return Status::InvalidArgument("delete vectors: no vector names given");
  {
    CollectionSchema s = schema();
    for (const std::string& field : fields) {
      const VectorField* dense = s.FindVector(field);
      bool sparse = std::any_of(s.sparse_vectors.begin(), s.sparse_vectors.end(),
                                [&](const SparseVectorField& f) { return f.name == field; });
      if (dense == nullptr && !sparse && s.FindMultiVector(field) == nullptr) {
        return Status::InvalidArgument("collection '" + name() + "' has no vector field '" + field +
                                       "'");
      }
      if (dense != nullptr && !dense->embedder.empty()) {
        return Status::InvalidArgument("vector '" + field +
                                       "' is embedded from the record's text; deleting it would "
                                       "embed it again");
      }
    }
  }
  RAGDB_ASSIGN_OR_RETURN(std::vector<Record> stored, GetMany(ids, /*with_vectors=*/true));
  for (Record& r : stored) {
    for (const std::string& field : fields) {
      r.vectors.erase(field);
      r.sparse_vectors.erase(field);
      r.multi_vectors.erase(field);
    }
  }
  RAGDB_RETURN_IF_ERROR(Upsert(stored));
  return stored.size();
}

}  // namespace ragdb
