#include "text/inverted_index.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>

#include "text/test_util.h"

namespace ragdb::text {
namespace {

struct Expected {
  std::map<std::string, std::map<uint32_t, std::vector<uint32_t>>> postings;  // term->row->pos
};

TEST(InvertedIndexTest, RoundTrip) {
  std::mt19937 rng(7);
  InvertedIndexBuilder b;
  Expected want;
  std::vector<uint32_t> lengths;
  uint32_t row = 0;
  for (int i = 0; i < 1500; ++i) {
    row += 1 + rng() % 3;  // gaps: rows without text
    auto doc = testing::RandomDoc(rng, 300, 1 + static_cast<int>(rng() % 60));
    ASSERT_TRUE(b.Add(row, doc).ok());
    for (const Token& t : doc) want.postings[t.term][row].push_back(t.position);
    lengths.resize(row + 1, 0);
    lengths[row] = static_cast<uint32_t>(doc.size());
  }
  const std::string bytes = b.Finish(row + 10);
  auto r = InvertedIndexReader::Open(bytes);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->Verify().ok());
  EXPECT_EQ(r->num_rows(), row + 10);
  EXPECT_EQ(r->doc_count(), 1500u);
  EXPECT_EQ(r->num_terms(), want.postings.size());
  for (uint32_t i = 0; i < lengths.size(); ++i) EXPECT_EQ(r->doc_length(i), lengths[i]);
  std::vector<uint32_t> pos;
  for (const auto& [term, rows] : want.postings) {
    const int64_t idx = r->FindTerm(term);
    ASSERT_GE(idx, 0) << term;
    EXPECT_EQ(r->doc_freq(static_cast<uint32_t>(idx)), rows.size());
    PostingCursor c = r->Cursor(static_cast<uint32_t>(idx));
    for (const auto& [d, positions] : rows) {
      ASSERT_EQ(c.doc(), d);
      EXPECT_EQ(c.tf(), positions.size());
      ASSERT_TRUE(c.Positions(&pos).ok());
      EXPECT_EQ(pos, positions);
      c.Next();
    }
    EXPECT_EQ(c.doc(), PostingCursor::kEnd);
    // Skipping lands on the first doc >= target.
    PostingCursor s = r->Cursor(static_cast<uint32_t>(idx));
    for (uint32_t target = 0; target < row + 5; target += 1 + rng() % 200) {
      s.Advance(target);
      auto it = rows.lower_bound(target);
      ASSERT_EQ(s.doc(), it == rows.end() ? PostingCursor::kEnd : it->first);
    }
    EXPECT_TRUE(s.status().ok());
  }
  EXPECT_EQ(r->FindTerm("missing"), -1);
  EXPECT_EQ(r->DocFreq("missing"), 0u);
}

TEST(InvertedIndexTest, RejectsOutOfOrderRows) {
  InvertedIndexBuilder b;
  std::vector<Token> t = {{"a", 0}};
  ASSERT_TRUE(b.Add(5, t).ok());
  EXPECT_EQ(b.Add(5, t).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Add(2, t).code(), StatusCode::kInvalidArgument);
}

TEST(InvertedIndexTest, EmptyIndex) {
  InvertedIndexBuilder b;
  auto r = InvertedIndexReader::Open(b.Finish());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->num_terms(), 0u);
  EXPECT_TRUE(r->Verify().ok());
}

// Decodes everything a search could touch; must never crash, only report errors.
Status Exercise(std::string_view bytes) {
  auto r = InvertedIndexReader::Open(bytes);
  if (!r.ok()) return r.status();
  return r->Verify();
}

TEST(InvertedIndexTest, CorruptionNeverCrashes) {
  std::mt19937 rng(11);
  InvertedIndexBuilder b;
  for (uint32_t row = 0; row < 700; ++row) {
    auto doc = testing::RandomDoc(rng, 100, 1 + static_cast<int>(rng() % 40));
    ASSERT_TRUE(b.Add(row, doc).ok());
  }
  const std::string good = b.Finish();
  ASSERT_TRUE(Exercise(good).ok());
  // Every truncation is detected.
  for (size_t len = 0; len < good.size(); len += 1 + len / 50) {
    EXPECT_FALSE(Exercise(std::string_view(good.data(), len)).ok()) << len;
  }
  // Random byte flips: OK or a Corruption status, never a crash.
  int detected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bad = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = static_cast<char>(rng());
    const Status s = Exercise(bad);
    if (!s.ok()) {
      EXPECT_EQ(s.code(), StatusCode::kCorruption);
      ++detected;
    }
  }
  EXPECT_GT(detected, 100);
  // Pure garbage.
  for (int trial = 0; trial < 200; ++trial) {
    std::string junk(rng() % 2000, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (junk.size() >= 8) std::memcpy(junk.data(), "RGDBTXT1", 8);
    EXPECT_FALSE(Exercise(junk).ok());
  }
}

}  // namespace
}  // namespace ragdb::text
