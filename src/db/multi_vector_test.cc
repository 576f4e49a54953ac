// Multi-vector (late interaction) fields through the public Collection API: MaxSim against a
// brute-force reference, through the growing segment, the log replay and sealed segments.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "model/test_util.h"
#include "ragdb/database.h"
#include "ragdb/model.h"
#include "storage/test_util.h"

namespace ragdb {
namespace {

using ragdb::testing::TempDir;

CollectionSchema MultiSchema() {
  CollectionSchema s;
  s.vectors.push_back({.name = "dense", .dim = 8});
  s.multi_vectors.push_back({.name = "colbert", .dim = 16, .metric = Metric::kCosine});
  s.multi_vectors.push_back({.name = "raw", .dim = 4, .metric = Metric::kIp});
  s.payload_indexes.push_back({"group", PayloadType::kInteger});
  return s;
}

MultiVector RandomMatrix(std::mt19937* rng, size_t rows, size_t dim) {
  std::normal_distribution<float> g;
  MultiVector m(rows, std::vector<float>(dim));
  for (auto& v : m) {
    for (float& x : v) x = g(*rng);
  }
  return m;
}

// MaxSim in double, normalizing both sides for cosine.
double ReferenceMaxSim(MultiVector q, MultiVector d, bool cosine) {
  auto normalize = [](std::vector<float>* v) {
    double n = 0;
    for (float x : *v) n += double(x) * x;
    for (float& x : *v) x = float(x / std::sqrt(n));
  };
  if (cosine) {
    for (auto& v : q) normalize(&v);
    for (auto& v : d) normalize(&v);
  }
  double total = 0;
  for (const auto& a : q) {
    double best = -1e300;
    for (const auto& b : d) {
      double dot = 0;
      for (size_t k = 0; k < a.size(); ++k) dot += double(a[k]) * b[k];
      best = std::max(best, dot);
    }
    total += best;
  }
  return total;
}

struct Stored {
  std::map<std::string, MultiVector> multi;
  int64_t group;
};

// Checks top-k (ids in order, scores) of every query against the reference.
void ExpectMatchesReference(const Collection& c, const std::map<uint64_t, Stored>& truth,
                            std::mt19937* rng, const std::string& when) {
  for (const std::string field : {"colbert", "raw"}) {
    const size_t dim = field == "colbert" ? 16 : 4;
    for (int trial = 0; trial < 6; ++trial) {
      SearchRequest q;
      q.field = field;
      q.multi_vector = RandomMatrix(rng, 1 + trial % 5, dim);
      q.k = 7;
      // Unfiltered and a quarter of the rows: the blocked product; a few ids: row by row.
      const bool filtered = trial % 3 == 1;
      const bool few = trial % 3 == 2;
      if (filtered)
        q.filter =
            Filter::FromJson({{"must", {{{"key", "group"}, {"match", {{"value", 1}}}}}}}).value();
      if (few) {
        auto f = Filter::FromJson(Json::parse(
            R"({"must": [{"has_id": [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 200]}]})"));
        ASSERT_TRUE(f.ok()) << f.status().ToString();
        q.filter = *f;
      }
      std::vector<std::pair<double, uint64_t>> expected;
      for (const auto& [id, s] : truth) {
        auto it = s.multi.find(field);
        if (it == s.multi.end() || (filtered && s.group != 1)) continue;
        if (few && !(id >= 3 && id <= 18) && id != 200) continue;
        expected.emplace_back(-ReferenceMaxSim(q.multi_vector, it->second, field == "colbert"), id);
      }
      std::sort(expected.begin(), expected.end());
      auto got = c.Search(q);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_EQ(got->size(), std::min<size_t>(7, expected.size())) << when;
      for (size_t i = 0; i < got->size(); ++i) {
        EXPECT_NEAR((*got)[i].score, -expected[i].first, 1e-4) << when << " " << field << " #" << i;
        // Ids may swap only where scores tie within rounding.
        if ((*got)[i].id != PointId(expected[i].second)) {
          EXPECT_NEAR((*got)[i].score, -expected[i].first, 1e-5) << when;
        }
      }
    }
  }
}

TEST(MultiVector, MaxSimMatchesBruteForceThroughEverySegmentKind) {
  TempDir dir;
  DatabaseOptions o;
  o.seal_threshold_rows = 64;  // several sealed segments and a growing one
  std::mt19937 rng(3);
  std::map<uint64_t, Stored> truth;
  {
    auto db = Database::Open(dir.path(), o).value();
    auto c = db->CreateCollection("mv", MultiSchema()).value();
    for (uint64_t batch = 0; batch < 5; ++batch) {
      std::vector<Record> recs;
      for (uint64_t i = batch * 50; i < batch * 50 + 50; ++i) {
        Record r;
        r.id = i;
        r.vectors["dense"] = RandomMatrix(&rng, 1, 8)[0];
        Stored s{{}, static_cast<int64_t>(i % 3)};
        if (i % 7 != 0) s.multi["colbert"] = RandomMatrix(&rng, 1 + rng() % 12, 16);
        if (i % 5 != 0) s.multi["raw"] = RandomMatrix(&rng, 1 + rng() % 4, 4);
        r.multi_vectors = s.multi;
        r.payload = {{"group", s.group}};
        truth[i] = s;
        recs.push_back(std::move(r));
      }
      ASSERT_TRUE(c->Upsert(recs).ok());
    }
    // Overwrites and deletes: the old matrices must not be found any more.
    Record over;
    over.id = uint64_t{10};
    over.multi_vectors["colbert"] = RandomMatrix(&rng, 3, 16);
    over.payload = {{"group", 1}};
    truth[10] = {over.multi_vectors, 1};
    ASSERT_TRUE(c->Upsert(std::span<const Record>(&over, 1)).ok());
    std::vector<PointId> gone{1, 2, 130, 249};
    ASSERT_TRUE(c->Delete(gone).ok());
    for (const auto& id : gone) truth.erase(id.number());
    ExpectMatchesReference(*c, truth, &rng, "before reopen");

    // Stored matrices come back (unit length under cosine, as given under ip).
    auto r = c->Get(PointId(uint64_t{3})).value();
    ASSERT_EQ(r.multi_vectors.at("raw"), truth[3].multi.at("raw"));
    const MultiVector& col = r.multi_vectors.at("colbert");
    ASSERT_EQ(col.size(), truth[3].multi.at("colbert").size());
    for (const auto& v : col) {
      double n = 0;
      for (float x : v) n += double(x) * x;
      EXPECT_NEAR(n, 1.0, 1e-5);
    }
    // A payload update keeps the matrices.
    ASSERT_TRUE(
        c->SetPayload(std::vector<PointId>{PointId(uint64_t{3})}, {{"group", 2}}, true).ok());
    truth[3].group = 2;
    EXPECT_EQ(c->Get(PointId(uint64_t{3})).value().multi_vectors.at("raw"),
              truth[3].multi.at("raw"));
  }
  {
    // Reopen: sealed segments from files, the rest replayed from the log.
    auto db = Database::Open(dir.path(), o).value();
    auto c = db->GetCollection("mv").value();
    ExpectMatchesReference(*c, truth, &rng, "after reopen");
    ASSERT_TRUE(c->Optimize().ok());
    ExpectMatchesReference(*c, truth, &rng, "after optimize");
    SearchRequest q;
    q.field = "raw";
    q.multi_vector = RandomMatrix(&rng, 2, 4);
    q.k = 5;
    q.with_vectors = true;
    auto all = c->Search(q).value();
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all[0].multi_vectors.at("raw"), truth[all[0].id.number()].multi.at("raw"));
    q.offset = 2;
    q.score_threshold = all[3].score;
    auto page = c->Search(q).value();
    ASSERT_EQ(page.size(), 2u);  // ranks 2 and 3; rank 4 is below the threshold
    EXPECT_EQ(page[0].id, all[2].id);
    EXPECT_EQ(page[1].id, all[3].id);
  }
}

// Token vectors near one of `topics` centroids (ColBERT-like: a document's tokens cluster around
// a few topics), so that the token index has neighbourhoods to find.
MultiVector TopicMatrix(std::mt19937* rng, const std::vector<std::vector<float>>& topics,
                        size_t rows) {
  std::normal_distribution<float> g(0.0f, 0.35f);
  std::uniform_int_distribution<size_t> pick(0, topics.size() - 1);
  const size_t first = pick(*rng), second = pick(*rng);
  MultiVector m(rows);
  for (size_t r = 0; r < rows; ++r) {
    const auto& c = topics[r % 2 ? first : second];
    m[r].resize(c.size());
    for (size_t k = 0; k < c.size(); ++k) m[r][k] = c[k] + g(*rng);
  }
  return m;
}

// A field with a token index: sealed segments get an HNSW graph over their token vectors (kept
// in the segment file), searches score exactly the rows the token search ranks best; with a
// beam as wide as the segment it finds the exact top-k, at the default beam most of it.
TEST(MultiVector, TokenIndexFindsTheTopKAndSurvivesReopen) {
  TempDir dir;
  DatabaseOptions o;
  o.seal_threshold_rows = 200;  // three sealed segments of ~3,000 token vectors, and a growing one
  std::mt19937 rng(11);
  CollectionSchema schema;
  MultiVectorField field{.name = "colbert", .dim = 16, .metric = Metric::kCosine};
  field.index.type = IndexType::kHnsw;
  field.index.ef_construction = 100;
  schema.multi_vectors.push_back(field);
  schema.payload_indexes.push_back({"group", PayloadType::kInteger});
  std::vector<std::vector<float>> topics = RandomMatrix(&rng, 40, 16);
  std::map<uint64_t, Stored> truth;
  std::vector<MultiVector> queries;
  for (int i = 0; i < 30; ++i) queries.push_back(TopicMatrix(&rng, topics, 4 + i % 5));

  // Recall@10 of the default search against the exact one, with and without a filter, and the
  // widest beam against the exact ranking.
  auto check = [&](const Collection& c, const std::string& when) {
    double found = 0, wanted = 0;
    for (size_t qi = 0; qi < queries.size(); ++qi) {
      SearchRequest q;
      q.field = "colbert";
      q.multi_vector = queries[qi];
      q.k = 10;
      if (qi % 3 == 1) {
        q.filter =
            Filter::FromJson({{"must", {{{"key", "group"}, {"match", {{"value", 1}}}}}}}).value();
      }
      SearchRequest exact = q;
      exact.exact = true;
      auto want = c.Search(exact);
      auto got = c.Search(q);
      ASSERT_TRUE(want.ok() && got.ok()) << when;
      ASSERT_EQ(want->size(), 10u);
      std::set<std::string> ids;
      for (const auto& h : *want) ids.insert(h.id.ToString());
      for (const auto& h : *got) {
        found += ids.count(h.id.ToString());
        if (qi % 3 == 1) EXPECT_EQ(h.payload["group"], 1) << when;
        // Whatever it finds is scored exactly.
        const Stored& s = truth.at(std::stoull(h.id.ToString()));
        EXPECT_NEAR(h.score, ReferenceMaxSim(q.multi_vector, s.multi.at("colbert"), true), 1e-4);
      }
      wanted += 10;
      q.ef = 100000;  // every token of every segment: the exact ranking
      auto wide = c.Search(q);
      ASSERT_TRUE(wide.ok());
      ASSERT_EQ(wide->size(), want->size());
      for (size_t i = 0; i < want->size(); ++i) {
        EXPECT_NEAR((*wide)[i].score, (*want)[i].score, 1e-5) << when << " query " << qi;
      }
    }
    const double recall = found / wanted;
    std::cout << "[ recall ] token index, default beam, " << when << ": " << recall << "\n";
    EXPECT_GE(recall, 0.9) << when;
  };
  {
    auto db = Database::Open(dir.path(), o).value();
    auto c = db->CreateCollection("mv", schema).value();
    std::vector<Record> batch;
    for (uint64_t id = 1; id <= 650; ++id) {
      Stored s;
      s.group = static_cast<int64_t>(id % 2);
      s.multi["colbert"] = TopicMatrix(&rng, topics, 8 + id % 17);
      Record r;
      r.id = PointId(id);
      r.multi_vectors = s.multi;
      r.payload = {{"group", s.group}};
      batch.push_back(std::move(r));
      truth[id] = std::move(s);
      if (batch.size() == 50) {
        ASSERT_TRUE(c->Upsert(batch).ok());
        batch.clear();
      }
    }
    auto info = c->Describe();
    ASSERT_TRUE(info.ok());
    size_t indexed = 0;
    for (const auto& seg : info->segments) {
      for (const auto& ix : seg.indexes) indexed += ix.starts_with("hnsw tokens:colbert");
    }
    EXPECT_EQ(indexed, 3u) << info->ToJson().dump();
    check(*c, "fresh");
    // Deleted rows never come back through the token index.
    ASSERT_TRUE(c->Delete(std::vector<PointId>{PointId(uint64_t{1}), PointId(uint64_t{2})}).ok());
    truth.erase(1);
    truth.erase(2);
  }
  auto db = Database::Open(dir.path(), o).value();
  auto c = db->GetCollection("mv").value();
  check(*c, "reopened");
  SearchRequest q;
  q.field = "colbert";
  q.multi_vector = truth.begin()->second.multi.at("colbert");
  q.k = 650;
  q.ef = 100000;
  auto all = c->Search(q);
  ASSERT_TRUE(all.ok());
  for (const auto& h : *all) EXPECT_NE(h.id, PointId(uint64_t{1}));
  EXPECT_EQ(all->size(), truth.size());
}

TEST(MultiVector, BadInputIsRefusedAndChangesNothing) {
  TempDir dir;
  auto db = Database::Open(dir.path()).value();
  auto c = db->CreateCollection("mv", MultiSchema()).value();
  std::mt19937 rng(5);
  auto refused = [&](Record r, const std::string& says) {
    Status s = c->Upsert(std::span<const Record>(&r, 1));
    EXPECT_FALSE(s.ok()) << says;
    EXPECT_NE(s.message().find(says), std::string::npos) << s.message();
  };
  Record r;
  r.id = uint64_t{1};
  r.multi_vectors["colbert"] = RandomMatrix(&rng, 2, 16);
  r.multi_vectors["colbert"][1].pop_back();
  refused(r, "vector 1 has dimension 15, expected 16");
  r.multi_vectors["colbert"] = RandomMatrix(&rng, 2, 16);
  r.multi_vectors["colbert"][0][3] = std::nanf("");
  refused(r, "component 3 is NaN");
  r.multi_vectors["colbert"] = {};
  refused(r, "has no vectors");
  r.multi_vectors.clear();
  r.multi_vectors["nope"] = RandomMatrix(&rng, 1, 16);
  refused(r, "unknown multi-vector 'nope'");
  r.multi_vectors.clear();
  r.multi_vectors["dense"] = RandomMatrix(&rng, 2, 8);
  refused(r, "takes one vector, not an array of vectors");
  r.multi_vectors.clear();
  r.vectors["colbert"] = RandomMatrix(&rng, 1, 16)[0];
  refused(r, "is a multi-vector field: give an array of vectors");
  r.vectors.clear();
  r.multi_vectors["raw"] = RandomMatrix(&rng, MultiVectorField::kMaxVectorsPerRecord + 1, 4);
  refused(r, "over the limit");
  EXPECT_EQ(c->Count().value(), 0u);

  auto query_refused = [&](SearchRequest q, const std::string& says) {
    auto got = c->Search(q);
    EXPECT_FALSE(got.ok()) << says;
    EXPECT_NE(got.status().message().find(says), std::string::npos) << got.status().message();
  };
  SearchRequest q;
  q.field = "colbert";
  query_refused(q, "no vectors");
  q.vector = RandomMatrix(&rng, 1, 16)[0];
  query_refused(q, "give an array of vectors");
  q.vector.clear();
  q.multi_vector = RandomMatrix(&rng, 2, 15);
  query_refused(q, "vector 0 has dimension 15, expected 16");
  q.multi_vector = RandomMatrix(&rng, 2, 16);
  q.multi_vector[1][0] = INFINITY;
  query_refused(q, "vector 1 component 0 is not finite");
  q.multi_vector = RandomMatrix(&rng, 2, 16);
  q.query_text = "words";
  query_refused(q, "give vectors or query_text, not both");
  q.multi_vector.clear();
  query_refused(q, "the field has no embedder");
  q.multi_vector = RandomMatrix(&rng, 2, 16);
  q.query_text.reset();
  q.mmr = MmrParams{};
  query_refused(q, "mmr is not available");

  CollectionSchema bad = MultiSchema();
  bad.multi_vectors[0].metric = Metric::kL2;
  EXPECT_NE(
      db->CreateCollection("b1", bad).status().message().find("MaxSim scores by cosine or ip"),
      std::string::npos);
  bad = MultiSchema();
  bad.multi_vectors[0].name = "dense";
  EXPECT_NE(db->CreateCollection("b2", bad).status().message().find("duplicate vector name"),
            std::string::npos);
  bad = MultiSchema();
  bad.multi_vectors[1].dim = 0;
  EXPECT_NE(db->CreateCollection("b3", bad).status().message().find("dimension 0"),
            std::string::npos);
}

TEST(MultiVector, SchemaAndRecordJsonRoundTrip) {
  CollectionSchema s = MultiSchema();
  auto back = CollectionSchema::FromJson(s.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->multi_vectors.size(), 2u);
  EXPECT_EQ(back->multi_vectors[1].name, "raw");
  EXPECT_EQ(back->multi_vectors[1].dim, 4u);
  EXPECT_EQ(back->multi_vectors[1].metric, Metric::kIp);
  // A schema without multi-vectors keeps its exact JSON form.
  EXPECT_FALSE(CollectionSchema{}.ToJson().contains("multi_vectors"));

  auto r = RecordFromJson(Json::parse(R"({"id": 1, "vector": {"dense": [1, 2],
      "colbert": [[1, 2, 3], [4, 5, 6]]}})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->multi_vectors.at("colbert"), (MultiVector{{1, 2, 3}, {4, 5, 6}}));
  EXPECT_EQ(r->vectors.at("dense"), (std::vector<float>{1, 2}));
  EXPECT_EQ(RecordToJson(*r)["vector"]["colbert"],
            Json::parse("[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]"));
  auto unnamed = RecordFromJson(Json::parse(R"({"id": 2, "vector": [[1, 2], [3, 4]]})"));
  ASSERT_TRUE(unnamed.ok());
  EXPECT_EQ(unnamed->multi_vectors.at(""), (MultiVector{{1, 2}, {3, 4}}));
  EXPECT_EQ(RecordToJson(*unnamed)["vector"], Json::parse("[[1.0, 2.0], [3.0, 4.0]]"));
  auto bad = RecordFromJson(Json::parse(R"({"id": 3, "vector": [[1, 2], "x"]})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("vector[1]"), std::string::npos);
}

TEST(MultiVector, ColbertEmbedderFillsRecordsAndEmbedsQueries) {
  const std::string model = "colbert:" + model::testing::FixtureDir("bert_tiny_colbert");
  auto direct = MultiVectorEmbedder::Load(model);
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  const std::vector<std::string> texts = {"the quick brown fox", "hello world",
                                          "lazy dog naps",       "runner café",
                                          "brown dog and fox",   "world news"};
  auto docs = (*direct)->EmbedDocuments(texts).value();
  TempDir dir;
  CollectionSchema s;
  s.multi_vectors.push_back(
      {.name = "colbert", .dim = 8, .metric = Metric::kCosine, .embedder = model});
  {
    auto db = Database::Open(dir.path()).value();
    auto c = db->CreateCollection("cb", s).value();
    std::vector<Record> recs;
    for (size_t i = 0; i < texts.size(); ++i) {
      Record r;
      r.id = uint64_t{i + 1};
      r.text = texts[i];
      recs.push_back(std::move(r));
    }
    Record given;  // a record with its own matrix keeps it
    given.id = uint64_t{99};
    given.text = "hello";
    given.multi_vectors["colbert"] = {{1, 0, 0, 0, 0, 0, 0, 0}};
    recs.push_back(given);
    ASSERT_TRUE(c->Upsert(recs).ok());
    auto stored = c->Get(PointId(uint64_t{2})).value();
    ASSERT_EQ(stored.multi_vectors.at("colbert").size(), docs[1].size());
    for (size_t t = 0; t < docs[1].size(); ++t) {
      for (size_t k = 0; k < 8; ++k) {
        EXPECT_NEAR(stored.multi_vectors.at("colbert")[t][k], docs[1][t][k], 1e-6);
      }
    }
    EXPECT_EQ(c->Get(PointId(uint64_t{99})).value().multi_vectors.at("colbert").size(), 1u);
  }
  // Reopened (the embedder loads again from the schema): a text query ranks by MaxSim of the
  // query's vectors against each document's.
  auto db = Database::Open(dir.path()).value();
  auto c = db->GetCollection("cb").value();
  const std::string query = "brown fox";
  const MultiVector q = (*direct)->EmbedQuery(query).value();
  std::vector<std::pair<double, uint64_t>> expected;
  for (size_t i = 0; i < texts.size(); ++i) {
    expected.emplace_back(-ReferenceMaxSim(q, docs[i], true), i + 1);
  }
  expected.emplace_back(-ReferenceMaxSim(q, {{1, 0, 0, 0, 0, 0, 0, 0}}, true), 99);
  std::sort(expected.begin(), expected.end());
  SearchRequest r;
  r.field = "colbert";
  r.query_text = query;
  r.k = 4;
  auto got = c->Search(r);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*got)[i].id, PointId(expected[i].second)) << i;
    EXPECT_NEAR((*got)[i].score, -expected[i].first, 1e-4) << i;
  }
  // A field whose embedder makes vectors of another size is refused when it loads.
  s.multi_vectors[0].dim = 16;
  auto bad = db->CreateCollection("bad", s).value();
  Record t;
  t.id = uint64_t{1};
  t.text = "words";
  Status st = bad->Upsert(std::span<const Record>(&t, 1));
  EXPECT_NE(st.message().find("makes vectors of 8 dimensions"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace ragdb
