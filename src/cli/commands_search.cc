// `ragdb search`: one query printed as JSON Lines, or a batch from an .fvecs file written as
// .ivecs with the timing of the search phase alone.
#include <time.h>

#include <chrono>
#include <iostream>

#include "base/file.h"
#include "base/process_memory.h"
#include "cli/cli.h"
#include "cli/vecs_io.h"

namespace ragdb::cli {
namespace {

Result<std::vector<float>> NumbersOf(const Json& j, const std::string& what) {
  std::vector<float> v;
  for (const auto& x : j) {
    if (!x.is_number()) return Status::InvalidArgument(what + ": every element must be a number");
    v.push_back(x.get<float>());
  }
  return v;
}

Result<std::vector<float>> ParseVectorArg(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return Status::InvalidArgument("--vector expects a JSON array of numbers, e.g. '[0.1, 0.2]'");
  }
  return NumbersOf(j, "--vector");
}

// A query matrix: a JSON array of arrays of numbers.
Result<MultiVector> ParseMatrixArg(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return Status::InvalidArgument(
        "--vector: a query matrix is a JSON array of arrays, e.g. "
        "'[[0.1, 0.2], [0.3, 0.4]]'");
  }
  MultiVector m;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string what = "--vector row " + std::to_string(i);
    if (!j[i].is_array()) return Status::InvalidArgument(what + ": expected an array");
    RAGDB_ASSIGN_OR_RETURN(auto row, NumbersOf(j[i], what));
    m.push_back(std::move(row));
  }
  return m;
}

// CPU time used by this process (all threads): beside the wall time, it says how much work the
// search took on a machine that other programs share.
double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

}  // namespace

Status CheckNearText(const CollectionSchema& schema, const std::string& name,
                     const std::string& field) {
  const VectorField* f = schema.FindVector(field);
  const std::string label = field.empty() ? "" : " '" + field + "'";
  if (f != nullptr && !f->embedder.empty()) return Status::Ok();
  if (const MultiVectorField* m = schema.FindMultiVector(field); m && !m->embedder.empty()) {
    return Status::Ok();  // a ColBERT field embeds the query text as a matrix
  }
  return Status::InvalidArgument(
      "--near-text needs an embedder, and " +
      (f == nullptr ? "collection '" + name + "' has no vector field" + label
                    : "vector field" + label + " of collection '" + name + "' has none") +
      ": create the collection with --embedder MODEL (e.g. `ragdb create " + name +
      " --text --embedder bge-small-en-v1.5`), or search with --vector or --text");
}

namespace {

int BatchSearch(const Args& a, const std::shared_ptr<Collection>& c, SearchRequest base) {
  if (!a.Has("out"))
    return Fail(Status::InvalidArgument("batch search needs --out FILE.ivecs"), true);
  auto threads = a.GetUint("threads", 0);
  if (!threads.ok()) return Fail(threads.status(), true);
  auto queries = ReadFvecs(*a.Get("queries"));
  if (!queries.ok()) return Fail(queries.status());
  base.with_payload = false;
  std::vector<SearchRequest> requests(queries->rows, base);
  for (size_t i = 0; i < queries->rows; ++i) {
    const float* q = queries->data.data() + i * queries->dim;
    requests[i].vector.assign(q, q + queries->dim);
  }
  auto start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpuSeconds();
  auto results = c->SearchBatch(requests, *threads);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_secs = ProcessCpuSeconds() - cpu_start;
  if (!results.ok()) return Fail(results.status());
  std::vector<std::vector<int32_t>> ids(results->size());
  for (size_t i = 0; i < results->size(); ++i) {
    for (const auto& hit : (*results)[i]) {
      if (!hit.id.is_number() || hit.id.number() > INT32_MAX) {
        return Fail(Status::InvalidArgument(".ivecs output needs integer ids below 2^31; got " +
                                            hit.id.ToString()));
      }
      ids[i].push_back(static_cast<int32_t>(hit.id.number()));
    }
  }
  Status s = WriteIvecs(*a.Get("out"), ids, base.k);
  if (!s.ok()) return Fail(s);
  // The process's peak resident memory so far (open, load, search): what --memory-limit bounds.
  PrintJson({{"queries", queries->rows},
             {"seconds", secs},
             {"qps", secs > 0 ? queries->rows / secs : 0.0},
             {"cpu_seconds", cpu_secs},
             {"peak_resident_bytes", PeakResidentBytes()}});
  return kExitOk;
}

}  // namespace

