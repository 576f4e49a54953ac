#include "cluster/wire/wire.h"

#include <gtest/gtest.h>

#include "cluster/shard/shard_reads.h"

namespace ragdb::cluster {
namespace {

ShardReadRequest SampleRead() {
  ShardReadRequest r;
  r.collection = "acme/items";
  r.incarnation = 77;
  r.kind = ReadKind::kGet;
  r.shards.push_back({3, true, 12, "ids"});
  r.shards.push_back({0, false, 0, ""});
  r.args = std::string("\x01\x00\xff", 3);
  return r;
}

TEST(Wire, SearchRequestRoundTripsExactly) {
  SearchRequest r;
  r.field = "img";
  r.vector = {0.1f, 1.0f / 3.0f, -7.25e-12f};
  r.k = 7;
  r.offset = 2;
  r.filter = Filter::Parse("cat == \"a\" and price < 3").value();
  r.score_threshold = 0.3f;
  r.ef = 64;
  r.nprobe = 5;
  r.exact = true;
  r.with_payload = false;
  r.with_text = true;
  r.query_text = "q";
  r.query_image = std::string("\x89PNG\0", 5);
  r.multi_vector = {{1.5f, -2.f}, {0.25f, 3.f}, {}};
  std::string bytes;
  PutSearchRequest(r, &bytes);
  ByteReader in(bytes);
  SearchRequest back;
  ASSERT_TRUE(GetSearchRequest(&in, &back).ok());
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(back.field, "img");
  EXPECT_EQ(back.vector, r.vector);  // bit for bit
  EXPECT_EQ(back.k, 7u);
  EXPECT_EQ(back.offset, 2u);
  EXPECT_EQ(back.filter->ToJson(), r.filter->ToJson());
  EXPECT_EQ(*back.score_threshold, 0.3f);
  EXPECT_EQ(back.ef, 64u);
  EXPECT_EQ(back.nprobe, 5u);
  EXPECT_TRUE(back.exact);
  EXPECT_FALSE(back.with_payload);
  EXPECT_FALSE(back.with_vectors);
  EXPECT_TRUE(back.with_text);
  EXPECT_EQ(*back.query_text, "q");
  EXPECT_EQ(*back.query_image, *r.query_image);
  EXPECT_EQ(back.multi_vector, r.multi_vector);
}

TEST(Wire, OtherRequestsRoundTrip) {
  TextSearchRequest t;
  t.query = "quick \"brown fox\"";
  t.all_terms = true;
  t.k = 4;
  t.filter = Filter::Parse("n >= 2").value();
  SparseSearchRequest sp;
  sp.field = "bm25";
  sp.vector.indices = {9, 1, 400000};
  sp.vector.values = {0.5f, 2.0f, -1.0f};
  sp.k = 3;
  ScrollRequest sc;
  sc.offset = PointId("u-1");
  sc.limit = 99;
  sc.with_vectors = true;
  text::CollectionStats st;
  st.doc_count = 10;
  st.total_tokens = 99;
  st.doc_freq["fox"] = 3;
  std::string bytes;
  PutTextSearchRequest(t, &bytes);
  PutSparseSearchRequest(sp, &bytes);
  PutScrollRequest(sc, &bytes);
  PutStats(st, &bytes);
  ByteReader in(bytes);
  TextSearchRequest t2;
  SparseSearchRequest sp2;
  ScrollRequest sc2;
  text::CollectionStats st2;
  ASSERT_TRUE(GetTextSearchRequest(&in, &t2).ok());
  ASSERT_TRUE(GetSparseSearchRequest(&in, &sp2).ok());
  ASSERT_TRUE(GetScrollRequest(&in, &sc2).ok());
  ASSERT_TRUE(GetStats(&in, &st2).ok());
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(t2.query, t.query);
  EXPECT_TRUE(t2.all_terms);
  EXPECT_FALSE(t2.phrase);
  EXPECT_EQ(t2.filter->ToJson(), t.filter->ToJson());
  EXPECT_EQ(sp2.vector, sp.vector);
  EXPECT_EQ(*sc2.offset, PointId("u-1"));
  EXPECT_EQ(sc2.limit, 99u);
  EXPECT_TRUE(sc2.with_vectors);
  EXPECT_EQ(st2.doc_count, 10u);
  EXPECT_EQ(st2.DocFreq("fox"), 3u);
}

// Recommend, discover, facets, samples and ordered scrolls: through EncodeReadArgs /
// DecodeReadArgs (as a node sends them), exactly, and refused when cut anywhere.
TEST(Wire, ExplorationRequestsRoundTripAndRefuseTruncation) {
  std::vector<ReadArgs> all(5);
  all[0].kind = ReadKind::kRecommend;
  all[0].lower_is_better = true;
  RecommendRequest& rec = all[0].recommend;
  rec.field = "img";
  rec.positive = {VectorExample::Vector({0.1f, -2.5f}), VectorExample::Vector({1e-30f, 3})};
  rec.negative = {VectorExample::Vector({7, 8})};
  rec.strategy = RecommendStrategy::kSumScores;
  rec.k = 12;
  rec.offset = 1;
  rec.filter = Filter::Parse("n > 1").value();
  rec.score_threshold = -0.25f;
  rec.with_payload = false;
  rec.exact = true;
  rec.ef = 77;
  all[1].kind = ReadKind::kDiscover;
  DiscoverRequest& dis = all[1].discover;
  dis.target = VectorExample::Vector({1, 2});
  dis.context = {{VectorExample::Vector({3, 4}), VectorExample::Vector({5, 6})}};
  dis.k = 4;
  dis.with_vectors = true;
  all[2].kind = ReadKind::kFacet;
  all[2].facet = {"a.b", SIZE_MAX, Filter::Parse("n < 3").value()};
  all[3].kind = ReadKind::kSample;
  all[3].sample.limit = 33;
  all[3].sample.seed = uint64_t{1} << 63;
  all[3].sample.with_payload = false;
  all[4].kind = ReadKind::kScroll;
  all[4].scroll.limit = 5;
  all[4].scroll.order_by = OrderBy{"price", true, 12.75};
  for (const ReadArgs& args : all) {
    std::string bytes;
    EncodeReadArgs(args, &bytes);
    ReadArgs back;
    ASSERT_TRUE(DecodeReadArgs(args.kind, bytes, &back).ok()) << ReadKindName(args.kind);
    std::string again;
    EncodeReadArgs(back, &again);
    EXPECT_EQ(again, bytes) << ReadKindName(args.kind);  // every field came back
    for (size_t n = 0; n < bytes.size(); ++n) {
      ReadArgs cut;
      EXPECT_FALSE(DecodeReadArgs(args.kind, std::string_view(bytes).substr(0, n), &cut).ok())
          << ReadKindName(args.kind) << " cut at " << n;
    }
  }
  ReadArgs back;
  std::string bytes;
  EncodeReadArgs(all[0], &bytes);
  ASSERT_TRUE(DecodeReadArgs(ReadKind::kRecommend, bytes, &back).ok());
  EXPECT_EQ(back.recommend.positive[1].vector, rec.positive[1].vector);  // bit for bit
  EXPECT_EQ(back.recommend.strategy, RecommendStrategy::kSumScores);
  EXPECT_EQ(*back.recommend.score_threshold, -0.25f);
  EXPECT_EQ(back.recommend.ef, 77u);
  bytes.clear();
  EncodeReadArgs(all[4], &bytes);
  ASSERT_TRUE(DecodeReadArgs(ReadKind::kScroll, bytes, &back).ok());
  EXPECT_EQ(back.scroll.order_by->key, "price");
  EXPECT_TRUE(back.scroll.order_by->descending);
  EXPECT_EQ(*back.scroll.order_by->start_from, 12.75);

  // Results: facet counts with every value type, a page with its order values.
  std::vector<FacetHit> hits = {{"red", 5}, {Json(-3), 2}, {Json(true), 1}};
  std::string fb;
  PutFacetHits(hits, &fb);
  ByteReader fin(fb);
  std::vector<FacetHit> hits2;
  ASSERT_TRUE(GetFacetHits(&fin, &hits2).ok());
  ASSERT_EQ(hits2.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(hits2[i].value, hits[i].value);
    EXPECT_EQ(hits2[i].count, hits[i].count);
  }
  ScrollPage page;
  page.records.resize(2);
  page.records[0].id = 4;
  page.records[1].id = PointId("x");
  page.order_values = {Json(0.1), Json(int64_t{-7})};
  std::string pb;
  PutScrollPage(page, &pb);
  ByteReader pin(pb);
  ScrollPage page2;
  ASSERT_TRUE(GetScrollPage(&pin, &page2).ok());
  EXPECT_EQ(page2.order_values, page.order_values);
  EXPECT_EQ(page2.order_values[0].get<double>(), 0.1);
}

TEST(Wire, ResultsRoundTrip) {
  std::vector<ScoredPoint> pts(2);
  pts[0].id = PointId(uint64_t{3});
  pts[0].score = 0.7234567f;
  pts[0].payload = {{"a", 1}, {"b", {"x", nullptr}}};
  pts[1].id = PointId("s");
  pts[1].score = -1e-7f;
  pts[1].vectors[""] = {1.5f};
  pts[1].text = "hello";
  pts[1].multi_vectors["colbert"] = {{1, 2}, {3, 4}, {5, 6}};
  std::string bytes;
  PutPoints(pts, &bytes);
  ByteReader in(bytes);
  std::vector<ScoredPoint> back;
  ASSERT_TRUE(GetPoints(&in, &back).ok());
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].id, pts[0].id);
  EXPECT_EQ(back[0].score, pts[0].score);
  EXPECT_EQ(back[0].payload, pts[0].payload);
  EXPECT_TRUE(back[1].payload.is_null());  // not asked for stays null
  EXPECT_EQ(back[1].vectors, pts[1].vectors);
  EXPECT_EQ(*back[1].text, "hello");
  EXPECT_EQ(back[1].multi_vectors, pts[1].multi_vectors);
  EXPECT_TRUE(back[0].multi_vectors.empty());

