// Parsers on real files of each format (tests/fixtures/docs, see make_fixtures.py there).
#include "rag/parse/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "rag/chunker.h"
#include "rag/document_builder.h"
#include "rag/parse/xlsx_format.h"
#include "rag/test_util.h"

namespace ragdb::rag {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ParsedDocument MustParse(const std::string& name) {
  auto doc = ParseFile(FixturePath(name));
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  if (!doc.ok()) return {};
  ExpectBlocksMatchPlainText(*doc);
  return std::move(doc).value();
}

const Block* FindBlock(const ParsedDocument& doc, BlockKind kind, const std::string& needle) {
  for (const Block& b : doc.blocks) {
    if (b.kind == kind && b.text.find(needle) != std::string::npos) return &b;
  }
  return nullptr;
}

TEST(FormatTest, FromPath) {
  EXPECT_EQ(*FormatFromPath("a/b/Report.PDF"), Format::kPdf);
  EXPECT_EQ(*FormatFromPath("x.markdown"), Format::kMarkdown);
  EXPECT_EQ(*FormatFromPath("x.htm"), Format::kHtml);
  EXPECT_EQ(*FormatFromPath("x.ndjson"), Format::kJsonLines);
  EXPECT_EQ(FormatFromPath("x.exe").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FormatFromPath("dir.d/noext").status().code(), StatusCode::kInvalidArgument);
}

TEST(PdfTest, PagesFromOneAndTable) {
  ParsedDocument doc = MustParse("report.pdf");
  EXPECT_EQ(doc.metadata.format, Format::kPdf);
  EXPECT_EQ(doc.metadata.page_count, 3);
  EXPECT_EQ(doc.metadata.title, "Quarterly Report Q3");
  EXPECT_THAT(doc.metadata.source, HasSubstr("report.pdf"));
  const Block* intro = FindBlock(doc, BlockKind::kParagraph, "third quarter");
  ASSERT_NE(intro, nullptr);
  EXPECT_EQ(intro->page, 1);
  const Block* table = FindBlock(doc, BlockKind::kTable, "North");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->page, 2);
  EXPECT_THAT(table->text, HasSubstr("| Region | Revenue | Growth |"));
  EXPECT_THAT(table->text, HasSubstr("| West | 1430 | 6.0% |"));
  const Block* outlook = FindBlock(doc, BlockKind::kParagraph, "steady growth");
  ASSERT_NE(outlook, nullptr);
  EXPECT_EQ(outlook->page, 3);
  for (const Block& b : doc.blocks) {
    EXPECT_GE(b.page, 1);
    EXPECT_LE(b.page, 3);
  }
  // Chunks report the page of their first character.
  auto set = ChunkDocument(doc, {.size_tokens = 20, .overlap_tokens = 0});
  ASSERT_TRUE(set.ok());
  bool saw_page3 = false;
  for (const Chunk& c : set->chunks) {
    if (c.text.find("Hiring") != std::string::npos) saw_page3 = c.page == 3 || c.page == 2;
  }
  EXPECT_TRUE(saw_page3);
}

TEST(DocxTest, HeadingsListsTable) {
  ParsedDocument doc = MustParse("guide.docx");
  EXPECT_EQ(doc.metadata.title, "Installation Guide");
  EXPECT_EQ(doc.metadata.page_count, 0);
  const Block* h = FindBlock(doc, BlockKind::kHeading, "Linux");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->level, 2);
  EXPECT_EQ(h->page, 0);
  ASSERT_NE(FindBlock(doc, BlockKind::kHeading, "Install"), nullptr);
  const Block* step = FindBlock(doc, BlockKind::kListItem, "Run the installer");
  ASSERT_NE(step, nullptr);
  EXPECT_TRUE(step->ordered);
  EXPECT_EQ(step->text, "2. Run the installer");
  const Block* sub = FindBlock(doc, BlockKind::kListItem, "service status");
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->depth, 1);
  const Block* bullet = FindBlock(doc, BlockKind::kListItem, "CPU cores");
  ASSERT_NE(bullet, nullptr);
  EXPECT_FALSE(bullet->ordered);
  EXPECT_EQ(bullet->text, "- Four CPU cores");
  const Block* table = FindBlock(doc, BlockKind::kTable, "Kernel");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->text,
            "| Component | Version | Notes |\n| --- | --- | --- |\n"
            "| Kernel | 5.10 | LTS, or newer |\n| glibc | 2.31 | from the distribution |");
  // Hyperlink text is kept, deleted revisions are not.
  ASSERT_NE(FindBlock(doc, BlockKind::kParagraph, "Write to support any time."), nullptr);
  EXPECT_THAT(doc.plain_text, Not(HasSubstr("removed words")));

  auto set = ChunkDocument(doc, {.size_tokens = 30, .overlap_tokens = 4});
  ASSERT_TRUE(set.ok());
  bool linux_path = false;
  for (const Chunk& c : set->chunks) {
    if (c.text.find("Unpack the archive") != std::string::npos) {
      linux_path = c.heading_path == std::vector<std::string>{"Install", "Linux"};
    }
  }
  EXPECT_TRUE(linux_path);
}

