#include "server/qdrant/convert.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "base/base64.h"
#include "base/json_text.h"
#include "ragdb/model.h"
#include "server/kb_http.h"
#include "server/qdrant/fields.h"

namespace ragdb::server {
namespace {

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Normalizes a UUID to the hyphenated lower-case form; nullopt if `s` is not one.
std::optional<std::string> NormalizeUuid(std::string_view s) {
  if (s.size() == 45 && (s.substr(0, 9) == "urn:uuid:" || s.substr(0, 9) == "URN:UUID:")) {
    s.remove_prefix(9);
  }
  if (s.size() == 38 && s.front() == '{' && s.back() == '}') s = s.substr(1, 36);
  std::string hex;
  if (s.size() == 36) {
    for (size_t i = 0; i < 36; ++i) {
      bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash != (s[i] == '-')) return std::nullopt;
      if (!dash) {
        if (!IsHex(s[i])) return std::nullopt;
        hex.push_back(s[i]);
      }
    }
  } else if (s.size() == 32) {
    for (char c : s) {
      if (!IsHex(c)) return std::nullopt;
    }
    hex = std::string(s);
  } else {
    return std::nullopt;
  }
  for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string TypeName(const Json& j) { return j.type_name(); }

}  // namespace

Result<PointId> ParseQdrantId(const Json& j) {
  if (j.is_number_unsigned()) return PointId(j.get<uint64_t>());
  if (j.is_number_integer()) return Status::InvalidArgument("point id must not be negative");
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    auto u = NormalizeUuid(s);
    if (!u) {
      return Status::InvalidArgument("Unable to parse UUID: " + s +
                                     " (point ids are unsigned integers or UUIDs)");
    }
    return PointId(*u);
  }
  return Status::InvalidArgument("point id must be an unsigned integer or a UUID string, got " +
                                 TypeName(j));
}

Result<PointId> ParseQdrantIdText(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    return PointId::Parse(text);
  }
  return ParseQdrantId(Json(std::string(text)));
}

Result<std::vector<PointId>> ParseQdrantIds(const Json& j, std::string_view what) {
  if (!j.is_array()) return Status::InvalidArgument(std::string(what) + " must be an array of ids");
  std::vector<PointId> out;
  out.reserve(j.size());
  for (const auto& e : j) {
    auto id = ParseQdrantId(e);
    if (!id.ok()) return id.status().WithContext(what);
    out.push_back(std::move(id).value());
  }
  return out;
}

Result<PayloadSelector> ParseWithPayload(const Json* j, bool default_value) {
  PayloadSelector s;
  s.enabled = default_value;
  if (!j || j->is_null()) return s;
  auto strings = [](const Json& a, std::vector<std::string>* out) -> Status {
    if (!a.is_array()) return Status::InvalidArgument("with_payload: expected an array of keys");
    for (const auto& k : a) {
      if (!k.is_string()) return Status::InvalidArgument("with_payload: keys must be strings");
      out->push_back(k.get<std::string>());
    }
    return Status::Ok();
  };
  if (j->is_boolean()) {
    s.enabled = j->get<bool>();
  } else if (j->is_array()) {
    s.enabled = true;
    RAGDB_RETURN_IF_ERROR(strings(*j, &s.include));
    if (s.include.empty()) s.enabled = false;
  } else if (j->is_object() && j->contains("include")) {
    s.enabled = true;
    RAGDB_RETURN_IF_ERROR(strings((*j)["include"], &s.include));
  } else if (j->is_object() && j->contains("exclude")) {
    s.enabled = true;
    RAGDB_RETURN_IF_ERROR(strings((*j)["exclude"], &s.exclude));
  } else {
    return Status::InvalidArgument(
        "with_payload: expected a boolean, an array of keys, {\"include\": [...]} or "
        "{\"exclude\": [...]}");
  }
  return s;
}

namespace {
// Dotted path lookup / erase on an object ("a.b").
const Json* FindPath(const Json& j, std::string_view path) {
  const Json* cur = &j;
  while (true) {
    size_t dot = path.find('.');
    std::string key(path.substr(0, dot));
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    if (dot == std::string_view::npos) return cur;
    path.remove_prefix(dot + 1);
  }
}
void SetPath(Json& j, std::string_view path, const Json& v) {
  Json* cur = &j;
  while (true) {
    size_t dot = path.find('.');
    std::string key(path.substr(0, dot));
    if (dot == std::string_view::npos) {
      (*cur)[key] = v;
      return;
    }
    Json& next = (*cur)[key];
    if (!next.is_object()) next = Json::object();
    cur = &next;
    path.remove_prefix(dot + 1);
  }
}
void ErasePath(Json& j, std::string_view path) {
  size_t dot = path.find('.');
  if (!j.is_object()) return;
  std::string key(path.substr(0, dot));
  if (dot == std::string_view::npos) {
    j.erase(key);
    return;
  }
  auto it = j.find(key);
  if (it != j.end()) ErasePath(*it, path.substr(dot + 1));
}
}  // namespace

