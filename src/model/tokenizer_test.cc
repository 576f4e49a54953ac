// Tokenizers: ids must equal what Hugging Face's tokenizers produce.
#include "model/tokenizer.h"

#include <gtest/gtest.h>

#include "model/test_util.h"

namespace ragdb::model {
namespace {

std::vector<int32_t> Ids(const nlohmann::json& j) { return j.get<std::vector<int32_t>>(); }

// The real bert-base-uncased / bge vocabulary with llama.cpp's tokenizer regression cases, whose
// expected ids came from the Hugging Face tokenizer.
TEST(WordPiece, RealVocabMatchesHuggingFace) {
  const std::string dir = testing::SourceDir() + "/../shared/data/tokenizer-vocab-gguf/";
  auto vocab = ReadFile(dir + "vocab.txt");
  auto inp = ReadFile(dir + "ggml-vocab-bert-bge.gguf.inp");
  auto out = ReadFile(dir + "ggml-vocab-bert-bge.gguf.out");
  if (!vocab.ok() || !inp.ok() || !out.ok()) GTEST_SKIP() << "shared tokenizer data not present";
  auto tok = Tokenizer::FromVocabTxt(*vocab, /*lowercase=*/true);
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> inputs;
  for (size_t pos = 0;;) {
    size_t end = inp->find(sep, pos);
    if (end == std::string::npos) break;
    inputs.push_back(inp->substr(pos, end - pos));
    pos = end + sep.size();
  }
  std::vector<std::vector<int32_t>> expected;
  for (size_t pos = 0; pos < out->size();) {
    size_t end = out->find('\n', pos);
    if (end == std::string::npos) end = out->size();
    std::vector<int32_t> ids;
    std::string line = out->substr(pos, end - pos);
    for (size_t i = 0; i < line.size();) {
      while (i < line.size() && line[i] == ' ') ++i;
      if (i >= line.size()) break;
      ids.push_back(std::stoi(line.substr(i)));
      while (i < line.size() && line[i] != ' ') ++i;
    }
    expected.push_back(ids);
    pos = end + 1;
  }
  ASSERT_GE(inputs.size(), 30u);
  ASSERT_EQ(inputs.size(), expected.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto ids = (*tok)->Tokenize(inputs[i]);
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(*ids, expected[i]) << "input " << i << ": '" << inputs[i] << "'";
  }
  // Specials and the [CLS] a [SEP] b [SEP] pair layout with token types.
  auto pair = (*tok)->EncodePair("hello", "world", 0);
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->ids, (std::vector<int32_t>{101, 7592, 102, 2088, 102}));
  EXPECT_EQ(pair->type_ids, (std::vector<int32_t>{0, 0, 0, 1, 1}));
}

class FixtureTokenizer : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureTokenizer, MatchesReference) {
  const std::string name = GetParam();
  const auto& ref = testing::Reference()[name.starts_with("bert") ? "bert_tiny" : "xlmr_tiny"];
  ASSERT_TRUE(ref.is_object()) << "reference.json missing";
  const std::string dir = testing::FixtureDir(name.starts_with("bert") ? "bert_tiny" : "xlmr_tiny");
  std::unique_ptr<Tokenizer> tok;
  if (name == "bert_vocab_txt") {
    auto text = ReadFile(dir + "/vocab.txt");
    ASSERT_TRUE(text.ok());
    auto t = Tokenizer::FromVocabTxt(*text, true);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    tok = std::move(*t);
  } else {
    auto t = Tokenizer::Load(dir, name.starts_with("bert") ? Arch::kBert : Arch::kXlmRoberta);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    tok = std::move(*t);
    EXPECT_EQ(tok->model_max_length(), 64u);
  }
  const auto& texts = ref["texts"];
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string text = texts[i];
    auto ids = tok->Tokenize(text);
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(*ids, Ids(ref["tokens"][i])) << "text " << i << ": '" << text << "'";
    auto enc = tok->Encode(text, 64);
    ASSERT_TRUE(enc.ok());
    EXPECT_EQ(enc->ids, Ids(ref["ids"][i])) << "text " << i;
    EXPECT_LE(enc->ids.size(), 64u);
  }
}

INSTANTIATE_TEST_SUITE_P(All, FixtureTokenizer,
                         ::testing::Values("bert_tokenizer_json", "bert_vocab_txt", "xlmr"));

TEST(Tokenizer, PairsMatchReference) {
  for (const char* name : {"bert_tiny_ce", "xlmr_tiny_ce"}) {
    const auto& ref = testing::Reference()[name];
    auto tok =
        Tokenizer::Load(testing::FixtureDir(name),
                        std::string(name).starts_with("bert") ? Arch::kBert : Arch::kXlmRoberta);
    ASSERT_TRUE(tok.ok()) << tok.status().ToString();
    for (size_t i = 0; i < ref["docs"].size(); ++i) {
      auto e = (*tok)->EncodePair(ref["query"].get<std::string>(),
                                  ref["docs"][i].get<std::string>(), 64);
      ASSERT_TRUE(e.ok());
      EXPECT_EQ(e->ids, Ids(ref["pair_ids"][i])) << name << " doc " << i;
      EXPECT_EQ(e->type_ids, Ids(ref["pair_type_ids"][i])) << name << " doc " << i;
    }
  }
}

TEST(Tokenizer, XlmrPairLayoutAndSpecials) {
  auto tok = Tokenizer::Load(testing::FixtureDir("xlmr_tiny"), Arch::kXlmRoberta);
  ASSERT_TRUE(tok.ok());
  auto e = (*tok)->EncodePair("a", "a", 0);
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->ids.size(), 6u);  // <s> ▁a </s></s> ▁a </s>
  EXPECT_EQ(e->ids, (std::vector<int32_t>{0, e->ids[1], 2, 2, e->ids[1], 2}));
  EXPECT_EQ(e->type_ids, std::vector<int32_t>(6, 0));
  // Longest-first truncation: the longer side loses tokens first.
  auto t = (*tok)->EncodePair("a a a a a a", "a", 8);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ids.size(), 8u);
  EXPECT_EQ(t->ids[t->ids.size() - 2], e->ids[4]);
}

TEST(Tokenizer, RejectsInvalidUtf8) {
  auto tok = Tokenizer::Load(testing::FixtureDir("bert_tiny"), Arch::kBert);
  ASSERT_TRUE(tok.ok());
  for (std::string bad : {std::string("abc\xff"), std::string("\xc3"), std::string("\xed\xa0\x80"),
                          std::string("\xc0\xaf")}) {
    auto r = (*tok)->Encode(bad, 0);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("not valid UTF-8"), std::string::npos);
  }
}

TEST(Tokenizer, BadTokenizerJson) {
  auto a = Tokenizer::FromTokenizerJson(R"({"model":{"type":"BPE"}})", Arch::kBert);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("model type 'BPE' is not supported"), std::string::npos);
  auto b = Tokenizer::FromTokenizerJson(
      R"({"normalizer":{"type":"Fancy"},"model":{"type":"WordPiece","vocab":{}}})", Arch::kBert);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("normalizer type 'Fancy'"), std::string::npos);
  auto c = Tokenizer::FromTokenizerJson(R"({"model":{"type":"WordPiece","vocab":{"a":0}}})",
                                        Arch::kBert);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("unk_token"), std::string::npos);
  auto d = Tokenizer::FromTokenizerJson("[", Arch::kBert);
  EXPECT_FALSE(d.ok());
}

}  // namespace
}  // namespace ragdb::model
