// GGUF parsing: a real fixture reads back, and damaged copies (truncated anywhere, bad offsets,
// absurd counts and dimensions, unknown types) are refused with an error, never a crash.
#include "model/llm/gguf.h"

#include <gtest/gtest.h>

#include <cstring>

#include "model/llm/decoder_model.h"
#include "model/llm/test_util.h"

namespace ragdb::model::llm {
namespace {

std::string FixtureBytes(const std::string& name) {
  auto b = ReadFile(testing::Fixture(name));
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? *b : std::string();
}

Result<std::unique_ptr<GgufFile>> ParseBytes(const std::string& b) {
  return GgufFile::Parse(reinterpret_cast<const uint8_t*>(b.data()), b.size(), "test.gguf");
}

TEST(Gguf, ReadsFixture) {
  auto g = GgufFile::Open(testing::Fixture("qwen2-q4_k.gguf"));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ((*g)->version(), 3u);
  EXPECT_EQ(*(*g)->GetString("general.architecture"), "qwen2");
  EXPECT_EQ(*(*g)->GetUInt("qwen2.embedding_length"), 256u);
  const GgufTensor* t = (*g)->FindTensor("blk.0.ffn_down.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type, GgmlType::kQ4_K);
  EXPECT_EQ(t->dims, (std::vector<uint64_t>{512, 256}));
  EXPECT_EQ(t->bytes, 256u * 2 * 144);
  EXPECT_FALSE((*g)->GetUInt("general.architecture").ok());  // a string, not a number
  EXPECT_EQ((*g)->GetUInt("missing.key").status().code(), StatusCode::kNotFound);
}

TEST(Gguf, EveryTruncationIsRefused) {
  const std::string b = FixtureBytes("llama-q4_k.gguf");
  ASSERT_FALSE(b.empty());
  // Every cut in the header region and a spread of cuts through the tensor data.
  std::vector<size_t> cuts;
  for (size_t n = 0; n < 4096 && n < b.size(); n += 7) cuts.push_back(n);
  for (size_t n = 4096; n < b.size(); n += b.size() / 97) cuts.push_back(n);
  cuts.push_back(b.size() - 1);
  for (size_t n : cuts) {
    auto g = ParseBytes(b.substr(0, n));
    EXPECT_FALSE(g.ok()) << "cut at " << n;
  }
  EXPECT_TRUE(ParseBytes(b).ok());
}

// Offsets of the fields of the first tensor entry, found by walking the header.
struct Layout {
  size_t first_tensor_dims = 0, first_tensor_type = 0, first_tensor_offset = 0, tensor_count = 8,
         kv_count = 16;
};

Layout Walk(const std::string& b) {
  Layout l;
  size_t pos = 24;
  auto u64 = [&](size_t at) {
    uint64_t v;
    std::memcpy(&v, b.data() + at, 8);
    return v;
  };
  auto u32 = [&](size_t at) {
    uint32_t v;
    std::memcpy(&v, b.data() + at, 4);
    return v;
  };
  std::function<void(uint32_t)> skip = [&](uint32_t type) {
    static const size_t sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    if (type == 8) {
      pos += 8 + u64(pos);
    } else if (type == 9) {
      uint32_t et = u32(pos);
      uint64_t n = u64(pos + 4);
      pos += 12;
      for (uint64_t i = 0; i < n; ++i) skip(et);
    } else {
      pos += sizes[type];
    }
  };
  for (uint64_t k = 0, n = u64(16); k < n; ++k) {
    pos += 8 + u64(pos);  // key
    uint32_t t = u32(pos);
    pos += 4;
    skip(t);
  }
  pos += 8 + u64(pos);  // first tensor's name
  pos += 4;             // rank
  l.first_tensor_dims = pos;
  uint32_t rank = u32(pos - 4);
  pos += 8 * rank;
  l.first_tensor_type = pos;
  l.first_tensor_offset = pos + 4;
  return l;
}

TEST(Gguf, CorruptFieldsAreNamed) {
  const std::string good = FixtureBytes("llama-f32.gguf");
  ASSERT_FALSE(good.empty());
  const Layout l = Walk(good);
  auto with = [&](size_t at, uint64_t value, size_t width) {
    std::string b = good;
    std::memcpy(b.data() + at, &value, width);
    return b;
  };
  struct Case {
    std::string bytes;
    std::string expect;
  };
  std::vector<Case> cases = {
      {with(0, 0x12345678, 4), "bad magic"},
      {with(4, 1, 4), "version 1"},
      {with(l.tensor_count, uint64_t{1} << 60, 8), "tensor count"},
      {with(l.kv_count, uint64_t{1} << 60, 8), "metadata count"},
      {with(l.first_tensor_dims, uint64_t{1} << 50, 8), "absurd dimension"},
      {with(l.first_tensor_dims, 0, 8), "absurd dimension"},
      {with(l.first_tensor_type, 3, 4), "Q4_1"},  // a ggml type we do not run
      {with(l.first_tensor_type, 999, 4), "id 999"},
      {with(l.first_tensor_offset, 7, 8), "not aligned"},
      {with(l.first_tensor_offset, uint64_t{1} << 40, 8), "outside the file"},
  };
  for (const auto& c : cases) {
    auto g = ParseBytes(c.bytes);
    ASSERT_FALSE(g.ok()) << c.expect;
    EXPECT_NE(g.status().message().find(c.expect), std::string::npos)
        << g.status().message() << " (expected '" << c.expect << "')";
  }
}

TEST(Gguf, RandomByteFlipsNeverCrash) {
  const std::string good = FixtureBytes("qwen2-mixed.gguf");
  ASSERT_FALSE(good.empty());
  const size_t header = Walk(good).first_tensor_offset + 4096;
  uint64_t seed = 12345;
  for (int i = 0; i < 400; ++i) {
    std::string b = good;
    for (int k = 0; k < 3; ++k) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      b[(seed >> 17) % std::min(header, b.size())] ^= static_cast<char>(1 + (seed >> 40) % 255);
    }
    auto g = ParseBytes(b);
    if (!g.ok()) continue;
    // A parse that passes must describe a model that loads or fails cleanly.
    std::shared_ptr<const GgufFile> shared(std::move(*g));
    auto m = DecoderModel::FromGguf(shared);
    (void)m;
  }
}

TEST(Gguf, ModelLoaderChecksShapesAndArchitecture) {
  auto g = GgufFile::Open(testing::Fixture("vocab-bpe-qwen2.gguf"));
  ASSERT_TRUE(g.ok());
  auto m = DecoderModel::FromGguf(std::shared_ptr<const GgufFile>(std::move(*g)));
  ASSERT_FALSE(m.ok());  // a vocabulary-only file has no architecture
  EXPECT_NE(m.status().message().find("general.architecture"), std::string::npos);
  EXPECT_FALSE(DecoderModel::LoadGguf("/nonexistent/model.gguf").ok());
}

}  // namespace
}  // namespace ragdb::model::llm
