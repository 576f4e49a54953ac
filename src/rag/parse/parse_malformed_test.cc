// Broken and hostile inputs: each must come back as a clear Status, never a crash or a hang.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zip.h>

#include <random>
#include <string>
#include <vector>

#include "base/file.h"
#include "rag/parse/parse.h"
#include "rag/test_util.h"

namespace ragdb::rag {
namespace {

using ::testing::HasSubstr;

std::string ReadFixture(const std::string& name) {
  auto data = ReadFile(FixturePath(name));
  EXPECT_TRUE(data.ok()) << data.status().ToString();
  return data.ok() ? *data : "";
}

// A zip in memory from (name, content) pairs, deflated.
std::string MakeZip(const std::vector<std::pair<std::string, std::string>>& entries) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &err);
  zip_source_keep(out);
  zip_t* z = zip_open_from_source(out, ZIP_TRUNCATE, &err);
  EXPECT_NE(z, nullptr);
  for (const auto& [name, content] : entries) {
    zip_source_t* s = zip_source_buffer(z, content.data(), content.size(), 0);
    zip_int64_t idx = zip_file_add(z, name.c_str(), s, ZIP_FL_OVERWRITE);
    EXPECT_GE(idx, 0);
    zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_DEFLATE, 1);
  }
  EXPECT_EQ(zip_close(z), 0);  // compresses now, while `entries` is alive
  zip_source_open(out);
  zip_source_seek(out, 0, SEEK_END);
  zip_int64_t size = zip_source_tell(out);
  zip_source_seek(out, 0, SEEK_SET);
  std::string bytes(static_cast<size_t>(size), '\0');
  zip_source_read(out, bytes.data(), bytes.size());
  zip_source_close(out);
  zip_source_free(out);
  zip_error_fini(&err);
  return bytes;
}

const char* kDocXml =
    "<?xml version=\"1.0\"?><w:document "
    "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
    "<w:p><w:r><w:t>hello</w:t></w:r></w:p></w:body></w:document>";

TEST(MalformedPdfTest, Truncated) {
  std::string pdf = ReadFixture("report.pdf");
  auto doc = ParseBytes(pdf.substr(0, pdf.size() / 2), Format::kPdf);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kCorruption);
  EXPECT_THAT(doc.status().message(), HasSubstr("pdf: truncated"));
}

TEST(MalformedPdfTest, NotAPdfAndDamaged) {
  EXPECT_EQ(ParseBytes("hello", Format::kPdf).status().code(), StatusCode::kInvalidArgument);
  // Header and trailer marker intact, everything in between garbage.
  std::string junk = "%PDF-1.4\n" + std::string(3000, 'x') + "\n%%EOF\n";
  auto doc = ParseBytes(junk, Format::kPdf);
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(doc.status().message(), HasSubstr("pdf: "));
}

TEST(MalformedDocxTest, ZipBombIsRefusedBeforeInflating) {
  // 136 MiB of one byte deflates to ~130 KiB; the default cap is 128 MiB.
  std::string huge(136u << 20, 'a');
  std::string bomb = MakeZip({{"word/document.xml", huge}});
  huge.clear();
  huge.shrink_to_fit();
  EXPECT_LT(bomb.size(), 1u << 20);
  auto doc = ParseBytes(bomb, Format::kDocx);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(doc.status().message(), HasSubstr("zip bomb"));
}

TEST(MalformedDocxTest, EntryCountAndSmallCap) {
  std::vector<std::pair<std::string, std::string>> many = {{"word/document.xml", kDocXml}};
  for (int i = 0; i < 20; ++i) many.push_back({"junk/" + std::to_string(i), "x"});
  ParseOptions opts;
  opts.max_zip_entries = 10;
  auto doc = ParseBytes(MakeZip(many), Format::kDocx, opts);
  EXPECT_EQ(doc.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(doc.status().message(), HasSubstr("entries"));

  opts = ParseOptions();
  opts.max_zip_uncompressed_bytes = 100;
  doc = ParseBytes(MakeZip({{"word/document.xml", kDocXml}}), Format::kDocx, opts);
  EXPECT_EQ(doc.status().code(), StatusCode::kResourceExhausted);

  doc = ParseBytes(MakeZip({{"word/document.xml", kDocXml}}), Format::kDocx);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->plain_text, "hello");
}

TEST(MalformedDocxTest, NotWordOrNotZip) {
  auto doc = ParseBytes("PK\x03\x04 definitely not a zip", Format::kDocx);
  EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(doc.status().message(), HasSubstr("docx: not a valid zip"));
  doc = ParseBytes(MakeZip({{"hello.txt", "hi"}}), Format::kDocx);
  EXPECT_THAT(doc.status().message(), HasSubstr("no word/document.xml"));
  doc = ParseBytes(MakeZip({{"word/document.xml", "<w:document><w:body><w:p>"}}), Format::kDocx);
  EXPECT_EQ(doc.status().code(), StatusCode::kCorruption);
  std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><d>&b;</d>";
  doc = ParseBytes(MakeZip({{"word/document.xml", laughs}}), Format::kDocx);
  EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(doc.status().message(), HasSubstr("DTD"));
}

TEST(MalformedTextTest, InvalidUtf8IsRejectedWithOffset) {
  std::string bad = "good text \xC3\x28 more";  // 0xC3 needs a continuation byte
  for (Format f : {Format::kText, Format::kMarkdown, Format::kCsv, Format::kJson,
                   Format::kJsonLines, Format::kHtml}) {
    auto doc = ParseBytes(bad, f);
    ASSERT_FALSE(doc.ok()) << FormatName(f);
    EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(doc.status().message(), HasSubstr("invalid UTF-8 at byte 10")) << FormatName(f);
  }
  // Overlong encoding and an encoded surrogate are invalid too.
  EXPECT_FALSE(ParseBytes("\xC0\xAF", Format::kText).ok());
  EXPECT_FALSE(ParseBytes("\xED\xA0\x80", Format::kText).ok());
}

