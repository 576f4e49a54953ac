// Exploration calls of the embedded API (ragdb/explore.h) against brute-force references computed
// here from the stored records, over sealed and growing segments with deleted rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "query/example_score.h"
#include "ragdb/database.h"
#include "storage/test_util.h"

namespace ragdb {
namespace {

using ragdb::testing::TempDir;

constexpr uint32_t kDim = 8;
constexpr size_t kPoints = 300;
const char* kColors[] = {"red", "green", "blue", "amber"};

DatabaseOptions SmallSegments() {
  DatabaseOptions o;
  o.seal_threshold_rows = 64;  // several sealed segments plus a growing one
  return o;
}

Json PayloadOf(uint64_t i) {
  Json p = {{"color", kColors[i % 4]}, {"n", static_cast<int64_t>(i % 17) - 5}};
  if (i % 3 == 0) p["tags"] = {"a", i % 2 ? "b" : "a", "c"};  // duplicate "a" counts once
  if (i % 5 != 0) p["price"] = (i % 7) * 1.5;
  if (i % 11 == 0) p["price"] = {1.0, 99.0};  // two values: ordered twice
  return p;
}

struct Fixture {
  TempDir dir;
  std::unique_ptr<Database> db;
  std::shared_ptr<Collection> col;
  std::map<PointId, Record> live;  // what the collection holds, for the references

  explicit Fixture(Metric metric, bool payload_indexes = false) {
    db = *Database::Open(dir.path(), SmallSegments());
    CollectionSchema s;
    VectorField f;
    f.dim = kDim;
    f.metric = metric;
    s.vectors.push_back(f);
    if (payload_indexes) {
      s.payload_indexes.push_back({"color", PayloadType::kKeyword});
      s.payload_indexes.push_back({"n", PayloadType::kInteger});
      s.payload_indexes.push_back({"price", PayloadType::kFloat});
    }
    col = *db->CreateCollection("c", s);
    std::mt19937 rng(42);
    std::normal_distribution<float> g;
    std::vector<Record> batch;
    for (uint64_t i = 0; i < kPoints; ++i) {
      Record r;
      r.id = i;
      r.vectors[""].resize(kDim);
      for (float& x : r.vectors[""]) x = g(rng);
      r.payload = PayloadOf(i);
      batch.push_back(std::move(r));
      if (batch.size() == 50) {
        EXPECT_TRUE(col->Upsert(batch).ok());
        batch.clear();
      }
    }
    EXPECT_TRUE(col->Upsert(batch).ok());
    std::vector<PointId> gone;
    for (uint64_t i = 0; i < kPoints; i += 13) gone.push_back(i);
    EXPECT_TRUE(col->Delete(gone).ok());
    ScrollRequest all;
    all.limit = kPoints;
    all.with_vectors = true;
    ScrollPage page = *col->Scroll(all);
    for (auto& r : page.records) live[r.id] = std::move(r);
  }

  const std::vector<float>& Vec(uint64_t id) { return live.at(PointId(id)).vectors.at(""); }
};

// The similarity of explore.h, in double, for stored (already unit, for cosine) rows.
double Sim(Metric m, const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, l2 = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double{a[i]} * b[i];
    l2 += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
    na += double{a[i]} * a[i];
    nb += double{b[i]} * b[i];
  }
  if (m == Metric::kL2) return -l2;
  if (m == Metric::kCosine) return dot / std::sqrt(na * nb);
  return dot;
}

struct Ref {
  uint64_t id;
  double score;
};

// Checks `got` against the best `k` of `all` (higher score first): scores equal, and the ids equal
// except where neighbouring reference scores are too close to order reliably in float.
void ExpectTopK(const std::vector<ScoredPoint>& got, std::vector<Ref> all, size_t k,
                double tol = 1e-4) {
  std::sort(all.begin(), all.end(), [](const Ref& a, const Ref& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  });
  ASSERT_EQ(got.size(), std::min(k, all.size()));
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i].score, all[i].score, tol * std::max(1.0, std::fabs(all[i].score)))
        << "rank " << i;
    bool close_before = i > 0 && std::fabs(all[i - 1].score - all[i].score) < tol;
    bool close_after = i + 1 < all.size() && std::fabs(all[i + 1].score - all[i].score) < tol;
    if (!close_before && !close_after) {
      EXPECT_EQ(got[i].id, PointId(all[i].id)) << "rank " << i;
    }
  }
}

double Scaled(double x) { return 0.5 * (x / (1 + std::fabs(x)) + 1); }

