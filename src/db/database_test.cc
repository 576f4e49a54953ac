#include "ragdb/database.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "db/segment.h"
#include "storage/test_util.h"

namespace ragdb {
namespace {

using ragdb::testing::TempDir;

CollectionSchema VectorSchema(uint32_t dim, Metric metric) {
  CollectionSchema s;
  VectorField f;
  f.dim = dim;
  f.metric = metric;
  s.vectors.push_back(f);
  return s;
}

Record MakeRecord(PointId id, std::vector<float> v, Json payload = Json::object()) {
  Record r;
  r.id = std::move(id);
  r.vectors[""] = std::move(v);
  r.payload = std::move(payload);
  return r;
}

DatabaseOptions SmallSegments() {
  DatabaseOptions o;
  o.seal_threshold_rows = 50;  // exercise sealing and multi-segment search
  return o;
}

TEST(Database, CreateListDescribeDrop) {
  TempDir dir;
  auto db = Database::Open(dir.path());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_TRUE((*db)->CreateCollection("docs", VectorSchema(4, Metric::kCosine)).ok());
  EXPECT_EQ((*db)->CreateCollection("docs", VectorSchema(4, Metric::kCosine)).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ((*db)->CreateCollection("bad/name", VectorSchema(4, Metric::kL2)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*db)->CreateCollection("zero", VectorSchema(0, Metric::kL2)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*db)->ListCollections(), std::vector<std::string>{"docs"});
  auto c = (*db)->GetCollection("docs");
  ASSERT_TRUE(c.ok());
  auto info = (*c)->Describe();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->points, 0u);
  ASSERT_TRUE((*db)->DropCollection("docs").ok());
  EXPECT_EQ((*c)->Count().status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*db)->GetCollection("docs").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE((*db)->ListCollections().empty());
}

TEST(Database, SecondOpenOfTheSameFolderIsRefused) {
  TempDir dir;
  auto db = Database::Open(dir.path());
  ASSERT_TRUE(db.ok());
  auto again = Database::Open(dir.path());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
}

TEST(Database, UpsertGetReplaceDeleteCount) {
  TempDir dir;
  auto db = *Database::Open(dir.path(), SmallSegments());
  auto c = *db->CreateCollection("c", VectorSchema(2, Metric::kL2));
  std::vector<Record> batch;
  for (uint64_t i = 0; i < 120; ++i) {
    batch.push_back(MakeRecord(i, {float(i), 0}, {{"cat", i % 3 == 0 ? "a" : "b"}, {"n", i}}));
  }
  batch.push_back(MakeRecord("3f2504e0-4f89-11d3-9a0c-0305e82c3301", {1, 1}, {{"cat", "u"}}));
  ASSERT_TRUE(c->Upsert(batch).ok());
  EXPECT_EQ(*c->Count(), 121u);
  auto r = c->Get(7);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->payload["n"], 7);
  EXPECT_EQ(r->vectors.at(""), (std::vector<float>{7, 0}));
  EXPECT_EQ(c->Get(PointId("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))->payload["cat"], "u");
  EXPECT_EQ(c->Get(999).status().code(), StatusCode::kNotFound);

  // Replace by id.
  ASSERT_TRUE(c->Upsert(std::vector<Record>{MakeRecord(7, {70, 0}, {{"cat", "z"}})}).ok());
  EXPECT_EQ(*c->Count(), 121u);
  EXPECT_EQ(c->Get(7)->payload["cat"], "z");

  auto f = Filter::Parse("cat == \"a\"");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*c->Count(&*f), 40u);
  std::vector<PointId> del{uint64_t{0}, 1, 2, 12345};
  EXPECT_EQ(*c->Delete(del), 3u);
  EXPECT_EQ(*c->Count(), 118u);
  EXPECT_EQ(*c->DeleteByFilter(*f), 39u);  // 0 was already deleted
  EXPECT_EQ(*c->Count(&*f), 0u);
  EXPECT_EQ(c->Get(3).status().code(), StatusCode::kNotFound);
}

TEST(Database, FlatSearchMatchesBruteForceForEveryMetricWithAndWithoutFilter) {
  std::mt19937 rng(42);
  std::normal_distribution<float> g;
  const uint32_t dim = 19;
  std::vector<std::vector<float>> data(300, std::vector<float>(dim));
  for (auto& v : data)
    for (float& x : v) x = g(rng);
  for (Metric metric : {Metric::kL2, Metric::kIp, Metric::kCosine}) {
    TempDir dir;
    auto db = *Database::Open(dir.path(), SmallSegments());
    auto c = *db->CreateCollection("c", VectorSchema(dim, metric));
    std::vector<Record> batch;
    for (uint64_t i = 0; i < data.size(); ++i)
      batch.push_back(MakeRecord(i, data[i], {{"even", i % 2 == 0}}));
    ASSERT_TRUE(c->Upsert(batch).ok());
    for (bool filtered : {false, true}) {
      std::vector<float> q(dim);
      for (float& x : q) x = g(rng);
      // Brute force in double precision.
      std::vector<std::pair<double, uint64_t>> truth;
      double qn = 0;
      for (float x : q) qn += double(x) * x;
      for (uint64_t i = 0; i < data.size(); ++i) {
        if (filtered && i % 2) continue;
        double dot = 0, l2 = 0, n = 0;
        for (uint32_t d = 0; d < dim; ++d) {
          dot += double(q[d]) * data[i][d];
          l2 += (double(q[d]) - data[i][d]) * (double(q[d]) - data[i][d]);
          n += double(data[i][d]) * data[i][d];
        }
        double key = metric == Metric::kL2   ? l2
                     : metric == Metric::kIp ? -dot
                                             : -dot / std::sqrt(n * qn);
        truth.emplace_back(key, i);
      }
      std::sort(truth.begin(), truth.end());
      SearchRequest req;
      req.vector = q;
      req.k = 10;
      if (filtered) req.filter = *Filter::Parse("even == true");
      auto hits = c->Search(req);
      ASSERT_TRUE(hits.ok()) << hits.status().ToString();
      ASSERT_EQ(hits->size(), 10u);
      for (size_t i = 0; i < 10; ++i) {
        EXPECT_EQ((*hits)[i].id, PointId(truth[i].second))
            << "metric " << int(metric) << " rank " << i;
        double expected = metric == Metric::kL2 ? std::sqrt(truth[i].first) : -truth[i].first;
        EXPECT_NEAR((*hits)[i].score, expected, 1e-3);
      }
    }
  }
}

TEST(Database, BadInputIsRejectedAndNothingIsStored) {
  TempDir dir;
  auto db = *Database::Open(dir.path());
  auto c = *db->CreateCollection("c", VectorSchema(3, Metric::kL2));
  ASSERT_TRUE(c->Upsert(std::vector<Record>{MakeRecord(1, {1, 2, 3})}).ok());
  auto expect_rejected = [&](Record bad, StatusCode code, const std::string& needle) {
    std::vector<Record> batch{MakeRecord(2, {0, 0, 0}), std::move(bad)};
    Status s = c->Upsert(batch);
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
    EXPECT_EQ(*c->Count(), 1u);
    EXPECT_EQ(c->Get(2).status().code(), StatusCode::kNotFound);
  };
  expect_rejected(MakeRecord(3, {1, 2}), StatusCode::kInvalidArgument, "dimension 2, expected 3");
  expect_rejected(MakeRecord(3, {1, NAN, 3}), StatusCode::kInvalidArgument, "NaN");
  expect_rejected(MakeRecord(3, {1, INFINITY, 3}), StatusCode::kInvalidArgument, "infinite");
  Record unknown = MakeRecord(3, {1, 2, 3});
  unknown.vectors["other"] = {1};
  expect_rejected(unknown, StatusCode::kInvalidArgument, "unknown vector 'other'");
  Record big = MakeRecord(3, {1, 2, 3}, {{"blob", std::string(2 << 20, 'x')}});
  expect_rejected(big, StatusCode::kResourceExhausted, "payload of");
  SearchRequest req;
  req.vector = {1, 2};
  EXPECT_EQ(c->Search(req).status().code(), StatusCode::kInvalidArgument);
}

TEST(Database, ScrollPagesInIdOrderWithFilter) {
  TempDir dir;
  auto db = *Database::Open(dir.path(), SmallSegments());
  auto c = *db->CreateCollection("c", VectorSchema(1, Metric::kL2));
  std::vector<Record> batch;
  for (uint64_t i = 200; i > 0; --i)
    batch.push_back(MakeRecord(i, {float(i)}, {{"odd", i % 2 == 1}}));
  ASSERT_TRUE(c->Upsert(batch).ok());
  ScrollRequest req;
  req.limit = 30;
  req.filter = *Filter::Parse("odd == true");
  std::vector<uint64_t> seen;
  for (;;) {
    auto page = c->Scroll(req);
    ASSERT_TRUE(page.ok());
    for (const auto& r : page->records) seen.push_back(r.id.number());
    if (!page->next_offset) break;
    req.offset = page->next_offset;
  }
  ASSERT_EQ(seen.size(), 100u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], 2 * i + 1);
}

TEST(Database, PayloadIndexGivesTheSameAnswersAsAScan) {
  TempDir dir;
  auto db = *Database::Open(dir.path(), SmallSegments());
  auto c = *db->CreateCollection("c", VectorSchema(1, Metric::kL2));
  std::vector<Record> batch;
  for (uint64_t i = 0; i < 500; ++i) {
    batch.push_back(
        MakeRecord(i, {float(i)}, {{"cat", "c" + std::to_string(i % 7)}, {"price", i * 0.5}}));
  }
  ASSERT_TRUE(c->Upsert(batch).ok());
  auto f = *Filter::Parse("cat in [\"c1\", \"c2\"] and price < 100");
  size_t before = *c->Count(&f);
  ASSERT_TRUE(c->CreatePayloadIndex({"cat", PayloadType::kKeyword}).ok());
  ASSERT_TRUE(c->CreatePayloadIndex({"price", PayloadType::kFloat}).ok());
  EXPECT_EQ(*c->Count(&f), before);
  EXPECT_GT(before, 0u);
  EXPECT_EQ(c->schema().payload_indexes.size(), 2u);
}

// The growing segment keeps its payload indexes current as rows arrive (issue 20): a filter on
// fresh rows reads postings, and its answers equal a scan of the payloads.
TEST(Database, GrowingSegmentPayloadIndexesEqualAScan) {
  CollectionSchema schema = VectorSchema(1, Metric::kL2);
  schema.payload_indexes = {{"cat", PayloadType::kKeyword},
                            {"price", PayloadType::kFloat},
                            {"when", PayloadType::kDatetime},
                            {"loc", PayloadType::kGeo}};
  db::GrowingSegment seg(schema);
  std::mt19937 rng(3);
  std::vector<Json> payloads;
  for (uint64_t i = 0; i < 2000; ++i) {
    Json p = {
        {"cat", "c" + std::to_string(rng() % 7)},
        {"price", static_cast<double>(rng() % 1000) / 10},
        {"when", "2024-01-" + std::to_string(10 + rng() % 20) + "T00:00:00Z"},
        {"loc", {{"lon", 13.0 + (rng() % 100) / 100.0}, {"lat", 52.0 + (rng() % 100) / 100.0}}}};
    payloads.push_back(p);
    seg.Append(MakeRecord(i, {float(i)}, p));
    if (rng() % 50 == 0) seg.UpdatePayloadIndexes();  // writes come in batches
  }
  seg.UpdatePayloadIndexes();
  db::SegmentFilterSource source(seg);
  for (const char* path : {"cat", "price", "when", "loc"}) {
    ASSERT_NE(source.index(path), nullptr) << path;
    EXPECT_EQ(source.index(path)->rows(), seg.rows());
  }
  for (const char* e :
       {"cat in ['c1', 'c2'] and price < 30", "when >= '2024-01-20T00:00:00Z' and not cat == 'c3'",
        "geo_radius(loc, 13.5, 52.5, 20000) or price > 95",
        "geo_box(loc, 13.1, 52.9, 13.3, 52.1) and text(cat, 'c4')"}) {
    Filter f = *Filter::Parse(e);
    Bitset got = Evaluate(f, source);
    size_t want = 0;
    for (size_t r = 0; r < payloads.size(); ++r) {
      const bool m = Matches(f, PointId(static_cast<uint64_t>(r)), payloads[r]);
      want += m ? 1 : 0;
      ASSERT_EQ(got.Test(r), m) << e << " row " << r;
    }
    EXPECT_GT(want, 0u) << e;
  }
}

}  // namespace
}  // namespace ragdb

