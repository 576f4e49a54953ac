// `ragdb search` with --text, --sparse or --queries-text: BM25, sparse and hybrid (fused) search,
// and the batch text path that writes a TREC-like run file.
#include <charconv>
#include <chrono>
#include <fstream>
#include <iostream>

#include "cli/cli.h"

namespace ragdb::cli {
namespace {

std::string FloatText(float x) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, end);
}

Result<SparseVector> ParseSparseArg(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  auto bad = Status::InvalidArgument(
      "--sparse expects {\"indices\": [..], \"values\": [..]}, e.g. '{\"indices\":[3,9],"
      "\"values\":[0.5,1.2]}'");
  if (j.is_discarded() || !j.is_object() || j.size() != 2 || !j.contains("indices") ||
      !j.contains("values") || !j["indices"].is_array() || !j["values"].is_array()) {
    return bad;
  }
  SparseVector v;
  for (const auto& x : j["indices"]) {
    if (!x.is_number_unsigned() || x.get<uint64_t>() > UINT32_MAX) return bad;
    v.indices.push_back(x.get<uint32_t>());
  }
  for (const auto& x : j["values"]) {
    if (!x.is_number()) return bad;
    v.values.push_back(x.get<float>());
  }
  return v;
}

Result<std::vector<float>> ParseFloatList(const std::string& flag, const std::string& text) {
  std::vector<float> out;
  for (const std::string& part : SplitComma(text)) {
    float x = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), x);
    if (ec != std::errc() || end != part.data() + part.size()) {
      return Status::InvalidArgument("--" + flag + " expects numbers separated by commas");
    }
    out.push_back(x);
  }
  return out;
}

Result<std::vector<float>> ParseDenseArg(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return Status::InvalidArgument("--vector expects a JSON array of numbers, e.g. '[0.1, 0.2]'");
  }
  std::vector<float> v;
  for (const auto& x : j) {
    if (!x.is_number()) return Status::InvalidArgument("--vector: every element must be a number");
    v.push_back(x.get<float>());
  }
  return v;
}

void PrintHit(const ScoredPoint& h, bool with_payload, const Json* group) {
  Json line = {{"id", h.id.ToJson()}, {"score", FloatJson(h.score)}};
  if (with_payload) line["payload"] = h.payload.is_null() ? Json::object() : h.payload;
  if (group != nullptr) line["group"] = *group;
  PrintJson(line);
}

// qid<TAB>query lines in, qid<TAB>id<TAB>rank<TAB>score lines out.
int BatchTextSearch(const Args& a, Collection& c, const TextSearchRequest& base) {
  if (!a.Has("out"))
    return Fail(Status::InvalidArgument("--queries-text needs --out FILE.tsv"), true);
  auto threads = a.GetUint("threads", 0);
  if (!threads.ok()) return Fail(threads.status(), true);
  const std::string path = *a.Get("queries-text");
  std::ifstream in(path);
  if (!in) return Fail(Status::NotFound("cannot open " + path));
  std::vector<std::string> qids;
  std::vector<TextSearchRequest> requests;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      return Fail(Status::InvalidArgument(path + ":" + std::to_string(n) +
                                          ": expected qid<TAB>query text"));
    }
    qids.push_back(line.substr(0, tab));
    requests.push_back(base);
    requests.back().query = line.substr(tab + 1);
    requests.back().with_payload = false;
  }
  auto start = std::chrono::steady_clock::now();
  auto results = c.SearchTextBatch(requests, *threads);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!results.ok()) return Fail(results.status());
  std::ofstream out(*a.Get("out"));
  for (size_t i = 0; i < results->size(); ++i) {
    const auto& hits = (*results)[i];
    for (size_t r = 0; r < hits.size(); ++r) {
      out << qids[i] << '\t' << hits[r].id.ToString() << '\t' << (r + 1) << '\t'
          << FloatText(hits[r].score) << '\n';
    }
  }
  out.close();
  if (!out) return Fail(Status::IOError("cannot write " + *a.Get("out")));
  PrintJson({{"queries", requests.size()},
             {"seconds", secs},
             {"qps", secs > 0 ? static_cast<double>(requests.size()) / secs : 0.0}});
  return kExitOk;
}

}  // namespace

