#include <cmath>

#include "base/base64.h"
#include "ragdb/record.h"

namespace ragdb {
namespace {

Result<std::vector<float>> FloatArray(const Json& j, const std::string& what) {
  if (!j.is_array()) return Status::InvalidArgument(what + ": expected an array of numbers");
  std::vector<float> v;
  v.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_number()) {
      return Status::InvalidArgument(what + "[" + std::to_string(i) + "]: expected a number, got " +
                                     j[i].type_name());
    }
    v.push_back(j[i].get<float>());
  }
  return v;
}

// An array of arrays: a multi-vector.
bool IsMatrix(const Json& j) { return j.is_array() && !j.empty() && j[0].is_array(); }

Result<MultiVector> MatrixFromJson(const Json& j, const std::string& what) {
  MultiVector m;
  m.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    RAGDB_ASSIGN_OR_RETURN(m.emplace_back(),
                           FloatArray(j[i], what + "[" + std::to_string(i) + "]"));
  }
  return m;
}

Result<SparseVector> SparseFromJson(const Json& j, const std::string& what) {
  SparseVector sv;
  for (const auto& [key, value] : j.items()) {
    if (key == "indices") {
      if (!value.is_array()) return Status::InvalidArgument(what + ".indices: expected an array");
      for (const auto& x : value) {
        if (!x.is_number_unsigned() || x.get<uint64_t>() > UINT32_MAX) {
          return Status::InvalidArgument(what + ".indices: expected unsigned 32-bit integers");
        }
        sv.indices.push_back(x.get<uint32_t>());
      }
    } else if (key == "values") {
      RAGDB_ASSIGN_OR_RETURN(sv.values, FloatArray(value, what + ".values"));
    } else {
      return Status::InvalidArgument(what + ": unknown key '" + key + "'");
    }
  }
  if (sv.indices.size() != sv.values.size()) {
    return Status::InvalidArgument(what + ": indices and values differ in length");
  }
  return sv;
}

}  // namespace

Result<Record> RecordFromJson(const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("a record must be a JSON object");
  Record r;
  bool has_id = false;
  for (const auto& [key, value] : j.items()) {
    if (key == "id") {
      RAGDB_ASSIGN_OR_RETURN(r.id, PointId::FromJson(value));
      has_id = true;
    } else if (key == "vector" || key == "vectors") {
      if (IsMatrix(value)) {
        RAGDB_ASSIGN_OR_RETURN(r.multi_vectors[kDefaultVectorName], MatrixFromJson(value, key));
      } else if (value.is_array()) {
        RAGDB_ASSIGN_OR_RETURN(r.vectors[kDefaultVectorName], FloatArray(value, key));
      } else if (value.is_object()) {
        for (const auto& [name, v] : value.items()) {
          if (v.is_object()) {
            RAGDB_ASSIGN_OR_RETURN(r.sparse_vectors[name], SparseFromJson(v, key + "." + name));
          } else if (IsMatrix(v)) {
            RAGDB_ASSIGN_OR_RETURN(r.multi_vectors[name], MatrixFromJson(v, key + "." + name));
          } else {
            RAGDB_ASSIGN_OR_RETURN(r.vectors[name], FloatArray(v, key + "." + name));
          }
        }
      } else if (!value.is_null()) {
        return Status::InvalidArgument(key + ": expected an array or an object of named vectors");
      }
    } else if (key == "payload") {
      if (!value.is_object() && !value.is_null()) {
        return Status::InvalidArgument("payload: expected a JSON object");
      }
      r.payload = value.is_null() ? Json::object() : value;
    } else if (key == "text") {
      if (!value.is_string() && !value.is_null()) {
        return Status::InvalidArgument("text: expected a string");
      }
      if (value.is_string()) r.text = value.get<std::string>();
    } else if (key == "image") {
      if (!value.is_string() && !value.is_null()) {
        return Status::InvalidArgument("image: expected a base64 string");
      }
      if (value.is_string()) {
        auto bytes = Base64Decode(value.get<std::string>());
        if (!bytes.ok()) return Status::InvalidArgument("image: " + bytes.status().message());
        r.image = std::move(bytes).value();
      }
    } else {
      return Status::InvalidArgument("unknown key '" + key +
                                     "' (expected id, vector, payload, text, image)");
    }
  }
  if (!has_id) return Status::InvalidArgument("missing key 'id'");
  return r;
}

Json RecordToJson(const Record& r, bool with_vectors) {
  Json j = {{"id", r.id.ToJson()}};
  const size_t fields = r.vectors.size() + r.sparse_vectors.size() + r.multi_vectors.size();
  if (with_vectors && fields > 0) {
    if (fields == 1 && r.vectors.count(kDefaultVectorName)) {
      j["vector"] = r.vectors.at(kDefaultVectorName);
    } else if (fields == 1 && r.multi_vectors.count(kDefaultVectorName)) {
      j["vector"] = r.multi_vectors.at(kDefaultVectorName);
    } else {
      Json named = Json::object();
      for (const auto& [name, v] : r.vectors) named[name] = v;
      for (const auto& [name, m] : r.multi_vectors) named[name] = m;
      for (const auto& [name, sv] : r.sparse_vectors) {
        named[name] = {{"indices", sv.indices}, {"values", sv.values}};
      }
      j["vector"] = named;
    }
  }
  j["payload"] = r.payload.is_null() ? Json::object() : r.payload;
  if (r.text) j["text"] = *r.text;
  return j;
}

}  // namespace ragdb
