// Search endpoints of the Qdrant REST API: the Query API (/points/query, batch, groups) with
// prefetch and fusion, and the legacy /points/search (batch, groups).
//
// A query is a tree: each node has an optional `query`, a `filter`, a `limit`, and prefetch
// children. A node without children searches the whole collection; a node with children
// either fuses their lists (`{"fusion": ...}`) or re-scores the union of their hits with its own
// vector. The parent's filter also applies to its children, as in Qdrant.
//
// ragdb extensions (used by the Python client): `params.nprobe` (IVF lists probed),
// `"with_text": true` (hits carry the record's text), and inference documents
// {"text", "model"} whose model is the embedder of the `using` field (the field embeds the text;
// "qdrant/bm25" stays BM25).
#include "server/qdrant/query.h"

#include <algorithm>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "base/json_text.h"
#include "server/app.h"
#include "server/fusion.h"
#include "server/qdrant/convert.h"
#include "server/qdrant/examples.h"
#include "server/qdrant/fields.h"

namespace ragdb::server {
namespace {

struct QueryNode {
  enum class Kind {
    kNone,
    kVector,
    kMultiVector,  // an array of vectors, for a multi-vector field (MaxSim)
    kPointId,
    kRrf,
    kDbsf,
    kText,
    kSparse,
    kNearText,
    kRecommend,  // `recommend`: explore.h's RecommendRequest
    kDiscover,   // `discover` (with a target) and `context` (without)
    kOrderBy,    // `order_by`: points by a payload value, score = that value
    kSample,     // `sample: "random"`: score 0
  };
  Kind kind = Kind::kNone;
  std::vector<float> vector;
  MultiVector multi;                 // kMultiVector
  std::optional<std::string> image;  // kVector from {"image": ..}: embedded by the field
  std::string text;     // kText: a BM25 query; kNearText: text for the field's embedder
  std::string model;    // kNearText: the inference model named (the field's embedder)
  SparseVector sparse;  // kSparse
  PointId id;
  std::optional<MmrParams> mmr;  // kVector / kPointId / kNearText from {"nearest", "mmr"}
  RecommendRequest recommend;    // kRecommend: examples and strategy (the rest set by Execute)
  DiscoverRequest discover;      // kDiscover: target and context
  OrderBy order_by;              // kOrderBy
  size_t rrf_k = kDefaultRrfK;
  std::optional<std::vector<float>> weights;
  std::string using_ = kDefaultVectorName;
  std::optional<Filter> filter;  // effective: ANDed with the ancestors' filters
  size_t limit = 10;
  size_t offset = 0;
  std::optional<float> score_threshold;
  bool exact = false;
  uint32_t ef = 0;
  uint32_t nprobe = 0;
  std::vector<QueryNode> prefetch;
};

constexpr size_t kMaxLimit = 100000;

Status Unsupported(const std::string& what) {
  return Status::Unimplemented(what + " is not supported yet");
}

bool IsDense(QueryNode::Kind k) {
  return k == QueryNode::Kind::kVector || k == QueryNode::Kind::kMultiVector ||
         k == QueryNode::Kind::kPointId || k == QueryNode::Kind::kNearText;
}

// Queries answered by Collection's exploration calls (explore.h).
bool IsExplore(QueryNode::Kind k) {
  return k == QueryNode::Kind::kRecommend || k == QueryNode::Kind::kDiscover ||
         k == QueryNode::Kind::kOrderBy || k == QueryNode::Kind::kSample;
}

// `recommend`, `discover`, `context`, `order_by` and `sample` queries.
Status ParseExploreQuery(const Json& q, QueryNode* n, std::vector<std::string>* warnings) {
  if (q.contains("recommend")) {
    const Json& r = q["recommend"];
    if (!r.is_object()) return Status::InvalidArgument("query.recommend: expected an object");
    RAGDB_RETURN_IF_ERROR(CheckFields(r, "query.recommend", kRecommendInputFields, warnings));
    n->kind = QueryNode::Kind::kRecommend;
    RAGDB_ASSIGN_OR_RETURN(n->recommend.positive,
                           ParseExamples(r.contains("positive") ? &r["positive"] : nullptr,
                                         "query.recommend.positive"));
    RAGDB_ASSIGN_OR_RETURN(n->recommend.negative,
                           ParseExamples(r.contains("negative") ? &r["negative"] : nullptr,
                                         "query.recommend.negative"));
    RAGDB_ASSIGN_OR_RETURN(n->recommend.strategy,
                           ParseStrategy(r.contains("strategy") ? &r["strategy"] : nullptr,
                                         "query.recommend.strategy"));
    if (n->recommend.positive.empty() && n->recommend.negative.empty()) {
      return Status::InvalidArgument("query.recommend: needs at least one positive or negative");
    }
    return Status::Ok();
  }
  if (q.contains("discover")) {
    const Json& d = q["discover"];
    if (!d.is_object()) return Status::InvalidArgument("query.discover: expected an object");
    RAGDB_RETURN_IF_ERROR(CheckFields(d, "query.discover", kDiscoverInputFields, warnings));
    if (!d.contains("target") || d["target"].is_null()) {
      return Status::InvalidArgument("query.discover: missing field `target`");
    }
    n->kind = QueryNode::Kind::kDiscover;
    RAGDB_ASSIGN_OR_RETURN(n->discover.target, ParseExample(d["target"], "query.discover.target"));
    RAGDB_ASSIGN_OR_RETURN(n->discover.context,
                           ParseContext(d.contains("context") ? &d["context"] : nullptr,
                                        "query.discover.context", warnings));
    return Status::Ok();
  }
  if (q.contains("context")) {
    n->kind = QueryNode::Kind::kDiscover;
    RAGDB_ASSIGN_OR_RETURN(n->discover.context,
                           ParseContext(&q["context"], "query.context", warnings));
    if (n->discover.context.empty()) {
      return Status::InvalidArgument("query.context: needs at least one pair");
    }
    return Status::Ok();
  }
  if (q.contains("order_by")) {
    n->kind = QueryNode::Kind::kOrderBy;
    RAGDB_ASSIGN_OR_RETURN(n->order_by, ParseOrderBy(q["order_by"], "query.order_by", warnings));
    return Status::Ok();
  }
  const Json& sample = q["sample"];
  if (!sample.is_string() || sample.get<std::string>() != "random") {
    return Status::InvalidArgument("query.sample: expected \"random\"");
  }
  n->kind = QueryNode::Kind::kSample;
  return Status::Ok();
}

// The `query` member (QueryInterface in Qdrant's spec).
Status ParseQueryInterface(const Json& q, QueryNode* n, std::vector<std::string>* warnings) {
  if (q.is_null()) return Status::Ok();
  if (q.is_array()) {
    if (!q.empty() && q[0].is_array()) {
      n->kind = QueryNode::Kind::kMultiVector;
      n->multi.reserve(q.size());
      for (size_t i = 0; i < q.size(); ++i) {
        RAGDB_ASSIGN_OR_RETURN(n->multi.emplace_back(),
                               ParseDense(q[i], "query[" + std::to_string(i) + "]"));
      }
      return Status::Ok();
    }
    n->kind = QueryNode::Kind::kVector;
    RAGDB_ASSIGN_OR_RETURN(n->vector, ParseDense(q, "query"));
    return Status::Ok();
  }
  if (q.is_number() || q.is_string()) {
    n->kind = QueryNode::Kind::kPointId;
    RAGDB_ASSIGN_OR_RETURN(n->id, ParseQdrantId(q));
    return Status::Ok();
  }
  if (!q.is_object())
    return Status::InvalidArgument("query: unexpected " + std::string(q.type_name()));
  if (q.contains("nearest")) {
    RAGDB_RETURN_IF_ERROR(CheckFields(q, "query", kNearestFields, warnings));
    RAGDB_RETURN_IF_ERROR(ParseQueryInterface(q["nearest"], n, warnings));
    if (q.contains("mmr") && !q["mmr"].is_null()) {
      if (!IsDense(n->kind)) {
        return Status::InvalidArgument("query.mmr: only for nearest queries on dense vectors");
      }
      RAGDB_ASSIGN_OR_RETURN(n->mmr, ParseMmr(q["mmr"], "query.mmr", warnings));
    }
    return Status::Ok();
  }
  if (q.contains("fusion")) {
    std::string f = q["fusion"].is_string() ? q["fusion"].get<std::string>() : "";
    if (f == "rrf") {
      n->kind = QueryNode::Kind::kRrf;
    } else if (f == "dbsf") {
      n->kind = QueryNode::Kind::kDbsf;
    } else {
      return Status::InvalidArgument("query.fusion: expected \"rrf\" or \"dbsf\"");
    }
    return Status::Ok();
  }
  if (q.contains("rrf")) {
    const Json& r = q["rrf"];
    if (!r.is_object()) return Status::InvalidArgument("query.rrf: expected an object");
    n->kind = QueryNode::Kind::kRrf;
    RAGDB_ASSIGN_OR_RETURN(auto k, OptUint(r, "k"));
    if (k) n->rrf_k = *k;
    if (r.contains("weights") && !r["weights"].is_null()) {
      RAGDB_ASSIGN_OR_RETURN(auto w, ParseDense(r["weights"], "query.rrf.weights"));
      n->weights = std::move(w);
    }
    return Status::Ok();
  }
  if (q.contains("indices") && q.contains("values")) {
    Record r;
    RAGDB_RETURN_IF_ERROR(ParsePointVectors(Json{{"q", q}}, &r));
    n->kind = QueryNode::Kind::kSparse;
    n->sparse = std::move(r.sparse_vectors["q"]);
    return Status::Ok();
  }
  if (q.contains("text")) {
    RAGDB_ASSIGN_OR_RETURN(auto model, OptString(q, "model"));
    std::string lower = model.value_or("");
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "qdrant/bm25") {
      RAGDB_ASSIGN_OR_RETURN(n->text, Bm25DocumentText(q, "query"));
      n->kind = QueryNode::Kind::kText;
      return Status::Ok();
    }
    if (!q["text"].is_string()) return Status::InvalidArgument("query.text: expected a string");
    n->kind = QueryNode::Kind::kNearText;
    n->text = q["text"].get<std::string>();
    n->model = model.value_or("");
    return Status::Ok();
  }
  if (q.contains("image")) {
    n->kind = QueryNode::Kind::kVector;
    RAGDB_ASSIGN_OR_RETURN(n->image, ImageObjectBytes(q, "query"));
    return Status::Ok();
  }
  if (q.contains("object")) return Unsupported("inference queries");
  for (const char* k : {"recommend", "discover", "context", "order_by", "sample"}) {
    if (q.contains(k)) return ParseExploreQuery(q, n, warnings);
  }
  for (const char* k : {"formula", "relevance_feedback"}) {
    if (q.contains(k)) return Unsupported(std::string("query type `") + k + "`");
  }
  return Status::InvalidArgument("query: unrecognized query object");
}

// The search `params`: hnsw_ef and exact are used; quantization settings other than the way
// ragdb always searches SQ8 (codes for the walk, exact re-ranking) are accepted with a warning.
Status ParseSearchParams(const Json& p, QueryNode* n, std::vector<std::string>* warnings) {
  if (p.is_null()) return Status::Ok();
  if (!p.is_object()) return Status::InvalidArgument("params: expected an object");
  RAGDB_RETURN_IF_ERROR(CheckFields(p, "params", kSearchParamsFields, warnings));
  RAGDB_ASSIGN_OR_RETURN(auto exact, OptBool(p, "exact"));
  RAGDB_ASSIGN_OR_RETURN(auto ef, OptUint(p, "hnsw_ef"));
  RAGDB_ASSIGN_OR_RETURN(auto nprobe, OptUint(p, "nprobe"));  // ragdb's extension, for IVF
  n->exact = exact.value_or(false);
  n->ef = static_cast<uint32_t>(ef.value_or(0));
  n->nprobe = static_cast<uint32_t>(nprobe.value_or(0));
  RAGDB_ASSIGN_OR_RETURN(auto indexed_only, OptBool(p, "indexed_only"));
  if (indexed_only.value_or(false)) {
    warnings->push_back(
        "params.indexed_only = true is ignored: the rows not yet indexed are searched too");
  }
  if (auto q = p.find("quantization"); q != p.end() && !q->is_null()) {
    RAGDB_RETURN_IF_ERROR(
        CheckFields(*q, "params.quantization", kQuantizationSearchFields, warnings));
    RAGDB_ASSIGN_OR_RETURN(auto ignore, OptBool(*q, "ignore"));
    RAGDB_ASSIGN_OR_RETURN(auto rescore, OptBool(*q, "rescore"));
    RAGDB_ASSIGN_OR_RETURN(auto oversampling, OptNumber(*q, "oversampling"));
    if (ignore.value_or(false) || !rescore.value_or(true) || oversampling) {
      warnings->push_back(
          "params.quantization is ignored: SQ8 indexes always walk the codes and re-rank "
          "every candidate exactly");
    }
  }
  return Status::Ok();
}

Result<QueryNode> ParseNode(const Json& j, const std::optional<Filter>& parent_filter, int depth,
                            const FieldRules& rules, std::vector<std::string>* warnings) {
  if (!j.is_object()) return Status::InvalidArgument("expected a query object");
  if (depth > 8) return Status::InvalidArgument("prefetch nested too deep");
  RAGDB_RETURN_IF_ERROR(CheckFields(j, depth == 0 ? "" : "prefetch", rules, warnings));
  QueryNode n;
  if (j.contains("query")) RAGDB_RETURN_IF_ERROR(ParseQueryInterface(j["query"], &n, warnings));
  RAGDB_ASSIGN_OR_RETURN(auto using_, OptString(j, "using"));
  if (using_) n.using_ = *using_;
  RAGDB_ASSIGN_OR_RETURN(auto own,
                         ParseQdrantFilter(j.contains("filter") ? &j["filter"] : nullptr));
  n.filter = AndFilters(parent_filter, own);
  RAGDB_ASSIGN_OR_RETURN(auto limit, OptUint(j, "limit"));
  if (limit) {
    if (*limit == 0) return Status::InvalidArgument("limit: must be at least 1");
    n.limit = std::min<uint64_t>(*limit, kMaxLimit);
  }
  RAGDB_ASSIGN_OR_RETURN(auto offset, OptUint(j, "offset"));
  if (offset) n.offset = std::min<uint64_t>(*offset, kMaxLimit);
  RAGDB_ASSIGN_OR_RETURN(auto thr, OptNumber(j, "score_threshold"));
  if (thr) n.score_threshold = static_cast<float>(*thr);
  if (j.contains("params")) {
    RAGDB_RETURN_IF_ERROR(ParseSearchParams(j["params"], &n, warnings));
  }
  if (j.contains("prefetch") && !j["prefetch"].is_null()) {
    const Json& p = j["prefetch"];
    if (p.is_array()) {
      for (const auto& c : p) {
        RAGDB_ASSIGN_OR_RETURN(auto child,
                               ParseNode(c, n.filter, depth + 1, kPrefetchFields, warnings));
        n.prefetch.push_back(std::move(child));
      }
    } else {
      RAGDB_ASSIGN_OR_RETURN(auto child,
                             ParseNode(p, n.filter, depth + 1, kPrefetchFields, warnings));
      n.prefetch.push_back(std::move(child));
    }
  }
  if ((n.kind == QueryNode::Kind::kRrf || n.kind == QueryNode::Kind::kDbsf) && n.prefetch.empty()) {
    return Status::InvalidArgument("fusion queries need at least one prefetch");
  }
  return n;
}

struct Fetch {
  bool payload = false;
  bool vectors = false;
  bool text = false;
};

// Resolves the query vector of a node (a point id becomes that point's vector; text for the
// field's embedder stays text: an empty vector, and the engine embeds SearchRequest::query_text).
Result<std::vector<float>> QueryVector(Collection& col, const QueryNode& n) {
  const VectorField* field = nullptr;
  CollectionSchema schema = col.schema();
  field = schema.FindVector(n.using_);
  if (n.kind == QueryNode::Kind::kNearText) {
    if (field == nullptr || field->embedder.empty() || field->embedder != n.model) {
      const std::string name = n.using_.empty() ? "(default)" : n.using_;
      return Status::Unimplemented(
          "query: inference model '" + n.model + "' is not supported: only qdrant/bm25 (served " +
          "by BM25) and the embedder of the vector field in `using`, and it is not the embedder " +
          "of vector field " + name +
          (field == nullptr || field->embedder.empty() ? " (it has none)"
                                                       : " ('" + field->embedder + "')"));
    }
    return std::vector<float>();
  }
  if (!field) {
    for (const auto& s : schema.sparse_vectors) {
      if (s.name == n.using_) return Unsupported("search on sparse vector `" + n.using_ + "`");
    }
    return Status::InvalidArgument("Wrong input: Not existing vector name error: " +
                                   (n.using_.empty() ? std::string("(default)") : n.using_));
  }
  if (n.kind == QueryNode::Kind::kVector) return n.vector;
  auto rec = col.Get(n.id, true);
  if (!rec.ok() && rec.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("No point with id " + n.id.ToString() + " found");
  }
  if (!rec.ok()) return rec.status();
  auto it = rec->vectors.find(n.using_);
  if (it == rec->vectors.end()) {
    return Status::InvalidArgument("point " + n.id.ToString() + " has no vector `" + n.using_ +
                                   "`");
  }
  return it->second;
}

bool LargerIsBetter(Collection& col, const std::string& using_) {
  CollectionSchema s = col.schema();
  const VectorField* f = s.FindVector(using_);
  return !f || (f->metric != Metric::kL2 && f->metric != Metric::kHamming);  // distances
}

// Re-scoring with prefetch considers only the prefetched points: has_id over their union
// (unset when there are none).
std::optional<Filter> CandidatesFilter(const std::vector<std::vector<ScoredPoint>>& lists) {
  Condition c;
  c.kind = Condition::Kind::kHasId;
  std::unordered_set<PointId> seen;
  for (const auto& l : lists) {
    for (const auto& p : l) {
      if (seen.insert(p.id).second) c.ids.push_back(p.id);
    }
  }
  if (c.ids.empty()) return std::nullopt;
  Filter f;
  f.must.push_back(std::move(c));
  return f;
}

// Runs a node and returns its best `limit + offset` hits (offset is applied by the caller).
// `top` asks the engine for payloads/vectors directly when it can.
// The search request of a vector, point-id or near-text node (its prefetch candidates not
// included).
// The query matrix of a node on a multi-vector field: the one given, or the example point's.
Result<MultiVector> QueryMultiVector(Collection& col, const QueryNode& n) {
  const std::string name = n.using_.empty() ? "(default)" : n.using_;
  switch (n.kind) {
    case QueryNode::Kind::kMultiVector:
      return n.multi;
    case QueryNode::Kind::kNearText:
      return MultiVector();  // the field's embedder embeds SearchRequest::query_text
    case QueryNode::Kind::kPointId: {
      auto rec = col.Get(n.id, true);
      if (!rec.ok() && rec.status().code() == StatusCode::kNotFound) {
        return Status::NotFound("No point with id " + n.id.ToString() + " found");
      }
      if (!rec.ok()) return rec.status();
      auto it = rec->multi_vectors.find(n.using_);
      if (it == rec->multi_vectors.end()) {
        return Status::InvalidArgument("point " + n.id.ToString() + " has no multi-vector `" +
                                       name + "`");
      }
      return it->second;
    }
    default:
      return Status::InvalidArgument("query: `" + name +
                                     "` is a multi-vector field: query it with an array of "
                                     "vectors or a point id");
  }
}

Result<SearchRequest> DenseRequest(Collection& col, const QueryNode& n, const Fetch& fetch) {
  SearchRequest req;
  req.field = n.using_;
  const CollectionSchema schema = col.schema();  // a copy: the pointers below point into it
  const MultiVectorField* multi_field = schema.FindMultiVector(n.using_);
  const bool multi = n.kind == QueryNode::Kind::kMultiVector || multi_field != nullptr;
  if (multi && multi_field == nullptr) {
    return Status::InvalidArgument("query: an array of vectors needs a multi-vector field, and `" +
                                   (n.using_.empty() ? std::string("(default)") : n.using_) +
                                   "` is not one");
  }
  if (multi && n.kind == QueryNode::Kind::kNearText) {
    const MultiVectorField* f = multi_field;
    if (!FieldModelMatches(f->embedder, n.model)) {
      return Status::Unimplemented(
          "query: inference model '" + n.model + "' is not the embedder of multi-vector field " +
          n.using_ + (f->embedder.empty() ? " (it has none)" : " ('" + f->embedder + "')"));
    }
    req.query_text = n.text;
  }
  if (multi) {
    RAGDB_ASSIGN_OR_RETURN(req.multi_vector, QueryMultiVector(col, n));
  } else if (n.image) {
    req.query_image = n.image;  // embedded by the field's image embedder
  } else {
    RAGDB_ASSIGN_OR_RETURN(req.vector, QueryVector(col, n));
    if (n.kind == QueryNode::Kind::kNearText) req.query_text = n.text;
  }
  req.k = n.limit + n.offset;
  req.filter = n.filter;
  req.score_threshold = n.score_threshold;
  req.with_payload = fetch.payload;
  req.with_vectors = fetch.vectors;
  req.with_text = fetch.text;
  req.exact = n.exact;
  req.ef = n.ef;
  req.nprobe = n.nprobe;
  req.mmr = n.mmr;
  if (n.kind == QueryNode::Kind::kPointId) {  // the example point itself is not a result
    Filter f;
    Condition c;
    c.kind = Condition::Kind::kHasId;
    c.ids = {n.id};
    f.must_not.push_back(std::move(c));
    req.filter = AndFilters(req.filter, f);
  }
  return req;
}

ScoredPoint FromRecord(Record r, float score, const Fetch& fetch) {
  ScoredPoint p;
  p.id = std::move(r.id);
  p.score = score;
  p.payload = std::move(r.payload);
  p.vectors = std::move(r.vectors);
  if (fetch.text) p.text = std::move(r.text);
  return p;
}

// The sparse search of a node on its `using` field, without the query (a vector or text).
SparseSearchRequest SparseRequest(const QueryNode& n, std::optional<Filter> filter,
                                  const Fetch& fetch) {
  SparseSearchRequest req;
  req.field = n.using_;
  req.k = n.limit + n.offset;
  req.filter = std::move(filter);
  req.with_payload = fetch.payload;
  req.with_vectors = fetch.vectors;
  req.with_text = fetch.text;
  return req;
}

// A recommend, discover / context, order_by or sample node over `filter` (its prefetch
// candidates included): its best `limit + offset` points.
Result<std::vector<ScoredPoint>> ExecuteExplore(Collection& col, const QueryNode& n,
                                                std::optional<Filter> filter, const Fetch& fetch) {
  const size_t want = n.limit + n.offset;
  // What recommend and discover requests take from the node alike.
  auto common = [&](auto& req) {
    req.field = n.using_;
    req.k = want;
    req.filter = std::move(filter);
    req.score_threshold = n.score_threshold;
    req.with_payload = fetch.payload;
    req.with_vectors = fetch.vectors;
  };
  switch (n.kind) {
    case QueryNode::Kind::kRecommend: {
      RecommendRequest req = n.recommend;
      common(req);
      req.exact = n.exact;
      req.ef = n.ef;
      return col.Recommend(req);
    }
    case QueryNode::Kind::kDiscover: {
      DiscoverRequest req = n.discover;
      common(req);
      return col.Discover(req);
    }
    case QueryNode::Kind::kOrderBy: {
      ScrollRequest req;
      req.filter = std::move(filter);
      req.limit = want;
      req.with_payload = fetch.payload;
      req.with_vectors = fetch.vectors;
      req.order_by = n.order_by;
      RAGDB_ASSIGN_OR_RETURN(ScrollPage page, col.Scroll(req));
      std::vector<ScoredPoint> out;
      out.reserve(page.records.size());
      for (size_t i = 0; i < page.records.size(); ++i) {
        const Json& v = i < page.order_values.size() ? page.order_values[i] : Json();
        out.push_back(
            FromRecord(std::move(page.records[i]), v.is_number() ? v.get<float>() : 0.0f, fetch));
      }
      return out;
    }
    default: {
      SampleRequest req;
      req.filter = std::move(filter);
      req.limit = want;
      req.with_payload = fetch.payload;
      req.with_vectors = fetch.vectors;
      RAGDB_ASSIGN_OR_RETURN(auto records, col.Sample(req));
      std::vector<ScoredPoint> out;
      out.reserve(records.size());
      for (auto& r : records) out.push_back(FromRecord(std::move(r), 0.0f, fetch));
      return out;
    }
  }
}

Result<std::vector<ScoredPoint>> Execute(Collection& col, const QueryNode& n, const Fetch& fetch) {
  size_t want = n.limit + n.offset;
  std::vector<std::vector<ScoredPoint>> lists;
  for (const auto& child : n.prefetch) {
    RAGDB_ASSIGN_OR_RETURN(auto l, Execute(col, child, Fetch{}));
    lists.push_back(std::move(l));
  }
  // A query over prefetches (other than a fusion, or none) re-scores their candidates only.
  std::optional<Filter> candidates;
  if (!n.prefetch.empty() && n.kind != QueryNode::Kind::kNone && n.kind != QueryNode::Kind::kRrf &&
      n.kind != QueryNode::Kind::kDbsf) {
    candidates = CandidatesFilter(lists);
    if (!candidates) return std::vector<ScoredPoint>();
  }
  switch (n.kind) {
    case QueryNode::Kind::kNone: {
      if (!n.prefetch.empty()) {
        if (lists.size() != 1) {
          return Status::InvalidArgument("a query is needed to combine several prefetches");
        }
        auto& l = lists[0];
        if (l.size() > want) l.resize(want);
        return std::move(l);
      }
      // No query: points in id order, score 0.
      ScrollRequest req;
      req.filter = n.filter;
      req.limit = want;
      req.with_payload = fetch.payload;
      req.with_vectors = fetch.vectors;
      RAGDB_ASSIGN_OR_RETURN(ScrollPage page, col.Scroll(req));
      std::vector<ScoredPoint> out;
      for (auto& r : page.records) {
        ScoredPoint p;
        p.id = std::move(r.id);
        p.payload = std::move(r.payload);
        p.vectors = std::move(r.vectors);
        if (fetch.text) p.text = std::move(r.text);
        out.push_back(std::move(p));
      }
      return out;
    }
    case QueryNode::Kind::kRrf:
    case QueryNode::Kind::kDbsf: {
      std::vector<ScoredPoint> fused;
      if (n.kind == QueryNode::Kind::kRrf) {
        RAGDB_ASSIGN_OR_RETURN(
            fused, FuseRrf(std::move(lists), n.rrf_k, n.weights ? &*n.weights : nullptr));
      } else {
        // DBSF sums "larger is better" scores: Euclidean distances are negated first.
        for (size_t i = 0; i < lists.size(); ++i) {
          const QueryNode& child = n.prefetch[i];
          const bool dense = IsDense(child.kind) ||
                             (child.kind == QueryNode::Kind::kRecommend &&
                              child.recommend.strategy == RecommendStrategy::kAverageVector);
          if (dense && !LargerIsBetter(col, n.prefetch[i].using_)) {
            for (auto& p : lists[i]) p.score = -p.score;
          }
        }
        fused = FuseDbsf(std::move(lists));
      }
      if (n.score_threshold) {
        fused.erase(
            std::remove_if(fused.begin(), fused.end(),
                           [&](const ScoredPoint& p) { return p.score < *n.score_threshold; }),
            fused.end());
      }
      if (fused.size() > want) fused.resize(want);
      return fused;
    }
    case QueryNode::Kind::kText:
    case QueryNode::Kind::kSparse: {
      const std::optional<Filter> filter = AndFilters(n.filter, candidates);
      std::vector<ScoredPoint> hits;
      if (n.kind == QueryNode::Kind::kText) {
        TextSearchRequest req;
        req.query = n.text;
        req.k = want;
        req.filter = filter;
        req.with_payload = fetch.payload;
        req.with_vectors = fetch.vectors;
        req.with_text = fetch.text;
        RAGDB_ASSIGN_OR_RETURN(hits, col.SearchText(req));
      } else {
        SparseSearchRequest req = SparseRequest(n, filter, fetch);
        req.vector = n.sparse;
        RAGDB_ASSIGN_OR_RETURN(hits, col.SearchSparse(req));
      }
      if (n.score_threshold) {
        hits.erase(
            std::remove_if(hits.begin(), hits.end(),
                           [&](const ScoredPoint& p) { return p.score < *n.score_threshold; }),
            hits.end());
      }
      return hits;
    }
    case QueryNode::Kind::kRecommend:
    case QueryNode::Kind::kDiscover:
    case QueryNode::Kind::kOrderBy:
    case QueryNode::Kind::kSample:
      return ExecuteExplore(col, n, AndFilters(n.filter, candidates), fetch);
    case QueryNode::Kind::kVector:
    case QueryNode::Kind::kMultiVector:
    case QueryNode::Kind::kPointId:
    case QueryNode::Kind::kNearText: {
      if (n.kind == QueryNode::Kind::kNearText) {
        // Text for a sparse field's embedder (SPLADE): a sparse search with query_text.
        const CollectionSchema schema = col.schema();
        for (const SparseVectorField& f : schema.sparse_vectors) {
          if (f.name != n.using_) continue;
          if (!FieldModelMatches(f.embedder, n.model)) {
            return Status::Unimplemented(
                "query: inference model '" + n.model + "' is not the embedder of sparse vector " +
                "field " + f.name +
                (f.embedder.empty() ? " (it has none)" : " ('" + f.embedder + "')"));
          }
          SparseSearchRequest req = SparseRequest(n, AndFilters(n.filter, candidates), fetch);
          req.query_text = n.text;
          return col.SearchSparse(req);
        }
      }
      RAGDB_ASSIGN_OR_RETURN(SearchRequest req, DenseRequest(col, n, fetch));
      req.filter = AndFilters(req.filter, candidates);
      return col.Search(req);
    }
  }
  return Status::Internal("unknown query kind");
}

// Fills payloads, vectors and texts of hits that came without them (fusion, prefetch).
Status Hydrate(Collection& col, std::vector<ScoredPoint>& hits, const PayloadSelector& ps,
               const VectorSelector& vs, bool with_text) {
  if (!ps.enabled && !vs.enabled && !with_text) return Status::Ok();
  std::vector<PointId> ids;
  for (const auto& h : hits) ids.push_back(h.id);
  RAGDB_ASSIGN_OR_RETURN(auto recs, col.GetMany(ids, vs.enabled));
  std::unordered_map<PointId, Record*> by_id;
  for (auto& r : recs) by_id[r.id] = &r;
  for (auto& h : hits) {
    auto it = by_id.find(h.id);
    if (it == by_id.end()) continue;
    if (ps.enabled) h.payload = it->second->payload;
    if (vs.enabled) {
      h.vectors = it->second->vectors;
      h.multi_vectors = it->second->multi_vectors;
    }
    if (with_text) h.text = it->second->text;
  }
  return Status::Ok();
}

// What a query asks to get back: payload, vectors, and (a ragdb extension) text.
struct Selection {
  PayloadSelector ps;
  VectorSelector vs;
  bool text = false;
};

Result<Selection> ParseSelection(const Json& body) {
  Selection s;
  RAGDB_ASSIGN_OR_RETURN(
      s.ps,
      ParseWithPayload(body.contains("with_payload") ? &body["with_payload"] : nullptr, false));
  RAGDB_ASSIGN_OR_RETURN(
      s.vs, ParseWithVector(body.contains("with_vector") ? &body["with_vector"] : nullptr, false));
  RAGDB_ASSIGN_OR_RETURN(auto text, OptBool(body, "with_text"));
  s.text = text.value_or(false);
  return s;
}

// The top level of /points/query: parse, run, page, hydrate.
Result<std::vector<ScoredPoint>> RunQuery(Collection& col, const Json& body, Selection* sel,
                                          std::vector<std::string>* warnings,
                                          size_t limit_override = 0) {
  // Only shard_key can appear here, refused the same in both modes.
  RAGDB_RETURN_IF_ERROR(CheckDistribution(body, /*cluster_mode=*/false));
  RAGDB_ASSIGN_OR_RETURN(QueryNode n, ParseNode(body, std::nullopt, 0, kQueryFields, warnings));
  RAGDB_ASSIGN_OR_RETURN(*sel, ParseSelection(body));
  if (limit_override) n.limit = limit_override;
  // A direct search or scroll can return payloads itself; fused results are hydrated after.
  // Exploration calls return no texts: those come from Hydrate.
  const bool direct = n.prefetch.empty() && n.kind != QueryNode::Kind::kRrf &&
                      n.kind != QueryNode::Kind::kDbsf && !(sel->text && IsExplore(n.kind));
  Fetch fetch;
  if (direct) fetch = Fetch{sel->ps.enabled, sel->vs.enabled, sel->text};
  RAGDB_ASSIGN_OR_RETURN(auto hits, Execute(col, n, fetch));
  if (n.offset > 0) {
    hits.erase(hits.begin(), hits.begin() + std::min(n.offset, hits.size()));
  }
  if (!direct) RAGDB_RETURN_IF_ERROR(Hydrate(col, hits, sel->ps, sel->vs, sel->text));
  return hits;
}

// Hits as a JSON array, appended to *out as text (see AppendScoredPointJson).
template <class Hits>
void AppendHits(const Hits& hits, const PayloadSelector& ps, const VectorSelector& vs,
                std::string* out, bool with_text = false) {
  *out += '[';
  bool first = true;
  for (const auto& h : hits) {
    if (!first) *out += ',';
    first = false;
    if constexpr (std::is_pointer_v<std::decay_t<decltype(h)>>) {
      AppendScoredPointJson(*h, ps, vs, out, with_text);
    } else {
      AppendScoredPointJson(h, ps, vs, out, with_text);
    }
  }
  *out += ']';
}

// The queries of a batch endpoint, results written as a JSON array (each list wrapped as
// {"points": ...} for the Query API). When every query is a plain vector search (no prefetch,
// no fusion) they run together through Collection::SearchBatch, so exact searches that share
// a field, k and filter become one matrix product instead of one scan each; otherwise each runs
// on its own.
Status RunQueryBatch(Collection& col, const std::vector<Json>& queries, bool wrap_points,
                     std::vector<std::string>* warnings, std::string* out) {
  struct Item {
    QueryNode node;
    Selection sel;
  };
  std::vector<Item> items(queries.size());
  bool plain = true;
  for (size_t i = 0; i < queries.size(); ++i) {
    const Json& body = queries[i];
    RAGDB_RETURN_IF_ERROR(CheckDistribution(body, /*cluster_mode=*/false));  // shard_key
    RAGDB_ASSIGN_OR_RETURN(items[i].node, ParseNode(body, std::nullopt, 0, kQueryFields, warnings));
    RAGDB_ASSIGN_OR_RETURN(items[i].sel, ParseSelection(body));
    plain = plain && items[i].node.kind == QueryNode::Kind::kVector &&
            items[i].node.prefetch.empty() && !items[i].node.mmr;
  }
  std::vector<std::vector<ScoredPoint>> results;
  if (plain && !items.empty()) {
    std::vector<SearchRequest> requests;
    requests.reserve(items.size());
    for (const Item& it : items) {
      const Fetch fetch{it.sel.ps.enabled, it.sel.vs.enabled, it.sel.text};
      RAGDB_ASSIGN_OR_RETURN(SearchRequest r, DenseRequest(col, it.node, fetch));
      requests.push_back(std::move(r));
    }
    // One thread: the handler runs on an I/O thread, the other I/O threads serve other requests.
    RAGDB_ASSIGN_OR_RETURN(results, col.SearchBatch(requests, 1));
  } else {
    for (size_t i = 0; i < queries.size(); ++i) {
      // Parsed above already: the warnings were collected there.
      std::vector<std::string> repeated;
      RAGDB_ASSIGN_OR_RETURN(auto hits, RunQuery(col, queries[i], &items[i].sel, &repeated));
      results.push_back(std::move(hits));
    }
  }
  *out += '[';
  for (size_t i = 0; i < results.size(); ++i) {
    auto& hits = results[i];
    if (plain) {  // RunQuery pages itself; the batch results still hold the offset's hits
      const size_t offset = std::min(items[i].node.offset, hits.size());
      hits.erase(hits.begin(), hits.begin() + offset);
    }
    if (i > 0) *out += ',';
    if (wrap_points) *out += "{\"points\":";
    AppendHits(hits, items[i].sel.ps, items[i].sel.vs, out, items[i].sel.text);
    if (wrap_points) *out += '}';
  }
  *out += ']';
  return Status::Ok();
}

Result<Json> Query(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  Selection sel;
  RAGDB_ASSIGN_OR_RETURN(auto hits, RunQuery(*col, body, &sel, &ctx.warnings));
  std::string& out = ctx.result_text.emplace("{\"points\":");
  AppendHits(hits, sel.ps, sel.vs, &out, sel.text);
  out += '}';
  return Json();
}

Result<Json> QueryBatch(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kBatchRequestFields, &ctx.warnings));
  if (!body.contains("searches") || !body["searches"].is_array()) {
    return Status::InvalidArgument("missing field `searches` (an array)");
  }
  std::vector<Json> queries;
  for (auto& q : body["searches"]) queries.push_back(std::move(q));
  std::string& out = ctx.result_text.emplace();
  RAGDB_RETURN_IF_ERROR(RunQueryBatch(*col, queries, /*wrap_points=*/true, &ctx.warnings, &out));
  return Json();
}

