// StoredPayloadIndex: lookups per type, other rows, serialization and corruption handling.
#include <gtest/gtest.h>

#include <cmath>

#include "query/filter_eval.h"
#include "query/filter_test_util.h"
#include "query/payload/growing_index.h"
#include "query/payload/stored_index.h"

namespace ragdb {
namespace {

std::vector<Json> Docs(const char* json_array) {
  std::vector<Json> out;
  for (const Json& j : Json::parse(json_array)) out.push_back(j);
  return out;
}

std::vector<const Json*> Ptrs(const std::vector<Json>& docs) {
  std::vector<const Json*> out;
  for (const Json& d : docs) out.push_back(&d);
  return out;
}

std::vector<size_t> Rows(const std::optional<IndexAnswer>& b) {
  std::vector<size_t> out;
  if (b) b->rows.ForEach([&](size_t r) { out.push_back(r); });
  return out;
}

Condition RangeCond(const char* key, double gte, double lt) {
  Condition c;
  c.kind = Condition::Kind::kRange;
  c.key = key;
  c.range.gte = gte;
  c.range.lt = lt;
  return c;
}

Condition Cond(const char* expr) {
  Result<Filter> f = Filter::Parse(expr);
  EXPECT_TRUE(f.ok());
  return f->must.empty() ? f->must_not.at(0) : f->must.at(0);
}

TEST(PayloadIndexTest, KeywordLookups) {
  std::vector<Json> docs = Docs(R"([{"c": "a"}, {"c": ["a", "b"]}, {"c": null}, {}, {"c": []},
                                    {"c": 5}, {"c": "B c"}, {"x": 1}])");
  StoredPayloadIndex idx = *StoredPayloadIndex::Build("c", PayloadType::kKeyword, Ptrs(docs));
  EXPECT_EQ(idx.rows(), 8u);
  EXPECT_EQ(idx.other_rows(), std::vector<uint32_t>{5});
  EXPECT_EQ(Rows(idx.Lookup(Cond("c == 'a'"), 8)), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(Rows(idx.Lookup(Cond("c in ['b', 'zz', 3]"), 8)), (std::vector<size_t>{1}));
  EXPECT_EQ(Rows(idx.Lookup(Cond("c == null"), 8)), (std::vector<size_t>{2}));
  EXPECT_EQ(Rows(idx.Lookup(Cond("exists(c)"), 8)), (std::vector<size_t>{2, 3, 4, 7}));  // is_empty
  EXPECT_EQ(Rows(idx.Lookup(Cond("c > 1"), 8)), std::vector<size_t>{});
  Condition text;
  text.kind = Condition::Kind::kMatchText;
  text.key = "c";
  text.text = "C";
  EXPECT_EQ(Rows(idx.Lookup(text, 8)), (std::vector<size_t>{6}));
  Condition except = Cond("c == 'a'");
  except.kind = Condition::Kind::kMatchExcept;
  EXPECT_EQ(Rows(idx.Lookup(except, 8)), (std::vector<size_t>{2, 4, 5, 6}));  // 5 is re-checked
  EXPECT_FALSE(idx.Lookup(Cond("id == 3"), 8).has_value());
  EXPECT_FALSE(idx.Lookup(Cond("c in ['a', null]"), 8).has_value());
  EXPECT_FALSE(idx.Lookup(Cond("c == 'a'"), 9).has_value());  // wrong row count
  EXPECT_EQ(idx.EstimateCount(Cond("c == 'a'")), 3u);         // 2 + one other row
}

TEST(PayloadIndexTest, NumericAndBoolLookups) {
  std::vector<Json> docs = Docs(R"([{"n": 1}, {"n": 2.0}, {"n": 2.5}, {"n": [3, -1]},
                                    {"n": 9007199254740993}, {"n": true}, {"n": "7"}])");
  StoredPayloadIndex ints = *StoredPayloadIndex::Build("n", PayloadType::kInteger, Ptrs(docs));
  EXPECT_EQ(ints.other_rows(), (std::vector<uint32_t>{2, 5, 6}));
  EXPECT_EQ(Rows(ints.Lookup(Cond("n == 2"), 7)), (std::vector<size_t>{1}));
  EXPECT_EQ(Rows(ints.Lookup(Cond("n == 2.0"), 7)), (std::vector<size_t>{1}));
  EXPECT_EQ(Rows(ints.Lookup(Cond("n == 9007199254740993"), 7)), (std::vector<size_t>{4}));
  EXPECT_EQ(Rows(ints.Lookup(RangeCond("n", 0, 3), 7)), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(Rows(ints.Lookup(Cond("n < 0"), 7)), (std::vector<size_t>{3}));

  StoredPayloadIndex floats = *StoredPayloadIndex::Build("n", PayloadType::kFloat, Ptrs(docs));
  EXPECT_EQ(floats.other_rows(), (std::vector<uint32_t>{4, 5, 6}));  // 2^53+1 is not a double
  EXPECT_EQ(Rows(floats.Lookup(Cond("n == 2"), 7)), (std::vector<size_t>{1}));
  EXPECT_EQ(Rows(floats.Lookup(Cond("n > 2"), 7)), (std::vector<size_t>{2, 3}));
  EXPECT_EQ(Rows(floats.Lookup(Cond("n == 9007199254740993"), 7)), std::vector<size_t>{});

  StoredPayloadIndex bools = *StoredPayloadIndex::Build("n", PayloadType::kBool, Ptrs(docs));
  EXPECT_EQ(Rows(bools.Lookup(Cond("n == true"), 7)), (std::vector<size_t>{5}));
  EXPECT_EQ(Rows(bools.Lookup(Cond("n == false"), 7)), std::vector<size_t>{});
  EXPECT_EQ(bools.other_rows().size(), 6u);
}

TEST(PayloadIndexTest, TextIndex) {
  std::vector<Json> docs = Docs(R"([{"t": "Hello World"}, {"t": "hello there"},
                                    {"t": ["hello", "world"]}, {"t": 3}, {}])");
  StoredPayloadIndex idx = *StoredPayloadIndex::Build("t", PayloadType::kText, Ptrs(docs));
  EXPECT_EQ(idx.other_rows(), (std::vector<uint32_t>{2, 3}));
  Condition c;
  c.kind = Condition::Kind::kMatchText;
  c.key = "t";
  c.text = "WORLD, hello!";
  EXPECT_EQ(Rows(idx.Lookup(c, 5)), (std::vector<size_t>{0}));
  c.text = "hello";
  EXPECT_EQ(Rows(idx.Lookup(c, 5)), (std::vector<size_t>{0, 1}));
  c.text = "  ";
  EXPECT_FALSE(idx.Lookup(c, 5).has_value());
  EXPECT_FALSE(idx.Lookup(Cond("t == 'hello'"), 5).has_value());
}

TEST(PayloadIndexTest, TextAnyAndPhrase) {
  std::vector<Json> docs = Docs(R"([{"t": "the quick brown fox"}, {"t": "brown the quick"},
                                    {"t": "slow fox"}, {"t": ["quick", "brown"]}, {}])");
  StoredPayloadIndex idx = *StoredPayloadIndex::Build("t", PayloadType::kText, Ptrs(docs));
  Condition c;
  c.key = "t";
  c.kind = Condition::Kind::kMatchTextAny;
  c.text = "fox Zebra";
  EXPECT_EQ(Rows(idx.Lookup(c, 5)), (std::vector<size_t>{0, 2}));
  EXPECT_TRUE(idx.Lookup(c, 5)->exact);
  c.kind = Condition::Kind::kMatchPhrase;
  c.text = "quick brown";
  // Rows holding both words; the order is re-checked by the caller (inexact answer).
  EXPECT_EQ(Rows(idx.Lookup(c, 5)), (std::vector<size_t>{0, 1}));
  EXPECT_FALSE(idx.Lookup(c, 5)->exact);
  StoredPayloadIndex kw = *StoredPayloadIndex::Build("t", PayloadType::kKeyword, Ptrs(docs));
  EXPECT_EQ(Rows(kw.Lookup(c, 5)), (std::vector<size_t>{0}));  // whole strings: exact
}

