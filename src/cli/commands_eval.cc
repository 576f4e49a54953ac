// `ragdb eval --beir DIR`: end-to-end BM25 quality through the public collection API. Loads a
// BEIR data set (corpus.jsonl, queries.jsonl, qrels/test.tsv) into a collection in a temporary
// folder (upsert, then optimize), runs the test queries with Collection::SearchTextBatch and
// prints nDCG@10, Recall@100 and MRR@10 with timings as one JSON object. The run before and after
// optimize is compared, which checks that scores do not depend on the segment layout.
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/cli.h"

namespace ragdb::cli {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

Result<std::vector<Json>> ReadJsonLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open " + path);
  std::vector<Json> out;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return Status::InvalidArgument(path + ":" + std::to_string(n) + ": not a JSON object");
    }
    out.push_back(std::move(j));
  }
  return out;
}

std::string StringField(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// query id -> doc id -> grade.
using Qrels = std::map<std::string, std::map<std::string, int>>;

Result<Qrels> ReadQrels(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open " + path);
  Qrels qrels;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    std::istringstream fields(line);
    std::string q, d, g;
    if (!(fields >> q >> d >> g)) continue;
    if (n == 1 && q == "query-id") continue;  // header
    try {
      qrels[q][d] = std::stoi(g);
    } catch (...) {
      return Status::InvalidArgument(path + ":" + std::to_string(n) + ": bad grade '" + g + "'");
    }
  }
  return qrels;
}

struct Metrics {
  double ndcg10 = 0, recall100 = 0, mrr10 = 0;
};

// nDCG with linear gains (as pytrec_eval / BEIR), recall over relevant (grade > 0) documents.
Metrics Score(const std::map<std::string, int>& rel, const std::vector<ScoredPoint>& hits) {
  Metrics m;
  std::vector<int> grades;
  for (const auto& [d, g] : rel) {
    if (g > 0) grades.push_back(g);
  }
  std::sort(grades.rbegin(), grades.rend());
  double idcg = 0;
  for (size_t i = 0; i < grades.size() && i < 10; ++i) idcg += grades[i] / std::log2(i + 2.0);
  double dcg = 0;
  size_t found = 0;
  for (size_t i = 0; i < hits.size(); ++i) {
    auto it = rel.find(hits[i].id.ToString());
    const int g = it == rel.end() ? 0 : it->second;
    if (g <= 0) continue;
    if (i < 10) {
      dcg += g / std::log2(i + 2.0);
      if (m.mrr10 == 0) m.mrr10 = 1.0 / static_cast<double>(i + 1);
    }
    if (i < 100) ++found;
  }
  m.ndcg10 = idcg > 0 ? dcg / idcg : 0;
  m.recall100 = grades.empty() ? 0 : static_cast<double>(found) / grades.size();
  return m;
}

// Same scores at every rank, and the same ids except among points tied with the last score: a
// tie at the cut-off may be resolved differently (each segment keeps its lowest rows).
bool SameRuns(const std::vector<std::vector<ScoredPoint>>& a,
              const std::vector<std::vector<ScoredPoint>>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) return false;
    for (size_t j = 0; j < a[i].size(); ++j) {
      if (a[i][j].score != b[i][j].score) return false;
      if (a[i][j].id != b[i][j].id && a[i][j].score != a[i].back().score) return false;
    }
  }
  return true;
}

// Removes the temporary folder however the command ends.
struct TempFolder {
  std::string path;
  ~TempFolder() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

Result<float> FloatFlag(const Args& a, const std::string& flag, float def) {
  if (!a.Has(flag)) return def;
  try {
    size_t used = 0;
    float x = std::stof(*a.Get(flag), &used);
    if (used == a.Get(flag)->size()) return x;
  } catch (...) {
  }
  return Status::InvalidArgument("--" + flag + " expects a number");
}

}  // namespace

