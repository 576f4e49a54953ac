// ann_bench: builds a ragdb index over an .fvecs base file, runs the queries of an .fvecs file
// single-threaded and on all cores for each search setting, and prints one JSON object.
//
//   ann_bench --base B.fvecs --query Q.fvecs [--gt G.ivecs] [--metric l2|ip|cosine]
//             [--index hnsw|ivf_flat|ivf_pq|flat] [--m 16] [--efc 200] [--sq8]
//             [--nlist N] [--pq_m M] [--sweep 10,20,40] [--rerank R] [--k 10] [--threads T]
//             [--min_seconds 0.3] [--save FILE | --load FILE] [--paired]
// --save writes the built index; --load opens one instead of building (same base file and
// flags), to time searches again without the build. --paired times single-threaded searches only
// and prints a line "ready" just before the sweep, so that a peer can be timed in the same window.
// --sweep lists ef values (hnsw) or nprobe values (ivf). Cosine rows are normalized here, as the
// db layer does at ingest.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/huge_pages.h"
#include "base/thread_pool.h"
#include "index/hnsw.h"
#include "index/vector_index.h"

using namespace ragdb;
using namespace ragdb::index;

namespace {

template <typename T, typename Vec = std::vector<T>>
Vec ReadVecs(const std::string& path, size_t* dim, size_t* rows) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot open " << path << "\n";
    std::exit(2);
  }
  Vec out;
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

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

long PeakRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}
long RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

