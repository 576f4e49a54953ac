// Embedded search throughput on a database folder, to compare with the same searches over HTTP
// (bench/server_bench.sh): server_embedded_bench DIR COLLECTION SECONDS THREADS
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "ragdb/database.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s DIR COLLECTION SECONDS THREADS\n", argv[0]);
    return 2;
  }
  auto db = ragdb::Database::Open(argv[1]);
  if (!db.ok()) {
    fprintf(stderr, "%s\n", db.status().ToString().c_str());
    return 1;
  }
  auto col = (*db)->GetCollection(argv[2]);
  if (!col.ok()) {
    fprintf(stderr, "%s\n", col.status().ToString().c_str());
    return 1;
  }
  uint32_t dim = (*col)->schema().vectors.at(0).dim;
  double seconds = atof(argv[3]);
  int threads = atoi(argv[4]);
  // Same shape of work as the wrk script: 64 random queries, top 10, no payload.
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<ragdb::SearchRequest> reqs(64);
  for (auto& r : reqs) {
    r.vector.resize(dim);
    for (auto& x : r.vector) x = u(rng);
    r.k = 10;
    r.with_payload = false;
  }
  // CPU time of the search loop alone (not the open, which replays the WAL).
  auto cpu_seconds = [] {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
  };
  const double cpu0 = cpu_seconds();
  std::atomic<uint64_t> done{0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      uint64_t n = 0;
      while (std::chrono::steady_clock::now() < deadline) {
        auto hits = (*col)->Search(reqs[(n + t) % reqs.size()]);
        if (!hits.ok()) abort();
        ++n;
      }
      done += n;
    });
  }
  for (auto& t : ts) t.join();
  printf("embedded_qps %.1f\n", static_cast<double>(done) / seconds);
  printf("embedded_cpu_us_per_query %.1f\n", (cpu_seconds() - cpu0) * 1e6 / double(done));
  return 0;
}
