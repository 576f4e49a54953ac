// Tokenizers: llama.cpp's own regression cases for the LLaMA SentencePiece vocabulary; byte-level
// BPE under the GPT-2, Llama 3 and Qwen2 pre-tokenizers against a Python reference (the `regex`
// module running the published patterns, GPT-2's merge loop); special tokens; streaming decode.
#include <gtest/gtest.h>

#include <sstream>

#include "model/llm/llm_tokenizer.h"
#include "model/llm/pretokenize.h"
#include "model/llm/test_util.h"

namespace ragdb::model::llm {
namespace {

std::unique_ptr<LlmTokenizer> Load(const std::string& path) {
  auto g = GgufFile::Open(path);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  if (!g.ok()) return nullptr;
  auto t = LlmTokenizer::FromGguf(**g);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(*t) : nullptr;
}

TEST(SpmTokenizer, LlamaVocabMatchesLlamaCppCases) {
  const std::string dir = testing::SharedData() + "/tokenizer-vocab-gguf/";
  auto inp = ReadFile(dir + "ggml-vocab-llama-spm.gguf.inp");
  auto out = ReadFile(dir + "ggml-vocab-llama-spm.gguf.out");
  ASSERT_TRUE(inp.ok() && out.ok()) << "shared data missing: set RAGDB_SHARED_DATA";
  auto tok = Load(dir + "ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->size(), 32000u);
  EXPECT_EQ(tok->bos(), 1);
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> inputs, expected;
  for (size_t pos = 0;;) {
    size_t end = inp->find(sep, pos);
    if (end == std::string::npos) break;
    inputs.push_back(inp->substr(pos, end - pos));
    pos = end + sep.size();
  }
  std::istringstream lines(*out);
  for (std::string line; std::getline(lines, line);) expected.push_back(line);
  ASSERT_EQ(inputs.size(), expected.size());
  size_t checked = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::vector<int32_t> want;
    std::istringstream ids(expected[i]);
    for (int32_t id; ids >> id;) want.push_back(id);
    auto got = tok->Encode(inputs[i], /*add_bos=*/false, /*parse_special=*/false);
    EXPECT_EQ(got, want) << "input " << i << ": '" << inputs[i] << "'";
    // Decoding gives the text back (SentencePiece adds one leading space).
    if (!inputs[i].empty()) EXPECT_EQ(tok->Decode(got, /*after_bos=*/true), inputs[i]);
    ++checked;
  }
  EXPECT_GE(checked, 40u);
}

TEST(SpmTokenizer, Llama2cFileAndGgufAgree) {
  const std::string dir = testing::SharedData() + "/tinyllm-stories260K/";
  auto a = LlmTokenizer::FromLlama2c(dir + "tok512.bin", 512);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = Load(testing::Fixture("stories260K-f32.gguf"));
  ASSERT_NE(b, nullptr);
  for (const char* text : {"Once upon a time, there was a little girl named Lily.",
                           "  two spaces\nand a newline", "Ünïcödé 東京 🦙", ""}) {
    auto ia = (*a)->Encode(text, true, false);
    EXPECT_EQ(ia, b->Encode(text, true, false)) << text;
    EXPECT_EQ(ia.front(), 1);
    EXPECT_EQ((*a)->Decode({ia.begin() + 1, ia.end()}, true), text);
  }
  EXPECT_FALSE(LlmTokenizer::FromLlama2c(dir + "stories260K.bin", 512).ok());
}

class BpeCases : public ::testing::TestWithParam<std::string> {};

TEST_P(BpeCases, MatchPythonReference) {
  const std::string pre = GetParam();
  auto tok = Load(testing::Fixture("vocab-bpe-" + pre + ".gguf"));
  ASSERT_NE(tok, nullptr);
  const auto& cases = testing::Reference()["bpe"][pre];
  ASSERT_GE(cases.size(), 15u);
  for (const auto& c : cases) {
    const std::string text = c["text"];
    auto got = tok->Encode(text, false, false);
    EXPECT_EQ(got, c["ids"].get<std::vector<int32_t>>()) << pre << ": '" << text << "'";
    EXPECT_EQ(tok->Decode(got), text);
  }
}

INSTANTIATE_TEST_SUITE_P(PreTokenizers, BpeCases, ::testing::Values("gpt2", "llama-bpe", "qwen2"));

TEST(BpeTokenizer, SpecialTokensOnlyWhenAsked) {
  auto tok = Load(testing::Fixture("vocab-bpe-qwen2.gguf"));
  ASSERT_NE(tok, nullptr);
  const int32_t start = tok->Find("<|im_start|>"), end = tok->Find("<|im_end|>");
  ASSERT_GE(start, 0);
  auto with = tok->Encode("<|im_start|>user\nhi<|im_end|>", false, true);
  EXPECT_EQ(with.front(), start);
  EXPECT_NE(std::find(with.begin(), with.end(), end), with.end());
  auto without = tok->Encode("<|im_start|>user", false, false);
  EXPECT_EQ(std::find(without.begin(), without.end(), start), without.end());
  EXPECT_TRUE(tok->IsEndOfGeneration(end));
  EXPECT_TRUE(tok->IsEndOfGeneration(tok->eos()));
  EXPECT_EQ(tok->Piece(end), "");  // control tokens print nothing
  EXPECT_EQ(tok->Piece(end, true), "<|im_end|>");
  EXPECT_FALSE(tok->adds_bos());
}

TEST(PreTokenize, PiecesCoverTheText) {
  for (PreTokenizer kind : {PreTokenizer::kGpt2, PreTokenizer::kLlama3, PreTokenizer::kQwen2}) {
    const std::string text = "a\xff\xfe b \x80 12345 \n\n x";  // invalid UTF-8 included
    std::string joined;
    for (auto p : PreTokenize(text, kind)) {
      EXPECT_FALSE(p.empty());
      joined += p;
    }
    EXPECT_EQ(joined, text);
  }
  auto q = PreTokenize("12345", PreTokenizer::kQwen2);
  EXPECT_EQ(q.size(), 5u);
  auto l = PreTokenize("12345", PreTokenizer::kLlama3);
  EXPECT_EQ(l.size(), 2u);  // 123 45
}

TEST(Utf8Stream, HoldsBackPartialCharacters) {
  Utf8Stream s;
  const std::string llama = "\xF0\x9F\xA6\x99";  // U+1F999
  EXPECT_EQ(s.Push("a"), "a");
  EXPECT_EQ(s.Push(llama.substr(0, 1)), "");
  EXPECT_EQ(s.Push(llama.substr(1, 2)), "");
  EXPECT_EQ(s.Push(llama.substr(3) + "b"), llama + "b");
  EXPECT_EQ(s.Push("\xE6"), "");
  EXPECT_EQ(s.Flush(), "\xEF\xBF\xBD");
}

}  // namespace
}  // namespace ragdb::model::llm
