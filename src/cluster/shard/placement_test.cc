#include "cluster/shard/placement.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace ragdb::cluster {
namespace {

TEST(Placement, ShardOfIsStableAndSpreadsIds) {
  // Fixed forever: stored points would move if these changed.
  EXPECT_EQ(ShardOf(PointId(uint64_t{0}), 1), 0u);
  const uint32_t a = ShardOf(PointId(uint64_t{12345}), 4);
  EXPECT_EQ(ShardOf(PointId(uint64_t{12345}), 4), a);
  EXPECT_NE(ShardOf(PointId(uint64_t{1}), 1 << 20), ShardOf(PointId("1"), 1 << 20));
  std::vector<int> counts(4);
  for (uint64_t i = 0; i < 20000; ++i) counts[ShardOf(PointId(i), 4)]++;
  for (int c : counts) EXPECT_NEAR(c, 5000, 300);
}

TEST(Placement, OwnersSpreadEvenlyAndCopiesAreDistinct) {
  std::vector<std::string> nodes = {"n1", "n2", "n3"};
  for (const std::string name : {"a", "b", "items", "docs"}) {
    auto p = AssignShards(name, 4, 2, nodes);
    ASSERT_EQ(p.size(), 4u);
    std::map<std::string, int> owners;
    for (const auto& copies : p) {
      ASSERT_EQ(copies.size(), 2u);
      EXPECT_NE(copies[0], copies[1]);
      owners[copies[0]]++;
    }
    for (const auto& [n, c] : owners) EXPECT_LE(c, 2) << name << " " << n;
    EXPECT_EQ(owners.size(), 3u) << name;           // 4 shards on 3 nodes: nobody idle
    EXPECT_EQ(AssignShards(name, 4, 2, nodes), p);  // every node computes the same
  }
  // More copies than nodes: one per node.
  auto p = AssignShards("x", 2, 5, {"n1", "n2"});
  for (const auto& copies : p)
    EXPECT_EQ(std::set<std::string>(copies.begin(), copies.end()).size(), 2u);
  EXPECT_TRUE(AssignShards("x", 3, 1, {})[0].empty());
}

TEST(Placement, ALostNodesShardsMoveToTheOthers) {
  auto before = AssignShards("c", 8, 1, {"n1", "n2", "n3"});
  auto after = AssignShards("c", 8, 1, {"n1", "n3"});
  for (size_t s = 0; s < 8; ++s) EXPECT_NE(after[s][0], "n2");
}

}  // namespace
}  // namespace ragdb::cluster
