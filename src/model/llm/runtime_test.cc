// The decoder against a plain PyTorch implementation of each architecture (make_fixtures.py):
// prompt logits and 32 greedy tokens for Llama (GQA, Llama 3 RoPE frequency factors), Qwen2
// (q/k/v biases), Qwen3 (q/k norms, wider heads, linear RoPE scaling), in F32, Q8_0, Q4_K and a
// mix of Q4_0 / Q5_K / Q6_K / F16 / BF16 (the reference runs on the dequantized weights).
// Then stories260K's verified text, speculative decoding, sampling and stop strings.
#include <gtest/gtest.h>

#include <cmath>

#include "model/llm/chat_template.h"
#include "model/llm/decoder_state.h"
#include "model/llm/generator.h"
#include "model/llm/language_model.h"
#include "model/llm/test_util.h"

namespace ragdb::model::llm {
namespace {

std::shared_ptr<const LanguageModel> LoadModel(const std::string& path) {
  auto m = LanguageModel::Load(path, path);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : nullptr;
}

struct Case {
  std::string name;
  double logit_tol;  // max abs error of any logit (8-bit activations)
};

class AgainstReference : public ::testing::TestWithParam<Case> {
 protected:
  void Check(const Case& c, bool float_activations);
};

// Every model twice: with f32 activations (the reference's arithmetic: logits within 1e-3 and
// all 32 greedy tokens equal, so the file's weights are read exactly), and as it runs in
// production, with the integer kernels' 8-bit activations (F32 models are the same both ways).
// There the logits carry the activation rounding, so a greedy step may pick another token only
// where the reference's top two logits were closer than twice the tolerance; the comparison
// stops at the first such near-tie.
TEST_P(AgainstReference, FloatActivations) { Check(GetParam(), true); }
TEST_P(AgainstReference, IntegerKernels) { Check(GetParam(), false); }

void AgainstReference::Check(const Case& param, bool float_activations) {
  Case c = param;
  if (float_activations) c.logit_tol = 1e-3;
  const auto& ref = testing::Reference()["models"][c.name];
  ASSERT_FALSE(ref.is_null()) << "no reference for " << c.name;
  auto g = GgufFile::Open(testing::Fixture(c.name + ".gguf"));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto model = DecoderModel::FromGguf(std::shared_ptr<const GgufFile>(std::move(*g)));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const auto prompt = ref["prompt"].get<std::vector<int32_t>>();
  const auto want = ref["logits"].get<std::vector<float>>();
  const size_t vocab = ref["vocab"];
  DecoderState state(**model, 128);
  state.set_float_activations(float_activations);
  std::vector<float> logits;
  ASSERT_TRUE(state.Forward(prompt, ForwardOutput::kAllLogits, &logits).ok());
  ASSERT_EQ(logits.size(), want.size());
  double max_err = 0, max_abs = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    max_err = std::max(max_err, std::fabs(static_cast<double>(logits[i]) - want[i]));
    max_abs = std::max(max_abs, std::fabs(static_cast<double>(want[i])));
  }
  EXPECT_LE(max_err, c.logit_tol) << c.name << " (logits up to " << max_abs << ")";
  // Greedy continuation, one token at a time through the cache.
  std::vector<int32_t> got;
  int32_t next = Sampler::Argmax(logits.data() + (prompt.size() - 1) * vocab, vocab);
  for (int i = 0; i < 32; ++i) {
    got.push_back(next);
    ASSERT_TRUE(state.Forward({&next, 1}, ForwardOutput::kLastLogits, &logits).ok());
    next = Sampler::Argmax(logits.data(), vocab);
  }
  const auto want_tokens = ref["greedy"].get<std::vector<int32_t>>();
  const auto margins = ref["margins"].get<std::vector<double>>();
  if (float_activations || c.logit_tol <= 1e-3) {
    EXPECT_EQ(got, want_tokens) << c.name;
    return;
  }
  size_t same = 0;
  while (same < got.size() && got[same] == want_tokens[same]) ++same;
  if (same < got.size()) {
    EXPECT_LT(margins[same], 2 * c.logit_tol)
        << c.name << ": token " << same << " differs where the reference was sure";
  }
  EXPECT_GE(same, 8u) << c.name;
}

// F32 within 1e-3 (the bound); quantized types carry the 8-bit activation rounding of
// the integer kernels on top (the reference multiplies f32 activations).
INSTANTIATE_TEST_SUITE_P(Models, AgainstReference,
                         ::testing::Values(Case{"llama-f32", 1e-3}, Case{"qwen2-f32", 1e-3},
                                           Case{"qwen3-f32", 1e-3}, Case{"draft-f32", 1e-3},
                                           Case{"llama-q8_0", 1.2}, Case{"llama-q4_k", 1.2},
                                           Case{"qwen2-q8_0", 1.2}, Case{"qwen2-q4_k", 1.2},
                                           Case{"qwen2-mixed", 1.2}),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (char& ch : n) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

// Prompts of 16+ tokens run as f32 GEMM on dequantized weights: the same numbers as the
// reference-mode pass (f32 activations), whatever the weight types.
TEST(BatchedPrompt, GemmPathMatchesFloatActivations) {
  for (const std::string name : {"llama-q4_k", "qwen2-mixed", "qwen3-f32"}) {
    auto g = GgufFile::Open(testing::Fixture(name + ".gguf"));
    ASSERT_TRUE(g.ok());
    auto model = DecoderModel::FromGguf(std::shared_ptr<const GgufFile>(std::move(*g)));
    ASSERT_TRUE(model.ok());
    std::vector<int32_t> prompt;
    for (int i = 0; i < 150; ++i) prompt.push_back((i * 37 + 11) % 400);  // > 2 chunks of 64
    DecoderState a(**model, 256), b(**model, 256);
    b.set_float_activations(true);
    std::vector<float> la, lb;
    ASSERT_TRUE(a.Forward(prompt, ForwardOutput::kAllLogits, &la).ok());
    ASSERT_TRUE(b.Forward(prompt, ForwardOutput::kAllLogits, &lb).ok());
    ASSERT_EQ(la.size(), lb.size());
    double err = 0;
    for (size_t i = 0; i < la.size(); ++i) err = std::max(err, std::fabs(double(la[i]) - lb[i]));
    EXPECT_LT(err, 1e-3) << name;
    // The cache it leaves continues like token-by-token decoding does.
    std::vector<float> next;
    int32_t t = 5;
    ASSERT_TRUE(a.Forward({&t, 1}, ForwardOutput::kLastLogits, &next).ok());
    EXPECT_EQ(a.position(), 151u);
  }
}

TEST(Stories260K, VerifiedGreedyTextFromCheckpointAndGguf) {
  const std::string dir = testing::SharedData() + "/tinyllm-stories260K";
  auto expected = ReadFile(dir + "/expected_greedy_200tok.txt");
  ASSERT_TRUE(expected.ok()) << "shared data missing: set RAGDB_SHARED_DATA";
  for (const std::string path : {dir, testing::Fixture("stories260K-f32.gguf")}) {
    auto m = LoadModel(path);
    ASSERT_NE(m, nullptr);
    GenerateOptions o;
    o.sampling.temperature = 0;
    o.max_tokens = 200;
    o.strip_leading_space = true;
    std::string streamed;
    o.on_text = [&](const std::string& s) {
      streamed += s;
      return true;
    };
    auto r = Generate(*m, m->tokenizer->Encode("", true, false), o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->text, *expected) << path;
    EXPECT_EQ(streamed, r->text);
    EXPECT_EQ(r->tokens.size(), 200u);
    EXPECT_EQ(r->finish_reason, "length");
  }
}

TEST(Stories260K, QuantizedGgufStaysClose) {
  // Q8_0 weights change the numbers a little; the story should start the same way.
  auto m = LoadModel(testing::Fixture("stories260K-q8_0.gguf"));
  ASSERT_NE(m, nullptr);
  GenerateOptions o;
  o.sampling.temperature = 0;
  o.max_tokens = 12;
  o.strip_leading_space = true;
  auto r = Generate(*m, m->tokenizer->Encode("", true, false), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text.rfind("Once upon a time", 0), 0u) << r->text;
}

TEST(Speculative, GreedyOutputIdenticalWithAndWithoutDraft) {
  auto target = LoadModel(testing::Fixture("llama-f32.gguf"));
  auto draft = LoadModel(testing::Fixture("draft-f32.gguf"));
  auto self = LoadModel(testing::Fixture("llama-q8_0.gguf"));
  ASSERT_TRUE(target && draft && self);
  const auto prompt = target->tokenizer->Encode("Once upon a time", true, false);
  GenerateOptions o;
  o.sampling.temperature = 0;
  o.max_tokens = 32;
  auto plain = Generate(*target, prompt, o);
  ASSERT_TRUE(plain.ok());
  for (const LanguageModel* d : {draft.get(), self.get(), target.get()}) {
    for (size_t k : {1, 4}) {
      GenerateOptions s = o;
      s.draft = d;
      s.draft_tokens = k;
      auto spec = Generate(*target, prompt, s);
      ASSERT_TRUE(spec.ok()) << spec.status().ToString();
      EXPECT_EQ(spec->tokens, plain->tokens) << "k=" << k;
      EXPECT_EQ(spec->text, plain->text);
      EXPECT_GT(spec->draft_proposed, 0u);
      if (d == target.get()) EXPECT_EQ(spec->draft_accepted, spec->draft_proposed);
    }
  }
}

TEST(Speculative, DifferentVocabularyIsRefused) {
  auto target = LoadModel(testing::Fixture("llama-f32.gguf"));
  auto other = LoadModel(testing::Fixture("qwen2-f32.gguf"));
  ASSERT_TRUE(target && other);
  GenerateOptions o;
  o.sampling.temperature = 0;
  o.draft = other.get();
  auto r = Generate(*target, {1, 5}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("vocabulary"), std::string::npos);
}

TEST(Sampling, SeededAndFiltered) {
  auto m = LoadModel(testing::Fixture("stories260K-f32.gguf"));
  ASSERT_NE(m, nullptr);
  const auto prompt = m->tokenizer->Encode("Lily", true, false);
  GenerateOptions o;
  o.max_tokens = 40;
  o.sampling.temperature = 1.0f;
  o.sampling.seed = 42;
  auto a = Generate(*m, prompt, o), b = Generate(*m, prompt, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->tokens, b->tokens);  // same seed, same tokens
  bool differs = false;
  for (uint64_t seed = 1; seed < 6 && !differs; ++seed) {
    o.sampling.seed = seed;
    auto c = Generate(*m, prompt, o);
    ASSERT_TRUE(c.ok());
    differs = c->tokens != a->tokens;
  }
  EXPECT_TRUE(differs);
  // top_k = 1 is greedy whatever the temperature.
  GenerateOptions g = o;
  g.sampling.top_k = 1;
  GenerateOptions greedy = o;
  greedy.sampling.temperature = 0;
  EXPECT_EQ(Generate(*m, prompt, g)->tokens, Generate(*m, prompt, greedy)->tokens);
  // Sampler filters on a hand-made distribution.
  SamplingOptions so;
  so.temperature = 1.0f;
  so.top_k = 0;
  so.top_p = 1.0f;
  so.min_p = 0.5f;  // only tokens at least half as likely as the best survive
  Sampler s(so);
  std::vector<float> logits = {0.0f, std::log(0.6f), -10.0f, std::log(0.45f)};
  for (int i = 0; i < 200; ++i) {
    std::vector<float> l = logits;
    const int32_t t = s.Sample(l.data(), l.size(), {});
    EXPECT_TRUE(t == 0 || t == 1) << t;
  }
  SamplingOptions rp;
  rp.temperature = 0;
  rp.repeat_penalty = 2.0f;
  std::vector<float> l = {1.0f, 0.8f};
  EXPECT_EQ(Sampler(rp).Sample(l.data(), 2, {0}), 1);  // 1.0 / 2 < 0.8
}

TEST(Generate, StopStringsEndTextAndAreNotEmitted) {
  auto m = LoadModel(testing::Fixture("stories260K-f32.gguf"));
  ASSERT_NE(m, nullptr);
  GenerateOptions o;
  o.sampling.temperature = 0;
  o.max_tokens = 200;
  o.strip_leading_space = true;
  o.stop = {"little girl", "never appears"};
  std::string streamed;
  o.on_text = [&](const std::string& s) {
    streamed += s;
    return true;
  };
  auto r = Generate(*m, m->tokenizer->Encode("", true, false), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "Once upon a time, there was a ");
  EXPECT_EQ(streamed, r->text);
  EXPECT_EQ(r->finish_reason, "stop");
  // The callback can cancel.
  o.stop.clear();
  int calls = 0;
  o.on_text = [&](const std::string&) { return ++calls < 3; };
  auto c = Generate(*m, m->tokenizer->Encode("", true, false), o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->finish_reason, "cancelled");
  EXPECT_EQ(calls, 3);
}

TEST(Generate, ContextLimitsAreErrors) {
  auto m = LoadModel(testing::Fixture("llama-f32.gguf"));
  ASSERT_NE(m, nullptr);
  DecoderState state(*m->decoder, 8);
  std::vector<float> out;
  std::vector<int32_t> nine(9, 5);
  EXPECT_EQ(state.Forward(nine, ForwardOutput::kLastLogits, &out).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(state.Forward({{-1}}, ForwardOutput::kLastLogits, &out).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(state.Forward({{512}}, ForwardOutput::kLastLogits, &out).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(state.position(), 0u);
  GenerateOptions o;
  o.context = 8;
  o.max_tokens = 100;
  o.sampling.temperature = 0;
  auto r = Generate(*m, {1, 2, 3}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->finish_reason, "length");
  EXPECT_LE(r->prompt_tokens + r->tokens.size(), 8u);
}

TEST(ChatTemplate, FormatsFromTemplateMarkers) {
  EXPECT_EQ(DetectChatFormat("{{ '<|start_header_id|>' }}"), ChatFormat::kLlama3);
  EXPECT_EQ(DetectChatFormat("<|im_start|>"), ChatFormat::kChatMl);
  EXPECT_EQ(DetectChatFormat("[INST]"), ChatFormat::kLlama2);
  EXPECT_EQ(DetectChatFormat("<start_of_turn>"), ChatFormat::kGemma);
  EXPECT_EQ(DetectChatFormat(""), ChatFormat::kChatMl);
  std::vector<ChatTurn> turns = {{"system", "Be brief."}, {"user", "Hi"}};
  EXPECT_EQ(ApplyChatTemplate(ChatFormat::kChatMl, turns),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(ApplyChatTemplate(ChatFormat::kLlama3, turns),
            "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(ApplyChatTemplate(ChatFormat::kLlama2, turns),
            "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]");
  // A Qwen-style model: the template's special tokens become single ids.
  auto m = LoadModel(testing::Fixture("qwen2-f32.gguf"));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->chat_format, ChatFormat::kChatMl);
  auto ids = m->ChatPrompt(turns);
  EXPECT_EQ(ids.front(), m->tokenizer->Find("<|im_start|>"));
}

}  // namespace
}  // namespace ragdb::model::llm
