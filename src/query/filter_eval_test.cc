// Matches (one record), Evaluate (a segment, with and without payload indexes) and EstimateCount.
#include "query/filter_eval.h"

#include <gtest/gtest.h>

#include "query/filter_test_util.h"
#include "query/payload/growing_index.h"

namespace ragdb {
namespace {

bool M(std::string_view expr, const char* payload, PointId id = 1) {
  Result<Filter> f = Filter::Parse(expr);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() && Matches(*f, id, Json::parse(payload));
}

TEST(MatchesTest, ScalarsAndArrays) {
  EXPECT_TRUE(M("a == 3", R"({"a": 3.0})"));
  EXPECT_TRUE(M("a == 3.0", R"({"a": 3})"));
  EXPECT_FALSE(M("a == 3", R"({"a": "3"})"));
  EXPECT_FALSE(M("a == 1", R"({"a": true})"));
  EXPECT_TRUE(M("a == true", R"({"a": true})"));
  EXPECT_TRUE(M("a == 'x'", R"({"a": ["y", "x"]})"));  // any element
  EXPECT_FALSE(M("a == 'x'", R"({"a": [["x"]]})"));    // one level only
  EXPECT_TRUE(M("a in [1, 'x']", R"({"a": ["x"]})"));
  EXPECT_TRUE(M("a > 2 and a < 4", R"({"a": [1, 3.5]})"));
  // Each condition is "any element" on its own: 3 > 2 and 1 < 2.
  EXPECT_TRUE(M("a > 2 and a < 2", R"({"a": [1, 3]})"));
  EXPECT_FALSE(M("a > 0", R"({"a": "5"})"));
  EXPECT_TRUE(M("n == 9007199254740993", R"({"n": 9007199254740993})"));
  EXPECT_FALSE(M("n == 9007199254740992.0", R"({"n": 9007199254740993})"));
  EXPECT_TRUE(M("n == 18446744073709551615", R"({"n": 18446744073709551615})"));
  EXPECT_FALSE(M("n == -1", R"({"n": 18446744073709551615})"));
}

TEST(MatchesTest, NestedPaths) {
  const char* p = R"({"items": [{"p": 1, "t": ["a"]}, {"p": 5}, 7], "m": {"x": {"y": "z"}}})";
  EXPECT_TRUE(M("items.p > 4", p));
  EXPECT_TRUE(M("items[].p == 1", p));
  EXPECT_TRUE(M("items.t == 'a'", p));
  EXPECT_FALSE(M("items.p == 7", p));
  EXPECT_TRUE(M("items[1].p == 5", p));
  EXPECT_FALSE(M("items[0].p == 5", p));
  EXPECT_TRUE(M("m.x.y == 'z'", p));
  EXPECT_FALSE(M("m.x == 'z'", p));
  EXPECT_TRUE(M("exists(m.x)", p));
  EXPECT_TRUE(M("\"a.b\" == 1", R"({"a.b": 1})"));
  EXPECT_FALSE(M("a.b == 1", R"({"a.b": 1})"));
}

TEST(MatchesTest, MissingFields) {
  const char* p = R"({"a": 1, "n": null, "e": [], "z": [null]})";
  EXPECT_TRUE(M("b != 1", p));
  EXPECT_TRUE(M("b not in [1]", p));
  EXPECT_FALSE(M("b == 1", p));
  EXPECT_FALSE(M("b < 100", p));
  EXPECT_FALSE(M("exists(b)", p));
  EXPECT_TRUE(M("not exists(b)", p));
  EXPECT_FALSE(M("exists(n)", p));
  EXPECT_FALSE(M("exists(e)", p));
  EXPECT_TRUE(M("exists(z)", p));  // [null] is not empty
  EXPECT_TRUE(M("exists(a)", p));
  EXPECT_TRUE(M("n == null", p));
  EXPECT_FALSE(M("b == null", p));  // is_null needs the key present
  EXPECT_FALSE(M("e == null", p));
}

TEST(MatchesTest, ExceptTextIdsAndNested) {
  auto cond = [](const char* json) { return *Filter::FromJson(Json::parse(json)); };
  Json p = Json::parse(R"({"a": ["x", "y"], "t": "Hello, World! foo-bar", "e": []})");
  EXPECT_FALSE(Matches(cond(R"({"must": {"key": "a", "match": {"except": ["x"]}}})"), 1, p));
  EXPECT_TRUE(Matches(cond(R"({"must": {"key": "a", "match": {"except": ["z"]}}})"), 1, p));
  EXPECT_TRUE(Matches(cond(R"({"must": {"key": "e", "match": {"except": ["z"]}}})"), 1, p));
  EXPECT_FALSE(Matches(cond(R"({"must": {"key": "b", "match": {"except": ["z"]}}})"), 1, p));
  EXPECT_TRUE(Matches(cond(R"({"must": {"key": "t", "match": {"text": "world HELLO"}}})"), 1, p));
  EXPECT_TRUE(Matches(cond(R"({"must": {"key": "t", "match": {"text": "bar"}}})"), 1, p));
  EXPECT_FALSE(Matches(cond(R"({"must": {"key": "t", "match": {"text": "wor"}}})"), 1, p));
  EXPECT_TRUE(Matches(cond(R"({"must": {"has_id": [5, "abc"]}})"), PointId("abc"), p));
  EXPECT_FALSE(Matches(cond(R"({"must": {"has_id": [5, "abc"]}})"), PointId(6), p));
  EXPECT_TRUE(Matches(Filter{}, 1, p));
  EXPECT_TRUE(M("(a == 'q' or a == 'x') and not (a == 'z' or t == 1)", p.dump().c_str()));
  EXPECT_FALSE(M("a == 'q' or (a == 'x' and a == 'zz')", p.dump().c_str()));
}

TEST(MatchesTest, TextGeoDatetimeCountsNestedAndMinShould) {
  const char* p = R"({"t": "The quick brown fox", "when": ["2024-03-05T10:30:00+02:00", "x"],
      "loc": {"lon": 13.405, "lat": 52.52}, "tags": ["a", "b", null], "none": null,
      "diet": [{"food": "meat", "likes": false}, {"food": "veg", "likes": true}]})";
  EXPECT_TRUE(M("text(t, 'fox QUICK')", p));
  EXPECT_FALSE(M("text(t, 'fox cat')", p));
  EXPECT_TRUE(M("text_any(t, 'fox cat')", p));
  EXPECT_FALSE(M("text_any(t, 'cat dog')", p));
  EXPECT_TRUE(M("phrase(t, 'quick brown')", p));
  EXPECT_FALSE(M("phrase(t, 'brown quick')", p));
  EXPECT_TRUE(M("when >= '2024-03-05T08:30:00Z' and when < '2024-03-05T08:30:01Z'", p));
  EXPECT_FALSE(M("when > '2024-03-05T08:30:00Z'", p));
  EXPECT_TRUE(M("geo_radius(loc, 13.3777, 52.5163, 2500)", p));  // Brandenburg Gate, ~1.9 km
  EXPECT_FALSE(M("geo_radius(loc, 13.3777, 52.5163, 1500)", p));
  EXPECT_TRUE(M("geo_box(loc, 13, 53, 14, 52)", p));
  EXPECT_FALSE(M("geo_box(loc, 14, 53, 15, 52)", p));
  EXPECT_TRUE(M("geo_polygon(loc, [[13, 52], [14, 52], [14, 53], [13, 53], [13, 52]])", p));
  EXPECT_FALSE(
      M("geo_polygon(loc, [[13, 52], [14, 52], [14, 53], [13, 53], [13, 52]], "
        "[[13.3, 52.4], [13.5, 52.4], [13.5, 52.6], [13.3, 52.6], [13.3, 52.4]])",
        p));
  EXPECT_TRUE(M("count(tags) == 3 and count(none) == 0 and count(missing) < 1", p));
  EXPECT_TRUE(M("count(t) == 1 and count(diet) >= 2", p));
  // nested: one element must satisfy every condition; plain paths mix elements.
  EXPECT_FALSE(M("nested(diet, food == 'meat' and likes == true)", p));
  EXPECT_TRUE(M("diet[].food == 'meat' and diet[].likes == true", p));
  EXPECT_TRUE(M("nested(diet, food == 'veg' and likes == true)", p));
  EXPECT_TRUE(M("min_should(2, t == 'x', tags == 'a', count(tags) > 1)", p));
  EXPECT_FALSE(M("min_should(3, t == 'x', tags == 'a', count(tags) > 1)", p));
  EXPECT_TRUE(M("is_null(none) and is_empty(missing) and not is_empty(tags)", p));
}