int CmdSearch(const Context& ctx, const std::vector<std::string>& argv) {
  FlagSpec spec{{"vector", "k", "filter", "using", "queries", "out", "threads", "ef", "nprobe",
                 "offset", "score-threshold", "near-text", "near-image",
                 // text, sparse and hybrid search (commands_text_search.cc)
                 "text", "sparse", "queries-text", "fusion", "weights", "rrf-k", "normalization",
                 "group-by", "group-size", "prefetch-limit"},
                {"with-vector", "exact", "no-payload", "phrase", "all-terms"},
                {}};
  auto a = Args::Parse(argv, spec);
  if (!a.ok()) return Fail(a.status(), true);
  // Text, sparse, fused and grouped searches (one dense sub-query may take part).
  if (a->Has("text") || a->Has("sparse") || a->Has("queries-text") || a->Has("fusion") ||
      a->Has("group-by")) {
    return TextSearch(ctx, *a);
  }
  Status unused = RejectFlags(
      *a,
      {"phrase", "all-terms", "weights", "rrf-k", "normalization", "group-size", "prefetch-limit"},
      "a vector search (they shape --text, --sparse and fused searches)");
  if (unused.ok() && !a->Has("queries")) {
    unused = RejectFlags(*a, {"threads", "out"}, "a single search (they go with --queries)");
  }
  if (!unused.ok()) return Fail(unused, true);
  if (a->positional().size() != 1 || int(a->Has("vector")) + int(a->Has("queries")) +
                                             int(a->Has("near-text")) + int(a->Has("near-image")) !=
                                         1) {
    return Fail(
        Status::InvalidArgument("usage: ragdb search NAME (--vector '[..]' | --near-text TEXT | "
                                "--near-image FILE | --queries FILE.fvecs --out FILE.ivecs) "
                                "[--k 10] [--filter EXPR]"),
        true);
  }
  SearchRequest req;
  req.field = a->GetOr("using", kDefaultVectorName);
  auto k = a->GetUint("k", 10);
  auto ef = a->GetUint("ef", 0);
  auto nprobe = a->GetUint("nprobe", 0);
  auto offset = a->GetUint("offset", 0);
  for (const auto* r : {&k, &ef, &nprobe, &offset}) {
    if (!r->ok()) return Fail(r->status(), true);
  }
  req.k = *k;
  req.ef = static_cast<uint32_t>(*ef);
  req.nprobe = static_cast<uint32_t>(*nprobe);
  req.offset = *offset;
  req.exact = a->Has("exact");
  req.with_vectors = a->Has("with-vector");
  req.with_payload = !a->Has("no-payload");
  if (a->Has("score-threshold")) {
    try {
      req.score_threshold = std::stof(*a->Get("score-threshold"));
    } catch (...) {
      return Fail(Status::InvalidArgument("--score-threshold expects a number"), true);
    }
  }
  if (a->Has("filter")) {
    auto f = ParseFilterArg(*a->Get("filter"));
    if (!f.ok()) return Fail(f.status(), true);
    req.filter = std::move(f).value();
  }
  if (a->Has("vector")) {
    // An array of arrays is a query matrix, for a multi-vector field (MaxSim).
    const std::string text = *a->Get("vector");  // Get returns by value
    const size_t first = text.find_first_not_of(" \t\n");
    const size_t second =
        first == std::string::npos ? first : text.find_first_not_of(" \t\n", first + 1);
    if (second != std::string::npos && text[first] == '[' && text[second] == '[') {
      auto m = ParseMatrixArg(text);
      if (!m.ok()) return Fail(m.status(), true);
      req.multi_vector = std::move(m).value();
    } else {
      auto v = ParseVectorArg(text);
      if (!v.ok()) return Fail(v.status(), true);
      req.vector = std::move(v).value();
    }
  }
  if (a->Has("near-text")) {
    req.query_text = *a->Get("near-text");
  }
  if (a->Has("near-image")) {
    auto image = ReadFile(*a->Get("near-image"));
    if (!image.ok()) return Fail(image.status());
    req.query_image = std::move(image).value();
  }
  auto db = OpenDatabase(ctx);
  if (!db.ok()) return Fail(db.status());
  auto c = (*db)->GetCollection(a->positional()[0]);
  if (!c.ok()) return Fail(c.status());
  if (a->Has("queries")) return BatchSearch(*a, *c, req);
  if (req.query_text) {
    Status s = CheckNearText((*c)->schema(), (*c)->name(), req.field);
    if (!s.ok()) return Fail(s, true);
  }

  auto hits = (*c)->Search(req);
  if (!hits.ok()) return Fail(hits.status());
  for (const auto& h : *hits) {
    Json line = {{"id", h.id.ToJson()}, {"score", FloatJson(h.score)}};
    if (req.with_payload) line["payload"] = h.payload.is_null() ? Json::object() : h.payload;
    if (req.with_vectors) {
      Record r;
      r.vectors = h.vectors;
      r.multi_vectors = h.multi_vectors;
      line["vector"] = RecordToJson(r)["vector"];
    }
    PrintJson(line);
  }
  return kExitOk;
}

}  // namespace ragdb::cli
