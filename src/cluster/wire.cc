#include "cluster/wire.h"

namespace ragdb::cluster {
namespace {

Status Bad(const std::string& what) { return Status::InvalidArgument("cluster wire: " + what); }

template <typename T>
Result<T> Field(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return Bad(std::string("missing '") + key + "'");
  try {
    return it->get<T>();
  } catch (const std::exception& e) {
    return Bad(std::string("bad '") + key + "': " + e.what());
  }
}

template <typename T>
Status Optional(const Json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::Ok();
  try {
    *out = it->get<T>();
  } catch (const std::exception& e) {
    return Bad(std::string("bad '") + key + "': " + e.what());
  }
  return Status::Ok();
}

Json SparseJson(const SparseVector& v) { return {{"indices", v.indices}, {"values", v.values}}; }

}  // namespace

Json FilterJson(const std::optional<Filter>& f) { return f ? f->ToJson() : Json(); }

Result<std::optional<Filter>> FilterFromJson(const Json& j) {
  if (j.is_null()) return std::optional<Filter>();
  RAGDB_ASSIGN_OR_RETURN(Filter f, Filter::FromJson(j));
  return std::optional<Filter>(std::move(f));
}

Json ToJson(const SearchRequest& r) {
  Json j = {{"field", r.field},
            {"vector", r.vector},
            {"k", r.k},
            {"offset", r.offset},
            {"with_payload", r.with_payload},
            {"with_vectors", r.with_vectors},
            {"with_text", r.with_text},
            {"exact", r.exact},
            {"ef", r.ef},
            {"nprobe", r.nprobe},
            {"filter", FilterJson(r.filter)}};
  if (r.query_text) j["query_text"] = *r.query_text;
  if (r.score_threshold) j["score_threshold"] = *r.score_threshold;
  return j;
}

Result<SearchRequest> SearchRequestFromJson(const Json& j) {
  SearchRequest r;
  RAGDB_ASSIGN_OR_RETURN(r.field, Field<std::string>(j, "field"));
  RAGDB_ASSIGN_OR_RETURN(r.vector, Field<std::vector<float>>(j, "vector"));
  RAGDB_ASSIGN_OR_RETURN(r.k, Field<size_t>(j, "k"));
  RAGDB_ASSIGN_OR_RETURN(r.offset, Field<size_t>(j, "offset"));
  RAGDB_ASSIGN_OR_RETURN(r.with_payload, Field<bool>(j, "with_payload"));
  RAGDB_ASSIGN_OR_RETURN(r.with_vectors, Field<bool>(j, "with_vectors"));
  RAGDB_ASSIGN_OR_RETURN(r.with_text, Field<bool>(j, "with_text"));
  RAGDB_ASSIGN_OR_RETURN(r.exact, Field<bool>(j, "exact"));
  RAGDB_ASSIGN_OR_RETURN(r.ef, Field<uint32_t>(j, "ef"));
  RAGDB_ASSIGN_OR_RETURN(r.nprobe, Field<uint32_t>(j, "nprobe"));
  RAGDB_ASSIGN_OR_RETURN(r.filter, FilterFromJson(j.value("filter", Json())));
  std::string text;
  if (j.contains("query_text")) {
    RAGDB_ASSIGN_OR_RETURN(text, Field<std::string>(j, "query_text"));
    r.query_text = text;
  }
  if (j.contains("score_threshold")) {
    RAGDB_ASSIGN_OR_RETURN(float t, Field<float>(j, "score_threshold"));
    r.score_threshold = t;
  }
  return r;
}

Json ToJson(const TextSearchRequest& r) {
  return {{"query", r.query},
          {"all_terms", r.all_terms},
          {"phrase", r.phrase},
          {"k", r.k},
          {"offset", r.offset},
          {"with_payload", r.with_payload},
          {"with_vectors", r.with_vectors},
          {"with_text", r.with_text},
          {"filter", FilterJson(r.filter)}};
}

Result<TextSearchRequest> TextSearchRequestFromJson(const Json& j) {
  TextSearchRequest r;
  RAGDB_ASSIGN_OR_RETURN(r.query, Field<std::string>(j, "query"));
  RAGDB_ASSIGN_OR_RETURN(r.all_terms, Field<bool>(j, "all_terms"));
  RAGDB_ASSIGN_OR_RETURN(r.phrase, Field<bool>(j, "phrase"));
  RAGDB_ASSIGN_OR_RETURN(r.k, Field<size_t>(j, "k"));
  RAGDB_ASSIGN_OR_RETURN(r.offset, Field<size_t>(j, "offset"));
  RAGDB_ASSIGN_OR_RETURN(r.with_payload, Field<bool>(j, "with_payload"));
  RAGDB_ASSIGN_OR_RETURN(r.with_vectors, Field<bool>(j, "with_vectors"));
  RAGDB_ASSIGN_OR_RETURN(r.with_text, Field<bool>(j, "with_text"));
  RAGDB_ASSIGN_OR_RETURN(r.filter, FilterFromJson(j.value("filter", Json())));
  return r;
}

Json ToJson(const SparseSearchRequest& r) {
  return {{"field", r.field},
          {"vector", SparseJson(r.vector)},
          {"k", r.k},
          {"offset", r.offset},
          {"with_payload", r.with_payload},
          {"with_vectors", r.with_vectors},
          {"with_text", r.with_text},
          {"filter", FilterJson(r.filter)}};
}

Result<SparseSearchRequest> SparseSearchRequestFromJson(const Json& j) {
  SparseSearchRequest r;
  RAGDB_ASSIGN_OR_RETURN(r.field, Field<std::string>(j, "field"));
  RAGDB_ASSIGN_OR_RETURN(Json v, Field<Json>(j, "vector"));
  RAGDB_ASSIGN_OR_RETURN(r.vector.indices, Field<std::vector<uint32_t>>(v, "indices"));
  RAGDB_ASSIGN_OR_RETURN(r.vector.values, Field<std::vector<float>>(v, "values"));
  RAGDB_ASSIGN_OR_RETURN(r.k, Field<size_t>(j, "k"));
  RAGDB_ASSIGN_OR_RETURN(r.offset, Field<size_t>(j, "offset"));
  RAGDB_ASSIGN_OR_RETURN(r.with_payload, Field<bool>(j, "with_payload"));
  RAGDB_ASSIGN_OR_RETURN(r.with_vectors, Field<bool>(j, "with_vectors"));
  RAGDB_ASSIGN_OR_RETURN(r.with_text, Field<bool>(j, "with_text"));
  RAGDB_ASSIGN_OR_RETURN(r.filter, FilterFromJson(j.value("filter", Json())));
  return r;
}

Json ToJson(const ScrollRequest& r) {
  return {{"filter", FilterJson(r.filter)},
          {"offset", r.offset ? r.offset->ToJson() : Json()},
          {"limit", r.limit},
          {"with_payload", r.with_payload},
          {"with_vectors", r.with_vectors}};
}

Result<ScrollRequest> ScrollRequestFromJson(const Json& j) {
  ScrollRequest r;
  RAGDB_ASSIGN_OR_RETURN(r.filter, FilterFromJson(j.value("filter", Json())));
  if (auto it = j.find("offset"); it != j.end() && !it->is_null()) {
    RAGDB_ASSIGN_OR_RETURN(PointId id, PointId::FromJson(*it));
    r.offset = id;
  }
  RAGDB_ASSIGN_OR_RETURN(r.limit, Field<size_t>(j, "limit"));
  RAGDB_ASSIGN_OR_RETURN(r.with_payload, Field<bool>(j, "with_payload"));
  RAGDB_ASSIGN_OR_RETURN(r.with_vectors, Field<bool>(j, "with_vectors"));
  return r;
}

Json ToJson(const std::vector<ScoredPoint>& points) {
  Json out = Json::array();
  for (const auto& p : points) {
    Json j = {{"id", p.id.ToJson()}, {"score", p.score}, {"payload", p.payload}};
    if (!p.vectors.empty()) j["vectors"] = p.vectors;
    if (p.text) j["text"] = *p.text;
    out.push_back(std::move(j));
  }
  return out;
}

Result<std::vector<ScoredPoint>> PointsFromJson(const Json& j) {
  if (!j.is_array()) return Bad("expected an array of points");
  std::vector<ScoredPoint> out;
  out.reserve(j.size());
  for (const auto& e : j) {
    ScoredPoint p;
    RAGDB_ASSIGN_OR_RETURN(p.id, PointId::FromJson(e.value("id", Json())));
    RAGDB_ASSIGN_OR_RETURN(p.score, Field<float>(e, "score"));
    p.payload = e.value("payload", Json());
    RAGDB_RETURN_IF_ERROR(Optional(e, "vectors", &p.vectors));
    if (e.contains("text")) {
      RAGDB_ASSIGN_OR_RETURN(std::string t, Field<std::string>(e, "text"));
      p.text = std::move(t);
    }
    out.push_back(std::move(p));
  }
  return out;
}

Json ToJson(const ScrollPage& page) {
  Json records = Json::array();
  for (const auto& r : page.records) records.push_back(RecordToJson(r, true));
  return {{"records", records},
          {"next_offset", page.next_offset ? page.next_offset->ToJson() : Json()}};
}

Result<ScrollPage> ScrollPageFromJson(const Json& j) {
  ScrollPage page;
  RAGDB_ASSIGN_OR_RETURN(Json records, Field<Json>(j, "records"));
  if (!records.is_array()) return Bad("records must be an array");
  for (const auto& r : records) {
    RAGDB_ASSIGN_OR_RETURN(Record rec, RecordFromJson(r));
    page.records.push_back(std::move(rec));
  }
  if (auto it = j.find("next_offset"); it != j.end() && !it->is_null()) {
    RAGDB_ASSIGN_OR_RETURN(PointId id, PointId::FromJson(*it));
    page.next_offset = id;
  }
  return page;
}

Json ToJson(const text::CollectionStats& s) {
  Json df = Json::object();
  for (const auto& [t, n] : s.doc_freq) df[t] = n;
  return {{"doc_count", s.doc_count}, {"total_tokens", s.total_tokens}, {"doc_freq", df}};
}

Result<text::CollectionStats> StatsFromJson(const Json& j) {
  text::CollectionStats s;
  RAGDB_ASSIGN_OR_RETURN(s.doc_count, Field<uint64_t>(j, "doc_count"));
  RAGDB_ASSIGN_OR_RETURN(s.total_tokens, Field<uint64_t>(j, "total_tokens"));
  RAGDB_ASSIGN_OR_RETURN(Json df, Field<Json>(j, "doc_freq"));
  if (!df.is_object()) return Bad("doc_freq must be an object");
  for (const auto& [t, n] : df.items()) {
    if (!n.is_number_unsigned()) return Bad("doc_freq values must be counts");
    s.doc_freq[t] = n.get<uint64_t>();
  }
  return s;
}

}  // namespace ragdb::cluster
