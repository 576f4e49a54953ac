#include "storage/wal.h"

#include <gtest/gtest.h>

#include <vector>

#include "storage/test_util.h"

namespace ragdb::storage {
namespace {

using ragdb::testing::FlipByte;
using ragdb::testing::TempDir;
using ragdb::testing::TruncateFile;

struct Entry {
  uint64_t seq;
  WalRecordType type;
  std::string payload;
};

std::vector<Entry> ReadAll(const std::string& path, WalReadStats* stats, Status* status) {
  std::vector<Entry> out;
  *status = ReadWal(
      path,
      [&](uint64_t seq, WalRecordType type, std::string_view payload) {
        out.push_back({seq, type, std::string(payload)});
        return Status::Ok();
      },
      stats);
  return out;
}

// Writes 5 frames and returns the file size after each frame.
std::vector<uint64_t> WriteFive(const std::string& path) {
  auto w = WalWriter::Create(path);
  EXPECT_TRUE(w.ok());
  std::vector<uint64_t> ends{(*w)->size()};
  for (uint64_t i = 1; i <= 5; ++i) {
    std::string frame;
    AppendWalFrame(&frame, i, i % 2 ? WalRecordType::kUpsert : WalRecordType::kDelete,
                   std::string(10 * i, static_cast<char>('a' + i)));
    EXPECT_TRUE((*w)->Append(frame, true).ok());
    ends.push_back((*w)->size());
  }
  return ends;
}

TEST(Wal, RoundTrip) {
  TempDir dir;
  std::string path = dir.Join("wal.log");
  WriteFive(path);
  WalReadStats stats;
  Status s;
  auto entries = ReadAll(path, &stats, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[2].seq, 3u);
  EXPECT_EQ(entries[1].type, WalRecordType::kDelete);
  EXPECT_EQ(entries[4].payload, std::string(50, 'f'));
  EXPECT_EQ(stats.dropped_bytes, 0u);
  EXPECT_EQ(stats.last_seq, 5u);
}

TEST(Wal, TornTailAtEveryLengthKeepsEveryCompleteFrame) {
  TempDir dir;
  std::string path = dir.Join("wal.log");
  auto ends = WriteFive(path);
  std::string full = *ReadFile(path);
  for (size_t len = 0; len < full.size(); ++len) {
    ASSERT_TRUE(WriteFileAtomic(path, full.substr(0, len)).ok());
    WalReadStats stats;
    Status s;
    auto entries = ReadAll(path, &stats, &s);
    ASSERT_TRUE(s.ok()) << "len " << len << ": " << s.ToString();
    size_t complete = 0;
    while (complete + 1 < ends.size() && ends[complete + 1] <= len) ++complete;
    EXPECT_EQ(entries.size(), complete) << "len " << len;
    if (len >= kWalHeaderSize) {
      EXPECT_EQ(stats.valid_length, ends[complete]) << "len " << len;
      EXPECT_EQ(stats.dropped_bytes, len - ends[complete]);
    }
  }
}

TEST(Wal, FlippedByteInsideIsCorruptionNamingTheFile) {
  TempDir dir;
  std::string path = dir.Join("wal.log");
  auto ends = WriteFive(path);
  std::string full = *ReadFile(path);
  // Every byte of every frame but the last: damage there is never a torn tail.
  for (size_t off = 0; off < ends[4]; ++off) {
    ASSERT_TRUE(WriteFileAtomic(path, full).ok());
    FlipByte(path, off);
    WalReadStats stats;
    Status s;
    ReadAll(path, &stats, &s);
    ASSERT_EQ(s.code(), StatusCode::kCorruption) << "offset " << off;
    EXPECT_NE(s.message().find("wal.log"), std::string::npos);
  }
}

TEST(Wal, FlippedByteInLastFrameIsCorruptionToo) {
  TempDir dir;
  std::string path = dir.Join("wal.log");
  auto ends = WriteFive(path);
  FlipByte(path, ends[4] + 12);
  WalReadStats stats;
  Status s;
  ReadAll(path, &stats, &s);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
}

TEST(Wal, ZeroFilledTailAfterPowerLossIsDropped) {
  TempDir dir;
  std::string path = dir.Join("wal.log");
  auto ends = WriteFive(path);
  std::string data = *ReadFile(path);
  data.append(4096, '\0');
  ASSERT_TRUE(WriteFileAtomic(path, data).ok());
  WalReadStats stats;
  Status s;
  auto entries = ReadAll(path, &stats, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(entries.size(), 5u);
  EXPECT_EQ(stats.dropped_bytes, 4096u);
}

TEST(Wal, AppendAfterRecoveryCutsTheTornTail) {
  TempDir dir;
  std::string path = dir.Join("wal.log");
  auto ends = WriteFive(path);
  TruncateFile(path, ends[5] - 3);
  WalReadStats stats;
  Status s;
  ReadAll(path, &stats, &s);
  ASSERT_TRUE(s.ok());
  auto w = WalWriter::OpenForAppend(path, stats.valid_length);
  ASSERT_TRUE(w.ok());
  std::string frame;
  AppendWalFrame(&frame, 9, WalRecordType::kUpsert, "again");
  ASSERT_TRUE((*w)->Append(frame, true).ok());
  auto entries = ReadAll(path, &stats, &s);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries.back().seq, 9u);
  EXPECT_EQ(entries.back().payload, "again");
}

}  // namespace
}  // namespace ragdb::storage
