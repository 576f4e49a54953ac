// Reads over several shard collections, merged, equal one collection holding all of the points:
// in process, and through the encoded form a node sends another.
#include "cluster/shard/shard_reads.h"

#include <gtest/gtest.h>

#include <set>

#include "cluster/shard/placement.h"
#include "db/replication.h"
#include "storage/test_util.h"

namespace ragdb::cluster {
namespace {

using ragdb::testing::TempDir;

constexpr uint32_t kShards = 4;
const char* kWords[] = {"alpha", "beta", "gamma", "delta", "fox", "river", "stone", "cloud"};

class ShardReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = Database::Open(dir_.path()).value();
    CollectionSchema schema;
    VectorField v;
    v.dim = 8;
    v.metric = Metric::kL2;
    schema.vectors.push_back(v);
    schema.text = TextField{};
    all_ = db_->CreateCollection("all", schema).value();
    for (uint32_t s = 0; s < kShards; ++s) {
      shards_.push_back(db_->CreateCollection("s" + std::to_string(s), schema).value());
    }
    uint64_t seed = 7;
    auto next = [&] {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      return static_cast<float>(seed >> 40) / static_cast<float>(1 << 24);
    };
    std::vector<Record> records;
    for (uint64_t i = 1; i <= 600; ++i) {
      Record r;
      r.id = i % 3 == 0 ? PointId("p" + std::to_string(i)) : PointId(i);
      for (int d = 0; d < 8; ++d) r.vectors[""].push_back(next() * 4);
      r.payload = {{"n", i % 10}};
      // 3 to 11 words of 40: documents of varied lengths and term counts.
      std::string text;
      for (uint64_t w = 0; w < 3 + i % 9; ++w) {
        const size_t pick = static_cast<size_t>(next() * 40);
        text += (pick < 8 ? std::string(kWords[pick]) : "w" + std::to_string(pick)) + " ";
      }
      r.text = text;
      records.push_back(std::move(r));
    }
    ASSERT_TRUE(all_->Upsert(records).ok());
    std::vector<std::vector<Record>> parts(kShards);
    for (auto& r : records) parts[ShardOf(r.id, kShards)].push_back(r);
    for (uint32_t s = 0; s < kShards; ++s) ASSERT_TRUE(shards_[s]->Upsert(parts[s]).ok());
  }

  std::vector<LocalShard> Local(std::vector<uint32_t> which) {
    std::vector<LocalShard> out;
    for (uint32_t s : which) out.push_back({s, shards_[s].get()});
    return out;
  }

  // In process over all shards, and as two "nodes" (shards 0-1 encoded, 2-3 merged into it):
  // both must give the same result.
  ReadResult Both(const ReadArgs& args) {
    ReadResult direct;
    auto all = Local({0, 1, 2, 3});
    EXPECT_TRUE(ReadLocal(args, all, &direct).ok());
    Finish(args, &direct);

    ReadResult remote, merged;
    auto first = Local({0, 1}), second = Local({2, 3});
    EXPECT_TRUE(ReadLocal(args, first, &remote).ok());
    Finish(args, &remote);
    std::string bytes;
    EncodeResult(args, remote, &bytes);
    EXPECT_TRUE(ReadLocal(args, second, &merged).ok());
    EXPECT_TRUE(MergeEncoded(args, bytes, &merged).ok());
    Finish(args, &merged);
    auto a = Ids(direct), b = Ids(merged);
    if (args.kind == ReadKind::kGet) {  // in the order the shards answered
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
    }
    if (args.kind == ReadKind::kSample) {  // other draws, as fair, of the same size
      EXPECT_EQ(a.size(), b.size());
      EXPECT_EQ(direct.population, merged.population);
      return direct;
    }
    EXPECT_EQ(a, b);
    return direct;
  }

