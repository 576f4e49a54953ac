#include "text/bm25.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <random>

#include "text/test_util.h"

namespace ragdb::text {
namespace {

std::unique_ptr<Analyzer> Standard() { return std::move(MakeAnalyzer({})).value(); }

struct Index {
  std::string bytes;
  InvertedIndexReader reader;
};

Index Build(Analyzer& a, const std::vector<std::string>& docs) {
  InvertedIndexBuilder b;
  for (uint32_t i = 0; i < docs.size(); ++i) {
    auto toks = a.Analyze(docs[i]);
    EXPECT_TRUE(toks.ok());
    EXPECT_TRUE(b.Add(i, *toks).ok());
  }
  Index idx;
  idx.bytes = b.Finish();
  idx.reader = std::move(InvertedIndexReader::Open(idx.bytes)).value();
  return idx;
}

std::vector<ScoredRow> Search(const Index& idx, const TextQuery& q, size_t k = 10,
                              const Bitset* allowed = nullptr, Bm25Params p = {}) {
  CollectionStats stats;
  const auto terms = q.AllTerms();
  stats.Add(idx.reader, terms);
  TextSearchOptions o;
  o.k = k;
  o.allowed = allowed;
  o.bm25 = p;
  auto fast = SearchText(idx.reader, q, stats, o);
  auto slow = SearchTextExhaustive(idx.reader, q, stats, o);
  EXPECT_TRUE(fast.ok() && slow.ok());
  EXPECT_EQ(*fast, *slow);
  return *fast;
}

TEST(Bm25Test, HandComputedScores) {
  AnalyzerConfig c;
  c.stemmer = "none";
  auto a = std::move(MakeAnalyzer(c)).value();
  // lengths 4, 2, 3: avgdl = 3. "apple": df 2, N 3.
  Index idx = Build(*a, {"apple banana apple cherry", "banana cherry", "apple date elder"});
  auto q = std::move(ParseTextQuery(*a, "apple")).value();
  auto hits = Search(idx, q);
  ASSERT_EQ(hits.size(), 2u);
  const double idf = std::log(1 + (3 - 2 + 0.5) / (2 + 0.5));
  auto bm25 = [&](double tf, double dl) {
    return idf * tf / (tf + 1.2 * (1 - 0.75 + 0.75 * dl / 3.0));
  };
  EXPECT_EQ(hits[0].row, 0u);
  EXPECT_NEAR(hits[0].score, bm25(2, 4), 1e-5);
  EXPECT_NEAR(hits[0].score, 0.2685735, 1e-5);  // ln(1.6) * 2 / (2 + 1.5)
  EXPECT_EQ(hits[1].row, 2u);
  EXPECT_NEAR(hits[1].score, bm25(1, 3), 1e-5);
  // Two terms add up; k1/b are honoured.
  auto q2 = std::move(ParseTextQuery(*a, "apple date")).value();
  Bm25Params p{0.9f, 0.4f};
  auto h2 = Search(idx, q2, 10, nullptr, p);
  const double idf_date = std::log(1 + (3 - 1 + 0.5) / (1 + 0.5));
  const double norm = 0.9 * (1 - 0.4 + 0.4 * 3 / 3.0);
  ASSERT_EQ(h2[0].row, 2u);
  EXPECT_NEAR(h2[0].score, (idf + idf_date) * 1 / (1 + norm), 1e-5);
}

TEST(Bm25Test, AndPhraseAndAllowed) {
  auto a = Standard();
  Index idx = Build(*a, {"the quick brown fox", "brown quick fox jumps", "quick foxes are brown",
                         "a lazy dog", "quick brown quick brown fox"});
  auto all = std::move(ParseTextQuery(*a, "quick brown fox", MatchMode::kAll)).value();
  auto hits = Search(idx, all);
  EXPECT_EQ(hits.size(), 4u);  // "foxes" stems to "fox"
  auto phrase = std::move(ParseTextQuery(*a, "\"quick brown\"")).value();
  hits = Search(idx, phrase);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].row, 4u);  // two occurrences beat one
  EXPECT_EQ(hits[1].row, 0u);
  auto phrase2 = std::move(ParseTextQuery(*a, "\"brown quick fox\"")).value();
  hits = Search(idx, phrase2);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].row, 1u);
  Bitset allowed(5, true);
  allowed.Reset(4);
  hits = Search(idx, phrase, 10, &allowed);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].row, 0u);
  auto none = std::move(ParseTextQuery(*a, "quick zebra", MatchMode::kAll)).value();
  EXPECT_TRUE(Search(idx, none).empty());
  auto any = std::move(ParseTextQuery(*a, "quick zebra")).value();
  EXPECT_EQ(Search(idx, any).size(), 4u);
}

