#include "ragdb/schema.h"

#include <array>
#include <set>
#include <utility>

#include "base/json_text.h"
#include "db/text_segment_index.h"
#include "query/json_path.h"
#include "ragdb/database.h"
#include "ragdb/model.h"
#include "ragdb/record.h"

namespace ragdb {
namespace {

template <typename E, size_t N>
Result<E> ParseName(std::string_view name, const std::array<std::pair<E, const char*>, N>& table,
                    std::string_view what) {
  for (const auto& [value, text] : table) {
    if (name == text) return value;
  }
  std::string options;
  for (const auto& [value, text] : table)
    options += std::string(options.empty() ? "" : ", ") + text;
  return Status::InvalidArgument("unknown " + std::string(what) + " '" + std::string(name) +
                                 "' (expected one of: " + options + ")");
}

template <typename E, size_t N>
std::string_view NameOf(E value, const std::array<std::pair<E, const char*>, N>& table) {
  for (const auto& [v, text] : table) {
    if (v == value) return text;
  }
  return "unknown";
}

constexpr std::array<std::pair<Metric, const char*>, 4> kMetrics{{{Metric::kCosine, "cosine"},
                                                                  {Metric::kL2, "l2"},
                                                                  {Metric::kIp, "ip"},
                                                                  {Metric::kHamming, "hamming"}}};
constexpr std::array<std::pair<ElementType, const char*>, 5> kElementTypes{
    {{ElementType::kFloat32, "float32"},
     {ElementType::kFloat16, "float16"},
     {ElementType::kInt8, "int8"},
     {ElementType::kBinary, "binary"},
     {ElementType::kUint8, "uint8"}}};
constexpr std::array<std::pair<IndexType, const char*>, 4> kIndexTypes{
    {{IndexType::kFlat, "flat"},
     {IndexType::kHnsw, "hnsw"},
     {IndexType::kIvfFlat, "ivf_flat"},
     {IndexType::kIvfPq, "ivf_pq"}}};
constexpr std::array<std::pair<Quantization, const char*>, 4> kQuantizations{
    {{Quantization::kNone, "none"},
     {Quantization::kSq8, "sq8"},
     {Quantization::kBinary, "binary"},
     {Quantization::kPq, "pq"}}};
constexpr std::array<std::pair<PayloadType, const char*>, 8> kPayloadTypes{
    {{PayloadType::kKeyword, "keyword"},
     {PayloadType::kInteger, "integer"},
     {PayloadType::kFloat, "float"},
     {PayloadType::kBool, "bool"},
     {PayloadType::kText, "text"},
     {PayloadType::kGeo, "geo"},
     {PayloadType::kDatetime, "datetime"},
     {PayloadType::kUuid, "uuid"}}};

// Reads JSON objects strictly: every key must be consumed, or the error names the stray key.
class StrictObject {
 public:
  StrictObject(const Json& j, std::string path) : j_(j), path_(std::move(path)) {}

