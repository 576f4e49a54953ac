// The texmex .fvecs / .ivecs formats used by ANN benchmarks: per vector, an int32 dimension
// (little-endian) followed by that many float32 (fvecs) or int32 (ivecs) values.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "ragdb/status.h"

namespace ragdb::cli {

struct FloatMatrix {
  size_t rows = 0;
  size_t dim = 0;
  std::vector<float> data;  // rows x dim, row-major
};

// Reads an .fvecs file in batches of rows with a fixed buffer, so a file of any size streams.
// Every row must have the first row's dimension and finite values; errors name the file and
// the row.
class FvecsReader {
 public:
  // Reads the first row's dimension; the file size must be a whole number of rows.
  static Result<std::unique_ptr<FvecsReader>> Open(const std::string& path);
  ~FvecsReader();
  FvecsReader(const FvecsReader&) = delete;
  FvecsReader& operator=(const FvecsReader&) = delete;

  size_t dim() const { return dim_; }
  size_t rows() const { return rows_; }
  uint64_t bytes() const { return bytes_; }
  // Replaces *out with the next up to `max_rows` rows (rows x dim floats); 0 at the end.
  Result<size_t> Read(size_t max_rows, std::vector<float>* out);
  // Back to the first row.
  Status Rewind();

 private:
  FvecsReader(std::FILE* f, std::string path, size_t dim, size_t rows, uint64_t bytes)
      : file_(f), path_(std::move(path)), dim_(dim), rows_(rows), bytes_(bytes) {}
  std::FILE* file_;
  std::string path_;
  size_t dim_;
  size_t rows_;
  uint64_t bytes_;
  size_t next_row_ = 0;
  std::vector<char> buffer_;
};

// The whole file in memory (query sets).
Result<FloatMatrix> ReadFvecs(const std::string& path);
// Writes rows of ids; each row padded with -1 to `k` entries.
Status WriteIvecs(const std::string& path, const std::vector<std::vector<int32_t>>& rows, size_t k);

}  // namespace ragdb::cli