TEST(Bm25Test, ChineseWordRanksAboveScatteredCharacters) {
  auto a = Standard();
  Index idx = Build(*a, {"北方的京城很大", "我住在北京，北京很美", "今天天气很好",
                         "北京是中国的首都", "京城以北方"});
  auto q = std::move(ParseTextQuery(*a, "北京")).value();
  auto hits = Search(idx, q);
  ASSERT_GE(hits.size(), 2u);
  EXPECT_EQ(hits[0].row, 1u);
  EXPECT_EQ(hits[1].row, 3u);
  for (size_t i = 2; i < hits.size(); ++i) EXPECT_LT(hits[i].score, hits[1].score);
  auto mixed = std::move(ParseTextQuery(*a, "北京 running")).value();
  Index idx2 = Build(*a, {"I was running in 北京", "running shoes", "北京烤鸭"});
  hits = Search(idx2, mixed);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].row, 0u);
}

// WAND and the conjunction must return exactly the exhaustive top-k on random corpora.
TEST(Bm25Test, WandEqualsExhaustiveOnRandomCorpora) {
  for (int seed = 0; seed < 60; ++seed) {
    std::mt19937 rng(seed);
    const int vocab = 20 + static_cast<int>(rng() % 400);
    const uint32_t n = 50 + rng() % 3000;
    InvertedIndexBuilder b;
    for (uint32_t row = 0; row < n; ++row) {
      if (rng() % 10 == 0) continue;  // rows without text
      ASSERT_TRUE(
          b.Add(row, testing::RandomDoc(rng, vocab, 1 + static_cast<int>(rng() % 80))).ok());
    }
    const std::string bytes = b.Finish(n);
    auto reader = std::move(InvertedIndexReader::Open(bytes)).value();
    Bitset allowed(n);
    for (uint32_t i = 0; i < n; ++i)
      if (rng() % 3 != 0) allowed.Set(i);
    for (int qi = 0; qi < 20; ++qi) {
      TextQuery q;
      q.mode = qi % 4 == 3 ? MatchMode::kAll : MatchMode::kAny;
      const int nt = 1 + static_cast<int>(rng() % (q.mode == MatchMode::kAll ? 3 : 8));
      for (int t = 0; t < nt; ++t) {
        const std::string term = "t" + std::to_string(rng() % (vocab + 5));
        bool dup = false;
        for (auto& x : q.terms) dup |= x.term == term;
        if (!dup) q.terms.push_back({term, static_cast<float>(1 + rng() % 2)});
      }
      if (qi % 5 == 4) q.phrases.push_back(Phrase{{"t0", "t1"}, {0, 1}});
      CollectionStats stats;
      stats.Add(reader, q.AllTerms());
      stats.doc_count += 1000;  // as if other segments existed
      stats.total_tokens += 30000;
      for (auto& [t, df] : stats.doc_freq) df += rng() % 50;
      for (const Bitset* al : std::array<const Bitset*, 2>{nullptr, &allowed}) {
        TextSearchOptions o;
        o.k = 1 + rng() % 50;
        o.allowed = al;
        o.bm25 = {0.5f + static_cast<float>(rng() % 10) / 10, static_cast<float>(rng() % 11) / 10};
        auto slow = SearchTextExhaustive(reader, q, stats, o);
        ASSERT_TRUE(slow.ok());
        for (OrStrategy st : {OrStrategy::kWand, OrStrategy::kTermAtATime, OrStrategy::kAuto}) {
          o.or_strategy = st;
          auto fast = SearchText(reader, q, stats, o);
          ASSERT_TRUE(fast.ok());
          ASSERT_EQ(*fast, *slow) << "seed " << seed << " query " << qi << " strategy "
                                  << static_cast<int>(st);
        }
      }
    }
  }
}

TEST(Bm25Test, ScoresIndependentOfSegmentation) {
  auto a = Standard();
  std::vector<std::string> docs;
  std::mt19937 rng(3);
  const char* words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"};
  for (int i = 0; i < 300; ++i) {
    std::string d;
    for (int j = 0; j < 3 + static_cast<int>(rng() % 20); ++j)
      d += std::string(words[rng() % 8]) + " ";
    docs.push_back(d);
  }
  Index whole = Build(*a, docs);
  Index first = Build(*a, std::vector<std::string>(docs.begin(), docs.begin() + 120));
  Index second = Build(*a, std::vector<std::string>(docs.begin() + 120, docs.end()));
  auto q = std::move(ParseTextQuery(*a, "alpha theta zeta")).value();
  CollectionStats one, two;
  one.Add(whole.reader, q.AllTerms());
  two.Add(first.reader, q.AllTerms());
  two.Add(second.reader, q.AllTerms());
  TextSearchOptions o;
  o.k = 300;
  auto h = *SearchText(whole.reader, q, one, o);
  auto h1 = *SearchText(first.reader, q, two, o);
  auto h2 = *SearchText(second.reader, q, two, o);
  std::vector<float> got(300, -1), want(300, -1);
  for (auto& x : h) want[x.row] = x.score;
  for (auto& x : h1) got[x.row] = x.score;
  for (auto& x : h2) got[x.row + 120] = x.score;
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace ragdb::text
