// The texmex .fvecs / .ivecs formats used by ANN benchmarks: per vector, an int32 dimension
// (little-endian) followed by that many float32 (fvecs) or int32 (ivecs) values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ragdb/status.h"

namespace ragdb::cli {

struct FloatMatrix {
  size_t rows = 0;
  size_t dim = 0;
  std::vector<float> data;  // rows x dim, row-major
};

// Every row must have the same dimension; errors name the file and the row.
Result<FloatMatrix> ReadFvecs(const std::string& path);
// Writes rows of ids; each row padded with -1 to `k` entries.
Status WriteIvecs(const std::string& path, const std::vector<std::vector<int32_t>>& rows, size_t k);

}  // namespace ragdb::cli