TEST(HtmlTest, DropsChromeKeepsContent) {
  ParsedDocument doc = MustParse("page.html");
  EXPECT_EQ(doc.metadata.title, "Vector Search & You");
  for (const char* gone :
       {"SCRIPT_SHOULD_VANISH", "LATE_SCRIPT", "font-family", "NAV_LINK", "ROLE_NAV", "SITE_HEADER",
        "SITE_FOOTER", "ASIDE_RELATED", "NOSCRIPT_TEXT"}) {
    EXPECT_THAT(doc.plain_text, Not(HasSubstr(gone))) << gone;
  }
  const Block* h1 = FindBlock(doc, BlockKind::kHeading, "Vector Search");
  ASSERT_NE(h1, nullptr);
  EXPECT_EQ(h1->level, 1);
  ASSERT_NE(FindBlock(doc, BlockKind::kParagraph, "query\u2019s embedding"), nullptr);
  const Block* nested = FindBlock(doc, BlockKind::kListItem, "normalized vectors");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->depth, 1);
  const Block* ordered = FindBlock(doc, BlockKind::kListItem, "Euclidean");
  ASSERT_NE(ordered, nullptr);
  EXPECT_EQ(ordered->text, "3. Euclidean distance");
  const Block* code = FindBlock(doc, BlockKind::kCode, "import ragdb");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->language, "python");
  EXPECT_EQ(code->text, "import ragdb\ndb = ragdb.open(\"data\")");
  const Block* table = FindBlock(doc, BlockKind::kTable, "HNSW");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->text,
            "| Index | Recall |\n| --- | --- |\n| HNSW | 0.98 |\n| IVF \\| PQ | 0.91 |");
}

TEST(HtmlTest, EntitiesAndMissingTags) {
  auto doc =
      ParseBytes("<p>fish &amp; chips &lt;b&gt; &unknown; <p>second<li>loose item", Format::kHtml);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  ASSERT_GE(doc->blocks.size(), 2u);
  EXPECT_EQ(doc->blocks[0].text, "fish & chips <b> &unknown;");
}

TEST(MarkdownTest, StructureCodeAndTables) {
  ParsedDocument doc = MustParse("notes.md");
  EXPECT_EQ(doc.metadata.title, "Operations Notes");
  const Block* setext = FindBlock(doc, BlockKind::kHeading, "Install");
  ASSERT_NE(setext, nullptr);
  EXPECT_EQ(setext->level, 1);
  const Block* upgrade = FindBlock(doc, BlockKind::kHeading, "Upgrade");
  ASSERT_NE(upgrade, nullptr);
  EXPECT_EQ(upgrade->level, 2);
  ASSERT_NE(FindBlock(doc, BlockKind::kParagraph, "Run the installer from the release page."),
            nullptr);
  const Block* code = FindBlock(doc, BlockKind::kCode, "apt-get");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->language, "bash");
  EXPECT_EQ(code->text, "sudo apt-get install ragdb\nragdb --version");
  const Block* table = FindBlock(doc, BlockKind::kTable, "Debian");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->text,
            "| Distro | Package | Notes |\n| --- | --- | --- |\n| Debian | ragdb | a \\| b |\n"
            "| Fedora | ragdb |  |");
  const Block* cont = FindBlock(doc, BlockKind::kListItem, "second step");
  ASSERT_NE(cont, nullptr);
  EXPECT_EQ(cont->text, "- second step continued on the next line");
  const Block* nested = FindBlock(doc, BlockKind::kListItem, "nested step");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->depth, 1);
  const Block* num = FindBlock(doc, BlockKind::kListItem, "numbered two");
  ASSERT_NE(num, nullptr);
  EXPECT_TRUE(num->ordered);
  ASSERT_NE(FindBlock(doc, BlockKind::kParagraph, "Back up the data directory"), nullptr);
  ASSERT_NE(FindBlock(doc, BlockKind::kCode, "ragdb backup"), nullptr);
  EXPECT_THAT(doc.plain_text, Not(HasSubstr("***")));
  EXPECT_THAT(doc.plain_text, Not(HasSubstr("**installer**")));
  // List items are separated by one newline, other blocks by a blank line.
  EXPECT_THAT(doc.plain_text, HasSubstr("- first step\n- second step"));
}