// Group ids: strings and integers, or each such element of an array.
std::vector<Json> GroupKeys(const Json& payload, const std::string& path) {
  const Json* cur = &payload;
  size_t start = 0;
  while (cur && cur->is_object()) {
    size_t dot = path.find('.', start);
    std::string key =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    auto it = cur->find(key);
    if (it == cur->end()) return {};
    cur = &*it;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (!cur) return {};
  std::vector<Json> out;
  auto ok = [](const Json& v) { return v.is_string() || v.is_number_integer(); };
  if (ok(*cur)) out.push_back(*cur);
  if (cur->is_array()) {
    for (const auto& e : *cur) {
      if (ok(e)) out.push_back(e);
    }
  }
  return out;
}

// Groups hits by a payload field, widening the search until `limit` groups are full or the
// collection has no more hits.
Result<Json> Groups(Ctx& ctx, bool legacy_search);
// The same for a Query API body with group_by (its fields checked), written to *out.
Status RunGroups(Collection& col, const Json& body, std::string* out);

Result<Json> QueryGroups(Ctx& ctx) { return Groups(ctx, false); }
Result<Json> SearchGroups(Ctx& ctx) { return Groups(ctx, true); }

// Legacy /points/search body -> Query API body. Takes the body by value and moves its parts
// (the query vector is most of a search request).
Result<Json> SearchToQuery(Json s, const FieldRules& rules, std::vector<std::string>* warnings) {
  if (!s.is_object()) return Status::InvalidArgument("expected a search object");
  RAGDB_RETURN_IF_ERROR(CheckFields(s, "", rules, warnings));
  if (!s.contains("vector")) return Status::InvalidArgument("missing field `vector`");
  Json q = Json::object();
  Json& v = s["vector"];
  if (v.is_array()) {
    q["query"] = std::move(v);
  } else if (v.is_object() && v.contains("name")) {
    q["using"] = std::move(v["name"]);
    if (!v.contains("vector")) return Status::InvalidArgument("vector: missing field `vector`");
    q["query"] = std::move(v["vector"]);
  } else {
    return Status::InvalidArgument("vector: expected an array or {\"name\", \"vector\"}");
  }
  for (const char* k :
       {"filter", "params", "limit", "offset", "with_payload", "with_vector", "score_threshold",
        "group_by", "group_size", "with_lookup", "with_text", "shard_key"}) {
    if (auto it = s.find(k); it != s.end()) q[k] = std::move(*it);
  }
  if (!q.contains("limit")) {
    if (auto it = s.find("top"); it != s.end()) q["limit"] = std::move(*it);
  }
  return q;
}

Result<Json> Groups(Ctx& ctx, bool legacy_search) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  if (legacy_search) {
    RAGDB_ASSIGN_OR_RETURN(body,
                           SearchToQuery(std::move(body), kSearchGroupsFields, &ctx.warnings));
  } else {
    RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kQueryGroupsFields, &ctx.warnings));
  }
  RAGDB_RETURN_IF_ERROR(RunGroups(*col, body, &ctx.result_text.emplace()));
  return Json();
}

