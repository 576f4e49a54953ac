// Issue #16 over HTTP: the tiny CLIP of build/test-fixtures/clip_tiny installed in a model cache;
// /v1/embeddings with image inputs, Qdrant points whose vector is an {"image": base64} object
// (embedded server-side) and image queries, and /ragdb/kb/{kb}/documents with spreadsheets,
// scans (OCR options) and base64 JSON uploads, retrieved with pictures beside text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "base/base64.h"
#include "base/file.h"
#include "ragdb/model.h"
#include "server/test_client.h"
#include "server/test_server.h"

namespace ragdb::server {
namespace {

using ::testing::HasSubstr;
using testing::Reply;

std::string BinaryDir() {
  const char* b = std::getenv("RAGDB_BINARY_DIR");
  return b ? b : "build";
}
std::string ClipFixture() { return BinaryDir() + "/test-fixtures/clip_tiny"; }
std::string MultimodalFixture(const std::string& name) {
  return BinaryDir() + "/test-fixtures/multimodal/" + name;
}

class MultimodalApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    const std::string cache = dir_.path() + "/models";
    fs::create_directories(cache + "/test");
    fs::copy(ClipFixture(), cache + "/test/clip-tiny", fs::copy_options::recursive);
    setenv("RAGDB_MODEL_CACHE", cache.c_str(), 1);
    ServerConfig config;
    config.http.io_threads = 1;
    config.http.worker_threads = 2;
    auto s = testing::TestServer::Start(dir_.path(), config);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    wide_ = ReadFile(ClipFixture() + "/wide.png").value();
    tall_ = ReadFile(ClipFixture() + "/tall.jpg").value();
  }
  void TearDown() override {
    server_.reset();
    unsetenv("RAGDB_MODEL_CACHE");
  }
  Reply Call(const std::string& method, const std::string& target, const Json& body = nullptr) {
    return testing::Http(server_->port(), method, target, body.is_null() ? "" : body.dump(),
                         {{"content-type", "application/json"}});
  }

  testing::TestDir dir_{"ragdb_multimodal"};
  std::unique_ptr<testing::TestServer> server_;
  std::string wide_, tall_;
};