void Normalize(float* v, size_t d) {
  double s = 0;
  for (size_t i = 0; i < d; ++i) s += double(v[i]) * v[i];
  if (s > 0) {
    float inv = static_cast<float>(1.0 / std::sqrt(s));
    for (size_t i = 0; i < d; ++i) v[i] *= inv;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string base_path, query_path, gt_path, metric = "l2", kind = "hnsw", sweep = "10,20,40,80";
  uint32_t m = 16, efc = 200, nlist = 0, pq_m = 0, rerank = 0;
  size_t k = 10, threads = 0;
  bool sq8 = false;
  double min_seconds = 0.3;
  std::string save_path, load_path;  // to time searches again without rebuilding
  bool paired = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "missing value for " << a << "\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--base")
      base_path = next();
    else if (a == "--query")
      query_path = next();
    else if (a == "--gt")
      gt_path = next();
    else if (a == "--metric")
      metric = next();
    else if (a == "--index")
      kind = next();
    else if (a == "--m")
      m = std::stoul(next());
    else if (a == "--efc")
      efc = std::stoul(next());
    else if (a == "--nlist")
      nlist = std::stoul(next());
    else if (a == "--pq_m")
      pq_m = std::stoul(next());
    else if (a == "--rerank")
      rerank = std::stoul(next());
    else if (a == "--sweep")
      sweep = next();
    else if (a == "--k")
      k = std::stoul(next());
    else if (a == "--threads")
      threads = std::stoul(next());
    else if (a == "--sq8")
      sq8 = true;
    else if (a == "--min_seconds")
      min_seconds = std::stod(next());
    else if (a == "--save")
      save_path = next();
    else if (a == "--load")
      load_path = next();
    else if (a == "--paired")
      paired = true;
    else {
      std::cerr << "unknown flag " << a << "\n";
      return 2;
    }
  }
  size_t d = 0, n = 0, qd = 0, nq = 0, gk = 0, ng = 0;
  // The rows on huge pages, as the engine holds them (base/huge_pages.h).
  auto base = ReadVecs<float, HugeVector<float>>(base_path, &d, &n);
  std::vector<float> queries = ReadVecs<float>(query_path, &qd, &nq);
  std::vector<int32_t> gt;
  if (!gt_path.empty()) gt = ReadVecs<int32_t>(gt_path, &gk, &ng);
  if (qd != d) {
    std::cerr << "query dim " << qd << " != base dim " << d << "\n";
    return 2;
  }
  IndexConfig c;
  if (metric == "l2")
    c.metric = Metric::kL2;
  else if (metric == "ip")
    c.metric = Metric::kIp;
  else if (metric == "cosine")
    c.metric = Metric::kCosine;
  else {
    std::cerr << "unknown metric " << metric << "\n";
    return 2;
  }
  if (c.metric == Metric::kCosine)
    for (size_t i = 0; i < n; ++i) Normalize(&base[i * d], d);
  c.dim = static_cast<uint32_t>(d);
  c.m = m;
  c.ef_construction = efc;
  c.nlist = nlist;
  c.pq_m = pq_m;
  c.quantization = sq8 ? Quantization::kSq8 : Quantization::kNone;
  if (kind == "hnsw")
    c.kind = IndexKind::kHnsw;
  else if (kind == "ivf_flat")
    c.kind = IndexKind::kIvfFlat;
  else if (kind == "ivf_pq")
    c.kind = IndexKind::kIvfPq;
  else if (kind == "flat")
    c.kind = IndexKind::kFlat;
  else {
    std::cerr << "unknown index " << kind << "\n";
    return 2;
  }
  ThreadPool pool(threads);  // 0 = all cores
  long rss_before = RssKb();
  double t0 = Now();
  HugeVector<char> blob;  // a loaded index, in memory as a built one would be
  Result<std::unique_ptr<VectorIndex>> built = Status::Internal("not built");
  if (load_path.empty()) {
    built = BuildIndex(c, base.data(), n, &pool);
  } else {
    std::ifstream in(load_path, std::ios::binary | std::ios::ate);
    blob.resize(static_cast<size_t>(in.tellg()));
    in.seekg(0);
    in.read(blob.data(), static_cast<std::streamsize>(blob.size()));
    built = OpenIndex(std::string_view(blob.data(), blob.size()), base.data(), n);
  }
  double build_s = Now() - t0;
  if (built.ok() && !save_path.empty()) {
    std::string bytes;
    auto st = (*built)->Serialize(&bytes);
    std::ofstream(save_path, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!st.ok()) std::cerr << st.ToString() << "\n";
  }
  if (!built.ok()) {
    std::cerr << built.status().ToString() << "\n";
    return 1;
  }
  const VectorIndex& index = **built;
  long rss_after = RssKb();

  nlohmann::json out;
  out["index"] = kind;
  out["sq8"] = sq8;
  out["n"] = n;
  out["dim"] = d;
  out["queries"] = nq;
  out["metric"] = metric;
  out["m"] = m;
  out["ef_construction"] = efc;
  out["threads"] = pool.size();
  out["build_seconds"] = build_s;
  out["index_bytes"] = index.MemoryUsage();
  out["vector_bytes"] = n * d * sizeof(float);
  if (auto* h = dynamic_cast<const HnswIndex*>(&index)) {
    out["graph_bytes"] = h->GraphBytes();
    out["code_bytes"] = h->CodeBytes();
  }
  out["rss_build_delta_kb"] = rss_after - rss_before;
  out["runs"] = nlohmann::json::array();

  if (paired) {
    std::printf("ready\n");
    std::fflush(stdout);
  }
  std::stringstream ss(sweep);
  std::string item;
  while (std::getline(ss, item, ',')) {
    uint32_t v = std::stoul(item);
    SearchParams p;
    p.ef = v;
    p.nprobe = v;
    p.rerank = rerank;
    std::vector<std::vector<Neighbor>> res(nq);
    // Single thread: repeat the query set until min_seconds have passed.
    size_t done = 0;
    double s0 = Now(), el = 0;
    do {
      for (size_t i = 0; i < nq; ++i) res[i] = index.Search(&queries[i * d], k, p, nullptr);
      done += nq;
      el = Now() - s0;
    } while (el < min_seconds);
    double qps1 = done / el;
    double qpsn = 0;
    if (!paired) {
      done = 0;
      s0 = Now();
      std::vector<std::vector<Neighbor>> res_mt;
      do {
        index.SearchBatch(queries.data(), nq, k, p, nullptr, &pool, &res_mt);
        done += nq;
        el = Now() - s0;
      } while (el < min_seconds);
      qpsn = done / el;
    }
    nlohmann::json run;
    run["param"] = v;
    run["qps_1t"] = qps1;
    run["qps_mt"] = qpsn;
    if (!gt.empty()) {
      size_t hit = 0;
      for (size_t i = 0; i < nq; ++i) {
        for (size_t a = 0; a < res[i].size() && a < k; ++a) {
          for (size_t b = 0; b < k && b < gk; ++b) hit += res[i][a].row == uint32_t(gt[i * gk + b]);
        }
      }
      run["recall"] = double(hit) / double(nq * k);
    }
    out["runs"].push_back(run);
  }
  out["peak_rss_kb"] = PeakRssKb();
  std::cout << out.dump() << std::endl;
  return 0;
}