namespace ragdb {
namespace {

TEST(Database, BatchedSearchEqualsOneByOne) {
  std::mt19937 rng(5);
  std::normal_distribution<float> g;
  const uint32_t dim = 37;
  for (Metric metric : {Metric::kL2, Metric::kIp, Metric::kCosine}) {
    for (bool filtered : {false, true}) {
      TempDir dir;
      auto db = *Database::Open(dir.path(), SmallSegments());
      auto c = *db->CreateCollection("c", VectorSchema(dim, metric));
      std::vector<Record> batch;
      for (uint64_t i = 0; i < 2500; ++i) {
        std::vector<float> v(dim);
        for (float& x : v) x = g(rng);
        batch.push_back(MakeRecord(i, v, {{"m", i % 3}}));
      }
      ASSERT_TRUE(c->Upsert(batch).ok());
      std::vector<SearchRequest> reqs(20);
      for (auto& r : reqs) {
        r.vector.resize(dim);
        for (float& x : r.vector) x = g(rng);
        r.k = 7;
        r.offset = 2;
        r.with_payload = false;
        if (filtered) r.filter = *Filter::Parse("m == 1");
      }
      auto together = c->SearchBatch(reqs, 2);
      ASSERT_TRUE(together.ok()) << together.status().ToString();
      for (size_t i = 0; i < reqs.size(); ++i) {
        auto one = *c->Search(reqs[i]);
        ASSERT_EQ((*together)[i].size(), one.size());
        for (size_t j = 0; j < one.size(); ++j) {
          EXPECT_EQ((*together)[i][j].id, one[j].id) << "metric " << int(metric) << " q " << i;
          EXPECT_NEAR((*together)[i][j].score, one[j].score, 1e-3 * (1 + std::abs(one[j].score)));
        }
      }
    }
  }
}

}  // namespace
}  // namespace ragdb

