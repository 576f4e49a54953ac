// The C++ side of bench/python_bench.py: the same searches and upserts through the embedded C++
// API (include/ragdb/database.h) on the same database folder, so that Python's figures can be
// divided by these. Prints one JSON object.
//
//   python_bench_driver search DIR COLLECTION QUERIES.fvecs K EF THREADS SECONDS batch|single
//   [exact]
//     batch: one SearchBatch of every query per pass; single: one Search per query, in a loop.
//     One pass warms up, then passes repeat for at least SECONDS (as python_bench.py times its
//     side). Requests are built before the clock starts (as a C++ program would keep them).
//     -> {"qps": x, "cpu_us": y, "checksum": N}  (cpu_us: CPU time of the process per query;
//        checksum of the result ids, as python_bench.py computes it from its numpy arrays: the
//        same results give the same number)
//   python_bench_driver upsert DIR COLLECTION BASE.fvecs BATCH
//     creates COLLECTION (l2, flat) and upserts BASE in batches of BATCH ids 0..n-1, each
//     durable before the next -> {"vectors_per_s": x, "cpu_us": y (per vector), "seconds": s}
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/vecs_io.h"
#include "ragdb/database.h"

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

int Fail(const ragdb::Status& s) {
  fprintf(stderr, "python_bench_driver: %s\n", s.ToString().c_str());
  return 1;
}

// Sum over queries i and ranks j of (id + 1) * (j + 1) * (i % 1000 + 1), modulo 2^61 - 1.
uint64_t Checksum(const std::vector<std::vector<ragdb::ScoredPoint>>& results) {
  const uint64_t mod = (uint64_t{1} << 61) - 1;
  uint64_t sum = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    for (size_t j = 0; j < results[i].size(); ++j) {
      const auto& id = results[i][j].id;
      uint64_t v = id.is_number() ? id.number() + 1 : 0;
      sum = (sum + v % mod * (j + 1) % mod * (i % 1000 + 1)) % mod;
    }
  }
  return sum;
}

int Search(int argc, char** argv) {
  if (argc < 10) {
    fprintf(stderr, "usage: search DIR COLLECTION QUERIES K EF THREADS SECONDS batch|single\n");
    return 2;
  }
  auto db = ragdb::Database::Open(argv[2]);
  if (!db.ok()) return Fail(db.status());
  auto col = (*db)->GetCollection(argv[3]);
  if (!col.ok()) return Fail(col.status());
  auto queries = ragdb::cli::ReadFvecs(argv[4]);
  if (!queries.ok()) return Fail(queries.status());
  const size_t k = std::strtoul(argv[5], nullptr, 10);
  const uint32_t ef = static_cast<uint32_t>(std::strtoul(argv[6], nullptr, 10));
  const size_t threads = std::strtoul(argv[7], nullptr, 10);
  const double min_seconds = std::atof(argv[8]);
  const bool batch = std::string(argv[9]) == "batch";
  const bool exact = argc > 10 && std::string(argv[10]) == "exact";
  std::vector<ragdb::SearchRequest> requests(queries->rows);
  for (size_t i = 0; i < queries->rows; ++i) {
    auto& r = requests[i];
    const float* row = queries->data.data() + i * queries->dim;
    r.vector.assign(row, row + queries->dim);
    r.k = k;
    r.ef = ef;
    r.exact = exact;
    r.with_payload = false;
  }
  std::vector<std::vector<ragdb::ScoredPoint>> results(requests.size());
  auto pass = [&]() -> ragdb::Status {
    if (batch) {
      RAGDB_ASSIGN_OR_RETURN(results, (*col)->SearchBatch(requests, threads));
      return ragdb::Status::Ok();
    }
    for (size_t i = 0; i < requests.size(); ++i) {
      RAGDB_ASSIGN_OR_RETURN(results[i], (*col)->Search(requests[i]));
    }
    return ragdb::Status::Ok();
  };
  ragdb::Status s = pass();  // warm-up
  if (!s.ok()) return Fail(s);
  size_t done = 0;
  auto t = Clock::now();
  const double cpu = CpuSeconds();
  do {
    if (!(s = pass()).ok()) return Fail(s);
    done += requests.size();
  } while (Since(t) < min_seconds);
  const double n = static_cast<double>(done);
  printf("{\"qps\": %.1f, \"cpu_us\": %.2f, \"checksum\": %llu}\n", n / Since(t),
         (CpuSeconds() - cpu) * 1e6 / n, static_cast<unsigned long long>(Checksum(results)));
  return 0;
}

int Upsert(int argc, char** argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: upsert DIR COLLECTION BASE BATCH\n");
    return 2;
  }
  auto db = ragdb::Database::Open(argv[2]);
  if (!db.ok()) return Fail(db.status());
  auto base = ragdb::cli::ReadFvecs(argv[4]);
  if (!base.ok()) return Fail(base.status());
  const size_t batch = std::strtoul(argv[5], nullptr, 10);
  ragdb::CollectionSchema schema;
  ragdb::VectorField field;
  field.dim = static_cast<uint32_t>(base->dim);
  field.metric = ragdb::Metric::kL2;
  schema.vectors.push_back(field);
  auto col = (*db)->CreateCollection(argv[3], schema);
  if (!col.ok()) return Fail(col.status());
  auto t = Clock::now();
  const double cpu = CpuSeconds();
  std::vector<ragdb::Record> records;
  for (size_t start = 0; start < base->rows; start += batch) {
    const size_t end = std::min(base->rows, start + batch);
    // Building the records is part of an upsert's cost, as it is for the Python binding.
    records.assign(end - start, ragdb::Record{});
    for (size_t i = start; i < end; ++i) {
      ragdb::Record& r = records[i - start];
      r.id = ragdb::PointId(static_cast<uint64_t>(i));
      const float* row = base->data.data() + i * base->dim;
      r.vectors[""].assign(row, row + base->dim);
    }
    ragdb::Status s = (*col)->Upsert(records);
    if (!s.ok()) return Fail(s);
  }
  const double seconds = Since(t);
  const double n = static_cast<double>(base->rows);
  printf("{\"vectors_per_s\": %.1f, \"cpu_us\": %.3f, \"seconds\": %.3f}\n", n / seconds,
         (CpuSeconds() - cpu) * 1e6 / n, seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "search") return Search(argc, argv);
  if (mode == "upsert") return Upsert(argc, argv);
  fprintf(stderr, "usage: python_bench_driver search|upsert ...\n");
  return 2;
}
