// What happens to each field of a Qdrant request body: used, warned, unsupported, unknown; and
// the single-node check.
#include "server/qdrant/fields.h"

#include <gtest/gtest.h>

#include "server/qdrant/convert.h"

namespace ragdb::server {
namespace {

TEST(QdrantFields, UsedWarnedUnsupportedUnknown) {
  FieldRules rules{{"a", "b"}, {{"knob", "nothing to tune"}}, {{"fancy", "not here"}}};
  std::vector<std::string> warnings;
  EXPECT_TRUE(CheckFields(Json{{"a", 1}, {"b", 2}, {"fancy", nullptr}}, "", rules, &warnings).ok());
  EXPECT_TRUE(warnings.empty());  // null counts as absent
  EXPECT_TRUE(CheckFields(Json{{"a", 1}, {"knob", 3}}, "x", rules, &warnings).ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "x.knob is ignored: nothing to tune");
  Status s = CheckFields(Json{{"fancy", true}}, "", rules, &warnings);
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  EXPECT_EQ(s.message(), "fancy is not supported (not here)");
  s = CheckFields(Json{{"a", 1}, {"c", 1}}, "top", rules, &warnings);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "unknown field `top.c` (expected one of: a, b)");
  EXPECT_TRUE(CheckFields(Json::array(), "", rules, &warnings).ok());  // not an object: the
                                                                       // caller's type check
}

TEST(QdrantFields, DistributionSingleNodeAndCluster) {
  EXPECT_TRUE(CheckDistribution(Json{{"shard_number", 1},
                                     {"replication_factor", 1},
                                     {"write_consistency_factor", 1},
                                     {"read_fan_out_factor", 0},
                                     {"sharding_method", "auto"},
                                     {"shard_key", nullptr}},
                                /*cluster_mode=*/false)
                  .ok());
  for (const char* key : {"shard_number", "replication_factor", "write_consistency_factor"}) {
    Status s = CheckDistribution(Json{{key, 2u}}, /*cluster_mode=*/false);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(s.message().rfind(std::string(key) + " = 2: this server is a single node", 0), 0u)
        << s.message();
  }
  EXPECT_FALSE(CheckDistribution(Json{{"read_fan_out_factor", 1u}}, /*cluster_mode=*/false).ok());
  EXPECT_FALSE(CheckDistribution(Json{{"shard_number", "two"}}, /*cluster_mode=*/false).ok());
  EXPECT_FALSE(CheckDistribution(Json{{"sharding_method", "custom"}}, /*cluster_mode=*/false).ok());
  EXPECT_FALSE(CheckDistribution(Json{{"shard_key", "eu"}}, /*cluster_mode=*/false).ok());
  // Cluster mode honours shard and replica counts, not the rest.
  EXPECT_TRUE(CheckDistribution(Json{{"shard_number", 6u}, {"replication_factor", 2u}},
                                /*cluster_mode=*/true)
                  .ok());
  Status s = CheckDistribution(Json{{"write_consistency_factor", 2u}}, /*cluster_mode=*/true);
  EXPECT_EQ(s.message(), "write_consistency_factor = 2: not supported in cluster mode (above 1)");
  EXPECT_FALSE(CheckDistribution(Json{{"shard_key", "eu"}}, /*cluster_mode=*/true).ok());
}

TEST(QdrantFields, CreateCollectionBodies) {
  std::vector<std::string> w;
  Json vectors = {{"size", 4u}, {"distance", "Cosine"}};
  auto s = SchemaFromQdrant(Json{{"vectors", vectors}, {"on_disk_payload", true}}, &w);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(w.empty());
  Json off = vectors;
  off["on_disk"] = false;
  s = SchemaFromQdrant(
      Json{{"vectors", off},
           {"optimizers_config", {{"indexing_threshold", 0u}, {"deleted_threshold", 0.2}}},
           {"hnsw_config", {{"m", 8u}, {"full_scan_threshold", 10u}}}},
      &w);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_NE(w[0].find("optimizers_config.deleted_threshold is ignored"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("vectors.on_disk = false is ignored"), std::string::npos) << w[1];
  EXPECT_NE(w[2].find("hnsw_config.full_scan_threshold is ignored"), std::string::npos) << w[2];
  EXPECT_EQ(s->vectors[0].index.type, IndexType::kHnsw);
  EXPECT_EQ(s->vectors[0].index.m, 8u);
  EXPECT_EQ(s->vectors[0].index.indexing_threshold_kb, std::optional<uint32_t>(0));  // never index
  // Scalar quantization lives in the HNSW graph: asking for it asks for the graph.
  s = SchemaFromQdrant(
      Json{{"vectors", vectors}, {"quantization_config", {{"scalar", {{"type", "int8"}}}}}}, &w);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->vectors[0].index.type, IndexType::kHnsw);
  EXPECT_EQ(s->vectors[0].index.quantization, Quantization::kSq8);
  // Named vectors report the field's own path.
  auto bad = SchemaFromQdrant(
      Json{{"vectors", {{"dense", {{"size", 4u}, {"distance", "Dot"}, {"payload_m", 1}}}}}}, &w);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("vectors.dense.payload_m"), std::string::npos);
  bad = SchemaFromQdrant(Json{{"sparse_vectors", {{"s", {{"modifier", "bm42"}}}}}}, &w);
  EXPECT_NE(bad.status().message().find("sparse_vectors.s.modifier"), std::string::npos);
  bad = SchemaFromQdrant(Json{{"sparse_vectors", {{"s", {{"index", {{"datatype", "float16"}}}}}}}},
                         &w);
  EXPECT_EQ(bad.status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace ragdb::server