TEST(Recommend, StrategiesMatchBruteForce) {
  for (Metric m : {Metric::kL2, Metric::kCosine, Metric::kIp}) {
    SCOPED_TRACE(std::string(MetricName(m)));
    Fixture f(m);
    std::vector<float> raw(kDim, 0.25f);  // a vector example beside the stored ones
    raw[0] = 1.5f;
    std::vector<float> raw_unit = raw;
    if (m == Metric::kCosine) {
      double n = 0;
      for (float x : raw) n += x * x;
      for (float& x : raw_unit) x /= std::sqrt(n);
    }
    std::vector<std::vector<float>> pos{f.Vec(1), f.Vec(2), raw_unit}, neg{f.Vec(3)};
    for (RecommendStrategy strategy :
         {RecommendStrategy::kBestScore, RecommendStrategy::kSumScores}) {
      RecommendRequest req;
      req.positive = {VectorExample::Point(1), VectorExample::Point(2), VectorExample::Vector(raw)};
      req.negative = {VectorExample::Point(3)};
      req.strategy = strategy;
      req.k = 15;
      auto got = f.col->Recommend(req);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      std::vector<Ref> ref;
      for (const auto& [id, r] : f.live) {
        if (id == PointId(1) || id == PointId(2) || id == PointId(3)) continue;  // examples
        std::vector<double> ps, ns;
        for (const auto& v : pos) ps.push_back(Sim(m, r.vectors.at(""), v));
        for (const auto& v : neg) ns.push_back(Sim(m, r.vectors.at(""), v));
        double score;
        if (strategy == RecommendStrategy::kBestScore) {
          double bp = *std::max_element(ps.begin(), ps.end());
          double bn = *std::max_element(ns.begin(), ns.end());
          score = bp > bn ? Scaled(bp) : -Scaled(bn);
        } else {
          score = 0;
          for (double s : ps) score += s;
          for (double s : ns) score -= s;
        }
        ref.push_back({id.number(), score});
      }
      ExpectTopK(*got, ref, 15);
    }
    // average_vector: one search with 2 * mean(pos) - mean(neg).
    RecommendRequest avg;
    avg.positive = {VectorExample::Point(1), VectorExample::Point(2), VectorExample::Vector(raw)};
    avg.negative = {VectorExample::Point(3)};
    avg.k = 10;
    auto got = f.col->Recommend(avg);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    SearchRequest search;
    search.vector.assign(kDim, 0);
    for (size_t i = 0; i < kDim; ++i) {
      search.vector[i] = 2 * (pos[0][i] + pos[1][i] + pos[2][i]) / 3 - neg[0][i];
    }
    search.k = 10;
    search.filter = Filter::Parse("not id in [1, 2, 3]").value();
    auto want = f.col->Search(search);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < got->size(); ++i) {
      EXPECT_EQ((*got)[i].id, (*want)[i].id);
      EXPECT_NEAR((*got)[i].score, (*want)[i].score, 1e-4);
    }
  }
}

