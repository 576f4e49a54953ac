// CLIP against the PyTorch reference of scripts/gen_clip_fixture.py, which CTest runs first
// (fixture clip_fixture) into build/test-fixtures/clip_tiny: tokenizer ids, preprocessed pixels
// (Pillow's resize reproduced exactly) and text / image features within 1e-4. Also the kernels
// the towers added (LayerNorm, quick-GELU) against scalar references.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>

#include "base/file.h"
#include "model/clip/clip_config.h"
#include "model/clip/clip_preprocess.h"
#include "model/clip/clip_tokenizer.h"
#include "model/kernels.h"
#include "model/vision/image.h"
#include "ragdb/model.h"

namespace ragdb::model::clip {
namespace {

std::string FixtureDir() {
  const char* b = std::getenv("RAGDB_BINARY_DIR");
  return std::string(b ? b : "build") + "/test-fixtures/clip_tiny";
}

const nlohmann::json& Reference() {
  static const nlohmann::json j = [] {
    auto text = ReadFile(FixtureDir() + "/reference.json");
    return text.ok() ? nlohmann::json::parse(*text) : nlohmann::json();
  }();
  return j;
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<double>& b) {
  double m = a.size() == b.size() ? 0 : 1e9;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    m = std::max(m, std::abs(static_cast<double>(a[i]) - b[i]));
  }
  return m;
}

class ClipReference : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Reference().is_object())
        << "no " << FixtureDir() << "/reference.json (CTest's clip_fixture makes it)";
  }
};

TEST_F(ClipReference, TokenizerMatchesFromBothFileForms) {
  auto from_json = ClipTokenizer::Load(FixtureDir());
  ASSERT_TRUE(from_json.ok()) << from_json.status().ToString();
  auto vocab = ReadFile(FixtureDir() + "/vocab.json");
  auto merges = ReadFile(FixtureDir() + "/merges.txt");
  ASSERT_TRUE(vocab.ok() && merges.ok());
  auto from_files = ClipTokenizer::FromVocabAndMerges(*vocab, *merges);
  ASSERT_TRUE(from_files.ok()) << from_files.status().ToString();
  for (const auto& t : Reference()["texts"]) {
    auto want = t["ids"].get<std::vector<int32_t>>();
    const std::string text = t["text"];
    auto a = (*from_json)->Encode(text, 20);
    auto b = (*from_files)->Encode(text, 20);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, want) << text;
    EXPECT_EQ(*b, want) << text;
  }
  EXPECT_FALSE((*from_json)->Encode("\xff\xfe", 20).ok());
}

TEST_F(ClipReference, PreprocessingEqualsPillowAndNumpy) {
  auto pre = LoadPreprocessConfig(FixtureDir());
  ASSERT_TRUE(pre.ok()) << pre.status().ToString();
  for (const auto& im : Reference()["images"]) {
    auto bytes = ReadFile(FixtureDir() + "/" + im["file"].get<std::string>());
    ASSERT_TRUE(bytes.ok());
    auto img = vision::DecodeImage(*bytes);
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    std::vector<float> px = PreprocessImage(*img, *pre);
    auto want = im["pixels"].get<std::vector<double>>();
    // Same decoder (libjpeg-turbo, libpng), same fixed-point resize, same float order.
    EXPECT_LE(MaxAbsDiff(px, want), 1e-6) << im["file"];
  }
  EXPECT_EQ(ResizedSize(97, 61, 64), (std::pair{101, 64}));
  EXPECT_EQ(ResizedSize(50, 120, 64), (std::pair{64, 153}));
}

