// Decoder models as embedders and local language models by name: the Qwen3 fixture (written by
// llm/testdata/make_fixtures.py) as a Hugging Face folder and as GGUF embeds like the PyTorch
// reference (last-token pooling after EOS, normalized); `model add` installs GGUF files and
// folders atomically and refuses broken ones.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "base/file.h"
#include "model/llm/test_util.h"
#include "model/local_llm.h"
#include "model/model_add.h"
#include "model/model_cache.h"
#include "model/test_util.h"
#include "ragdb/model.h"

namespace ragdb::model {
namespace {
namespace fs = std::filesystem;
namespace lt = llm::testing;

TEST(DecoderEmbedder, HuggingFaceFolderAndGgufMatchReference) {
  const auto& ref = lt::Reference()["embeddings"];
  ASSERT_GE(ref.size(), 3u) << "fixtures missing";
  std::vector<std::string> texts;
  for (const auto& r : ref) texts.push_back(r["text"]);
  for (const std::string path : {lt::Fixture("qwen3-hf"), lt::Fixture("qwen3-f32.gguf")}) {
    auto e = Embedder::Load(path);
    ASSERT_TRUE(e.ok()) << path << ": " << e.status().ToString();
    EXPECT_EQ((*e)->dim(), 256u);
    auto vecs = (*e)->Embed(texts);
    ASSERT_TRUE(vecs.ok()) << vecs.status().ToString();
    for (size_t i = 0; i < texts.size(); ++i) {
      const auto want = ref[i]["vector"].get<std::vector<float>>();
      ASSERT_EQ((*vecs)[i].size(), want.size());
      double err = 0;
      for (size_t k = 0; k < want.size(); ++k) {
        err = std::max(err, std::fabs(static_cast<double>((*vecs)[i][k]) - want[k]));
      }
      EXPECT_LT(err, 1e-4) << path << " text " << i;
    }
  }
  // Mean pooling is another vector; last-token pooling is refused for encoders.
  EmbedderOptions mean;
  mean.pooling = Pooling::kMean;
  auto m = Embedder::Load(lt::Fixture("qwen3-hf"), mean);
  ASSERT_TRUE(m.ok());
  auto mv = (*m)->Embed(std::vector<std::string>{texts[0]});
  ASSERT_TRUE(mv.ok());
  const auto last = ref[0]["vector"].get<std::vector<float>>();
  double dot = 0;
  for (size_t k = 0; k < last.size(); ++k) dot += (*mv)[0][k] * last[k];
  EXPECT_LT(dot, 0.999);
  EmbedderOptions bad;
  bad.pooling = Pooling::kLast;
  EXPECT_FALSE(Embedder::Load(testing::FixtureDir("bert_tiny"), bad).ok());
}

TEST(LocalModels, AddInstallsAndRefusesBrokenFiles) {
  const std::string root =
      fs::temp_directory_path() / ("ragdb-llm-cache-" + std::to_string(getpid()));
  fs::remove_all(root);
  setenv("RAGDB_MODEL_CACHE", root.c_str(), 1);
  auto r = AddLocalModel("tiny/qwen", lt::Fixture("qwen2-q8_0.gguf"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files, std::vector<std::string>{"qwen2-q8_0.gguf"});
  EXPECT_EQ(ModelFolderKind(r->dir), "gguf");
  auto m = LoadLanguageModel("tiny/qwen");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->decoder->config().arch, "qwen2");
  bool listed = false;
  for (const auto& im : ListInstalledModels()) listed |= im.name == "tiny/qwen";
  EXPECT_TRUE(listed);
  // A truncated GGUF is refused, and neither it nor a staging folder is left behind.
  auto bytes = ReadFile(lt::Fixture("qwen2-q8_0.gguf"));
  ASSERT_TRUE(bytes.ok());
  const std::string cut = root + "/../cut-" + std::to_string(getpid()) + ".gguf";
  ASSERT_TRUE(WriteFileAtomic(cut, bytes->substr(0, bytes->size() / 2)).ok());
  auto bad = AddLocalModel("broken", cut);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("outside the file"), std::string::npos)
      << bad.status().message();
  EXPECT_TRUE(FindInstalledModel("broken").empty());
  EXPECT_FALSE(fs::exists(root + "/.partial"));
  EXPECT_FALSE(AddLocalModel("x", "/etc/hostname").ok());  // not a .gguf
  EXPECT_FALSE(AddLocalModel("../escape", lt::Fixture("qwen2-q8_0.gguf")).ok());
  EXPECT_FALSE(LoadLanguageModel("no-such-model").ok());
  fs::remove(cut);
  fs::remove_all(root);
  unsetenv("RAGDB_MODEL_CACHE");
}

}  // namespace
}  // namespace ragdb::model