  // Records keep their matrices too (get and scroll with vectors, samples).
  std::vector<Record> recs(2);
  recs[0].id = 1;
  recs[0].vectors[""] = {0.5f, 0.25f};
  recs[0].multi_vectors["colbert"] = {{1, 0}, {0, 1}};
  recs[0].text = "t";
  recs[1].id = PointId("no-matrix");
  bytes.clear();
  PutRecords(recs, &bytes);
  ByteReader rin(bytes);
  std::vector<Record> recs2;
  ASSERT_TRUE(GetRecords(&rin, &recs2).ok());
  ASSERT_EQ(recs2.size(), 2u);
  EXPECT_EQ(recs2[0].multi_vectors, recs[0].multi_vectors);
  EXPECT_EQ(recs2[0].vectors, recs[0].vectors);
  EXPECT_EQ(*recs2[0].text, "t");
  EXPECT_TRUE(recs2[1].multi_vectors.empty());
  for (size_t n = 0; n < bytes.size(); ++n) {
    ByteReader cut(std::string_view(bytes).substr(0, n));
    std::vector<Record> r;
    EXPECT_FALSE(GetRecords(&cut, &r).ok()) << "cut at " << n;
  }

  CollectionInfo info;
  info.points = 5;
  info.wal_bytes = 9;
  info.segments.push_back({0, 4, 1, 100, true, {"hnsw (10 bytes)"}});
  info.segments.push_back({1, 2, 0, 0, false, {}});
  bytes.clear();
  PutInfo(info, &bytes);
  ByteReader in2(bytes);
  CollectionInfo info2;
  ASSERT_TRUE(GetInfo(&in2, &info2).ok());
  EXPECT_EQ(info2.points, 5u);
  ASSERT_EQ(info2.segments.size(), 2u);
  EXPECT_EQ(info2.segments[0].indexes, info.segments[0].indexes);
  EXPECT_TRUE(info2.segments[0].sealed);
}