Json SelectPayload(const Json& payload, const PayloadSelector& s) {
  if (!s.enabled) return nullptr;
  if (!payload.is_object()) return Json::object();
  if (!s.include.empty()) {
    Json out = Json::object();
    for (const auto& k : s.include) {
      if (const Json* v = FindPath(payload, k)) SetPath(out, k, *v);
    }
    return out;
  }
  if (!s.exclude.empty()) {
    Json out = payload;
    for (const auto& k : s.exclude) ErasePath(out, k);
    return out;
  }
  return payload;
}

Result<VectorSelector> ParseWithVector(const Json* j, bool default_value) {
  VectorSelector s;
  s.enabled = default_value;
  if (!j || j->is_null()) return s;
  if (j->is_boolean()) {
    s.enabled = j->get<bool>();
    return s;
  }
  if (j->is_array()) {
    for (const auto& n : *j) {
      if (!n.is_string()) return Status::InvalidArgument("with_vector: names must be strings");
      s.names.push_back(n.get<std::string>());
    }
    s.enabled = !s.names.empty();
    return s;
  }
  return Status::InvalidArgument("with_vector: expected a boolean or an array of vector names");
}

bool Selects(const VectorSelector& s, const std::string& name) {
  if (!s.enabled) return false;
  if (s.names.empty()) return true;
  return std::find(s.names.begin(), s.names.end(), name) != s.names.end();
}

Result<std::optional<Filter>> ParseQdrantFilter(const Json* j) {
  if (!j || j->is_null()) return std::optional<Filter>();
  // A ragdb extension: the filter as an expression string ('cat == "news" and price < 5'),
  // which Qdrant's clients never send (their filters are objects).
  auto f = j->is_string() ? Filter::Parse(j->get<std::string>()) : Filter::FromJson(*j);
  if (!f.ok()) return f.status().WithContext("filter");
  if (f->empty()) return std::optional<Filter>();
  return std::optional<Filter>(std::move(f).value());
}

std::optional<Filter> AndFilters(const std::optional<Filter>& a, const std::optional<Filter>& b) {
  if (!a) return b;
  if (!b) return a;
  Filter out;
  for (const Filter* f : {&*a, &*b}) {
    Condition c;
    c.kind = Condition::Kind::kNested;
    c.filter = std::make_shared<const Filter>(*f);
    out.must.push_back(std::move(c));
  }
  return out;
}

Result<std::optional<uint64_t>> OptUint(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<uint64_t>();
  if (!it->is_number_unsigned()) {
    return Status::InvalidArgument(std::string(key) + ": expected a non-negative integer, got " +
                                   TypeName(*it));
  }
  return std::optional<uint64_t>(it->get<uint64_t>());
}

Result<std::optional<double>> OptNumber(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number()) {
    return Status::InvalidArgument(std::string(key) + ": expected a number, got " + TypeName(*it));
  }
  return std::optional<double>(it->get<double>());
}

Result<std::optional<bool>> OptBool(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) {
    return Status::InvalidArgument(std::string(key) + ": expected a boolean, got " + TypeName(*it));
  }
  return std::optional<bool>(it->get<bool>());
}

Result<std::optional<std::string>> OptString(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return Status::InvalidArgument(std::string(key) + ": expected a string, got " + TypeName(*it));
  }
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> Bm25DocumentText(const Json& doc, std::string_view what) {
  if (!doc["text"].is_string()) {
    return Status::InvalidArgument(std::string(what) + ".text: expected a string");
  }
  std::string model = doc.value("model", Json("")).is_string() ? doc.value("model", "") : "";
  // Learned sparse (splade:MODEL, bge-m3-sparse:MODEL) and colbert:MODEL documents are the
  // record's text too, embedded by the sparse or multi-vector field whose embedder that is (the
  // point endpoints check the name against the schema: FieldModelMatches).
  if (!SparseEmbedderKind(model).empty() || model.starts_with("colbert:")) {
    return doc["text"].get<std::string>();
  }
  for (char& c : model) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (model != "qdrant/bm25") {
    return Status::Unimplemented(std::string(what) + ": inference model '" + model +
                                 "' is not supported (only qdrant/bm25, served by BM25, a " +
                                 "sparse field's splade:MODEL or bge-m3-sparse:MODEL and a " +
                                 "multi-vector field's " + "colbert:MODEL embedder)");
  }
  return doc["text"].get<std::string>();
}

bool FieldModelMatches(const std::string& embedder, const std::string& model) {
  const size_t colon = model.find(':');
  if (embedder.empty() || colon == std::string::npos) return false;
  const std::string kind = model.substr(0, colon + 1);
  if (SparseEmbedderKind(kind).empty() && kind != "colbert:") return false;
  if (embedder == model) return true;
  auto path = ResolveServerModel(model.substr(colon + 1));
  return path.ok() && embedder == kind + *path;
}

