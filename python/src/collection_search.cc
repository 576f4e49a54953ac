// Collection searches: one query (dense, text, sparse, or several fused, as `ragdb search`
// combines them) returning hits, and batches of dense queries returning numpy arrays.
#include <charconv>
#include <cmath>
#include <limits>

#include "bindings.h"
#include "convert.h"
#include "errors.h"

namespace ragdb::python {
namespace {

// What search() got from Python (ragdb/embedded.py passes every argument).
struct SearchArgs {
  py::object vector, near_text, text, sparse, filter, score_threshold, weights;
  size_t k = 10, offset = 0, prefetch = 0;
  uint32_t ef = 0, nprobe = 0;
  bool exact = false, with_payload = true, with_vectors = false, with_text = false;
  bool all_terms = false, phrase = false;
  std::string field, sparse_field, fusion, normalization;
  double rrf_k = 60;
};

std::string SparseFieldOf(const Collection& col, const std::string& given) {
  if (!given.empty()) return given;
  CollectionSchema schema = col.schema();
  if (schema.sparse_vectors.size() != 1) {
    ThrowInvalid("sparse_field: required (the collection has " +
                 std::to_string(schema.sparse_vectors.size()) + " sparse vector fields)");
  }
  return schema.sparse_vectors[0].name;
}

// The sub-queries, in the order text, dense, sparse (the order `weights` refers to).
std::vector<HybridSubQuery> SubQueries(const PyCollection& p, const SearchArgs& a,
                                       const std::optional<Filter>& filter) {
  std::vector<HybridSubQuery> subs;
  if (!a.text.is_none()) {
    TextSearchRequest t;
    t.query = StrFromPy(a.text, "text");
    t.all_terms = a.all_terms;
    t.phrase = a.phrase;
    t.k = a.k;
    t.filter = filter;
    subs.emplace_back().text = std::move(t);
  }
  if (!a.vector.is_none() || !a.near_text.is_none()) {
    if (!a.vector.is_none() && !a.near_text.is_none()) {
      ThrowInvalid("give `vector` or `near_text`, not both");
    }
    SearchRequest d;
    d.field = a.field;
    if (!a.vector.is_none() && p.col->schema().FindMultiVector(a.field) != nullptr) {
      d.multi_vector = MultiVectorFromPy(a.vector, "vector");  // a query matrix: MaxSim
    } else if (!a.vector.is_none()) {
      d.vector = VectorFromPy(a.vector, "vector");
    } else {
      d.query_text = StrFromPy(a.near_text, "near_text");
    }
    d.k = a.k;
    d.filter = filter;
    d.ef = a.ef;
    d.nprobe = a.nprobe;
    d.exact = a.exact;
    if (!a.score_threshold.is_none()) d.score_threshold = py::cast<float>(a.score_threshold);
    subs.emplace_back().dense = std::move(d);
  }
  if (!a.sparse.is_none()) {
    SparseSearchRequest s;
    s.field = SparseFieldOf(*p.col, a.sparse_field);
    s.vector = SparseFromPy(a.sparse, "sparse");
    s.k = a.k;
    s.filter = filter;
    subs.emplace_back().sparse = std::move(s);
  }
  if (subs.empty()) ThrowInvalid("give a `vector`, `near_text`, `text` or `sparse` query");
  return subs;
}

py::list HitsToPy(const std::vector<ScoredPoint>& hits) {
  py::list out(hits.size());
  for (size_t i = 0; i < hits.size(); ++i) out[i] = HitToPy(hits[i]);
  return out;
}

// Offset and returned fields of a query run alone (a fused query pages the fused list instead).
template <typename Request>
void SetPageAndFields(const SearchArgs& a, Request* r) {
  r->offset = a.offset;
  r->with_payload = a.with_payload;
  r->with_vectors = a.with_vectors;
  r->with_text = a.with_text;
}

py::list Search(const PyCollection& p, const SearchArgs& a) {
  std::optional<Filter> filter = FilterFromPy(a.filter);
  std::vector<HybridSubQuery> subs = SubQueries(p, a, filter);
  const bool hybrid = subs.size() > 1 || !a.fusion.empty();
  if (!a.score_threshold.is_none() && (hybrid || !subs[0].dense)) {
    ThrowInvalid("score_threshold applies to a vector search alone");
  }
  if (!hybrid) {
    HybridSubQuery& s = subs[0];
    Result<std::vector<ScoredPoint>> hits = std::vector<ScoredPoint>{};
    if (s.dense) {
      SetPageAndFields(a, &*s.dense);
      hits = p.handle->Call([&] { return p.col->Search(*s.dense); });
    } else if (s.text) {
      SetPageAndFields(a, &*s.text);
      hits = p.handle->Call([&] { return p.col->SearchText(*s.text); });
    } else {
      SetPageAndFields(a, &*s.sparse);
      hits = p.handle->Call([&] { return p.col->SearchSparse(*s.sparse); });
    }
    return HitsToPy(Unwrap(std::move(hits)));
  }
  HybridQuery q;
  // Each sub-query contributes `prefetch` candidates (default as in `ragdb search`).
  const size_t prefetch = a.prefetch ? a.prefetch : std::max<size_t>(100, a.k + a.offset);
  for (auto& s : subs) {
    if (s.text) s.text->k = prefetch;
    if (s.dense) s.dense->k = prefetch;
    if (s.sparse) s.sparse->k = prefetch;
  }
  q.queries = std::move(subs);
  if (a.fusion == "weighted") {
    q.fusion = FusionMethod::kWeighted;
  } else if (a.fusion != "rrf" && !a.fusion.empty()) {
    ThrowInvalid("fusion: expected \"rrf\" or \"weighted\", got \"" + a.fusion + "\"");
  }
  if (a.normalization == "dbsf") {
    q.normalization = ScoreNormalization::kDbsf;
  } else if (a.normalization != "minmax") {
    ThrowInvalid("normalization: expected \"minmax\" or \"dbsf\", got \"" + a.normalization + "\"");
  }
  q.rrf_k = a.rrf_k;
  if (!a.weights.is_none()) q.weights = VectorFromPy(a.weights, "weights");
  q.limit = a.k;
  q.offset = a.offset;
  q.with_payload = a.with_payload;
  q.with_vectors = a.with_vectors;
  q.with_text = a.with_text;
  QueryResult r = Unwrap(p.handle->Call([&] { return p.col->Query(q); }));
  return HitsToPy(r.points);
}

// Batch results as two (nq, k) arrays: ids (int64; an object array once a string id or one past
// int64 appears) and scores (float32). Rows with fewer than k hits are padded with id -1 and the
// worst score (+inf for distances, -inf for similarities), as Faiss does. The one place where
// batch results become numpy: a lower-overhead engine entry point only has to feed Write().
class BatchOutput {
 public:
  BatchOutput(size_t nq, size_t k, bool distances)
      : k_(k),
        ids_(std::vector<ssize_t>{static_cast<ssize_t>(nq), static_cast<ssize_t>(k)}),
        scores_(std::vector<ssize_t>{static_cast<ssize_t>(nq), static_cast<ssize_t>(k)}),
        pad_(distances ? std::numeric_limits<float>::infinity()
                       : -std::numeric_limits<float>::infinity()) {}

