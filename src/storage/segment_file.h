// Immutable segment files: named, checksummed sections laid out for mmap. Format:
// docs/format-segment.md.
//
//   file    := header section* table
//   header  := "RAGDBSEG" u32 version(=1) u32 flags u64 rows u64 table_offset u64 table_length
//              u32 table_crc u32 header_crc(bytes 0..43), zero-padded to 64 bytes
//   section := raw bytes, starting on a 64-byte boundary (so float columns are aligned)
//   table   := varint count, then per section: bytes name, u64 offset, u64 length, u32 crc32c
//
// The writer streams sections to "<path>.tmp", then fsyncs and renames, so a crash never leaves a
// half-written segment under its final name.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "ragdb/status.h"

namespace ragdb::storage {

class SegmentFileWriter {
 public:
  static Result<std::unique_ptr<SegmentFileWriter>> Create(const std::string& path, uint64_t rows);
  ~SegmentFileWriter();

  // Appends a section; its bytes are copied to the file now. Names are unique.
  Status AddSection(std::string_view name, std::string_view bytes);
  // Writes the table and header, fsyncs, renames into place, fsyncs the directory.
  Status Finish();

 private:
  SegmentFileWriter(int fd, std::string path, uint64_t rows)
      : fd_(fd), path_(std::move(path)), rows_(rows) {}
  Status Write(std::string_view bytes);
  struct Entry {
    std::string name;
    uint64_t offset, length;
    uint32_t crc;
  };
  int fd_;
  std::string path_;
  uint64_t rows_;
  uint64_t pos_ = 0;
  std::vector<Entry> entries_;
  bool finished_ = false;
};

class SegmentFileReader {
 public:
  // Maps the file and validates header and table; with `verify`, also every section's checksum.
  // `frugal` (memory-limited databases): the checksums are computed from pread()s, not through
  // the mapping, and the mapping is for random access (single pages per fault; MappedFile), so
  // opening a file larger than the memory limit does not make it resident.
  static Result<std::unique_ptr<SegmentFileReader>> Open(const std::string& path, bool verify,
                                                         bool frugal = false);

  uint64_t rows() const { return rows_; }
  bool Has(std::string_view name) const { return sections_.count(std::string(name)) > 0; }
  // The section's bytes (valid while the reader lives), or NotFound naming file and section.
  Result<std::string_view> Section(std::string_view name) const;
  std::vector<std::string> SectionNames() const;
  const std::string& path() const { return file_->path(); }
  size_t file_size() const { return file_->size(); }
  // Drops the process's resident pages of the file (they stay in the page cache); see
  // MappedFile::ReleasePages.
  void ReleasePages() const { file_->ReleaseAll(); }
  void ReleasePages(std::string_view section_bytes) const {
    file_->ReleasePages(static_cast<size_t>(section_bytes.data() - file_->view().data()),
                        section_bytes.size());
  }

 private:
  std::unique_ptr<MappedFile> file_;
  uint64_t rows_ = 0;
  std::map<std::string, std::string_view, std::less<>> sections_;
};

// Tombstone files: which rows of a segment are deleted, as of a checkpoint.
//   "RAGDBDEL" u64 rows u64 words[(rows+63)/64] u32 crc32c(everything before)
Status WriteTombstones(const std::string& path, uint64_t rows, const std::vector<uint64_t>& words);
Result<std::vector<uint64_t>> ReadTombstones(const std::string& path, uint64_t rows);

}  // namespace ragdb::storage