Status CheckFieldModelDocuments(const Json& points, const CollectionSchema& schema) {
  if (!points.is_array()) return Status::Ok();
  for (size_t i = 0; i < points.size(); ++i) {
    const Json* v =
        points[i].is_object() && points[i].contains("vector") ? &points[i]["vector"] : nullptr;
    if (v == nullptr || !v->is_object()) continue;
    for (const auto& [name, x] : v->items()) {
      if (!x.is_object() || !x.contains("text") || !x.value("model", Json("")).is_string()) {
        continue;
      }
      const std::string model = x["model"].get<std::string>();
      const bool sparse = !SparseEmbedderKind(model).empty();
      if (!sparse && !model.starts_with("colbert:")) continue;
      const std::string* embedder = nullptr;
      if (sparse) {
        for (const auto& f : schema.sparse_vectors) {
          if (f.name == name) embedder = &f.embedder;
        }
      } else if (const MultiVectorField* f = schema.FindMultiVector(name)) {
        embedder = &f->embedder;
      }
      if (embedder == nullptr || !FieldModelMatches(*embedder, model)) {
        return Status::InvalidArgument(
            "points[" + std::to_string(i) + "].vector." + name + ": model '" + model +
            "' is not the embedder of a " + (sparse ? "sparse" : "multi-") +
            "vector field named '" + name + "'" +
            (embedder && !embedder->empty() ? " ('" + *embedder + "')" : ""));
      }
    }
  }
  return Status::Ok();
}

Result<std::vector<float>> ParseDense(const Json& j, std::string_view what) {
  if (!j.is_array()) return Status::InvalidArgument(std::string(what) + ": expected an array");
  std::vector<float> v;
  v.reserve(j.size());
  for (const auto& x : j) {
    if (!x.is_number()) {
      return Status::InvalidArgument(std::string(what) + ": vector components must be numbers");
    }
    double d = x.get<double>();
    if (!std::isfinite(d)) return Status::InvalidArgument(std::string(what) + ": non-finite value");
    v.push_back(static_cast<float>(d));
  }
  return v;
}

namespace {

Result<Metric> MetricFromQdrant(const Json& d) {
  if (!d.is_string()) return Status::InvalidArgument("distance: expected a string");
  const auto& s = d.get_ref<const std::string&>();
  if (s == "Cosine") return Metric::kCosine;
  if (s == "Euclid") return Metric::kL2;
  if (s == "Dot") return Metric::kIp;
  if (s == "Manhattan") {
    return Status::Unimplemented(
        "distance Manhattan is not supported yet (Cosine, Euclid, Dot are)");
  }
  return Status::InvalidArgument("distance: unknown value '" + s +
                                 "' (expected Cosine, Euclid, Dot or Manhattan)");
}

const char* QdrantDistance(Metric m) {
  switch (m) {
    case Metric::kCosine:
      return "Cosine";
    case Metric::kL2:
      return "Euclid";
    case Metric::kIp:
      return "Dot";
    case Metric::kHamming:  // ragdb-only (binary vectors); Qdrant has no such distance
      return "Hamming";
  }
  return "Cosine";
}

// on_disk: true is what ragdb does (sealed data lives in memory-mapped segment files); false
// asks to keep it in RAM, which is the page cache's call here.
void CheckOnDisk(const Json& obj, const std::string& where, std::vector<std::string>* warnings) {
  auto it = obj.find("on_disk");
  if (it != obj.end() && it->is_boolean() && !it->get<bool>()) {
    warnings->push_back(where +
                        ".on_disk = false is ignored: sealed segments are memory-mapped "
                        "files, kept in RAM by the OS page cache as memory allows");
  }
}

}  // namespace

Status ApplyHnsw(const Json& h, const std::string& where, IndexParams* p,
                 std::vector<std::string>* warnings) {
  if (h.is_null()) return Status::Ok();
  if (!h.is_object()) return Status::InvalidArgument(where + ": expected an object");
  RAGDB_RETURN_IF_ERROR(CheckFields(h, where, kHnswConfigFields, warnings));
  CheckOnDisk(h, where, warnings);
  RAGDB_ASSIGN_OR_RETURN(auto m, OptUint(h, "m"));
  RAGDB_ASSIGN_OR_RETURN(auto ef, OptUint(h, "ef_construct"));
  // Qdrant builds HNSW lazily; m = 0 disables the graph. An explicit config asks for the graph.
  if (m && *m == 0) {
    p->type = IndexType::kFlat;
    return Status::Ok();
  }
  p->type = IndexType::kHnsw;
  if (m) p->m = static_cast<uint32_t>(*m);
  if (ef) p->ef_construction = static_cast<uint32_t>(*ef);
  return Status::Ok();
}