Status RunGroups(Collection& col, const Json& body, std::string* out) {
  RAGDB_ASSIGN_OR_RETURN(auto group_by, OptString(body, "group_by"));
  if (!group_by || group_by->empty()) return Status::InvalidArgument("missing field `group_by`");
  RAGDB_ASSIGN_OR_RETURN(auto gs, OptUint(body, "group_size"));
  RAGDB_ASSIGN_OR_RETURN(auto gl, OptUint(body, "limit"));
  size_t group_size = gs.value_or(3), limit = gl.value_or(10);
  if (group_size == 0 || limit == 0) {
    return Status::InvalidArgument("group_size and limit must be at least 1");
  }
  // The inner query fetches payloads (to read the group key); the answer strips them if unwanted.
  Json inner = body;
  PayloadSelector want_ps;
  RAGDB_ASSIGN_OR_RETURN(
      want_ps,
      ParseWithPayload(body.contains("with_payload") ? &body["with_payload"] : nullptr, false));
  inner["with_payload"] = true;
  for (const char* k : {"group_by", "group_size", "with_lookup"}) inner.erase(k);
  size_t fetch = std::min<size_t>(std::max<size_t>(limit * group_size * 4, 64), kMaxLimit);
  for (;;) {
    Selection sel;
    // The body's fields were checked above; the inner query's would only repeat the warnings.
    std::vector<std::string> repeated;
    RAGDB_ASSIGN_OR_RETURN(auto hits, RunQuery(col, inner, &sel, &repeated, fetch));
    std::vector<std::pair<Json, std::vector<const ScoredPoint*>>> groups;
    std::unordered_map<std::string, size_t> index;  // group key (dumped) -> position
    for (const auto& h : hits) {
      for (const Json& key : GroupKeys(h.payload, *group_by)) {
        auto [it, inserted] = index.emplace(key.dump(), groups.size());
        if (inserted) {
          if (groups.size() >= limit) {
            index.erase(it);
            continue;
          }
          groups.push_back({key, {}});
        }
        auto& g = groups[it->second].second;
        if (g.size() < group_size) g.push_back(&h);
      }
    }
    bool full = groups.size() >= limit &&
                std::all_of(groups.begin(), groups.end(),
                            [&](const auto& g) { return g.second.size() >= group_size; });
    if (full || hits.size() < fetch || fetch >= kMaxLimit) {
      *out += "{\"groups\":[";
      for (size_t i = 0; i < groups.size(); ++i) {
        *out += i ? ",{\"id\":" : "{\"id\":";
        *out += WriteJson(groups[i].first);
        *out += ",\"hits\":";
        AppendHits(groups[i].second, want_ps, sel.vs, out, sel.text);
        *out += '}';
      }
      *out += "]}";
      return Status::Ok();
    }
    fetch = std::min(fetch * 4, kMaxLimit);
  }
}

