#include "index/format.h"

#include "base/crc32c.h"

namespace ragdb::index {
namespace {

constexpr char kMagic[8] = {'R', 'A', 'G', 'D', 'B', 'I', 'X', '1'};
constexpr size_t kHeaderSize = 64;
constexpr size_t kEntrySize = 32;
constexpr size_t kAlign = 64;

template <typename T>
void Put(std::string* s, size_t pos, T v) {
  std::memcpy(s->data() + pos, &v, sizeof(T));
}
template <typename T>
T Get(std::string_view s, size_t pos) {
  T v;
  std::memcpy(&v, s.data() + pos, sizeof(T));
  return v;
}
size_t AlignUp(size_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

}  // namespace

void BlobWriter::Finish(std::string* out) const {
  size_t table_end = kHeaderSize + kEntrySize * sections_.size();
  size_t total = AlignUp(table_end);
  std::vector<size_t> offsets;
  for (const Pending& p : sections_) {
    offsets.push_back(total);
    total = AlignUp(total + p.size);
  }
  std::string blob(total, '\0');
  std::memcpy(blob.data(), kMagic, 8);
  Put<uint32_t>(&blob, 8, kFormatVersion);
  Put<uint32_t>(&blob, 12, static_cast<uint32_t>(kind_));
  Put<uint32_t>(&blob, 16, static_cast<uint32_t>(sections_.size()));
  Put<uint64_t>(&blob, 24, total);
  for (size_t i = 0; i < sections_.size(); ++i) {
    const Pending& p = sections_[i];
    if (p.size) std::memcpy(blob.data() + offsets[i], p.data, p.size);
    size_t e = kHeaderSize + kEntrySize * i;
    Put<uint32_t>(&blob, e, p.tag);
    Put<uint32_t>(&blob, e + 4, crc32c::Value(p.data, p.size));
    Put<uint64_t>(&blob, e + 8, offsets[i]);
    Put<uint64_t>(&blob, e + 16, p.size);
  }
  Put<uint32_t>(&blob, 20, crc32c::Value(blob.data(), table_end));
  out->append(blob);
}

std::string BlobReader::TagName(uint32_t tag) {
  std::string s(4, ' ');
  for (int i = 0; i < 4; ++i) {
    char c = static_cast<char>((tag >> (8 * i)) & 0xff);
    s[i] = (c >= 32 && c < 127) ? c : '?';
  }
  return s;
}

Result<IndexKind> BlobReader::PeekKind(std::string_view bytes) {
  if (bytes.size() < kHeaderSize || std::memcmp(bytes.data(), kMagic, 8) != 0) {
    return Status::Corruption("not a ragdb index blob (bad magic or too short)");
  }
  uint32_t version = Get<uint32_t>(bytes, 8);
  if (version != kFormatVersion) {
    return Status::Corruption("unsupported index format version " + std::to_string(version));
  }
  uint32_t kind = Get<uint32_t>(bytes, 12);
  if (kind < 1 || kind > 4) return Status::Corruption("unknown index kind " + std::to_string(kind));
  return static_cast<IndexKind>(kind);
}

Result<std::unique_ptr<BlobReader>> BlobReader::Open(std::string_view bytes, IndexKind expected,
                                                     bool verify_checksums) {
  RAGDB_ASSIGN_OR_RETURN(IndexKind kind, PeekKind(bytes));
  if (kind != expected) return Status::Corruption("index blob holds a different index kind");
  uint64_t count = Get<uint32_t>(bytes, 16);
  uint64_t total = Get<uint64_t>(bytes, 24);
  if (total != bytes.size()) {
    return Status::Corruption("index blob size " + std::to_string(bytes.size()) + " != recorded " +
                              std::to_string(total));
  }
  if (count > 1024 || kHeaderSize + kEntrySize * count > bytes.size()) {
    return Status::Corruption("index section table out of range");
  }
  size_t table_end = kHeaderSize + kEntrySize * count;
  std::string header(bytes.substr(0, table_end));
  uint32_t want = Get<uint32_t>(header, 20);
  Put<uint32_t>(&header, 20, 0);
  if (crc32c::Value(header.data(), header.size()) != want) {
    return Status::Corruption("index header checksum mismatch");
  }
  auto reader = std::unique_ptr<BlobReader>(new BlobReader());
  for (size_t i = 0; i < count; ++i) {
    size_t e = kHeaderSize + kEntrySize * i;
    uint32_t tag = Get<uint32_t>(bytes, e);
    uint32_t crc = Get<uint32_t>(bytes, e + 4);
    uint64_t off = Get<uint64_t>(bytes, e + 8);
    uint64_t size = Get<uint64_t>(bytes, e + 16);
    if (off < table_end || off > bytes.size() || size > bytes.size() - off) {
      return Status::Corruption("index section " + TagName(tag) + " out of range");
    }
    std::string_view data = bytes.substr(off, size);
    if (verify_checksums && crc32c::Value(data.data(), data.size()) != crc) {
      return Status::Corruption("index section " + TagName(tag) + " checksum mismatch");
    }
    reader->sections_.push_back({tag, data});
  }
  return reader;
}

Result<std::string_view> BlobReader::Bytes(uint32_t tag) const {
  for (const Section& s : sections_)
    if (s.tag == tag) return s.bytes;
  return Status::Corruption("index section " + TagName(tag) + " missing");
}

}  // namespace ragdb::index
