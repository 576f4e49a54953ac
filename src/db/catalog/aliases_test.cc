// Collection aliases: changes all or nothing, name clashes, drop, reopen, a corrupt file, kill -9
// during a stream of switches, and switches under concurrent lookups.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "base/file.h"
#include "ragdb/database.h"
#include "storage/test_util.h"

namespace ragdb {
namespace {

using ragdb::testing::TempDir;

CollectionSchema Schema() {
  CollectionSchema s;
  VectorField f;
  f.dim = 2;
  f.metric = Metric::kL2;
  s.vectors.push_back(f);
  return s;
}

// Collections "a" and "b", each holding one point whose payload names the collection.
std::unique_ptr<Database> TwoCollections(const TempDir& dir) {
  auto db = *Database::Open(dir.path());
  for (const char* name : {"a", "b"}) {
    auto c = *db->CreateCollection(name, Schema());
    Record r;
    r.id = 1;
    r.vectors[""] = {1, 2};
    r.payload = {{"in", name}};
    EXPECT_TRUE(c->Upsert(std::vector<Record>{r}).ok());
  }
  return db;
}

std::string Target(Database& db, const std::string& alias) {
  auto c = db.GetCollection(alias);
  return c.ok() ? (*c)->name() : "(" + c.status().message() + ")";
}

TEST(Aliases, CreateRenameDeleteAndLookups) {
  TempDir dir;
  auto db = TwoCollections(dir);
  std::vector<AliasChange> changes{AliasChange::Create("live", "a"),
                                   AliasChange::Create("old", "b")};
  ASSERT_TRUE(db->UpdateAliases(changes).ok());
  EXPECT_EQ(Target(*db, "live"), "a");
  EXPECT_EQ((*db->GetCollection("live"))->Get(1)->payload["in"], "a");
  EXPECT_EQ(db->ListAliases(), (std::vector<AliasInfo>{{"live", "a"}, {"old", "b"}}));
  EXPECT_EQ(db->ListCollections(), (std::vector<std::string>{"a", "b"}));

  // Switch in one call: the alias moves; creating an existing alias re-points it.
  std::vector<AliasChange> sw{AliasChange::Delete("live"), AliasChange::Create("live", "b"),
                              AliasChange::Rename("old", "previous")};
  ASSERT_TRUE(db->UpdateAliases(sw).ok());
  EXPECT_EQ(Target(*db, "live"), "b");
  EXPECT_EQ(db->ListAliases(), (std::vector<AliasInfo>{{"live", "b"}, {"previous", "b"}}));
  std::vector<AliasChange> repoint{AliasChange::Create("live", "a")};
  ASSERT_TRUE(db->UpdateAliases(repoint).ok());
  EXPECT_EQ(Target(*db, "live"), "a");
  std::vector<AliasChange> absent{AliasChange::Delete("never-was")};
  EXPECT_TRUE(db->UpdateAliases(absent).ok());  // as Qdrant: deleting a missing alias is a no-op
}

TEST(Aliases, AFailingChangeAppliesNothing) {
  TempDir dir;
  auto db = TwoCollections(dir);
  std::vector<AliasChange> first{AliasChange::Create("live", "a")};
  ASSERT_TRUE(db->UpdateAliases(first).ok());
  const std::string before = *ReadFile(dir.Join("aliases.json"));
  struct Case {
    std::vector<AliasChange> changes;
    StatusCode code;
  };
  std::vector<Case> cases = {
      {{AliasChange::Delete("live"), AliasChange::Create("x", "missing")}, StatusCode::kNotFound},
      {{AliasChange::Delete("live"), AliasChange::Rename("nope", "y")}, StatusCode::kNotFound},
      {{AliasChange::Delete("live"), AliasChange::Create("b", "a")}, StatusCode::kAlreadyExists},
      {{AliasChange::Delete("live"), AliasChange::Rename("live", "a")}, StatusCode::kNotFound},
      {{AliasChange::Create("bad/name", "a")}, StatusCode::kInvalidArgument},
      {{AliasChange::Create("", "a")}, StatusCode::kInvalidArgument},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    Status s = db->UpdateAliases(cases[i].changes);
    EXPECT_EQ(s.code(), cases[i].code) << i << ": " << s.ToString();
    EXPECT_EQ(Target(*db, "live"), "a") << i;
    EXPECT_EQ(*ReadFile(dir.Join("aliases.json")), before) << i;
  }
  // A collection cannot take an alias's name.
  EXPECT_EQ(db->CreateCollection("live", Schema()).status().code(), StatusCode::kAlreadyExists);
}

TEST(Aliases, DropRemovesThemAndReopenKeepsTheRest) {
  TempDir dir;
  {
    auto db = TwoCollections(dir);
    std::vector<AliasChange> changes{AliasChange::Create("x", "a"), AliasChange::Create("y", "a"),
                                     AliasChange::Create("z", "b")};
    ASSERT_TRUE(db->UpdateAliases(changes).ok());
    EXPECT_EQ(db->DropCollection("x").code(), StatusCode::kNotFound);  // aliases are not dropped
    ASSERT_TRUE(db->DropCollection("a").ok());
    EXPECT_EQ(db->ListAliases(), (std::vector<AliasInfo>{{"z", "b"}}));
    EXPECT_EQ(db->GetCollection("x").status().code(), StatusCode::kNotFound);
  }
  auto db = *Database::Open(dir.path());
  EXPECT_EQ(db->ListAliases(), (std::vector<AliasInfo>{{"z", "b"}}));
  EXPECT_EQ(Target(*db, "z"), "b");
  auto report = *Database::Check(dir.path());
  EXPECT_TRUE(report.ok());
}

TEST(Aliases, CorruptFileIsNamed) {
  TempDir dir;
  TwoCollections(dir).reset();
  ASSERT_TRUE(WriteFileAtomic(dir.Join("aliases.json"), "{\"aliases\": [1,").ok());
  auto db = Database::Open(dir.path());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kCorruption);
  EXPECT_NE(db.status().message().find("aliases.json"), std::string::npos);
  auto report = *Database::Check(dir.path());
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.problems[0].find("aliases.json"), std::string::npos);
}

