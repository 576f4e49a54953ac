// What a Collection answers for the optional calls it does not implement (the cluster layer's
// collections, for now): Unimplemented, naming the call.
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
Status Collection::UpdateVectors(std::span<const Record>) {
  return NotHere(*this, "updating vectors");
}
Result<size_t> Collection::DeleteVectors(std::span<const PointId>, std::span<const std::string>) {
  return NotHere(*this, "deleting vectors");
}
Status Collection::DropPayloadIndex(const std::string&) {
  return NotHere(*this, "deleting a payload index");
}
Status Collection::UpdateVectorIndex(const std::string&, const IndexParams&) {
  return NotHere(*this, "changing index parameters");
}

}  // namespace ragdb