TEST(PayloadIndexTest, DatetimeIndex) {
  std::vector<Json> docs =
      Docs(R"([{"d": "2024-01-01T00:00:00Z"}, {"d": "2024-01-01T02:00:00+01:00"},
                                    {"d": "2024-01-02"}, {"d": ["bad", "2023-12-31 23:00:00"]},
                                    {"d": 20240101}, {"d": null}])");
  StoredPayloadIndex idx = *StoredPayloadIndex::Build("d", PayloadType::kDatetime, Ptrs(docs));
  EXPECT_TRUE(idx.other_rows().empty());
  Condition c = Cond("d >= '2024-01-01T00:00:00Z'");
  EXPECT_TRUE(c.range.datetime);
  EXPECT_EQ(Rows(idx.Lookup(c, 6)), (std::vector<size_t>{0, 1, 2}));
  c = Cond("d < '2024-01-01T01:00:00Z'");
  EXPECT_EQ(Rows(idx.Lookup(c, 6)), (std::vector<size_t>{0, 3}));  // row 1 is 01:00Z
  EXPECT_FALSE(idx.Lookup(Cond("d < 5"), 6).has_value());          // numbers not held
  EXPECT_FALSE(idx.Lookup(Cond("d == 'bad'"), 6).has_value());
  EXPECT_EQ(Rows(idx.Lookup(Cond("d == null"), 6)), (std::vector<size_t>{5}));
  // A keyword index answers date-time ranges from its distinct strings.
  StoredPayloadIndex kw = *StoredPayloadIndex::Build("d", PayloadType::kKeyword, Ptrs(docs));
  EXPECT_EQ(Rows(kw.Lookup(Cond("d >= '2024-01-01T00:00:00Z'"), 6)),
            (std::vector<size_t>{0, 1, 2}));
}