// Index path vs scan path vs Matches, on random data, random filters and random index types.
TEST(EvaluateTest, IndexScanAndMatchesAgree) {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    testing::RandomData rd(seed);
    testing::VectorSource scan;
    size_t n = static_cast<size_t>(rd.Int(0, 150));
    for (size_t r = 0; r < n; ++r) {
      scan.payloads.push_back(rd.Payload());
      scan.ids.push_back(rd.Id(r));
    }
    testing::VectorSource indexed = scan;
    testing::VectorSource loaded = scan;
    testing::VectorSource growing = scan;
    const std::vector<const Json*> ptrs = scan.PayloadPointers();
    for (const std::string& path : testing::RandomData::Paths()) {
      if (rd.Chance(0.2)) continue;
      PayloadType type = rd.RandomType();
      Result<StoredPayloadIndex> idx = StoredPayloadIndex::Build(path, type, ptrs);
      ASSERT_TRUE(idx.ok()) << idx.status().ToString();
      std::string bytes;
      idx->AppendTo(&bytes);
      Result<StoredPayloadIndex> back = StoredPayloadIndex::Load(bytes);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      std::string again;
      back->AppendTo(&again);
      ASSERT_EQ(bytes, again);
      indexed.indexes.emplace(path, std::make_shared<StoredPayloadIndex>(*std::move(idx)));
      loaded.indexes.emplace(path, std::make_shared<StoredPayloadIndex>(*std::move(back)));
      // The growing segment's index, extended in batches of random sizes as writes arrive.
      auto g = std::make_shared<GrowingPayloadIndex>(PayloadIndexField{path, type});
      for (size_t done = 0; done < n;) {
        done = std::min(n, done + static_cast<size_t>(rd.Int(1, 40)));
        ASSERT_TRUE(g->Extend(done, [&](size_t r) { return ptrs[r]; }).ok());
      }
      growing.indexes.emplace(path, std::move(g));
    }
    for (int q = 0; q < 150; ++q) {
      Filter f = rd.RandomFilter();
      Bitset candidates(n, true);
      if (rd.Chance(0.5)) {
        for (size_t r = 0; r < n; ++r) {
          if (rd.Chance(0.2)) candidates.Reset(r);
        }
      }
      Bitset expected(n);
      for (size_t r = 0; r < n; ++r) {
        if (candidates.Test(r) && Matches(f, scan.ids[r], scan.payloads[r])) expected.Set(r);
      }
      Bitset by_scan = Evaluate(f, scan, &candidates);
      Bitset by_index = Evaluate(f, indexed, &candidates);
      Bitset by_loaded = Evaluate(f, loaded, &candidates);
      Bitset by_growing = Evaluate(f, growing, &candidates);
      ASSERT_EQ(by_scan, expected) << "seed " << seed << " filter " << f.ToJson().dump();
      ASSERT_EQ(by_index, expected) << "seed " << seed << " filter " << f.ToJson().dump();
      ASSERT_EQ(by_loaded, expected) << "seed " << seed << " filter " << f.ToJson().dump();
      ASSERT_EQ(by_growing, expected) << "seed " << seed << " filter " << f.ToJson().dump();
      size_t est = EstimateCount(f, indexed);
      ASSERT_LE(est, n);
      if (f.must_not.empty()) {
        ASSERT_GE(est, Evaluate(f, indexed).Count()) << f.ToJson().dump();
      }
    }
  }
}

