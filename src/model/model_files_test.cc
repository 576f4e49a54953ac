// Safetensors and config.json parsing: valid files, and clear errors for malformed ones.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "model/model_config.h"
#include "model/safetensors.h"
#include "model/test_util.h"
#include "ragdb/model.h"

namespace ragdb::model {
namespace {

std::string MakeFile(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + header + data;
}

Result<std::unique_ptr<SafeTensors>> ParseString(const std::string& s) {
  return SafeTensors::Parse(reinterpret_cast<const uint8_t*>(s.data()), s.size(), "t.safetensors");
}

TEST(SafeTensors, ReadsF32F16Bf16) {
  std::string data;
  float f[2] = {1.5f, -2.0f};
  data.append(reinterpret_cast<const char*>(f), 8);
  uint16_t h[2] = {0x3C00, 0xC000};  // f16 1.0, -2.0
  data.append(reinterpret_cast<const char*>(h), 4);
  uint16_t b[2] = {0x3FC0, 0x4049};  // bf16 1.5, 3.140625
  data.append(reinterpret_cast<const char*>(b), 4);
  std::string header =
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("h":{"dtype":"F16","shape":[1,2],"data_offsets":[8,12]},)"
      R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"__metadata__":{"x":"y"}})";
  auto st = ParseString(MakeFile(header, data));
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ((*st)->tensors().size(), 3u);
  auto a = (*st)->ReadF32("a", {2});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, (std::vector<float>{1.5f, -2.0f}));
  auto hv = (*st)->ReadF32("h", {1, 2});
  ASSERT_TRUE(hv.ok());
  EXPECT_EQ(*hv, (std::vector<float>{1.0f, -2.0f}));
  auto bv = (*st)->ReadF32("b", {2});
  ASSERT_TRUE(bv.ok());
  EXPECT_EQ(*bv, (std::vector<float>{1.5f, 3.140625f}));
}

TEST(SafeTensors, ErrorsAreClear) {
  const std::string good = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string data(8, '\0');
  // Truncated: header length says more than the file has.
  std::string trunc = MakeFile(good, data).substr(0, 20);
  auto s1 = ParseString(trunc);
  ASSERT_FALSE(s1.ok());
  EXPECT_NE(s1.status().message().find("header length"), std::string::npos);
  auto s0 = ParseString("abc");
  ASSERT_FALSE(s0.ok());
  EXPECT_NE(s0.status().message().find("shorter"), std::string::npos);
  // Data cut short: offsets point past the end.
  auto s2 = ParseString(MakeFile(good, data.substr(0, 4)));
  ASSERT_FALSE(s2.ok());
  EXPECT_NE(s2.status().message().find("outside"), std::string::npos);
  // Header lies: offsets do not match dtype x shape.
  auto s3 =
      ParseString(MakeFile(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data));
  ASSERT_FALSE(s3.ok());
  EXPECT_NE(s3.status().message().find("needs 12"), std::string::npos);
  auto s4 =
      ParseString(MakeFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", data));
  EXPECT_FALSE(s4.ok());
  auto s5 = ParseString(MakeFile(R"({"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", data));
  ASSERT_FALSE(s5.ok());
  EXPECT_NE(s5.status().message().find("unknown dtype"), std::string::npos);
  auto s6 = ParseString(MakeFile("{not json", data));
  ASSERT_FALSE(s6.ok());
  EXPECT_NE(s6.status().message().find("JSON"), std::string::npos);
  // Missing tensor and wrong shape on read.
  auto st = ParseString(MakeFile(good, data));
  ASSERT_TRUE(st.ok());
  auto m = (*st)->ReadF32("b", {2});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("missing tensor 'b'"), std::string::npos);
  auto w = (*st)->ReadF32("a", {1, 2});
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("has shape [2], expected [1, 2]"), std::string::npos);
  auto i64 =
      ParseString(MakeFile(R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", data));
  ASSERT_TRUE(i64.ok());
  auto r = (*i64)->ReadF32("a", {1});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("only F32, F16 and BF16"), std::string::npos);
}

constexpr char kConfig[] = R"({"model_type":"bert","hidden_size":32,"num_hidden_layers":2,
  "num_attention_heads":4,"intermediate_size":64,"max_position_embeddings":64,"vocab_size":100,
  "hidden_act":"gelu"})";

