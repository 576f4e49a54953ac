#include "rag/chunker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "rag/document_builder.h"
#include "rag/parse/parse.h"
#include "rag/test_util.h"

namespace ragdb::rag {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "Sentence <i> of <tag> has some filler words here." — 9 tokens per sentence.
std::string Sentences(const std::string& tag, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += "Sentence " + std::to_string(i) + " of " + tag + " has some filler words here.";
  }
  return s;
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\t'; }

// The invariants every chunking must keep.
void ExpectValidChunks(const ParsedDocument& doc, const std::vector<Chunk>& chunks, size_t budget) {
  std::vector<bool> covered(doc.plain_text.size(), false);
  size_t prev_start = 0;
  for (const Chunk& c : chunks) {
    ASSERT_LT(c.start, c.end);
    ASSERT_LE(c.end, doc.plain_text.size());
    // Table pieces after the first repeat the header in front of their slice.
    EXPECT_EQ(doc.plain_text.substr(c.start, c.end - c.start), c.text.substr(c.header_bytes));
    EXPECT_LE(c.token_count, budget) << c.text;
    EXPECT_EQ(c.token_count, ApproxTokenCounter::Default().Count(c.text));
    EXPECT_FALSE(IsSpace(c.text.front()));
    EXPECT_FALSE(IsSpace(c.text.back()));
    EXPECT_GE(c.start, prev_start);  // in document order
    prev_start = c.start;
    for (size_t i = c.start; i < c.end; ++i) covered[i] = true;
  }
  for (size_t i = 0; i < covered.size(); ++i) {
    if (!IsSpace(doc.plain_text[i])) {
      ASSERT_TRUE(covered[i]) << "byte " << i << " not in a chunk";
    }
  }
}

ParsedDocument SampleDoc() {
  DocumentBuilder b(Format::kMarkdown);
  b.AddParagraph("Preamble before any heading.");
  b.AddHeading(1, "Install");
  b.AddParagraph(Sentences("intro", 3));
  b.AddHeading(2, "Linux");
  b.AddParagraph(Sentences("linux", 30));
  b.AddTable({{"a", "b"}, {"1", "2"}, {"3", "4"}});
  b.AddHeading(2, "Mac");
  b.AddParagraph(Sentences("mac", 2));
  b.AddCode("brew install ragdb\nragdb --help", "sh");
  b.AddHeading(1, "Usage");
  b.AddParagraph(Sentences("usage", 4));
  return std::move(b).Finish();
}

TEST(ChunkerTest, OffsetsBudgetAndCoverage) {
  ParsedDocument doc = SampleDoc();
  ChunkOptions opts{.size_tokens = 60, .overlap_tokens = 10};
  auto set = ChunkDocument(doc, opts);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_GT(set->chunks.size(), 5u);
  ExpectValidChunks(doc, set->chunks, 60);
  EXPECT_TRUE(set->parents.empty());
  for (const Chunk& c : set->chunks) EXPECT_EQ(c.parent, -1);
}

TEST(ChunkerTest, HeadingPaths) {
  ParsedDocument doc = SampleDoc();
  auto set = ChunkDocument(doc, {.size_tokens = 60, .overlap_tokens = 10});
  ASSERT_TRUE(set.ok());
  for (const Chunk& c : set->chunks) {
    if (c.text.find("of linux") != std::string::npos) {
      EXPECT_THAT(c.heading_path, ElementsAre("Install", "Linux")) << c.text;
    }
    if (c.text.find("of usage") != std::string::npos) {
      EXPECT_THAT(c.heading_path, ElementsAre("Usage"));
    }
    if (c.text.find("Preamble") != std::string::npos) {
      EXPECT_TRUE(c.heading_path.empty());
    }
  }
  // A small section with subsections stays in one chunk under the section's own path, except
  // for its table, which is a chunk of its own.
  auto whole = ChunkDocument(doc, {.size_tokens = 2000, .overlap_tokens = 0});
  ASSERT_TRUE(whole.ok());
  ASSERT_EQ(whole->chunks.size(), 3u);
  EXPECT_TRUE(whole->chunks[0].heading_path.empty());
  EXPECT_TRUE(whole->chunks[1].table);
  EXPECT_THAT(whole->chunks[1].heading_path, ElementsAre("Install", "Linux"));
  EXPECT_EQ(whole->chunks[0].text + "\n\n" + whole->chunks[1].text + "\n\n" + whole->chunks[2].text,
            doc.plain_text);
}

TEST(ChunkerTest, OverlapBetweenConsecutiveChunksOfASection) {
  DocumentBuilder b(Format::kText);
  b.AddParagraph(Sentences("long", 40));  // 360 tokens
  ParsedDocument doc = std::move(b).Finish();
  auto set = ChunkDocument(doc, {.size_tokens = 50, .overlap_tokens = 20});
  ASSERT_TRUE(set.ok());
  ExpectValidChunks(doc, set->chunks, 50);
  ASSERT_GT(set->chunks.size(), 5u);
  for (size_t i = 1; i < set->chunks.size(); ++i) {
    const Chunk& a = set->chunks[i - 1];
    const Chunk& c = set->chunks[i];
    ASSERT_LT(c.start, a.end) << "no overlap at chunk " << i;
    std::string shared = doc.plain_text.substr(c.start, a.end - c.start);
    EXPECT_LE(ApproxTokenCounter::Default().Count(shared), 20u);
    EXPECT_EQ(shared.back(), '.');  // overlap is whole sentences
    EXPECT_GT(c.end, a.end);        // and every chunk brings new text
  }
  // Without overlap, chunks tile the text.
  auto plain = ChunkDocument(doc, {.size_tokens = 50, .overlap_tokens = 0});
  ASSERT_TRUE(plain.ok());
  for (size_t i = 1; i < plain->chunks.size(); ++i) {
    EXPECT_GT(plain->chunks[i].start, plain->chunks[i - 1].end);
  }
}

TEST(ChunkerTest, TablesAndCodeStayWholeWhenTheyFit) {
  DocumentBuilder b(Format::kMarkdown);
  b.AddParagraph(Sentences("before", 4));
  std::vector<std::vector<std::string>> rows = {{"name", "value"}};
  for (int i = 0; i < 5; ++i) rows.push_back({"row" + std::to_string(i), std::to_string(i)});
  b.AddTable(rows);
  b.AddCode("int main() {\n  return 0;\n}", "cpp");
  b.AddParagraph(Sentences("after", 4));
  ParsedDocument doc = std::move(b).Finish();
  auto set = ChunkDocument(doc, {.size_tokens = 45, .overlap_tokens = 5});
  ASSERT_TRUE(set.ok());
  ExpectValidChunks(doc, set->chunks, 45);
  const Block& table = doc.blocks[1];
  const Block& code = doc.blocks[2];
  int whole_table = 0, whole_code = 0;
  for (const Chunk& c : set->chunks) {
    whole_table += c.start <= table.start && c.end >= table.end;
    whole_code += c.start <= code.start && c.end >= code.end;
    // No chunk cuts into the table or the code.
    for (const Block* blk : {&table, &code}) {
      bool cuts =
          (c.start > blk->start && c.start < blk->end) || (c.end > blk->start && c.end < blk->end);
      EXPECT_FALSE(cuts) << c.text;
    }
  }
  EXPECT_GE(whole_table, 1);
  EXPECT_GE(whole_code, 1);
}

TEST(ChunkerTest, OversizedTableSplitsByRows) {
  DocumentBuilder b(Format::kCsv);
  std::vector<std::vector<std::string>> rows = {{"id", "text"}};
  for (int i = 0; i < 100; ++i) rows.push_back({std::to_string(i), "some cell words"});
  b.AddTable(rows);
  ParsedDocument doc = std::move(b).Finish();
  auto set = ChunkDocument(doc, {.size_tokens = 40, .overlap_tokens = 0});
  ASSERT_TRUE(set.ok());
  ExpectValidChunks(doc, set->chunks, 40);
  ASSERT_GT(set->chunks.size(), 3u);
  int next_row = 1;
  for (const Chunk& c : set->chunks) {
    EXPECT_EQ(c.text.front(), '|');
    EXPECT_EQ(c.text.back(), '|');
    // Every piece starts with the header, and the rows follow on from the previous piece.
    EXPECT_EQ(c.text.rfind("| id | text |\n| --- | --- |\n", 0), 0u) << c.text;
    EXPECT_TRUE(c.table);
    EXPECT_EQ(c.first_table_row, next_row);
    EXPECT_GE(c.last_table_row, c.first_table_row);
    EXPECT_NE(c.text.find("| " + std::to_string(c.first_table_row - 1) + " |"), std::string::npos);
    next_row = c.last_table_row + 1;
  }
  EXPECT_EQ(next_row, 101);
  EXPECT_EQ(set->chunks[0].header_bytes, 0u);
  EXPECT_GT(set->chunks[1].header_bytes, 0u);
}

TEST(ChunkerTest, TablesAreChunksOfTheirOwn) {
  DocumentBuilder b(Format::kHtml);
  b.AddHeading(1, "Report");
  b.AddParagraph("Revenue grew in every region this year.");
  b.AddHeading(2, "By region");
  b.AddTable({{"Region", "Q3"}, {"East", "4,210"}, {"West", "3,100"}});
  b.AddParagraph("The West region was flat.");
  ParsedDocument doc = std::move(b).Finish();
  auto set = ChunkDocument(doc, {.size_tokens = 400, .overlap_tokens = 60});
  ASSERT_TRUE(set.ok());
  ExpectValidChunks(doc, set->chunks, 400);
  int tables = 0;
  for (const Chunk& c : set->chunks) {
    if (!c.table) {
      EXPECT_EQ(c.text.find("| East"), std::string::npos) << c.text;
      continue;
    }
    ++tables;
    // The table comes with the heading right above it, and nothing else.
    EXPECT_EQ(c.text.rfind("By region\n\n| Region | Q3 |", 0), 0u) << c.text;
    EXPECT_EQ(c.text.find("flat"), std::string::npos);
    EXPECT_EQ(c.first_table_row, 1);
    EXPECT_EQ(c.last_table_row, 2);
  }
  EXPECT_EQ(tables, 1);
}

TEST(ChunkerTest, WordsAndCharactersAsLastResort) {
  DocumentBuilder b(Format::kText);
  std::string run_on;
  for (int i = 0; i < 500; ++i) run_on += "word" + std::to_string(i) + " ";
  b.AddParagraph(run_on);                  // one 500-token "sentence"
  b.AddParagraph(std::string(5000, 'x'));  // one 313-token "word"
  std::string han;
  for (int i = 0; i < 300; ++i) han += "\xE5\xAD\x97";  // 字 x300, no punctuation
  b.AddParagraph(han);
  ParsedDocument doc = std::move(b).Finish();
  auto set = ChunkDocument(doc, {.size_tokens = 64, .overlap_tokens = 8});
  ASSERT_TRUE(set.ok());
  ExpectValidChunks(doc, set->chunks, 64);
  EXPECT_GT(set->chunks.size(), 15u);
}

TEST(ChunkerTest, EmptySectionHeadingOpensFirstSubsection) {
  DocumentBuilder b(Format::kMarkdown);
  b.AddHeading(1, "Guide");
  b.AddHeading(2, "Part A");
  b.AddParagraph(Sentences("a", 8));
  b.AddHeading(2, "Part B");
  b.AddParagraph(Sentences("b", 8));
  ParsedDocument doc = std::move(b).Finish();
  auto set = ChunkDocument(doc, {.size_tokens = 80, .overlap_tokens = 0});
  ASSERT_TRUE(set.ok());
  ExpectValidChunks(doc, set->chunks, 80);
  ASSERT_EQ(set->chunks.size(), 2u);
  EXPECT_THAT(set->chunks[0].text, ::testing::StartsWith("Guide\n\nPart A\n\nSentence 0"));
  EXPECT_THAT(set->chunks[0].heading_path, ElementsAre("Guide", "Part A"));
  EXPECT_THAT(set->chunks[1].heading_path, ElementsAre("Guide", "Part B"));
}

TEST(ChunkerTest, ParentChildLinks) {
  ParsedDocument doc = SampleDoc();
  ChunkOptions opts{.size_tokens = 40,
                    .overlap_tokens = 6,
                    .mode = ChunkMode::kParentChild,
                    .parent_size_tokens = 120};
  auto set = ChunkDocument(doc, opts);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_GT(set->parents.size(), 1u);
  ExpectValidChunks(doc, set->chunks, 40);
  ExpectValidChunks(doc, set->parents, 120);
  std::vector<int> children(set->parents.size(), 0);
  for (const Chunk& c : set->chunks) {
    ASSERT_GE(c.parent, 0);
    ASSERT_LT(c.parent, static_cast<int>(set->parents.size()));
    const Chunk& p = set->parents[c.parent];
    EXPECT_GE(c.start, p.start);
    EXPECT_LE(c.end, p.end);
    EXPECT_THAT(p.text, HasSubstr(c.text));
    ++children[c.parent];
  }
  for (int n : children) EXPECT_GE(n, 1);
  for (size_t i = 1; i < set->parents.size(); ++i) {
    EXPECT_GE(set->parents[i].start, set->parents[i - 1].end);  // parents do not overlap
  }
}

TEST(ChunkerTest, PluggableCounterAndValidation) {
  struct ByteCounter : TokenCounter {
    size_t Count(std::string_view t) const override { return t.size(); }
  } bytes;
  DocumentBuilder b(Format::kText);
  b.AddParagraph(Sentences("x", 10));
  ParsedDocument doc = std::move(b).Finish();
  auto set = ChunkDocument(doc, {.size_tokens = 100, .overlap_tokens = 0, .counter = &bytes});
  ASSERT_TRUE(set.ok());
  for (const Chunk& c : set->chunks) EXPECT_LE(c.text.size(), 100u);

  EXPECT_FALSE(ChunkDocument(doc, {.size_tokens = 0}).ok());
  EXPECT_FALSE(ChunkDocument(doc, {.size_tokens = 10, .overlap_tokens = 10}).ok());
  EXPECT_FALSE(ChunkDocument(doc, {.size_tokens = 100,
                                   .overlap_tokens = 10,
                                   .mode = ChunkMode::kParentChild,
                                   .parent_size_tokens = 50})
                   .ok());
  auto empty = ChunkDocument(ParsedDocument{}, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->chunks.empty());
}

TEST(ChunkerTest, FixturesChunkCleanly) {
  for (const char* name : {"report.pdf", "guide.docx", "page.html", "notes.md", "chinese.txt",
                           "data.csv", "records.json", "plain.txt"}) {
    auto doc = ParseFile(FixturePath(name));
    ASSERT_TRUE(doc.ok()) << name << ": " << doc.status().ToString();
    for (size_t size : {8u, 16u, 400u}) {
      auto set = ChunkDocument(*doc, {.size_tokens = size, .overlap_tokens = size / 4});
      ASSERT_TRUE(set.ok());
      ExpectValidChunks(*doc, set->chunks, size);
      for (const Chunk& c : set->chunks) EXPECT_EQ(c.source, doc->metadata.source);
    }
  }
}

}  // namespace
}  // namespace ragdb::rag