int TextSearch(const Context& ctx, const Args& a) {
  if (a.positional().size() != 1) {
    return Fail(Status::InvalidArgument("usage: ragdb search NAME --text \"query\" [--k 10]"),
                true);
  }
  auto k = a.GetUint("k", 10);
  auto offset = a.GetUint("offset", 0);
  auto group_size = a.GetUint("group-size", 1);
  for (const auto* r : {&k, &offset, &group_size}) {
    if (!r->ok()) return Fail(r->status(), true);
  }
  std::optional<Filter> filter;
  if (a.Has("filter")) {
    auto f = ParseFilterArg(*a.Get("filter"));
    if (!f.ok()) return Fail(f.status(), true);
    filter = std::move(f).value();
  }
  const bool with_payload = !a.Has("no-payload");
  TextSearchRequest text;
  text.all_terms = a.Has("all-terms");
  text.phrase = a.Has("phrase");
  text.k = *k;
  text.filter = filter;
  text.with_payload = with_payload;

  auto db = OpenDatabase(ctx);
  if (!db.ok()) return Fail(db.status());
  auto c = (*db)->GetCollection(a.positional()[0]);
  if (!c.ok()) return Fail(c.status());
  Collection& col = **c;

  if (a.Has("queries-text")) {
    if (a.Has("text") || a.Has("vector") || a.Has("near-text") || a.Has("sparse")) {
      return Fail(
          Status::InvalidArgument("--queries-text cannot be combined with --text, --vector, "
                                  "--near-text or --sparse"),
          true);
    }
    Status unused = RejectFlags(
        a,
        {"ef", "nprobe", "exact", "score-threshold", "with-vector", "using", "offset", "fusion",
         "weights", "rrf-k", "normalization", "group-by", "group-size", "prefetch-limit"},
        "--queries-text (a batch of BM25 queries)");
    if (!unused.ok()) return Fail(unused, true);
    return BatchTextSearch(a, col, text);
  }
  // Flags of forms other than this one would be ignored.
  const bool dense = a.Has("vector") || a.Has("near-text");
  const bool hybrid = int(a.Has("text")) + int(dense) + int(a.Has("sparse")) > 1 ||
                      a.Has("fusion") || a.Has("group-by");
  Status unused = RejectFlags(a, {"queries", "threads", "out"},
                              "--text, --sparse or fused searches (batches: --queries or "
                              "--queries-text)");
  if (unused.ok()) {
    unused = RejectFlags(a, {"score-threshold", "with-vector"},
                         "--text, --sparse or fused searches (only to --vector / --near-text "
                         "alone)");
  }
  if (unused.ok() && !dense) {
    unused = RejectFlags(a, {"ef", "nprobe", "exact"}, "a search without --vector or --near-text");
  }
  if (unused.ok() && !a.Has("text")) {
    unused = RejectFlags(a, {"phrase", "all-terms"}, "a search without --text");
  }
  if (unused.ok() && !hybrid) {
    unused = RejectFlags(a, {"weights", "rrf-k", "normalization", "group-size", "prefetch-limit"},
                         "a single --text or --sparse search (they shape fused searches)");
  }
  if (unused.ok() && !a.Has("group-by")) {
    unused = RejectFlags(a, {"group-size"}, "a search without --group-by");
  }
  if (unused.ok() && a.Has("using") && !dense && !a.Has("sparse")) {
    unused = Status::InvalidArgument("--using names a vector field; --text searches the text");
  }
  if (unused.ok() && hybrid) {
    const std::string fusion = a.GetOr("fusion", "rrf");
    if (fusion == "rrf" && a.Has("normalization")) {
      unused = Status::InvalidArgument("--normalization applies to --fusion weighted");
    } else if (fusion == "weighted" && a.Has("rrf-k")) {
      unused = Status::InvalidArgument("--rrf-k applies to --fusion rrf");
    }
  }
  if (!unused.ok()) return Fail(unused, true);

  // Sub-queries, in the order text, vector, sparse (the order --weights refers to).
  std::vector<HybridSubQuery> subs;
  if (a.Has("text")) {
    text.query = *a.Get("text");
    subs.emplace_back();
    subs.back().text = text;
  }
  if (dense) {
    SearchRequest d;
    if (a.Has("vector") == a.Has("near-text")) {
      return Fail(Status::InvalidArgument("give --vector or --near-text, not both"), true);
    }
    if (a.Has("vector")) {
      auto v = ParseDenseArg(*a.Get("vector"));
      if (!v.ok()) return Fail(v.status(), true);
      d.vector = std::move(v).value();
    } else {
      d.query_text = *a.Get("near-text");
      const std::string field = a.Has("sparse") ? kDefaultVectorName : a.GetOr("using", "");
      Status s = CheckNearText(col.schema(), col.name(), field);
      if (!s.ok()) return Fail(s, true);
    }
    auto ef = a.GetUint("ef", 0);
    auto nprobe = a.GetUint("nprobe", 0);
    if (!ef.ok()) return Fail(ef.status(), true);
    if (!nprobe.ok()) return Fail(nprobe.status(), true);
    d.ef = static_cast<uint32_t>(*ef);
    d.nprobe = static_cast<uint32_t>(*nprobe);
    d.exact = a.Has("exact");
    d.k = *k;
    d.filter = filter;
    d.with_payload = with_payload;
    if (!a.Has("sparse")) d.field = a.GetOr("using", kDefaultVectorName);
    subs.emplace_back();
    subs.back().dense = std::move(d);
  }
  if (a.Has("sparse")) {
    auto v = ParseSparseArg(*a.Get("sparse"));
    if (!v.ok()) return Fail(v.status(), true);
    SparseSearchRequest s;
    s.vector = std::move(v).value();
    s.k = *k;
    s.filter = filter;
    s.with_payload = with_payload;
    if (a.Has("using")) {
      s.field = *a.Get("using");
    } else {
      CollectionSchema schema = col.schema();
      if (schema.sparse_vectors.size() != 1) {
        return Fail(Status::InvalidArgument("--sparse needs --using NAME (the collection has " +
                                            std::to_string(schema.sparse_vectors.size()) +
                                            " sparse vector fields)"),
                    true);
      }
      s.field = schema.sparse_vectors[0].name;
    }
    subs.emplace_back();
    subs.back().sparse = std::move(s);
  }

  if (!hybrid) {
    Result<std::vector<ScoredPoint>> hits = std::vector<ScoredPoint>{};
    if (subs[0].text) {
      subs[0].text->offset = *offset;
      hits = col.SearchText(*subs[0].text);
    } else {
      subs[0].sparse->offset = *offset;
      hits = col.SearchSparse(*subs[0].sparse);
    }
    if (!hits.ok()) return Fail(hits.status());
    for (const auto& h : *hits) PrintHit(h, with_payload, nullptr);
    return kExitOk;
  }

  HybridQuery q;
  auto prefetch = a.GetUint("prefetch-limit", std::max<uint64_t>(100, *k + *offset));
  auto rrf_k = a.GetUint("rrf-k", 60);
  if (!prefetch.ok()) return Fail(prefetch.status(), true);
  if (!rrf_k.ok()) return Fail(rrf_k.status(), true);
  for (auto& s : subs) {
    if (s.text) s.text->k = *prefetch;
    if (s.dense) s.dense->k = *prefetch;
    if (s.sparse) s.sparse->k = *prefetch;
  }
  q.queries = std::move(subs);
  const std::string fusion = a.GetOr("fusion", "rrf");
  if (fusion == "weighted") {
    q.fusion = FusionMethod::kWeighted;
  } else if (fusion != "rrf") {
    return Fail(Status::InvalidArgument("--fusion expects rrf or weighted"), true);
  }
  const std::string norm = a.GetOr("normalization", "minmax");
  if (norm == "dbsf") {
    q.normalization = ScoreNormalization::kDbsf;
  } else if (norm != "minmax") {
    return Fail(Status::InvalidArgument("--normalization expects minmax or dbsf"), true);
  }
  q.rrf_k = static_cast<double>(*rrf_k);
  if (a.Has("weights")) {
    auto w = ParseFloatList("weights", *a.Get("weights"));
    if (!w.ok()) return Fail(w.status(), true);
    q.weights = std::move(w).value();
  }
  q.limit = *k;
  q.offset = *offset;
  q.with_payload = with_payload;
  if (a.Has("group-by")) {
    q.group_by = *a.Get("group-by");
    q.group_size = *group_size;
  }
  auto result = col.Query(q);
  if (!result.ok()) return Fail(result.status(), result.status().message().find("fusion") == 0);
  if (q.group_by) {
    for (const auto& g : result->groups) {
      for (const auto& h : g.hits) PrintHit(h, with_payload, &g.key);
    }
  } else {
    for (const auto& h : result->points) PrintHit(h, with_payload, nullptr);
  }
  return kExitOk;
}

}  // namespace ragdb::cli
