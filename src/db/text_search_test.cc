// Full-text, sparse and hybrid search through the public Collection API.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "model/test_util.h"
#include "ragdb/database.h"
#include "ragdb/model.h"
#include "storage/test_util.h"

namespace ragdb {
namespace {

using ragdb::testing::TempDir;

CollectionSchema TextSchema() {
  CollectionSchema s;
  s.text = TextField{};
  return s;
}

Record TextRecord(PointId id, std::string text, Json payload = Json::object()) {
  Record r;
  r.id = std::move(id);
  r.text = std::move(text);
  r.payload = std::move(payload);
  return r;
}

std::vector<PointId> Ids(const std::vector<ScoredPoint>& hits) {
  std::vector<PointId> out;
  for (const auto& h : hits) out.push_back(h.id);
  return out;
}

std::vector<std::pair<PointId, float>> IdScores(const std::vector<ScoredPoint>& hits) {
  std::vector<std::pair<PointId, float>> out;
  for (const auto& h : hits) out.emplace_back(h.id, h.score);
  return out;
}

TextSearchRequest Text(std::string q, size_t k = 10) {
  TextSearchRequest r;
  r.query = std::move(q);
  r.k = k;
  return r;
}

class TextSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto c = db_->CreateCollection("docs", TextSchema());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    col_ = *c;
    std::vector<Record> recs{
        TextRecord(1, "The quick brown fox jumps over the lazy dog", {{"lang", "en"}}),
        TextRecord(2, "Quick brown dogs", {{"lang", "en"}}),
        TextRecord(3, "A fox is brown", {{"lang", "fr"}}),
        TextRecord(4, "Nothing relevant here", {{"lang", "en"}})};
    ASSERT_TRUE(col_->Upsert(recs).ok());
  }
  std::vector<PointId> Search(TextSearchRequest r) {
    auto hits = col_->SearchText(r);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    return hits.ok() ? Ids(*hits) : std::vector<PointId>{};
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  std::shared_ptr<Collection> col_;
};

TEST_F(TextSearchTest, OrAndPhraseFilter) {
  // OR: doc 1 has both words, so it ranks first.
  auto any = Search(Text("quick fox"));
  ASSERT_EQ(any.size(), 3u);
  EXPECT_EQ(any[0], PointId(1));
  TextSearchRequest all = Text("quick fox");
  all.all_terms = true;
  EXPECT_EQ(Search(all), std::vector<PointId>{1});
  // Quoted phrase: "fox is brown" is not "brown fox".
  EXPECT_EQ(Search(Text("\"brown fox\"")), std::vector<PointId>{1});
  TextSearchRequest phrase = Text("quick brown");
  phrase.phrase = true;
  auto p = Search(phrase);
  std::sort(p.begin(), p.end());
  EXPECT_EQ(p, (std::vector<PointId>{1, 2}));
  // Stemming: "jumping" finds "jumps".
  EXPECT_EQ(Search(Text("jumping")), std::vector<PointId>{1});
  TextSearchRequest filtered = Text("fox");
  filtered.filter = Filter::Parse("lang == \"fr\"").value();
  EXPECT_EQ(Search(filtered), std::vector<PointId>{3});
  // Paging.
  TextSearchRequest paged = Text("quick fox");
  paged.offset = 1;
  paged.k = 1;
  EXPECT_EQ(Search(paged), std::vector<PointId>{any[1]});
  EXPECT_TRUE(Search(Text("")).empty());
}

TEST_F(TextSearchTest, DeletesRespected) {
  std::vector<PointId> ids{1};
  ASSERT_TRUE(col_->Delete(ids).ok());
  EXPECT_EQ(Search(Text("fox")), std::vector<PointId>{3});
  ASSERT_TRUE(col_->Optimize().ok());
  EXPECT_EQ(Search(Text("fox")), std::vector<PointId>{3});
  // Re-upserting replaces the text: the old words no longer match.
  std::vector<Record> r{TextRecord(3, "a red cat")};
  ASSERT_TRUE(col_->Upsert(r).ok());
  EXPECT_TRUE(Search(Text("fox")).empty());
  EXPECT_EQ(Search(Text("cat")), std::vector<PointId>{3});
}

TEST_F(TextSearchTest, NoTextFieldIsAnError) {
  CollectionSchema s;
  s.vectors.push_back({"", 2});
  auto c = db_->CreateCollection("vec", s);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->SearchText(Text("x")).status().code(), StatusCode::kInvalidArgument);
}