// A child switches "live" between a and b, reporting each acknowledged switch; the parent kills
// it mid-stream. After reopening, "live" names the last acknowledged target or the next one (a
// switch that was being written when the kill came), never nothing.
TEST(Aliases, KillNineDuringSwitchesKeepsTheLastAcknowledged) {
  TempDir dir;
  TwoCollections(dir).reset();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto db = *Database::Open(dir.path());
    for (uint64_t i = 0;; ++i) {
      std::vector<AliasChange> sw{AliasChange::Delete("live"),
                                  AliasChange::Create("live", i % 2 ? "b" : "a")};
      if (!db->UpdateAliases(sw).ok()) _exit(3);
      if (write(fds[1], &i, sizeof(i)) != sizeof(i)) _exit(4);
    }
  }
  close(fds[1]);
  uint64_t last = 0, i;
  size_t count = 0;
  while (count < 30 && read(fds[0], &i, sizeof(i)) == sizeof(i)) {
    last = i;
    ++count;
  }
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  while (read(fds[0], &i, sizeof(i)) == sizeof(i)) last = i;
  close(fds[0]);
  ASSERT_GE(count, 30u);
  auto db = Database::Open(dir.path());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  const std::string acked = last % 2 ? "b" : "a";
  const std::string next = last % 2 ? "a" : "b";
  const std::string now = Target(**db, "live");
  EXPECT_TRUE(now == acked || now == next) << now;
}

// Lookups through the alias while another thread switches it back and forth: every lookup finds
// a collection, and a search through it answers.
TEST(Aliases, SwitchUnderConcurrentLookupsNeverMisses) {
  TempDir dir;
  auto db = TwoCollections(dir);
  std::vector<AliasChange> first{AliasChange::Create("live", "a")};
  ASSERT_TRUE(db->UpdateAliases(first).ok());
  std::atomic<bool> stop{false};
  std::atomic<size_t> lookups{0}, misses{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      SearchRequest q;
      q.vector = {1, 2};
      q.k = 1;
      while (!stop) {
        auto c = db->GetCollection("live");
        if (!c.ok() || !(*c)->Search(q).ok() || (*c)->Search(q)->size() != 1) ++misses;
        ++lookups;
      }
    });
  }
  for (int i = 0; i < 100; ++i) {
    std::vector<AliasChange> sw{AliasChange::Delete("live"),
                                AliasChange::Create("live", i % 2 ? "a" : "b")};
    ASSERT_TRUE(db->UpdateAliases(sw).ok());
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(lookups.load(), 100u);
  EXPECT_EQ(misses.load(), 0u);
}

}  // namespace
}  // namespace ragdb
