// The collection's search path against a brute force kept by the test: several segments (sealed
// and growing), deletes and overwrites, records without a vector for a field, filters that keep
// some, one or no segment's rows, single searches and batches, before and after a reopen (which
// loads the tombstones from their files). The db layer answers unfiltered searches from
// per-segment searchable-row sets kept up to date by writes; these tests pin that they always
// equal what the live data says.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "ragdb/database.h"
#include "storage/test_util.h"

namespace ragdb {
namespace {

using ragdb::testing::TempDir;

struct Live {
  std::map<std::string, std::vector<float>> vectors;
  int64_t sel;
};

CollectionSchema TwoFieldSchema(IndexType index) {
  CollectionSchema s;
  VectorField a;
  a.name = "a";
  a.dim = 16;
  a.metric = Metric::kL2;
  a.index.type = index;
  a.index.m = 12;
  a.index.ef_construction = 100;
  VectorField b;
  b.name = "b";
  b.dim = 8;
  b.metric = Metric::kCosine;
  s.vectors = {a, b};
  s.payload_indexes.push_back({.path = "sel", .type = PayloadType::kInteger});
  return s;
}

std::vector<float> Random(std::mt19937& rng, size_t dim) {
  std::normal_distribution<float> g;
  std::vector<float> v(dim);
  for (float& x : v) x = g(rng);
  return v;
}

// Ids of the k best live records by brute force (double precision), ties by id.
std::vector<uint64_t> Truth(const std::map<uint64_t, Live>& live, const std::string& field,
                            const std::vector<float>& q, size_t k, int64_t sel_below) {
  std::vector<std::pair<double, uint64_t>> scored;
  for (const auto& [id, rec] : live) {
    auto it = rec.vectors.find(field);
    if (it == rec.vectors.end() || rec.sel >= sel_below) continue;
    double l2 = 0, dot = 0, n = 0, qn = 0;
    for (size_t d = 0; d < q.size(); ++d) {
      l2 += (double(q[d]) - it->second[d]) * (double(q[d]) - it->second[d]);
      dot += double(q[d]) * it->second[d];
      n += double(it->second[d]) * it->second[d];
      qn += double(q[d]) * q[d];
    }
    scored.emplace_back(field == "a" ? l2 : -dot / std::sqrt(n * qn), id);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<uint64_t> ids;
  for (size_t i = 0; i < scored.size() && i < k; ++i) ids.push_back(scored[i].second);
  return ids;
}

std::vector<uint64_t> Ids(const std::vector<ScoredPoint>& hits) {
  std::vector<uint64_t> ids;
  for (const auto& h : hits) ids.push_back(h.id.number());
  return ids;
}

class SearchPathTest : public ::testing::Test {
 protected:
  void Open(IndexType index) {
    DatabaseOptions o;
    o.seal_threshold_rows = 64;  // several sealed segments and a growing one
    o.locality_order_min_rows = locality_order_min_rows_;
    db_.reset();
    if (!created_) {
      db_ = *Database::Open(dir_.path(), o);
      col_ = *db_->CreateCollection("c", TwoFieldSchema(index));
      created_ = true;
    } else {
      col_.reset();
      db_ = *Database::Open(dir_.path(), o);
      col_ = *db_->GetCollection("c");
    }
  }

  // 700 records; a third have no "b" vector, and some have no "a" vector either.
  void Load(std::mt19937& rng) {
    std::vector<Record> batch;
    for (uint64_t i = 0; i < 700; ++i) batch.push_back(Make(rng, i));
    ASSERT_TRUE(col_->Upsert(batch).ok());
  }

  Record Make(std::mt19937& rng, uint64_t id) {
    Record r;
    r.id = id;
    Live l;
    l.sel = static_cast<int64_t>(rng() % 10);
    if (id % 11 != 0) l.vectors["a"] = Random(rng, 16);
    if (id % 3 != 0) l.vectors["b"] = Random(rng, 8);
    r.vectors = l.vectors;
    r.payload = {{"sel", l.sel}, {"n", id}};
    live_[id] = l;
    return r;
  }

  // Deletes by id, by filter, and overwrites (which moves rows into the growing segment).
  void Churn(std::mt19937& rng) {
    std::vector<PointId> gone;
    size_t were_live = 0;
    for (uint64_t id = 5 + churns_; id < 700; id += 7) {
      gone.push_back(id);
      were_live += live_.erase(id);
    }
    ++churns_;
    ASSERT_EQ(*col_->Delete(gone), were_live);
    size_t by_filter = 0;
    for (auto it = live_.begin(); it != live_.end();) {
      if (it->first >= 600 && it->second.sel == 9) {
        it = live_.erase(it);
        ++by_filter;
      } else {
        ++it;
      }
    }
    ASSERT_EQ(*col_->DeleteByFilter(*Filter::Parse("sel == 9 and n >= 600")), by_filter);
    std::vector<Record> again;
    for (uint64_t id = 1; id < 300; id += 13) {
      if (live_.count(id)) again.push_back(Make(rng, id));
    }
    ASSERT_TRUE(col_->Upsert(again).ok());
  }

  // Every field x filter x k, single searches and a batch, against the brute force.
  void ExpectExactAnswers(bool exact_flag) {
    std::mt19937 rng(7);
    for (const std::string field : {"a", "b"}) {
      const size_t dim = field == "a" ? 16 : 8;
      for (int64_t sel_below : {100, 3, 1, 0}) {
        for (size_t k : {1, 10, 50}) {
          std::vector<SearchRequest> reqs(9);
          for (auto& r : reqs) {
            r.field = field;
            r.vector = Random(rng, dim);
            r.k = k;
            r.exact = exact_flag;
            r.with_payload = false;
            if (sel_below < 100) r.filter = *Filter::Parse("sel < " + std::to_string(sel_below));
          }
          auto batch = col_->SearchBatch(reqs, 2);
          ASSERT_TRUE(batch.ok()) << batch.status().ToString();
          for (size_t i = 0; i < reqs.size(); ++i) {
            auto want = Truth(live_, field, reqs[i].vector, k, sel_below);
            auto one = col_->Search(reqs[i]);
            ASSERT_TRUE(one.ok()) << one.status().ToString();
            EXPECT_EQ(Ids(*one), want) << field << " sel<" << sel_below << " k " << k;
            EXPECT_EQ(Ids((*batch)[i]), want) << field << " sel<" << sel_below << " k " << k;
          }
        }
      }
    }
  }

  TempDir dir_;
  bool created_ = false;
  size_t locality_order_min_rows_ = 0;
  uint64_t churns_ = 0;
  std::unique_ptr<Database> db_;
  std::shared_ptr<Collection> col_;
  std::map<uint64_t, Live> live_;
};

TEST_F(SearchPathTest, ExactSearchMatchesBruteForceThroughChurnAndReopen) {
  std::mt19937 rng(1);
  Open(IndexType::kFlat);
  Load(rng);
  ExpectExactAnswers(false);
  Churn(rng);
  ExpectExactAnswers(false);
  ASSERT_TRUE(col_->Optimize().ok());  // one merged segment, deleted rows dropped
  ExpectExactAnswers(false);
  Churn(rng);  // tombstones in the merged segment, written at the next checkpoint
  Open(IndexType::kFlat);
  ExpectExactAnswers(false);
}

TEST_F(SearchPathTest, IndexedSegmentsNeverReturnDeletedOrFilteredRows) {
  std::mt19937 rng(2);
  Open(IndexType::kHnsw);
  Load(rng);
  ASSERT_TRUE(col_->Optimize().ok());  // field "a" gets an HNSW index in the sealed segment
  ExpectExactAnswers(true);
  Churn(rng);
  ExpectExactAnswers(true);
  // Approximate answers: only live, allowed rows, and close to the exact ones.
  std::mt19937 qrng(3);
  double hit = 0, total = 0;
  for (int i = 0; i < 40; ++i) {
    SearchRequest r;
    r.field = "a";
    r.vector = Random(qrng, 16);
    r.k = 10;
    r.ef = 64;
    r.with_payload = false;
    if (i % 2) r.filter = *Filter::Parse("sel < 5");
    auto hits = *col_->Search(r);
    auto want = Truth(live_, "a", r.vector, 10, i % 2 ? 5 : 100);
    std::set<uint64_t> truth(want.begin(), want.end());
    for (uint64_t id : Ids(hits)) {
      ASSERT_TRUE(live_.count(id)) << "deleted id " << id << " returned";
      if (i % 2) EXPECT_LT(live_[id].sel, 5);
      hit += truth.count(id);
    }
    total += want.size();
  }
  EXPECT_GE(hit / total, 0.9);
  Open(IndexType::kHnsw);
  ExpectExactAnswers(true);
}

// Merged segments of at least locality_order_min_rows rows store their rows in a locality order
// of the HNSW field: the order is invisible (ids, vectors, payloads, filters, deletes and reopen
// give the brute force's answers), and scroll still pages in id order.
TEST_F(SearchPathTest, RowsInLocalityOrderAnswerTheSame) {
  std::mt19937 rng(6);
  locality_order_min_rows_ = 200;
  Open(IndexType::kHnsw);
  Load(rng);
  ASSERT_TRUE(col_->Optimize().ok());  // 700 rows in one segment, reordered
  ExpectExactAnswers(true);
  for (uint64_t id : {0, 1, 77, 699}) {
    auto r = col_->Get(id);
    ASSERT_TRUE(r.ok()) << id;
    EXPECT_EQ(r->payload["n"], id);
    if (live_[id].vectors.count("a")) {
      ASSERT_EQ(r->vectors.at("a").size(), 16u);
      EXPECT_FLOAT_EQ(r->vectors.at("a")[3], live_[id].vectors["a"][3]);
    }
  }
  ScrollRequest sr;
  sr.limit = 1000;
  auto page = *col_->Scroll(sr);
  ASSERT_EQ(page.records.size(), live_.size());
  for (size_t i = 1; i < page.records.size(); ++i) {
    EXPECT_LT(page.records[i - 1].id, page.records[i].id);
  }
  Churn(rng);
  ExpectExactAnswers(true);
  Open(IndexType::kHnsw);
  ExpectExactAnswers(true);
}

// Sealed segments cache recent filter results (FilterCache): with more distinct filters than the
// cache holds, used in a shuffled order and with deletes between the rounds, every count and
// search still equals the brute force (deletes are applied on top of cached results).
TEST_F(SearchPathTest, CachedFilterResultsFollowDeletesAndEviction) {
  std::mt19937 rng(5);
  Open(IndexType::kFlat);
  Load(rng);
  ASSERT_TRUE(col_->Optimize().ok());
  std::vector<int64_t> bounds;
  for (int64_t b = 0; b <= 10; ++b) bounds.push_back(b);  // 11 filters > FilterCache::kEntries
  for (int round = 0; round < 4; ++round) {
    std::shuffle(bounds.begin(), bounds.end(), rng);
    for (int64_t b : bounds) {
      Filter f = *Filter::Parse("sel < " + std::to_string(b));
      size_t want = 0;
      for (const auto& [id, rec] : live_) want += rec.sel < b;
      EXPECT_EQ(*col_->Count(&f), want) << "sel < " << b << " round " << round;
      SearchRequest r;
      r.field = "a";
      r.vector = Random(rng, 16);
      r.k = 7;
      r.with_payload = false;
      r.filter = f;
      EXPECT_EQ(Ids(*col_->Search(r)), Truth(live_, "a", r.vector, 7, b)) << "sel < " << b;
    }
    Churn(rng);  // deletes in the sealed segment, overwrites into the growing one
  }
}

}  // namespace
}  // namespace ragdb