Status ApplyQuantization(const Json& q, const std::string& where, uint32_t dim, IndexParams* p,
                         std::vector<std::string>* warnings) {
  if (q.is_null()) return Status::Ok();
  if (q == Json("Disabled")) {  // Qdrant's way to switch quantization off (PATCH)
    p->quantization = Quantization::kNone;
    return Status::Ok();
  }
  if (!q.is_object()) return Status::InvalidArgument(where + ": expected an object");
  RAGDB_RETURN_IF_ERROR(CheckFields(q, where, kQuantizationFields, warnings));
  if (q.contains("scalar")) {
    const Json& s = q["scalar"];
    if (!s.is_object() || s.value("type", "") != "int8") {
      return Status::InvalidArgument(where + ".scalar.type must be \"int8\"");
    }
    RAGDB_RETURN_IF_ERROR(CheckFields(s, where + ".scalar", kScalarQuantizationFields, warnings));
    p->quantization = Quantization::kSq8;
    // ragdb's SQ8 codes belong to the HNSW graph (it walks them, then re-ranks exactly); Qdrant
    // builds HNSW for every collection, so asking for quantization asks for the graph too.
    if (p->type == IndexType::kFlat) p->type = IndexType::kHnsw;
    return Status::Ok();
  }
  if (q.contains("binary")) {
    // One bit per component, walked by Hamming distance, the beam re-scored from the floats.
    const Json& b = q["binary"];
    if (!b.is_object()) return Status::InvalidArgument(where + ".binary: expected an object");
    RAGDB_RETURN_IF_ERROR(CheckFields(b, where + ".binary", kBinaryQuantizationFields, warnings));
    if (auto e = b.find("encoding"); e != b.end() && !e->is_null() && *e != "one_bit") {
      return Status::Unimplemented(where + ".binary.encoding: only \"one_bit\" is supported");
    }
    if (auto e = b.find("query_encoding");
        e != b.end() && !e->is_null() && *e != "default" && *e != "binary") {
      return Status::Unimplemented(where +
                                   ".binary.query_encoding: only \"default\" / \"binary\" "
                                   "(queries are binarized like the rows)");
    }
    p->quantization = Quantization::kBinary;
    if (p->type == IndexType::kFlat) p->type = IndexType::kHnsw;
    return Status::Ok();
  }
  if (q.contains("product")) {
    // Qdrant's compression xN keeps 1/N of the float bytes: dim * 4 / N one-byte codes, one per
    // sub-space of N / 4 components (ProductQuantizer::Subspaces rounds to a divisor of dim).
    const Json& pq = q["product"];
    if (!pq.is_object()) return Status::InvalidArgument(where + ".product: expected an object");
    RAGDB_RETURN_IF_ERROR(
        CheckFields(pq, where + ".product", kProductQuantizationFields, warnings));
    static const std::pair<const char*, uint32_t> kCompression[] = {
        {"x4", 1}, {"x8", 2}, {"x16", 4}, {"x32", 8}, {"x64", 16}};
    uint32_t components = 0;
    for (const auto& [name, per_code] : kCompression) {
      if (pq.value("compression", Json()) == name) components = per_code;
    }
    if (components == 0) {
      return Status::InvalidArgument(where +
                                     ".product.compression: expected x4, x8, x16, x32 or x64");
    }
    p->quantization = Quantization::kPq;
    p->pq_m = std::max<uint32_t>(1, dim / components);
    if (p->type == IndexType::kFlat) p->type = IndexType::kHnsw;
    return Status::Ok();
  }
  return Status::Unimplemented(where +
                               ": turbo quantization is not supported (scalar int8, "
                               "binary and product are)");
}

Result<std::optional<uint32_t>> ParseIndexingThreshold(const Json& o,
                                                       std::vector<std::string>* warnings) {
  if (o.is_null()) return std::optional<uint32_t>();
  if (!o.is_object()) return Status::InvalidArgument("optimizers_config: expected an object");
  RAGDB_RETURN_IF_ERROR(CheckFields(o, "optimizers_config", kOptimizersFields, warnings));
  RAGDB_ASSIGN_OR_RETURN(auto kb, OptUint(o, "indexing_threshold"));
  if (!kb) return std::optional<uint32_t>();
  if (*kb > UINT32_MAX) {
    return Status::InvalidArgument("optimizers_config.indexing_threshold: too large");
  }
  return std::optional<uint32_t>(static_cast<uint32_t>(*kb));
}

