#include "cluster/wire.h"

#include <gtest/gtest.h>

namespace ragdb::cluster {
namespace {

TEST(Wire, RequestsAndResultsRoundTrip) {
  SearchRequest r;
  r.field = "img";
  r.vector = {0.1f, 1.0f / 3.0f, -7.25e-12f};
  r.k = 7;
  r.offset = 2;
  r.filter = Filter::Parse("cat == \"a\" and price < 3").value();
  r.score_threshold = 0.3f;
  r.ef = 64;
  r.query_text = "q";
  auto back = SearchRequestFromJson(Json::parse(ToJson(r).dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->vector, r.vector);  // bit for bit through text
  EXPECT_EQ(back->k, 7u);
  EXPECT_EQ(back->filter->ToJson(), r.filter->ToJson());
  EXPECT_EQ(*back->score_threshold, 0.3f);
  EXPECT_EQ(*back->query_text, "q");

  std::vector<ScoredPoint> pts(2);
  pts[0].id = PointId(uint64_t{3});
  pts[0].score = 0.7234567f;
  pts[0].payload = {{"a", 1}};
  pts[1].id = PointId("s");
  pts[1].score = -1e-7f;
  pts[1].vectors[""] = {1.5f};
  auto pb = PointsFromJson(Json::parse(ToJson(pts).dump()));
  ASSERT_TRUE(pb.ok());
  EXPECT_EQ((*pb)[0].score, pts[0].score);
  EXPECT_EQ((*pb)[1].vectors, pts[1].vectors);

  text::CollectionStats s;
  s.doc_count = 10;
  s.total_tokens = 99;
  s.doc_freq["fox"] = 3;
  auto sb = StatsFromJson(ToJson(s));
  ASSERT_TRUE(sb.ok());
  EXPECT_EQ(sb->DocFreq("fox"), 3u);
}

TEST(Wire, MalformedInputIsRefused) {
  EXPECT_FALSE(SearchRequestFromJson(Json::object()).ok());
  EXPECT_FALSE(SearchRequestFromJson(Json{{"field", 3}}).ok());
  EXPECT_FALSE(PointsFromJson(Json::object()).ok());
  EXPECT_FALSE(
      StatsFromJson(Json{{"doc_count", 1}, {"total_tokens", 2}, {"doc_freq", {{"a", "x"}}}}).ok());
  EXPECT_FALSE(ScrollRequestFromJson(Json{{"offset", -1}, {"limit", 1}}).ok());
}

}  // namespace
}  // namespace ragdb::cluster
