// A reader for GGUF files (llama.cpp's model format), version 2 and 3:
//
//   "GGUF" u32 version, u64 tensor_count, u64 kv_count,
//   kv_count x (string key, u32 value_type, value)          metadata
//   tensor_count x (string name, u32 n_dims, u64 dims[n_dims], u32 type, u64 offset)
//   padding to `general.alignment` (default 32), then the tensor data; offsets are relative to
//   the start of the data and aligned.
//
// Strings are u64 length + bytes. The file is mapped; everything is checked at open (lengths
// and counts against the bytes left, dimensions against overflow, each tensor's bytes inside the
// file, types supported), so a truncated or corrupt file is refused with an error naming the
// problem and nothing later reads outside the mapping.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "base/file.h"
#include "model/llm/tensor_types.h"
#include "ragdb/status.h"

namespace ragdb::model::llm {

// One metadata value. Arrays keep their elements' type; string arrays (vocabularies) and number
// arrays are the only arrays models use.
struct GgufValue {
  enum class Kind { kInt, kUInt, kFloat, kBool, kString, kArray };
  Kind kind = Kind::kInt;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
  bool b = false;
  std::string s;
  std::vector<GgufValue> array;
};

struct GgufTensor {
  std::string name;
  GgmlType type = GgmlType::kF32;
  std::vector<uint64_t> dims;  // ggml order: dims[0] is the row length (innermost)
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  uint64_t elements() const {
    uint64_t n = 1;
    for (uint64_t d : dims) n *= d;
    return n;
  }
  uint64_t rows() const { return dims.empty() ? 0 : elements() / dims[0]; }
};

class GgufFile {
 public:
  static Result<std::unique_ptr<GgufFile>> Open(const std::string& path);
  // The same checks on bytes in memory; `bytes` must outlive the object.
  static Result<std::unique_ptr<GgufFile>> Parse(const uint8_t* bytes, size_t size,
                                                 std::string name);

  uint32_t version() const { return version_; }
  const std::string& path() const { return path_; }
  const std::map<std::string, GgufValue>& metadata() const { return kv_; }
  const std::map<std::string, GgufTensor>& tensors() const { return tensors_; }

  const GgufValue* Find(const std::string& key) const;
  const GgufTensor* FindTensor(const std::string& name) const;
  // Typed metadata reads: NotFound when absent, InvalidArgument for another type.
  Result<std::string> GetString(const std::string& key) const;
  Result<uint64_t> GetUInt(const std::string& key) const;  // any non-negative integer
  Result<double> GetFloat(const std::string& key) const;   // any number
  std::string StringOr(const std::string& key, const std::string& fallback) const;
  uint64_t UIntOr(const std::string& key, uint64_t fallback) const;
  double FloatOr(const std::string& key, double fallback) const;
  bool BoolOr(const std::string& key, bool fallback) const;

 private:
  std::unique_ptr<MappedFile> file_;
  std::string path_;
  uint32_t version_ = 0;
  std::map<std::string, GgufValue> kv_;
  std::map<std::string, GgufTensor> tensors_;
};

}  // namespace ragdb::model::llm