  // The hits of queries first, first + 1, ...
  void Write(size_t first, const std::vector<std::vector<ScoredPoint>>& results) {
    for (size_t q = 0; q < results.size(); ++q) {
      const size_t row = first + q;
      int64_t* ids = ids_.mutable_data(row, 0);
      float* scores = scores_.mutable_data(row, 0);
      const auto& hits = results[q];
      for (size_t j = 0; j < k_; ++j) {
        if (j >= hits.size()) {
          ids[j] = -1;
          scores[j] = pad_;
          continue;
        }
        const PointId& id = hits[j].id;
        const bool fits = id.is_number() && id.number() <= uint64_t(INT64_MAX);
        ids[j] = fits ? static_cast<int64_t>(id.number()) : -1;
        if (!fits || objects_) SetObject(row, j, IdToPy(id));
        scores[j] = hits[j].score;
      }
    }
  }

  py::tuple Take() {
    if (objects_) return py::make_tuple(*objects_, scores_);
    return py::make_tuple(ids_, scores_);
  }

 private:
  void SetObject(size_t row, size_t col, py::object value) {
    if (!objects_) objects_ = ids_.attr("astype")("object");  // ints written so far carried over
    objects_->attr("__setitem__")(py::make_tuple(row, col), value);
  }

  size_t k_;
  py::array_t<int64_t> ids_;
  py::array_t<float> scores_;
  std::optional<py::object> objects_;
  float pad_;
};

// "query 5: ..." from a block that started at query `first` names query first + 5.
Status RenumberQuery(const Status& s, size_t first) {
  const std::string& m = s.message();
  size_t i = 0;
  if (first == 0 || m.rfind("query ", 0) != 0) return s;
  auto [end, ec] = std::from_chars(m.data() + 6, m.data() + m.size(), i);
  if (ec != std::errc() || end == m.data() + 6 || *end != ':') return s;
  return Status(s.code(), "query " + std::to_string(first + i) + std::string(end));
}

// Queries are handed to the engine in blocks of about this many floats (1 MiB): SearchRequest
// owns a copy of its vector and each hit is a ScoredPoint, so handing over a large query matrix
// at once would add more than its own size to the peak memory.
constexpr size_t kBlockFloats = 1 << 18;

py::tuple SearchBatch(const PyCollection& p, py::handle queries, size_t k, size_t threads,
                      py::handle filter_obj, uint32_t ef, uint32_t nprobe, bool exact,
                      const std::string& field) {
  FloatArray q = MatrixFromPy(queries, "queries");
  const size_t nq = static_cast<size_t>(q.shape(0));
  const size_t dim = static_cast<size_t>(q.shape(1));
  std::optional<Filter> filter = FilterFromPy(filter_obj);
  CollectionSchema schema = p.col->schema();
  const VectorField* f = schema.FindVector(field);
  if (f == nullptr) {
    ThrowInvalid("collection '" + p.col->name() + "' has no vector field '" + field + "'");
  }
  BatchOutput out(nq, k, f->metric == Metric::kL2 || f->metric == Metric::kHamming);
  const size_t block = std::max<size_t>(64, kBlockFloats / std::max<size_t>(dim, 1));
  std::vector<SearchRequest> requests;
  const float* data = q.data();
  for (size_t first = 0; first < nq; first += block) {
    const size_t n = std::min(block, nq - first);
    requests.resize(n);
    for (size_t i = 0; i < n; ++i) {
      SearchRequest& r = requests[i];
      r.field = field;
      r.vector.assign(data + (first + i) * dim, data + (first + i + 1) * dim);
      r.k = k;
      r.filter = filter;
      r.ef = ef;
      r.nprobe = nprobe;
      r.exact = exact;
      r.with_payload = false;
    }
    auto results = p.handle->Call([&] { return p.col->SearchBatch(requests, threads); });
    if (!results.ok()) ThrowStatus(RenumberQuery(results.status(), first));
    out.Write(first, *results);
  }
  return out.Take();
}

}  // namespace

void BindCollectionSearch(py::class_<PyCollection>& c) {
  c.def(
      "search",
      [](const PyCollection& p, py::object vector, py::object near_text, py::object text,
         py::object sparse, size_t k, py::object filter, uint32_t ef, uint32_t nprobe, bool exact,
         size_t offset, py::object score_threshold, bool with_payload, bool with_vectors,
         bool with_text, std::string field, std::string sparse_field, std::string fusion,
         std::string normalization, double rrf_k, py::object weights, size_t prefetch,
         bool all_terms, bool phrase) {
        SearchArgs a;
        a.vector = std::move(vector);
        a.near_text = std::move(near_text);
        a.text = std::move(text);
        a.sparse = std::move(sparse);
        a.k = k;
        a.filter = std::move(filter);
        a.ef = ef;
        a.nprobe = nprobe;
        a.exact = exact;
        a.offset = offset;
        a.score_threshold = std::move(score_threshold);
        a.with_payload = with_payload;
        a.with_vectors = with_vectors;
        a.with_text = with_text;
        a.field = std::move(field);
        a.sparse_field = std::move(sparse_field);
        a.fusion = std::move(fusion);
        a.normalization = std::move(normalization);
        a.rrf_k = rrf_k;
        a.weights = std::move(weights);
        a.prefetch = prefetch;
        a.all_terms = all_terms;
        a.phrase = phrase;
        return Search(p, a);
      },
      py::arg("vector"), py::arg("near_text"), py::arg("text"), py::arg("sparse"), py::arg("k"),
      py::arg("filter"), py::arg("ef"), py::arg("nprobe"), py::arg("exact"), py::arg("offset"),
      py::arg("score_threshold"), py::arg("with_payload"), py::arg("with_vectors"),
      py::arg("with_text"), py::arg("field"), py::arg("sparse_field"), py::arg("fusion"),
      py::arg("normalization"), py::arg("rrf_k"), py::arg("weights"), py::arg("prefetch"),
      py::arg("all_terms"), py::arg("phrase"));
  c.def("search_batch", &SearchBatch, py::arg("queries"), py::arg("k"), py::arg("threads"),
        py::arg("filter"), py::arg("ef"), py::arg("nprobe"), py::arg("exact"), py::arg("field"));
}

}  // namespace ragdb::python
