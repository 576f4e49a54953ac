// Changing index parameters of a live collection: the background rebuild replaces each segment's
// index while searches and deletes go on, survives reopening and kill -9, and Optimize completes
// it when no thread runs. Also dropping a payload index.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "ragdb/database.h"
#include "storage/manifest.h"
#include "storage/test_util.h"

namespace ragdb {
namespace {

using ragdb::testing::TempDir;

constexpr uint32_t kDim = 16;
constexpr size_t kRows = 4500;  // three sealed segments of 1,500 rows: each gets an index

DatabaseOptions Options(bool background = true) {
  DatabaseOptions o;
  o.seal_threshold_rows = 1500;
  o.rebuild_indexes_in_background = background;
  return o;
}

IndexParams Hnsw(uint32_t m) {
  IndexParams p;
  p.type = IndexType::kHnsw;
  p.m = m;
  p.ef_construction = 64;
  return p;
}

std::vector<float> RandomVector(std::mt19937& rng) {
  std::normal_distribution<float> g;
  std::vector<float> v(kDim);
  for (float& x : v) x = g(rng);
  return v;
}

std::shared_ptr<Collection> Populate(Database& db) {
  CollectionSchema s;
  VectorField f;
  f.dim = kDim;
  f.metric = Metric::kL2;
  f.index = Hnsw(8);
  s.vectors.push_back(f);
  s.payload_indexes.push_back({"tag", PayloadType::kKeyword});
  auto col = *db.CreateCollection("c", s);
  std::mt19937 rng(3);
  std::vector<Record> batch;
  for (uint64_t i = 0; i < kRows; ++i) {
    Record r;
    r.id = i;
    r.vectors[""] = RandomVector(rng);
    r.payload = {{"tag", i % 3 ? "x" : "y"}};
    batch.push_back(std::move(r));
    if (batch.size() == 500) {
      EXPECT_TRUE(col->Upsert(batch).ok());
      batch.clear();
    }
  }
  return col;
}

// Sum of the index bytes of every sealed segment, and how many segments have an index.
std::pair<uint64_t, size_t> IndexBytes(Collection& col) {
  uint64_t bytes = 0;
  size_t indexed = 0;
  CollectionInfo info = *col.Describe();
  for (const auto& s : info.segments) {
    for (const auto& ix : s.indexes) {
      bytes += std::stoull(ix.substr(ix.find('(') + 1));
      ++indexed;
    }
  }
  return {bytes, indexed};
}

bool WaitForRebuild(Collection& col, std::chrono::seconds limit = std::chrono::seconds(120)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (col.Describe()->segments_pending_rebuild == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Recall@10 of the collection's (approximate) search against an exact one.
double Recall(Collection& col, int queries) {
  std::mt19937 rng(99);
  size_t hit = 0, total = 0;
  for (int q = 0; q < queries; ++q) {
    SearchRequest req;
    req.vector = RandomVector(rng);
    req.k = 10;
    req.with_payload = false;
    auto approx = *col.Search(req);
    req.exact = true;
    auto exact = *col.Search(req);
    std::set<PointId> want;
    for (const auto& p : exact) want.insert(p.id);
    for (const auto& p : approx) hit += want.count(p.id);
    total += exact.size();
  }
  return static_cast<double>(hit) / total;
}

TEST(IndexRebuild, NewParametersReplaceEveryIndexWhileSearchesRun) {
  TempDir dir;
  auto db = *Database::Open(dir.path(), Options());
  auto col = Populate(*db);
  auto [bytes_m8, indexed] = IndexBytes(*col);
  ASSERT_EQ(indexed, 3u);

  std::atomic<bool> stop{false};
  std::atomic<size_t> searches{0}, failures{0};
  std::thread reader([&] {
    std::mt19937 rng(5);
    while (!stop) {
      SearchRequest req;
      req.vector = RandomVector(rng);
      req.k = 5;
      auto r = col->Search(req);
      if (!r.ok() || r->size() != 5) ++failures;
      ++searches;
    }
  });
  ASSERT_TRUE(col->UpdateVectorIndex("", Hnsw(32)).ok());
  EXPECT_EQ(col->schema().vectors[0].index.m, 32u);
  EXPECT_GT(col->Describe()->segments_pending_rebuild, 0u);
  // Deletes while the rebuild runs stay deleted in the rebuilt segments.
  std::vector<PointId> gone{PointId(uint64_t{0}), PointId(uint64_t{1}), PointId(uint64_t{2}),
                            PointId(uint64_t{1600}), PointId(uint64_t{3100})};
  ASSERT_EQ(*col->Delete(gone), 5u);
  ASSERT_TRUE(WaitForRebuild(*col));
  stop = true;
  reader.join();
  EXPECT_GT(searches.load(), 0u);
  EXPECT_EQ(failures.load(), 0u);
  auto [bytes_m32, indexed_after] = IndexBytes(*col);
  EXPECT_EQ(indexed_after, 3u);
  EXPECT_GT(bytes_m32, bytes_m8 * 2) << "the graphs were rebuilt with more links";
  EXPECT_EQ(*col->Count(), kRows - 5);
  EXPECT_EQ(col->Get(PointId(uint64_t{1600})).status().code(), StatusCode::kNotFound);
  EXPECT_GT(Recall(*col, 20), 0.9);
  auto report = *Database::Check(dir.path());
  EXPECT_TRUE(report.ok()) << report.problems[0];

  // The new indexes and the deletes survive reopening, with nothing left to rebuild.
  col.reset();
  db.reset();
  db = *Database::Open(dir.path(), Options());
  col = *db->GetCollection("c");
  EXPECT_EQ(col->Describe()->segments_pending_rebuild, 0u);
  EXPECT_EQ(IndexBytes(*col).first, bytes_m32);
  EXPECT_EQ(*col->Count(), kRows - 5);

  // Back to exact search: the rebuilt segments carry no index.
  IndexParams flat;
  ASSERT_TRUE(col->UpdateVectorIndex("", flat).ok());
  ASSERT_TRUE(WaitForRebuild(*col));
  EXPECT_EQ(IndexBytes(*col).second, 0u);
  EXPECT_DOUBLE_EQ(Recall(*col, 5), 1.0);

  IndexParams bad = Hnsw(16);
  EXPECT_EQ(col->UpdateVectorIndex("nope", bad).code(), StatusCode::kInvalidArgument);
}

TEST(IndexRebuild, OptimizeRebuildsWithoutABackgroundThread) {
  TempDir dir;
  auto db = *Database::Open(dir.path(), Options(/*background=*/false));
  auto col = Populate(*db);
  const uint64_t before = IndexBytes(*col).first;
  ASSERT_TRUE(col->UpdateVectorIndex("", Hnsw(24)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(col->Describe()->segments_pending_rebuild, 3u);  // nothing runs by itself
  ASSERT_TRUE(col->Optimize().ok());
  EXPECT_EQ(col->Describe()->segments_pending_rebuild, 0u);
  EXPECT_GT(IndexBytes(*col).first, before);
}

// A child changes the parameters and is killed while the rebuild runs; the parent reopens: data
// intact, checksums good, and the rebuild resumes and finishes.
TEST(IndexRebuild, KillNineMidRebuildResumesOnOpen) {
  TempDir dir;
  {
    auto db = *Database::Open(dir.path(), Options());
    Populate(*db);
  }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto db = *Database::Open(dir.path(), Options());
    auto col = *db->GetCollection("c");
    if (!col->UpdateVectorIndex("", Hnsw(32)).ok()) _exit(3);
    char ok = 1;
    if (write(fds[1], &ok, 1) != 1) _exit(4);
    for (;;) pause();
  }
  close(fds[1]);
  char ok = 0;
  ASSERT_EQ(read(fds[0], &ok, 1), 1);
  // Killed as soon as the first segment's new index is in the manifest: the next one is being
  // rebuilt then (each takes a few hundred ms here), whatever the machine's load. (A fixed sleep
  // let a slow parent miss the whole rebuild.)
  for (int i = 0; i < 30000; ++i) {
    auto m = storage::ReadManifest(dir.Join("collections/c"));
    size_t rebuilt = 0;
    if (m.ok()) {
      for (const auto& e : m->segments) rebuilt += e.index_params[""]["m"] == 32;
    }
    if (rebuilt > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  close(fds[0]);
  // The kill came before every segment was rebuilt (each takes a few hundred ms here).
  auto manifest = *storage::ReadManifest(dir.Join("collections/c"));
  size_t old_params = 0;
  for (const auto& e : manifest.segments) old_params += e.index_params[""]["m"] == 8;
  EXPECT_GT(old_params, 0u);

  auto report = *Database::Check(dir.path());
  EXPECT_TRUE(report.ok()) << report.problems[0];
  auto db = *Database::Open(dir.path(), Options());
  auto col = *db->GetCollection("c");
  EXPECT_EQ(col->schema().vectors[0].index.m, 32u);  // acknowledged before the kill
  EXPECT_EQ(*col->Count(), kRows);
  ASSERT_TRUE(WaitForRebuild(*col));
  EXPECT_EQ(IndexBytes(*col).second, 3u);
  EXPECT_GT(Recall(*col, 10), 0.9);
}

// Qdrant's bulk-load recipe: indexing off (threshold 0) while loading, then on.
TEST(IndexRebuild, IndexingThresholdTurnsIndexingOffAndOn) {
  TempDir dir;
  auto db = *Database::Open(dir.path(), Options());
  auto col = Populate(*db);
  IndexParams off = Hnsw(8);
  off.indexing_threshold_kb = 0;
  ASSERT_TRUE(col->UpdateVectorIndex("", off).ok());
  ASSERT_TRUE(WaitForRebuild(*col));
  EXPECT_EQ(IndexBytes(*col).second, 0u);
  IndexParams big = Hnsw(8);
  big.indexing_threshold_kb = 1000;  // 1,500 rows x 64 bytes = 93 KB: below, stays exact
  ASSERT_TRUE(col->UpdateVectorIndex("", big).ok());
  ASSERT_TRUE(WaitForRebuild(*col));
  EXPECT_EQ(IndexBytes(*col).second, 0u);
  IndexParams on = Hnsw(8);
  on.indexing_threshold_kb = 50;
  ASSERT_TRUE(col->UpdateVectorIndex("", on).ok());
  ASSERT_TRUE(WaitForRebuild(*col));
  EXPECT_EQ(IndexBytes(*col).second, 3u);
  EXPECT_EQ(*col->schema().vectors[0].index.indexing_threshold_kb, 50u);
}

TEST(PayloadIndexDrop, FiltersStillAnswerAndTheSchemaForgetsIt) {
  TempDir dir;
  auto db = *Database::Open(dir.path(), Options());
  auto col = Populate(*db);
  Filter f = *Filter::Parse("tag == \"y\"");
  const size_t before = *col->Count(&f);
  ASSERT_TRUE(col->DropPayloadIndex("tag").ok());
  EXPECT_TRUE(col->schema().payload_indexes.empty());
  EXPECT_EQ(*col->Count(&f), before);
  EXPECT_EQ(col->DropPayloadIndex("tag").code(), StatusCode::kNotFound);
  col.reset();
  db.reset();
  db = *Database::Open(dir.path(), Options());
  col = *db->GetCollection("c");
  EXPECT_TRUE(col->schema().payload_indexes.empty());
  EXPECT_EQ(*col->Count(&f), before);
}

}  // namespace
}  // namespace ragdb
