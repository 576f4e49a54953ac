// Conversions between Qdrant's REST JSON shapes and ragdb's types: ids, vectors, payload and
// vector selectors, filters, collection configs, records and hits.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ragdb/database.h"

namespace ragdb::server {

// Ids are unsigned integers or UUID strings, as in Qdrant. UUIDs are accepted in the simple
// (32 hex digits), hyphenated, braced and urn forms and stored hyphenated lower-case, so the
// same UUID written two ways is one point.
Result<PointId> ParseQdrantId(const Json& j);
// From a URL segment: all digits = number, else a UUID.
Result<PointId> ParseQdrantIdText(std::string_view text);
Result<std::vector<PointId>> ParseQdrantIds(const Json& j, std::string_view what);

// `with_payload`: true/false, a list of keys, {"include": [...]} or {"exclude": [...]}.
struct PayloadSelector {
  bool enabled = false;
  std::vector<std::string> include;  // empty = all
  std::vector<std::string> exclude;
};
Result<PayloadSelector> ParseWithPayload(const Json* j, bool default_value);
// The payload reduced by the selector; null when disabled.
Json SelectPayload(const Json& payload, const PayloadSelector& s);

// `with_vector`: true/false or a list of vector names.
struct VectorSelector {
  bool enabled = false;
  std::vector<std::string> names;  // empty = all
};
Result<VectorSelector> ParseWithVector(const Json* j, bool default_value);
bool Selects(const VectorSelector& s, const std::string& name);

// Unset for an absent or null filter. A string is read as a filter expression (docs/filters.md).
Result<std::optional<Filter>> ParseQdrantFilter(const Json* j);
// Both must hold (either may be unset).
std::optional<Filter> AndFilters(const std::optional<Filter>& a, const std::optional<Filter>& b);

// PUT /collections/{name} body -> schema. Every field is checked (qdrant/fields.h): Qdrant
// tuning knobs with nothing to tune here (WAL, optimizers) are accepted with a warning appended
// to *warnings (the handler checks shard and replica counts: CheckDistribution); features ragdb
// does not have
// (product quantization, Manhattan distance) are Unimplemented.
// hnsw_config and quantization_config (HnswConfigDiff, QuantizationConfig[Diff]: "Disabled"
// switches quantization off) applied to a field's index parameters; `where` names the member.
Status ApplyHnsw(const Json& h, const std::string& where, IndexParams* p,
                 std::vector<std::string>* warnings);
// `dim`: the field's dimension (product quantization's sub-spaces follow from it).
Status ApplyQuantization(const Json& q, const std::string& where, uint32_t dim, IndexParams* p,
                         std::vector<std::string>* warnings);
// optimizers_config: its indexing_threshold (kilobytes of vectors below which a sealed segment
// stays unindexed, 0 = never index), the other members warned about.
Result<std::optional<uint32_t>> ParseIndexingThreshold(const Json& o,
                                                       std::vector<std::string>* warnings);

Result<CollectionSchema> SchemaFromQdrant(const Json& body, std::vector<std::string>* warnings);
// The Qdrant CollectionInfo for GET /collections/{name}. `payload_points` holds, for each
// indexed payload field, how many points have it.
Json QdrantCollectionInfo(const CollectionInfo& info,
                          const std::vector<std::pair<std::string, uint64_t>>& payload_points);

// A point's "vector" in a PointStruct / Batch: a dense array for the unnamed vector, or a map
// of name -> dense array or sparse {"indices", "values"}.
// Dense and sparse vectors of a point; also Qdrant's inference objects: {"text": .., "model":
// "qdrant/bm25"} as the record's text, {"image": base64} as its image (embedded on upsert).
Status ParsePointVectors(const Json& v, Record* r);
// The bytes of an inference object's "image" (base64 or a data URL; URLs are refused).
Result<std::string> ImageObjectBytes(const Json& x, const std::string& what);
// The "vector" of a record or hit for output; null when nothing is selected.
Json VectorsJson(const std::map<std::string, std::vector<float>>& dense,
                 const std::map<std::string, SparseVector>* sparse, const VectorSelector& s,
                 const std::map<std::string, MultiVector>* multi = nullptr);

// `with_text` (a ragdb extension, asked by "with_text": true) adds the record's "text".
Json RecordJson(const Record& r, const PayloadSelector& ps, const VectorSelector& vs,
                bool with_text = false);
// Appends a hit as JSON text, in Qdrant's field order: {"id", "version", "score", "payload",
// "vector"} (then "text" with `with_text`). Written directly rather than through a Json tree:
// building and dumping ten of those trees per search cost ~5% of a search request's CPU.
void AppendScoredPointJson(const ScoredPoint& p, const PayloadSelector& ps,
                           const VectorSelector& vs, std::string* out, bool with_text = false);

// Reads an optional unsigned integer field; InvalidArgument naming it on a wrong type.
Result<std::optional<uint64_t>> OptUint(const Json& obj, const char* key);
Result<std::optional<double>> OptNumber(const Json& obj, const char* key);
Result<std::optional<bool>> OptBool(const Json& obj, const char* key);
Result<std::optional<std::string>> OptString(const Json& obj, const char* key);
// The text of a {"text": ..., "model": "qdrant/bm25"} document; Unimplemented for other models.
Result<std::string> Bm25DocumentText(const Json& doc, std::string_view what);
// A dense vector: an array of finite numbers.
Result<std::vector<float>> ParseDense(const Json& j, std::string_view what);
// True when `model` ("splade:NAME" or "colbert:NAME", as a client names it) is the field
// embedder `embedder` (as the schema records it: the kind and an installed model's folder).
bool FieldModelMatches(const std::string& embedder, const std::string& model);
// Each {"text", "model": "splade:..." | "colbert:..."} document among `points` (an upsert's
// points) must name the embedder of the sparse or multi-vector field it is given for.
Status CheckFieldModelDocuments(const Json& points, const CollectionSchema& schema);

}  // namespace ragdb::server
