#include "text/sparse_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>

namespace ragdb::text {
namespace {

SparseVector RandomSparse(std::mt19937& rng, int dims, int nnz) {
  std::vector<uint32_t> idx;
  while (static_cast<int>(idx.size()) < nnz) {
    const uint32_t d = rng() % dims;
    if (std::find(idx.begin(), idx.end(), d) == idx.end()) idx.push_back(d);
  }
  SparseVector v;
  std::uniform_real_distribution<float> w(0.01f, 3.0f);
  for (uint32_t d : idx) {
    v.indices.push_back(d);
    v.values.push_back(w(rng));
  }
  return v;
}

float Dot(const SparseVector& a, const SparseVector& b) {
  auto x = *NormalizeSparse(a), y = *NormalizeSparse(b);
  float s = 0;
  size_t i = 0, j = 0;
  while (i < x.size() && j < y.size()) {
    if (x[i].first < y[j].first) {
      ++i;
    } else if (y[j].first < x[i].first) {
      ++j;
    } else {
      s += y[j].second * x[i].second;
      ++i, ++j;
    }
  }
  return s;
}

TEST(SparseIndexTest, TopKMatchesBruteForce) {
  for (int seed = 0; seed < 20; ++seed) {
    std::mt19937 rng(seed);
    const int dims = 50 + static_cast<int>(rng() % 30000);
    const uint32_t n = 10 + rng() % 2000;
    std::vector<SparseVector> docs(n);
    SparseIndexBuilder b;
    for (uint32_t r = 0; r < n; ++r) {
      if (rng() % 8 == 0) continue;
      docs[r] = RandomSparse(rng, dims, 1 + static_cast<int>(rng() % 100));
      ASSERT_TRUE(b.Add(r, docs[r]).ok());
    }
    const std::string bytes = b.Finish(n);
    auto reader = SparseIndexReader::Open(bytes);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    Bitset allowed(n);
    for (uint32_t i = 0; i < n; ++i)
      if (rng() % 2) allowed.Set(i);
    for (int qi = 0; qi < 10; ++qi) {
      const SparseVector q = RandomSparse(rng, dims, 1 + static_cast<int>(rng() % 40));
      for (const Bitset* al : std::array<const Bitset*, 2>{nullptr, &allowed}) {
        const size_t k = 1 + rng() % 30;
        std::vector<ScoredRow> want;
        for (uint32_t r = 0; r < n; ++r) {
          if (al && !al->Test(r)) continue;
          bool overlap = false;
          for (uint32_t d : q.indices)
            overlap |= std::find(docs[r].indices.begin(), docs[r].indices.end(), d) !=
                       docs[r].indices.end();
          if (overlap) want.push_back({r, Dot(docs[r], q)});
        }
        std::sort(want.begin(), want.end(), [](const ScoredRow& a, const ScoredRow& b) {
          return a.score > b.score || (a.score == b.score && a.row < b.row);
        });
        if (want.size() > k) want.resize(k);
        auto got = reader->Search(q, k, al);
        ASSERT_TRUE(got.ok());
        ASSERT_EQ(*got, want) << "seed " << seed;
      }
    }
  }
}

TEST(SparseIndexTest, RejectsBadVectors) {
  SparseIndexBuilder b;
  EXPECT_EQ(b.Add(0, SparseVector{{1, 2}, {1.0f}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Add(0, SparseVector{{1, 1}, {1.0f, 2.0f}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Add(0, SparseVector{{1}, {NAN}}).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(b.Add(3, SparseVector{{1}, {1.0f}}).ok());
  EXPECT_EQ(b.Add(3, SparseVector{{1}, {1.0f}}).code(), StatusCode::kInvalidArgument);
}

TEST(SparseIndexTest, CorruptionNeverCrashes) {
  std::mt19937 rng(5);
  SparseIndexBuilder b;
  for (uint32_t r = 0; r < 300; ++r) ASSERT_TRUE(b.Add(r, RandomSparse(rng, 500, 20)).ok());
  const std::string good = b.Finish();
  const SparseVector q = RandomSparse(rng, 500, 50);
  for (size_t len = 0; len < good.size(); len += 1 + len / 40) {
    EXPECT_FALSE(SparseIndexReader::Open(std::string_view(good.data(), len)).ok());
  }
  for (int t = 0; t < 2000; ++t) {
    std::string bad = good;
    for (int f = 0; f < 3; ++f) bad[rng() % bad.size()] = static_cast<char>(rng());
    auto r = SparseIndexReader::Open(bad);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
      continue;
    }
    auto s = r->Search(q, 10);
    if (!s.ok()) {
      EXPECT_EQ(s.status().code(), StatusCode::kCorruption);
    }
  }
}

}  // namespace
}  // namespace ragdb::text