  static std::vector<std::string> Ids(const ReadResult& r) {
    std::vector<std::string> out;
    for (const auto& p : r.points) out.push_back(p.id.ToString());
    for (const auto& rec : r.records) out.push_back(rec.id.ToString());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  std::shared_ptr<Collection> all_;
  std::vector<std::shared_ptr<Collection>> shards_;
};

TEST_F(ShardReadsTest, TopListsEqualOneCollection) {
  for (int q = 0; q < 5; ++q) {
    ReadArgs args;
    args.kind = ReadKind::kSearch;
    args.search.vector = {1, 2, 0, 3, 1, 1, 2, static_cast<float>(q)};
    args.search.k = 13;
    args.search.with_payload = q % 2 == 0;
    args.lower_is_better = true;
    if (q == 3) args.search.filter = Filter::Parse("n < 4").value();
    ReadResult r = Both(args);
    auto expected = all_->Search(args.search).value();
    ASSERT_EQ(r.points.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(r.points[i].id, expected[i].id) << "query " << q << " rank " << i;
      EXPECT_EQ(r.points[i].score, expected[i].score);
      EXPECT_EQ(r.points[i].payload, expected[i].payload);
    }
  }
}

TEST_F(ShardReadsTest, TextSearchWithSummedStatisticsEqualsOneCollection) {
  ReadArgs args;
  args.kind = ReadKind::kTextStats;
  args.text.query = "fox river";
  args.text.k = 10;
  ReadResult stats = Both(args);
  auto own = db::TextStatistics(*all_, args.text).value();
  EXPECT_EQ(stats.stats.doc_count, own.doc_count);
  EXPECT_EQ(stats.stats.total_tokens, own.total_tokens);
  EXPECT_EQ(stats.stats.DocFreq("fox"), own.DocFreq("fox"));
  args.kind = ReadKind::kSearchText;
  args.stats = stats.stats;
  ReadResult r = Both(args);
  auto expected = all_->SearchText(args.text).value();
  ASSERT_EQ(r.points.size(), expected.size());
  // Short documents of few words tie often, and one collection orders ties as it finds them:
  // the scores must match rank by rank, the ids within each run of equal scores (but the last,
  // which k may cut anywhere).
  std::vector<std::string> got, want;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r.points[i].score, expected[i].score) << "rank " << i;
    if (expected[i].score == expected.back().score) continue;
    got.push_back(r.points[i].id.ToString() + "@" + std::to_string(r.points[i].score));
    want.push_back(expected[i].id.ToString() + "@" + std::to_string(expected[i].score));
  }
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  EXPECT_GT(want.size(), 0u);
}

TEST_F(ShardReadsTest, CountScrollAndGetAreExact) {
  ReadArgs count;
  count.kind = ReadKind::kCount;
  count.filter = Filter::Parse("n >= 7").value();
  EXPECT_EQ(Both(count).count, all_->Count(&*count.filter).value());

  ReadArgs scroll;
  scroll.kind = ReadKind::kScroll;
  scroll.scroll.limit = 37;
  scroll.scroll.filter = Filter::Parse("n != 2").value();
  int pages = 0;
  for (;;) {
    ReadResult page = Both(scroll);
    ScrollPage expected = all_->Scroll(scroll.scroll).value();
    ASSERT_EQ(page.records.size(), expected.records.size());
    for (size_t i = 0; i < expected.records.size(); ++i) {
      EXPECT_EQ(page.records[i].id, expected.records[i].id);
    }
    EXPECT_EQ(page.next_offset, expected.next_offset);
    ++pages;
    if (!page.next_offset) break;
    scroll.scroll.offset = page.next_offset;
  }
  EXPECT_GT(pages, 10);

  ReadArgs get;
  get.kind = ReadKind::kGet;
  get.ids.resize(kShards);
  for (PointId id :
       {PointId(uint64_t{1}), PointId("p3"), PointId(uint64_t{599}), PointId("none")}) {
    get.ids[ShardOf(id, kShards)].push_back(id);
  }
  EXPECT_EQ(Both(get).records.size(), 3u);

  ReadArgs describe;
  describe.kind = ReadKind::kDescribe;
  ReadResult info = Both(describe);
  EXPECT_EQ(info.info.points, 600u);
}

