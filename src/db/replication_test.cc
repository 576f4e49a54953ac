#include "db/replication.h"

#include <gtest/gtest.h>

#include <random>

#include "base/file.h"
#include "storage/test_util.h"

namespace ragdb {
namespace {

using ragdb::testing::TempDir;

CollectionSchema TextVectorSchema() {
  CollectionSchema s;
  VectorField f;
  f.dim = 8;
  f.metric = Metric::kCosine;
  s.vectors.push_back(f);
  s.text = TextField{};
  return s;
}

std::vector<Record> RandomRecords(size_t n, uint64_t first_id, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  const char* words[] = {"alpha", "beta", "gamma", "delta", "fox", "quick", "lazy", "dog"};
  std::vector<Record> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i].id = PointId(first_id + i);
    auto& v = out[i].vectors[""];
    for (int d = 0; d < 8; ++d) v.push_back(u(rng) * 3);
    std::string text;
    for (int w = 0; w < 5; ++w) text += std::string(words[rng() % 8]) + " ";
    out[i].text = text;
    out[i].payload = {{"i", first_id + i}};
  }
  return out;
}

TEST(Replication, PreparedRecordsAreStoredUnchangedOnEveryCopy) {
  TempDir dir;
  auto a = Database::Open(dir.Join("a")).value();
  auto b = Database::Open(dir.Join("b")).value();
  auto ca = a->CreateCollection("c", TextVectorSchema()).value();
  auto cb = b->CreateCollection("c", TextVectorSchema()).value();
  auto records = RandomRecords(50, 1, 7);
  ASSERT_TRUE(ca->Upsert(records).ok());  // the plain path: prepare + store
  auto prepared = db::PrepareRecords(*cb, records);
  ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  ASSERT_TRUE(db::UpsertPrepared(*cb, *prepared).ok());
  for (const auto& r : records) {
    auto x = ca->Get(r.id).value();
    auto y = cb->Get(r.id).value();
    EXPECT_EQ(x.vectors, y.vectors) << r.id.ToString();  // bit for bit
    EXPECT_EQ(x.payload, y.payload);
  }
  // Bad input is refused by PrepareRecords, naming the problem.
  auto bad = RandomRecords(1, 99, 1);
  bad[0].vectors[""].push_back(1);
  auto refused = db::PrepareRecords(*cb, bad);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("dimension 9"), std::string::npos);
}

TEST(Replication, CheckpointFilesOpenAsTheSameCollectionElsewhere) {
  TempDir dir;
  DatabaseOptions small;
  small.seal_threshold_rows = 40;
  auto a = Database::Open(dir.Join("a"), small).value();
  auto ca = a->CreateCollection("c", TextVectorSchema()).value();
  ASSERT_TRUE(ca->Upsert(RandomRecords(100, 1, 3)).ok());
  std::vector<PointId> gone = {PointId(uint64_t{5}), PointId(uint64_t{77})};
  ASSERT_TRUE(ca->Delete(gone).ok());
  auto files = db::CheckpointFiles(*ca);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  // Copy the listed files (only those) into another database folder.
  std::string copy = JoinPath(dir.Join("b"), "collections/c");
  ASSERT_TRUE(CreateDirs(copy).ok());
  bool has_manifest = false;
  for (const auto& f : files->files) {
    has_manifest |= f == "MANIFEST";
    auto bytes = ReadFile(JoinPath(files->dir, f));
    ASSERT_TRUE(bytes.ok()) << f;
    ASSERT_TRUE(WriteFileAtomic(JoinPath(copy, f), *bytes).ok());
  }
  EXPECT_TRUE(has_manifest);
  auto b = Database::Open(dir.Join("b")).value();
  auto cb = b->GetCollection("c").value();
  EXPECT_EQ(cb->Count().value(), 98u);
  EXPECT_EQ(cb->Get(PointId(uint64_t{5})).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cb->Get(PointId(uint64_t{6})).value().vectors,
            ca->Get(PointId(uint64_t{6})).value().vectors);
}

TEST(Replication, SummedTextStatisticsRankTwoHalvesAsOneCollection) {
  TempDir dir;
  auto db = Database::Open(dir.path()).value();
  auto whole = db->CreateCollection("whole", TextVectorSchema()).value();
  auto h1 = db->CreateCollection("h1", TextVectorSchema()).value();
  auto h2 = db->CreateCollection("h2", TextVectorSchema()).value();
  auto records = RandomRecords(200, 1, 11);
  ASSERT_TRUE(whole->Upsert(records).ok());
  std::vector<Record> odd, even;
  for (auto& r : records) (r.id.number() % 2 ? odd : even).push_back(r);
  ASSERT_TRUE(h1->Upsert(odd).ok());
  ASSERT_TRUE(h2->Upsert(even).ok());
  TextSearchRequest req;
  req.query = "quick fox";
  req.k = 10;
  auto s1 = db::TextStatistics(*h1, req).value();
  auto s2 = db::TextStatistics(*h2, req).value();
  text::CollectionStats sum = s1;
  sum.doc_count += s2.doc_count;
  sum.total_tokens += s2.total_tokens;
  for (const auto& [t, n] : s2.doc_freq) sum.doc_freq[t] += n;
  auto r1 = db::SearchTextWithStats(*h1, req, sum).value();
  auto r2 = db::SearchTextWithStats(*h2, req, sum).value();
  r1.insert(r1.end(), r2.begin(), r2.end());
  std::sort(r1.begin(), r1.end(), [](const ScoredPoint& a, const ScoredPoint& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  });
  r1.resize(10);
  auto expected = whole->SearchText(req).value();
  ASSERT_EQ(expected.size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(r1[i].id, expected[i].id) << i;
    EXPECT_EQ(r1[i].score, expected[i].score) << i;
  }
  // Each half alone scores differently (its own statistics).
  EXPECT_NE(h1->SearchText(req).value()[0].score, expected[0].score);
}

}  // namespace
}  // namespace ragdb
