#include "cli/vecs_io.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "base/file.h"

namespace ragdb::cli {

Result<std::unique_ptr<FvecsReader>> FvecsReader::Open(const std::string& path) {
  RAGDB_ASSIGN_OR_RETURN(uint64_t size, FileSize(path));
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  std::unique_ptr<FvecsReader> r(new FvecsReader(f, path, 0, 0, size));
  if (size == 0) return r;
  int32_t dim = 0;
  if (size < 4 || std::fread(&dim, 4, 1, f) != 1) {
    return Status::InvalidArgument(path + ": truncated at row 0");
  }
  if (dim <= 0 || dim > 65536) {
    return Status::InvalidArgument(path + ": row 0 has dimension " + std::to_string(dim) +
                                   " (not an .fvecs file?)");
  }
  r->dim_ = static_cast<size_t>(dim);
  const uint64_t row_bytes = 4 + 4 * r->dim_;
  r->rows_ = size / row_bytes;
  if (size % row_bytes != 0) {
    return Status::InvalidArgument(path + ": truncated at row " + std::to_string(r->rows_) + " (" +
                                   std::to_string(size) + " bytes is not a whole number of " +
                                   std::to_string(row_bytes) + "-byte rows)");
  }
  RAGDB_RETURN_IF_ERROR(r->Rewind());
  return r;
}

FvecsReader::~FvecsReader() { std::fclose(file_); }

Status FvecsReader::Rewind() {
  if (std::fseek(file_, 0, SEEK_SET) != 0) return Status::IOError("cannot seek in " + path_);
  next_row_ = 0;
  return Status::Ok();
}

Result<size_t> FvecsReader::Read(size_t max_rows, std::vector<float>* out) {
  const size_t n = std::min(max_rows, rows_ - next_row_);
  const size_t row_bytes = 4 + 4 * dim_;
  buffer_.resize(n * row_bytes);
  out->resize(n * dim_);
  if (n == 0) return size_t{0};
  if (std::fread(buffer_.data(), row_bytes, n, file_) != n) {
    return Status::IOError("reading " + path_ + " failed at row " + std::to_string(next_row_));
  }
  for (size_t i = 0; i < n; ++i) {
    const char* row = buffer_.data() + i * row_bytes;
    const size_t number = next_row_ + i;
    int32_t dim;
    std::memcpy(&dim, row, 4);
    if (static_cast<size_t>(dim) != dim_) {
      return Status::InvalidArgument(path_ + ": row " + std::to_string(number) + " has dimension " +
                                     std::to_string(dim) + ", the first row has " +
                                     std::to_string(dim_));
    }
    float* dst = out->data() + i * dim_;
    std::memcpy(dst, row + 4, dim_ * 4);
    for (size_t k = 0; k < dim_; ++k) {
      if (!std::isfinite(dst[k])) {
        return Status::InvalidArgument(path_ + ": row " + std::to_string(number) + " component " +
                                       std::to_string(k) + " is " +
                                       (std::isnan(dst[k]) ? "NaN" : "infinite"));
      }
    }
  }
  next_row_ += n;
  return n;
}

Result<FloatMatrix> ReadFvecs(const std::string& path) {
  RAGDB_ASSIGN_OR_RETURN(auto reader, FvecsReader::Open(path));
  FloatMatrix m;
  m.rows = reader->rows();
  m.dim = reader->dim();
  RAGDB_ASSIGN_OR_RETURN(size_t n, reader->Read(m.rows, &m.data));
  (void)n;
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