TEST_F(ShardReadsTest, ExplorationCallsEqualOneCollection) {
  auto same_points = [](const ReadResult& r, const std::vector<ScoredPoint>& expected,
                        const char* what) {
    ASSERT_EQ(r.points.size(), expected.size()) << what;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(r.points[i].id, expected[i].id) << what << " rank " << i;
      EXPECT_EQ(r.points[i].score, expected[i].score) << what << " rank " << i;
    }
  };
  const std::vector<float> a = {1, 2, 0, 3, 1, 1, 2, 0}, b = {3, 0, 1, 1, 2, 0, 0, 1};
  const std::vector<float> c = {0, 0, 2, 2, 1, 3, 1, 1};
  for (RecommendStrategy strategy :
       {RecommendStrategy::kAverageVector, RecommendStrategy::kBestScore,
        RecommendStrategy::kSumScores}) {
    ReadArgs args;
    args.kind = ReadKind::kRecommend;
    args.recommend.strategy = strategy;
    args.recommend.positive = {VectorExample::Vector(a), VectorExample::Vector(b)};
    args.recommend.negative = {VectorExample::Vector(c)};
    args.recommend.k = 17;
    args.recommend.filter = Filter::Parse("n != 3").value();
    args.recommend.exact = true;
    args.lower_is_better = strategy == RecommendStrategy::kAverageVector;  // l2
    same_points(Both(args), all_->Recommend(args.recommend).value(), "recommend");
  }
  ReadArgs discover;
  discover.kind = ReadKind::kDiscover;
  discover.discover.target = VectorExample::Vector(a);
  discover.discover.context = {{VectorExample::Vector(b), VectorExample::Vector(c)}};
  discover.discover.k = 21;
  same_points(Both(discover), all_->Discover(discover.discover).value(), "discover");
  discover.discover.target.reset();  // context alone
  same_points(Both(discover), all_->Discover(discover.discover).value(), "context");

  ReadArgs facet;
  facet.kind = ReadKind::kFacet;
  facet.facet.key = "n";
  facet.facet.limit = SIZE_MAX;
  facet.facet.filter = Filter::Parse("n != 4").value();
  const std::vector<FacetHit> counts = Both(facet).facets;
  const std::vector<FacetHit> expected = all_->Facet(facet.facet).value();
  ASSERT_EQ(counts.size(), expected.size());
  ASSERT_EQ(counts.size(), 9u);
  for (size_t i = 0; i < counts.size(); ++i) {
    EXPECT_EQ(counts[i].value, expected[i].value) << i;
    EXPECT_EQ(counts[i].count, expected[i].count) << i;
  }

  for (bool descending : {false, true}) {
    ReadArgs scroll;
    scroll.kind = ReadKind::kScroll;
    scroll.scroll.limit = 37;
    scroll.scroll.order_by = OrderBy{"n", descending, descending ? 6.0 : 2.0};
    ReadResult page = Both(scroll);
    ScrollPage want = all_->Scroll(scroll.scroll).value();
    ASSERT_EQ(page.records.size(), want.records.size());
    ASSERT_EQ(page.order_values.size(), want.order_values.size());
    for (size_t i = 0; i < want.records.size(); ++i) {
      EXPECT_EQ(page.records[i].id, want.records[i].id) << i;
      EXPECT_EQ(page.order_values[i], want.order_values[i]) << i;
    }
    EXPECT_FALSE(page.next_offset);
  }
}

TEST_F(ShardReadsTest, SamplesHoldTheLimitFromEveryShardWithoutRepeats) {
  ReadArgs args;
  args.kind = ReadKind::kSample;
  args.sample.limit = 50;
  args.sample.seed = 9;
  args.sample.filter = Filter::Parse("n < 5").value();
  ReadResult r = Both(args);
  ASSERT_EQ(r.records.size(), 50u);
  EXPECT_EQ(r.population, all_->Count(&*args.sample.filter).value());
  std::set<PointId> ids, shards;
  for (const Record& rec : r.records) {
    ids.insert(rec.id);
    EXPECT_LT(rec.payload["n"].get<int>(), 5);
    shards.insert(PointId(uint64_t{ShardOf(rec.id, kShards)}));
  }
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(shards.size(), kShards);
}

// Two sides drawn from 100 and 300 points: a fair merge takes 3 of 4 picks from the second.
TEST(ShardSamples, MergeDrawsInProportionToWhatEachSideWasDrawnFrom) {
  auto side = [](uint64_t first_id, uint64_t population) {
    ReadResult r;
    for (uint64_t i = 0; i < 10; ++i) {
      Record rec;
      rec.id = first_id + i;
      r.records.push_back(std::move(rec));
    }
    r.population = population;
    return r;
  };
  ReadArgs args;
  args.kind = ReadKind::kSample;
  args.sample.limit = 10;
  std::string small, large;
  EncodeResult(args, side(1, 100), &small);
  EncodeResult(args, side(1001, 300), &large);
  uint64_t from_large = 0, picks = 0;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    args.sample.seed = seed;
    ReadResult out;
    ASSERT_TRUE(MergeEncoded(args, small, &out).ok());
    ASSERT_TRUE(MergeEncoded(args, large, &out).ok());
    ASSERT_EQ(out.records.size(), 10u);
    EXPECT_EQ(out.population, 400u);
    for (const Record& rec : out.records) from_large += !(rec.id < PointId(uint64_t{1001}));
    picks += out.records.size();
  }
  const double share = static_cast<double>(from_large) / static_cast<double>(picks);
  EXPECT_NEAR(share, 0.75, 0.02);
}

}  // namespace
}  // namespace ragdb::cluster