namespace {

Result<VectorField> VectorFieldFromQdrant(const std::string& name, const Json& v,
                                          const Json& top_hnsw, const Json& top_quant,
                                          std::vector<std::string>* warnings) {
  if (!v.is_object()) return Status::InvalidArgument("vector params: expected an object");
  const std::string where = name.empty() ? "vectors" : "vectors." + name;
  RAGDB_RETURN_IF_ERROR(CheckFields(v, where, kVectorParamsFields, warnings));
  CheckOnDisk(v, where, warnings);
  VectorField f;
  f.name = name;
  auto size = OptUint(v, "size");
  if (!size.ok()) return size.status();
  if (!*size) return Status::InvalidArgument("vector params: missing field `size`");
  f.dim = static_cast<uint32_t>(std::min<uint64_t>(**size, UINT32_MAX));
  if (!v.contains("distance"))
    return Status::InvalidArgument("vector params: missing field `distance`");
  RAGDB_ASSIGN_OR_RETURN(f.metric, MetricFromQdrant(v["distance"]));
  if (auto dt = v.find("datatype"); dt != v.end() && !dt->is_null()) {
    std::string t = dt->is_string() ? dt->get<std::string>() : "";
    if (t == "float32") {
      f.element_type = ElementType::kFloat32;
    } else if (t == "float16") {
      f.element_type = ElementType::kFloat16;
    } else if (t == "uint8") {
      f.element_type = ElementType::kUint8;  // integers 0..255, one byte each, as in Qdrant
    } else {
      return Status::InvalidArgument("datatype: expected float32, float16 or uint8");
    }
  }
  // ragdb's extension: an embedding function, "hash[:DIM]" or an installed model; with
  // "clip:MODEL", points may give {"image": base64} (embedded on upsert) and queries too.
  if (auto e = v.find("embedder"); e != v.end() && !e->is_null()) {
    if (!e->is_string()) return Status::InvalidArgument("embedder: expected a model name");
    RAGDB_ASSIGN_OR_RETURN(f.embedder, ResolveServerModel(e->get<std::string>()));
  }
  RAGDB_RETURN_IF_ERROR(ApplyHnsw(top_hnsw, "hnsw_config", &f.index, warnings));
  RAGDB_RETURN_IF_ERROR(
      ApplyHnsw(v.value("hnsw_config", Json()), where + ".hnsw_config", &f.index, warnings));
  RAGDB_RETURN_IF_ERROR(
      ApplyQuantization(top_quant, "quantization_config", f.dim, &f.index, warnings));
  RAGDB_RETURN_IF_ERROR(ApplyQuantization(v.value("quantization_config", Json()),
                                          where + ".quantization_config", f.dim, &f.index,
                                          warnings));
  return f;
}

bool IsMultiVectorParams(const Json& v) {
  return v.is_object() && v.contains("multivector_config") && !v["multivector_config"].is_null();
}

// Vector params with a multivector_config: a multi-vector field, scored by MaxSim, exactly; an
// hnsw_config (m > 0) asks for the token index (MultiVectorField::index). quantization_config
// has nothing to act on.
Result<MultiVectorField> MultiVectorFieldFromQdrant(const std::string& name, const Json& v,
                                                    std::vector<std::string>* warnings) {
  const std::string where = name.empty() ? "vectors" : "vectors." + name;
  RAGDB_RETURN_IF_ERROR(CheckFields(v, where, kVectorParamsFields, warnings));
  const Json& mc = v["multivector_config"];
  RAGDB_RETURN_IF_ERROR(
      CheckFields(mc, where + ".multivector_config", kMultivectorConfigFields, warnings));
  if (!mc.contains("comparator") || mc["comparator"] != "max_sim") {
    return Status::InvalidArgument(where + ".multivector_config.comparator: expected \"max_sim\"");
  }
  MultiVectorField f;
  f.name = name;
  RAGDB_ASSIGN_OR_RETURN(auto size, OptUint(v, "size"));
  if (!size) return Status::InvalidArgument("vector params: missing field `size`");
  f.dim = static_cast<uint32_t>(std::min<uint64_t>(*size, UINT32_MAX));
  if (!v.contains("distance")) {
    return Status::InvalidArgument("vector params: missing field `distance`");
  }
  RAGDB_ASSIGN_OR_RETURN(f.metric, MetricFromQdrant(v["distance"]));
  if (f.metric != Metric::kCosine && f.metric != Metric::kIp) {
    return Status::Unimplemented(where + ".distance: multi-vectors are scored by Cosine or Dot");
  }
  if (auto dt = v.find("datatype"); dt != v.end() && !dt->is_null() && *dt != "float32") {
    return Status::Unimplemented(where + ".datatype: multi-vectors are stored as float32");
  }
  // ragdb's extension: a ColBERT model ("colbert:MODEL", installed) fills the field from the
  // points' text documents and embeds text queries.
  if (auto e = v.find("embedder"); e != v.end() && !e->is_null()) {
    if (!e->is_string() || !e->get<std::string>().starts_with("colbert:")) {
      return Status::InvalidArgument(where + ".embedder: expected \"colbert:MODEL\"");
    }
    auto resolved = ResolveServerModel(e->get<std::string>());
    if (!resolved.ok()) return resolved.status().WithContext(where + ".embedder");
    f.embedder = std::move(resolved).value();
  }
  RAGDB_RETURN_IF_ERROR(
      ApplyHnsw(v.value("hnsw_config", Json()), where + ".hnsw_config", &f.index, warnings));
  if (v.contains("quantization_config") && !v["quantization_config"].is_null()) {
    warnings->push_back(where +
                        ".quantization_config is ignored: multi-vector fields keep float32 "
                        "vectors (MaxSim is computed on them)");
  }
  CheckOnDisk(v, where, warnings);
  return f;
}

Json MultiVectorParamsJson(const MultiVectorField& f) {
  Json j = {{"size", f.dim},
            {"distance", QdrantDistance(f.metric)},
            {"datatype", "float32"},
            {"multivector_config", {{"comparator", "max_sim"}}}};
  if (!f.embedder.empty()) j["embedder"] = f.embedder;
  if (f.index.type == IndexType::kHnsw) {
    j["hnsw_config"] = {{"m", f.index.m}, {"ef_construct", f.index.ef_construction}};
  }
  return j;
}

Json VectorParamsJson(const VectorField& f) {
  Json j = {{"size", f.dim}, {"distance", QdrantDistance(f.metric)}};
  // Qdrant's names; int8 and binary (ragdb-only types, from the CLI or embedded API) by ours.
  j["datatype"] = std::string(ElementTypeName(f.element_type));
  return j;
}

}  // namespace

