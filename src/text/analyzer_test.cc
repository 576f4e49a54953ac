#include "text/analyzer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/utf8.h"
#include "text/query.h"

namespace ragdb::text {
namespace {

std::vector<std::string> Terms(Analyzer& a, std::string_view text) {
  auto r = a.Analyze(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> out;
  if (r.ok())
    for (const Token& t : *r) out.push_back(t.term);
  return out;
}

std::unique_ptr<Analyzer> Make(AnalyzerConfig c = {}) {
  auto r = MakeAnalyzer(c);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

TEST(AnalyzerTest, EnglishStemmingAndLowercase) {
  auto a = Make();
  EXPECT_EQ(Terms(*a, "Running runs RAN"), (std::vector<std::string>{"run", "run", "ran"}));
  EXPECT_EQ(Terms(*a, "The cats' owner's houses."),
            (std::vector<std::string>{"the", "cat", "owner", "hous"}));
}

TEST(AnalyzerTest, NoStemmingAndStopWords) {
  AnalyzerConfig c;
  c.stemmer = "none";
  c.stopwords = "lucene";
  auto a = Make(c);
  EXPECT_EQ(Terms(*a, "The running of the bulls"), (std::vector<std::string>{"running", "bulls"}));
  auto r = a->Analyze("the running");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].position, 1u);  // the stop word kept its position
}

TEST(AnalyzerTest, PorterMatchesLucenePorter) {
  auto a = Make(AnseriniLikeConfig());
  EXPECT_EQ(Terms(*a, "generalizations of the relational databases"),
            (std::vector<std::string>{"gener", "relat", "databas"}));
}

TEST(AnalyzerTest, NfkcAndCaseFolding) {
  AnalyzerConfig c;
  c.stemmer = "none";
  auto a = Make(c);
  // Full-width letters and the "fi" ligature fold to ASCII; German sharp s case-folds to "ss".
  EXPECT_EQ(Terms(*a, "ＡＢＣ ﬁle STRASSE straße"),
            (std::vector<std::string>{"abc", "file", "strasse", "strasse"}));
}

TEST(AnalyzerTest, ChineseSegmentation) {
  auto a = Make();
  const auto t = Terms(*a, "我们在北京大学学习");
  ASSERT_FALSE(t.empty());
  EXPECT_NE(std::find(t.begin(), t.end(), "我们"), t.end());
  EXPECT_NE(std::find(t.begin(), t.end(), "学习"), t.end());
  // Dictionary segmentation yields multi-character words, not one token per character.
  EXPECT_LT(t.size(), 9u);
  const bool has_beijing = std::any_of(
      t.begin(), t.end(), [](const std::string& s) { return s.find("北京") != std::string::npos; });
  EXPECT_TRUE(has_beijing);
}

TEST(AnalyzerTest, MixedChineseEnglish) {
  auto a = Make();
  const auto t = Terms(*a, "我喜欢Running和Databases，版本2.0");
  EXPECT_NE(std::find(t.begin(), t.end(), "run"), t.end());
  EXPECT_NE(std::find(t.begin(), t.end(), "databas"), t.end());
  EXPECT_NE(std::find(t.begin(), t.end(), "喜欢"), t.end());
  EXPECT_NE(std::find(t.begin(), t.end(), "2.0"), t.end());
}

TEST(AnalyzerTest, EmojiDropped) {
  auto a = Make();
  EXPECT_EQ(Terms(*a, "I ❤️ pizza 🍕🍕 👨‍👩‍👧 yes"),
            (std::vector<std::string>{"i", "pizza", "yes"}));
  EXPECT_TRUE(Terms(*a, "🍕").empty());
  EXPECT_TRUE(Terms(*a, "").empty());
}

TEST(AnalyzerTest, InvalidUtf8Rejected) {
  for (const char* name : {"standard", "whitespace", "keyword", "ngram"}) {
    AnalyzerConfig c;
    c.name = name;
    auto a = Make(c);
    for (std::string bad : {std::string("abc\xff"), std::string("\xc3"),
                            std::string("\xed\xa0\x80"), std::string("\xc0\xaf")}) {
      auto r = a->Analyze(bad);
      ASSERT_FALSE(r.ok()) << name;
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(r.status().message().find("UTF-8"), std::string::npos);
    }
  }
}

TEST(AnalyzerTest, OtherAnalyzers) {
  AnalyzerConfig c;
  c.name = "whitespace";
  EXPECT_EQ(Terms(*Make(c), " Hello\tWorld\u3000x "),
            (std::vector<std::string>{"Hello", "World", "x"}));
  c.name = "keyword";
  EXPECT_EQ(Terms(*Make(c), "Some Tag"), (std::vector<std::string>{"Some Tag"}));
  c.name = "ngram";
  EXPECT_EQ(Terms(*Make(c), "北京大"), (std::vector<std::string>{"北京", "北京大", "京大"}));
  EXPECT_EQ(Terms(*Make(c), "a, Bc"), (std::vector<std::string>{"a", "bc"}));
  c.name = "nope";
  EXPECT_EQ(MakeAnalyzer(c).status().code(), StatusCode::kInvalidArgument);
  c = {};
  c.stemmer = "klingon";
  EXPECT_EQ(MakeAnalyzer(c).status().code(), StatusCode::kInvalidArgument);
}

TEST(QueryTest, ParsesPhrasesAndWeights) {
  auto a = Make();
  auto q = ParseTextQuery(*a, "cats \"running fast\" cat \"unbalanced");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->phrases.size(), 1u);
  EXPECT_EQ(q->phrases[0].terms, (std::vector<std::string>{"run", "fast"}));
  EXPECT_EQ(q->phrases[0].offsets, (std::vector<uint32_t>{0, 1}));
  ASSERT_EQ(q->terms.size(), 2u);
  EXPECT_EQ(q->terms[0].term, "cat");
  EXPECT_EQ(q->terms[0].weight, 2.0f);
  EXPECT_EQ(q->terms[1].term, "unbalanc");
}

TEST(Utf8Test, Validate) {
  EXPECT_TRUE(ValidateUtf8("héllo 北京 🍕").ok());
  EXPECT_FALSE(ValidateUtf8("\xf4\x90\x80\x80").ok());  // > U+10FFFF
}

}  // namespace
}  // namespace ragdb::text