TEST(PayloadIndexTest, UuidIndex) {
  std::vector<Json> docs = Docs(R"([{"u": "550e8400-e29b-41d4-a716-446655440000"},
                                    {"u": "550E8400-E29B-41D4-A716-446655440000"},
                                    {"u": ["6ba7b810-9dad-11d1-80b4-00c04fd430c8", 3]}, {}])");
  StoredPayloadIndex idx = *StoredPayloadIndex::Build("u", PayloadType::kUuid, Ptrs(docs));
  EXPECT_EQ(idx.other_rows(), (std::vector<uint32_t>{1, 2}));  // upper case, and a number
  EXPECT_EQ(Rows(idx.Lookup(Cond("u == '550e8400-e29b-41d4-a716-446655440000'"), 4)),
            (std::vector<size_t>{0}));
  EXPECT_EQ(Rows(idx.Lookup(Cond("u == '6ba7b810-9dad-11d1-80b4-00c04fd430c8'"), 4)),
            (std::vector<size_t>{2}));
  EXPECT_EQ(CanonicalUuid("550e8400-e29b-41d4-a716-446655440000").value() >> 96, 0x550e8400u);
  EXPECT_FALSE(CanonicalUuid("550e8400e29b41d4a716446655440000").has_value());
}

TEST(PayloadIndexTest, GeoIndex) {
  // Berlin, Potsdam, Hamburg, a point on the antimeridian, a bad one and an array of two.
  std::vector<Json> docs = Docs(R"([{"g": {"lon": 13.405, "lat": 52.52}},
      {"g": {"lon": 13.064, "lat": 52.391}}, {"g": {"lon": 9.993, "lat": 53.551}},
      {"g": {"lon": 179.9, "lat": 0}}, {"g": {"lon": 500, "lat": 0}},
      {"g": [{"lon": -179.9, "lat": 0.5}, {"lon": 9.99, "lat": 53.55}]}])");
  StoredPayloadIndex idx = *StoredPayloadIndex::Build("g", PayloadType::kGeo, Ptrs(docs));
  Condition c;
  c.key = "g";
  c.kind = Condition::Kind::kGeoRadius;
  c.geo.center = {13.405, 52.52};
  c.geo.radius = 30000;  // Potsdam is ~27 km away
  EXPECT_EQ(Rows(idx.Lookup(c, 6)), (std::vector<size_t>{0, 1}));
  c.geo.radius = 20000;
  EXPECT_EQ(Rows(idx.Lookup(c, 6)), (std::vector<size_t>{0}));
  c.kind = Condition::Kind::kGeoBoundingBox;  // across the antimeridian
  c.geo.top_left = {179, 1};
  c.geo.bottom_right = {-179, -1};
  EXPECT_EQ(Rows(idx.Lookup(c, 6)), (std::vector<size_t>{3, 5}));
  c.kind = Condition::Kind::kGeoPolygon;  // a triangle around Hamburg, with a hole
  c.geo.exterior = {{9, 53}, {11, 53}, {10, 54.5}, {9, 53}};
  EXPECT_EQ(Rows(idx.Lookup(c, 6)), (std::vector<size_t>{2, 5}));
  c.geo.interiors = {{{9.9, 53.5}, {10.1, 53.5}, {10.1, 53.6}, {9.9, 53.6}, {9.9, 53.5}}};
  EXPECT_EQ(Rows(idx.Lookup(c, 6)), std::vector<size_t>{});
  EXPECT_FALSE(idx.Lookup(Cond("g == 1"), 6).has_value());
}

