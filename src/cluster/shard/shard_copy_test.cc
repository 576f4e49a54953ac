// Shard copies against a real etcd and a file:// object store: the snapshot and garbage
// collection rules of docs/cluster.md, driven step by step (the node's reconcile loop is not
// involved, so each interleaving is exact).
#include "cluster/shard/shard_copy.h"

#include <gtest/gtest.h>

#include "cluster/cluster_test_util.h"
#include "storage/test_util.h"

namespace ragdb::cluster {
namespace {

using ragdb::testing::TempDir;

class ShardCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::EtcdInstalled()) {
      GTEST_SKIP() << "etcd is not installed (scripts/install-deps.sh)";
    }
    etcd_ = testing::StartEtcd(dir_.path());
    ASSERT_FALSE(etcd_.endpoint.empty()) << "etcd did not start; see " << dir_.path();
    auto client = EtcdClient::Create({etcd_.endpoint}, std::chrono::seconds(5));
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(client).value();
    auto store = OpenObjectStore("file://" + dir_.Join("objects"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    env_.etcd = client_.get();
    env_.store = store_.get();
    env_.cache_dir = dir_.Join("cache");
    env_.seal_threshold_rows = 50;  // several sealed segments per snapshot
    env_.commit_pool = &pool_;
    env_.lease_alive = [] { return true; };
    name_ = {"items", 0, 1};
    VectorField f;
    f.dim = 4;
    f.metric = Metric::kL2;
    schema_.vectors.push_back(f);
  }

  // The owner key, as a node's reconcile takes it; its create revision is the epoch.
  int64_t TakeOwner() {
    auto txn = client_->Txn(
        {{name_.OwnerKey(), EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual, 0, ""}},
        {{EtcdOp::Kind::kPut, name_.OwnerKey(), "{}", 0}});
    EXPECT_TRUE(txn.ok() && txn->succeeded);
    return txn.ok() ? txn->revision : 0;
  }
  void Release(int64_t epoch) {
    auto txn = client_->Txn(
        {{name_.OwnerKey(), EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual, epoch, ""}},
        {{EtcdOp::Kind::kDelete, name_.OwnerKey(), "", 0}});
    EXPECT_TRUE(txn.ok() && txn->succeeded);
  }
  LogHead Head() {
    auto kv = client_->Get(name_.HeadKey());
    EXPECT_TRUE(kv.ok());
    auto head = kv.ok() ? LogHead::Decode(*kv) : Result<LogHead>(kv.status());
    return head.ok() ? *head : LogHead();
  }
  std::shared_ptr<ShardCopy> Load() {
    auto copy = ShardCopy::Load(env_, name_, schema_, Head());
    EXPECT_TRUE(copy.ok()) << copy.status().ToString();
    return copy.ok() ? *copy : nullptr;
  }
  // Inserts ids [first, first + n) through the owner `copy`, one committed chunk each 40.
  void Insert(ShardCopy& copy, uint64_t first, uint64_t n) {
    for (uint64_t at = first; at < first + n; at += 40) {
      LogOp op;
      for (uint64_t id = at; id < std::min(first + n, at + 40); ++id) {
        Record r;
        r.id = id;
        r.vectors[""] = {float(id), 1, 2, 3};
        op.records.push_back(std::move(r));
      }
      auto ack = copy.Write({op});
      ASSERT_TRUE(ack.ok()) << ack.status().ToString();
    }
  }

  TempDir dir_;
  testing::Etcd etcd_;
  std::unique_ptr<EtcdClient> client_;
  std::unique_ptr<ObjectStore> store_;
  ThreadPool pool_{1};
  ShardEnv env_;
  ShardName name_;
  CollectionSchema schema_;
};

// A publishes, loses the shard to B between its uploads and the pointer's move (its files stay
// in the store, named by no snapshot), keeps tailing the log as a replica while B publishes
// twice (which collects those files), and takes the shard back. Its snapshot must upload its
// files again instead of naming the collected objects: a copy loaded from it finds every file.
TEST_F(ShardCopyTest, OwnerTakingTheShardBackNamesOnlyObjectsThatStillExist) {
  auto a = Load();
  ASSERT_NE(a, nullptr);
  const int64_t epoch_a = TakeOwner();
  ASSERT_TRUE(a->BecomeOwner(epoch_a, Head()).ok());
  Insert(*a, 1, 120);
  ASSERT_TRUE(a->PublishSnapshot().ok());
  auto b = Load();  // from A's first snapshot
  ASSERT_NE(b, nullptr);
  Insert(*a, 121, 120);

  Release(epoch_a);
  const int64_t epoch_b = TakeOwner();
  Status late = a->PublishSnapshot();  // uploads its new files, then the epoch check fails
  EXPECT_EQ(late.code(), StatusCode::kUnavailable) << late.ToString();
  a->Demote();

  ASSERT_TRUE(b->BecomeOwner(epoch_b, Head()).ok());
  Insert(*b, 241, 120);
  ASSERT_TRUE(b->PublishSnapshot().ok());
  ASSERT_TRUE(a->CatchUp(Head()).ok());  // a replica tails the log
  Insert(*b, 361, 120);
  ASSERT_TRUE(b->PublishSnapshot().ok());
  EXPECT_GT(b->counters().objects_deleted.load(), 0u);  // A's unnamed uploads among them
  ASSERT_TRUE(a->CatchUp(Head()).ok());

  b->Demote();
  Release(epoch_b);
  const int64_t epoch_a2 = TakeOwner();
  ASSERT_TRUE(a->BecomeOwner(epoch_a2, Head()).ok());
  Insert(*a, 481, 10);
  ASSERT_TRUE(a->PublishSnapshot().ok());

  // From the snapshot alone (the log after it is empty): every file is there.
  auto c = ShardCopy::Load(env_, name_, schema_, Head());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)->applied_seq(), a->applied_seq());
  EXPECT_EQ((*c)->collection().Count(nullptr).value(), 490u);
}

}  // namespace
}  // namespace ragdb::cluster
