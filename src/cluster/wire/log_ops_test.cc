#include "cluster/wire/log_ops.h"

#include <gtest/gtest.h>

namespace ragdb::cluster {
namespace {

std::vector<LogOp> SampleOps() {
  LogOp up;
  up.kind = LogOp::Kind::kUpsert;
  Record r;
  r.id = PointId(uint64_t{7});
  r.vectors[""] = {0.1f, -2.5f, 1e-30f};
  r.payload = {{"cat", "news"}, {"n", 3}};
  r.text = "hello";
  up.records.push_back(r);
  r.id = PointId("uuid-1");
  up.records.push_back(r);
  LogOp del;
  del.kind = LogOp::Kind::kDelete;
  del.ids = {PointId(uint64_t{1}), PointId("x")};
  LogOp set;
  set.kind = LogOp::Kind::kSetPayload;
  set.ids = {PointId(uint64_t{2})};
  set.json = {{"a", 1}};
  set.merge = true;
  LogOp filter;
  filter.kind = LogOp::Kind::kDeleteFilter;
  filter.json = {{"must", Json::array()}};
  LogOp index;
  index.kind = LogOp::Kind::kPayloadIndex;
  index.json = {{"path", "cat"}, {"type", "keyword"}};
  LogOp multi;
  multi.kind = LogOp::Kind::kUpsert;
  r.id = PointId(uint64_t{9});
  r.multi_vectors["colbert"] = {{1, 2}, {3, 4}, {5, 6}};
  multi.records.push_back(r);
  LogOp drop;
  drop.kind = LogOp::Kind::kDropPayloadIndex;
  drop.json = {{"path", "cat"}};
  LogOp vindex;
  vindex.kind = LogOp::Kind::kVectorIndex;
  vindex.json = {{"field", ""}, {"schema", {{"vectors", Json::array()}}}};
  return {up, del, set, filter, index, multi, drop, vindex};
}

TEST(LogOps, ChunksRoundTripExactly) {
  auto ops = SampleOps();
  std::string chunk = EncodeChunk(42, 1001, ops);
  auto back = DecodeChunk(chunk, 42, 1001, "c");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), ops.size());
  EXPECT_EQ((*back)[0].records[0].vectors, ops[0].records[0].vectors);
  EXPECT_EQ((*back)[0].records[1].id, PointId("uuid-1"));
  EXPECT_EQ((*back)[0].records[0].text, "hello");
  EXPECT_EQ((*back)[1].ids, ops[1].ids);
  EXPECT_TRUE((*back)[2].merge);
  EXPECT_EQ((*back)[2].json, ops[2].json);
  EXPECT_EQ((*back)[4].json, ops[4].json);
  EXPECT_TRUE((*back)[0].records[0].multi_vectors.empty());
  EXPECT_EQ((*back)[5].kind, LogOp::Kind::kUpsert);
  EXPECT_EQ((*back)[5].records[0].multi_vectors, ops[5].records[0].multi_vectors);
  EXPECT_EQ((*back)[5].records[0].vectors, ops[5].records[0].vectors);
  EXPECT_EQ((*back)[6].kind, LogOp::Kind::kDropPayloadIndex);
  EXPECT_EQ((*back)[6].json, ops[6].json);
  EXPECT_EQ((*back)[7].kind, LogOp::Kind::kVectorIndex);
  EXPECT_EQ((*back)[7].json, ops[7].json);
  EXPECT_EQ(OpRows(ops), 2u + 2u + 1u + 1u);
}

TEST(LogOps, DamagedOrMisplacedChunksAreRefused) {
  std::string chunk = EncodeChunk(5, 9, SampleOps());
  // A chunk under another seq or epoch is not the one the head names.
  EXPECT_EQ(DecodeChunk(chunk, 6, 9, "c").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeChunk(chunk, 5, 8, "c").status().code(), StatusCode::kCorruption);
  for (size_t at : {size_t{3}, size_t{40}, chunk.size() - 1}) {
    std::string bad = chunk;
    bad[at] ^= 0x20;
    auto r = DecodeChunk(bad, 5, 9, "log/x.chunk");
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << at;
    EXPECT_NE(r.status().message().find("log/x.chunk"), std::string::npos);
  }
  EXPECT_FALSE(DecodeChunk(chunk.substr(0, chunk.size() - 3), 5, 9, "c").ok());
  EXPECT_FALSE(DecodeChunk("", 5, 9, "c").ok());
  EXPECT_FALSE(DecodeOps(std::string("\x01\x09", 2)).ok());  // unknown kind
  EXPECT_FALSE(DecodeOps(std::string("\x05", 1)).ok());      // count past the end
}

}  // namespace
}  // namespace ragdb::cluster
