// Issue #16 end to end: a folder of scans, slides, spreadsheets and hostile files ingested into a
// knowledge base with a CLIP image embedder; questions whose answers exist only in OCR'd pixels
// or in one table cell answered by Ask with the right file, page, box and cell; pictures found
// by retrieval; a collection whose vector field embeds images on upsert and is searched by text
// and by image; and the same through the `ragdb` command line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "base/base64.h"
#include "base/file.h"
#include "model/vision/image.h"
#include "rag/pipeline_test_util.h"
#include "ragdb/database.h"
#include "ragdb/rag.h"

namespace ragdb::rag {
namespace {

using ::testing::HasSubstr;

std::string BinaryDir() {
  const char* b = std::getenv("RAGDB_BINARY_DIR");
  return b ? b : "build";
}
std::string Fixture(const std::string& name) {
  return BinaryDir() + "/test-fixtures/multimodal/" + name;
}
std::string ClipDir() { return BinaryDir() + "/test-fixtures/clip_tiny"; }

long MaxRssKb() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// One knowledge base over both fixture folders, ingested once for the whole suite (OCR of the
// pages takes a few seconds).
class MultimodalKb : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = OpenTestDb(dir_->path()).release();
    KbOptions o;
    o.image_embedder = "clip:" + ClipDir();
    auto kb = KnowledgeBase::Create(*db_, "mm", o);
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    kb_ = kb->release();
    const long before = MaxRssKb();
    auto s = kb_->IngestPaths({Fixture("good"), Fixture("bad")}, {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    summary_ = new IngestSummary(*s);
    rss_growth_kb_ = MaxRssKb() - before;
  }
  static void TearDownTestSuite() {
    delete summary_;
    delete kb_;
    delete db_;
    delete dir_;
  }

  static Answer MustAsk(const std::string& question) {
    AskOptions o;
    auto a = Ask(*kb_, question, o);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? *a : Answer{};
  }

  static TempDir* dir_;
  static Database* db_;
  static KnowledgeBase* kb_;
  static IngestSummary* summary_;
  static long rss_growth_kb_;
};
TempDir* MultimodalKb::dir_ = nullptr;
Database* MultimodalKb::db_ = nullptr;
KnowledgeBase* MultimodalKb::kb_ = nullptr;
IngestSummary* MultimodalKb::summary_ = nullptr;
long MultimodalKb::rss_growth_kb_ = 0;

TEST_F(MultimodalKb, HostileFilesAreSkippedAndTheRestIngested) {
  EXPECT_EQ(summary_->files, 13u);
  EXPECT_EQ(summary_->added, 10u);
  ASSERT_EQ(summary_->skipped, 3u);
  std::map<std::string, std::string> reasons;
  for (const auto& s : summary_->skipped_files) {
    reasons[std::filesystem::path(s.source).filename().string()] = s.reason;
  }
  EXPECT_THAT(reasons["huge.png"], HasSubstr("30000 x 30000"));
  EXPECT_THAT(reasons["truncated.jpg"], HasSubstr("truncated"));
  EXPECT_THAT(reasons["bomb.xlsx"], HasSubstr("zip bomb"));
  EXPECT_LT(rss_growth_kb_, 600 * 1024);  // OCR models and CLIP included; no bomb inflated
}

TEST_F(MultimodalKb, AnswerFromOcrTextCitesPageAndBox) {
  Answer a = MustAsk("How many pallets are in building Kestrel?");
  EXPECT_THAT(a.answer, HasSubstr("418")) << a.answer;
  ASSERT_FALSE(a.citations.empty());
  const Citation& c = a.citations[0];
  EXPECT_THAT(c.source, HasSubstr("scan_en.png"));
  EXPECT_EQ(c.page, 1);
  ASSERT_EQ(c.bbox.size(), 4u);
  EXPECT_LT(c.bbox[0], c.bbox[2]);
  EXPECT_LE(c.bbox[2], 1100);  // pixels of the 1100 x 420 image
}

TEST_F(MultimodalKb, AnswerFromChineseOcrText) {
  Answer a = MustAsk("青松楼存放了多少个托盘？");
  EXPECT_THAT(a.answer, HasSubstr("312")) << a.answer;
  ASSERT_FALSE(a.citations.empty());
  EXPECT_THAT(a.citations[0].source, HasSubstr("scan_zh.jpg"));
}

// The citation whose snippet holds `needle` (the one the answer's sentence came from).
const Citation* CitationWith(const Answer& a, const std::string& needle) {
  for (const Citation& c : a.citations) {
    if (c.snippet.find(needle) != std::string::npos) return &c;
  }
  return nullptr;
}

TEST_F(MultimodalKb, AnswerFromScannedPdfPageTwo) {
  Answer a = MustAsk("How many containers did the Osprey terminal process?");
  EXPECT_THAT(a.answer, HasSubstr("7,350")) << a.answer;
  const Citation* c = CitationWith(a, "7,350");
  ASSERT_NE(c, nullptr) << a.ToJson().dump();
  EXPECT_THAT(c->source, HasSubstr("scanned.pdf"));
  EXPECT_EQ(c->page, 2);
  ASSERT_EQ(c->bbox.size(), 4u);
  EXPECT_LE(c->bbox[2], 612);  // points
}

TEST_F(MultimodalKb, AnswerFromOneSpreadsheetCell) {
  Answer a = MustAsk("What was the Q3 revenue of region East?");
  EXPECT_THAT(a.answer, HasSubstr("1,377,900")) << a.answer;
  ASSERT_FALSE(a.citations.empty());
  const Citation& c = a.citations[0];
  EXPECT_THAT(c.source, HasSubstr("sales.xlsx"));
  EXPECT_EQ(c.page, 1);  // the first sheet
  EXPECT_EQ(c.kind, "table");
  EXPECT_EQ(c.cell, "Revenue!D3");
}

TEST_F(MultimodalKb, AnswerFromADocxTableCell) {
  Answer a = MustAsk("How many weekly riders does the Osprey line have?");
  EXPECT_THAT(a.answer, HasSubstr("31,750")) << a.answer;
  ASSERT_FALSE(a.citations.empty());
  EXPECT_THAT(a.citations[0].source, HasSubstr("report.docx")) << a.ToJson().dump();
  EXPECT_EQ(a.citations[0].cell, "row 2, column 'Weekly riders'");
}

TEST_F(MultimodalKb, AnswerFromSlideNotes) {
  Answer a = MustAsk("When does the Millbrook depot close?");
  EXPECT_THAT(a.answer, HasSubstr("August")) << a.answer;
  ASSERT_FALSE(a.citations.empty());
  EXPECT_THAT(a.citations[0].source, HasSubstr("deck.pptx"));
  EXPECT_EQ(a.citations[0].page, 2);
}

TEST_F(MultimodalKb, PicturesAreStoredAndRetrievedBesideText) {
  // scan_en, scan_zh, scanned.pdf x2, figure.pdf, report.docx, deck.pptx, pages.tiff x2, webp.
  Filter images;
  Condition c;
  c.kind = Condition::Kind::kMatch;
  c.key = "kind";
  c.values = {Json("image")};
  images.must.push_back(c);
  auto chunks = db_->GetCollection("kb.mm");
  ASSERT_TRUE(chunks.ok());
  auto n = (*chunks)->Count(&images);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 10u);