TEST(ModelConfig, ParsesAndRejects) {
  auto c = ParseModelConfig(kConfig);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->arch, Arch::kBert);
  EXPECT_EQ(c->head_dim(), 8);
  EXPECT_EQ(c->type_vocab_size, 2);
  EXPECT_FALSE(c->classifier);

  auto with = [](const std::string& key, const std::string& value) {
    nlohmann::json j = nlohmann::json::parse(kConfig);
    j[key] = nlohmann::json::parse(value);
    return ParseModelConfig(j.dump());
  };
  auto act = with("hidden_act", "\"swish\"");
  ASSERT_FALSE(act.ok());
  EXPECT_EQ(act.status().message(),
            "config.json: hidden_act 'swish' is not supported (gelu, gelu_new, relu)");
  auto heads = with("num_attention_heads", "5");
  ASSERT_FALSE(heads.ok());
  EXPECT_NE(heads.status().message().find("num_attention_heads"), std::string::npos);
  auto type = with("model_type", "\"gpt2\"");
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.status().message().find("model_type 'gpt2'"), std::string::npos);
  auto pos = with("position_embedding_type", "\"relative_key\"");
  ASSERT_FALSE(pos.ok());
  EXPECT_NE(pos.status().message().find("position_embedding_type"), std::string::npos);
  auto neg = with("hidden_size", "-3");
  ASSERT_FALSE(neg.ok());
  EXPECT_NE(neg.status().message().find("hidden_size"), std::string::npos);
  auto str = with("vocab_size", "\"many\"");
  ASSERT_FALSE(str.ok());
  EXPECT_NE(str.status().message().find("vocab_size must be an integer"), std::string::npos);
  nlohmann::json j = nlohmann::json::parse(kConfig);
  j.erase("intermediate_size");
  auto missing = ParseModelConfig(j.dump());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "config.json: missing field 'intermediate_size'");
  auto arch = with("architectures", R"(["BertForTokenClassification"])");
  EXPECT_FALSE(arch.ok());
  auto ce = with("architectures", R"(["BertForSequenceClassification"])");
  ASSERT_TRUE(ce.ok());
  EXPECT_TRUE(ce->classifier);
  EXPECT_EQ(ce->num_labels, 1);
}

// A copy of a fixture folder in a temp dir, to break one file at a time.
class BrokenFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/model_broken_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::copy(testing::FixtureDir("bert_tiny"), dir_,
                          std::filesystem::copy_options::recursive);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Load() {
    auto e = Embedder::Load(dir_, {});
    return e.ok() ? "OK" : e.status().message();
  }
  std::string dir_;
};

TEST_F(BrokenFolder, LoadsIntact) { EXPECT_EQ(Load(), "OK"); }

TEST_F(BrokenFolder, TruncatedWeights) {
  std::filesystem::resize_file(dir_ + "/model.safetensors", 20000);
  const std::string msg = Load();
  EXPECT_NE(msg.find("model.safetensors: tensor '"), std::string::npos) << msg;
  EXPECT_NE(msg.find("lie outside the"), std::string::npos) << msg;
}

TEST_F(BrokenFolder, MissingWeights) {
  std::filesystem::remove(dir_ + "/model.safetensors");
  EXPECT_NE(Load().find("model.safetensors not found"), std::string::npos) << Load();
}

TEST_F(BrokenFolder, WrongShapeFromConfig) {
  auto text = ReadFile(dir_ + "/config.json");
  ASSERT_TRUE(text.ok());
  nlohmann::json j = nlohmann::json::parse(*text);
  j["intermediate_size"] = 48;
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/config.json", j.dump()).ok());
  EXPECT_NE(Load().find("'encoder.layer.0.intermediate.dense.weight' has shape [64, 32], expected "
                        "[48, 32]"),
            std::string::npos)
      << Load();
}

TEST_F(BrokenFolder, BadConfigField) {
  auto text = ReadFile(dir_ + "/config.json");
  ASSERT_TRUE(text.ok());
  nlohmann::json j = nlohmann::json::parse(*text);
  j["hidden_act"] = "swish";
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/config.json", j.dump()).ok());
  EXPECT_EQ(Load(), "config.json: hidden_act 'swish' is not supported (gelu, gelu_new, relu)");
}

TEST_F(BrokenFolder, NoTokenizer) {
  std::filesystem::remove(dir_ + "/tokenizer.json");
  EXPECT_EQ(Load(), "OK");  // vocab.txt is enough
  std::filesystem::remove(dir_ + "/vocab.txt");
  EXPECT_NE(Load().find("no tokenizer.json, vocab.txt"), std::string::npos) << Load();
}

TEST_F(BrokenFolder, RerankerNeedsClassifier) {
  auto r = Reranker::Load(dir_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not a cross-encoder"), std::string::npos);
}

}  // namespace
}  // namespace ragdb::model
