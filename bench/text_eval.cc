// text_eval: BM25 quality and speed of ragdb's text index on a BEIR-layout data set.
//
//   text_eval --data ../shared/data/beir-scifact [--preset anserini|default] [--segments 4]
//             [--threads 2] [--repeat 5] [--k1 0.9 --b 0.4] [--stemmer porter] [--stopwords lucene]
//             [--strategy auto|wand|taat] [--analyzer standard|ngram]
//
// Indexes title + " " + text of corpus.jsonl, runs the queries of qrels/test.tsv (OR semantics,
// top 100) and prints nDCG@10, Recall@100, MRR@10, build time and QPS (1 thread and N threads,
// query analysis included). The index is built both as one segment and as --segments segments
// with collection-wide statistics; the run checks that every score is identical. The last line
// of output is one JSON object (bench/text_bench.py parses it).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "text/analyzer.h"
#include "text/bm25.h"
#include "text/inverted_index.h"
#include "text/query.h"

namespace {

using namespace ragdb;
using namespace ragdb::text;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "text_eval: %s\n", msg.c_str());
  std::exit(1);
}

struct Doc {
  std::string id;
  std::string text;
};

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot open " + path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

// A collection split into segments: each segment has its own bytes and reader; rows are local.
struct Segmented {
  std::vector<std::string> bytes;
  std::vector<InvertedIndexReader> readers;
  std::vector<uint32_t> base;  // global doc index of each segment's row 0
};

Segmented Build(const std::vector<std::vector<Token>>& docs, int segments) {
  Segmented s;
  const size_t n = docs.size();
  for (int k = 0; k < segments; ++k) {
    const size_t b = n * k / segments, e = n * (k + 1) / segments;
    InvertedIndexBuilder builder;
    for (size_t i = b; i < e; ++i) {
      Status st = builder.Add(static_cast<uint32_t>(i - b), docs[i]);
      if (!st.ok()) Die(st.ToString());
    }
    s.bytes.push_back(builder.Finish(static_cast<uint32_t>(e - b)));
    s.base.push_back(static_cast<uint32_t>(b));
  }
  for (const std::string& bytes : s.bytes) {
    auto r = InvertedIndexReader::Open(bytes);
    if (!r.ok()) Die(r.status().ToString());
    s.readers.push_back(std::move(r).value());
  }
  return s;
}

OrStrategy g_strategy = OrStrategy::kAuto;