TEST(Wire, EnvelopesRoundTrip) {
  std::string bytes;
  EncodeShardReadRequest(SampleRead(), &bytes);
  auto r = DecodeShardReadRequest(bytes);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->collection, "acme/items");
  EXPECT_EQ(r->incarnation, 77);
  EXPECT_EQ(r->kind, ReadKind::kGet);
  ASSERT_EQ(r->shards.size(), 2u);
  EXPECT_EQ(r->shards[0].shard, 3u);
  EXPECT_TRUE(r->shards[0].replica_ok);
  EXPECT_EQ(r->shards[0].min_seq, 12u);
  EXPECT_EQ(r->shards[0].args, "ids");
  EXPECT_EQ(r->args, std::string("\x01\x00\xff", 3));

  ShardReadReply reply;
  reply.failed.emplace_back(2, Status::Unavailable("behind"));
  reply.result = "xyz";
  bytes.clear();
  EncodeShardReadReply(reply, &bytes);
  auto reply2 = DecodeShardReadReply(bytes);
  ASSERT_TRUE(reply2.ok());
  ASSERT_EQ(reply2->failed.size(), 1u);
  EXPECT_EQ(reply2->failed[0].second.code(), StatusCode::kUnavailable);
  EXPECT_EQ(reply2->failed[0].second.message(), "behind");
  EXPECT_EQ(reply2->result, "xyz");

  ShardWriteRequest w{"c", 5, true, {{1, "ops"}}};
  bytes.clear();
  EncodeShardWriteRequest(w, &bytes);
  auto w2 = DecodeShardWriteRequest(bytes);
  ASSERT_TRUE(w2.ok());
  EXPECT_TRUE(w2->optimize);
  EXPECT_EQ(w2->shards[0].ops, "ops");
  ShardWriteReply wr;
  wr.shards.push_back({1, Status::Ok(), 10, 4});
  wr.shards.push_back({2, Status::ResourceExhausted("full"), 0, 0});
  bytes.clear();
  EncodeShardWriteReply(wr, &bytes);
  auto wr2 = DecodeShardWriteReply(bytes);
  ASSERT_TRUE(wr2.ok());
  EXPECT_TRUE(wr2->shards[0].status.ok());
  EXPECT_EQ(wr2->shards[0].affected, 10u);
  EXPECT_EQ(wr2->shards[0].seq, 4u);
  EXPECT_EQ(wr2->shards[1].status.code(), StatusCode::kResourceExhausted);
}

