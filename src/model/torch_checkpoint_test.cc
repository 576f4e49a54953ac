// The PyTorch checkpoint reader on files torch.save wrote (scripts/gen_model_fixtures.py): every
// float dtype, views, parameters, pickle protocols 2 and 4; and clear errors, never a crash, for
// truncated, corrupt or unsupported files.
#include "model/torch_checkpoint.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "model/test_util.h"

namespace ragdb::model {
namespace {

using testing::FixtureDir;

std::string Fixture(const std::string& name) {
  auto text = ReadFile(FixtureDir("torch/" + name));
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : std::string();
}

Result<std::unique_ptr<TorchCheckpoint>> ParseString(const std::string& s) {
  return TorchCheckpoint::Parse(reinterpret_cast<const uint8_t*>(s.data()), s.size(), "t.pt");
}

TEST(TorchCheckpoint, ReadsWhatTorchSaved) {
  for (const char* file : {"state_p2.pt", "state_p4.pt"}) {
    SCOPED_TRACE(file);
    auto c = TorchCheckpoint::Open(FixtureDir(std::string("torch/") + file));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    std::vector<std::string> names;
    for (const auto& [name, _] : (*c)->tensors()) names.push_back(name);
    // "note" is a string, not a tensor.
    EXPECT_EQ(names, (std::vector<std::string>{"bf16", "f16", "f32", "full", "layer.weight",
                                               "steps", "view"}));
    auto f32 = (*c)->ReadF32("f32", {2, 3});
    ASSERT_TRUE(f32.ok()) << f32.status().ToString();
    EXPECT_EQ(*f32, (std::vector<float>{0, 0.5f, 1, 1.5f, 2, 2.5f}));
    auto f16 = (*c)->ReadF32("f16", {3});
    ASSERT_TRUE(f16.ok());
    EXPECT_EQ(*f16, (std::vector<float>{1.5f, -2.25f, 3}));
    auto bf16 = (*c)->ReadF32("bf16", {2});
    ASSERT_TRUE(bf16.ok());
    EXPECT_EQ(*bf16, (std::vector<float>{0.5f, -1}));
    // A view saves its whole storage and an offset into it.
    auto view = (*c)->ReadF32("view", {3});
    ASSERT_TRUE(view.ok());
    EXPECT_EQ(*view, (std::vector<float>{2, 3, 4}));
    auto full = (*c)->ReadF32("full", {8});
    ASSERT_TRUE(full.ok());
    EXPECT_EQ((*full)[7], 7.0f);
    auto param = (*c)->ReadF32("layer.weight", {2});
    ASSERT_TRUE(param.ok());
    EXPECT_EQ(*param, (std::vector<float>{7, -7}));
    EXPECT_EQ((*c)->Find("steps")->dtype_name, "I64");
    auto steps = (*c)->ReadF32("steps", {3});
    ASSERT_FALSE(steps.ok());
    EXPECT_NE(steps.status().message().find("only F32, F16 and BF16"), std::string::npos);
    auto shape = (*c)->ReadF32("f32", {3, 2});
    ASSERT_FALSE(shape.ok());
    EXPECT_NE(shape.status().message().find("has shape [2, 3], expected [3, 2]"),
              std::string::npos);
  }
}

TEST(TorchCheckpoint, RefusesWhatItCannotRead) {
  auto nc = TorchCheckpoint::Open(FixtureDir("torch/noncontiguous.pt"));
  ASSERT_FALSE(nc.ok());
  EXPECT_NE(nc.status().message().find("tensor 't': is not contiguous"), std::string::npos)
      << nc.status().ToString();

  // torch < 1.6 wrote a pickle stream starting with a magic number, not a zip.
  std::string legacy_bytes("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);
  legacy_bytes += std::string(64, '\0');
  auto legacy = ParseString(legacy_bytes);
  ASSERT_FALSE(legacy.ok());
  EXPECT_NE(legacy.status().message().find("not a zip archive"), std::string::npos);

  // A compressed entry (method 8 patched into the first central-directory record).
  std::string bytes = Fixture("state_p2.pt");
  const size_t cd = bytes.find("PK\x01\x02");
  ASSERT_NE(cd, std::string::npos);
  std::string deflated = bytes;
  deflated[cd + 10] = 8;
  auto d = ParseString(deflated);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("is compressed"), std::string::npos);

  // A storage missing from the archive: rename every "data/0" entry.
  std::string renamed = bytes;
  for (size_t at = 0; (at = renamed.find("/data/0", at)) != std::string::npos; at += 7) {
    renamed[at + 6] = 'x';
  }
  auto m = ParseString(renamed);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("is missing"), std::string::npos) << m.status().ToString();

  EXPECT_FALSE(TorchCheckpoint::Open(FixtureDir("torch/absent.pt")).ok());
}

// Truncated at every length and each byte flipped in turn: an error or a consistent result, never
// a crash or a read outside the buffer (the sanitizer build checks the latter).
TEST(TorchCheckpoint, SurvivesTruncationAndCorruption) {
  const std::string bytes = Fixture("state_p4.pt");
  ASSERT_GT(bytes.size(), 1000u);
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::string cut = bytes.substr(0, n);  // its own allocation: overreads are caught
    EXPECT_FALSE(ParseString(cut).ok()) << "truncated to " << n;
  }
  size_t refused = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0xFF);
    auto c = ParseString(bad);
    if (!c.ok()) {
      ++refused;
      continue;
    }
    for (const auto& [name, t] : (*c)->tensors()) {
      EXPECT_GE(t.data, reinterpret_cast<const uint8_t*>(bad.data()));
      EXPECT_LE(t.data + t.bytes, reinterpret_cast<const uint8_t*>(bad.data()) + bad.size());
    }
  }
  EXPECT_GT(refused, 100u);
}

}  // namespace
}  // namespace ragdb::model