TEST(MarkdownTest, UnclosedFenceRunsToEnd) {
  auto doc = ParseBytes("# T\n```\ncode line\n# not a heading\n", Format::kMarkdown);
  ASSERT_TRUE(doc.ok());
  ASSERT_EQ(doc->blocks.size(), 2u);
  EXPECT_EQ(doc->blocks[1].kind, BlockKind::kCode);
  EXPECT_EQ(doc->blocks[1].text, "code line\n# not a heading");
}

TEST(TextTest, ParagraphsAndDuplicateRemoval) {
  ParsedDocument doc = MustParse("plain.txt");
  ASSERT_EQ(doc.blocks.size(), 4u);
  EXPECT_EQ(doc.blocks[0].text,
            "Retrieval augmented generation combines search with a language model. It "
            "retrieves passages first, then writes an answer.");
  size_t first = doc.plain_text.find("Page footer: confidential.");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(doc.plain_text.find("Page footer: confidential.", first + 1), std::string::npos);
  EXPECT_EQ(doc.blocks.back().text, "Final paragraph.");
}

TEST(TextTest, ChineseSentencesInChunks) {
  ParsedDocument doc = MustParse("chinese.txt");
  ASSERT_EQ(doc.blocks.size(), 2u);
  // 10 tokens = 10 CJK characters: chunks must end at 。！？ where a sentence fits.
  auto set = ChunkDocument(doc, {.size_tokens = 20, .overlap_tokens = 0});
  ASSERT_TRUE(set.ok());
  ASSERT_GT(set->chunks.size(), 3u);
  for (const Chunk& c : set->chunks) {
    EXPECT_LE(c.token_count, 20u);
    EXPECT_EQ(doc.plain_text.substr(c.start, c.end - c.start), c.text);
    std::string tail = c.text.substr(c.text.size() - 3);
    EXPECT_TRUE(tail == "。" || tail == "！" || tail == "？") << c.text;
  }
}

TEST(TextTest, NfcNormalization) {
  // "e" + COMBINING ACUTE ACCENT becomes the precomposed "é"; NBSP and U+3000 become spaces.
  auto doc = ParseBytes("Cafe\xCC\x81\xC2\xA0open\xE3\x80\x80now", Format::kText);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->plain_text, "Caf\xC3\xA9 open now");
}

TEST(TextTest, Latin1FallbackIsOptIn) {
  std::string latin1 = "caf\xE9 cr\xE8me";
  EXPECT_EQ(ParseBytes(latin1, Format::kText).status().code(), StatusCode::kInvalidArgument);
  ParseOptions opts;
  opts.latin1_fallback = true;
  auto doc = ParseBytes(latin1, Format::kText, opts);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->plain_text, "caf\xC3\xA9 cr\xC3\xA8me");
}

TEST(CsvTest, QuotedCommasAndNewlines) {
  ParsedDocument doc = MustParse("data.csv");
  ASSERT_EQ(doc.blocks.size(), 1u);
  EXPECT_EQ(doc.blocks[0].kind, BlockKind::kTable);
  EXPECT_EQ(
      doc.blocks[0].text,
      "| name | city | quote |\n| --- | --- | --- |\n| Smith, John | Paris | He said \"hi\" |\n"
      "| Ada | London | line one line two |\n| Lin |  | plain |");
}

TEST(CsvTest, LargeFilesStayOneTableWithGridCoordinates) {
  std::string csv = "id,name,note\n";
  for (int i = 0; i < 60; ++i)
    csv += std::to_string(i) + ",item " + std::to_string(i) + ",\"a, b\"\n";
  csv += "0,item 0,\"a, b\"\n";  // a duplicate row is data, not boilerplate
  auto doc = ParseBytes(csv, Format::kCsv);
  ASSERT_TRUE(doc.ok());
  ASSERT_EQ(doc->blocks.size(), 1u);
  EXPECT_EQ(doc->blocks[0].kind, BlockKind::kTable);
  EXPECT_EQ(doc->blocks[0].table.first_row, 1);
  EXPECT_EQ(doc->blocks[0].table.first_col, 1);
  EXPECT_NE(doc->blocks[0].text.find("| 7 | item 7 | a, b |"), std::string::npos);
  ExpectBlocksMatchPlainText(*doc);
}

