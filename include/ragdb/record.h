// Record: one stored item — an id, named dense vectors, named sparse vectors, a JSON payload and
// an optional text.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ragdb/json.h"
#include "ragdb/point_id.h"
#include "ragdb/status.h"

namespace ragdb {

// The name of the vector field of a collection created with a single unnamed vector (Qdrant's
// convention). In JSON it is the plain `"vector": [...]` form.
inline constexpr const char* kDefaultVectorName = "";

// index -> weight map, as produced by SPLADE or BGE-M3. Indices strictly increasing once stored.
struct SparseVector {
  std::vector<uint32_t> indices;
  std::vector<float> values;
  friend bool operator==(const SparseVector&, const SparseVector&) = default;
};

// A multi-vector (late interaction: one vector per token or image patch), each of the field's
// dimension. Its JSON form is an array of arrays.
using MultiVector = std::vector<std::vector<float>>;

struct Record {
  PointId id;
  std::map<std::string, std::vector<float>> vectors;   // field name -> vector
  std::map<std::string, SparseVector> sparse_vectors;  // field name -> sparse vector
  std::map<std::string, MultiVector> multi_vectors;    // field name -> multi-vector
  Json payload = Json::object();                       // always a JSON object
  std::optional<std::string> text;
  // Input only: the bytes of an encoded image (PNG, JPEG, WebP, TIFF). On upsert, each vector
  // field whose embedder embeds images (CLIP, VectorField::embedder "clip:MODEL") and that the
  // record gives no vector gets the image's embedding. The image itself is not stored: get and
  // search never return it (keep a path or URL in the payload to find it again).
  std::optional<std::string> image;
};

}  // namespace ragdb

namespace ragdb {

// The JSON shape of a record, as `ragdb upsert` reads and `ragdb get` prints it:
//   {"id": 7, "vector": [..] | [[..], ..] | {"name": [..], "multi_name": [[..], ..],
//                                           "sparse_name": {"indices": [..], "values": [..]}},
//    "payload": {..}, "text": "..", "image": "<base64>"}
// ("image" is read, as base64 or a data URL, but never written: it is not stored.)
// The plain array form is the default (unnamed) vector. Unknown keys are errors naming the key.
Result<Record> RecordFromJson(const Json& j);
Json RecordToJson(const Record& r, bool with_vectors = true);

}  // namespace ragdb