Result<CollectionSchema> SchemaFromQdrant(const Json& body, std::vector<std::string>* warnings) {
  if (!body.is_object()) return Status::InvalidArgument("expected a JSON object");
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kCreateCollectionFields, warnings));
  if (auto p = body.find("on_disk_payload");
      p != body.end() && p->is_boolean() && !p->get<bool>()) {
    warnings->push_back(
        "on_disk_payload = false is ignored: payloads of sealed segments are read from "
        "memory-mapped files, kept in RAM by the OS page cache as memory allows");
  }
  CollectionSchema schema;
  RAGDB_ASSIGN_OR_RETURN(auto indexing_threshold,
                         ParseIndexingThreshold(body.value("optimizers_config", Json()), warnings));
  Json hnsw = body.value("hnsw_config", Json());
  Json quant = body.value("quantization_config", Json());
  if (auto v = body.find("vectors"); v != body.end() && !v->is_null()) {
    if (!v->is_object()) return Status::InvalidArgument("vectors: expected an object");
    if (IsMultiVectorParams(*v)) {
      RAGDB_ASSIGN_OR_RETURN(auto f, MultiVectorFieldFromQdrant(kDefaultVectorName, *v, warnings));
      schema.multi_vectors.push_back(std::move(f));
    } else if (v->contains("size") || v->contains("distance")) {
      RAGDB_ASSIGN_OR_RETURN(auto f,
                             VectorFieldFromQdrant(kDefaultVectorName, *v, hnsw, quant, warnings));
      schema.vectors.push_back(std::move(f));
    } else {
      for (const auto& [name, params] : v->items()) {
        if (IsMultiVectorParams(params)) {
          auto f = MultiVectorFieldFromQdrant(name, params, warnings);
          if (!f.ok()) return f.status().WithContext("vectors." + name);
          schema.multi_vectors.push_back(std::move(f).value());
          continue;
        }
        auto f = VectorFieldFromQdrant(name, params, hnsw, quant, warnings);
        if (!f.ok()) return f.status().WithContext("vectors." + name);
        schema.vectors.push_back(std::move(f).value());
      }
    }
  }
  if (indexing_threshold) {
    for (auto& f : schema.vectors) f.index.indexing_threshold_kb = *indexing_threshold;
  }
  if (auto s = body.find("sparse_vectors"); s != body.end() && !s->is_null()) {
    if (!s->is_object()) return Status::InvalidArgument("sparse_vectors: expected an object");
    for (const auto& [name, params] : s->items()) {
      const std::string where = "sparse_vectors." + name;
      RAGDB_RETURN_IF_ERROR(CheckFields(params, where, kSparseVectorParamsFields, warnings));
      if (params.is_object() && params.contains("index")) {
        const Json& index = params["index"];
        RAGDB_RETURN_IF_ERROR(CheckFields(index, where + ".index", kSparseIndexFields, warnings));
        if (index.is_object() && index.contains("datatype") && !index["datatype"].is_null() &&
            index["datatype"] != "float32") {
          return Status::Unimplemented(where +
                                       ".index.datatype: sparse values are stored as float32 only");
        }
      }
      SparseVectorField field{name, ""};
      // ragdb's extension: a learned sparse embedder ("splade:MODEL" or
      // "bge-m3-sparse:MODEL", an installed model).
      if (params.is_object() && params.contains("embedder") && !params["embedder"].is_null()) {
        const Json& e = params["embedder"];
        const std::string spec = e.is_string() ? e.get<std::string>() : "";
        const std::string kind(SparseEmbedderKind(spec));
        if (kind.empty()) {
          return Status::InvalidArgument(where +
                                         ".embedder: expected \"splade:MODEL\" or "
                                         "\"bge-m3-sparse:MODEL\"");
        }
        auto resolved = ResolveServerModel(spec);
        if (!resolved.ok()) return resolved.status().WithContext(where + ".embedder");
        field.embedder = std::move(resolved).value();
      }
      schema.sparse_vectors.push_back(std::move(field));
      // Qdrant's BM25 recipe is a sparse vector with the IDF modifier fed by "qdrant/bm25"
      // documents; here those documents go to the collection's BM25 text field.
      const Json modifier = params.is_object() ? params.value("modifier", Json()) : Json();
      if (modifier == "idf") {
        schema.text = TextField{};
      } else if (!modifier.is_null() && modifier != "none") {
        return Status::InvalidArgument(where + ".modifier: expected \"idf\" or \"none\"");
      }
    }
  }
  return schema;
}

