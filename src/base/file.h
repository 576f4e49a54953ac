// File I/O with the durability steps spelled out: every write that must survive a crash goes
// through AppendableFile::Sync or WriteFileAtomic (temp file, fsync, rename, fsync directory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ragdb/status.h"

namespace ragdb {

Status CreateDirs(const std::string& path);
bool FileExists(const std::string& path);
Result<uint64_t> FileSize(const std::string& path);
Result<std::string> ReadFile(const std::string& path);
// Names (not paths) of the entries of a directory, sorted.
Result<std::vector<std::string>> ListDir(const std::string& path);
Status RemoveFile(const std::string& path);
Status RemoveAll(const std::string& path);
Status RenameFile(const std::string& from, const std::string& to);
// fsync of a directory, so that a rename or a new file in it is durable.
Status SyncDir(const std::string& path);
// Writes `data` to `path` so that after a crash the file holds either the old or the new bytes:
// write to path + ".tmp", fsync, rename over `path`, fsync the directory.
Status WriteFileAtomic(const std::string& path, std::string_view data);
std::string JoinPath(std::string_view a, std::string_view b);
std::string DirName(const std::string& path);

// An append-only file (WAL). Not thread-safe: the caller serializes.
class AppendableFile {
 public:
  // Opens for append, creating the file when absent.
  static Result<std::unique_ptr<AppendableFile>> Open(const std::string& path);
  ~AppendableFile();
  AppendableFile(const AppendableFile&) = delete;
  AppendableFile& operator=(const AppendableFile&) = delete;

  Status Append(std::string_view data);
  Status Sync();  // fdatasync: the appended bytes are durable when this returns OK
  Status Truncate(uint64_t size);
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  AppendableFile(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  int fd_;
  std::string path_;
  uint64_t size_;
};

// A read-only memory map of a whole file. Empty files map to an empty view.
class MappedFile {
 public:
  // random_access (frugal mode): no readahead, single pages mapped per fault (see file.cc).
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path,
                                                  bool random_access = false);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }
  const std::string& path() const { return path_; }

  // Frugal mode (DatabaseOptions::memory_limit_bytes): drops this process's mapping of the pages
  // wholly inside [offset, offset + length) (madvise MADV_DONTNEED). They stay in the kernel's
  // page cache and come back on the next access, so nothing is lost; the process's resident set
  // shrinks. No-op where unsupported.
  void ReleasePages(size_t offset, size_t length) const;
  void ReleaseAll() const { ReleasePages(0, size_); }

 private:
  MappedFile(const uint8_t* data, size_t size, std::string path)
      : data_(data), size_(size), path_(std::move(path)) {}
  const uint8_t* data_;
  size_t size_;
  std::string path_;
};

// CRC32C of bytes [offset, offset + length) of a file, read with pread a MiB at a time (not
// through a mapping, so they do not become the process's resident memory); with drop_cache the
// pages read are also dropped from the page cache (POSIX_FADV_DONTNEED).
Result<uint32_t> ChecksumFileRange(const std::string& path, uint64_t offset, uint64_t length,
                                   bool drop_cache);
// Drops the file's cached pages that no process maps (POSIX_FADV_DONTNEED over the whole file);
// errors are ignored (it is advice).
void DropFileCache(const std::string& path);

}  // namespace ragdb