// Global (doc index, score) best first: what the db layer's merge would do.
std::vector<ScoredRow> SearchAll(const Segmented& s, const TextQuery& q, size_t k,
                                 const Bm25Params& p) {
  CollectionStats stats;
  const std::vector<std::string> terms = q.AllTerms();
  for (const auto& r : s.readers) stats.Add(r, terms);
  TextSearchOptions o;
  o.k = k;
  o.bm25 = p;
  o.or_strategy = g_strategy;
  std::vector<ScoredRow> all;
  for (size_t i = 0; i < s.readers.size(); ++i) {
    auto hits = SearchText(s.readers[i], q, stats, o);
    if (!hits.ok()) Die(hits.status().ToString());
    for (ScoredRow h : *hits) all.push_back({h.row + s.base[i], h.score});
  }
  std::sort(all.begin(), all.end(), [](const ScoredRow& a, const ScoredRow& b) {
    return a.score > b.score || (a.score == b.score && a.row < b.row);
  });
  if (all.size() > k) all.resize(k);
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args = {
      {"preset", "anserini"}, {"segments", "4"}, {"threads", "2"}, {"repeat", "5"}, {"k", "100"}};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    if (key.rfind("--", 0) != 0) Die("bad argument " + key);
    args[key.substr(2)] = argv[i + 1];
  }
  if (!args.count("data")) Die("usage: text_eval --data DIR [--preset anserini|default] ...");
  const std::string dir = args["data"];
  AnalyzerConfig ac;
  Bm25Params bm25;
  if (args["preset"] == "anserini") {
    // Anserini's BEIR "flat" BM25: Porter stemmer, Lucene's 33 stop words, k1 = 0.9, b = 0.4.
    ac = AnseriniLikeConfig();
    bm25 = {0.9f, 0.4f};
  } else if (args["preset"] != "default") {
    Die("unknown preset " + args["preset"]);
  }
  if (args.count("stemmer")) ac.stemmer = args["stemmer"];
  if (args.count("stopwords")) ac.stopwords = args["stopwords"];
  if (args.count("analyzer")) ac.name = args["analyzer"];
  if (args.count("k1")) bm25.k1 = std::stof(args["k1"]);
  if (args.count("b")) bm25.b = std::stof(args["b"]);
  if (args.count("strategy")) {
    const std::string& st = args["strategy"];
    g_strategy = st == "wand"   ? OrStrategy::kWand
                 : st == "taat" ? OrStrategy::kTermAtATime
                                : OrStrategy::kAuto;
  }
  const int segments = std::stoi(args["segments"]);
  const int threads = std::stoi(args["threads"]);
  const int repeat = std::stoi(args["repeat"]);
  const size_t k = std::stoul(args["k"]);

  // --- load
  std::vector<Doc> corpus;
  for (const std::string& line : Lines(dir + "/corpus.jsonl")) {
    auto j = nlohmann::json::parse(line);
    corpus.push_back(
        {j.at("_id").get<std::string>(), j.value("title", "") + " " + j.value("text", "")});
  }
  std::unordered_map<std::string, std::string> query_text;
  for (const std::string& line : Lines(dir + "/queries.jsonl")) {
    auto j = nlohmann::json::parse(line);
    query_text[j.at("_id").get<std::string>()] = j.at("text").get<std::string>();
  }
  std::map<std::string, std::map<std::string, int>> qrels;  // query -> doc -> grade
  {
    auto lines = Lines(dir + "/qrels/test.tsv");
    for (size_t i = 1; i < lines.size(); ++i) {
      std::istringstream in(lines[i]);
      std::string q, d;
      int g;
      in >> q >> d >> g;
      qrels[q][d] = g;
    }
  }
  std::vector<std::string> qids;
  std::vector<std::string> qtexts;
  for (const auto& [q, rel] : qrels) {
    if (!query_text.count(q)) Die("query " + q + " missing from queries.jsonl");
    qids.push_back(q);
    qtexts.push_back(query_text[q]);
  }

  // --- build (analysis + indexing + serialization)
  auto analyzer_or = MakeAnalyzer(ac);
  if (!analyzer_or.ok()) Die(analyzer_or.status().ToString());
  Analyzer& analyzer = **analyzer_or;
  const auto t0 = Clock::now();
  std::vector<std::vector<Token>> tokens(corpus.size());
  uint64_t total_tokens = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    auto t = analyzer.Analyze(corpus[i].text);
    if (!t.ok()) Die("doc " + corpus[i].id + ": " + t.status().ToString());
    tokens[i] = std::move(t).value();
    total_tokens += tokens[i].size();
  }
  const auto t1 = Clock::now();
  Segmented one = Build(tokens, 1);
  const auto t2 = Clock::now();
  Segmented many = Build(tokens, segments);
  size_t index_bytes = one.bytes[0].size();

  // --- quality, and identical scores for 1 vs N segments
  std::vector<TextQuery> queries;
  for (const std::string& t : qtexts) {
    auto q = ParseTextQuery(analyzer, t);
    if (!q.ok()) Die(q.status().ToString());
    queries.push_back(std::move(q).value());
  }
  double ndcg = 0, recall = 0, mrr = 0;
  bool identical = true;
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    auto hits = SearchAll(one, queries[qi], k, bm25);
    auto hits_n = SearchAll(many, queries[qi], k, bm25);
    if (hits != hits_n) identical = false;
    const auto& rel = qrels[qids[qi]];
    double dcg = 0, idcg = 0;
    int found = 0, relevant = 0;
    std::vector<int> grades;
    for (const auto& [d, g] : rel)
      if (g > 0) {
        ++relevant;
        grades.push_back(g);
      }
    std::sort(grades.rbegin(), grades.rend());
    for (size_t i = 0; i < grades.size() && i < 10; ++i) idcg += grades[i] / std::log2(i + 2.0);
    double rr = 0;
    for (size_t i = 0; i < hits.size(); ++i) {
      auto it = rel.find(corpus[hits[i].row].id);
      const int g = it == rel.end() ? 0 : it->second;
      if (g <= 0) continue;
      if (i < 10) {
        dcg += g / std::log2(i + 2.0);
        if (rr == 0) rr = 1.0 / static_cast<double>(i + 1);
      }
      if (i < 100) ++found;
    }
    ndcg += idcg > 0 ? dcg / idcg : 0;
    recall += relevant > 0 ? static_cast<double>(found) / relevant : 0;
    mrr += rr;
  }
  const double nq = static_cast<double>(queries.size());

  // --- speed: query text -> analyze -> stats -> per-segment search -> merge, top k
  auto run = [&](const Segmented& s, Analyzer& a, size_t begin, size_t step) {
    size_t sink = 0;
    for (size_t i = begin; i < qtexts.size(); i += step) {
      auto q = ParseTextQuery(a, qtexts[i]);
      sink += SearchAll(s, *q, k, bm25).size();
    }
    return sink;
  };
  auto qps1 = [&](const Segmented& s) {
    run(s, analyzer, 0, 1);  // warm up
    const auto a = Clock::now();
    for (int r = 0; r < repeat; ++r) run(s, analyzer, 0, 1);
    return nq * repeat / Seconds(a, Clock::now());
  };
  auto qpsn = [&](const Segmented& s) {
    std::vector<std::unique_ptr<Analyzer>> analyzers;
    for (int t = 0; t < threads; ++t) analyzers.push_back(std::move(MakeAnalyzer(ac)).value());
    const auto a = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int r = 0; r < repeat; ++r) run(s, *analyzers[t], static_cast<size_t>(t), threads);
      });
    }
    for (auto& th : pool) th.join();
    return nq * repeat / Seconds(a, Clock::now());
  };
  const double qps_1 = qps1(one);
  const double qps_n = qpsn(one);
  const double qps_1_seg = qps1(many);

  std::printf("data            %s (%zu docs, %zu test queries, %llu tokens)\n", dir.c_str(),
              corpus.size(), qids.size(), static_cast<unsigned long long>(total_tokens));
  std::printf("analyzer        %s stemmer=%s stopwords=%s  BM25 k1=%.2f b=%.2f\n", ac.name.c_str(),
              ac.stemmer.c_str(), ac.stopwords.c_str(), bm25.k1, bm25.b);
  std::printf("nDCG@10         %.4f\nRecall@100      %.4f\nMRR@10          %.4f\n", ndcg / nq,
              recall / nq, mrr / nq);
  std::printf("build           %.3f s (analysis %.3f s, index+serialize %.3f s), %zu bytes\n",
              Seconds(t0, t2), Seconds(t0, t1), Seconds(t1, t2), index_bytes);
  std::printf("QPS             %.0f (1 thread), %.0f (%d threads), %.0f (1 thread, %d segments)\n",
              qps_1, qps_n, threads, qps_1_seg, segments);
  std::printf("1 vs %d segments: scores %s\n", segments, identical ? "IDENTICAL" : "DIFFER");
  nlohmann::json j = {{"data", dir},
                      {"docs", corpus.size()},
                      {"queries", qids.size()},
                      {"ndcg@10", ndcg / nq},
                      {"recall@100", recall / nq},
                      {"mrr@10", mrr / nq},
                      {"build_seconds", Seconds(t0, t2)},
                      {"index_bytes", index_bytes},
                      {"qps_1thread", qps_1},
                      {"qps_nthreads", qps_n},
                      {"threads", threads},
                      {"segments", segments},
                      {"qps_1thread_segmented", qps_1_seg},
                      {"segments_identical", identical},
                      {"strategy", args.count("strategy") ? args["strategy"] : "auto"}};
  std::printf("%s\n", j.dump().c_str());
  return identical ? 0 : 2;
}
