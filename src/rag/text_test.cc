// Sentence splitting, token counting, cleaning and the PDF page heuristics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rag/document_builder.h"
#include "rag/parse/pdf_layout.h"
#include "rag/text_clean.h"
#include "rag/text_split.h"
#include "rag/token_counter.h"

namespace ragdb::rag {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Sentences(std::string_view text) {
  std::vector<std::string> out;
  for (const TextRange& r : SplitSentences(text)) {
    out.emplace_back(text.substr(r.begin, r.end - r.begin));
  }
  return out;
}

TEST(SentenceTest, LatinWithAbbreviationsAndDecimals) {
  EXPECT_THAT(Sentences("Use a tool, e.g. a hammer. It costs 3.50 euros! Really? Yes."),
              ElementsAre("Use a tool, e.g. a hammer.", "It costs 3.50 euros!", "Really?", "Yes."));
  EXPECT_THAT(Sentences("Dr. Smith met J. R. Tolkien. See Fig. 3 for details. The end"),
              ElementsAre("Dr. Smith met J. R. Tolkien.", "See Fig. 3 for details.", "The end"));
  EXPECT_THAT(Sentences("He said \"stop.\" Then left... Later (maybe.) Done."),
              ElementsAre("He said \"stop.\"", "Then left...", "Later (maybe.)", "Done."));
  EXPECT_THAT(Sentences("version 1.2.3 is out"), ElementsAre("version 1.2.3 is out"));
}

TEST(SentenceTest, Chinese) {
  EXPECT_THAT(Sentences("今天天气很好。你去哪里？我去公园！「好的。」然后"),
              ElementsAre("今天天气很好。", "你去哪里？", "我去公园！", "「好的。」", "然后"));
  EXPECT_THAT(Sentences("混合 text。Next sentence. 最后"),
              ElementsAre("混合 text。", "Next sentence.", "最后"));
}

TEST(TokenCounterTest, WordsAndCjk) {
  const auto& c = ApproxTokenCounter::Default();
  EXPECT_EQ(c.Count(""), 0u);
  EXPECT_EQ(c.Count("  hello   world \n"), 2u);
  EXPECT_EQ(c.Count("人工智能"), 4u);
  EXPECT_EQ(c.Count("AI 人工 ok"), 4u);
  EXPECT_EQ(c.Count(std::string(16, 'a')), 1u);
  EXPECT_EQ(c.Count(std::string(17, 'a')), 2u);
  EXPECT_EQ(c.Count(std::string(160, 'a')), 10u);
}

TEST(SplitWordsTest, CutsOversizedWords) {
  const auto& c = ApproxTokenCounter::Default();
  std::string text = "short " + std::string(1000, 'z') + " tail";
  auto words = SplitWords(text, c, 10);
  ASSERT_GE(words.size(), 4u);
  for (const auto& w : words) {
    EXPECT_LE(c.Count(std::string_view(text).substr(w.begin, w.end - w.begin)), 10u);
  }
  EXPECT_EQ(words.front().end, 5u);
}

TEST(CleanTest, Utf8AndWhitespace) {
  EXPECT_EQ(FindInvalidUtf8("plain ascii"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ok \xE4\xBD\xA0 \xF0\x9F\x98\x80"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ab\x80"), 2u);
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("x\xE4\xBD"), 1u);         // truncated
  EXPECT_EQ(CollapseWhitespace(" a\t\n b\x01 \xE2\x80\x83 c "), "a b c");
  EXPECT_EQ(NormalizeNfc("A\xCC\x8A"), "\xC3\x85");  // A + ring above -> Å
  EXPECT_EQ(CleanLines("x  \r\ny\rz\n\n"), "x\ny\nz");
}

TEST(PdfLayoutTest, AlignedColumnsAreATableJustifiedProseIsNot) {
  DocumentBuilder b(Format::kPdf);
  b.set_page(4);
  AddPdfPageText(
      "Results of the study were good and the team was happy about them\n"
      "with the final numbers.\n"
      "\n"
      "Name      Score     Rank\n"
      "Alice     91        1\n"
      "Bob       85        2\n"
      "\n"
      "The text of a justified  paragraph can  have wide gaps\n"
      "between  words that  never line  up from one line\n"
      "to the next  one in the  way a  table does, and an exam-\n"
      "ple of a hyphenated word.\n",
      &b);
  ParsedDocument doc = std::move(b).Finish();
  ASSERT_EQ(doc.blocks.size(), 3u);
  EXPECT_EQ(doc.blocks[0].kind, BlockKind::kParagraph);
  EXPECT_EQ(doc.blocks[1].kind, BlockKind::kTable);
  EXPECT_EQ(doc.blocks[1].text,
            "| Name | Score | Rank |\n| --- | --- | --- |\n| Alice | 91 | 1 |\n"
            "| Bob | 85 | 2 |");
  EXPECT_EQ(doc.blocks[2].kind, BlockKind::kParagraph);
  EXPECT_THAT(doc.blocks[2].text, ::testing::HasSubstr("an example of"));
  EXPECT_EQ(doc.blocks[2].page, 4);
}

}  // namespace
}  // namespace ragdb::rag
