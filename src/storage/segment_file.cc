#include "storage/segment_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/bytes.h"
#include "base/crc32c.h"

namespace ragdb::storage {
namespace {

constexpr char kMagic[8] = {'R', 'A', 'G', 'D', 'B', 'S', 'E', 'G'};
constexpr char kDelMagic[8] = {'R', 'A', 'G', 'D', 'B', 'D', 'E', 'L'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderSize = 64;
constexpr size_t kAlign = 64;

Status Errno(const char* what, const std::string& path) {
  return Status::IOError(std::string(what) + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<SegmentFileWriter>> SegmentFileWriter::Create(const std::string& path,
                                                                     uint64_t rows) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("create", tmp);
  std::unique_ptr<SegmentFileWriter> w(new SegmentFileWriter(fd, path, rows));
  RAGDB_RETURN_IF_ERROR(w->Write(std::string(kHeaderSize, '\0')));  // rewritten by Finish
  return w;
}

SegmentFileWriter::~SegmentFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!finished_) ::unlink((path_ + ".tmp").c_str());
}

Status SegmentFileWriter::Write(std::string_view bytes) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", path_ + ".tmp");
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  pos_ += bytes.size();
  return Status::Ok();
}

Status SegmentFileWriter::AddSection(std::string_view name, std::string_view bytes) {
  for (const auto& e : entries_) {
    if (e.name == name) return Status::Internal("duplicate segment section " + std::string(name));
  }
  if (pos_ % kAlign != 0) RAGDB_RETURN_IF_ERROR(Write(std::string(kAlign - pos_ % kAlign, '\0')));
  entries_.push_back(
      {std::string(name), pos_, bytes.size(), crc32c::Value(bytes.data(), bytes.size())});
  return Write(bytes);
}

Status SegmentFileWriter::Finish() {
  std::string table;
  PutVarint(&table, entries_.size());
  for (const auto& e : entries_) {
    PutBytes(&table, e.name);
    PutFixed64(&table, e.offset);
    PutFixed64(&table, e.length);
    PutFixed32(&table, e.crc);
  }
  uint64_t table_offset = pos_;
  RAGDB_RETURN_IF_ERROR(Write(table));
  std::string header(kMagic, 8);
  PutFixed32(&header, kVersion);
  PutFixed32(&header, 0);
  PutFixed64(&header, rows_);
  PutFixed64(&header, table_offset);
  PutFixed64(&header, table.size());
  PutFixed32(&header, crc32c::Value(table.data(), table.size()));
  PutFixed32(&header, crc32c::Value(header.data(), header.size()));
  header.resize(kHeaderSize, '\0');
  std::string tmp = path_ + ".tmp";
  if (::pwrite(fd_, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
    return Errno("write header", tmp);
  }
  if (::fsync(fd_) != 0) return Errno("fsync", tmp);
  ::close(fd_);
  fd_ = -1;
  RAGDB_RETURN_IF_ERROR(RenameFile(tmp, path_));
  finished_ = true;
  return SyncDir(DirName(path_));
}

Result<std::unique_ptr<SegmentFileReader>> SegmentFileReader::Open(const std::string& path,
                                                                   bool verify, bool frugal) {
  std::unique_ptr<SegmentFileReader> r(new SegmentFileReader());
  RAGDB_ASSIGN_OR_RETURN(r->file_, MappedFile::Open(path, /*random_access=*/frugal));
  std::string_view data = r->file_->view();
  auto corrupt = [&](const std::string& what) { return Status::Corruption(path + ": " + what); };
  if (data.size() < kHeaderSize || std::memcmp(data.data(), kMagic, 8) != 0) {
    return corrupt("not a ragdb segment file (bad magic or too short)");
  }
  if (DecodeFixed32(data.data() + 44) != crc32c::Value(data.data(), 44)) {
    return corrupt("header checksum mismatch");
  }
  if (DecodeFixed32(data.data() + 8) != kVersion) return corrupt("unsupported segment version");
  r->rows_ = DecodeFixed64(data.data() + 16);
  uint64_t table_offset = DecodeFixed64(data.data() + 24);
  uint64_t table_length = DecodeFixed64(data.data() + 32);
  if (table_offset > data.size() || table_length > data.size() - table_offset) {
    return corrupt("section table out of bounds");
  }
  std::string_view table = data.substr(table_offset, table_length);
  if (DecodeFixed32(data.data() + 40) != crc32c::Value(table.data(), table.size())) {
    return corrupt("section table checksum mismatch");
  }
  ByteReader in(table);
  uint64_t count;
  if (!in.GetVarint(&count)) return corrupt("truncated section table");
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name;
    uint64_t offset, length;
    uint32_t crc;
    if (!in.GetBytes(&name) || !in.GetFixed64(&offset) || !in.GetFixed64(&length) ||
        !in.GetFixed32(&crc)) {
      return corrupt("truncated section table");
    }
    if (offset < kHeaderSize || offset > table_offset || length > table_offset - offset) {
      return corrupt("section '" + std::string(name) + "' out of bounds");
    }
    std::string_view bytes = data.substr(offset, length);
    uint32_t actual = 0;
    if (verify && frugal) {  // read, not mapped: verifying does not make the file resident
      RAGDB_ASSIGN_OR_RETURN(actual, ChecksumFileRange(path, offset, length, /*drop_cache=*/true));
    } else if (verify) {
      actual = crc32c::Value(bytes.data(), bytes.size());
    }
    if (verify && actual != crc) {
      return corrupt("checksum mismatch in section '" + std::string(name) + "'");
    }
    r->sections_.emplace(std::string(name), bytes);
  }
  if (!in.empty()) return corrupt("trailing bytes in section table");
  // Reading for the checksums cached the file in large folios, some straddling the pieces that
  // were dropped; a mapped fault maps a whole folio. Drop them all: later faults read single
  // pages (the mapping has no readahead).
  if (frugal && verify) DropFileCache(path);
  return r;
}

Result<std::string_view> SegmentFileReader::Section(std::string_view name) const {
  auto it = sections_.find(name);
  if (it == sections_.end()) {
    return Status::Corruption(path() + ": missing section '" + std::string(name) + "'");
  }
  return it->second;
}

std::vector<std::string> SegmentFileReader::SectionNames() const {
  std::vector<std::string> names;
  for (const auto& [name, bytes] : sections_) names.push_back(name);
  return names;
}

Status WriteTombstones(const std::string& path, uint64_t rows, const std::vector<uint64_t>& words) {
  std::string out(kDelMagic, 8);
  PutFixed64(&out, rows);
  out.append(reinterpret_cast<const char*>(words.data()), words.size() * 8);
  PutFixed32(&out, crc32c::Value(out.data(), out.size()));
  return WriteFileAtomic(path, out);
}

Result<std::vector<uint64_t>> ReadTombstones(const std::string& path, uint64_t rows) {
  RAGDB_ASSIGN_OR_RETURN(std::string data, ReadFile(path));
  size_t words = (rows + 63) / 64;
  if (data.size() != 8 + 8 + words * 8 + 4 || std::memcmp(data.data(), kDelMagic, 8) != 0 ||
      DecodeFixed64(data.data() + 8) != rows) {
    return Status::Corruption(path + ": malformed tombstone file");
  }
  if (DecodeFixed32(data.data() + data.size() - 4) != crc32c::Value(data.data(), data.size() - 4)) {
    return Status::Corruption(path + ": tombstone checksum mismatch");
  }
  std::vector<uint64_t> out(words);
  std::memcpy(out.data(), data.data() + 16, words * 8);
  return out;
}

}  // namespace ragdb::storage