int CmdEval(const Context& ctx, const std::vector<std::string>& argv) {
  FlagSpec spec{{"beir", "k1", "b", "analyzer", "stemmer", "preset", "threads", "seal-rows"},
                {"stopwords"},
                {}};
  auto a = Args::Parse(argv, spec);
  if (!a.ok()) return Fail(a.status(), true);
  if (!a->Has("beir") || !a->positional().empty()) {
    return Fail(Status::InvalidArgument("usage: ragdb eval --beir DIR [--k1 1.2] [--b 0.75] "
                                        "[--analyzer standard] [--preset anserini]"),
                true);
  }
  const std::string dir = *a->Get("beir");
  TextField field;
  const std::string preset = a->GetOr("preset", "default");
  if (preset == "anserini") {
    // Anserini's BEIR "flat" BM25: Lucene's 33 stop words, Porter stemmer, k1 = 0.9, b = 0.4.
    field.stemmer = "porter";
    field.stopwords = true;
    field.bm25 = {0.9f, 0.4f};
  } else if (preset != "default") {
    return Fail(Status::InvalidArgument("--preset expects anserini or default"), true);
  }
  field.analyzer = a->GetOr("analyzer", field.analyzer);
  field.stemmer = a->GetOr("stemmer", field.stemmer);
  if (a->Has("stopwords")) field.stopwords = true;
  auto k1 = FloatFlag(*a, "k1", field.bm25.k1);
  auto b = FloatFlag(*a, "b", field.bm25.b);
  auto threads = a->GetUint("threads", 0);
  auto seal_rows = a->GetUint("seal-rows", 1000);
  if (!k1.ok()) return Fail(k1.status(), true);
  if (!b.ok()) return Fail(b.status(), true);
  if (!threads.ok()) return Fail(threads.status(), true);
  if (!seal_rows.ok() || *seal_rows == 0) {
    return Fail(Status::InvalidArgument("--seal-rows expects a positive integer"), true);
  }
  field.bm25 = {*k1, *b};

  // Load the data set.
  auto corpus = ReadJsonLines(dir + "/corpus.jsonl");
  if (!corpus.ok()) return Fail(corpus.status());
  auto queries = ReadJsonLines(dir + "/queries.jsonl");
  if (!queries.ok()) return Fail(queries.status());
  auto qrels = ReadQrels(dir + "/qrels/test.tsv");
  if (!qrels.ok()) return Fail(qrels.status());
  std::map<std::string, std::string> query_text;
  for (const Json& q : *queries) query_text[StringField(q, "_id")] = StringField(q, "text");

  // A real collection in a temporary folder.
  TempFolder tmp;
  {
    std::string pattern = (std::filesystem::temp_directory_path() / "ragdb-eval-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return Fail(Status::IOError("cannot create a temporary folder under /tmp"));
    }
    tmp.path = pattern;
  }
  DatabaseOptions options;
  options.sync_writes = false;  // a throwaway collection: durability is not the point
  options.seal_threshold_rows = *seal_rows;
  auto db = Database::Open(tmp.path, options);
  if (!db.ok()) return Fail(db.status());
  CollectionSchema schema;
  schema.text = field;
  auto col = (*db)->CreateCollection("beir", schema);
  if (!col.ok()) return Fail(col.status(), true);
  Collection& c = **col;

  const auto t_index = Clock::now();
  std::vector<Record> batch;
  auto flush = [&]() -> Status {
    Status s = c.Upsert(batch);
    batch.clear();
    return s;
  };
  for (const Json& d : *corpus) {
    Record r;
    const std::string id = StringField(d, "_id");
    if (id.empty())
      return Fail(Status::InvalidArgument(dir + "/corpus.jsonl: a document has no _id"));
    r.id = PointId(id);
    r.text = StringField(d, "title") + " " + StringField(d, "text");
    batch.push_back(std::move(r));
    if (batch.size() == 1000) {
      Status s = flush();
      if (!s.ok()) return Fail(s);
    }
  }
  if (Status s = flush(); !s.ok()) return Fail(s);
  const double upsert_seconds = Since(t_index);
  auto segments_before = c.Describe();
  if (!segments_before.ok()) return Fail(segments_before.status());

  std::vector<std::string> qids;
  std::vector<TextSearchRequest> requests;
  for (const auto& [qid, rel] : *qrels) {
    auto it = query_text.find(qid);
    if (it == query_text.end()) {
      return Fail(
          Status::InvalidArgument("query " + qid + " of qrels/test.tsv is not in queries.jsonl"));
    }
    qids.push_back(qid);
    TextSearchRequest r;
    r.query = it->second;
    r.k = 100;
    r.with_payload = false;
    requests.push_back(std::move(r));
  }
  // Before optimize: several segments (sealed every --seal-rows rows) plus the growing one.
  auto before = c.SearchTextBatch(requests, *threads);
  if (!before.ok()) return Fail(before.status());

  const auto t_opt = Clock::now();
  if (Status s = c.Optimize(); !s.ok()) return Fail(s);
  const double index_seconds = upsert_seconds + Since(t_opt);

  const auto t_search = Clock::now();
  auto after = c.SearchTextBatch(requests, *threads);
  const double search_seconds = Since(t_search);
  if (!after.ok()) return Fail(after.status());

  Metrics total;
  for (size_t i = 0; i < qids.size(); ++i) {
    Metrics m = Score((*qrels)[qids[i]], (*after)[i]);
    total.ndcg10 += m.ndcg10;
    total.recall100 += m.recall100;
    total.mrr10 += m.mrr10;
  }
  const double nq = qids.empty() ? 1.0 : static_cast<double>(qids.size());
  PrintJson({{"data", dir},
             {"docs", corpus->size()},
             {"queries", qids.size()},
             {"analyzer", field.analyzer},
             {"stemmer", field.stemmer},
             {"stopwords", field.stopwords},
             {"k1", FloatJson(field.bm25.k1)},
             {"b", FloatJson(field.bm25.b)},
             {"ndcg@10", total.ndcg10 / nq},
             {"recall@100", total.recall100 / nq},
             {"mrr@10", total.mrr10 / nq},
             {"index_seconds", index_seconds},
             {"search_seconds", search_seconds},
             {"qps", search_seconds > 0 ? static_cast<double>(qids.size()) / search_seconds : 0.0},
             {"segments_before_optimize", segments_before->segments.size()},
             {"same_results_before_and_after_optimize", SameRuns(*before, *after)}});
  (void)ctx;  // the data folder is not used: eval works in its own temporary folder
  return kExitOk;
}

}  // namespace ragdb::cli
