#include "storage/wal.h"

#include <cstring>

#include "base/bytes.h"
#include "base/crc32c.h"

namespace ragdb::storage {
namespace {

constexpr char kMagic[8] = {'R', 'A', 'G', 'D', 'B', 'W', 'A', 'L'};
constexpr uint32_t kVersion = 1;

std::string MakeHeader() {
  std::string h(kMagic, 8);
  PutFixed32(&h, kVersion);
  PutFixed32(&h, crc32c::Value(h.data(), h.size()));
  return h;
}

bool AllZero(std::string_view s) {
  for (char c : s) {
    if (c != 0) return false;
  }
  return true;
}

}  // namespace

void AppendWalFrame(std::string* out, uint64_t seq, WalRecordType type, std::string_view payload) {
  std::string body;
  body.reserve(9 + payload.size());
  PutFixed64(&body, seq);
  body.push_back(static_cast<char>(type));
  body.append(payload);
  size_t start = out->size();
  PutFixed32(out, static_cast<uint32_t>(body.size()));
  PutFixed32(out, crc32c::Value(body.data(), body.size()));
  PutFixed32(out, crc32c::Value(out->data() + start, 8));
  out->append(body);
}

Result<std::unique_ptr<WalWriter>> WalWriter::Create(const std::string& path) {
  if (FileExists(path)) return Status::AlreadyExists("log file exists: " + path);
  RAGDB_ASSIGN_OR_RETURN(auto f, AppendableFile::Open(path));
  RAGDB_RETURN_IF_ERROR(f->Append(MakeHeader()));
  RAGDB_RETURN_IF_ERROR(f->Sync());
  RAGDB_RETURN_IF_ERROR(SyncDir(DirName(path)));
  return std::unique_ptr<WalWriter>(new WalWriter(std::move(f)));
}

Result<std::unique_ptr<WalWriter>> WalWriter::OpenForAppend(const std::string& path,
                                                            uint64_t valid_length) {
  RAGDB_ASSIGN_OR_RETURN(auto f, AppendableFile::Open(path));
  if (f->size() != valid_length) RAGDB_RETURN_IF_ERROR(f->Truncate(valid_length));
  return std::unique_ptr<WalWriter>(new WalWriter(std::move(f)));
}

Status WalWriter::Append(std::string_view frames, bool sync) {
  RAGDB_RETURN_IF_ERROR(file_->Append(frames));
  if (sync) RAGDB_RETURN_IF_ERROR(file_->Sync());
  return Status::Ok();
}

Status ReadWal(const std::string& path, const WalVisitor& visit, WalReadStats* stats) {
  *stats = WalReadStats{};
  RAGDB_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  std::string_view data = file->view();
  auto corrupt = [&](uint64_t offset, const std::string& what) {
    return Status::Corruption(path + ": " + what + " at byte " + std::to_string(offset));
  };
  if (data.size() < kWalHeaderSize) {
    // A crash while creating the file: nothing in it was ever acknowledged.
    std::string header = MakeHeader();
    if (!AllZero(data) && header.compare(0, data.size(), data) != 0) {
      return corrupt(0, "bad log header");
    }
    stats->dropped_bytes = data.size();
    return Status::Ok();
  }
  if (std::memcmp(data.data(), kMagic, 8) != 0 ||
      DecodeFixed32(data.data() + 12) != crc32c::Value(data.data(), 12)) {
    return corrupt(0, "bad log header");
  }
  if (DecodeFixed32(data.data() + 8) != kVersion) return corrupt(8, "unsupported log version");
  uint64_t pos = kWalHeaderSize;
  while (pos < data.size()) {
    uint64_t left = data.size() - pos;
    if (left < kWalFrameHeaderSize) break;  // torn frame header
    uint32_t len = DecodeFixed32(data.data() + pos);
    uint32_t crc = DecodeFixed32(data.data() + pos + 4);
    if (DecodeFixed32(data.data() + pos + 8) != crc32c::Value(data.data() + pos, 8)) {
      if (AllZero(data.substr(pos))) break;  // zero-filled tail after a power loss
      return corrupt(pos, "checksum mismatch in log frame header");
    }
    if (len < 9 || len > kMaxWalFrameBytes) return corrupt(pos, "bad frame length");
    if (kWalFrameHeaderSize + len > left) break;  // torn: the frame runs past the end
    std::string_view body = data.substr(pos + kWalFrameHeaderSize, len);
    if (crc32c::Value(body.data(), body.size()) != crc) {
      // The last frame ending in zeros was being written when power failed after the file grew.
      bool last = pos + kWalFrameHeaderSize + len == data.size();
      if (last && body.size() >= 8 && AllZero(body.substr(body.size() - 8))) break;
      return corrupt(pos, "checksum mismatch in log frame");
    }
    uint64_t seq = DecodeFixed64(body.data());
    auto type = static_cast<WalRecordType>(static_cast<uint8_t>(body[8]));
    if (type != WalRecordType::kUpsert && type != WalRecordType::kDelete &&
        type != WalRecordType::kUpsertTyped && type != WalRecordType::kUpsertMulti) {
      return corrupt(pos, "unknown log record type " + std::to_string(static_cast<int>(type)));
    }
    Status s = visit(seq, type, body.substr(9));
    if (!s.ok()) return s.WithContext(path + " at byte " + std::to_string(pos));
    stats->frames++;
    stats->last_seq = seq;
    pos += kWalFrameHeaderSize + len;
  }
  stats->valid_length = pos;
  stats->dropped_bytes = data.size() - pos;
  return Status::Ok();
}

}  // namespace ragdb::storage
