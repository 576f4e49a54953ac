#include "cluster/store/object_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "base/file.h"
#include "cluster/cluster_test_util.h"
#include "storage/test_util.h"

namespace ragdb::cluster {
namespace {

using ragdb::testing::TempDir;

// The contract every backend keeps (object_store.h).
void CheckContract(ObjectStore& store) {
  ASSERT_TRUE(store.Put("a/log/0001.chunk", "one").ok());
  ASSERT_TRUE(store.Put("a/log/0002.chunk", std::string(100000, 'x')).ok());
  ASSERT_TRUE(store.Put("a/snap/1/MANIFEST", "m").ok());
  ASSERT_TRUE(store.Put("b/x", "other").ok());
  EXPECT_EQ(store.Get("a/log/0001.chunk").value(), "one");
  EXPECT_EQ(store.Get("a/log/0002.chunk").value().size(), 100000u);
  EXPECT_EQ(store.Get("a/missing").status().code(), StatusCode::kNotFound);
  auto list = store.List("a/log/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].key, "a/log/0001.chunk");
  EXPECT_EQ((*list)[1].size, 100000u);
  EXPECT_EQ(store.List("a/").value().size(), 3u);
  EXPECT_TRUE(store.List("zzz/").value().empty());
  ASSERT_TRUE(store.Put("a/log/0001.chunk", "replaced").ok());
  EXPECT_EQ(store.Get("a/log/0001.chunk").value(), "replaced");
  ASSERT_TRUE(store.Delete("a/log/0001.chunk").ok());
  ASSERT_TRUE(store.Delete("a/log/0001.chunk").ok());  // absent: still OK
  EXPECT_EQ(store.Get("a/log/0001.chunk").status().code(), StatusCode::kNotFound);
  for (const char* bad : {"", "/abs", "a/../b", "a b", "a//b"}) {
    EXPECT_EQ(store.Put(bad, "x").code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_GE(store.counters().puts.load(), 5u);
}

TEST(ObjectStore, FileBackendKeepsTheContract) {
  TempDir dir;
  auto store = OpenObjectStore("file://" + dir.Join("objects"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  CheckContract(**store);
}

TEST(ObjectStore, BadUrlsNameTheProblem) {
  EXPECT_EQ(OpenObjectStore("ftp://x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore("file://relative").status().code(), StatusCode::kInvalidArgument);
  auto r = OpenObjectStore("s3://bucket/p");
  EXPECT_NE(r.status().message().find("endpoint"), std::string::npos);
  r = OpenObjectStore("s3://bucket/p?endpoint=http://127.0.0.1:1&colour=red");
  EXPECT_NE(r.status().message().find("colour"), std::string::npos);
  r = OpenObjectStore("s3:///p?endpoint=http://127.0.0.1:1");
  EXPECT_NE(r.status().message().find("bucket"), std::string::npos);
  setenv("AWS_ACCESS_KEY_ID", "k", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
  r = OpenObjectStore("s3://bucket/p?endpoint=http://127.0.0.1:1&region=r");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);  // nothing listens there
}

// Against s3rver (npm), when tests/cluster has installed it: SigV4 requests, path-style.
TEST(ObjectStore, S3BackendKeepsTheContractAgainstS3rver) {
  const char* src = getenv("RAGDB_SOURCE_DIR");
  const std::string bin =
      std::string(src ? src : ".") + "/tests/cluster/node_modules/s3rver/bin/s3rver.js";
  if (!FileExists(bin)) GTEST_SKIP() << "s3rver not installed (tests/cluster/run.sh installs it)";
  TempDir dir;
  const int port = testing::FreePort();
  auto child = testing::Child::Spawn(
      {"node", bin, "--address", "127.0.0.1", "--port", std::to_string(port), "--directory",
       dir.Join("s3"), "--configure-bucket", "ragdb", "--silent"},
      dir.Join("s3rver.log"));
  ASSERT_TRUE(testing::WaitForPort(port, 20000));
  setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
  const std::string ep = "http://127.0.0.1:" + std::to_string(port);
  auto missing = OpenObjectStore("s3://nobucket/p?endpoint=" + ep);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  auto store = OpenObjectStore("s3://ragdb/cluster-1?endpoint=" + ep + "&region=us-east-1");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  CheckContract(**store);
}

}  // namespace
}  // namespace ragdb::cluster
