#include "cli/vecs_io.h"

#include <cmath>
#include <cstring>

#include "base/file.h"

namespace ragdb::cli {

Result<FloatMatrix> ReadFvecs(const std::string& path) {
  RAGDB_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  const uint8_t* p = file->data();
  size_t left = file->size();
  FloatMatrix m;
  while (left > 0) {
    if (left < 4)
      return Status::InvalidArgument(path + ": truncated at row " + std::to_string(m.rows));
    int32_t dim;
    std::memcpy(&dim, p, 4);
    if (dim <= 0 || dim > 65536) {
      return Status::InvalidArgument(path + ": row " + std::to_string(m.rows) + " has dimension " +
                                     std::to_string(dim) + " (not an .fvecs file?)");
    }
    if (m.rows == 0) m.dim = static_cast<size_t>(dim);
    if (static_cast<size_t>(dim) != m.dim) {
      return Status::InvalidArgument(path + ": row " + std::to_string(m.rows) + " has dimension " +
                                     std::to_string(dim) + ", the first row has " +
                                     std::to_string(m.dim));
    }
    size_t bytes = 4 + m.dim * 4;
    if (left < bytes)
      return Status::InvalidArgument(path + ": truncated at row " + std::to_string(m.rows));
    size_t at = m.data.size();
    m.data.resize(at + m.dim);
    std::memcpy(&m.data[at], p + 4, m.dim * 4);
    p += bytes;
    left -= bytes;
    m.rows++;
  }
  return m;
}

Status WriteIvecs(const std::string& path, const std::vector<std::vector<int32_t>>& rows,
                  size_t k) {
  std::string out;
  out.reserve(rows.size() * (4 + 4 * k));
  for (const auto& row : rows) {
    int32_t n = static_cast<int32_t>(k);
    out.append(reinterpret_cast<const char*>(&n), 4);
    for (size_t i = 0; i < k; ++i) {
      int32_t v = i < row.size() ? row[i] : -1;
      out.append(reinterpret_cast<const char*>(&v), 4);
    }
  }
  return WriteFileAtomic(path, out);
}

}  // namespace ragdb::cli
