// Helpers shared by storage and db tests: a temporary folder removed at the end of the test.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "base/file.h"

namespace ragdb::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ragdb_test_XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() { (void)RemoveAll(path_); }
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return JoinPath(path_, name); }

 private:
  std::string path_;
};

// Flips one bit of the byte at `offset` of the file, in place.
inline void FlipByte(const std::string& path, size_t offset) {
  std::string data = *ReadFile(path);
  ASSERT_LT(offset, data.size());
  data[offset] ^= 0x10;
  FILE* f = fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  fwrite(data.data(), 1, data.size(), f);
  fclose(f);
}

inline void TruncateFile(const std::string& path, size_t size) {
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(size)), 0);
}

}  // namespace ragdb::testing