TEST(TextSearch, InvalidUtf8RejectedAtUpsert) {
  TempDir dir;
  auto db = Database::Open(dir.path()).value();
  auto c = db->CreateCollection("t", TextSchema()).value();
  std::vector<Record> recs{TextRecord(1, "fine"), TextRecord(2, std::string("bad \xff byte"))};
  Status s = c->Upsert(recs);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("record 1 (id 2)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("UTF-8"), std::string::npos) << s.message();
  EXPECT_EQ(c->Count().value(), 0u);
  ASSERT_TRUE(c->Optimize().ok());
}

TEST(TextSearch, Chinese) {
  TempDir dir;
  auto db = Database::Open(dir.path()).value();
  auto c = db->CreateCollection("zh", TextSchema()).value();
  std::vector<Record> recs{TextRecord(1, "我爱北京天安门"), TextRecord(2, "上海是一个城市"),
                           TextRecord(3, "Beijing 北京 is the capital")};
  ASSERT_TRUE(c->Upsert(recs).ok());
  auto hits = c->SearchText(Text("北京")).value();
  auto ids = Ids(hits);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<PointId>{1, 3}));
  EXPECT_EQ(Ids(c->SearchText(Text("上海 city")).value()), std::vector<PointId>{2});
}

// Scores use collection-wide statistics: the same whatever the segments.
TEST(TextSearch, ScoresIndependentOfSegmentLayout) {
  TempDir dir;
  const char* words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"};
  std::mt19937 rng(7);
  std::vector<Record> recs;
  for (int i = 0; i < 40; ++i) {
    std::string t;
    int n = 1 + static_cast<int>(rng() % 12);
    for (int w = 0; w < n; ++w) t += std::string(words[rng() % 8]) + " ";
    recs.push_back(TextRecord(static_cast<uint64_t>(i), t, {{"i", i}}));
  }
  const std::vector<std::string> queries{"alpha", "beta gamma", "theta eta zeta", "\"alpha beta\""};
  auto run = [&](Collection& c) {
    std::vector<std::vector<std::pair<PointId, float>>> out;
    for (const auto& q : queries) out.push_back(IdScores(c.SearchText(Text(q, 100)).value()));
    return out;
  };
  // Reference: one growing segment.
  std::vector<std::vector<std::pair<PointId, float>>> reference;
  {
    auto db = Database::Open(dir.path() + "/one").value();
    auto c = db->CreateCollection("c", TextSchema()).value();
    ASSERT_TRUE(c->Upsert(recs).ok());
    reference = run(*c);
    ASSERT_FALSE(reference[0].empty());
    ASSERT_TRUE(c->Optimize().ok());  // one sealed segment
    EXPECT_EQ(run(*c), reference);
  }
  DatabaseOptions small;
  small.seal_threshold_rows = 7;
  {
    auto db = Database::Open(dir.path() + "/many", small).value();
    auto c = db->CreateCollection("c", TextSchema()).value();
    for (size_t i = 0; i < recs.size(); i += 3) {
      std::span<const Record> batch(recs.data() + i, std::min<size_t>(3, recs.size() - i));
      ASSERT_TRUE(c->Upsert(batch).ok());
    }
    ASSERT_GT(c->Describe().value().segments.size(), 2u);
    EXPECT_EQ(run(*c), reference);
  }
  {
    auto db = Database::Open(dir.path() + "/many", small).value();  // reopen: WAL + segments
    auto c = db->GetCollection("c").value();
    EXPECT_EQ(run(*c), reference);
    ASSERT_TRUE(c->Optimize().ok());
    EXPECT_EQ(run(*c), reference);
  }
}

