#include "base/file.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace ragdb {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ragdb_file_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)RemoveAll(dir_); }
  std::string dir_;
};

TEST_F(FileTest, AtomicWriteReplacesWholeFileAndLeavesNoTemp) {
  std::string p = JoinPath(dir_, "manifest");
  ASSERT_TRUE(WriteFileAtomic(p, "first").ok());
  ASSERT_TRUE(WriteFileAtomic(p, "second version").ok());
  EXPECT_EQ(*ReadFile(p), "second version");
  EXPECT_FALSE(FileExists(p + ".tmp"));
}

TEST_F(FileTest, AppendSyncTruncate) {
  std::string p = JoinPath(dir_, "log");
  {
    auto f = AppendableFile::Open(p);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("hello ").ok());
    ASSERT_TRUE((*f)->Append("world").ok());
    ASSERT_TRUE((*f)->Sync().ok());
    EXPECT_EQ((*f)->size(), 11u);
  }
  auto f = AppendableFile::Open(p);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->size(), 11u);
  ASSERT_TRUE((*f)->Truncate(5).ok());
  EXPECT_EQ(*ReadFile(p), "hello");
}

TEST_F(FileTest, MapAndListAndErrors) {
  ASSERT_TRUE(WriteFileAtomic(JoinPath(dir_, "b"), "bbb").ok());
  ASSERT_TRUE(WriteFileAtomic(JoinPath(dir_, "a"), "").ok());
  auto names = ListDir(dir_);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b"}));
  auto m = MappedFile::Open(JoinPath(dir_, "b"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->view(), "bbb");
  auto empty = MappedFile::Open(JoinPath(dir_, "a"));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)->size(), 0u);
  auto missing = ReadFile(JoinPath(dir_, "nope"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
}

}  // namespace
}  // namespace ragdb