  Status CheckIsObject() const {
    if (!j_.is_object()) return Status::InvalidArgument(path_ + ": expected an object");
    return Status::Ok();
  }
  const Json* Get(const std::string& key) {
    seen_.insert(key);
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  Result<std::string> String(const std::string& key, std::string def) {
    const Json* v = Get(key);
    if (v == nullptr) return def;
    if (!v->is_string()) return Status::InvalidArgument(path_ + "." + key + ": expected a string");
    return v->get<std::string>();
  }
  Result<uint32_t> Uint(const std::string& key, uint32_t def) {
    const Json* v = Get(key);
    if (v == nullptr) return def;
    if (!v->is_number_unsigned() || v->get<uint64_t>() > UINT32_MAX) {
      return Status::InvalidArgument(path_ + "." + key + ": expected an unsigned integer");
    }
    return v->get<uint32_t>();
  }
  Result<float> Float(const std::string& key, float def) {
    const Json* v = Get(key);
    if (v == nullptr) return def;
    if (!v->is_number()) return Status::InvalidArgument(path_ + "." + key + ": expected a number");
    return v->get<float>();
  }
  Result<bool> Bool(const std::string& key, bool def) {
    const Json* v = Get(key);
    if (v == nullptr) return def;
    if (!v->is_boolean()) return Status::InvalidArgument(path_ + "." + key + ": expected a bool");
    return v->get<bool>();
  }
  Status Finish() const {
    for (const auto& [key, value] : j_.items()) {
      if (!seen_.count(key)) return Status::InvalidArgument(path_ + ": unknown key '" + key + "'");
    }
    return Status::Ok();
  }

 private:
  const Json& j_;
  std::string path_;
  std::set<std::string> seen_;
};

// The graph part of an "index" object, shared by vector and multi-vector fields.
Status ReadGraphParams(StrictObject& io, IndexParams* p) {
  RAGDB_ASSIGN_OR_RETURN(std::string type, io.String("type", "flat"));
  RAGDB_ASSIGN_OR_RETURN(p->type, ParseIndexType(type));
  RAGDB_ASSIGN_OR_RETURN(p->m, io.Uint("m", p->m));
  RAGDB_ASSIGN_OR_RETURN(p->ef_construction, io.Uint("ef_construction", p->ef_construction));
  return Status::Ok();
}

bool ValidFieldName(std::string_view name) {
  if (name.size() > 255) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return false;
  }
  return true;
}

// Which metrics, indexes and quantizations each element type supports.
Status ValidateElementType(const VectorField& v, const std::string& label) {
  const std::string type(ElementTypeName(v.element_type));
  const bool binary = v.element_type == ElementType::kBinary;
  if (binary && v.metric != Metric::kHamming) {
    return Status::InvalidArgument("schema: " + label +
                                   ": binary vectors need metric 'hamming' (not '" +
                                   std::string(MetricName(v.metric)) + "')");
  }
  if (!binary && v.metric == Metric::kHamming) {
    return Status::InvalidArgument(
        "schema: " + label + ": metric 'hamming' needs element type 'binary' (not '" + type + "')");
  }
  if ((v.index.quantization == Quantization::kBinary ||
       v.index.quantization == Quantization::kPq) &&
      v.index.type != IndexType::kHnsw) {
    return Status::InvalidArgument("schema: " + label + ": " +
                                   std::string(QuantizationName(v.index.quantization)) +
                                   " quantization needs an hnsw index (its walk uses the "
                                   "codes; this field's index is " +
                                   std::string(IndexTypeName(v.index.type)) + ")");
  }
  if (v.element_type == ElementType::kFloat32) return Status::Ok();
  if (v.index.type == IndexType::kIvfFlat || v.index.type == IndexType::kIvfPq) {
    return Status::Unimplemented(
        "schema: " + label + ": " + std::string(IndexTypeName(v.index.type)) +
        " indexes need float32 vectors (this field stores " + type + "; use flat or hnsw)");
  }
  if (v.index.quantization != Quantization::kNone) {
    return Status::InvalidArgument("schema: " + label + ": quantization " +
                                   std::string(QuantizationName(v.index.quantization)) +
                                   " applies to float32 vectors only (this field stores " + type +
                                   ")");
  }
  return Status::Ok();
}

}  // namespace

std::string_view MetricName(Metric m) { return NameOf(m, kMetrics); }
Result<Metric> ParseMetric(std::string_view name) { return ParseName(name, kMetrics, "metric"); }
std::string_view ElementTypeName(ElementType t) { return NameOf(t, kElementTypes); }
Result<ElementType> ParseElementType(std::string_view name) {
  return ParseName(name, kElementTypes, "element type");
}
std::string_view IndexTypeName(IndexType t) { return NameOf(t, kIndexTypes); }
Result<IndexType> ParseIndexType(std::string_view name) {
  return ParseName(name, kIndexTypes, "index type");
}
std::string_view QuantizationName(Quantization q) { return NameOf(q, kQuantizations); }
Result<Quantization> ParseQuantization(std::string_view name) {
  return ParseName(name, kQuantizations, "quantization");
}
std::string_view PayloadTypeName(PayloadType t) { return NameOf(t, kPayloadTypes); }
Result<PayloadType> ParsePayloadType(std::string_view name) {
  return ParseName(name, kPayloadTypes, "payload index type");
}

Status CollectionSchema::Validate() const {
  if (vectors.empty() && !text.has_value() && sparse_vectors.empty() && multi_vectors.empty()) {
    return Status::InvalidArgument(
        "schema: a collection needs at least one vector field, a sparse vector field or text");
  }
  std::set<std::string> names;
  for (const auto& v : vectors) {
    std::string label = v.name.empty() ? "the default vector" : "vector '" + v.name + "'";
    if (!ValidFieldName(v.name)) {
      return Status::InvalidArgument("schema: invalid vector name '" + v.name +
                                     "' (use letters, digits, '_', '-', '.')");
    }
    if (!names.insert(v.name).second) {
      return Status::InvalidArgument("schema: duplicate vector name '" + v.name + "'");
    }
    if (v.dim < 1 || v.dim > VectorField::kMaxDim) {
      return Status::InvalidArgument("schema: " + label + ": dimension " + std::to_string(v.dim) +
                                     " out of range 1.." + std::to_string(VectorField::kMaxDim));
    }
    RAGDB_RETURN_IF_ERROR(ValidateElementType(v, label));
    if (v.index.m < 2 || v.index.m > 256) {
      return Status::InvalidArgument("schema: " + label + ": hnsw m must be in 2..256");
    }
    if (v.index.ef_construction < 1) {
      return Status::InvalidArgument("schema: " + label + ": ef_construction must be >= 1");
    }
  }
  for (const auto& s : sparse_vectors) {
    if (!ValidFieldName(s.name) || s.name.empty()) {
      return Status::InvalidArgument("schema: invalid sparse vector name '" + s.name + "'");
    }
    const std::string_view kind = SparseEmbedderKind(s.embedder);
    if (!s.embedder.empty() && (kind.empty() || s.embedder.size() == kind.size())) {
      return Status::InvalidArgument("schema: sparse vector '" + s.name + "': embedder '" +
                                     s.embedder + "' must be splade:MODEL or bge-m3-sparse:MODEL");
    }
    if (!names.insert(s.name).second) {
      return Status::InvalidArgument("schema: duplicate vector name '" + s.name + "'");
    }
  }
  for (const auto& m : multi_vectors) {
    const std::string label =
        m.name.empty() ? "the default multi-vector" : "multi-vector '" + m.name + "'";
    if (!ValidFieldName(m.name)) {
      return Status::InvalidArgument("schema: invalid multi-vector name '" + m.name + "'");
    }
    if (!names.insert(m.name).second) {
      return Status::InvalidArgument("schema: duplicate vector name '" + m.name + "'");
    }
    if (m.dim < 1 || m.dim > VectorField::kMaxDim) {
      return Status::InvalidArgument("schema: " + label + ": dimension " + std::to_string(m.dim) +
                                     " out of range 1.." + std::to_string(VectorField::kMaxDim));
    }
    if (m.metric != Metric::kCosine && m.metric != Metric::kIp) {
      return Status::InvalidArgument("schema: " + label +
                                     ": MaxSim scores by cosine or ip (dot), not " +
                                     std::string(MetricName(m.metric)));
    }
    if (m.index.type != IndexType::kFlat && m.index.type != IndexType::kHnsw) {
      return Status::InvalidArgument("schema: " + label + ": index must be flat or hnsw, not " +
                                     std::string(IndexTypeName(m.index.type)));
    }
    if (m.index.type == IndexType::kHnsw &&
        (m.index.m < 2 || m.index.m > 256 || m.index.ef_construction < 1 ||
         m.index.quantization != Quantization::kNone)) {
      return Status::InvalidArgument("schema: " + label +
                                     ": hnsw needs m in 2..256, ef_construction >= 1 and no "
                                     "quantization");
    }
    if (!m.embedder.empty() && (!m.embedder.starts_with("colbert:") || m.embedder.size() == 8)) {
      return Status::InvalidArgument("schema: " + label + ": embedder '" + m.embedder +
                                     "' must be colbert:MODEL");
    }
  }
  if (text) RAGDB_RETURN_IF_ERROR(db::ValidateTextField(*text));
  std::set<std::string> paths;
  for (const auto& p : payload_indexes) {
    if (p.path.empty()) return Status::InvalidArgument("schema: empty payload index path");
    Status path = internal::ValidatePath(p.path);
    if (!path.ok()) return Status::InvalidArgument("schema: payload index: " + path.message());
    if (!paths.insert(p.path).second) {
      return Status::InvalidArgument("schema: duplicate payload index '" + p.path + "'");
    }
  }
  return Status::Ok();
}

const VectorField* CollectionSchema::FindVector(std::string_view name) const {
  for (const auto& v : vectors) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const MultiVectorField* CollectionSchema::FindMultiVector(std::string_view name) const {
  for (const auto& m : multi_vectors) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const PayloadIndexField* CollectionSchema::FindPayloadIndex(std::string_view path) const {
  for (const auto& p : payload_indexes) {
    if (p.path == path) return &p;
  }
  return nullptr;
}

Json CollectionSchema::ToJson() const {
  Json j = Json::object();
  Json vs = Json::array();
  for (const auto& v : vectors) {
    vs.push_back({{"name", v.name},
                  {"dim", v.dim},
                  {"metric", MetricName(v.metric)},
                  {"element_type", ElementTypeName(v.element_type)},
                  {"embedder", v.embedder},
                  {"index",
                   {{"type", IndexTypeName(v.index.type)},
                    {"m", v.index.m},
                    {"ef_construction", v.index.ef_construction},
                    {"nlist", v.index.nlist},
                    {"pq_m", v.index.pq_m},
                    {"quantization", QuantizationName(v.index.quantization)}}}});
    // Only when set, so that schemas without it keep their exact form (segments record it).
    if (v.index.indexing_threshold_kb) {
      vs.back()["index"]["indexing_threshold_kb"] = *v.index.indexing_threshold_kb;
    }
  }
  j["vectors"] = vs;
  Json sp = Json::array();
  for (const auto& s : sparse_vectors) {
    Json f = {{"name", s.name}};
    if (!s.embedder.empty()) f["embedder"] = s.embedder;  // absent in schemas written before
    sp.push_back(std::move(f));
  }
  j["sparse_vectors"] = sp;
  // Only when there are some, so that other schemas keep their exact form.
  if (!multi_vectors.empty()) {
    Json mv = Json::array();
    for (const auto& m : multi_vectors) {
      Json f = {{"name", m.name}, {"dim", m.dim}, {"metric", MetricName(m.metric)}};
      if (!m.embedder.empty()) f["embedder"] = m.embedder;
      // Only when indexed, so that exact fields keep the form written before.
      if (m.index.type != IndexType::kFlat) {
        f["index"] = {{"type", IndexTypeName(m.index.type)},
                      {"m", m.index.m},
                      {"ef_construction", m.index.ef_construction}};
      }
      mv.push_back(std::move(f));
    }
    j["multi_vectors"] = mv;
  }
  if (text) {
    j["text"] = {{"analyzer", text->analyzer},
                 {"stemmer", text->stemmer},
                 {"stopwords", text->stopwords},
                 {"min_gram", text->min_gram},
                 {"max_gram", text->max_gram},
                 {"bm25", {{"k1", FloatJson(text->bm25.k1)}, {"b", FloatJson(text->bm25.b)}}}};
  }
  Json pi = Json::array();
  for (const auto& p : payload_indexes) {
    pi.push_back({{"path", p.path}, {"type", PayloadTypeName(p.type)}});
  }
  j["payload_indexes"] = pi;
  if (!metadata.empty()) j["metadata"] = metadata;
  return j;
}

Result<CollectionSchema> CollectionSchema::FromJson(const Json& j) {
  CollectionSchema s;
  StrictObject root(j, "schema");
  RAGDB_RETURN_IF_ERROR(root.CheckIsObject());
  if (const Json* vs = root.Get("vectors")) {
    if (!vs->is_array()) return Status::InvalidArgument("schema.vectors: expected an array");
    for (size_t i = 0; i < vs->size(); ++i) {
      std::string path = "schema.vectors[" + std::to_string(i) + "]";
      StrictObject o((*vs)[i], path);
      RAGDB_RETURN_IF_ERROR(o.CheckIsObject());
      VectorField f;
      RAGDB_ASSIGN_OR_RETURN(f.name, o.String("name", ""));
      RAGDB_ASSIGN_OR_RETURN(f.dim, o.Uint("dim", 0));
      RAGDB_ASSIGN_OR_RETURN(std::string metric, o.String("metric", "cosine"));
      RAGDB_ASSIGN_OR_RETURN(f.metric, ParseMetric(metric));
      RAGDB_ASSIGN_OR_RETURN(f.embedder, o.String("embedder", ""));
      RAGDB_ASSIGN_OR_RETURN(std::string et, o.String("element_type", "float32"));
      RAGDB_ASSIGN_OR_RETURN(f.element_type, ParseElementType(et));
      if (const Json* idx = o.Get("index")) {
        StrictObject io(*idx, path + ".index");
        RAGDB_RETURN_IF_ERROR(io.CheckIsObject());
        RAGDB_RETURN_IF_ERROR(ReadGraphParams(io, &f.index));
        RAGDB_ASSIGN_OR_RETURN(f.index.nlist, io.Uint("nlist", 0));
        RAGDB_ASSIGN_OR_RETURN(f.index.pq_m, io.Uint("pq_m", 0));
        RAGDB_ASSIGN_OR_RETURN(std::string q, io.String("quantization", "none"));
        RAGDB_ASSIGN_OR_RETURN(f.index.quantization, ParseQuantization(q));
        if (io.Get("indexing_threshold_kb") != nullptr) {
          RAGDB_ASSIGN_OR_RETURN(f.index.indexing_threshold_kb,
                                 io.Uint("indexing_threshold_kb", 0));
        }
        RAGDB_RETURN_IF_ERROR(io.Finish());
      }
      RAGDB_RETURN_IF_ERROR(o.Finish());
      s.vectors.push_back(std::move(f));
    }
  }
  if (const Json* sp = root.Get("sparse_vectors")) {
    if (!sp->is_array()) return Status::InvalidArgument("schema.sparse_vectors: expected an array");
    for (size_t i = 0; i < sp->size(); ++i) {
      StrictObject o((*sp)[i], "schema.sparse_vectors[" + std::to_string(i) + "]");
      RAGDB_RETURN_IF_ERROR(o.CheckIsObject());
      SparseVectorField f;
      RAGDB_ASSIGN_OR_RETURN(f.name, o.String("name", ""));
      RAGDB_ASSIGN_OR_RETURN(f.embedder, o.String("embedder", ""));
      RAGDB_RETURN_IF_ERROR(o.Finish());
      s.sparse_vectors.push_back(std::move(f));
    }
  }
  if (const Json* mv = root.Get("multi_vectors")) {
    if (!mv->is_array()) return Status::InvalidArgument("schema.multi_vectors: expected an array");
    for (size_t i = 0; i < mv->size(); ++i) {
      StrictObject o((*mv)[i], "schema.multi_vectors[" + std::to_string(i) + "]");
      RAGDB_RETURN_IF_ERROR(o.CheckIsObject());
      MultiVectorField f;
      RAGDB_ASSIGN_OR_RETURN(f.name, o.String("name", ""));
      RAGDB_ASSIGN_OR_RETURN(f.dim, o.Uint("dim", 0));
      RAGDB_ASSIGN_OR_RETURN(std::string metric, o.String("metric", "cosine"));
      RAGDB_ASSIGN_OR_RETURN(f.metric, ParseMetric(metric));
      RAGDB_ASSIGN_OR_RETURN(f.embedder, o.String("embedder", ""));
      if (const Json* idx = o.Get("index")) {
        StrictObject io(*idx, "schema.multi_vectors[" + std::to_string(i) + "].index");
        RAGDB_RETURN_IF_ERROR(io.CheckIsObject());
        RAGDB_RETURN_IF_ERROR(ReadGraphParams(io, &f.index));
        RAGDB_RETURN_IF_ERROR(io.Finish());
      }
      RAGDB_RETURN_IF_ERROR(o.Finish());
      s.multi_vectors.push_back(std::move(f));
    }
  }
  if (const Json* t = root.Get("text"); t != nullptr && !t->is_null()) {
    StrictObject o(*t, "schema.text");
    RAGDB_RETURN_IF_ERROR(o.CheckIsObject());
    TextField f;
    RAGDB_ASSIGN_OR_RETURN(f.analyzer, o.String("analyzer", f.analyzer));
    RAGDB_ASSIGN_OR_RETURN(f.stemmer, o.String("stemmer", f.stemmer));
    RAGDB_ASSIGN_OR_RETURN(f.stopwords, o.Bool("stopwords", f.stopwords));
    RAGDB_ASSIGN_OR_RETURN(f.min_gram, o.Uint("min_gram", f.min_gram));
    RAGDB_ASSIGN_OR_RETURN(f.max_gram, o.Uint("max_gram", f.max_gram));
    if (const Json* bm = o.Get("bm25")) {
      StrictObject bo(*bm, "schema.text.bm25");
      RAGDB_RETURN_IF_ERROR(bo.CheckIsObject());
      RAGDB_ASSIGN_OR_RETURN(f.bm25.k1, bo.Float("k1", f.bm25.k1));
      RAGDB_ASSIGN_OR_RETURN(f.bm25.b, bo.Float("b", f.bm25.b));
      RAGDB_RETURN_IF_ERROR(bo.Finish());
    }
    RAGDB_RETURN_IF_ERROR(o.Finish());
    s.text = f;
  }
  if (const Json* pi = root.Get("payload_indexes")) {
    if (!pi->is_array()) {
      return Status::InvalidArgument("schema.payload_indexes: expected an array");
    }
    for (size_t i = 0; i < pi->size(); ++i) {
      StrictObject o((*pi)[i], "schema.payload_indexes[" + std::to_string(i) + "]");
      RAGDB_RETURN_IF_ERROR(o.CheckIsObject());
      PayloadIndexField f;
      RAGDB_ASSIGN_OR_RETURN(f.path, o.String("path", ""));
      RAGDB_ASSIGN_OR_RETURN(std::string type, o.String("type", "keyword"));
      RAGDB_ASSIGN_OR_RETURN(f.type, ParsePayloadType(type));
      RAGDB_RETURN_IF_ERROR(o.Finish());
      s.payload_indexes.push_back(std::move(f));
    }
  }
  if (const Json* m = root.Get("metadata"); m != nullptr && !m->is_null()) {
    if (!m->is_object()) return Status::InvalidArgument("schema.metadata: expected an object");
    s.metadata = *m;
  }
  RAGDB_RETURN_IF_ERROR(root.Finish());
  RAGDB_RETURN_IF_ERROR(s.Validate());
  return s;
}

Status ValidateCollectionName(const std::string& name) {
  if (name.empty() || name.size() > 255) {
    return Status::InvalidArgument("collection name must have 1..255 characters");
  }
  if (name[0] == '.') return Status::InvalidArgument("collection name must not start with '.'");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      return Status::InvalidArgument("collection name '" + name +
                                     "' may only contain letters, digits, '_', '-' and '.'");
    }
  }
  return Status::Ok();
}

}  // namespace ragdb