  RetrieveOptions o;
  o.k = 8;
  o.with_thumbnails = true;
  auto items = kb_->Retrieve("Heron line throughput chart", o);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  bool picture = false, text = false;
  for (const auto& it : *items) {
    if (it.kind != "image") {
      text = true;
      continue;
    }
    picture = true;
    ASSERT_TRUE(it.image.is_object());
    EXPECT_FALSE(it.image.value("name", "").empty());
    const std::string thumb = it.image.value("thumbnail", "");
    ASSERT_TRUE(thumb.starts_with("data:image/jpeg;base64,"));
    auto jpeg = Base64Decode(thumb);
    ASSERT_TRUE(jpeg.ok());
    EXPECT_EQ(vision::SniffImageFormat(*jpeg), vision::ImageFormat::kJpeg);
  }
  EXPECT_TRUE(picture);
  EXPECT_TRUE(text);
}

// A plain collection whose vector field embeds images (VectorField::embedder "clip:MODEL").
TEST(ImageCollection, UpsertEmbedsImagesAndSearchesByTextOrImage) {
  TempDir dir;
  auto db = OpenTestDb(dir.path());
  CollectionSchema schema;
  VectorField f;
  f.dim = 24;
  f.metric = Metric::kCosine;
  f.embedder = "clip:" + ClipDir();
  schema.vectors.push_back(f);
  auto c = db->CreateCollection("pics", schema);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const std::string wide = ReadFile(ClipDir() + "/wide.png").value();
  const std::string tall = ReadFile(ClipDir() + "/tall.jpg").value();
  std::vector<Record> rs(3);
  rs[0].id = PointId(uint64_t{1});
  rs[0].image = wide;
  rs[1].id = PointId(uint64_t{2});
  rs[1].image = tall;
  rs[1].payload = {{"file", "tall.jpg"}};
  rs[2].id = PointId(uint64_t{3});
  rs[2].text = "a photo of a cat";  // text goes through the text tower, into the same space
  ASSERT_TRUE((*c)->Upsert(rs).ok());

  auto clip = Embedder::Load("clip:" + ClipDir());
  ASSERT_TRUE(clip.ok());
  auto want = (*clip)->EmbedImages(std::vector<std::string>{wide});
  ASSERT_TRUE(want.ok());
  auto got = (*c)->Get(PointId(uint64_t{1}), true);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->vectors[""].size(), 24u);
  for (size_t i = 0; i < 24; ++i) EXPECT_NEAR(got->vectors[""][i], (*want)[0][i], 1e-5);