namespace ragdb {
namespace {

TEST(Database, EmbeddingFunctionFillsVectorsFromTextAndEmbedsTextQueries) {
  TempDir dir;
  auto db = *Database::Open(dir.path());
  CollectionSchema schema;
  VectorField f;
  f.dim = 128;
  f.embedder = "hash:128";
  schema.vectors.push_back(f);
  auto c = *db->CreateCollection("c", schema);
  std::vector<std::string> texts = {"the quick brown fox jumps", "espresso coffee machine",
                                    "hiking boots for mountain trails"};
  std::vector<Record> batch;
  for (uint64_t i = 0; i < texts.size(); ++i) {
    Record r;
    r.id = i;
    r.text = texts[i];
    batch.push_back(r);
  }
  ASSERT_TRUE(c->Upsert(batch).ok());
  auto stored = *c->Get(1);
  ASSERT_EQ(stored.vectors.at("").size(), 128u);
  SearchRequest req;
  req.query_text = "coffee";
  req.k = 1;
  auto hits = c->Search(req);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].id, PointId(1));

  // A record with neither text nor vector simply has no vector; a wrong-size embedder is refused.
  CollectionSchema bad = schema;
  bad.vectors[0].embedder = "hash:64";
  auto created = db->CreateCollection("bad", bad);
  EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(created.status().message().find("64-d"), std::string::npos)
      << created.status().message();
  EXPECT_EQ(db->GetCollection("bad").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace ragdb