TEST(TextSearch, BatchMatchesSingle) {
  TempDir dir;
  auto db = Database::Open(dir.path()).value();
  auto c = db->CreateCollection("t", TextSchema()).value();
  std::vector<Record> recs{TextRecord(1, "red apple"), TextRecord(2, "green apple"),
                           TextRecord(3, "red car")};
  ASSERT_TRUE(c->Upsert(recs).ok());
  std::vector<TextSearchRequest> reqs{Text("red"), Text("apple"), Text("car apple")};
  auto batch = c->SearchTextBatch(reqs, 2).value();
  ASSERT_EQ(batch.size(), 3u);
  for (size_t i = 0; i < reqs.size(); ++i) {
    EXPECT_EQ(IdScores(batch[i]), IdScores(c->SearchText(reqs[i]).value()));
  }
}

TEST(SparseSearch, TopKMatchesBruteForce) {
  TempDir dir;
  DatabaseOptions o;
  o.seal_threshold_rows = 64;
  auto db = Database::Open(dir.path(), o).value();
  CollectionSchema s;
  s.sparse_vectors.push_back({"splade"});
  auto c = db->CreateCollection("sp", s).value();
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> weight(0.01f, 2.0f);
  std::map<uint64_t, std::map<uint32_t, float>> truth;
  std::vector<Record> recs;
  for (uint64_t i = 0; i < 300; ++i) {
    Record r;
    r.id = i;
    std::map<uint32_t, float> m;
    for (int k = 0; k < 6; ++k) m[rng() % 50] = weight(rng);
    for (auto [d, w] : m) {
      r.sparse_vectors["splade"].indices.push_back(d);
      r.sparse_vectors["splade"].values.push_back(w);
    }
    truth[i] = m;
    recs.push_back(r);
  }
  ASSERT_TRUE(c->Upsert(recs).ok());
  std::vector<PointId> gone{5, 77, 150};
  ASSERT_TRUE(c->Delete(gone).ok());
  for (auto id : gone) truth.erase(id.number());

  SparseSearchRequest q;
  q.field = "splade";
  q.vector.indices = {3, 17, 42, 8};  // unsorted on purpose
  q.vector.values = {1.0f, 0.5f, 2.0f, 0.25f};
  q.k = 10;
  std::vector<std::pair<float, uint64_t>> expected;
  for (const auto& [id, m] : truth) {
    double dot = 0;
    bool any = false;
    for (size_t k = 0; k < q.vector.indices.size(); ++k) {
      auto it = m.find(q.vector.indices[k]);
      if (it != m.end()) dot += it->second * q.vector.values[k], any = true;
    }
    if (any) expected.emplace_back(static_cast<float>(dot), id);
  }
  std::sort(expected.begin(), expected.end(), [](auto& a, auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  expected.resize(10);
  auto hits = c->SearchSparse(q).value();
  ASSERT_EQ(hits.size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(hits[i].id, PointId(expected[i].second)) << i;
    EXPECT_NEAR(hits[i].score, expected[i].first, 1e-4);
  }
  ASSERT_TRUE(c->Optimize().ok());
  EXPECT_EQ(Ids(c->SearchSparse(q).value()), Ids(hits));
  q.field = "nope";
  EXPECT_EQ(c->SearchSparse(q).status().code(), StatusCode::kInvalidArgument);
}

// A sparse field with a SPLADE embedder: records with text get their sparse vectors from the
// model, a search may give text, the ranking is the brute-force dot product of the model's own
// vectors, and the embedder survives a reopen. The model is the random-weight fixture of
// src/model's tests.
TEST(SparseSearch, SpladeEmbedderFillsAndQueries) {
  const std::string model = "splade:" + model::testing::FixtureDir("bert_tiny_splade");
  auto direct = SparseEmbedder::Load(model);
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  const std::vector<std::string> texts = {"the quick brown fox", "hello world",
                                          "lazy dog naps",       "runner café",
                                          "brown dog and fox",   "world news"};
  TempDir dir;
  {
    auto db = Database::Open(dir.path()).value();
    CollectionSchema s;
    s.sparse_vectors.push_back({"splade", model});
    auto c = db->CreateCollection("sp", s).value();
    std::vector<Record> recs;
    for (size_t i = 0; i < texts.size(); ++i) {
      Record r;
      r.id = i + 1;
      r.text = texts[i];
      recs.push_back(r);
    }
    ASSERT_TRUE(c->Upsert(recs).ok());
    // Stored as the model makes it (batched with the others: equal to rounding).
    auto got = c->Get(PointId(uint64_t{2}), true).value().sparse_vectors["splade"];
    auto alone = (*direct)->Embed({&texts[1], 1}).value()[0];
    ASSERT_EQ(got.indices, alone.indices);
    for (size_t j = 0; j < got.values.size(); ++j)
      EXPECT_NEAR(got.values[j], alone.values[j], 1e-5);
  }
  auto db = Database::Open(dir.path()).value();
  auto c = db->GetCollection("sp").value();
  EXPECT_EQ(c->schema().sparse_vectors[0].embedder, model);
  const std::string query = "brown fox";
  auto docs = (*direct)->Embed(texts).value();
  auto q = (*direct)->Embed({&query, 1}).value()[0];
  std::vector<std::pair<double, uint64_t>> want;
  for (size_t i = 0; i < docs.size(); ++i) {
    std::map<uint32_t, float> m;
    for (size_t j = 0; j < docs[i].indices.size(); ++j) m[docs[i].indices[j]] = docs[i].values[j];
    double dot = 0;
    for (size_t j = 0; j < q.indices.size(); ++j) {
      if (auto it = m.find(q.indices[j]); it != m.end()) dot += double(it->second) * q.values[j];
    }
    want.emplace_back(-dot, i + 1);
  }
  std::sort(want.begin(), want.end());
  SparseSearchRequest r;
  r.field = "splade";
  r.query_text = query;
  r.k = 3;
  auto hits = c->SearchSparse(r).value();
  ASSERT_EQ(hits.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(hits[i].id, PointId(want[i].second)) << i;
    EXPECT_NEAR(hits[i].score, -want[i].first, 1e-3 * (1 - want[i].first));
  }
  // Text and a vector at once, and text for a field without an embedder, are refused.
  r.vector = q;
  EXPECT_EQ(c->SearchSparse(r).status().code(), StatusCode::kInvalidArgument);
  CollectionSchema plain;
  plain.sparse_vectors.push_back({"sp"});
  auto p = db->CreateCollection("plain", plain).value();
  SparseSearchRequest t;
  t.field = "sp";
  t.query_text = "x";
  EXPECT_NE(p->SearchSparse(t).status().message().find("no embedder"), std::string::npos);
  CollectionSchema bad;
  bad.sparse_vectors.push_back({"sp", "bert_tiny"});
  EXPECT_EQ(db->CreateCollection("bad", bad).status().code(), StatusCode::kInvalidArgument);
}

class HybridTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = Database::Open(dir_.path()).value();
    CollectionSchema s;
    s.vectors.push_back({"", 2});  // cosine
    s.text = TextField{};
    col_ = db_->CreateCollection("h", s).value();
    auto rec = [](uint64_t id, std::string text, std::vector<float> v, std::string doc) {
      Record r = TextRecord(id, std::move(text), {{"doc", doc}});
      r.vectors[""] = std::move(v);
      return r;
    };
    std::vector<Record> recs{rec(1, "apple banana", {1, 0}, "a"), rec(2, "apple", {0, 1}, "b"),
                             rec(3, "cherry", {0.9f, 0.1f}, "a")};
    ASSERT_TRUE(col_->Upsert(recs).ok());
  }
  HybridQuery TwoWay() {
    HybridQuery q;
    HybridSubQuery t;
    t.text = Text("apple banana");
    HybridSubQuery d;
    d.dense = SearchRequest{};
    d.dense->vector = {1, 0};
    q.queries = {t, d};
    return q;
  }
  TempDir dir_;
  std::unique_ptr<Database> db_;
  std::shared_ptr<Collection> col_;
};