TEST(MalformedHtmlTest, BinaryGarbage) {
  std::mt19937 rng(7);
  std::string garbage(4096, '\0');
  for (char& c : garbage) c = static_cast<char>(rng());
  auto doc = ParseBytes(garbage, Format::kHtml);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(doc.status().message(), HasSubstr("html: "));
}

TEST(MalformedHtmlTest, DeclaredLatin1IsDecoded) {
  auto doc = ParseBytes("<html><head><meta charset=\"iso-8859-1\"></head><p>caf\xE9</p></html>",
                        Format::kHtml);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->plain_text, "caf\xC3\xA9");
}

TEST(MalformedDataTest, CsvAndJsonErrors) {
  auto doc = ParseBytes("a,b\n1,\"open\n2,3\n", Format::kCsv);
  EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(doc.status().message(), HasSubstr("unterminated quoted field starting on line 2"));
  doc = ParseBytes("a,b\n1,\"x\"y\n", Format::kCsv);
  EXPECT_THAT(doc.status().message(), HasSubstr("text after a closing quote"));
  doc = ParseBytes("{\"a\": [1, 2", Format::kJson);
  EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(doc.status().message(), HasSubstr("json: "));
  doc = ParseBytes("{\"a\":1}\n{oops}\n", Format::kJsonLines);
  EXPECT_THAT(doc.status().message(), HasSubstr("jsonl: line 2"));
  std::string deep = std::string(200, '[') + std::string(200, ']');
  doc = ParseBytes(deep, Format::kJson);
  EXPECT_THAT(doc.status().message(), HasSubstr("nesting deeper than 64"));
}

TEST(MalformedFileTest, MissingUnsupportedAndTooBig) {
  EXPECT_FALSE(ParseFile("/nonexistent/dir/x.txt").ok());
  EXPECT_EQ(ParseFile("/tmp/x.exe").status().code(), StatusCode::kInvalidArgument);
  ParseOptions opts;
  opts.max_input_bytes = 10;
  auto doc = ParseBytes(std::string(11, 'a'), Format::kText, opts);
  EXPECT_EQ(doc.status().code(), StatusCode::kResourceExhausted);
  doc = ParseFile(FixturePath("report.pdf"), opts);
  EXPECT_EQ(doc.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(doc.status().message(), HasSubstr("report.pdf"));
}

// Random byte flips, cuts and splices of every fixture: any Status is fine, a crash is not.
TEST(MalformedFuzzTest, MutatedFixturesNeverCrash) {
  std::mt19937 rng(42);
  for (const char* name : {"report.pdf", "guide.docx", "page.html", "notes.md", "data.csv",
                           "records.json", "events.jsonl", "chinese.txt"}) {
    std::string base = ReadFixture(name);
    Format format = *FormatFromPath(name);
    for (int round = 0; round < 40; ++round) {
      std::string m = base;
      int edits = 1 + static_cast<int>(rng() % 8);
      for (int e = 0; e < edits && !m.empty(); ++e) {
        size_t at = rng() % m.size();
        switch (rng() % 3) {
          case 0:
            m[at] = static_cast<char>(rng());
            break;
          case 1:
            m.erase(at, rng() % 64);
            break;
          default:
            m.insert(at, m.substr(rng() % m.size(), rng() % 64));
            break;
        }
      }
      // OCR would make this slow (a mutated PDF page is often "garbage"); picture finding runs.
      ParseOptions options;
      options.ocr.mode = OcrMode::kNever;
      options.extract_images = true;
      auto doc = ParseBytes(m, format, options);
      if (doc.ok()) {
        ExpectBlocksMatchPlainText(*doc);
      } else {
        EXPECT_FALSE(doc.status().message().empty());
      }
    }
  }
}

}  // namespace
}  // namespace ragdb::rag

namespace ragdb::rag {
namespace {

TEST(MalformedOfficeTest, XlsxAndPptxErrorsNameTheProblem) {
  auto not_zip = ParseBytes("PK\x03\x04 not really", Format::kXlsx);
  EXPECT_THAT(not_zip.status().message(), HasSubstr("xlsx: not a valid zip"));
  auto no_book = ParseBytes(MakeZip({{"hello.txt", "hi"}}), Format::kXlsx);
  EXPECT_EQ(no_book.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(no_book.status().message(), HasSubstr("not an Excel workbook"));
  auto dtd = ParseBytes(
      MakeZip({{"xl/workbook.xml", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x/>"}}),
      Format::kXlsx);
  EXPECT_THAT(dtd.status().message(), HasSubstr("declares a DTD"));
  auto broken = ParseBytes(MakeZip({{"xl/workbook.xml", "<workbook><sheets>"}}), Format::kXlsx);
  EXPECT_EQ(broken.status().code(), StatusCode::kCorruption);
  auto no_pres = ParseBytes(MakeZip({{"ppt/slides/slide1.xml", "<x/>"}}), Format::kPptx);
  EXPECT_THAT(no_pres.status().message(), HasSubstr("not a PowerPoint file"));
  auto image = ParseBytes("\x89PNG\r\n\x1a\n garbage", Format::kImage);
  EXPECT_FALSE(image.ok());
  EXPECT_THAT(image.status().message(), HasSubstr("png:"));
}

}  // namespace
}  // namespace ragdb::rag
