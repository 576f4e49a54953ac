// A reader for the safetensors format: 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the raw tensor bytes (offsets are relative to the end of the header). The file is mapped,
// the header is checked in full at open (offsets inside the file, sizes matching dtype x shape),
// and tensors are converted to f32 on request.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/file.h"
#include "ragdb/status.h"

namespace ragdb::model {

enum class DType { kF32, kF16, kBF16, kOther };

struct TensorInfo {
  DType dtype = DType::kF32;
  std::string dtype_name;  // as written in the header ("F32", "I64", ...)
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // inside the mapping
  size_t bytes = 0;
};

class SafeTensors {
 public:
  static Result<std::unique_ptr<SafeTensors>> Open(const std::string& path);
  // Same checks on bytes already in memory (tests); `bytes` must outlive the object.
  static Result<std::unique_ptr<SafeTensors>> Parse(const uint8_t* bytes, size_t size,
                                                    std::string name);

  bool Has(const std::string& name) const { return tensors_.count(name) != 0; }
  const TensorInfo* Find(const std::string& name) const;
  // The tensor converted to f32 (row-major), after checking its shape equals `shape`.
  Result<std::vector<float>> ReadF32(const std::string& name,
                                     const std::vector<int64_t>& shape) const;
  // Drops this process's pages of the tensor's bytes (they stay in the page cache), so that
  // converting a large model does not hold the mapping and the f32 copy resident at once.
  void Release(const std::string& name) const;
  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
  const std::string& path() const { return path_; }

 private:
  std::unique_ptr<MappedFile> file_;
  std::string path_;
  std::map<std::string, TensorInfo> tensors_;
};

std::string ShapeString(const std::vector<int64_t>& shape);

// `t` (nullptr: missing) converted to f32 after checking its shape; errors name `file` and
// `name`. Shared by the safetensors and PyTorch checkpoint readers.
Result<std::vector<float>> ReadTensorF32(const TensorInfo* t, const std::string& file,
                                         const std::string& name,
                                         const std::vector<int64_t>& shape);

}  // namespace ragdb::model