TEST(Recommend, FilterOffsetThresholdAndErrors) {
  Fixture f(Metric::kIp);
  RecommendRequest req;
  req.positive = {VectorExample::Point(4)};
  req.strategy = RecommendStrategy::kSumScores;
  req.filter = Filter::Parse("color == \"red\"").value();
  req.k = 5;
  req.offset = 2;
  req.with_payload = true;
  auto got = *f.col->Recommend(req);
  std::vector<Ref> ref;
  for (const auto& [id, r] : f.live) {
    if (id == PointId(4) || r.payload["color"] != "red") continue;
    ref.push_back({id.number(), Sim(Metric::kIp, r.vectors.at(""), f.Vec(4))});
  }
  std::sort(ref.begin(), ref.end(), [](auto& a, auto& b) { return a.score > b.score; });
  ref.erase(ref.begin(), ref.begin() + 2);  // the offset
  ExpectTopK(got, ref, 5);
  for (const auto& p : got) EXPECT_EQ(p.payload["color"], "red");

  req.offset = 0;
  req.k = 100;
  req.score_threshold = 0.5f;
  for (const auto& p : *f.col->Recommend(req)) EXPECT_GE(p.score, 0.5f);

  RecommendRequest bad;
  bad.positive = {VectorExample::Point(13)};  // deleted
  EXPECT_EQ(f.col->Recommend(bad).status().code(), StatusCode::kNotFound);
  bad.positive = {VectorExample::Vector({1, 2})};
  EXPECT_EQ(f.col->Recommend(bad).status().code(), StatusCode::kInvalidArgument);
  bad.positive = {VectorExample::Vector(std::vector<float>(kDim, NAN))};
  EXPECT_EQ(f.col->Recommend(bad).status().code(), StatusCode::kInvalidArgument);
  bad.positive.clear();
  bad.negative = {VectorExample::Point(4)};
  EXPECT_EQ(f.col->Recommend(bad).status().code(), StatusCode::kInvalidArgument);  // average
  bad.field = "nope";
  EXPECT_EQ(f.col->Recommend(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(Discover, TargetWithContextAndContextAlone) {
  for (Metric m : {Metric::kL2, Metric::kCosine}) {
    SCOPED_TRACE(std::string(MetricName(m)));
    Fixture f(m);
    DiscoverRequest req;
    req.target = VectorExample::Point(10);
    req.context = {{VectorExample::Point(20), VectorExample::Point(21)},
                   {VectorExample::Point(30), VectorExample::Point(31)}};
    req.k = 20;
    auto got = f.col->Discover(req);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    std::set<uint64_t> examples{10, 20, 21, 30, 31};
    std::vector<Ref> ref, ctx_ref;
    for (const auto& [id, r] : f.live) {
      if (examples.count(id.number())) continue;
      const auto& x = r.vectors.at("");
      int rank = 0;
      double loss = 0;
      for (auto [p, n] : {std::pair{20, 21}, std::pair{30, 31}}) {
        double sp = Sim(m, x, f.Vec(p)), sn = Sim(m, x, f.Vec(n));
        rank += (sp > sn) - (sp < sn);
        double d = sp - sn - FLT_EPSILON;
        d = std::min(d, 0.0);
        loss += d / (1 + std::fabs(d));
      }
      ref.push_back({id.number(), rank + Scaled(Sim(m, x, f.Vec(10)))});
      ctx_ref.push_back({id.number(), loss});
    }
    ExpectTopK(*got, ref, 20);
    req.target.reset();
    auto ctx = f.col->Discover(req);
    ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
    ExpectTopK(*ctx, ctx_ref, 20);
  }
  Fixture f(Metric::kL2);
  DiscoverRequest empty;
  EXPECT_EQ(f.col->Discover(empty).status().code(), StatusCode::kInvalidArgument);
}

TEST(Facet, CountsValuesWithAndWithoutIndexes) {
  for (bool indexed : {false, true}) {
    SCOPED_TRACE(indexed ? "indexed" : "scanned");
    Fixture f(Metric::kL2, indexed);
    if (indexed) {
      ASSERT_TRUE(f.col->Optimize().ok());  // indexes on every sealed row
    }
    for (const char* key : {"color", "n", "tags"}) {
      FacetRequest req;
      req.key = key;
      req.limit = 100;
      req.filter = Filter::Parse("n >= 0").value();
      auto got = f.col->Facet(req);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      std::map<std::string, uint64_t> want;  // dumped value -> points
      for (const auto& [id, r] : f.live) {
        if (r.payload["n"].get<int64_t>() < 0) continue;
        std::set<std::string> seen;
        const Json& v = r.payload.contains(key) ? r.payload[key] : Json();
        if (v.is_array()) {
          for (const auto& e : v) seen.insert(e.dump());
        } else if (!v.is_null()) {
          seen.insert(v.dump());
        }
        for (const auto& s : seen) ++want[s];
      }
      ASSERT_EQ(got->size(), want.size()) << key;
      for (size_t i = 0; i < got->size(); ++i) {
        EXPECT_EQ((*got)[i].count, want[(*got)[i].value.dump()]) << key;
        if (i > 0) {
          EXPECT_GE((*got)[i - 1].count, (*got)[i].count);
        }
      }
    }
    FacetRequest top;
    top.key = "color";
    top.limit = 2;
    EXPECT_EQ(f.col->Facet(top)->size(), 2u);
    top.limit = 0;
    EXPECT_EQ(f.col->Facet(top).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(OrderBy, ScrollsByValueWithRepeatsAndStartFrom) {
  for (bool indexed : {false, true}) {
    SCOPED_TRACE(indexed ? "indexed" : "scanned");
    Fixture f(Metric::kL2, indexed);
    if (indexed) {
      ASSERT_TRUE(f.col->Optimize().ok());
    }
    for (bool desc : {false, true}) {
      for (std::optional<double> start : {std::optional<double>(), std::optional<double>(4.5)}) {
        ScrollRequest req;
        req.limit = 40;
        req.order_by = OrderBy{"price", desc, start};
        req.filter = Filter::Parse("color != \"blue\"").value();
        auto page = f.col->Scroll(req);
        ASSERT_TRUE(page.ok()) << page.status().ToString();
        std::vector<std::pair<double, uint64_t>> ref;
        for (const auto& [id, r] : f.live) {
          if (r.payload["color"] == "blue" || !r.payload.contains("price")) continue;
          std::set<double> values;
          const Json& p = r.payload["price"];
          if (p.is_array()) {
            for (const auto& e : p) values.insert(e.get<double>());
          } else {
            values.insert(p.get<double>());
          }
          for (double v : values) {
            if (start && (desc ? v > *start : v < *start)) continue;
            ref.push_back({v, id.number()});
          }
        }
        std::sort(ref.begin(), ref.end(), [&](auto& a, auto& b) {
          if (a.first != b.first) return desc ? a.first > b.first : a.first < b.first;
          return a.second < b.second;
        });
        ref.resize(std::min<size_t>(ref.size(), 40));
        ASSERT_EQ(page->records.size(), ref.size());
        ASSERT_EQ(page->order_values.size(), ref.size());
        EXPECT_FALSE(page->next_offset);
        for (size_t i = 0; i < ref.size(); ++i) {
          EXPECT_EQ(page->records[i].id, PointId(ref[i].second)) << i;
          EXPECT_DOUBLE_EQ(page->order_values[i].get<double>(), ref[i].first) << i;
        }
      }
    }
    ScrollRequest bad;
    bad.order_by = OrderBy{"price", false, std::nullopt};
    bad.offset = PointId(3);
    EXPECT_EQ(f.col->Scroll(bad).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(Sample, DistinctMatchingAndSeeded) {
  Fixture f(Metric::kL2);
  SampleRequest req;
  req.filter = Filter::Parse("color == \"green\"").value();
  req.limit = 20;
  req.seed = 5;
  auto a = *f.col->Sample(req);
  auto b = *f.col->Sample(req);
  ASSERT_EQ(a.size(), 20u);
  std::set<PointId> ids;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].payload["color"], "green");
    EXPECT_TRUE(f.live.count(a[i].id));
    ids.insert(a[i].id);
    EXPECT_EQ(a[i].id, b[i].id);  // same seed, same sample
  }
  EXPECT_EQ(ids.size(), 20u);
  // Asking for more than match returns every match.
  req.limit = 1000;
  size_t greens = 0;
  for (const auto& [id, r] : f.live) greens += r.payload["color"] == "green";
  EXPECT_EQ(f.col->Sample(req)->size(), greens);
  // Different seeds give different samples (with 20 of ~70 the chance of equal is nil).
  req.limit = 20;
  req.seed = 6;
  auto c = *f.col->Sample(req);
  std::set<PointId> other;
  for (const auto& r : c) other.insert(r.id);
  EXPECT_NE(ids, other);
}

TEST(SearchMatrix, NeighboursWithinTheSample) {
  for (Metric m : {Metric::kL2, Metric::kCosine, Metric::kIp}) {
    SCOPED_TRACE(std::string(MetricName(m)));
    Fixture f(m);
    DistanceMatrixRequest req;
    req.sample = 25;
    req.limit = 4;
    req.seed = 1;
    req.filter = Filter::Parse("n > 0").value();
    auto got = f.col->SearchMatrix(req);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->ids.size(), 25u);
    EXPECT_TRUE(std::is_sorted(got->ids.begin(), got->ids.end()));
    for (size_t i = 0; i < got->ids.size(); ++i) {
      const Record& a = f.live.at(got->ids[i]);
      EXPECT_GT(a.payload["n"].get<int64_t>(), 0);
      std::vector<Ref> ref;
      for (size_t j = 0; j < got->ids.size(); ++j) {
        if (j == i) continue;
        double s = Sim(m, a.vectors.at(""), f.live.at(got->ids[j]).vectors.at(""));
        ref.push_back({j, m == Metric::kL2 ? -std::sqrt(-s) : s});  // search scores
      }
      std::vector<ScoredPoint> row;
      for (const auto& e : got->rows[i]) {
        ScoredPoint p;
        p.id = PointId(e.column);
        p.score = m == Metric::kL2 ? -e.score : e.score;  // higher is better for the check
        row.push_back(p);
      }
      ExpectTopK(row, ref, 4);
    }
  }
}

TEST(Mmr, DiversityReRanksTheNearestCandidates) {
  for (Metric m : {Metric::kL2, Metric::kCosine}) {
    SCOPED_TRACE(std::string(MetricName(m)));
    Fixture f(m);
    SearchRequest req;
    req.vector = f.Vec(7);
    req.k = 6;
    req.mmr = MmrParams{0.6f, 30};
    auto got = f.col->Search(req);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    // Reference: the 30 nearest, then MMR by definition on double similarities.
    SearchRequest near = req;
    near.mmr.reset();
    near.k = 30;
    auto cand = *f.col->Search(near);
    std::vector<size_t> picked;
    std::vector<bool> taken(cand.size());
    auto rel = [&](size_t i) { return Sim(m, f.live.at(cand[i].id).vectors.at(""), req.vector); };
    while (picked.size() < 6) {
      size_t best = cand.size();
      double best_score = 0;
      for (size_t i = 0; i < cand.size(); ++i) {
        if (taken[i]) continue;
        double score = rel(i);
        if (!picked.empty()) {
          double mx = -INFINITY;
          for (size_t j : picked) {
            mx = std::max(mx, Sim(m, f.live.at(cand[i].id).vectors.at(""),
                                  f.live.at(cand[j].id).vectors.at("")));
          }
          score = 0.4 * score - 0.6 * mx;
        }
        if (best == cand.size() || score > best_score) {
          best = i;
          best_score = score;
        }
      }
      picked.push_back(best);
      taken[best] = true;
    }
    ASSERT_EQ(got->size(), 6u);
    for (size_t i = 0; i < 6; ++i) {
      EXPECT_EQ((*got)[i].id, cand[picked[i]].id) << i;
      EXPECT_FLOAT_EQ((*got)[i].score, cand[picked[i]].score);  // search scores kept
    }
    req.mmr->diversity = 1.5f;
    EXPECT_EQ(f.col->Search(req).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(Vectors, UpdateAndDeleteKeepTheRest) {
  TempDir dir;
  auto db = *Database::Open(dir.path(), SmallSegments());
  CollectionSchema s;
  for (auto [name, dim] : {std::pair{"a", 2u}, std::pair{"b", 3u}}) {
    VectorField f;
    f.name = name;
    f.dim = dim;
    f.metric = Metric::kL2;
    s.vectors.push_back(f);
  }
  s.sparse_vectors.push_back({"sp"});
  s.text = TextField{};  // records may carry text
  auto col = *db->CreateCollection("c", s);
  Record r;
  r.id = 1;
  r.vectors["a"] = {1, 2};
  r.vectors["b"] = {3, 4, 5};
  r.sparse_vectors["sp"] = {{7}, {0.5f}};
  r.payload = {{"k", "v"}};
  r.text = "hello";
  ASSERT_TRUE(col->Upsert(std::vector<Record>{r}).ok());

  Record change;
  change.id = 1;
  change.vectors["b"] = {9, 9, 9};
  ASSERT_TRUE(col->UpdateVectors(std::vector<Record>{change}).ok());
  Record got = *col->Get(1);
  EXPECT_EQ(got.vectors["a"], (std::vector<float>{1, 2}));
  EXPECT_EQ(got.vectors["b"], (std::vector<float>{9, 9, 9}));
  EXPECT_EQ(got.sparse_vectors["sp"].indices, (std::vector<uint32_t>{7}));
  EXPECT_EQ(got.payload["k"], "v");
  EXPECT_EQ(got.text, "hello");

  Record missing;
  missing.id = 2;
  missing.vectors["a"] = {0, 0};
  EXPECT_EQ(col->UpdateVectors(std::vector<Record>{change, missing}).code(), StatusCode::kNotFound);
  change.vectors["b"] = {1, 2};  // wrong dimension: nothing written
  EXPECT_EQ(col->UpdateVectors(std::vector<Record>{change}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(col->Get(1)->vectors["b"], (std::vector<float>{9, 9, 9}));

  std::vector<PointId> ids{1, 2};
  std::vector<std::string> names{"a", "sp"};
  EXPECT_EQ(*col->DeleteVectors(ids, names), 1u);
  got = *col->Get(1);
  EXPECT_FALSE(got.vectors.count("a"));
  EXPECT_FALSE(got.sparse_vectors.count("sp"));
  EXPECT_EQ(got.vectors["b"], (std::vector<float>{9, 9, 9}));
  std::vector<std::string> unknown{"zzz"};
  EXPECT_EQ(col->DeleteVectors(ids, unknown).status().code(), StatusCode::kInvalidArgument);
  // A search over "a" no longer finds the point.
  SearchRequest q;
  q.field = "a";
  q.vector = {1, 2};
  EXPECT_TRUE(col->Search(q)->empty());
}

}  // namespace
}  // namespace ragdb
