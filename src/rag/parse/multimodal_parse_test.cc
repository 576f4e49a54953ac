// The issue #16 parsers on the fixtures tests/fixtures/multimodal/make_fixtures.py draws (CTest
// runs it first, into build/test-fixtures/multimodal): OCR of English and Chinese pages with
// boxes and confidences, a scanned PDF, pictures in PDF / DOCX / PPTX, XLSX sheets with merged
// cells and number formats, multi-page TIFF, WebP, and the hostile files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>

#include "model/vision/image.h"
#include "rag/parse/parse.h"

namespace ragdb::rag {
namespace {

using ::testing::HasSubstr;

std::string Fixture(const std::string& name) {
  const char* b = std::getenv("RAGDB_BINARY_DIR");
  return std::string(b ? b : "build") + "/test-fixtures/multimodal/" + name;
}

ParsedDocument MustParse(const std::string& name, ParseOptions options = {}) {
  auto doc = ParseFile(Fixture(name), options);
  EXPECT_TRUE(doc.ok()) << name << ": " << doc.status().ToString();
  return doc.ok() ? std::move(doc).value() : ParsedDocument{};
}

// The first block whose text contains `needle`, or null.
const Block* Find(const ParsedDocument& doc, const std::string& needle) {
  for (const Block& b : doc.blocks) {
    if (b.text.find(needle) != std::string::npos) return &b;
  }
  return nullptr;
}

TEST(MultimodalParse, EnglishPageThroughOcrWithBoxes) {
  ParsedDocument doc = MustParse("good/scan_en.png");
  EXPECT_EQ(doc.metadata.format, Format::kImage);
  EXPECT_EQ(doc.metadata.ocr_pages, 1);
  const Block* b = Find(doc, "Kestrel");
  ASSERT_NE(b, nullptr) << doc.plain_text;
  EXPECT_THAT(b->text, HasSubstr("418 pallets"));
  EXPECT_TRUE(b->ocr);
  EXPECT_EQ(b->page, 1);
  EXPECT_GT(b->confidence, 60);
  // The paragraph sits on the page's second and third text lines, left of centre.
  EXPECT_FALSE(b->bbox.empty());
  EXPECT_GT(b->bbox.y0, 80);
  EXPECT_LT(b->bbox.y1, 260);
  EXPECT_LT(b->bbox.x0, 80);
  EXPECT_LE(b->bbox.x1, 1100);
  EXPECT_TRUE(doc.images.empty());  // pictures are kept only when asked
}

TEST(MultimodalParse, ChinesePageThroughOcr) {
  ParsedDocument doc = MustParse("good/scan_zh.jpg");
  EXPECT_THAT(doc.plain_text, HasSubstr("青松楼"));
  EXPECT_THAT(doc.plain_text, HasSubstr("312"));
  // Chinese words are joined without the spaces Tesseract puts between them.
  EXPECT_THAT(doc.plain_text, HasSubstr("仓库检查报告"));
}

TEST(MultimodalParse, OcrModeNeverLeavesImagesWithoutText) {
  ParseOptions o;
  o.ocr.mode = OcrMode::kNever;
  ParsedDocument doc = MustParse("good/scan_en.png", o);
  EXPECT_TRUE(doc.blocks.empty());
  auto pdf = ParseFile(Fixture("good/scanned.pdf"), o);
  ASSERT_FALSE(pdf.ok());
  EXPECT_THAT(pdf.status().message(), HasSubstr("--ocr auto"));
  o.ocr.languages = "xx_missing";
  o.ocr.mode = OcrMode::kAuto;
  auto missing = ParseFile(Fixture("good/scan_en.png"), o);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("tesseract-ocr-xx-missing"));
}

TEST(MultimodalParse, ScannedPdfPagesGetOcrWithBoxesInPoints) {
  ParsedDocument doc = MustParse("good/scanned.pdf");
  EXPECT_EQ(doc.metadata.page_count, 2);
  EXPECT_EQ(doc.metadata.ocr_pages, 2);
  const Block* b = Find(doc, "7,350 containers");
  ASSERT_NE(b, nullptr) << doc.plain_text;
  EXPECT_EQ(b->page, 2);
  EXPECT_TRUE(b->ocr);
  // The page is 612 x 336 points (1275 x 700 pixels at 150 dpi).
  EXPECT_GT(b->bbox.x1, b->bbox.x0);
  EXPECT_LE(b->bbox.x1, 612);
  EXPECT_LE(b->bbox.y1, 336);
  EXPECT_EQ(Find(doc, "Berth assignments")->page, 1);
}

TEST(MultimodalParse, PdfPicturesAreCutFromTheRenderedPage) {
  ParseOptions o;
  o.extract_images = true;
  ParsedDocument doc = MustParse("good/figure.pdf", o);
  // The text layer is fine: no OCR of the page.
  EXPECT_EQ(doc.metadata.ocr_pages, 0);
  EXPECT_NE(Find(doc, "Fleet report"), nullptr);
  ASSERT_EQ(doc.images.size(), 1u);
  const DocumentImage& img = doc.images[0];
  EXPECT_EQ(img.page, 1);
  // Drawn at (72, 480) size 320 x 180 in PDF space: top-left origin y = 792 - 660 = 132.
  EXPECT_NEAR(img.bbox.x0, 72, 1);
  EXPECT_NEAR(img.bbox.y0, 132, 1);
  EXPECT_NEAR(img.bbox.x1, 392, 1);
  EXPECT_NEAR(img.bbox.y1, 312, 1);
  EXPECT_THAT(img.caption, HasSubstr("Figure 2: Heron line throughput"));
  auto decoded = vision::DecodeImage(img.bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_NEAR(decoded->width, 667, 2);  // 320 points at 150 dpi
}

TEST(MultimodalParse, DocxPictureCaptionAndTable) {
  ParseOptions o;
  o.extract_images = true;
  ParsedDocument doc = MustParse("good/report.docx", o);
  ASSERT_EQ(doc.images.size(), 1u);
  EXPECT_EQ(doc.images[0].name, "word/media/chart.png");
  EXPECT_THAT(doc.images[0].caption, HasSubstr("Bar chart of the Heron line"));
  EXPECT_THAT(doc.images[0].caption, HasSubstr("Figure 1: Heron line throughput by quarter"));
  EXPECT_THAT(doc.images[0].context, HasSubstr("commuter lines"));
  const Block* ocr = Find(doc, "Heron line throughput");
  ASSERT_NE(ocr, nullptr);
  EXPECT_TRUE(ocr->ocr);  // the chart's title, read from its pixels
  const Block* table = Find(doc, "| Osprey | 9 | 31,750 |");
  ASSERT_NE(table, nullptr) << doc.plain_text;
  EXPECT_EQ(table->kind, BlockKind::kTable);
}

TEST(MultimodalParse, PptxSlidesTitlesTablesPicturesNotes) {
  ParseOptions o;
  o.extract_images = true;
  ParsedDocument doc = MustParse("good/deck.pptx", o);
  EXPECT_EQ(doc.metadata.page_count, 2);
  EXPECT_EQ(doc.metadata.title, "Fleet plan 2025");
  const Block* t2 = Find(doc, "Depots");
  ASSERT_NE(t2, nullptr);
  EXPECT_EQ(t2->kind, BlockKind::kHeading);
  EXPECT_EQ(t2->page, 2);
  const Block* bullet = Find(doc, "Larkfield routes");
  ASSERT_NE(bullet, nullptr);
  EXPECT_EQ(bullet->kind, BlockKind::kListItem);
  EXPECT_EQ(bullet->page, 1);
  const Block* table = Find(doc, "| Millbrook | 41 | 17 |");
  ASSERT_NE(table, nullptr) << doc.plain_text;
  EXPECT_EQ(table->kind, BlockKind::kTable);
  const Block* notes = Find(doc, "Millbrook depot closes in August");
  ASSERT_NE(notes, nullptr);
  EXPECT_EQ(notes->page, 2);
  EXPECT_EQ(Find(doc, "slide image"), nullptr);  // the notes page's slide placeholder
  ASSERT_EQ(doc.images.size(), 1u);
  EXPECT_EQ(doc.images[0].caption, "Fleet chart");
  EXPECT_EQ(doc.images[0].page, 2);
}

TEST(MultimodalParse, XlsxSheetsMergedCellsAndFormats) {
  ParsedDocument doc = MustParse("good/sales.xlsx");
  EXPECT_EQ(doc.metadata.page_count, 2);
  const Block* revenue = Find(doc, "| East |");
  ASSERT_NE(revenue, nullptr) << doc.plain_text;
  EXPECT_EQ(revenue->kind, BlockKind::kTable);
  EXPECT_EQ(revenue->page, 1);
  EXPECT_EQ(revenue->table.sheet, "Revenue");
  EXPECT_EQ(revenue->table.first_row, 2);  // the merged banner in row 1 is the title
  EXPECT_EQ(revenue->table.first_col, 1);
  // Numbers and dates as shown: #,##0, a yyyy-mm-dd date serial, 0.00%.
  EXPECT_THAT(revenue->text,
              HasSubstr("| East | 1,180,500 | 1,204,250 | 1,377,900 | 2024-10-15 | 41.25% |"));
  const Block* title = Find(doc, "Regional revenue 2024");
  ASSERT_NE(title, nullptr);
  EXPECT_EQ(title->kind, BlockKind::kHeading);
  const Block* staff = Find(doc, "Bram Okafor");
  ASSERT_NE(staff, nullptr);
  EXPECT_EQ(staff->page, 2);
  EXPECT_EQ(staff->table.sheet, "Staff");
  // A vertically merged department repeats on every row it spans.
  EXPECT_THAT(staff->text, HasSubstr("| Logistics | Bram Okafor |"));
}

TEST(MultimodalParse, MultiPageTiffAndWebp) {
  ParseOptions o;
  o.extract_images = true;
  ParsedDocument tiff = MustParse("good/pages.tiff", o);
  EXPECT_EQ(tiff.metadata.page_count, 2);
  const Block* b = Find(tiff, "Valve 22");
  ASSERT_NE(b, nullptr) << tiff.plain_text;
  EXPECT_EQ(b->page, 2);
  EXPECT_EQ(tiff.images.size(), 2u);
  ParsedDocument webp = MustParse("good/photo.webp");
  EXPECT_THAT(webp.plain_text, HasSubstr("loading bay nine"));
}

long MaxRssKb() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

TEST(MultimodalParse, HostileFilesGetClearErrorsInBoundedMemory) {
  const long before = MaxRssKb();
  auto start = std::chrono::steady_clock::now();
  auto huge = ParseFile(Fixture("bad/huge.png"));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(huge.status().message(), HasSubstr("30000 x 30000"));
  auto cut = ParseFile(Fixture("bad/truncated.jpg"));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), StatusCode::kCorruption);
  EXPECT_THAT(cut.status().message(), HasSubstr("truncated"));
  auto bomb = ParseFile(Fixture("bad/bomb.xlsx"));
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(bomb.status().message(), HasSubstr("zip bomb"));
  // Each message names the file.
  EXPECT_THAT(bomb.status().message(), HasSubstr("bomb.xlsx"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_LT(MaxRssKb() - before, 64 * 1024);  // none of the 2.7 GB / 200 MB was allocated
}

}  // namespace
}  // namespace ragdb::rag