Result<Json> Search(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_ASSIGN_OR_RETURN(Json q, SearchToQuery(std::move(body), kSearchFields, &ctx.warnings));
  Selection sel;
  RAGDB_ASSIGN_OR_RETURN(auto hits, RunQuery(*col, q, &sel, &ctx.warnings));
  AppendHits(hits, sel.ps, sel.vs, &ctx.result_text.emplace(), sel.text);
  return Json();
}

Result<Json> SearchBatch(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kBatchRequestFields, &ctx.warnings));
  if (!body.contains("searches") || !body["searches"].is_array()) {
    return Status::InvalidArgument("missing field `searches` (an array)");
  }
  std::vector<Json> queries;
  for (auto& s : body["searches"]) {
    RAGDB_ASSIGN_OR_RETURN(Json q, SearchToQuery(std::move(s), kSearchFields, &ctx.warnings));
    queries.push_back(std::move(q));
  }
  std::string& out = ctx.result_text.emplace();
  RAGDB_RETURN_IF_ERROR(RunQueryBatch(*col, queries, /*wrap_points=*/false, &ctx.warnings, &out));
  return Json();
}

}  // namespace

Status RunQueryToJson(Collection& col, const Json& body, std::vector<std::string>* warnings,
                      std::string* out) {
  Selection sel;
  RAGDB_ASSIGN_OR_RETURN(auto hits, RunQuery(col, body, &sel, warnings));
  AppendHits(hits, sel.ps, sel.vs, out, sel.text);
  return Status::Ok();
}

Status RunQueriesToJson(Collection& col, const std::vector<Json>& bodies,
                        std::vector<std::string>* warnings, std::string* out) {
  return RunQueryBatch(col, bodies, /*wrap_points=*/false, warnings, out);
}

Status RunGroupsToJson(Collection& col, const Json& body, std::string* out) {
  return RunGroups(col, body, out);
}

void RegisterQueryRoutes(App& app) {
  const std::string c = "/collections/{collection_name}/points";
  app.Route("POST", c + "/query", Access::kRead, Query, Runs::kInline);
  app.Route("POST", c + "/query/batch", Access::kRead, QueryBatch, Runs::kInline);
  app.Route("POST", c + "/query/groups", Access::kRead, QueryGroups, Runs::kInline);
  app.Route("POST", c + "/search", Access::kRead, Search, Runs::kInline);
  app.Route("POST", c + "/search/batch", Access::kRead, SearchBatch, Runs::kInline);
  app.Route("POST", c + "/search/groups", Access::kRead, SearchGroups, Runs::kInline);
}

}  // namespace ragdb::server
