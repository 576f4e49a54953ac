// Durability: reopen, torn WAL tails, flipped bytes in every kind of file, and kill -9 during a
// stream of acknowledged upserts.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "ragdb/database.h"
#include "storage/test_util.h"

namespace ragdb {
namespace {

using ragdb::testing::FlipByte;
using ragdb::testing::TempDir;

CollectionSchema Schema() {
  CollectionSchema s;
  VectorField f;
  f.dim = 4;
  f.metric = Metric::kL2;
  s.vectors.push_back(f);
  s.payload_indexes.push_back({"tag", PayloadType::kKeyword});
  s.text = TextField{};  // records carry text, which needs a field to go to
  return s;
}

std::vector<Record> Batch(uint64_t first, size_t n) {
  std::vector<Record> out;
  for (uint64_t i = first; i < first + n; ++i) {
    Record r;
    r.id = i;
    r.vectors[""] = {float(i), 1, 2, 3};
    r.payload = {{"tag", i % 2 ? "odd" : "even"}, {"i", i}};
    r.text = "record " + std::to_string(i);
    out.push_back(std::move(r));
  }
  return out;
}

DatabaseOptions Options() {
  DatabaseOptions o;
  o.seal_threshold_rows = 64;
  return o;
}

std::string CollectionDir(const TempDir& dir) { return dir.Join("collections/c"); }

std::vector<std::string> FilesWith(const std::string& dir, const std::string& part) {
  std::vector<std::string> out;
  std::vector<std::string> names = *ListDir(dir);
  for (const auto& n : names) {
    if (n.find(part) != std::string::npos && n.find(".tmp") == std::string::npos)
      out.push_back(JoinPath(dir, n));
  }
  return out;
}

// Leaves a collection with two sealed segments, tombstones in one, and a non-empty WAL.
void Populate(const TempDir& dir) {
  auto db = *Database::Open(dir.path(), Options());
  auto c = *db->CreateCollection("c", Schema());
  ASSERT_TRUE(c->Upsert(Batch(0, 100)).ok());
  ASSERT_TRUE(c->Upsert(Batch(100, 40)).ok());
  std::vector<PointId> del{1, 2, 3};
  ASSERT_EQ(*c->Delete(del), 3u);
  ASSERT_TRUE(c->Upsert(Batch(200, 50)).ok());  // seals again: tombstones are checkpointed
  ASSERT_TRUE(c->Upsert(Batch(300, 10)).ok());  // stays in the WAL
  std::vector<PointId> del2{300, 5};
  ASSERT_EQ(*c->Delete(del2), 2u);
}

TEST(Recovery, ReopenRestoresEverything) {
  TempDir dir;
  Populate(dir);
  auto db = Database::Open(dir.path(), Options());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto c = *(*db)->GetCollection("c");
  EXPECT_EQ(*c->Count(), 100u + 40 + 50 + 10 - 5);
  EXPECT_EQ(c->Get(2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(c->Get(300).status().code(), StatusCode::kNotFound);
  auto r = c->Get(301);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "record 301");
  EXPECT_EQ(r->payload["tag"], "odd");
  auto f = *Filter::Parse("tag == \"even\"");
  EXPECT_EQ(*c->Count(&f), 50u + 20 + 25 + 5 - 1 - 1);  // minus 2 and 300
  EXPECT_TRUE((*db)->RecoveryNotes().empty());
  auto report = Database::Check(dir.path());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems[0];
}

TEST(Recovery, OptimizeMergesAndSurvivesReopen) {
  TempDir dir;
  Populate(dir);
  {
    auto db = *Database::Open(dir.path(), Options());
    auto c = *db->GetCollection("c");
    ASSERT_TRUE(c->Optimize().ok());
    auto info = *c->Describe();
    EXPECT_EQ(info.segments.size(), 2u);  // one sealed + the empty growing segment
    EXPECT_EQ(info.segments[0].deleted, 0u);
    EXPECT_EQ(FilesWith(CollectionDir(dir), ".rseg").size(), 1u);
  }
  auto db = *Database::Open(dir.path(), Options());
  EXPECT_EQ(*(*db->GetCollection("c"))->Count(), 195u);
}

TEST(Recovery, TornWalTailIsDroppedAndReported) {
  TempDir dir;
  Populate(dir);
  auto wals = FilesWith(CollectionDir(dir), "wal-");
  ASSERT_EQ(wals.size(), 1u);
  std::string data = *ReadFile(wals[0]);
  // Cut the last frame (the delete of 300 and 5) in half.
  ASSERT_TRUE(WriteFileAtomic(wals[0], data.substr(0, data.size() - 7)).ok());
  auto db = Database::Open(dir.path(), Options());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_EQ((*db)->RecoveryNotes().size(), 1u);
  EXPECT_NE((*db)->RecoveryNotes()[0].find("torn tail"), std::string::npos);
  auto c = *(*db)->GetCollection("c");
  EXPECT_TRUE(c->Get(300).ok());  // the delete was never acknowledged
  EXPECT_EQ(*c->Count(), 100u + 40 + 50 + 10 - 3);
  // Writing after recovery works and survives another reopen.
  ASSERT_TRUE(c->Upsert(Batch(400, 3)).ok());
  db->reset();
  auto db2 = *Database::Open(dir.path(), Options());
  EXPECT_EQ(*(*db2->GetCollection("c"))->Count(), 100u + 40 + 50 + 10 - 3 + 3);
}

TEST(Recovery, FlippedByteInAnyFileIsDetectedOnOpenAndByCheck) {
  TempDir base;
  Populate(base);
  std::string good = base.path();
  std::vector<std::string> kinds{"MANIFEST", ".rseg", ".del", "wal-"};
  for (const auto& kind : kinds) {
    auto files = FilesWith(CollectionDir(base), kind);
    ASSERT_FALSE(files.empty()) << kind;
    std::string victim = files.front();
    size_t size = *FileSize(victim);
    for (size_t off : {size_t{3}, size / 2, size - 5}) {
      TempDir copy;
      ASSERT_EQ(system(("cp -r " + good + "/. " + copy.path()).c_str()), 0);
      std::string target = copy.Join(victim.substr(good.size() + 1));
      FlipByte(target, off);
      auto report = Database::Check(copy.path());
      ASSERT_TRUE(report.ok());
      ASSERT_FALSE(report->ok()) << target << " offset " << off;
      EXPECT_NE(report->problems[0].find(target.substr(target.rfind('/') + 1)), std::string::npos)
          << report->problems[0];
      auto db = Database::Open(copy.path(), Options());
      EXPECT_EQ(db.status().code(), StatusCode::kCorruption) << target << " offset " << off;
    }
  }
}

// A child process upserts batches and reports each acknowledged batch through a pipe; the parent
// kills it with SIGKILL mid-stream. Every acknowledged batch must be there, and no partial one.
TEST(Recovery, KillNineDuringUpsertsLosesNothingAcknowledged) {
  TempDir dir;
  {
    auto db = *Database::Open(dir.path(), Options());
    ASSERT_TRUE(db->CreateCollection("c", Schema()).ok());
  }
  constexpr size_t kBatch = 50;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto db = *Database::Open(dir.path(), Options());
    auto c = *db->GetCollection("c");
    for (uint64_t b = 0;; ++b) {
      if (!c->Upsert(Batch(b * kBatch, kBatch)).ok()) _exit(3);
      if (write(fds[1], &b, sizeof(b)) != sizeof(b)) _exit(4);
    }
  }
  close(fds[1]);
  uint64_t acked = 0, b;
  size_t count = 0;
  while (count < 40 && read(fds[0], &b, sizeof(b)) == sizeof(b)) {
    acked = b + 1;
    ++count;
  }
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  while (read(fds[0], &b, sizeof(b)) == sizeof(b)) acked = b + 1;  // acks already in the pipe
  close(fds[0]);
  ASSERT_GE(acked, 40u);

  auto report = Database::Check(dir.path());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems[0];
  auto db = Database::Open(dir.path(), Options());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto c = *(*db)->GetCollection("c");
  size_t n = *c->Count();
  EXPECT_GE(n, acked * kBatch);
  EXPECT_EQ(n % kBatch, 0u) << "a batch was half-applied";
  for (uint64_t i = 0; i < acked * kBatch; i += 97) {
    auto r = c->Get(i);
    ASSERT_TRUE(r.ok()) << i;
    EXPECT_EQ(r->payload["i"], i);
  }
}

}  // namespace
}  // namespace ragdb