TEST(JsonTest, FlattensPaths) {
  ParsedDocument doc = MustParse("records.json");
  ASSERT_EQ(doc.blocks.size(), 2u);
  EXPECT_EQ(doc.blocks[0].text,
            "[0].id: 1\n[0].title: Alpha\n[0].tags[0]: a\n[0].tags[1]: b\n[0].meta.author: Ada\n"
            "[0].meta.draft: false");
  EXPECT_EQ(doc.blocks[1].text,
            "[1].id: 2\n[1].title: Beta\n[1].tags: []\n[1].meta.author: null\n[1].meta.score: 4.5");
}

TEST(JsonTest, JsonLines) {
  ParsedDocument doc = MustParse("events.jsonl");
  ASSERT_EQ(doc.blocks.size(), 2u);
  EXPECT_EQ(doc.blocks[1].text, "event: search\nuser: lin\nquery: vector index");
  EXPECT_EQ(doc.metadata.format, Format::kJsonLines);
}

TEST(BuilderTest, RecordsAndTablesAreNotCollapsed) {
  DocumentBuilder b(Format::kText);
  b.AddParagraph("  a \n\t b  ");
  b.AddParagraph("");
  b.AddCode("\n\n  indented\r\n\tline  \n\n", "c");
  auto doc = std::move(b).Finish();
  ASSERT_EQ(doc.blocks.size(), 2u);
  EXPECT_EQ(doc.blocks[0].text, "a b");
  EXPECT_EQ(doc.blocks[1].text, "  indented\n\tline");
  EXPECT_EQ(doc.plain_text, "a b\n\n  indented\n\tline");
}

}  // namespace
}  // namespace ragdb::rag

namespace ragdb::rag {
namespace {

TEST(XlsxFormatTest, NumbersAndDatesAsExcelShowsThem) {
  EXPECT_EQ(FormatSpreadsheetNumber(1377900, "#,##0", false), "1,377,900");
  EXPECT_EQ(FormatSpreadsheetNumber(0.4125, "0.00%", false), "41.25%");
  EXPECT_EQ(FormatSpreadsheetNumber(45580, "yyyy-mm-dd", false), "2024-10-15");
  EXPECT_EQ(FormatSpreadsheetNumber(45580, "d-mmm-yy", false), "15-Oct-24");
  EXPECT_EQ(FormatSpreadsheetNumber(45580, "dddd, mmmm d", false), "Tuesday, October 15");
  EXPECT_EQ(FormatSpreadsheetNumber(0.75, "h:mm AM/PM", false), "6:00 PM");
  EXPECT_EQ(FormatSpreadsheetNumber(1.5, "[h]:mm", false), "36:00");
  EXPECT_EQ(FormatSpreadsheetNumber(-1234.5, "#,##0.00;(#,##0.00)", false), "(1,234.50)");
  EXPECT_EQ(FormatSpreadsheetNumber(-1234.5, "#,##0.00", false), "-1,234.50");
  EXPECT_EQ(FormatSpreadsheetNumber(1234.5, "\"$\"#,##0.00", false), "$1,234.50");
  EXPECT_EQ(FormatSpreadsheetNumber(1234.5, "[$€-407]#,##0.00", false), "€1,234.50");
  EXPECT_EQ(FormatSpreadsheetNumber(0, "#,##0;-#,##0;\"-\"", false), "-");
  EXPECT_EQ(FormatSpreadsheetNumber(12345.678, "0.00E+00", false), "1.23E+04");
  EXPECT_EQ(FormatSpreadsheetNumber(0.1 + 0.2, "", false), "0.3");
  EXPECT_EQ(FormatSpreadsheetNumber(42, "General", false), "42");
  EXPECT_EQ(FormatSpreadsheetNumber(1500000, "#,##0,\"K\"", false), "1,500K");
  // The 1900 system's fictitious 29 February, and the 1904 system.
  EXPECT_EQ(FormatSpreadsheetNumber(1, "yyyy-mm-dd", false), "1900-01-01");
  EXPECT_EQ(FormatSpreadsheetNumber(61, "yyyy-mm-dd", false), "1900-03-01");
  EXPECT_EQ(FormatSpreadsheetNumber(1, "yyyy-mm-dd", true), "1904-01-02");
  EXPECT_EQ(BuiltinNumberFormat(3), "#,##0");
  EXPECT_EQ(CellReference(3, 4), "D3");
  EXPECT_EQ(CellReference(1, 27), "AA1");
  EXPECT_EQ(CellReference(10, 703), "AAA10");
  EXPECT_EQ(CellReference(0, 1), "");
}

}  // namespace
}  // namespace ragdb::rag
