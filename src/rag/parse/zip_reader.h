// Read-only access to a zip archive in memory (libzip), with zip-bomb guards applied before
// anything is inflated: entry count and the sum of declared uncompressed sizes are capped, and a
// read never inflates more than the entry's declared size.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "ragdb/status.h"

struct zip;

namespace ragdb::rag {

class ZipReader {
 public:
  // `bytes` must outlive the reader. `what` prefixes error messages ("docx").
  static Result<std::unique_ptr<ZipReader>> Open(std::string_view bytes, std::string_view what,
                                                 size_t max_entries, size_t max_total_bytes);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  bool Has(const std::string& name) const;
  // NotFound when absent; Corruption when the entry is damaged.
  Result<std::string> Read(const std::string& name) const;

 private:
  ZipReader(zip* archive, std::string what) : archive_(archive), what_(std::move(what)) {}
  zip* archive_;
  std::string what_;
};

}  // namespace ragdb::rag
