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