Json QdrantCollectionInfo(const CollectionInfo& info,
                          const std::vector<std::pair<std::string, uint64_t>>& payload_points) {
  const CollectionSchema& s = info.schema;
  Json vectors;
  const VectorField* first = nullptr;
  if (s.vectors.size() == 1 && s.vectors[0].name.empty() && s.multi_vectors.empty()) {
    vectors = VectorParamsJson(s.vectors[0]);
    first = &s.vectors[0];
  } else if (s.multi_vectors.size() == 1 && s.multi_vectors[0].name.empty() && s.vectors.empty()) {
    vectors = MultiVectorParamsJson(s.multi_vectors[0]);
  } else {
    vectors = Json::object();
    for (const auto& f : s.vectors) {
      vectors[f.name] = VectorParamsJson(f);
      if (!first) first = &f;
    }
    for (const auto& f : s.multi_vectors) vectors[f.name] = MultiVectorParamsJson(f);
  }
  Json params = {{"vectors", vectors},
                 {"shard_number", 1},
                 {"replication_factor", 1},
                 {"write_consistency_factor", 1},
                 {"on_disk_payload", true}};
  if (!s.sparse_vectors.empty()) {
    Json sp = Json::object();
    for (const auto& f : s.sparse_vectors) {
      sp[f.name] = s.text ? Json{{"modifier", "idf"}} : Json::object();
      if (!f.embedder.empty()) sp[f.name]["embedder"] = f.embedder;
    }
    params["sparse_vectors"] = sp;
  }
  bool hnsw = first && first->index.type == IndexType::kHnsw;
  Json hnsw_config = {{"m", hnsw ? first->index.m : 0},
                      {"ef_construct", first ? first->index.ef_construction : 100},
                      {"full_scan_threshold", 10000},
                      {"max_indexing_threads", 0},
                      {"on_disk", false}};
  Json quant = nullptr;
  if (first && first->index.quantization == Quantization::kSq8) {
    quant = {{"scalar", {{"type", "int8"}, {"always_ram", true}}}};
  }
  if (first && first->index.quantization == Quantization::kBinary) {
    quant = {{"binary", {{"always_ram", true}, {"encoding", "one_bit"}}}};
  }
  if (first && first->index.quantization == Quantization::kPq) {
    const uint32_t m =
        first->index.pq_m ? first->index.pq_m : std::max<uint32_t>(1, first->dim / 4);
    const uint32_t ratio = 4 * first->dim / m;
    quant = {{"product", {{"compression", "x" + std::to_string(ratio)}, {"always_ram", true}}}};
  }
  Json payload_schema = Json::object();
  for (const auto& p : s.payload_indexes) {
    uint64_t n = 0;
    for (const auto& [k, v] : payload_points) {
      if (k == p.path) n = v;
    }
    payload_schema[p.path] = {{"data_type", PayloadTypeName(p.type)}, {"points", n}};
  }
  uint64_t indexed = 0;
  for (const auto& seg : info.segments) {
    if (!seg.indexes.empty()) indexed += seg.rows - seg.deleted;
  }
  // Yellow while indexes changed by PATCH are being rebuilt, as Qdrant's optimizing state.
  const bool rebuilding = info.segments_pending_rebuild > 0;
  return {{"status", rebuilding ? "yellow" : "green"},
          {"optimizer_status", "ok"},
          {"indexed_vectors_count", indexed},
          {"points_count", info.points},
          {"segments_count", info.segments.size()},
          {"config",
           {{"params", params},
            {"hnsw_config", hnsw_config},
            {"optimizer_config",
             {{"deleted_threshold", 0.2},
              {"vacuum_min_vector_number", 1000},
              {"default_segment_number", 0},
              {"max_segment_size", nullptr},
              {"memmap_threshold", nullptr},
              {"indexing_threshold", first && first->index.indexing_threshold_kb
                                         ? *first->index.indexing_threshold_kb
                                         : 10000},
              {"flush_interval_sec", 5},
              {"max_optimization_threads", nullptr}}},
            {"wal_config", {{"wal_capacity_mb", 32}, {"wal_segments_ahead", 0}}},
            {"quantization_config", quant}}},
          {"payload_schema", payload_schema}};
}

Result<std::string> ImageObjectBytes(const Json& x, const std::string& what) {
  if (!x["image"].is_string()) {
    return Status::InvalidArgument(what + ".image: expected a base64 string or a data URL");
  }
  const std::string& v = x["image"].get_ref<const std::string&>();
  if (v.starts_with("http://") || v.starts_with("https://")) {
    return Status::InvalidArgument(what + ".image: URLs are not fetched; send the bytes as base64");
  }
  auto bytes = Base64Decode(v);
  if (!bytes.ok()) return Status::InvalidArgument(what + ".image: " + bytes.status().message());
  return std::move(bytes).value();
}

Result<MultiVector> ParseMultiVector(const Json& j, const std::string& what) {
  MultiVector m;
  m.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    RAGDB_ASSIGN_OR_RETURN(m.emplace_back(),
                           ParseDense(j[i], what + "[" + std::to_string(i) + "]"));
  }
  return m;
}