TEST_F(HybridTest, Rrf) {
  // text: 1, 2   dense: 1, 3, 2
  auto r = col_->Query(TwoWay());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(Ids(r->points), (std::vector<PointId>{1, 2, 3}));
  EXPECT_FLOAT_EQ(r->points[0].score, static_cast<float>(2.0 / 61));
  EXPECT_FLOAT_EQ(r->points[1].score, static_cast<float>(1.0 / 62 + 1.0 / 63));
  EXPECT_FLOAT_EQ(r->points[2].score, static_cast<float>(1.0 / 62));
  EXPECT_EQ(r->points[0].payload["doc"], "a");
}

TEST_F(HybridTest, WeightedMinMax) {
  HybridQuery q = TwoWay();
  q.fusion = FusionMethod::kWeighted;
  q.weights = {0.3f, 0.7f};
  auto r = col_->Query(q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // text normalized: 1 -> 1, 2 -> 0; dense: 1 -> 1, 3 -> 0.9939 (cosine), 2 -> 0.
  ASSERT_EQ(Ids(r->points), (std::vector<PointId>{1, 3, 2}));
  EXPECT_NEAR(r->points[0].score, 1.0, 1e-6);
  EXPECT_NEAR(r->points[1].score, 0.7 * 0.9 / std::sqrt(0.82), 1e-5);
  EXPECT_NEAR(r->points[2].score, 0.0, 1e-6);
}

TEST_F(HybridTest, FilterLimitOffsetGroupBy) {
  HybridQuery q = TwoWay();
  q.filter = Filter::Parse("doc == \"a\"").value();
  EXPECT_EQ(Ids(col_->Query(q).value().points), (std::vector<PointId>{1, 3}));
  q.filter.reset();
  q.limit = 1;
  q.offset = 1;
  EXPECT_EQ(Ids(col_->Query(q).value().points), (std::vector<PointId>{2}));
  q.limit = 10;
  q.offset = 0;
  q.group_by = "doc";
  q.group_size = 1;
  auto r = col_->Query(q).value();
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].key, "a");
  EXPECT_EQ(Ids(r.groups[0].hits), std::vector<PointId>{1});
  EXPECT_EQ(r.groups[1].key, "b");
  EXPECT_EQ(Ids(r.points), (std::vector<PointId>{1, 2}));
  q.group_size = 2;
  r = col_->Query(q).value();
  EXPECT_EQ(Ids(r.groups[0].hits), (std::vector<PointId>{1, 3}));
  HybridQuery bad = TwoWay();
  bad.weights = {1};
  EXPECT_EQ(col_->Query(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(TextSchema, JsonRoundTrip) {
  CollectionSchema s = TextSchema();
  s.text->stemmer = "porter";
  s.text->stopwords = true;
  s.text->bm25 = {0.9f, 0.4f};
  auto back = CollectionSchema::FromJson(s.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->text->stemmer, "porter");
  EXPECT_TRUE(back->text->stopwords);
  EXPECT_FLOAT_EQ(back->text->bm25.k1, 0.9f);
  EXPECT_FLOAT_EQ(back->text->bm25.b, 0.4f);
  Json j = s.ToJson();
  j["text"]["bm25"]["k3"] = 1;
  EXPECT_FALSE(CollectionSchema::FromJson(j).ok());
  s.text->analyzer = "nope";
  EXPECT_FALSE(s.Validate().ok());
  s.text->analyzer = "standard";
  s.text->bm25.b = 2;
  EXPECT_FALSE(s.Validate().ok());
}

}  // namespace
}  // namespace ragdb
