// Write-ahead log: one file per generation, CRC-framed records. Format: docs/format-wal.md.
//
//   file   := header frame*
//   header := "RAGDBWAL" u32 version(=1) u32 crc32c(first 12 bytes)
//   frame  := u32 body_length u32 crc32c(body) u32 crc32c(the 8 bytes before) body
//   body   := u64 sequence u8 type payload
//
// The frame header has its own checksum, so a damaged length is told apart from a short file.
// A frame that runs past the end of the file is a torn tail (a crash during the append that was
// never acknowledged): the reader drops it and reports it. So is a final frame whose bytes end in
// zeros where data was expected (a power loss after the file grew). Any other checksum mismatch is
// corruption and fails the read, naming the file and offset.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/file.h"
#include "ragdb/status.h"

namespace ragdb::storage {

enum class WalRecordType : uint8_t {
  kUpsert = 1,  // payload: varint count, then count encoded records
  kDelete = 2,  // payload: varint count, then count encoded ids
  // payload: as kUpsert, records in the typed form (record_codec.h): vectors in their field's
  // element type. Written by collections with a non-float32 vector field.
  kUpsertTyped = 3,
  // payload: as kUpsertTyped, each record followed by its multi-vectors (record_codec.h).
  // Written by collections with a multi-vector field.
  kUpsertMulti = 4,
};

inline constexpr size_t kWalHeaderSize = 16;
inline constexpr size_t kWalFrameHeaderSize = 12;
// Upper bound on one frame's body: a frame is one upsert batch.
inline constexpr uint64_t kMaxWalFrameBytes = uint64_t{1} << 31;

// Appends one frame for (seq, type, payload) to `out`.
void AppendWalFrame(std::string* out, uint64_t seq, WalRecordType type, std::string_view payload);

class WalWriter {
 public:
  // Creates a new, empty log file (header only, fsynced, directory fsynced).
  static Result<std::unique_ptr<WalWriter>> Create(const std::string& path);
  // Opens an existing log for appending after recovery read it; `valid_length` is the length of
  // its intact prefix (a torn tail beyond it is cut off first).
  static Result<std::unique_ptr<WalWriter>> OpenForAppend(const std::string& path,
                                                          uint64_t valid_length);

  // Appends already framed bytes; with `sync`, they are durable when this returns OK.
  Status Append(std::string_view frames, bool sync);
  uint64_t size() const { return file_->size(); }
  const std::string& path() const { return file_->path(); }

 private:
  explicit WalWriter(std::unique_ptr<AppendableFile> f) : file_(std::move(f)) {}
  std::unique_ptr<AppendableFile> file_;
};

struct WalReadStats {
  uint64_t frames = 0;
  uint64_t valid_length = 0;   // bytes of the intact prefix (header included)
  uint64_t dropped_bytes = 0;  // torn tail dropped
  uint64_t last_seq = 0;
};

using WalVisitor =
    std::function<Status(uint64_t seq, WalRecordType type, std::string_view payload)>;

// Reads every intact frame in order. A torn tail ends the read without error (see stats); any
// other damage returns Corruption naming the file and byte offset.
Status ReadWal(const std::string& path, const WalVisitor& visit, WalReadStats* stats);

}  // namespace ragdb::storage