Status ParsePointVectors(const Json& v, Record* r) {
  if (v.is_array()) {
    if (!v.empty() && v[0].is_array()) {
      RAGDB_ASSIGN_OR_RETURN(r->multi_vectors[kDefaultVectorName], ParseMultiVector(v, "vector"));
      return Status::Ok();
    }
    RAGDB_ASSIGN_OR_RETURN(r->vectors[kDefaultVectorName], ParseDense(v, "vector"));
    return Status::Ok();
  }
  if (!v.is_object()) {
    return Status::InvalidArgument(
        "vector: expected an array of numbers or an object of named "
        "vectors");
  }
  if (v.contains("image") && v["image"].is_string()) {
    // An inference object for the unnamed vector: {"vector": {"image": base64}}.
    RAGDB_ASSIGN_OR_RETURN(r->image, ImageObjectBytes(v, "vector"));
    return Status::Ok();
  }
  for (const auto& [name, x] : v.items()) {
    std::string what = "vector." + name;
    if (x.is_object()) {
      if (x.contains("text")) {
        // Qdrant's server-side BM25 document: stored as the record's text, indexed by the
        // collection's BM25 text field.
        RAGDB_ASSIGN_OR_RETURN(std::string text, Bm25DocumentText(x, what));
        r->text = std::move(text);
        continue;
      }
      if (x.contains("image")) {
        // Qdrant's inference object {"image": ..., "model": ...}: base64 (or a data URL) of the
        // picture, embedded on upsert by the field's image embedder (`clip:MODEL`). Remote URLs
        // are not fetched.
        RAGDB_ASSIGN_OR_RETURN(r->image, ImageObjectBytes(x, what));
        continue;
      }
      if (x.contains("object")) {
        return Status::Unimplemented(what + ": server-side inference is not supported yet");
      }
      SparseVector sv;
      if (!x.contains("indices") || !x.contains("values") || !x["indices"].is_array() ||
          !x["values"].is_array()) {
        return Status::InvalidArgument(what + ": a sparse vector needs `indices` and `values`");
      }
      for (const auto& i : x["indices"]) {
        if (!i.is_number_unsigned() || i.get<uint64_t>() > UINT32_MAX) {
          return Status::InvalidArgument(what + ".indices: expected unsigned 32-bit integers");
        }
        sv.indices.push_back(i.get<uint32_t>());
      }
      RAGDB_ASSIGN_OR_RETURN(sv.values, ParseDense(x["values"], what + ".values"));
      if (sv.indices.size() != sv.values.size()) {
        return Status::InvalidArgument(what + ": indices and values differ in length");
      }
      r->sparse_vectors[name] = std::move(sv);
    } else if (x.is_array() && !x.empty() && x[0].is_array()) {
      RAGDB_ASSIGN_OR_RETURN(r->multi_vectors[name], ParseMultiVector(x, what));
    } else {
      RAGDB_ASSIGN_OR_RETURN(r->vectors[name], ParseDense(x, what));
    }
  }
  return Status::Ok();
}

Json VectorsJson(const std::map<std::string, std::vector<float>>& dense,
                 const std::map<std::string, SparseVector>* sparse, const VectorSelector& s,
                 const std::map<std::string, MultiVector>* multi) {
  if (!s.enabled) return nullptr;
  const size_t others = (sparse ? sparse->size() : 0) + (multi ? multi->size() : 0);
  bool only_default =
      others == 0 && dense.size() == 1 && dense.begin()->first == kDefaultVectorName;
  if (only_default) {
    if (!Selects(s, kDefaultVectorName) && !s.names.empty()) return nullptr;
    return dense.begin()->second;
  }
  if (dense.empty() && others == 1 && multi && multi->size() == 1 &&
      multi->begin()->first == kDefaultVectorName) {
    if (!Selects(s, kDefaultVectorName) && !s.names.empty()) return nullptr;
    return multi->begin()->second;
  }
  Json out = Json::object();
  for (const auto& [name, v] : dense) {
    if (Selects(s, name)) out[name] = v;
  }
  if (multi) {
    for (const auto& [name, m] : *multi) {
      if (Selects(s, name)) out[name] = m;
    }
  }
  if (sparse) {
    for (const auto& [name, v] : *sparse) {
      if (Selects(s, name)) out[name] = {{"indices", v.indices}, {"values", v.values}};
    }
  }
  return out;
}

Json RecordJson(const Record& r, const PayloadSelector& ps, const VectorSelector& vs,
                bool with_text) {
  Json j = {{"id", r.id.ToJson()}, {"payload", SelectPayload(r.payload, ps)}};
  j["vector"] = VectorsJson(r.vectors, &r.sparse_vectors, vs, &r.multi_vectors);
  if (with_text) j["text"] = r.text ? Json(*r.text) : Json();
  return j;
}

void AppendScoredPointJson(const ScoredPoint& p, const PayloadSelector& ps,
                           const VectorSelector& vs, std::string* out, bool with_text) {
  *out += "{\"id\":";
  if (p.id.is_number()) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, p.id.number());
    out->append(buf, r.ptr);
  } else {
    *out += WriteJson(Json(p.id.str()));
  }
  *out += ",\"version\":0,\"score\":";
  AppendJsonNumber(p.score, out);
  *out += ",\"payload\":";
  if (ps.enabled) {
    *out += WriteJson(SelectPayload(p.payload, ps));
  } else {
    *out += "null";
  }
  *out += ",\"vector\":";
  if (vs.enabled) {
    *out += WriteJson(VectorsJson(p.vectors, nullptr, vs, &p.multi_vectors));
  } else {
    *out += "null";
  }
  if (with_text) {
    *out += ",\"text\":";
    *out += p.text ? WriteJson(Json(*p.text)) : "null";
  }
  *out += '}';
}

}  // namespace ragdb::server
