// db_bench: search throughput through the embedded database API (`Collection::Search` one query
// at a time, or `Collection::SearchBatch`), on a collection that the CLI loaded, for a sweep of
// ef values; prints one JSON object with QPS and recall@k per setting. This is the layer an
// embedded user calls; bench/db_search_bench.py runs it beside hnswlib / Faiss and the CLI and
// HTTP layers on the same data.
//
//   db_bench --data DIR --collection NAME --query Q.fvecs [--gt G.ivecs] [--k 10]
//            [--sweep 16,32,64] [--mode single|batch] [--threads 1] [--filter EXPR]
//            [--exact] [--payload] [--min_seconds 0.3] [--paired]
//   db_bench --data DIR --collection NAME --load BASE.fvecs [--metric l2|cosine|ip]
//            [--index flat|hnsw] [--m 16] [--efc 200]
//
// --load creates the collection and upserts the rows of BASE.fvecs with ids 0..n-1 and the
// payload {"sel": id % 100} (an integer payload index), so that `sel < P` keeps P% of the rows,
// then optimizes (one sealed segment with its index).
//
// Ground-truth ids are row numbers of the base file; the collection's ids must be the same
// (`ragdb import` numbers rows from 0). --filter applies one filter expression to every query.
// --paired prints "ready" before the sweep, so that a peer can be timed in the same window.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "ragdb/database.h"

namespace {

template <typename T>
std::vector<T> ReadVecs(const std::string& path, size_t* dim, size_t* rows) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot open " << path << "\n";
    std::exit(2);
  }
  std::vector<T> out;
  *rows = 0;
  int32_t d;
  while (in.read(reinterpret_cast<char*>(&d), 4)) {
    *dim = static_cast<size_t>(d);
    size_t old = out.size();
    out.resize(old + *dim);
    in.read(reinterpret_cast<char*>(out.data() + old), *dim * sizeof(T));
    ++*rows;
  }
  return out;
}

// CPU time of this process: on a shared machine it counts the work done, not the time spent
// waiting for a core (the QPS it gives is reported beside the wall-clock one).
double CpuNow() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

[[noreturn]] void Die(const std::string& what) {
  std::cerr << what << "\n";
  std::exit(1);
}

