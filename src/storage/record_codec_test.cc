#include "storage/record_codec.h"

#include <gtest/gtest.h>

namespace ragdb::storage {
namespace {

Record Sample() {
  Record r;
  r.id = PointId("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
  r.vectors[""] = {1.5f, -2.0f, 0.0f};
  r.vectors["title"] = {0.25f};
  r.sparse_vectors["bm"] = SparseVector{{1, 7, 900}, {0.5f, 1.0f, 2.0f}};
  r.payload = Json::parse(R"({"cat": "news", "n": 3, "x": 1.5, "ok": true, "z": null,
                             "tags": ["a", "b"], "nested": {"k": [1, {"d": 2}]}})");
  r.text = "hello world";
  return r;
}

TEST(RecordCodec, RoundTrip) {
  Record r = Sample();
  std::string bytes;
  EncodeRecord(r, &bytes);
  ByteReader in(bytes);
  Record back;
  ASSERT_TRUE(DecodeRecord(&in, &back).ok());
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(back.id, r.id);
  EXPECT_EQ(back.vectors, r.vectors);
  EXPECT_EQ(back.sparse_vectors, r.sparse_vectors);
  EXPECT_EQ(back.payload, r.payload);
  EXPECT_EQ(back.text, r.text);
}

TEST(RecordCodec, EveryTruncationIsAnError) {
  std::string bytes;
  EncodeRecord(Sample(), &bytes);
  for (size_t len = 0; len < bytes.size(); ++len) {
    ByteReader in(std::string_view(bytes).substr(0, len));
    Record back;
    EXPECT_FALSE(DecodeRecord(&in, &back).ok()) << len;
  }
}

TEST(RecordCodec, TypedFormStoresCompactVectorsAndRoundTrips) {
  Record r = Sample();
  r.vectors[""] = {1, -2, 127, -128, 0};
  r.vectors["title"] = {1, 0, 0, 1, 1, 0, 1, 0, 1};
  r.vectors["h"] = {0.5f, -1.25f, 1024.0f};
  VectorTypes types{
      {"", ElementType::kInt8}, {"title", ElementType::kBinary}, {"h", ElementType::kFloat16}};
  std::string typed, plain;
  EncodeRecord(r, &typed, &types);
  EncodeRecord(r, &plain);
  // int8: 5 bytes instead of 20, binary: 2 instead of 36, float16: 6 instead of 12; one type
  // byte per vector.
  EXPECT_EQ(plain.size() - typed.size(), (20 - 5) + (36 - 2) + (12 - 6) - 3u);
  ByteReader in(typed);
  Record back;
  ASSERT_TRUE(DecodeRecord(&in, &back, /*typed=*/true).ok());
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(back.vectors, r.vectors);
  EXPECT_EQ(back.payload, r.payload);
  for (size_t len = 0; len < typed.size(); ++len) {
    ByteReader cut(std::string_view(typed).substr(0, len));
    EXPECT_FALSE(DecodeRecord(&cut, &back, true).ok()) << len;
  }
  // An unknown element type is corruption, not a crash.
  std::string bad;
  Record one;
  one.id = PointId(1);
  one.vectors["v"] = {1};
  VectorTypes f32{{"v", ElementType::kFloat32}};
  EncodeRecord(one, &bad, &f32);
  bad[1 + 8 + 1 + 1 + 1] = 9;  // id tag + u64, count, name length + "v", then the type byte
  ByteReader bin(bad);
  EXPECT_EQ(DecodeRecord(&bin, &back, true).code(), StatusCode::kCorruption);
}

TEST(RecordCodec, MultiVectorsRoundTripAndEveryTruncationIsAnError) {
  Record r;
  r.multi_vectors["colbert"] = {{1, 2, 3}, {4, 5, 6}};
  r.multi_vectors["patches"] = {{0.5f}};
  std::string bytes;
  EncodeMultiVectors(r, &bytes);
  Record back;
  back.multi_vectors["stale"] = {{9}};
  ByteReader in(bytes);
  ASSERT_TRUE(DecodeMultiVectors(&in, &back).ok());
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(back.multi_vectors, r.multi_vectors);
  for (size_t n = 0; n < bytes.size(); ++n) {
    ByteReader cut(std::string_view(bytes).substr(0, n));
    EXPECT_FALSE(DecodeMultiVectors(&cut, &back).ok()) << n;
  }
}

TEST(RecordCodec, DocumentAloneRoundTrips) {
  Record r = Sample();
  std::string bytes;
  EncodeDocument(r, &bytes);
  Record back;
  ASSERT_TRUE(DecodeDocument(bytes, &back).ok());
  EXPECT_EQ(back.payload, r.payload);
  EXPECT_EQ(back.text, r.text);
  EXPECT_EQ(back.sparse_vectors, r.sparse_vectors);
  // Decoding into a reused record leaves nothing of the previous one behind.
  Record plain;
  plain.payload = {{"k", 1}};
  std::string plain_bytes;
  EncodeDocument(plain, &plain_bytes);
  ASSERT_TRUE(DecodeDocument(plain_bytes, &back).ok());
  EXPECT_TRUE(back.sparse_vectors.empty());
  EXPECT_FALSE(back.text.has_value());
  bytes.push_back('x');
  EXPECT_EQ(DecodeDocument(bytes, &back).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace ragdb::storage