  SearchRequest by_image;
  by_image.query_image = tall;
  by_image.k = 3;
  auto hits = (*c)->Search(by_image);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].id, PointId(uint64_t{2}));
  EXPECT_NEAR((*hits)[0].score, 1.0, 1e-4);
  SearchRequest by_text;
  by_text.query_text = "a photo of a cat";
  auto text_hits = (*c)->Search(by_text);
  ASSERT_TRUE(text_hits.ok());
  EXPECT_EQ((*text_hits)[0].id, PointId(uint64_t{3}));

  // Bad images are refused naming the record, and nothing is stored.
  Record bad;
  bad.id = PointId(uint64_t{9});
  bad.image = tall.substr(0, tall.size() / 2);
  Status st = (*c)->Upsert(std::span<const Record>(&bad, 1));
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("id 9"));
  EXPECT_EQ((*c)->Get(PointId(uint64_t{9}), false).status().code(), StatusCode::kNotFound);

  // An image where no field embeds images is an error, not silently dropped.
  CollectionSchema text_only;
  VectorField h;
  h.dim = 32;
  h.embedder = "hash:32";
  text_only.vectors.push_back(h);
  auto t = db->CreateCollection("texts", text_only);
  ASSERT_TRUE(t.ok());
  Record img;
  img.id = PointId(uint64_t{1});
  img.image = wide;
  st = (*t)->Upsert(std::span<const Record>(&img, 1));
  EXPECT_THAT(st.message(), HasSubstr("embeds images"));
  SearchRequest bad_query;
  bad_query.query_image = wide;
  EXPECT_THAT((*t)->Search(bad_query).status().message(), HasSubstr("does not embed images"));

  // JSON records carry images as base64.
  auto from_json = RecordFromJson({{"id", 5u}, {"image", Base64Encode(wide)}});
  ASSERT_TRUE(from_json.ok()) << from_json.status().ToString();
  EXPECT_EQ(*from_json->image, wide);
  EXPECT_FALSE(RecordFromJson({{"id", 5u}, {"image", "not base64!"}}).ok());
}

// Runs the ragdb binary; returns its stdout and sets *code.
std::string RunRagdb(const std::string& args, int* code) {
  std::string cmd = BinaryDir() + "/ragdb " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(MultimodalCli, ClipCollectionAndOcrIngest) {
  TempDir dir;
  const std::string data = "--data " + dir.path() + " ";
  int code = 0;
  RunRagdb(data + "create pics --dim 24 --embedder clip:" + ClipDir(), &code);
  ASSERT_EQ(code, 0);
  // "image" as a file path (read by the CLI) and as base64.
  const std::string jsonl =
      dir.Write("pics.jsonl", "{\"id\": 1, \"image\": \"" + ClipDir() + "/wide.png\"}\n" +
                                  "{\"id\": 2, \"image\": \"" +
                                  Base64Encode(ReadFile(ClipDir() + "/tall.jpg").value()) +
                                  "\"}\n{\"id\": 3, \"text\": \"a photo of a cat\"}\n");
  EXPECT_THAT(RunRagdb(data + "upsert pics " + jsonl, &code), HasSubstr("\"upserted\":3"));
  ASSERT_EQ(code, 0);
  std::string out =
      RunRagdb(data + "search pics --near-image " + ClipDir() + "/tall.jpg --k 1", &code);
  EXPECT_EQ(code, 0);
  EXPECT_THAT(out, HasSubstr("\"id\":2"));
  out = RunRagdb(data + "search pics --near-text 'a photo of a cat' --k 1", &code);
  EXPECT_EQ(code, 0);
  EXPECT_THAT(out, HasSubstr("\"id\":3"));

  out = RunRagdb(data + "ingest kb " + Fixture("good/scan_en.png") + " --ocr never", &code);
  EXPECT_EQ(code, 0);
  EXPECT_THAT(out, HasSubstr("\"skipped\":1"));  // no text without OCR
  out = RunRagdb(data + "ingest kb " + Fixture("good/scan_en.png") + " --ocr auto", &code);
  EXPECT_THAT(out, HasSubstr("\"added\":1"));
  out = RunRagdb(data + "ask kb 'How many pallets are in building Kestrel?' --no-llm", &code);
  EXPECT_EQ(code, 0);
  EXPECT_THAT(out, HasSubstr("418"));
  EXPECT_THAT(out, HasSubstr("\"bbox\""));
  RunRagdb(data + "ingest kb " + Fixture("good/scan_en.png") + " --ocr sometimes", &code);
  EXPECT_EQ(code, 2);
}

}  // namespace
}  // namespace ragdb::rag
