// Corrupt, truncated and garbage blobs must give Corruption (or, without checksums, a structure
// error) and never crash; a blob that still opens must still search safely.
#include "index/format.h"

#include <gtest/gtest.h>

#include <random>

#include "index/test_util.h"
#include "index/vector_index.h"

namespace ragdb::index {
namespace {

constexpr size_t kN = 800, kD = 16;

std::string BuildBlob(IndexKind kind, const std::vector<float>& x, Quantization q) {
  IndexConfig c;
  c.kind = kind;
  c.dim = kD;
  c.m = 8;
  c.ef_construction = 40;
  c.nlist = 16;
  c.pq_m = 4;
  c.quantization = q;
  auto idx = BuildIndex(c, x.data(), kN, nullptr);
  EXPECT_TRUE(idx.ok());
  std::string blob;
  EXPECT_TRUE((*idx)->Serialize(&blob).ok());
  return blob;
}

TEST(Format, GarbageAndTruncation) {
  auto s = testing::MakeData(kN, 4, kD, 4, 51);
  for (IndexKind kind : {IndexKind::kHnsw, IndexKind::kIvfFlat, IndexKind::kIvfPq}) {
    std::string blob = BuildBlob(kind, s.x, Quantization::kSq8);
    EXPECT_EQ(OpenIndex("", s.x.data(), kN).status().code(), StatusCode::kCorruption);
    EXPECT_EQ(OpenIndex(std::string(1000, 'x'), s.x.data(), kN).status().code(),
              StatusCode::kCorruption);
    for (size_t len : {size_t{10}, size_t{64}, size_t{100}, blob.size() / 2, blob.size() - 1}) {
      testing::AlignedBytes a(blob.substr(0, len));
      EXPECT_EQ(OpenIndex(a.view(), s.x.data(), kN).status().code(), StatusCode::kCorruption)
          << len;
    }
    std::mt19937_64 rng(52);
    for (int t = 0; t < 50; ++t) {
      std::string bad = blob;
      bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
      testing::AlignedBytes a(bad);
      auto r = OpenIndex(a.view(), s.x.data(), kN);
      // Either a flipped padding byte (harmless) or Corruption.
      if (!r.ok()) EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    }
  }
}

// With checksums off, flipped bytes reach the structural checks; anything that opens must search.
TEST(Format, StructureChecksWithoutChecksums) {
  auto s = testing::MakeData(kN, 4, kD, 4, 53);
  OpenOptions no_crc;
  no_crc.verify_checksums = false;
  for (IndexKind kind : {IndexKind::kHnsw, IndexKind::kIvfPq}) {
    std::string blob = BuildBlob(kind, s.x, Quantization::kNone);
    std::mt19937_64 rng(54);
    size_t opened = 0, rejected = 0;
    for (int t = 0; t < 300; ++t) {
      std::string bad = blob;
      for (int f = 0; f < 4; ++f) {
        size_t pos = 64 + 32 * 8 + rng() % (bad.size() - 64 - 32 * 8);  // past the header
        bad[pos] = static_cast<char>(rng());
      }
      testing::AlignedBytes a(bad);
      auto r = OpenIndex(a.view(), s.x.data(), kN, no_crc);
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().ToString();
        ++rejected;
        continue;
      }
      ++opened;
      for (size_t i = 0; i < 4; ++i) {
        auto got = (*r)->Search(&s.q[i * kD], 5, SearchParams{.ef = 20, .nprobe = 4}, nullptr);
        for (const Neighbor& nb : got) EXPECT_LT(nb.row, kN);
      }
    }
    EXPECT_GT(rejected, 0u);
    RecordProperty("opened", std::to_string(opened));
  }
}

TEST(Format, WrongRowCountIsAnError) {
  auto s = testing::MakeData(kN, 4, kD, 4, 55);
  std::string blob = BuildBlob(IndexKind::kHnsw, s.x, Quantization::kNone);
  testing::AlignedBytes a(blob);
  EXPECT_FALSE(OpenIndex(a.view(), s.x.data(), kN - 1).ok());
}

}  // namespace
}  // namespace ragdb::index