TEST_F(MultimodalApiTest, EmbeddingsTakeImagesForClipModels) {
  auto clip = Embedder::Load(ClipFixture());
  ASSERT_TRUE(clip.ok());
  auto want_image = (*clip)->EmbedImages(std::vector<std::string>{wide_});
  auto want_text = (*clip)->Embed(std::vector<std::string>{"a photo of a cat"});
  ASSERT_TRUE(want_image.ok() && want_text.ok());
  Reply r = Call("POST", "/v1/embeddings",
                 {{"model", "clip:test/clip-tiny"},
                  {"input",
                   {"a photo of a cat",
                    {{"image", "data:image/png;base64," + Base64Encode(wide_)}},
                    {{"type", "image_url"},
                     {"image_url", {{"url", "data:image/png;base64," + Base64Encode(wide_)}}}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  const Json data = r.json()["data"];
  ASSERT_EQ(data.size(), 3u);
  for (size_t i = 0; i < 24; ++i) {
    EXPECT_NEAR(data[0]["embedding"][i].get<float>(), (*want_text)[0][i], 1e-6);
    EXPECT_NEAR(data[1]["embedding"][i].get<float>(), (*want_image)[0][i], 1e-6);
    EXPECT_NEAR(data[2]["embedding"][i].get<float>(), (*want_image)[0][i], 1e-6);
  }
  // The installed name alone works too: the folder says it is CLIP.
  Reply plain = Call("POST", "/v1/embeddings",
                     {{"model", "test/clip-tiny"}, {"input", {{{"image", Base64Encode(tall_)}}}}});
  EXPECT_EQ(plain.status, 200) << plain.body;

  Reply text_model = Call("POST", "/v1/embeddings",
                          {{"model", "hash:64"}, {"input", {{{"image", Base64Encode(wide_)}}}}});
  EXPECT_EQ(text_model.status, 400);
  EXPECT_THAT(text_model.body, HasSubstr("does not embed images"));
  Reply url = Call(
      "POST", "/v1/embeddings",
      {{"model", "clip:test/clip-tiny"}, {"input", {{{"image", "https://example.com/cat.png"}}}}});
  EXPECT_EQ(url.status, 400);
  Reply broken = Call("POST", "/v1/embeddings",
                      {{"model", "clip:test/clip-tiny"},
                       {"input", {{{"image", Base64Encode(tall_.substr(0, 300))}}}}});
  EXPECT_EQ(broken.status, 400);
  EXPECT_THAT(broken.body, HasSubstr("jpeg"));
}

TEST_F(MultimodalApiTest, QdrantPointsWithImagesAreEmbeddedServerSide) {
  // A collection whose vector field embeds images (the CLI's --embedder clip:MODEL); ragdb's
  // extension of Qdrant's vector params.
  Reply created = Call(
      "PUT", "/collections/pics",
      {{"vectors", {{"size", 24}, {"distance", "Cosine"}, {"embedder", "clip:test/clip-tiny"}}}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(Call("PUT", "/collections/bad",
                 {{"vectors", {{"size", 24}, {"distance", "Cosine"}, {"embedder", "/etc"}}}})
                .status,
            400);
  Reply up = Call("PUT", "/collections/pics/points?wait=true",
                  {{"points",
                    {{{"id", 1}, {"vector", {{"image", Base64Encode(wide_)}}}},
                     {{"id", 2}, {"vector", {{"image", Base64Encode(tall_)}}}}}}});
  ASSERT_EQ(up.status, 200) << up.body;
  Reply q = Call("POST", "/collections/pics/points/query",
                 {{"query", {{"image", Base64Encode(tall_)}}}, {"limit", 1}});
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(q.json()["result"]["points"][0]["id"], 2);
  Reply bad = Call("PUT", "/collections/pics/points?wait=true",
                   {{"points", {{{"id", 3}, {"vector", {{"image", "!!"}}}}}}});
  EXPECT_EQ(bad.status, 400);
}

TEST_F(MultimodalApiTest, KnowledgeBaseDocumentsOfTheNewTypes) {
  Reply kb = Call("POST", "/ragdb/kb", {{"name", "mm"}, {"image_embedder", "clip:test/clip-tiny"}});
  ASSERT_EQ(kb.status, 200) << kb.body;
  EXPECT_THAT(kb.body, HasSubstr("clip:"));
  // A spreadsheet as base64 JSON, a scan as multipart with OCR options.
  const std::string xlsx = ReadFile(MultimodalFixture("good/sales.xlsx")).value();
  Reply j =
      Call("POST", "/ragdb/kb/mm/documents",
           {{"source", "sales.xlsx"}, {"file_name", "sales.xlsx"}, {"data", Base64Encode(xlsx)}});
  ASSERT_EQ(j.status, 200) << j.body;
  EXPECT_EQ(j.json()["result"]["added"], 1);
  const std::string png = ReadFile(MultimodalFixture("good/scan_en.png")).value();
  auto multipart = [&](const std::string& ocr) {
    std::string mp =
        "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan_en.png\"\r\n"
        "Content-Type: image/png\r\n\r\n" +
        png + "\r\n--B\r\nContent-Disposition: form-data; name=\"ocr\"\r\n\r\n" + ocr +
        "\r\n--B--\r\n";
    return testing::Http(server_->port(), "POST", "/ragdb/kb/mm/documents", mp,
                         {{"Content-Type", "multipart/form-data; boundary=B"}});
  };
  Reply bad_mode = multipart("sometimes");
  EXPECT_EQ(bad_mode.status, 400) << bad_mode.body;
  Reply up = multipart("auto");
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(up.json()["result"]["documents"][0]["status"], "added");

  Reply ask =
      Call("POST", "/ragdb/kb/mm/ask", {{"question", "What was the Q3 revenue of region East?"}});
  ASSERT_EQ(ask.status, 200) << ask.body;
  EXPECT_THAT(ask.body, HasSubstr("1,377,900"));
  EXPECT_THAT(ask.body, HasSubstr("Revenue!D3"));
  Reply ocr =
      Call("POST", "/ragdb/kb/mm/ask", {{"question", "How many pallets are in building Kestrel?"}});
  ASSERT_EQ(ocr.status, 200) << ocr.body;
  EXPECT_THAT(ocr.body, HasSubstr("418"));
  EXPECT_THAT(ocr.body, HasSubstr("\"bbox\""));
  Reply ret = Call("POST", "/ragdb/kb/mm/retrieve",
                   {{"query", "warehouse inspection photo"}, {"k", 5}, {"thumbnails", true}});
  ASSERT_EQ(ret.status, 200) << ret.body;
  bool picture = false;
  const Json items = ret.json();
  for (const Json& it : items["result"]["chunks"]) {
    if (it.value("kind", "") == "image") {
      picture = true;
      EXPECT_THAT(it["image"].value("thumbnail", ""), HasSubstr("data:image/jpeg;base64,"));
    }
  }
  EXPECT_TRUE(picture) << ret.body;
}

}  // namespace
}  // namespace ragdb::server