TEST_F(ClipReference, FeaturesMatchPyTorch) {
  EmbedderOptions o;
  o.normalize = false;
  o.threads = 2;
  o.batch_size = 2;  // several batches
  auto e = Embedder::Load("clip:" + FixtureDir(), o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ((*e)->dim(), 24u);
  EXPECT_TRUE((*e)->embeds_images());
  EXPECT_EQ((*e)->max_length(), 20u);
  EXPECT_EQ((*e)->name().rfind("clip:", 0), 0u);
  std::vector<std::string> texts;
  for (const auto& t : Reference()["texts"]) texts.push_back(t["text"]);
  auto tv = (*e)->Embed(texts);
  ASSERT_TRUE(tv.ok()) << tv.status().ToString();
  for (size_t i = 0; i < texts.size(); ++i) {
    double err = MaxAbsDiff((*tv)[i], Reference()["texts"][i]["features"]);
    EXPECT_LE(err, 1e-4) << texts[i];
  }
  std::vector<std::string> images;
  for (const auto& im : Reference()["images"]) {
    images.push_back(ReadFile(FixtureDir() + "/" + im["file"].get<std::string>()).value());
  }
  auto iv = (*e)->EmbedImages(images);
  ASSERT_TRUE(iv.ok()) << iv.status().ToString();
  for (size_t i = 0; i < images.size(); ++i) {
    double err = MaxAbsDiff((*iv)[i], Reference()["images"][i]["features"]);
    EXPECT_LE(err, 1e-4) << Reference()["images"][i]["file"];
  }
}

TEST_F(ClipReference, NormalizedByDefaultAndFolderIsRecognized) {
  auto e = Embedder::Load(FixtureDir());  // no "clip:" prefix: config.json says clip
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto v = (*e)->Embed(std::vector<std::string>{"a photo of a cat"});
  ASSERT_TRUE(v.ok());
  double n = 0;
  for (float x : (*v)[0]) n += x * x;
  EXPECT_NEAR(n, 1.0, 1e-5);
  // A bad image fails the call and names which one.
  std::vector<std::string> images = {ReadFile(FixtureDir() + "/wide.png").value(), "not an image"};
  auto bad = (*e)->EmbedImages(images);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("image 1"), std::string::npos) << bad.status().message();
}

TEST(ClipConfig, RejectsWhatItCannotRun) {
  EXPECT_FALSE(ParseClipConfig("{\"model_type\": \"bert\"}").ok());
  EXPECT_FALSE(ParseClipConfig("not json").ok());
  EXPECT_FALSE(
      ParseClipConfig("{\"model_type\": \"clip\", \"vision_config\": {\"patch_size\": 30}}").ok());
  EXPECT_FALSE(
      ParseClipConfig("{\"model_type\": \"clip\", \"text_config\": {\"hidden_act\": \"swish\"}}")
          .ok());
  auto base = ParseClipConfig("{\"model_type\": \"clip\"}");
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(base->vision.hidden_size, 768);  // ViT-B/32 defaults
  EXPECT_EQ(base->num_patches(), 49);
  EXPECT_FALSE(ParsePreprocessConfig("{\"resample\": 1}").ok());
  EXPECT_FALSE(ParsePreprocessConfig("{\"image_std\": [0, 1, 1]}").ok());
  EXPECT_TRUE(ClipTokenizer::FromVocabAndMerges("{\"a\": 0}", "").status().code() ==
              StatusCode::kInvalidArgument);  // no special tokens
}

TEST(Kernels, LayerNormAndQuickGeluMatchScalarReferences) {
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.5f, 2.0f);
  for (size_t n = 1; n <= 300; n += (n < 20 ? 1 : 37)) {
    const size_t m = 3;
    std::vector<float> x(m * n), g(n), b(n), out(m * n), act(m * n), bias(n);
    for (float& v : x) v = dist(rng);
    for (size_t j = 0; j < n; ++j) g[j] = dist(rng), b[j] = dist(rng), bias[j] = dist(rng);
    LayerNorm(x.data(), out.data(), g.data(), b.data(), m, n, 1e-5f);
    act = x;
    BiasActivation(act.data(), m, n, bias.data(), Activation::kQuickGelu);
    for (size_t i = 0; i < m; ++i) {
      double mean = 0, var = 0;
      for (size_t j = 0; j < n; ++j) mean += x[i * n + j];
      mean /= n;
      for (size_t j = 0; j < n; ++j) var += (x[i * n + j] - mean) * (x[i * n + j] - mean);
      var /= n;
      for (size_t j = 0; j < n; ++j) {
        double want = (x[i * n + j] - mean) / std::sqrt(var + 1e-5) * g[j] + b[j];
        ASSERT_NEAR(out[i * n + j], want, 1e-4 * (1 + std::abs(want))) << n;
        double v = x[i * n + j] + bias[j];
        ASSERT_NEAR(act[i * n + j], v / (1 + std::exp(-1.702 * v)), 1e-5 * (1 + std::abs(v))) << n;
      }
    }
  }
}

}  // namespace
}  // namespace ragdb::model::clip