TEST(EvaluateTest, IndexesAvoidPayloadReads) {
  testing::VectorSource src;
  for (int r = 0; r < 1000; ++r) {
    src.payloads.push_back(Json{{"cat", r % 10 == 0 ? "rare" : "common"}, {"price", r}});
    src.ids.push_back(PointId(static_cast<uint64_t>(r)));
  }
  src.indexes.emplace("cat", std::make_shared<StoredPayloadIndex>(*StoredPayloadIndex::Build(
                                 "cat", PayloadType::kKeyword, src.PayloadPointers())));
  Filter f = *Filter::Parse("cat == 'rare' and price_unindexed != 3");
  Bitset out = Evaluate(f, src);
  EXPECT_EQ(out.Count(), 100u);
  EXPECT_EQ(src.payload_reads, 100u);  // only the rows the index left possible
  src.payload_reads = 0;
  EXPECT_EQ(Evaluate(*Filter::Parse("cat == 'rare' or cat == 'common'"), src).Count(), 1000u);
  EXPECT_EQ(src.payload_reads, 0u);
  EXPECT_EQ(EstimateCount(*Filter::Parse("cat == 'rare'"), src), 100u);
  EXPECT_EQ(EstimateCount(*Filter::Parse("price > 3"), src), 1000u);  // unindexed: upper bound
  Bitset none(1000);
  EXPECT_EQ(Evaluate(f, src, &none).Count(), 0u);
  // has_id is answered from the ids: excluding a recommendation's examples reads no payload.
  src.payload_reads = 0;
  Filter ids = *Filter::FromJson(Json::parse(R"({"must_not": [{"has_id": [3, 999, 5000]}]})"));
  EXPECT_EQ(Evaluate(ids, src).Count(), 998u);
  ids = *Filter::FromJson(
      Json::parse(R"({"must": [{"has_id": [3, 7]}], "should": [{"has_id": [7]}]})"));
  Bitset seven = Evaluate(ids, src);
  EXPECT_EQ(seven.Count(), 1u);
  EXPECT_TRUE(seven.Test(7));
  EXPECT_EQ(src.payload_reads, 0u);
}

}  // namespace
}  // namespace ragdb