TEST(PayloadIndexTest, GrowingIndexEqualsStored) {
  testing::RandomData rd(11);
  std::vector<Json> docs;
  for (int i = 0; i < 300; ++i) docs.push_back(rd.Payload());
  std::vector<const Json*> ptrs;
  for (const Json& d : docs) ptrs.push_back(d.is_null() ? nullptr : &d);
  GrowingPayloadIndex g(PayloadIndexField{"cat", PayloadType::kKeyword});
  for (size_t n = 1; n <= docs.size(); n += static_cast<size_t>(rd.Int(1, 9))) {
    ASSERT_TRUE(g.Extend(n, [&](size_t r) { return ptrs[r]; }).ok());
    // Merging keeps O(log n) chunks: sizes at least double from newest to oldest.
    EXPECT_LE(g.chunks(), 2 + static_cast<size_t>(std::log2(static_cast<double>(n)) + 1));
  }
  ASSERT_TRUE(g.Extend(docs.size(), [&](size_t r) { return ptrs[r]; }).ok());
  StoredPayloadIndex s = *StoredPayloadIndex::Build("cat", PayloadType::kKeyword, ptrs);
  EXPECT_EQ(g.other_rows(), s.other_rows());
  for (const char* e : {"cat == 'news'", "cat in ['tech', 'en']", "exists(cat)", "cat == null"}) {
    EXPECT_EQ(Rows(g.Lookup(Cond(e), docs.size())), Rows(s.Lookup(Cond(e), docs.size()))) << e;
    EXPECT_EQ(g.EstimateCount(Cond(e)), s.EstimateCount(Cond(e))) << e;
  }
}

TEST(PayloadIndexTest, BuildRejectsBadPath) {
  std::vector<const Json*> none;
  EXPECT_EQ(StoredPayloadIndex::Build("a..b", PayloadType::kKeyword, none).status().code(),
            StatusCode::kInvalidArgument);
  Result<StoredPayloadIndex> empty = StoredPayloadIndex::Build("a", PayloadType::kFloat, none);
  ASSERT_TRUE(empty.ok());
  std::string bytes;
  empty->AppendTo(&bytes);
  EXPECT_TRUE(StoredPayloadIndex::Load(bytes).ok());
}

TEST(PayloadIndexTest, SerializationRoundTripAndCorruption) {
  testing::RandomData rd(7);
  std::vector<Json> docs;
  for (int i = 0; i < 70; ++i) docs.push_back(rd.Payload());
  std::vector<const Json*> ptrs;
  for (const Json& d : docs) ptrs.push_back(d.is_null() ? nullptr : &d);
  for (PayloadType type :
       {PayloadType::kKeyword, PayloadType::kInteger, PayloadType::kFloat, PayloadType::kBool,
        PayloadType::kText, PayloadType::kGeo, PayloadType::kDatetime, PayloadType::kUuid}) {
    for (const char* path : {"cat", "price", "items.k", "text", "loc", "when", "u"}) {
      StoredPayloadIndex idx = *StoredPayloadIndex::Build(path, type, ptrs);
      std::string bytes;
      idx.AppendTo(&bytes);
      Result<StoredPayloadIndex> back = StoredPayloadIndex::Load(bytes);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_EQ(back->path(), path);
      EXPECT_EQ(back->type(), type);
      EXPECT_EQ(back->other_rows(), idx.other_rows());
      std::string again;
      back->AppendTo(&again);
      EXPECT_EQ(again, bytes);

      // Every truncation is Corruption.
      for (size_t len = 0; len < bytes.size(); ++len) {
        Result<StoredPayloadIndex> t =
            StoredPayloadIndex::Load(std::string_view(bytes).substr(0, len));
        ASSERT_FALSE(t.ok()) << len;
        ASSERT_EQ(t.status().code(), StatusCode::kCorruption) << t.status().ToString();
      }
      EXPECT_EQ(StoredPayloadIndex::Load(bytes + "x").status().code(), StatusCode::kCorruption);
      // Garbled bytes: either rejected as Corruption or a structurally valid index; never a
      // crash (run under RAGDB_SANITIZE=ON to check memory safety as well).
      std::mt19937 rng(static_cast<uint32_t>(bytes.size()));
      for (int trial = 0; trial < 300; ++trial) {
        std::string bad = bytes;
        int flips = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < flips; ++k) {
          bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
        }
        Result<StoredPayloadIndex> g = StoredPayloadIndex::Load(bad);
        if (!g.ok()) {
          ASSERT_EQ(g.status().code(), StatusCode::kCorruption);
        } else {
          for (const char* e : {"x == 1", "x > 2", "x == 'news'", "exists(x)", "x == null"}) {
            (void)g->Lookup(Cond(e), g->rows());
            (void)g->EstimateCount(Cond(e));
          }
        }
      }
    }
  }
  EXPECT_EQ(StoredPayloadIndex::Load("").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(StoredPayloadIndex::Load("RPIX").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace ragdb
