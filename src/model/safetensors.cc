#include "model/safetensors.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "simd/half.h"

namespace ragdb::model {
namespace {

// Headers of real models are a few hundred KiB; anything near this is a corrupt length field.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

size_t DTypeSize(const std::string& name) {
  if (name == "F64" || name == "I64" || name == "U64") return 8;
  if (name == "F32" || name == "I32" || name == "U32") return 4;
  if (name == "F16" || name == "BF16" || name == "I16" || name == "U16") return 2;
  if (name == "I8" || name == "U8" || name == "BOOL" || name == "F8_E4M3" || name == "F8_E5M2")
    return 1;
  return 0;
}

DType DTypeOf(const std::string& name) {
  if (name == "F32") return DType::kF32;
  if (name == "F16") return DType::kF16;
  if (name == "BF16") return DType::kBF16;
  return DType::kOther;
}

Status ParseHeader(const uint8_t* bytes, size_t size, const std::string& name,
                   std::map<std::string, TensorInfo>* out) {
  auto bad = [&](const std::string& why) { return Status::Corruption(name + ": " + why); };
  if (size < 8) return bad("file is shorter than the 8-byte header length");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > kMaxHeaderBytes || header_len > size - 8) {
    return bad("header length " + std::to_string(header_len) + " exceeds the file size " +
               std::to_string(size));
  }
  const uint8_t* data = bytes + 8 + header_len;
  const size_t data_size = size - 8 - header_len;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes + 8, bytes + 8 + header_len);
  } catch (const nlohmann::json::exception& e) {
    return bad(std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) return bad("header is not a JSON object");
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") continue;
    const std::string where = "tensor '" + key + "': ";
    if (!value.is_object()) return bad(where + "entry is not an object");
    auto dt = value.find("dtype");
    auto sh = value.find("shape");
    auto off = value.find("data_offsets");
    if (dt == value.end() || !dt->is_string()) return bad(where + "missing string 'dtype'");
    if (sh == value.end() || !sh->is_array()) return bad(where + "missing array 'shape'");
    if (off == value.end() || !off->is_array() || off->size() != 2 ||
        !(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned()) {
      return bad(where + "'data_offsets' must be two non-negative integers");
    }
    TensorInfo info;
    info.dtype_name = dt->get<std::string>();
    info.dtype = DTypeOf(info.dtype_name);
    size_t elem = DTypeSize(info.dtype_name);
    if (elem == 0) return bad(where + "unknown dtype '" + info.dtype_name + "'");
    uint64_t count = 1;
    for (const auto& d : *sh) {
      if (!d.is_number_unsigned()) return bad(where + "shape entries must be non-negative");
      uint64_t v = d.get<uint64_t>();
      if (v != 0 && count > (1ull << 40) / v) return bad(where + "shape is implausibly large");
      count *= v;
      info.shape.push_back(static_cast<int64_t>(v));
    }
    uint64_t begin = (*off)[0].get<uint64_t>();
    uint64_t end = (*off)[1].get<uint64_t>();
    if (begin > end || end > data_size) {
      return bad(where + "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                 "] lie outside the " + std::to_string(data_size) + " data bytes");
    }
    if (end - begin != count * elem) {
      return bad(where + "holds " + std::to_string(end - begin) + " bytes but " + info.dtype_name +
                 ShapeString(info.shape) + " needs " + std::to_string(count * elem));
    }
    info.data = data + begin;
    info.bytes = end - begin;
    (*out)[key] = std::move(info);
  }
  return Status::Ok();
}

}  // namespace

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Result<std::unique_ptr<SafeTensors>> SafeTensors::Open(const std::string& path) {
  RAGDB_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  auto st = std::unique_ptr<SafeTensors>(new SafeTensors());
  RAGDB_RETURN_IF_ERROR(ParseHeader(file->data(), file->size(), path, &st->tensors_));
  st->file_ = std::move(file);
  st->path_ = path;
  return st;
}

Result<std::unique_ptr<SafeTensors>> SafeTensors::Parse(const uint8_t* bytes, size_t size,
                                                        std::string name) {
  auto st = std::unique_ptr<SafeTensors>(new SafeTensors());
  RAGDB_RETURN_IF_ERROR(ParseHeader(bytes, size, name, &st->tensors_));
  st->path_ = std::move(name);
  return st;
}

const TensorInfo* SafeTensors::Find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

void SafeTensors::Release(const std::string& name) const {
  const TensorInfo* t = Find(name);
  if (t == nullptr || file_ == nullptr) return;
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  // Only whole pages inside the tensor: neighbours may still be needed.
  uintptr_t b = (reinterpret_cast<uintptr_t>(t->data) + page - 1) / page * page;
  uintptr_t e = (reinterpret_cast<uintptr_t>(t->data) + t->bytes) / page * page;
  if (e > b) madvise(reinterpret_cast<void*>(b), e - b, MADV_DONTNEED);
}

Result<std::vector<float>> SafeTensors::ReadF32(const std::string& name,
                                                const std::vector<int64_t>& shape) const {
  return ReadTensorF32(Find(name), path_, name, shape);
}

Result<std::vector<float>> ReadTensorF32(const TensorInfo* t, const std::string& file,
                                         const std::string& name,
                                         const std::vector<int64_t>& shape) {
  if (t == nullptr) return Status::NotFound(file + ": missing tensor '" + name + "'");
  if (t->shape != shape) {
    return Status::InvalidArgument(file + ": tensor '" + name + "' has shape " +
                                   ShapeString(t->shape) + ", expected " + ShapeString(shape));
  }
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  std::vector<float> out(n);
  switch (t->dtype) {
    case DType::kF32:
      std::memcpy(out.data(), t->data, n * 4);  // the mapping may not be 4-byte aligned
      break;
    case DType::kF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t->data + 2 * i, 2);
        out[i] = simd::HalfBitsToFloat(h);
      }
      break;
    case DType::kBF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t->data + 2 * i, 2);
        uint32_t bits = static_cast<uint32_t>(h) << 16;
        std::memcpy(&out[i], &bits, 4);
      }
      break;
    case DType::kOther:
      return Status::InvalidArgument(file + ": tensor '" + name + "' has dtype " + t->dtype_name +
                                     "; only F32, F16 and BF16 are supported");
  }
  return out;
}

}  // namespace ragdb::model