// Every truncation and a flipped byte anywhere: an error naming the wire (or a value that still
// parses), never a crash or a read past the end.
TEST(Wire, TruncatedAndCorruptInputIsRefused) {
  std::vector<std::string> messages(4);
  EncodeShardReadRequest(SampleRead(), &messages[0]);
  ShardReadReply reply;
  reply.failed.emplace_back(1, Status::Unavailable("x"));
  EncodeShardReadReply(reply, &messages[1]);
  EncodeShardWriteRequest({"c", 1, false, {{0, "abc"}}}, &messages[2]);
  ShardWriteReply wr;
  wr.shards.push_back({1, Status::Ok(), 1, 1});
  EncodeShardWriteReply(wr, &messages[3]);
  auto decode = [](size_t which, std::string_view b) -> Status {
    switch (which) {
      case 0:
        return DecodeShardReadRequest(b).status();
      case 1:
        return DecodeShardReadReply(b).status();
      case 2:
        return DecodeShardWriteRequest(b).status();
      default:
        return DecodeShardWriteReply(b).status();
    }
  };
  for (size_t m = 0; m < messages.size(); ++m) {
    ASSERT_TRUE(decode(m, messages[m]).ok());
    for (size_t n = 0; n < messages[m].size(); ++n) {
      Status s = decode(m, std::string_view(messages[m]).substr(0, n));
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "message " << m << " cut at " << n;
      EXPECT_NE(s.message().find("cluster wire"), std::string::npos) << s.message();
    }
    EXPECT_FALSE(decode(m, messages[m] + "!").ok()) << "trailing byte, message " << m;
    for (size_t i = 0; i < messages[m].size(); ++i) {
      std::string bad = messages[m];
      bad[i] = static_cast<char>(bad[i] ^ 0xa5);
      (void)decode(m, bad);  // must not crash
    }
  }
  // Points with a bad count, a bad payload.
  std::string pts;
  PutVarint(&pts, 1000);
  ByteReader in(pts);
  std::vector<ScoredPoint> out;
  EXPECT_FALSE(GetPoints(&in, &out).ok());
  ReadArgs args;
  EXPECT_FALSE(DecodeReadArgs(ReadKind::kSearch, "\x05", &args).ok());
  EXPECT_FALSE(DecodeReadArgs(ReadKind::kCount, std::string("\x00\x01", 2), &args).ok());
}

}  // namespace
}  // namespace ragdb::cluster