// Creates the collection and loads BASE.fvecs into it (see the header comment).
int Load(const std::string& data, const std::string& collection, const std::string& base_path,
         const std::string& metric, const std::string& index, uint32_t m, uint32_t efc) {
  size_t d = 0, n = 0;
  std::vector<float> base = ReadVecs<float>(base_path, &d, &n);
  auto db = ragdb::Database::Open(data);
  if (!db.ok()) Die(db.status().ToString());
  ragdb::VectorField field;
  field.dim = static_cast<uint32_t>(d);
  auto mt = ragdb::ParseMetric(metric);
  auto it = ragdb::ParseIndexType(index);
  if (!mt.ok() || !it.ok()) Die("bad --metric or --index");
  field.metric = *mt;
  field.index.type = *it;
  field.index.m = m;
  field.index.ef_construction = efc;
  ragdb::CollectionSchema schema;
  schema.vectors.push_back(field);
  schema.payload_indexes.push_back({.path = "sel", .type = ragdb::PayloadType::kInteger});
  auto col = (*db)->CreateCollection(collection, schema);
  if (!col.ok()) Die(col.status().ToString());
  const size_t batch = 10000;
  for (size_t start = 0; start < n; start += batch) {
    std::vector<ragdb::Record> records(std::min(batch, n - start));
    for (size_t i = 0; i < records.size(); ++i) {
      const size_t row = start + i;
      records[i].id = row;
      records[i].vectors[""].assign(&base[row * d], &base[(row + 1) * d]);
      records[i].payload = {{"sel", row % 100}};
    }
    auto st = (*col)->Upsert(records);
    if (!st.ok()) Die(st.ToString());
  }
  auto st = (*col)->Optimize();
  if (!st.ok()) Die(st.ToString());
  std::cout << nlohmann::json{{"loaded", n}, {"dim", d}}.dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data, collection, query_path, gt_path, sweep = "0", mode = "single", filter_text;
  size_t k = 10, threads = 1;
  bool exact = false, payload = false, paired = false;
  double min_seconds = 0.3;
  std::string load_path, metric = "l2", index = "hnsw";
  uint32_t m = 16, efc = 200;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--data")
      data = next();
    else if (a == "--collection")
      collection = next();
    else if (a == "--query")
      query_path = next();
    else if (a == "--gt")
      gt_path = next();
    else if (a == "--k")
      k = std::stoul(next());
    else if (a == "--sweep")
      sweep = next();
    else if (a == "--mode")
      mode = next();
    else if (a == "--threads")
      threads = std::stoul(next());
    else if (a == "--filter")
      filter_text = next();
    else if (a == "--exact")
      exact = true;
    else if (a == "--payload")
      payload = true;
    else if (a == "--min_seconds")
      min_seconds = std::stod(next());
    else if (a == "--paired")
      paired = true;
    else if (a == "--load")
      load_path = next();
    else if (a == "--metric")
      metric = next();
    else if (a == "--index")
      index = next();
    else if (a == "--m")
      m = static_cast<uint32_t>(std::stoul(next()));
    else if (a == "--efc")
      efc = static_cast<uint32_t>(std::stoul(next()));
    else
      Die("unknown flag " + a);
  }
  if (!load_path.empty()) return Load(data, collection, load_path, metric, index, m, efc);
  if (mode != "single" && mode != "batch") Die("--mode is single or batch");
  auto db = ragdb::Database::Open(data, {.create_if_missing = false});
  if (!db.ok()) Die(db.status().ToString());
  auto col = (*db)->GetCollection(collection);
  if (!col.ok()) Die(col.status().ToString());

  size_t d = 0, nq = 0, gk = 0, ng = 0;
  std::vector<float> queries = ReadVecs<float>(query_path, &d, &nq);
  std::vector<int32_t> gt;
  if (!gt_path.empty()) gt = ReadVecs<int32_t>(gt_path, &gk, &ng);
  std::optional<ragdb::Filter> filter;
  if (!filter_text.empty()) {
    auto f = ragdb::Filter::Parse(filter_text);
    if (!f.ok()) Die(f.status().ToString());
    filter = std::move(f).value();
  }

  nlohmann::json out;
  out["layer"] =
      mode == "single" ? "embedded Collection::Search" : "embedded Collection::SearchBatch";
  out["queries"] = nq;
  out["threads"] = threads;
  out["runs"] = nlohmann::json::array();
  if (paired) {
    std::printf("ready\n");
    std::fflush(stdout);
  }
  std::stringstream ss(sweep);
  std::string item;
  while (std::getline(ss, item, ',')) {
    // Requests are built before the clock starts, as a caller holding its queries would.
    std::vector<ragdb::SearchRequest> requests(nq);
    for (size_t i = 0; i < nq; ++i) {
      ragdb::SearchRequest& r = requests[i];
      r.vector.assign(&queries[i * d], &queries[(i + 1) * d]);
      r.k = k;
      r.ef = static_cast<uint32_t>(std::stoul(item));
      r.exact = exact;
      r.with_payload = payload;
      r.filter = filter;
    }
    std::vector<std::vector<ragdb::ScoredPoint>> results(nq);
    size_t done = 0;
    double s0 = Now(), c0 = CpuNow(), el = 0;
    do {
      if (mode == "single") {
        for (size_t i = 0; i < nq; ++i) {
          auto r = (*col)->Search(requests[i]);
          if (!r.ok()) Die(r.status().ToString());
          results[i] = std::move(r).value();
        }
      } else {
        auto r = (*col)->SearchBatch(requests, threads);
        if (!r.ok()) Die(r.status().ToString());
        results = std::move(r).value();
      }
      done += nq;
      el = Now() - s0;
    } while (el < min_seconds);
    nlohmann::json run;
    run["param"] = std::stoul(item);
    run["qps"] = done / el;
    run["cpu_qps"] = done / (CpuNow() - c0);
    if (!gt.empty()) {
      size_t hit = 0;
      for (size_t i = 0; i < nq; ++i) {
        for (size_t a = 0; a < results[i].size() && a < k; ++a) {
          const ragdb::PointId& id = results[i][a].id;
          if (!id.is_number()) continue;
          for (size_t b = 0; b < k && b < gk; ++b) hit += id.number() == uint64_t(gt[i * gk + b]);
        }
      }
      run["recall"] = double(hit) / double(nq * k);
    }
    out["runs"].push_back(run);
  }
  std::cout << out.dump() << std::endl;
  return 0;
}
